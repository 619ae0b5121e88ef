//! The HTML skeleton and the sections rendered on the server: header, cost, right-sizing, diagnosis, timeline.
//! The task table's rows are drawn by the script from the data block ([`super::tasks`]).
//!
//! Every text from the record goes through [`escape`]; nothing is written into an attribute that could run code
//! (the policy forbids inline handlers and style attributes anyway, so the page uses neither).

use std::io::{self, Write};

use super::{SCRIPT, STYLE, content_security_policy, tasks};
use crate::analysis::html::escape;
use crate::analysis::snippets;
use crate::analysis::timeline::svg::duration;
use crate::analysis::timeline::{caption, layout, render_svg};
use crate::record::cost::StorageCost;
use crate::record::{Action, Diagnosis, EnrichedRun, GroupRecommendation, Rightsizing, RunCost};
use crate::time::{Timestamp, format_timestamp};

/// Writes the whole page.
pub(super) fn write(run: &EnrichedRun, out: &mut impl Write) -> io::Result<()> {
    let head = &run.head;
    let title = match &head.run.name {
        Some(name) => format!("Run {} · {}", head.run_id, name),
        None => format!("Run {}", head.run_id),
    };
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <link rel=\"icon\" href=\"data:,\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        csp = content_security_policy(),
        title = escape(&title),
    )?;
    header(run, out)?;
    cost(head.cost.as_ref(), out)?;
    rightsizing(head.rightsizing.as_ref(), out)?;
    diagnosis(run, head.diagnosis.as_ref(), out)?;
    timeline(run, out)?;
    task_table(run, out)?;
    warnings(&head.warnings, out)?;
    out.write_all(b"</main>\n<script type=\"application/json\" id=\"tasks\">")?;
    tasks::write_data(run, out)?;
    write!(
        out,
        "</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
}

/// `$12.34`, `-$0.0042`: four decimals under a dollar (test runs cost cents), no `-0.00`.
pub(super) fn usd(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let magnitude = value.abs();
    if magnitude < 0.00005 {
        "$0.00".to_owned()
    } else if magnitude >= 1.0 {
        format!("{sign}${magnitude:.2}")
    } else {
        format!("{sign}${magnitude:.4}")
    }
}

fn number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}

fn opt<T>(value: Option<T>, show: impl Fn(T) -> String) -> String {
    value.map_or_else(|| "—".to_owned(), show)
}

fn time(value: Option<&Timestamp>) -> String {
    opt(value, |t| escape(&format_timestamp(t)))
}

fn status_class(status: &str) -> String {
    format!("status status-{}", escape(&status.to_ascii_lowercase()))
}

fn header(run: &EnrichedRun, out: &mut impl Write) -> io::Result<()> {
    let head = &run.head;
    let info = &head.run;
    let status = head.status.to_string();
    write!(
        out,
        "<header class=\"run\">\n<p class=\"kicker\">HealthOmics run <span id=\"run-id\">{id}</span></p>\n\
         <h1>{name} <span class=\"{class}\" id=\"run-status\">{status}</span></h1>\n",
        id = escape(&head.run_id),
        name = escape(info.name.as_deref().unwrap_or("(unnamed run)")),
        class = status_class(&status),
        status = escape(&status),
    )?;
    let workflow = match (&info.workflow_id, &info.workflow_type) {
        (Some(id), Some(kind)) => format!("{} ({})", escape(id), escape(kind)),
        (Some(id), None) => escape(id),
        (None, _) => "—".to_owned(),
    };
    let engine = match (&info.engine, &info.engine_version) {
        (Some(e), Some(v)) => format!("{} {}", escape(e), escape(v)),
        (Some(e), None) => escape(e),
        _ => "—".to_owned(),
    };
    let wall = head
        .summary
        .wall_time_seconds
        .or(info.metrics.as_ref().and_then(|m| m.running_seconds));
    let total = match &head.cost {
        Some(c) => match c.total_usd {
            Some(total) => usd(total),
            None => format!("{} known (incomplete)", usd(c.known_usd)),
        },
        None => "not priced".to_owned(),
    };
    let counts = head
        .summary
        .counts_by_status
        .iter()
        .map(|(s, n)| format!("{n} {}", escape(&s.to_ascii_lowercase())))
        .collect::<Vec<_>>()
        .join(", ");
    let facts: [(&str, String); 12] = [
        ("Workflow", workflow),
        (
            "Version",
            opt(info.workflow_version_name.as_deref(), escape),
        ),
        ("Engine", engine),
        ("Duration", opt(wall, duration)),
        ("Started by", opt(info.started_by.as_deref(), escape)),
        ("Cost", format!("<span id=\"cost-total\">{total}</span>")),
        ("Created", time(info.creation_time.as_ref())),
        ("Started", time(info.start_time.as_ref())),
        ("Stopped", time(info.stop_time.as_ref())),
        (
            "Tasks",
            format!(
                "{}{}",
                head.summary.task_count.max(run.tasks.len() as u64),
                if counts.is_empty() {
                    String::new()
                } else {
                    format!(" ({counts})")
                }
            ),
        ),
        (
            "Storage",
            storage_label(info.storage_type.as_deref(), info.storage_capacity),
        ),
        (
            "Output",
            opt(
                info.run_output_uri
                    .as_deref()
                    .or(info.output_uri.as_deref()),
                escape,
            ),
        ),
    ];
    out.write_all(b"<dl class=\"facts\">\n")?;
    for (term, value) in facts {
        writeln!(out, "<div><dt>{term}</dt><dd>{value}</dd></div>")?;
    }
    out.write_all(b"</dl>\n")?;
    if let Some(reason) = info
        .failure_reason
        .as_deref()
        .or(info.status_message.as_deref())
    {
        writeln!(out, "<p class=\"failure\">{}</p>", escape(reason))?;
    }
    out.write_all(b"</header>\n")
}

