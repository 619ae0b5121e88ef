//! The enriched run record (`schemaVersion` 1) and its compact summary.
//!
//! The full record is stored as gzip JSON in S3; its members appear in the order of [`ReportHead`] followed by
//! `tasks`, which comes last so a writer can stream it. The summary ([`EnrichmentSummary`]) is what DynamoDB and
//! the `Run Enriched` event carry.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use super::fleet::RunFacts;
use super::{Diagnosis, Rightsizing, RunCost, RunUuid};
use crate::spool::Spooled;
use crate::status::{RunStatus, TaskStatus};
use crate::time::Timestamp;

/// Version of the enriched record's schema. Bump it on any change a reader must know about; a record of another
/// version is never considered a duplicate of a new one.
pub const SCHEMA_VERSION: u32 = 1;

/// A stored enriched run: [`ReportHead`] plus every task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrichedRun {
    /// Everything but the tasks.
    #[serde(flatten)]
    pub head: ReportHead,
    /// Every task, merged from the manifest and the task list, sorted by creation time then id.
    pub tasks: Vec<EnrichedTask>,
}

/// The members of an enriched record that precede `tasks`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportHead {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Run id.
    pub run_id: String,
    /// Run uuid (run ids are reused; the uuid is not). A plain JSON string; a stored record whose uuid is not
    /// well-formed does not parse (see [`RunUuid`] for why that is the chosen behaviour).
    pub uuid: RunUuid,
    /// Run ARN.
    pub arn: Option<String>,
    /// Terminal run status.
    pub status: RunStatus,
    /// A stable instant for this record (see [`Self::enriched_at_source`]): duplicate enrichments produce the same
    /// bytes.
    pub enriched_at: String,
    /// Where `enrichedAt` comes from: `runStopTime`, `manifestStopTime`, `previousRecord`, `eventTime`, `clock`.
    pub enriched_at_source: String,
    /// Which upstream sources contributed.
    pub sources: SourceFlags,
    /// True when the manifest was found, holds the run record, and lists every task the task list has
    /// (unreadable lines counted as present). A false value always comes with a warning.
    pub manifest_complete: bool,
    /// Facts about the manifest stream.
    pub manifest: ManifestInfo,
    /// Run metadata (GetRun first, manifest for what GetRun lacks).
    pub run: RunInfo,
    /// Run parameters as given at start.
    pub parameters: Option<Value>,
    /// Digests of the run's inputs, by URI.
    pub resource_digests: Option<BTreeMap<String, String>>,
    /// Aggregates over the tasks.
    pub summary: ReportSummary,
    /// FAILED tasks with their reasons and log tails (at most 20, see `enrich::MAX_FAILED_DETAILS`).
    pub failed_tasks: Vec<FailedTask>,
    /// What the run cost: compute per task, run storage, total ([`crate::analysis::cost`] computes it).
    #[serde(default, deserialize_with = "crate::record::lenient::deserialize")]
    pub cost: Option<RunCost>,
    /// The smallest instances that fit, savings, Nextflow / WDL snippets ([`crate::analysis::rightsizing`]).
    #[serde(default, deserialize_with = "crate::record::lenient::deserialize")]
    pub rightsizing: Option<Rightsizing>,
    /// Failed tasks in failure order, classified, with next steps; absent when nothing failed
    /// ([`crate::analysis::diagnosis`]).
    #[serde(default, deserialize_with = "crate::record::lenient::deserialize")]
    pub diagnosis: Option<Diagnosis>,
    /// Everything the record is missing or had to guess, one sentence each.
    pub warnings: Vec<String>,
}

/// Which upstream sources contributed to a record.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceFlags {
    /// `GetRun` returned this run (same uuid).
    pub get_run: bool,
    /// The manifest stream had at least one line.
    pub manifest: bool,
    /// `ListRunTasks` was read.
    pub list_run_tasks: bool,
    /// How the task list was obtained and why; absent in records written before it was recorded.
    #[serde(default, deserialize_with = "crate::record::lenient::deserialize")]
    pub listing: Option<TaskListing>,
}

