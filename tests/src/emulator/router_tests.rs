//! Router-level tests: the wire shapes SDKs depend on, driven through the real router without a socket.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::{Emulator, MemoryManifestSink};

struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Response {
    fn error_type(&self) -> &str {
        self.headers
            .get("x-amzn-ErrorType")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

async fn send(router: &Router, method: &str, uri: &str, body: Option<&str>) -> Response {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", "AWS4-HMAC-SHA256 Credential=whatever")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    Response {
        status,
        headers,
        body,
    }
}

async fn get(router: &Router, uri: &str) -> Response {
    send(router, "GET", uri, None).await
}

fn emulator() -> (Emulator, Router, Arc<MemoryManifestSink>) {
    let sink = Arc::new(MemoryManifestSink::default());
    let emulator = Emulator::new(sink.clone());
    let router = emulator.router();
    (emulator, router, sink)
}

fn run_body(id: &str, created: &str, status: &str) -> Value {
    json!({
        "arn": format!("arn:aws:omics:us-east-1:123456789012:run/{id}"),
        "id": id,
        "uuid": format!("uuid-{id}"),
        "name": format!("sample-{id}"),
        "status": status,
        "workflowId": "1234567",
        "runGroupId": "555",
        "creationTime": created,
        "startTime": created,
        "outputUri": "s3://bucket/out",
        "parameters": {"a": null, "b": [1, 2]},
        "logLocation": {"runLogStream": "arn:..."},
        "storageType": "DYNAMIC",
    })
}

fn tasks(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| {
            json!({
                "taskId": format!("{}", 7_000_000 + i),
                "status": if i % 10 == 0 { "FAILED" } else { "COMPLETED" },
                "name": format!("task-{i}"),
                "cpus": 2, "memory": 4,
                "creationTime": "2024-10-20T05:43:35.516Z",
                "logStream": "arn:log",
                "imageDetails": {"image": "x"},
            })
        })
        .collect()
}

async fn seed(router: &Router, body: Value) -> Response {
    send(router, "POST", "/_emulator/runs", Some(&body.to_string())).await
}

