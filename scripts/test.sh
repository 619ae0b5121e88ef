#!/usr/bin/env bash
# `make test`: starts the stack, runs the Rust and Python tests against it, always stops the stack, and exits
# with the tests' status.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# One cargo invocation builds every target (tests, the emulator, enrich-run, local-api) with one feature set; the
# stack, pytest and schemathesis then use these binaries instead of building their own (see build_binaries).
log "cargo build --workspace --all-targets"
cargo build --workspace --all-targets
export PREBUILT_BINARIES=1

trap 'bash "$ROOT/scripts/stack-down.sh"' EXIT

if ! bash scripts/stack-up.sh; then
  log "the local stack did not start" >&2
  exit 1
fi
set -a
# shellcheck source=/dev/null
source "$STACK_ENV"
set +a

status=0
# The property tests of the parsers (manifest lines, EventBridge events, queries, cursors) are the bounded fuzzing
# session: many more cases than their default 256, about a minute per parser family on 2 cores.
fuzz_cases=${CI_FUZZ_CASES:-25000}
log "cargo test --workspace --no-fail-fast (property tests: $fuzz_cases cases per property)"
PROPTEST_CASES=$fuzz_cases cargo test --workspace --no-fail-fast || status=$?

log "pytest tests/python"
py_status=0
"$VENV_DIR/bin/pytest" -q tests/python || py_status=$?
if ((py_status == 5)); then
  log "pytest collected no tests (exit 5): not a failure"
elif ((py_status != 0)); then
  status=$py_status
fi

log "schemathesis over openapi.yaml against local-api (bounded: ${API_FUZZ_EXAMPLES:-10} examples per operation)"
bash scripts/api-fuzz.sh "${API_FUZZ_EXAMPLES:-10}" || status=$?

if ((status == 0)); then
  log "all tests passed"
else
  log "tests failed (status $status)" >&2
fi
exit "$status"
