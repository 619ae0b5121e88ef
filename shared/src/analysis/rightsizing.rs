//! Right-sizing: the smallest instance that fits what each task used, with headroom, and what it would save.
//!
//! For a task with peak use `max` (vCPUs, GiB) and headroom `H`, the need is `ceil(max × (1 + H))` of each
//! (computed on the value rounded to 6 decimals, so `10 × 1.1` needs 11, not the 12 that floating point gives);
//! the recommendation is [`smallest_fit`] of the need. GPU tasks keep their type. Cached tasks cost nothing and
//! are skipped. Shards of a scattered task are aggregated by base name ([`base_name`]): the group is sized for
//! its largest shard, because one `withName` / `runtime` block applies to all of them.
//!
//! Savings = Σ (price of the current type − price of the recommendation) × billed hours, per task and per group;
//! the total is the sum over groups, i.e. what applying the emitted snippets would save. A negative saving is an
//! upsize (a task that ran at its limit).

use std::collections::BTreeSet;

use super::cost::CostFigures;
use super::instances::{self, smallest_fit};
use super::names::{Engine, GroupId, GroupNames, base_name};
use super::prices::PriceTable;
pub use super::settings::DEFAULT_HEADROOM;
use super::snippets;
pub use crate::record::rightsizing::{
    Action, GROUPS_LISTED, GroupRecommendation, Rightsizing, TASKS_LISTED, TaskRecommendation,
};
use crate::record::{EnrichedTask, round_to, usd};

/// The vCPUs and GiB a peak needs with headroom `headroom`.
pub fn needed(max: f64, headroom: f64) -> u32 {
    let value = round_to(max.max(0.0) * (1.0 + headroom), 6).ceil();
    value.min(f64::from(u32::MAX)) as u32
}

#[derive(Debug, Default)]
struct Group {
    tasks: u64,
    gpu: bool,
    max_cpus: Option<f64>,
    max_memory: Option<f64>,
    /// Billed seconds by the instance type the shards ran on (an index into the accumulator's types; `None`:
    /// unknown type). Few entries per group: a list, not a map.
    billed: Vec<(Option<u16>, f64)>,
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Collects recommendations as tasks stream past. Per group it keeps counts, peaks and billed seconds by
/// instance type (tens of bytes, keyed by [`GroupId`]; the names live once in [`GroupNames`]), and only the
/// [`TASKS_LISTED`] best task recommendations: memory does not grow with distinct names beyond that.
#[derive(Debug)]
pub struct SizingAccumulator {
    region: Option<String>,
    engine: Engine,
    headroom: f64,
    groups: Vec<Group>,
    /// Instance types seen, in order of first appearance.
    types: Vec<String>,
    tasks: Vec<TaskRecommendation>,
    unpriced: BTreeSet<String>,
}

impl SizingAccumulator {
    /// An empty accumulator.
    pub fn new(region: Option<String>, engine: Engine, headroom: f64) -> Self {
        Self {
            region,
            engine,
            headroom,
            groups: Vec::new(),
            types: Vec::new(),
            tasks: Vec::new(),
            unpriced: BTreeSet::new(),
        }
    }

    fn price(&self, prices: &PriceTable, instance: &str) -> Option<f64> {
        prices.price(self.region.as_deref()?, instance)
    }

    fn type_index(&mut self, instance: Option<&str>) -> Option<u16> {
        let instance = instance?;
        if let Some(at) = self.types.iter().position(|t| t == instance) {
            return u16::try_from(at).ok();
        }
        self.types.push(instance.to_owned());
        u16::try_from(self.types.len() - 1).ok()
    }

