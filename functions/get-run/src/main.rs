//! `get-run`: the Lambda function behind `GET /runs/{runId}` (API Gateway HTTP API, payload v2).
//!
//! HealthOmics GetRun, cacheable once the run is terminal. The handler is [`omics_introspect::api::get_run`]; this binary only builds
//! the state once at cold start and hands requests to it.
//!
//! Environment: the standard AWS variables (`AWS_ENDPOINT_URL_OMICS` included), `RUST_LOG` /
//! `POWERTOOLS_LOG_LEVEL`.

use lambda_http::{Error, Request, run, service_fn};
use omics_introspect::api::{ApiState, CursorNeed, get_run};

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let state = ApiState::from_env(CursorNeed::NotNeeded)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = &state;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(get_run(state, request).await)
    }))
    .await
}
