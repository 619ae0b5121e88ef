//! HealthOmics' request quota, emulated, and the enrichment under it: throttles answered over the wire protocol;
//! a complete run without a run cache enriched with a constant number of HealthOmics calls; a cached run and a
//! manifest missing tasks still listed, paced under the quota.
//!
//! Each test starts its own emulator and turns its quota on through `POST /_emulator/faults`. Needs the local
//! stack (moto): run through `make test`.

use crate::enrich_support;

use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use enrich_support::{b, emulator, item, report, run_event, setup};
use omics_introspect::clients::{StripHostPrefix, load_sdk_config};
use omics_introspect::enrich::{EnrichedRun, TaskListing};
use omics_introspect::omics::HealthOmics;
use omics_introspect::{Error, RunId};
use omics_introspect_tests::harness::{
    EmulatorProcess, http_request, reset_stats, seed_run, set_faults, stats,
};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

/// A private emulator with HealthOmics' default quota: 10 requests per second per operation, burst 5.
async fn quota_emulator() -> EmulatorProcess {
    let emu = emulator(false).await;
    set_faults(emu.url(), &json!({"quota": {"rps": 10, "burst": 5}}))
        .await
        .unwrap();
    emu
}

/// The synthetic run `run_id` with `tasks` tasks, `cached` of them cache hits.
fn synthetic_body(run_id: &str, uuid: &str, tasks: usize, cached: usize) -> (Value, Vec<Value>) {
    let run = generate(&SyntheticSpec {
        run_id: run_id.into(),
        uuid: Some(uuid.into()),
        tasks,
        cached,
        seed: run_id.parse().unwrap(),
        ..SyntheticSpec::default()
    });
    (to_seed_body(&run), run.tasks)
}