/// How an enrichment obtained a run's task list: from the manifest alone (no `ListRunTasks` call, so the
/// enrichment's HealthOmics calls do not grow with the task count) or by listing every task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskListing {
    /// [`TaskListing::MANIFEST`], [`TaskListing::LISTED`] or [`TaskListing::UNAVAILABLE`].
    pub path: String,
    /// Why this path, one sentence.
    pub reason: String,
    /// `ListRunTasks` pages read, the confirming first page included (retries of a throttled page are not
    /// counted, so reruns write the same bytes).
    pub calls: u64,
}

impl TaskListing {
    /// The manifest alone: GetRun names no run cache and the manifest is complete by its own evidence.
    pub const MANIFEST: &str = "manifest";
    /// `ListRunTasks` was read, paced.
    pub const LISTED: &str = "listed";
    /// HealthOmics no longer returns the run: there is nothing to list.
    pub const UNAVAILABLE: &str = "unavailable";

    /// A listing on `path` for `reason`, with no call made yet.
    pub fn new(path: &str, reason: impl Into<String>) -> Self {
        Self {
            path: path.to_owned(),
            reason: reason.into(),
            calls: 0,
        }
    }

    /// Whether `ListRunTasks` is to be (or was) skipped because the manifest suffices.
    pub fn from_manifest(&self) -> bool {
        self.path == Self::MANIFEST
    }
}

/// Facts about the manifest stream behind a record.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestInfo {
    /// Log group.
    pub log_group: String,
    /// Stream name, `manifest/run/<id>/<uuid>`.
    pub stream: String,
    /// `sha256:<hex>` of the raw lines (each followed by `\n`); `None` when the stream was missing.
    pub digest: Option<String>,
    /// Log events read.
    pub lines: u64,
    /// Whether the run record was among them.
    pub run_record: bool,
    /// Task records read.
    pub task_records: u64,
    /// Lines that could not be parsed.
    pub malformed_lines: u64,
    /// The first unreadable line's number and reason.
    pub first_error: Option<String>,
}

/// Run metadata: GetRun's members, with the manifest's run record filling gaps.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Members mirror GetRun / the manifest run record.
pub struct RunInfo {
    pub name: Option<String>,
    pub workflow_id: Option<String>,
    /// Workflow ARN (manifest).
    pub workflow_arn: Option<String>,
    pub workflow_type: Option<String>,
    pub workflow_version_name: Option<String>,
    pub workflow_uuid: Option<String>,
    pub workflow_owner_id: Option<String>,
    /// Engine (`WDL`, `NEXTFLOW`, `CWL`), when the manifest says.
    pub engine: Option<String>,
    pub engine_version: Option<String>,
    /// Main workflow file, when the manifest says.
    pub main: Option<String>,
    pub digest: Option<String>,
    pub status_message: Option<String>,
    pub failure_reason: Option<String>,
    pub output_uri: Option<String>,
    pub run_output_uri: Option<String>,
    pub role_arn: Option<String>,
    pub run_group_id: Option<String>,
    pub batch_id: Option<String>,
    pub started_by: Option<String>,
    pub priority: Option<i64>,
    pub storage_type: Option<String>,
    pub storage_capacity: Option<i64>,
    pub cache_id: Option<String>,
    pub cache_behavior: Option<String>,
    pub retention_mode: Option<String>,
    pub log_level: Option<String>,
    pub accelerators: Option<String>,
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    /// Run storage use and the run's measured duration (manifest).
    pub metrics: Option<RunMetrics>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// Storage and duration metrics of a run.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    /// Provisioned run storage, GiB.
    #[serde(rename = "storageReservedGiB")]
    pub storage_reserved_gib: Option<f64>,
    /// Peak run storage use, GiB.
    #[serde(rename = "storageMaximumGiB")]
    pub storage_maximum_gib: Option<f64>,
    /// Average run storage use, GiB.
    #[serde(rename = "storageAverageGiB")]
    pub storage_average_gib: Option<f64>,
    /// Run duration as HealthOmics measured it.
    #[serde(rename = "runningSeconds")]
    pub running_seconds: Option<f64>,
}