fn storage_label(kind: Option<&str>, capacity: Option<i64>) -> String {
    match (kind, capacity) {
        (Some(k), Some(c)) => format!("{} {c} GiB", escape(k)),
        (Some(k), None) => escape(k),
        (None, Some(c)) => format!("{c} GiB"),
        (None, None) => "—".to_owned(),
    }
}

fn cost(cost: Option<&RunCost>, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"<section id=\"cost\">\n<h2>Cost</h2>\n")?;
    let Some(cost) = cost else {
        return out.write_all(
            b"<p class=\"note\" id=\"cost-unpriced\">This record has no cost section: the run was not priced.</p>\n</section>\n",
        );
    };
    let total = match cost.total_usd {
        Some(total) => format!("<strong>{}</strong> {}", usd(total), escape(&cost.currency)),
        None => format!(
            "<strong>{}</strong> known so far; the total is unknown because part of the run is unpriced",
            usd(cost.known_usd)
        ),
    };
    writeln!(out, "<p>{total}. {basis}</p>", basis = escape(&cost.basis))?;
    let compute = &cost.compute;
    writeln!(
        out,
        "<div class=\"scroll\"><table class=\"grid\" id=\"cost-by-instance\">\n<thead><tr><th>Compute by instance type</th><th class=\"num\">tasks</th><th class=\"num\">billed hours</th><th class=\"num\">$/hour</th><th class=\"num\">cost</th></tr></thead>\n<tbody>"
    )?;
    for row in &compute.by_instance_type {
        writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&row.instance_type),
            row.tasks,
            number(row.billed_hours),
            opt(row.usd_per_hour, |p| format!("${p}")),
            opt(row.usd, usd).replace('—', "unpriced"),
        )?;
    }
    writeln!(
        out,
        "<tr class=\"sum\"><td>Compute</td><td class=\"num\">{}</td><td></td><td></td><td class=\"num\">{}{}</td></tr>",
        compute.tasks,
        usd(compute.usd),
        if compute.complete { "" } else { " + unpriced" }
    )?;
    storage_row(&cost.storage, out)?;
    out.write_all(b"</tbody></table></div>\n<ul class=\"notes\">\n")?;
    if compute.cached_tasks > 0 {
        writeln!(
            out,
            "<li id=\"cost-cached\">{} task(s) served from the run cache: no compute cost (the record does not price what they would have cost).</li>",
            compute.cached_tasks
        )?;
    }
    if compute.unpriced_tasks > 0 {
        writeln!(
            out,
            "<li class=\"warn\" id=\"cost-unpriced\">{} task(s) ran but could not be priced; their cost is not in the figures above.</li>",
            compute.unpriced_tasks
        )?;
    }
    if compute.minimum_billed_tasks > 0 {
        writeln!(
            out,
            "<li>{} task(s) ran under a minute and were billed the 60-second minimum.</li>",
            compute.minimum_billed_tasks
        )?;
    }
    let source = cost
        .price_source
        .map(|s| s.as_str())
        .unwrap_or(&cost.prices.origin);
    writeln!(
        out,
        "<li>Prices: {}{}{}.</li>",
        escape(source),
        opt(cost.region.as_deref(), |r| format!(
            ", region {}",
            escape(r)
        )),
        opt(cost.prices.retrieved.as_deref(), |d| format!(
            ", retrieved {}",
            escape(d)
        ))
    )?;
    for warning in &cost.warnings {
        writeln!(out, "<li class=\"warn\">{}</li>", escape(warning))?;
    }
    out.write_all(b"</ul>\n</section>\n")
}

