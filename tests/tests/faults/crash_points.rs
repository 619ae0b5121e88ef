//! Crashes between the writes of an enrichment, and moto refusing connections mid-enrichment.
//!
//! - For each crash point of `omics_introspect::enrich::crash` (after the S3 report, after the lake objects,
//!   after the item, after the event, after the published flag), `enrich-run invoke` runs as a process with
//!   `OMICS_INTROSPECT_CRASH_AT` set and must die by `abort` there; what a reader sees then is checked (the lookup
//!   route answers 404 or a whole record, never a missing object); then a second delivery of the same event runs
//!   normally. At the end: one item, pointing at an existing object version that is the key's current one and
//!   whose bytes hash to the item's `reportSha256`; every other version of the key byte-identical; the lake
//!   objects at their keys; `Run Enriched` out exactly once, or (crash between the event and its mark) twice
//!   with the same detail and `idempotencyKey`, as `docs/architecture.md` documents.
//! - A proxy in front of moto drops the connection of one write (the item's, or the event's) and refuses
//!   connections for a few seconds (a moto restart without its in-memory state lost): the invocation fails with
//!   a retryable error, and the retry through the restored proxy completes with one consistent record.
//!
//! Events are observed through a rule of the test's own (matching the run's uuid) that delivers to a log group of
//! its own, so concurrent tests never read each other's events. Needs the local stack and a built `enrich-run`:
//! run through `make test`.

use crate::api_support::LocalApi;
use crate::enrich_support;

use std::net::SocketAddr;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use enrich_support::{
    EventTap, Setup, b, emulator, enrich_run_bin, fresh_run_id, fresh_uuid, item, object_bytes,
    report, run_event, s, setup, synthetic_run, versions,
};
use omics_introspect::api::ApiState;
use omics_introspect::clients::load_sdk_config;
use omics_introspect::enrich::crash::{CRASH_AT_VAR, CrashPoint};
use omics_introspect::enrich::sha256_hex;
use omics_introspect::ids::RunId;
use omics_introspect::lake::{RUNS_PREFIX, TASKS_PREFIX, object_name};
use omics_introspect::record::RunUuid;
use omics_introspect::store::{FleetDays, SummaryStore, fleet_row, fleet_time};
use omics_introspect_tests::harness::{EmulatorProcess, seed_run, stack_env};
use omics_introspect_tests::synthetic::to_seed_body;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// The signal `std::process::abort` raises (SIGABRT on Linux).
const SIGABRT: i32 = 6;
/// How long one `enrich-run invoke` may take.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(120);
/// The moto variables of `.local/stack.env` the child's AWS clients read (HealthOmics stays on the emulator).
const MOTO_ENDPOINT_VARS: [&str; 5] = [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
];

/// One run seeded on a private emulator, its event in a file, and a tap on its `Run Enriched` events.
struct Scenario {
    emulator: EmulatorProcess,
    setup: Setup,
    run_id: String,
    uuid: String,
    event_file: PathBuf,
    tap: EventTap,
}

impl Scenario {
    async fn new(seed: u64) -> Self {
        let emulator = emulator(false).await;
        let setup = setup(emulator.url(), Duration::from_secs(2)).await;
        let run_id = fresh_run_id();
        let uuid = fresh_uuid();
        let run = synthetic_run(&run_id, &uuid, 40, 0, seed);
        seed_run(emulator.url(), &to_seed_body(&run)).await.unwrap();
        let event_file = std::env::temp_dir().join(format!("crash-points-{uuid}.json"));
        let event = run_event(&run_id, Some(&uuid), "COMPLETED");
        std::fs::write(&event_file, event.to_string()).unwrap();
        let pattern = json!({
            "source": ["omics-introspect"],
            "detail-type": ["Run Enriched"],
            "detail": {"uuid": [uuid]},
        });
        let tap = EventTap::start(&setup, &format!("crash-points-{uuid}"), pattern).await;
        Self {
            emulator,
            setup,
            run_id,
            uuid,
            event_file,
            tap,
        }
    }

