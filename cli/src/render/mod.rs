//! Human output: tables (comfy-table) and units people read (durations, GiB, dollars, times), drawn from the API's
//! JSON as it is, so a member the API adds later never breaks the CLI and a missing one shows as `-`.

mod fleet;
mod progress;
mod report;
mod runs;

pub use fleet::{batch, fleet_summary, profile, reports_list};
pub use progress::progress;
pub use report::{comparison, report};
pub use runs::{manifest_tasks, run, runs_list, task, tasks_list};

use std::time::Duration;

use bytesize::ByteSize;
use chrono::{DateTime, Utc};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use serde_json::Value;

/// What a missing value prints as.
pub const MISSING: &str = "-";

/// A table with a header, fitted to the terminal's width when there is one.
pub fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

/// Right-aligns the numeric columns `columns` of `table`.
pub fn align_right(table: &mut Table, columns: &[usize]) {
    for &index in columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// A two-column table of names and values, rows with a missing value left out.
pub fn pairs(rows: Vec<(&str, String)>) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    for (name, value) in rows {
        if value != MISSING {
            table.add_row(vec![name.to_owned(), value]);
        }
    }
    table
}

/// The string, number or boolean at `key`, as text; `-` when absent or null.
pub fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        None | Some(Value::Null) => MISSING.to_owned(),
        Some(Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// The number at `key`.
pub fn number(value: &Value, key: &str) -> Option<f64> {
    value.get(key).and_then(Value::as_f64)
}

/// The array at `key`, empty when absent.
pub fn array<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// US dollars: cents from $1 up, four decimals below (task costs are fractions of a cent to a few dollars).
pub fn usd(amount: Option<f64>) -> String {
    match amount {
        None => MISSING.to_owned(),
        // A negative saving (advice that costs more) reads as -$0.03, not $-0.03.
        Some(amount) if amount < 0.0 => format!("-{}", usd(Some(-amount))),
        Some(amount) if amount >= 1.0 || amount == 0.0 => format!("${amount:.2}"),
        Some(amount) => format!("${amount:.4}"),
    }
}

/// A signed dollar delta (`+$0.50`, `-$1.20`).
pub fn usd_delta(amount: Option<f64>) -> String {
    match amount {
        Some(amount) if amount >= 0.0 => format!("+{}", usd(Some(amount))),
        other => usd(other),
    }
}

/// Seconds as `1h 2m 5s` (whole seconds; under a second as `0s`).
pub fn duration(seconds: Option<f64>) -> String {
    match seconds {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            humantime::format_duration(Duration::from_secs(seconds.round() as u64)).to_string()
        }
        _ => MISSING.to_owned(),
    }
}

/// A signed duration delta (`+5m 2s`, `-1h`).
pub fn duration_delta(seconds: Option<f64>) -> String {
    match seconds {
        Some(seconds) if seconds < 0.0 => format!("-{}", duration(Some(-seconds))),
        Some(seconds) => format!("+{}", duration(Some(seconds))),
        None => MISSING.to_owned(),
    }
}

/// GiB as a binary size (`7.5 GiB`, `512.0 MiB`).
pub fn gib(amount: Option<f64>) -> String {
    match amount {
        Some(amount) if amount.is_finite() && amount >= 0.0 => {
            let bytes = (amount * 1024.0 * 1024.0 * 1024.0).round() as u64;
            ByteSize::b(bytes).display().iec().to_string()
        }
        _ => MISSING.to_owned(),
    }
}

/// Hours with one decimal (`12.3 h`).
pub fn hours(amount: Option<f64>) -> String {
    amount.map_or_else(|| MISSING.to_owned(), |h| format!("{h:.1} h"))
}

/// A ratio as a percentage (`0.42` → `42%`).
pub fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| MISSING.to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// An ISO-8601 time as `2024-11-04 14:12:03Z` (UTC, to the second); other text unchanged.
pub fn time(value: &Value, key: &str) -> String {
    match value.get(key).and_then(Value::as_str) {
        Some(text) => match parse_time(text) {
            Some(parsed) => parsed.format("%Y-%m-%d %H:%M:%SZ").to_string(),
            None => text.to_owned(),
        },
        None => MISSING.to_owned(),
    }
}

