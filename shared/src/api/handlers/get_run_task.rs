//! `GET /runs/{runId}/tasks/{taskId}` → HealthOmics `GetRunTask`.

use lambda_http::{Body, Request, Response};

use super::{run_id_param, task_id_param};
use crate::api::query::QueryParams;
use crate::api::scope::{Reply, RequestScope};
use crate::api::state::ApiState;
use crate::error::Result;
use crate::status::TaskStatus;

/// Function name of this route.
pub const FUNCTION: &str = "get-run-task";

/// Every member of one task; a terminal task is cacheable (`ETag`, 304 on `If-None-Match`).
pub async fn get_run_task(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(FUNCTION, &request);
    let outcome = handle(state, &request, &mut scope).await;
    scope.finish(outcome)
}

async fn handle(state: &ApiState, request: &Request, scope: &mut RequestScope) -> Result<Reply> {
    let run_id = run_id_param(request, scope)?;
    let task_id = task_id_param(request, scope)?;
    QueryParams::from_request(request, &[])?;
    let task = scope
        .upstream(state.omics.get_run_task(&run_id, &task_id))
        .await?;
    let terminal = task.status.as_ref().is_some_and(TaskStatus::is_terminal);
    Ok(Reply::json(&task)?.immutable_if(terminal))
}
