//! The HTTP API on a real socket against the local stack: each route's happy path, caching, and the 4xx answers.
//!
//! Needs the local stack: run through `make test`.

use crate::api_support;

use api_support::{LocalApi, error_code, fixture, stack_state};
use omics_introspect::api::{ROUTES, router_for};
use omics_introspect::time::parse_timestamp;
use serde_json::Value;

async fn api() -> LocalApi {
    LocalApi::start(stack_state().await).await
}

/// Every string member that looks like a timestamp is ISO-8601 and parses.
fn assert_timestamps(value: &Value) {
    if let Value::Object(map) = value {
        for key in ["creationTime", "startTime", "stopTime"] {
            if let Some(text) = map.get(key) {
                let text = text.as_str().unwrap();
                assert!(
                    text.ends_with('Z') && parse_timestamp(text).is_ok(),
                    "{key}: {text}"
                );
            }
        }
    }
}

#[tokio::test]
async fn get_run_returns_every_upstream_member() {
    let api = api().await;
    for run_id in ["1000001", "1000002", "1000003", "1000004", "1000005"] {
        let response = api.get(&format!("/runs/{run_id}")).await;
        assert_eq!(response.status, 200, "{run_id}");
        assert_eq!(response.header("content-type"), Some("application/json"));
        let body = response.json().unwrap();
        let upstream = fixture(run_id, "run.json");
        let ours: Vec<&String> = body.as_object().unwrap().keys().collect();
        let theirs: Vec<&String> = upstream.as_object().unwrap().keys().collect();
        let mut ours_sorted = ours.clone();
        ours_sorted.sort();
        let mut theirs_sorted = theirs.clone();
        theirs_sorted.sort();
        assert_eq!(
            ours_sorted, theirs_sorted,
            "run {run_id}: same members as GetRun"
        );
        assert_eq!(body["id"], run_id);
        assert_eq!(body["status"], upstream["status"]);
        assert_eq!(body["parameters"], upstream["parameters"]);
        assert_timestamps(&body);
        assert_eq!(
            body.get("engineSettings").is_some(),
            run_id == "1000004",
            "{run_id}"
        );
    }
}

#[tokio::test]
async fn terminal_runs_get_etag_and_304_running_runs_do_not() {
    let api = api().await;
    let first = api.get("/runs/1000001").await;
    assert_eq!(first.status, 200);
    let etag = first
        .header("etag")
        .expect("a COMPLETED run has an ETag")
        .to_owned();
    assert!(first.header("cache-control").unwrap().contains("max-age"));

    let again = api
        .get_with("/runs/1000001", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));

    let other = api
        .get_with("/runs/1000001", &[("If-None-Match", "\"stale\"")])
        .await;
    assert_eq!(other.status, 200);

    let running = api
        .get_with("/runs/1000005", &[("If-None-Match", "*")])
        .await;
    assert_eq!(running.status, 200);
    assert_eq!(running.header("cache-control"), Some("no-store"));
    assert!(running.header("etag").is_none());
}

#[tokio::test]
async fn list_runs_filters_and_pages() {
    let api = api().await;
    let all = api.get("/runs?limit=100").await;
    assert_eq!(all.status, 200);
    let body = all.json().unwrap();
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for run_id in [
        "1000001", "1000002", "1000003", "1000004", "1000005", "1000006",
    ] {
        assert!(ids.contains(&run_id), "{run_id} in {ids:?}");
    }
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .for_each(assert_timestamps);

    let failed = api.get("/runs?status=failed").await.json().unwrap();
    let items = failed["items"].as_array().unwrap();
    assert!(items.iter().any(|r| r["id"] == "1000002"));
    assert!(items.iter().all(|r| r["status"] == "FAILED"), "{failed}");

    let grouped = api
        .get("/runs?runGroupId=2711902&name=germline")
        .await
        .json()
        .unwrap();
    let items = grouped["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|r| r["name"].as_str().unwrap().starts_with("germline")),
        "{grouped}"
    );

    // Pages of one: every run once, cursors opaque.
    let mut seen = Vec::new();
    let mut path = "/runs?limit=1".to_owned();
    loop {
        let page = api.get(&path).await;
        assert_eq!(page.status, 200, "{}", String::from_utf8_lossy(&page.body));
        let page = page.json().unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/runs?limit=1&cursor={cursor}"),
            None => break,
        }
        assert!(seen.len() <= 1000, "pagination does not end");
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "{seen:?}");
    assert!(seen.len() >= 6);
}

#[tokio::test]
async fn run_tasks_list_and_get() {
    let api = api().await;
    let listed = api.get("/runs/1000001/tasks").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.header("cache-control"), Some("no-store"));
    let body = listed.json().unwrap();
    let items = body["items"].as_array().unwrap();
    let upstream = fixture("1000001", "tasks.json");
    assert_eq!(items.len(), upstream.as_array().unwrap().len().min(50));
    items.iter().for_each(assert_timestamps);

    let task_id = items[0]["taskId"].as_str().unwrap();
    let task = api.get(&format!("/runs/1000001/tasks/{task_id}")).await;
    assert_eq!(task.status, 200);
    let task_body = task.json().unwrap();
    assert_eq!(task_body["taskId"], task_id);
    let expected = upstream
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["taskId"] == task_id)
        .unwrap();
    for key in expected.as_object().unwrap().keys() {
        assert!(
            task_body.get(key).is_some(),
            "member {key} missing: {task_body}"
        );
    }
    if task_body["status"] == "COMPLETED" {
        let etag = task.header("etag").unwrap().to_owned();
        let again = api
            .get_with(
                &format!("/runs/1000001/tasks/{task_id}"),
                &[("If-None-Match", &etag)],
            )
            .await;
        assert_eq!(again.status, 304);
    }

    let failed = api
        .get("/runs/1000002/tasks?status=FAILED&limit=5")
        .await
        .json()
        .unwrap();
    let items = failed["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{failed}");
    assert!(items.iter().all(|t| t["status"] == "FAILED"));
}

