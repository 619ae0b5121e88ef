//! A run batch's live status: the latest `RunBatch Status Change` of the batch, kept as a register (the later
//! event wins; at one instant, the status further along a batch's life), and whether the batch has finished.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::event::{BatchChange, BatchCounts};
use crate::time::Timestamp;

/// How far along a batch's life `status` is (HealthOmics' `BatchStatus`; unknown values first).
pub fn batch_step(status: &str) -> u8 {
    match status {
        "CREATING" => 1,
        "PENDING" => 2,
        "SUBMITTING" => 3,
        "INPROGRESS" => 4,
        "STOPPING" => 5,
        "PROCESSED" | "CANCELLED" | "FAILED" => 6,
        "RUNS_DELETING" => 7,
        "RUNS_DELETE_FAILED" => 8,
        "RUNS_DELETED" => 9,
        _ => 0,
    }
}

/// Whether a batch in `status` has finished: every run reached a terminal state (`PROCESSED`), or the batch was
/// cancelled or failed before its runs could be created.
pub fn batch_finished(status: &str) -> bool {
    matches!(status, "PROCESSED" | "CANCELLED" | "FAILED")
}

/// What the newest event of a batch said: the `batchStatus` of `GET /batches/{batchId}`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchStatus {
    /// The batch.
    pub batch_id: String,
    /// Its status as HealthOmics sent it.
    pub status: String,
    /// Whether the batch has finished ([`batch_finished`]).
    pub finished: bool,
    /// When the event says it happened.
    #[serde(with = "crate::time::required")]
    pub at: Timestamp,
    /// Its name.
    pub batch_name: Option<String>,
    /// The workflow its runs run.
    pub workflow_id: Option<String>,
    /// Runs by submission and by run status, as numbers.
    pub counts: BatchCounts,
    /// Why the batch failed.
    pub failure_reason: Option<String>,
    /// The failure's message.
    pub failure_message: Option<String>,
}

impl BatchStatus {
    /// The status an event reports.
    pub fn of(change: &BatchChange) -> Self {
        Self {
            batch_id: change.batch_id.to_string(),
            status: change.status.clone(),
            finished: batch_finished(&change.status),
            at: change.at,
            batch_name: change.batch_name.clone(),
            workflow_id: change.workflow_id.clone(),
            counts: change.counts.clone(),
            failure_reason: change.failure_reason.clone(),
            failure_message: change.failure_message.clone(),
        }
    }

    /// The register's order: event time, then step (a status replaces another only when greater).
    pub fn order(&self) -> (i64, u8) {
        (self.at.timestamp_millis(), batch_step(&self.status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::{LiveEvent, parse_live_event};

    fn real(name: &str) -> BatchChange {
        let path = format!(
            "{}/../../shared/reference/real-world/events/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{path}: {e} (the real-world reference folder is required)")
        });
        match parse_live_event(serde_json::from_str(&text).unwrap()).unwrap() {
            LiveEvent::Batch(batch) => batch,
            other => panic!("not a batch event: {other:?}"),
        }
    }

    #[test]
    fn the_real_events_give_numbers_and_a_finished_flag() {
        let processed = BatchStatus::of(&real(
            "awsdocs-run-batches.runbatch-status-change.PROCESSED.json",
        ));
        assert!(processed.finished);
        assert_eq!(processed.counts.total_runs, Some(96));
        assert_eq!(processed.counts.completed_run_count, Some(90));
        let json = serde_json::to_value(&processed).unwrap();
        assert_eq!(json["counts"]["failedRunCount"], 4);
        assert_eq!(json["batchId"], "7123456");
        let failed = BatchStatus::of(&real(
            "awsdocs-run-batches.runbatch-status-change.FAILED.json",
        ));
        assert!(failed.finished);
        assert!(failed.failure_reason.is_some());
    }

    #[test]
    fn later_steps_win_at_one_instant_and_the_finished_states_are_terminal() {
        assert!(batch_step("INPROGRESS") < batch_step("PROCESSED"));
        assert!(batch_step("PROCESSED") < batch_step("RUNS_DELETED"));
        assert_eq!(batch_step("SOMETHING_NEW"), 0);
        assert!(!batch_finished("INPROGRESS") && !batch_finished("RUNS_DELETED"));
    }
}
