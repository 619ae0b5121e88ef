//! The lookup API against a flaky HealthOmics, under concurrent load (`api_faults.rs` covers each fault alone at
//! 100 %): with 30 % throttling, 10 % server errors and added latency, every answer is a well-formed 200, 429 (with
//! `Retry-After`) or 502, never a 500, a hang or a leaked internal; with the SDK allowed enough attempts, every
//! answer is a 200. Spawns its own emulator.

use crate::api_support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use api_support::{
    LocalApi, emulator_bin, emulator_state, emulator_state_with_retries, error_code,
};
use aws_config::retry::RetryConfig;
use futures::future::join_all;
use omics_introspect::api::ApiState;
use omics_introspect_tests::harness::{
    EmulatorProcess, HttpResponse, http_request, seed_run, set_faults, stats,
};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

const RUN_ID: &str = "4400001";

async fn seeded_emulator() -> (EmulatorProcess, String) {
    let emulator = EmulatorProcess::spawn(emulator_bin(), None).await.unwrap();
    let run = generate(&SyntheticSpec {
        run_id: RUN_ID.into(),
        tasks: 230,
        seed: 4_400_001,
        ..SyntheticSpec::default()
    });
    let mut body = to_seed_body(&run);
    body["manifest"] = json!([]);
    seed_run(emulator.url(), &body).await.unwrap();
    let task_id = run.tasks[7]["taskId"].as_str().unwrap().to_owned();
    (emulator, task_id)
}

/// API state with up to `max_attempts` SDK attempts per call and short backoffs.
async fn retrying_state(url: &str, max_attempts: u32) -> ApiState {
    let retry = RetryConfig::standard()
        .with_max_attempts(max_attempts)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(200));
    emulator_state_with_retries(url, retry, Duration::from_secs(5)).await
}

fn paths(task_id: &str) -> Vec<String> {
    vec![
        "/runs".to_owned(),
        "/runs?limit=7&status=COMPLETED".to_owned(),
        format!("/runs/{RUN_ID}"),
        format!("/runs/{RUN_ID}/tasks?limit=100"),
        format!("/runs/{RUN_ID}/tasks/{task_id}"),
    ]
}

fn assert_no_internals(response: &HttpResponse) {
    let text = String::from_utf8_lossy(&response.body).to_lowercase();
    for leak in [
        "exception",
        "injected",
        "backtrace",
        "panicked",
        ".rs:",
        "127.0.0.1",
        "dispatch",
        "sdk",
        "x-amzn",
    ] {
        assert!(!text.contains(leak), "{leak:?} in {text}");
    }
}

/// `rounds` requests to every path, `concurrency` at a time; the responses by status.
async fn load(api: &LocalApi, paths: &[String], rounds: usize) -> BTreeMap<u16, Vec<HttpResponse>> {
    let api = Arc::new(api.url().to_owned());
    let jobs: Vec<String> = (0..rounds).flat_map(|_| paths.iter().cloned()).collect();
    let mut by_status: BTreeMap<u16, Vec<HttpResponse>> = BTreeMap::new();
    for chunk in jobs.chunks(8) {
        let responses = join_all(chunk.iter().map(|path| {
            let url = Arc::clone(&api);
            async move {
                tokio::time::timeout(
                    Duration::from_secs(30),
                    http_request(&url, "GET", path, None),
                )
                .await
                .unwrap_or_else(|_| panic!("GET {path} hung"))
                .unwrap_or_else(|e| panic!("GET {path}: {e:#}"))
            }
        }))
        .await;
        for response in responses {
            by_status.entry(response.status).or_default().push(response);
        }
    }
    by_status
}

#[tokio::test]
async fn mixed_faults_under_load_map_to_429_and_502_only() {
    let (emulator, task_id) = seeded_emulator().await;
    let api = LocalApi::start(emulator_state(emulator.url(), Duration::from_secs(2)).await).await;
    set_faults(
        emulator.url(),
        &json!({"throttleRate": 0.3, "errorRate": 0.1, "latencyMs": 5, "seed": 11}),
    )
    .await
    .unwrap();
    let by_status = load(&api, &paths(&task_id), 40).await;
    let counts: BTreeMap<u16, usize> = by_status.iter().map(|(k, v)| (*k, v.len())).collect();
    eprintln!(
        "statuses: {counts:?}; emulator: {}",
        stats(emulator.url()).await.unwrap()
    );
    assert!(
        counts.keys().all(|s| [200, 429, 502].contains(s)),
        "{counts:?}"
    );
    for status in [200, 429, 502] {
        assert!(
            counts.get(&status).copied().unwrap_or(0) > 0,
            "no {status}: {counts:?}"
        );
    }
    for response in &by_status[&429] {
        assert_eq!(error_code(response), "Throttled");
        let retry_after: u64 = response.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_no_internals(response);
    }
    for response in &by_status[&502] {
        assert_eq!(error_code(response), "UpstreamError");
        assert_no_internals(response);
    }
    for response in &by_status[&200] {
        let body: Value = response.json().unwrap();
        assert!(body.is_object());
        assert!(response.header("server-timing").is_some());
    }
    set_faults(emulator.url(), &json!({})).await.unwrap();
    let by_status = load(&api, &paths(&task_id), 2).await;
    assert_eq!(
        by_status.keys().copied().collect::<Vec<_>>(),
        [200],
        "recovers"
    );
}

#[tokio::test]
async fn sdk_retries_absorb_the_same_faults() {
    let (emulator, task_id) = seeded_emulator().await;
    let api = LocalApi::start(retrying_state(emulator.url(), 12).await).await;
    set_faults(
        emulator.url(),
        &json!({"throttleRate": 0.3, "errorRate": 0.1, "latencyMs": 5, "seed": 12}),
    )
    .await
    .unwrap();
    let by_status = load(&api, &paths(&task_id), 20).await;
    let counters = stats(emulator.url()).await.unwrap();
    let counts: BTreeMap<u16, usize> = by_status.iter().map(|(k, v)| (*k, v.len())).collect();
    eprintln!("statuses: {counts:?}; emulator: {counters}");
    assert!(counters["faults"]["throttled"].as_u64().unwrap() > 0);
    assert_eq!(
        counts.keys().copied().collect::<Vec<_>>(),
        [200],
        "{counts:?}"
    );

    // Pagination holds across retried pages: all 230 tasks, each once.
    let mut seen = std::collections::HashSet::new();
    let mut path = format!("/runs/{RUN_ID}/tasks?limit=100");
    loop {
        let response = api.get(&path).await;
        assert_eq!(response.status, 200);
        let page = response.json().unwrap();
        for item in page["items"].as_array().unwrap() {
            assert!(seen.insert(item["taskId"].as_str().unwrap().to_owned()));
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/runs/{RUN_ID}/tasks?limit=100&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 230);
}
