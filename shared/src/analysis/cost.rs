//! What a run cost: compute per task, run storage, and the total, each with the rule that produced it.
//!
//! - A task is billed at its `instanceType`'s hourly price for max(running seconds, 60) seconds. A cached task
//!   (`cacheHit`) costs no compute; a task that never started costs nothing.
//! - STATIC storage is billed on provisioned capacity (minimum 1200 GiB, above that in steps of 2400 GiB) for the
//!   run's duration; DYNAMIC storage on the average GiB used, for the run's duration.
//! - The run total is compute + storage, and only when both are fully known; otherwise it is null and
//!   `knownUsd` is the part that is known.
//!
//! An instance type or region the price table lacks gives a null cost and one warning per type, never a guess.

use std::collections::BTreeMap;

use super::prices::{DYNAMIC_STORAGE, PriceTable, STATIC_STORAGE};
use super::settings::Settings;
pub use crate::record::cost::{
    ComputeCost, InstanceTypeCost, MOST_EXPENSIVE_LISTED, PriceTableInfo, RunCost, StorageCost,
    TaskCost,
};
pub use crate::record::usd;
use crate::record::{EnrichedTask, RunInfo, round_to, seconds_between};

/// Billing minimum of a task, seconds.
pub const MINIMUM_BILLED_SECONDS: f64 = 60.0;
/// Smallest STATIC run storage, GiB.
pub const STATIC_MINIMUM_GIB: f64 = 1200.0;
/// STATIC run storage above the minimum comes in steps of this many GiB.
pub const STATIC_STEP_GIB: f64 = 2400.0;

/// Why a task has no cost.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unpriced {
    Region,
    InstanceType(String),
    NoInstanceType,
    NoRunningTime,
}

/// A task's compute figures without its identity (id, name, type): what the accumulators and the lake need per
/// task, computed without allocating. [`task_cost`] adds the identity and the note.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CostFigures {
    /// Served from the run cache: no compute cost.
    pub cached: bool,
    /// Seconds it ran.
    pub running_seconds: Option<f64>,
    /// Seconds billed: max(running, 60); 0 for cached and never-started tasks.
    pub billed_seconds: Option<f64>,
    /// The instance's price.
    pub usd_per_hour: Option<f64>,
    /// The cost; null when a price or a duration is unknown.
    pub usd: Option<f64>,
}

/// How a task's figures came about (the note and the unpriced reason are read from it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis<'a> {
    Priced,
    Cached,
    NotStarted,
    NoInstanceType,
    UnknownRegion,
    NoPrice {
        instance: &'a str,
        region: &'a str,
        region_priced: bool,
    },
    NoRunningTime,
}

impl Basis<'_> {
    fn unpriced(self) -> Option<Unpriced> {
        match self {
            Self::Priced | Self::Cached | Self::NotStarted => None,
            Self::NoInstanceType => Some(Unpriced::NoInstanceType),
            Self::UnknownRegion
            | Self::NoPrice {
                region_priced: false,
                ..
            } => Some(Unpriced::Region),
            Self::NoPrice { instance, .. } => Some(Unpriced::InstanceType(instance.to_owned())),
            Self::NoRunningTime => Some(Unpriced::NoRunningTime),
        }
    }

    fn note(self, figures: &CostFigures) -> Option<String> {
        Some(match self {
            Self::Priced => {
                let running = figures
                    .running_seconds
                    .filter(|r| *r < MINIMUM_BILLED_SECONDS)?;
                format!("ran {running} s, billed the {MINIMUM_BILLED_SECONDS} s minimum")
            }
            Self::Cached => "served from the run cache: no compute cost".to_owned(),
            Self::NotStarted => "never started: nothing billed".to_owned(),
            Self::NoInstanceType => "no instance type recorded".to_owned(),
            Self::UnknownRegion => "the run's region is unknown".to_owned(),
            Self::NoPrice {
                instance, region, ..
            } => format!("no price for {instance} in {region}"),
            Self::NoRunningTime => "no running time recorded".to_owned(),
        })
    }
}

/// Prices one task. `region` is the run's region (from its ARN).
pub fn task_cost(task: &EnrichedTask, region: Option<&str>, prices: &PriceTable) -> TaskCost {
    let (figures, basis) = price_task(task, region, prices);
    with_identity(task, &figures, basis)
}

