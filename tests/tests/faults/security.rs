//! Security checks: bounded and validated queries, no internal error text in any response, tamper-proof cursors
//! over HTTP (every one-character change of a real cursor is refused), and no credentials in the logs of the
//! enrichment or the API (captured in-process at `debug`, stricter than the functions' `info`).
//!
//! The API tests spawn their own emulator; the log test also enriches a run, so it needs the local stack (moto):
//! run through `make test`.

use crate::api_support;
use crate::enrich_support;

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use api_support::{LocalApi, emulator_bin, emulator_state, error_code};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_omics::config::Credentials;
use omics_introspect::AwsClients;
use omics_introspect::api::{ApiState, CursorKey};
use omics_introspect::clients::StripHostPrefix;
use omics_introspect::config::Config;
use omics_introspect::enrich::Enricher;
use omics_introspect_tests::harness::{EmulatorProcess, HttpResponse, seed_run};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::json;

const RUN_ID: &str = "4500001";

async fn seeded_emulator(with_manifest: bool, uuid: Option<String>) -> (EmulatorProcess, String) {
    let emulator = EmulatorProcess::spawn(emulator_bin(), None).await.unwrap();
    let run = generate(&SyntheticSpec {
        run_id: RUN_ID.into(),
        uuid,
        tasks: 40,
        failed: 1,
        status: "FAILED".into(),
        seed: 4_500_001,
        ..SyntheticSpec::default()
    });
    let mut body = to_seed_body(&run);
    if !with_manifest {
        body["manifest"] = json!([]);
    }
    seed_run(emulator.url(), &body).await.unwrap();
    let task_id = run.tasks[0]["taskId"].as_str().unwrap().to_owned();
    (emulator, task_id)
}

/// What no client may ever see.
fn assert_no_internals(what: &str, response: &HttpResponse) {
    let text = String::from_utf8_lossy(&response.body);
    let lower = text.to_lowercase();
    for leak in [
        "exception",
        "panicked",
        "backtrace",
        ".rs:",
        "127.0.0.1",
        "dispatch failure",
        "sdk",
        "serde",
        "invalid type",
        "omics_introspect",
        "internal",
    ] {
        assert!(!lower.contains(leak), "{what}: {leak:?} in {text}");
    }
    assert!(
        response.body.len() < 1024,
        "{what}: a {} byte error body echoes input",
        response.body.len()
    );
}

/// `GET raw_path` written to a socket as is. The harness's HTTP client parses URLs by the WHATWG rules, which
/// resolve `%2e%2e` as `..` and would send `/etc/passwd`; a traversal test must send the encoded dots themselves.
/// local-api answers `Connection: close` requests with a `Content-Length` body, so reading to the end suffices.
async fn get_raw_path(base_url: &str, raw_path: &str) -> HttpResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = base_url.strip_prefix("http://").expect("an http:// URL");
    let mut stream = tokio::net::TcpStream::connect(authority).await.unwrap();
    let head = format!("GET {raw_path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .unwrap_or_else(|_| panic!("GET {raw_path} hung"))
        .unwrap();
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers: {}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok());
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status: status.unwrap_or_else(|| panic!("bad status line: {head}")),
        headers,
        body: raw[end + 4..].to_vec(),
    }
}

