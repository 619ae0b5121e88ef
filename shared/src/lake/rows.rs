//! The two lake tables' columns and how a record fills them: one `runs` row per run, one `tasks` row per task.
//! Column names and meanings are documented in `docs/architecture.md` (the data lake); `template.yaml`'s Glue
//! tables declare the same columns (checked by `tests/tests/foundation/template_consistency.rs`).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::table::{Column, Kind, Value};
use crate::analysis::PriceTable;
use crate::analysis::cost::{CostFigures, cost_figures, region_from_arn};
use crate::analysis::diagnosis::classify;
use crate::analysis::names::{Engine, base_name};
use crate::record::rightsizing::Action;
use crate::record::{EnrichedTask, ReportHead, usd};
use crate::status::TaskStatus;
use crate::time::Timestamp;

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

/// Columns of `lake/runs/`.
pub const RUN_COLUMNS: &[Column] = &[
    col("run_id", Kind::Text),
    col("uuid", Kind::Text),
    col("name", Kind::Text),
    col("status", Kind::Text),
    col("workflow_id", Kind::Text),
    col("workflow_name", Kind::Text),
    col("workflow_version", Kind::Text),
    col("run_group_id", Kind::Text),
    col("batch_id", Kind::Text),
    col("started_by", Kind::Text),
    col("region", Kind::Text),
    col("creation_time", Kind::Timestamp),
    col("start_time", Kind::Timestamp),
    col("stop_time", Kind::Timestamp),
    col("wall_seconds", Kind::Float),
    col("task_count", Kind::Int),
    col("failed_tasks", Kind::Int),
    col("cached_tasks", Kind::Int),
    col("task_hours", Kind::Float),
    col("compute_usd", Kind::Float),
    col("storage_usd", Kind::Float),
    col("total_usd", Kind::Float),
    col("known_usd", Kind::Float),
    col("cost_complete", Kind::Bool),
    col("savings_usd", Kind::Float),
    col("known_savings_usd", Kind::Float),
    col("stop_date", Kind::Date),
];

/// Columns of `lake/tasks/`.
pub const TASK_COLUMNS: &[Column] = &[
    col("run_id", Kind::Text),
    col("uuid", Kind::Text),
    col("workflow_id", Kind::Text),
    col("task_id", Kind::Text),
    col("name", Kind::Text),
    col("base_name", Kind::Text),
    col("status", Kind::Text),
    col("instance_type", Kind::Text),
    col("reserved_cpus", Kind::Float),
    col("reserved_memory_gib", Kind::Float),
    col("peak_cpus", Kind::Float),
    col("peak_memory_gib", Kind::Float),
    col("gpus", Kind::Float),
    col("start_time", Kind::Timestamp),
    col("stop_time", Kind::Timestamp),
    col("running_seconds", Kind::Float),
    col("billed_seconds", Kind::Float),
    col("usd_per_hour", Kind::Float),
    col("cost_usd", Kind::Float),
    col("savings_usd", Kind::Float),
    col("cache_hit", Kind::Bool),
    col("failure_class", Kind::Text),
    col("stop_date", Kind::Date),
];

fn text(value: Option<&str>) -> Value {
    Value::Text(value.map(str::to_owned))
}

/// Days since 1970-01-01 of `time`'s UTC date (Parquet `DATE`).
pub fn epoch_days(time: &Timestamp) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from((time.date_naive() - epoch).num_days()).unwrap_or(i32::MAX)
}

/// The run's row. `workflow_name` comes from the event (the record does not hold it).
pub fn run_row(head: &ReportHead, workflow_name: Option<&str>) -> Vec<Value> {
    let run = &head.run;
    let summary = &head.summary;
    let cost = head.cost.as_ref();
    let sizing = head.rightsizing.as_ref();
    let failed = summary.counts_by_status.get("FAILED").copied().unwrap_or(0);
    let count = |n: u64| Value::Int(Some(i64::try_from(n).unwrap_or(i64::MAX)));
    vec![
        text(Some(&head.run_id)),
        text(Some(head.uuid.as_str())),
        text(run.name.as_deref()),
        Value::Text(Some(head.status.to_string())),
        text(run.workflow_id.as_deref()),
        text(workflow_name),
        text(run.workflow_version_name.as_deref()),
        text(run.run_group_id.as_deref()),
        text(run.batch_id.as_deref()),
        text(run.started_by.as_deref()),
        text(run_region(head).as_deref()),
        Value::Timestamp(run.creation_time),
        Value::Timestamp(run.start_time),
        Value::Timestamp(run.stop_time),
        Value::Float(summary.wall_time_seconds),
        count(summary.task_count),
        count(failed),
        count(summary.cache_hits),
        Value::Float(Some(summary.task_hours)),
        Value::Float(cost.map(|c| c.compute.usd)),
        Value::Float(cost.and_then(|c| c.storage.usd)),
        Value::Float(cost.and_then(|c| c.total_usd)),
        Value::Float(cost.map(|c| c.known_usd)),
        Value::Bool(cost.map(|c| c.complete)),
        Value::Float(sizing.and_then(|s| s.total_savings_usd)),
        Value::Float(sizing.map(|s| s.known_savings_usd)),
        Value::Date(run.stop_time.as_ref().map(epoch_days)),
    ]
}

