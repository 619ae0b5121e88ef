//! The CLI binary against an API stand-in on a loopback socket that authorizes like API Gateway's IAM
//! authorization: it recomputes each request's SigV4 signature with `aws-sigv4` from known test credentials and
//! answers 403 unless the `Authorization` header is exactly the one it computed. A wrong secret, an unsigned
//! request or a wrong region must fail (exit 3); the right ones pass. The same server checks what needs an
//! answer the local stack cannot give yet or ever: throttling with `Retry-After`, the progress route under
//! `--watch`, the HTML run page and `--open`.
//!
//! Needs nothing but this crate: no stack, no network beyond 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDateTime;
use serde_json::{Value, json};
use tokio::net::TcpListener;

const ACCESS_KEY: &str = "AKIDCLITEST00000001";
const SECRET: &str = "cli-test-secret/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "eu-west-1";
/// The API's stage, the first path segment as in the deployed URL.
const STAGE: &str = "/v1";

/// What the stand-in has seen.
#[derive(Default)]
struct Seen {
    accepted: AtomicUsize,
    rejected: AtomicUsize,
    throttled: AtomicUsize,
    progress_polls: AtomicUsize,
}

/// The API stand-in on `127.0.0.1:<free port>`, stopped when dropped.
struct FakeApi {
    url: String,
    seen: Arc<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeApi {
    async fn start() -> Self {
        let seen = Arc::new(Seen::default());
        let app = Router::new().fallback(handle).with_state(seen.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}{STAGE}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { url, seen, task }
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn envelope(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"error": {"code": code, "message": message, "requestId": "fake-req-1"}}),
    )
}

/// Authorizes like API Gateway, then answers a few canned routes.
async fn handle(State(seen): State<Arc<Seen>>, request: Request) -> Response {
    // The presigned S3 object behind the report route's 303: S3 would refuse a request carrying the API's
    // signature headers on top of the URL's own, so this one must come unsigned.
    if request.uri().path() == "/s3/runs/1000004/report.json.gz" {
        if request.headers().contains_key("authorization")
            || request.headers().contains_key("x-amz-date")
        {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({"message": "API signature sent to S3"}),
            );
        }
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(
            &mut encoder,
            json!({"runId": "1000004", "status": "COMPLETED", "run": {"name": "large-run"}, "summary": {"taskCount": 100000}})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        return (StatusCode::OK, encoder.finish().unwrap()).into_response();
    }
    if let Err(reason) = verify(&request) {
        seen.rejected.fetch_add(1, Ordering::SeqCst);
        return json_response(StatusCode::FORBIDDEN, json!({"message": reason}));
    }
    seen.accepted.fetch_add(1, Ordering::SeqCst);
    let path = request.uri().path().strip_prefix(STAGE).unwrap_or_default();
    let query = request.uri().query().unwrap_or_default();
    match path {
        "/runs/1000001" => json_response(
            StatusCode::OK,
            json!({"id": "1000001", "name": "signed-run", "status": "COMPLETED", "workflowId": "5123907",
                   "startTime": "2024-10-20T05:43:35.516Z", "stopTime": "2024-10-20T08:54:15.946Z"}),
        ),
        // Throttled once, then answered: the CLI must wait the Retry-After and try again.
        "/runs/4290000" => {
            if seen.throttled.fetch_add(1, Ordering::SeqCst) == 0 {
                let mut response =
                    envelope(StatusCode::TOO_MANY_REQUESTS, "Throttled", "slow down");
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, "1".parse().unwrap());
                response
            } else {
                json_response(
                    StatusCode::OK,
                    json!({"id": "4290000", "status": "RUNNING"}),
                )
            }
        }
        // Always throttled: after its bounded retries the CLI gives up with exit 3.
        "/runs/4290001" => {
            seen.throttled.fetch_add(1, Ordering::SeqCst);
            let mut response = envelope(
                StatusCode::TOO_MANY_REQUESTS,
                "Throttled",
                "still throttled",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, "0".parse().unwrap());
            response
        }
        // Running on the first poll, final on the second.
        "/runs/1000005/progress" => {
            let poll = seen.progress_polls.fetch_add(1, Ordering::SeqCst);
            let done = poll >= 1;
            json_response(
                StatusCode::OK,
                json!({"runId": "1000005", "uuid": "u-5", "status": if done { "COMPLETED" } else { "RUNNING" },
                       "tasksSeen": 3, "byStatus": if done { json!({"COMPLETED": 3}) } else { json!({"COMPLETED": 2, "RUNNING": 1}) },
                       "running": if done { json!([]) } else { json!([{"taskId": "75", "name": "BwaMem-0-1", "since": "2024-11-04T15:00:00.000Z"}]) },
                       "startedAt": "2024-11-04T14:00:00.000Z", "lastEventAt": "2024-11-04T15:05:00.000Z",
                       "elapsedSeconds": 3900, "eta": null, "etaUnavailable": "no completed run of the workflow",
                       "stragglers": [], "final": done, "report": if done { json!("/runs/1000005/report") } else { Value::Null }}),
            )
        }
        "/runs/1000002/report" if query.contains("format=html") => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><title>run 1000002</title>",
        )
            .into_response(),
        "/runs/1000003/report" if query.contains("format=html") => envelope(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            "unknown query parameter format",
        ),
        // Too large for a response body: 303 to the (here: same host) presigned object.
        "/runs/1000004/report" => {
            let host = request.headers()["host"]
                .to_str()
                .unwrap_or_default()
                .to_owned();
            (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, format!("http://{host}/s3/runs/1000004/report.json.gz?X-Amz-Signature=s3"))],
                json!({"message": "the record is too large", "url": "...", "expiresInSeconds": 900}).to_string(),
            )
                .into_response()
        }
        "/runs/1000002/report/link" => json_response(
            StatusCode::OK,
            json!({"url": "https://reports.example/runs/1000002/report.html?X-Amz-Signature=abc",
                   "expiresAt": "2024-11-04T15:15:00.000Z"}),
        ),
        _ => envelope(StatusCode::NOT_FOUND, "NotFound", "run 999 not found"),
    }
}

