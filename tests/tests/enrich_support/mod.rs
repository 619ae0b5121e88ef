//! Shared setup of the enrichment tests (`tests/enrich/*.rs` and the tests that enrich first): the local stack's
//! resources, a private emulator, an [`Enricher`] wired to both, and raw read-backs from DynamoDB and S3.
//!
//! Needs the local stack (moto): run through `make test`, which sources `.local/stack.env`. Each test starts its own
//! emulator, so its runs, faults and request counters are its own; records in moto are keyed by run id and uuid,
//! and every synthetic run gets a fresh uuid, so reruns against a long-lived stack never see old records.

#![allow(dead_code)] // Each test binary uses a different part of this module.

mod event_tap;

#[allow(unused_imports)] // Not every test binary taps events.
pub use event_tap::EventTap;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Once;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::AttributeValue;
use omics_introspect::clients::{StripHostPrefix, load_sdk_config};
use omics_introspect::enrich::{EnrichedRun, Enricher, gunzip};
use omics_introspect::{AwsClients, Config};
use omics_introspect_tests::harness::{EmulatorProcess, stack_env};
use serde_json::{Value, json};

/// Repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// Creates the table, bucket, bus, queue and rule with `scripts/local-resources.py` (idempotent), once per test
/// binary.
pub fn ensure_resources() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        stack_env("AWS_ENDPOINT_URL");
        let venv = root().join(".venv/bin/python");
        let python = if venv.exists() {
            venv
        } else {
            PathBuf::from("python3")
        };
        let output = Command::new(&python)
            .arg(root().join("scripts/local-resources.py"))
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
        assert!(
            output.status.success(),
            "scripts/local-resources.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    });
}

/// Starts a private emulator, optionally seeded with the repository fixtures.
pub async fn emulator(with_fixtures: bool) -> EmulatorProcess {
    let fixtures = root().join("tests/fixtures");
    EmulatorProcess::spawn(
        Path::new(env!("CARGO_BIN_EXE_omics-emulator")),
        with_fixtures.then_some(fixtures.as_path()),
    )
    .await
    .expect("starting the emulator")
}

/// Everything a test needs to enrich and read back.
pub struct Setup {
    /// Clients on the stack (HealthOmics on the private emulator).
    pub clients: AwsClients,
    /// Configuration from the stack env, with the test's manifest wait.
    pub config: Config,
    /// The enricher under test.
    pub enricher: Enricher,
}

/// Clients on the local stack, with HealthOmics on `emulator_url`, and an enricher waiting at most
/// `manifest_wait` for a manifest.
pub async fn setup(emulator_url: &str, manifest_wait: Duration) -> Setup {
    setup_with_sdk_config(&load_sdk_config().await, emulator_url, manifest_wait)
}

/// [`setup`] on an SDK configuration of the caller's (retries, timeouts).
pub fn setup_with_sdk_config(
    sdk: &SdkConfig,
    emulator_url: &str,
    manifest_wait: Duration,
) -> Setup {
    ensure_resources();
    let mut clients = AwsClients::from_sdk_config(sdk);
    clients.omics = aws_sdk_omics::Client::from_conf(
        aws_sdk_omics::config::Builder::from(sdk)
            .endpoint_url(emulator_url)
            .interceptor(StripHostPrefix)
            .build(),
    );
    let wait = manifest_wait.as_secs().to_string();
    let config = Config::from_lookup(|name| match name {
        "MANIFEST_WAIT_SECONDS" => Some(wait.clone()),
        other => std::env::var(other).ok(),
    })
    .expect("configuration from the stack env");
    let enricher =
        Enricher::new(&clients, &config).expect("RUNS_TABLE_NAME and REPORTS_BUCKET_NAME");
    Setup {
        clients,
        config,
        enricher,
    }
}

/// A `Run Status Change` event; `uuid: None` gives the old event shape.
pub fn run_event(run_id: &str, uuid: Option<&str>, status: &str) -> Value {
    let arn = format!("arn:aws:omics:us-east-1:123456789012:run/{run_id}");
    let mut detail = json!({"omicsVersion": "1.0.0", "arn": arn, "status": status});
    if let Some(uuid) = uuid {
        detail["uuid"] = json!(uuid);
        detail["runId"] = json!(run_id);
    }
    json!({
        "version": "0",
        "id": format!("evt-{run_id}-{status}"),
        "detail-type": "Run Status Change",
        "source": "aws.omics",
        "account": "123456789012",
        "time": "2024-10-20T07:02:53Z",
        "region": "us-east-1",
        "resources": [arn],
        "detail": detail
    })
}

/// A sample event file from `events/`.
pub fn sample_event(name: &str) -> Value {
    let path = root().join("events").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A uuid nobody used before (random), v4-shaped.
pub fn fresh_uuid() -> String {
    // fastrand's per-thread generator is seeded from the OS: tests started in the same microsecond differ.
    omics_introspect_tests::synthetic::uuid_v4(&mut fastrand::Rng::new())
}

/// A run id nobody used before on this stack: `8` and 11 random digits (the clock alone collided when two tests
/// of one process started in the same microsecond).
pub fn fresh_run_id() -> String {
    format!("8{:011}", fastrand::u64(..100_000_000_000))
}

/// The DynamoDB key of run `run_id` / `uuid`'s record.
fn record_key(run_id: &str, uuid: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(format!("RUN#{run_id}"))),
        ("sk".to_owned(), AttributeValue::S(uuid.to_owned())),
    ])
}

