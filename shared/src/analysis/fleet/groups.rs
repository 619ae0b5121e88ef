//! Per task group statistics of one run, collected while tasks stream past.
//!
//! Per group only counts and money are kept (tens of bytes, keyed by [`GroupId`]; the names live once in
//! [`GroupNames`]). The samples the spreads are computed from sit in one run-wide list of 16 bytes per task (peak
//! vCPUs, GiB and seconds as `f32`, which they need no more precision than), so 100,000 tasks hold 1.6 MB however
//! many groups they form; at the end only the [`TASK_GROUPS_KEPT`] groups with the most billed hours get spreads,
//! exact ones, and the rest are folded into one entry of counts and money. Memory therefore does not grow with
//! the number of distinct names beyond one small entry per group.

use std::collections::BTreeMap;

use super::spread;
use crate::analysis::cost::CostFigures;
use crate::analysis::instances;
use crate::analysis::names::{GroupId, GroupNames};
use crate::record::fleet::{OTHER_GROUPS, TASK_GROUPS_KEPT, TaskGroupStats};
use crate::record::{EnrichedTask, round_to, usd};

/// Counts and money of one group.
#[derive(Debug, Default, Clone)]
struct Totals {
    tasks: u64,
    cached: u64,
    /// Billed seconds by instance type (an index into the accumulator's types); few entries.
    billed: Vec<(u16, f64)>,
    usd: f64,
    gpu: bool,
}

/// One task's samples: peak vCPUs, peak GiB, running seconds (NaN: not recorded).
#[derive(Debug, Clone, Copy)]
struct Sample {
    group: GroupId,
    values: [f32; 3],
}

/// Collects [`TaskGroupStats`] as tasks stream past.
#[derive(Debug, Default)]
pub struct GroupStatsAccumulator {
    groups: Vec<Totals>,
    types: Vec<String>,
    samples: Vec<Sample>,
}

impl GroupStatsAccumulator {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    fn type_index(&mut self, instance: &str) -> u16 {
        let at = match self.types.iter().position(|t| t == instance) {
            Some(at) => at,
            None => {
                self.types.push(instance.to_owned());
                self.types.len() - 1
            }
        };
        u16::try_from(at).unwrap_or(u16::MAX)
    }

    /// Adds `task` of group `group` ([`GroupNames`]), whose compute figures are `cost`.
    pub fn observe(&mut self, task: &EnrichedTask, group: GroupId, cost: &CostFigures) {
        let at = group as usize;
        if self.groups.len() <= at {
            self.groups.resize_with(at + 1, Totals::default);
        }
        let instance = match (&task.instance_type, cost.billed_seconds, cost.cached) {
            (Some(instance), Some(billed), false) => Some((self.type_index(instance), billed)),
            _ => None,
        };
        let totals = &mut self.groups[at];
        totals.tasks += 1;
        totals.gpu |= task.instance_type.as_deref().is_some_and(instances::is_gpu);
        if cost.cached {
            totals.cached += 1;
            return;
        }
        if let Some((instance, billed)) = instance {
            match totals.billed.iter_mut().find(|(t, _)| *t == instance) {
                Some((_, total)) => *total += billed,
                None => totals.billed.push((instance, billed)),
            }
        }
        totals.usd += cost.usd.unwrap_or(0.0);
        let narrow = |v: Option<f64>| v.map_or(f32::NAN, |v| v as f32);
        let peak = task.maximum.unwrap_or_default();
        let values = [
            narrow(peak.cpus),
            narrow(peak.memory_gib),
            narrow(task.running_seconds),
        ];
        if values.iter().any(|v| !v.is_nan()) {
            self.samples.push(Sample { group, values });
        }
    }

