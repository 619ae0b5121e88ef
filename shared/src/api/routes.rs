//! The route table and the routers built from it.
//!
//! [`ROUTES`] is the one list of the API: method, path (API Gateway's template syntax, which is also axum's), the
//! Lambda function serving it, its IAM actions, what its state needs, and its handler. A new route is one entry
//! here plus its handler in [`super::handlers`]. From it:
//!
//! - [`router`]: every route (`local-api`, tests); [`router_for`]: one function's routes (each Lambda `main`).
//! - `template.yaml`, `openapi.yaml` and [`crate::iam`] are checked against it (`tests/tests/template_consistency.rs`,
//!   `spec_tests.rs`).
//!
//! Every router answers unknown paths 404 and other methods 405 with `Allow`, in the error envelope, and passes
//! every request through [`observe`] (request id, `Server-Timing`, access log line).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, Uri};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

use super::handlers;
use super::observe::{ReceivedMethod, current_request_id, observe, record_route};
use super::response::{error_envelope, method_not_allowed, route_not_found, unknown_route};
use super::state::{ApiState, CursorNeed, SharedState};
use crate::analysis::prices;
use crate::error::{Error, Result};
use crate::manifest::ManifestPages;
use crate::omics::HealthOmics;
use crate::store::{
    FleetDays, FleetIndex, LiveBatches, LiveRuns, RecentRuns, ReportStore, RunPages, SummaryStore,
};

/// Largest request body read; the API's routes take none.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One API route: `method path_template`, served by `function`'s Lambda with `handler`.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// HTTP method, upper case (`GET`).
    pub method: &'static str,
    /// Path template in API Gateway syntax, e.g. `/runs/{runId}/tasks/{taskId}`.
    pub path_template: &'static str,
    /// Name of the Lambda function (and of its crate in `functions/`).
    pub function: &'static str,
    /// Every IAM action the handler can call (the function's policy in `template.yaml` grants exactly these).
    pub actions: &'static [&'static str],
    /// Whether the function needs `CURSOR_SECRET` (list routes refuse to start without it).
    pub cursor: CursorNeed,
    /// Whether the function reads stored records (refuses to start without the table and bucket names).
    pub stored_records: bool,
    /// Whether it reads the fleet table (`FLEET_TABLE_NAME`: day buckets, recent runs).
    pub fleet_table: bool,
    /// Whether it reads the live table (`LIVE_TABLE_NAME`: live runs, run batches' status).
    pub live_table: bool,
    /// The handler, registered for a method.
    pub handler: fn(MethodFilter) -> MethodRouter<SharedState>,
}

impl Route {
    /// The API Gateway route key, e.g. `GET /runs/{runId}`.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path_template)
    }
}

/// The stored record: the item (by uuid, or every item of the id for the latest), then its object.
const STORED_RECORD: &[&str] = &[
    SummaryStore::GET_ITEM,
    SummaryStore::QUERY,
    ReportStore::GET_OBJECT,
    ReportStore::GET_OBJECT_VERSION,
];

/// The stored record, or its page (`?format=html`: HEAD, GET and the presigned GET of `report.html`).
const STORED_RECORD_AND_PAGE: &[&str] = &[
    SummaryStore::GET_ITEM,
    SummaryStore::QUERY,
    ReportStore::GET_OBJECT,
    ReportStore::GET_OBJECT_VERSION,
    RunPages::GET_OBJECT,
];

