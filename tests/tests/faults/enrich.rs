//! Hardening of the enrichment under the conditions users meet, beyond what `enrich_*.rs` covers (which has
//! duplicates of the sample events ×10, ten concurrent deliveries, missing manifests of COMPLETED and FAILED runs,
//! forgotten runs and reused run ids):
//! - a flaky HealthOmics (30 % throttling, 10 % server errors, added latency): every run is still enriched, through
//!   the SDK's own retries, and the records are byte-identical to fault-free ones;
//! - shuffled, duplicated and contradictory events, sequential and concurrent: one record per run, never regressed;
//!   a terminal event GetRun does not confirm yet fails (for EventBridge to retry) and stores nothing;
//! - manifests with garbage lines, truncated manifests, a manifest that later shrinks: the documented outcome
//!   (unreadable lines counted and skipped, missing tasks taken from ListRunTasks and flagged), no task lost.
//!
//! Each test spawns its own emulator, so its faults never touch other tests. Needs the local stack (moto): run
//! through `make test`.

use crate::enrich_support;

use std::collections::HashMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use enrich_support::{
    Setup, b, clear_record, emulator, fresh_uuid, item, n, object_bytes, report, run_event, s,
    setup_with_sdk_config, versions,
};
use futures::future::join_all;
use omics_introspect::Error;
use omics_introspect::enrich::sha256_hex;
use omics_introspect_tests::harness::{seed_run, set_faults, stats};
use omics_introspect_tests::synthetic::{SyntheticRun, SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

/// Clients on the stack with HealthOmics on `emulator_url`, retrying up to `max_attempts` times with short
/// backoffs (the test's stand-in for `AWS_MAX_ATTEMPTS`), and an enricher waiting `manifest_wait` for a manifest.
async fn setup_with_retries(
    emulator_url: &str,
    max_attempts: u32,
    manifest_wait: Duration,
) -> Setup {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(max_attempts)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(400)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(10))
                .build(),
        )
        .load()
        .await;
    setup_with_sdk_config(&sdk, emulator_url, manifest_wait)
}

/// Every DynamoDB item of run `run_id` (any uuid).
async fn items_of_run(setup: &Setup, run_id: &str) -> Vec<HashMap<String, AttributeValue>> {
    setup
        .clients
        .dynamodb
        .query()
        .table_name(setup.config.runs_table().unwrap())
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("RUN#{run_id}")))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

fn synthetic(run_id: &str, uuid: &str, tasks: usize, failed: usize, seed: u64) -> SyntheticRun {
    generate(&SyntheticSpec {
        run_id: run_id.to_owned(),
        uuid: Some(uuid.to_owned()),
        tasks,
        failed,
        cached: tasks / 40,
        gpu: tasks / 100,
        seed,
        status: if failed > 0 { "FAILED" } else { "COMPLETED" }.to_owned(),
        malformed_lines: 0,
    })
}

/// A run id no earlier test run used (records in a long-lived stack outlive the test), `prefix` + 7 digits.
fn fresh_run_id(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{:07}", (nanos / 1000) % 10_000_000)
}

fn run_status(run: &SyntheticRun) -> &str {
    run.run["status"].as_str().unwrap()
}

