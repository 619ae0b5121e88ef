//! A live run's progress (`GET /runs/{runId}/progress`): where it is, what runs, when it should end, what lags.

use serde_json::Value;

use super::{
    MISSING, align_right, array, counts, duration, notes, number, pairs, sections, table, text,
    time,
};

/// How many running tasks the table lists; the JSON has them all.
const RUNNING_SHOWN: usize = 20;

/// `progress`: status and counts, the ETA (or why there is none), running tasks and stragglers.
pub fn progress(progress: &Value) -> String {
    let eta = match progress.get("eta").filter(|eta| eta.is_object()) {
        Some(eta) => format!(
            "{} (expected total {}; {})",
            time(eta, "expectedFinishAt"),
            duration(number(eta, "expectedTotalSeconds")),
            text(eta, "basis")
        ),
        None => match progress.get("etaUnavailable").and_then(Value::as_str) {
            Some(reason) => format!("unavailable: {reason}"),
            None => MISSING.to_owned(),
        },
    };
    let is_final = progress.get("final").and_then(Value::as_bool) == Some(true);
    let head = pairs(vec![
        ("Run", text(progress, "runId")),
        ("UUID", text(progress, "uuid")),
        ("Workflow", text(progress, "workflowId")),
        (
            "Status",
            format!(
                "{}{}",
                text(progress, "status"),
                if is_final { " (final)" } else { "" }
            ),
        ),
        ("Tasks seen", text(progress, "tasksSeen")),
        ("By status", counts(progress.get("byStatus"))),
        ("Started", time(progress, "startedAt")),
        ("Last event", time(progress, "lastEventAt")),
        ("Elapsed", duration(number(progress, "elapsedSeconds"))),
        ("ETA", eta),
        ("Report", text(progress, "report")),
    ])
    .to_string();
    let mut parts = vec![head];

    let running = array(progress, "running");
    if !running.is_empty() {
        let mut out = table(&["RUNNING TASK", "NAME", "SINCE"]);
        for task in running.iter().take(RUNNING_SHOWN) {
            out.add_row(vec![
                text(task, "taskId"),
                text(task, "name"),
                time(task, "since"),
            ]);
        }
        let more = running.len().saturating_sub(RUNNING_SHOWN);
        let footer = if more > 0 {
            format!("\n{more} more running")
        } else {
            String::new()
        };
        parts.push(format!("{out}{footer}"));
    }
    let stragglers = array(progress, "stragglers");
    if !stragglers.is_empty() {
        let mut out = table(&["STRAGGLER", "NAME", "RUNNING", "P95 OF ITS GROUP"]);
        for task in stragglers {
            out.add_row(vec![
                text(task, "taskId"),
                text(task, "name"),
                duration(number(task, "runningSeconds")),
                duration(number(task, "p95Seconds")),
            ]);
        }
        align_right(&mut out, &[2, 3]);
        parts.push(out.to_string());
    }
    parts.extend(notes("Notes", array(progress, "notes").iter()));
    sections(parts)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::render::line;

    #[test]
    fn a_live_run_shows_eta_running_tasks_and_stragglers() {
        let body = json!({
            "runId": "1000005", "uuid": "u-1", "status": "RUNNING", "tasksSeen": 12,
            "byStatus": {"COMPLETED": 9, "RUNNING": 3},
            "running": [{"taskId": "71", "name": "BwaMem-0-3", "since": "2024-11-04T15:00:00.000Z"}],
            "startedAt": "2024-11-04T14:00:00.000Z", "lastEventAt": "2024-11-04T15:05:00.000Z",
            "elapsedSeconds": 3900.0,
            "eta": {"expectedTotalSeconds": 7200.0, "expectedFinishAt": "2024-11-04T16:00:00.000Z", "basis": "median of 5 runs"},
            "stragglers": [{"taskId": "71", "name": "BwaMem-0-3", "runningSeconds": 3000.0, "p95Seconds": 1200.0}],
            "final": false, "report": null, "workflowId": "5123907",
            "notes": ["names of 2 running task(s) could not be read"]
        });
        let rendered = progress(&body);
        assert!(line(&rendered, "Elapsed").contains("1h 5m"));
        assert!(
            line(&rendered, "ETA")
                .contains("2024-11-04 16:00:00Z (expected total 2h; median of 5 runs)")
        );
        assert!(line(&rendered, "By status").contains("COMPLETED 9, RUNNING 3"));
        assert!(line(&rendered, "BwaMem-0-3").contains("2024-11-04 15:00:00Z"));
        let straggler = rendered
            .lines()
            .filter(|l| l.contains("BwaMem-0-3"))
            .nth(1)
            .unwrap();
        assert!(
            straggler.contains("50m") && straggler.contains("20m"),
            "{straggler}"
        );
        assert!(!rendered.contains("Report"));
        assert!(line(&rendered, "Workflow").contains("5123907"));
        assert!(line(&rendered, "!").contains("names of 2 running task(s) could not be read"));
    }

    #[test]
    fn a_final_run_without_eta_says_why() {
        let body = json!({"runId": "1", "status": "COMPLETED", "tasksSeen": 2, "byStatus": {"COMPLETED": 2},
            "running": [], "stragglers": [], "eta": null, "etaUnavailable": "no completed runs of the workflow",
            "final": true, "report": "/runs/1/report"});
        let rendered = progress(&body);
        assert!(line(&rendered, "Status").contains("COMPLETED (final)"));
        assert!(line(&rendered, "ETA").contains("unavailable: no completed runs of the workflow"));
        assert!(line(&rendered, "Report").contains("/runs/1/report"));
        assert!(!rendered.contains("RUNNING TASK"));
    }
}
