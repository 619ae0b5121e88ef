//! `local-api` as a library: the HTTP server, so integration tests can serve the API on a real socket inside the
//! test process.
//!
//! It serves [`omics_introspect::api::router`], the router of every route, built from the same table and
//! handlers as each Lambda function's: unknown paths get 404, known paths with another method 405 with `Allow`.

use std::future::Future;
use std::sync::Arc;

use omics_introspect::api::{ApiState, router};
use tokio::net::TcpListener;

/// Address `local-api` listens on when `LOCAL_API_ADDR` is not set.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

/// Environment variable naming the listen address.
pub const ADDR_VAR: &str = "LOCAL_API_ADDR";

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