fn storage_row(storage: &StorageCost, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "<tr><td>Run storage{}</td><td></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n<tr><td colspan=\"5\" class=\"basis\">{}</td></tr>",
        opt(storage.storage_type.as_deref(), |t| format!(
            " ({})",
            escape(t)
        )),
        opt(storage.duration_seconds, |s| number(s / 3600.0)),
        opt(storage.usd_per_gib_hour, |p| format!("${p}/GiB")),
        storage.usd.map_or_else(|| "unpriced".to_owned(), usd),
        escape(&storage.basis)
    )
}

fn action_label(action: Action) -> &'static str {
    match action {
        Action::Downsize => "downsize",
        Action::Keep => "keep",
        Action::Upsize => "upsize",
        Action::KeepGpu => "keep (GPU)",
        Action::NoData => "no data",
        Action::ExceedsLargest => "exceeds largest",
    }
}

fn copy_button(label: &str, text: &str, id: &str) -> String {
    format!(
        "<button type=\"button\" class=\"copy\" id=\"{id}\" data-copy=\"{}\">{label}</button>",
        escape(text)
    )
}

fn rightsizing(sizing: Option<&Rightsizing>, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"<section id=\"rightsizing\">\n<h2>Right-sizing</h2>\n")?;
    let Some(sizing) = sizing else {
        return out.write_all(
            b"<p class=\"note\">This record has no right-sizing section.</p>\n</section>\n",
        );
    };
    let savings = match sizing.total_savings_usd {
        Some(total) => usd(total),
        None => format!(
            "{} known (some savings unknown)",
            usd(sizing.known_savings_usd)
        ),
    };
    writeln!(
        out,
        "<p>Smallest instance that fits each task group's peak use plus {}% headroom. Possible savings: <strong>{savings}</strong>.</p>",
        number(sizing.headroom * 100.0)
    )?;
    if sizing.groups.is_empty() {
        out.write_all(b"<p class=\"note\">No task group to size.</p>\n")?;
    } else {
        out.write_all(b"<div class=\"scroll\"><table class=\"grid\" id=\"rightsizing-groups\">\n<thead><tr><th>Task group</th><th class=\"num\">tasks</th><th>ran on</th><th class=\"num\">peak vCPU</th><th class=\"num\">peak GiB</th><th>recommended</th><th>action</th><th class=\"num\">now</th><th class=\"num\">then</th><th class=\"num\">saving</th><th>snippet</th></tr></thead>\n<tbody>\n")?;
        for (i, group) in sizing.groups.iter().enumerate() {
            group_row(sizing, group, i, out)?;
        }
        out.write_all(b"</tbody></table></div>\n")?;
        if sizing.groups_omitted > 0 {
            writeln!(
                out,
                "<p class=\"note\">{} more group(s) with smaller savings are not listed (their savings are in the total).</p>",
                sizing.groups_omitted
            )?;
        }
    }
    for (kind, text, id) in [
        (
            "Nextflow (nextflow.config)",
            &sizing.nextflow_config,
            "nextflow",
        ),
        ("WDL (runtime sections)", &sizing.wdl_runtime, "wdl"),
    ] {
        if let Some(text) = text {
            writeln!(
                out,
                "<div class=\"snippet\"><div class=\"snippet-head\"><h3>{kind}: every group</h3>{}</div><pre id=\"snippet-{id}\">{}</pre></div>",
                copy_button("Copy", text, &format!("copy-{id}")),
                escape(text)
            )?;
        }
    }
    for warning in &sizing.warnings {
        writeln!(out, "<p class=\"warn\">{}</p>", escape(warning))?;
    }
    out.write_all(b"</section>\n")
}

