//! A run's [`RunFacts`]: the figures fleet questions sum, taken from the record's own sections so that fleet
//! sums reconcile with the reports exactly.

use std::collections::BTreeMap;

use crate::record::fleet::{RunFacts, TaskGroupStats};
use crate::record::{Diagnosis, Rightsizing, RunCost, RunInfo};

/// Key of [`RunFacts::failures_by_class`] for failed tasks beyond the diagnosed ones.
pub const NOT_DIAGNOSED: &str = "notDiagnosed";

/// The parts of a record a run's facts come from.
#[derive(Debug, Clone, Copy)]
pub struct FactSources<'a> {
    /// Run metadata.
    pub run: &'a RunInfo,
    /// The run's region.
    pub region: Option<&'a str>,
    /// Cost section.
    pub cost: Option<&'a RunCost>,
    /// Right-sizing section.
    pub rightsizing: Option<&'a Rightsizing>,
    /// Diagnosis section.
    pub diagnosis: Option<&'a Diagnosis>,
    /// Tasks served from the cache.
    pub cached_tasks: u64,
    /// FAILED tasks.
    pub failed_tasks: u64,
}

/// The facts of one run.
pub fn run_facts(sources: FactSources<'_>, task_groups: Vec<TaskGroupStats>) -> RunFacts {
    let run = sources.run;
    let cost = sources.cost;
    let (failures_by_class, first_failure_class) =
        failure_classes(sources.diagnosis, sources.failed_tasks);
    RunFacts {
        workflow_version_name: run.workflow_version_name.clone(),
        run_group_id: run.run_group_id.clone(),
        batch_id: run.batch_id.clone(),
        started_by: run.started_by.clone(),
        region: sources.region.map(str::to_owned),
        compute_usd: cost.map_or(0.0, |c| c.compute.usd),
        storage_usd: cost.and_then(|c| c.storage.usd),
        total_usd: cost.and_then(|c| c.total_usd),
        known_usd: cost.map_or(0.0, |c| c.known_usd),
        cost_complete: cost.is_some_and(|c| c.complete),
        savings_usd: sources.rightsizing.map_or(0.0, |r| r.known_savings_usd),
        cached_tasks: sources.cached_tasks,
        failed_tasks: sources.failed_tasks,
        failures_by_class,
        first_failure_class,
        task_groups,
    }
}

/// FAILED tasks by class (the diagnosed ones by their class, the rest as [`NOT_DIAGNOSED`]) and the first
/// failure's class.
fn failure_classes(
    diagnosis: Option<&Diagnosis>,
    failed_tasks: u64,
) -> (BTreeMap<String, u64>, Option<String>) {
    let mut by_class: BTreeMap<String, u64> = BTreeMap::new();
    let diagnosed = diagnosis.map_or(&[][..], |d| d.tasks.as_slice());
    for task in diagnosed {
        *by_class.entry(class_key(task.class)).or_default() += 1;
    }
    let rest = failed_tasks.saturating_sub(diagnosed.len() as u64);
    if rest > 0 {
        by_class.insert(NOT_DIAGNOSED.to_owned(), rest);
    }
    let first = diagnosed.first().map(|t| class_key(t.class));
    (by_class, first)
}

/// The class as the record spells it (`outOfMemory`, ...).
fn class_key(class: crate::record::FailureClass) -> String {
    serde_json::to_value(class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}
