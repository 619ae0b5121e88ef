//! The compact per-task row the builder holds while merging, and the table that merges rows by task id.
//!
//! A 100,000-task run is held as 100,000 rows and nothing else: no copy of the manifest records, no copy of the
//! task list. Strings shared by many tasks (instance types, images, image digests) are interned, metrics are
//! boxed only when present, and ids are `u64` (HealthOmics ids are at most 18 digits).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::manifest::{ManifestTask, TaskMetrics};
use crate::omics::Task;
use crate::status::TaskStatus;
use crate::time::Timestamp;

use crate::record::{EnrichedTask, Resources, Utilization, ratio, seconds_between};

/// Seen in the manifest.
const IN_MANIFEST: u8 = 1;
/// Seen in the task list (or GetRunTask).
const IN_API: u8 = 2;

/// One shared copy of each repeated string.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    strings: HashSet<Arc<str>>,
}

impl Interner {
    fn intern(&mut self, value: Option<String>) -> Option<Arc<str>> {
        let value = value?;
        if let Some(existing) = self.strings.get(value.as_str()) {
            return Some(existing.clone());
        }
        let shared: Arc<str> = Arc::from(value);
        self.strings.insert(shared.clone());
        Some(shared)
    }
}

/// Everything the record keeps about one task.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskRow {
    pub id: u64,
    seen: u8,
    uuid: Option<Box<str>>,
    pub name: Option<Box<str>>,
    pub status: Option<TaskStatus>,
    cpus: Option<i64>,
    memory: Option<i64>,
    gpus: Option<i64>,
    pub metrics: Option<Box<TaskMetrics>>,
    pub creation_time: Option<Timestamp>,
    start_time: Option<Timestamp>,
    stop_time: Option<Timestamp>,
    instance_type: Option<Arc<str>>,
    image: Option<Arc<str>>,
    image_digest: Option<Arc<str>>,
    pub cache_hit: Option<bool>,
    cache_s3_uri: Option<Box<str>>,
    pub failure_reason: Option<Box<str>>,
}

fn boxed(value: Option<String>) -> Option<Box<str>> {
    value.map(String::into_boxed_str)
}

fn fill<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

fn replace<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

impl TaskRow {
    /// Whether the manifest listed this task.
    pub fn in_manifest(&self) -> bool {
        self.seen & IN_MANIFEST != 0
    }

    /// Whether the task list (or GetRunTask) returned this task.
    pub fn in_api(&self) -> bool {
        self.seen & IN_API != 0
    }

    /// The manifest's record. The first record of a task wins; a repeated one only fills gaps.
    fn merge_manifest(&mut self, task: ManifestTask, strings: &mut Interner) {
        self.seen |= IN_MANIFEST;
        fill(&mut self.uuid, boxed(task.uuid));
        fill(&mut self.name, boxed(task.name));
        fill(&mut self.status, task.status);
        fill(&mut self.cpus, task.cpus);
        fill(&mut self.memory, task.memory);
        fill(&mut self.gpus, task.gpus);
        fill(&mut self.metrics, task.metrics.map(Box::new));
        fill(&mut self.creation_time, task.creation_time);
        fill(&mut self.start_time, task.start_time);
        fill(&mut self.stop_time, task.stop_time);
        if self.instance_type.is_none() {
            self.instance_type = strings.intern(task.instance_type);
        }
        if self.image.is_none() {
            self.image = strings.intern(task.image);
        }
        if self.image_digest.is_none() {
            self.image_digest = strings.intern(task.image_digest);
        }
        fill(&mut self.cache_hit, task.cache_hit);
        fill(&mut self.cache_s3_uri, boxed(task.cache_s3_uri));
        fill(&mut self.failure_reason, boxed(task.failure_reason));
    }

    /// A task list item or GetRunTask answer: authoritative for status, cache hit and failure reason; fills
    /// every other gap the manifest left.
    fn merge_api(&mut self, task: Task, strings: &mut Interner) {
        self.seen |= IN_API;
        replace(&mut self.status, task.status);
        replace(&mut self.cache_hit, task.cache_hit);
        replace(&mut self.cache_s3_uri, boxed(task.cache_s3_uri));
        replace(&mut self.failure_reason, boxed(task.failure_reason));
        fill(&mut self.uuid, boxed(task.uuid));
        fill(&mut self.name, boxed(task.name));
        fill(&mut self.cpus, task.cpus.map(i64::from));
        fill(&mut self.memory, task.memory.map(i64::from));
        fill(&mut self.gpus, task.gpus.map(i64::from));
        fill(&mut self.creation_time, task.creation_time);
        fill(&mut self.start_time, task.start_time);
        fill(&mut self.stop_time, task.stop_time);
        if self.instance_type.is_none() {
            self.instance_type = strings.intern(task.instance_type);
        }
        if let Some(details) = task.image_details {
            if self.image.is_none() {
                self.image = strings.intern(details.image);
            }
            if self.image_digest.is_none() {
                self.image_digest = strings.intern(details.image_digest);
            }
        }
    }

