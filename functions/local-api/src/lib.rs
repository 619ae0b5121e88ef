//! `local-api` as a library: the route dispatch and the HTTP server, so integration tests can serve the API on a
//! real socket inside the test process.
//!
//! Every request goes through the same path as in AWS: the route table ([`ROUTES`]) picks the function, the
//! request becomes a real `lambda_http` request with path and query parameters attached, and the function's
//! handler answers it. Unknown paths get 404, known paths with another method 405 with `Allow`.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::{Body, Request, RequestExt, Response};
use omics_introspect::analysis::handlers::{compare_runs, get_run_timeline};
use omics_introspect::api::response::{error_envelope, method_not_allowed, route_not_found};
use omics_introspect::api::{
    ApiState, ROUTES, RequestScope, Resolution, Route, get_run, get_run_manifest, get_run_report,
    get_run_task, list_run_tasks, list_runs, resolve,
};
use omics_introspect::error::Error;
use tokio::net::TcpListener;

/// Address `local-api` listens on when `LOCAL_API_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

/// Environment variable naming the listen address.
pub const ADDR_VAR: &str = "LOCAL_API_ADDR";

/// Largest request body read; the API's routes take none.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Hands a routed request to the handler of `route.function`. New routes add one arm here.
pub async fn dispatch(state: &ApiState, route: &Route, request: Request) -> Response<Body> {
    match route.function {
        "list-runs" => list_runs(state, request).await,
        "get-run" => get_run(state, request).await,
        "list-run-tasks" => list_run_tasks(state, request).await,
        "get-run-task" => get_run_task(state, request).await,
        "get-run-report" => get_run_report(state, request).await,
        "get-run-manifest" => get_run_manifest(state, request).await,
        "get-run-timeline" => get_run_timeline(state, request).await,
        "compare-runs" => compare_runs(state, request).await,
        other => RequestScope::start(other, &request).finish(Err(Error::Internal(format!(
            "local-api has no handler wired for function {other}"
        )))),
    }
}

/// Routes one request: resolves its route, attaches path and query parameters as API Gateway does, and
/// dispatches; 404 and 405 for paths and methods no route serves.
pub async fn handle(state: &ApiState, request: Request) -> Response<Body> {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    match resolve(ROUTES, &method, &path) {
        Resolution::Found { route, params } => {
            let query: QueryMap = request
                .uri()
                .query()
                .unwrap_or_default()
                .parse()
                .unwrap_or_default();
            let request = request
                .with_path_parameters(params)
                .with_query_string_parameters(query);
            dispatch(state, route, request).await
        }
        Resolution::MethodNotAllowed { allow } => {
            let scope = RequestScope::start("-", &request);
            let response = method_not_allowed(&method, &allow, scope.request_id());
            scope.finish_response(response, None)
        }
        Resolution::NotFound => {
            let scope = RequestScope::start("-", &request);
            let response = route_not_found(&method, &path, scope.request_id());
            scope.finish_response(response, None)
        }
    }
}

/// The axum router: one fallback that converts to and from `lambda_http` types around [`handle`].
pub fn router(state: Arc<ApiState>) -> Router {
    Router::new().fallback(move |request: axum::extract::Request| {
        let state = Arc::clone(&state);
        async move { to_axum(serve_one(&state, request).await) }
    })
}

async fn serve_one(state: &ApiState, request: axum::extract::Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) if bytes.is_empty() => Body::Empty,
        Ok(bytes) => Body::Binary(bytes.to_vec()),
        Err(_) => {
            let request = Request::from_parts(parts, Body::Empty);
            let scope = RequestScope::start("-", &request);
            let response = error_envelope(
                413,
                "PayloadTooLarge",
                "request body too large",
                scope.request_id(),
            );
            return scope.finish_response(response, None);
        }
    };
    handle(state, Request::from_parts(parts, body)).await
}

fn to_axum(response: Response<Body>) -> axum::response::Response {
    let (parts, body) = response.into_parts();
    let body = match body {
        Body::Text(text) => axum::body::Body::from(text),
        Body::Binary(bytes) => axum::body::Body::from(bytes),
        _ => axum::body::Body::empty(),
    };
    axum::response::Response::from_parts(parts, body)
}

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: Arc<ApiState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
