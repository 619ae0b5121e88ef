//! The compact per-task row the builder holds while merging, and the table that merges rows by task id.
//!
//! A 100,000-task run is held as 100,000 rows and nothing else: no copy of the manifest records, no copy of the
//! task list. Strings many tasks may share (names, instance types, images) are interned; the strings every task
//! has its own of (uuid, image digest) are kept as their 16 and 32 bytes when they have the canonical form
//! ([`CompactUuid`], [`CompactDigest`]); the manifest metrics sit inline (NaN for an absent figure: JSON has no
//! NaN) and the rare failure and cache members in one optional box. Ids are `u64` (HealthOmics ids are at most
//! 18 digits). About 300 bytes per task, plus one copy of each distinct name.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::manifest::{ManifestTask, TaskMetrics};
use crate::omics::Task;
use crate::status::TaskStatus;
use crate::time::Timestamp;

use crate::record::{EnrichedTask, Resources, Utilization, ratio, seconds_between};

/// Returns the allocator's free pages to the system (glibc's `malloc_trim`, every arena). A manifest page from
/// CloudWatch Logs is read whole (tens of MB for 10,000 long lines) and freed at once, and the record is built on
/// another thread (another arena) than the one that read the pages: without this, that freed memory stays in the
/// process and the record's memory comes on top of it. A no-op off glibc.
pub(crate) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointer from us.
    unsafe {
        libc::malloc_trim(0);
    }
}

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

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex digits into bytes; `None` for anything else (uppercase included, so the text round-trips).
fn parse_hex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    fn digit(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            _ => None,
        }
    }
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        *byte = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
}

/// A task uuid: a canonical lowercase `8-4-4-4-12` uuid as its 16 bytes, anything else as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CompactUuid {
    /// The uuid's bytes.
    Bytes([u8; 16]),
    /// A value not in canonical form, kept verbatim.
    Text(Box<str>),
}

impl CompactUuid {
    fn new(text: String) -> Self {
        let b = text.as_bytes();
        let canonical = b.len() == 36 && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-');
        if canonical {
            let hex: Vec<u8> = b.iter().copied().filter(|&c| c != b'-').collect();
            if let Some(bytes) = parse_hex::<16>(&hex) {
                return Self::Bytes(bytes);
            }
        }
        Self::Text(text.into_boxed_str())
    }

    /// The uuid as it was read.
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(text) => text.to_string(),
            Self::Bytes(bytes) => {
                let mut out = String::with_capacity(36);
                for (i, part) in [
                    &bytes[..4],
                    &bytes[4..6],
                    &bytes[6..8],
                    &bytes[8..10],
                    &bytes[10..],
                ]
                .into_iter()
                .enumerate()
                {
                    if i > 0 {
                        out.push('-');
                    }
                    push_hex(&mut out, part);
                }
                out
            }
        }
    }
}

/// An image digest: `sha256:<64 lowercase hex>` as its 32 bytes (every task may have its own), anything else
/// interned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CompactDigest {
    /// The SHA-256's bytes.
    Sha256([u8; 32]),
    /// A value of another form, shared.
    Text(Arc<str>),
}

impl CompactDigest {
    fn new(text: String, strings: &mut Interner) -> Option<Self> {
        if let Some(bytes) = text
            .strip_prefix("sha256:")
            .and_then(|hex| parse_hex::<32>(hex.as_bytes()))
        {
            return Some(Self::Sha256(bytes));
        }
        strings.intern(Some(text)).map(Self::Text)
    }

    /// The digest as it was read.
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(text) => text.to_string(),
            Self::Sha256(bytes) => {
                let mut out = String::with_capacity(7 + 64);
                out.push_str("sha256:");
                push_hex(&mut out, bytes);
                out
            }
        }
    }
}

/// The manifest's eight metrics inline, NaN standing for an absent figure.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PackedMetrics([f64; 8]);

impl PackedMetrics {
    fn pack(m: &TaskMetrics) -> Self {
        let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
        Self([
            nan(m.cpus_reserved),
            nan(m.cpus_maximum),
            nan(m.cpus_average),
            nan(m.gpus_reserved),
            nan(m.memory_reserved_gib),
            nan(m.memory_maximum_gib),
            nan(m.memory_average_gib),
            nan(m.running_seconds),
        ])
    }

    fn unpack(&self) -> TaskMetrics {
        let v = |i: usize| Some(self.0[i]).filter(|x| !x.is_nan());
        TaskMetrics {
            cpus_reserved: v(0),
            cpus_maximum: v(1),
            cpus_average: v(2),
            gpus_reserved: v(3),
            memory_reserved_gib: v(4),
            memory_maximum_gib: v(5),
            memory_average_gib: v(6),
            running_seconds: v(7),
        }
    }
}

