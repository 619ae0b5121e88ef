//! `GET /fleet/summary`: stored runs summed, grouped by workflow, date, status, who started them, run group,
//! batch or failure class.
//!
//! Every run falls in exactly one group (a run's failure class is the class of its first failure, `none` when
//! nothing failed), so the groups add up to the totals. Money is summed over the runs' own rounded figures and
//! rounded the same way (6 decimals), so the sums equal what adding up the reports gives.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::Datelike;

use crate::record::fleet::{FleetGroup, FleetSummary, FleetTotals};
use crate::record::fleet_row::FleetRow;
use crate::record::{round_to, usd};

/// Key of a group whose runs have no value for the grouping.
pub const NONE_KEY: &str = "none";

/// What `GET /fleet/summary` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// Workflow id.
    Workflow,
    /// Stop date (UTC).
    Day,
    /// ISO week of the stop date (`2026-W09`).
    Week,
    /// Stop month (`2026-10`).
    Month,
    /// Run status.
    Status,
    /// Who started the run.
    StartedBy,
    /// Run group.
    RunGroup,
    /// Batch.
    Batch,
    /// Class of the first failure.
    FailureClass,
}

impl GroupBy {
    /// Every value, as the query parameter spells it.
    pub const NAMES: &[&str] = &[
        "workflow",
        "day",
        "week",
        "month",
        "status",
        "startedBy",
        "runGroup",
        "batch",
        "failureClass",
    ];

    /// The query parameter's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Workflow => "workflow",
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Status => "status",
            Self::StartedBy => "startedBy",
            Self::RunGroup => "runGroup",
            Self::Batch => "batch",
            Self::FailureClass => "failureClass",
        }
    }

    fn is_date(self) -> bool {
        matches!(self, Self::Day | Self::Week | Self::Month)
    }

    /// The group of `run`.
    pub fn key_of(self, run: &FleetRow) -> String {
        let listed = &run.listed;
        let text = |value: Option<&String>| value.cloned().unwrap_or_else(|| NONE_KEY.to_owned());
        match self {
            Self::Workflow => text(listed.workflow_id.as_ref()),
            Self::Status => listed.status.as_str().to_owned(),
            Self::StartedBy => text(listed.started_by.as_ref()),
            Self::RunGroup => text(listed.run_group_id.as_ref()),
            Self::Batch => text(listed.batch_id.as_ref()),
            Self::FailureClass => text(run.first_failure_class.as_ref()),
            Self::Day | Self::Week | Self::Month => match listed.stop_time {
                None => NONE_KEY.to_owned(),
                Some(stop) => match self {
                    Self::Day => stop.format("%Y-%m-%d").to_string(),
                    Self::Month => stop.format("%Y-%m").to_string(),
                    _ => {
                        let week = stop.iso_week();
                        format!("{}-W{:02}", week.year(), week.week())
                    }
                },
            },
        }
    }
}

impl FromStr for GroupBy {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let all = [
            Self::Workflow,
            Self::Day,
            Self::Week,
            Self::Month,
            Self::Status,
            Self::StartedBy,
            Self::RunGroup,
            Self::Batch,
            Self::FailureClass,
        ];
        all.into_iter().find(|g| g.as_str() == text).ok_or(())
    }
}

impl FleetTotals {
    /// Adds one run.
    pub fn add(&mut self, run: &FleetRow) {
        let listed = &run.listed;
        self.runs += 1;
        *self
            .by_status
            .entry(listed.status.as_str().to_owned())
            .or_default() += 1;
        self.task_hours += listed.task_hours;
        self.compute_usd += listed.compute_usd;
        self.storage_usd += listed.storage_usd.unwrap_or(0.0);
        self.total_usd += listed.known_usd;
        self.savings_usd += listed.savings_usd;
        self.cached_tasks += run.cached_tasks;
        self.failed_tasks += listed.failed_tasks;
        self.runs_with_incomplete_cost += u64::from(!run.cost_complete);
    }

    /// Rounds the sums as the reports round their figures.
    pub fn rounded(mut self) -> Self {
        self.compute_usd = usd(self.compute_usd);
        self.storage_usd = usd(self.storage_usd);
        self.total_usd = usd(self.total_usd);
        self.savings_usd = usd(self.savings_usd);
        self.task_hours = round_to(self.task_hours, 6);
        self
    }
}

/// Sums `runs` (every stored run whose stop time is in `[from, to)`) grouped by `group_by`.
pub fn summarize(runs: &[FleetRow], group_by: GroupBy, from: &str, to: &str) -> FleetSummary {
    let mut totals = FleetTotals::default();
    let mut groups: BTreeMap<String, FleetTotals> = BTreeMap::new();
    for run in runs {
        totals.add(run);
        groups.entry(group_by.key_of(run)).or_default().add(run);
    }
    let mut groups: Vec<FleetGroup> = groups
        .into_iter()
        .map(|(key, totals)| FleetGroup {
            key,
            totals: totals.rounded(),
        })
        .collect();
    if !group_by.is_date() {
        groups.sort_by(|a, b| {
            b.totals
                .total_usd
                .total_cmp(&a.totals.total_usd)
                .then_with(|| a.key.cmp(&b.key))
        });
    }
    let totals = totals.rounded();
    let basis = format!(
        "{} stored run(s) with a stop time from {from} to {to}, grouped by {}: totalUsd sums each run's known \
         cost (compute + storage where known; {} run(s) have an incomplete cost), all figures are estimates from \
         list prices as each report computed them",
        totals.runs,
        group_by.as_str(),
        totals.runs_with_incomplete_cost
    );
    FleetSummary {
        from: from.to_owned(),
        to: to.to_owned(),
        group_by: group_by.as_str().to_owned(),
        totals,
        groups,
        basis,
    }
}
