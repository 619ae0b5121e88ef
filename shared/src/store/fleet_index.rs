//! Queries of the fleet indexes of the runs table (see [`super::fleet_item`] for the keys).
//!
//! Every request path is a `Query` on one index partition with the stop-time window as the sort-key condition;
//! nothing scans the table. (A listing without an id reads the fleet table's day buckets: [`super::FleetDays`].)

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::SummaryStore;
use super::fleet_item::{FLEET_ROW, TASK_GROUPS, fleet_time, read_row, read_task_groups};
use super::item::SummaryRecord;
use crate::config::vars::RUNS_TABLE_NAME;
use crate::error::{Error, Lookup, Result};
use crate::record::fleet_row::{FleetRow, FleetRun};
use crate::record::{RunId, RunUuid};
use crate::time::{Timestamp, format_timestamp};

/// Service name used in errors and logs.
const SERVICE: &str = "DynamoDB";

/// A fleet index and the partition asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexPartition {
    /// `byWorkflow`: runs of one workflow.
    Workflow(String),
    /// `byBatch`: runs of one batch.
    Batch(String),
    /// `byRunGroup`: runs of one run group.
    RunGroup(String),
}

impl IndexPartition {
    /// Index name and partition key attribute.
    pub fn index(&self) -> (&'static str, &'static str, &str) {
        match self {
            Self::Workflow(v) => ("byWorkflow", "workflowId", v),
            Self::Batch(v) => ("byBatch", "batchId", v),
            Self::RunGroup(v) => ("byRunGroup", "runGroupId", v),
        }
    }
}

/// Conditions on the items of a partition: `stopKey` window and equality filters (evaluated by DynamoDB after
/// the key condition).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexFilter {
    /// Stop time ≥.
    pub from: Option<Timestamp>,
    /// Stop time <.
    pub to: Option<Timestamp>,
    /// Attribute = value, e.g. (`status`, `COMPLETED`).
    pub equals: Vec<(&'static str, String)>,
}

/// One page of a partition.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPage {
    /// Runs, newest stop time first.
    pub runs: Vec<FleetRun>,
    /// Where the next page starts; `None` at the end of the partition.
    pub next: Option<HashMap<String, String>>,
    /// Read capacity units DynamoDB reported for the page.
    pub consumed_rcu: f64,
}

/// What a fleet query reads of each run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The run's row only.
    Rows,
    /// The row and the task groups (workflow profiles; `byWorkflow` projects them).
    RowsAndGroups,
}

