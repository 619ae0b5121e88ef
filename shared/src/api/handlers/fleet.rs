//! What the fleet routes share: the runs table's fleet indexes, read through [`FleetIndex`], and the response
//! header that reports the DynamoDB read units a request consumed.

use axum::http::HeaderValue;
use axum::response::Response;

use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::extract::IfNoneMatch;
use crate::api::fleet_query::Window;
use crate::api::observe::upstream;
use crate::api::state::ApiState;
use crate::error::Result;
use crate::record::EnrichmentSummary;
use crate::store::{FleetIndex, IndexFilter, IndexPartition, months_between};

/// Response header with the DynamoDB read capacity units consumed by the request (for cost benchmarks).
pub const CONSUMED_RCU_HEADER: &str = "x-omics-introspect-consumed-rcu";

/// The fleet indexes of the configured runs table.
pub fn fleet_index(state: &ApiState) -> Result<FleetIndex> {
    Ok(FleetIndex::new(
        state.clients.dynamodb.clone(),
        state.config.runs_table()?,
    ))
}

/// Every stored run whose stop time is in `window`, newest first, and the read units consumed: one query per
/// month of the window on `byStopMonth`.
pub async fn runs_in_window(
    index: &FleetIndex,
    window: &Window,
) -> Result<(Vec<EnrichmentSummary>, f64)> {
    let filter = IndexFilter {
        from: Some(window.from),
        to: Some(window.to),
        equals: Vec::new(),
    };
    let mut runs = Vec::new();
    let mut consumed = 0.0;
    for month in months_between(&window.from, &window.to) {
        let (records, rcu) =
            upstream(index.all(&IndexPartition::StopMonth(month), &filter)).await?;
        consumed += rcu;
        runs.extend(records.into_iter().map(|r| r.summary));
    }
    Ok((runs, consumed))
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