fn group_row(
    sizing: &Rightsizing,
    group: &GroupRecommendation,
    i: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    let one = std::slice::from_ref(group);
    // The record's run-wide snippets say which engine applies; a group gets the same kinds, for itself alone.
    let mut buttons = String::new();
    if sizing.nextflow_config.is_some()
        && let Some(text) = snippets::nextflow_config(one, sizing.headroom)
    {
        buttons.push_str(&copy_button(
            "Nextflow",
            &text,
            &format!("copy-nextflow-{i}"),
        ));
    }
    if sizing.wdl_runtime.is_some()
        && let Some(text) = snippets::wdl_runtime(one, sizing.headroom)
    {
        buttons.push_str(&copy_button("WDL", &text, &format!("copy-wdl-{i}")));
    }
    let recommended = match (
        &group.recommended_instance_type,
        group.recommended_cpus,
        group.recommended_memory_gib,
    ) {
        (Some(t), Some(c), Some(m)) => format!("{} ({c} vCPU, {m} GiB)", escape(t)),
        (Some(t), _, _) => escape(t),
        _ => "—".to_owned(),
    };
    writeln!(
        out,
        "<tr><td class=\"name\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{recommended}</td><td><span class=\"action action-{}\">{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"buttons\">{buttons}</td></tr>",
        escape(&group.base_name),
        group.tasks,
        escape(&group.instance_types.join(", ")),
        opt(group.max_cpus, number),
        opt(group.max_memory_gib, number),
        action_label(group.action)
            .replace(' ', "-")
            .replace(['(', ')'], ""),
        action_label(group.action),
        opt(group.current_usd, usd),
        opt(group.recommended_usd, usd),
        opt(group.savings_usd, usd),
    )
}

/// Failed tasks shown as open cards before the rest fold away.
const CARDS_SHOWN: usize = 5;

fn diagnosis(
    run: &EnrichedRun,
    diagnosis: Option<&Diagnosis>,
    out: &mut impl Write,
) -> io::Result<()> {
    out.write_all(b"<section id=\"diagnosis\">\n<h2>Diagnosis</h2>\n")?;
    let Some(diagnosis) = diagnosis else {
        let failed = &run.head.failed_tasks;
        if failed.is_empty() {
            return out.write_all(
                b"<p class=\"note\" id=\"no-failures\">Nothing failed.</p>\n</section>\n",
            );
        }
        // An older record: failures without a diagnosis section. Show what it has.
        writeln!(
            out,
            "<p>{} failed task(s); this record has no diagnosis section.</p>",
            failed.len()
        )?;
        for task in failed {
            writeln!(
                out,
                "<article class=\"failure-card\" data-task-id=\"{}\"><h3>{}</h3><p>{}</p>{}</article>",
                escape(&task.task_id),
                escape(task.name.as_deref().unwrap_or(&task.task_id)),
                escape(
                    task.failure_reason
                        .as_deref()
                        .unwrap_or("no failure reason recorded")
                ),
                log_tail(&task.log_tail, false)
            )?;
        }
        return out.write_all(b"</section>\n");
    };
    writeln!(
        out,
        "<p class=\"summary\">{}</p>",
        escape(&diagnosis.summary)
    )?;
    if let Some(reason) = diagnosis
        .run_failure_reason
        .as_deref()
        .or(diagnosis.run_status_message.as_deref())
    {
        writeln!(out, "<p>Run: {}</p>", escape(reason))?;
    }
    if diagnosis.failed_task_count > diagnosis.tasks.len() as u64 {
        writeln!(
            out,
            "<p class=\"note\">The first {} of {} failed tasks are diagnosed.</p>",
            diagnosis.tasks.len(),
            diagnosis.failed_task_count
        )?;
    }
    for (i, task) in diagnosis.tasks.iter().enumerate() {
        // A run with many failures shows the first few; the rest wait behind one click.
        if i == CARDS_SHOWN {
            writeln!(
                out,
                "<details class=\"more\"><summary>{} more failed task(s)</summary>",
                diagnosis.tasks.len() - CARDS_SHOWN
            )?;
        }
        let first = if task.first {
            " <span class=\"badge first\">first failure</span>"
        } else {
            ""
        };
        writeln!(
            out,
            "<article class=\"failure-card{}\" data-task-id=\"{}\">\n<h3>{}{first} <span class=\"class\">{}</span></h3>",
            if task.first { " first" } else { "" },
            escape(&task.task_id),
            escape(task.name.as_deref().unwrap_or(&task.task_id)),
            task.class.label()
        )?;
        out.write_all(b"<dl class=\"facts small\">")?;
        let memory = match (task.memory_max_gib, task.memory_reserved_gib) {
            (Some(m), Some(r)) => Some(format!("{} of {} GiB", number(m), number(r))),
            (Some(m), None) => Some(format!("{} GiB", number(m))),
            _ => None,
        };
        for (term, value) in [
            ("Task", Some(escape(&task.task_id))),
            (
                "Failed at",
                task.failed_at
                    .as_ref()
                    .map(|t| escape(&format_timestamp(t))),
            ),
            ("Exit code", task.exit_code.map(|c| c.to_string())),
            ("Instance", task.instance_type.as_deref().map(escape)),
            ("Peak memory", memory),
            (
                "Reason",
                task.failure_reason
                    .as_deref()
                    .or(task.status_message.as_deref())
                    .map(escape),
            ),
        ] {
            if let Some(value) = value {
                write!(out, "<div><dt>{term}</dt><dd>{value}</dd></div>")?;
            }
        }
        out.write_all(b"</dl>\n")?;
        if let Some(evidence) = &task.evidence {
            writeln!(
                out,
                "<p class=\"evidence\"><span>Evidence</span> <code>{}</code></p>",
                escape(evidence)
            )?;
        }
        writeln!(
            out,
            "<p class=\"next\">Next: {}</p>",
            escape(&task.next_step)
        )?;
        writeln!(out, "{}</article>", log_tail(&task.log_tail, task.first))?;
    }
    if diagnosis.tasks.len() > CARDS_SHOWN {
        out.write_all(b"</details>\n")?;
    }
    out.write_all(b"</section>\n")
}

