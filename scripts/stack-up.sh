#!/usr/bin/env bash
# Starts the local stack: moto (CloudWatch Logs, DynamoDB, S3, EventBridge, SQS) and the HealthOmics emulator
# seeded from tests/fixtures. Idempotent: whatever already runs (per .local/*.pid) and answers is kept.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p "$LOCAL_DIR"

# A pid file counts only when its process serves this port (another checkout's stack may share .local).
moto_pid=$(live_pid "$MOTO_PID_FILE" "moto_server -H 127.0.0.1 -p $MOTO_PORT" || true)
emulator_pid=$(live_pid "$EMULATOR_PID_FILE" "omics-emulator --addr 127.0.0.1:$EMULATOR_PORT" || true)
if [[ -n $moto_pid && -n $emulator_pid ]] && answers "$MOTO_URL/moto-api/" && answers "$EMULATOR_URL/_emulator/health"; then
  write_stack_env
  "$VENV_DIR/bin/python" "$ROOT/scripts/local-resources.py" >/dev/null
  log "already running: moto pid $moto_pid at $MOTO_URL, emulator pid $emulator_pid at $EMULATOR_URL; nothing started"
  exit 0
fi

# Fail early rather than start a second server that cannot bind.
if [[ -z $moto_pid ]] && answers "$MOTO_URL/"; then
  log "port $MOTO_PORT answers but not from our moto (.local/moto.pid): stop it or set MOTO_PORT" >&2
  exit 1
fi
if [[ -z $emulator_pid ]] && answers "$EMULATOR_URL/"; then
  log "port $EMULATOR_PORT answers but not from our emulator (.local/emulator.pid): stop it or set EMULATOR_PORT" >&2
  exit 1
fi

bash "$ROOT/scripts/venv.sh"
log "omics-emulator and synth-run (cargo build -p omics-introspect-tests unless prebuilt)"
build_binaries -p omics-introspect-tests --bin omics-emulator --bin synth-run

write_stack_env
# shellcheck source=/dev/null
source "$STACK_ENV"

if [[ -n $moto_pid ]]; then
  log "moto already running (pid $moto_pid)"
else
  log "starting moto on $MOTO_URL (log .local/moto.log)"
  nohup "$VENV_DIR/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$LOCAL_DIR/moto.log" 2>&1 </dev/null &
  moto_pid=$!
  echo "$moto_pid" >"$MOTO_PID_FILE"
  wait_until_answers "$MOTO_URL/moto-api/" "$moto_pid" 30 "$LOCAL_DIR/moto.log" moto || exit 1
  log "moto is up (pid $moto_pid)"
fi

if [[ -n $emulator_pid ]]; then
  log "emulator already running (pid $emulator_pid)"
else
  log "starting the emulator on $EMULATOR_URL (stdout .local/emulator.out, log .local/emulator.log)"
  : >"$LOCAL_DIR/emulator.out"
  nohup "$TARGET_DIR/debug/omics-emulator" --addr "127.0.0.1:$EMULATOR_PORT" --fixtures "$ROOT/tests/fixtures" \
    >"$LOCAL_DIR/emulator.out" 2>"$LOCAL_DIR/emulator.log" </dev/null &
  emulator_pid=$!
  echo "$emulator_pid" >"$EMULATOR_PID_FILE"
  for ((i = 0; ; i++)); do
    grep -q LISTENING "$LOCAL_DIR/emulator.out" 2>/dev/null && break
    if ! kill -0 "$emulator_pid" 2>/dev/null || ((i >= 120)); then
      log "the emulator did not print LISTENING within 60 s; last lines of .local/emulator.log:" >&2
      tail -n 20 "$LOCAL_DIR/emulator.log" >&2 || true
      tail -n 5 "$LOCAL_DIR/emulator.out" >&2 || true
      exit 1
    fi
    sleep 0.5
  done
  log "emulator is up (pid $emulator_pid): $(grep -m1 LISTENING "$LOCAL_DIR/emulator.out")"
fi
# The table, bucket, event bus and "Run Enriched" queue the enrichment writes to (idempotent).
"$VENV_DIR/bin/python" "$ROOT/scripts/local-resources.py" >/dev/null
log "stack up; environment in .local/stack.env"