/// API Gateway's check, redone: the `Authorization` header must be exactly the one SigV4 gives for the known
/// credentials, the request's signed headers and its `X-Amz-Date` (within 5 minutes of now).
fn verify(request: &Request<Body>) -> Result<(), String> {
    let headers = request.headers();
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let authorization = value("authorization").ok_or("Missing Authentication Token")?;
    let fields = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("Authorization header requires the AWS4-HMAC-SHA256 algorithm")?;
    let field = |name: &str| {
        fields
            .split(", ")
            .find_map(|part| part.strip_prefix(name)?.strip_prefix('='))
    };
    let credential = field("Credential").ok_or("no Credential")?;
    let signed_headers = field("SignedHeaders").ok_or("no SignedHeaders")?;
    if credential.split('/').next() != Some(ACCESS_KEY) {
        return Err("The security token included in the request is invalid.".into());
    }
    let date = value("x-amz-date").ok_or("no X-Amz-Date")?;
    let time = NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ")
        .map_err(|e| format!("bad X-Amz-Date: {e}"))?
        .and_utc();
    let skew = (chrono::Utc::now() - time).num_seconds().abs();
    if skew > 300 {
        return Err("Signature expired".into());
    }
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(time.timestamp() as u64);

    let signed: Vec<(String, String)> = signed_headers
        .split(';')
        .map(|name| {
            value(name)
                .map(|v| (name.to_owned(), v.to_owned()))
                .ok_or(format!("signed header {name} is missing"))
        })
        .collect::<Result<_, _>>()?;
    let host = value("host").ok_or("no Host")?;
    let path_and_query = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let url = format!("http://{host}{path_and_query}");
    let token = value("x-amz-security-token").map(str::to_owned);
    let identity: Identity = Credentials::new(ACCESS_KEY, SECRET, token, None, "known").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("execute-api")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let signable = SignableRequest::new(
        request.method().as_str(),
        &url,
        signed.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let expected = instructions
        .headers()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.to_owned())
        .ok_or("no authorization computed")?;
    if expected == authorization {
        Ok(())
    } else {
        Err("The request signature we calculated does not match the signature you provided.".into())
    }
}

