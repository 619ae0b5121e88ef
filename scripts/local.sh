#!/usr/bin/env bash
# `make local`: starts the stack and shows what is there.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/stack-up.sh"
set -a
# shellcheck source=/dev/null
source "$STACK_ENV"
set +a

log "building local-api, enrich-run, track-run, render-run-page and synth-run"
build_binaries -p local-api -p enrich-run -p track-run -p render-run-page
# Separately: cargo applies `--bin` to every package named with it.
build_binaries -p omics-introspect-tests --bin synth-run
log "building the omics-introspect command line"
build_binaries -p omics-introspect-cli

# Enrich every finished seeded run (their manifests are in moto's CloudWatch Logs), as the Lambda would.
log "enriching the seeded finished runs (enrich-run backfill --since 1d)"
"$TARGET_DIR/debug/enrich-run" backfill --since 1d || log "backfill reported failures (see above)" >&2
# Records stored by an older checkout on a long-lived stack join the fleet index (items already indexed are skipped).
"$TARGET_DIR/debug/enrich-run" reindex >/dev/null || log "reindex reported failures" >&2
# Their pages (report.html beside each record), as render-run-page does on each Run Enriched event in AWS.
log "drawing the stored runs' pages (render-run-page invoke --run-id ...)"
for run_dir in "$ROOT"/tests/fixtures/runs/*/; do
  run_id=$(basename "$run_dir")
  "$TARGET_DIR/debug/render-run-page" invoke --run-id "$run_id" >/dev/null 2>&1 || true
done

# A live run: a 300-task synthetic run still RUNNING, seeded into the emulator (names of its running tasks), and
# its HealthOmics events folded by track-run as the Lambda would from the queue.
live_events="$LOCAL_DIR/live-events.jsonl"
"$TARGET_DIR/debug/synth-run" --run-id 2000007 --tasks 300 --status RUNNING --post "$EMULATOR_URL" \
  --events "$live_events" >/dev/null
log "tracking live run 2000007 (track-run invoke --events $live_events)"
"$TARGET_DIR/debug/track-run" invoke --events "$live_events" --batch-size 100 || log "track-run reported failures" >&2

if pid=$(live_pid "$LOCAL_API_PID_FILE" local-api) && answers "$LOCAL_API_URL/runs"; then
  log "local-api already running (pid $pid)"
else
  log "starting local-api on $LOCAL_API_URL (log .local/local-api.log)"
  nohup "$TARGET_DIR/debug/local-api" >"$LOCAL_DIR/local-api.log" 2>&1 </dev/null &
  echo $! >"$LOCAL_API_PID_FILE"
  wait_until_answers "$LOCAL_API_URL/runs" "$(<"$LOCAL_API_PID_FILE")" 30 "$LOCAL_DIR/local-api.log" local-api || exit 1
fi
cli="$TARGET_DIR/debug/omics-introspect"
cli=${cli#"$ROOT"/}
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

The HTTP API (local-api, the same handlers as the Lambda functions)   $LOCAL_API_URL
  curl -s $LOCAL_API_URL/runs?status=completed
  curl -s $LOCAL_API_URL/runs/1000001
  curl -s "$LOCAL_API_URL/runs/1000006/tasks?limit=100"        # then ?cursor=<nextCursor>
  curl -s $LOCAL_API_URL/runs/1000002/tasks?status=FAILED
  curl -s $LOCAL_API_URL/runs/1000001/report                   # the enriched record (S3 + DynamoDB in moto)
  curl -s $LOCAL_API_URL/runs/1000004/manifest?limit=5
  curl -s "$LOCAL_API_URL/runs/1000002/timeline?format=html" > timeline.html
  curl -s "$LOCAL_API_URL/runs/1000002/report?format=html" > run.html   # the run page
  curl -s $LOCAL_API_URL/runs/1000002/report/link              # a presigned link to it, opens without credentials
  curl -s "$LOCAL_API_URL/runs/1000001/compare/1000004?format=html" > compare.html
  curl -s "$LOCAL_API_URL/fleet/summary?from=2024-01-01&to=2024-12-31&format=html" > fleet.html
  curl -s $LOCAL_API_URL/runs/1000001/compare/1000004
  curl -s "$LOCAL_API_URL/reports?from=2024-01-01&to=2024-12-31"   # every stored run, newest first
  curl -s "$LOCAL_API_URL/fleet/summary?from=2024-01-01&to=2024-12-31&groupBy=workflow"
  curl -s "$LOCAL_API_URL/workflows/5123907/profile?format=nextflow"
  curl -s $LOCAL_API_URL/runs/2000007/progress                 # a live run: counts, running tasks, ETA, stragglers
Enriched records: s3://$REPORTS_BUCKET_NAME/runs/<runId>/<uuid>/report.json.gz and DynamoDB table $RUNS_TABLE_NAME
(pk RUN#<runId>, sk <uuid>) in moto; the fleet's views (day buckets, recent runs) in $FLEET_TABLE_NAME; live runs
and batches in $LIVE_TABLE_NAME (track-run invoke --events FILE.jsonl feeds more, e.g. from synth-run --events).

The same with the command line (tables; -o json prints the API's JSON; https URLs are SigV4-signed)
  export OMICS_INTROSPECT_API_URL=$LOCAL_API_URL
  $cli runs list --status completed
  $cli runs get 1000001
  $cli tasks list 1000006 --all -o json | jq length     # every page, a spinner on stderr
  $cli tasks list 1000002 --status failed
  $cli report 1000002                                   # cost, right-sizing, diagnosis
  $cli compare 1000001 1000004
  $cli fleet reports --from 2024-01-01 --to 2024-12-31
  $cli fleet summary --by workflow --from 2024-01-01 --to 2024-12-31
  $cli profile 5123907 --format nextflow
  $cli progress 2000007 --watch 10                      # the live run, redrawn until it is final
  $cli report 1000002 --html run.html                   # the run page (--open opens it, or its presigned link)
  $cli manifest 1000001 --all                           # the manifest's task records, read live

Use it from a shell:
  source .local/stack.env
  .venv/bin/python -c 'import boto3; print(boto3.client("omics").get_run(id="1000001")["status"])'

Stop it with: make stack-down
TXT
