//! Comparing two stored runs (`GET /runs/{a}/compare/{b}`): what went in (parameters, input digests, workflow
//! and image digests) and what came out (per task name: duration, cost, resources; totals). Deltas are b − a.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::cost::{CostAccumulator, region_from_arn, run_duration_seconds, storage_cost};
use super::settings::Settings;
pub use crate::record::comparison::{
    Change, Comparison, ImageChange, MapDiff, RunSide, TaskComparison, TaskDeltas, TaskStats,
    TotalDeltas, Totals,
};
use crate::record::{EnrichedRun, round_to, usd};

/// Compares two maps.
pub fn diff_maps<T: Clone + PartialEq>(
    a: &BTreeMap<String, T>,
    b: &BTreeMap<String, T>,
) -> MapDiff<T> {
    let mut out = MapDiff {
        added: BTreeMap::new(),
        removed: BTreeMap::new(),
        changed: BTreeMap::new(),
        unchanged: 0,
    };
    for (key, va) in a {
        match b.get(key) {
            None => {
                out.removed.insert(key.clone(), va.clone());
            }
            Some(vb) if vb == va => out.unchanged += 1,
            Some(vb) => {
                out.changed.insert(
                    key.clone(),
                    Change {
                        a: va.clone(),
                        b: vb.clone(),
                    },
                );
            }
        }
    }
    for (key, vb) in b {
        if !a.contains_key(key) {
            out.added.insert(key.clone(), vb.clone());
        }
    }
    out
}

