//! Per task group statistics of one run, collected while tasks stream past.
//!
//! Samples are kept as `f32` (peak vCPUs, GiB, seconds need no more precision), so 100,000 tasks hold about
//! 1.2 MB; the groups beyond [`TASK_GROUPS_KEPT`] (ordered by billed hours) are folded into one entry, so a run
//! of ungroupable names still yields a small summary item.

use std::collections::{BTreeMap, HashMap};

use super::spread;
use crate::analysis::cost::TaskCost;
use crate::analysis::instances;
use crate::analysis::names::{Engine, base_name};
use crate::record::fleet::{OTHER_GROUPS, TASK_GROUPS_KEPT, TaskGroupStats};
use crate::record::{EnrichedTask, round_to, usd};

#[derive(Debug, Default)]
struct Samples {
    tasks: u64,
    cached: u64,
    cpus: Vec<f32>,
    memory: Vec<f32>,
    running: Vec<f32>,
    billed_seconds: BTreeMap<String, f64>,
    usd: f64,
    gpu: bool,
}

impl Samples {
    fn billed_total(&self) -> f64 {
        self.billed_seconds.values().sum()
    }

    fn into_stats(self, base_name: String) -> TaskGroupStats {
        let widen =
            |v: Vec<f32>| spread(v.into_iter().map(|x| round_to(f64::from(x), 3)).collect());
        TaskGroupStats {
            base_name,
            tasks: self.tasks,
            cached: self.cached,
            peak_cpus: widen(self.cpus),
            peak_memory_gib: widen(self.memory),
            running_seconds: widen(self.running),
            billed_hours: self
                .billed_seconds
                .into_iter()
                .map(|(k, s)| (k, round_to(s / 3600.0, 6)))
                .collect(),
            usd: usd(self.usd),
            gpu: self.gpu,
        }
    }

    /// Adds `other`'s counts and money into `self` (the folded entry keeps no spreads: they would mix groups).
    fn absorb(&mut self, other: Samples) {
        self.tasks += other.tasks;
        self.cached += other.cached;
        self.usd += other.usd;
        self.gpu |= other.gpu;
        for (instance, seconds) in other.billed_seconds {
            *self.billed_seconds.entry(instance).or_default() += seconds;
        }
    }
}

/// Collects [`TaskGroupStats`] as tasks stream past.
#[derive(Debug)]
pub struct GroupStatsAccumulator {
    engine: Engine,
    groups: HashMap<String, Samples>,
}

impl GroupStatsAccumulator {
    /// An empty accumulator for a run of `engine`.
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            groups: HashMap::new(),
        }
    }

    /// Adds `task`, whose compute cost is `cost`.
    pub fn observe(&mut self, task: &EnrichedTask, cost: &TaskCost) {
        let name = base_name(task.name.as_deref().unwrap_or(&task.task_id), self.engine);
        let group = match self.groups.get_mut(name) {
            Some(group) => group,
            None => self.groups.entry(name.to_owned()).or_default(),
        };
        group.tasks += 1;
        group.gpu |= task.instance_type.as_deref().is_some_and(instances::is_gpu);
        if cost.cached {
            group.cached += 1;
            return;
        }
        if let Some(peak) = task.maximum {
            group.cpus.extend(peak.cpus.map(|v| v as f32));
            group.memory.extend(peak.memory_gib.map(|v| v as f32));
        }
        group.running.extend(task.running_seconds.map(|v| v as f32));
        if let (Some(instance), Some(billed)) = (&task.instance_type, cost.billed_seconds) {
            *group.billed_seconds.entry(instance.clone()).or_default() += billed;
        }
        group.usd += cost.usd.unwrap_or(0.0);
    }

    /// The groups, most billed hours first (ties by name), at most [`TASK_GROUPS_KEPT`] plus the folded rest.
    pub fn finish(self) -> Vec<TaskGroupStats> {
        let mut groups: Vec<(String, Samples)> = self.groups.into_iter().collect();
        groups.sort_by(|(a_name, a), (b_name, b)| {
            b.billed_total()
                .total_cmp(&a.billed_total())
                .then_with(|| b.tasks.cmp(&a.tasks))
                .then_with(|| a_name.cmp(b_name))
        });
        let rest = groups.split_off(groups.len().min(TASK_GROUPS_KEPT));
        let mut out: Vec<TaskGroupStats> = groups
            .into_iter()
            .map(|(name, samples)| samples.into_stats(name))
            .collect();
        if !rest.is_empty() {
            let mut folded = Samples::default();
            for (_, samples) in rest {
                folded.absorb(samples);
            }
            out.push(folded.into_stats(OTHER_GROUPS.to_owned()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Resources;

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

    fn cost(billed: f64, usd: f64, cached: bool) -> TaskCost {
        TaskCost {
            task_id: String::new(),
            name: None,
            instance_type: None,
            cached,
            running_seconds: None,
            billed_seconds: Some(billed),
            usd_per_hour: None,
            usd: Some(usd),
            note: None,
        }
    }

    #[test]
    fn shards_form_one_group_with_spreads_hours_and_cost() {
        let mut acc = GroupStatsAccumulator::new(Engine::Nextflow);
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
        let mut acc = GroupStatsAccumulator::new(Engine::Unknown);
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
