//! Structured JSON logs for every binary.

use tracing_subscriber::EnvFilter;

/// Installs a JSON subscriber on stdout (what Lambda ships to CloudWatch Logs).
///
/// The level comes from `RUST_LOG`, else `POWERTOOLS_LOG_LEVEL`, else `info`. Span fields (such as the request id
/// the handlers put on their span) are flattened into each line. Safe to call twice: the second call is a no-op.
/// Every binary calls it first thing, so it also emits the process's `ColdStart` metric ([`crate::metrics`]).
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| {
            EnvFilter::try_new(
                std::env::var("POWERTOOLS_LOG_LEVEL").unwrap_or_else(|_| "info".into()),
            )
        })
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .try_init();
    crate::metrics::cold_start();
}
