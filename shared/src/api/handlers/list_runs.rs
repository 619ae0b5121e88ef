//! `GET /runs` → HealthOmics `ListRuns`, one page per request.

use lambda_http::{Body, Request, Response};

use super::ListBody;
use crate::api::cursor::CursorScope;
use crate::api::query::{LIST_RUNS_PARAMS, QueryParams};
use crate::api::scope::{Reply, RequestScope};
use crate::api::state::ApiState;
use crate::error::Result;
use crate::omics::{ListRunsFilter, PageRequest};

/// Function name of this route.
pub const FUNCTION: &str = "list-runs";

/// One page of runs, filtered by `status`, `name` (prefix) and `runGroupId`.
pub async fn list_runs(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(FUNCTION, &request);
    let outcome = handle(state, &request, &mut scope).await;
    scope.finish(outcome)
}

async fn handle(state: &ApiState, request: &Request, scope: &mut RequestScope) -> Result<Reply> {
    let query = QueryParams::from_request(request, LIST_RUNS_PARAMS)?;
    let limit = query.limit()?;
    let filter = ListRunsFilter {
        name: query.name()?,
        status: query.run_status()?,
        run_group_id: query.run_group_id()?,
    };
    let cursor_scope = CursorScope::new(FUNCTION)
        .bind("name", filter.name.as_deref())
        .bind("status", filter.status.as_ref().map(|s| s.as_str()))
        .bind(
            "runGroupId",
            filter.run_group_id.as_ref().map(|id| id.as_str()),
        );
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
        .upstream(state.omics.list_runs(&filter, &page_request))
        .await?;
    Reply::json(&ListBody {
        items: page.items,
        next_cursor: page.next_token.map(|token| key.seal(&cursor_scope, &token)),
    })
}
