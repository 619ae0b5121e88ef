//! The fleet part of a run's summary item: the index keys of the fleet GSIs and the [`RunFacts`] attributes.
//!
//! Index keys (see `docs/architecture.md`, "Fleet index"):
//! - `stopKey` = `<stop time>#<run id>#<uuid>` (the stop time as RFC 3339 with milliseconds, so the string order
//!   is the time order; runs without a stop time use their start, creation or enrichment time), the sort key of
//!   every fleet index;
//! - `workflowId`, `batchId`, `runGroupId`: partition keys of `byWorkflow`, `byBatch`, `byRunGroup` (sparse: a
//!   run without the value is not in that index).
//!
//! `fleetRow` is the run's [`FleetRow`] as JSON: the one attribute the fleet routes read (with `taskGroups` for
//! profiles); the indexes project only it and the attributes their filters name.
//!
//! Task groups are one binary attribute (`taskGroups`, gzip JSON): read whole, never queried.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{Error, Result};
use crate::record::EnrichmentSummary;
use crate::record::fleet::{RunFacts, TaskGroupStats};
use crate::record::fleet_row::{FleetRow, FleetRun};
use crate::time::{Timestamp, format_timestamp, parse_timestamp};

/// The attribute holding the run's [`FleetRow`] (JSON).
pub const FLEET_ROW: &str = "fleetRow";
/// The attribute holding the run's task groups (gzip JSON).
pub const TASK_GROUPS: &str = "taskGroups";

/// Version of the fleet attributes; an item without it has no facts (written before the fleet index).
pub const FLEET_VERSION: u64 = 1;

/// The instant a run is filed under in the fleet indexes.
pub fn fleet_time(summary: &EnrichmentSummary) -> Option<Timestamp> {
    summary
        .stop_time
        .or(summary.start_time)
        .or(summary.creation_time)
        .or_else(|| parse_timestamp(&summary.enriched_at).ok())
}

/// The run's [`FleetRow`], filed at its [`fleet_time`].
pub fn fleet_row(summary: &EnrichmentSummary) -> Option<FleetRow> {
    fleet_time(summary).map(|time| FleetRow::of(summary, time))
}

/// The run's [`FleetRun`]: its row and its task groups (profiles).
pub fn fleet_run(summary: &EnrichmentSummary) -> Option<FleetRun> {
    let row = fleet_row(summary)?;
    let task_groups = summary
        .facts
        .as_ref()
        .map(|f| f.task_groups.clone())
        .unwrap_or_default();
    Some(FleetRun { row, task_groups })
}

/// `stopKey` of a run.
pub fn stop_key(time: &Timestamp, run_id: &str, uuid: &str) -> String {
    format!("{}#{run_id}#{uuid}", format_timestamp(time))
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Adds the index keys and, when the summary has them, the facts.
pub(super) fn put_fleet(item: &mut HashMap<String, AttributeValue>, summary: &EnrichmentSummary) {
    if let Some(time) = fleet_time(summary) {
        let uuid = summary.uuid.to_string();
        item.insert("stopKey".into(), s(stop_key(&time, &summary.run_id, &uuid)));
        if let Ok(row) = serde_json::to_string(&FleetRow::of(summary, time)) {
            item.insert(FLEET_ROW.into(), s(row));
        }
    }
    let Some(f) = &summary.facts else { return };
    let mut put = |name: &str, value: AttributeValue| {
        item.insert(name.to_owned(), value);
    };
    put("fleetVersion", n(FLEET_VERSION));
    put("computeUsd", n(f.compute_usd));
    put("knownUsd", n(f.known_usd));
    put("savingsUsd", n(f.savings_usd));
    put("costComplete", AttributeValue::Bool(f.cost_complete));
    put("cachedTasks", n(f.cached_tasks));
    put("failedTasks", n(f.failed_tasks));
    put(
        "failuresByClass",
        AttributeValue::M(
            f.failures_by_class
                .iter()
                .map(|(k, v)| (k.clone(), n(v)))
                .collect(),
        ),
    );
    // Task groups compress about fivefold; an item that could not hold them is still a valid summary.
    if let Ok(bytes) = super::gzip::gzip_json(&f.task_groups, "task groups") {
        put(TASK_GROUPS, AttributeValue::B(Blob::new(bytes)));
    }
    for (name, value) in [("storageUsd", f.storage_usd), ("totalUsd", f.total_usd)] {
        if let Some(value) = value {
            put(name, n(value));
        }
    }
    let optional = [
        ("workflowVersionName", &f.workflow_version_name),
        ("runGroupId", &f.run_group_id),
        ("batchId", &f.batch_id),
        ("startedBy", &f.started_by),
        ("region", &f.region),
        ("firstFailureClass", &f.first_failure_class),
    ];
    for (name, value) in optional {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            put(name, s(value.clone()));
        }
    }
}

