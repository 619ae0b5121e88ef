//! The data lake: every stored run also as Parquet, for fleets one DynamoDB query cannot summarise.
//!
//! Two tables in the reports bucket, Hive-partitioned by the run's stop date (UTC):
//! - `lake/runs/year=YYYY/month=MM/day=DD/run-<runId>-<uuid>.parquet`: one row ([`RUN_COLUMNS`]);
//! - `lake/tasks/year=YYYY/month=MM/day=DD/run-<runId>-<uuid>.parquet`: one row per task ([`TASK_COLUMNS`]).
//!
//! The key holds the run id and uuid only, so enriching a run again (a better record, `reindex`) overwrites its
//! objects instead of adding a second copy. A run without a stop time is filed under its creation date, else
//! under the date of its `enrichedAt` (which is the event time or the clock then); its `stop_date` column stays
//! null. A writer that loses the conditional-write race (two enrichments of one run at once; see
//! `enrich::Enricher`) may leave its copy in place of the winner's until the run is enriched again or
//! reindexed; both describe the same run, one possibly less completely. Athena reads the tables through Glue
//! with partition projection (`template.yaml`), DuckDB reads the same objects in the tests; the SQL of both is in
//! `sql/athena/`.
//!
//! An adapter beside [`crate::store`]: it uses the record and the analysis, never `enrich` or `api`.

mod rows;
mod table;

use std::borrow::Borrow;

pub use rows::{RUN_COLUMNS, TASK_COLUMNS, TaskContext, epoch_days, run_row};
pub use table::{Column, Kind, ROW_GROUP_ROWS, TableError, TableWriter, Value};

use crate::analysis::PriceTable;
use crate::config::vars::REPORTS_BUCKET_NAME;
use crate::error::{Error, Lookup, Result};
use crate::record::{EnrichedTask, ReportHead};
use crate::spool::Spooled;
use crate::time::{Timestamp, parse_timestamp};

/// Service name used in errors and logs.
const SERVICE: &str = "S3";
/// Prefix of the runs table.
pub const RUNS_PREFIX: &str = "lake/runs/";
/// Prefix of the tasks table.
pub const TASKS_PREFIX: &str = "lake/tasks/";

/// A run's two lake objects, ready to store.
#[derive(Debug, Clone)]
pub struct LakeObjects {
    /// `year=YYYY/month=MM/day=DD/run-<runId>-<uuid>.parquet`, the key below each table's prefix.
    pub name: String,
    /// The runs table object (one row).
    pub run: Spooled,
    /// The tasks table object (in a temporary file when large).
    pub tasks: Spooled,
}

impl LakeObjects {
    /// Key of the runs object.
    pub fn run_key(&self) -> String {
        format!("{RUNS_PREFIX}{}", self.name)
    }

    /// Key of the tasks object.
    pub fn tasks_key(&self) -> String {
        format!("{TASKS_PREFIX}{}", self.name)
    }
}

/// The day a run is filed under: its stop time, else its creation time, else its `enrichedAt`.
pub fn partition_time(head: &ReportHead) -> Option<Timestamp> {
    head.run
        .stop_time
        .or(head.run.creation_time)
        .or_else(|| parse_timestamp(&head.enriched_at).ok())
}

/// `year=YYYY/month=MM/day=DD/run-<runId>-<uuid>.parquet` (1970-01-01 when the record has no date at all).
pub fn object_name(head: &ReportHead) -> String {
    let day = partition_time(head).unwrap_or_default();
    format!(
        "{}/run-{}-{}.parquet",
        day.format("year=%Y/month=%m/day=%d"),
        head.run_id,
        head.uuid
    )
}