    /// `enrich-run invoke` on the scenario's event as a child process, with `env` added (`None` removes).
    async fn invoke(&self, env: &[(&str, Option<&str>)]) -> Output {
        let mut command = tokio::process::Command::new(enrich_run_bin());
        command
            .arg("invoke")
            .arg("--event")
            .arg(&self.event_file)
            .env("AWS_ENDPOINT_URL_OMICS", self.emulator.url())
            .env("MANIFEST_WAIT_SECONDS", "2")
            .env("PRICE_SOURCE", "bundled")
            .env("RUST_LOG", "warn")
            .env_remove("AWS_LAMBDA_FUNCTION_NAME")
            .env_remove(CRASH_AT_VAR)
            .stdin(Stdio::null())
            .kill_on_drop(true);
        for (name, value) in env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        tokio::time::timeout(INVOKE_TIMEOUT, command.output())
            .await
            .expect("enrich-run invoke finished in time")
            .expect("enrich-run started")
    }

    /// The run's item, read with the raw SDK.
    async fn item(&self) -> Option<std::collections::HashMap<String, AttributeValue>> {
        item(&self.setup, &self.run_id, &self.uuid).await
    }

    /// Every item of the run id (any uuid).
    async fn items_of_run(&self) -> usize {
        self.setup
            .clients
            .dynamodb
            .query()
            .table_name(self.setup.config.runs_table().unwrap())
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(format!("RUN#{}", self.run_id)))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .count as usize
    }

    fn report_key(&self) -> String {
        format!("runs/{}/{}/report.json.gz", self.run_id, self.uuid)
    }

    /// Removes the tap's rule and log group (the event file goes on drop, even when an assertion failed).
    async fn close(self) {
        self.tap.close(&self.setup).await;
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.event_file);
    }
}

