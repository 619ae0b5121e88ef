//! The right-sizing section of a record ([`Rightsizing`]): the smallest instances that fit, per task and per
//! task group, with savings and snippets.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// Tasks listed individually in [`Rightsizing::tasks`], largest saving first.
pub const TASKS_LISTED: usize = 50;

/// Groups listed in [`Rightsizing::groups`] (and in the snippets), largest saving first; the totals count all.
pub const GROUPS_LISTED: usize = 200;

/// What to do with a task or group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// A smaller (cheaper) instance fits.
    Downsize,
    /// The current instance is the smallest that fits.
    Keep,
    /// The peak plus headroom does not fit the current instance.
    Upsize,
    /// A GPU task: it keeps its type.
    KeepGpu,
    /// No peak use recorded (no manifest metrics): nothing to recommend.
    NoData,
    /// Even the largest instance does not fit the need.
    ExceedsLargest,
}

/// A recommendation for one task.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskRecommendation {
    /// Task id.
    pub task_id: String,
    /// Task name.
    pub name: Option<String>,
    /// Its group.
    pub base_name: String,
    /// The instance it ran on.
    pub instance_type: Option<String>,
    /// Peak vCPUs used.
    pub max_cpus: Option<f64>,
    /// Peak GiB used.
    #[serde(rename = "maxMemoryGiB")]
    pub max_memory_gib: Option<f64>,
    /// vCPUs needed with headroom.
    pub needed_cpus: Option<u32>,
    /// GiB needed with headroom.
    #[serde(rename = "neededMemoryGiB")]
    pub needed_memory_gib: Option<u32>,
    /// The smallest instance that fits.
    pub recommended_instance_type: Option<String>,
    /// What to do.
    pub action: Action,
    /// Its compute cost now.
    pub current_usd: Option<f64>,
    /// Its compute cost on the recommendation.
    pub recommended_usd: Option<f64>,
    /// current − recommended.
    pub savings_usd: Option<f64>,
}

/// A recommendation for all shards of one task.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupRecommendation {
    /// The base name.
    pub base_name: String,
    /// Tasks (shards) in the group, cached ones excluded.
    pub tasks: u64,
    /// Instance types the shards ran on.
    pub instance_types: Vec<String>,
    /// Largest peak vCPUs of any shard.
    pub max_cpus: Option<f64>,
    /// Largest peak GiB of any shard.
    #[serde(rename = "maxMemoryGiB")]
    pub max_memory_gib: Option<f64>,
    /// vCPUs needed with headroom.
    pub needed_cpus: Option<u32>,
    /// GiB needed with headroom.
    #[serde(rename = "neededMemoryGiB")]
    pub needed_memory_gib: Option<u32>,
    /// The smallest instance that fits the largest shard.
    pub recommended_instance_type: Option<String>,
    /// vCPUs to request (the recommendation's).
    pub recommended_cpus: Option<u32>,
    /// GiB to request (the recommendation's).
    #[serde(rename = "recommendedMemoryGiB")]
    pub recommended_memory_gib: Option<u32>,
    /// What to do.
    pub action: Action,
    /// Σ compute cost of the shards now.
    pub current_usd: Option<f64>,
    /// Σ compute cost on the recommendation.
    pub recommended_usd: Option<f64>,
    /// current − recommended.
    pub savings_usd: Option<f64>,
}

/// The right-sizing part of a report.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rightsizing {
    /// The headroom used (0.1 = 10 %).
    pub headroom: f64,
    /// Σ group savings; null when some group's saving is unknown (see `knownSavingsUsd`).
    pub total_savings_usd: Option<f64>,
    /// Σ of the group savings that are known.
    pub known_savings_usd: f64,
    /// Groups, largest saving first (at most [`GROUPS_LISTED`]).
    pub groups: Vec<GroupRecommendation>,
    /// Groups left out of `groups` (their savings are in the totals).
    #[serde(default)]
    pub groups_omitted: u64,
    /// Individual tasks with the largest savings (at most [`TASKS_LISTED`]).
    pub tasks: Vec<TaskRecommendation>,
    /// A `process { withName: ... }` block for `nextflow.config` (Nextflow or unknown engine).
    pub nextflow_config: Option<String>,
    /// WDL `runtime` blocks, one per task (WDL or unknown engine).
    pub wdl_runtime: Option<String>,
    /// What could not be priced or sized.
    pub warnings: Vec<String>,
}
