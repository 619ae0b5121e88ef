#!/usr/bin/env bash
# Stops exactly the processes scripts/stack-up.sh started (PIDs in .local/*.pid): TERM, up to 10 s, then KILL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

stop() {
  local name=$1 file=$2 program=$3 pid
  if ! pid=$(live_pid "$file" "$program"); then
    [[ -f $file ]] && log "$name: not running (stale $(basename "$file") removed)" || log "$name: not running"
    rm -f "$file"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: pid $pid ignored TERM for 10 s, sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  log "$name: stopped (pid $pid)"
}

stop local-api "$LOCAL_API_PID_FILE" local-api
stop emulator "$EMULATOR_PID_FILE" omics-emulator
stop moto "$MOTO_PID_FILE" moto_server
rm -f "$STACK_ENV"