/// The last stdout line of an invocation, parsed (its answer, or its failure line).
fn answer(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|_| {
        panic!(
            "no JSON answer (status {:?}); stdout: {stdout}; stderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

/// The version id of the current object at `key`.
async fn current_version(setup: &Setup, key: &str) -> Option<String> {
    setup
        .clients
        .s3
        .head_object()
        .bucket(setup.config.reports_bucket().unwrap())
        .key(key)
        .send()
        .await
        .ok()
        .and_then(|out| out.version_id().map(str::to_owned))
}

/// The bytes of one version of `key`.
async fn version_bytes(setup: &Setup, key: &str, version: &str) -> Vec<u8> {
    setup
        .clients
        .s3
        .get_object()
        .bucket(setup.config.reports_bucket().unwrap())
        .key(key)
        .version_id(version)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{key} version {version}: {e}"))
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes()
        .to_vec()
}

/// What a reader of `GET /runs/{id}/report` sees: nothing (404) or the whole record the item names, never an
/// error from a missing object. Answers whether a record was served.
async fn reader_sees_whole_record_or_nothing(scenario: &Scenario, api: &LocalApi) -> bool {
    let path = format!("/runs/{}/report?uuid={}", scenario.run_id, scenario.uuid);
    let response = api.get(&path).await;
    match response.status {
        404 => {
            assert!(scenario.item().await.is_none(), "404 with an item stored");
            false
        }
        200 => {
            let record = response.json().unwrap();
            assert_eq!(record["uuid"], scenario.uuid.as_str());
            assert_eq!(record["tasks"].as_array().map(Vec::len), Some(40));
            true
        }
        other => panic!(
            "GET {path}: {other} {}",
            String::from_utf8_lossy(&response.body)
        ),
    }
}

/// The final state after any crash and its retry: one item, published, pointing at an existing object version
/// that is the key's current one and hashes to the item's sha256; every version of the key the same bytes; the
/// lake objects at their keys, each version of them the same bytes. Answers the item and the number of versions
/// of the report key.
async fn assert_one_consistent_record(
    scenario: &Scenario,
) -> (std::collections::HashMap<String, AttributeValue>, usize) {
    let setup = &scenario.setup;
    assert_eq!(scenario.items_of_run().await, 1, "exactly one item");
    let stored = scenario.item().await.expect("the item");
    assert!(b(&stored, "eventPublished"), "the item is marked published");
    let key = scenario.report_key();
    assert_eq!(s(&stored, "reportKey"), key);
    let version = s(&stored, "reportVersionId").to_owned();
    let bytes = object_bytes(setup, &stored).await;
    assert_eq!(sha256_hex(&bytes), s(&stored, "reportSha256"));
    assert_eq!(
        current_version(setup, &key).await.as_deref(),
        Some(version.as_str()),
        "the item names the key's current version"
    );
    let all = versions(setup, &key).await;
    assert!(all.contains(&version), "{version} among {all:?}");
    for other in &all {
        assert_eq!(
            version_bytes(setup, &key, other).await,
            bytes,
            "version {other} of {key} is the same record"
        );
    }
    let record = report(setup, &stored).await;
    let name = object_name(&record.head);
    for lake_key in [
        format!("{RUNS_PREFIX}{name}"),
        format!("{TASKS_PREFIX}{name}"),
    ] {
        let lake_versions = versions(setup, &lake_key).await;
        assert!(!lake_versions.is_empty(), "{lake_key} written");
        let current = current_version(setup, &lake_key).await.expect("current");
        let current_bytes = version_bytes(setup, &lake_key, &current).await;
        for other in &lake_versions {
            assert_eq!(
                version_bytes(setup, &lake_key, other).await,
                current_bytes,
                "version {other} of {lake_key} is the same rows"
            );
        }
    }
    (stored, all.len())
}

/// What a crash at one point leaves, and what the retry must answer.
struct Expected {
    /// An item is visible after the crash (with this `eventPublished`).
    item_after_crash: Option<bool>,
    /// `Run Enriched` events out after the crash.
    events_after_crash: usize,
    /// The retry's `outcome` and `republished` (for `unchanged`).
    retry: (&'static str, bool),
    /// Events out after the retry.
    events_in_the_end: usize,
    /// Versions of the report key in the end (a crash before the item leaves the first write's copy behind).
    report_versions: usize,
}

fn expected(point: CrashPoint) -> Expected {
    let (item_after_crash, events_after_crash, retry, events_in_the_end, report_versions) =
        match point {
            CrashPoint::AfterReport | CrashPoint::AfterLake => (None, 0, ("written", false), 1, 2),
            CrashPoint::AfterItem | CrashPoint::AfterBucket => {
                (Some(false), 0, ("unchanged", true), 1, 1)
            }
            // EventBridge does not deduplicate: the retry cannot know the event went out, and announces again.
            CrashPoint::AfterEvent => (Some(false), 1, ("unchanged", true), 2, 1),
            CrashPoint::AfterMark => (Some(true), 1, ("unchanged", false), 1, 1),
        };
    Expected {
        item_after_crash,
        events_after_crash,
        retry,
        events_in_the_end,
        report_versions,
    }
}

/// The run's row is in its fleet day bucket once after the retry (a crash before the bucket is repaired by it).
async fn assert_filed_once_in_its_day(scenario: &Scenario, point: CrashPoint) {
    let summaries = SummaryStore::new(
        scenario.setup.clients.dynamodb.clone(),
        scenario.setup.config.runs_table().unwrap(),
    );
    let (run_id, uuid) = (
        RunId::parse(&scenario.run_id).unwrap(),
        RunUuid::parse(&scenario.uuid).unwrap(),
    );
    let record = summaries.get(&run_id, &uuid).await.unwrap().unwrap();
    let at = fleet_time(&record.summary).unwrap();
    let days = FleetDays::new(
        scenario.setup.clients.dynamodb.clone(),
        scenario.setup.config.fleet_table().unwrap(),
    );
    let (rows, _) = days
        .rows_between(
            &(at - chrono::Duration::seconds(1)),
            &(at + chrono::Duration::seconds(1)),
        )
        .await
        .unwrap();
    let ours: Vec<_> = rows
        .iter()
        .filter(|r| r.listed.run_id == scenario.run_id && r.listed.uuid == scenario.uuid)
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "{}: the run's row in its day bucket",
        point.name()
    );
    assert_eq!(Some(ours[0]), fleet_row(&record.summary).as_ref());
}

async fn crash_then_redeliver(point: CrashPoint, seed: u64) {
    let started = Instant::now();
    let scenario = Scenario::new(seed).await;
    // The lookup route as deployed, on the stack's table and bucket.
    let sdk = load_sdk_config().await;
    let api = LocalApi::start(ApiState::from_sdk_config(
        &sdk,
        scenario.setup.config.clone(),
        None,
    ))
    .await;
    let want = expected(point);

    let crashed = scenario.invoke(&[(CRASH_AT_VAR, Some(point.name()))]).await;
    let stderr = String::from_utf8_lossy(&crashed.stderr);
    assert_eq!(
        crashed.status.signal(),
        Some(SIGABRT),
        "{}: enrich-run died by abort ({:?}); stderr: {stderr}",
        point.name(),
        crashed.status
    );
    assert!(stderr.contains(point.name()), "{stderr}");
    let stdout = String::from_utf8_lossy(&crashed.stdout);
    assert!(
        !stdout.contains("\"outcome\""),
        "no answer from a crashed process: {stdout}"
    );

    let served = reader_sees_whole_record_or_nothing(&scenario, &api).await;
    let stored = scenario.item().await;
    assert_eq!(
        stored.as_ref().map(|i| b(i, "eventPublished")),
        want.item_after_crash,
        "{}: the item after the crash",
        point.name()
    );
    assert_eq!(served, want.item_after_crash.is_some());
    if let Some(stored) = &stored {
        let bytes = object_bytes(&scenario.setup, stored).await;
        assert_eq!(sha256_hex(&bytes), s(stored, "reportSha256"));
    }
    let events = scenario.tap.events().await;
    assert_eq!(events.len(), want.events_after_crash, "{}", point.name());

    let retried = scenario.invoke(&[]).await;
    assert!(
        retried.status.success(),
        "{}: the retry succeeds: {}",
        point.name(),
        String::from_utf8_lossy(&retried.stderr)
    );
    let answer = answer(&retried);
    assert_eq!(
        answer["outcome"],
        want.retry.0,
        "{}: {answer}",
        point.name()
    );
    if want.retry.0 == "unchanged" {
        assert_eq!(answer["republished"], want.retry.1, "{answer}");
    }

    let (stored, report_versions) = assert_one_consistent_record(&scenario).await;
    assert_filed_once_in_its_day(&scenario, point).await;
    assert_eq!(report_versions, want.report_versions, "{}", point.name());
    assert!(reader_sees_whole_record_or_nothing(&scenario, &api).await);
    let events = scenario.tap.events().await;
    assert_eq!(events.len(), want.events_in_the_end, "{}", point.name());
    let key = format!(
        "{}/{}/{}",
        scenario.run_id,
        scenario.uuid,
        s(&stored, "reportSha256")
    );
    for event in &events {
        let detail = &event["detail"];
        assert_eq!(detail["idempotencyKey"], key.as_str(), "{event}");
        assert_eq!(detail["report"]["versionId"], s(&stored, "reportVersionId"));
        assert_eq!(
            detail, &events[0]["detail"],
            "every announcement is the same"
        );
    }
    scenario.close().await;
    eprintln!("{}: {:.1} s", point.name(), started.elapsed().as_secs_f64());
}

#[tokio::test]
async fn crash_after_the_report_object_then_a_redelivery_writes_one_record() {
    crash_then_redeliver(CrashPoint::AfterReport, 8_500_001).await;
}

#[tokio::test]
async fn crash_after_the_lake_objects_then_a_redelivery_writes_one_record() {
    crash_then_redeliver(CrashPoint::AfterLake, 8_500_002).await;
}

#[tokio::test]
async fn crash_after_the_item_then_a_redelivery_announces_it_once() {
    crash_then_redeliver(CrashPoint::AfterItem, 8_500_003).await;
}

#[tokio::test]
async fn crash_after_the_day_bucket_then_a_redelivery_announces_it_once() {
    crash_then_redeliver(CrashPoint::AfterBucket, 8_500_006).await;
}

#[tokio::test]
async fn crash_after_the_event_then_a_redelivery_announces_it_again_with_the_same_key() {
    crash_then_redeliver(CrashPoint::AfterEvent, 8_500_004).await;
}

#[tokio::test]
async fn crash_after_the_published_flag_then_a_redelivery_writes_nothing() {
    crash_then_redeliver(CrashPoint::AfterMark, 8_500_005).await;
}

#[test]
fn every_crash_point_has_a_test() {
    // The six tests above, one per point: a new point must get its own.
    assert_eq!(
        CrashPoint::ALL.map(CrashPoint::name),
        [
            "after-report",
            "after-lake",
            "after-item",
            "after-bucket",
            "after-event",
            "after-mark"
        ]
    );
}

/// A TCP proxy in front of moto. Until it trips it forwards every connection; the first request whose bytes
/// contain `trip` is dropped unsent, every open connection is cut and the port stops listening (connections are
/// refused) until [`OutageProxy::restore`] listens on the same port again.
struct OutageProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tripped: Arc<AtomicBool>,
    trip_seen: Arc<Notify>,
    server: tokio::task::JoinHandle<()>,
}

impl OutageProxy {
    async fn start(upstream: SocketAddr, trip: &'static [u8]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tripped = Arc::new(AtomicBool::new(false));
        let trip_seen = Arc::new(Notify::new());
        let server = tokio::spawn(serve(
            listener,
            upstream,
            Some(trip),
            Arc::clone(&tripped),
            Arc::clone(&trip_seen),
        ));
        Self {
            addr,
            upstream,
            tripped,
            trip_seen,
            server,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Listens on the same port again, forwarding everything.
    async fn restore(&mut self) {
        self.server.abort();
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.server = tokio::spawn(serve(
            listener,
            self.upstream,
            None,
            Arc::clone(&self.tripped),
            Arc::clone(&self.trip_seen),
        ));
    }
}

impl Drop for OutageProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Accepts and forwards until a connection sees `trip`; then returns, dropping the listener and every
/// connection.
async fn serve(
    listener: TcpListener,
    upstream: SocketAddr,
    trip: Option<&'static [u8]>,
    tripped: Arc<AtomicBool>,
    trip_seen: Arc<Notify>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let (tripped, trip_seen) = (Arc::clone(&tripped), Arc::clone(&trip_seen));
                connections.spawn(forward(client, upstream, trip, tripped, trip_seen));
            }
            () = trip_seen.notified(), if trip.is_some() => {
                connections.abort_all();
                return;
            }
        }
    }
}

/// Copies one connection both ways; a request containing `trip` trips the proxy and is never sent.
async fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    trip: Option<&'static [u8]>,
    tripped: Arc<AtomicBool>,
    trip_seen: Arc<Notify>,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream_bound = async {
        let mut buffer = vec![0u8; 64 * 1024];
        // The last bytes of the previous read: a needle split across two reads is still found.
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let read = client_read.read(&mut buffer).await?;
            if read == 0 {
                return server_write.shutdown().await;
            }
            if let Some(trip) = trip {
                let mut window = std::mem::take(&mut tail);
                window.extend_from_slice(&buffer[..read]);
                if window.windows(trip.len()).any(|w| w == trip) {
                    tripped.store(true, Ordering::SeqCst);
                    trip_seen.notify_one();
                    return Ok(());
                }
                tail = window[window.len().saturating_sub(trip.len())..].to_vec();
            }
            server_write.write_all(&buffer[..read]).await?;
        }
    };
    let client_bound = tokio::io::copy(&mut server_read, &mut client_write);
    let _: (std::io::Result<()>, std::io::Result<u64>) = tokio::join!(upstream_bound, client_bound);
}

