//! A workflow's learned resource profile: from its last completed runs' task groups, the spread of peak use and
//! running time per task group, the smallest instance that fits the largest peak with headroom (the rule of
//! [`crate::analysis::rightsizing`]), and what that would save per run, with ready Nextflow / WDL snippets.
//!
//! The runs' stored spreads are combined without the tasks: p50 is the median of the runs' medians, p95 the
//! 95th percentile of the runs' p95s, max the largest peak any run saw (the recommendation uses max, so it is
//! exact). Fewer than [`CONFIDENT_RUNS`] runs give `confidence: low`.

use std::collections::BTreeMap;

use super::{nearest_rank, spread};
use crate::analysis::instances::{self, smallest_fit};
use crate::analysis::prices::PriceTable;
use crate::analysis::rightsizing::{action_for, needed};
use crate::analysis::snippets;
use crate::record::fleet::{OTHER_GROUPS, ProfileGroup, Spread, TaskGroupStats, WorkflowProfile};
use crate::record::fleet_row::FleetRun;
use crate::record::{Action, GroupRecommendation, usd};

/// Runs needed for a confident profile.
pub const CONFIDENT_RUNS: usize = 3;

#[derive(Debug, Default)]
struct Across {
    runs: u64,
    tasks: u64,
    cpus: Vec<Spread>,
    memory: Vec<Spread>,
    running: Vec<Spread>,
    billed_hours: BTreeMap<String, f64>,
    gpu: bool,
}

/// The profile of `workflow_id` from `runs` (its COMPLETED stored runs, newest first).
pub fn workflow_profile(
    workflow_id: &str,
    runs: &[FleetRun],
    headroom: f64,
    prices: &PriceTable,
) -> WorkflowProfile {
    let mut groups: BTreeMap<String, Across> = BTreeMap::new();
    for run in runs {
        for group in run
            .task_groups
            .iter()
            .filter(|g| g.base_name != OTHER_GROUPS)
        {
            add(groups.entry(group.base_name.clone()).or_default(), group);
        }
    }
    let region = runs.iter().find_map(|r| r.row.region.clone());
    let per_run = runs.len().max(1) as f64;
    let price = |instance: &str| region.as_deref().and_then(|r| prices.price(r, instance));
    let mut out: Vec<(ProfileGroup, GroupRecommendation)> = groups
        .into_iter()
        .map(|(name, across)| recommend(name, across, headroom, per_run, &price))
        .collect();
    out.sort_by(|(a, _), (b, _)| {
        b.savings_usd_per_run
            .unwrap_or(f64::MIN)
            .total_cmp(&a.savings_usd_per_run.unwrap_or(f64::MIN))
            .then_with(|| a.base_name.cmp(&b.base_name))
    });
    let recommendations: Vec<GroupRecommendation> = out.iter().map(|(_, r)| r.clone()).collect();
    let savings: Option<f64> = out
        .iter()
        .filter(|(g, _)| g.action == "downsize" || g.action == "upsize")
        .map(|(g, _)| g.savings_usd_per_run)
        .sum();
    let walls: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.row.wall_time_seconds)
        .collect();
    WorkflowProfile {
        workflow_id: workflow_id.to_owned(),
        workflow_name: runs.iter().find_map(|r| r.row.listed.workflow_name.clone()),
        headroom,
        runs: runs.iter().map(|r| r.row.listed.run_id.clone()).collect(),
        confidence: if runs.len() >= CONFIDENT_RUNS {
            "high"
        } else {
            "low"
        }
        .to_owned(),
        basis: basis(runs.len(), region.as_deref()),
        median_wall_seconds: spread(walls).map(|s| s.p50),
        savings_usd_per_run: savings.map(usd),
        groups: out.into_iter().map(|(g, _)| g).collect(),
        nextflow_config: snippets::nextflow_config(&recommendations, headroom),
        wdl_runtime: snippets::wdl_runtime(&recommendations, headroom),
    }
}

fn add(across: &mut Across, group: &TaskGroupStats) {
    across.runs += 1;
    across.tasks += group.tasks;
    across.cpus.extend(group.peak_cpus);
    across.memory.extend(group.peak_memory_gib);
    across.running.extend(group.running_seconds);
    for (instance, hours) in &group.billed_hours {
        *across.billed_hours.entry(instance.clone()).or_default() += hours;
    }
    across.gpu |= group.gpu;
}

