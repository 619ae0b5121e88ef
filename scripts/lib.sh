# Shared settings of the local-stack scripts. Source it; do not run it.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="$ROOT/.local"
VENV_DIR="$ROOT/.venv"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
MOTO_PORT="${MOTO_PORT:-4566}"
EMULATOR_PORT="${EMULATOR_PORT:-4599}"
MOTO_URL="http://127.0.0.1:$MOTO_PORT"
EMULATOR_URL="http://127.0.0.1:$EMULATOR_PORT"
MOTO_PID_FILE="$LOCAL_DIR/moto.pid"
EMULATOR_PID_FILE="$LOCAL_DIR/emulator.pid"
STACK_ENV="$LOCAL_DIR/stack.env"
LOCAL_API_PORT="${LOCAL_API_PORT:-3000}"
LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT"
LOCAL_API_PID_FILE="$LOCAL_DIR/local-api.pid"

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*"; }

# `cargo build` of the binaries a script runs ($@: cargo build arguments), unless `make test` already built every
# target in one invocation (PREBUILT_BINARIES=1). A second `cargo build -p ...` there would not be a no-op: without
# the tests' dev-dependency features (aws-sdk-* test-util) cargo resolves other features and recompiles the SDK.
build_binaries() {
  if [[ ${PREBUILT_BINARIES:-} == 1 ]]; then
    return 0
  fi
  cargo build --quiet "$@"
}

# The PID in a pid file when that process is alive and runs the expected program ($2, a substring of its
# command line), so that a recycled PID is never mistaken for ours.
live_pid() {
  local file=$1 program=$2 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$program"; then
    return 1
  fi
  echo "$pid"
}

# True when something answers HTTP at the URL (any status code).
answers() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null) || true
  [[ -n $code && $code != 000 ]]
}

# Waits until URL ($1) answers HTTP. Gives up when process $2 exits (empty: not watched) or after $3 seconds,
# showing the last lines of log file $4; $5 names what is awaited.
wait_until_answers() {
  local url=$1 pid=$2 seconds=$3 logfile=$4 what=$5 i
  for ((i = 0; i < seconds * 2; i++)); do
    answers "$url" && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      break
    fi
    sleep 0.5
  done
  log "$what did not answer at $url within $seconds s; last lines of ${logfile#"$ROOT"/}:" >&2
  tail -n 20 "$logfile" >&2 || true
  return 1
}

# Writes the sourceable environment of the local stack.
write_stack_env() {
  mkdir -p "$LOCAL_DIR"
  cat >"$STACK_ENV" <<ENV
# Local stack of omics-introspect: moto at $MOTO_URL, HealthOmics emulator at $EMULATOR_URL.
# Written by scripts/stack-up.sh. Use: source .local/stack.env
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL=$MOTO_URL
export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=$MOTO_URL
export AWS_ENDPOINT_URL_DYNAMODB=$MOTO_URL
export AWS_ENDPOINT_URL_S3=$MOTO_URL
export AWS_ENDPOINT_URL_EVENTBRIDGE=$MOTO_URL
export AWS_ENDPOINT_URL_SQS=$MOTO_URL
export AWS_ENDPOINT_URL_OMICS=$EMULATOR_URL
export AWS_ENDPOINT_URL_PRICING=$EMULATOR_URL
export AWS_DISABLE_HOST_PREFIX_INJECTION=true
export OMICS_EMULATOR_URL=$EMULATOR_URL
export MOTO_URL=$MOTO_URL
export LOG_GROUP_NAME=/aws/omics/WorkflowLog
export RUNS_TABLE_NAME=omics-introspect-runs
export FLEET_TABLE_NAME=omics-introspect-fleet
export LIVE_TABLE_NAME=omics-introspect-live
export REPORTS_BUCKET_NAME=omics-introspect-reports
export EVENT_BUS_NAME=omics-introspect
# Signs the API's pagination cursors; in AWS it comes from Secrets Manager (template.yaml).
export CURSOR_SECRET=omics-introspect-local-cursor-secret-0001
export LOCAL_API_ADDR=127.0.0.1:$LOCAL_API_PORT
ENV
}

# Creates or updates a Python virtual environment: ensure_venv DIR REQUIREMENTS. Installs REQUIREMENTS into DIR
# unless they (and the Python version) are unchanged since the last install, which a stamp file in DIR records.
# Serves ./.venv (test stack), ./.venv-deploy (build and deploy tools) and ./.venv-bench (the Python analyzer).
# Sets VENV_INSTALLED=1 when it installed, 0 when DIR was up to date; says nothing unless it installs.
ensure_venv() {
  local dir=$1 requirements=$2 stamp want
  stamp="$dir/.requirements.sha256"
  want=$({ sha256sum <"$requirements"; python3 --version 2>&1; } | sha256sum | cut -d' ' -f1)
  VENV_INSTALLED=0
  if [[ -x $dir/bin/python && -f $stamp && "$(<"$stamp")" == "$want" ]]; then
    return 0
  fi
  if [[ ! -x $dir/bin/python ]]; then
    log "creating ${dir#"$ROOT"/}"
    if ! python3 -m venv "$dir"; then
      rm -rf "$dir"
      log "python3 -m venv failed: install python3-venv (apt-get install -y python3-venv)" >&2
      return 1
    fi
  fi
  log "installing $(grep -cvE '^\s*(#|$)' "$requirements") requirements from ${requirements#"$ROOT"/}"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" || return 1
  echo "$want" >"$stamp"
  VENV_INSTALLED=1
}
