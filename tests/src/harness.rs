//! Test support: start the emulator binary for one test, talk to its control routes, read the stack settings.
//!
//! The control-route helpers use a deliberately tiny HTTP/1.1 client (one request per connection,
//! `Connection: close`, `Content-Length` or chunked responses) over `tokio::net::TcpStream`. The emulator and the
//! local stack speak plain HTTP on loopback only, so this avoids adding an HTTP client crate (and a second TLS
//! stack) to the workspace for four JSON calls.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
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

/// Sends one HTTP/1.1 request to `base_url` + `path_and_query` (which starts with `/`), with an optional JSON
/// body, and reads the whole response.
pub async fn http_request(
    base_url: &str,
    method: &str,
    path_and_query: &str,
    body: Option<&Value>,
) -> anyhow::Result<HttpResponse> {
    let authority = authority(base_url)?;
    let body = match body {
        Some(value) => serde_json::to_vec(value).context("serializing the request body")?,
        None => Vec::new(),
    };
    let exchange = async {
        let mut stream = TcpStream::connect(authority)
            .await
            .with_context(|| format!("connecting to {authority}"))?;
        let head = format!(
            "{method} {path_and_query} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.flush().await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        parse_response(&raw)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .with_context(|| format!("{method} {path_and_query} timed out after {REQUEST_TIMEOUT:?}"))?
        .with_context(|| format!("{method} {base_url}{path_and_query}"))
}

fn parse_response(raw: &[u8]) -> anyhow::Result<HttpResponse> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("response has no header terminator")?;
    let head = std::str::from_utf8(&raw[..split]).context("response head is not UTF-8")?;
    let rest = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let mut response = HttpResponse {
        status,
        headers,
        body: Vec::new(),
    };
    response.body = if response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        dechunk(rest)?
    } else if let Some(length) = response.header("content-length") {
        let length: usize = length.parse().context("bad Content-Length")?;
        rest.get(..length)
            .context("response body shorter than its Content-Length")?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(response)
}

fn dechunk(mut data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("truncated chunk size")?;
        let size_text =
            std::str::from_utf8(&data[..line_end]).context("chunk size is not UTF-8")?;
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .with_context(|| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(data.get(..size).context("truncated chunk")?);
        data = data.get(size + 2..).context("truncated chunk terminator")?;
    }
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
    fn parses_content_length_and_chunked_responses() {
        let raw = b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
        let response = parse_response(raw).unwrap();
        assert_eq!(response.status, 201);
        assert_eq!(response.header("Content-Type"), Some("application/json"));
        assert_eq!(response.json().unwrap(), serde_json::json!({"a": 1}));

        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"b\r\n4;x=y\r\n\":2}\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(raw).unwrap().json().unwrap(),
            serde_json::json!({"b": 2})
        );
        assert!(parse_response(b"garbage").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}").is_err());
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
