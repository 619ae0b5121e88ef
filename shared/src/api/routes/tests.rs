//! The routers built from the table: routing, 404, 405 with `Allow`, the stage prefix, and every sample event of
//! `events/` reaching its handler through its function's router.

use aws_config::{BehaviorVersion, SdkConfig};
use axum::body::Body;
use axum::http::Request;
use serde_json::Value;
use tower::ServiceExt;

use super::*;
use crate::clients::AwsClients;
use crate::config::Config;

/// State whose AWS clients have no credentials: every upstream call fails at once, without a network call.
fn state() -> SharedState {
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .build();
    let config = Config::from_lookup(|name| match name {
        "RUNS_TABLE_NAME" => Some("runs".into()),
        "FLEET_TABLE_NAME" => Some("fleet".into()),
        "REPORTS_BUCKET_NAME" => Some("reports".into()),
        _ => None,
    })
    .unwrap();
    let key = crate::api::CursorKey::new(b"routes test secret, 32 bytes long!").unwrap();
    Arc::new(ApiState::new(
        AwsClients::from_sdk_config(&sdk),
        config,
        Some(key),
    ))
}

async fn send<B>(router: Router, request: Request<B>) -> (u16, Option<String>, Value)
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = router.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(response.headers().contains_key("server-timing"));
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        allow,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn call(method: &str, path: &str) -> (u16, Option<String>, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Body::empty())
        .unwrap();
    send(router(state()), request).await
}

fn invalid(body: &Value) -> &str {
    assert_eq!(body["error"]["code"], "InvalidParameter", "{body}");
    body["error"]["message"].as_str().unwrap()
}

#[tokio::test]
async fn routes_reach_their_handlers_and_parameters_are_validated_there() {
    let (status, _, body) = call("GET", "/runs/abc").await;
    assert_eq!(status, 400);
    assert!(invalid(&body).contains("runId"));
    // Percent-decoded after the split: `%31%32` is run 12 (the task id is the bad one) and an encoded slash
    // stays inside its segment.
    let (status, _, body) = call("GET", "/runs/%31%32/tasks/x").await;
    assert_eq!(status, 400);
    assert!(invalid(&body).contains("taskId"), "{body}");
    let (status, _, body) = call("GET", "/runs/1%2Ftasks").await;
    assert_eq!(status, 400);
    assert!(invalid(&body).contains("runId"), "{body}");
    let (status, _, body) = call("GET", "/runs/1/compare/y").await;
    assert_eq!(status, 400);
    assert!(invalid(&body).contains("otherRunId"), "{body}");
    let (status, _, body) = call("GET", "/runs?limit=0").await;
    assert_eq!(status, 400);
    assert!(invalid(&body).contains("limit"), "{body}");
    let (status, _, body) = call("GET", "/runs/1/timeline?layout=spiral").await;
    assert_eq!(status, 400);
    assert!(invalid(&body).contains("layout"), "{body}");
    // A method in another case is the route's method.
    let (status, _, _) = call("get", "/runs/abc").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405_with_allow() {
    for path in [
        "/",
        "/run",
        "/runs/",
        "/runs/1/",
        "/runs//tasks",
        "/runs/1/tasks/2/x",
    ] {
        let (status, allow, body) = call("GET", path).await;
        assert_eq!(status, 404, "{path:?}");
        assert_eq!(allow, None);
        assert_eq!(body["error"]["code"], "RouteNotFound");
        assert_eq!(body["error"]["message"], format!("no route for GET {path}"));
        assert_eq!(body["error"]["requestId"].as_str().unwrap().len(), 36);
    }
    let (_, _, body) = call("get", "/nope").await;
    assert_eq!(body["error"]["message"], "no route for get /nope");
    for method in ["POST", "DELETE", "post"] {
        let (status, allow, body) = call(method, "/runs/1").await;
        assert_eq!(status, 405, "{method}");
        assert_eq!(allow.as_deref(), Some("GET"));
        assert_eq!(body["error"]["code"], "MethodNotAllowed");
        assert_eq!(
            body["error"]["message"],
            format!("method {method} is not allowed here; allowed: GET")
        );
    }
    // axum would serve HEAD with the GET handler; the API does not.
    let (status, allow, _) = call("HEAD", "/runs").await;
    assert_eq!((status, allow.as_deref()), (405, Some("GET")));
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let request = Request::builder()
        .uri("/runs")
        .body(Body::from(vec![b'x'; MAX_BODY_BYTES + 1]))
        .unwrap();
    let (status, _, body) = send(router(state()), request).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], "PayloadTooLarge");
}

#[test]
fn route_keys_are_unique_and_functions_agree_on_their_needs() {
    let mut keys: Vec<String> = ROUTES.iter().map(Route::route_key).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), ROUTES.len());
    // A function may serve several routes (query-fleet), but its state is built from its first route: all of its
    // routes must need the same cursor key and stored records.
    for route in ROUTES {
        let first = route_of(route.function).unwrap();
        assert_eq!(
            (first.cursor, first.stored_records),
            (route.cursor, route.stored_records),
            "{}",
            route.route_key()
        );
    }
    assert_eq!(ROUTES[3].route_key(), "GET /runs/{runId}/tasks/{taskId}");
    assert_eq!(route_of("get-run").unwrap().path_template, "/runs/{runId}");
    assert!(router_for("local-api", state()).is_err());
}

#[test]
fn the_stage_prefix_is_removed_only_when_present() {
    let uri: Uri = "/Stage/runs/1?uuid=a".parse().unwrap();
    assert_eq!(
        without_stage(&uri, "Stage").unwrap().to_string(),
        "/runs/1?uuid=a"
    );
    assert!(without_stage(&uri, "$default").is_none());
    assert!(without_stage(&uri, "Stag").is_none());
    assert!(without_stage(&"/runs/1".parse().unwrap(), "Stage").is_none());
}

/// The API events of `events/`, with the function whose route they name.
fn sample_events() -> Vec<(String, &'static Route, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut events = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // events/ also holds EventBridge events.
        let Some(key) = event["routeKey"].as_str() else {
            continue;
        };
        let route = ROUTES
            .iter()
            .find(|route| route.route_key() == key)
            .unwrap_or_else(|| panic!("{name}: no route {key}"));
        events.push((name, route, event));
    }
    assert!(events.len() >= 15, "{}", events.len());
    events
}

/// Each sample event, as `lambda_http` hands it to a function (on the `$default` stage and on a named stage,
/// whose name API Gateway leaves in `rawPath`), reaches its handler through that function's router: never 404 or
/// 405, bad input is 400, and errors carry API Gateway's request id.
#[tokio::test]
async fn sample_events_reach_their_handlers_through_their_function_router() {
    for (name, route, event) in sample_events() {
        let mut staged = event.clone();
        staged["requestContext"]["stage"] = "Stage".into();
        staged["rawPath"] = format!("/Stage{}", event["rawPath"].as_str().unwrap()).into();
        for event in [event, staged] {
            let request = lambda_http::request::from_str(&event.to_string())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let router = router_for(route.function, state()).unwrap();
            let (status, _, body) = send(router, request).await;
            assert!(
                ![404, 405].contains(&status) || body["error"]["code"] == "NotFound",
                "{name}: {status} {body}"
            );
            assert_ne!(body["error"]["code"], "RouteNotFound", "{name}");
            assert_eq!(
                status == 400,
                name.contains("bad"),
                "{name}: {status} {body}"
            );
            if status >= 400 {
                assert_eq!(
                    body["error"]["requestId"], event["requestContext"]["requestId"],
                    "{name}"
                );
            }
        }
    }
}