/// Enriches `run_id` / `uuid` (COMPLETED) and reads back its record.
async fn enrich(setup: &enrich_support::Setup, run_id: &str, uuid: &str) -> EnrichedRun {
    let answer = setup
        .enricher
        .handle_event(run_event(run_id, Some(uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    let stored = item(setup, run_id, uuid).await.expect("stored");
    report(setup, &stored).await
}

fn listing(record: &EnrichedRun) -> &TaskListing {
    record
        .head
        .sources
        .listing
        .as_ref()
        .expect("the record says how its tasks were listed")
}

#[tokio::test]
async fn requests_over_the_quota_are_throttled_over_the_wire() {
    let emu = emulator(false).await;
    set_faults(emu.url(), &json!({"quota": {"rps": 0.5, "burst": 2}}))
        .await
        .unwrap();
    let (body, _) = synthetic_body("8500001", &enrich_support::fresh_uuid(), 5, 0);
    seed_run(emu.url(), &body).await.unwrap();

    let mut statuses = Vec::new();
    let mut throttled = None;
    for _ in 0..3 {
        let response = http_request(emu.url(), "GET", "/run/8500001", None)
            .await
            .unwrap();
        statuses.push(response.status);
        if response.status == 429 {
            throttled = Some(response);
        }
    }
    assert_eq!(statuses, [200, 200, 429], "the burst, then the quota");
    let throttled = throttled.unwrap();
    assert_eq!(
        throttled.header("x-amzn-ErrorType"),
        Some("ThrottlingException")
    );
    assert!(
        throttled.json().unwrap()["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    // Each operation has its own bucket, as in HealthOmics.
    let tasks = http_request(emu.url(), "GET", "/run/8500001/task", None)
        .await
        .unwrap();
    assert_eq!(tasks.status, 200);
    let counters = stats(emu.url()).await.unwrap();
    assert_eq!(counters["quotaThrottled"]["GetRun"], 1, "{counters}");
    assert_eq!(counters["quotaThrottled"]["ListRunTasks"], 0, "{counters}");
    let faults = http_request(emu.url(), "GET", "/_emulator/faults", None)
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(faults["quota"]["rps"], 0.5, "{faults}");

    // aws-sdk-omics reads it as a throttle (retries off, so the answer is the first one).
    let sdk = load_sdk_config().await;
    let client = aws_sdk_omics::Client::from_conf(
        aws_sdk_omics::config::Builder::from(&sdk)
            .endpoint_url(emu.url())
            .interceptor(StripHostPrefix)
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let err = HealthOmics::new(client)
        .get_run(&RunId::parse("8500001").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Throttled { .. }), "{err:?}");
    assert_eq!(err.http_status(), 429);

    // A faults update without `quota` returns to the baseline: off for an emulator started without --quota-rps.
    set_faults(emu.url(), &json!({})).await.unwrap();
    for _ in 0..5 {
        let response = http_request(emu.url(), "GET", "/run/8500001", None)
            .await
            .unwrap();
        assert_eq!(response.status, 200);
    }
    let bad = http_request(
        emu.url(),
        "POST",
        "/_emulator/faults",
        Some(&json!({"quota": {"rps": -1}})),
    )
    .await
    .unwrap();
    assert_eq!(bad.status, 400);
    assert!(
        bad.json().unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("quota.rps")
    );
}

#[tokio::test]
async fn a_complete_run_without_a_run_cache_costs_the_same_calls_at_any_size() {
    let emu = quota_emulator().await;
    let setup = setup(emu.url(), Duration::from_secs(5)).await;
    let mut calls = Vec::new();
    for (run_id, tasks) in [("8500011", 150), ("8500012", 4000)] {
        let uuid = enrich_support::fresh_uuid();
        let (body, _) = synthetic_body(run_id, &uuid, tasks, 0);
        seed_run(emu.url(), &body).await.unwrap();
        reset_stats(emu.url()).await.unwrap();
        let started = Instant::now();
        let record = enrich(&setup, run_id, &uuid).await;
        let took = started.elapsed();
        let counters = stats(emu.url()).await.unwrap();
        eprintln!("{tasks} tasks without a run cache: {took:?}, calls {counters}");

        assert_eq!(record.tasks.len(), tasks);
        assert!(record.head.manifest_complete);
        let listing = listing(&record);
        assert_eq!(listing.path, TaskListing::MANIFEST, "{listing:?}");
        assert!(listing.reason.contains("no run cache"), "{listing:?}");
        assert_eq!(listing.calls, 1);
        assert!(!record.head.sources.list_run_tasks);
        assert!(
            !record
                .head
                .warnings
                .iter()
                .any(|w| w.contains("ListRunTasks")),
            "skipping the list on the manifest's evidence is no gap: {:?}",
            record.head.warnings
        );
        calls.push((
            counters["GetRun"].clone(),
            counters["ListRunTasks"].clone(),
            counters["GetRunTask"].clone(),
            counters["quotaThrottled"]["ListRunTasks"].clone(),
        ));
    }
    assert_eq!(calls[0], (json!(1), json!(1), json!(0), json!(0)));
    assert_eq!(calls[0], calls[1], "the same calls for 150 and 4000 tasks");
}

#[tokio::test]
async fn a_run_with_a_run_cache_lists_its_tasks_paced_and_counts_its_cache_hits() {
    let emu = quota_emulator().await;
    let setup = setup(emu.url(), Duration::from_secs(5)).await;
    let (run_id, uuid) = ("8500021", enrich_support::fresh_uuid());
    let (mut body, _) = synthetic_body(run_id, &uuid, 1500, 40);
    body["run"]["cacheId"] = json!("4410001");
    body["run"]["cacheBehavior"] = json!("CACHE_ALWAYS");
    // Real manifests do not say which tasks were cache hits: only ListRunTasks does.
    for line in body["manifest"].as_array_mut().unwrap().iter_mut() {
        let mut record: Value = serde_json::from_str(line.as_str().unwrap()).unwrap();
        if let Some(object) = record.as_object_mut() {
            object.remove("cacheHit");
            object.remove("cacheS3Uri");
        }
        *line = json!(record.to_string());
    }
    seed_run(emu.url(), &body).await.unwrap();
    reset_stats(emu.url()).await.unwrap();

    let started = Instant::now();
    let record = enrich(&setup, run_id, &uuid).await;
    let took = started.elapsed();
    let counters = stats(emu.url()).await.unwrap();
    eprintln!("1500 tasks with a run cache: {took:?}, calls {counters}");

    let listing = listing(&record);
    assert_eq!(listing.path, TaskListing::LISTED, "{listing:?}");
    assert!(listing.reason.contains("run cache 4410001"), "{listing:?}");
    assert_eq!(listing.calls, 15);
    assert!(record.head.sources.list_run_tasks);
    assert_eq!(record.head.summary.cache_hits, 40);
    assert_eq!(record.tasks.len(), 1500);
    // 15 pages at 10 per second, paced by the client rather than refused by the quota.
    assert!(took >= Duration::from_millis(1300), "{took:?}");
    assert_eq!(counters["quotaThrottled"]["ListRunTasks"], 0, "{counters}");
    assert_eq!(counters["ListRunTasks"], 15, "{counters}");
}

#[tokio::test]
async fn a_manifest_missing_task_lines_falls_back_to_listing() {
    let emu = quota_emulator().await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let (run_id, uuid) = ("8500031", enrich_support::fresh_uuid());
    let (mut body, tasks) = synthetic_body(run_id, &uuid, 400, 0);
    // Three of the earliest tasks (ListRunTasks' first page) are missing from an otherwise clean manifest.
    let dropped: Vec<String> = [3, 40, 77]
        .iter()
        .map(|&i| tasks[i]["taskId"].as_str().unwrap().to_owned())
        .collect();
    body["manifest"].as_array_mut().unwrap().retain(|line| {
        !dropped
            .iter()
            .any(|id| line.as_str().unwrap().contains(&format!(":task/{id}\"")))
    });
    assert_eq!(body["manifest"].as_array().unwrap().len(), 398);
    seed_run(emu.url(), &body).await.unwrap();

    let record = enrich(&setup, run_id, &uuid).await;
    let listing = listing(&record);
    assert_eq!(listing.path, TaskListing::LISTED, "{listing:?}");
    assert!(
        listing.reason.contains("3 task(s) the manifest lacks"),
        "{listing:?}"
    );
    assert!(record.head.sources.list_run_tasks);
    assert_eq!(
        record.tasks.len(),
        400,
        "the missing tasks come from the list"
    );
    assert!(!record.head.manifest_complete);
    let stored = item(&setup, run_id, &uuid).await.unwrap();
    assert!(!b(&stored, "manifestComplete"));
    assert!(
        record
            .head
            .warnings
            .iter()
            .any(|w| w.contains("missing from the manifest")),
        "{:?}",
        record.head.warnings
    );
}