/// moto's address, from `AWS_ENDPOINT_URL` (`http://127.0.0.1:<port>`).
fn moto_addr() -> SocketAddr {
    let url = stack_env("AWS_ENDPOINT_URL");
    let authority = url
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("AWS_ENDPOINT_URL {url} is not http://host:port"));
    std::net::ToSocketAddrs::to_socket_addrs(authority)
        .unwrap()
        .next()
        .unwrap()
}

/// moto goes away when the enrichment sends the request containing `trip`: the invocation fails retryably; moto
/// is back a few seconds later and the retry completes with one consistent record, announced once.
async fn outage_then_retry(trip: &'static [u8], seed: u64) {
    let started = Instant::now();
    let scenario = Scenario::new(seed).await;
    let mut proxy = OutageProxy::start(moto_addr(), trip).await;
    let url = proxy.url();
    let through_proxy: Vec<(&str, Option<&str>)> = MOTO_ENDPOINT_VARS
        .iter()
        .map(|name| (*name, Some(url.as_str())))
        .collect();

    let failed = scenario.invoke(&through_proxy).await;
    let down_since = Instant::now();
    let answer_line = answer(&failed);
    assert!(
        proxy.tripped.load(Ordering::SeqCst),
        "the enrichment reached the write: {answer_line}"
    );
    assert_eq!(
        failed.status.code(),
        Some(1),
        "a failed invocation, not a panic or a signal: {:?}",
        failed.status
    );
    assert_eq!(answer_line["outcome"], "failed", "{answer_line}");
    assert_eq!(answer_line["retryable"], true, "{answer_line}");
    // Nothing a reader follows to a missing object, whatever was written before the outage.
    if let Some(stored) = scenario.item().await {
        assert!(!b(&stored, "eventPublished"));
        let bytes = object_bytes(&scenario.setup, &stored).await;
        assert_eq!(sha256_hex(&bytes), s(&stored, "reportSha256"));
    }
    assert!(scenario.tap.events().await.is_empty());

    // Refused for a few seconds in all, then back on the same port.
    let outage = Duration::from_secs(3);
    tokio::time::sleep(outage.saturating_sub(down_since.elapsed())).await;
    proxy.restore().await;
    let retried = scenario.invoke(&through_proxy).await;
    assert!(
        retried.status.success(),
        "the retry completes: {}",
        String::from_utf8_lossy(&retried.stderr)
    );
    let retry_answer = answer(&retried);
    assert!(
        retry_answer["outcome"] == "written"
            || (retry_answer["outcome"] == "unchanged" && retry_answer["republished"] == true),
        "{retry_answer}"
    );
    assert_one_consistent_record(&scenario).await;
    assert_eq!(scenario.tap.events().await.len(), 1);
    scenario.close().await;
    eprintln!(
        "outage at {}: {:.1} s",
        String::from_utf8_lossy(trip),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn crash_moto_refusing_the_item_write_fails_retryably_and_the_retry_completes() {
    outage_then_retry(b"DynamoDB_20120810.PutItem", 8_500_011).await;
}

#[tokio::test]
async fn crash_moto_refusing_the_event_fails_retryably_and_the_retry_announces_once() {
    outage_then_retry(b"AWSEvents.PutEvents", 8_500_012).await;
}
