//! `GET /runs/{runId}` → HealthOmics `GetRun`.

use axum::extract::State;
use axum::response::Response;

use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::extract::{IfNoneMatch, NoQuery, Query, RunPath};
use crate::api::observe::upstream;
use crate::api::state::SharedState;
use crate::error::Result;
use crate::status::RunStatus;

/// Every member of the run; a terminal run is cacheable (`ETag`, 304 on `If-None-Match`).
pub async fn get_run(
    State(state): State<SharedState>,
    RunPath(run_id): RunPath,
    _: Query<NoQuery>,
    if_none_match: IfNoneMatch,
) -> Result<Response> {
    let run = upstream(state.omics.get_run(&run_id)).await?;
    let terminal = run.status.as_ref().is_some_and(RunStatus::is_terminal);
    Ok(cached_response(
        &if_none_match,
        JSON,
        json_body(&run)?,
        Freshness::immutable_if(terminal),
    ))
}
