//! Everything known of one live run, as a value that merges: its [`TaskBoard`] and registers for the run's own
//! events (latest status, start, first and last event). Any two states of a run merge into the state of all their
//! events, in any order and any number of times, so the store can keep a run as independent segments (one per
//! batch of events) and fold them whenever it likes without losing or double-counting anything.

use serde::{Deserialize, Serialize};

use super::event::{LiveEvent, RunChange, TaskChange};
use super::task_state::{Observed, TaskBoard, TaskEntry};
use crate::status::{RunStatus, TaskStatus};
use crate::time::Timestamp;

/// One live run's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveState {
    /// Its tasks.
    pub board: TaskBoard,
    /// Its latest status and when (the later event wins; at one second, the further step).
    pub status: Option<(RunStatus, Timestamp)>,
    /// The earliest RUNNING event of the run.
    pub started_at: Option<Timestamp>,
    /// Its earliest event of any kind.
    pub first_event_at: Option<Timestamp>,
    /// Its latest event of any kind.
    pub last_event_at: Option<Timestamp>,
    /// Its uuid, when an event named one.
    pub uuid: Option<String>,
    /// Its workflow, when an event named it.
    pub workflow_id: Option<String>,
}

/// How far along a run's life a status is (unknown statuses first).
fn run_step(status: &RunStatus) -> u8 {
    match status {
        RunStatus::Pending => 1,
        RunStatus::Starting => 2,
        RunStatus::Running => 3,
        RunStatus::Stopping => 4,
        RunStatus::Completed | RunStatus::Cancelled | RunStatus::Failed => 5,
        RunStatus::Deleted => 6,
        _ => 0,
    }
}

fn min(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    a.max(b)
}

/// The greater of two optional texts: a fixed choice whatever the order (ids never change for one run).
fn pick(a: &mut Option<String>, b: &Option<String>) {
    if b.as_deref() > a.as_deref() {
        a.clone_from(b);
    }
}

impl LiveState {
    /// Applies one event of this run.
    pub fn observe(&mut self, event: &LiveEvent) {
        match event {
            LiveEvent::Task(task) => self.observe_task(task),
            LiveEvent::Run(run) => self.observe_run(run),
            LiveEvent::Batch(_) => {}
        }
    }

    fn observe_task(&mut self, task: &TaskChange) {
        self.seen_at(task.at);
        pick(
            &mut self.uuid,
            &task.run_uuid.as_ref().map(|u| u.to_string()),
        );
        pick(&mut self.workflow_id, &task.workflow_id);
        self.board.observe(
            task.task_id.as_str(),
            Observed {
                status: task.status.clone(),
                at: task.at,
            },
        );
    }

    fn observe_run(&mut self, run: &RunChange) {
        self.seen_at(run.at);
        pick(&mut self.uuid, &run.uuid.as_ref().map(|u| u.to_string()));
        pick(&mut self.workflow_id, &run.workflow_id);
        if run.status == RunStatus::Running {
            self.started_at = min(self.started_at, Some(run.at));
        }
        self.merge_status(Some((run.status.clone(), run.at)));
    }

    fn seen_at(&mut self, at: Timestamp) {
        self.first_event_at = min(self.first_event_at, Some(at));
        self.last_event_at = max(self.last_event_at, Some(at));
    }

