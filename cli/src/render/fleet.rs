//! The fleet: sums by group, the stored runs, a batch's rollup and a workflow's learned profile.

use comfy_table::Table;
use serde_json::Value;

use super::{
    MISSING, align_right, array, counts, duration, gib, hours, number, sections, table, text, time,
    usd,
};

/// `fleet summary`: one row per group and a total row.
pub fn fleet_summary(summary: &Value) -> String {
    let by = text(summary, "groupBy").to_uppercase();
    let mut out = table(&[
        by.as_str(),
        "RUNS",
        "BY STATUS",
        "COMPUTE",
        "STORAGE",
        "TOTAL",
        "SAVINGS",
        "TASK HOURS",
        "FAILED TASKS",
    ]);
    let row = |key: String, group: &Value| {
        vec![
            key,
            text(group, "runs"),
            counts(group.get("byStatus")),
            usd(number(group, "computeUsd")),
            usd(number(group, "storageUsd")),
            usd(number(group, "totalUsd")),
            usd(number(group, "savingsUsd")),
            hours(number(group, "taskHours")),
            text(group, "failedTasks"),
        ]
    };
    for group in array(summary, "groups") {
        out.add_row(row(text(group, "key"), group));
    }
    if let Some(totals) = summary.get("totals") {
        out.add_row(row("(all)".to_owned(), totals));
    }
    align_right(&mut out, &[1, 3, 4, 5, 6, 7, 8]);
    let window = format!(
        "Stored runs that stopped from {} to {}",
        time(summary, "from"),
        time(summary, "to")
    );
    let incomplete = summary
        .get("totals")
        .and_then(|totals| number(totals, "runsWithIncompleteCost"))
        .filter(|count| *count > 0.0)
        .map(|count| format!("{count} run(s) have an incomplete cost: totals sum their known part"))
        .unwrap_or_default();
    sections(vec![window, out.to_string(), incomplete])
}

/// `fleet reports`: one row per stored run.
pub fn reports_list(items: &[Value]) -> String {
    let mut out = table(&[
        "RUN ID",
        "NAME",
        "STATUS",
        "WORKFLOW",
        "STOPPED",
        "TASKS",
        "FAILED",
        "COST",
        "SAVINGS",
        "TASK HOURS",
    ]);
    for item in items {
        let cost = match number(item, "totalUsd") {
            Some(total) => usd(Some(total)),
            None => format!("{}+", usd(number(item, "knownUsd"))),
        };
        out.add_row(vec![
            text(item, "runId"),
            text(item, "name"),
            text(item, "status"),
            text(item, "workflowId"),
            time(item, "stopTime"),
            text(item, "taskCount"),
            text(item, "failedTasks"),
            cost,
            usd(number(item, "savingsUsd")),
            hours(number(item, "taskHours")),
        ]);
    }
    align_right(&mut out, &[5, 6, 7, 8, 9]);
    out.to_string()
}

/// `batch`: the batch's totals, failures by class, and its slowest and most expensive runs.
pub fn batch(rollup: &Value) -> String {
    let totals = rollup.get("totals").unwrap_or(&Value::Null);
    // HealthOmics' own view of the batch (its last status event), when the tracker saw one.
    let status = rollup.get("batchStatus").filter(|s| s.is_object());
    let live = |key: &str| status.map_or(MISSING.to_owned(), |s| text(s, key));
    let batch_status = status.map_or(MISSING.to_owned(), |s| {
        let counts = s.get("counts").unwrap_or(&Value::Null);
        format!(
            "{}{} at {} ({} of {} run(s) completed, {} failed, {} cancelled)",
            text(s, "status"),
            if s.get("finished").and_then(Value::as_bool) == Some(true) {
                ", finished"
            } else {
                ""
            },
            time(s, "at"),
            text(counts, "completedRunCount"),
            text(counts, "totalRuns"),
            text(counts, "failedRunCount"),
            text(counts, "cancelledRunCount"),
        )
    });
    let head = super::pairs(vec![
        ("Batch", text(rollup, "batchId")),
        ("Name", live("batchName")),
        ("Batch status", batch_status),
        ("Failure", live("failureMessage")),
        ("Runs", text(totals, "runs")),
        ("By status", counts(totals.get("byStatus"))),
        ("Compute", usd(number(totals, "computeUsd"))),
        ("Storage", usd(number(totals, "storageUsd"))),
        ("Total", usd(number(totals, "totalUsd"))),
        ("Savings", usd(number(totals, "savingsUsd"))),
        ("Task hours", hours(number(totals, "taskHours"))),
        ("Failed tasks", text(totals, "failedTasks")),
    ])
    .to_string();
    let mut parts = vec![head];
    let failures = array(rollup, "failures");
    if !failures.is_empty() {
        let mut out = table(&["FAILURE CLASS", "FAILED TASKS", "RUNS"]);
        for failure in failures {
            out.add_row(vec![
                text(failure, "class"),
                text(failure, "failedTasks"),
                array(failure, "runIds")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            ]);
        }
        align_right(&mut out, &[1]);
        parts.push(format!("Failures\n{out}"));
    }
    for (title, key) in [
        ("Slowest runs", "slowest"),
        ("Most expensive runs", "mostExpensive"),
    ] {
        let runs = array(rollup, key);
        if !runs.is_empty() {
            parts.push(format!("{title}\n{}", batch_runs(runs)));
        }
    }
    sections(parts)
}

