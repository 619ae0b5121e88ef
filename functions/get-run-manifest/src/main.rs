//! `get-run-manifest`: the Lambda function behind `GET /runs/{runId}/manifest` (API Gateway HTTP API, payload v2).
//!
//! The run manifest read live from its exact stream `manifest/run/<id>/<uuid>` (uuid from `?uuid=` or GetRun),
//! task records paged with `limit` / `cursor`. The handler is [`omics_introspect::api::get_run_manifest`]; this
//! binary builds the state once at cold start.
//!
//! Environment: `CURSOR_SECRET` (required), `LOG_GROUP_NAME`, the standard AWS variables
//! (`AWS_ENDPOINT_URL_OMICS` included), `RUST_LOG` / `POWERTOOLS_LOG_LEVEL`.

use lambda_http::{Error, Request, run, service_fn};
use omics_introspect::api::{ApiState, CursorNeed, get_run_manifest};

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let state = ApiState::from_env(CursorNeed::Required)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = &state;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(get_run_manifest(state, request).await)
    }))
    .await
}
