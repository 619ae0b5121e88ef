//! The diagnosis section of a record ([`Diagnosis`]): failed tasks in failure order, classified.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::time::Timestamp;

/// Failed tasks kept in the diagnosis (the earliest failures).
pub const MAX_DIAGNOSED: usize = 100;

/// Why a task failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FailureClass {
    /// Ran out of memory (OOM kill, exit 137, Java heap).
    OutOfMemory,
    /// The container image could not be pulled.
    ImagePull,
    /// The command exited with a non-zero code.
    NonZeroExit,
    /// The run's file system filled up.
    StorageFull,
    /// HealthOmics or an AWS service failed.
    ServiceError,
    /// Nothing recognisable.
    Unknown,
}

impl FailureClass {
    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::OutOfMemory => "out of memory",
            Self::ImagePull => "image pull",
            Self::NonZeroExit => "non-zero exit",
            Self::StorageFull => "storage full",
            Self::ServiceError => "service error",
            Self::Unknown => "unknown",
        }
    }
}

/// One diagnosed failed task.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosedTask {
    /// Task id.
    pub task_id: String,
    /// Task name.
    pub name: Option<String>,
    /// Whether this is the first task that failed.
    pub first: bool,
    /// When it failed (its stop time).
    #[serde(default, with = "crate::time::optional")]
    pub failed_at: Option<Timestamp>,
    /// Failure reason.
    pub failure_reason: Option<String>,
    /// Status message.
    pub status_message: Option<String>,
    /// Exit code named in the reason, message or log tail.
    pub exit_code: Option<i64>,
    /// The class.
    pub class: FailureClass,
    /// The log-tail line that shows the class (e.g. `java.lang.OutOfMemoryError: Java heap space`), so that
    /// nobody has to read the whole tail to see why.
    pub evidence: Option<String>,
    /// What to try next.
    pub next_step: String,
    /// Instance it ran on.
    pub instance_type: Option<String>,
    /// Peak GiB used, when known.
    #[serde(rename = "memoryMaxGiB")]
    pub memory_max_gib: Option<f64>,
    /// GiB reserved.
    #[serde(rename = "memoryReservedGiB")]
    pub memory_reserved_gib: Option<f64>,
    /// Log stream.
    pub log_stream: Option<String>,
    /// The last lines of its log.
    pub log_tail: Vec<String>,
}

/// The diagnosis part of a report.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    /// One sentence for people.
    pub summary: String,
    /// The run's failure reason.
    pub run_failure_reason: Option<String>,
    /// The run's status message.
    pub run_status_message: Option<String>,
    /// FAILED tasks in the run.
    pub failed_task_count: u64,
    /// The first failed task's id.
    pub first_failure_task_id: Option<String>,
    /// Failed tasks in failure order (at most [`MAX_DIAGNOSED`]).
    pub tasks: Vec<DiagnosedTask>,
}
