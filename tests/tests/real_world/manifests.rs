//! Every manifest of the folder through the manifest parser, and the real run's task names through the grouping.

use std::collections::BTreeMap;

use omics_introspect::analysis::names::{Engine, base_name};
use omics_introspect::enrich::EnrichedTask;
use omics_introspect::manifest::{ManifestTask, parse_document, split_records};
use omics_introspect::time::{Timestamp, format_timestamp, parse_timestamp};
use serde_json::Value;

use super::corpus;

/// The numbers a task's analysis stands on, however the task was read.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskNumbers {
    /// Requested cpus, memory GiB, gpus.
    pub requested: [Option<f64>; 3],
    /// Reserved cpus, memory GiB, gpus (manifest metrics).
    pub reserved: [Option<f64>; 3],
    /// Peak cpus and memory GiB.
    pub maximum: [Option<f64>; 2],
    /// Average cpus and memory GiB.
    pub average: [Option<f64>; 2],
    /// Running seconds as HealthOmics measured them.
    pub running_seconds: Option<f64>,
    /// The instance type.
    pub instance_type: Option<String>,
    /// Start and stop, in the API's format.
    pub times: [Option<String>; 2],
}

impl TaskNumbers {
    /// From a manifest line's JSON, read with nothing but serde_json.
    pub fn from_json(line: &Value) -> Self {
        let top = |key: &str| line.get(key).and_then(Value::as_f64);
        let metric = |key: &str| {
            line.pointer(&format!("/metrics/{key}"))
                .and_then(Value::as_f64)
        };
        let time = |key: &str| {
            line.get(key)
                .and_then(Value::as_str)
                .map(|t| format_timestamp(&parse_timestamp(t).unwrap()))
        };
        Self {
            requested: [top("cpus"), top("memory"), top("gpus")],
            reserved: [
                metric("cpusReserved"),
                metric("memoryReservedGiB"),
                metric("gpusReserved"),
            ],
            maximum: [metric("cpusMaximum"), metric("memoryMaximumGiB")],
            average: [metric("cpusAverage"), metric("memoryAverageGiB")],
            running_seconds: metric("runningSeconds"),
            instance_type: line
                .get("instanceType")
                .and_then(Value::as_str)
                .map(str::to_owned),
            times: [time("startTime"), time("stopTime")],
        }
    }

    /// From a parsed manifest task.
    pub fn from_manifest(task: &ManifestTask) -> Self {
        let m = task.metrics.clone().unwrap_or_default();
        Self {
            requested: [task.cpus, task.memory, task.gpus].map(|v| v.map(|v| v as f64)),
            reserved: [m.cpus_reserved, m.memory_reserved_gib, m.gpus_reserved],
            maximum: [m.cpus_maximum, m.memory_maximum_gib],
            average: [m.cpus_average, m.memory_average_gib],
            running_seconds: m.running_seconds,
            instance_type: task.instance_type.clone(),
            times: [task.start_time, task.stop_time].map(api_time),
        }
    }

    /// From a stored record's task.
    pub fn from_record(task: &EnrichedTask) -> Self {
        let requested = task.requested.unwrap_or_default();
        let reserved = task.reserved.unwrap_or_default();
        let maximum = task.maximum.unwrap_or_default();
        let average = task.average.unwrap_or_default();
        Self {
            requested: [requested.cpus, requested.memory_gib, requested.gpus],
            reserved: [reserved.cpus, reserved.memory_gib, reserved.gpus],
            maximum: [maximum.cpus, maximum.memory_gib],
            average: [average.cpus, average.memory_gib],
            running_seconds: task.running_seconds,
            instance_type: task.instance_type.clone(),
            times: [task.start_time, task.stop_time].map(api_time),
        }
    }
}

fn api_time(time: Option<Timestamp>) -> Option<String> {
    time.as_ref().map(format_timestamp)
}

/// The task lines of a JSON Lines manifest, by task id, read with nothing but serde_json: what every parser of
/// ours must reproduce.
pub fn expected_tasks(text: &str) -> BTreeMap<String, TaskNumbers> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).expect("the real manifest is valid JSON Lines"))
        .filter_map(|line| {
            let arn = line["arn"].as_str()?;
            let (_, id) = arn.split_once(":task/")?;
            Some((id.to_owned(), TaskNumbers::from_json(&line)))
        })
        .collect()
}

/// What each manifest of the folder holds.
struct Expected {
    file: &'static str,
    runs: usize,
    tasks: usize,
    malformed: u64,
}

const EXPECTED: [Expected; 3] = [
    Expected {
        // The guide's example: a JSON array ending in a literal `...`, which is the one malformed record.
        file: "manifests/awsdocs-getinfo-about-runs-run-1695324.doc-example.txt",
        runs: 1,
        tasks: 1,
        malformed: 1,
    },
    Expected {
        file: corpus::FULL_MANIFEST,
        runs: 1,
        tasks: 59,
        malformed: 0,
    },
    Expected {
        file: "manifests/ultimagen-ugbio-efficientdv-run-8192875.trimmed.jsonl",
        runs: 1,
        tasks: 17,
        malformed: 0,
    },
];