/// [`task_cost`]'s figures alone.
pub fn cost_figures(task: &EnrichedTask, region: Option<&str>, prices: &PriceTable) -> CostFigures {
    price_task(task, region, prices).0
}

fn with_identity(task: &EnrichedTask, figures: &CostFigures, basis: Basis<'_>) -> TaskCost {
    TaskCost {
        task_id: task.task_id.clone(),
        name: task.name.clone(),
        instance_type: task.instance_type.clone(),
        cached: figures.cached,
        running_seconds: figures.running_seconds,
        billed_seconds: figures.billed_seconds,
        usd_per_hour: figures.usd_per_hour,
        usd: figures.usd,
        note: basis.note(figures),
    }
}

fn price_task<'a>(
    task: &'a EnrichedTask,
    region: Option<&'a str>,
    prices: &PriceTable,
) -> (CostFigures, Basis<'a>) {
    let mut figures = CostFigures {
        cached: task.cache_hit == Some(true),
        running_seconds: task.running_seconds,
        ..CostFigures::default()
    };
    if figures.cached {
        figures.billed_seconds = Some(0.0);
        figures.usd = Some(0.0);
        return (figures, Basis::Cached);
    }
    let started = task.start_time.is_some() || task.running_seconds.is_some();
    if !started {
        figures.billed_seconds = Some(0.0);
        figures.usd = Some(0.0);
        return (figures, Basis::NotStarted);
    }
    figures.billed_seconds = task.running_seconds.map(|r| r.max(MINIMUM_BILLED_SECONDS));
    let Some(instance) = task.instance_type.as_deref() else {
        return (figures, Basis::NoInstanceType);
    };
    let Some(region) = region else {
        return (figures, Basis::UnknownRegion);
    };
    let Some(price) = prices.price(region, instance) else {
        let region_priced = prices.has_region(region);
        return (
            figures,
            Basis::NoPrice {
                instance,
                region,
                region_priced,
            },
        );
    };
    figures.usd_per_hour = Some(price);
    let Some(running) = task.running_seconds else {
        return (figures, Basis::NoRunningTime);
    };
    let billed = running.max(MINIMUM_BILLED_SECONDS);
    figures.usd = Some(usd(price * billed / 3600.0));
    (figures, Basis::Priced)
}

/// The run's region, from its ARN (`arn:aws:omics:<region>:...`).
pub fn region_from_arn(arn: Option<&str>) -> Option<String> {
    let region = arn?.split(':').nth(3)?;
    (!region.is_empty()).then(|| region.to_owned())
}

/// The run's duration: stop − start, else the manifest's `runningSeconds`.
pub fn run_duration_seconds(run: &RunInfo) -> Option<f64> {
    seconds_between(run.start_time, run.stop_time)
        .or_else(|| run.metrics.as_ref().and_then(|m| m.running_seconds))
}

/// GiB billed for STATIC storage of `capacity` GiB: at least 1200, above that the next multiple of 2400.
pub fn static_billed_gib(capacity: f64) -> f64 {
    if capacity <= STATIC_MINIMUM_GIB {
        STATIC_MINIMUM_GIB
    } else {
        (capacity / STATIC_STEP_GIB).ceil() * STATIC_STEP_GIB
    }
}

/// Prices the run's storage.
pub fn storage_cost(run: &RunInfo, region: Option<&str>, prices: &PriceTable) -> StorageCost {
    let duration = run_duration_seconds(run);
    let metrics = run.metrics.as_ref();
    let storage_type = run.storage_type.clone().map(|t| t.to_ascii_uppercase());
    let mut cost = StorageCost {
        storage_type: storage_type.clone(),
        requested_gib: None,
        billed_gib: None,
        duration_seconds: duration,
        usd_per_gib_hour: None,
        usd: None,
        basis: String::new(),
    };
    let (resource, billed) = match storage_type.as_deref() {
        Some("STATIC") => {
            let requested = run
                .storage_capacity
                .map(|c| c as f64)
                .or_else(|| metrics.and_then(|m| m.storage_reserved_gib));
            cost.requested_gib = requested;
            (STATIC_STORAGE, requested.map(static_billed_gib))
        }
        Some("DYNAMIC") => (DYNAMIC_STORAGE, metrics.and_then(|m| m.storage_average_gib)),
        other => {
            cost.basis = format!(
                "storage type {} is not STATIC or DYNAMIC: storage not priced",
                other.unwrap_or("unknown")
            );
            return cost;
        }
    };
    cost.billed_gib = billed;
    let price = region.and_then(|r| prices.price(r, resource));
    cost.usd_per_gib_hour = price;
    let kind = storage_type.unwrap_or_default();
    match (billed, duration, price) {
        (Some(gib), Some(seconds), Some(price)) => {
            let hours = seconds / 3600.0;
            cost.usd = Some(usd(gib * hours * price));
            let what = if kind == "STATIC" {
                "provisioned"
            } else {
                "average"
            };
            cost.basis = format!(
                "{kind} run storage: {gib} GiB {what} × {} h × ${price}/GiB-hour",
                round_to(hours, 4)
            );
        }
        (None, _, _) => {
            cost.basis = if kind == "STATIC" {
                "STATIC run storage: the capacity is not recorded".to_owned()
            } else {
                "DYNAMIC run storage: the average use (storageAverageGiB) is not recorded"
                    .to_owned()
            };
        }
        (_, None, _) => cost.basis = format!("{kind} run storage: the run's duration is unknown"),
        (_, _, None) => {
            cost.basis = format!(
                "{kind} run storage: no price for {resource} in {}",
                region.unwrap_or("an unknown region")
            );
        }
    }
    cost
}