#[tokio::test]
async fn client_errors_name_the_parameter() {
    let api = api().await;
    for (path, field) in [
        ("/runs/abc", "runId"),
        ("/runs/1234567890123456789", "runId"),
        ("/runs/1000001/tasks/x-1", "taskId"),
        ("/runs/abc/tasks", "runId"),
        ("/runs?limit=0", "limit"),
        ("/runs?limit=101", "limit"),
        ("/runs?status=DONE", "status"),
        ("/runs?runGroupId=g1", "runGroupId"),
        ("/runs/1000001/tasks?status=DELETED", "status"),
        ("/runs/1000001/tasks?limit=x", "limit"),
        ("/runs/1000001?verbose=1", "verbose"),
    ] {
        let response = api.get(path).await;
        assert_eq!(response.status, 400, "{path}");
        assert_eq!(error_code(&response), "InvalidParameter", "{path}");
        let message = response.json().unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(field), "{path}: {message}");
    }
    let long_name = format!("/runs?name={}", "n".repeat(129));
    assert_eq!(api.get(&long_name).await.status, 400);
}

#[tokio::test]
async fn unknown_runs_tasks_routes_and_methods() {
    let api = api().await;
    for path in [
        "/runs/999999999",
        "/runs/999999999/tasks",
        "/runs/1000001/tasks/999999999",
    ] {
        let response = api.get(path).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(error_code(&response), "NotFound", "{path}");
    }
    for path in ["/", "/run/1000001", "/runs/1000001/logs", "/runs/"] {
        let response = api.get(path).await;
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(error_code(&response), "RouteNotFound", "{path}");
    }
    let response = api.request("DELETE", "/runs/1000001", &[]).await;
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("GET"));
    assert_eq!(error_code(&response), "MethodNotAllowed");
}

#[tokio::test]
async fn tampered_and_foreign_cursors_are_rejected() {
    let api = api().await;
    let page = api
        .get("/runs/1000006/tasks?limit=10")
        .await
        .json()
        .unwrap();
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    assert_eq!(
        api.get(&format!("/runs/1000006/tasks?limit=10&cursor={cursor}"))
            .await
            .status,
        200
    );

    let (payload, tag) = cursor.split_once('.').unwrap();
    let flipped_tag = format!(
        "{payload}.{}{}",
        if tag.starts_with('A') { "B" } else { "A" },
        &tag[1..]
    );
    for bad in [
        flipped_tag,
        format!("x{cursor}"),
        "not-a-cursor".to_owned(),
        payload.to_owned(),
    ] {
        let response = api.get(&format!("/runs/1000006/tasks?cursor={bad}")).await;
        assert_eq!(response.status, 400, "{bad}");
        assert!(
            response.json().unwrap()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("cursor")
        );
    }
    // Valid signature, wrong binding: another run, another filter, another route.
    for path in [
        format!("/runs/1000001/tasks?cursor={cursor}"),
        format!("/runs/1000006/tasks?status=COMPLETED&cursor={cursor}"),
        format!("/runs?cursor={cursor}"),
    ] {
        assert_eq!(api.get(&path).await.status, 400, "{path}");
    }
}

const RUN_AND_TASK_FUNCTIONS: [&str; 4] =
    ["list-runs", "get-run", "list-run-tasks", "get-run-task"];

/// The committed API Gateway events run through their function's router against the stack with the statuses
/// their names promise, as `cargo lambda invoke --data-file events/<name>.json` would.
#[tokio::test]
async fn api_gateway_events_against_the_stack() {
    let state = std::sync::Arc::new(stack_state().await);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let event: Value = serde_json::from_str(&text).unwrap();
        // events/ also holds EventBridge events (no routeKey).
        let Some(route_key) = event["routeKey"].as_str() else {
            continue;
        };
        let Some(route) = ROUTES.iter().find(|route| route.route_key() == route_key) else {
            panic!("{name}: route {route_key} is not in the route table");
        };
        // The report and manifest routes have their own tests.
        if !RUN_AND_TASK_FUNCTIONS.contains(&route.function) {
            continue;
        }
        let request = lambda_http::request::from_str(&text).unwrap();
        let router = router_for(route.function, state.clone()).unwrap();
        let response = tower::ServiceExt::oneshot(router, request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap();
        let expected = if name.contains("bad") {
            400
        } else if name.contains("unknown") {
            404
        } else {
            200
        };
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(status, expected, "{name}: {body}");
        if expected != 200 {
            assert_eq!(
                body["error"]["requestId"], event["requestContext"]["requestId"],
                "{name}"
            );
        }
        count += 1;
    }
    assert!(count >= 10);
}
