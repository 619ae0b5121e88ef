//! AWS rest-json error responses: HTTP status, `x-amzn-ErrorType` header and a `{"message": ...}` body.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Name of the header the AWS SDKs read the error code from.
pub const ERROR_TYPE_HEADER: &str = "x-amzn-ErrorType";

/// An error answered in the shape the HealthOmics service uses, so SDKs map it to their typed exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// Error code, e.g. `ValidationException`; sent in `x-amzn-ErrorType`.
    pub kind: &'static str,
    /// Human-readable message; sent as the body's `message`.
    pub message: String,
}

impl ApiError {
    /// An error with any status and code.
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
        }
    }

    /// 400 `ValidationException`: the request broke an input constraint.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    /// 404 `ResourceNotFoundException`: the run or task does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    /// 429 `ThrottlingException`: an injected throttle (retryable for the SDKs).
    pub fn throttling(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            message,
        )
    }

    /// 500 `InternalServerException`: an injected server fault.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            message,
        )
    }

    /// 404 `UnknownOperationException`: no operation is routed at this method and path.
    pub fn unknown_operation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "UnknownOperationException", message)
    }

    /// 502 `BadGatewayException`: a downstream service (CloudWatch Logs) failed while seeding.
    pub fn bad_gateway(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "BadGatewayException", message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.kind,
            self.status.as_u16(),
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(ERROR_TYPE_HEADER, HeaderValue::from_static(self.kind));
        response
    }
}
