//! The compare page (`GET /runs/{a}/compare/{b}?format=html`): the two runs side by side, their totals with the
//! deltas (b − a, coloured: red costs more or takes longer, green less), what changed in the inputs (workflow,
//! parameters, input and image digests) and the task names whose cost or time moved most. One self-contained
//! document ([`crate::analysis::html`]); the same figures as the JSON answer.

use std::fmt::Write as _;

use crate::analysis::html::{document, dollars, escape};
use crate::analysis::timeline::svg::duration;
use crate::record::comparison::{Comparison, MapDiff, RunSide, TaskComparison, Totals};

/// Task names listed at most (the largest moves in cost, then in running time).
pub const TASKS_LISTED: usize = 50;

/// The page of `comparison`.
pub fn render_compare_page(comparison: &Comparison) -> String {
    let (a, b) = (&comparison.a, &comparison.b);
    let mut body = format!(
        "<h1>Run {} vs run {}</h1>\n<p class=\"sub\">{}</p>\n",
        escape(&a.run_id),
        escape(&b.run_id),
        if comparison.workflow_changed {
            "The workflow changed between the runs."
        } else {
            "Same workflow definition."
        }
    );
    sides(&mut body, a, b);
    totals(&mut body, comparison);
    changes(&mut body, "Parameters", &comparison.parameters, |v| {
        v.to_string()
    });
    changes(
        &mut body,
        "Input digests",
        &comparison.resource_digests,
        Clone::clone,
    );
    images(&mut body, comparison);
    tasks(&mut body, &comparison.tasks);
    for warning in &comparison.warnings {
        let _ = writeln!(body, "<p class=\"note\">⚠ {}</p>", escape(warning));
    }
    document(
        &format!("Run {} vs {}", a.run_id, b.run_id),
        "td.delta{font-weight:bold}",
        &body,
    )
}

fn sides(body: &mut String, a: &RunSide, b: &RunSide) {
    body.push_str(
        "<table class=\"text\">\n<thead><tr><th></th><th>a</th><th>b</th></tr></thead>\n<tbody>\n",
    );
    let text = |v: &Option<String>| escape(v.as_deref().unwrap_or("—"));
    let rows = [
        ("run", escape(&a.run_id), escape(&b.run_id)),
        ("uuid", escape(a.uuid.as_str()), escape(b.uuid.as_str())),
        ("name", text(&a.name), text(&b.name)),
        ("status", escape(&a.status), escape(&b.status)),
        ("workflow", text(&a.workflow_id), text(&b.workflow_id)),
        (
            "version",
            text(&a.workflow_version_name),
            text(&b.workflow_version_name),
        ),
        ("digest", text(&a.digest), text(&b.digest)),
        ("engine", text(&a.engine_version), text(&b.engine_version)),
        ("storage", text(&a.storage_type), text(&b.storage_type)),
    ];
    for (label, x, y) in rows {
        let _ = writeln!(body, "<tr><td>{label}</td><td>{x}</td><td>{y}</td></tr>");
    }
    body.push_str("</tbody>\n</table>\n");
}

/// `+1.50` in red when b costs more (`worse_when_up`), green when less.
fn delta_cell(delta: Option<f64>, text: impl Fn(f64) -> String) -> String {
    match delta {
        None => "<td class=\"delta\">—</td>".to_owned(),
        Some(d) if d.abs() < 1e-9 => "<td class=\"delta\">0</td>".to_owned(),
        Some(d) => format!(
            "<td class=\"delta {}\">{}{}</td>",
            if d > 0.0 { "up" } else { "down" },
            if d > 0.0 { "+" } else { "-" },
            escape(&text(d.abs()))
        ),
    }
}

fn totals(body: &mut String, c: &Comparison) {
    let (a, b, d) = (&c.totals_a, &c.totals_b, &c.delta);
    let secs = |t: &Totals| t.duration_seconds.map_or("—".to_owned(), duration);
    body.push_str(
        "<h2>Totals</h2>\n<table>\n<thead><tr><th></th><th>a</th><th>b</th><th>b − a</th></tr></thead>\n<tbody>\n",
    );
    let rows = [
        (
            "tasks",
            a.tasks.to_string(),
            b.tasks.to_string(),
            delta_cell(Some(d.tasks as f64), |v| format!("{v:.0}")),
        ),
        (
            "duration",
            secs(a),
            secs(b),
            delta_cell(d.duration_seconds, duration),
        ),
        (
            "task-hours",
            format!("{:.2}", a.task_hours),
            format!("{:.2}", b.task_hours),
            delta_cell(Some(d.task_hours), |v| format!("{v:.2}")),
        ),
        (
            "compute",
            dollars(Some(a.compute_usd)),
            dollars(Some(b.compute_usd)),
            delta_cell(Some(d.compute_usd), |v| format!("${v:.2}")),
        ),
        (
            "storage",
            dollars(a.storage_usd),
            dollars(b.storage_usd),
            delta_cell(a.storage_usd.zip(b.storage_usd).map(|(x, y)| y - x), |v| {
                format!("${v:.2}")
            }),
        ),
        (
            "total",
            dollars(a.total_usd),
            dollars(b.total_usd),
            delta_cell(d.total_usd, |v| format!("${v:.2}")),
        ),
        (
            "failed tasks",
            a.failed_tasks.to_string(),
            b.failed_tasks.to_string(),
            delta_cell(Some(b.failed_tasks as f64 - a.failed_tasks as f64), |v| {
                format!("{v:.0}")
            }),
        ),
        (
            "cached tasks",
            a.cached_tasks.to_string(),
            b.cached_tasks.to_string(),
            "<td></td>".to_owned(),
        ),
    ];
    for (label, x, y, delta) in rows {
        let _ = writeln!(
            body,
            "<tr><td>{label}</td><td>{}</td><td>{}</td>{delta}</tr>",
            escape(&x),
            escape(&y)
        );
    }
    body.push_str("</tbody>\n</table>\n");
}

