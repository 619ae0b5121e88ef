//! The DynamoDB table of run summaries: one item per run id and uuid, replaced only by a better record.

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::SummaryRecord;
use crate::config::vars::RUNS_TABLE_NAME;
use crate::error::{Error, Lookup, Result};
use crate::ids::RunId;
use crate::record::{EnrichmentSummary, RunUuid};

/// Service name used in errors and logs.
const SERVICE: &str = "DynamoDB";

/// The condition every write carries, mirroring [`decide`]: no item yet, or the new record ranks higher, or it
/// ranks the same with more manifest lines or a newer schema. Whatever the timing of concurrent writers, a stored
/// record is only ever replaced by a better one, and an equal one (a duplicate) changes nothing.
const WRITE_CONDITION: &str = "attribute_not_exists(pk) OR quality < :quality \
     OR (quality = :quality AND (manifestLines < :lines OR schemaVersion < :schema))";

/// The partition key of a run: `RUN#<runId>`.
pub fn partition_key(run_id: &str) -> String {
    format!("RUN#{run_id}")
}

/// What to do with a new record given the stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteDecision {
    /// Nothing stored, or the new record is better: write it.
    Write,
    /// Same status, same manifest digest, same schema, not better: a duplicate; write nothing.
    Duplicate,
    /// The stored record is at least as complete: keep it.
    KeepStored,
}

/// Compares a new record with the stored one; the same rule as the item's write condition.
pub fn decide(stored: Option<&EnrichmentSummary>, new: &EnrichmentSummary) -> WriteDecision {
    let Some(stored) = stored else {
        return WriteDecision::Write;
    };
    let (old_q, new_q) = (stored.quality(), new.quality());
    let better = new_q > old_q
        || (new_q == old_q
            && (new.manifest_lines > stored.manifest_lines
                || new.schema_version > stored.schema_version));
    if better {
        WriteDecision::Write
    } else if stored.status == new.status
        && stored.manifest_digest == new.manifest_digest
        && stored.schema_version == new.schema_version
    {
        WriteDecision::Duplicate
    } else {
        WriteDecision::KeepStored
    }
}

/// How a conditional write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// The item was written.
    Written,
    /// A record at least as good was already there (possibly written a moment ago by a concurrent invocation).
    ConditionFailed,
}

