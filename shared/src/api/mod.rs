//! The HTTP API behind API Gateway (HTTP API, payload v2): routes, handlers and the glue between them.
//!
//! Each handler is a plain `async fn(&ApiState, lambda_http::Request) -> lambda_http::Response<Body>`: the Lambda
//! binaries in `functions/` wrap one with `lambda_http::run`, `local-api` dispatches to all of them, and tests call
//! them directly. Handlers never fail: every error becomes a JSON error response.
//!
//! - [`routes`]: the route table ([`ROUTES`]) and path matching for `local-api`.
//! - [`handlers`]: the four run and task handlers.
//! - [`report_routes`]: the enriched record (`/report`) and the live manifest (`/manifest`) of a run.
//! - [`state`]: [`ApiState`], built once per process.
//! - [`scope`]: one request's id, timings, access log line and final headers.
//! - [`query`]: bounded, validated query parameters.
//! - [`cursor`]: opaque HMAC-signed pagination cursors (`CURSOR_SECRET`).
//! - [`caching`]: `ETag`, `Cache-Control` and 304 for runs and tasks in a terminal state.
//! - [`response`]: the JSON error envelope and its status codes.

pub mod caching;
pub mod cursor;
pub mod handlers;
pub mod query;
pub mod report_routes;
pub mod response;
pub mod routes;
pub mod scope;
pub mod state;

#[cfg(test)]
mod spec_tests;

pub use cursor::{CURSOR_SECRET_VAR, CursorKey, CursorScope};
pub use handlers::{get_run, get_run_task, list_run_tasks, list_runs};
pub use report_routes::{get_run_manifest, get_run_report};
pub use routes::{ROUTES, Resolution, Route, resolve};
pub use scope::{Reply, RequestScope};
pub use state::{ApiState, CursorNeed};
