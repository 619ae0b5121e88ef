//! What the stored-record routes share: finding a run's stored summary (DynamoDB) and reading its record (S3).

use crate::api::observe::upstream;
use crate::api::state::ApiState;
use crate::enrich::{EnrichedRun, decode_record};
use crate::error::{Error, Result};
use crate::ids::RunId;
use crate::record::RunUuid;
use crate::store::{ReportStore, SummaryRecord, SummaryStore};

/// The stored summary of `run_id` (`uuid`, else the latest; 404 when never enriched) and the store holding its
/// record.
pub async fn stored_record(
    state: &ApiState,
    run_id: &RunId,
    uuid: Option<&RunUuid>,
) -> Result<(SummaryRecord, ReportStore)> {
    let summaries = SummaryStore::new(state.clients.dynamodb.clone(), state.config.runs_table()?);
    let reports = ReportStore::new(state.clients.s3.clone(), state.config.reports_bucket()?);
    let record = upstream(summaries.find(run_id, uuid))
        .await?
        .ok_or_else(|| Error::NotFound {
            resource: "report",
            id: match uuid {
                Some(uuid) => format!("{run_id} (uuid {uuid})"),
                None => run_id.to_string(),
            },
        })?;
    Ok((record, reports))
}

/// The stored record of `run_id` (`uuid`, else the latest).
pub async fn load_record(
    state: &ApiState,
    run_id: &RunId,
    uuid: Option<&RunUuid>,
) -> Result<EnrichedRun> {
    let (record, reports) = stored_record(state, run_id, uuid).await?;
    let gzip = upstream(reports.get(&record.report)).await?;
    decode_record(&gzip)
}