#[tokio::test]
async fn queries_are_bounded_validated_and_errors_say_nothing_internal() {
    let (emulator, task_id) = seeded_emulator(false, None).await;
    let api = LocalApi::start(emulator_state(emulator.url(), Duration::from_secs(2)).await).await;
    let long = "a".repeat(5000);
    let cases: Vec<(String, &str)> = vec![
        ("/runs?limit=0".into(), "limit"),
        ("/runs?limit=101".into(), "limit"),
        ("/runs?limit=-1".into(), "limit"),
        ("/runs?limit=1e2".into(), "limit"),
        ("/runs?limit=0100".into(), "limit"),
        ("/runs?limit=99999999999999999999".into(), "limit"),
        ("/runs?limit=".into(), "limit"),
        ("/runs?limit=%F0%9F%A7%AC".into(), "limit"),
        (format!("/runs?name={}", "n".repeat(129)), "name"),
        ("/runs?name=%00abc".into(), "name"),
        ("/runs?name=a%0Ab".into(), "name"),
        ("/runs?status=DONE".into(), "status"),
        ("/runs?status=".into(), "status"),
        ("/runs?runGroupId=abc".into(), "runGroupId"),
        ("/runs?runGroupId=1234567890123456789".into(), "runGroupId"),
        ("/runs?bogus=1".into(), "bogus"),
        (format!("/runs?{}=1", "p".repeat(300)), ""),
        ("/runs?limit=1&limit=2".into(), "limit"),
        (format!("/runs?name={long}"), "query"),
        (format!("/runs?x={long}"), "query"),
        (
            format!("/runs/{RUN_ID}/tasks?cursor={}", "A".repeat(3000)),
            "cursor",
        ),
        (format!("/runs/{RUN_ID}/tasks?cursor=%00.%00"), "cursor"),
        (format!("/runs/{RUN_ID}/tasks?cursor="), "cursor"),
        (format!("/runs/{RUN_ID}/tasks?status=DELETED"), "status"),
        (format!("/runs/{RUN_ID}/tasks/{task_id}?limit=1"), "limit"),
        ("/runs/12345678901234567890".into(), "runId"),
        ("/runs/abc".into(), "runId"),
        ("/runs/-1".into(), "runId"),
        ("/runs/1%2E5".into(), "runId"),
        (format!("/runs/{}", "9".repeat(500)), "runId"),
        (
            format!("/runs/{RUN_ID}/tasks/{}", "x".repeat(300)),
            "taskId",
        ),
        (format!("/runs/{RUN_ID}/tasks/0x10"), "taskId"),
    ];
    for (path, field) in &cases {
        let response = api.get(path).await;
        let shown: String = path.chars().take(80).collect();
        assert_eq!(
            response.status,
            400,
            "{shown}: {}",
            String::from_utf8_lossy(&response.body)
        );
        let code = error_code(&response);
        assert!(!code.is_empty(), "{shown}");
        let message = response.json().unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        if !field.is_empty() {
            assert!(
                message.contains(field),
                "{shown}: {message:?} does not name {field}"
            );
        }
        assert!(!message.contains(&long[..100]), "{shown}: echoes the input");
        assert_no_internals(&shown, &response);
    }
    // Unknown routes and methods: the same envelope, nothing internal.
    for path in ["/", "/run", "/runs/1/tasks/2/extra", "/_emulator/faults"] {
        let response = api.get(path).await;
        assert!(
            matches!(response.status, 400 | 404),
            "{path}: {}",
            response.status
        );
        assert_no_internals(path, &response);
    }
    let traversal = "/%2e%2e/etc/passwd";
    let response = get_raw_path(api.url(), traversal).await;
    assert_eq!(response.status, 404, "{traversal}");
    assert_no_internals(traversal, &response);
    let response = api.request("DELETE", "/runs", &[]).await;
    assert_eq!(response.status, 405);
    assert_no_internals("DELETE /runs", &response);
    // Upstream not found: 404 with a plain message.
    let response = api.get("/runs/999999999").await;
    assert_eq!(response.status, 404);
    assert_no_internals("unknown run", &response);
}

#[tokio::test]
async fn every_one_character_change_of_a_cursor_is_refused() {
    let (emulator, _) = seeded_emulator(false, None).await;
    let api = LocalApi::start(emulator_state(emulator.url(), Duration::from_secs(2)).await).await;
    let first = api
        .get(&format!("/runs/{RUN_ID}/tasks?limit=10"))
        .await
        .json()
        .unwrap();
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let good = api
        .get(&format!("/runs/{RUN_ID}/tasks?limit=10&cursor={cursor}"))
        .await;
    assert_eq!(good.status, 200);

    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
    let mut rng = fastrand::Rng::with_seed(45);
    let mut tried = 0;
    for position in 0..cursor.len() {
        let mut bytes = cursor.clone().into_bytes();
        let original = bytes[position];
        // Two different replacements per position.
        for _ in 0..2 {
            let mut replacement = alphabet[rng.usize(..alphabet.len())];
            while replacement == original {
                replacement = alphabet[rng.usize(..alphabet.len())];
            }
            bytes[position] = replacement;
            let forged = String::from_utf8(bytes.clone()).unwrap();
            let response = api
                .get(&format!("/runs/{RUN_ID}/tasks?limit=10&cursor={forged}"))
                .await;
            assert_eq!(response.status, 400, "position {position}: {forged}");
            assert_eq!(error_code(&response), "InvalidParameter");
            tried += 1;
        }
    }
    // Truncations and extensions.
    for forged in [
        &cursor[..cursor.len() - 1],
        &cursor[1..],
        &format!("{cursor}A"),
        &format!("A{cursor}"),
        &cursor.replace('.', ""),
        &format!("{cursor}.{cursor}"),
    ] {
        let response = api
            .get(&format!("/runs/{RUN_ID}/tasks?limit=10&cursor={forged}"))
            .await;
        assert_eq!(response.status, 400, "{forged}");
        tried += 1;
    }
    // The same cursor under another key (another deployment's CURSOR_SECRET).
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emulator.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("k", "s", None, None, "t"))
        .load()
        .await;
    let other = LocalApi::start(ApiState::from_sdk_config(
        &sdk,
        Config::from_lookup(|_| None).unwrap(),
        Some(CursorKey::new(b"another deployment's cursor secret!!").unwrap()),
    ))
    .await;
    let response = other
        .get(&format!("/runs/{RUN_ID}/tasks?limit=10&cursor={cursor}"))
        .await;
    assert_eq!(response.status, 400);
    eprintln!("{tried} forged cursors refused");
}

