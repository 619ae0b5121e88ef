//! A live run's progress: counts by status from its [`TaskBoard`], the longest-running tasks, an ETA from its
//! workflow's profile (median wall time of the last completed runs, scaled by the share of tasks finished) and
//! the stragglers (running longer than their task group's p95 in that profile).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_with::skip_serializing_none;

use super::state::LiveState;
use super::task_state::TaskBoard;
use crate::analysis::names::{Engine, base_name};
use crate::record::fleet::WorkflowProfile;
use crate::status::TaskStatus;
use crate::time::Timestamp;

/// Running tasks listed at most.
pub const RUNNING_LISTED: usize = 50;
/// Past runs an ETA needs.
pub const ETA_MIN_RUNS: usize = 3;
/// Samples a task group needs before its p95 marks stragglers.
pub const STRAGGLER_MIN_SAMPLES: u64 = 3;

/// A live run as progress reads it: its stored state and the names of its tasks where known (the events carry
/// none).
#[derive(Debug, Clone, Default)]
pub struct LiveRun {
    /// What its events said.
    pub state: LiveState,
    /// Task names by task id.
    pub names: HashMap<String, String>,
}

impl LiveRun {
    /// When it started running (its RUNNING event), else its first event.
    fn started_at(&self) -> Option<Timestamp> {
        self.state.started_at.or(self.state.first_event_at)
    }

    fn board(&self) -> &TaskBoard {
        &self.state.board
    }
}

/// A running task.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningTask {
    /// Task id.
    pub task_id: String,
    /// Its name, where known.
    pub name: Option<String>,
    /// When it started running.
    #[serde(with = "crate::time::required")]
    pub since: Timestamp,
}

/// A task running longer than its group's p95.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Straggler {
    /// Task id.
    pub task_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Seconds it has been running.
    pub running_seconds: f64,
    /// Its group's p95 running seconds in the profile.
    pub p95_seconds: f64,
}

/// The expected end.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Eta {
    /// Expected wall seconds from start to end.
    pub expected_total_seconds: f64,
    /// Expected end.
    #[serde(with = "crate::time::required")]
    pub expected_finish_at: Timestamp,
    /// Which runs and figures it rests on.
    pub basis: String,
}

/// The answer's computed part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Tasks seen.
    pub tasks_seen: usize,
    /// Tasks by latest status.
    pub by_status: BTreeMap<String, u64>,
    /// Running tasks, longest-running first, at most [`RUNNING_LISTED`].
    pub running: Vec<RunningTask>,
    /// Seconds from start to the run's end, or to now while it runs.
    pub elapsed_seconds: Option<f64>,
    /// The ETA, or `null` (see `eta_unavailable`).
    pub eta: Option<Eta>,
    /// Why there is no ETA, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_unavailable: Option<String>,
    /// Running tasks past their group's p95, longest first.
    pub stragglers: Vec<Straggler>,
}

/// Progress of `run` at `now`, against its workflow's `profile` when there is one.
pub fn progress(run: &LiveRun, profile: Option<&WorkflowProfile>, now: Timestamp) -> Progress {
    let finished = run
        .state
        .status
        .as_ref()
        .is_some_and(|(status, _)| status.is_terminal());
    let end = if finished {
        run.state.last_event_at.unwrap_or(now)
    } else {
        now
    };
    let elapsed = run.started_at().map(|s| seconds(end - s).max(0.0));
    let mut running = running_tasks(run);
    let stragglers = profile.map_or_else(Vec::new, |p| stragglers(run, &running, p, end));
    running.truncate(RUNNING_LISTED);
    let by_status = run.board().counts();
    let (eta, eta_unavailable) = match eta(run, &by_status, profile, elapsed, finished) {
        Ok(eta) => (Some(eta), None),
        Err(reason) => (None, Some(reason)),
    };
    Progress {
        tasks_seen: run.board().len(),
        by_status,
        running,
        elapsed_seconds: elapsed,
        eta,
        eta_unavailable,
        stragglers,
    }
}

fn seconds(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 1000.0
}

