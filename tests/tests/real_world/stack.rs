//! The few stack helpers these tests need, copied in small from `enrich_support` and `api_support` (shared
//! modules other tests own): a private emulator, the API served in-process, and an enricher on the local stack.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_omics::config::Credentials;
use omics_introspect::api::{ApiState, CursorKey};
use omics_introspect::clients::{StripHostPrefix, load_sdk_config};
use omics_introspect::enrich::{EnrichedRun, Enricher, gunzip};
use omics_introspect::{AwsClients, Config};
use omics_introspect_tests::harness::{EmulatorProcess, HttpResponse, http_request, stack_env};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A private, empty emulator (GetRun answers 404 for every run until one is seeded).
pub async fn empty_emulator() -> EmulatorProcess {
    EmulatorProcess::spawn(Path::new(env!("CARGO_BIN_EXE_omics-emulator")), None)
        .await
        .expect("starting the emulator")
}

/// `local-api`'s router on a free loopback port; stopped on drop.
pub struct LocalApi {
    url: String,
    task: JoinHandle<()>,
}

impl LocalApi {
    /// Serves the API with HealthOmics at `emulator_url`.
    pub async fn start(emulator_url: &str) -> Self {
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(emulator_url)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "real-world",
            ))
            .load()
            .await;
        let key = CursorKey::new(b"real-world tests: a cursor secret of 32+ bytes").unwrap();
        let state =
            ApiState::from_sdk_config(&sdk, Config::from_lookup(|_| None).unwrap(), Some(key));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            local_api::serve(listener, Arc::new(state), std::future::pending())
                .await
                .unwrap();
        });
        Self { url, task }
    }

    /// `GET path_and_query`.
    pub async fn get(&self, path_and_query: &str) -> HttpResponse {
        http_request(&self.url, "GET", path_and_query, None)
            .await
            .unwrap_or_else(|e| panic!("GET {path_and_query}: {e:#}"))
    }
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Clients on the local stack (HealthOmics on `emulator_url`), its configuration and an enricher that does not
/// wait for manifests.
pub struct Setup {
    /// The clients.
    pub clients: AwsClients,
    /// The configuration from the stack env.
    pub config: Config,
    /// The enricher under test.
    pub enricher: Enricher,
}

/// Creates the stack's resources (idempotent) and wires an enricher to them.
pub async fn setup(emulator_url: &str) -> Setup {
    stack_env("AWS_ENDPOINT_URL");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let venv = root.join(".venv/bin/python");
    let python = if venv.exists() {
        venv
    } else {
        "python3".into()
    };
    let output = std::process::Command::new(&python)
        .arg(root.join("scripts/local-resources.py"))
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let sdk = load_sdk_config().await;
    let mut clients = AwsClients::from_sdk_config(&sdk);
    clients.omics = aws_sdk_omics::Client::from_conf(
        aws_sdk_omics::config::Builder::from(&sdk)
            .endpoint_url(emulator_url)
            .interceptor(StripHostPrefix)
            .build(),
    );
    let config = Config::from_lookup(|name| match name {
        "MANIFEST_WAIT_SECONDS" => Some("0".to_owned()),
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

fn key(run_id: &str, uuid: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(format!("RUN#{run_id}"))),
        ("sk".to_owned(), AttributeValue::S(uuid.to_owned())),
    ])
}

/// Deletes the item of run `run_id` / `uuid`, so the next enrichment writes a fresh record.
pub async fn clear_item(setup: &Setup, run_id: &str, uuid: &str) {
    setup
        .clients
        .dynamodb
        .delete_item()
        .table_name(setup.config.runs_table().unwrap())
        .set_key(Some(key(run_id, uuid)))
        .send()
        .await
        .unwrap();
}

/// The stored record of run `run_id` / `uuid`: its item, then the S3 object version the item points to.
pub async fn stored_record(setup: &Setup, run_id: &str, uuid: &str) -> EnrichedRun {
    let item = setup
        .clients
        .dynamodb
        .get_item()
        .table_name(setup.config.runs_table().unwrap())
        .set_key(Some(key(run_id, uuid)))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("item stored");
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let bytes = setup
        .clients
        .s3
        .get_object()
        .bucket(text("reportBucket").expect("reportBucket"))
        .key(text("reportKey").expect("reportKey"))
        .set_version_id(text("reportVersionId"))
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    serde_json::from_slice(&gunzip(&bytes).unwrap()).expect("the stored record parses")
}
