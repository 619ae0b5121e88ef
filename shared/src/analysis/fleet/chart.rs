//! Cost by group over time: the fleet page's chart. The window's stored runs are summed per period (day, ISO
//! week or month of their stop time, whichever gives at most [`MAX_PERIODS`] bars) and per group (the summary's
//! grouping; the [`TOP_GROUPS`] costliest groups by name, the rest as one `other` stack), then drawn as stacked
//! bars in one self-contained SVG (no script, no external resource; each segment has a tooltip).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use super::rollup::GroupBy;
use crate::analysis::html::escape;
use crate::record::fleet_row::FleetRow;
use crate::time::Timestamp;

/// Groups drawn by name; the others are stacked as [`OTHER`].
pub const TOP_GROUPS: usize = 8;
/// The stack of every group past the [`TOP_GROUPS`] costliest.
pub const OTHER: &str = "other";
/// Bars at most: the period grows (day → week → month) until the window fits.
pub const MAX_PERIODS: usize = 60;

/// One group's cost per period.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesGroup {
    /// The group's key (or [`OTHER`]).
    pub key: String,
    /// Known USD per period, in the order of [`CostSeries::periods`].
    pub usd: Vec<f64>,
    /// Their sum.
    pub total_usd: f64,
}

/// Known cost per period and group.
#[derive(Debug, Clone, PartialEq)]
pub struct CostSeries {
    /// The period: [`GroupBy::Day`], [`GroupBy::Week`] or [`GroupBy::Month`].
    pub period: GroupBy,
    /// Period labels, oldest first (`2026-11-03`, `2026-W45`, `2026-11`).
    pub periods: Vec<String>,
    /// Groups, costliest first, [`OTHER`] last.
    pub groups: Vec<SeriesGroup>,
}

/// The period for a window from `from` to `to`: the finest that gives at most [`MAX_PERIODS`] bars.
pub fn period_for(from: Timestamp, to: Timestamp) -> GroupBy {
    let days = (to - from).num_days().max(1) as usize;
    if days <= MAX_PERIODS {
        GroupBy::Day
    } else if days / 7 < MAX_PERIODS {
        GroupBy::Week
    } else {
        GroupBy::Month
    }
}

/// The known cost of `runs` per period of `period` and group of `group_by`. Runs without a stop time have no
/// period and are left out (the summary's totals still count them).
pub fn cost_series(runs: &[FleetRow], group_by: GroupBy, period: GroupBy) -> CostSeries {
    let mut cells: BTreeMap<String, HashMap<String, f64>> = BTreeMap::new();
    let mut totals: HashMap<String, f64> = HashMap::new();
    for run in runs.iter().filter(|r| r.listed.stop_time.is_some()) {
        let group = group_by.key_of(run);
        let usd = run.listed.known_usd;
        *totals.entry(group.clone()).or_default() += usd;
        *cells
            .entry(period.key_of(run))
            .or_default()
            .entry(group)
            .or_default() += usd;
    }
    let mut ranked: Vec<(String, f64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let named: Vec<String> = ranked
        .iter()
        .take(TOP_GROUPS)
        .map(|(k, _)| k.clone())
        .collect();
    let periods: Vec<String> = cells.keys().cloned().collect();
    let mut groups: Vec<SeriesGroup> = named
        .iter()
        .map(|key| series(key, &periods, &cells, |group| group == key))
        .collect();
    if ranked.len() > TOP_GROUPS {
        groups.push(series(OTHER, &periods, &cells, |group| {
            !named.iter().any(|n| n == group)
        }));
    }
    CostSeries {
        period,
        periods,
        groups,
    }
}

fn series(
    key: &str,
    periods: &[String],
    cells: &BTreeMap<String, HashMap<String, f64>>,
    member: impl Fn(&str) -> bool,
) -> SeriesGroup {
    let usd: Vec<f64> = periods
        .iter()
        .map(|p| {
            cells[p]
                .iter()
                .filter(|(group, _)| member(group))
                .map(|(_, usd)| usd)
                .sum()
        })
        .collect();
    SeriesGroup {
        key: key.to_owned(),
        total_usd: usd.iter().sum(),
        usd,
    }
}

/// Colours of the stacks, in group order ([`OTHER`] takes the last).
const PALETTE: [&str; 9] = [
    "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#c62828", "#558b2f", "#4e342e",
    "#9e9e9e",
];

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 70.0;
const BOTTOM: f64 = 70.0;
const TOP: f64 = 20.0;
const LEGEND: f64 = 190.0;

/// The series as stacked bars: one bar per period, one segment per group, a USD axis and a legend.
pub fn render_cost_chart(series: &CostSeries) -> String {
    let plot_w = WIDTH - LEFT - LEGEND;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let tallest = (0..series.periods.len())
        .map(|i| series.groups.iter().map(|g| g.usd[i]).sum::<f64>())
        .fold(0.0_f64, f64::max);
    let scale = nice_ceiling(tallest);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-label=\"Known cost per {}\" font-family=\"sans-serif\" font-size=\"11\">",
        series.period.as_str()
    );
    axis(&mut svg, scale, plot_w, plot_h);
    let slot = plot_w / series.periods.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let label_every = series.periods.len().div_ceil(20).max(1);
    for (i, period) in series.periods.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = TOP + plot_h;
        for (g, group) in series.groups.iter().enumerate() {
            let usd = group.usd[i];
            if usd <= 0.0 {
                continue;
            }
            let h = usd / scale * plot_h;
            y -= h;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\">\
                 <title>{} · {}: ${usd:.2}</title></rect>",
                colour(g, &group.key),
                escape(period),
                escape(&group.key)
            );
        }
        if i % label_every == 0 {
            let lx = x + bar / 2.0;
            let ly = TOP + plot_h + 12.0;
            let _ = write!(
                svg,
                "<text x=\"{lx:.1}\" y=\"{ly:.1}\" transform=\"rotate(45 {lx:.1} {ly:.1})\">{}</text>",
                escape(period)
            );
        }
    }
    legend(&mut svg, series);
    svg.push_str("</svg>");
    svg
}

