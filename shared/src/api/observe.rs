//! The one layer every request passes through: its request id, its timings and the access log line.
//!
//! [`observe`] (an axum middleware) gives each request a [`RequestLog`] for the time it is handled (a task-local,
//! so handlers and [`crate::error::Error`]'s response need no extra argument), then adds `Server-Timing`
//! (`upstream` = time spent in AWS calls, wrapped in [`upstream`]; `total` = time in the router) and writes the one
//! structured log line per request: `function, route, method, path, runId, taskId, statusCode, latencyMs,
//! upstreamMs, requestId` (+ `errorCode` and `error`, the internal detail, on errors). 5xx lines are logged at
//! ERROR level, everything else at INFO.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

use super::response::set_header;
use super::routes::ROUTES;

tokio::task_local! {
    static CURRENT: RefCell<RequestLog>;
}

/// What the access log line of one request says, filled in while it is handled.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    request_id: String,
    function: &'static str,
    route: &'static str,
    upstream: Duration,
    run_id: Option<String>,
    task_id: Option<String>,
}

/// The method as the client sent it, when routing used its upper-case form (`get` served as `GET`).
#[derive(Debug, Clone)]
pub struct ReceivedMethod(pub axum::http::Method);

/// An error's code and internal detail, attached to its response for the access log line (never sent).
#[derive(Debug, Clone)]
pub struct LoggedError {
    /// The public error code.
    pub code: &'static str,
    /// The internal detail (the error's `Display`).
    pub detail: String,
}

/// The request id: API Gateway's (request context), else Lambda's (invocation context), else a new UUID.
pub fn request_id<B>(request: &axum::http::Request<B>) -> String {
    if let Some(RequestContext::ApiGatewayV2(context)) = request.request_context_ref()
        && let Some(id) = context.request_id.as_deref().filter(|id| !id.is_empty())
    {
        return id.to_owned();
    }
    if let Some(context) = request.lambda_context_ref()
        && !context.request_id.is_empty()
    {
        return context.request_id.clone();
    }
    uuid::Uuid::new_v4().to_string()
}

/// The id of the request being handled; a new UUID outside [`observe`] (unit tests of a response).
pub fn current_request_id() -> String {
    CURRENT
        .try_with(|log| log.borrow().request_id.clone())
        .unwrap_or_else(|_| uuid::Uuid::new_v4().to_string())
}

/// Records the route matched (its path template) and its function for the log line.
pub fn record_route(path_template: &str) {
    if let Some(route) = ROUTES.iter().find(|r| r.path_template == path_template) {
        let _ = CURRENT.try_with(|log| {
            let mut log = log.borrow_mut();
            log.function = route.function;
            log.route = route.path_template;
        });
    }
}

/// Records the run id for the log line.
pub fn record_run_id(run_id: &str) {
    let _ = CURRENT.try_with(|log| log.borrow_mut().run_id = Some(run_id.to_owned()));
}

/// Records the task id for the log line.
pub fn record_task_id(task_id: &str) {
    let _ = CURRENT.try_with(|log| log.borrow_mut().task_id = Some(task_id.to_owned()));
}

/// Awaits an upstream call, adding its duration to the request's upstream time.
pub async fn upstream<F: Future>(call: F) -> F::Output {
    let started = Instant::now();
    let output = call.await;
    let _ = CURRENT.try_with(|log| log.borrow_mut().upstream += started.elapsed());
    output
}

/// The middleware: runs the rest of the router inside the request's [`RequestLog`], then adds `Server-Timing`
/// and writes the access log line.
pub async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let path: String = request.uri().path().chars().take(200).collect();
    let log = RequestLog {
        request_id: request_id(&request),
        function: "-",
        route: "-",
        ..RequestLog::default()
    };
    let (mut response, log) = CURRENT
        .scope(RefCell::new(log), async move {
            let response = next.run(request).await;
            (response, CURRENT.with(|log| log.borrow().clone()))
        })
        .await;
    let total = started.elapsed();
    let timing = format!(
        "upstream;dur={:.3}, total;dur={:.3}",
        millis(log.upstream),
        millis(total)
    );
    set_header(
        &mut response,
        HeaderName::from_static("server-timing"),
        &timing,
    );
    let status = response.status().as_u16();
    let error = response.extensions_mut().remove::<LoggedError>();
    macro_rules! access_log {
        ($level:ident) => {
            tracing::$level!(
                function = log.function,
                route = log.route,
                method = %method,
                path = %path,
                runId = log.run_id.as_deref(),
                taskId = log.task_id.as_deref(),
                statusCode = status,
                latencyMs = millis(total),
                upstreamMs = millis(log.upstream),
                requestId = %log.request_id,
                errorCode = error.as_ref().map(|e| e.code),
                error = error.as_ref().map(|e| e.detail.as_str()),
                "request"
            )
        };
    }
    if status >= 500 {
        access_log!(error);
    } else {
        access_log!(info);
    }
    response
}

/// Milliseconds, rounded to the microsecond (keeps log lines short).
fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> axum::http::Request<()> {
        axum::http::Request::builder()
            .uri("/runs/1")
            .body(())
            .unwrap()
    }

    #[test]
    fn request_id_prefers_api_gateway_then_lambda_then_generates() {
        let event = include_str!("../../../events/get-run.json");
        let from_gateway = lambda_http::request::from_str(event).unwrap();
        assert_eq!(request_id(&from_gateway), "Jv2yahbBoAMEbPQ=");

        let mut context = lambda_http::Context::default();
        context.request_id = "lambda-req".into();
        let from_lambda = request().with_lambda_context(context);
        assert_eq!(request_id(&from_lambda), "lambda-req");

        let generated = request_id(&request());
        assert_eq!(generated.len(), 36, "{generated}");
        assert_ne!(generated, request_id(&request()));
    }

    #[tokio::test]
    async fn upstream_time_and_ids_are_recorded_inside_a_request_only() {
        // Outside a request nothing is recorded and nothing fails.
        record_run_id("1");
        assert_eq!(upstream(async { 7 }).await, 7);
        let log = RequestLog {
            request_id: "r-1".into(),
            ..RequestLog::default()
        };
        let log = CURRENT
            .scope(RefCell::new(log), async {
                record_run_id("42");
                record_task_id("7");
                upstream(tokio::time::sleep(Duration::from_millis(5))).await;
                assert_eq!(current_request_id(), "r-1");
                CURRENT.with(|log| log.borrow().clone())
            })
            .await;
        assert_eq!(log.run_id.as_deref(), Some("42"));
        assert_eq!(log.task_id.as_deref(), Some("7"));
        assert!(log.upstream >= Duration::from_millis(5), "{log:?}");
        assert_eq!(current_request_id().len(), 36);
    }
}