#[tokio::test]
async fn flaky_healthomics_still_enriches_every_run_identically() {
    let emu = emulator(false).await;
    let setup = setup_with_retries(emu.url(), 15, Duration::from_secs(5)).await;
    let runs: Vec<(String, String, SyntheticRun)> =
        [(1200, 0), (600, 0), (2500, 0), (300, 3), (800, 2)]
            .iter()
            .enumerate()
            .map(|(i, &(tasks, failed))| {
                let run_id = format!("{}", 8_400_001 + i);
                let uuid = fresh_uuid();
                let run = synthetic(&run_id, &uuid, tasks, failed, 8_400_000 + i as u64);
                (run_id, uuid, run)
            })
            .collect();
    for (_, _, run) in &runs {
        seed_run(emu.url(), &to_seed_body(run)).await.unwrap();
    }

    set_faults(
        emu.url(),
        &json!({"throttleRate": 0.3, "errorRate": 0.1, "latencyMs": 15, "seed": 7}),
    )
    .await
    .unwrap();
    // All at once, as concurrent Lambda instances would.
    let answers = join_all(runs.iter().map(|(run_id, uuid, run)| {
        let event = run_event(run_id, Some(uuid), run_status(run));
        let enricher = &setup.enricher;
        async move { enricher.handle_event(event).await }
    }))
    .await;
    let counters = stats(emu.url()).await.unwrap();
    set_faults(emu.url(), &json!({})).await.unwrap();

    let throttled = counters["faults"]["throttled"].as_u64().unwrap();
    let errors = counters["faults"]["errors"].as_u64().unwrap();
    eprintln!("under faults: {counters}");
    assert!(
        throttled > 0 && errors > 0,
        "faults were injected: {counters}"
    );
    let mut faulted_bytes = Vec::new();
    for ((run_id, uuid, run), answer) in runs.iter().zip(answers) {
        let answer = answer.unwrap_or_else(|e| panic!("run {run_id} failed under faults: {e}"));
        assert_eq!(answer["outcome"], "written", "{answer}");
        let stored = item(&setup, run_id, uuid).await.expect("stored");
        assert!(b(&stored, "manifestComplete"), "run {run_id}");
        assert!(b(&stored, "apiAvailable"), "run {run_id}");
        assert_eq!(n(&stored, "taskCount") as usize, run.tasks.len());
        let record = report(&setup, &stored).await;
        assert_eq!(record.tasks.len(), run.tasks.len());
        // No gap in the data (price and right-sizing notes are about the price list, not about the faults).
        let gaps: Vec<&String> = record
            .head
            .warnings
            .iter()
            .filter(|w| {
                ["manifest", "ListRunTasks", "GetRun", "task(s)"]
                    .iter()
                    .any(|k| w.contains(k))
            })
            .filter(|w| !w.starts_with("cost:") && !w.starts_with("right-sizing:"))
            .collect();
        assert!(gaps.is_empty(), "run {run_id}: {gaps:?}");
        faulted_bytes.push(object_bytes(&setup, &stored).await);
    }

    // The same runs without faults, from nothing: byte for byte the same records.
    for ((run_id, uuid, run), bytes) in runs.iter().zip(&faulted_bytes) {
        clear_record(&setup, run_id, uuid).await;
        let answer = setup
            .enricher
            .handle_event(run_event(run_id, Some(uuid), run_status(run)))
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "written");
        let stored = item(&setup, run_id, uuid).await.unwrap();
        assert_eq!(
            sha256_hex(&object_bytes(&setup, &stored).await),
            sha256_hex(bytes),
            "run {run_id}: faults changed nothing in the record"
        );
    }
}

#[tokio::test]
async fn too_many_faults_fail_the_invocation_for_a_retry_and_store_nothing() {
    let emu = emulator(false).await;
    // One attempt per call: the first fault surfaces.
    let setup = setup_with_retries(emu.url(), 1, Duration::from_secs(1)).await;
    let uuid = fresh_uuid();
    let run = synthetic("8400011", &uuid, 300, 0, 8_400_011);
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();
    let event = run_event("8400011", Some(&uuid), "COMPLETED");

    for (faults, retryable) in [
        (json!({"throttleRate": 1.0}), true),
        (json!({"errorRate": 1.0}), true),
    ] {
        set_faults(emu.url(), &faults).await.unwrap();
        let err = setup
            .enricher
            .handle_event(event.clone())
            .await
            .unwrap_err();
        assert_eq!(err.is_retryable(), retryable, "{faults}: {err:?}");
        assert!(
            item(&setup, "8400011", &uuid).await.is_none(),
            "{faults}: nothing stored"
        );
    }
    set_faults(emu.url(), &json!({})).await.unwrap();
    let answer = setup.enricher.handle_event(event).await.unwrap();
    assert_eq!(answer["outcome"], "written", "the retry succeeds");
}

