//! Manifest records and the line parser.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

use crate::ids::id_from_arn;
pub use crate::record::RunMetrics;
use crate::status::{RunStatus, TaskStatus};
use crate::time::Timestamp;

/// The run object of a manifest (its first record).
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Members mirror the manifest's own keys.
pub struct ManifestRun {
    pub arn: Option<String>,
    pub uuid: Option<String>,
    pub name: Option<String>,
    pub status: Option<RunStatus>,
    pub status_message: Option<String>,
    pub failure_reason: Option<String>,
    pub digest: Option<String>,
    /// Workflow ARN.
    pub workflow: Option<String>,
    pub workflow_type: Option<String>,
    /// Workflow engine (`WDL`, `NEXTFLOW`, `CWL`), present in some manifests.
    pub engine: Option<String>,
    /// Main workflow file, present in some manifests.
    pub main: Option<String>,
    pub output_uri: Option<String>,
    pub role_arn: Option<String>,
    pub started_by: Option<String>,
    pub parameters: Option<Value>,
    pub parameter_template: Option<Value>,
    #[serde(default, deserialize_with = "digests_without_nulls")]
    pub resource_digests: Option<BTreeMap<String, String>>,
    pub storage_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_int")]
    pub storage_capacity: Option<i64>,
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    pub metrics: Option<RunMetrics>,
}

/// A task object of a manifest.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Members mirror the manifest's own keys.
pub struct ManifestTask {
    /// Task id, taken from the ARN (`...:task/<id>`).
    #[serde(default)]
    pub task_id: String,
    pub arn: Option<String>,
    pub uuid: Option<String>,
    pub name: Option<String>,
    #[serde(default, deserialize_with = "manifest_task_status")]
    pub status: Option<TaskStatus>,
    /// Run ARN.
    pub run: Option<String>,
    /// Requested vCPUs.
    #[serde(default, deserialize_with = "lenient_int")]
    pub cpus: Option<i64>,
    /// Requested memory, GiB.
    #[serde(default, deserialize_with = "lenient_int")]
    pub memory: Option<i64>,
    /// Requested GPUs.
    #[serde(default, deserialize_with = "lenient_int")]
    pub gpus: Option<i64>,
    /// The instance the task ran on.
    pub instance_type: Option<String>,
    pub image: Option<String>,
    pub image_digest: Option<String>,
    pub cache_hit: Option<bool>,
    pub cache_s3_uri: Option<String>,
    #[serde(default, with = "crate::time::optional")]
    pub creation_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub start_time: Option<Timestamp>,
    #[serde(default, with = "crate::time::optional")]
    pub stop_time: Option<Timestamp>,
    pub status_message: Option<String>,
    pub failure_reason: Option<String>,
    pub metrics: Option<TaskMetrics>,
}

/// Resource metrics of a task: what it reserved and what it used.
#[skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // Members mirror the manifest's own keys.
pub struct TaskMetrics {
    pub cpus_reserved: Option<f64>,
    pub cpus_maximum: Option<f64>,
    pub cpus_average: Option<f64>,
    pub gpus_reserved: Option<f64>,
    #[serde(rename = "memoryReservedGiB")]
    pub memory_reserved_gib: Option<f64>,
    #[serde(rename = "memoryMaximumGiB")]
    pub memory_maximum_gib: Option<f64>,
    #[serde(rename = "memoryAverageGiB")]
    pub memory_average_gib: Option<f64>,
    pub running_seconds: Option<f64>,
}

/// One parsed manifest line.
#[derive(Debug, Clone, PartialEq)]
pub enum ManifestRecord {
    /// The run object.
    Run(Box<ManifestRun>),
    /// A task object.
    Task(Box<ManifestTask>),
}

/// Parses one manifest line (one log event's message).
///
/// The record kind comes from the ARN's resource segment (`run/` or `task/`). The error says why a line is
/// unreadable, in a form fit for a warning.
pub fn parse_line(line: &str) -> Result<ManifestRecord, String> {
    let value: Value = serde_json::from_str(line.trim()).map_err(|e| format!("not JSON: {e}"))?;
    let arn = match value.get("arn") {
        Some(Value::String(arn)) => arn.clone(),
        _ => return Err("no \"arn\" member".to_owned()),
    };
    if id_from_arn(&arn, "run").is_some() {
        let run: ManifestRun =
            serde_json::from_value(value).map_err(|e| format!("bad run record: {e}"))?;
        return Ok(ManifestRecord::Run(Box::new(run)));
    }
    let Some(task_id) = id_from_arn(&arn, "task") else {
        return Err(format!(
            "ARN is neither a run nor a task: {}",
            shorten(&arn)
        ));
    };
    if crate::ids::TaskId::parse(task_id).is_err() {
        return Err(format!("task ARN has a malformed id: {}", shorten(&arn)));
    }
    let task_id = task_id.to_owned();
    let mut task: ManifestTask =
        serde_json::from_value(value).map_err(|e| format!("bad task record: {e}"))?;
    task.task_id = task_id;
    Ok(ManifestRecord::Task(Box::new(task)))
}

