//! Live runs end to end on a real socket: a synthetic run's events, replayed twice and shuffled through
//! `track-run`'s tracker, answer `GET /runs/{runId}/progress` exactly at every checkpoint; the ETA and the
//! stragglers follow the profile of three earlier COMPLETED runs of the same workflow (enriched first); each
//! straggler and each finished batch is announced once on the bus however often the events come; a run whose
//! record is stored answers `final`; a run never heard of is 404; a batch's status shows in `/batches/{id}`.
//!
//! Needs the local stack: run through `make test`.

use crate::api_support;
use crate::enrich_support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use api_support::{LocalApi, TEST_CURSOR_SECRET, error_code};
use enrich_support::{EventTap, Setup, emulator, fresh_run_id, fresh_uuid, run_event, setup};
use omics_introspect::api::{ApiState, CursorKey};
use omics_introspect::live::{LiveEvent, LiveState, parse_live_event};
use omics_introspect::track::{CHECK_SPACING_SECONDS, Message, Tracker};
use omics_introspect_tests::harness::seed_run;
use omics_introspect_tests::synthetic::{
    SyntheticRun, SyntheticSpec, event_stream, generate, to_seed_body,
};
use serde_json::{Value, json};

const TASKS: usize = 40;

fn synthetic(run_id: &str, workflow: &str, status: &str, seed: u64) -> SyntheticRun {
    let mut run = generate(&SyntheticSpec {
        run_id: run_id.into(),
        uuid: Some(fresh_uuid()),
        tasks: TASKS,
        seed,
        status: status.into(),
        ..SyntheticSpec::default()
    });
    run.run["workflowId"] = json!(workflow);
    run
}

/// Enriches three COMPLETED runs of `workflow`: the profile a live run of it is measured against.
async fn past_runs(setup: &Setup, emu_url: &str, workflow: &str) -> Vec<SyntheticRun> {
    let mut runs = Vec::new();
    for seed in 0..3 {
        let run = synthetic(&fresh_run_id(), workflow, "COMPLETED", 300 + seed);
        seed_run(emu_url, &to_seed_body(&run)).await.unwrap();
        let id = run.run["id"].as_str().unwrap();
        let uuid = run.run["uuid"].as_str().unwrap();
        let answer = setup
            .enricher
            .handle_event(run_event(id, Some(uuid), "COMPLETED"))
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "written", "{answer}");
        runs.push(run);
    }
    runs
}

/// `events` as SQS messages of `size`, ids unique per position (a replay is a new delivery).
fn batches(events: &[Value], size: usize, round: usize) -> Vec<Vec<Message>> {
    events
        .chunks(size)
        .enumerate()
        .map(|(b, chunk)| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, event)| Message {
                    id: format!("r{round}-b{b}-m{i}"),
                    body: event.to_string(),
                })
                .collect()
        })
        .collect()
}

async fn feed(tracker: &Tracker, events: &[Value], round: usize) -> usize {
    let mut announced = 0;
    for batch in batches(events, 25, round) {
        let outcome = tracker.handle(&batch).await;
        assert!(outcome.failed.is_empty(), "{outcome:?}");
        announced += outcome.announced;
    }
    announced
}

/// What the events say, reduced in this process: the counts the route must answer.
fn expected_counts(events: &[Value]) -> BTreeMap<String, u64> {
    let mut state = LiveState::default();
    for event in events {
        state.observe(&parse_live_event(event.clone()).unwrap());
    }
    state.board.counts()
}

fn counts(progress: &Value) -> BTreeMap<String, u64> {
    serde_json::from_value(progress["byStatus"].clone()).unwrap()
}

async fn progress(api: &LocalApi, run_id: &str) -> Value {
    let response = api.get(&format!("/runs/{run_id}/progress")).await;
    let body = response.json().unwrap();
    assert_eq!(response.status, 200, "{body}");
    body
}

