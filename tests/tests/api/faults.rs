//! Upstream failures through the HTTP API, on an emulator this test spawns itself (fault injection is global to
//! an emulator, so the shared stack's is left alone): throttling → 429 with `Retry-After`, server errors → 502,
//! slowness → 504, and never an internal detail in the body.
//!
//! AccessDenied (403) cannot be injected by the emulator; the handler tests in `shared/src/api` cover it with
//! aws-smithy-mocks.

use crate::api_support;

use std::time::Duration;

use api_support::{LocalApi, emulator_bin, emulator_state, error_code};
use omics_introspect_tests::harness::{EmulatorProcess, HttpResponse, seed_run, set_faults};
use serde_json::json;

async fn setup() -> (EmulatorProcess, LocalApi) {
    let emulator = EmulatorProcess::spawn(emulator_bin(), None).await.unwrap();
    let run = json!({
        "run": {"id": "4200001", "arn": "arn:aws:omics:us-east-1:123456789012:run/4200001", "status": "COMPLETED",
                "name": "faults", "creationTime": "2024-10-20T05:12:08.314Z"},
        "tasks": [{"taskId": "4300001", "status": "COMPLETED", "name": "t", "cpus": 2, "memory": 4}]
    });
    seed_run(emulator.url(), &run).await.unwrap();
    let state = emulator_state(emulator.url(), Duration::from_millis(400)).await;
    let api = LocalApi::start(state).await;
    (emulator, api)
}

const PATHS: [&str; 4] = [
    "/runs",
    "/runs/4200001",
    "/runs/4200001/tasks",
    "/runs/4200001/tasks/4300001",
];

fn assert_no_internals(response: &HttpResponse) {
    let text = String::from_utf8_lossy(&response.body).to_lowercase();
    for leak in [
        "exception",
        "injected",
        "stack",
        "backtrace",
        ".rs:",
        "127.0.0.1",
        "dispatch",
    ] {
        assert!(!text.contains(leak), "{leak:?} in {text}");
    }
}

#[tokio::test]
async fn faults_map_to_429_502_504() {
    let (emulator, api) = setup().await;
    for path in PATHS {
        assert_eq!(api.get(path).await.status, 200, "{path} before faults");
    }

    set_faults(emulator.url(), &json!({"throttleRate": 1.0}))
        .await
        .unwrap();
    for path in PATHS {
        let response = api.get(path).await;
        assert_eq!(response.status, 429, "{path}");
        assert_eq!(error_code(&response), "Throttled");
        let retry_after: u64 = response
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!(retry_after >= 1);
        assert_eq!(response.header("cache-control"), Some("no-store"));
        assert_no_internals(&response);
    }

    set_faults(emulator.url(), &json!({"errorRate": 1.0}))
        .await
        .unwrap();
    for path in PATHS {
        let response = api.get(path).await;
        assert_eq!(response.status, 502, "{path}");
        assert_eq!(error_code(&response), "UpstreamError");
        assert_no_internals(&response);
    }

    set_faults(emulator.url(), &json!({"latencyMs": 2000}))
        .await
        .unwrap();
    for path in PATHS {
        let response = api.get(path).await;
        assert_eq!(response.status, 504, "{path}");
        assert_eq!(error_code(&response), "UpstreamTimeout");
        assert_no_internals(&response);
    }

    set_faults(emulator.url(), &json!({})).await.unwrap();
    assert_eq!(
        api.get("/runs/4200001").await.status,
        200,
        "recovers once faults are cleared"
    );
}

#[tokio::test]
async fn unreachable_upstream_is_502() {
    // A port nobody listens on: connection refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let api = LocalApi::start(emulator_state(&url, Duration::from_millis(400)).await).await;
    let response = api.get("/runs/1").await;
    assert_eq!(response.status, 502);
    assert_no_internals(&response);
}
