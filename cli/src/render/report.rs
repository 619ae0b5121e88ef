//! A run's enriched report (cost, right-sizing, diagnosis) and the comparison of two runs.

use serde_json::Value;

use super::{
    MISSING, align_right, array, counts, duration, duration_delta, gib, hours, notes, number,
    pairs, percent, sections, table, text, time, usd, usd_delta,
};

/// How many right-sizing groups and compared tasks a table shows; `--output json` has them all.
const TOP: usize = 15;

/// `report`: the run header, its cost by instance type, the right-sizing groups and the diagnosis.
pub fn report(record: &Value) -> String {
    let run = record.get("run").unwrap_or(&Value::Null);
    let summary = record.get("summary").unwrap_or(&Value::Null);
    let cost = record.get("cost").unwrap_or(&Value::Null);
    let workflow = match run.get("workflowVersionName").and_then(Value::as_str) {
        Some(version) => format!("{} ({version})", text(run, "workflowId")),
        None => text(run, "workflowId"),
    };
    let total = match number(cost, "totalUsd") {
        Some(total) => usd(Some(total)),
        None if cost.is_object() => format!("{} known (incomplete)", usd(number(cost, "knownUsd"))),
        None => MISSING.to_owned(),
    };
    let head = pairs(vec![
        ("Run", text(record, "runId")),
        ("Name", text(run, "name")),
        ("Status", text(record, "status")),
        ("Workflow", workflow),
        ("Engine", text(run, "engine")),
        ("Started by", text(run, "startedBy")),
        ("Started", time(run, "startTime")),
        ("Duration", duration(number(summary, "wallTimeSeconds"))),
        (
            "Tasks",
            format!(
                "{} ({})",
                text(summary, "taskCount"),
                counts(summary.get("countsByStatus"))
            ),
        ),
        ("Cache hits", text(summary, "cacheHits")),
        ("Task hours", hours(number(summary, "taskHours"))),
        ("CPU used", percent(number(summary, "cpuUtilization"))),
        ("Memory used", percent(number(summary, "memoryUtilization"))),
        (
            "Compute",
            usd(cost.get("compute").and_then(|c| number(c, "usd"))),
        ),
        (
            "Storage",
            usd(cost.get("storage").and_then(|s| number(s, "usd"))),
        ),
        ("Total cost", total),
    ])
    .to_string();

    let mut parts = vec![head];
    let by_type = cost
        .get("compute")
        .map(|compute| array(compute, "byInstanceType"))
        .unwrap_or_default();
    if !by_type.is_empty() {
        let mut out = table(&["INSTANCE TYPE", "TASKS", "BILLED", "PER HOUR", "COST"]);
        for row in by_type {
            out.add_row(vec![
                text(row, "instanceType"),
                text(row, "tasks"),
                hours(number(row, "billedHours")),
                usd(number(row, "usdPerHour")),
                usd(number(row, "usd")),
            ]);
        }
        align_right(&mut out, &[1, 2, 3, 4]);
        parts.push(format!("Compute by instance type\n{out}"));
    }
    if let Some(rightsizing) = record.get("rightsizing") {
        parts.push(rightsizing_table(rightsizing));
    }
    if let Some(diagnosis) = record.get("diagnosis").filter(|d| d.is_object()) {
        parts.push(diagnosis_text(diagnosis));
    }
    let warnings = array(cost, "warnings")
        .iter()
        .chain(array(record, "warnings"));
    parts.extend(notes("Warnings", warnings));
    sections(parts)
}

fn rightsizing_table(rightsizing: &Value) -> String {
    let groups = array(rightsizing, "groups");
    if groups.is_empty() {
        return String::new();
    }
    let mut out = table(&[
        "TASK GROUP",
        "TASKS",
        "NOW",
        "PEAK CPU",
        "PEAK MEM",
        "ADVICE",
        "USE",
        "SAVES",
    ]);
    for group in groups.iter().take(TOP) {
        out.add_row(vec![
            text(group, "baseName"),
            text(group, "tasks"),
            array(group, "instanceTypes")
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            number(group, "maxCpus").map_or(MISSING.to_owned(), |c| format!("{c:.1}")),
            gib(number(group, "maxMemoryGiB")),
            text(group, "action"),
            text(group, "recommendedInstanceType"),
            usd(number(group, "savingsUsd")),
        ]);
    }
    align_right(&mut out, &[1, 3, 4, 7]);
    let more = groups.len().saturating_sub(TOP);
    let title = format!(
        "Right-sizing (headroom {}, saves {})",
        percent(number(rightsizing, "headroom")),
        match number(rightsizing, "totalSavingsUsd") {
            Some(total) => usd(Some(total)),
            None => format!("{} known", usd(number(rightsizing, "knownSavingsUsd"))),
        }
    );
    let footer = if more > 0 {
        format!("\n{more} more group(s): --output json shows them all")
    } else {
        String::new()
    };
    format!("{title}\n{out}{footer}")
}

