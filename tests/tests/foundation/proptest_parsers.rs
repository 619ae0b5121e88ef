//! Property tests (the stable-toolchain stand-in for cargo-fuzz) of every parser that reads outside input:
//! manifest lines, EventBridge events, ISO-8601 timestamps, query strings, route paths and signed cursors.
//! Never a panic on arbitrary bytes, JSON or mutations of real inputs; a cursor is never accepted after tampering,
//! under another scope or another key.
//!
//! Bounded for CI: `PROPTEST_CASES` (default 256 per property here) sets the cases; e.g.
//! `PROPTEST_CASES=20000 cargo test --release -p omics-introspect-tests --test proptest_parsers` runs a long
//! session (`make fuzz` does). Needs no stack.

use std::collections::BTreeMap;
use std::path::Path;

use lambda_http::aws_lambda_events::query_map::QueryMap;
use omics_introspect::api::extract::percent_decode;
use omics_introspect::api::query::{
    LIST_RUN_TASKS_PARAMS, LIST_RUNS_PARAMS, MAX_LIMIT, QueryParams,
};
use omics_introspect::api::{ApiState, CursorKey, CursorScope, router};
use omics_introspect::events::{RunEvent, parse_run_event};
use omics_introspect::live::parse_live_event;
use omics_introspect::manifest::{ManifestRecord, parse_line};
use omics_introspect::time::parse_timestamp;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        // Failures are reproduced from the printed seed; no regression files in the tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// A runtime and the router of every route over clients without credentials, built once.
fn offline_router() -> &'static (tokio::runtime::Runtime, axum::Router) {
    static ROUTER: std::sync::OnceLock<(tokio::runtime::Runtime, axum::Router)> =
        std::sync::OnceLock::new();
    ROUTER.get_or_init(|| {
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let clients = omics_introspect::clients::AwsClients::from_sdk_config(&sdk);
        let config = omics_introspect::config::Config::from_lookup(|_| None).unwrap();
        let state = ApiState::new(clients, config, None);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        (runtime, router(std::sync::Arc::new(state)))
    })
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Every manifest line of the committed fixtures (read once).
fn fixture_lines() -> &'static [String] {
    static LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LINES.get_or_init(read_fixture_lines)
}

fn read_fixture_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/fixtures/runs")).unwrap() {
        let path = entry.unwrap().path().join("manifest.jsonl");
        if let Ok(text) = std::fs::read_to_string(&path) {
            lines.extend(text.lines().take(60).map(str::to_owned));
        }
    }
    assert!(lines.len() > 50, "fixture manifests found");
    lines
}

/// The committed EventBridge sample events (read once).
fn sample_events() -> &'static [Value] {
    static EVENTS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    EVENTS.get_or_init(read_sample_events)
}

fn read_sample_events() -> Vec<Value> {
    let mut events = Vec::new();
    for entry in std::fs::read_dir(root().join("events")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("run-status") || name.starts_with("task-status") {
            events.push(serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap());
        }
    }
    assert!(events.len() >= 5, "sample events found");
    events
}

/// Any JSON value, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        tricky_string().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Member names: the ones the parsers look for, and anything else.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "arn", "uuid", "name", "status", "cpus", "memory", "gpus", "instanceType", "metrics", "creationTime",
            "startTime", "stopTime", "failureReason", "run", "image", "imageDigest", "cpusReserved",
            "memoryReservedGiB", "memoryMaximumGiB", "runningSeconds", "storageType", "storageCapacity",
            "parameters", "workflow", "detail", "detail-type", "source", "time", "id", "runId", "omicsVersion",
        ])
        .prop_map(str::to_owned),
        1 => ".{0,12}",
    ]
}

