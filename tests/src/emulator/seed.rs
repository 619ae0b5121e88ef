//! Seeding runs: the `POST /_emulator/runs` body and the fixtures directory layout.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::errors::ApiError;
use super::store::StoredRun;

/// The body of `POST /_emulator/runs`: `{"run": {...}, "tasks": [...], "manifest": ["line", ...]}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRequest {
    /// The GetRun response body; must have a string `id` (and a `uuid` when a manifest is given).
    pub run: Value,
    /// GetRunTask response bodies, each with a string `taskId`, in ListRunTasks order.
    #[serde(default)]
    pub tasks: Option<Vec<Value>>,
    /// Raw manifest lines (one JSON object each), written verbatim as log events; empty lines are skipped.
    #[serde(default)]
    pub manifest: Option<Vec<String>>,
    /// Task output logs by task id, written to `run/<id>/task/<taskId>` (what a failed task's log tail reads).
    #[serde(default, rename = "taskLogs")]
    pub task_logs: Option<BTreeMap<String, Vec<String>>>,
}

/// A checked seed, ready to store.
#[derive(Debug)]
pub struct PreparedSeed {
    /// The indexed run.
    pub run: StoredRun,
    /// Non-empty manifest lines; empty when there is no manifest to write.
    pub manifest: Vec<String>,
    /// Task logs to write: task id and non-empty lines.
    pub task_logs: Vec<(String, Vec<String>)>,
}

/// The answer of `POST /_emulator/runs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedSummary {
    /// Id of the stored run.
    pub run_id: String,
    /// The run's uuid, when its body has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// Number of stored tasks.
    pub tasks: usize,
    /// Number of manifest log events written.
    pub manifest_events: usize,
}

/// Whether a manifest line carries content. CloudWatch rejects empty events, and blank lines in a `.jsonl` file
/// are not manifest records.
fn is_content_line(line: &str) -> bool {
    !line.trim().is_empty()
}

impl SeedRequest {
    /// Checks the run and tasks and drops empty manifest lines.
    pub fn prepare(self) -> Result<PreparedSeed, ApiError> {
        let run = StoredRun::new(self.run, self.tasks.unwrap_or_default())?;
        let manifest: Vec<String> = self
            .manifest
            .unwrap_or_default()
            .into_iter()
            .filter(|line| is_content_line(line))
            .collect();
        if !manifest.is_empty() && run.uuid().is_none() {
            return Err(ApiError::validation(
                "run.uuid is required with a manifest: the manifest stream is manifest/run/<id>/<uuid>",
            ));
        }
        let mut task_logs = Vec::new();
        for (task_id, lines) in self.task_logs.unwrap_or_default() {
            if task_id.is_empty() || !task_id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ApiError::validation(format!(
                    "taskLogs: task id {task_id:?} is not 1 or more decimal digits"
                )));
            }
            let lines: Vec<String> = lines.into_iter().filter(|l| is_content_line(l)).collect();
            if !lines.is_empty() {
                task_logs.push((task_id, lines));
            }
        }
        Ok(PreparedSeed {
            run,
            manifest,
            task_logs,
        })
    }
}