    /// Seconds the task ran: the manifest's `runningSeconds`, else stop − start.
    pub fn running_seconds(&self) -> Option<f64> {
        self.metrics
            .as_ref()
            .and_then(|m| m.running_seconds)
            .or_else(|| seconds_between(self.start_time, self.stop_time))
    }

    /// Seconds between creation and start.
    pub fn queue_seconds(&self) -> Option<f64> {
        seconds_between(self.creation_time, self.start_time)
    }

    /// The row as it appears in the record.
    pub fn to_report(&self) -> EnrichedTask {
        let metrics = self.metrics.as_deref();
        let requested = Resources {
            cpus: self.cpus.map(|v| v as f64),
            memory_gib: self.memory.map(|v| v as f64),
            gpus: self.gpus.map(|v| v as f64),
        };
        let reserved = metrics.map(|m| Resources {
            cpus: m.cpus_reserved,
            memory_gib: m.memory_reserved_gib,
            gpus: m.gpus_reserved,
        });
        let maximum = metrics.map(|m| Resources {
            cpus: m.cpus_maximum,
            memory_gib: m.memory_maximum_gib,
            gpus: None,
        });
        let average = metrics.map(|m| Resources {
            cpus: m.cpus_average,
            memory_gib: m.memory_average_gib,
            gpus: None,
        });
        let utilization = metrics.map(|m| Utilization {
            cpu_max: ratio(m.cpus_maximum, m.cpus_reserved),
            cpu_average: ratio(m.cpus_average, m.cpus_reserved),
            memory_max: ratio(m.memory_maximum_gib, m.memory_reserved_gib),
            memory_average: ratio(m.memory_average_gib, m.memory_reserved_gib),
        });
        let source = match (self.in_manifest(), self.in_api()) {
            (true, true) => "both",
            (true, false) => "manifest",
            _ => "api",
        };
        let text = |v: &Option<Box<str>>| v.as_deref().map(str::to_owned);
        let shared = |v: &Option<Arc<str>>| v.as_deref().map(str::to_owned);
        EnrichedTask {
            task_id: self.id.to_string(),
            uuid: text(&self.uuid),
            name: text(&self.name),
            status: self.status.clone(),
            source: source.to_owned(),
            requested: non_empty(requested),
            reserved: reserved.and_then(non_empty),
            maximum: maximum.and_then(non_empty),
            average: average.and_then(non_empty),
            utilization: utilization.filter(|u| *u != Utilization::default()),
            creation_time: self.creation_time,
            start_time: self.start_time,
            stop_time: self.stop_time,
            queue_seconds: self.queue_seconds(),
            running_seconds: self.running_seconds(),
            instance_type: shared(&self.instance_type),
            image: shared(&self.image),
            image_digest: shared(&self.image_digest),
            cache_hit: self.cache_hit,
            cache_s3_uri: text(&self.cache_s3_uri),
            failure_reason: text(&self.failure_reason),
            // Priced when the record is written ([`super::with_cost`]).
            cost_usd: None,
            billed_seconds: None,
            usd_per_hour: None,
        }
    }
}

fn non_empty(resources: Resources) -> Option<Resources> {
    (resources != Resources::default()).then_some(resources)
}

/// Rows keyed by task id, in arrival order until [`TaskTable::into_sorted`].
#[derive(Debug, Default)]
pub(crate) struct TaskTable {
    rows: Vec<TaskRow>,
    index: HashMap<u64, usize>,
    strings: Interner,
    /// Manifest task records whose id was already in the manifest.
    pub duplicate_manifest_records: u64,
    /// Task list items without a usable id.
    pub unusable_api_items: u64,
}

impl TaskTable {
    fn position(&mut self, id: u64) -> usize {
        let next = self.rows.len();
        let position = *self.index.entry(id).or_insert(next);
        if position == next {
            self.rows.push(TaskRow {
                id,
                ..TaskRow::default()
            });
        }
        position
    }

    /// Merges a manifest task record (its id was validated by the parser).
    pub fn add_manifest_task(&mut self, task: ManifestTask) {
        let Ok(id) = task.task_id.parse::<u64>() else {
            return;
        };
        let position = self.position(id);
        let row = &mut self.rows[position];
        self.duplicate_manifest_records += u64::from(row.in_manifest());
        row.merge_manifest(task, &mut self.strings);
    }

    /// Merges a task list item or a GetRunTask answer.
    pub fn add_api_task(&mut self, task: Task) {
        let Some(id) = task
            .task_id
            .as_deref()
            .and_then(|id| id.parse::<u64>().ok())
        else {
            self.unusable_api_items += 1;
            return;
        };
        let position = self.position(id);
        self.rows[position].merge_api(task, &mut self.strings);
    }

    /// The row of task `id`, if any.
    #[cfg(test)]
    pub fn get(&self, id: u64) -> Option<&TaskRow> {
        self.index.get(&id).map(|&i| &self.rows[i])
    }