/// Strings that break naive parsers: ARNs, timestamps, numbers as text, escapes, huge and odd unicode.
fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "arn:aws:omics:[a-z0-9-]{0,12}:[0-9]{0,12}:(run|task|workflow)/[0-9]{0,20}",
        "arn:aws:omics:us-east-1:123456789012:(run|task)[/:][0-9a-z-]{0,20}(/[0-9]{0,5})?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,9})?(Z|[+-][0-9]{2}:?[0-9]{2})?",
        "-?[0-9]{0,25}(\\.[0-9]{0,10})?(e[+-]?[0-9]{1,4})?",
        prop::sample::select(vec![
            "COMPLETED",
            "SUCCESS",
            "FAILED",
            "RUNNING",
            "CANCELLED",
            "DELETED",
            "completed",
            "",
            " ",
            "NaN",
            "Infinity",
            "\u{0}",
            "\u{feff}",
            "\\",
            "\"",
            "null",
            "[]",
            "{}",
            "é🧬\u{200b}",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,30}",
    ]
}

fn task_arn() -> impl Strategy<Value = String> {
    "[0-9]{1,18}".prop_map(|id| format!("arn:aws:omics:us-east-1:123456789012:task/{id}"))
}

/// A manifest-shaped object: a run or task ARN with known members of arbitrary types.
fn manifest_object() -> impl Strategy<Value = (String, Value)> {
    (
        prop_oneof![
            task_arn(),
            "[0-9]{1,18}".prop_map(|id| format!("arn:aws:omics:us-east-1:123456789012:run/{id}")),
            tricky_string(),
        ],
        prop::collection::btree_map(key(), any_json(), 0..12),
        prop::collection::btree_map(
            prop::sample::select(vec![
                "cpusReserved",
                "cpusMaximum",
                "cpusAverage",
                "gpusReserved",
                "memoryReservedGiB",
                "memoryMaximumGiB",
                "memoryAverageGiB",
                "runningSeconds",
                "storageReservedGiB",
                "storageMaximumGiB",
                "storageAverageGiB",
            ])
            .prop_map(str::to_owned),
            any_json(),
            0..8,
        ),
    )
        .prop_map(|(arn, members, metrics)| {
            let mut object: Map<String, Value> = members.into_iter().collect();
            object.insert(
                "metrics".into(),
                Value::Object(metrics.into_iter().collect()),
            );
            object.insert("arn".into(), Value::String(arn.clone()));
            (arn, Value::Object(object))
        })
}