/// Every running task, longest-running first (ties by id).
fn running_tasks(run: &LiveRun) -> Vec<RunningTask> {
    let mut running: Vec<RunningTask> = run
        .board()
        .entries()
        .filter(|(_, e)| e.latest.status == TaskStatus::Running)
        .map(|(id, e)| RunningTask {
            task_id: id.to_owned(),
            name: run.names.get(id).cloned(),
            since: e.running_since.unwrap_or(e.latest.at),
        })
        .collect();
    running.sort_by(|a, b| {
        a.since
            .cmp(&b.since)
            .then_with(|| a.task_id.cmp(&b.task_id))
    });
    running
}

/// Running tasks whose group (by base name) has ≥ [`STRAGGLER_MIN_SAMPLES`] samples in the profile and whose
/// running time exceeds the group's p95.
fn stragglers(
    run: &LiveRun,
    running: &[RunningTask],
    profile: &WorkflowProfile,
    now: Timestamp,
) -> Vec<Straggler> {
    let p95: HashMap<&str, f64> = profile
        .groups
        .iter()
        .filter(|g| g.tasks_seen >= STRAGGLER_MIN_SAMPLES)
        .filter_map(|g| Some((g.base_name.as_str(), g.running_seconds.as_ref()?.p95)))
        .collect();
    let mut late: Vec<Straggler> = running
        .iter()
        .filter_map(|task| {
            let name = run.names.get(&task.task_id)?;
            let limit = *p95.get(base_name(name, Engine::Unknown))?;
            let running_seconds = seconds(now - task.since);
            (running_seconds > limit).then(|| Straggler {
                task_id: task.task_id.clone(),
                name: Some(name.clone()),
                running_seconds,
                p95_seconds: limit,
            })
        })
        .collect();
    late.sort_by(|a, b| b.running_seconds.total_cmp(&a.running_seconds));
    late
}

