//! Run analytics: what a run cost, how to right-size it, why it failed, how it ran over time, and how it differs
//! from another run.
//!
//! Everything here works on the record layer ([`crate::record`]) only: inputs in, results out, settings (the
//! price table, the headroom) passed in explicitly. It never calls AWS and reads no environment; the result types
//! live in [`crate::record`] and are re-exported here.
//!
//! - [`cost`]: compute per task (hourly price × max(running s, 60); cached tasks free and flagged), STATIC and
//!   DYNAMIC run storage, and a total that says what it holds.
//! - [`rightsizing`]: the smallest instance that fits peak use plus headroom, per task and per scatter group
//!   ([`names`]), with savings and ready-to-paste Nextflow / WDL snippets ([`snippets`]).
//! - [`diagnosis`]: failed tasks in failure order, classified, with the next step to try.
//! - [`timeline`]: an SVG Gantt chart or an HTML page of it.
//! - [`compare`]: two stored runs side by side.
//! - [`run_page`]: the self-contained HTML page of a run, for people.
//! - [`prices`], [`instances`], [`settings`]: the price table, the instance catalogue, the settings passed in.
//!
//! [`Analyzer`] computes the report sections (cost, right-sizing, diagnosis) while tasks stream past, so the
//! enrichment builder can add them without holding every task twice.

pub mod compare;
pub mod compare_page;
pub mod cost;
pub mod diagnosis;
pub mod fleet;
pub mod html;
pub mod instances;
pub mod names;
pub mod prices;
pub mod rightsizing;
pub mod run_page;
pub mod settings;
pub mod snippets;
pub mod timeline;

#[cfg(test)]
pub(crate) mod tests;

pub use compare::{Comparison, compare};
pub use cost::{RunCost, TaskCost};
pub use diagnosis::Diagnosis;
pub use prices::{PriceTable, PricesUri};
pub use rightsizing::Rightsizing;
pub use settings::{Settings, SettingsError};

use std::sync::Arc;

use crate::record::{EnrichedRun, EnrichedTask, FailedTask, RunInfo};
use crate::status::RunStatus;

use cost::{CostAccumulator, region_from_arn, storage_cost};
use diagnosis::FailureCollector;
use names::{Engine, GroupNames};
use rightsizing::SizingAccumulator;

/// The analysis sections of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct RunAnalysis {
    /// What the run cost.
    pub cost: RunCost,
    /// How to right-size its tasks.
    pub rightsizing: Rightsizing,
    /// Why it failed; `None` when nothing failed.
    pub diagnosis: Option<Diagnosis>,
    /// Per task group statistics for the fleet (kept on the summary item, not in the report).
    pub task_groups: Vec<fleet::TaskGroupStats>,
}

impl RunAnalysis {
    /// The sections' warnings, each prefixed with its section.
    pub fn warnings(&self) -> Vec<String> {
        let cost = self.cost.warnings.iter().map(|w| format!("cost: {w}"));
        let sizing = self
            .rightsizing
            .warnings
            .iter()
            .map(|w| format!("right-sizing: {w}"));
        cost.chain(sizing).collect()
    }
}

/// Computes the analysis sections while tasks stream past. What it keeps grows with the number of distinct task
/// groups only by one small entry per group (the base names are held once, in [`GroupNames`]), and the task
/// lists it keeps are capped; see [`rightsizing::SizingAccumulator`] and [`fleet::GroupStatsAccumulator`].
#[derive(Debug)]
pub struct Analyzer<'a> {
    settings: &'a Settings,
    region: Option<String>,
    names: GroupNames,
    cost: CostAccumulator,
    sizing: SizingAccumulator,
    failures: FailureCollector,
    groups: fleet::GroupStatsAccumulator,
}

impl<'a> Analyzer<'a> {
    /// An analyzer for the run with ARN `arn` and metadata `run`.
    pub fn new(settings: &'a Settings, arn: Option<&str>, run: &RunInfo) -> Self {
        let region = region_from_arn(arn).or_else(|| region_from_arn(run.workflow_arn.as_deref()));
        let engine = Engine::parse(run.engine.as_deref());
        Self {
            settings,
            names: GroupNames::new(engine),
            cost: CostAccumulator::new(region.clone()),
            sizing: SizingAccumulator::new(region.clone(), engine, settings.headroom),
            failures: FailureCollector::default(),
            groups: fleet::GroupStatsAccumulator::new(),
            region,
        }
    }

    /// Adds one task.
    pub fn observe(&mut self, task: &EnrichedTask) {
        self.observe_named(task, None);
    }

    /// Adds one task whose name the caller also holds as `shared` (the same text as `task.name`): a task group
    /// named after it shares that copy instead of making its own.
    pub fn observe_named(&mut self, task: &EnrichedTask, shared: Option<&Arc<str>>) {
        let name = task.name.as_deref().unwrap_or(&task.task_id);
        let shared = shared.filter(|s| task.name.as_deref() == Some(&***s));
        let group = self.names.group_of(name, shared);
        let cost = self.cost.observe(task, &self.settings.prices);
        self.sizing
            .observe(task, group, &cost, &self.settings.prices);
        self.failures.observe(task);
        self.groups.observe(task, group, &cost);
    }

    /// The sections, given the run's status, metadata and failed-task details (log tails).
    pub fn finish(self, status: &RunStatus, run: &RunInfo, failed: &[FailedTask]) -> RunAnalysis {
        let storage = storage_cost(run, self.region.as_deref(), &self.settings.prices);
        RunAnalysis {
            cost: self.cost.finish(storage, self.settings),
            rightsizing: self.sizing.finish(&self.names, &self.settings.prices),
            diagnosis: self.failures.finish(status, run, failed),
            task_groups: self.groups.finish(&self.names),
        }
    }
}

/// Analyses a stored record.
pub fn analyze(run: &EnrichedRun, settings: &Settings) -> RunAnalysis {
    let mut analyzer = Analyzer::new(settings, run.head.arn.as_deref(), &run.head.run);
    for task in &run.tasks {
        analyzer.observe(task);
    }
    analyzer.finish(&run.head.status, &run.head.run, &run.head.failed_tasks)
}
