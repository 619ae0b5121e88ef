//! What the fleet routes share: the runs table's fleet indexes ([`FleetIndex`]), the fleet table's day buckets
//! ([`FleetDays`]) and recent runs ([`RecentRuns`]), and the response header that reports the DynamoDB read units
//! a request consumed.

use axum::http::HeaderValue;
use axum::response::Response;

use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::extract::IfNoneMatch;
use crate::api::fleet_query::Window;
use crate::api::observe::upstream;
use crate::api::state::ApiState;
use crate::error::Result;
use crate::record::fleet_row::FleetRow;
use crate::store::{FleetDays, FleetIndex, RecentRuns};

/// Response header with the DynamoDB read capacity units consumed by the request (for cost benchmarks).
pub const CONSUMED_RCU_HEADER: &str = "x-omics-introspect-consumed-rcu";

/// The fleet indexes of the configured runs table.
pub fn fleet_index(state: &ApiState) -> Result<FleetIndex> {
    Ok(FleetIndex::new(
        state.clients.dynamodb.clone(),
        state.config.runs_table()?,
    ))
}

/// The day buckets of the configured fleet table.
pub fn fleet_days(state: &ApiState) -> Result<FleetDays> {
    Ok(FleetDays::new(
        state.clients.dynamodb.clone(),
        state.config.fleet_table()?,
    ))
}

/// The recent runs of the configured fleet table.
pub fn recent_runs(state: &ApiState) -> Result<RecentRuns> {
    Ok(RecentRuns::new(
        state.clients.dynamodb.clone(),
        state.config.fleet_table()?,
    ))
}

/// Every stored run whose stop time is in `window`, newest first, and the read units consumed: the day buckets
/// of the window, one query per calendar year.
pub async fn runs_in_window(days: &FleetDays, window: &Window) -> Result<(Vec<FleetRow>, f64)> {
    upstream(days.rows_between(&window.from, &window.to)).await
}

/// 200 JSON of `value`, not cached, with the consumed read units.
pub fn fleet_response<T: serde::Serialize>(value: &T, consumed_rcu: f64) -> Result<Response> {
    let mut response = cached_response(
        &IfNoneMatch::default(),
        JSON,
        json_body(value)?,
        Freshness::NoStore,
    );
    if let Ok(header) = HeaderValue::from_str(&format!("{consumed_rcu}")) {
        response.headers_mut().insert(CONSUMED_RCU_HEADER, header);
    }
    Ok(response)
}