/// A COMPLETED run; events in every order, repeated, contradicting GetRun, sequential then concurrent.
#[tokio::test]
async fn shuffled_duplicate_and_contradictory_events_leave_one_record_never_regressed() {
    let emu = emulator(false).await;
    let setup = setup_with_retries(emu.url(), 3, Duration::from_secs(2)).await;
    let run_id = &fresh_run_id("85");
    let uuid = fresh_uuid();
    let run = synthetic(run_id, &uuid, 200, 0, 8_400_021);
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();

    let mut events: Vec<Value> = Vec::new();
    for _ in 0..10 {
        events.push(run_event(run_id, Some(&uuid), "COMPLETED"));
    }
    for status in [
        "RUNNING",
        "RUNNING",
        "PENDING",
        "STARTING",
        "STOPPING",
        "FAILED",
        "FAILED",
        "CANCELLED",
    ] {
        events.push(run_event(run_id, Some(&uuid), status));
    }
    // Old event shape (no uuid) and a task event.
    events.push(run_event(run_id, None, "COMPLETED"));
    let mut task_event = run_event(run_id, Some(&uuid), "COMPLETED");
    task_event["detail-type"] = json!("Task Status Change");
    events.push(task_event);
    let mut rng = fastrand::Rng::with_seed(8_400_021);
    rng.shuffle(&mut events);

    let mut first: Option<HashMap<String, AttributeValue>> = None;
    for event in &events {
        let status = event["detail"]["status"].as_str().unwrap().to_owned();
        let answer = setup.enricher.handle_event(event.clone()).await.unwrap();
        let outcome = answer["outcome"].as_str().unwrap().to_owned();
        assert!(
            ["written", "unchanged", "ignored"].contains(&outcome.as_str()),
            "{status}: {answer}"
        );
        if outcome == "written" {
            assert!(first.is_none(), "written twice: {answer}");
        }
        if let Some(stored) = item(&setup, run_id, &uuid).await {
            // GetRun's status wins over the event's: a FAILED or CANCELLED event never relabels the run.
            assert_eq!(s(&stored, "status"), "COMPLETED", "after a {status} event");
            match &first {
                None => first = Some(stored),
                Some(kept) => assert_eq!(
                    kept, &stored,
                    "after a {status} event: regressed or rewritten"
                ),
            }
        }
    }
    let kept = first.expect("some event stored the record");

    // The same events all at once.
    let answers = join_all(
        events
            .iter()
            .map(|e| setup.enricher.handle_event(e.clone())),
    )
    .await;
    for answer in answers {
        let answer = answer.unwrap();
        assert!(
            answer["outcome"] == "unchanged" || answer["outcome"] == "ignored",
            "{answer}"
        );
    }
    let all = items_of_run(&setup, run_id).await;
    assert_eq!(all.len(), 1, "exactly one record for the run");
    assert_eq!(all[0], kept, "untouched by the concurrent burst");
    assert_eq!(versions(&setup, s(&kept, "reportKey")).await.len(), 1);
}

