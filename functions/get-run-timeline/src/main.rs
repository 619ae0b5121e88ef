//! `get-run-timeline`: the Lambda function behind `GET /runs/{runId}/timeline` (API Gateway HTTP API, payload v2).
//!
//! The timeline of a stored enriched run: an SVG Gantt chart of queued and running time per task
//! (`image/svg+xml`), or with `?format=html` a self-contained HTML page around it; `?layout=tasks|lanes|groups`
//! forces a layout, `?uuid=` picks among runs that reused the id. It reads DynamoDB and S3 only. The handler is
//! [`omics_introspect::analysis::handlers::get_run_timeline`]; this binary builds the state once at cold start.
//!
//! Environment: `RUNS_TABLE_NAME`, `REPORTS_BUCKET_NAME` (required), the standard AWS variables, `RUST_LOG` /
//! `POWERTOOLS_LOG_LEVEL`.

use lambda_http::{Error, Request, run, service_fn};
use omics_introspect::analysis::handlers::get_run_timeline;
use omics_introspect::api::{ApiState, CursorNeed};

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let state = ApiState::from_env(CursorNeed::NotNeeded)
        .await
        .and_then(ApiState::require_stored_records)
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = &state;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(get_run_timeline(state, request).await)
    }))
    .await
}