/// Sums task costs as tasks stream past.
#[derive(Debug)]
pub struct CostAccumulator {
    region: Option<String>,
    compute: f64,
    tasks: u64,
    priced: u64,
    cached: u64,
    not_started: u64,
    minimum_billed: u64,
    unpriced: BTreeMap<Unpriced, u64>,
    by_type: BTreeMap<String, (u64, f64, Option<f64>, Option<f64>)>,
    top: Vec<TaskCost>,
}

impl CostAccumulator {
    /// An empty accumulator for a run in `region`.
    pub fn new(region: Option<String>) -> Self {
        Self {
            region,
            compute: 0.0,
            tasks: 0,
            priced: 0,
            cached: 0,
            not_started: 0,
            minimum_billed: 0,
            unpriced: BTreeMap::new(),
            by_type: BTreeMap::new(),
            top: Vec::new(),
        }
    }

    /// Prices `task` and adds it; returns its figures.
    pub fn observe(&mut self, task: &EnrichedTask, prices: &PriceTable) -> CostFigures {
        let (cost, basis) = price_task(task, self.region.as_deref(), prices);
        self.tasks += 1;
        if let Some(reason) = basis.unpriced() {
            *self.unpriced.entry(reason).or_default() += 1;
        } else {
            self.priced += 1;
        }
        if cost.cached {
            self.cached += 1;
        } else if cost.billed_seconds == Some(0.0) {
            self.not_started += 1;
        }
        if cost
            .running_seconds
            .is_some_and(|r| r < MINIMUM_BILLED_SECONDS)
            && !cost.cached
        {
            self.minimum_billed += 1;
        }
        if let Some(value) = cost.usd {
            self.compute += value;
        }
        if let (Some(instance), false) = (task.instance_type.as_deref(), cost.cached) {
            // Looked up before inserting: one allocation per instance type, not per task.
            let entry = match self.by_type.get_mut(instance) {
                Some(entry) => entry,
                None => self.by_type.entry(instance.to_owned()).or_insert((
                    0,
                    0.0,
                    cost.usd_per_hour,
                    Some(0.0),
                )),
            };
            entry.0 += 1;
            entry.1 += cost.billed_seconds.unwrap_or(0.0);
            entry.3 = match (entry.3, cost.usd) {
                (Some(sum), Some(value)) => Some(sum + value),
                _ => None,
            };
        }
        if self.is_expensive(&cost) {
            let listed = with_identity(task, &cost, basis);
            self.keep_expensive(listed);
        }
        cost
    }

    /// Whether a task costing `cost` enters the most expensive list.
    fn is_expensive(&self, cost: &CostFigures) -> bool {
        let Some(value) = cost.usd.filter(|v| *v > 0.0) else {
            return false;
        };
        !(self.top.len() == MOST_EXPENSIVE_LISTED
            && self
                .top
                .last()
                .and_then(|t| t.usd)
                .is_some_and(|min| min >= value))
    }

    fn keep_expensive(&mut self, cost: TaskCost) {
        let value = cost.usd.unwrap_or(0.0);
        let at = self
            .top
            .iter()
            .position(|t| t.usd.unwrap_or(0.0) < value)
            .unwrap_or(self.top.len());
        self.top.insert(at, cost);
        self.top.truncate(MOST_EXPENSIVE_LISTED);
    }

