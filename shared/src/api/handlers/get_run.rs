//! `GET /runs/{runId}` → HealthOmics `GetRun`.

use lambda_http::{Body, Request, Response};

use super::run_id_param;
use crate::api::query::QueryParams;
use crate::api::scope::{Reply, RequestScope};
use crate::api::state::ApiState;
use crate::error::Result;
use crate::status::RunStatus;

/// Function name of this route.
pub const FUNCTION: &str = "get-run";

/// Every member of the run; a terminal run is cacheable (`ETag`, 304 on `If-None-Match`).
pub async fn get_run(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(FUNCTION, &request);
    let outcome = handle(state, &request, &mut scope).await;
    scope.finish(outcome)
}

async fn handle(state: &ApiState, request: &Request, scope: &mut RequestScope) -> Result<Reply> {
    let run_id = run_id_param(request, scope)?;
    QueryParams::from_request(request, &[])?;
    let run = scope.upstream(state.omics.get_run(&run_id)).await?;
    let terminal = run.status.as_ref().is_some_and(RunStatus::is_terminal);
    Ok(Reply::json(&run)?.immutable_if(terminal))
}