    /// Adds `task` of group `group` (see [`GroupNames`]), whose compute figures are `cost`.
    pub fn observe(
        &mut self,
        task: &EnrichedTask,
        group: GroupId,
        cost: &CostFigures,
        prices: &PriceTable,
    ) {
        if cost.cached || cost.billed_seconds == Some(0.0) {
            return;
        }
        let gpu = task.instance_type.as_deref().is_some_and(instances::is_gpu)
            || [task.requested, task.reserved]
                .iter()
                .any(|r| r.and_then(|r| r.gpus).is_some_and(|g| g > 0.0));
        let max_cpus = task.maximum.and_then(|m| m.cpus);
        let max_memory = task.maximum.and_then(|m| m.memory_gib);
        let instance = self.type_index(task.instance_type.as_deref());
        let at = group as usize;
        if self.groups.len() <= at {
            self.groups.resize_with(at + 1, Group::default);
        }
        let entry = &mut self.groups[at];
        entry.tasks += 1;
        entry.gpu |= gpu;
        entry.max_cpus = max_opt(entry.max_cpus, max_cpus);
        entry.max_memory = max_opt(entry.max_memory, max_memory);
        let seconds = cost.billed_seconds.unwrap_or(0.0);
        match entry.billed.iter_mut().find(|(t, _)| *t == instance) {
            Some((_, total)) => *total += seconds,
            None => entry.billed.push((instance, seconds)),
        }
        if gpu {
            return;
        }
        let (Some(cpus), Some(memory)) = (max_cpus, max_memory) else {
            return;
        };
        let (need_cpu, need_mem) = (needed(cpus, self.headroom), needed(memory, self.headroom));
        let Some(fit) = smallest_fit(need_cpu, need_mem) else {
            return;
        };
        let price = self.price(prices, &fit.name);
        if price.is_none() {
            self.unpriced.insert(fit.name.clone());
        }
        let recommended_usd = price
            .zip(cost.billed_seconds)
            .map(|(p, s)| usd(p * s / 3600.0));
        let savings_usd = cost
            .usd
            .zip(recommended_usd)
            .map(|(now, then)| usd(now - then));
        // Only a task that enters the list is described (its strings copied).
        let Some(savings) = savings_usd.filter(|s| *s > 0.0 && self.enters_list(*s)) else {
            return;
        };
        let action = action_for(task.instance_type.as_deref(), &fit.name, need_cpu, need_mem);
        let rec = TaskRecommendation {
            task_id: task.task_id.clone(),
            name: task.name.clone(),
            base_name: base_name(task.name.as_deref().unwrap_or(&task.task_id), self.engine)
                .to_owned(),
            instance_type: task.instance_type.clone(),
            max_cpus,
            max_memory_gib: max_memory,
            needed_cpus: Some(need_cpu),
            needed_memory_gib: Some(need_mem),
            recommended_instance_type: Some(fit.name),
            action,
            current_usd: cost.usd,
            recommended_usd,
            savings_usd: Some(savings),
        };
        self.keep_task(rec);
    }

    /// Whether a task saving `value` enters the [`TASKS_LISTED`] best.
    fn enters_list(&self, value: f64) -> bool {
        !(self.tasks.len() == TASKS_LISTED
            && self
                .tasks
                .last()
                .and_then(|t| t.savings_usd)
                .is_some_and(|min| min >= value))
    }

    fn keep_task(&mut self, rec: TaskRecommendation) {
        let value = rec.savings_usd.unwrap_or(0.0);
        let at = self
            .tasks
            .iter()
            .position(|t| t.savings_usd.unwrap_or(0.0) < value)
            .unwrap_or(self.tasks.len());
        self.tasks.insert(at, rec);
        self.tasks.truncate(TASKS_LISTED);
    }