/// Edits a string: delete, insert or replace a span of characters (stays valid UTF-8).
fn mutate(text: &str, edits: &[(usize, u8, String)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for (at, kind, insert) in edits {
        if chars.is_empty() {
            chars.extend(insert.chars());
            continue;
        }
        let at = at % chars.len();
        match kind % 4 {
            0 => {
                let end = (at + 1 + insert.len() % 7).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                for (i, c) in insert.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
            2 => {
                if let Some(c) = insert.chars().next() {
                    chars[at] = c;
                }
            }
            _ => chars.truncate(at),
        }
    }
    chars.into_iter().collect()
}

/// Unpadded base64url, as cursors use it.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, String)>> {
    prop::collection::vec(
        (any::<usize>(), any::<u8>(), "[\\PC\"{}\\[\\]:,\\\\]{0,4}"),
        1..5,
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn manifest_lines_never_panic_on_arbitrary_text(line in "\\PC{0,300}") {
        let _ = parse_line(&line);
    }

    #[test]
    fn manifest_lines_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_line(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn manifest_lines_never_panic_on_arbitrary_json(value in any_json()) {
        let _ = parse_line(&value.to_string());
        if let Value::Object(mut object) = value {
            object.insert("arn".into(), json!("arn:aws:omics:us-east-1:123456789012:task/7"));
            let _ = parse_line(&Value::Object(object.clone()).to_string());
            object.insert("arn".into(), json!("arn:aws:omics:us-east-1:123456789012:run/7"));
            let _ = parse_line(&Value::Object(object).to_string());
        }
    }

    #[test]
    fn manifest_objects_parse_to_their_own_task_id((arn, object) in manifest_object()) {
        if let Ok(ManifestRecord::Task(task)) = parse_line(&object.to_string()) {
            let suffix = format!("task/{}", task.task_id);
            prop_assert!(arn.ends_with(&suffix), "{} vs {}", arn, task.task_id);
            prop_assert!(task.task_id.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn mutated_real_manifest_lines_never_panic(index in any::<prop::sample::Index>(), edits in edits()) {
        let lines = fixture_lines();
        let line = index.get(lines);
        let _ = parse_line(&mutate(line, &edits));
    }

    #[test]
    fn events_never_panic_on_arbitrary_json(value in any_json()) {
        let _ = parse_run_event(value.clone());
        let _ = parse_live_event(value.clone());
        // The same value as a detail of a well-formed envelope of each followed type.
        for detail_type in ["Run Status Change", "Task Status Change", "RunBatch Status Change"] {
            let event = json!({
                "version": "0", "id": "e", "detail-type": detail_type, "source": "aws.omics",
                "account": "123456789012", "time": "2024-10-20T07:02:53Z", "region": "us-east-1",
                "resources": [], "detail": value.clone(),
            });
            let _ = parse_run_event(event.clone());
            let _ = parse_live_event(event);
        }
    }

    #[test]
    fn mutated_sample_events_never_panic_and_finish_only_for_run_arns(
        index in any::<prop::sample::Index>(),
        changes in prop::collection::vec((key(), prop::option::of(any_json())), 1..6),
        top_level in any::<bool>(),
    ) {
        let events = sample_events();
        let mut event = index.get(events).clone();
        let target = if top_level { &mut event } else { &mut event["detail"] };
        if let Value::Object(object) = target {
            for (name, value) in changes {
                match value {
                    Some(value) => { object.insert(name, value); }
                    None => { object.remove(&name); }
                }
            }
        }
        let arn = event["detail"]["arn"].as_str().map(str::to_owned);
        if let RunEvent::Finished(finished) = parse_run_event(event) {
            let arn = arn.expect("a finished event has an arn");
            let segment = format!("run/{}", finished.run_id);
            prop_assert!(arn.contains(&segment), "{} vs {}", arn, finished.run_id);
            prop_assert!(finished.status.is_terminal());
            if let Some(uuid) = &finished.uuid {
                prop_assert!(!uuid.as_str().is_empty() && uuid.as_str().len() <= 64);
            }
        }
    }

    #[test]
    fn timestamps_never_panic(text in prop_oneof![tricky_string(), "\\PC{0,40}"]) {
        let _ = parse_timestamp(&text);
    }

    #[test]
    fn query_parameters_stay_in_bounds(query in "([a-zA-Z%0-9_]{0,8}=[\\PC%&=]{0,30}&?){0,6}", tasks in any::<bool>()) {
        let map: QueryMap = query.parse().unwrap_or_default();
        let allowed = if tasks { LIST_RUN_TASKS_PARAMS } else { LIST_RUNS_PARAMS };
        if let Ok(params) = QueryParams::from_map(&map, allowed) {
            if let Ok(limit) = params.limit() {
                prop_assert!((1..=MAX_LIMIT).contains(&limit));
            }
            if let Ok(Some(name)) = params.name() {
                let n = name.chars().count();
                prop_assert!((1..=128).contains(&n));
                prop_assert!(!name.chars().any(char::is_control));
            }
            let _ = params.cursor();
            let _ = params.run_status();
            let _ = params.task_status();
            let _ = params.run_group_id();
        }
    }

    #[test]
    fn limit_accepts_exactly_1_to_100(text in prop_oneof!["[0-9]{0,5}", "-?[0-9]{1,3}", "\\PC{0,6}"]) {
        let map: QueryMap = BTreeMap::from([("limit".to_owned(), vec![text.clone()])])
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>()
            .into();
        let params = QueryParams::from_map(&map, LIST_RUNS_PARAMS).unwrap();
        let expected = text.len() <= 3
            && !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit())
            && (1..=100).contains(&text.parse::<i32>().unwrap_or(0));
        prop_assert_eq!(params.limit().is_ok(), expected, "{:?}", text);
    }

    #[test]
    fn paths_never_panic(path in prop_oneof![
        "(/[\\PC%]{0,12}){0,6}",
        "/runs(/[0-9a-z%.]{0,20}(/tasks(/[0-9a-z%.]{0,20})?)?)?/?",
    ], method in prop::sample::select(vec!["GET", "POST", "DELETE", "get", ""])) {
        let _ = percent_decode(&path);
        // Through the real router (AWS clients without credentials: no call leaves the process). Paths split on
        // raw `/` before decoding, so a `/` inside a value can only come from an encoded `%2F`, which the id
        // parsers refuse with 400. Whatever the path and method, an answer comes back, never a panic or a 2xx.
        let Ok(request) = axum::http::Request::builder()
            .method(method)
            .uri(&path)
            .body(axum::body::Body::empty())
        else {
            return Ok(());
        };
        let (runtime, router) = offline_router();
        let response = runtime
            .block_on(tower::ServiceExt::oneshot(router.clone(), request))
            .unwrap();
        prop_assert!(response.status().as_u16() >= 400, "{} {}: {}", method, path, response.status());
    }

    #[test]
    fn cursors_round_trip(
        token in "\\PC{1,200}",
        route in prop::sample::select(vec!["list-runs", "list-run-tasks", "get-run-manifest"]),
        bindings in prop::collection::btree_map("[a-zA-Z]{1,10}", "\\PC{0,20}", 0..4),
    ) {
        let key = CursorKey::new(b"proptest cursor secret, 32 bytes or more").unwrap();
        let scope = bindings.iter().fold(CursorScope::new(route), |s, (k, v)| s.bind(k, Some(v)));
        let cursor = key.seal(&scope, &token);
        prop_assert!(cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        prop_assert_eq!(key.open(&scope, &cursor).unwrap(), token);
    }

    #[test]
    fn tampered_cursors_are_never_accepted(
        token in "[\\PC]{1,60}",
        edits in edits(),
        run in "[0-9]{1,18}",
    ) {
        let key = CursorKey::new(b"proptest cursor secret, 32 bytes or more").unwrap();
        let scope = CursorScope::new("list-run-tasks").bind("runId", Some(&run));
        let cursor = key.seal(&scope, &token);
        let forged = mutate(&cursor, &edits);
        if forged != cursor {
            prop_assert!(key.open(&scope, &forged).is_err(), "accepted {}", forged);
        }
        // Another run, another route, another key: refused.
        let other_id = format!("{run}1");
        let other_run = CursorScope::new("list-run-tasks").bind("runId", Some(&other_id));
        prop_assert!(key.open(&other_run, &cursor).is_err());
        prop_assert!(key.open(&CursorScope::new("list-runs"), &cursor).is_err());
        let other_key = CursorKey::new(b"another proptest secret of 32+ bytes").unwrap();
        prop_assert!(other_key.open(&scope, &cursor).is_err());
    }

    #[test]
    fn arbitrary_cursors_are_refused_without_panic(
        text in prop_oneof!["\\PC{0,300}", "[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{0,60}"],
        payload in any_json(),
        tag in "[A-Za-z0-9_-]{0,60}",
    ) {
        let key = CursorKey::new(b"proptest cursor secret, 32 bytes or more").unwrap();
        let scope = CursorScope::new("list-runs");
        prop_assert!(key.open(&scope, &text).is_err());
        // A well-formed payload with a made-up tag: forging needs the key.
        let encoded = base64url(payload.to_string().as_bytes());
        let forged = format!("{encoded}.{tag}");
        prop_assert!(key.open(&scope, &forged).is_err());
    }
}

#[test]
fn every_real_fixture_line_but_the_known_truncated_ones_parses() {
    let lines = fixture_lines();
    let failures: Vec<&String> = lines.iter().filter(|l| parse_line(l).is_err()).collect();
    assert!(
        failures.len() <= 2,
        "{} unreadable fixture lines: {failures:?}",
        failures.len()
    );
}