/// Aggregates over a run's tasks.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportSummary {
    /// Tasks in the record.
    pub task_count: u64,
    /// Tasks by status (`COMPLETED`, `FAILED`, ..., `UNKNOWN` for none).
    pub counts_by_status: BTreeMap<String, u64>,
    /// Tasks served from the run cache.
    pub cache_hits: u64,
    /// Tasks only the manifest has (the task list lacked them or was unavailable).
    pub manifest_only_tasks: u64,
    /// Tasks only the task list has (the manifest lacked them).
    pub api_only_tasks: u64,
    /// Run stop − run start, seconds.
    pub wall_time_seconds: Option<f64>,
    /// Run start − run creation, seconds.
    pub run_queue_seconds: Option<f64>,
    /// Σ task running seconds / 3600.
    pub task_hours: f64,
    /// Σ reserved vCPUs × running seconds / 3600.
    pub reserved_cpu_hours: f64,
    /// Σ reserved GiB × running seconds / 3600.
    pub reserved_memory_gib_hours: f64,
    /// Σ average vCPUs used × running seconds / Σ reserved vCPUs × running seconds.
    pub cpu_utilization: Option<f64>,
    /// Σ average GiB used × running seconds / Σ reserved GiB × running seconds.
    pub memory_utilization: Option<f64>,
    /// Longest task queue time (start − creation), seconds.
    pub max_task_queue_seconds: Option<f64>,
    /// Mean task queue time, seconds.
    pub mean_task_queue_seconds: Option<f64>,
}

/// A FAILED task with what is known about why.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedTask {
    /// Task id.
    pub task_id: String,
    /// Task name.
    pub name: Option<String>,
    /// Failure reason (GetRunTask, else the manifest).
    pub failure_reason: Option<String>,
    /// Status message (GetRunTask).
    pub status_message: Option<String>,
    /// Log stream of the task, `run/<id>/task/<taskId>`.
    pub log_stream: String,
    /// The last lines of the task's log (at most 50), oldest first.
    pub log_tail: Vec<String>,
    /// Why the tail is empty or missing, when it is.
    pub log_tail_note: Option<String>,
}

/// One task: the manifest's record merged with the task list's.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrichedTask {
    /// Task id.
    pub task_id: String,
    /// Task uuid.
    pub uuid: Option<String>,
    /// Task name.
    pub name: Option<String>,
    /// Task status (the task list's, else the manifest's).
    pub status: Option<TaskStatus>,
    /// `both`, `manifest` or `api`: where the task was seen.
    pub source: String,
    /// What the workflow asked for.
    pub requested: Option<Resources>,
    /// What the instance reserved (manifest metrics).
    pub reserved: Option<Resources>,
    /// Peak use.
    pub maximum: Option<Resources>,
    /// Average use.
    pub average: Option<Resources>,
    /// Use relative to the reservation.
    pub utilization: Option<Utilization>,
    /// Task creation time.
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    /// Task start time.
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    /// Task stop time.
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    /// Start − creation, seconds.
    pub queue_seconds: Option<f64>,
    /// The manifest's `runningSeconds`, else stop − start.
    pub running_seconds: Option<f64>,
    /// The instance the task ran on.
    pub instance_type: Option<String>,
    /// Container image.
    pub image: Option<String>,
    /// Resolved image digest.
    pub image_digest: Option<String>,
    /// Served from the run cache.
    pub cache_hit: Option<bool>,
    /// Cache entry location.
    pub cache_s3_uri: Option<String>,
    /// Why the task failed.
    pub failure_reason: Option<String>,
    /// The task's compute cost, USD ([`crate::analysis::cost::task_cost`]); null when unpriced.
    pub cost_usd: Option<f64>,
    /// Seconds billed: max(running, 60); 0 for cached and never-started tasks.
    pub billed_seconds: Option<f64>,
    /// The hourly price used for `costUsd`.
    pub usd_per_hour: Option<f64>,
}