/// The fleet indexes of the runs table.
#[derive(Debug, Clone)]
pub struct FleetIndex {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl FleetIndex {
    /// The indexes of `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub const QUERY: &str = "dynamodb:Query"; // IAM action, see crate::iam
    /// One page (at most `limit` items read) of `partition`, newest first, from `start`.
    pub async fn page(
        &self,
        partition: &IndexPartition,
        filter: &IndexFilter,
        limit: i32,
        start: Option<HashMap<String, String>>,
        reading: Reading,
    ) -> Result<IndexPage> {
        let (index, key, value) = partition.index();
        let mut names = HashMap::from([
            ("#pk".to_owned(), key.to_owned()),
            ("#row".to_owned(), FLEET_ROW.to_owned()),
        ]);
        let mut projection = "#row, stopKey".to_owned();
        if reading == Reading::RowsAndGroups {
            names.insert("#groups".to_owned(), TASK_GROUPS.to_owned());
            projection.push_str(", #groups");
        }
        let mut values = HashMap::from([(":pk".to_owned(), AttributeValue::S(value.to_owned()))]);
        let mut condition = "#pk = :pk".to_owned();
        let bound = |t: &Option<Timestamp>| t.as_ref().map(format_timestamp);
        match (bound(&filter.from), bound(&filter.to)) {
            (Some(from), Some(to)) => {
                condition.push_str(" AND stopKey BETWEEN :from AND :to");
                values.insert(":from".into(), AttributeValue::S(from));
                values.insert(":to".into(), AttributeValue::S(to));
            }
            (Some(from), None) => {
                condition.push_str(" AND stopKey >= :from");
                values.insert(":from".into(), AttributeValue::S(from));
            }
            (None, Some(to)) => {
                condition.push_str(" AND stopKey < :to");
                values.insert(":to".into(), AttributeValue::S(to));
            }
            (None, None) => {}
        }
        let mut filters = Vec::new();
        for (i, (attribute, wanted)) in filter.equals.iter().enumerate() {
            names.insert(format!("#f{i}"), (*attribute).to_owned());
            values.insert(format!(":f{i}"), AttributeValue::S(wanted.clone()));
            filters.push(format!("#f{i} = :f{i}"));
        }
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression(condition)
            .set_filter_expression((!filters.is_empty()).then(|| filters.join(" AND ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .scan_index_forward(false)
            .limit(limit)
            .projection_expression(projection)
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
            .set_exclusive_start_key(start.map(to_key))
            .send()
            .await
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(RUNS_TABLE_NAME)))?;
        let mut runs = Vec::new();
        for item in out.items.unwrap_or_default() {
            runs.push(self.run_of(&item, reading).await?);
        }
        Ok(IndexPage {
            runs,
            next: out
                .last_evaluated_key
                .filter(|k| !k.is_empty())
                .map(from_key),
            consumed_rcu: super::gzip::units(out.consumed_capacity),
        })
    }

    /// A run of a query's page: its row, or (an item written before rows were kept, until `enrich-run
    /// reindex` rewrites it) the row computed from the whole item, read by the key its `stopKey` names.
    async fn run_of(
        &self,
        item: &HashMap<String, AttributeValue>,
        reading: Reading,
    ) -> Result<FleetRun> {
        if let Some(row) = read_row(item)? {
            return Ok(FleetRun {
                row,
                task_groups: read_task_groups(item)?,
            });
        }
        let stored = match item.get("stopKey") {
            Some(AttributeValue::S(key)) => self.item_of(key).await?,
            _ => None,
        };
        let record = stored.ok_or_else(|| {
            Error::Internal("a fleet index entry has neither a fleetRow nor a stored item".into())
        })?;
        let summary = &record.summary;
        let filed_at = fleet_time(summary).unwrap_or_default();
        let task_groups = match reading {
            Reading::RowsAndGroups => summary
                .facts
                .as_ref()
                .map(|f| f.task_groups.clone())
                .unwrap_or_default(),
            Reading::Rows => Vec::new(),
        };
        Ok(FleetRun {
            row: FleetRow::of(summary, filed_at),
            task_groups,
        })
    }

    /// The summary item a `stopKey` (`<time>#<run id>#<uuid>`) names.
    async fn item_of(&self, stop_key: &str) -> Result<Option<SummaryRecord>> {
        let mut parts = stop_key.rsplitn(3, '#');
        let (Some(uuid), Some(run_id)) = (parts.next(), parts.next()) else {
            return Ok(None);
        };
        let (Ok(run_id), Ok(uuid)) = (RunId::parse(run_id), RunUuid::parse(uuid)) else {
            return Ok(None);
        };
        SummaryStore::new(self.client.clone(), self.table.clone())
            .get(&run_id, &uuid)
            .await
    }

    /// Every run of `partition` that passes `filter`, newest first, and the read units consumed.
    pub async fn all(
        &self,
        partition: &IndexPartition,
        filter: &IndexFilter,
    ) -> Result<(Vec<FleetRun>, f64)> {
        let mut records = Vec::new();
        let mut consumed = 0.0;
        let mut start = None;
        loop {
            let page = self
                .page(partition, filter, 1000, start, Reading::Rows)
                .await?;
            records.extend(page.runs);
            consumed += page.consumed_rcu;
            start = page.next;
            if start.is_none() {
                return Ok((records, consumed));
            }
        }
    }
}

/// A key as the cursor keeps it (every key attribute of the table and its indexes is a string).
fn from_key(key: HashMap<String, AttributeValue>) -> HashMap<String, String> {
    key.into_iter()
        .filter_map(|(k, v)| match v {
            AttributeValue::S(s) => Some((k, s)),
            _ => None,
        })
        .collect()
}

fn to_key(key: HashMap<String, String>) -> HashMap<String, AttributeValue> {
    key.into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect()
}
