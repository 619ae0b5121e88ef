//! [`FleetRow`]: a stored run as every fleet route reads it, in one compact value.
//!
//! The summary item keeps it as one string attribute (`fleetRow`, JSON) and the day buckets of the fleet summary
//! keep one per run: a fleet route reads one attribute per run (or one bucket per day) instead of the item's fifty,
//! so a page of `GET /reports` or a year of `GET /fleet/summary` reads a fraction of the bytes (see
//! `docs/architecture.md`, "Fleet index").

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use super::fleet::{ReportListItem, RunFacts, TaskGroupStats};
use super::run::EnrichmentSummary;
use crate::status::RunStatus;
use crate::time::Timestamp;

/// One stored run's fleet figures: its `GET /reports` item and what the sums, batch rollups and profiles add.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetRow {
    /// The list item (ids, names, times, counts, USD).
    #[serde(flatten)]
    pub listed: ReportListItem,
    /// The instant the run is filed under (stop time, else start, creation or enrichment time).
    #[serde(with = "crate::time::required")]
    pub filed_at: Timestamp,
    /// The record's completeness ([`EnrichmentSummary::quality`]): a better record's row replaces a worse one's.
    pub quality: u64,
    /// Wall seconds.
    pub wall_time_seconds: Option<f64>,
    /// Whether the run's cost is complete.
    pub cost_complete: bool,
    /// Tasks served from the run cache.
    pub cached_tasks: u64,
    /// FAILED tasks by diagnosis class.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub failures_by_class: BTreeMap<String, u64>,
    /// Class of the first failure.
    pub first_failure_class: Option<String>,
    /// The run's region.
    pub region: Option<String>,
}

impl FleetRow {
    /// The row of a stored summary filed at `filed_at`. Without facts (a record written before the fleet index)
    /// every figure is zero and the cost incomplete, as the sums count such runs.
    pub fn of(summary: &EnrichmentSummary, filed_at: Timestamp) -> Self {
        // Borrowed, not cloned: the facts carry up to 101 task groups the row does not keep.
        let none = RunFacts::default();
        let facts = summary.facts.as_ref().unwrap_or(&none);
        let failed_tasks = match &summary.facts {
            Some(f) => f.failed_tasks,
            None => summary
                .counts_by_status
                .get(RunStatus::Failed.as_str())
                .copied()
                .unwrap_or(0),
        };
        Self {
            listed: ReportListItem {
                run_id: summary.run_id.clone(),
                uuid: summary.uuid.to_string(),
                name: summary.name.clone(),
                status: summary.status.clone(),
                workflow_id: summary.workflow_id.clone(),
                workflow_name: summary.workflow_name.clone(),
                workflow_version_name: facts.workflow_version_name.clone(),
                run_group_id: facts.run_group_id.clone(),
                batch_id: facts.batch_id.clone(),
                started_by: facts.started_by.clone(),
                creation_time: summary.creation_time,
                start_time: summary.start_time,
                stop_time: summary.stop_time,
                task_count: summary.task_count,
                failed_tasks,
                total_usd: facts.total_usd,
                known_usd: facts.known_usd,
                compute_usd: facts.compute_usd,
                storage_usd: facts.storage_usd,
                savings_usd: facts.savings_usd,
                task_hours: summary.task_hours,
            },
            filed_at,
            quality: summary.quality(),
            wall_time_seconds: summary.wall_time_seconds,
            cost_complete: summary.facts.is_some() && facts.cost_complete,
            cached_tasks: facts.cached_tasks,
            failures_by_class: facts.failures_by_class.clone(),
            first_failure_class: facts.first_failure_class.clone(),
            region: facts.region.clone(),
        }
    }

    /// `<run id>#<uuid>`: the run's key in a day bucket.
    pub fn run_key(&self) -> String {
        format!("{}#{}", self.listed.run_id, self.listed.uuid)
    }
}

/// A stored run as the fleet indexes return it: its row and, when asked for (profiles), its task groups.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetRun {
    /// The run's figures.
    pub row: FleetRow,
    /// Its task groups (largest task-hours first).
    pub task_groups: Vec<TaskGroupStats>,
}

#[cfg(test)]
impl FleetRow {
    /// A COMPLETED run `run_id` of one task costing `usd`, filed at 2026-03-04T05:06:07Z, of `quality` (tests of
    /// the fleet views).
    pub(crate) fn sample(run_id: &str, quality: u64, usd: f64) -> Self {
        Self {
            listed: ReportListItem {
                run_id: run_id.into(),
                uuid: "11111111-2222-3333-4444-555555555555".into(),
                name: None,
                status: RunStatus::Completed,
                workflow_id: None,
                workflow_name: None,
                workflow_version_name: None,
                run_group_id: None,
                batch_id: None,
                started_by: None,
                creation_time: None,
                start_time: None,
                stop_time: None,
                task_count: 1,
                failed_tasks: 0,
                total_usd: Some(usd),
                known_usd: usd,
                compute_usd: usd,
                storage_usd: Some(0.0),
                savings_usd: 0.0,
                task_hours: 1.0,
            },
            filed_at: crate::time::parse_timestamp("2026-03-04T05:06:07Z")
                .expect("a valid instant"),
            quality,
            wall_time_seconds: None,
            cost_complete: true,
            cached_tasks: 0,
            failures_by_class: BTreeMap::new(),
            first_failure_class: None,
            region: None,
        }
    }
}
