//! What fleet questions need from each stored run ([`RunFacts`], kept on the DynamoDB summary item) and the
//! answers of the fleet routes ([`ReportListItem`], [`FleetSummary`], [`BatchRollup`], [`WorkflowProfile`]).
//!
//! [`RunFacts`] is computed once, at enrichment (or `reindex`), from the record: the fleet routes sum and compare
//! these figures and never read the S3 reports, so a month of a fleet is one index query, not thousands of
//! object reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::status::RunStatus;
use crate::time::Timestamp;

/// Task groups kept per run on the summary item: the largest by task-hours. The rest is folded into one
/// [`OTHER_GROUPS`] entry so the item stays well under DynamoDB's 400 KB (and the 64 KB) whatever the
/// number of distinct task names.
pub const TASK_GROUPS_KEPT: usize = 100;

/// Base name of the entry that holds the groups beyond [`TASK_GROUPS_KEPT`].
pub const OTHER_GROUPS: &str = "(other task groups)";

/// p50, p95 and max of a sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// Median (nearest rank).
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// Largest value.
    pub max: f64,
}

/// One task group (tasks of one base name) of one run: what a workflow profile needs, without the tasks.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskGroupStats {
    /// The base name ([`crate::analysis::names::base_name`]).
    pub base_name: String,
    /// Tasks in the group (cached ones included).
    pub tasks: u64,
    /// Of which served from the run cache.
    pub cached: u64,
    /// Peak vCPUs of the tasks that ran; absent without metrics.
    pub peak_cpus: Option<Spread>,
    /// Peak memory GiB of the tasks that ran.
    #[serde(rename = "peakMemoryGiB")]
    pub peak_memory_gib: Option<Spread>,
    /// Running seconds of the tasks that ran.
    pub running_seconds: Option<Spread>,
    /// Billed hours by instance type.
    pub billed_hours: BTreeMap<String, f64>,
    /// Σ compute USD of the group's priced tasks.
    pub usd: f64,
    /// Whether any task used a GPU (the group keeps its instance type).
    pub gpu: bool,
}

/// What fleet questions need of one run, written on its summary item at enrichment.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunFacts {
    /// Workflow version.
    pub workflow_version_name: Option<String>,
    /// Run group id.
    pub run_group_id: Option<String>,
    /// Run batch id.
    pub batch_id: Option<String>,
    /// Who started the run (an IAM principal ARN).
    pub started_by: Option<String>,
    /// The run's region.
    pub region: Option<String>,
    /// Σ compute USD of the priced tasks.
    pub compute_usd: f64,
    /// Storage USD, when known.
    pub storage_usd: Option<f64>,
    /// compute + storage when both are complete.
    pub total_usd: Option<f64>,
    /// The known part of the cost (what fleet sums add up).
    pub known_usd: f64,
    /// Whether the cost is complete.
    pub cost_complete: bool,
    /// Right-sizing savings USD (known part).
    pub savings_usd: f64,
    /// Tasks served from the run cache.
    pub cached_tasks: u64,
    /// FAILED tasks.
    pub failed_tasks: u64,
    /// FAILED tasks by diagnosis class (`outOfMemory`, ...; `notDiagnosed` beyond the diagnosed ones).
    pub failures_by_class: BTreeMap<String, u64>,
    /// The class of the run's first failure; absent when nothing failed.
    pub first_failure_class: Option<String>,
    /// Per task group, largest task-hours first (at most [`TASK_GROUPS_KEPT`] + 1).
    pub task_groups: Vec<TaskGroupStats>,
}

/// One stored run in `GET /reports`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportListItem {
    /// Run id.
    pub run_id: String,
    /// Run uuid.
    pub uuid: String,
    /// Run name.
    pub name: Option<String>,
    /// Terminal status.
    pub status: RunStatus,
    /// Workflow id.
    pub workflow_id: Option<String>,
    /// Workflow name.
    pub workflow_name: Option<String>,
    /// Workflow version.
    pub workflow_version_name: Option<String>,
    /// Run group id.
    pub run_group_id: Option<String>,
    /// Batch id.
    pub batch_id: Option<String>,
    /// Who started it.
    pub started_by: Option<String>,
    /// Creation time.
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    /// Start time.
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    /// Stop time.
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    /// Tasks.
    pub task_count: u64,
    /// FAILED tasks.
    pub failed_tasks: u64,
    /// Total USD (null unless complete).
    pub total_usd: Option<f64>,
    /// Known USD.
    pub known_usd: f64,
    /// Compute USD.
    pub compute_usd: f64,
    /// Storage USD.
    pub storage_usd: Option<f64>,
    /// Right-sizing savings USD.
    pub savings_usd: f64,
    /// Σ task running hours.
    pub task_hours: f64,
}

