//! The HTTP API behind API Gateway (HTTP API, payload v2): one axum router built from one route table.
//!
//! The Lambda binaries in `functions/` each serve [`router_for`] their function with `lambda_http::run`
//! ([`serve_function`]);
//! `local-api` serves [`router`] (every route) with `axum::serve`; tests send requests through either.
//!
//! - [`routes`]: the route table ([`ROUTES`]: method, path, function, IAM actions, handler) and the routers.
//! - [`handlers`]: one axum handler per route.
//! - [`extract`]: typed path and query extractors whose rejections are 400s naming the parameter.
//! - [`observe`]: the layer around every request: request id, `Server-Timing`, the access log line.
//! - [`response`]: the JSON error envelope; `IntoResponse for Error`.
//! - [`caching`]: `ETag`, `Cache-Control` and 304 (the one helper, [`caching::cached_response`]).
//! - [`state`]: [`ApiState`], built once per process.
//! - [`query`]: bounded, validated query parameters; [`fleet_query`]: the fleet routes' window, grouping and ids.
//! - [`cursor`]: opaque HMAC-signed pagination cursors (`CURSOR_SECRET`).

pub mod caching;
pub mod cursor;
pub mod extract;
pub mod fleet_query;
pub mod handlers;
pub mod observe;
pub mod query;
pub mod response;
pub mod routes;
pub mod state;

#[cfg(test)]
mod spec_tests;

pub use cursor::{CURSOR_SECRET_VAR, CursorKey, CursorScope};
pub use routes::{ROUTES, Route, route_of, router, router_for, serve_function, state_for};
pub use state::{ApiState, CursorNeed, SharedState};
