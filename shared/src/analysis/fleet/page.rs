//! The fleet page (`GET /fleet/summary?format=html`): the summary's totals, known cost by group over time as
//! stacked bars ([`super::chart`]) and the groups' table, in one self-contained HTML document: no script, no
//! external resource, one `<style>` allowed by its hash in the page's own Content-Security-Policy.

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::chart::{CostSeries, render_cost_chart};
use crate::analysis::timeline::svg::escape;
use crate::record::fleet::{FleetSummary, FleetTotals};

const STYLE: &str = "body{margin:24px;font-family:'DejaVu Sans',Arial,sans-serif;color:#212121;background:#fff}\
h1{font-size:20px;margin:0 0 4px}p.sub{color:#616161;margin:0 0 16px}\
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 20px}\
.card{border:1px solid #e0e0e0;border-radius:6px;padding:8px 14px;min-width:120px}\
.card b{display:block;font-size:18px}.card span{color:#616161;font-size:12px}\
svg{max-width:100%;height:auto;display:block;margin:0 0 20px}\
table{border-collapse:collapse;width:100%;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#fafafa;position:sticky;top:0}\
p.basis{color:#616161;font-size:12px}@media (max-width:700px){body{margin:8px}table{font-size:11px}}";

/// The page of `summary`, with `series` drawn as its chart.
pub fn render_fleet_page(summary: &FleetSummary, series: &CostSeries) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{hash}'; \
         img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Fleet {from} – {to}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Fleet: {runs} stored runs</h1>\n<p class=\"sub\">Stopped {from} – {to}, grouped by {by}</p>\n",
        from = escape(&summary.from),
        to = escape(&summary.to),
        runs = summary.totals.runs,
        by = escape(&summary.group_by),
    );
    cards(&mut page, &summary.totals);
    let _ = write!(
        page,
        "<h2>Known cost by {} per {}</h2>\n{}\n",
        escape(&summary.group_by),
        series.period.as_str(),
        render_cost_chart(series)
    );
    groups(&mut page, summary);
    let _ = write!(
        page,
        "<p class=\"basis\">{}</p>\n</body>\n</html>\n",
        escape(&summary.basis)
    );
    page
}

fn cards(page: &mut String, totals: &FleetTotals) {
    let cards = [
        (dollars(totals.total_usd), "total (known)"),
        (dollars(totals.compute_usd), "compute"),
        (dollars(totals.storage_usd), "storage"),
        (dollars(totals.savings_usd), "right-sizing savings"),
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

/// `$12.34`, `-$5.00` (the sign before the currency, as people write it).
fn dollars(usd: f64) -> String {
    if usd < 0.0 {
        format!("-${:.2}", -usd)
    } else {
        format!("${usd:.2}")
    }
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
        let hash =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
        assert!(page.contains(&format!("style-src 'sha256-{hash}'")));
        assert!(page.contains("$4.75"), "the total card");
        assert!(page.contains("<svg"));
    }
}