/// The ETA: elapsed + the profile's median wall time × the share of tasks not finished yet, the expected task
/// count being the profile's tasks per run (or those seen, when more).
fn eta(
    run: &LiveRun,
    by_status: &BTreeMap<String, u64>,
    profile: Option<&WorkflowProfile>,
    elapsed: Option<f64>,
    finished: bool,
) -> Result<Eta, String> {
    let Some(started) = run.started_at() else {
        return Err("the run's start was not seen".into());
    };
    let elapsed = elapsed.unwrap_or(0.0);
    if finished {
        return Ok(Eta {
            expected_total_seconds: elapsed,
            expected_finish_at: run.state.last_event_at.unwrap_or(started),
            basis: "the run has ended".into(),
        });
    }
    let Some(profile) = profile.filter(|p| p.runs.len() >= ETA_MIN_RUNS) else {
        let past = profile.map_or(0, |p| p.runs.len());
        return Err(format!(
            "{past} completed run(s) of this workflow are stored; an ETA needs {ETA_MIN_RUNS}"
        ));
    };
    let Some(median) = profile.median_wall_seconds else {
        return Err("the workflow's past runs have no wall times".into());
    };
    let per_run =
        profile.groups.iter().map(|g| g.tasks_seen).sum::<u64>() as f64 / profile.runs.len() as f64;
    let expected_tasks = per_run.max(run.board().len() as f64).max(1.0);
    let done = by_status
        .iter()
        .filter(|(status, _)| TaskStatus::from_api(status).is_terminal())
        .map(|(_, n)| *n)
        .sum::<u64>() as f64;
    let share = (done / expected_tasks).clamp(0.0, 1.0);
    let total = elapsed + median * (1.0 - share);
    Ok(Eta {
        expected_total_seconds: total,
        expected_finish_at: started + chrono::Duration::milliseconds((total * 1000.0) as i64),
        basis: format!(
            "median wall time {median:.0} s of the last {} COMPLETED runs of workflow {} ({}), {:.0} % of \
             their {per_run:.0} tasks per run finished",
            profile.runs.len(),
            profile.workflow_id,
            profile.runs.join(", "),
            share * 100.0
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::task_state::Observed;
    use crate::record::fleet::{ProfileGroup, Spread};
    use crate::status::RunStatus;
    use crate::time::parse_timestamp;

    fn at(second: i64) -> Timestamp {
        parse_timestamp("2026-01-01T00:00:00Z").unwrap() + chrono::Duration::seconds(second)
    }

    fn profile(runs: usize) -> WorkflowProfile {
        let group = |name: &str, tasks: u64, p95: f64| ProfileGroup {
            base_name: name.into(),
            runs_seen: runs as u64,
            tasks_seen: tasks,
            peak_cpus: None,
            peak_memory_gib: None,
            running_seconds: Some(Spread {
                p50: p95 / 2.0,
                p95,
                max: p95 * 1.1,
            }),
            instance_types: Vec::new(),
            gpu: false,
            recommended_instance_type: None,
            recommended_cpus: None,
            recommended_memory_gib: None,
            action: "keep".into(),
            savings_usd_per_run: None,
        };
        WorkflowProfile {
            workflow_id: "1234567".into(),
            workflow_name: None,
            headroom: 0.1,
            runs: (0..runs).map(|i| format!("{}", 100 + i)).collect(),
            confidence: "high".into(),
            basis: String::new(),
            median_wall_seconds: Some(1000.0),
            savings_usd_per_run: None,
            // Ten tasks per run: 8 `align` shards and 2 `merge`.
            groups: vec![
                group("align", 8 * runs as u64, 100.0),
                group("merge", 2 * runs as u64, 50.0),
            ],
            nextflow_config: None,
            wdl_runtime: None,
        }
    }

    fn live(done: usize, running: &[(&str, &str, i64)]) -> LiveRun {
        let mut run = LiveRun {
            state: LiveState {
                status: Some((RunStatus::Running, at(0))),
                started_at: Some(at(0)),
                first_event_at: Some(at(0)),
                last_event_at: Some(at(300)),
                ..LiveState::default()
            },
            ..LiveRun::default()
        };
        for i in 0..done {
            run.state.board.observe(
                &format!("d{i}"),
                Observed {
                    status: TaskStatus::Completed,
                    at: at(10),
                },
            );
        }
        for (id, name, since) in running {
            run.state.board.observe(
                id,
                Observed {
                    status: TaskStatus::Running,
                    at: at(*since),
                },
            );
            run.names.insert((*id).into(), (*name).into());
        }
        run
    }

    #[test]
    fn the_eta_scales_the_median_by_the_share_left_and_says_so() {
        let run = live(5, &[("t1", "align-3-1", 250)]);
        let p = progress(&run, Some(&profile(4)), at(400));
        let eta = p.eta.expect("an ETA from 4 runs");
        // 400 s elapsed + 1000 s × (1 − 5/10).
        assert_eq!(eta.expected_total_seconds, 900.0);
        assert_eq!(eta.expected_finish_at, at(900));
        assert!(
            eta.basis.contains("last 4 COMPLETED runs") && eta.basis.contains("50 %"),
            "{}",
            eta.basis
        );
        let few = progress(&run, Some(&profile(2)), at(400));
        assert!(few.eta.is_none());
        assert!(few.eta_unavailable.unwrap().contains("needs 3"));
        assert!(progress(&run, None, at(400)).eta.is_none());
    }

    #[test]
    fn stragglers_pass_their_groups_p95_and_groups_need_three_samples() {
        let run = live(
            0,
            &[
                ("t1", "align-3-1", 100),
                ("t2", "align-4-1", 390),
                ("t3", "rare", 0),
            ],
        );
        let mut profile = profile(4);
        let mut rare = profile.groups[1].clone();
        (rare.base_name, rare.tasks_seen) = ("rare".into(), 2);
        profile.groups.push(rare);
        let p = progress(&run, Some(&profile), at(400));
        // t1 has run 300 s > p95 100 s; t2 10 s; `rare` has 2 samples only.
        assert_eq!(p.stragglers.len(), 1);
        assert_eq!(p.stragglers[0].task_id, "t1");
        assert_eq!(p.stragglers[0].p95_seconds, 100.0);
        let ids: Vec<_> = p.running.iter().map(|r| r.task_id.as_str()).collect();
        assert_eq!(ids, ["t3", "t1", "t2"], "longest-running first");
        assert_eq!(p.by_status["RUNNING"], 3);
    }
}