#[tokio::test]
async fn terminal_events_ahead_of_getrun_fail_for_a_retry_then_store_the_run() {
    let emu = emulator(false).await;
    let setup = setup_with_retries(emu.url(), 3, Duration::from_secs(1)).await;
    let run_id = "8400031";
    let uuid = fresh_uuid();
    let finished = synthetic(run_id, &uuid, 60, 2, 8_400_031);
    // HealthOmics still reports the run as RUNNING (no manifest yet) while a FAILED event arrives.
    let mut running = to_seed_body(&finished);
    running["run"]["status"] = json!("RUNNING");
    running["run"].as_object_mut().unwrap().remove("stopTime");
    running["manifest"] = json!([]);
    seed_run(emu.url(), &running).await.unwrap();

    let event = run_event(run_id, Some(&uuid), "FAILED");
    let err = setup
        .enricher
        .handle_event(event.clone())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(matches!(err, Error::Upstream { .. }), "{err:?}");
    assert!(
        item(&setup, run_id, &uuid).await.is_none(),
        "nothing stored"
    );
    // A RUNNING event delivered after the terminal one: ignored.
    let answer = setup
        .enricher
        .handle_event(run_event(run_id, Some(&uuid), "RUNNING"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "ignored");

    // HealthOmics catches up: EventBridge's retry of the FAILED event stores the run.
    seed_run(emu.url(), &to_seed_body(&finished)).await.unwrap();
    let answer = setup.enricher.handle_event(event.clone()).await.unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    let stored = item(&setup, run_id, &uuid).await.unwrap();
    assert_eq!(s(&stored, "status"), "FAILED");
    // A late COMPLETED event for this FAILED run does not relabel it.
    let answer = setup
        .enricher
        .handle_event(run_event(run_id, Some(&uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "unchanged", "{answer}");
    assert_eq!(item(&setup, run_id, &uuid).await.unwrap(), stored);
}

/// Lines no parser should choke on, each counted as unreadable: (line, counted as malformed).
fn garbage_lines() -> Vec<(String, bool)> {
    vec![
        ("not json at all".into(), true),
        ("{".into(), true),
        ("[]".into(), true),
        ("null".into(), true),
        ("42".into(), true),
        ("{}".into(), true),
        (r#"{"arn": 42}"#.into(), true),
        (
            r#"{"arn": "arn:aws:omics:us-east-1:123456789012:task/not-a-number", "name": "x"}"#
                .into(),
            true,
        ),
        (r#"{"arn": "arn:aws:s3:::some-bucket/key"}"#.into(), true),
        (format!("{{\"arn\": \"{}\"}}", "x".repeat(20_000)), true),
        ("x".repeat(200_000), true),
        ("\u{0}\u{1}\u{7f}".into(), true),
        ("   ".into(), false),
        ("\u{feff}{\"arn\":".into(), true),
        ("é🧬\u{200b}".into(), true),
    ]
}

#[tokio::test]
async fn garbage_lines_are_counted_and_skipped_and_no_task_is_lost() {
    let emu = emulator(false).await;
    let setup = setup_with_retries(emu.url(), 3, Duration::from_secs(2)).await;
    let run_id = "8400041";
    let uuid = fresh_uuid();
    let run = synthetic(run_id, &uuid, 150, 0, 8_400_041);
    let mut body = to_seed_body(&run);
    let mut manifest: Vec<String> = run.manifest.clone();
    let garbage = garbage_lines();
    let mut rng = fastrand::Rng::with_seed(41);
    for (line, _) in &garbage {
        // Anywhere after the run line.
        let at = rng.usize(1..=manifest.len());
        manifest.insert(at, line.clone());
    }
    // A task repeated (HealthOmics never does; an exported, concatenated copy might).
    manifest.push(run.manifest[5].clone());
    body["manifest"] = json!(manifest);
    seed_run(emu.url(), &body).await.unwrap();

    let answer = setup
        .enricher
        .handle_event(run_event(run_id, Some(&uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    let stored = item(&setup, run_id, &uuid).await.unwrap();
    assert_eq!(n(&stored, "taskCount") as usize, 150, "no task lost");
    assert!(b(&stored, "manifestComplete"));
    let record = report(&setup, &stored).await;
    assert_eq!(record.tasks.len(), 150);
    let expected_malformed = garbage.iter().filter(|(_, counted)| *counted).count() as u64;
    assert_eq!(
        record.head.manifest.malformed_lines, expected_malformed,
        "{:?}",
        record.head.warnings
    );
    assert!(
        record
            .head
            .warnings
            .iter()
            .any(|w| w.contains("could not be read")),
        "{:?}",
        record.head.warnings
    );
    assert!(
        record.head.warnings.iter().any(|w| w.contains("repeat")),
        "{:?}",
        record.head.warnings
    );
    // Every task keeps its manifest metrics: the garbage displaced nothing.
    assert!(
        record.tasks.iter().all(|t| t.source != "api"),
        "every task was read from the manifest"
    );
}

#[tokio::test]
async fn truncated_manifests_are_flagged_then_replaced_and_never_regress() {
    let emu = emulator(false).await;
    let setup = setup_with_retries(emu.url(), 3, Duration::from_secs(2)).await;
    let run_id = &fresh_run_id("86");
    let uuid = fresh_uuid();
    let run = synthetic(run_id, &uuid, 100, 0, 8_400_051);
    let full = to_seed_body(&run);
    // The stream stops part-way, its last line cut mid-object.
    let mut truncated = full.clone();
    let mut lines: Vec<String> = run.manifest[..61].to_vec();
    let last = lines.pop().unwrap();
    lines.push(last[..last.len() / 2].to_owned());
    truncated["manifest"] = json!(lines);
    seed_run(emu.url(), &truncated).await.unwrap();

    let event = run_event(run_id, Some(&uuid), "COMPLETED");
    let started = std::time::Instant::now();
    let answer = setup.enricher.handle_event(event.clone()).await.unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "it waited for the rest"
    );
    let flagged = item(&setup, run_id, &uuid).await.unwrap();
    assert!(!b(&flagged, "manifestComplete"));
    assert_eq!(
        n(&flagged, "taskCount") as usize,
        100,
        "the tasks the manifest lacks come from ListRunTasks"
    );
    let record = report(&setup, &flagged).await;
    assert_eq!(record.head.manifest.malformed_lines, 1);
    assert_eq!(
        record.tasks.iter().filter(|t| t.source == "api").count(),
        41,
        "59 task lines readable, 1 cut, 40 absent: 41 tasks from the task list alone"
    );
    assert!(
        record
            .head
            .warnings
            .iter()
            .any(|w| w.contains("missing from the manifest")),
        "{:?}",
        record.head.warnings
    );

    // The whole manifest appears: the complete record replaces the flagged one.
    seed_run(emu.url(), &full).await.unwrap();
    let answer = setup.enricher.handle_event(event.clone()).await.unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    let complete = item(&setup, run_id, &uuid).await.unwrap();
    assert!(b(&complete, "manifestComplete"));

    // Later the stream reads short again (a partial export, a retention cut): the complete record stays.
    seed_run(emu.url(), &truncated).await.unwrap();
    let answer = setup.enricher.handle_event(event).await.unwrap();
    assert_eq!(answer["outcome"], "unchanged", "{answer}");
    assert_eq!(item(&setup, run_id, &uuid).await.unwrap(), complete);
    assert_eq!(items_of_run(&setup, run_id).await.len(), 1);
}
