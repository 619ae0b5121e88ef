//! Test support: start the emulator binary for one test, talk to its control routes, read the stack settings.
//!
//! [`http_request`], [`http_request_with_headers`] and [`request_url`] are the tests' one HTTP client: reqwest
//! without TLS (the emulator and the local stack speak plain HTTP on loopback only) and without proxies.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long [`EmulatorProcess::spawn`] waits for the `LISTENING` line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// How long one control request may take; seeding 100,000 tasks with a manifest is the slow case.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

/// An `omics-emulator` child process on a free loopback port, killed when dropped.
pub struct EmulatorProcess {
    child: Child,
    url: String,
}

impl EmulatorProcess {
    /// Starts the emulator binary `bin` (in integration tests: `env!("CARGO_BIN_EXE_omics-emulator")`) on
    /// `127.0.0.1:0`, optionally seeded from `fixtures`, and waits up to [`STARTUP_TIMEOUT`] for it to listen.
    ///
    /// The child inherits the environment (AWS settings for manifest writing) and stderr. Its per-request log
    /// lines are quiet unless `RUST_LOG` is set, so test output stays readable.
    pub async fn spawn(bin: &Path, fixtures: Option<&Path>) -> anyhow::Result<Self> {
        let mut command = Command::new(bin);
        command
            .args(["--addr", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(dir) = fixtures {
            command.arg("--fixtures").arg(dir);
        }
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "warn");
        }
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child
            .stdout
            .take()
            .context("emulator stdout was not captured")?;

        let mut lines = BufReader::new(stdout).lines();
        let wait_for_listening = async {
            while let Some(line) = lines.next_line().await.context("reading emulator stdout")? {
                if let Some(url) = line.strip_prefix("LISTENING ") {
                    return Ok(url.trim().to_owned());
                }
            }
            bail!("emulator exited before listening (see its stderr above)")
        };
        let url = match tokio::time::timeout(STARTUP_TIMEOUT, wait_for_listening).await {
            Ok(Ok(url)) => url,
            Ok(Err(err)) => return Err(err),
            Err(_) => bail!("emulator did not print LISTENING within {STARTUP_TIMEOUT:?}"),
        };
        Ok(Self { child, url })
    }

    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Process id of the child, if it is still running.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        // kill_on_drop covers the Child being dropped too; killing here makes the intent explicit and immediate.
        let _ = self.child.start_kill();
    }
}