/// The run's region, as the analysis finds it (run ARN, else workflow ARN).
pub fn run_region(head: &ReportHead) -> Option<String> {
    region_from_arn(head.arn.as_deref())
        .or_else(|| region_from_arn(head.run.workflow_arn.as_deref()))
}

/// What a task's row needs from the whole record: prices, task groups and their recommendations, the failure
/// classes the diagnosis found.
#[derive(Debug)]
pub struct TaskContext<'a> {
    head: &'a ReportHead,
    prices: &'a PriceTable,
    region: Option<String>,
    engine: Engine,
    /// Group base name → (action, price of the recommended instance), for groups with a known saving.
    groups: BTreeMap<&'a str, (Action, Option<f64>)>,
    /// Task id → failure class name, from the diagnosis.
    classes: BTreeMap<&'a str, String>,
}

impl<'a> TaskContext<'a> {
    /// The context of `head`'s tasks, priced with `prices`.
    pub fn new(head: &'a ReportHead, prices: &'a PriceTable) -> Self {
        let region = run_region(head);
        let groups = head
            .rightsizing
            .iter()
            .flat_map(|s| &s.groups)
            .filter(|g| g.savings_usd.is_some())
            .map(|g| {
                let price = g
                    .recommended_instance_type
                    .as_deref()
                    .zip(region.as_deref())
                    .and_then(|(instance, region)| prices.price(region, instance));
                (g.base_name.as_str(), (g.action, price))
            })
            .collect();
        let classes = head
            .diagnosis
            .iter()
            .flat_map(|d| &d.tasks)
            .filter_map(|t| Some((t.task_id.as_str(), class_name(&t.class)?)))
            .collect();
        Self {
            head,
            prices,
            region,
            engine: Engine::parse(head.run.engine.as_deref()),
            groups,
            classes,
        }
    }

    /// A task's compute figures (priced again rather than read from the task: a stored record's tasks may
    /// predate the per-task cost fields).
    pub fn task_figures(&self, task: &EnrichedTask) -> CostFigures {
        cost_figures(task, self.region.as_deref(), self.prices)
    }

    /// The task's share of its group's right-sizing saving: its cost now minus its billed time on the group's
    /// recommended instance, so the shares of a group add up to the group's saving. Zero for tasks the group does
    /// not bill (cached, never started) and groups to keep; null when the group's saving is unknown or the group
    /// is not among the record's listed groups.
    fn savings(&self, base: &str, cost: &CostFigures) -> Option<f64> {
        if cost.cached || cost.billed_seconds == Some(0.0) {
            return Some(0.0);
        }
        let (action, price) = self.groups.get(base)?;
        if *action == Action::Keep {
            return Some(0.0);
        }
        let then = price
            .zip(cost.billed_seconds)
            .map(|(p, s)| p * s / 3600.0)?;
        cost.usd.map(|now| usd(now - then))
    }

    fn failure_class(&self, task: &EnrichedTask) -> Option<String> {
        if task.status != Some(TaskStatus::Failed) {
            return None;
        }
        if let Some(class) = self.classes.get(task.task_id.as_str()) {
            return Some(class.clone());
        }
        // Beyond the diagnosed (earliest) failures: classified from the reason alone.
        let reason = task.failure_reason.as_deref().unwrap_or_default();
        class_name(&classify(&[reason], false))
    }

    /// The task's row.
    pub fn task_row(&self, task: &EnrichedTask) -> Vec<Value> {
        let head = self.head;
        let cost = self.task_figures(task);
        let base = base_name(task.name.as_deref().unwrap_or(&task.task_id), self.engine);
        let reserved = task.reserved.or(task.requested);
        vec![
            text(Some(&head.run_id)),
            text(Some(head.uuid.as_str())),
            text(head.run.workflow_id.as_deref()),
            text(Some(&task.task_id)),
            text(task.name.as_deref()),
            text(Some(base)),
            Value::Text(task.status.as_ref().map(ToString::to_string)),
            text(task.instance_type.as_deref()),
            Value::Float(reserved.and_then(|r| r.cpus)),
            Value::Float(reserved.and_then(|r| r.memory_gib)),
            Value::Float(task.maximum.and_then(|m| m.cpus)),
            Value::Float(task.maximum.and_then(|m| m.memory_gib)),
            Value::Float(reserved.and_then(|r| r.gpus)),
            Value::Timestamp(task.start_time),
            Value::Timestamp(task.stop_time),
            Value::Float(task.running_seconds),
            Value::Float(cost.billed_seconds),
            Value::Float(cost.usd_per_hour),
            Value::Float(cost.usd),
            Value::Float(self.savings(base, &cost)),
            Value::Bool(Some(cost.cached)),
            Value::Text(self.failure_class(task)),
            Value::Date(head.run.stop_time.as_ref().map(epoch_days)),
        ]
    }
}

/// The serialized name of a failure class (`outOfMemory`, ...), as the record spells it.
fn class_name<T: serde::Serialize>(class: &T) -> Option<String> {
    serde_json::to_value(class)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}
