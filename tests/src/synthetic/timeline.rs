//! When things happen: the run is created, starts a few minutes later, and the pipeline's calls run one after
//! another, the shards of a call side by side.

use super::pipeline::{Kind, Planned};

/// Milliseconds since the Unix epoch of 2024-10-01T00:00:00Z.
const EPOCH_2024_10_01_MS: i64 = 1_727_740_800_000;

/// The clock of a run being generated, advanced task by task.
pub(super) struct Timeline {
    /// When the run was created.
    pub(super) creation_ms: i64,
    /// When the run started.
    pub(super) start_ms: i64,
    /// When the current call's tasks were created.
    call_start: i64,
    /// When the last task of the current call stopped so far.
    call_end: i64,
    /// The call whose tasks are being generated; empty before the first.
    current_call: &'static str,
    /// The last task id handed out.
    task_id: u64,
    /// The latest task stop time so far.
    last_stop: i64,
}

/// A task's creation, start and stop times (absent for cached tasks; start and stop absent while pending or
/// running).
#[derive(Clone, Copy)]
pub(super) struct TaskTimes {
    pub(super) created: i64,
    pub(super) started: Option<i64>,
    pub(super) stopped: Option<i64>,
}

impl Timeline {
    /// Draws the run's creation and start, the end of input import and the first task id.
    pub(super) fn start(rng: &mut fastrand::Rng) -> Self {
        let creation_ms =
            EPOCH_2024_10_01_MS + rng.i64(0..60) * 86_400_000 + rng.i64(0..86_400_000);
        let start_ms = creation_ms + rng.i64(90_000..600_000);
        let call_start = start_ms + rng.i64(60_000..240_000); // input import
        let task_id = rng.u64(2_000_000..5_000_000);
        Self {
            creation_ms,
            start_ms,
            call_start,
            call_end: call_start,
            current_call: "",
            task_id,
            last_stop: call_start,
        }
    }

    /// Moves on to `call` when it differs from the current one: its tasks start a little after the previous
    /// call's last task stopped.
    pub(super) fn enter(&mut self, call: &'static str, rng: &mut fastrand::Rng) {
        if call != self.current_call {
            if !self.current_call.is_empty() {
                self.call_start = self.call_end + rng.i64(5_000..45_000);
                self.call_end = self.call_start;
            }
            self.current_call = call;
        }
    }

    /// The next task id: a few above the last one.
    pub(super) fn next_task_id(&mut self, rng: &mut fastrand::Rng) -> String {
        self.task_id += rng.u64(1..8);
        self.task_id.to_string()
    }

    /// Draws the times of a task that is not cached, and extends the call and the run to cover it.
    pub(super) fn task_times(&mut self, planned: &Planned, rng: &mut fastrand::Rng) -> TaskTimes {
        let created = self.call_start + rng.i64(0..5_000);
        let started = created + rng.i64(15_000..150_000);
        let base = i64::from(planned.step.seconds) * 1000;
        let mut duration = base * 7 / 10 + rng.i64(0..base * 6 / 10 + 1);
        if matches!(planned.kind, Kind::Failed | Kind::Cancelled) {
            duration = duration / 3 + 1_000;
        }
        let stopped = started + duration;
        let times = match planned.kind {
            Kind::Running => TaskTimes {
                created,
                started: Some(started),
                stopped: None,
            },
            Kind::Pending => TaskTimes {
                created,
                started: None,
                stopped: None,
            },
            _ => TaskTimes {
                created,
                started: Some(started),
                stopped: Some(stopped),
            },
        };
        if planned.kind != Kind::Pending {
            self.call_end = self.call_end.max(stopped);
        }
        if let Some(stop) = times.stopped {
            self.last_stop = self.last_stop.max(stop);
        }
        times
    }

    /// Draws the run's stop time, a few minutes after its last task.
    pub(super) fn run_stop(&self, rng: &mut fastrand::Rng) -> i64 {
        self.last_stop.max(self.call_end) + rng.i64(60_000..420_000)
    }
}