/// Writes a run's lake objects: the run row, then the tasks in row groups of [`ROW_GROUP_ROWS`] as they stream
/// past (memory stays bounded by one row group; a large object goes to a temporary file, see [`Spooled`]).
/// `prices` price the per-task cost columns; `workflow_name` is the event's (the record does not hold it).
pub fn build_objects<T: Borrow<EnrichedTask>>(
    head: &ReportHead,
    tasks: impl IntoIterator<Item = T>,
    prices: &PriceTable,
    workflow_name: Option<&str>,
) -> std::result::Result<LakeObjects, TableError> {
    let mut writer = LakeWriter::new(head, prices, workflow_name)?;
    for task in tasks {
        writer.push(task.borrow())?;
    }
    writer.finish()
}

/// [`build_objects`] one task at a time, for a caller that streams the same tasks elsewhere too (the enrichment
/// writes each task into the gzip JSON record and the tasks table in one pass, then drops it).
#[derive(Debug)]
pub struct LakeWriter<'a> {
    name: String,
    run: Spooled,
    context: TaskContext<'a>,
    tasks: TableWriter,
}

impl<'a> LakeWriter<'a> {
    /// A writer of `head`'s objects; the runs object (one row) is written at once.
    pub fn new(
        head: &'a ReportHead,
        prices: &'a PriceTable,
        workflow_name: Option<&str>,
    ) -> std::result::Result<Self, TableError> {
        let mut runs = TableWriter::new("runs", RUN_COLUMNS)?;
        runs.push(run_row(head, workflow_name))?;
        Ok(Self {
            name: object_name(head),
            run: runs.finish()?,
            context: TaskContext::new(head, prices),
            tasks: TableWriter::new("tasks", TASK_COLUMNS)?,
        })
    }

    /// Adds one task's row.
    pub fn push(&mut self, task: &EnrichedTask) -> std::result::Result<(), TableError> {
        self.tasks.push(self.context.task_row(task))
    }

    /// The objects.
    pub fn finish(self) -> std::result::Result<LakeObjects, TableError> {
        Ok(LakeObjects {
            name: self.name,
            run: self.run,
            tasks: self.tasks.finish()?,
        })
    }
}

impl From<TableError> for Error {
    fn from(err: TableError) -> Self {
        Error::Internal(crate::error::display_chain(&err))
    }
}

/// The lake prefixes of the reports bucket.
#[derive(Debug, Clone)]
pub struct LakeStore {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl LakeStore {
    /// A store on `bucket` (the reports bucket).
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    pub const PUT_OBJECT: &str = "s3:PutObject"; // IAM action, see crate::iam
    /// Stores both objects (the tasks first, so a reader that finds a run row finds its tasks). The bodies stream
    /// from where the objects were spooled (a 100k-task run's tasks object is 6 to 35 MB).
    pub async fn put(&self, objects: LakeObjects) -> Result<()> {
        let (run_key, tasks_key) = (objects.run_key(), objects.tasks_key());
        self.put_object(tasks_key, &objects.tasks).await?;
        self.put_object(run_key, &objects.run).await
    }

    async fn put_object(&self, key: String, object: &Spooled) -> Result<()> {
        let body = object.byte_stream().await.map_err(|e| {
            Error::Internal(format!(
                "reading lake object {key} back for its upload: {e}"
            ))
        })?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/vnd.apache.parquet")
            .body(body)
            .send()
            .await
            .map(drop)
            .map_err(|e| {
                Error::from_sdk(
                    SERVICE,
                    e,
                    Lookup::within(REPORTS_BUCKET_NAME, "lake object", &key),
                )
            })
    }
}

/// Builds and stores a run's lake objects: the entry point of `reindex` and of any rewrite from a stored record.
/// Answers the keys written (runs object, tasks object).
pub async fn write_run<T: Borrow<EnrichedTask>>(
    store: &LakeStore,
    head: &ReportHead,
    tasks: impl IntoIterator<Item = T>,
    prices: &PriceTable,
    workflow_name: Option<&str>,
) -> Result<(String, String)> {
    let objects = build_objects(head, tasks, prices, workflow_name)?;
    let keys = (objects.run_key(), objects.tasks_key());
    store.put(objects).await?;
    Ok(keys)
}

#[cfg(test)]
mod tests;
