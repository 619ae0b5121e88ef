//! The events a live run is followed by, in the shapes HealthOmics sends (see
//! `../shared/reference/real-world/events/`): `Task Status Change` (the task id only in the task ARN; the run by
//! `runArn`, `runUuid`), `Run Status Change` of every status (old events carry only `omicsVersion`, `arn`,
//! `status`) and `RunBatch Status Change` (its counts are strings: `"totalRuns": "96"`).
//!
//! Anything else is [`Unhandled`]: the caller counts it, logs it and acknowledges it, because retrying an event
//! that cannot be read cannot help.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::Deserialize;
use serde_json::Value;

use crate::events::{OMICS_SOURCE, RUN_STATUS_CHANGE, TASK_STATUS_CHANGE};
use crate::ids::RunId;
use crate::record::ids::id_from_arn;
use crate::record::{BatchId, RunUuid, TaskId};
use crate::status::{RunStatus, TaskStatus};
use crate::time::Timestamp;

/// `detail-type` of run batch events.
pub const RUN_BATCH_STATUS_CHANGE: &str = "RunBatch Status Change";

/// What one event says.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// A task changed status.
    Task(TaskChange),
    /// A run changed status.
    Run(RunChange),
    /// A run batch changed status or counts.
    Batch(BatchChange),
}

/// Why an event is not followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unhandled {
    /// Another source or detail type (workflow, read set, variant store events ...).
    OtherType(String),
    /// A HealthOmics event of a followed type that cannot be read.
    Malformed(String),
}

/// A `Task Status Change`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskChange {
    /// The run, from `runArn`.
    pub run_id: RunId,
    /// The run's uuid, when the event carries a well-formed one.
    pub run_uuid: Option<RunUuid>,
    /// The task, from the task ARN (the event has no task id field).
    pub task_id: TaskId,
    /// The new status.
    pub status: TaskStatus,
    /// When the event says it happened (EventBridge `time`, whole seconds).
    pub at: Timestamp,
    /// The workflow, when named.
    pub workflow_id: Option<String>,
}

/// A `Run Status Change`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunChange {
    /// The run, from `arn`.
    pub run_id: RunId,
    /// The uuid, when the event carries a well-formed one.
    pub uuid: Option<RunUuid>,
    /// The new status.
    pub status: RunStatus,
    /// Event time.
    pub at: Timestamp,
    /// The workflow, when named.
    pub workflow_id: Option<String>,
    /// The run's name, when named.
    pub run_name: Option<String>,
}

/// A `RunBatch Status Change`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchChange {
    /// The batch.
    pub batch_id: BatchId,
    /// Its status as sent (`PROCESSED`, `FAILED`, ...).
    pub status: String,
    /// Event time.
    pub at: Timestamp,
    /// Its name, when named.
    pub batch_name: Option<String>,
    /// The workflow its runs run, when named.
    pub workflow_id: Option<String>,
    /// The counts, as numbers.
    pub counts: BatchCounts,
    /// Why a batch failed (`VALIDATION_EXCEPTION`), when it did.
    pub failure_reason: Option<String>,
    /// The failure's message.
    pub failure_message: Option<String>,
}

/// A batch's counts (absent ones `None`, left out of the JSON).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchCounts {
    /// Runs in the batch.
    pub total_runs: Option<u64>,
    /// Runs submitted successfully.
    pub successful_start_submission_count: Option<u64>,
    /// Runs that failed to start.
    pub failed_start_submission_count: Option<u64>,
    /// Runs not submitted yet.
    pub pending_start_submission_count: Option<u64>,
    /// Runs COMPLETED.
    pub completed_run_count: Option<u64>,
    /// Runs FAILED.
    pub failed_run_count: Option<u64>,
    /// Runs CANCELLED.
    pub cancelled_run_count: Option<u64>,
}

/// The detail members the three followed types use (every one optional; `null` is absent).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Detail {
    arn: Option<String>,
    status: Option<String>,
    uuid: Option<String>,
    run_arn: Option<String>,
    run_uuid: Option<String>,
    run_name: Option<String>,
    workflow_id: Option<Value>,
    batch_id: Option<Value>,
    batch_name: Option<String>,
    failure_reason: Option<String>,
    failure_message: Option<String>,
    total_runs: Option<Value>,
    successful_start_submission_count: Option<Value>,
    failed_start_submission_count: Option<Value>,
    pending_start_submission_count: Option<Value>,
    completed_run_count: Option<Value>,
    failed_run_count: Option<Value>,
    cancelled_run_count: Option<Value>,
}

