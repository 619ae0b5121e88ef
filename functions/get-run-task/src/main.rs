//! `get-run-task`: the Lambda function behind `GET /runs/{runId}/tasks/{taskId}` (API Gateway HTTP API, payload v2).
//!
//! HealthOmics GetRunTask, cacheable once the task is terminal. The handler is [`omics_introspect::api::get_run_task`]; this binary only builds
//! the state once at cold start and hands requests to it.
//!
//! Environment: the standard AWS variables (`AWS_ENDPOINT_URL_OMICS` included), `RUST_LOG` /
//! `POWERTOOLS_LOG_LEVEL`.

use lambda_http::{Error, Request, run, service_fn};
use omics_introspect::api::{ApiState, CursorNeed, get_run_task};

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let state = ApiState::from_env(CursorNeed::NotNeeded)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = &state;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(get_run_task(state, request).await)
    }))
    .await
}