fn colour(index: usize, key: &str) -> &'static str {
    if key == OTHER {
        PALETTE[PALETTE.len() - 1]
    } else {
        PALETTE[index % (PALETTE.len() - 1)]
    }
}

/// The USD axis: 0 and four gridlines up to `scale`.
fn axis(svg: &mut String, scale: f64, plot_w: f64, plot_h: f64) {
    for step in 0..=4 {
        let usd = scale * step as f64 / 4.0;
        let y = TOP + plot_h - plot_h * step as f64 / 4.0;
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">${}</text>",
            LEFT + plot_w,
            LEFT - 6.0,
            y + 4.0,
            money(usd)
        );
    }
}

fn legend(svg: &mut String, series: &CostSeries) {
    let x = WIDTH - LEGEND + 14.0;
    for (g, group) in series.groups.iter().enumerate() {
        let y = TOP + 18.0 * g as f64;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\">{} (${})</text>",
            colour(g, &group.key),
            x + 18.0,
            y + 10.0,
            escape(&shorten(&group.key, 16)),
            money(group.total_usd)
        );
    }
}

/// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (the axis' top), at least 1.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 1.0 {
        return 1.0;
    }
    let magnitude = 10_f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|top| *top >= value)
        .unwrap_or(10.0 * magnitude)
}

fn money(usd: f64) -> String {
    if usd >= 100.0 {
        format!("{usd:.0}")
    } else {
        format!("{usd:.2}")
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let head: String = text.chars().take(max - 1).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp;

    fn row(workflow: &str, stop: &str, usd: f64) -> FleetRow {
        let mut row = FleetRow::sample("1", 1, usd);
        row.listed.workflow_id = Some(workflow.into());
        row.listed.stop_time = Some(parse_timestamp(stop).unwrap());
        row
    }

    #[test]
    fn costs_are_summed_per_period_and_group_and_the_tail_is_other() {
        let mut runs = vec![
            row("a", "2026-11-01T10:00:00Z", 1.0),
            row("a", "2026-11-01T12:00:00Z", 2.0),
            row("b", "2026-11-02T10:00:00Z", 5.0),
        ];
        for i in 0..TOP_GROUPS {
            runs.push(row(&format!("small{i}"), "2026-11-02T11:00:00Z", 0.1));
        }
        let series = cost_series(&runs, GroupBy::Workflow, GroupBy::Day);
        assert_eq!(series.periods, ["2026-11-01", "2026-11-02"]);
        assert_eq!(series.groups[0].key, "b");
        assert_eq!(series.groups[0].usd, [0.0, 5.0]);
        assert_eq!(series.groups[1].key, "a");
        assert_eq!(series.groups[1].usd, [3.0, 0.0]);
        let other = series.groups.last().unwrap();
        assert_eq!(other.key, OTHER);
        assert!(
            (other.total_usd - 0.2).abs() < 1e-9,
            "two small groups past the top 8"
        );
        let sum: f64 = series.groups.iter().map(|g| g.total_usd).sum();
        assert!((sum - 8.8).abs() < 1e-9, "nothing lost: {sum}");
    }

    #[test]
    fn the_period_keeps_the_bars_few() {
        let at = |s: &str| parse_timestamp(s).unwrap();
        assert_eq!(
            period_for(at("2026-11-01T00:00:00Z"), at("2026-11-30T00:00:00Z")),
            GroupBy::Day
        );
        assert_eq!(
            period_for(at("2026-01-01T00:00:00Z"), at("2026-11-30T00:00:00Z")),
            GroupBy::Week
        );
        assert_eq!(
            period_for(at("2020-01-01T00:00:00Z"), at("2026-11-30T00:00:00Z")),
            GroupBy::Month
        );
    }

    #[test]
    fn the_chart_is_one_escaped_svg_with_a_segment_per_cost() {
        let runs = vec![
            row("<wf>", "2026-11-01T10:00:00Z", 12.5),
            row("b", "2026-11-02T10:00:00Z", 0.0),
        ];
        let svg = render_cost_chart(&cost_series(&runs, GroupBy::Workflow, GroupBy::Day));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;wf&gt;") && !svg.contains("<wf>"));
        assert_eq!(svg.matches("<title>").count(), 1, "no segment for $0");
        assert!(svg.contains("$12.50"));
        assert_eq!(nice_ceiling(12.5), 20.0);
        assert_eq!(nice_ceiling(230.0), 250.0);
    }
}