/// vCPUs, memory and GPUs.
#[skip_serializing_none]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    /// vCPUs.
    pub cpus: Option<f64>,
    /// Memory, GiB.
    #[serde(rename = "memoryGiB")]
    pub memory_gib: Option<f64>,
    /// GPUs.
    pub gpus: Option<f64>,
}

/// Ratios of use to reservation, rounded to 4 decimals.
#[skip_serializing_none]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Utilization {
    /// cpusMaximum / cpusReserved.
    pub cpu_max: Option<f64>,
    /// cpusAverage / cpusReserved.
    pub cpu_average: Option<f64>,
    /// memoryMaximumGiB / memoryReservedGiB.
    pub memory_max: Option<f64>,
    /// memoryAverageGiB / memoryReservedGiB.
    pub memory_average: Option<f64>,
}

/// The compact summary of an enriched record: what the DynamoDB item and the `Run Enriched` event carry.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrichmentSummary {
    /// [`SCHEMA_VERSION`] of the stored record.
    pub schema_version: u32,
    /// Run id.
    pub run_id: String,
    /// Run uuid, as in [`ReportHead::uuid`].
    pub uuid: RunUuid,
    /// Run ARN.
    pub arn: Option<String>,
    /// Terminal run status.
    pub status: RunStatus,
    /// Run name.
    pub name: Option<String>,
    /// Workflow id.
    pub workflow_id: Option<String>,
    /// Workflow name (from the event; GetRun does not return it).
    pub workflow_name: Option<String>,
    /// Run creation time.
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    /// Run start time.
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    /// Run stop time.
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    /// Tasks in the record.
    pub task_count: u64,
    /// Tasks by status.
    pub counts_by_status: BTreeMap<String, u64>,
    /// Tasks served from the cache.
    pub cache_hits: u64,
    /// Σ task running hours.
    pub task_hours: f64,
    /// Run stop − start, seconds.
    pub wall_time_seconds: Option<f64>,
    /// See [`ReportHead::manifest_complete`].
    pub manifest_complete: bool,
    /// See [`ManifestInfo::digest`]; `none` when the stream was missing.
    pub manifest_digest: String,
    /// Manifest lines read.
    pub manifest_lines: u64,
    /// Whether GetRun contributed.
    pub api_available: bool,
    /// Number of warnings in the record.
    pub warning_count: u64,
    /// See [`ReportHead::enriched_at`].
    pub enriched_at: String,
    /// What fleet questions need (absent on items written before the fleet index; `reindex` adds it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<RunFacts>,
}

/// A finished gzip JSON record, as [`crate::enrich::write_report`] writes it and the report store keeps it.
#[derive(Debug, Clone)]
pub struct ReportBytes {
    /// The gzip stream: in memory when small, else in a temporary file until it is uploaded.
    pub gzip: Spooled,
    /// `sha256:<hex>` of [`Self::gzip`].
    pub sha256: String,
    /// Size of the JSON before compression.
    pub json_bytes: u64,
}

/// Value of [`EnrichmentSummary::manifest_digest`] when there is no manifest.
pub const NO_MANIFEST_DIGEST: &str = "none";

/// A finished SHA-256 `digest` as the record spells digests: `sha256:<lowercase hex>` (the record's own hash, the
/// manifest's digest).
pub fn sha256_text(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(7 + 2 * digest.len());
    text.push_str("sha256:");
    for b in digest {
        let _ = write!(text, "{b:02x}");
    }
    text
}

impl EnrichmentSummary {
    /// How complete a record is, as one comparable number: a record replaces a stored one only when it ranks
    /// higher (or equal with more manifest lines). Status rank first (PENDING 1 … STOPPING 4, finished 5), then a
    /// complete manifest, then GetRun's contribution.
    pub fn quality(&self) -> u64 {
        status_rank(&self.status) * 4
            + u64::from(self.manifest_complete) * 2
            + u64::from(self.api_available)
    }
}

