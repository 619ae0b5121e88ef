//! `get-run-report-link`: the Lambda function behind `GET /runs/{runId}/report/link` (API Gateway HTTP API, payload v2).
//!
//! Wiring only: the state its route needs, built once at cold start (a missing setting stops it, named), and
//! the router of its route ([`omics_introspect::api::router_for`]); the handler and everything around it live in
//! `omics_introspect::api`.

use lambda_http::{Error, run};
use omics_introspect::api::{router_for, state_for};

const FUNCTION: &str = "get-run-report-link";

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    let router = state_for(FUNCTION)
        .await
        .and_then(|state| router_for(FUNCTION, state))
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    run(router).await
}
