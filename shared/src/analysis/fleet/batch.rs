//! `GET /batches/{batchId}`: a batch's stored runs rolled up.

use std::collections::BTreeMap;

use crate::record::fleet::{BatchFailureClass, BatchRollup, BatchRun, FleetTotals};
use crate::record::fleet_row::FleetRow;

/// Runs listed as slowest and as most expensive.
pub const RUNS_LISTED: usize = 5;

/// The rollup of `runs`, the stored runs of batch `batch_id`.
pub fn batch_rollup(batch_id: &str, runs: &[FleetRow]) -> BatchRollup {
    let mut totals = FleetTotals::default();
    let mut failures: BTreeMap<String, (u64, Vec<String>)> = BTreeMap::new();
    for run in runs {
        totals.add(run);
        for (class, count) in &run.failures_by_class {
            let entry = failures.entry(class.clone()).or_default();
            entry.0 += count;
            entry.1.push(run.listed.run_id.clone());
        }
    }
    let mut failures: Vec<BatchFailureClass> = failures
        .into_iter()
        .map(|(class, (failed_tasks, mut run_ids))| {
            run_ids.sort();
            run_ids.dedup();
            BatchFailureClass {
                class,
                failed_tasks,
                run_ids,
            }
        })
        .collect();
    failures.sort_by(|a, b| {
        b.failed_tasks
            .cmp(&a.failed_tasks)
            .then_with(|| a.class.cmp(&b.class))
    });
    BatchRollup {
        batch_id: batch_id.to_owned(),
        totals: totals.rounded(),
        failures,
        slowest: top(runs, |r| r.wall_time_seconds.unwrap_or(-1.0)),
        most_expensive: top(runs, |r| r.listed.known_usd),
    }
}

/// The [`RUNS_LISTED`] runs with the largest `measure` (ties by run id).
fn top(runs: &[FleetRow], measure: impl Fn(&FleetRow) -> f64) -> Vec<BatchRun> {
    let mut sorted: Vec<&FleetRow> = runs.iter().collect();
    sorted.sort_by(|a, b| {
        measure(b)
            .total_cmp(&measure(a))
            .then_with(|| a.listed.run_id.cmp(&b.listed.run_id))
    });
    sorted
        .into_iter()
        .take(RUNS_LISTED)
        .map(|r| BatchRun {
            run_id: r.listed.run_id.clone(),
            uuid: r.listed.uuid.clone(),
            name: r.listed.name.clone(),
            status: r.listed.status.clone(),
            wall_time_seconds: r.wall_time_seconds,
            known_usd: r.listed.known_usd,
        })
        .collect()
}
