//! The fleet page (`GET /fleet/summary?format=html`): the summary's totals, known cost by group over time as
//! stacked bars ([`super::chart`]) and the groups' table, in one self-contained document ([`crate::analysis::html`]).

use std::fmt::Write as _;

use super::chart::{CostSeries, render_cost_chart};
use crate::analysis::html::{document, dollars, escape};
use crate::record::fleet::{FleetSummary, FleetTotals};

/// The page of `summary`, with `series` drawn as its chart.
pub fn render_fleet_page(summary: &FleetSummary, series: &CostSeries) -> String {
    let mut body = format!(
        "<h1>Fleet: {runs} stored runs</h1>\n<p class=\"sub\">Stopped {from} – {to}, grouped by {by}</p>\n",
        from = escape(&summary.from),
        to = escape(&summary.to),
        runs = summary.totals.runs,
        by = escape(&summary.group_by),
    );
    cards(&mut body, &summary.totals);
    let _ = write!(
        body,
        "<h2>Known cost by {} per {}</h2>\n{}\n",
        escape(&summary.group_by),
        series.period.as_str(),
        render_cost_chart(series)
    );
    groups(&mut body, summary);
    let _ = writeln!(body, "<p class=\"note\">{}</p>", escape(&summary.basis));
    document(
        &format!("Fleet {} – {}", summary.from, summary.to),
        "",
        &body,
    )
}

fn cards(page: &mut String, totals: &FleetTotals) {
    let cards = [
        (dollars(Some(totals.total_usd)), "total (known)"),
        (dollars(Some(totals.compute_usd)), "compute"),
        (dollars(Some(totals.storage_usd)), "storage"),
        (dollars(Some(totals.savings_usd)), "right-sizing savings"),
        (format!("{:.1}", totals.task_hours), "task-hours"),
        (totals.failed_tasks.to_string(), "failed tasks"),
        (totals.cached_tasks.to_string(), "cached tasks"),
        (
            totals.runs_with_incomplete_cost.to_string(),
            "runs with incomplete cost",
        ),
    ];
    page.push_str("<div class=\"cards\">");
    for (value, label) in cards {
        let _ = write!(
            page,
            "<div class=\"card\"><b>{}</b><span>{label}</span></div>",
            escape(&value)
        );
    }
    page.push_str("</div>\n");
}

fn groups(page: &mut String, summary: &FleetSummary) {
    let _ = write!(
        page,
        "<table>\n<thead><tr><th>{}</th><th>runs</th><th>by status</th><th>total $</th><th>compute $</th>\
         <th>storage $</th><th>savings $</th><th>task-hours</th><th>failed tasks</th></tr></thead>\n<tbody>\n",
        escape(&summary.group_by)
    );
    for group in &summary.groups {
        let t = &group.totals;
        let statuses: Vec<String> = t
            .by_status
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td>\
             <td>{:.1}</td><td>{}</td></tr>",
            escape(&group.key),
            t.runs,
            escape(&statuses.join(", ")),
            t.total_usd,
            t.compute_usd,
            t.storage_usd,
            t.savings_usd,
            t.task_hours,
            t.failed_tasks
        );
    }
    page.push_str("</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fleet::GroupBy;
    use crate::analysis::fleet::chart::cost_series;
    use crate::analysis::fleet::rollup::summarize;
    use crate::record::fleet_row::FleetRow;
    use crate::time::parse_timestamp;

    #[test]
    fn the_page_is_self_contained_and_its_style_is_allowed_by_hash() {
        let mut runs = vec![
            FleetRow::sample("1", 1, 3.5),
            FleetRow::sample("2", 1, 1.25),
        ];
        runs[0].listed.workflow_id = Some("<script>".into());
        for run in &mut runs {
            run.listed.stop_time = Some(parse_timestamp("2026-11-02T10:00:00Z").unwrap());
        }
        let summary = summarize(&runs, GroupBy::Workflow, "2026-11-01", "2026-11-30");
        let page = render_fleet_page(
            &summary,
            &cost_series(&runs, GroupBy::Workflow, GroupBy::Day),
        );
        assert!(!page.contains("<script"), "no script, and names escaped");
        assert!(page.contains("&lt;script&gt;"));
        assert!(
            !page.contains("http://") || page.matches("http://").count() == 1,
            "only the SVG namespace"
        );
        assert!(
            page.contains("style-src 'sha256-"),
            "its style allowed by hash"
        );
        assert!(page.contains("$4.75"), "the total card");
        assert!(page.contains("<svg"));
    }
}