/// Reads one EventBridge event (as its JSON).
pub fn parse_live_event(payload: Value) -> Result<LiveEvent, Unhandled> {
    let event: EventBridgeEvent<Value> = serde_json::from_value(payload)
        .map_err(|e| Unhandled::Malformed(format!("not an EventBridge event: {e}")))?;
    let followed = [
        TASK_STATUS_CHANGE,
        RUN_STATUS_CHANGE,
        RUN_BATCH_STATUS_CHANGE,
    ];
    if event.source != OMICS_SOURCE || !followed.contains(&event.detail_type.as_str()) {
        return Err(Unhandled::OtherType(format!(
            "{:?} from {:?}",
            event.detail_type, event.source
        )));
    }
    let malformed = |why: String| Unhandled::Malformed(format!("{}: {why}", event.detail_type));
    let detail: Detail = serde_json::from_value(event.detail)
        .map_err(|e| malformed(format!("unreadable detail: {e}")))?;
    // Without its time an event cannot be ordered against the others of its task.
    let at = event.time.ok_or_else(|| malformed("no time".into()))?;
    match event.detail_type.as_str() {
        TASK_STATUS_CHANGE => task_change(detail, at).map(LiveEvent::Task),
        RUN_STATUS_CHANGE => run_change(detail, at).map(LiveEvent::Run),
        _ => batch_change(detail, at).map(LiveEvent::Batch),
    }
    .map_err(malformed)
}

fn task_change(detail: Detail, at: Timestamp) -> Result<TaskChange, String> {
    let arn = detail.arn.as_deref().ok_or("no task arn")?;
    let task_id = id_from_arn(arn, "task")
        .and_then(|id| TaskId::parse(id).ok())
        .ok_or_else(|| format!("arn {arn:?} is not a task ARN"))?;
    let run_arn = detail.run_arn.as_deref().ok_or("no runArn")?;
    let run_id = id_from_arn(run_arn, "run")
        .and_then(|id| RunId::parse(id).ok())
        .ok_or_else(|| format!("runArn {run_arn:?} is not a run ARN"))?;
    Ok(TaskChange {
        run_id,
        run_uuid: detail
            .run_uuid
            .as_deref()
            .and_then(|u| RunUuid::parse(u).ok()),
        task_id,
        status: TaskStatus::from_api(detail.status.as_deref().ok_or("no status")?),
        at,
        workflow_id: detail.workflow_id.as_ref().and_then(text),
    })
}

fn run_change(detail: Detail, at: Timestamp) -> Result<RunChange, String> {
    let arn = detail.arn.as_deref().ok_or("no run arn")?;
    let run_id = id_from_arn(arn, "run")
        .and_then(|id| RunId::parse(id).ok())
        .ok_or_else(|| format!("arn {arn:?} is not a run ARN"))?;
    Ok(RunChange {
        run_id,
        uuid: detail.uuid.as_deref().and_then(|u| RunUuid::parse(u).ok()),
        status: RunStatus::from_api(detail.status.as_deref().ok_or("no status")?),
        at,
        workflow_id: detail.workflow_id.as_ref().and_then(text),
        run_name: detail.run_name,
    })
}

fn batch_change(detail: Detail, at: Timestamp) -> Result<BatchChange, String> {
    let from_arn = detail
        .arn
        .as_deref()
        .and_then(|arn| id_from_arn(arn, "runBatch"))
        .map(str::to_owned);
    let id = detail
        .batch_id
        .as_ref()
        .and_then(text)
        .or(from_arn)
        .ok_or("no batch id")?;
    let batch_id = BatchId::parse(&id).map_err(|e| format!("batch id: {e}"))?;
    let count = |value: &Option<Value>, name: &str| -> Result<Option<u64>, String> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(v) => number(v)
                .map(Some)
                .ok_or_else(|| format!("{name} is not a count: {v}")),
        }
    };
    Ok(BatchChange {
        batch_id,
        status: detail.status.ok_or("no status")?,
        at,
        batch_name: detail.batch_name,
        failure_reason: detail.failure_reason,
        failure_message: detail.failure_message,
        workflow_id: detail.workflow_id.as_ref().and_then(text),
        counts: BatchCounts {
            total_runs: count(&detail.total_runs, "totalRuns")?,
            successful_start_submission_count: count(
                &detail.successful_start_submission_count,
                "successfulStartSubmissionCount",
            )?,
            failed_start_submission_count: count(
                &detail.failed_start_submission_count,
                "failedStartSubmissionCount",
            )?,
            pending_start_submission_count: count(
                &detail.pending_start_submission_count,
                "pendingStartSubmissionCount",
            )?,
            completed_run_count: count(&detail.completed_run_count, "completedRunCount")?,
            failed_run_count: count(&detail.failed_run_count, "failedRunCount")?,
            cancelled_run_count: count(&detail.cancelled_run_count, "cancelledRunCount")?,
        },
    })
}

