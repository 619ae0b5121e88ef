//! Fleet analytics: what each run contributes to fleet questions ([`RunFacts`]), and the answers over many runs.
//!
//! - [`groups`]: per task group of one run (base name): peak use and running time spreads, billed hours by
//!   instance type, cost, while tasks stream past.
//! - [`facts`]: a run's [`RunFacts`] from its record sections and groups.
//! - [`rollup`]: `GET /fleet/summary` sums grouped by workflow, date, status, ...; [`batch`]: one batch's runs.
//! - [`profile`]: a workflow's learned resource profile from its last completed runs.
//! - [`chart`]: cost by group over time, the fleet page's stacked bars (SVG); [`page`]: the fleet page.
//!
//! Like the rest of [`crate::analysis`], pure: stored summaries in, answers out.

pub mod batch;
pub mod chart;
pub mod facts;
pub mod groups;
pub mod page;
pub mod profile;
pub mod rollup;

pub use crate::record::fleet::{
    BatchRollup, FleetGroup, FleetSummary, FleetTotals, ProfileGroup, ReportListItem, RunFacts,
    Spread, TaskGroupStats, WorkflowProfile,
};
pub use facts::run_facts;
pub use groups::GroupStatsAccumulator;
pub use rollup::GroupBy;

/// Nearest-rank percentile `p` (0–100) of a sorted, non-empty sample.
pub(crate) fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// p50 / p95 / max of a sample; `None` when it is empty.
pub(crate) fn spread(mut values: Vec<f64>) -> Option<Spread> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(Spread {
        p50: nearest_rank(&values, 50.0),
        p95: nearest_rank(&values, 95.0),
        max: values[values.len() - 1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_by_hand() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = spread(values).unwrap();
        // 50 % of 20 = rank 10; 95 % of 20 = rank 19.
        assert_eq!((s.p50, s.p95, s.max), (10.0, 19.0, 20.0));
        let one = spread(vec![3.5]).unwrap();
        assert_eq!((one.p50, one.p95, one.max), (3.5, 3.5, 3.5));
        assert!(spread(Vec::new()).is_none());
    }
}
