//! One request from start to response: its request id, timings, the access log line, and the final headers.
//!
//! Every response leaves through [`RequestScope::finish_response`], which adds `Server-Timing` (`upstream` = time
//! spent in AWS calls, `total` = time in the handler) and writes the one structured log line per request:
//! `function, route, method, path, runId, taskId, statusCode, latencyMs, upstreamMs, requestId` (+ `errorCode` and
//! `error`, the internal detail, on errors). 5xx lines are logged at ERROR level, everything else at INFO.

use std::future::Future;
use std::time::{Duration, Instant};

use lambda_http::http::header::{CACHE_CONTROL, ETAG, HeaderName, IF_NONE_MATCH};
use lambda_http::http::{Response, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use serde::Serialize;

use super::caching::{IMMUTABLE, etag, if_none_match_matches};
use super::response::{NO_STORE, error_response, json_response, set_header};
use super::routes::ROUTES;
use crate::error::{Error, Result};

/// A successful answer, before it becomes a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    body: String,
    immutable: bool,
}

impl Reply {
    /// A 200 JSON reply that may change later (`Cache-Control: no-store`).
    pub fn json<T: Serialize>(value: &T) -> Result<Self> {
        serde_json::to_string(value)
            .map(|body| Self {
                body,
                immutable: false,
            })
            .map_err(|e| Error::Internal(format!("serializing the response: {e}")))
    }

    /// Marks the reply as never changing (a terminal run or task): it gets an `ETag` and a cache lifetime, and a
    /// matching `If-None-Match` turns it into 304.
    pub fn immutable_if(mut self, terminal: bool) -> Self {
        self.immutable = terminal;
        self
    }
}