/// Flattens nested objects into `a.b.c` keys; arrays and scalars are leaves.
pub fn flatten(value: Option<&Value>) -> BTreeMap<String, Value> {
    fn walk(prefix: &str, value: &Value, out: &mut BTreeMap<String, Value>) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, v) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, v, out);
                }
            }
            other => {
                out.insert(prefix.to_owned(), other.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    if let Some(value) = value {
        walk("", value, &mut out);
    }
    out.remove("");
    out
}

fn side(run: &EnrichedRun) -> RunSide {
    let info = &run.head.run;
    RunSide {
        run_id: run.head.run_id.clone(),
        uuid: run.head.uuid.clone(),
        name: info.name.clone(),
        status: run.head.status.to_string(),
        workflow_id: info.workflow_id.clone(),
        workflow_version_name: info.workflow_version_name.clone(),
        digest: info.digest.clone(),
        engine_version: info.engine_version.clone(),
        storage_type: info.storage_type.clone(),
    }
}

fn sub(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    a.zip(b).map(|(a, b)| round_to(b - a, 6))
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Per task name stats and totals of one run.
fn summarize(
    run: &EnrichedRun,
    settings: &Settings,
) -> (BTreeMap<String, TaskStats>, Totals, Vec<String>) {
    let region = region_from_arn(run.head.arn.as_deref());
    let mut costs = CostAccumulator::new(region.clone());
    let mut by_name: BTreeMap<String, TaskStats> = BTreeMap::new();
    let (mut cached, mut failed, mut seconds) = (0u64, 0u64, 0.0);
    for task in &run.tasks {
        let cost = costs.observe(task, &settings.prices);
        let name = task.name.clone().unwrap_or_else(|| task.task_id.clone());
        let entry = by_name.entry(name).or_insert_with(|| TaskStats {
            count: 0,
            running_seconds: 0.0,
            usd: Some(0.0),
            instance_types: Vec::new(),
            reserved_cpus: None,
            reserved_memory_gib: None,
            max_cpus: None,
            max_memory_gib: None,
            statuses: Vec::new(),
            cached: true,
        });
        entry.count += 1;
        entry.running_seconds += task.running_seconds.unwrap_or(0.0);
        entry.usd = entry.usd.zip(cost.usd).map(|(a, b)| a + b);
        if let Some(t) = &task.instance_type
            && !entry.instance_types.contains(t)
        {
            entry.instance_types.push(t.clone());
        }
        entry.reserved_cpus = max_opt(entry.reserved_cpus, task.reserved.and_then(|r| r.cpus));
        entry.reserved_memory_gib = max_opt(
            entry.reserved_memory_gib,
            task.reserved.and_then(|r| r.memory_gib),
        );
        entry.max_cpus = max_opt(entry.max_cpus, task.maximum.and_then(|r| r.cpus));
        entry.max_memory_gib = max_opt(
            entry.max_memory_gib,
            task.maximum.and_then(|r| r.memory_gib),
        );
        let status = task
            .status
            .as_ref()
            .map_or("UNKNOWN", |s| s.as_str())
            .to_owned();
        if !entry.statuses.contains(&status) {
            entry.statuses.push(status);
        }
        entry.cached &= task.cache_hit == Some(true);
        cached += u64::from(task.cache_hit == Some(true));
        failed += u64::from(task.status == Some(crate::status::TaskStatus::Failed));
        seconds += task.running_seconds.unwrap_or(0.0);
    }
    for stats in by_name.values_mut() {
        stats.usd = stats.usd.map(usd);
        stats.running_seconds = round_to(stats.running_seconds, 3);
    }
    let storage = storage_cost(&run.head.run, region.as_deref(), &settings.prices);
    let cost = costs.finish(storage, settings);
    let totals = Totals {
        tasks: run.tasks.len() as u64,
        cached_tasks: cached,
        failed_tasks: failed,
        duration_seconds: run_duration_seconds(&run.head.run),
        task_hours: round_to(seconds / 3600.0, 6),
        compute_usd: cost.compute.usd,
        compute_complete: cost.compute.complete,
        storage_usd: cost.storage.usd,
        total_usd: cost.total_usd,
    };
    (by_name, totals, cost.warnings)
}

fn images(run: &EnrichedRun) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for task in &run.tasks {
        if let Some(image) = &task.image {
            let digests = out.entry(image.clone()).or_default();
            if let Some(digest) = &task.image_digest {
                digests.insert(digest.clone());
            }
        }
    }
    out
}

/// Compares run `a` with run `b`.
pub fn compare(a: &EnrichedRun, b: &EnrichedRun, settings: &Settings) -> Comparison {
    let (tasks_a, totals_a, warnings_a) = summarize(a, settings);
    let (tasks_b, totals_b, warnings_b) = summarize(b, settings);
    let mut warnings: Vec<String> = Vec::new();
    warnings.extend(warnings_a.into_iter().map(|w| format!("run a: {w}")));
    warnings.extend(warnings_b.into_iter().map(|w| format!("run b: {w}")));
    let (side_a, side_b) = (side(a), side(b));
    let workflow_changed = side_a.workflow_id != side_b.workflow_id
        || side_a.workflow_version_name != side_b.workflow_version_name
        || side_a.digest != side_b.digest
        || side_a.engine_version != side_b.engine_version;

    let tasks = compare_tasks(&tasks_a, &tasks_b);
    let images = compare_images(a, b);

    let digests = |run: &EnrichedRun| run.head.resource_digests.clone().unwrap_or_default();
    let delta = TotalDeltas {
        tasks: totals_b.tasks as i64 - totals_a.tasks as i64,
        duration_seconds: sub(totals_a.duration_seconds, totals_b.duration_seconds),
        task_hours: round_to(totals_b.task_hours - totals_a.task_hours, 6),
        compute_usd: usd(totals_b.compute_usd - totals_a.compute_usd),
        total_usd: sub(totals_a.total_usd, totals_b.total_usd),
    };
    Comparison {
        a: side_a,
        b: side_b,
        workflow_changed,
        parameters: diff_maps(
            &flatten(a.head.parameters.as_ref()),
            &flatten(b.head.parameters.as_ref()),
        ),
        resource_digests: diff_maps(&digests(a), &digests(b)),
        images,
        tasks,
        totals_a,
        totals_b,
        delta,
        warnings,
    }
}

/// One entry per task name found in either run, with deltas when it is in both. The largest running-time
/// changes come first (names in only one run, whose change is unknown, before all of them) because those are
/// what a reader comparing two runs looks for; ties are by name so the order is stable.
fn compare_tasks(
    tasks_a: &BTreeMap<String, TaskStats>,
    tasks_b: &BTreeMap<String, TaskStats>,
) -> Vec<TaskComparison> {
    let names: BTreeSet<&String> = tasks_a.keys().chain(tasks_b.keys()).collect();
    let mut tasks: Vec<TaskComparison> = names
        .into_iter()
        .map(|name| {
            let (sa, sb) = (tasks_a.get(name).cloned(), tasks_b.get(name).cloned());
            let delta = sa.as_ref().zip(sb.as_ref()).map(|(x, y)| TaskDeltas {
                running_seconds: sub(Some(x.running_seconds), Some(y.running_seconds)),
                usd: sub(x.usd, y.usd),
                reserved_cpus: sub(x.reserved_cpus, y.reserved_cpus),
                reserved_memory_gib: sub(x.reserved_memory_gib, y.reserved_memory_gib),
                max_cpus: sub(x.max_cpus, y.max_cpus),
                max_memory_gib: sub(x.max_memory_gib, y.max_memory_gib),
            });
            TaskComparison {
                name: name.clone(),
                a: sa,
                b: sb,
                delta,
            }
        })
        .collect();
    let weight = |t: &TaskComparison| {
        t.delta
            .as_ref()
            .and_then(|d| d.running_seconds)
            .map_or(f64::INFINITY, f64::abs)
    };
    tasks.sort_by(|x, y| {
        weight(y)
            .total_cmp(&weight(x))
            .then_with(|| x.name.cmp(&y.name))
    });
    tasks
}

/// The images whose set of digests differs between the runs (a changed tag, or an image used by one run only).
fn compare_images(a: &EnrichedRun, b: &EnrichedRun) -> Vec<ImageChange> {
    let (img_a, img_b) = (images(a), images(b));
    let image_names: BTreeSet<&String> = img_a.keys().chain(img_b.keys()).collect();
    image_names
        .into_iter()
        .filter(|i| img_a.get(*i) != img_b.get(*i))
        .map(|i| ImageChange {
            image: i.clone(),
            a: img_a
                .get(i)
                .map(|d| d.iter().cloned().collect())
                .unwrap_or_default(),
            b: img_b
                .get(i)
                .map(|d| d.iter().cloned().collect())
                .unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::analysis::tests::sample_run;

    #[test]
    fn flattens_nested_parameters() {
        let flat = flatten(Some(
            &json!({"a": {"b": 1, "c": [1, 2]}, "d": "x", "e": {}}),
        ));
        let keys: Vec<&str> = flat.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a.b", "a.c", "d", "e"]);
        assert!(flatten(None).is_empty());
    }

    #[test]
    fn compares_inputs_tasks_and_totals_by_hand() {
        let mut a = sample_run();
        a.head.parameters = Some(json!({"sample": "NA12878", "scatter": 4, "old": true}));
        a.head.resource_digests = Some(
            [
                ("s3://in/r1.fq".to_owned(), "etag:1".to_owned()),
                ("s3://ref.fa".to_owned(), "etag:r".to_owned()),
            ]
            .into(),
        );
        a.tasks[0].image = Some("bwa:0.7.17".into());
        a.tasks[0].image_digest = Some("sha256:aa".into());
        let mut b = a.clone();
        b.head.run_id = "1000009".into();
        b.head.parameters = Some(json!({"sample": "NA12879", "scatter": 4, "new": 1}));
        b.head.resource_digests = Some(
            [
                ("s3://in/r1.fq".to_owned(), "etag:2".to_owned()),
                ("s3://ref.fa".to_owned(), "etag:r".to_owned()),
            ]
            .into(),
        );
        b.tasks[0].image_digest = Some("sha256:bb".into());
        // BwaMem-0-1 runs 1800 s instead of 3600 s: Δ −1800 s, Δ cost 0.1296 × (0.5 − 1) = −0.0648.
        b.tasks[0].running_seconds = Some(1800.0);
        b.tasks.pop(); // ShortTask-0-1 only in a

        let c = compare(&a, &b, &Settings::default());
        assert_eq!(c.parameters.changed["sample"].b, json!("NA12879"));
        assert_eq!(c.parameters.added["new"], json!(1));
        assert_eq!(c.parameters.removed["old"], json!(true));
        assert_eq!(c.parameters.unchanged, 1);
        assert_eq!(c.resource_digests.changed["s3://in/r1.fq"].a, "etag:1");
        assert_eq!(c.resource_digests.unchanged, 1);
        assert_eq!(c.images.len(), 1);
        assert_eq!(
            (c.images[0].a.clone(), c.images[0].b.clone()),
            (vec!["sha256:aa".to_owned()], vec!["sha256:bb".to_owned()])
        );
        assert!(!c.workflow_changed);

        let bwa = c.tasks.iter().find(|t| t.name == "BwaMem-0-1").unwrap();
        let delta = bwa.delta.as_ref().unwrap();
        assert_eq!(delta.running_seconds, Some(-1800.0));
        assert_eq!(delta.usd, Some(-0.0648));
        assert_eq!(
            c.tasks[0].name, "ShortTask-0-1",
            "tasks in one run only sort first"
        );
        assert!(c.tasks[0].b.is_none() && c.tasks[0].delta.is_none());

        // Totals: a's compute is 1.932413 (see analysis::tests); b lacks ShortTask (0.0019133) and saves 0.0648:
        // 1.9324133 − 0.0019133 − 0.0648 = 1.8657 → Δ −0.066713.
        assert_eq!(c.totals_a.compute_usd, 1.932413);
        assert_eq!(c.totals_b.compute_usd, 1.8657);
        assert_eq!(c.delta.compute_usd, -0.066713);
        assert_eq!(c.delta.tasks, -1);
        // Task hours: a = (3600 + 1800 + 1800 + 3600 + 120 + 12) / 3600 = 10932 / 3600 = 3.036667
        assert_eq!(c.totals_a.task_hours, 3.036667);
        assert_eq!(c.totals_a.cached_tasks, 1);
        assert_eq!(c.totals_a.failed_tasks, 1);
        assert_eq!(
            c.delta.total_usd, None,
            "omics.r.xlarge is unpriced in both"
        );
        assert!(c.warnings.iter().any(|w| {
            w.starts_with("run a: no price in us-east-1 for 1 instance type(s): omics.r.xlarge")
        }));
    }
}
