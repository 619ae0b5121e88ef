#!/usr/bin/env bash
# `make invoke FUNCTION=<bin> EVENT=events/<file>.json`: runs the real function binary under `cargo lambda watch`
# (the Lambda runtime API emulated locally, no Docker) against the local stack, sends the event with
# `cargo lambda invoke --data-file` and prints the function's answer. Starts the stack when it is not running;
# stops the watch server it started. cargo-lambda comes from PyPI into .venv-deploy (make venv-deploy).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/deploy-env.sh"
cd "$ROOT"

function_name=${1:-${FUNCTION:-}}
event=${2:-${EVENT:-}}
watch_port=${LAMBDA_WATCH_PORT:-9009}
if [[ -z $function_name || -z $event ]]; then
  echo "usage: make invoke FUNCTION=<function> EVENT=events/<file>.json" >&2
  echo "functions: $(ls functions | grep -v '^local-api$' | tr '\n' ' ')" >&2
  exit 2
fi
if [[ ! -f functions/$function_name/Cargo.toml || $function_name == local-api ]]; then
  echo "no Lambda function '$function_name' under functions/" >&2
  exit 2
fi
if [[ ! -f $event ]]; then
  echo "event file not found: $event" >&2
  exit 2
fi

bash scripts/venv-deploy.sh
bash scripts/stack-up.sh >/dev/null

# cargo-lambda reads KEY=VALUE lines; the stack's environment file is a sourceable shell file.
env_file="$LOCAL_DIR/lambda.env"
sed -n 's/^export //p' "$STACK_ENV" >"$env_file"

export PATH="$DEPLOY_VENV_DIR/bin:$PATH"
watch_log="$LOCAL_DIR/cargo-lambda-watch.log"
log "cargo lambda watch on 127.0.0.1:$watch_port (log: ${watch_log#"$ROOT"/})"
cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$watch_port" --ignore-changes \
  --env-file "$env_file" >"$watch_log" 2>&1 &
watch_pid=$!
trap 'kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true' EXIT

wait_until_answers "http://127.0.0.1:$watch_port/" "$watch_pid" 120 "$watch_log" "cargo lambda watch" || exit 1

# The first invocation compiles the function (debug profile, the shared target dir).
log "cargo lambda invoke $function_name --data-file $event"
cargo lambda invoke "$function_name" --invoke-address 127.0.0.1 --invoke-port "$watch_port" \
  --data-file "$event" --output-format json
echo