/// A response read by [`http_request`].
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers, names lower-cased, in received order.
    pub headers: Vec<(String, String)>,
    /// Response body (de-chunked).
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> anyhow::Result<Value> {
        serde_json::from_slice(&self.body).with_context(|| {
            format!(
                "response body is not JSON (status {}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Splits `http://host:port[/...]` into the `host:port` authority.
fn authority(base_url: &str) -> anyhow::Result<&str> {
    let rest = base_url
        .strip_prefix("http://")
        .with_context(|| format!("only http:// URLs are supported, got {base_url:?}"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    anyhow::ensure!(!authority.is_empty(), "no host in {base_url:?}");
    Ok(authority)
}

/// Sends one request to `base_url`'s host and port + `path_and_query` (which starts with `/`; a path in
/// `base_url` is not used), with an optional JSON body, and reads the whole response within [`REQUEST_TIMEOUT`].
pub async fn http_request(
    base_url: &str,
    method: &str,
    path_and_query: &str,
    body: Option<&Value>,
) -> anyhow::Result<HttpResponse> {
    http_request_with_headers(base_url, method, path_and_query, &[], body).await
}

/// [`http_request`] with extra request headers; one named like a default header (`accept`, `content-type`)
/// replaces it.
///
/// Fails, without sending, when the URL parser would send a different path or query than `path_and_query`
/// (it resolves dot segments such as `/%2e%2e/`): a test of such a raw path needs a raw socket, not this client.
pub async fn http_request_with_headers(
    base_url: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> anyhow::Result<HttpResponse> {
    let authority = authority(base_url)?;
    let url = format!("http://{authority}{path_and_query}");
    ensure_sent_as_written(&url, path_and_query)?;
    let body = body
        .map(serde_json::to_vec)
        .transpose()
        .context("serializing the request body")?;
    send(method, &url, headers, body, REQUEST_TIMEOUT).await
}

/// Errors when parsing `url` changes its `path_and_query`, so a test never silently sends another request than
/// the one it names.
fn ensure_sent_as_written(url: &str, path_and_query: &str) -> anyhow::Result<()> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("bad URL {url:?}"))?;
    let sent = match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    anyhow::ensure!(
        sent == path_and_query,
        "the HTTP client would send {sent:?} instead of {path_and_query:?}; send this raw path over a socket"
    );
    Ok(())
}

/// Sends one request with an optional JSON body (already serialized) to `url` and reads the whole response
/// within `timeout`. Any status is a response; only transport failures are errors.
pub async fn request_url(
    method: &str,
    url: &str,
    body: Option<Vec<u8>>,
    timeout: Duration,
) -> anyhow::Result<HttpResponse> {
    send(method, url, &[], body, timeout).await
}

/// The default headers (`accept: application/json`, and `content-type: application/json` with a body), then
/// `extra`, each replacing a default of the same name.
fn request_headers(
    extra: &[(&str, &str)],
    has_body: bool,
) -> anyhow::Result<reqwest::header::HeaderMap> {
    use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
    let json = HeaderValue::from_static("application/json");
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, json.clone());
    if has_body {
        headers.insert(CONTENT_TYPE, json);
    }
    for (name, value) in extra {
        let name = HeaderName::from_bytes(name.as_bytes())
            .with_context(|| format!("bad header name {name:?}"))?;
        let value =
            HeaderValue::from_str(value).with_context(|| format!("bad value of header {name}"))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

/// The one place a request leaves the tests: reqwest, a client per request, no proxy.
async fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
    timeout: Duration,
) -> anyhow::Result<HttpResponse> {
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .with_context(|| format!("bad HTTP method {method:?}"))?;
    let headers = request_headers(headers, body.is_some())?;
    // A client per request: tests run on many short-lived tokio runtimes, and a pooled connection must not
    // outlive the runtime that opened it. Without TLS a client costs next to nothing. Redirects are not
    // followed: a test asserts the answer itself (e.g. the report route's 303 and its Location).
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .context("building the HTTP client")?;
    let mut request = client
        .request(method.clone(), url)
        .timeout(timeout)
        .headers(headers);
    if let Some(body) = body {
        request = request.body(body);
    }
    let exchange = async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).trim().to_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let body = response.bytes().await?.to_vec();
        Ok::<_, reqwest::Error>(HttpResponse {
            status,
            headers,
            body,
        })
    };
    exchange.await.with_context(|| format!("{method} {url}"))
}

/// Sends a request and checks its status, returning the JSON body.
async fn call(
    url: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    expect: u16,
) -> anyhow::Result<Value> {
    let response = http_request(url, method, path, body).await?;
    if response.status != expect {
        bail!(
            "{method} {path}: expected status {expect}, got {}: {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
    }
    response.json()
}

/// Seeds one run: `body` is `{"run": {...}, "tasks": [...], "manifest": ["line", ...]}`. Returns the emulator's
/// summary `{"runId","uuid","tasks","manifestEvents"}`.
pub async fn seed_run(url: &str, body: &Value) -> anyhow::Result<Value> {
    call(url, "POST", "/_emulator/runs", Some(body), 201).await
}

/// Replaces the fault settings, e.g. `{"throttleRate":0.3,"errorRate":0.1,"latencyMs":20,"seed":1}`; `{}` clears.
pub async fn set_faults(url: &str, faults: &Value) -> anyhow::Result<Value> {
    call(url, "POST", "/_emulator/faults", Some(faults), 200).await
}

/// Request counters: `{"GetRun":n,"ListRuns":n,"ListRunTasks":n,"GetRunTask":n,"faults":{"throttled":n,"errors":n}}`.
pub async fn stats(url: &str) -> anyhow::Result<Value> {
    call(url, "GET", "/_emulator/stats", None, 200).await
}

/// Zeroes the request counters.
pub async fn reset_stats(url: &str) -> anyhow::Result<()> {
    call(url, "POST", "/_emulator/stats/reset", None, 200)
        .await
        .map(drop)
}

/// Empties the emulator: runs, faults and stats.
pub async fn reset(url: &str) -> anyhow::Result<()> {
    call(url, "POST", "/_emulator/reset", None, 200)
        .await
        .map(drop)
}

/// Reads a variable of the local stack (set by `.local/stack.env`, which `make test` sources).
///
/// # Panics
/// When the variable is missing or empty, with a message saying to run the tests through `make test`.
pub fn stack_env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "environment variable {name} is not set: run the integration tests through `make test`, which starts \
             the local stack and sources .local/stack.env"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lookup_ignores_case_and_json_reports_the_body() {
        let response = HttpResponse {
            status: 201,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"a":1}"#.to_vec(),
        };
        assert_eq!(response.header("Content-Type"), Some("application/json"));
        assert_eq!(response.header("etag"), None);
        assert_eq!(response.json().unwrap(), serde_json::json!({"a": 1}));
        let bad = HttpResponse {
            body: b"nope".to_vec(),
            ..response
        };
        assert!(bad.json().unwrap_err().to_string().contains("nope"));
    }

    #[tokio::test]
    async fn requests_to_a_closed_port_fail_naming_the_url() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let err = http_request(&url, "GET", "/x", None).await.unwrap_err();
        assert!(format!("{err:#}").contains("/x"), "{err:#}");
    }

    #[test]
    fn paths_the_url_parser_would_rewrite_are_refused() {
        for kept in [
            "/runs/1%2E5",
            "/runs?name=%00abc&limit=%F0%9F%A7%AC",
            "/",
            "/runs/",
        ] {
            ensure_sent_as_written(&format!("http://127.0.0.1:1{kept}"), kept).unwrap();
        }
        let err =
            ensure_sent_as_written("http://127.0.0.1:1/%2e%2e/etc/passwd", "/%2e%2e/etc/passwd")
                .unwrap_err();
        assert!(err.to_string().contains("\"/etc/passwd\""), "{err}");
    }

    #[tokio::test]
    async fn extra_headers_reach_the_server_and_redirects_are_answers() {
        use axum::http::HeaderMap;
        let echo = axum::Router::new().route(
            "/echo",
            axum::routing::any(
                |method: axum::http::Method, headers: HeaderMap| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    axum::Json(serde_json::json!({
                        "method": method.as_str(),
                        "accept": header("accept"),
                        "ifNoneMatch": header("if-none-match"),
                    }))
                },
            ),
        );
        let echo = echo.route(
            "/moved",
            axum::routing::get(|| async { axum::response::Redirect::to("/echo") }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, echo).await.unwrap() });
        let moved = http_request(&url, "GET", "/moved", None).await.unwrap();
        assert_eq!(moved.status, 303);
        assert_eq!(moved.header("location"), Some("/echo"));
        let headers = [("If-None-Match", "\"t1\""), ("accept", "text/html")];
        let response = http_request_with_headers(&url, "get", "/echo", &headers, None)
            .await
            .unwrap();
        assert_eq!(
            response.json().unwrap(),
            serde_json::json!({"method": "get", "accept": "text/html", "ifNoneMatch": "\"t1\""})
        );
        server.abort();
    }

    #[test]
    fn authority_of_urls() {
        assert_eq!(
            authority("http://127.0.0.1:4599").unwrap(),
            "127.0.0.1:4599"
        );
        assert_eq!(authority("http://localhost:1/x").unwrap(), "localhost:1");
        assert!(authority("https://x").is_err());
    }

    #[test]
    #[should_panic(expected = "make test")]
    fn stack_env_explains_missing_variables() {
        stack_env("OMICS_INTROSPECT_SURELY_UNSET_VARIABLE");
    }
}