fn batch_runs(runs: &[Value]) -> Table {
    let mut out = table(&["RUN ID", "NAME", "STATUS", "WALL TIME", "COST"]);
    for run in runs {
        out.add_row(vec![
            text(run, "runId"),
            text(run, "name"),
            text(run, "status"),
            duration(number(run, "wallTimeSeconds")),
            usd(number(run, "knownUsd")),
        ]);
    }
    align_right(&mut out, &[3, 4]);
    out
}

/// `profile`: per task group the spread of peaks and running time and the instance to use.
pub fn profile(profile: &Value) -> String {
    let runs = array(profile, "runs").len();
    let head = format!(
        "Workflow {} {}: learned from {runs} completed run(s), confidence {}, headroom {}; saves {} per run; median \
         wall time {}",
        text(profile, "workflowId"),
        profile
            .get("workflowName")
            .and_then(Value::as_str)
            .map_or(String::new(), |name| format!("({name})")),
        text(profile, "confidence"),
        super::percent(number(profile, "headroom")),
        usd(number(profile, "savingsUsdPerRun")),
        duration(number(profile, "medianWallSeconds")),
    );
    let mut out = table(&[
        "TASK GROUP",
        "TASKS",
        "PEAK CPU p50/p95/max",
        "PEAK MEM p95/max",
        "RUNNING p50/p95",
        "NOW",
        "USE",
        "ADVICE",
        "SAVES/RUN",
    ]);
    for group in array(profile, "groups") {
        let spread = |key: &str, fields: &[&str], show: &dyn Fn(Option<f64>) -> String| match group
            .get(key)
            .filter(|v| v.is_object())
        {
            Some(spread) => fields
                .iter()
                .map(|field| show(number(spread, field)))
                .collect::<Vec<_>>()
                .join(" / "),
            None => MISSING.to_owned(),
        };
        let cpus = |value: Option<f64>| value.map_or(MISSING.to_owned(), |c| format!("{c:.1}"));
        out.add_row(vec![
            text(group, "baseName"),
            text(group, "tasksSeen"),
            spread("peakCpus", &["p50", "p95", "max"], &cpus),
            spread("peakMemoryGiB", &["p95", "max"], &gib),
            spread("runningSeconds", &["p50", "p95"], &duration),
            array(group, "instanceTypes")
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            text(group, "recommendedInstanceType"),
            text(group, "action"),
            usd(number(group, "savingsUsdPerRun")),
        ]);
    }
    align_right(&mut out, &[1, 8]);
    sections(vec![head, out.to_string(), text(profile, "basis")])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::render::line;

    #[test]
    fn summaries_have_a_row_per_group_and_a_total() {
        let summary = json!({
            "from": "2024-01-01T00:00:00.000Z", "to": "2025-01-01T00:00:00.000Z", "groupBy": "workflow",
            "totals": {"runs": 3, "byStatus": {"COMPLETED": 2, "FAILED": 1}, "computeUsd": 3.1, "storageUsd": 1.0,
                       "totalUsd": 4.1, "savingsUsd": 0.25, "taskHours": 10.0, "failedTasks": 1, "runsWithIncompleteCost": 1},
            "groups": [{"key": "5123907", "runs": 2, "byStatus": {"COMPLETED": 1, "FAILED": 1}, "computeUsd": 2.0,
                        "storageUsd": 0.5, "totalUsd": 2.5, "savingsUsd": 0.25, "taskHours": 6.0, "failedTasks": 1}],
            "basis": "sums"
        });
        let rendered = fleet_summary(&summary);
        assert!(line(&rendered, "WORKFLOW").contains("RUNS"));
        let group = line(&rendered, "5123907");
        assert!(
            group.contains("$2.50")
                && group.contains("6.0 h")
                && group.contains("COMPLETED 1, FAILED 1"),
            "{group}"
        );
        assert!(line(&rendered, "(all)").contains("$4.10"));
        assert!(line(&rendered, "incomplete cost").starts_with("1 run(s)"));
        assert!(rendered.starts_with("Stored runs that stopped from 2024-01-01 00:00:00Z"));
    }

    #[test]
    fn report_rows_mark_incomplete_costs() {
        let items = vec![
            json!({"runId": "1000001", "status": "COMPLETED", "taskCount": 12, "failedTasks": 0, "knownUsd": 2.0,
                   "totalUsd": null, "savingsUsd": 0.0, "taskHours": 3.0, "stopTime": "2024-11-04T17:40:05.000Z"}),
            json!({"runId": "1000002", "status": "FAILED", "taskCount": 10, "failedTasks": 1, "knownUsd": 1.725379,
                   "totalUsd": 1.725379, "savingsUsd": 0.1, "taskHours": 2.0}),
        ];
        let rendered = reports_list(&items);
        assert!(line(&rendered, "1000001").contains("$2.00+"));
        assert!(line(&rendered, "1000002").contains("$1.73"));
    }

    #[test]
    fn batches_and_profiles() {
        let rollup = json!({"batchId": "42", "totals": {"runs": 2, "byStatus": {"FAILED": 2}, "totalUsd": 3.0},
            "failures": [{"class": "outOfMemory", "failedTasks": 2, "runIds": ["1", "2"]}],
            "slowest": [{"runId": "1", "status": "FAILED", "wallTimeSeconds": 7200.0, "knownUsd": 2.0}],
            "mostExpensive": []});
        let rendered = batch(&rollup);
        assert!(
            !rendered.contains("Batch status"),
            "no status event seen: {rendered}"
        );
        assert!(line(&rendered, "outOfMemory").contains("1, 2"));
        assert!(line(&rendered, "│ 1 ").contains("2h"));
        assert!(!rendered.contains("Most expensive"));
        let mut with_status = rollup.clone();
        with_status["batchStatus"] = json!({"batchId": "42", "status": "PROCESSED", "finished": true,
            "at": "2024-11-05T10:00:00.000Z", "batchName": "cohort-7",
            "counts": {"totalRuns": 2, "completedRunCount": 0, "failedRunCount": 2, "cancelledRunCount": 0}});
        let rendered = batch(&with_status);
        assert!(line(&rendered, "Name").contains("cohort-7"));
        assert!(
            line(&rendered, "Batch status")
                .contains("PROCESSED, finished at 2024-11-05 10:00:00Z (0 of 2 run(s) completed, 2 failed, 0 cancelled)"),
            "{rendered}"
        );
        let learned = json!({"workflowId": "5123907", "workflowName": "germline", "headroom": 0.1, "runs": ["1", "2"],
            "confidence": "low", "basis": "2 runs", "savingsUsdPerRun": 0.5, "medianWallSeconds": 3600.0,
            "groups": [{"baseName": "BwaMem", "tasksSeen": 4, "peakCpus": {"p50": 10.0, "p95": 12.0, "max": 12.08},
                        "peakMemoryGiB": {"p50": 14.0, "p95": 16.0, "max": 16.6629},
                        "runningSeconds": {"p50": 1800.0, "p95": 2000.0, "max": 2100.0},
                        "instanceTypes": ["omics.c.4xlarge"], "recommendedInstanceType": "omics.c.4xlarge",
                        "action": "keep", "savingsUsdPerRun": 0.0}]});
        let rendered = profile(&learned);
        assert!(rendered.starts_with(
            "Workflow 5123907 (germline): learned from 2 completed run(s), confidence low"
        ));
        let group = line(&rendered, "BwaMem");
        assert!(
            group.contains("10.0 / 12.0 / 12.1")
                && group.contains("16.0 GiB / 16.7 GiB")
                && group.contains("30m / 33m 20s"),
            "{group}"
        );
    }
}
