#!/usr/bin/env bash
# `make local`: starts the stack and shows what is there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/stack-up.sh"
echo
bash "$ROOT/scripts/stack-status.sh" || true
cat <<TXT

Endpoints
  moto (Logs, DynamoDB, S3, EventBridge, SQS)   $MOTO_URL
  HealthOmics emulator                          $EMULATOR_URL
    GET  /run, /run/{id}, /run/{id}/task, /run/{id}/task/{taskId}   ListRuns, GetRun, ListRunTasks, GetRunTask
    POST /_emulator/runs      seed a run ({"run":..,"tasks":[..],"manifest":[..]}), e.g.
                              cargo run -p omics-introspect-tests --bin synth-run -- --run-id 2000001 --tasks 500 --post $EMULATOR_URL
    POST /_emulator/reset     empty the store, clear faults and stats
    POST /_emulator/faults    inject faults: {"throttleRate":0.1,"errorRate":0.05,"latencyMs":200}
    GET  /_emulator/stats     request counters per operation

Use it from a shell:
  source .local/stack.env
  .venv/bin/python -c 'import boto3; print(boto3.client("omics").get_run(id="1000001")["status"])'

Stop it with: make stack-down
TXT