/// Combines per-run spreads (see the module documentation).
fn combine(spreads: &[Spread]) -> Option<Spread> {
    let p50 = spread(spreads.iter().map(|s| s.p50).collect())?.p50;
    let mut p95s: Vec<f64> = spreads.iter().map(|s| s.p95).collect();
    p95s.sort_by(f64::total_cmp);
    let max = spreads.iter().map(|s| s.max).fold(f64::MIN, f64::max);
    Some(Spread {
        p50,
        p95: nearest_rank(&p95s, 95.0),
        max,
    })
}

fn recommend(
    base_name: String,
    across: Across,
    headroom: f64,
    per_run: f64,
    price: &dyn Fn(&str) -> Option<f64>,
) -> (ProfileGroup, GroupRecommendation) {
    let (cpus, memory) = (combine(&across.cpus), combine(&across.memory));
    let instance_types: Vec<String> = across.billed_hours.keys().cloned().collect();
    let hours: f64 = across.billed_hours.values().sum();
    let current: Option<f64> = across
        .billed_hours
        .iter()
        .map(|(instance, hours)| price(instance).map(|p| p * hours))
        .sum();
    let mut rec = GroupRecommendation {
        base_name: base_name.clone(),
        tasks: across.tasks,
        instance_types: instance_types.clone(),
        max_cpus: cpus.map(|s| s.max),
        max_memory_gib: memory.map(|s| s.max),
        needed_cpus: None,
        needed_memory_gib: None,
        recommended_instance_type: None,
        recommended_cpus: None,
        recommended_memory_gib: None,
        action: Action::NoData,
        current_usd: current.map(usd),
        recommended_usd: None,
        savings_usd: None,
    };
    let gpu = across.gpu || instance_types.iter().any(|i| instances::is_gpu(i));
    if gpu {
        rec.action = Action::KeepGpu;
        rec.recommended_instance_type = most_billed(&across.billed_hours);
    } else if let (Some(c), Some(m)) = (cpus, memory) {
        size(
            &mut rec,
            needed(c.max, headroom),
            needed(m.max, headroom),
            hours,
            current,
            price,
        );
    }
    let group = ProfileGroup {
        base_name,
        runs_seen: across.runs,
        tasks_seen: across.tasks,
        peak_cpus: cpus,
        peak_memory_gib: memory,
        running_seconds: combine(&across.running),
        instance_types,
        gpu,
        recommended_instance_type: rec.recommended_instance_type.clone(),
        recommended_cpus: rec.recommended_cpus,
        recommended_memory_gib: rec.recommended_memory_gib,
        action: action_name(rec.action),
        savings_usd_per_run: rec.savings_usd.map(|s| usd(s / per_run)),
    };
    (group, rec)
}

/// Fills the recommendation of a non-GPU group that needs `cpus` vCPUs and `memory` GiB.
fn size(
    rec: &mut GroupRecommendation,
    cpus: u32,
    memory: u32,
    hours: f64,
    current: Option<f64>,
    price: &dyn Fn(&str) -> Option<f64>,
) {
    rec.needed_cpus = Some(cpus);
    rec.needed_memory_gib = Some(memory);
    let Some(fit) = smallest_fit(cpus, memory) else {
        rec.action = Action::ExceedsLargest;
        return;
    };
    rec.action = action_for(
        rec.instance_types.iter().map(String::as_str),
        &fit.name,
        cpus,
        memory,
    );
    rec.recommended_cpus = Some(fit.vcpus);
    rec.recommended_memory_gib = Some(fit.memory_gib);
    let then = price(&fit.name).map(|p| p * hours);
    rec.recommended_usd = then.map(usd);
    rec.savings_usd = current.zip(then).map(|(now, then)| usd(now - then));
    if rec.action == Action::Keep {
        rec.savings_usd = rec.savings_usd.map(|_| 0.0);
    }
    rec.recommended_instance_type = Some(fit.name);
}

fn most_billed(hours: &BTreeMap<String, f64>) -> Option<String> {
    hours
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(name, _)| name.clone())
}

fn action_name(action: Action) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn basis(runs: usize, region: Option<&str>) -> String {
    let confidence = if runs >= CONFIDENT_RUNS {
        String::new()
    } else {
        format!(
            "only {runs} completed run(s) stored (fewer than {CONFIDENT_RUNS}): low confidence; "
        )
    };
    format!(
        "{confidence}from the last {runs} COMPLETED stored run(s): per task group, p50 is the median of the runs' \
         medians, p95 the 95th percentile of their p95s, max the largest peak seen; the recommendation fits max \
         with headroom; savings per run use {} list prices (estimates)",
        region.unwrap_or("unknown-region")
    )
}