/// Seconds from `start` to `stop` of `value` (both ISO-8601); `None` when either is missing.
pub fn seconds_between(value: &Value, start: &str, stop: &str) -> Option<f64> {
    let start = parse_time(value.get(start)?.as_str()?)?;
    let stop = parse_time(value.get(stop)?.as_str()?)?;
    Some((stop - start).num_milliseconds() as f64 / 1000.0)
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

/// `{"A": 1, "B": 2}` as `A 1, B 2`.
pub fn counts(value: Option<&Value>) -> String {
    match value.and_then(Value::as_object) {
        // Sorted by status here: whether serde_json keeps the API's order depends on features other crates of
        // the build turn on (`preserve_order`).
        Some(map) if !map.is_empty() => map
            .iter()
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .map(|(key, count)| format!("{key} {count}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => MISSING.to_owned(),
    }
}

/// A `title` section listing `lines` (strings among the values) as `  ! line`; `None` when there are none.
pub fn notes<'a>(title: &str, lines: impl Iterator<Item = &'a Value>) -> Option<String> {
    let lines: Vec<String> = lines
        .filter_map(Value::as_str)
        .map(|line| format!("  ! {line}"))
        .collect();
    (!lines.is_empty()).then(|| format!("{title}\n{}", lines.join("\n")))
}

/// The line of `rendered` containing `needle` (tests of the renderers).
#[cfg(test)]
pub fn line<'a>(rendered: &'a str, needle: &str) -> &'a str {
    rendered
        .lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle} in\n{rendered}"))
}

/// Joins sections with a blank line between them.
pub fn sections(parts: Vec<String>) -> String {
    parts
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dollars_keep_cents_or_four_decimals() {
        assert_eq!(usd(Some(1.725379)), "$1.73");
        assert_eq!(usd(Some(0.175689)), "$0.1757");
        assert_eq!(usd(Some(0.0)), "$0.00");
        assert_eq!(usd(Some(1234.5)), "$1234.50");
        assert_eq!(usd(Some(-0.0283)), "-$0.0283");
        assert_eq!(usd(Some(-3.67)), "-$3.67");
        assert_eq!(usd(None), "-");
        assert_eq!(usd_delta(Some(-0.5)), "-$0.5000");
        assert_eq!(usd_delta(Some(2.0)), "+$2.00");
    }

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(duration(Some(3725.4)), "1h 2m 5s");
        assert_eq!(duration(Some(0.2)), "0s");
        assert_eq!(duration(Some(90_000.0)), "1day 1h");
        assert_eq!(duration(None), "-");
        assert_eq!(duration(Some(f64::NAN)), "-");
        assert_eq!(duration_delta(Some(-61.0)), "-1m 1s");
        assert_eq!(duration_delta(Some(61.0)), "+1m 1s");
    }

    #[test]
    fn sizes_times_and_ratios() {
        assert_eq!(gib(Some(8.0)), "8.0 GiB");
        assert_eq!(gib(Some(0.5)), "512.0 MiB");
        assert_eq!(gib(Some(-1.0)), "-");
        assert_eq!(hours(Some(12.34)), "12.3 h");
        assert_eq!(percent(Some(0.424)), "42%");
        let task = json!({"startTime": "2024-11-04T14:13:31.000Z", "stopTime": "2024-11-04T14:13:55.500Z"});
        assert_eq!(time(&task, "startTime"), "2024-11-04 14:13:31Z");
        assert_eq!(time(&task, "creationTime"), "-");
        assert_eq!(seconds_between(&task, "startTime", "stopTime"), Some(24.5));
        assert_eq!(seconds_between(&task, "creationTime", "stopTime"), None);
        assert_eq!(
            counts(Some(&json!({"COMPLETED": 9, "FAILED": 1}))),
            "COMPLETED 9, FAILED 1"
        );
        assert_eq!(counts(Some(&json!({}))), "-");
    }

    #[test]
    fn text_shows_missing_and_null_alike() {
        let value = json!({"a": "x", "b": null, "c": 3, "d": true});
        assert_eq!(text(&value, "a"), "x");
        assert_eq!(text(&value, "b"), "-");
        assert_eq!(text(&value, "c"), "3");
        assert_eq!(text(&value, "d"), "true");
        assert_eq!(text(&value, "e"), "-");
        let table = pairs(vec![("shown", "1".into()), ("hidden", "-".into())]).to_string();
        assert!(
            table.contains("shown") && !table.contains("hidden"),
            "{table}"
        );
    }
}