fn log_tail(lines: &[String], open: bool) -> String {
    if lines.is_empty() {
        return "<p class=\"note\">No log tail recorded.</p>".to_owned();
    }
    let mut text = String::new();
    for line in lines {
        text.push_str(&escape(line));
        text.push('\n');
    }
    format!(
        "<details class=\"log\"{}><summary>Log tail ({} lines)</summary><pre>{text}</pre></details>",
        if open { " open" } else { "" },
        lines.len()
    )
}

fn timeline(run: &EnrichedRun, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"<section id=\"timeline\">\n<h2>Timeline</h2>\n<div class=\"svg\">")?;
    let svg = render_svg(&layout(run, None), &caption(run));
    out.write_all(svg.as_bytes())?;
    out.write_all(b"</div>\n</section>\n")
}

fn task_table(run: &EnrichedRun, out: &mut impl Write) -> io::Result<()> {
    let headers: [(&str, &str, bool); 13] = [
        ("taskId", "task id", false),
        ("name", "name", false),
        ("status", "status", false),
        ("instanceType", "instance", false),
        ("cpus", "vCPU", true),
        ("memoryGiB", "GiB", true),
        ("peakCpus", "max vCPU", true),
        ("peakMemoryGiB", "max GiB", true),
        ("queuedSeconds", "queued", true),
        ("runningSeconds", "running", true),
        ("costUsd", "cost", true),
        ("cached", "cached", false),
        ("startedSeconds", "started", true),
    ];
    writeln!(
        out,
        "<section id=\"tasks-section\">\n<h2>Tasks</h2>\n<div class=\"controls\">\
         <label>Status <select id=\"status-filter\"><option value=\"\">all</option></select></label>\
         <label>Name <input type=\"search\" id=\"name-filter\" placeholder=\"search task names\" autocomplete=\"off\"></label>\
         <span id=\"task-count\" data-shown=\"{n}\">{n} tasks</span></div>",
        n = run.tasks.len()
    )?;
    out.write_all(b"<div class=\"viewport\" id=\"task-viewport\" tabindex=\"0\"><table class=\"grid tasks\" id=\"task-table\"><thead><tr>")?;
    for (key, label, numeric) in headers {
        write!(
            out,
            "<th data-col=\"{key}\"{} aria-sort=\"none\"><button type=\"button\" title=\"sort by {label}\">{label}</button></th>",
            if numeric { " class=\"num\"" } else { "" }
        )?;
    }
    out.write_all(b"</tr></thead><tbody id=\"task-rows\"></tbody></table></div>\n<noscript>The task table needs JavaScript.</noscript>\n</section>\n")
}

fn warnings(warnings: &[String], out: &mut impl Write) -> io::Result<()> {
    if warnings.is_empty() {
        return Ok(());
    }
    out.write_all(b"<section id=\"warnings\">\n<h2>Record warnings</h2>\n<ul class=\"notes\">\n")?;
    for warning in warnings {
        writeln!(out, "<li class=\"warn\">{}</li>", escape(warning))?;
    }
    out.write_all(b"</ul>\n</section>\n")
}