/// A `MakeWriter` appending every log line to a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
            .with_current_span(true)
            .flatten_event(true)
            .with_writer(move || writer.clone())
            .init();
        captured
    })
}

const SECRET_KEY: &str = "sEcReT/Key+ShouldNeverBeLogged0123456789";
const SESSION_TOKEN: &str = "SeSsIoNtOkEnNeverInLogs0987654321";

#[tokio::test]
async fn logs_carry_no_credentials() {
    let logs = capture_logs();
    let uuid = enrich_support::fresh_uuid();
    let (emulator, task_id) = seeded_emulator(true, Some(uuid.clone())).await;
    enrich_support::ensure_resources();
    let credentials = Credentials::new(
        "AKIDSECURITYCHECK",
        SECRET_KEY,
        Some(SESSION_TOKEN.into()),
        None,
        "security-test",
    );

    // The enrichment, with these credentials, against moto and the emulator.
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .credentials_provider(credentials.clone())
        .load()
        .await;
    let mut clients = AwsClients::from_sdk_config(&sdk);
    clients.omics = aws_sdk_omics::Client::from_conf(
        aws_sdk_omics::config::Builder::from(&sdk)
            .endpoint_url(emulator.url())
            .interceptor(StripHostPrefix)
            .build(),
    );
    let config = Config::from_lookup(|name| match name {
        "MANIFEST_WAIT_SECONDS" => Some("1".into()),
        other => std::env::var(other).ok(),
    })
    .unwrap();
    let enricher = Enricher::new(&clients, &config).unwrap();
    let answer = enricher
        .handle_event(enrich_support::run_event(RUN_ID, Some(&uuid), "FAILED"))
        .await
        .unwrap();
    assert!(
        answer["outcome"] == "written" || answer["outcome"] == "unchanged",
        "{answer}"
    );

    // The API, with the same credentials: successes, client errors, upstream errors.
    let api_sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(emulator.url())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials)
        .load()
        .await;
    let api = LocalApi::start(ApiState::from_sdk_config(
        &api_sdk,
        Config::from_lookup(|_| None).unwrap(),
        Some(CursorKey::new(api_support::TEST_CURSOR_SECRET).unwrap()),
    ))
    .await;
    for path in [
        format!("/runs/{RUN_ID}"),
        "/runs?limit=5".to_owned(),
        format!("/runs/{RUN_ID}/tasks?limit=5"),
        format!("/runs/{RUN_ID}/tasks/{task_id}"),
        "/runs/999999".to_owned(),
        "/runs?limit=0".to_owned(),
    ] {
        let _ = api.get(&path).await;
    }
    drop(api);
    drop(emulator);

    let text = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(text.lines().count() > 10, "logs were captured: {text}");
    for secret in [SECRET_KEY, SESSION_TOKEN] {
        assert!(!text.contains(secret), "a credential is in the logs");
    }
    // The stack's own secret (from .local/stack.env), when it is distinctive enough to search for: the local stack
    // uses `testing` for both the key id and the secret, and the SDK's debug lines name the key id (never the
    // secret, which its Debug output redacts).
    if let Ok(stack_secret) = std::env::var("AWS_SECRET_ACCESS_KEY")
        && stack_secret.len() >= 6
        && std::env::var("AWS_ACCESS_KEY_ID").ok().as_deref() != Some(stack_secret.as_str())
        && stack_secret != "testing"
    {
        let context: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(&stack_secret))
            .take(3)
            .collect();
        assert!(
            context.is_empty(),
            "the stack's AWS_SECRET_ACCESS_KEY is in the logs: {context:?}"
        );
    }
    assert!(!text.contains("CURSOR_SECRET") || !text.contains("api tests: cursor secret"));
}