/// Orders run statuses by progress: an older status never replaces a newer one.
pub fn status_rank(status: &RunStatus) -> u64 {
    match status {
        RunStatus::Pending => 1,
        RunStatus::Starting => 2,
        RunStatus::Running => 3,
        RunStatus::Stopping => 4,
        RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled | RunStatus::Deleted => 5,
        RunStatus::Unknown(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(status: RunStatus, complete: bool, api: bool) -> EnrichmentSummary {
        EnrichmentSummary {
            schema_version: SCHEMA_VERSION,
            run_id: "1".into(),
            uuid: RunUuid::parse("0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10").unwrap(),
            arn: None,
            status,
            name: None,
            workflow_id: None,
            workflow_name: None,
            creation_time: None,
            start_time: None,
            stop_time: None,
            task_count: 0,
            counts_by_status: BTreeMap::new(),
            cache_hits: 0,
            task_hours: 0.0,
            wall_time_seconds: None,
            manifest_complete: complete,
            manifest_digest: NO_MANIFEST_DIGEST.into(),
            manifest_lines: 0,
            api_available: api,
            warning_count: 0,
            enriched_at: String::new(),
            facts: None,
        }
    }

    #[test]
    fn quality_orders_status_then_manifest_then_api() {
        let running = summary(RunStatus::Running, true, true).quality();
        let failed_bare = summary(RunStatus::Failed, false, false).quality();
        let failed_api = summary(RunStatus::Failed, false, true).quality();
        let failed_manifest = summary(RunStatus::Failed, true, false).quality();
        let complete = summary(RunStatus::Completed, true, true).quality();
        assert!(running < failed_bare);
        assert!(failed_bare < failed_api && failed_api < failed_manifest);
        assert!(failed_manifest < complete);
        assert_eq!(complete, 23);
    }

    /// A record as versions that held the uuid in a `String` wrote it (every member of the head but the optional
    /// analysis sections, in their order).
    const OLD_REPORT: &str = concat!(
        r#"{"schemaVersion":1,"runId":"1000001","uuid":"0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10","#,
        r#""arn":"arn:aws:omics:us-east-1:123456789012:run/1000001","status":"COMPLETED","#,
        r#""enrichedAt":"2024-10-20T07:00:00.500Z","enrichedAtSource":"runStopTime","#,
        r#""sources":{"getRun":true,"manifest":true,"listRunTasks":true},"manifestComplete":true,"#,
        r#""manifest":{"logGroup":"/aws/omics/WorkflowLog","#,
        r#""stream":"manifest/run/1000001/0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10","digest":"sha256:ab","#,
        r#""lines":2,"runRecord":true,"taskRecords":1,"malformedLines":0},"run":{"name":"germline"},"#,
        r#""summary":{"taskCount":1,"countsByStatus":{"COMPLETED":1},"cacheHits":0,"manifestOnlyTasks":0,"#,
        r#""apiOnlyTasks":0,"taskHours":0.5,"reservedCpuHours":1.0,"reservedMemoryGibHours":4.0},"#,
        r#""failedTasks":[],"warnings":[],"tasks":[{"taskId":"1","source":"both"}]}"#
    );

    #[test]
    fn old_reports_round_trip_byte_identically() {
        let run: EnrichedRun = serde_json::from_str(OLD_REPORT).unwrap();
        assert_eq!(run.head.uuid, "0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10");
        assert_eq!(serde_json::to_string(&run).unwrap(), OLD_REPORT);

        let summary = summary(RunStatus::Completed, true, true);
        let json = serde_json::to_string(&summary).unwrap();
        assert!(
            json.contains(r#""uuid":"0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10","#),
            "{json}"
        );
        let back: EnrichmentSummary = serde_json::from_str(&json).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn a_malformed_stored_uuid_is_an_error_naming_the_rule() {
        let corrupted =
            OLD_REPORT.replacen("0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10", "0c7a6a8e/1b1e", 1);
        let err = serde_json::from_str::<EnrichedRun>(&corrupted).unwrap_err();
        assert!(err.to_string().contains("run uuid must be"), "{err}");
    }
}
