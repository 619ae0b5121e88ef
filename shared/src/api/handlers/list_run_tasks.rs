//! `GET /runs/{runId}/tasks` → HealthOmics `ListRunTasks`, one page per request.

use lambda_http::{Body, Request, Response};

use super::{ListBody, run_id_param};
use crate::api::cursor::CursorScope;
use crate::api::query::{LIST_RUN_TASKS_PARAMS, QueryParams};
use crate::api::scope::{Reply, RequestScope};
use crate::api::state::ApiState;
use crate::error::Result;
use crate::omics::PageRequest;

/// Function name of this route.
pub const FUNCTION: &str = "list-run-tasks";

/// One page of a run's tasks, optionally filtered by `status`.
pub async fn list_run_tasks(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(FUNCTION, &request);
    let outcome = handle(state, &request, &mut scope).await;
    scope.finish(outcome)
}

async fn handle(state: &ApiState, request: &Request, scope: &mut RequestScope) -> Result<Reply> {
    let run_id = run_id_param(request, scope)?;
    let query = QueryParams::from_request(request, LIST_RUN_TASKS_PARAMS)?;
    let limit = query.limit()?;
    let status = query.task_status()?;
    let cursor_scope = CursorScope::new(FUNCTION)
        .bind("runId", Some(run_id.as_str()))
        .bind("status", status.as_ref().map(|s| s.as_str()));
    let key = state.cursor_key()?;
    let starting_token = query
        .cursor()?
        .map(|cursor| key.open(&cursor_scope, cursor))
        .transpose()?;
    let page_request = PageRequest {
        starting_token,
        max_results: Some(limit),
    };
    let page = scope
        .upstream(
            state
                .omics
                .list_run_tasks(&run_id, status.as_ref(), &page_request),
        )
        .await?;
    Reply::json(&ListBody {
        items: page.items,
        next_cursor: page.next_token.map(|token| key.seal(&cursor_scope, &token)),
    })
}
