//! `GET /runs/{runId}/tasks` → HealthOmics `ListRunTasks`, one page per request.

use axum::extract::State;
use axum::response::Response;

use super::ListBody;
use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::cursor::CursorScope;
use crate::api::extract::{IfNoneMatch, Query, RouteQuery, RunPath};
use crate::api::observe::upstream;
use crate::api::query::{LIST_RUN_TASKS_PARAMS, QueryParams};
use crate::api::state::SharedState;
use crate::error::Result;
use crate::omics::PageRequest;
use crate::status::TaskStatus;

/// Function name the cursors of this route are bound to.
const FUNCTION: &str = "list-run-tasks";

/// `limit`, `status`, and the raw parameters (the cursor is checked against its key).
#[derive(Debug)]
pub struct ListRunTasksQuery {
    limit: i32,
    status: Option<TaskStatus>,
    params: QueryParams,
}

impl RouteQuery for ListRunTasksQuery {
    const ALLOWED: &'static [&'static str] = LIST_RUN_TASKS_PARAMS;

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            limit: query.limit()?,
            status: query.task_status()?,
            params: query.clone(),
        })
    }
}

/// One page of a run's tasks, optionally filtered by `status`.
pub async fn list_run_tasks(
    State(state): State<SharedState>,
    RunPath(run_id): RunPath,
    Query(query): Query<ListRunTasksQuery>,
) -> Result<Response> {
    let status = query.status.as_ref();
    let cursor_scope = CursorScope::new(FUNCTION)
        .bind("runId", Some(run_id.as_str()))
        .bind("status", status.map(|s| s.as_str()));
    let key = state.cursor_key()?;
    let starting_token = query
        .params
        .cursor()?
        .map(|cursor| key.open(&cursor_scope, cursor))
        .transpose()?;
    let page_request = PageRequest {
        starting_token,
        max_results: Some(query.limit),
    };
    let page = upstream(state.omics.list_run_tasks(&run_id, status, &page_request)).await?;
    let body = json_body(&ListBody {
        items: page.items,
        next_cursor: page.next_token.map(|token| key.seal(&cursor_scope, &token)),
    })?;
    Ok(cached_response(
        &IfNoneMatch::default(),
        JSON,
        body,
        Freshness::NoStore,
    ))
}
