//! Building responses: JSON bodies, the error envelope, and the headers every response carries.
//!
//! Error bodies are `{"error": {"code": "...", "message": "...", "requestId": "..."}}`. The message comes from
//! [`Error::public_message`], which never carries upstream or internal text. `impl IntoResponse for Error` below is
//! the one place an error becomes a response.

use axum::Extension;
use axum::body::Body;
use axum::http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER,
};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::observe::{LoggedError, ReceivedMethod, current_request_id};
use crate::error::Error;

/// `Cache-Control` for anything that may change: error responses, lists, runs and tasks still in progress.
pub const NO_STORE: &str = "no-store";

/// A response with `status` and a JSON `body`.
pub fn json_response(status: u16, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    set_header(&mut response, CONTENT_TYPE, "application/json");
    response
}

/// The error envelope with an explicit status and code; used for errors that are not an [`Error`] (404 for an
/// unknown route, 405).
pub fn error_envelope(status: u16, code: &str, message: &str, request_id: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message, "requestId": request_id}});
    let mut response = json_response(status, body.to_string());
    set_header(&mut response, CACHE_CONTROL, NO_STORE);
    response
}

/// The response for `error`: its status, code and public message, plus `Retry-After` when throttled.
pub fn error_response(error: &Error, request_id: &str) -> Response {
    let mut response = error_envelope(
        error.http_status(),
        error.code(),
        &error.public_message(),
        request_id,
    );
    if let Some(seconds) = error.retry_after_secs() {
        set_header(&mut response, RETRY_AFTER, &seconds.to_string());
    }
    response
}

impl IntoResponse for Error {
    /// The error envelope with the current request's id; the code and internal detail ride along (as a response
    /// extension) to the access log line.
    fn into_response(self) -> Response {
        let mut response = error_response(&self, &current_request_id());
        response.extensions_mut().insert(LoggedError {
            code: self.code(),
            detail: crate::error::display_chain(&self),
        });
        response
    }
}

/// 404 for a path no route serves.
pub fn route_not_found(method: &str, path: &str, request_id: &str) -> Response {
    let shown: String = path.chars().take(100).collect();
    error_envelope(
        404,
        "RouteNotFound",
        &format!("no route for {method} {shown}"),
        request_id,
    )
}

/// 405 with `Allow` for a path served under other methods.
pub fn method_not_allowed(method: &str, allow: &str, request_id: &str) -> Response {
    let shown: String = method.chars().take(20).collect();
    let mut response = error_envelope(
        405,
        "MethodNotAllowed",
        &format!("method {shown} is not allowed here; allowed: {allow}"),
        request_id,
    );
    set_header(&mut response, ALLOW, allow);
    response
}

/// The router's fallback: [`route_not_found`] for the current request, naming the method as it was sent.
pub async fn unknown_route(
    method: Method,
    received: Option<Extension<ReceivedMethod>>,
    uri: Uri,
) -> Response {
    let method = received.map_or(method, |Extension(ReceivedMethod(method))| method);
    route_not_found(method.as_str(), uri.path(), &current_request_id())
}

/// Sets a header; a value that is not a valid header value is skipped rather than panicking.
pub fn set_header(response: &mut Response, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn body_json(response: Response) -> Value {
        let bytes =
            futures::executor::block_on(axum::body::to_bytes(response.into_body(), 1 << 20))
                .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn maps_each_error_to_status_code_and_envelope() {
        let cases: Vec<(Error, u16, &str)> = vec![
            (Error::invalid("runId", "bad"), 400, "InvalidParameter"),
            (
                Error::NotFound {
                    resource: "run",
                    id: "1".into(),
                },
                404,
                "NotFound",
            ),
            (
                Error::AccessDenied {
                    service: "HealthOmics",
                    source: "arn:aws:iam::1:role/secret".into(),
                },
                403,
                "AccessDenied",
            ),
            (
                Error::Throttled {
                    service: "HealthOmics",
                    retry_after_secs: 2,
                },
                429,
                "Throttled",
            ),
            (
                Error::Upstream {
                    service: "HealthOmics",
                    status: Some(500),
                    source: "stack trace at x.rs:1".into(),
                },
                502,
                "UpstreamError",
            ),
            (
                Error::Timeout {
                    service: "HealthOmics",
                    source: None,
                },
                504,
                "UpstreamTimeout",
            ),
            (
                Error::Internal("panicked at src/lib.rs".into()),
                500,
                "InternalError",
            ),
        ];
        for (error, status, code) in cases {
            let response = error_response(&error, "req-1");
            assert_eq!(response.status().as_u16(), status, "{error:?}");
            assert_eq!(header(&response, "content-type"), Some("application/json"));
            assert_eq!(header(&response, "cache-control"), Some("no-store"));
            let retry_after = header(&response, "retry-after").is_some();
            let body = body_json(response);
            assert_eq!(body["error"]["code"], code);
            assert_eq!(body["error"]["requestId"], "req-1");
            let message = body["error"]["message"].as_str().unwrap();
            for secret in ["arn:aws", "x.rs", "src/lib.rs"] {
                assert!(!message.contains(secret), "{message}");
            }
            assert_eq!(retry_after, status == 429);
        }
        let throttled = error_response(
            &Error::Throttled {
                service: "HealthOmics",
                retry_after_secs: 2,
            },
            "r",
        );
        assert_eq!(header(&throttled, "retry-after"), Some("2"));
        let invalid = body_json(error_response(
            &Error::invalid("runId", "must be digits"),
            "r",
        ));
        assert!(
            invalid["error"]["message"]
                .as_str()
                .unwrap()
                .contains("runId")
        );
    }

    #[test]
    fn route_errors() {
        let response = route_not_found("GET", "/nope", "r");
        assert_eq!(response.status(), 404);
        assert_eq!(body_json(response)["error"]["code"], "RouteNotFound");
        let response = method_not_allowed("DELETE", "GET", "r");
        assert_eq!(response.status(), 405);
        assert_eq!(header(&response, "allow"), Some("GET"));
    }

    #[test]
    fn errors_into_responses_carry_their_log_detail() {
        let response = Error::Internal("disk on fire".into()).into_response();
        assert_eq!(response.status(), 500);
        let logged = response.extensions().get::<LoggedError>().unwrap();
        assert_eq!(
            (logged.code, logged.detail.as_str()),
            ("InternalError", "internal error: disk on fire")
        );
        let body = body_json(response);
        assert_eq!(body["error"]["message"], "internal error");
        assert_eq!(body["error"]["requestId"].as_str().unwrap().len(), 36);
    }
}