    /// The run's cost with `storage`, priced with `settings` (where its prices came from, and why, is reported).
    pub fn finish(self, storage: StorageCost, settings: &Settings) -> RunCost {
        let region = self.region.as_deref().unwrap_or("an unknown region");
        let mut warnings = settings.price_warnings.clone();
        warnings.extend(unpriced_warnings(&self.unpriced, region));
        if storage.usd.is_none() {
            warnings.push(storage.basis.clone());
        }
        let unpriced: u64 = self.unpriced.values().sum();
        let by_instance_type = instance_type_costs(self.by_type);
        let compute = ComputeCost {
            usd: usd(self.compute),
            complete: unpriced == 0,
            tasks: self.tasks,
            priced_tasks: self.priced,
            unpriced_tasks: unpriced,
            cached_tasks: self.cached,
            not_started_tasks: self.not_started,
            minimum_billed_tasks: self.minimum_billed,
            by_instance_type,
            most_expensive: self.top,
        };
        let complete = compute.complete && storage.usd.is_some();
        let known = usd(compute.usd + storage.usd.unwrap_or(0.0));
        let basis = total_basis(&compute, &storage, complete, known);
        RunCost {
            currency: "USD".to_owned(),
            region: self.region,
            prices: settings.info.clone(),
            price_source: Some(settings.source),
            total_usd: complete.then_some(known),
            known_usd: known,
            complete,
            basis,
            compute,
            storage,
            warnings,
        }
    }
}

/// One warning per reason a task could not be priced, with how many tasks it affects: a cost that silently
/// left tasks out would read as complete. Unpriced instance types share one warning naming each type and the region,
/// so a run on many types says in one sentence what the price table lacks.
fn unpriced_warnings(unpriced: &BTreeMap<Unpriced, u64>, region: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let types: Vec<String> = unpriced
        .iter()
        .filter_map(|(reason, count)| match reason {
            Unpriced::InstanceType(instance) => Some(format!("{instance} ({count} task(s))")),
            _ => None,
        })
        .collect();
    if !types.is_empty() {
        let tasks: u64 = unpriced
            .iter()
            .filter(|(reason, _)| matches!(reason, Unpriced::InstanceType(_)))
            .map(|(_, count)| count)
            .sum();
        warnings.push(format!(
            "no price in {region} for {} instance type(s): {}; {tasks} task(s) have no cost and the run total \
             is unknown",
            types.len(),
            types.join(", ")
        ));
    }
    for (reason, count) in unpriced {
        match reason {
            Unpriced::InstanceType(_) => {}
            Unpriced::Region => warnings.push(format!(
                "the price table has no prices for {region}: {count} task(s) have no cost"
            )),
            Unpriced::NoInstanceType => warnings.push(format!(
                "{count} task(s) ran without a recorded instance type: no cost"
            )),
            Unpriced::NoRunningTime => {
                warnings.push(format!("{count} task(s) have no running time: no cost"))
            }
        }
    }
    warnings
}

/// The per-instance-type lines, most expensive first (unpriced types last), then by name so the order is
/// stable. A type's cost is given only when it has a price.
fn instance_type_costs(
    by_type: BTreeMap<String, (u64, f64, Option<f64>, Option<f64>)>,
) -> Vec<InstanceTypeCost> {
    let mut by_instance_type: Vec<InstanceTypeCost> = by_type
        .into_iter()
        .map(
            |(instance_type, (tasks, seconds, price, total))| InstanceTypeCost {
                instance_type,
                tasks,
                billed_hours: round_to(seconds / 3600.0, 6),
                usd_per_hour: price,
                usd: price.and(total).map(usd),
            },
        )
        .collect();
    by_instance_type.sort_by(|a, b| {
        b.usd
            .unwrap_or(-1.0)
            .total_cmp(&a.usd.unwrap_or(-1.0))
            .then_with(|| a.instance_type.cmp(&b.instance_type))
    });
    by_instance_type
}