fn shorten(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Accepts `2`, `2.0` and `"2"`; null means absent. A fractional amount (`0.5`) is rounded up rather than losing
/// the line: HealthOmics reserves at least what was requested, in whole units.
fn lenient_int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let whole = |f: f64| (f.is_finite() && f.abs() < 9.0e15).then(|| f.ceil() as i64);
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().and_then(whole))
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected a whole number, got {n}"))),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .ok()
            .or_else(|| s.trim().parse::<f64>().ok().and_then(whole))
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("expected a number, got {s:?}"))),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a number, got {other}"
        ))),
    }
}

/// `resourceDigests` with `null` digests dropped: null means absent, also inside the map.
fn digests_without_nulls<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    let map = Option::<BTreeMap<String, Option<String>>>::deserialize(deserializer)?;
    Ok(map.map(|m| m.into_iter().filter_map(|(k, v)| Some((k, v?))).collect()))
}

fn manifest_task_status<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<TaskStatus>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(|s| TaskStatus::from_manifest(&s)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_timestamp;

    const SEED_RUN: &str = r#"{ "arn": "arn:aws:omics:us-east-1:123456789012:run/1695324", "creationTime": "2022-08-24T19:53:55.284Z", "resourceDigests": { "s3://omics-data/broad-references/hg38/v0/Homo_sapiens_assembly38.dict": "etag:3884c62eb0e53fa92459ed9bff133ae6" }, "digest": "sha256:a5ba", "engine": "WDL", "main": "gatk4-basic-joint-genotyping-v2.wdl", "name": "1044-gvcfs", "outputUri": "s3://omics-data/workflow-output", "parameters": { "callset_name": "cohort" }, "roleArn": "arn:aws:iam::123456789012:role/OmicsServiceRole", "startedBy": "arn:aws:sts::123456789012:assumed-role/admin/x", "startTime": "2022-08-24T20:08:22.582Z", "status": "COMPLETED", "stopTime": "2022-08-24T20:08:22.582Z", "storageCapacity": 9600, "uuid": "a3b0ca7e-9597-4ecc-94a4-6ed45481aeab", "workflow": "arn:aws:omics:us-east-1:123456789012:workflow/1558364", "workflowType": "PRIVATE" }"#;
    const SEED_TASK: &str = r#"{ "arn": "arn:aws:omics:us-east-1:123456789012:task\/1245938", "cpus": 16, "creationTime": "2022-08-24T20:06:32.971290", "image": "123456789012.dkr.ecr.us-west-2.amazonaws.com\/gatk", "imageDigest": "sha256:8051", "memory": 32, "name": "geno-123", "run": "arn:aws:omics:us-east-1:123456789012:run/1695324", "startTime": "2022-08-24T20:08:22.278Z", "status": "SUCCESS", "stopTime": "2022-08-24T20:08:22.278Z", "uuid": "44c1a30a-4eee-426d-88ea-1af403858f76", "somethingNew": {"x": 1} }"#;

    #[test]
    fn parses_the_documentation_sample() {
        let ManifestRecord::Run(run) = parse_line(SEED_RUN).unwrap() else {
            panic!("not a run")
        };
        assert_eq!(run.engine.as_deref(), Some("WDL"));
        assert_eq!(
            run.main.as_deref(),
            Some("gatk4-basic-joint-genotyping-v2.wdl")
        );
        assert_eq!(run.storage_capacity, Some(9600));
        assert_eq!(run.status, Some(RunStatus::Completed));
        let ManifestRecord::Task(task) = parse_line(SEED_TASK).unwrap() else {
            panic!("not a task")
        };
        assert_eq!(task.task_id, "1245938");
        assert_eq!(task.status, Some(TaskStatus::Completed));
        assert_eq!(
            task.image.as_deref(),
            Some("123456789012.dkr.ecr.us-west-2.amazonaws.com/gatk")
        );
        assert_eq!(
            format_timestamp(&task.creation_time.unwrap()),
            "2022-08-24T20:06:32.971Z"
        );
        assert_eq!(
            (task.cpus, task.memory, task.gpus),
            (Some(16), Some(32), None)
        );
    }

    #[test]
    fn tolerates_nulls_floats_and_missing_times() {
        let line = r#"{"arn":"arn:aws:omics:us-east-1:1:task/7","cpus":2.0,"memory":"4","gpus":null,"status":"COMPLETED","cacheHit":true,"metrics":null,"creationTime":null}"#;
        let ManifestRecord::Task(task) = parse_line(line).unwrap() else {
            panic!()
        };
        assert_eq!(
            (task.cpus, task.memory, task.gpus),
            (Some(2), Some(4), None)
        );
        assert_eq!(task.creation_time, None);
        assert_eq!(task.metrics, None);
        assert_eq!(task.cache_hit, Some(true));
    }

    #[test]
    fn classifies_union_key_lines_by_arn_alone() {
        // Every line carries the run and task keys; only the ARN decides, and nulls are absent members.
        let task = r#"{"arn":"arn:aws:omics:us-east-1:1:task\/7","digest":"sha256:x","storageType":"STATIC","workflow":"arn:aws:omics:us-east-1:1:workflow/9","outputUri":"s3://b/o","cpus":1.0,"memory":1.0,"gpus":0.0,"instanceType":"omics.c.large","run":"arn:aws:omics:us-east-1:1:run/5","resourceDigests":null,"parameters":null}"#;
        let ManifestRecord::Task(task) = parse_line(task).unwrap() else {
            panic!("a task ARN is a task, whatever keys it has")
        };
        assert_eq!(
            (task.cpus, task.memory, task.gpus),
            (Some(1), Some(1), Some(0))
        );
        let run = r#"{"arn":"arn:aws:omics:us-east-1:1:run\/5","cpus":null,"gpus":null,"image":null,"instanceType":null,"memory":null,"run":null,"storageType":null,"metrics":{"storageReservedGiB":1200.0,"runningSeconds":null},"resourceDigests":{"s3://b/k":"etag:1","s3://b/n":null}}"#;
        let ManifestRecord::Run(run) = parse_line(run).unwrap() else {
            panic!("a run ARN is a run, whatever keys it has")
        };
        assert_eq!(run.storage_type, None);
        let metrics = run.metrics.unwrap();
        assert_eq!(
            (metrics.storage_reserved_gib, metrics.running_seconds),
            (Some(1200.0), None)
        );
        assert_eq!(
            run.resource_digests
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            [("s3://b/k".to_owned(), "etag:1".to_owned())]
        );
    }

    #[test]
    fn fractional_requests_round_up_instead_of_losing_the_line() {
        let line =
            r#"{"arn":"arn:aws:omics:us-east-1:1:task/7","cpus":0.5,"memory":"1.5","gpus":"0"}"#;
        let ManifestRecord::Task(task) = parse_line(line).unwrap() else {
            panic!()
        };
        assert_eq!(
            (task.cpus, task.memory, task.gpus),
            (Some(1), Some(2), Some(0))
        );
    }

    #[test]
    fn reads_metrics_with_gib_spelling() {
        let line = r#"{"arn":"arn:aws:omics:us-east-1:1:task/7","metrics":{"cpusReserved":2,"cpusMaximum":1.5,"cpusAverage":0.7,"gpusReserved":0,"memoryReservedGiB":4,"memoryMaximumGiB":3.2,"memoryAverageGiB":1.1,"runningSeconds":61.5}}"#;
        let ManifestRecord::Task(task) = parse_line(line).unwrap() else {
            panic!()
        };
        let m = task.metrics.unwrap();
        assert_eq!(m.memory_reserved_gib, Some(4.0));
        assert_eq!(m.memory_maximum_gib, Some(3.2));
        assert_eq!(m.running_seconds, Some(61.5));
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["memoryAverageGiB"], 1.1);
    }

    #[test]
    fn rejects_unreadable_lines_with_a_reason() {
        let cases = [
            (
                "{\"arn\": \"arn:aws:omics:us-east-1:1:task/7\", \"cpus\": ",
                "not JSON",
            ),
            ("[1,2]", "no \"arn\""),
            ("{\"name\":\"x\"}", "no \"arn\""),
            (
                "{\"arn\":\"arn:aws:omics:us-east-1:1:workflow/7\"}",
                "neither",
            ),
            (
                "{\"arn\":\"arn:aws:omics:us-east-1:1:task/abc\"}",
                "malformed id",
            ),
            (
                "{\"arn\":\"arn:aws:omics:us-east-1:1:task/7\",\"cpus\":\"many\"}",
                "bad task record",
            ),
            (
                "{\"arn\":\"arn:aws:omics:us-east-1:1:task/7\",\"startTime\":\"noon\"}",
                "bad task record",
            ),
        ];
        for (line, reason) in cases {
            let err = parse_line(line).unwrap_err();
            assert!(err.contains(reason), "{line}: {err}");
        }
    }
}