/// Sums over a set of runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetTotals {
    /// Runs.
    pub runs: u64,
    /// Runs by status.
    pub by_status: BTreeMap<String, u64>,
    /// Σ compute USD.
    pub compute_usd: f64,
    /// Σ known storage USD.
    pub storage_usd: f64,
    /// Σ known USD (compute + known storage) of every run.
    pub total_usd: f64,
    /// Σ right-sizing savings USD.
    pub savings_usd: f64,
    /// Σ task-hours.
    pub task_hours: f64,
    /// Σ cached tasks.
    pub cached_tasks: u64,
    /// Σ failed tasks.
    pub failed_tasks: u64,
    /// Runs whose cost is incomplete (their known part is summed).
    pub runs_with_incomplete_cost: u64,
}

/// One group of `GET /fleet/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetGroup {
    /// The group's key (a workflow id, a date, a status, ...; `none` when the run has no value).
    pub key: String,
    /// Its sums.
    #[serde(flatten)]
    pub totals: FleetTotals,
}

/// `GET /fleet/summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSummary {
    /// Window start (stop time ≥).
    pub from: String,
    /// Window end (stop time <).
    pub to: String,
    /// What the groups are.
    pub group_by: String,
    /// Sums over every run in the window.
    pub totals: FleetTotals,
    /// Per group, largest total USD first (dates: oldest first).
    pub groups: Vec<FleetGroup>,
    /// One sentence: what was summed.
    pub basis: String,
}

/// A run named in a batch rollup.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRun {
    /// Run id.
    pub run_id: String,
    /// Run uuid.
    pub uuid: String,
    /// Run name.
    pub name: Option<String>,
    /// Status.
    pub status: RunStatus,
    /// Wall seconds.
    pub wall_time_seconds: Option<f64>,
    /// Known USD.
    pub known_usd: f64,
}

/// Failures of one class across a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchFailureClass {
    /// The class.
    pub class: String,
    /// FAILED tasks of that class.
    pub failed_tasks: u64,
    /// The runs with such failures.
    pub run_ids: Vec<String>,
}

/// `GET /batches/{batchId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRollup {
    /// The batch id.
    pub batch_id: String,
    /// Sums over its stored runs.
    pub totals: FleetTotals,
    /// Failures by class.
    pub failures: Vec<BatchFailureClass>,
    /// The 5 runs with the longest wall time.
    pub slowest: Vec<BatchRun>,
    /// The 5 runs with the highest known cost.
    pub most_expensive: Vec<BatchRun>,
}

/// One task group of a workflow profile.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileGroup {
    /// Base name.
    pub base_name: String,
    /// Runs the group appeared in.
    pub runs_seen: u64,
    /// Tasks seen across those runs.
    pub tasks_seen: u64,
    /// Peak vCPUs across runs.
    pub peak_cpus: Option<Spread>,
    /// Peak memory GiB across runs.
    #[serde(rename = "peakMemoryGiB")]
    pub peak_memory_gib: Option<Spread>,
    /// Running seconds across runs.
    pub running_seconds: Option<Spread>,
    /// Instance types used.
    pub instance_types: Vec<String>,
    /// Whether the group uses GPUs (keeps its type).
    pub gpu: bool,
    /// The recommendation: instance type.
    pub recommended_instance_type: Option<String>,
    /// vCPUs to request.
    pub recommended_cpus: Option<u32>,
    /// GiB to request.
    #[serde(rename = "recommendedMemoryGiB")]
    pub recommended_memory_gib: Option<u32>,
    /// What to do (`downsize`, `upsize`, `keep`, `keepGpu`, `noData`, `exceedsLargest`).
    pub action: String,
    /// Estimated savings per run against what the runs used (negative: an upsize costs more).
    pub savings_usd_per_run: Option<f64>,
}

/// `GET /workflows/{workflowId}/profile`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowProfile {
    /// The workflow.
    pub workflow_id: String,
    /// Workflow name, from the newest run.
    pub workflow_name: Option<String>,
    /// Headroom used.
    pub headroom: f64,
    /// COMPLETED runs used (newest first), at most the `runs` asked for.
    pub runs: Vec<String>,
    /// `high` with ≥ 3 runs, else `low`.
    pub confidence: String,
    /// Why the confidence is what it is, and how the figures were combined.
    pub basis: String,
    /// Median wall seconds of those runs.
    pub median_wall_seconds: Option<f64>,
    /// Σ estimated savings per run.
    pub savings_usd_per_run: Option<f64>,
    /// Per task group, largest saving first.
    pub groups: Vec<ProfileGroup>,
    /// A `process { withName: ... }` block.
    pub nextflow_config: Option<String>,
    /// WDL runtime blocks.
    pub wdl_runtime: Option<String>,
}
