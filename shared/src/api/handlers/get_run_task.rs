//! `GET /runs/{runId}/tasks/{taskId}` → HealthOmics `GetRunTask`.

use axum::extract::State;
use axum::response::Response;

use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::extract::{IfNoneMatch, NoQuery, Query, TaskPath};
use crate::api::observe::upstream;
use crate::api::state::SharedState;
use crate::error::Result;
use crate::status::TaskStatus;

/// Every member of one task; a terminal task is cacheable (`ETag`, 304 on `If-None-Match`).
pub async fn get_run_task(
    State(state): State<SharedState>,
    path: TaskPath,
    _: Query<NoQuery>,
    if_none_match: IfNoneMatch,
) -> Result<Response> {
    let task = upstream(state.omics.get_run_task(&path.run_id, &path.task_id)).await?;
    let terminal = task.status.as_ref().is_some_and(TaskStatus::is_terminal);
    Ok(cached_response(
        &if_none_match,
        JSON,
        json_body(&task)?,
        Freshness::immutable_if(terminal),
    ))
}