fn changes<T>(body: &mut String, title: &str, diff: &MapDiff<T>, show: impl Fn(&T) -> String) {
    let moved = diff.added.len() + diff.removed.len() + diff.changed.len();
    let _ = writeln!(
        body,
        "<h2>{title}</h2>\n<p class=\"note\">{moved} changed, {} unchanged</p>",
        diff.unchanged
    );
    if moved == 0 {
        return;
    }
    body.push_str(
        "<table class=\"text\">\n<thead><tr><th>name</th><th>a</th><th>b</th></tr></thead>\n<tbody>\n",
    );
    let mut row = |name: &str, x: String, y: String| {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            escape(&x),
            escape(&y)
        );
    };
    for (name, change) in &diff.changed {
        row(name, show(&change.a), show(&change.b));
    }
    for (name, value) in &diff.removed {
        row(name, show(value), "—".into());
    }
    for (name, value) in &diff.added {
        row(name, "—".into(), show(value));
    }
    body.push_str("</tbody>\n</table>\n");
}

fn images(body: &mut String, c: &Comparison) {
    if c.images.is_empty() {
        return;
    }
    body.push_str(
        "<h2>Images</h2>\n<table class=\"text\">\n<thead><tr><th>image</th><th>a</th><th>b</th></tr></thead>\n<tbody>\n",
    );
    for image in &c.images {
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&image.image),
            escape(&image.a.join(", ")),
            escape(&image.b.join(", "))
        );
    }
    body.push_str("</tbody>\n</table>\n");
}

/// How far a task name moved: its cost delta, then its running time delta (absolute).
fn moved(task: &TaskComparison) -> (f64, f64) {
    task.delta.as_ref().map_or((0.0, 0.0), |d| {
        (
            d.usd.unwrap_or(0.0).abs(),
            d.running_seconds.unwrap_or(0.0).abs(),
        )
    })
}

fn tasks(body: &mut String, tasks: &[TaskComparison]) {
    let mut ranked: Vec<&TaskComparison> = tasks.iter().collect();
    ranked.sort_by(|x, y| {
        let (mx, my) = (moved(x), moved(y));
        my.0.total_cmp(&mx.0)
            .then(my.1.total_cmp(&mx.1))
            .then_with(|| x.name.cmp(&y.name))
    });
    let _ = writeln!(
        body,
        "<h2>Tasks</h2>\n<p class=\"note\">The {} of {} task names that moved most (cost, then running time).</p>",
        ranked.len().min(TASKS_LISTED),
        ranked.len()
    );
    body.push_str(
        "<table>\n<thead><tr><th>task</th><th>count a</th><th>count b</th><th>running a</th><th>running b</th>\
         <th>Δ running</th><th>cost a</th><th>cost b</th><th>Δ cost</th></tr></thead>\n<tbody>\n",
    );
    for task in ranked.into_iter().take(TASKS_LISTED) {
        let count = |s: &Option<_>| {
            s.as_ref().map_or(
                "—".to_owned(),
                |s: &crate::record::comparison::TaskStats| s.count.to_string(),
            )
        };
        let running = |s: &Option<crate::record::comparison::TaskStats>| {
            s.as_ref()
                .map_or("—".to_owned(), |s| duration(s.running_seconds))
        };
        let usd = |s: &Option<crate::record::comparison::TaskStats>| {
            dollars(s.as_ref().and_then(|s| s.usd))
        };
        let delta = task.delta.as_ref();
        let _ = writeln!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td>{}</tr>",
            escape(&task.name),
            count(&task.a),
            count(&task.b),
            running(&task.a),
            running(&task.b),
            delta_cell(delta.and_then(|d| d.running_seconds), duration),
            usd(&task.a),
            usd(&task.b),
            delta_cell(delta.and_then(|d| d.usd), |v| format!("${v:.4}")),
        );
    }
    body.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::analysis::Settings;
    use crate::analysis::compare::compare;
    use crate::analysis::tests::sample_run;

    #[test]
    fn the_page_shows_both_runs_their_deltas_and_what_changed() {
        let mut a = sample_run();
        a.head.parameters = Some(json!({"sample": "<NA12878>", "scatter": 4}));
        let mut b = a.clone();
        b.head.run_id = "1000009".into();
        b.head.parameters = Some(json!({"sample": "NA12879", "scatter": 4}));
        b.tasks[0].running_seconds = Some(1800.0);
        let page = render_compare_page(&compare(&a, &b, &Settings::default()));
        assert!(page.contains(&format!("Run {} vs run 1000009", a.head.run_id)));
        assert!(!page.contains("<script"));
        // The parameter change, escaped; the unchanged one counted.
        assert!(page.contains("&quot;&lt;NA12878&gt;&quot;"), "{page}");
        assert!(page.contains("1 changed, 1 unchanged"));
        // BwaMem-0-1 got 30 min faster and $0.0648 cheaper: first among the tasks, in green.
        let tasks = &page[page.find("<h2>Tasks</h2>").unwrap()..];
        let first = tasks.find("<tr><td>").map(|i| &tasks[i..i + 40]).unwrap();
        assert!(first.contains("BwaMem-0-1"), "{first}");
        assert!(
            tasks.contains("<td class=\"delta down\">-$0.0648</td>"),
            "{tasks}"
        );
        assert!(
            page.contains("<td class=\"delta down\">-30m00s</td>")
                || page.contains("delta down\">-30m"),
            "{page}"
        );
    }
}
