//! Runs and tasks as HealthOmics lists them.

use serde_json::Value;

use super::{
    MISSING, align_right, duration, gib, number, pairs, seconds_between, table, text, time,
};

/// `runs list`: one row per run.
pub fn runs_list(items: &[Value]) -> String {
    let mut out = table(&[
        "RUN ID", "NAME", "STATUS", "WORKFLOW", "CREATED", "STARTED", "DURATION",
    ]);
    for run in items {
        out.add_row(vec![
            text(run, "id"),
            text(run, "name"),
            text(run, "status"),
            workflow(run),
            time(run, "creationTime"),
            time(run, "startTime"),
            duration(seconds_between(run, "startTime", "stopTime")),
        ]);
    }
    align_right(&mut out, &[6]);
    out.to_string()
}

/// `runs get`: the run's members that people look at, as name / value rows.
pub fn run(run: &Value) -> String {
    let storage = match (run.get("storageType"), number(run, "storageCapacity")) {
        (Some(kind), Some(capacity)) => format!(
            "{} {}",
            kind.as_str().unwrap_or(MISSING),
            gib(Some(capacity))
        ),
        (Some(kind), None) => kind.as_str().unwrap_or(MISSING).to_owned(),
        _ => MISSING.to_owned(),
    };
    pairs(vec![
        ("Run", text(run, "id")),
        ("Name", text(run, "name")),
        ("Status", text(run, "status")),
        ("Status message", text(run, "statusMessage")),
        ("Failure reason", text(run, "failureReason")),
        ("Workflow", workflow(run)),
        ("Workflow type", text(run, "workflowType")),
        ("Engine version", text(run, "engineVersion")),
        ("UUID", text(run, "uuid")),
        ("Run group", text(run, "runGroupId")),
        ("Batch", text(run, "batchId")),
        ("Started by", text(run, "startedBy")),
        ("Created", time(run, "creationTime")),
        ("Started", time(run, "startTime")),
        ("Stopped", time(run, "stopTime")),
        (
            "Duration",
            duration(seconds_between(run, "startTime", "stopTime")),
        ),
        ("Storage", storage),
        ("Output", text(run, "runOutputUri")),
        ("Cache", text(run, "cacheId")),
    ])
    .to_string()
}

/// `tasks list`: one row per task.
pub fn tasks_list(items: &[Value]) -> String {
    let mut out = table(&[
        "TASK ID", "NAME", "STATUS", "CPUS", "MEMORY", "GPUS", "INSTANCE", "CACHED", "STARTED",
        "RUNNING",
    ]);
    for task in items {
        out.add_row(vec![
            text(task, "taskId"),
            text(task, "name"),
            text(task, "status"),
            text(task, "cpus"),
            gib(number(task, "memory")),
            text(task, "gpus"),
            text(task, "instanceType"),
            cached(task),
            time(task, "startTime"),
            duration(seconds_between(task, "startTime", "stopTime")),
        ]);
    }
    align_right(&mut out, &[3, 4, 5, 9]);
    out.to_string()
}

/// `tasks get`: one task, as name / value rows.
pub fn task(task: &Value) -> String {
    let image = task
        .get("imageDetails")
        .map_or(MISSING.to_owned(), |details| {
            let image = text(details, "image");
            match details.get("imageDigest").and_then(Value::as_str) {
                Some(digest) => format!("{image} ({digest})"),
                None => image,
            }
        });
    pairs(vec![
        ("Task", text(task, "taskId")),
        ("Name", text(task, "name")),
        ("Status", text(task, "status")),
        ("Status message", text(task, "statusMessage")),
        ("Failure reason", text(task, "failureReason")),
        ("CPUs", text(task, "cpus")),
        ("Memory", gib(number(task, "memory"))),
        ("GPUs", text(task, "gpus")),
        ("Instance type", text(task, "instanceType")),
        ("Cached", cached(task)),
        ("Created", time(task, "creationTime")),
        ("Started", time(task, "startTime")),
        ("Stopped", time(task, "stopTime")),
        (
            "Running",
            duration(seconds_between(task, "startTime", "stopTime")),
        ),
        ("Image", image),
        ("Log stream", text(task, "logStream")),
    ])
    .to_string()
}

