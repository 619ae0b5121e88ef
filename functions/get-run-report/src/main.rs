//! `get-run-report`: the Lambda function behind `GET /runs/{runId}/report` (API Gateway HTTP API, payload v2).
//!
//! The stored enriched record of a run (`?uuid=` picks among runs that reused the id, default the latest); it
//! reads DynamoDB and S3 only, so it answers after HealthOmics has forgotten the run. The handler is
//! [`omics_introspect::api::get_run_report`]; this binary builds the state once at cold start.
//!
//! Environment: `RUNS_TABLE_NAME`, `REPORTS_BUCKET_NAME` (required: the function refuses to start without them),
//! the standard AWS variables, `RUST_LOG` / `POWERTOOLS_LOG_LEVEL`.

use lambda_http::{Error, Request, run, service_fn};
use omics_introspect::api::{ApiState, CursorNeed, get_run_report};

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let state = ApiState::from_env(CursorNeed::NotNeeded)
        .await
        .and_then(ApiState::require_stored_records)
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = &state;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(get_run_report(state, request).await)
    }))
    .await
}
