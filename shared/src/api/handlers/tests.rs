//! Handler tests against a mocked HealthOmics client: status codes, bodies, cursors, and the events in `events/`.

use std::collections::HashMap;
use std::sync::Arc;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_omics::operation::get_run::GetRunOutput;
use aws_sdk_omics::operation::get_run_task::GetRunTaskOutput;
use aws_sdk_omics::operation::list_run_tasks::ListRunTasksOutput;
use aws_sdk_omics::operation::list_runs::ListRunsOutput;
use aws_sdk_omics::types::{RunListItem, TaskListItem};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use lambda_http::http;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

use crate::api::cursor::CursorKey;
use crate::api::state::ApiState;
use crate::api::{ROUTES, router, router_for};
use crate::clients::AwsClients;
use crate::config::Config;

/// Sends `request` (path parameters stated as API Gateway passes them) through the router of every route: the
/// path is rebuilt from `template` with each parameter percent-encoded, and the response body read back.
async fn call(template: &str, state: &ApiState, request: Request) -> Response<Body> {
    let params = request.path_parameters();
    let path: String = template
        .split('/')
        .map(|segment| {
            match segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
            {
                Some(name) => params
                    .first(name)
                    .map(|value| value.bytes().map(|b| format!("%{b:02X}")).collect())
                    .unwrap_or_default(),
                None => segment.to_owned(),
            }
        })
        .collect::<Vec<String>>()
        .join("/");
    let uri = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let (mut parts, _) = request.into_parts();
    parts.uri = uri.parse().unwrap();
    let request = http::Request::from_parts(parts, axum::body::Body::empty());
    let response = tower::ServiceExt::oneshot(router(Arc::new(state.clone())), request)
        .await
        .unwrap();
    into_lambda(response).await
}

async fn into_lambda(response: axum::response::Response) -> Response<Body> {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 24).await.unwrap();
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        Body::Text(String::from_utf8(bytes.to_vec()).unwrap())
    };
    Response::from_parts(parts, body)
}

async fn get_run(state: &ApiState, request: Request) -> Response<Body> {
    call("/runs/{runId}", state, request).await
}

async fn get_run_task(state: &ApiState, request: Request) -> Response<Body> {
    call("/runs/{runId}/tasks/{taskId}", state, request).await
}

async fn list_runs(state: &ApiState, request: Request) -> Response<Body> {
    call("/runs", state, request).await
}

async fn list_run_tasks(state: &ApiState, request: Request) -> Response<Body> {
    call("/runs/{runId}/tasks", state, request).await
}

const SECRET: &[u8] = b"test secret for cursors, 32 bytes!";

fn state_with(rules: &[&Rule]) -> ApiState {
    // No retries: a throttled or failed attempt is final, and the tests stay fast.
    let omics = mock_client!(aws_sdk_omics, RuleMode::MatchAny, rules, |builder| {
        builder.retry_config(aws_sdk_omics::config::retry::RetryConfig::disabled())
    });
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .build();
    let mut clients = AwsClients::from_sdk_config(&sdk);
    clients.omics = omics;
    let config = Config::from_lookup(|_| None).unwrap();
    ApiState::new(clients, config, Some(CursorKey::new(SECRET).unwrap()))
}

fn request(path: &str, query: &str, params: &[(&str, &str)]) -> Request {
    let uri = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    let params: HashMap<String, String> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    http::Request::builder()
        .uri(uri)
        .body(Body::Empty)
        .unwrap()
        .with_path_parameters(params)
}

fn json(response: &Response<Body>) -> Value {
    serde_json::from_slice(response.body().as_ref()).unwrap_or(Value::Null)
}

fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

fn error_code(response: &Response<Body>) -> String {
    json(response)["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn completed_run() -> Rule {
    mock!(aws_sdk_omics::Client::get_run)
        .match_requests(|r| r.id() == Some("1000001"))
        .then_output(|| {
            GetRunOutput::builder()
                .id("1000001")
                .arn("arn:aws:omics:us-east-1:123456789012:run/1000001")
                .status(aws_sdk_omics::types::RunStatus::Completed)
                .name("germline")
                .creation_time(aws_smithy_types::DateTime::from_millis(1_729_402_015_516))
                .storage_capacity(1200)
                .build()
        })
}

fn raw_error(status: u16, error_type: &'static str) -> impl Fn() -> HttpResponse + Send + Sync {
    move || {
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).unwrap(),
            SdkBody::from(r#"{"message":"internal detail: shard 7, arn:aws:iam::1:role/x"}"#),
        );
        response
            .headers_mut()
            .insert("x-amzn-ErrorType", error_type);
        response
            .headers_mut()
            .insert("content-type", "application/json");
        response
    }
}

