//! `compare-runs`: the Lambda function behind `GET /runs/{runId}/compare/{otherRunId}` (API Gateway HTTP API,
//! payload v2).
//!
//! Compares two stored enriched runs: parameters, input and image digests, per task name duration, cost and
//! resource deltas, and totals (`?uuid=` / `?otherUuid=` pick among runs that reused an id). It reads DynamoDB
//! and S3 only. The handler is [`omics_introspect::analysis::handlers::compare_runs`]; this binary builds the
//! state and loads the price table once at cold start.
//!
//! Environment: `RUNS_TABLE_NAME`, `REPORTS_BUCKET_NAME` (required), `PRICES_URI` (a price table replacing the
//! bundled one: a file or `s3://bucket/key`), `RIGHT_SIZING_HEADROOM`, the standard AWS variables, `RUST_LOG` /
//! `POWERTOOLS_LOG_LEVEL`.

use lambda_http::{Error, Request, run, service_fn};
use omics_introspect::analysis::handlers::compare_runs;
use omics_introspect::api::{ApiState, CursorNeed};

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let state = ApiState::from_env(CursorNeed::NotNeeded)
        .await
        .and_then(ApiState::require_stored_records)
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let settings = omics_introspect::config::load_analysis_settings(&state.clients.s3)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = state.with_settings(settings);
    let state = &state;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(compare_runs(state, request).await)
    }))
    .await
}
