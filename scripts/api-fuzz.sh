#!/usr/bin/env bash
# `make api-fuzz`: fuzzes the HTTP API with schemathesis against openapi.yaml. Starts local-api on a free port
# against the running local stack (make stack-up), runs every schemathesis phase and check (no 5xx, responses
# conform to the schema, bad input rejected, 405 + Allow on other methods), then stops local-api by its PID.
#
# Usage: scripts/api-fuzz.sh [max-examples per operation, default 50] [extra schemathesis run options...]
#        e.g. scripts/api-fuzz.sh 20 --include-tag runs --include-tag tasks
# Env:   API_FUZZ_SEED (schemathesis --seed), CURSOR_SECRET (default: a development secret).
#
# positive_data_acceptance is excluded on purpose: `cursor` is opaque and signed, so a string that merely matches
# its schema pattern is rightly rejected with 400.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

max_examples=${1:-50}
extra_args=("${@:2}")
if ! [[ $max_examples =~ ^[1-9][0-9]*$ ]]; then
  log "usage: $0 [max-examples] [schemathesis options...]" >&2
  exit 2
fi
if [[ ! -f $STACK_ENV ]]; then
  log "no $STACK_ENV: start the local stack first (make stack-up)" >&2
  exit 1
fi
set -a
# shellcheck source=/dev/null
source "$STACK_ENV"
set +a
export CURSOR_SECRET=${CURSOR_SECRET:-omics-introspect-local-cursor-secret-0001}
export RUST_LOG=${RUST_LOG:-info}

bash "$ROOT/scripts/venv.sh"
log "local-api (cargo build -p local-api unless prebuilt)"
build_binaries -p local-api

mkdir -p "$LOCAL_DIR"
api_out="$LOCAL_DIR/api-fuzz-local-api.log"
LOCAL_API_ADDR=127.0.0.1:0 "$TARGET_DIR/debug/local-api" >"$api_out" 2>&1 </dev/null &
api_pid=$!
stop_api() {
  if kill -0 "$api_pid" 2>/dev/null; then
    kill -TERM "$api_pid" 2>/dev/null || true
    wait "$api_pid" 2>/dev/null || true
  fi
}
trap stop_api EXIT

url=""
for ((i = 0; i < 100; i++)); do
  # awk stops at the first match by itself (no pipe: under pipefail a SIGPIPE'd sed would end the script).
  url=$(awk '/^LISTENING /{print $2; exit}' "$api_out" 2>/dev/null || true)
  [[ -n $url ]] && break
  if ! kill -0 "$api_pid" 2>/dev/null; then
    log "local-api exited before listening:" >&2
    tail -n 20 "$api_out" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z $url ]]; then
  log "local-api did not print LISTENING within 10 s" >&2
  exit 1
fi
log "local-api pid $api_pid at $url (log $api_out)"

seed_args=()
[[ -n ${API_FUZZ_SEED:-} ]] && seed_args=(--seed "$API_FUZZ_SEED")
status=0
"$VENV_DIR/bin/schemathesis" run "$ROOT/openapi.yaml" \
  --url "$url" \
  --max-examples "$max_examples" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --generation-database none \
  --report junit --report-dir "$LOCAL_DIR/schemathesis" \
  --no-color \
  "${seed_args[@]}" "${extra_args[@]}" || status=$?

# Belt and braces: the handlers log every response; none may be a 5xx (no faults are injected here).
if grep -q '"statusCode":5[0-9][0-9]' "$api_out"; then
  log "local-api answered 5xx during the run:" >&2
  grep '"statusCode":5[0-9][0-9]' "$api_out" | head -n 5 >&2
  status=1
fi
stop_api
if ((status == 0)); then
  log "api fuzzing passed ($max_examples examples per operation)"
else
  log "api fuzzing failed (status $status); junit report in $LOCAL_DIR/schemathesis" >&2
fi
exit "$status"