    /// Billed seconds of `totals` by type name, in name order (the order sums are taken in).
    fn billed_by_name(&self, totals: &Totals) -> BTreeMap<String, f64> {
        let mut out: BTreeMap<String, f64> = BTreeMap::new();
        for (instance, seconds) in &totals.billed {
            *out.entry(self.types[usize::from(*instance)].clone())
                .or_default() += seconds;
        }
        out
    }

    /// The groups, most billed hours first (ties by more tasks, then name), at most [`TASK_GROUPS_KEPT`] plus the
    /// folded rest; `names` are the groups' base names.
    pub fn finish(self, names: &GroupNames) -> Vec<TaskGroupStats> {
        let billed: Vec<BTreeMap<String, f64>> =
            self.groups.iter().map(|t| self.billed_by_name(t)).collect();
        let mut order: Vec<(usize, f64)> = billed
            .iter()
            .enumerate()
            .filter(|(id, _)| self.groups[*id].tasks > 0)
            .map(|(id, by_type)| (id, by_type.values().sum()))
            .collect();
        order.sort_by(|(a, a_billed), (b, b_billed)| {
            b_billed
                .total_cmp(a_billed)
                .then_with(|| self.groups[*b].tasks.cmp(&self.groups[*a].tasks))
                .then_with(|| names.name(*a as GroupId).cmp(names.name(*b as GroupId)))
        });
        let rest = order.split_off(order.len().min(TASK_GROUPS_KEPT));

        // The kept groups' samples, in the order the tasks were seen.
        let mut slot = vec![usize::MAX; self.groups.len()];
        for (k, (id, _)) in order.iter().enumerate() {
            slot[*id] = k;
        }
        let mut kept: Vec<[Vec<f64>; 3]> = vec![Default::default(); order.len()];
        for sample in &self.samples {
            let Some(columns) = kept.get_mut(slot[sample.group as usize]) else {
                continue;
            };
            for (column, value) in columns.iter_mut().zip(sample.values) {
                if !value.is_nan() {
                    column.push(round_to(f64::from(value), 3));
                }
            }
        }
        let mut billed = billed;
        let mut out: Vec<TaskGroupStats> = order
            .iter()
            .zip(kept)
            .map(|((id, _), [cpus, memory, running])| {
                let totals = &self.groups[*id];
                TaskGroupStats {
                    base_name: names.name(*id as GroupId).to_owned(),
                    tasks: totals.tasks,
                    cached: totals.cached,
                    peak_cpus: spread(cpus),
                    peak_memory_gib: spread(memory),
                    running_seconds: spread(running),
                    billed_hours: hours(std::mem::take(&mut billed[*id])),
                    usd: usd(totals.usd),
                    gpu: totals.gpu,
                }
            })
            .collect();
        if !rest.is_empty() {
            // The folded entry keeps no spreads: they would mix groups.
            let mut folded = Totals::default();
            let mut folded_billed: BTreeMap<String, f64> = BTreeMap::new();
            for (id, _) in rest {
                let totals = &self.groups[id];
                folded.tasks += totals.tasks;
                folded.cached += totals.cached;
                folded.usd += totals.usd;
                folded.gpu |= totals.gpu;
                for (instance, seconds) in std::mem::take(&mut billed[id]) {
                    *folded_billed.entry(instance).or_default() += seconds;
                }
            }
            out.push(TaskGroupStats {
                base_name: OTHER_GROUPS.to_owned(),
                tasks: folded.tasks,
                cached: folded.cached,
                peak_cpus: None,
                peak_memory_gib: None,
                running_seconds: None,
                billed_hours: hours(folded_billed),
                usd: usd(folded.usd),
                gpu: folded.gpu,
            });
        }
        out
    }
}