    /// The recommendations; `names` are the groups' base names.
    pub fn finish(mut self, names: &GroupNames, prices: &PriceTable) -> Rightsizing {
        let groups = std::mem::take(&mut self.groups);
        let mut out: Vec<GroupRecommendation> = groups
            .into_iter()
            .enumerate()
            .filter(|(_, group)| group.tasks > 0)
            .map(|(id, group)| {
                let base = names.name(id as GroupId).to_owned();
                self.group_recommendation(base, group, prices)
            })
            .collect();
        out.sort_by(|a, b| {
            b.savings_usd
                .unwrap_or(f64::MIN)
                .total_cmp(&a.savings_usd.unwrap_or(f64::MIN))
                .then_with(|| a.base_name.cmp(&b.base_name))
        });
        let actionable = out
            .iter()
            .filter(|g| matches!(g.action, Action::Downsize | Action::Upsize));
        let known: f64 = actionable.clone().filter_map(|g| g.savings_usd).sum();
        let all_known = actionable.clone().all(|g| g.savings_usd.is_some());
        let mut warnings: Vec<String> = Vec::new();
        if !self.unpriced.is_empty() {
            warnings.push(format!(
                "no price in {} for recommended type(s) {}: their savings are unknown",
                self.region.as_deref().unwrap_or("an unknown region"),
                self.unpriced.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        let no_data = out.iter().filter(|g| g.action == Action::NoData).count();
        if no_data > 0 {
            warnings.push(format!(
                "{no_data} task group(s) have no peak use recorded (no manifest metrics): not sized"
            ));
        }
        let exceed: Vec<&str> = out
            .iter()
            .filter(|g| g.action == Action::ExceedsLargest)
            .map(|g| g.base_name.as_str())
            .collect();
        if !exceed.is_empty() {
            warnings.push(format!(
                "peak use with headroom exceeds the largest instance for: {}",
                exceed.join(", ")
            ));
        }
        let groups_omitted = out.len().saturating_sub(GROUPS_LISTED) as u64;
        out.truncate(GROUPS_LISTED);
        let nextflow = matches!(self.engine, Engine::Nextflow | Engine::Unknown);
        let wdl = matches!(self.engine, Engine::Wdl | Engine::Unknown);
        Rightsizing {
            headroom: self.headroom,
            total_savings_usd: all_known.then(|| usd(known)),
            known_savings_usd: usd(known),
            nextflow_config: nextflow
                .then(|| snippets::nextflow_config(&out, self.headroom))
                .flatten(),
            wdl_runtime: wdl
                .then(|| snippets::wdl_runtime(&out, self.headroom))
                .flatten(),
            groups: out,
            groups_omitted,
            tasks: self.tasks,
            warnings,
        }
    }

    fn group_recommendation(
        &mut self,
        base_name: String,
        mut group: Group,
        prices: &PriceTable,
    ) -> GroupRecommendation {
        // In the order a map keyed by the type would give (unknown first, then by name): sums of floats depend
        // on their order, and the record must not.
        group.billed.sort_by(|(a, _), (b, _)| {
            let name = |t: &Option<u16>| t.map(|i| self.types[usize::from(i)].as_str());
            name(a).cmp(&name(b))
        });
        let billed: Vec<(Option<&str>, f64)> = group
            .billed
            .iter()
            .map(|(t, s)| (t.map(|i| self.types[usize::from(i)].as_str()), *s))
            .collect();
        let mut rec = GroupRecommendation {
            base_name,
            tasks: group.tasks,
            instance_types: billed
                .iter()
                .filter_map(|(t, _)| t.map(str::to_owned))
                .collect(),
            max_cpus: group.max_cpus,
            max_memory_gib: group.max_memory,
            needed_cpus: None,
            needed_memory_gib: None,
            recommended_instance_type: None,
            recommended_cpus: None,
            recommended_memory_gib: None,
            action: Action::NoData,
            current_usd: None,
            recommended_usd: None,
            savings_usd: None,
        };
        let current: Option<f64> = billed
            .iter()
            .map(|(instance, seconds)| {
                instance
                    .and_then(|i| self.price(prices, i))
                    .map(|p| p * seconds / 3600.0)
            })
            .sum();
        let seconds: f64 = billed.iter().map(|(_, s)| s).sum();
        rec.current_usd = current.map(usd);
        if group.gpu {
            rec.action = Action::KeepGpu;
            return rec;
        }
        let (Some(cpus), Some(memory)) = (group.max_cpus, group.max_memory) else {
            return rec;
        };
        let (need_cpu, need_mem) = (needed(cpus, self.headroom), needed(memory, self.headroom));
        rec.needed_cpus = Some(need_cpu);
        rec.needed_memory_gib = Some(need_mem);
        let Some(fit) = smallest_fit(need_cpu, need_mem) else {
            rec.action = Action::ExceedsLargest;
            return rec;
        };
        rec.recommended_cpus = Some(fit.vcpus);
        rec.recommended_memory_gib = Some(fit.memory_gib);
        rec.action = action_for(
            rec.instance_types.iter().map(String::as_str),
            &fit.name,
            need_cpu,
            need_mem,
        );
        let price = self.price(prices, &fit.name);
        if price.is_none() {
            self.unpriced.insert(fit.name.clone());
        }
        rec.recommended_usd = price.map(|p| usd(p * seconds / 3600.0));
        rec.savings_usd = current
            .zip(price.map(|p| p * seconds / 3600.0))
            .map(|(now, then)| usd(now - then));
        if rec.action == Action::Keep {
            rec.savings_usd = rec.savings_usd.map(|_| 0.0);
        }
        rec.recommended_instance_type = Some(fit.name);
        rec
    }
}

/// Whether `instance` (a general-purpose type) holds `cpus` vCPUs and `memory` GiB; `None` when unknown.
fn fits(instance: &str, cpus: u32, memory: u32) -> Option<bool> {
    let spec = instances::parse(instance)?;
    Some(spec.vcpus >= cpus && spec.memory_gib >= memory)
}

/// Keep when already on the fit; upsize when the current type does not hold the need; else downsize.
pub(crate) fn action_for<'a>(
    current: impl IntoIterator<Item = &'a str>,
    fit: &str,
    cpus: u32,
    memory: u32,
) -> Action {
    let current: Vec<&str> = current.into_iter().collect();
    if !current.is_empty() && current.iter().all(|c| *c == fit) {
        Action::Keep
    } else if current.iter().any(|c| fits(c, cpus, memory) == Some(false)) {
        Action::Upsize
    } else {
        Action::Downsize
    }
}