    fn merge_status(&mut self, other: Option<(RunStatus, Timestamp)>) {
        let key = |s: &(RunStatus, Timestamp)| (s.1, run_step(&s.0), s.0.as_str().to_owned());
        let replace = match (&self.status, &other) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(mine), Some(theirs)) => key(theirs) > key(mine),
        };
        if replace {
            self.status = other;
        }
    }

    /// Folds `other` (another segment of the same run) into this state.
    pub fn merge(&mut self, other: &LiveState) {
        self.board.merge(&other.board);
        self.merge_status(other.status.clone());
        self.started_at = min(self.started_at, other.started_at);
        self.first_event_at = min(self.first_event_at, other.first_event_at);
        self.last_event_at = max(self.last_event_at, other.last_event_at);
        pick(&mut self.uuid, &other.uuid);
        pick(&mut self.workflow_id, &other.workflow_id);
    }

    /// The compact wire form (JSON): tasks as `[id, status, at ms, running since ms]`.
    pub fn to_wire(&self) -> Wire {
        let mut tasks: Vec<WireTask> = self
            .board
            .entries()
            .map(|(id, e)| {
                (
                    id.to_owned(),
                    e.latest.status.as_str().to_owned(),
                    e.latest.at.timestamp_millis(),
                    e.running_since.map(|t| t.timestamp_millis()),
                )
            })
            .collect();
        tasks.sort();
        Wire {
            tasks,
            status: self
                .status
                .as_ref()
                .map(|(s, at)| (s.as_str().to_owned(), at.timestamp_millis())),
            started: self.started_at.map(|t| t.timestamp_millis()),
            first: self.first_event_at.map(|t| t.timestamp_millis()),
            last: self.last_event_at.map(|t| t.timestamp_millis()),
            uuid: self.uuid.clone(),
            workflow_id: self.workflow_id.clone(),
        }
    }

    /// The state of a wire form; `None` when a time is out of range.
    pub fn from_wire(wire: Wire) -> Option<Self> {
        let time = |ms: i64| chrono::DateTime::from_timestamp_millis(ms);
        // `None`: out of range; `Some(None)`: absent.
        let opt = |ms: Option<i64>| match ms {
            None => Some(None),
            Some(ms) => time(ms).map(Some),
        };
        let mut board = TaskBoard::default();
        for (id, status, at, since) in wire.tasks {
            board.insert(
                id,
                TaskEntry {
                    latest: Observed {
                        status: TaskStatus::from_api(&status),
                        at: time(at)?,
                    },
                    running_since: opt(since)?,
                },
            );
        }
        let status = match wire.status {
            Some((s, at)) => Some((RunStatus::from_api(&s), time(at)?)),
            None => None,
        };
        Some(Self {
            board,
            status,
            started_at: opt(wire.started)?,
            first_event_at: opt(wire.first)?,
            last_event_at: opt(wire.last)?,
            uuid: wire.uuid,
            workflow_id: wire.workflow_id,
        })
    }
}

/// A task on the wire: id, status, event time (ms), running since (ms).
pub type WireTask = (String, String, i64, Option<i64>);

/// [`LiveState`] as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wire {
    #[serde(rename = "t", default)]
    tasks: Vec<WireTask>,
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    status: Option<(String, i64)>,
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    started: Option<i64>,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    first: Option<i64>,
    #[serde(rename = "l", default, skip_serializing_if = "Option::is_none")]
    last: Option<i64>,
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    uuid: Option<String>,
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    workflow_id: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::event::parse_live_event;
    use serde_json::json;

    fn event(detail_type: &str, second: u32, detail: serde_json::Value) -> LiveEvent {
        parse_live_event(json!({
            "version": "0", "id": "e", "detail-type": detail_type, "source": "aws.omics",
            "account": "123456789012", "time": format!("2026-01-01T00:00:{second:02}Z"),
            "region": "us-east-1", "resources": [], "detail": detail
        }))
        .unwrap()
    }

    fn run(second: u32, status: &str) -> LiveEvent {
        event(
            "Run Status Change",
            second,
            json!({"arn": "arn:aws:omics:us-east-1:123456789012:run/1234567", "status": status,
                   "workflowId": "7654321"}),
        )
    }

    fn task(second: u32, id: u32, status: &str) -> LiveEvent {
        event(
            "Task Status Change",
            second,
            json!({"arn": format!("arn:aws:omics:us-east-1:123456789012:task/{id}"), "status": status,
                   "runArn": "arn:aws:omics:us-east-1:123456789012:run/1234567"}),
        )
    }

    #[test]
    fn segments_merge_into_one_state_in_any_order_and_survive_the_wire() {
        let events = [
            run(1, "PENDING"),
            run(2, "STARTING"),
            task(3, 11, "PENDING"),
            run(4, "RUNNING"),
            task(5, 11, "RUNNING"),
            task(5, 12, "PENDING"),
            task(9, 11, "COMPLETED"),
            task(9, 12, "RUNNING"),
        ];
        let mut whole = LiveState::default();
        events.iter().for_each(|e| whole.observe(e));
        assert_eq!(
            whole.status.as_ref().map(|s| s.0.clone()),
            Some(RunStatus::Running)
        );
        assert_eq!(whole.board.counts()["RUNNING"], 1);
        for split in 1..events.len() {
            let (mut a, mut b) = (LiveState::default(), LiveState::default());
            events[..split].iter().rev().for_each(|e| a.observe(e));
            events[split..].iter().for_each(|e| b.observe(e));
            let wire = serde_json::to_string(&b.to_wire()).unwrap();
            let b = LiveState::from_wire(serde_json::from_str(&wire).unwrap()).unwrap();
            let mut ab = a.clone();
            ab.merge(&b);
            let mut ba = b.clone();
            ba.merge(&a);
            ba.merge(&a);
            assert_eq!(ab, whole, "split at {split}");
            assert_eq!(ba, whole, "split at {split}, other order, twice");
        }
    }
}
