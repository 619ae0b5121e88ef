//! Domain models of HealthOmics runs and tasks.
//!
//! They serialize with the member names users know from `aws omics get-run` (camelCase), ISO-8601 timestamps, and
//! absent members omitted rather than null.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use crate::ids::RunGroupId;
use crate::status::{RunStatus, TaskStatus};
use crate::time::Timestamp;

/// A workflow run: every member of the `GetRun` response.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Members mirror the GetRun API reference one to one.
pub struct Run {
    pub arn: Option<String>,
    pub id: Option<String>,
    pub run_id: Option<String>,
    pub uuid: Option<String>,
    pub name: Option<String>,
    pub status: Option<RunStatus>,
    pub status_message: Option<String>,
    pub failure_reason: Option<String>,
    pub workflow_id: Option<String>,
    pub workflow_type: Option<String>,
    pub workflow_owner_id: Option<String>,
    pub workflow_version_name: Option<String>,
    pub workflow_uuid: Option<String>,
    pub engine_version: Option<String>,
    pub digest: Option<String>,
    pub definition: Option<String>,
    pub resource_digests: Option<BTreeMap<String, String>>,
    pub parameters: Option<Value>,
    pub priority: Option<i32>,
    pub storage_capacity: Option<i32>,
    pub storage_type: Option<String>,
    pub output_uri: Option<String>,
    pub run_output_uri: Option<String>,
    pub output_uri_prefix_mode: Option<String>,
    pub role_arn: Option<String>,
    pub run_group_id: Option<String>,
    pub batch_id: Option<String>,
    pub started_by: Option<String>,
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    pub log_level: Option<String>,
    pub log_location: Option<RunLogLocation>,
    pub retention_mode: Option<String>,
    pub accelerators: Option<String>,
    pub cache_id: Option<String>,
    pub cache_behavior: Option<String>,
    pub networking_mode: Option<String>,
    pub scratch_storage_mode: Option<String>,
    pub configuration: Option<ConfigurationDetails>,
    pub vpc_config: Option<VpcConfig>,
    /// Returned only for Nextflow runs.
    pub engine_settings: Option<Value>,
    pub session_policy: Option<String>,
    pub tags: Option<BTreeMap<String, String>>,
}

/// Where a run's engine and run logs are.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunLogLocation {
    /// Engine log stream name.
    pub engine_log_stream: Option<String>,
    /// Run log stream name.
    pub run_log_stream: Option<String>,
}

/// The run configuration a run used.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationDetails {
    /// Configuration name.
    pub name: Option<String>,
    /// Configuration ARN.
    pub arn: Option<String>,
    /// Configuration uuid.
    pub uuid: Option<String>,
}

/// The VPC a run was attached to.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VpcConfig {
    /// Security group ids.
    pub security_group_ids: Option<Vec<String>>,
    /// Subnet ids.
    pub subnet_ids: Option<Vec<String>>,
    /// VPC id.
    pub vpc_id: Option<String>,
    /// Account owning the VPC.
    pub vpc_owner_account_id: Option<String>,
}

/// A run as `ListRuns` returns it.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Members mirror the RunListItem API reference.
pub struct RunSummary {
    pub arn: Option<String>,
    pub id: Option<String>,
    pub status: Option<RunStatus>,
    pub workflow_id: Option<String>,
    pub batch_id: Option<String>,
    pub name: Option<String>,
    pub priority: Option<i32>,
    pub storage_capacity: Option<i32>,
    pub storage_type: Option<String>,
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    pub workflow_version_name: Option<String>,
    pub workflow_name: Option<String>,
}

/// A task: every member of `GetRunTask`; from `ListRunTasks` only the list members are set.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Members mirror the GetRunTask / TaskListItem API reference.
pub struct Task {
    pub task_id: Option<String>,
    pub uuid: Option<String>,
    pub status: Option<TaskStatus>,
    pub name: Option<String>,
    pub cpus: Option<i32>,
    /// Requested memory in GiB.
    pub memory: Option<i32>,
    pub gpus: Option<i32>,
    pub instance_type: Option<String>,
    pub cache_hit: Option<bool>,
    pub cache_s3_uri: Option<String>,
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    pub status_message: Option<String>,
    pub log_stream: Option<String>,
    pub failure_reason: Option<String>,
    pub image_details: Option<ImageDetails>,
}

/// The container image a task ran.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageDetails {
    /// Image URI as run.
    pub image: Option<String>,
    /// Resolved image digest.
    pub image_digest: Option<String>,
    /// Image URI as written in the workflow.
    pub source_image: Option<String>,
}

/// One page of a list operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The page's items, in upstream order.
    pub items: Vec<T>,
    /// The upstream token for the next page; `None` on the last page.
    pub next_token: Option<String>,
}

/// Which page of a list to fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Upstream token from a previous page.
    pub starting_token: Option<String>,
    /// Page size, 1–100.
    pub max_results: Option<i32>,
}

/// Filters of `ListRuns`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListRunsFilter {
    /// Run name (HealthOmics matches on the name's beginning).
    pub name: Option<String>,
    /// Only runs in this status.
    pub status: Option<RunStatus>,
    /// Only runs of this run group.
    pub run_group_id: Option<RunGroupId>,
}
