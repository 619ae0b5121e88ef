//! The EventBridge events HealthOmics sends, parsed with the `aws_lambda_events` EventBridge envelope.
//!
//! Only `Run Status Change` events from `aws.omics` with a finished status (COMPLETED, FAILED, CANCELLED) ask for
//! work; everything else is [`RunEvent::Ignored`] with a reason, never an error, because retrying an event the
//! function does not handle cannot help.
//!
//! The run id comes from `detail.arn` (`...:run/<id>`), as the HealthOmics guide advises: its own sample has a
//! `runId` that differs from the ARN. Older events carry only `omicsVersion`, `arn` and `status`; their uuid is
//! then `None` and the caller asks `GetRun`.

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use crate::ids::{RunId, id_from_arn};
use crate::record::RunUuid;
use crate::status::RunStatus;
use crate::time::Timestamp;

/// `source` of HealthOmics events.
pub const OMICS_SOURCE: &str = "aws.omics";
/// `detail-type` of run status events.
pub const RUN_STATUS_CHANGE: &str = "Run Status Change";
/// `detail-type` of task status events (ignored by the enrichment).
pub const TASK_STATUS_CHANGE: &str = "Task Status Change";

/// The run statuses that trigger an enrichment.
pub const ENRICHED_STATUSES: [RunStatus; 3] = [
    RunStatus::Completed,
    RunStatus::Failed,
    RunStatus::Cancelled,
];

/// The `detail` of a `Run Status Change` event. Every member is optional: old events carry only `omicsVersion`,
/// `arn` and `status`.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStatusChangeDetail {
    /// Event schema version (`1.0.0`).
    pub omics_version: Option<String>,
    /// Run ARN; the authority for the run id.
    pub arn: Option<String>,
    /// New run status.
    pub status: Option<String>,
    /// Run uuid (newer events only).
    pub uuid: Option<String>,
    /// Run id as the event states it (may disagree with the ARN; not used).
    pub run_id: Option<String>,
    /// Run name.
    pub run_name: Option<String>,
    /// Where the run writes its outputs.
    pub run_output_uri: Option<String>,
    /// Workflow id.
    pub workflow_id: Option<String>,
    /// Workflow name.
    pub workflow_name: Option<String>,
}

/// A finished run to enrich, as one event announced it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFinished {
    /// Run id, from the detail's ARN.
    pub run_id: RunId,
    /// Run uuid when the event carries a well-formed one.
    pub uuid: Option<RunUuid>,
    /// The finished status the event announced.
    pub status: RunStatus,
    /// EventBridge event id (for logs).
    pub event_id: Option<String>,
    /// EventBridge event time.
    pub event_time: Option<Timestamp>,
    /// Run name, when present.
    pub run_name: Option<String>,
    /// Workflow name, when present (GetRun does not return it).
    pub workflow_name: Option<String>,
}

/// What an incoming event asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// A run reached COMPLETED, FAILED or CANCELLED.
    Finished(Box<RunFinished>),
    /// Anything else: logged and acknowledged.
    Ignored {
        /// Why the event needs no work, for the log line and the invocation's answer.
        reason: String,
    },
}

impl RunEvent {
    fn ignored(reason: impl Into<String>) -> Self {
        Self::Ignored {
            reason: reason.into(),
        }
    }
}