/// The facts of an item; `None` for an item written before the fleet index.
pub(super) fn read_facts(item: &HashMap<String, AttributeValue>) -> Result<Option<RunFacts>> {
    if !item.contains_key("fleetVersion") {
        return Ok(None);
    }
    let bad = malformed;
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(v)) => Some(v.clone()),
        _ => None,
    };
    let opt_num = |name: &str| -> Result<Option<f64>> {
        match item.get(name) {
            Some(AttributeValue::N(v)) => v.parse().map(Some).map_err(|_| bad(name)),
            None => Ok(None),
            Some(_) => Err(bad(name)),
        }
    };
    let num = |name: &str| opt_num(name)?.ok_or_else(|| bad(name));
    let count = |name: &str| num(name).map(|v| v as u64);
    let failures_by_class = match item.get("failuresByClass") {
        Some(AttributeValue::M(map)) => map
            .iter()
            .map(|(k, v)| match v {
                AttributeValue::N(t) => t
                    .parse()
                    .map(|c| (k.clone(), c))
                    .map_err(|_| bad("failuresByClass")),
                _ => Err(bad("failuresByClass")),
            })
            .collect::<Result<BTreeMap<String, u64>>>()?,
        _ => BTreeMap::new(),
    };
    let task_groups = read_task_groups(item)?;
    Ok(Some(RunFacts {
        workflow_version_name: text("workflowVersionName"),
        run_group_id: text("runGroupId"),
        batch_id: text("batchId"),
        started_by: text("startedBy"),
        region: text("region"),
        compute_usd: num("computeUsd")?,
        storage_usd: opt_num("storageUsd")?,
        total_usd: opt_num("totalUsd")?,
        known_usd: num("knownUsd")?,
        cost_complete: matches!(item.get("costComplete"), Some(AttributeValue::Bool(true))),
        savings_usd: num("savingsUsd")?,
        cached_tasks: count("cachedTasks")?,
        failed_tasks: count("failedTasks")?,
        failures_by_class,
        first_failure_class: text("firstFailureClass"),
        task_groups,
    }))
}

/// The task groups of an item (empty when it has none).
pub(super) fn read_task_groups(
    item: &HashMap<String, AttributeValue>,
) -> Result<Vec<TaskGroupStats>> {
    match item.get(TASK_GROUPS) {
        Some(AttributeValue::B(blob)) => {
            super::gzip::gunzip_json(blob.as_ref()).ok_or_else(|| malformed(TASK_GROUPS))
        }
        _ => Ok(Vec::new()),
    }
}

/// The [`FleetRow`] of an item; `None` for an item written before rows were kept.
pub(super) fn read_row(item: &HashMap<String, AttributeValue>) -> Result<Option<FleetRow>> {
    match item.get(FLEET_ROW) {
        Some(AttributeValue::S(json)) => serde_json::from_str(json)
            .map(Some)
            .map_err(|_| malformed(FLEET_ROW)),
        None => Ok(None),
        Some(_) => Err(malformed(FLEET_ROW)),
    }
}

fn malformed(name: &str) -> Error {
    Error::Internal(format!(
        "stored run summary has a missing or malformed {name}"
    ))
}