/// Runs the CLI binary with only `env` (plus PATH and no AWS profile files), off the async runtime.
async fn cli(args: &[&str], env: &[(&str, &str)]) -> Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_omics-introspect"))
            .args(&args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "AWS_CONFIG_FILE",
                "/nonexistent/omics-introspect-test/config",
            )
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/omics-introspect-test/credentials",
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .envs(env)
            .output()
            .expect("running omics-introspect")
    })
    .await
    .unwrap()
}

fn known_credentials(secret: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_owned()),
        ("AWS_SECRET_ACCESS_KEY", secret.to_owned()),
        ("AWS_REGION", REGION.to_owned()),
    ]
}

fn as_env<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_right_secret_passes_the_signature_check() {
    let api = FakeApi::start().await;
    let env = known_credentials(SECRET);
    let output = cli(
        &["--api-url", &api.url, "--sign", "runs", "get", "1000001"],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let table = stdout(&output);
    assert!(
        table.contains("signed-run") && table.contains("3h 10m 40s"),
        "{table}"
    );
    assert_eq!(api.seen.accepted.load(Ordering::SeqCst), 1);
    assert_eq!(api.seen.rejected.load(Ordering::SeqCst), 0);

    // Temporary credentials: the session token is sent and signed.
    let mut env = known_credentials(SECRET);
    env.push(("AWS_SESSION_TOKEN", "session-token-for-test".to_owned()));
    let output = cli(
        &[
            "--api-url",
            &api.url,
            "--sign",
            "-o",
            "json",
            "runs",
            "get",
            "1000001",
        ],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let body: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["id"], "1000001");
    assert_eq!(api.seen.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_a_wrong_region_or_no_signature_fails_with_exit_3() {
    let api = FakeApi::start().await;
    let wrong = known_credentials("not-the-secret");
    let output = cli(
        &["--api-url", &api.url, "--sign", "runs", "get", "1000001"],
        &as_env(&wrong),
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "stdout: {}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("The request signature we calculated does not match")
            && message.contains("HTTP 403"),
        "{message}"
    );
    assert!(stdout(&output).is_empty());

    let right = known_credentials(SECRET);
    let output = cli(
        &[
            "--api-url",
            &api.url,
            "--sign",
            "--region",
            "us-east-1",
            "runs",
            "get",
            "1000001",
        ],
        &as_env(&right),
    )
    .await;
    assert_eq!(output.status.code(), Some(3), "signed for another region");

    // http without --sign is local-api's mode: nothing is signed, so this server refuses it.
    let output = cli(
        &["--api-url", &api.url, "runs", "get", "1000001"],
        &as_env(&right),
    )
    .await;
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("Missing Authentication Token"),
        "{}",
        stderr(&output)
    );
    assert_eq!(api.seen.accepted.load(Ordering::SeqCst), 0);
    assert_eq!(api.seen.rejected.load(Ordering::SeqCst), 3);

    // No credentials at all: exit 3 before any request.
    let output = cli(
        &["--api-url", &api.url, "--sign", "runs", "get", "1000001"],
        &[("AWS_REGION", REGION)],
    )
    .await;
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("no AWS credentials"),
        "{}",
        stderr(&output)
    );
    assert_eq!(api.seen.rejected.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_requests_wait_for_retry_after_then_give_up() {
    let api = FakeApi::start().await;
    let env = known_credentials(SECRET);
    let started = std::time::Instant::now();
    let output = cli(
        &["--api-url", &api.url, "--sign", "runs", "get", "4290000"],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 was honoured"
    );
    assert_eq!(api.seen.throttled.load(Ordering::SeqCst), 2);

    let output = cli(
        &["--api-url", &api.url, "--sign", "runs", "get", "4290001"],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("still throttled (HTTP 429, Throttled"),
        "{}",
        stderr(&output)
    );
    // The first attempt and three retries.
    assert_eq!(api.seen.throttled.load(Ordering::SeqCst), 2 + 4);

    let output = cli(
        &["--api-url", &api.url, "--sign", "runs", "get", "999"],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output).trim(),
        "omics-introspect: run 999 not found (HTTP 404, NotFound, request id fake-req-1)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_too_large_for_a_body_is_fetched_from_its_presigned_url_unsigned() {
    let api = FakeApi::start().await;
    let env = known_credentials(SECRET);
    let output = cli(
        &[
            "--api-url",
            &api.url,
            "--sign",
            "-o",
            "json",
            "report",
            "1000004",
        ],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let record: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(record["summary"]["taskCount"], 100000);
    let output = cli(
        &["--api-url", &api.url, "--sign", "report", "1000004"],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert!(stdout(&output).contains("large-run"), "{}", stdout(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_watch_polls_until_the_run_is_final() {
    let api = FakeApi::start().await;
    let env = known_credentials(SECRET);
    let output = cli(
        &[
            "--api-url",
            &api.url,
            "--sign",
            "-o",
            "json",
            "progress",
            "1000005",
            "--watch",
            "1",
        ],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let polls: Vec<Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(polls.len(), 2, "one JSON line per poll");
    assert_eq!(
        (polls[0]["final"].clone(), polls[1]["final"].clone()),
        (json!(false), json!(true))
    );

    let output = cli(
        &["--api-url", &api.url, "--sign", "progress", "1000005"],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(0));
    let table = stdout(&output);
    assert!(table.contains("COMPLETED (final)"), "{table}");
    assert!(
        table.contains("unavailable: no completed run of the workflow"),
        "{table}"
    );
}

/// A directory with a fake `xdg-open` that appends its argument to `opened.log`.
fn fake_opener(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let log = dir.join("opened.log");
    let script = dir.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$1\" >> '{}'\n", log.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    log
}

async fn wait_for_line(log: &Path) -> String {
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(log)
            && !text.is_empty()
        {
            return text.trim().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("nothing was opened ({} stayed empty)", log.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_html_writes_the_page_and_open_hands_it_to_the_opener() {
    let api = FakeApi::start().await;
    let env = known_credentials(SECRET);
    let dir = std::env::temp_dir().join(format!("omics-introspect-cli-{}", std::process::id()));
    let log = fake_opener(&dir.join("bin"));
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut env_with_opener = as_env(&env);
    env_with_opener.push(("PATH", &path));

    let page = dir.join("run-1000002.html");
    let page_arg = page.display().to_string();
    let output = cli(
        &[
            "--api-url",
            &api.url,
            "--sign",
            "report",
            "1000002",
            "--html",
            &page_arg,
            "--open",
        ],
        &env_with_opener,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    assert_eq!(
        std::fs::read_to_string(&page).unwrap(),
        "<!doctype html><title>run 1000002</title>"
    );
    assert_eq!(wait_for_line(&log).await, page_arg);

    // Without a file: the presigned link is printed and opened.
    std::fs::remove_file(&log).unwrap();
    let output = cli(
        &[
            "--api-url",
            &api.url,
            "--sign",
            "report",
            "1000002",
            "--open",
        ],
        &env_with_opener,
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(&output));
    let url = "https://reports.example/runs/1000002/report.html?X-Amz-Signature=abc";
    assert_eq!(stdout(&output).trim(), url);
    assert_eq!(wait_for_line(&log).await, url);

    // An API that refuses the HTML format: its message, exit 1, no file.
    let refused = dir.join("run-1000003.html");
    let output = cli(
        &[
            "--api-url",
            &api.url,
            "--sign",
            "report",
            "1000003",
            "--html",
            &refused.display().to_string(),
        ],
        &as_env(&env),
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("unknown query parameter format (HTTP 400, InvalidParameter"));
    assert!(!refused.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_1_and_help_exits_0() {
    for args in [
        &["runs", "get", "not-an-id"][..],
        &["runs", "list", "--limit", "1000"],
        &["fleet", "summary", "--by", "planet"],
        &[],
    ] {
        let output = cli(args, &[("OMICS_INTROSPECT_API_URL", "http://127.0.0.1:9")]).await;
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!stderr(&output).is_empty());
    }
    // No API URL anywhere.
    let output = cli(&["runs", "list"], &[]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("no API URL"),
        "{}",
        stderr(&output)
    );
    let output = cli(&["--help"], &[]).await;
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("Exit codes"));
    // Nothing listens on port 9 (discard): a connection error is upstream, 3.
    let output = cli(&["--api-url", "http://127.0.0.1:9", "runs", "list"], &[]).await;
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("cannot reach http://127.0.0.1:9/runs"),
        "{}",
        stderr(&output)
    );
}