    /// Rows so far, in arrival order.
    pub fn rows(&self) -> &[TaskRow] {
        &self.rows
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The rows sorted by creation time (tasks without one last), then id; the index is dropped.
    pub fn into_sorted(self) -> Vec<TaskRow> {
        let mut rows = self.rows;
        rows.sort_by(|a, b| {
            (a.creation_time.is_none(), a.creation_time, a.id).cmp(&(
                b.creation_time.is_none(),
                b.creation_time,
                b.id,
            ))
        });
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{ManifestRecord, parse_line};
    use crate::omics::ImageDetails;

    fn manifest_task(line: &str) -> ManifestTask {
        match parse_line(line).unwrap() {
            ManifestRecord::Task(task) => *task,
            ManifestRecord::Run(_) => panic!("not a task"),
        }
    }

    const TASK: &str = r#"{"arn":"arn:aws:omics:us-east-1:1:task/7","uuid":"t-7","name":"BwaMem-0-1","status":"SUCCESS","cpus":1,"memory":1,"gpus":0,"instanceType":"omics.c.large","image":"bwa:1","imageDigest":"sha256:aa","creationTime":"2024-10-20T05:00:00Z","startTime":"2024-10-20T05:01:30Z","stopTime":"2024-10-20T05:11:30Z","metrics":{"cpusReserved":2,"cpusMaximum":1.5,"cpusAverage":0.5,"gpusReserved":0,"memoryReservedGiB":4,"memoryMaximumGiB":3,"memoryAverageGiB":1,"runningSeconds":600}}"#;

    #[test]
    fn merges_manifest_and_list_by_id_with_hand_computed_math() {
        let mut table = TaskTable::default();
        table.add_manifest_task(manifest_task(TASK));
        table.add_api_task(Task {
            task_id: Some("7".into()),
            status: Some(TaskStatus::Completed),
            cache_hit: Some(false),
            cpus: Some(99),
            ..Task::default()
        });
        table.add_api_task(Task {
            task_id: Some("3".into()),
            name: Some("only-in-api".into()),
            status: Some(TaskStatus::Failed),
            failure_reason: Some("OOM".into()),
            image_details: Some(ImageDetails {
                image: Some("bwa:1".into()),
                image_digest: None,
                source_image: None,
            }),
            ..Task::default()
        });
        table.add_api_task(Task::default());
        assert_eq!(table.unusable_api_items, 1);
        assert_eq!(table.len(), 2);

        let rows = table.into_sorted();
        assert_eq!(rows[0].id, 7, "a task with a creation time sorts first");
        let task = rows[0].to_report();
        assert_eq!(task.source, "both");
        assert_eq!(task.status, Some(TaskStatus::Completed));
        assert_eq!(task.cache_hit, Some(false));
        let requested = task.requested.unwrap();
        assert_eq!(
            (requested.cpus, requested.memory_gib),
            (Some(1.0), Some(1.0)),
            "the manifest's request wins over the list's"
        );
        let reserved = task.reserved.unwrap();
        assert_eq!((reserved.cpus, reserved.memory_gib), (Some(2.0), Some(4.0)));
        let u = task.utilization.unwrap();
        // 1.5/2, 0.5/2, 3/4, 1/4
        assert_eq!(
            (u.cpu_max, u.cpu_average, u.memory_max, u.memory_average),
            (Some(0.75), Some(0.25), Some(0.75), Some(0.25))
        );
        assert_eq!(task.queue_seconds, Some(90.0));
        assert_eq!(task.running_seconds, Some(600.0));
        assert_eq!(task.instance_type.as_deref(), Some("omics.c.large"));

        let api_only = rows[1].to_report();
        assert_eq!(api_only.source, "api");
        assert_eq!(api_only.failure_reason.as_deref(), Some("OOM"));
        assert_eq!(api_only.image.as_deref(), Some("bwa:1"));
        assert_eq!(api_only.reserved, None);
        assert_eq!(api_only.utilization, None);
        assert!(
            Arc::ptr_eq(
                rows[0].image.as_ref().unwrap(),
                rows[1].image.as_ref().unwrap()
            ),
            "images are interned"
        );
    }

    #[test]
    fn repeated_manifest_records_fill_gaps_and_are_counted() {
        let mut table = TaskTable::default();
        table.add_manifest_task(manifest_task(
            r#"{"arn":"arn:aws:omics:us-east-1:1:task/9","name":"first"}"#,
        ));
        table.add_manifest_task(manifest_task(
            r#"{"arn":"arn:aws:omics:us-east-1:1:task/9","name":"second","cpus":4}"#,
        ));
        assert_eq!(table.duplicate_manifest_records, 1);
        let row = table.get(9).unwrap().to_report();
        assert_eq!(row.name.as_deref(), Some("first"));
        assert_eq!(row.requested.unwrap().cpus, Some(4.0));
        assert_eq!(row.source, "manifest");
        assert_eq!(row.running_seconds, None);
    }

    #[test]
    fn running_time_falls_back_to_timestamps() {
        let mut table = TaskTable::default();
        table.add_manifest_task(manifest_task(
            r#"{"arn":"arn:aws:omics:us-east-1:1:task/1","startTime":"2024-10-20T05:00:00Z","stopTime":"2024-10-20T05:00:42.5Z"}"#,
        ));
        assert_eq!(table.get(1).unwrap().running_seconds(), Some(42.5));
    }
}
