//! `GET /runs` → HealthOmics `ListRuns`, one page per request.

use axum::extract::State;
use axum::response::Response;

use super::ListBody;
use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::cursor::CursorScope;
use crate::api::extract::{IfNoneMatch, Query, RouteQuery};
use crate::api::observe::upstream;
use crate::api::query::{LIST_RUNS_PARAMS, QueryParams};
use crate::api::state::SharedState;
use crate::error::Result;
use crate::omics::{ListRunsFilter, PageRequest};

/// Function name the cursors of this route are bound to.
const FUNCTION: &str = "list-runs";

/// `limit`, the filters, and the raw parameters (the cursor is checked against its key).
#[derive(Debug)]
pub struct ListRunsQuery {
    limit: i32,
    filter: ListRunsFilter,
    params: QueryParams,
}

impl RouteQuery for ListRunsQuery {
    const ALLOWED: &'static [&'static str] = LIST_RUNS_PARAMS;

    fn parse(query: &QueryParams) -> Result<Self> {
        let limit = query.limit()?;
        let filter = ListRunsFilter {
            name: query.name()?,
            status: query.run_status()?,
            run_group_id: query.run_group_id()?,
        };
        Ok(Self {
            limit,
            filter,
            params: query.clone(),
        })
    }
}

/// One page of runs, filtered by `status`, `name` (prefix) and `runGroupId`.
pub async fn list_runs(
    State(state): State<SharedState>,
    Query(query): Query<ListRunsQuery>,
) -> Result<Response> {
    let filter = &query.filter;
    let cursor_scope = CursorScope::new(FUNCTION)
        .bind("name", filter.name.as_deref())
        .bind("status", filter.status.as_ref().map(|s| s.as_str()))
        .bind(
            "runGroupId",
            filter.run_group_id.as_ref().map(|id| id.as_str()),
        );
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
    let page = upstream(state.omics.list_runs(filter, &page_request)).await?;
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