/// A string or number member as text (ids arrive as either).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A count sent as a string (`"96"`) or a number.
fn number(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(detail_type: &str, detail: Value) -> Value {
        json!({
            "version": "0", "id": "e-1", "detail-type": detail_type, "source": "aws.omics",
            "account": "123456789012", "time": "2024-10-30T09:05:44Z", "region": "us-west-2",
            "resources": [], "detail": detail
        })
    }

    #[test]
    fn a_task_event_names_its_task_and_run_by_arn_only() {
        let event = envelope(
            TASK_STATUS_CHANGE,
            json!({"omicsVersion": "1.0.0", "arn": "arn:aws:omics:us-west-2:123456789012:task/8888888",
                   "status": "RUNNING", "runArn": "arn:aws:omics:us-west-2:123456789012:run/2101313",
                   "runUuid": "153893cd-097a-40ec-aec7-838a97cd2b21", "runId": "1234567"}),
        );
        let Ok(LiveEvent::Task(task)) = parse_live_event(event) else {
            panic!("a task event")
        };
        assert_eq!(task.task_id.as_str(), "8888888");
        assert_eq!(task.run_id.as_str(), "2101313", "the ARN, not runId");
        assert_eq!(task.status, TaskStatus::Running);
        assert!(task.run_uuid.is_some());
    }

    #[test]
    fn batch_counts_arrive_as_strings_and_leave_as_numbers() {
        let event = envelope(
            RUN_BATCH_STATUS_CHANGE,
            json!({"arn": "arn:aws:omics:us-west-2:123456789012:runBatch/7123456", "batchId": "7123456",
                   "status": "PROCESSED", "totalRuns": "96", "completedRunCount": "90",
                   "failedRunCount": 4, "cancelledRunCount": null}),
        );
        let Ok(LiveEvent::Batch(batch)) = parse_live_event(event) else {
            panic!("a batch event")
        };
        assert_eq!(batch.counts.total_runs, Some(96));
        assert_eq!(batch.counts.failed_run_count, Some(4));
        assert_eq!(batch.counts.cancelled_run_count, None);
        let bad = envelope(
            RUN_BATCH_STATUS_CHANGE,
            json!({"batchId": "7123456", "status": "PROCESSED", "totalRuns": "many"}),
        );
        assert!(
            matches!(parse_live_event(bad), Err(Unhandled::Malformed(m)) if m.contains("totalRuns"))
        );
    }

    #[test]
    fn old_run_events_and_other_types_are_read_or_set_aside() {
        let old = envelope(
            RUN_STATUS_CHANGE,
            json!({"omicsVersion": "1.0.0", "arn": "arn:aws:omics:us-west-2:123456789012:run/1234567",
                   "status": "STARTING"}),
        );
        let Ok(LiveEvent::Run(run)) = parse_live_event(old) else {
            panic!("a run event")
        };
        assert_eq!((run.status, run.uuid), (RunStatus::Starting, None));
        let workflow = envelope("Workflow Status Change", json!({"status": "FAILED"}));
        assert!(matches!(
            parse_live_event(workflow),
            Err(Unhandled::OtherType(_))
        ));
        assert!(matches!(
            parse_live_event(json!({"nope": 1})),
            Err(Unhandled::Malformed(_))
        ));
        let no_arn = envelope(TASK_STATUS_CHANGE, json!({"status": "RUNNING"}));
        assert!(matches!(
            parse_live_event(no_arn),
            Err(Unhandled::Malformed(_))
        ));
    }
}
