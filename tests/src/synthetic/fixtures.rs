//! What a generated run becomes: the emulator's seed body, or a fixture directory on disk.

use std::io;
use std::path::Path;

use serde_json::{Value, json};

use super::SyntheticRun;

/// The emulator's `POST /_emulator/runs` body: `{"run": .., "tasks": [..], "manifest": [..]}`.
pub fn to_seed_body(run: &SyntheticRun) -> Value {
    json!({
        "run": run.run,
        "tasks": run.tasks,
        "manifest": run.manifest,
    })
}

/// Writes `run.json`, `tasks.json` and, when there is a manifest, `manifest.jsonl` into `dir` (created if
/// missing). A stale `manifest.jsonl` is removed when the run has none.
pub fn write_fixture_dir(run: &SyntheticRun, dir: impl AsRef<Path>) -> io::Result<()> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir)?;
    let mut run_json = serde_json::to_string_pretty(&run.run)?;
    run_json.push('\n');
    std::fs::write(dir.join("run.json"), run_json)?;
    let mut tasks_json = serde_json::to_string_pretty(&run.tasks)?;
    tasks_json.push('\n');
    std::fs::write(dir.join("tasks.json"), tasks_json)?;
    let manifest_path = dir.join("manifest.jsonl");
    if run.manifest.is_empty() {
        match std::fs::remove_file(&manifest_path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    } else {
        let mut text = String::with_capacity(run.manifest.iter().map(|l| l.len() + 1).sum());
        for line in &run.manifest {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(manifest_path, text)?;
    }
    Ok(())
}
