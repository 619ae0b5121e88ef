//! `GET /batches/{batchId}` (`query-fleet`): a batch's stored runs rolled up, beside the batch's live status (the
//! newest `RunBatch Status Change` that `track-run` kept).

use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::fleet::{fleet_index, fleet_response};
use crate::analysis::fleet::batch::batch_rollup;
use crate::api::extract::{BatchPath, NoQuery, Query};
use crate::api::observe::upstream;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::store::{IndexFilter, IndexPartition, LiveBatches};

/// The batch's runs by status, cost, failures by class, slowest and most expensive runs, and `batchStatus`;
/// 404 when none of its runs is stored and none of its events was seen.
pub async fn get_batch(
    State(state): State<SharedState>,
    BatchPath(batch_id): BatchPath,
    Query(NoQuery): Query<NoQuery>,
) -> Result<Response> {
    let index = fleet_index(&state)?;
    let live = LiveBatches::new(state.clients.dynamodb.clone(), state.config.live_table()?);
    let partition = IndexPartition::Batch(batch_id.to_string());
    let filter = IndexFilter::default();
    let ((records, consumed), batch_status) = tokio::try_join!(
        upstream(index.all(&partition, &filter)),
        upstream(live.read(batch_id.as_str())),
    )?;
    if records.is_empty() && batch_status.is_none() {
        return Err(Error::NotFound {
            resource: "batch",
            id: batch_id.to_string(),
        });
    }
    let runs: Vec<_> = records.into_iter().map(|r| r.row).collect();
    let mut body = serde_json::to_value(batch_rollup(batch_id.as_str(), &runs))
        .map_err(|e| Error::Internal(format!("a batch rollup is not JSON: {e}")))?;
    if let Value::Object(map) = &mut body {
        let status = serde_json::to_value(&batch_status).unwrap_or(Value::Null);
        map.insert("batchStatus".into(), status);
    }
    fleet_response(&body, consumed)
}