/// Every route of the API, in the order the OpenAPI document lists them.
pub static ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path_template: "/runs",
        function: "list-runs",
        actions: &[HealthOmics::LIST_RUNS],
        cursor: CursorNeed::Required,
        stored_records: false,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::list_runs),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}",
        function: "get-run",
        actions: &[HealthOmics::GET_RUN],
        cursor: CursorNeed::NotNeeded,
        stored_records: false,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::get_run),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/tasks",
        function: "list-run-tasks",
        actions: &[HealthOmics::LIST_RUN_TASKS],
        cursor: CursorNeed::Required,
        stored_records: false,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::list_run_tasks),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/tasks/{taskId}",
        function: "get-run-task",
        actions: &[HealthOmics::GET_RUN_TASK],
        cursor: CursorNeed::NotNeeded,
        stored_records: false,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::get_run_task),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/report",
        function: "get-run-report",
        actions: STORED_RECORD_AND_PAGE,
        cursor: CursorNeed::NotNeeded,
        stored_records: true,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::get_run_report),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/report/link",
        function: "get-run-report-link",
        // The stored record's item (its uuid), then the page: HEAD (whether it is drawn) and the presigned GET,
        // both `s3:GetObject`.
        actions: &[
            SummaryStore::GET_ITEM,
            SummaryStore::QUERY,
            RunPages::GET_OBJECT,
        ],
        cursor: CursorNeed::NotNeeded,
        stored_records: true,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::get_run_report_link),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/manifest",
        function: "get-run-manifest",
        // GetRun for the uuid when `?uuid=` is absent, then the manifest stream.
        actions: &[HealthOmics::GET_RUN, ManifestPages::GET_LOG_EVENTS],
        cursor: CursorNeed::Required,
        stored_records: false,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::get_run_manifest),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/timeline",
        function: "get-run-timeline",
        actions: STORED_RECORD,
        cursor: CursorNeed::NotNeeded,
        stored_records: true,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::get_run_timeline),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/progress",
        function: "get-run-progress",
        // The live run's items, its workflow's recent runs, the stored record's item (final or not), the names
        // of running tasks.
        actions: &[
            LiveRuns::QUERY,
            RecentRuns::GET_ITEM,
            SummaryStore::GET_ITEM,
            SummaryStore::QUERY,
            HealthOmics::LIST_RUN_TASKS,
        ],
        cursor: CursorNeed::NotNeeded,
        stored_records: false,
        fleet_table: true,
        live_table: true,
        handler: |method| on(method, handlers::get_run_progress),
    },
    Route {
        method: "GET",
        path_template: "/runs/{runId}/compare/{otherRunId}",
        function: "compare-runs",
        // Two stored records; at cold start, the price table when `PRICES_URI` names an S3 object.
        actions: &[
            SummaryStore::GET_ITEM,
            SummaryStore::QUERY,
            ReportStore::GET_OBJECT,
            ReportStore::GET_OBJECT_VERSION,
            prices::GET_OBJECT,
        ],
        cursor: CursorNeed::NotNeeded,
        stored_records: true,
        fleet_table: false,
        live_table: false,
        handler: |method| on(method, handlers::compare_runs),
    },
    Route {
        method: "GET",
        path_template: "/reports",
        function: "query-fleet",
        actions: FLEET_INDEX,
        cursor: CursorNeed::Required,
        stored_records: true,
        fleet_table: true,
        live_table: true,
        handler: |method| on(method, handlers::list_reports),
    },
    Route {
        method: "GET",
        path_template: "/fleet/summary",
        function: "query-fleet",
        actions: FLEET_INDEX,
        cursor: CursorNeed::Required,
        stored_records: true,
        fleet_table: true,
        live_table: true,
        handler: |method| on(method, handlers::fleet_summary),
    },
    Route {
        method: "GET",
        path_template: "/batches/{batchId}",
        function: "query-fleet",
        actions: FLEET_INDEX,
        cursor: CursorNeed::Required,
        stored_records: true,
        fleet_table: true,
        live_table: true,
        handler: |method| on(method, handlers::get_batch),
    },
    Route {
        method: "GET",
        path_template: "/workflows/{workflowId}/profile",
        function: "query-fleet",
        actions: FLEET_INDEX,
        cursor: CursorNeed::Required,
        stored_records: true,
        fleet_table: true,
        live_table: true,
        handler: |method| on(method, handlers::workflow_profile_route),
    },
];

/// The fleet routes read DynamoDB only (no S3 report, no HealthOmics): the runs table's indexes and the whole
/// item of a run written before fleet rows were kept, a batch's live status, the fleet table's day buckets and
/// recent runs; at cold start, the price table when `PRICES_URI` names an S3 object (the profile prices its
/// recommendations).
const FLEET_INDEX: &[&str] = &[
    FleetIndex::QUERY,
    LiveBatches::GET_ITEM,
    FleetDays::QUERY,
    RecentRuns::GET_ITEM,
    SummaryStore::GET_ITEM,
    prices::GET_OBJECT,
];

/// The route of `function`, if it serves one.
pub fn route_of(function: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|route| route.function == function)
}

/// The state of the Lambda function `function`, from the environment, checked for what its route needs
/// (`CURSOR_SECRET`, the table and bucket names): a missing setting fails the cold start, naming it.
pub async fn state_for(function: &str) -> Result<SharedState> {
    let route = route_of(function)
        .ok_or_else(|| Error::Internal(format!("no route is served by {function}")))?;
    let state = ApiState::from_env(route.cursor).await?;
    let state = if route.stored_records {
        state.require_stored_records()?
    } else {
        state
    };
    if route.fleet_table {
        state.config.fleet_table()?;
    }
    if route.live_table {
        // The live routes also look up the run's stored record (or the batch's stored runs).
        state.config.live_table()?;
        state.config.runs_table()?;
    }
    Ok(Arc::new(state))
}

/// Every route, on one router (`local-api`, tests).
pub fn router(state: SharedState) -> Router {
    build(ROUTES.iter(), state)
}

