//! Shared by the test binaries that call the API: the API served in-process on a real loopback socket, state for
//! the local stack or for an emulator a test spawns itself. Requests go through the harness's one HTTP client.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_omics::config::Credentials;
use omics_introspect::api::{ApiState, CursorKey};
use omics_introspect::clients::load_sdk_config;
use omics_introspect::config::Config;
use omics_introspect_tests::harness::{HttpResponse, http_request_with_headers, stack_env};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Cursor secret of the in-process API (any 32+ bytes).
pub const TEST_CURSOR_SECRET: &[u8] = b"api tests: cursor secret of 32+ bytes";

/// `local-api`'s router serving on `127.0.0.1:<free port>` inside the test process; stopped on drop.
pub struct LocalApi {
    url: String,
    task: JoinHandle<()>,
}

impl LocalApi {
    /// Serves `state` on a free loopback port.
    pub async fn start(state: ApiState) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            local_api::serve(listener, Arc::new(state), std::future::pending())
                .await
                .unwrap();
        });
        Self { url, task }
    }

    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `method path_and_query` with extra headers and no body; panics on a transport error.
    pub async fn request(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
    ) -> HttpResponse {
        http_request_with_headers(&self.url, method, path_and_query, headers, None)
            .await
            .unwrap_or_else(|e| panic!("{method} {path_and_query}: {e:#}"))
    }

    /// `GET path_and_query` with extra headers.
    pub async fn get_with(&self, path_and_query: &str, headers: &[(&str, &str)]) -> HttpResponse {
        self.request("GET", path_and_query, headers).await
    }

    /// `GET path_and_query`.
    pub async fn get(&self, path_and_query: &str) -> HttpResponse {
        self.get_with(path_and_query, &[]).await
    }
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn config() -> Config {
    Config::from_lookup(|_| None).unwrap()
}

fn cursor_key() -> CursorKey {
    CursorKey::new(TEST_CURSOR_SECRET).unwrap()
}

/// State against the local stack (`.local/stack.env`, sourced by `make test`).
pub async fn stack_state() -> ApiState {
    stack_env("AWS_ENDPOINT_URL_OMICS");
    let sdk = load_sdk_config().await;
    ApiState::from_sdk_config(&sdk, config(), Some(cursor_key()))
}

/// State against an emulator at `url`: one attempt per call and a short attempt timeout, so fault tests are fast.
pub async fn emulator_state(url: &str, attempt_timeout: Duration) -> ApiState {
    emulator_state_with_retries(
        url,
        RetryConfig::standard().with_max_attempts(1),
        attempt_timeout,
    )
    .await
}

/// State against an emulator at `url` with the SDK retrying as `retry` says, each attempt within
/// `attempt_timeout`.
pub async fn emulator_state_with_retries(
    url: &str,
    retry: RetryConfig,
    attempt_timeout: Duration,
) -> ApiState {
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "api-tests",
        ))
        .retry_config(retry)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(attempt_timeout)
                .build(),
        )
        .load()
        .await;
    ApiState::from_sdk_config(&sdk, config(), Some(cursor_key()))
}

/// The emulator binary of this package.
pub fn emulator_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_omics-emulator"))
}

/// A committed fixture file, parsed.
pub fn fixture(run_id: &str, file: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/runs/{run_id}/{file}"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// The error envelope's `code`, or panics with the body.
pub fn error_code(response: &HttpResponse) -> String {
    let body = response.json().unwrap();
    let error = &body["error"];
    assert!(
        error["requestId"].as_str().is_some_and(|id| !id.is_empty()),
        "{body}"
    );
    assert!(error["message"].as_str().is_some(), "{body}");
    error["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code: {body}"))
        .to_owned()
}