/// The request id: API Gateway's (request context), else Lambda's (invocation context), else a new UUID.
pub fn request_id(request: &Request) -> String {
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

/// The state of one request between its arrival and its response.
#[derive(Debug)]
pub struct RequestScope {
    function: &'static str,
    route: &'static str,
    method: String,
    path: String,
    request_id: String,
    if_none_match: Option<String>,
    started: Instant,
    upstream: Duration,
    run_id: Option<String>,
    task_id: Option<String>,
}

impl RequestScope {
    /// Starts timing `request` for the function `function` (its route key is looked up in [`ROUTES`]).
    pub fn start(function: &'static str, request: &Request) -> Self {
        let route = ROUTES
            .iter()
            .find(|route| route.function == function)
            .map_or(function, |route| route.path_template);
        Self {
            function,
            route,
            method: request.method().as_str().to_owned(),
            path: request.uri().path().chars().take(200).collect(),
            request_id: request_id(request),
            if_none_match: request
                .headers()
                .get(IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            started: Instant::now(),
            upstream: Duration::ZERO,
            run_id: None,
            task_id: None,
        }
    }

    /// This request's id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Records the run id for the log line.
    pub fn set_run_id(&mut self, run_id: &str) {
        self.run_id = Some(run_id.to_owned());
    }

    /// Records the task id for the log line.
    pub fn set_task_id(&mut self, task_id: &str) {
        self.task_id = Some(task_id.to_owned());
    }

    /// Awaits an upstream call, adding its duration to the request's upstream time.
    pub async fn upstream<F: Future>(&mut self, call: F) -> F::Output {
        let started = Instant::now();
        let output = call.await;
        self.upstream += started.elapsed();
        output
    }

    /// Turns a handler's outcome into the response (caching headers, 304, error envelope) and logs it.
    pub fn finish(self, outcome: Result<Reply>) -> Response<Body> {
        match outcome {
            Ok(reply) => {
                let response = self.reply_response(reply);
                self.finish_response(response, None)
            }
            Err(error) => {
                let response = error_response(&error, &self.request_id);
                self.finish_response(response, Some(&error))
            }
        }
    }

    fn reply_response(&self, reply: Reply) -> Response<Body> {
        if !reply.immutable {
            let mut response = json_response(200, reply.body);
            set_header(&mut response, CACHE_CONTROL, NO_STORE);
            return response;
        }
        let tag = etag(reply.body.as_bytes());
        let not_modified = self
            .if_none_match
            .as_deref()
            .is_some_and(|header| if_none_match_matches(header, &tag));
        let mut response = if not_modified {
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else {
            json_response(200, reply.body)
        };
        set_header(&mut response, ETAG, &tag);
        set_header(&mut response, CACHE_CONTROL, IMMUTABLE);
        response
    }

    /// Adds `Server-Timing` to `response` and writes the access log line; `error` adds its code and (internal)
    /// detail to the line.
    pub fn finish_response(
        self,
        mut response: Response<Body>,
        error: Option<&Error>,
    ) -> Response<Body> {
        let total = self.started.elapsed();
        let timing = format!(
            "upstream;dur={:.3}, total;dur={:.3}",
            millis(self.upstream),
            millis(total)
        );
        set_header(
            &mut response,
            HeaderName::from_static("server-timing"),
            &timing,
        );
        let status = response.status().as_u16();
        let error_code = error.map(Error::code);
        let error_detail = error.map(ToString::to_string);
        macro_rules! access_log {
            ($level:ident) => {
                tracing::$level!(
                    function = self.function,
                    route = self.route,
                    method = %self.method,
                    path = %self.path,
                    runId = self.run_id.as_deref(),
                    taskId = self.task_id.as_deref(),
                    statusCode = status,
                    latencyMs = millis(total),
                    upstreamMs = millis(self.upstream),
                    requestId = %self.request_id,
                    errorCode = error_code,
                    error = error_detail.as_deref(),
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
}

/// Milliseconds, rounded to the microsecond (keeps log lines short).
fn millis(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

#[cfg(test)]
mod tests {
    use lambda_http::http;

    use super::*;

    fn request(if_none_match: Option<&str>) -> Request {
        let mut builder = http::Request::builder().uri("/runs/1");
        if let Some(value) = if_none_match {
            builder = builder.header("if-none-match", value);
        }
        builder.body(Body::Empty).unwrap()
    }

    fn header<'a>(response: &'a Response<Body>, name: &str) -> Option<&'a str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn request_id_prefers_api_gateway_then_lambda_then_generates() {
        let event = include_str!("../../../events/get-run.json");
        let from_gateway = lambda_http::request::from_str(event).unwrap();
        assert_eq!(request_id(&from_gateway), "Jv2yahbBoAMEbPQ=");

        let mut context = lambda_http::Context::default();
        context.request_id = "lambda-req".into();
        let from_lambda = request(None).with_lambda_context(context);
        assert_eq!(request_id(&from_lambda), "lambda-req");

        let generated = request_id(&request(None));
        assert_eq!(generated.len(), 36, "{generated}");
        assert_ne!(generated, request_id(&request(None)));
    }

    #[test]
    fn mutable_replies_are_not_stored() {
        let reply = Reply::json(&serde_json::json!({"status": "RUNNING"})).unwrap();
        let response = RequestScope::start("get-run", &request(Some("*"))).finish(Ok(reply));
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "cache-control"), Some("no-store"));
        assert!(header(&response, "etag").is_none());
        assert!(
            header(&response, "server-timing")
                .unwrap()
                .starts_with("upstream;dur=")
        );
    }

    #[test]
    fn immutable_replies_get_etag_and_304() {
        let reply = Reply::json(&serde_json::json!({"status": "COMPLETED"}))
            .unwrap()
            .immutable_if(true);
        let first = RequestScope::start("get-run", &request(None)).finish(Ok(reply.clone()));
        assert_eq!(first.status(), 200);
        assert_eq!(header(&first, "cache-control"), Some(IMMUTABLE));
        let tag = header(&first, "etag").unwrap().to_owned();

        let again = RequestScope::start("get-run", &request(Some(&tag))).finish(Ok(reply.clone()));
        assert_eq!(again.status(), 304);
        assert_eq!(header(&again, "etag"), Some(tag.as_str()));
        assert_eq!(header(&again, "cache-control"), Some(IMMUTABLE));
        assert!(again.body().is_empty());

        let stale = RequestScope::start("get-run", &request(Some("\"old\""))).finish(Ok(reply));
        assert_eq!(stale.status(), 200);
    }

    #[test]
    fn errors_use_the_scope_request_id() {
        let scope = RequestScope::start("get-run", &request(None));
        let id = scope.request_id().to_owned();
        let response = scope.finish(Err(Error::invalid("runId", "bad")));
        assert_eq!(response.status(), 400);
        let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        assert_eq!(body["error"]["requestId"], id);
    }
}