fn task_ids(events: &[Value], kind: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["detail-type"] == kind)
        .filter_map(|e| e["detail"]["taskId"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn progress_is_exact_follows_the_profile_and_announces_once() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let state = ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        Some(CursorKey::new(TEST_CURSOR_SECRET).unwrap()),
    );
    let api = LocalApi::start(state).await;
    let workflow = fresh_run_id();
    let past = past_runs(&setup, emu.url(), &workflow).await;

    let run_id = fresh_run_id();
    let live = synthetic(&run_id, &workflow, "RUNNING", 42);
    seed_run(emu.url(), &to_seed_body(&live)).await.unwrap();
    let tap_pattern = json!({
        "source": ["omics-introspect"],
        "detail-type": ["Run Straggling", "Batch Finished"],
    });
    let tap = EventTap::start(&setup, &format!("live-{run_id}"), tap_pattern).await;

    // The stream twice (a redelivery of everything), shuffled.
    let stream = event_stream(&live);
    let mut replay: Vec<Value> = stream.iter().chain(stream.iter()).cloned().collect();
    fastrand::Rng::with_seed(7).shuffle(&mut replay);
    let tracker = Tracker::new(&setup.clients, &setup.config).unwrap();
    // Hold the straggler check while the stream goes in, so the one below sees the whole run.
    let now = chrono::Utc::now().timestamp();
    assert!(tracker.runs().claim_check(&run_id, now, 0).await.unwrap());
    let quarter = replay.len() / 4;
    let mut fed = 0;
    for (round, end) in [quarter, 2 * quarter, replay.len()].into_iter().enumerate() {
        assert_eq!(feed(&tracker, &replay[fed..end], round).await, 0);
        fed = end;
        let answer = progress(&api, &run_id).await;
        assert_eq!(
            counts(&answer),
            expected_counts(&replay[..end]),
            "after {end} events"
        );
    }

    // Complete: every task once, as its latest status.
    let answer = progress(&api, &run_id).await;
    let mut want: BTreeMap<String, u64> = BTreeMap::new();
    for task in &live.tasks {
        *want
            .entry(task["status"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(counts(&answer), want);
    assert_eq!(answer["tasksSeen"], TASKS);
    assert_eq!(answer["status"], "RUNNING");
    assert_eq!(answer["workflowId"], workflow.as_str());
    assert_eq!(answer["final"], false);

    // Running tasks: named (ListRunTasks), longest-running first.
    let running = answer["running"].as_array().unwrap();
    assert_eq!(running.len() as u64, want["RUNNING"]);
    assert!(running.iter().all(|t| t["name"].is_string()), "{answer}");
    let since: Vec<&str> = running
        .iter()
        .map(|t| t["since"].as_str().unwrap())
        .collect();
    assert!(since.windows(2).all(|w| w[0] <= w[1]), "{since:?}");

    // The ETA rests on the three past runs.
    let past_ids: BTreeSet<String> = past
        .iter()
        .map(|r| r.run["id"].as_str().unwrap().to_owned())
        .collect();
    let profile_runs: BTreeSet<String> =
        serde_json::from_value(answer["profileRuns"].clone()).unwrap();
    assert_eq!(profile_runs, past_ids);
    let eta = &answer["eta"];
    let basis = eta["basis"].as_str().expect("an ETA from three runs");
    assert!(
        past_ids.iter().all(|id| basis.contains(id.as_str())),
        "{basis}"
    );
    assert!(
        eta["expectedTotalSeconds"].as_f64().unwrap() >= answer["elapsedSeconds"].as_f64().unwrap()
    );

    // Stragglers: running past their group's p95 (the synthetic run started long ago).
    let stragglers = answer["stragglers"].as_array().unwrap();
    assert!(!stragglers.is_empty(), "{answer}");
    for s in stragglers {
        assert!(
            s["runningSeconds"].as_f64() > s["p95Seconds"].as_f64(),
            "{s}"
        );
        assert!(running.iter().any(|t| t["taskId"] == s["taskId"]), "{s}");
    }
    let straggling: BTreeSet<String> = stragglers
        .iter()
        .map(|s| s["taskId"].as_str().unwrap().to_owned())
        .collect();

    // The check after the spacing announces each straggler; later checks and replays announce nothing again.
    let later = Tracker::new(&setup.clients, &setup.config)
        .unwrap()
        .with_clock(|| chrono::Utc::now() + chrono::Duration::seconds(2 * CHECK_SPACING_SECONDS));
    let announced = feed(&later, &stream[..1], 10).await;
    assert_eq!(announced, straggling.len());
    let much_later = Tracker::new(&setup.clients, &setup.config)
        .unwrap()
        .with_clock(|| chrono::Utc::now() + chrono::Duration::seconds(5 * CHECK_SPACING_SECONDS));
    assert_eq!(feed(&much_later, &stream, 11).await, 0);
    let events = tap.events().await;
    let mine: Vec<Value> = events
        .into_iter()
        .filter(|e| e["detail"]["runId"] == run_id.as_str())
        .collect();
    let mut ids = task_ids(&mine, "Run Straggling");
    ids.sort();
    let once: Vec<String> = straggling.iter().cloned().collect();
    assert_eq!(ids, once, "each straggler once: {mine:?}");

    // A stored record makes the answer final.
    let done = &past[0];
    let done_id = done.run["id"].as_str().unwrap();
    let done_uuid = done.run["uuid"].as_str().unwrap();
    feed(&tracker, &event_stream(done), 20).await;
    let answer = progress(&api, done_id).await;
    assert_eq!(answer["final"], true, "{answer}");
    assert_eq!(answer["status"], "COMPLETED");
    assert_eq!(
        answer["report"],
        format!("/runs/{done_id}/report?uuid={done_uuid}")
    );
    assert_eq!(answer["eta"]["basis"], "the run has ended");
    assert_eq!(
        api.get(answer["report"].as_str().unwrap()).await.status,
        200
    );

    // Never heard of, or another uuid of the id: 404 saying why.
    let unknown = api.get(&format!("/runs/{}/progress", fresh_run_id())).await;
    assert_eq!(
        (unknown.status, error_code(&unknown).as_str()),
        (404, "NotFound")
    );
    let message = unknown.json().unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("no HealthOmics event"), "{message}");
    let other = api
        .get(&format!("/runs/{run_id}/progress?uuid={}", fresh_uuid()))
        .await;
    assert_eq!(other.status, 404);
    let uuid = live.run["uuid"].as_str().unwrap();
    let same = api
        .get(&format!("/runs/{run_id}/progress?uuid={uuid}"))
        .await;
    assert_eq!(same.status, 200);
    tap.close(&setup).await;
}

fn batch_event(batch_id: &str, status: &str, at: &str, completed: u64) -> Value {
    json!({
        "version": "0",
        "id": format!("batch-{batch_id}-{status}"),
        "detail-type": "RunBatch Status Change",
        "source": "aws.omics",
        "account": "123456789012",
        "time": at,
        "region": "us-east-1",
        "resources": [format!("arn:aws:omics:us-east-1:123456789012:runBatch/{batch_id}")],
        "detail": {
            "omicsVersion": "1.0.0",
            "arn": format!("arn:aws:omics:us-east-1:123456789012:runBatch/{batch_id}"),
            "batchId": batch_id,
            "status": status,
            "batchName": "cohort",
            "totalRuns": "4",
            "successfulStartSubmissionCount": "4",
            "failedStartSubmissionCount": "0",
            "pendingStartSubmissionCount": "0",
            "completedRunCount": completed.to_string(),
            "failedRunCount": "0",
            "cancelledRunCount": "0",
        }
    })
}

#[tokio::test]
async fn a_batch_keeps_its_newest_status_and_finishes_once() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let api = LocalApi::start(ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        Some(CursorKey::new(TEST_CURSOR_SECRET).unwrap()),
    ))
    .await;
    let batch_id = fresh_run_id();
    let tap_pattern = json!({
        "source": ["omics-introspect"],
        "detail-type": ["Batch Finished"],
        "detail": {"batchId": [batch_id]},
    });
    let tap = EventTap::start(&setup, &format!("batch-{batch_id}"), tap_pattern).await;
    let unknown = api.get(&format!("/batches/{batch_id}")).await;
    assert_eq!(unknown.status, 404);

    let in_progress = batch_event(&batch_id, "INPROGRESS", "2025-03-15T12:00:00Z", 1);
    let processed = batch_event(&batch_id, "PROCESSED", "2025-03-15T12:30:00Z", 4);
    let tracker = Tracker::new(&setup.clients, &setup.config).unwrap();
    // Newest first, then duplicated and the older one late again.
    let order = [&processed, &in_progress, &processed, &in_progress];
    let events: Vec<Value> = order.into_iter().cloned().collect();
    assert_eq!(feed(&tracker, &events[..2], 0).await, 1);
    assert_eq!(feed(&tracker, &events[2..], 1).await, 0);

    let response = api.get(&format!("/batches/{batch_id}")).await;
    let body = response.json().unwrap();
    assert_eq!(response.status, 200, "{body}");
    let status = &body["batchStatus"];
    assert_eq!(status["status"], "PROCESSED", "{body}");
    assert_eq!(status["finished"], true);
    assert_eq!(status["counts"]["completedRunCount"], 4);
    assert_eq!(status["counts"]["totalRuns"], 4);
    assert_eq!(body["batchId"], batch_id.as_str());

    let finished = tap.events().await;
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert_eq!(finished[0]["detail"]["status"], "PROCESSED");
    tap.close(&setup).await;

    // A batch only heard of through events is still parsed from its real shape.
    let sample = parse_live_event(
        serde_json::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../shared/reference/real-world/events/awsdocs-run-batches.runbatch-status-change.FAILED.json"),
            )
            .expect("the real-world reference folder (../shared/reference/real-world) is required"),
        )
        .unwrap(),
    );
    assert!(matches!(sample, Ok(LiveEvent::Batch(_))));
}