fn assert_error(response: &Response, status: u16, kind: &str) {
    assert_eq!(response.status.as_u16(), status, "{:?}", response.body);
    assert_eq!(response.error_type(), kind);
    assert!(
        response.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{:?}",
        response.body
    );
    assert_eq!(
        response.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert!(response.headers.contains_key("x-amzn-RequestId"));
}

#[tokio::test]
async fn get_run_returns_the_seeded_body_exactly() {
    let (_, router, _) = emulator();
    let body = run_body("1234", "2024-10-20T05:43:35.516Z", "COMPLETED");
    let seeded = seed(&router, json!({"run": body.clone(), "tasks": tasks(3)})).await;
    assert_eq!(seeded.status, StatusCode::CREATED);
    assert_eq!(
        seeded.body,
        json!({"runId": "1234", "uuid": "uuid-1234", "tasks": 3, "manifestEvents": 0})
    );

    let response = get(&router, "/run/1234?export=DEFINITION").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert!(response.headers.contains_key("x-amzn-RequestId"));
    assert_eq!(response.body, body);

    let task = get(&router, "/run/1234/task/7000002").await;
    assert_eq!(task.body, tasks(3)[1]);
}

#[tokio::test]
async fn errors_have_the_aws_shape() {
    let (_, router, _) = emulator();
    seed(
        &router,
        json!({"run": run_body("1", "2024-01-01T00:00:00Z", "RUNNING")}),
    )
    .await;
    assert_error(
        &get(&router, "/run/999").await,
        404,
        "ResourceNotFoundException",
    );
    assert_error(
        &get(&router, "/run/999/task").await,
        404,
        "ResourceNotFoundException",
    );
    assert_error(
        &get(&router, "/run/1/task/5").await,
        404,
        "ResourceNotFoundException",
    );
    assert_error(
        &get(&router, "/run/999/task/5").await,
        404,
        "ResourceNotFoundException",
    );
    assert_error(
        &get(&router, "/runs").await,
        404,
        "UnknownOperationException",
    );
    assert_error(
        &send(&router, "POST", "/run", None).await,
        404,
        "UnknownOperationException",
    );
    assert_error(
        &send(&router, "DELETE", "/run/1", None).await,
        404,
        "UnknownOperationException",
    );
}

#[tokio::test]
async fn ids_are_validated() {
    let (_, router, _) = emulator();
    for uri in [
        "/run/abc",
        "/run/1234567890123456789",
        "/run/12%2034",
        "/run/abc/task",
        "/run/1/task/x1",
        "/run?runGroupId=abc",
        "/run?batchId=1x",
        "/run?status=DONE",
        "/run?name=",
        "/run/1/task?status=DELETED",
    ] {
        assert_error(&get(&router, uri).await, 400, "ValidationException");
    }
}

#[tokio::test]
async fn max_results_bounds() {
    let (_, router, _) = emulator();
    seed(
        &router,
        json!({"run": run_body("1", "2024-01-01T00:00:00Z", "RUNNING"), "tasks": tasks(150)}),
    )
    .await;
    for bad in ["0", "101", "-5", "abc", "", "2.5"] {
        assert_error(
            &get(&router, &format!("/run?maxResults={bad}")).await,
            400,
            "ValidationException",
        );
        assert_error(
            &get(&router, &format!("/run/1/task?maxResults={bad}")).await,
            400,
            "ValidationException",
        );
    }
    // Default page size is 100.
    let page = get(&router, "/run/1/task").await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 100);
    assert!(page.body["nextToken"].is_string());
    let page = get(&router, "/run/1/task?maxResults=1").await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn task_pages_cover_every_task_once() {
    let (_, router, _) = emulator();
    seed(
        &router,
        json!({"run": run_body("1", "2024-01-01T00:00:00Z", "COMPLETED"), "tasks": tasks(250)}),
    )
    .await;
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut token: Option<String> = None;
    loop {
        let uri = match &token {
            Some(t) => format!("/run/1/task?maxResults=100&startingToken={t}"),
            None => "/run/1/task?maxResults=100".to_owned(),
        };
        let page = get(&router, &uri).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        pages += 1;
        for item in page.body["items"].as_array().unwrap() {
            // TaskListItem members only: no logStream / imageDetails.
            assert!(item.get("logStream").is_none() && item.get("imageDetails").is_none());
            seen.push(item["taskId"].as_str().unwrap().to_owned());
        }
        match page.body.get("nextToken") {
            Some(Value::String(t)) => token = Some(t.clone()),
            Some(other) => panic!("nextToken must be a string or absent, got {other}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (1..=250).map(|i| format!("{}", 7_000_000 + i)).collect();
    assert_eq!(seen, expected);

    // Status filter: every tenth task failed.
    let failed = get(&router, "/run/1/task?status=FAILED&maxResults=20").await;
    assert_eq!(failed.body["items"].as_array().unwrap().len(), 20);
    let token = failed.body["nextToken"].as_str().unwrap();
    let rest = get(
        &router,
        &format!("/run/1/task?status=FAILED&maxResults=20&startingToken={token}"),
    )
    .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 5);
    assert!(rest.body.get("nextToken").is_none());
}

#[tokio::test]
async fn tokens_are_opaque_and_checked() {
    let (_, router, _) = emulator();
    seed(
        &router,
        json!({"run": run_body("1", "2024-01-01T00:00:00Z", "COMPLETED"), "tasks": tasks(5)}),
    )
    .await;
    seed(
        &router,
        json!({"run": run_body("2", "2024-01-02T00:00:00Z", "COMPLETED"), "tasks": tasks(5)}),
    )
    .await;
    let task_token = get(&router, "/run/1/task?maxResults=2").await.body["nextToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let run_token = get(&router, "/run?maxResults=1").await.body["nextToken"]
        .as_str()
        .unwrap()
        .to_owned();
    for uri in [
        "/run/1/task?startingToken=garbage".to_owned(),
        "/run/1/task?startingToken=".to_owned(),
        format!("/run/2/task?startingToken={task_token}"),
        format!("/run/1/task?status=COMPLETED&startingToken={task_token}"),
        format!("/run/1/task?startingToken={run_token}"),
        format!("/run?startingToken={task_token}"),
        format!("/run?status=COMPLETED&startingToken={run_token}"),
        format!("/run?startingToken={}00", run_token),
    ] {
        assert_error(&get(&router, &uri).await, 400, "ValidationException");
    }
    // The same token with another page size is fine.
    let next = get(
        &router,
        &format!("/run/1/task?maxResults=50&startingToken={task_token}"),
    )
    .await;
    assert_eq!(next.body["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn list_runs_orders_filters_and_pages() {
    let (_, router, _) = emulator();
    let mut grouped = run_body("30", "2024-01-03T00:00:00Z", "FAILED");
    grouped["runGroupId"] = json!("777");
    grouped["batchId"] = json!("88");
    grouped["name"] = json!("other-30");
    for body in [
        run_body("10", "2024-01-01T00:00:00Z", "COMPLETED"),
        run_body("20", "2024-01-02T00:00:00.000Z", "COMPLETED"),
        run_body("21", "2024-01-02T00:00:00Z", "COMPLETED"),
        grouped,
    ] {
        assert_eq!(
            seed(&router, json!({"run": body})).await.status,
            StatusCode::CREATED
        );
    }
    let ids = |response: &Response| -> Vec<String> {
        response.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = get(&router, "/run").await;
    assert_eq!(ids(&all), ["30", "21", "20", "10"]);
    assert!(all.body.get("nextToken").is_none());
    // RunListItem members only.
    let item = &all.body["items"][1];
    assert_eq!(
        item,
        &json!({"arn": "arn:aws:omics:us-east-1:123456789012:run/21", "id": "21", "status": "COMPLETED",
            "workflowId": "1234567", "name": "sample-21", "creationTime": "2024-01-02T00:00:00Z",
            "startTime": "2024-01-02T00:00:00Z", "storageType": "DYNAMIC"})
    );
    assert_eq!(
        ids(&get(&router, "/run?status=COMPLETED").await),
        ["21", "20", "10"]
    );
    assert_eq!(ids(&get(&router, "/run?name=sample-2").await), ["21", "20"]);
    assert_eq!(ids(&get(&router, "/run?runGroupId=777").await), ["30"]);
    assert_eq!(
        ids(&get(&router, "/run?batchId=88&status=FAILED").await),
        ["30"]
    );
    assert!(ids(&get(&router, "/run?status=PENDING").await).is_empty());

    let first = get(&router, "/run?status=COMPLETED&maxResults=2").await;
    assert_eq!(ids(&first), ["21", "20"]);
    let token = first.body["nextToken"].as_str().unwrap();
    // A newer run seeded between pages does not shift the next page.
    seed(
        &router,
        json!({"run": run_body("40", "2024-02-01T00:00:00Z", "COMPLETED")}),
    )
    .await;
    let second = get(
        &router,
        &format!("/run?status=COMPLETED&maxResults=2&startingToken={token}"),
    )
    .await;
    assert_eq!(ids(&second), ["10"]);
    assert!(second.body.get("nextToken").is_none());
}

#[tokio::test]
async fn seeding_checks_input_and_writes_manifests() {
    let (emulator, router, sink) = emulator();
    for bad in [
        "not json",
        "{}",
        r#"{"run": []}"#,
        r#"{"run": {"id": "x"}}"#,
        r#"{"run": {"id": "1"}, "extra": 1}"#,
        r#"{"run": {"id": "1"}, "tasks": [{"taskId": 5}]}"#,
        r#"{"run": {"id": "1"}, "manifest": ["{}"]}"#,
        r#"{"run": {"id": "1"}, "taskLogs": {"7x": ["line"]}}"#,
        r#"{"run": {"id": "1"}, "taskLogs": ["line"]}"#,
    ] {
        assert_error(
            &send(&router, "POST", "/_emulator/runs", Some(bad)).await,
            400,
            "ValidationException",
        );
    }
    assert_eq!(emulator.run_count(), 0);

    let seeded = seed(
        &router,
        json!({
            "run": run_body("5", "2024-01-01T00:00:00Z", "COMPLETED"),
            "manifest": ["{\"arn\":\"run\"}", "", "{\"arn\":\"task\"}"],
        }),
    )
    .await;
    assert_eq!(seeded.body["manifestEvents"], 2);
    assert_eq!(
        sink.written(),
        vec![(
            "manifest/run/5/uuid-5".to_owned(),
            vec![
                "{\"arn\":\"run\"}".to_owned(),
                "{\"arn\":\"task\"}".to_owned()
            ]
        )]
    );
    // Task logs go to run/<id>/task/<taskId>, blank lines dropped.
    seed(
        &router,
        json!({
            "run": run_body("6", "2024-01-01T00:00:00Z", "FAILED"),
            "tasks": tasks(1),
            "taskLogs": {"7": ["started", "", "java.lang.OutOfMemoryError"], "8": [""]},
        }),
    )
    .await;
    assert_eq!(
        sink.written().last().cloned(),
        Some((
            "run/6/task/7".to_owned(),
            vec![
                "started".to_owned(),
                "java.lang.OutOfMemoryError".to_owned()
            ]
        ))
    );
    assert_eq!(sink.written().len(), 2, "no stream for a log without lines");
    // Reseeding replaces the run.
    let mut replaced = run_body("5", "2024-01-01T00:00:00Z", "FAILED");
    replaced["uuid"] = json!("uuid-5b");
    seed(&router, json!({"run": replaced, "tasks": tasks(1)})).await;
    assert_eq!(get(&router, "/run/5").await.body["status"], "FAILED");
    assert_eq!(
        get(&router, "/run/5/task").await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let reset = send(&router, "POST", "/_emulator/reset", None).await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_error(
        &get(&router, "/run/5").await,
        404,
        "ResourceNotFoundException",
    );
}

async fn statuses(router: &Router, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(get(router, "/run/1").await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn faults_are_deterministic_with_a_seed_and_counted() {
    let (_, router, _) = emulator();
    seed(
        &router,
        json!({"run": run_body("1", "2024-01-01T00:00:00Z", "COMPLETED")}),
    )
    .await;
    let config = r#"{"throttleRate":0.3,"errorRate":0.2,"seed":42}"#;
    assert_eq!(
        send(&router, "POST", "/_emulator/faults", Some(config))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&router, "/_emulator/faults").await.body,
        json!({"throttleRate": 0.3, "errorRate": 0.2, "latencyMs": 0, "seed": 42})
    );
    let first = statuses(&router, 60).await;
    send(&router, "POST", "/_emulator/faults", Some(config)).await;
    let second = statuses(&router, 60).await;
    assert_eq!(first, second);
    assert!(
        first.contains(&429) && first.contains(&500) && first.contains(&200),
        "{first:?}"
    );

    let throttled = first.iter().filter(|s| **s == 429).count() * 2;
    let errors = first.iter().filter(|s| **s == 500).count() * 2;
    let stats = get(&router, "/_emulator/stats").await.body;
    assert_eq!(stats["GetRun"], 120);
    assert_eq!(
        stats["faults"],
        json!({"throttled": throttled, "errors": errors})
    );

    // A throttle has the AWS error shape; admin routes are never faulted.
    send(
        &router,
        "POST",
        "/_emulator/faults",
        Some(r#"{"throttleRate":1}"#),
    )
    .await;
    assert_error(&get(&router, "/run").await, 429, "ThrottlingException");
    assert_eq!(
        get(&router, "/_emulator/stats").await.status,
        StatusCode::OK
    );
    send(
        &router,
        "POST",
        "/_emulator/faults",
        Some(r#"{"errorRate":1}"#),
    )
    .await;
    assert_error(
        &get(&router, "/run/1/task").await,
        500,
        "InternalServerException",
    );

    // `{}` clears; bad settings are rejected.
    send(&router, "POST", "/_emulator/faults", Some("{}")).await;
    assert!(statuses(&router, 20).await.iter().all(|s| *s == 200));
    for bad in [
        r#"{"throttleRate":2}"#,
        r#"{"latencyMs":-1}"#,
        r#"{"rate":1}"#,
        "nope",
    ] {
        assert_error(
            &send(&router, "POST", "/_emulator/faults", Some(bad)).await,
            400,
            "ValidationException",
        );
    }

    let reset = send(&router, "POST", "/_emulator/stats/reset", None).await;
    assert_eq!(reset.body["GetRun"], 0);
}

#[tokio::test]
async fn latency_is_added_before_answering() {
    let (_, router, _) = emulator();
    send(
        &router,
        "POST",
        "/_emulator/faults",
        Some(r#"{"latencyMs":60}"#),
    )
    .await;
    let started = Instant::now();
    assert_error(
        &get(&router, "/run/1").await,
        404,
        "ResourceNotFoundException",
    );
    assert!(started.elapsed().as_millis() >= 60);
    // Reset clears faults too.
    send(&router, "POST", "/_emulator/reset", None).await;
    assert_eq!(get(&router, "/_emulator/faults").await.body["latencyMs"], 0);
}
