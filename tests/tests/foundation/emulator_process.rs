//! The emulator binary as a process: spawned on a free port by the harness, controlled over HTTP, killed on drop.
//! Needs no local stack (no manifest is seeded).

use std::path::Path;
use std::time::Duration;

use omics_introspect_tests::harness::{
    EmulatorProcess, http_request, reset, reset_stats, seed_run, set_faults, stats,
};

#[tokio::test]
async fn spawned_emulator_serves_control_routes_and_dies_on_drop() {
    let bin = Path::new(env!("CARGO_BIN_EXE_omics-emulator"));
    let emulator = EmulatorProcess::spawn(bin, None).await.unwrap();
    let url = emulator.url().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let summary = seed_run(
        &url,
        &serde_json::json!({"run": {"id": "77", "uuid": "u"}, "tasks": [{"taskId": "1"}]}),
    )
    .await
    .unwrap();
    assert_eq!(summary["tasks"], 1);
    let run = http_request(&url, "GET", "/run/77", None).await.unwrap();
    assert_eq!(run.status, 200);
    assert!(run.header("x-amzn-RequestId").is_some());
    assert_eq!(
        run.json().unwrap(),
        serde_json::json!({"id": "77", "uuid": "u"})
    );
    let missing = http_request(&url, "GET", "/run/78", None).await.unwrap();
    assert_eq!(
        (missing.status, missing.header("x-amzn-ErrorType")),
        (404, Some("ResourceNotFoundException"))
    );
    set_faults(&url, &serde_json::json!({"errorRate": 1.0, "seed": 3}))
        .await
        .unwrap();
    assert_eq!(
        http_request(&url, "GET", "/run/77", None)
            .await
            .unwrap()
            .status,
        500
    );
    let counters = stats(&url).await.unwrap();
    assert_eq!(
        (
            counters["GetRun"].as_u64(),
            counters["faults"]["errors"].as_u64()
        ),
        (Some(3), Some(1))
    );
    reset_stats(&url).await.unwrap();
    reset(&url).await.unwrap();
    assert_eq!(
        http_request(&url, "GET", "/run/77", None)
            .await
            .unwrap()
            .status,
        404
    );
    drop(emulator);
    // The port stops answering once the child is killed.
    let mut closed = false;
    for _ in 0..50 {
        if http_request(&url, "GET", "/_emulator/health", None)
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed, "emulator still answering after drop");
}
