//! `GET /batches/{batchId}` (`query-fleet`): a batch's stored runs rolled up.

use axum::extract::State;
use axum::response::Response;

use super::fleet::{fleet_index, fleet_response};
use crate::analysis::fleet::batch::batch_rollup;
use crate::api::extract::{BatchPath, NoQuery, Query};
use crate::api::observe::upstream;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::store::{IndexFilter, IndexPartition};

/// The batch's runs by status, cost, failures by class, slowest and most expensive runs; 404 when none of its
/// runs is stored.
pub async fn get_batch(
    State(state): State<SharedState>,
    BatchPath(batch_id): BatchPath,
    Query(NoQuery): Query<NoQuery>,
) -> Result<Response> {
    let index = fleet_index(&state)?;
    let partition = IndexPartition::Batch(batch_id.to_string());
    let (records, consumed) = upstream(index.all(&partition, &IndexFilter::default())).await?;
    if records.is_empty() {
        return Err(Error::NotFound {
            resource: "batch",
            id: batch_id.to_string(),
        });
    }
    let runs: Vec<_> = records.into_iter().map(|r| r.row).collect();
    fleet_response(&batch_rollup(batch_id.as_str(), &runs), consumed)
}