/// The routes of the Lambda function `function` (each `main` serves this); an internal error for a name without
/// a route (a wiring bug).
pub fn router_for(function: &str, state: SharedState) -> Result<Router> {
    let routes: Vec<&'static Route> = ROUTES
        .iter()
        .filter(|route| route.function == function)
        .collect();
    if routes.is_empty() {
        return Err(Error::Internal(format!("no route is served by {function}")));
    }
    Ok(build(routes.into_iter(), state))
}

/// Runs the Lambda function `function` (each route function's `main`, after its logging): its state built once at
/// cold start and its routes served with `lambda_http::run` until the runtime stops. A missing setting stops the
/// start, named in the log and in the error the runtime reports.
pub async fn serve_function(function: &str) -> std::result::Result<(), lambda_http::Error> {
    let router = state_for(function)
        .await
        .and_then(|state| router_for(function, state))
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    lambda_http::run(router).await
}

fn build<'a>(routes: impl Iterator<Item = &'a Route>, state: SharedState) -> Router {
    let mut by_path: BTreeMap<&str, Vec<&Route>> = BTreeMap::new();
    for route in routes {
        by_path.entry(route.path_template).or_default().push(route);
    }
    let mut inner = Router::new();
    for (path, routes) in by_path {
        inner = inner.route(path, method_router(&routes));
    }
    let inner = inner
        .fallback(unknown_route)
        .layer(from_fn(record_matched_route))
        .with_state(state);
    // Before routing: the body limit, the stage prefix and the method's case; around all of it, the observer.
    Router::new()
        .fallback_service(inner)
        .layer(from_fn(before_routing))
        .layer(from_fn(observe))
}

/// One path's methods; any other method (`HEAD` included, which axum would otherwise give to `GET`) is 405.
fn method_router(routes: &[&Route]) -> MethodRouter<SharedState> {
    let allow = routes
        .iter()
        .map(|route| route.method)
        .collect::<Vec<_>>()
        .join(", ");
    let mut methods = MethodRouter::new();
    for route in routes {
        let filter = Method::from_bytes(route.method.as_bytes())
            .ok()
            .and_then(|method| MethodFilter::try_from(method).ok())
            .unwrap_or(MethodFilter::GET);
        methods = methods.merge((route.handler)(filter));
    }
    let not_allowed = move |method: Method| {
        let allow = allow.clone();
        async move { method_not_allowed(method.as_str(), &allow, &current_request_id()) }
    };
    if !routes.iter().any(|route| route.method == "HEAD") {
        methods = methods.head(not_allowed.clone());
    }
    methods.fallback(not_allowed)
}

/// Records the matched route for the access log line.
async fn record_matched_route(request: Request, next: Next) -> Response {
    if let Some(matched) = request.extensions().get::<MatchedPath>() {
        record_route(matched.as_str());
    }
    next.run(request).await
}

/// What happens before routing:
/// - a body over [`MAX_BODY_BYTES`] is 413 (the routes take none);
/// - a path with an empty segment (`/runs//tasks`, `/runs/`) is 404;
/// - the stage prefix API Gateway leaves in the path of a named stage (`/Stage/runs/1`) is removed, so the
///   template paths match (the access log line, written outside, keeps the path as received);
/// - a method named in another case than a route's (`get`) is that route's method, as API Gateway treats it.
async fn before_routing(request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => axum::body::Body::from(bytes),
        Err(_) => {
            return error_envelope(
                413,
                "PayloadTooLarge",
                "request body too large",
                &current_request_id(),
            );
        }
    };
    // An empty segment never matches a parameter (the router would give `{runId}` an empty value).
    if parts.uri.path().len() > 1 && parts.uri.path().split('/').skip(1).any(str::is_empty) {
        let method = parts.method.as_str();
        return route_not_found(method, parts.uri.path(), &current_request_id());
    }
    if let Some(route) = ROUTES.iter().find(|route| {
        route.method != parts.method.as_str()
            && route.method.eq_ignore_ascii_case(parts.method.as_str())
    }) && let Ok(method) = Method::from_bytes(route.method.as_bytes())
    {
        let received = std::mem::replace(&mut parts.method, method);
        parts.extensions.insert(ReceivedMethod(received));
    }
    let stage = match parts.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.stage.clone(),
        _ => None,
    };
    if let Some(stripped) = stage.and_then(|stage| without_stage(&parts.uri, &stage)) {
        parts.uri = stripped;
    }
    next.run(Request::from_parts(parts, body)).await
}

/// `uri` without its leading `/<stage>` segment, when it has one (never for `$default`).
fn without_stage(uri: &Uri, stage: &str) -> Option<Uri> {
    if stage.is_empty() || stage == "$default" {
        return None;
    }
    let rest = uri.path().strip_prefix('/')?.strip_prefix(stage)?;
    if !rest.starts_with('/') {
        return None;
    }
    let path_and_query = match uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests;
