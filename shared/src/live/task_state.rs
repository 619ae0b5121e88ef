//! Each task's latest state, kept so that the counts by status are exact whatever order the events arrive in.
//!
//! A task's state is a register that keeps the greater observation: the later event time wins, and at the same
//! time (EventBridge times are whole seconds) the further step of a task's life (PENDING < STARTING < RUNNING <
//! STOPPING < a terminal status; equal steps by name, so the choice never depends on arrival order). With the
//! earliest RUNNING time kept beside it, merging is commutative, associative and idempotent: any interleaving,
//! duplication or split of the events across concurrent consumers ends in the same board.

use std::collections::{BTreeMap, HashMap};

use crate::status::TaskStatus;
use crate::time::Timestamp;

/// One observation of a task: a status at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The status.
    pub status: TaskStatus,
    /// When the event says it happened.
    pub at: Timestamp,
}

/// How far along a task's life a status is (unknown statuses first: a known one beats them at the same second).
fn step(status: &TaskStatus) -> u8 {
    match status {
        TaskStatus::Pending => 1,
        TaskStatus::Starting => 2,
        TaskStatus::Running => 3,
        TaskStatus::Stopping => 4,
        TaskStatus::Completed | TaskStatus::Cancelled | TaskStatus::Failed => 5,
        _ => 0,
    }
}

impl Observed {
    /// Whether this observation replaces `other` as the task's state.
    pub fn supersedes(&self, other: &Self) -> bool {
        let key = |o: &Self| (o.at, step(&o.status));
        match key(self).cmp(&key(other)) {
            std::cmp::Ordering::Equal => self.status.as_str() > other.status.as_str(),
            order => order.is_gt(),
        }
    }
}

/// A task as the board knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskEntry {
    /// Its latest observation.
    pub latest: Observed,
    /// The earliest instant it was seen RUNNING.
    pub running_since: Option<Timestamp>,
}

/// The tasks of one run by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskBoard {
    tasks: HashMap<String, TaskEntry>,
}

impl TaskBoard {
    /// Applies one observation of `task_id`; whether the board changed.
    pub fn observe(&mut self, task_id: &str, seen: Observed) -> bool {
        let running = (seen.status == TaskStatus::Running).then_some(seen.at);
        match self.tasks.get_mut(task_id) {
            None => {
                self.tasks.insert(
                    task_id.to_owned(),
                    TaskEntry {
                        latest: seen,
                        running_since: running,
                    },
                );
                true
            }
            Some(entry) => {
                let mut changed = false;
                if let Some(at) = running
                    && entry.running_since.is_none_or(|since| at < since)
                {
                    entry.running_since = Some(at);
                    changed = true;
                }
                if seen.supersedes(&entry.latest) {
                    entry.latest = seen;
                    changed = true;
                }
                changed
            }
        }
    }

    /// Merges another board of the same run (what a concurrent consumer saw).
    pub fn merge(&mut self, other: &TaskBoard) {
        for (id, entry) in &other.tasks {
            self.observe(id, entry.latest.clone());
            if let Some(since) = entry.running_since {
                self.observe(
                    id,
                    Observed {
                        status: TaskStatus::Running,
                        at: since,
                    },
                );
            }
        }
    }

    /// Tasks by their latest status.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        let mut counts = BTreeMap::new();
        for entry in self.tasks.values() {
            *counts
                .entry(entry.latest.status.as_str().to_owned())
                .or_insert(0) += 1;
        }
        counts
    }

    /// Tasks seen.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task was seen.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// A task's entry.
    pub fn get(&self, task_id: &str) -> Option<&TaskEntry> {
        self.tasks.get(task_id)
    }

    /// Puts a task's entry as stored (reading a board back); a stored entry of that task is merged with it.
    pub fn insert(&mut self, task_id: String, entry: TaskEntry) {
        if let Some(since) = entry.running_since {
            self.observe(
                &task_id,
                Observed {
                    status: TaskStatus::Running,
                    at: since,
                },
            );
        }
        self.observe(&task_id, entry.latest);
    }

    /// Every task and its entry, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &TaskEntry)> {
        self.tasks.iter().map(|(id, entry)| (id.as_str(), entry))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp;

    fn seen(status: TaskStatus, second: u32) -> Observed {
        Observed {
            status,
            at: parse_timestamp(&format!("2026-01-01T00:00:{second:02}Z")).unwrap(),
        }
    }

    /// Every task's life: PENDING, STARTING, RUNNING, then a terminal status, two of the steps in one second.
    fn events(tasks: usize) -> Vec<(String, Observed)> {
        let mut out = Vec::new();
        for t in 0..tasks {
            let id = format!("{}", 1_000_000 + t);
            let last = [
                TaskStatus::Completed,
                TaskStatus::Failed,
                TaskStatus::Cancelled,
            ][t % 3]
                .clone();
            for (status, second) in [
                (TaskStatus::Pending, 1),
                (TaskStatus::Starting, 1),
                (TaskStatus::Running, 2 + (t % 7) as u32),
                (last, 10 + (t % 7) as u32),
            ] {
                out.push((id.clone(), seen(status, second)));
            }
        }
        out
    }

    #[test]
    fn counts_are_exact_after_any_order_duplicates_and_split() {
        let events = events(300);
        let mut ordered = TaskBoard::default();
        for (id, e) in &events {
            ordered.observe(id, e.clone());
        }
        let want = ordered.counts();
        assert_eq!(want["COMPLETED"] + want["FAILED"] + want["CANCELLED"], 300);
        for seed in 0..20 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut shuffled: Vec<_> = events.iter().chain(events.iter()).cloned().collect();
            rng.shuffle(&mut shuffled);
            // Three consumers take turns at random, then their boards merge in another order.
            let mut boards = vec![TaskBoard::default(); 3];
            for (id, e) in shuffled {
                boards[rng.usize(0..3)].observe(&id, e);
            }
            let mut merged = boards[2].clone();
            merged.merge(&boards[0]);
            merged.merge(&boards[1]);
            merged.merge(&boards[0]);
            assert_eq!(merged, ordered, "seed {seed}");
        }
    }

    #[test]
    fn the_later_step_wins_within_one_second_and_running_keeps_its_start() {
        let mut board = TaskBoard::default();
        assert!(board.observe("1", seen(TaskStatus::Running, 5)));
        assert!(board.observe("1", seen(TaskStatus::Stopping, 5)));
        assert!(
            !board.observe("1", seen(TaskStatus::Running, 5)),
            "a duplicate"
        );
        assert!(
            !board.observe("1", seen(TaskStatus::Pending, 4)),
            "a late, older event"
        );
        assert!(
            board.observe("1", seen(TaskStatus::Running, 3)),
            "an earlier RUNNING moves the start"
        );
        let entry = board.get("1").unwrap();
        assert_eq!(entry.latest.status, TaskStatus::Stopping);
        assert_eq!(entry.running_since, Some(seen(TaskStatus::Running, 3).at));
    }
}
