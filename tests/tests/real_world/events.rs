//! The EventBridge samples of the folder through the event parser: finished runs are enriched, everything else
//! (other statuses, Task / Workflow / RunBatch / Read Set / Variant events) is ignored with a reason, never an
//! error.

use omics_introspect::RunStatus;
use omics_introspect::events::{RunEvent, parse_run_event};
use omics_introspect::ids::id_from_arn;
use serde_json::Value;

use super::corpus;

/// What the parser must make of each sample: `Ok((run id, uuid))` for a finished run, `Err(words of the reason)`.
fn expected(file: &str) -> Result<(&'static str, Option<&'static str>), &'static str> {
    match file {
        // The guide's own sample: `runId` 1234567 differs from the ARN's 2101313; the ARN wins.
        "events/awsdocs-eventbridge.run-status-change.COMPLETED.json" => {
            Ok(("2101313", Some("153893cd-097a-40ec-aec7-838a97cd2b21")))
        }
        "events/aws-samples-eventbridge-integration.run-status-change.PENDING.json" => {
            Err("not a finished status")
        }
        f if f.contains("task-status-change") => Err("Task Status Change"),
        f if f.contains("workflow-status-change") => Err("Workflow Status Change"),
        f if f.contains("runbatch-status-change") => Err("RunBatch Status Change"),
        f if f.contains("read-set-status-change") => Err("Read Set Status Change"),
        f if f.contains("variant-store-status-change") => Err("Variant Store Status Change"),
        f if f.contains("variant-import-job-status-change") => {
            Err("Variant Import Job Status Change")
        }
        other => panic!("{other}: a sample without an expectation"),
    }
}

#[test]
fn every_sample_event_is_enriched_or_ignored_cleanly() {
    for file in corpus::files("events") {
        let payload = corpus::json(&file);
        match (parse_run_event(payload), expected(&file)) {
            (RunEvent::Finished(run), Ok((run_id, uuid))) => {
                assert_eq!(run.run_id.as_str(), run_id, "{file}");
                assert_eq!(run.uuid.as_ref().map(|u| u.as_str()), uuid, "{file}");
                assert_eq!(run.status, RunStatus::Completed, "{file}");
                assert_eq!(
                    run.workflow_name.as_deref(),
                    Some("workflow name"),
                    "{file}"
                );
            }
            (RunEvent::Ignored { reason }, Err(words)) => {
                assert!(reason.contains(words), "{file}: {reason}");
            }
            (got, want) => panic!("{file}: got {got:?}, expected {want:?}"),
        }
    }
}

#[test]
fn the_old_three_member_run_event_still_reads() {
    // `omicsVersion`, `arn` and `status` only; PENDING is not finished, but the same shape when COMPLETED is.
    let mut payload =
        corpus::json("events/aws-samples-eventbridge-integration.run-status-change.PENDING.json");
    payload["detail"]["status"] = Value::from("COMPLETED");
    let RunEvent::Finished(run) = parse_run_event(payload) else {
        panic!("a finished old-shape event is enriched")
    };
    assert_eq!(
        (run.run_id.as_str(), run.uuid.as_ref().map(|u| u.as_str())),
        ("1111111", None)
    );
}

#[test]
fn task_status_change_names_its_task_and_run_by_arn() {
    // Task events carry no task id member: the ids come from the ARNs, which must read.
    let payload = corpus::json("events/awsdocs-eventbridge.task-status-change.COMPLETED.json");
    assert_eq!(payload["detail-type"], "Task Status Change");
    let detail = &payload["detail"];
    assert_eq!(
        id_from_arn(detail["arn"].as_str().unwrap(), "task"),
        Some("8888888")
    );
    assert_eq!(
        id_from_arn(detail["runArn"].as_str().unwrap(), "run"),
        Some("2101313")
    );
}

#[test]
fn every_sample_event_is_followed_live_or_set_aside_cleanly() {
    use omics_introspect::live::{LiveEvent, Unhandled, parse_live_event};
    for file in corpus::files("events") {
        match parse_live_event(corpus::json(&file)) {
            Ok(LiveEvent::Task(task)) => {
                assert!(file.contains("task-status-change"), "{file}");
                assert_eq!(
                    (task.task_id.as_str(), task.run_id.as_str()),
                    ("8888888", "2101313"),
                    "{file}"
                );
            }
            Ok(LiveEvent::Run(run)) => {
                assert!(file.contains("run-status-change"), "{file}: {run:?}");
            }
            Ok(LiveEvent::Batch(batch)) => {
                assert!(file.contains("runbatch-status-change"), "{file}");
                assert_eq!(batch.batch_id.as_str(), "7123456", "{file}");
                // A processed batch counts its runs (strings in the event); a failed one says why.
                let told = match batch.status.as_str() {
                    "FAILED" => batch.failure_reason.is_some(),
                    _ => batch.counts.total_runs == Some(96),
                };
                assert!(told, "{file}: {batch:?}");
            }
            Err(Unhandled::OtherType(what)) => {
                assert!(
                    !file.contains("run-status-change") && !file.contains("task-status-change"),
                    "{file}: {what}"
                );
            }
            Err(Unhandled::Malformed(why)) => panic!("{file}: {why}"),
        }
    }
}