/// The DynamoDB item of run `run_id` / `uuid`, read with the raw SDK.
pub async fn item(
    setup: &Setup,
    run_id: &str,
    uuid: &str,
) -> Option<HashMap<String, AttributeValue>> {
    setup
        .clients
        .dynamodb
        .get_item()
        .table_name(setup.config.runs_table().unwrap())
        .set_key(Some(record_key(run_id, uuid)))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// A string attribute.
pub fn s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> &'a str {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .unwrap_or_else(|| panic!("{name} missing in {item:?}"))
}

/// A number attribute.
pub fn n(item: &HashMap<String, AttributeValue>, name: &str) -> f64 {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in {item:?}"))
}

/// A boolean attribute.
pub fn b(item: &HashMap<String, AttributeValue>, name: &str) -> bool {
    *item
        .get(name)
        .and_then(|v| v.as_bool().ok())
        .unwrap_or_else(|| panic!("{name} missing in {item:?}"))
}

/// The gzip bytes of the object an item points to (its exact version), read with the raw SDK.
pub async fn object_bytes(setup: &Setup, item: &HashMap<String, AttributeValue>) -> Vec<u8> {
    let version = item
        .get("reportVersionId")
        .and_then(|v| v.as_s().ok())
        .cloned();
    setup
        .clients
        .s3
        .get_object()
        .bucket(s(item, "reportBucket"))
        .key(s(item, "reportKey"))
        .set_version_id(version)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes()
        .to_vec()
}

/// The record an item points to, parsed.
pub async fn report(setup: &Setup, item: &HashMap<String, AttributeValue>) -> EnrichedRun {
    let json = gunzip(&object_bytes(setup, item).await).unwrap();
    serde_json::from_slice(&json).expect("the stored record parses as EnrichedRun")
}

/// Every version of `key` in the reports bucket (newest first).
pub async fn versions(setup: &Setup, key: &str) -> Vec<String> {
    let out = setup
        .clients
        .s3
        .list_object_versions()
        .bucket(setup.config.reports_bucket().unwrap())
        .prefix(key)
        .send()
        .await
        .unwrap();
    out.versions()
        .iter()
        .filter(|v| v.key() == Some(key))
        .filter_map(|v| v.version_id().map(str::to_owned))
        .collect()
}

/// Removes the item and every object version of run `run_id` / `uuid`, so a test starts from nothing.
pub async fn clear_record(setup: &Setup, run_id: &str, uuid: &str) {
    setup
        .clients
        .dynamodb
        .delete_item()
        .table_name(setup.config.runs_table().unwrap())
        .set_key(Some(record_key(run_id, uuid)))
        .send()
        .await
        .unwrap();
    let key = format!("runs/{run_id}/{uuid}/report.json.gz");
    for version in versions(setup, &key).await {
        setup
            .clients
            .s3
            .delete_object()
            .bucket(setup.config.reports_bucket().unwrap())
            .key(&key)
            .version_id(version)
            .send()
            .await
            .unwrap();
    }
}

/// Peak resident memory of this process (`VmHWM`), in KiB.
pub fn peak_rss_kib() -> u64 {
    proc_status_kib("VmHWM")
}

/// Current resident memory of this process (`VmRSS`), in KiB.
pub fn rss_kib() -> u64 {
    proc_status_kib("VmRSS")
}

fn proc_status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Resets `VmHWM` to the current RSS (Linux `clear_refs` value 5), so a later [`peak_rss_kib`] measures one phase.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The `enrich-run` binary the tests spawn as a process: `ENRICH_RUN_BIN` when set, else the one beside this test
/// binary's directory (`<target>/debug/enrich-run`; `make test` builds every target first).
///
/// # Panics
/// When the binary is missing, saying how to build it.
pub fn enrich_run_bin() -> PathBuf {
    let path = match std::env::var_os("ENRICH_RUN_BIN") {
        Some(path) => PathBuf::from(path),
        None => std::env::current_exe()
            .expect("the test binary's path")
            .parent()
            .and_then(Path::parent)
            .expect("test binaries live in <target>/<profile>/deps")
            .join("enrich-run"),
    };
    assert!(
        path.is_file(),
        "{} not found: build it with `cargo build -p enrich-run` (make test builds every target), or name it in \
         ENRICH_RUN_BIN",
        path.display()
    );
    path
}

/// A synthetic run of `tasks` tasks (`failed` of them FAILED, which makes the run FAILED) with a fixed `uuid`.
pub fn synthetic_run(
    run_id: &str,
    uuid: &str,
    tasks: usize,
    failed: usize,
    seed: u64,
) -> omics_introspect_tests::synthetic::SyntheticRun {
    omics_introspect_tests::synthetic::generate(&omics_introspect_tests::synthetic::SyntheticSpec {
        run_id: run_id.to_owned(),
        uuid: Some(uuid.to_owned()),
        tasks,
        failed,
        seed,
        status: if failed > 0 { "FAILED" } else { "COMPLETED" }.to_owned(),
        ..Default::default()
    })
}