fn diagnosis_text(diagnosis: &Value) -> String {
    let mut lines = vec![format!("Diagnosis: {}", text(diagnosis, "summary"))];
    for task in array(diagnosis, "tasks") {
        let first = if task.get("first").and_then(Value::as_bool) == Some(true) {
            " (first)"
        } else {
            ""
        };
        lines.push(format!(
            "  {} {}{first}: {}, exit code {}",
            text(task, "taskId"),
            text(task, "name"),
            text(task, "class"),
            text(task, "exitCode")
        ));
        if let Some(evidence) = task.get("evidence").and_then(Value::as_str) {
            lines.push(format!("    evidence: {evidence}"));
        }
        if let Some(next) = task.get("nextStep").and_then(Value::as_str) {
            lines.push(format!("    next: {next}"));
        }
    }
    lines.join("\n")
}

/// `compare`: both runs, the totals with deltas (b − a), changed parameters and the tasks that moved most.
pub fn comparison(compared: &Value) -> String {
    let a = compared.get("a").unwrap_or(&Value::Null);
    let b = compared.get("b").unwrap_or(&Value::Null);
    let totals_a = compared.get("totalsA").unwrap_or(&Value::Null);
    let totals_b = compared.get("totalsB").unwrap_or(&Value::Null);
    let delta = compared.get("delta").unwrap_or(&Value::Null);

    let mut sides = table(&["", "A", "B", "Δ (B − A)"]);
    let side_row = |key: &str| (text(a, key), text(b, key));
    for (label, key) in [
        ("Run", "runId"),
        ("Name", "name"),
        ("Status", "status"),
        ("Workflow", "workflowId"),
        ("Version", "workflowVersionName"),
        ("Engine", "engineVersion"),
    ] {
        let (left, right) = side_row(key);
        sides.add_row(vec![label.to_owned(), left, right, String::new()]);
    }
    sides.add_row(vec![
        "Tasks".to_owned(),
        text(totals_a, "tasks"),
        text(totals_b, "tasks"),
        number(delta, "tasks").map_or(MISSING.to_owned(), |d| format!("{d:+}")),
    ]);
    sides.add_row(vec![
        "Duration".to_owned(),
        duration(number(totals_a, "durationSeconds")),
        duration(number(totals_b, "durationSeconds")),
        duration_delta(number(delta, "durationSeconds")),
    ]);
    sides.add_row(vec![
        "Task hours".to_owned(),
        hours(number(totals_a, "taskHours")),
        hours(number(totals_b, "taskHours")),
        number(delta, "taskHours").map_or(MISSING.to_owned(), |d| format!("{d:+.1} h")),
    ]);
    for (label, key) in [
        ("Compute", "computeUsd"),
        ("Storage", "storageUsd"),
        ("Total", "totalUsd"),
    ] {
        sides.add_row(vec![
            label.to_owned(),
            usd(number(totals_a, key)),
            usd(number(totals_b, key)),
            usd_delta(number(delta, key)),
        ]);
    }
    let mut parts = vec![sides.to_string()];

    if compared.get("workflowChanged").and_then(Value::as_bool) == Some(true) {
        parts.push("The workflow changed between the runs.".to_owned());
    }
    let parameters = compared.get("parameters").unwrap_or(&Value::Null);
    let mut changes = Vec::new();
    if let Some(changed) = parameters.get("changed").and_then(Value::as_object) {
        for (name, change) in changed {
            changes.push(format!(
                "  ~ {name}: {} → {}",
                change.get("a").unwrap_or(&Value::Null),
                change.get("b").unwrap_or(&Value::Null)
            ));
        }
    }
    for (sign, key) in [("+", "added"), ("-", "removed")] {
        if let Some(map) = parameters.get(key).and_then(Value::as_object) {
            for (name, value) in map {
                changes.push(format!("  {sign} {name}: {value}"));
            }
        }
    }
    if !changes.is_empty() {
        parts.push(format!(
            "Parameters ({} unchanged)\n{}",
            text(parameters, "unchanged"),
            changes.join("\n")
        ));
    }

    let tasks = array(compared, "tasks");
    if !tasks.is_empty() {
        let mut out = table(&["TASK", "A RUNNING", "B RUNNING", "Δ RUNNING", "Δ COST"]);
        for task in tasks.iter().take(TOP) {
            let side = |key: &str| task.get(key).filter(|v| v.is_object());
            let running =
                |side: Option<&Value>| duration(side.and_then(|s| number(s, "runningSeconds")));
            let task_delta = task.get("delta").unwrap_or(&Value::Null);
            out.add_row(vec![
                text(task, "name"),
                running(side("a")),
                running(side("b")),
                duration_delta(number(task_delta, "runningSeconds")),
                usd_delta(number(task_delta, "usd")),
            ]);
        }
        align_right(&mut out, &[1, 2, 3, 4]);
        let more = tasks.len().saturating_sub(TOP);
        let footer = if more > 0 {
            format!("\n{more} more task name(s): --output json shows them all")
        } else {
            String::new()
        };
        parts.push(format!("Tasks, largest change first\n{out}{footer}"));
    }
    parts.extend(notes("Warnings", array(compared, "warnings").iter()));
    sections(parts)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::render::line;

    #[test]
    fn a_failed_report_shows_cost_advice_and_the_first_failure() {
        let record = json!({
            "runId": "1000002", "status": "FAILED",
            "run": {"name": "germline-oom", "workflowId": "5123907", "startTime": "2024-11-04T14:12:00.000Z"},
            "summary": {"taskCount": 10, "countsByStatus": {"COMPLETED": 8, "FAILED": 1, "CANCELLED": 1},
                        "wallTimeSeconds": 2748.0, "taskHours": 2.1},
            "cost": {"totalUsd": 1.725379, "knownUsd": 1.725379,
                     "compute": {"usd": 1.54969, "byInstanceType": [
                        {"instanceType": "omics.c.4xlarge", "tasks": 3, "billedHours": 1.63, "usdPerHour": 0.918, "usd": 1.49685}]},
                     "storage": {"usd": 0.175689}, "warnings": []},
            "rightsizing": {"headroom": 0.1, "knownSavingsUsd": 0.2, "groups": [
                {"baseName": "MergeBamAlignment", "tasks": 1, "instanceTypes": ["omics.c.large"], "maxCpus": 2.0,
                 "maxMemoryGiB": 3.9531, "action": "upsize", "recommendedInstanceType": "omics.c.xlarge"}]},
            "diagnosis": {"summary": "1 task(s) failed", "tasks": [
                {"taskId": "6200033", "name": "MergeBamAlignment-1-1", "first": true, "class": "outOfMemory",
                 "exitCode": 137, "evidence": "java.lang.OutOfMemoryError: Java heap space",
                 "nextStep": "raise the task's memory"}]},
            "warnings": []
        });
        let rendered = report(&record);
        assert!(line(&rendered, "Total cost").contains("$1.73"));
        assert!(line(&rendered, "Duration").contains("45m 48s"));
        assert!(line(&rendered, "Tasks").contains("10 (CANCELLED 1, COMPLETED 8, FAILED 1)"));
        assert!(line(&rendered, "omics.c.4xlarge").contains("$0.9180"));
        let advice = line(&rendered, "MergeBamAlignment ");
        assert!(
            advice.contains("upsize")
                && advice.contains("omics.c.xlarge")
                && advice.contains("4.0 GiB"),
            "{advice}"
        );
        assert!(line(&rendered, "6200033").contains("(first): outOfMemory, exit code 137"));
        assert!(line(&rendered, "evidence").contains("OutOfMemoryError"));
    }

    #[test]
    fn an_incomplete_cost_says_so() {
        let record = json!({"runId": "1", "status": "COMPLETED", "run": {}, "summary": {},
            "cost": {"totalUsd": null, "knownUsd": 0.5, "compute": {}, "storage": {},
                     "warnings": ["no price for omics.r.xlarge"]}});
        let rendered = report(&record);
        assert!(line(&rendered, "Total cost").contains("$0.5000 known (incomplete)"));
        assert!(line(&rendered, "!").contains("no price for omics.r.xlarge"));
    }

    #[test]
    fn comparisons_show_deltas_and_parameters() {
        let compared = json!({
            "a": {"runId": "1000001", "status": "COMPLETED", "workflowId": "5123907"},
            "b": {"runId": "1000004", "status": "COMPLETED", "workflowId": "7000001"},
            "workflowChanged": true,
            "parameters": {"added": {"x": 1}, "removed": {}, "changed": {"sample": {"a": "NA12878", "b": "NA24385"}}, "unchanged": 3},
            "tasks": [{"name": "BwaMem", "a": {"runningSeconds": 600.0}, "b": {"runningSeconds": 300.0},
                       "delta": {"runningSeconds": -300.0, "usd": -0.05}},
                      {"name": "OnlyInB", "a": null, "b": {"runningSeconds": 60.0}, "delta": null}],
            "totalsA": {"tasks": 12, "durationSeconds": 3600.0, "taskHours": 4.0, "computeUsd": 1.0, "storageUsd": 0.5, "totalUsd": 1.5},
            "totalsB": {"tasks": 10, "durationSeconds": 1800.0, "taskHours": 2.0, "computeUsd": 0.75, "storageUsd": 0.25, "totalUsd": 1.0},
            "delta": {"tasks": -2, "durationSeconds": -1800.0, "taskHours": -2.0, "computeUsd": -0.25, "totalUsd": -0.5},
            "warnings": []
        });
        let rendered = comparison(&compared);
        assert!(line(&rendered, "Duration").contains("-30m"), "{rendered}");
        assert!(line(&rendered, "Total").contains("-$0.5000"));
        assert!(line(&rendered, "Tasks ").contains("-2"));
        assert!(line(&rendered, "sample").contains("\"NA12878\" → \"NA24385\""));
        assert!(line(&rendered, "+ x").contains('1'));
        assert!(line(&rendered, "BwaMem").contains("-5m"));
        assert!(line(&rendered, "OnlyInB").contains("1m"));
        assert!(rendered.contains("The workflow changed"));
    }
}
