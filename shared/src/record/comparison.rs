//! The comparison of two stored runs ([`Comparison`]), as the compare route returns it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use super::RunUuid;

/// A value that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change<T> {
    /// In run a.
    pub a: T,
    /// In run b.
    pub b: T,
}

/// Differences between two maps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapDiff<T> {
    /// Only in b.
    pub added: BTreeMap<String, T>,
    /// Only in a.
    pub removed: BTreeMap<String, T>,
    /// In both, different.
    pub changed: BTreeMap<String, Change<T>>,
    /// In both, equal.
    pub unchanged: u64,
}

impl<T> MapDiff<T> {
    /// Whether nothing differs.
    pub fn is_same(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// What identifies one side.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSide {
    /// Run id.
    pub run_id: String,
    /// Run uuid.
    pub uuid: RunUuid,
    /// Run name.
    pub name: Option<String>,
    /// Status.
    pub status: String,
    /// Workflow id.
    pub workflow_id: Option<String>,
    /// Workflow version.
    pub workflow_version_name: Option<String>,
    /// Workflow digest.
    pub digest: Option<String>,
    /// Engine version.
    pub engine_version: Option<String>,
    /// Storage type.
    pub storage_type: Option<String>,
}

/// Per task name, one side.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStats {
    /// Tasks with the name (retries and repeats included).
    pub count: u64,
    /// Σ running seconds.
    pub running_seconds: f64,
    /// Σ compute cost; null when one of them is unpriced.
    pub usd: Option<f64>,
    /// Instance types.
    pub instance_types: Vec<String>,
    /// Largest reserved vCPUs.
    pub reserved_cpus: Option<f64>,
    /// Largest reserved GiB.
    #[serde(rename = "reservedMemoryGiB")]
    pub reserved_memory_gib: Option<f64>,
    /// Largest peak vCPUs.
    pub max_cpus: Option<f64>,
    /// Largest peak GiB.
    #[serde(rename = "maxMemoryGiB")]
    pub max_memory_gib: Option<f64>,
    /// Statuses seen.
    pub statuses: Vec<String>,
    /// Served from the cache (all of them).
    pub cached: bool,
}

/// b − a of the numbers of [`TaskStats`].
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDeltas {
    /// Running seconds.
    pub running_seconds: Option<f64>,
    /// Cost.
    pub usd: Option<f64>,
    /// Reserved vCPUs.
    pub reserved_cpus: Option<f64>,
    /// Reserved GiB.
    #[serde(rename = "reservedMemoryGiB")]
    pub reserved_memory_gib: Option<f64>,
    /// Peak vCPUs.
    pub max_cpus: Option<f64>,
    /// Peak GiB.
    #[serde(rename = "maxMemoryGiB")]
    pub max_memory_gib: Option<f64>,
}

/// One task name in both runs.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskComparison {
    /// Task name.
    pub name: String,
    /// In run a.
    pub a: Option<TaskStats>,
    /// In run b.
    pub b: Option<TaskStats>,
    /// b − a (when in both).
    pub delta: Option<TaskDeltas>,
}

/// Run-level numbers of one side.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Tasks.
    pub tasks: u64,
    /// Cached tasks.
    pub cached_tasks: u64,
    /// Failed tasks.
    pub failed_tasks: u64,
    /// Run duration, seconds.
    pub duration_seconds: Option<f64>,
    /// Σ task running hours.
    pub task_hours: f64,
    /// Compute cost (priced tasks).
    pub compute_usd: f64,
    /// Whether every task is priced.
    pub compute_complete: bool,
    /// Storage cost.
    pub storage_usd: Option<f64>,
    /// compute + storage when both are complete.
    pub total_usd: Option<f64>,
}

/// An image's digests on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageChange {
    /// The image (as the tasks name it).
    pub image: String,
    /// Digests in run a.
    pub a: Vec<String>,
    /// Digests in run b.
    pub b: Vec<String>,
}

/// The comparison.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    /// Run a.
    pub a: RunSide,
    /// Run b.
    pub b: RunSide,
    /// Workflow, version, digest or engine version differ.
    pub workflow_changed: bool,
    /// Parameters, flattened (`a.b.c`).
    pub parameters: MapDiff<Value>,
    /// Input digests by URI.
    pub resource_digests: MapDiff<String>,
    /// Images whose digests differ.
    pub images: Vec<ImageChange>,
    /// Per task name, sorted by |Δ running seconds|, largest first.
    pub tasks: Vec<TaskComparison>,
    /// Totals of a.
    pub totals_a: Totals,
    /// Totals of b.
    pub totals_b: Totals,
    /// b − a of the totals.
    pub delta: TotalDeltas,
    /// What could not be compared or priced.
    pub warnings: Vec<String>,
}

/// b − a of [`Totals`].
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TotalDeltas {
    /// Tasks.
    pub tasks: i64,
    /// Duration.
    pub duration_seconds: Option<f64>,
    /// Task hours.
    pub task_hours: f64,
    /// Compute cost.
    pub compute_usd: f64,
    /// Total cost (when both complete).
    pub total_usd: Option<f64>,
}
