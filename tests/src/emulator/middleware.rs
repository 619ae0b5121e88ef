//! Per-request wrapping: a request id header on every response and one log line per request.

use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// Header AWS services use for the request id; SDKs surface it in errors and metadata.
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";

/// A random UUID-shaped request id (version 4 layout), like the service's.
fn new_request_id() -> String {
    let hi = fastrand::u64(..);
    let lo = fastrand::u64(..);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0x0fff,
        ((lo >> 48) & 0x3fff) | 0x8000,
        lo & 0xffff_ffff_ffff
    )
}

/// Adds `x-amzn-RequestId` and logs method, path, status and duration.
pub async fn request_context(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let request_id = new_request_id();
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let error_type = response
        .headers()
        .get(super::errors::ERROR_TYPE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned();
    tracing::info!(
        %method,
        %uri,
        status = response.status().as_u16(),
        error = %error_type,
        elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        request_id = %request_id,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_look_like_uuids() {
        let id = super::new_request_id();
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{id}");
        assert!(id.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
    }
}
