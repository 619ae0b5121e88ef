#!/usr/bin/env bash
# `make bench`: builds the release binaries once, installs the Python analyzer (./.venv-bench), then runs
# scripts/bench.py, which starts a private moto + emulator on free ports (the developer's stack and .local/ are left
# alone), enriches synthetic runs of 1k, 10k and 100k tasks, runs the same manifests through omics-run-analyzer,
# loads the lookup API, prints one markdown report and writes it into docs/benchmarks.md (between the
# `<!-- bench:begin -->` / `<!-- bench:end -->` markers; the prose around them is kept).
#
# Env: BENCH_ARGS (extra scripts/bench.py options, e.g. "--tasks 1000,10000 --python-tasks 1000"),
#      BENCH_DOC (file to update, default docs/benchmarks.md; empty: print only).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bench_venv="$ROOT/.venv-bench"
bash "$ROOT/scripts/venv.sh" >&2
ensure_venv "$bench_venv" "$ROOT/tests/python/requirements-bench.txt" >&2

log "cargo build --release (enrich-run, track-run, render-run-page, local-api, emulator, synth-run, bench-load)" >&2
cargo build --release --quiet -p enrich-run -p track-run -p render-run-page -p local-api -p omics-introspect-tests --bins >&2

doc=${BENCH_DOC-docs/benchmarks.md}
report=$(mktemp)
trap 'rm -f "$report"' EXIT
# shellcheck disable=SC2086
"$bench_venv/bin/python" "$ROOT/scripts/bench.py" --write "$report" ${BENCH_ARGS:-}
if [[ -n $doc ]]; then
  "$bench_venv/bin/python" - "$doc" "$report" <<'PY'
import sys
from pathlib import Path

doc, report = Path(sys.argv[1]), Path(sys.argv[2]).read_text()
begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
block = f"{begin}\n{report.rstrip()}\n{end}"
text = doc.read_text() if doc.exists() else f"{block}\n"
if begin in text and end in text:
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    text = head + block + tail
elif begin not in text:
    text = block + "\n\n" + text
doc.parent.mkdir(parents=True, exist_ok=True)
doc.write_text(text)
PY
  log "updated $doc" >&2
fi