/// Classifies one Lambda payload (an EventBridge event as JSON).
pub fn parse_run_event(payload: Value) -> RunEvent {
    let event: EventBridgeEvent<Value> = match serde_json::from_value(payload) {
        Ok(event) => event,
        Err(err) => return RunEvent::ignored(format!("not an EventBridge event: {err}")),
    };
    if event.source != OMICS_SOURCE || event.detail_type != RUN_STATUS_CHANGE {
        return RunEvent::ignored(format!(
            "event {:?} from {:?} is not a HealthOmics {RUN_STATUS_CHANGE}",
            event.detail_type, event.source
        ));
    }
    let detail: RunStatusChangeDetail = match serde_json::from_value(event.detail) {
        Ok(detail) => detail,
        Err(err) => return RunEvent::ignored(format!("unreadable detail: {err}")),
    };
    let Some(arn) = detail.arn.as_deref() else {
        return RunEvent::ignored("detail has no run arn");
    };
    let Some(run_id) = id_from_arn(arn, "run").and_then(|id| RunId::parse(id).ok()) else {
        return RunEvent::ignored(format!("detail.arn {arn:?} is not a run ARN"));
    };
    let Some(status) = detail.status.as_deref().map(RunStatus::from_api) else {
        return RunEvent::ignored(format!("run {run_id}: detail has no status"));
    };
    if !ENRICHED_STATUSES.contains(&status) {
        return RunEvent::ignored(format!(
            "run {run_id}: status {status} is not a finished status"
        ));
    }
    RunEvent::Finished(Box::new(RunFinished {
        run_id,
        // A malformed uuid cannot address a manifest stream: the run is enriched as if the event had none.
        uuid: detail.uuid.and_then(|u| RunUuid::parse(&u).ok()),
        status,
        event_id: event.id,
        event_time: event.time,
        run_name: detail.run_name,
        workflow_name: detail.workflow_name,
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(detail_type: &str, detail: Value) -> Value {
        json!({
            "version": "0",
            "id": "2f5d1c3b-0000-4000-8000-000000000001",
            "detail-type": detail_type,
            "source": "aws.omics",
            "account": "123456789012",
            "time": "2024-10-20T07:02:53Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail
        })
    }

    #[test]
    fn reads_the_current_event_shape() {
        let payload = event(
            RUN_STATUS_CHANGE,
            json!({
                "omicsVersion": "1.0.0",
                "arn": "arn:aws:omics:us-east-1:123456789012:run/1000001",
                "status": "COMPLETED",
                "uuid": "0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10",
                "runId": "9999999",
                "runName": "germline",
                "workflowId": "1234567",
                "workflowName": "gatk"
            }),
        );
        let RunEvent::Finished(run) = parse_run_event(payload) else {
            panic!("not finished")
        };
        assert_eq!(run.run_id.as_str(), "1000001", "the ARN wins over runId");
        assert_eq!(run.status, RunStatus::Completed);
        assert_eq!(
            run.uuid.as_ref().map(RunUuid::as_str),
            Some("0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10")
        );
        assert_eq!(run.workflow_name.as_deref(), Some("gatk"));
        assert_eq!(
            run.event_id.as_deref(),
            Some("2f5d1c3b-0000-4000-8000-000000000001")
        );
        assert_eq!(
            crate::time::format_timestamp(&run.event_time.unwrap()),
            "2024-10-20T07:02:53.000Z"
        );
    }

    #[test]
    fn tolerates_the_old_event_shape() {
        let payload = event(
            RUN_STATUS_CHANGE,
            json!({"omicsVersion": "1.0.0", "arn": "arn:aws:omics:us-east-1:1:run/42", "status": "FAILED"}),
        );
        let RunEvent::Finished(run) = parse_run_event(payload) else {
            panic!()
        };
        assert_eq!(
            (run.run_id.as_str(), run.uuid, run.status),
            ("42", None, RunStatus::Failed)
        );
    }

    #[test]
    fn ignores_everything_else() {
        let cases = [
            event(
                TASK_STATUS_CHANGE,
                json!({"arn": "arn:aws:omics:us-east-1:1:task/7", "status": "FAILED"}),
            ),
            event(
                RUN_STATUS_CHANGE,
                json!({"arn": "arn:aws:omics:us-east-1:1:run/42", "status": "RUNNING"}),
            ),
            event(
                RUN_STATUS_CHANGE,
                json!({"arn": "arn:aws:omics:us-east-1:1:run/42", "status": "DELETED"}),
            ),
            event(RUN_STATUS_CHANGE, json!({"status": "COMPLETED"})),
            event(
                RUN_STATUS_CHANGE,
                json!({"arn": "arn:aws:omics:us-east-1:1:workflow/42", "status": "COMPLETED"}),
            ),
            event(
                RUN_STATUS_CHANGE,
                json!({"arn": "arn:aws:omics:us-east-1:1:run/4x", "status": "COMPLETED"}),
            ),
            event(
                RUN_STATUS_CHANGE,
                json!({"arn": "arn:aws:omics:us-east-1:1:run/42"}),
            ),
            event(RUN_STATUS_CHANGE, json!("a string")),
            json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {}}),
            json!({"hello": "world"}),
            json!([1, 2]),
        ];
        for payload in cases {
            let text = payload.to_string();
            assert!(
                matches!(parse_run_event(payload), RunEvent::Ignored { .. }),
                "{text}"
            );
        }
    }

    #[test]
    fn drops_uuids_that_cannot_address_a_stream() {
        let payload = event(
            RUN_STATUS_CHANGE,
            json!({"arn": "arn:aws:omics:us-east-1:1:run/42", "status": "CANCELLED", "uuid": "../x"}),
        );
        let RunEvent::Finished(run) = parse_run_event(payload) else {
            panic!()
        };
        assert_eq!(run.uuid, None);
    }

    #[test]
    fn sample_events_parse() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.starts_with("run-status-") || name == "task-status-change.json") {
                continue;
            }
            let payload: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let parsed = parse_run_event(payload);
            let finished = matches!(parsed, RunEvent::Finished(_));
            let expected = ["completed", "failed", "cancelled"]
                .iter()
                .any(|s| name.contains(s));
            assert_eq!(finished, expected, "{name}: {parsed:?}");
        }
    }
}