/// Members few tasks have: kept out of line so the common row stays small.
#[derive(Debug, Clone, Default)]
struct Rare {
    cache_s3_uri: Option<Box<str>>,
    failure_reason: Option<Box<str>>,
}

/// Everything the record keeps about one task.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskRow {
    pub id: u64,
    seen: u8,
    pub cache_hit: Option<bool>,
    pub status: Option<TaskStatus>,
    uuid: Option<CompactUuid>,
    name: Option<Arc<str>>,
    cpus: Option<i64>,
    memory: Option<i64>,
    gpus: Option<i64>,
    metrics: Option<PackedMetrics>,
    pub creation_time: Option<Timestamp>,
    start_time: Option<Timestamp>,
    stop_time: Option<Timestamp>,
    instance_type: Option<Arc<str>>,
    image: Option<Arc<str>>,
    image_digest: Option<CompactDigest>,
    rare: Option<Box<Rare>>,
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

    /// The task's name (shared with every task of the same name).
    pub fn name(&self) -> Option<&Arc<str>> {
        self.name.as_ref()
    }

    /// The failure reason, when there is one.
    pub fn failure_reason(&self) -> Option<&str> {
        self.rare.as_ref()?.failure_reason.as_deref()
    }

    /// The manifest's metrics, when it had them.
    pub fn metrics(&self) -> Option<TaskMetrics> {
        self.metrics.as_ref().map(PackedMetrics::unpack)
    }

    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    fn fill_uuid(&mut self, uuid: Option<String>) {
        if self.uuid.is_none() {
            self.uuid = uuid.map(CompactUuid::new);
        }
    }

    fn fill_strings(
        &mut self,
        name: Option<String>,
        instance_type: Option<String>,
        image: Option<String>,
        image_digest: Option<String>,
        strings: &mut Interner,
    ) {
        if self.name.is_none() {
            self.name = strings.intern(name);
        }
        if self.instance_type.is_none() {
            self.instance_type = strings.intern(instance_type);
        }
        if self.image.is_none() {
            self.image = strings.intern(image);
        }
        if self.image_digest.is_none() {
            self.image_digest = image_digest.and_then(|d| CompactDigest::new(d, strings));
        }
    }

    /// The manifest's record. The first record of a task wins; a repeated one only fills gaps.
    fn merge_manifest(&mut self, task: ManifestTask, strings: &mut Interner) {
        self.seen |= IN_MANIFEST;
        self.fill_uuid(task.uuid);
        fill(&mut self.status, task.status);
        fill(&mut self.cpus, task.cpus);
        fill(&mut self.memory, task.memory);
        fill(&mut self.gpus, task.gpus);
        fill(
            &mut self.metrics,
            task.metrics.as_ref().map(PackedMetrics::pack),
        );
        fill(&mut self.creation_time, task.creation_time);
        fill(&mut self.start_time, task.start_time);
        fill(&mut self.stop_time, task.stop_time);
        self.fill_strings(
            task.name,
            task.instance_type,
            task.image,
            task.image_digest,
            strings,
        );
        fill(&mut self.cache_hit, task.cache_hit);
        if task.cache_s3_uri.is_some() || task.failure_reason.is_some() {
            let rare = self.rare_mut();
            fill(&mut rare.cache_s3_uri, boxed(task.cache_s3_uri));
            fill(&mut rare.failure_reason, boxed(task.failure_reason));
        }
    }

    /// A task list item or GetRunTask answer: authoritative for status, cache hit and failure reason; fills
    /// every other gap the manifest left.
    fn merge_api(&mut self, task: Task, strings: &mut Interner) {
        self.seen |= IN_API;
        replace(&mut self.status, task.status);
        replace(&mut self.cache_hit, task.cache_hit);
        if task.cache_s3_uri.is_some() || task.failure_reason.is_some() {
            let rare = self.rare_mut();
            replace(&mut rare.cache_s3_uri, boxed(task.cache_s3_uri));
            replace(&mut rare.failure_reason, boxed(task.failure_reason));
        }
        self.fill_uuid(task.uuid);
        fill(&mut self.cpus, task.cpus.map(i64::from));
        fill(&mut self.memory, task.memory.map(i64::from));
        fill(&mut self.gpus, task.gpus.map(i64::from));
        fill(&mut self.creation_time, task.creation_time);
        fill(&mut self.start_time, task.start_time);
        fill(&mut self.stop_time, task.stop_time);
        let (image, image_digest) = task
            .image_details
            .map_or((None, None), |d| (d.image, d.image_digest));
        self.fill_strings(task.name, task.instance_type, image, image_digest, strings);
    }

    /// Seconds the task ran: the manifest's `runningSeconds`, else stop − start.
    pub fn running_seconds(&self) -> Option<f64> {
        self.metrics
            .and_then(|m| Some(m.0[7]).filter(|x| !x.is_nan()))
            .or_else(|| seconds_between(self.start_time, self.stop_time))
    }

    /// Seconds between creation and start.
    pub fn queue_seconds(&self) -> Option<f64> {
        seconds_between(self.creation_time, self.start_time)
    }

    /// The row as it appears in the record.
    pub fn to_report(&self) -> EnrichedTask {
        self.to_task(true)
    }

    /// The row as the analysis reads it: without the members no analysis uses (uuid, image, image digest, cache
    /// URI), which are per-task strings not worth copying for it.
    pub fn to_analysis(&self) -> EnrichedTask {
        self.to_task(false)
    }

    fn to_task(&self, full: bool) -> EnrichedTask {
        let metrics = self.metrics();
        let metrics = metrics.as_ref();
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
        let rare = self.rare.as_deref();
        let text = |v: Option<&Box<str>>| v.map(|s| s.to_string());
        let shared = |v: &Option<Arc<str>>| v.as_deref().map(str::to_owned);
        EnrichedTask {
            task_id: self.id.to_string(),
            uuid: self
                .uuid
                .as_ref()
                .filter(|_| full)
                .map(CompactUuid::to_text),
            name: shared(&self.name),
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
            image: self.image.as_deref().filter(|_| full).map(str::to_owned),
            image_digest: self
                .image_digest
                .as_ref()
                .filter(|_| full)
                .map(CompactDigest::to_text),
            cache_hit: self.cache_hit,
            cache_s3_uri: text(rare.and_then(|r| r.cache_s3_uri.as_ref()).filter(|_| full)),
            failure_reason: text(rare.and_then(|r| r.failure_reason.as_ref())),
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

    /// The rows sorted by creation time (tasks without one last), then id; the index and the interner are
    /// dropped (each shared string lives on in the rows that use it).
    pub fn into_sorted(self) -> Vec<TaskRow> {
        let mut rows = self.rows;
        rows.sort_unstable_by(|a, b| {
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

    #[test]
    fn per_task_strings_round_trip_through_their_compact_forms() {
        let mut strings = Interner::default();
        for uuid in [
            "5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c37",
            "00000000-0000-0000-0000-000000000000",
        ] {
            let compact = CompactUuid::new(uuid.to_owned());
            assert!(matches!(compact, CompactUuid::Bytes(_)), "{uuid}");
            assert_eq!(compact.to_text(), uuid);
        }
        // Not canonical: kept verbatim, so the record says what HealthOmics said.
        for odd in [
            "5E0C8A2F-7B1D-4C3E-A9F4-2D6B8E1F0C37",
            "t-7",
            "5e0c8a2f7b1d4c3ea9f42d6b8e1f0c37",
            "5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c3g",
            "",
        ] {
            let compact = CompactUuid::new(odd.to_owned());
            assert!(matches!(compact, CompactUuid::Text(_)), "{odd}");
            assert_eq!(compact.to_text(), odd);
        }
        let sha = format!("sha256:{}", "0123456789abcdef".repeat(4));
        let compact = CompactDigest::new(sha.clone(), &mut strings).unwrap();
        assert!(matches!(compact, CompactDigest::Sha256(_)));
        assert_eq!(compact.to_text(), sha);
        for odd in [
            "sha256:aa".to_owned(),
            format!("sha256:{}", "0123456789ABCDEF".repeat(4)),
            format!("sha512:{}", "ab".repeat(32)),
        ] {
            let compact = CompactDigest::new(odd.clone(), &mut strings).unwrap();
            assert!(matches!(compact, CompactDigest::Text(_)), "{odd}");
            assert_eq!(compact.to_text(), odd);
        }
    }

    #[test]
    fn names_are_interned_and_metrics_keep_absent_figures_absent() {
        let mut table = TaskTable::default();
        table.add_manifest_task(manifest_task(TASK));
        table.add_manifest_task(manifest_task(
            &TASK
                .replace("task/7", "task/8")
                .replace(r#""cpusMaximum":1.5,"#, ""),
        ));
        let (a, b) = (table.get(7).unwrap(), table.get(8).unwrap());
        assert!(Arc::ptr_eq(a.name().unwrap(), b.name().unwrap()));
        assert_eq!(a.metrics().unwrap().cpus_maximum, Some(1.5));
        let m = b.metrics().unwrap();
        assert_eq!((m.cpus_maximum, m.cpus_reserved), (None, Some(2.0)));
        assert_eq!(b.to_report().maximum.unwrap().cpus, None);
        assert!(
            std::mem::size_of::<TaskRow>() <= 320,
            "a row is {} bytes",
            std::mem::size_of::<TaskRow>()
        );
    }
}