/// `task-logs/<taskId>.log` files of a fixture run, when the directory exists.
fn read_task_logs(dir: &Path) -> anyhow::Result<Option<BTreeMap<String, Vec<String>>>> {
    if !dir.is_dir() {
        return Ok(None);
    }
    let mut logs = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        let (Some(task_id), Some("log")) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        logs.insert(
            task_id.to_owned(),
            text.lines().map(str::to_owned).collect(),
        );
    }
    Ok(Some(logs))
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Reads a fixtures directory: `DIR/runs/<runId>/run.json` (GetRun body), optional `tasks.json` (array of
/// GetRunTask bodies) and optional `manifest.jsonl` (one manifest line per line). Runs come back in directory
/// name order. A directory name that differs from the run's `id` is an error, because it is almost always a
/// fixture mistake.
pub fn load_fixtures(dir: &Path) -> anyhow::Result<Vec<SeedRequest>> {
    let runs_dir = dir.join("runs");
    let mut entries = std::fs::read_dir(&runs_dir)
        .with_context(|| format!("reading fixtures directory {}", runs_dir.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("listing {}", runs_dir.display()))?;
    entries.sort_by_key(|entry| entry.file_name());

    let mut seeds = Vec::new();
    for entry in entries {
        let run_dir = entry.path();
        if !run_dir.is_dir() {
            continue;
        }
        let run = read_json(&run_dir.join("run.json"))?;
        let dir_name = entry.file_name().to_string_lossy().into_owned();
        let id = run.get("id").and_then(Value::as_str).unwrap_or_default();
        anyhow::ensure!(
            id == dir_name,
            "{}: run.json has id {id:?}, expected {dir_name:?}",
            run_dir.display()
        );

        let tasks_path = run_dir.join("tasks.json");
        let tasks = if tasks_path.exists() {
            let tasks = read_json(&tasks_path)?;
            let Value::Array(tasks) = tasks else {
                anyhow::bail!(
                    "{}: expected a JSON array of GetRunTask bodies",
                    tasks_path.display()
                );
            };
            Some(tasks)
        } else {
            None
        };

        let manifest_path = run_dir.join("manifest.jsonl");
        let manifest = if manifest_path.exists() {
            let text = std::fs::read_to_string(&manifest_path)
                .with_context(|| format!("reading {}", manifest_path.display()))?;
            Some(
                text.lines()
                    .filter(|line| is_content_line(line))
                    .map(str::to_owned)
                    .collect(),
            )
        } else {
            None
        };
        seeds.push(SeedRequest {
            run,
            tasks,
            manifest,
            task_logs: read_task_logs(&run_dir.join("task-logs"))?,
        });
    }
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prepare_skips_blank_lines_and_requires_uuid() {
        let seed = SeedRequest {
            run: json!({"id": "1", "uuid": "u"}),
            tasks: None,
            task_logs: None,
            manifest: Some(vec![
                "{\"a\":1}".into(),
                "".into(),
                "  ".into(),
                "{\"b\":2}".into(),
            ]),
        };
        let prepared = seed.prepare().unwrap();
        assert_eq!(prepared.manifest, ["{\"a\":1}", "{\"b\":2}"]);
        let no_uuid = SeedRequest {
            run: json!({"id": "1"}),
            tasks: None,
            manifest: Some(vec!["{}".into()]),
            task_logs: None,
        };
        assert_eq!(no_uuid.prepare().unwrap_err().kind, "ValidationException");
    }

    #[test]
    fn loads_fixture_layout() {
        let dir =
            std::env::temp_dir().join(format!("omics-emulator-fixtures-{}", std::process::id()));
        let run_dir = dir.join("runs").join("42");
        std::fs::create_dir_all(&run_dir).unwrap();
        std::fs::write(run_dir.join("run.json"), r#"{"id":"42","uuid":"abc"}"#).unwrap();
        std::fs::write(run_dir.join("tasks.json"), r#"[{"taskId":"1"}]"#).unwrap();
        std::fs::write(
            run_dir.join("manifest.jsonl"),
            "{\"x\":\"a\\/b\"}\r\n\n{\"y\":1}\n",
        )
        .unwrap();
        let other = dir.join("runs").join("43");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("run.json"), r#"{"id":"43"}"#).unwrap();

        let seeds = load_fixtures(&dir).unwrap();
        assert_eq!(seeds.len(), 2);
        assert_eq!(seeds[0].tasks.as_ref().unwrap().len(), 1);
        // Lines are kept verbatim (escapes included), blank ones dropped.
        assert_eq!(
            seeds[0].manifest.as_deref().unwrap(),
            ["{\"x\":\"a\\/b\"}", "{\"y\":1}"]
        );
        assert!(seeds[1].tasks.is_none() && seeds[1].manifest.is_none());

        std::fs::write(other.join("run.json"), r#"{"id":"44"}"#).unwrap();
        assert!(load_fixtures(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