#[tokio::test]
async fn get_run_returns_members_with_etag_and_304() {
    let rule = completed_run();
    let state = state_with(&[&rule]);
    let response = get_run(
        &state,
        request("/runs/1000001", "", &[("runId", "1000001")]),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    assert_eq!(body["id"], "1000001");
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(body["storageCapacity"], 1200);
    assert_eq!(body["creationTime"], "2024-10-20T05:26:55.516Z");
    assert!(body.get("engineSettings").is_none(), "{body}");
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    let etag = header(&response, "etag").unwrap().to_owned();
    assert!(
        header(&response, "cache-control")
            .unwrap()
            .contains("max-age")
    );

    let conditional = http::Request::builder()
        .uri("/runs/1000001")
        .header("If-None-Match", &etag)
        .body(Body::Empty)
        .unwrap()
        .with_path_parameters(HashMap::from([("runId".to_owned(), "1000001".to_owned())]));
    let not_modified = get_run(&state, conditional).await;
    assert_eq!(not_modified.status(), 304);
    assert_eq!(header(&not_modified, "etag"), Some(etag.as_str()));
    assert_eq!(rule.num_calls(), 2);
}

#[tokio::test]
async fn running_runs_are_not_cached() {
    let rule = mock!(aws_sdk_omics::Client::get_run).then_output(|| {
        GetRunOutput::builder()
            .id("5")
            .status(aws_sdk_omics::types::RunStatus::Running)
            .build()
    });
    let state = state_with(&[&rule]);
    let response = get_run(&state, request("/runs/5", "", &[("runId", "5")])).await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    assert!(header(&response, "etag").is_none());
}

#[tokio::test]
async fn access_denied_is_403_without_upstream_text() {
    // A raw response, so the SDK's own error parsing (x-amzn-ErrorType) is exercised too.
    let rule = mock!(aws_sdk_omics::Client::get_run)
        .then_http_response(raw_error(403, "AccessDeniedException"));
    let state = state_with(&[&rule]);
    let response = get_run(&state, request("/runs/1", "", &[("runId", "1")])).await;
    assert_eq!(response.status(), 403);
    assert_eq!(error_code(&response), "AccessDenied");
    let message = json(&response)["error"]["message"].to_string();
    assert!(!message.contains("arn:aws"), "{message}");
}

#[tokio::test]
async fn unknown_run_and_task_are_404() {
    let run = mock!(aws_sdk_omics::Client::get_run)
        .then_http_response(raw_error(404, "ResourceNotFoundException"));
    let task = mock!(aws_sdk_omics::Client::get_run_task)
        .then_http_response(raw_error(404, "ResourceNotFoundException"));
    let state = state_with(&[&run, &task]);
    let response = get_run(&state, request("/runs/9", "", &[("runId", "9")])).await;
    assert_eq!(response.status(), 404);
    assert_eq!(json(&response)["error"]["message"], "run 9 not found");
    let response = get_run_task(
        &state,
        request("/runs/9/tasks/8", "", &[("runId", "9"), ("taskId", "8")]),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(json(&response)["error"]["message"], "task 9/8 not found");
}

#[tokio::test]
async fn upstream_faults_map_to_429_502_and_hide_details() {
    let throttled = mock!(aws_sdk_omics::Client::get_run)
        .match_requests(|r| r.id() == Some("1"))
        .then_http_response(raw_error(429, "ThrottlingException"));
    let failed = mock!(aws_sdk_omics::Client::get_run)
        .match_requests(|r| r.id() == Some("2"))
        .then_http_response(raw_error(500, "InternalServerException"));
    let state = state_with(&[&throttled, &failed]);

    let response = get_run(&state, request("/runs/1", "", &[("runId", "1")])).await;
    assert_eq!(response.status(), 429);
    assert_eq!(error_code(&response), "Throttled");
    assert!(header(&response, "retry-after").is_some());

    let response = get_run(&state, request("/runs/2", "", &[("runId", "2")])).await;
    assert_eq!(response.status(), 502);
    assert_eq!(error_code(&response), "UpstreamError");
    let text = String::from_utf8_lossy(response.body().as_ref()).into_owned();
    assert!(
        !text.contains("shard") && !text.contains("arn:aws"),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_ids_are_400_and_never_reach_upstream() {
    let run = completed_run();
    let state = state_with(&[&run]);
    // (An empty id makes the path `/runs/`, which no route serves: see the routes' tests.)
    for bad in ["abc", "1234567890123456789", "-1", "1 ", "%", "\u{fffd}"] {
        let response = get_run(&state, request("/runs/x", "", &[("runId", bad)])).await;
        assert_eq!(response.status(), 400, "{bad:?}");
        assert!(
            json(&response)["error"]["message"]
                .as_str()
                .unwrap()
                .contains("runId")
        );
    }
    let response = get_run_task(
        &state,
        request("/runs/1/tasks/x", "", &[("runId", "1"), ("taskId", "t-1")]),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert!(
        json(&response)["error"]["message"]
            .to_string()
            .contains("taskId")
    );
    // Without a run id the path is `/runs/`, which no route serves.
    let response = get_run(&state, request("/runs/1", "", &[])).await;
    assert_eq!(response.status(), 404);
    assert_eq!(error_code(&response), "RouteNotFound");
    let response = get_run(
        &state,
        request("/runs/1", "export=DEFINITION", &[("runId", "1")]),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(run.num_calls(), 0);
}

fn task_page(first: u32, count: u32, next: Option<&str>) -> ListRunTasksOutput {
    let items = (first..first + count).map(|id| {
        TaskListItem::builder()
            .task_id(id.to_string())
            .status(aws_sdk_omics::types::TaskStatus::Completed)
            .name(format!("task-{id}"))
            .cpus(2)
            .build()
    });
    ListRunTasksOutput::builder()
        .set_items(Some(items.collect()))
        .set_next_token(next.map(str::to_owned))
        .build()
}

#[tokio::test]
async fn list_run_tasks_pages_with_signed_cursors() {
    let first = mock!(aws_sdk_omics::Client::list_run_tasks)
        .match_requests(|r| {
            r.id() == Some("7")
                && r.starting_token().is_none()
                && r.max_results() == Some(2)
                && r.status() == Some(&aws_sdk_omics::types::TaskStatus::Completed)
        })
        .then_output(|| task_page(1, 2, Some("upstream-token-2")));
    let second = mock!(aws_sdk_omics::Client::list_run_tasks)
        .match_requests(|r| r.starting_token() == Some("upstream-token-2"))
        .then_output(|| task_page(3, 1, None));
    let state = state_with(&[&first, &second]);
    let run = [("runId", "7")];

    let response = list_run_tasks(
        &state,
        request("/runs/7/tasks", "limit=2&status=completed", &run),
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "cache-control"), Some("no-store"));
    let body = json(&response);
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert_eq!(body["items"][0]["taskId"], "1");
    let cursor = body["nextCursor"].as_str().unwrap().to_owned();
    assert!(
        !cursor.contains("upstream-token"),
        "the cursor must be opaque"
    );

    let query = format!("limit=2&status=COMPLETED&cursor={cursor}");
    let response = list_run_tasks(&state, request("/runs/7/tasks", &query, &run)).await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    assert_eq!(body["items"][0]["taskId"], "3");
    assert!(body.get("nextCursor").is_none());

    // The same cursor on another run, with another filter, or altered: 400 naming the cursor, no upstream call.
    let calls = first.num_calls() + second.num_calls();
    for (path, run_id, query) in [
        (
            "/runs/8/tasks",
            "8",
            format!("status=COMPLETED&cursor={cursor}"),
        ),
        ("/runs/7/tasks", "7", format!("cursor={cursor}")),
        (
            "/runs/7/tasks",
            "7",
            format!("status=COMPLETED&cursor={}x", cursor),
        ),
        (
            "/runs/7/tasks",
            "7",
            "status=COMPLETED&cursor=upstream-token-2".to_owned(),
        ),
    ] {
        let response = list_run_tasks(&state, request(path, &query, &[("runId", run_id)])).await;
        assert_eq!(response.status(), 400, "{query}");
        assert!(
            json(&response)["error"]["message"]
                .to_string()
                .contains("cursor")
        );
    }
    assert_eq!(first.num_calls() + second.num_calls(), calls);
}

#[tokio::test]
async fn list_runs_passes_filters_and_binds_cursors_to_them() {
    let rule = mock!(aws_sdk_omics::Client::list_runs)
        .match_requests(|r| {
            r.status() == Some(&aws_sdk_omics::types::RunStatus::Running)
                && r.name() == Some("germ line")
                && r.run_group_id() == Some("2711902")
                && r.max_results() == Some(50)
        })
        .then_output(|| {
            ListRunsOutput::builder()
                .items(
                    RunListItem::builder()
                        .id("1000005")
                        .name("germ line")
                        .build(),
                )
                .next_token("next")
                .build()
        });
    let state = state_with(&[&rule]);
    let query = "status=running&name=germ+line&runGroupId=2711902";
    let response = list_runs(&state, request("/runs", query, &[])).await;
    assert_eq!(response.status(), 200, "{:?}", json(&response));
    let body = json(&response);
    assert_eq!(body["items"][0]["id"], "1000005");
    let cursor = body["nextCursor"].as_str().unwrap();

    let other_filter = format!("status=running&name=other&runGroupId=2711902&cursor={cursor}");
    let response = list_runs(&state, request("/runs", &other_filter, &[])).await;
    assert_eq!(response.status(), 400);
    // A list-runs cursor is not a list-run-tasks cursor.
    let response = list_run_tasks(
        &state,
        request(
            "/runs/1/tasks",
            &format!("cursor={cursor}"),
            &[("runId", "1")],
        ),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn invalid_queries_are_400_naming_the_parameter() {
    let state = state_with(&[]);
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("status=DONE", "status"),
        ("runGroupId=abc", "runGroupId"),
        ("name=", "name"),
        ("cursor=", "cursor"),
        ("cursor=abc", "cursor"),
        ("colour=red", "colour"),
    ] {
        let response = list_runs(&state, request("/runs", query, &[])).await;
        assert_eq!(response.status(), 400, "{query}");
        let message = json(&response)["error"]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(message.contains(field), "{query}: {message}");
        assert_eq!(error_code(&response), "InvalidParameter");
    }
}

#[tokio::test]
async fn list_routes_without_a_cursor_key_fail_closed() {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .build();
    let state = ApiState::from_sdk_config(&sdk, Config::from_lookup(|_| None).unwrap(), None);
    let response = list_runs(&state, request("/runs", "", &[])).await;
    assert_eq!(response.status(), 500);
    assert_eq!(json(&response)["error"]["message"], "internal error");
}

#[tokio::test]
async fn get_run_task_returns_every_member() {
    let rule = mock!(aws_sdk_omics::Client::get_run_task)
        .match_requests(|r| r.id() == Some("1000001") && r.task_id() == Some("6100004"))
        .then_output(|| {
            GetRunTaskOutput::builder()
                .task_id("6100004")
                .status(aws_sdk_omics::types::TaskStatus::Failed)
                .failure_reason("OOM")
                .log_stream("run/1000001/task/6100004")
                .image_details(
                    aws_sdk_omics::types::ImageDetails::builder()
                        .image("123.dkr.ecr/bwa:1")
                        .build(),
                )
                .build()
        });
    let state = state_with(&[&rule]);
    let response = get_run_task(
        &state,
        request(
            "/runs/1000001/tasks/6100004",
            "",
            &[("runId", "1000001"), ("taskId", "6100004")],
        ),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body = json(&response);
    assert_eq!(body["failureReason"], "OOM");
    assert_eq!(body["logStream"], "run/1000001/task/6100004");
    assert_eq!(body["imageDetails"]["image"], "123.dkr.ecr/bwa:1");
    assert!(
        header(&response, "etag").is_some(),
        "a FAILED task never changes"
    );
}

/// Every event in `events/` parses as an API Gateway v2 request and gets the status its name promises.
#[tokio::test]
async fn events_directory_requests() {
    let run = completed_run();
    let nextflow = mock!(aws_sdk_omics::Client::get_run)
        .match_requests(|r| r.id() == Some("1000004"))
        .then_output(|| {
            GetRunOutput::builder()
                .id("1000004")
                .status(aws_sdk_omics::types::RunStatus::Completed)
                .engine_settings(aws_smithy_types::Document::Object(HashMap::from([(
                    "cpus".to_owned(),
                    aws_smithy_types::Document::from(4u64),
                )])))
                .build()
        });
    let unknown = mock!(aws_sdk_omics::Client::get_run)
        .match_requests(|r| r.id() == Some("999999999"))
        .then_http_response(raw_error(404, "ResourceNotFoundException"));
    let unknown_tasks = mock!(aws_sdk_omics::Client::list_run_tasks)
        .match_requests(|r| r.id() == Some("999999999"))
        .then_http_response(raw_error(404, "ResourceNotFoundException"));
    let tasks = mock!(aws_sdk_omics::Client::list_run_tasks)
        .match_requests(|r| r.id() == Some("1000006"))
        .then_output(|| task_page(1, 100, Some("t")));
    let runs =
        mock!(aws_sdk_omics::Client::list_runs).then_output(|| ListRunsOutput::builder().build());
    let task = mock!(aws_sdk_omics::Client::get_run_task).then_output(|| {
        GetRunTaskOutput::builder()
            .task_id("6100004")
            .status(aws_sdk_omics::types::TaskStatus::Completed)
            .build()
    });
    let state = state_with(&[
        &run,
        &nextflow,
        &unknown,
        &unknown_tasks,
        &tasks,
        &runs,
        &task,
    ]);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let event: Value = serde_json::from_str(&text).unwrap();
        // events/ also holds EventBridge events, and API events of routes other modules serve.
        let Some(function) = event["routeKey"]
            .as_str()
            .and_then(|key| ROUTE_FUNCTIONS.iter().find(|(k, _)| *k == key))
            .map(|(_, f)| *f)
        else {
            continue;
        };
        let request =
            lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected_id = event["requestContext"]["requestId"]
            .as_str()
            .unwrap()
            .to_owned();
        let route = ROUTES.iter().find(|r| r.function == function).unwrap();
        let router = router_for(route.function, Arc::new(state.clone())).unwrap();
        let response =
            into_lambda(tower::ServiceExt::oneshot(router, request).await.unwrap()).await;
        let expected = if name.contains("bad") {
            400
        } else if name.contains("unknown") {
            404
        } else {
            200
        };
        assert_eq!(response.status(), expected, "{name}: {:?}", json(&response));
        if expected != 200 {
            assert_eq!(json(&response)["error"]["requestId"], expected_id, "{name}");
        }
        if name == "get-run-nextflow" {
            assert_eq!(json(&response)["engineSettings"]["cpus"], 4, "{name}");
        }
        seen += 1;
    }
    assert!(seen >= 10, "{seen}");
}

const ROUTE_FUNCTIONS: &[(&str, &str)] = &[
    ("GET /runs", "list-runs"),
    ("GET /runs/{runId}", "get-run"),
    ("GET /runs/{runId}/tasks", "list-run-tasks"),
    ("GET /runs/{runId}/tasks/{taskId}", "get-run-task"),
];

/// Hostile input never panics and never gets a 5xx.
#[tokio::test]
async fn hostile_input_gets_4xx() {
    let state = state_with(&[]);
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let alphabet: Vec<char> = "0123456789abc%&=+.;/\\\"' \u{0}\u{7f}é😀-_~"
        .chars()
        .collect();
    for _ in 0..300 {
        let len = (next() % 40) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        if crate::ids::RunId::parse(&text).is_ok() {
            continue;
        }
        let encoded: String = text.bytes().map(|b| format!("%{b:02X}")).collect();
        let query = format!("limit={encoded}&cursor={encoded}");
        for response in [
            get_run(&state, request("/runs/x", "", &[("runId", &text)])).await,
            list_runs(&state, request("/runs", &query, &[])).await,
            list_run_tasks(
                &state,
                request(
                    "/runs/1/tasks",
                    &format!("status={encoded}"),
                    &[("runId", "1")],
                ),
            )
            .await,
            get_run_task(
                &state,
                request("/runs/1/tasks/x", "", &[("runId", "1"), ("taskId", &text)]),
            )
            .await,
        ] {
            let status = response.status().as_u16();
            assert!((400..500).contains(&status), "{text:?}: {status}");
        }
    }
}
