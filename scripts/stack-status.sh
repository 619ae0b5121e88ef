#!/usr/bin/env bash
# Prints what of the local stack runs, and the runs the emulator serves.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

status=0
show() {
  local name=$1 file=$2 program=$3 url=$4 probe=$5 pid
  if pid=$(live_pid "$file" "$program"); then
    if answers "$probe"; then
      printf '  %-9s up        pid %-7s %s\n' "$name" "$pid" "$url"
    else
      printf '  %-9s starting  pid %-7s %s (not answering yet)\n' "$name" "$pid" "$url"
      status=1
    fi
  else
    printf '  %-9s down\n' "$name"
    status=1
  fi
}
echo "Local stack:"
show moto "$MOTO_PID_FILE" moto_server "$MOTO_URL" "$MOTO_URL/moto-api/"
show emulator "$EMULATOR_PID_FILE" omics-emulator "$EMULATOR_URL" "$EMULATOR_URL/_emulator/health"

if answers "$EMULATOR_URL/_emulator/health"; then
  echo
  echo "Runs served by the emulator (GET $EMULATOR_URL/run):"
  if ! curl -s --max-time 5 "$EMULATOR_URL/run?maxResults=100" | python3 -c '
import json, sys
try:
    items = json.load(sys.stdin).get("items", [])
except ValueError:
    sys.exit("  (ListRuns did not answer JSON)")
print("  %-8s %-10s %-9s %s" % ("id", "status", "storage", "name"))
for run in items:
    print("  %-8s %-10s %-9s %s" % (run.get("id"), run.get("status"), run.get("storageType", "-"), run.get("name")))
print("  (%d runs)" % len(items))
'; then
    status=1
  fi
fi
[[ -f $STACK_ENV ]] && printf '\nEnvironment: source .local/stack.env\n'
exit "$status"