/// The sentence that shows how the total was reached, so a reader can check it; when a part is unknown it says
/// so and gives the known part instead of a total.
fn total_basis(compute: &ComputeCost, storage: &StorageCost, complete: bool, known: f64) -> String {
    let compute_part = format!(
        "compute ${} ({} of {} task(s) priced, {} cached at no compute cost)",
        compute.usd, compute.priced_tasks, compute.tasks, compute.cached_tasks
    );
    let storage_part = match storage.usd {
        Some(value) => format!("storage ${value} ({})", storage.basis),
        None => format!("storage unknown ({})", storage.basis),
    };
    if complete {
        format!("total = {compute_part} + {storage_part}")
    } else {
        format!("total unknown: known part ${known} = {compute_part} + {storage_part}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RunMetrics;
    use crate::record::cost::PriceSourceKind;
    use crate::time::parse_timestamp;

    fn prices() -> PriceTable {
        PriceTable::parse(
            r#"{"schemaVersion":1,"currency":"USD","regions":{"us-east-1":{
                "omics.c.large":{"usd":0.1148},
                "omics.g5.2xlarge":{"usd":1.6362},
                "Run Storage":{"usd":0.0001918},
                "Dynamic Run Storage":{"usd":0.000411}}}}"#,
        )
        .unwrap()
    }

    fn task(id: &str, instance: Option<&str>, running: Option<f64>) -> EnrichedTask {
        EnrichedTask {
            task_id: id.into(),
            name: Some(format!("t{id}")),
            instance_type: instance.map(str::to_owned),
            running_seconds: running,
            start_time: running.map(|_| parse_timestamp("2024-01-01T00:00:00Z").unwrap()),
            ..EnrichedTask::default()
        }
    }

    #[test]
    fn task_costs_by_hand() {
        let p = prices();
        let region = Some("us-east-1");
        // 0.1148 $/h × 600 s / 3600 = 0.0191333… → 0.019133
        let ten_minutes = task_cost(&task("1", Some("omics.c.large"), Some(600.0)), region, &p);
        assert_eq!(ten_minutes.usd, Some(0.019133));
        assert_eq!(ten_minutes.billed_seconds, Some(600.0));
        // 12 s is billed as 60 s: 0.1148 / 60 = 0.0019133… → 0.001913
        let short = task_cost(&task("2", Some("omics.c.large"), Some(12.0)), region, &p);
        assert_eq!(
            (short.billed_seconds, short.usd),
            (Some(60.0), Some(0.001913))
        );
        // GPU: 1.6362 × 1800 / 3600 = 0.8181
        let gpu = task_cost(
            &task("3", Some("omics.g5.2xlarge"), Some(1800.0)),
            region,
            &p,
        );
        assert_eq!(gpu.usd, Some(0.8181));
        // Cached: no compute, flagged.
        let mut cached = task("4", None, None);
        cached.cache_hit = Some(true);
        let cached = task_cost(&cached, region, &p);
        assert!(cached.cached);
        assert_eq!(cached.usd, Some(0.0));
        // Unknown type, unknown region: null.
        let unknown = task_cost(&task("5", Some("omics.r.xlarge"), Some(60.0)), region, &p);
        assert_eq!(unknown.usd, None);
        assert_eq!(
            unknown.note.as_deref(),
            Some("no price for omics.r.xlarge in us-east-1")
        );
        let nowhere = task_cost(
            &task("6", Some("omics.c.large"), Some(60.0)),
            Some("eu-west-9"),
            &p,
        );
        assert_eq!(nowhere.usd, None);
        // Never started: nothing billed.
        let queued = task_cost(&task("7", Some("omics.c.large"), None), region, &p);
        assert_eq!(queued.usd, Some(0.0));
    }

    #[test]
    fn static_capacity_steps() {
        assert_eq!(static_billed_gib(0.0), 1200.0);
        assert_eq!(static_billed_gib(1200.0), 1200.0);
        assert_eq!(static_billed_gib(1201.0), 2400.0);
        assert_eq!(static_billed_gib(2400.0), 2400.0);
        assert_eq!(static_billed_gib(2401.0), 4800.0);
        assert_eq!(static_billed_gib(9000.0), 9600.0);
    }

    fn run(storage: &str, capacity: Option<i64>, average: Option<f64>) -> RunInfo {
        RunInfo {
            storage_type: Some(storage.into()),
            storage_capacity: capacity,
            start_time: Some(parse_timestamp("2024-01-01T00:00:00Z").unwrap()),
            stop_time: Some(parse_timestamp("2024-01-01T02:00:00Z").unwrap()),
            metrics: Some(RunMetrics {
                storage_average_gib: average,
                ..RunMetrics::default()
            }),
            ..RunInfo::default()
        }
    }

    #[test]
    fn storage_costs_by_hand() {
        let p = prices();
        // STATIC 1200 GiB × 2 h × 0.0001918 = 0.46032
        let s = storage_cost(&run("STATIC", Some(1200), None), Some("us-east-1"), &p);
        assert_eq!((s.billed_gib, s.usd), (Some(1200.0), Some(0.46032)));
        // STATIC 3000 requested → 4800 billed: 4800 × 2 × 0.0001918 = 1.84128
        let s = storage_cost(&run("STATIC", Some(3000), None), Some("us-east-1"), &p);
        assert_eq!((s.billed_gib, s.usd), (Some(4800.0), Some(1.84128)));
        // DYNAMIC average 100 GiB × 2 h × 0.000411 = 0.0822
        let s = storage_cost(&run("DYNAMIC", None, Some(100.0)), Some("us-east-1"), &p);
        assert_eq!((s.billed_gib, s.usd), (Some(100.0), Some(0.0822)));
        let s = storage_cost(&run("DYNAMIC", None, None), Some("us-east-1"), &p);
        assert_eq!(s.usd, None);
        let s = storage_cost(&run("STATIC", Some(1200), None), Some("eu-west-9"), &p);
        assert_eq!(s.usd, None);
        assert!(
            s.basis.contains("no price for Run Storage in eu-west-9"),
            "{}",
            s.basis
        );
    }

    #[test]
    fn run_totals_say_what_they_hold() {
        let p = prices();
        let mut acc = CostAccumulator::new(Some("us-east-1".into()));
        acc.observe(&task("1", Some("omics.c.large"), Some(600.0)), &p);
        acc.observe(&task("2", Some("omics.g5.2xlarge"), Some(1800.0)), &p);
        let storage = storage_cost(&run("STATIC", Some(1200), None), Some("us-east-1"), &p);
        let settings = Settings::with_table(p.clone(), "test.json".into(), 0.1);
        let cost = acc.finish(storage, &settings);
        assert_eq!(cost.price_source, Some(PriceSourceKind::PricesUri));
        assert_eq!(cost.prices.origin, "test.json");
        // 0.019133… + 0.8181 + 0.46032 = 1.297553 (compute summed unrounded: 0.0191333 + 0.8181 = 0.8372333)
        assert_eq!(cost.compute.usd, 0.837233);
        assert_eq!(cost.total_usd, Some(1.297553));
        assert!(cost.complete);
        assert!(
            cost.basis.starts_with("total = compute $0.837233"),
            "{}",
            cost.basis
        );
        assert_eq!(cost.compute.most_expensive[0].task_id, "2");

        let mut acc = CostAccumulator::new(Some("us-east-1".into()));
        acc.observe(&task("1", Some("omics.c.large"), Some(600.0)), &p);
        acc.observe(&task("2", Some("omics.r.xlarge"), Some(600.0)), &p);
        acc.observe(&task("3", Some("omics.r.xlarge"), Some(600.0)), &p);
        let storage = storage_cost(&run("STATIC", Some(1200), None), Some("us-east-1"), &p);
        acc.observe(&task("4", Some("omics.m.2xlarge"), Some(600.0)), &p);
        let fallback = settings.with_price_warning("the Price List API failed".into());
        let cost = acc.finish(storage, &fallback);
        assert_eq!(cost.total_usd, None);
        assert_eq!(cost.known_usd, 0.479453);
        assert_eq!(cost.compute.unpriced_tasks, 3);
        assert!(!cost.complete && !cost.compute.complete);
        assert_eq!(
            cost.warnings,
            vec![
                "the Price List API failed",
                "no price in us-east-1 for 2 instance type(s): omics.m.2xlarge (1 task(s)), omics.r.xlarge \
                 (2 task(s)); 3 task(s) have no cost and the run total is unknown"
            ]
        );
        let r = cost
            .compute
            .by_instance_type
            .iter()
            .find(|t| t.instance_type == "omics.r.xlarge")
            .unwrap();
        assert_eq!((r.tasks, r.billed_hours, r.usd), (2, 0.333333, None));
    }

    #[test]
    fn regions_come_from_arns() {
        assert_eq!(
            region_from_arn(Some("arn:aws:omics:eu-west-2:123:run/1")).as_deref(),
            Some("eu-west-2")
        );
        assert_eq!(region_from_arn(Some("nonsense")), None);
        assert_eq!(region_from_arn(None), None);
    }
}