fn workflow(run: &Value) -> String {
    let id = text(run, "workflowId");
    match run.get("workflowVersionName").and_then(Value::as_str) {
        Some(version) => format!("{id} ({version})"),
        None => id,
    }
}

fn cached(task: &Value) -> String {
    match task.get("cacheHit").and_then(Value::as_bool) {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => MISSING.to_owned(),
    }
}

/// `manifest`: one row per task record, with the manifest's reserved and peak resources.
pub fn manifest_tasks(items: &[Value]) -> String {
    let mut out = table(&[
        "TASK ID",
        "NAME",
        "STATUS",
        "INSTANCE",
        "CPUS",
        "PEAK CPUS",
        "MEMORY",
        "PEAK MEMORY",
        "RUNNING",
    ]);
    let none = Value::Null;
    for task in items {
        let metrics = task.get("metrics").unwrap_or(&none);
        out.add_row(vec![
            text(task, "taskId"),
            text(task, "name"),
            text(task, "status"),
            text(task, "instanceType"),
            text(metrics, "cpusReserved"),
            text(metrics, "cpusMaximum"),
            gib(number(metrics, "memoryReservedGiB")),
            gib(number(metrics, "memoryMaximumGiB")),
            duration(number(metrics, "runningSeconds")),
        ]);
    }
    align_right(&mut out, &[4, 5, 6, 7, 8]);
    out.to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row_of<'a>(rendered: &'a str, needle: &str) -> &'a str {
        rendered
            .lines()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle} in\n{rendered}"))
    }

    #[test]
    fn run_rows_humanise_durations() {
        let items = vec![
            json!({"id": "1000001", "name": "germline", "status": "COMPLETED", "workflowId": "5123907",
                   "creationTime": "2024-11-04T14:00:00.000Z", "startTime": "2024-11-04T14:10:00.000Z",
                   "stopTime": "2024-11-04T17:40:05.000Z"}),
            json!({"id": "1000005", "status": "RUNNING"}),
        ];
        let rendered = runs_list(&items);
        let first = row_of(&rendered, "1000001");
        for cell in [
            "germline",
            "COMPLETED",
            "5123907",
            "2024-11-04 14:10:00Z",
            "3h 30m 5s",
        ] {
            assert!(first.contains(cell), "{cell} missing in {first}");
        }
        let running = row_of(&rendered, "1000005");
        assert!(
            running.contains("RUNNING") && running.contains(" - "),
            "{running}"
        );
        assert!(
            rendered.lines().next().unwrap().starts_with('┌'),
            "{rendered}"
        );
    }

    #[test]
    fn task_rows_show_memory_and_cache() {
        let items = vec![
            json!({"taskId": "6200007", "name": "GetBwaVersion-0-1", "status": "COMPLETED",
            "cpus": 1, "memory": 2, "gpus": 0, "instanceType": "omics.c.large", "cacheHit": true,
            "startTime": "2024-11-04T14:13:31.000Z", "stopTime": "2024-11-04T14:13:55.000Z"}),
        ];
        let rendered = tasks_list(&items);
        let row = row_of(&rendered, "6200007");
        for cell in [
            "GetBwaVersion-0-1",
            "2.0 GiB",
            "omics.c.large",
            "yes",
            "24s",
        ] {
            assert!(row.contains(cell), "{cell} missing in {row}");
        }
    }

    #[test]
    fn one_run_and_one_task_skip_absent_members() {
        let rendered = run(
            &json!({"id": "1", "status": "FAILED", "failureReason": "WORKFLOW_RUN_FAILED",
            "storageType": "STATIC", "storageCapacity": 1200, "workflowId": "9", "workflowVersionName": "v2"}),
        );
        assert!(row_of(&rendered, "Failure reason").contains("WORKFLOW_RUN_FAILED"));
        assert!(
            row_of(&rendered, "Storage").contains("STATIC 1.2 TiB"),
            "{rendered}"
        );
        assert!(row_of(&rendered, "Workflow").contains("9 (v2)"));
        assert!(!rendered.contains("Batch"), "{rendered}");
        let rendered = task(
            &json!({"taskId": "7", "imageDetails": {"image": "bwa:0.7", "imageDigest": "sha256:ab"}}),
        );
        assert!(row_of(&rendered, "Image").contains("bwa:0.7 (sha256:ab)"));
    }
}
