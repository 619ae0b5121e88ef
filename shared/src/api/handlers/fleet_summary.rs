//! `GET /fleet/summary` (`query-fleet`): stored runs of a stop-time window summed and grouped.

use axum::extract::State;
use axum::response::Response;

use super::fleet::{fleet_days, fleet_response, runs_in_window};
use crate::analysis::fleet::GroupBy;
use crate::analysis::fleet::rollup::summarize;
use crate::api::extract::{Query, RouteQuery};
use crate::api::fleet_query::{
    DEFAULT_SUMMARY_DAYS, FLEET_SUMMARY_PARAMS, Window, group_by, window,
};
use crate::api::query::QueryParams;
use crate::api::state::SharedState;
use crate::error::Result;
use crate::time::format_timestamp;

/// `from`, `to`, `groupBy`.
#[derive(Debug)]
pub struct FleetSummaryQuery {
    window: Window,
    group_by: GroupBy,
}

impl RouteQuery for FleetSummaryQuery {
    const ALLOWED: &'static [&'static str] = FLEET_SUMMARY_PARAMS;

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            window: window(query, DEFAULT_SUMMARY_DAYS)?,
            group_by: group_by(query)?,
        })
    }
}

/// Cost, waste, task-hours and failures of the window's stored runs, grouped.
pub async fn fleet_summary(
    State(state): State<SharedState>,
    Query(query): Query<FleetSummaryQuery>,
) -> Result<Response> {
    let days = fleet_days(&state)?;
    let (runs, consumed) = runs_in_window(&days, &query.window).await?;
    let from = format_timestamp(&query.window.from);
    let to = format_timestamp(&query.window.to);
    fleet_response(&summarize(&runs, query.group_by, &from, &to), consumed)
}
