//! The EventBridge events HealthOmics would send while a synthetic run runs, in the real shapes (see
//! `../shared/reference/real-world/events/`): the run's `Run Status Change`s (PENDING, STARTING, RUNNING, then
//! STOPPING and its final status when it ended) and every task's `Task Status Change`s (PENDING, STARTING,
//! RUNNING, then its status): the task only by its ARN, times in whole seconds, counts of nothing as strings.
//! Events come in time order (at the same second, in the order of a task's life); a cached task goes from PENDING
//! to COMPLETED when the run starts.

use serde_json::{Value, json};

use super::{ACCOUNT_ID, REGION, SyntheticRun};

/// Every event of `run`, in time order.
pub fn event_stream(run: &SyntheticRun) -> Vec<Value> {
    let body = &run.run;
    let text = |v: &Value, name: &str| v[name].as_str().map(str::to_owned);
    let run_arn = text(body, "arn").expect("a run arn");
    let created = text(body, "creationTime").expect("a creation time");
    let started = text(body, "startTime").unwrap_or_else(|| created.clone());
    let stopped = text(body, "stopTime");
    let status = text(body, "status").unwrap_or_else(|| "RUNNING".into());
    let mut events: Vec<(String, u8, Value)> = Vec::new();
    let mut run_event = |at: &str, step: u8, status: &str| {
        events.push((second(at), step, run_status_change(body, at, status)));
    };
    run_event(&created, 0, "PENDING");
    run_event(&created, 1, "STARTING");
    run_event(&started, 2, "RUNNING");
    if let Some(stopped) = &stopped {
        run_event(stopped, 3, "STOPPING");
        run_event(stopped, 4, &status);
    } else if status != "RUNNING" {
        run_event(&started, 3, &status);
    }
    for task in &run.tasks {
        let id = text(task, "taskId").expect("a task id");
        let task_status = text(task, "status").unwrap_or_else(|| "PENDING".into());
        let arn = format!("arn:aws:omics:{REGION}:{ACCOUNT_ID}:task/{id}");
        let mut task_event = |at: &str, step: u8, status: &str| {
            let event = task_status_change(body, &run_arn, &arn, at, status);
            events.push((second(at), step, event));
        };
        let Some(task_created) = text(task, "creationTime") else {
            // Cached: served when the run starts.
            task_event(&started, 0, "PENDING");
            task_event(&started, 4, &task_status);
            continue;
        };
        task_event(&task_created, 0, "PENDING");
        if task_status == "PENDING" {
            continue;
        }
        task_event(&task_created, 1, "STARTING");
        let task_started = text(task, "startTime");
        if let Some(at) = &task_started {
            task_event(at, 2, "RUNNING");
        }
        if task_status != "RUNNING" && task_status != "STARTING" {
            let at = text(task, "stopTime")
                .or(task_started)
                .unwrap_or(task_created);
            task_event(&at, 4, &task_status);
        }
    }
    // Stable: a task's events at one second keep their order.
    events.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    events.into_iter().map(|(_, _, event)| event).collect()
}

/// An ISO instant cut to whole seconds, as EventBridge's `time`.
fn second(iso: &str) -> String {
    format!("{}Z", &iso[..19.min(iso.len())])
}

fn envelope(detail_type: &str, at: &str, resource: &str, detail: Value) -> Value {
    json!({
        "version": "0",
        "id": super::uuid_v4(&mut fastrand::Rng::with_seed(fnv(&format!("{resource}{at}{detail}")))),
        "detail-type": detail_type,
        "source": "aws.omics",
        "account": ACCOUNT_ID,
        "time": second(at),
        "region": REGION,
        "resources": [resource],
        "detail": detail,
    })
}

fn run_status_change(run: &Value, at: &str, status: &str) -> Value {
    let arn = run["arn"].as_str().unwrap_or_default();
    let detail = json!({
        "omicsVersion": "1.0.0",
        "arn": arn,
        "status": status,
        "uuid": run["uuid"],
        "runId": run["id"],
        "runName": run["name"],
        "workflowId": run["workflowId"],
    });
    envelope("Run Status Change", at, arn, detail)
}

fn task_status_change(run: &Value, run_arn: &str, arn: &str, at: &str, status: &str) -> Value {
    let detail = json!({
        "omicsVersion": "1.0.0",
        "arn": arn,
        "status": status,
        "runArn": run_arn,
        "runUuid": run["uuid"],
        "runId": run["id"],
        "runName": run["name"],
        "workflowId": run["workflowId"],
    });
    envelope("Task Status Change", at, arn, detail)
}

/// FNV-1a: a stable seed for an event's id from its content.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