/// The runs table.
#[derive(Debug, Clone)]
pub struct SummaryStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl SummaryStore {
    /// A store on `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub const GET_ITEM: &str = "dynamodb:GetItem"; // IAM action, see crate::iam
    /// The item of run `run_id` / `uuid` (strongly consistent).
    pub async fn get(&self, run_id: &RunId, uuid: &RunUuid) -> Result<Option<SummaryRecord>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(partition_key(run_id.as_str())))
            .key("sk", AttributeValue::S(uuid.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(RUNS_TABLE_NAME)))?;
        out.item.as_ref().map(SummaryRecord::from_item).transpose()
    }

    pub const QUERY: &str = "dynamodb:Query"; // IAM action, see crate::iam
    /// Every item of run `run_id` (one per uuid the id has had).
    pub async fn list(&self, run_id: &RunId) -> Result<Vec<SummaryRecord>> {
        let mut records = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(
                    ":pk",
                    AttributeValue::S(partition_key(run_id.as_str())),
                )
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(RUNS_TABLE_NAME)))?;
            for item in out.items.unwrap_or_default() {
                records.push(SummaryRecord::from_item(&item)?);
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(records);
            }
        }
    }

    /// The record of run `run_id` with `uuid`, or of its latest run when no uuid is given ([`Self::latest`]).
    pub async fn find(
        &self,
        run_id: &RunId,
        uuid: Option<&RunUuid>,
    ) -> Result<Option<SummaryRecord>> {
        match uuid {
            Some(uuid) => self.get(run_id, uuid).await,
            None => self.latest(run_id).await,
        }
    }

    /// The record of the latest run that had id `run_id` (latest creation, then stop time, then uuid).
    pub async fn latest(&self, run_id: &RunId) -> Result<Option<SummaryRecord>> {
        Ok(self.list(run_id).await?.into_iter().max_by(|a, b| {
            let key = |r: &SummaryRecord| {
                (
                    r.summary.creation_time,
                    r.summary.stop_time,
                    r.summary.uuid.clone(),
                )
            };
            key(a).cmp(&key(b))
        }))
    }

    pub const PUT_ITEM: &str = "dynamodb:PutItem"; // IAM action, see crate::iam
    /// Writes `record` unless a record at least as good is stored (see [`decide`]).
    pub async fn put_if_better(&self, record: &SummaryRecord) -> Result<PutOutcome> {
        let m = &record.summary;
        let values = [
            (":quality", AttributeValue::N(m.quality().to_string())),
            (":lines", AttributeValue::N(m.manifest_lines.to_string())),
            (":schema", AttributeValue::N(m.schema_version.to_string())),
        ];
        Ok(if self.put_if(record, WRITE_CONDITION, values).await? {
            PutOutcome::Written
        } else {
            PutOutcome::ConditionFailed
        })
    }

    /// Writes `record` if `condition` (with `values`) holds; `false` when it did not (nothing written).
    async fn put_if<const N: usize>(
        &self,
        record: &SummaryRecord,
        condition: &str,
        values: [(&str, AttributeValue); N],
    ) -> Result<bool> {
        let values = values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(record.to_item()))
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        super::put_held(result, RUNS_TABLE_NAME)
    }

    pub const SCAN: &str = "dynamodb:Scan"; // IAM action of `enrich-run reindex` (a command, not a request path)
    /// One page of every item of the table, from `start`; the next start, `None` at the end.
    pub async fn scan_page(
        &self,
        start: Option<std::collections::HashMap<String, AttributeValue>>,
    ) -> Result<(
        Vec<SummaryRecord>,
        Option<std::collections::HashMap<String, AttributeValue>>,
    )> {
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            // Runs only: the fleet day buckets share the table.
            .filter_expression("begins_with(pk, :run)")
            .expression_attribute_values(":run", AttributeValue::S(partition_key("")))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(RUNS_TABLE_NAME)))?;
        let records = out
            .items
            .unwrap_or_default()
            .iter()
            .map(SummaryRecord::from_item)
            .collect::<Result<Vec<_>>>()?;
        Ok((records, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    /// Rewrites the item of `record` (same report, recomputed summary and fleet attributes) if the stored item
    /// still points at that report; `false` when a newer record replaced it meanwhile (nothing written).
    pub async fn put_reindexed(&self, record: &SummaryRecord) -> Result<bool> {
        let sha = AttributeValue::S(record.report.sha256.clone());
        self.put_if(record, "reportSha256 = :sha", [(":sha", sha)])
            .await
    }

    pub const UPDATE_ITEM: &str = "dynamodb:UpdateItem"; // IAM action, see crate::iam
    /// Marks the `Run Enriched` event of the item holding report `sha256` as published. A newer record written
    /// meanwhile keeps its own flag.
    pub async fn mark_published(&self, run_id: &RunId, uuid: &RunUuid, sha256: &str) -> Result<()> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(partition_key(run_id.as_str())))
            .key("sk", AttributeValue::S(uuid.to_string()))
            .update_expression("SET eventPublished = :true")
            .condition_expression("reportSha256 = :sha")
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .expression_attribute_values(":sha", AttributeValue::S(sha256.to_owned()))
            .send()
            .await;
        // Not held: a newer record was written meanwhile and keeps its own flag.
        super::unless_condition_failed(
            result,
            RUNS_TABLE_NAME,
            aws_sdk_dynamodb::operation::update_item::UpdateItemError::is_conditional_check_failed_exception,
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_sdk_dynamodb::operation::put_item::{PutItemError, PutItemOutput};
    use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::status::RunStatus;
    use crate::store::item::tests::record;

    #[test]
    fn decisions() {
        let stored = record(RunStatus::Completed, "sha256:a", 10).summary;
        assert_eq!(decide(None, &stored), WriteDecision::Write);
        assert_eq!(decide(Some(&stored), &stored), WriteDecision::Duplicate);

        // A non-terminal status never replaces a finished record.
        let mut running = stored.clone();
        running.status = RunStatus::Running;
        assert_eq!(decide(Some(&stored), &running), WriteDecision::KeepStored);
        assert_eq!(decide(Some(&running), &stored), WriteDecision::Write);

        // A complete manifest replaces a missing one; the reverse keeps the stored record.
        let mut bare = record(RunStatus::Failed, "none", 0).summary;
        bare.manifest_complete = false;
        let full = record(RunStatus::Failed, "sha256:b", 7).summary;
        assert_eq!(decide(Some(&bare), &full), WriteDecision::Write);
        assert_eq!(decide(Some(&full), &bare), WriteDecision::KeepStored);

        // Same status and digest but built without GetRun (the run is gone): the stored record stays.
        let mut gone = stored.clone();
        gone.api_available = false;
        assert_eq!(decide(Some(&stored), &gone), WriteDecision::Duplicate);
        // ...and a record with GetRun's data replaces one built without it.
        assert_eq!(decide(Some(&gone), &stored), WriteDecision::Write);

        // A longer manifest of equal quality wins; a different one of the same length does not.
        let longer = record(RunStatus::Completed, "sha256:c", 11).summary;
        assert_eq!(decide(Some(&stored), &longer), WriteDecision::Write);
        let other = record(RunStatus::Completed, "sha256:d", 10).summary;
        assert_eq!(decide(Some(&stored), &other), WriteDecision::KeepStored);
    }

    #[tokio::test]
    async fn conditional_write_failure_is_an_outcome_not_an_error() {
        let rejected = mock!(aws_sdk_dynamodb::Client::put_item)
            .match_requests(|r| {
                r.condition_expression() == Some(WRITE_CONDITION)
                    && r.expression_attribute_values()
                        .is_some_and(|v| v[":quality"] == AttributeValue::N("23".into()))
            })
            .then_error(|| {
                PutItemError::ConditionalCheckFailedException(
                    ConditionalCheckFailedException::builder()
                        .message("The conditional request failed")
                        .build(),
                )
            });
        let client = mock_client!(aws_sdk_dynamodb, [&rejected]);
        let store = SummaryStore::new(client, "runs");
        let outcome = store
            .put_if_better(&record(RunStatus::Completed, "x", 1))
            .await
            .unwrap();
        assert_eq!(outcome, PutOutcome::ConditionFailed);

        let accepted = mock!(aws_sdk_dynamodb::Client::put_item)
            .then_output(|| PutItemOutput::builder().build());
        let client = mock_client!(aws_sdk_dynamodb, [&accepted]);
        let store = SummaryStore::new(client, "runs");
        assert_eq!(
            store
                .put_if_better(&record(RunStatus::Completed, "x", 1))
                .await
                .unwrap(),
            PutOutcome::Written
        );
    }

    #[tokio::test]
    async fn a_missing_table_is_500_naming_the_setting() {
        let rule = mock!(aws_sdk_dynamodb::Client::get_item).then_error(|| {
            GetItemError::generic(
                ErrorMetadata::builder()
                    .code("ResourceNotFoundException")
                    .message("Requested resource not found: Table: secret-table not found")
                    .build(),
            )
        });
        let store = SummaryStore::new(mock_client!(aws_sdk_dynamodb, [&rule]), "runs");
        let err = store
            .get(
                &RunId::parse("42").unwrap(),
                &RunUuid::parse("u-1").unwrap(),
            )
            .await
            .unwrap_err();
        crate::error::assert_misconfigured(&err, "RUNS_TABLE_NAME");
    }
}