fn hours(billed_seconds: BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    billed_seconds
        .into_iter()
        .map(|(k, s)| (k, round_to(s / 3600.0, 6)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::names::Engine;
    use crate::record::Resources;

    /// The accumulator with its group names, as the analyzer drives it.
    struct Groups {
        names: GroupNames,
        acc: GroupStatsAccumulator,
    }

    impl Groups {
        fn new(engine: Engine) -> Self {
            Self {
                names: GroupNames::new(engine),
                acc: GroupStatsAccumulator::new(),
            }
        }

        fn observe(&mut self, task: &EnrichedTask, cost: &CostFigures) {
            let group = self
                .names
                .group_of(task.name.as_deref().unwrap_or(&task.task_id), None);
            self.acc.observe(task, group, cost);
        }

        fn finish(self) -> Vec<TaskGroupStats> {
            self.acc.finish(&self.names)
        }
    }

    fn task(id: u64, name: &str, cpus: f64, running: f64, instance: &str) -> EnrichedTask {
        EnrichedTask {
            task_id: id.to_string(),
            name: Some(name.to_owned()),
            maximum: Some(Resources {
                cpus: Some(cpus),
                memory_gib: Some(cpus * 2.0),
                gpus: None,
            }),
            running_seconds: Some(running),
            instance_type: Some(instance.to_owned()),
            ..EnrichedTask::default()
        }
    }

    fn cost(billed: f64, usd: f64, cached: bool) -> CostFigures {
        CostFigures {
            cached,
            billed_seconds: Some(billed),
            usd: Some(usd),
            ..CostFigures::default()
        }
    }

    #[test]
    fn shards_form_one_group_with_spreads_hours_and_cost() {
        let mut acc = Groups::new(Engine::Nextflow);
        for i in 1..=20 {
            let t = task(
                i,
                &format!("ALIGN (s{i})"),
                f64::from(i as u32),
                100.0 * i as f64,
                "omics.c.large",
            );
            acc.observe(&t, &cost(3600.0, 0.1, false));
        }
        acc.observe(
            &task(21, "ALIGN (cached)", 99.0, 1.0, "omics.c.large"),
            &cost(0.0, 0.0, true),
        );
        acc.observe(
            &task(22, "SORT (x)", 1.0, 30.0, "omics.m.large"),
            &cost(60.0, 0.002, false),
        );
        let groups = acc.finish();
        assert_eq!(groups.len(), 2);
        let align = &groups[0];
        assert_eq!(
            (align.base_name.as_str(), align.tasks, align.cached),
            ("ALIGN", 21, 1)
        );
        let cpus = align.peak_cpus.unwrap();
        // The cached task's 99 vCPUs are not a sample: it did not run.
        assert_eq!((cpus.p50, cpus.p95, cpus.max), (10.0, 19.0, 20.0));
        assert_eq!(align.peak_memory_gib.unwrap().max, 40.0);
        assert_eq!(align.running_seconds.unwrap().p95, 1900.0);
        assert_eq!(align.billed_hours["omics.c.large"], 20.0);
        assert_eq!(align.usd, 2.0);
        assert_eq!(groups[1].base_name, "SORT");
    }

    #[test]
    fn groups_beyond_the_limit_fold_into_one_entry() {
        let mut acc = Groups::new(Engine::Unknown);
        let n = TASK_GROUPS_KEPT as u64 + 50;
        for i in 0..n {
            // Distinct names; group i bills i + 1 minutes, so the 50 smallest are folded.
            let t = task(i, &format!("unique_{i}_x"), 1.0, 60.0, "omics.c.large");
            acc.observe(&t, &cost(60.0 * (i + 1) as f64, 0.01, false));
        }
        let groups = acc.finish();
        assert_eq!(groups.len(), TASK_GROUPS_KEPT + 1);
        assert_eq!(groups[0].base_name, format!("unique_{}_x", n - 1));
        let other = groups.last().unwrap();
        assert_eq!((other.base_name.as_str(), other.tasks), (OTHER_GROUPS, 50));
        assert!(other.peak_cpus.is_none());
        let total_usd: f64 = groups.iter().map(|g| g.usd).sum();
        assert!((total_usd - 0.01 * n as f64).abs() < 1e-9);
    }
}