#[test]
fn every_manifest_parses_with_no_record_lost() {
    let files = corpus::files("manifests");
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.file).collect();
    assert_eq!(
        files, listed,
        "a manifest without expectations (or one gone)"
    );
    for expected in &EXPECTED {
        let text = corpus::text(expected.file);
        let records = split_records(&text);
        let doc = parse_document(&text);
        let file = expected.file;
        assert_eq!(doc.records(), records.len() as u64, "{file}: records lost");
        assert_eq!(doc.runs.len(), expected.runs, "{file}: run records");
        assert_eq!(doc.tasks.len(), expected.tasks, "{file}: task records");
        assert_eq!(
            doc.warnings.malformed_lines, expected.malformed,
            "{file}: {:?}",
            doc.warnings.first_error
        );
        if file.ends_with(".jsonl") {
            let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
            assert_eq!(records.len(), lines, "{file}: one record per line");
        }
    }
}

#[test]
fn each_task_carries_its_lines_numbers() {
    for file in [
        corpus::FULL_MANIFEST,
        "manifests/ultimagen-ugbio-efficientdv-run-8192875.trimmed.jsonl",
    ] {
        let text = corpus::text(file);
        let expected = expected_tasks(&text);
        let parsed: BTreeMap<String, TaskNumbers> = parse_document(&text)
            .tasks
            .iter()
            .map(|t| (t.task_id.clone(), TaskNumbers::from_manifest(t)))
            .collect();
        assert_eq!(parsed.len(), expected.len(), "{file}");
        for (id, want) in &expected {
            assert_eq!(parsed.get(id), Some(want), "{file}: task {id}");
        }
    }
    // The quirks the README lists, seen through the parser.
    let doc = parse_document(&corpus::text(corpus::FULL_MANIFEST));
    let gpu = doc
        .tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("UGCallVariants"))
        .unwrap();
    let numbers = TaskNumbers::from_manifest(gpu);
    assert_eq!(numbers.requested, [Some(8.0), Some(15.0), Some(1.0)]);
    assert_eq!(numbers.reserved, [Some(8.0), Some(32.0), Some(1.0)]);
    assert_eq!(numbers.instance_type.as_deref(), Some("omics.g5.2xlarge"));
    let whole = doc
        .tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("UGMakeExamples-38-3839scattered"));
    assert_eq!(
        whole.unwrap().metrics.as_ref().unwrap().running_seconds,
        Some(378.0)
    );
    let run = &doc.runs[0];
    assert_eq!(
        run.stop_time.as_ref().map(format_timestamp).as_deref(),
        Some("2024-10-20T07:02:53.000Z"),
        "a stop time with no fraction"
    );
    assert_eq!(run.storage_type.as_deref(), Some("STATIC"));
    assert_eq!(
        run.metrics.as_ref().unwrap().storage_reserved_gib,
        Some(1200.0)
    );
    assert_eq!(
        run.uuid.as_deref(),
        Some("90c95432-34ac-9bbf-1e8a-3b6387044c59")
    );
}

#[test]
fn the_guides_example_reads_microseconds_without_a_zone_and_success() {
    let doc = parse_document(&corpus::text(EXPECTED[0].file));
    let task = &doc.tasks[0];
    assert_eq!(task.task_id, "1245938");
    assert_eq!(
        task.creation_time.as_ref().map(format_timestamp).as_deref(),
        Some("2022-08-24T20:06:32.971Z")
    );
    assert_eq!(task.status, Some(omics_introspect::TaskStatus::Completed));
    assert_eq!((task.cpus, task.memory), (Some(16), Some(32)));
    assert_eq!(doc.runs[0].storage_capacity, Some(9600));
    assert!(
        doc.warnings
            .first_error
            .as_deref()
            .unwrap()
            .starts_with("line 3:"),
        "{:?}",
        doc.warnings.first_error
    );
}

#[test]
fn the_real_runs_scatter_shards_form_one_group() {
    let doc = parse_document(&corpus::text(corpus::FULL_MANIFEST));
    // The manifest has no `engine`: grouping must work unknowing, and as WDL.
    for engine in [Engine::Unknown, Engine::Wdl] {
        let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
        for task in &doc.tasks {
            *groups
                .entry(base_name(task.name.as_deref().unwrap(), engine))
                .or_default() += 1;
        }
        assert_eq!(
            groups.get("UGMakeExamples"),
            Some(&50),
            "{engine:?}: {groups:?}"
        );
        assert_eq!(
            groups.len(),
            10,
            "{engine:?}: 9 single tasks and the scatter: {groups:?}"
        );
        assert!(
            groups.keys().all(|name| !name.contains("scattered")),
            "{groups:?}"
        );
    }
}
