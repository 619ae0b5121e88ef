//! `list-run-tasks`: the Lambda function behind `GET /runs/{runId}/tasks` (API Gateway HTTP API, payload v2).
//!
//! HealthOmics ListRunTasks, one page per request, with signed cursors. The handler is [`omics_introspect::api::list_run_tasks`]; this binary only builds
//! the state once at cold start and hands requests to it.
//!
//! Environment: `CURSOR_SECRET` (required: signs pagination cursors), the standard AWS variables
//! (`AWS_ENDPOINT_URL_OMICS` included), `RUST_LOG` / `POWERTOOLS_LOG_LEVEL`.

use lambda_http::{Error, Request, run, service_fn};
use omics_introspect::api::{ApiState, CursorNeed, list_run_tasks};

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let state = ApiState::from_env(CursorNeed::Required)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = &state;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(list_run_tasks(state, request).await)
    }))
    .await
}
