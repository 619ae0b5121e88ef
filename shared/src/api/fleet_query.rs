//! The query parameters of the fleet routes: the stop-time window (`from`, `to`), `groupBy`, the id filters,
//! and the profile's `runs`, `headroom` and `format`. Each bad value is a 400 naming its parameter.

use chrono::{Duration, NaiveDate, Utc};

use super::query::QueryParams;
use crate::analysis::fleet::GroupBy;
use crate::error::{Error, Result};
use crate::record::{BatchId, RunGroupId, WorkflowId};
use crate::time::{Timestamp, parse_timestamp};

/// Longest window, days.
pub const MAX_WINDOW_DAYS: i64 = 400;
/// `GET /fleet/summary` window when `from` is absent: the 30 days before `to`.
pub const DEFAULT_SUMMARY_DAYS: i64 = 30;
/// `GET /reports` window when `from` is absent: the longest window before `to`.
pub const DEFAULT_REPORTS_DAYS: i64 = MAX_WINDOW_DAYS;
/// Longest `startedBy` (an IAM principal ARN).
pub const MAX_STARTED_BY_CHARS: usize = 256;

/// `GET /reports` parameters.
pub const LIST_REPORTS_PARAMS: &[&str] = &[
    "workflowId",
    "status",
    "batchId",
    "runGroupId",
    "startedBy",
    "from",
    "to",
    "limit",
    "cursor",
];
/// `GET /fleet/summary` parameters.
pub const FLEET_SUMMARY_PARAMS: &[&str] = &["from", "to", "groupBy", "format"];
/// `GET /workflows/{workflowId}/profile` parameters.
pub const PROFILE_PARAMS: &[&str] = &["runs", "headroom", "format"];

/// A window of stop times: `from` ≤ stop < `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Inclusive start.
    pub from: Timestamp,
    /// Exclusive end.
    pub to: Timestamp,
}

/// `from` / `to`: an ISO-8601 instant, or a date (`from` = its first instant; `to` = the whole day, so
/// `from=2026-10-01&to=2026-10-31` is October). `to` defaults to now, `from` to `default_days` before `to`.
pub fn window(query: &QueryParams, default_days: i64) -> Result<Window> {
    let to = match query.get("to") {
        Some(text) => instant(text, "to", true)?,
        None => Utc::now(),
    };
    let from = match query.get("from") {
        Some(text) => instant(text, "from", false)?,
        None => to - Duration::days(default_days),
    };
    if from >= to {
        return Err(Error::invalid("from", "must be before to"));
    }
    if to - from > Duration::days(MAX_WINDOW_DAYS) {
        return Err(Error::invalid(
            "from",
            format!("the window from from to to must be at most {MAX_WINDOW_DAYS} days"),
        ));
    }
    Ok(Window { from, to })
}

fn instant(text: &str, name: &str, end_of_day: bool) -> Result<Timestamp> {
    let bad = || {
        Error::invalid(
            name,
            "must be an ISO-8601 instant (2026-10-01T00:00:00Z) or date (2026-10-01)",
        )
    };
    if text.len() == 10 {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
        let date = if end_of_day {
            date.succ_opt().ok_or_else(bad)?
        } else {
            date
        };
        return Ok(date.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc());
    }
    if text.len() > 40 || !text.contains('T') {
        return Err(bad());
    }
    parse_timestamp(text).map_err(|_| bad())
}

/// `groupBy`, default `workflow`.
pub fn group_by(query: &QueryParams) -> Result<GroupBy> {
    match query.get("groupBy") {
        None => Ok(GroupBy::Workflow),
        Some(text) => text.parse().map_err(|()| {
            Error::invalid(
                "groupBy",
                format!("must be one of {}", GroupBy::NAMES.join(", ")),
            )
        }),
    }
}

/// `workflowId`.
pub fn workflow_id(query: &QueryParams) -> Result<Option<WorkflowId>> {
    query
        .get("workflowId")
        .map(|t| WorkflowId::parse(t).map_err(|e| Error::invalid_id("workflowId", e)))
        .transpose()
}

/// `batchId`.
pub fn batch_id(query: &QueryParams) -> Result<Option<BatchId>> {
    query
        .get("batchId")
        .map(|t| BatchId::parse(t).map_err(|e| Error::invalid_id("batchId", e)))
        .transpose()
}

/// `runGroupId`.
pub fn run_group_id(query: &QueryParams) -> Result<Option<RunGroupId>> {
    query.run_group_id()
}

/// `startedBy`: 1 to [`MAX_STARTED_BY_CHARS`] characters without control characters.
pub fn started_by(query: &QueryParams) -> Result<Option<String>> {
    let Some(text) = query.get("startedBy") else {
        return Ok(None);
    };
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_STARTED_BY_CHARS || text.chars().any(char::is_control) {
        return Err(Error::invalid(
            "startedBy",
            format!("must be 1 to {MAX_STARTED_BY_CHARS} characters without control characters"),
        ));
    }
    Ok(Some(text.to_owned()))
}

/// `runs`: 1 to 100, default 20.
pub fn runs(query: &QueryParams) -> Result<usize> {
    let Some(text) = query.get("runs") else {
        return Ok(20);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=100).contains(&n) && text.len() <= 3 => Ok(n),
        _ => Err(Error::invalid("runs", "must be an integer from 1 to 100")),
    }
}

/// `headroom`: 0 to 1 (0.1 = 10 %), default 0.1.
pub fn headroom(query: &QueryParams) -> Result<f64> {
    let Some(text) = query.get("headroom") else {
        return Ok(0.1);
    };
    match text.parse::<f64>() {
        Ok(h) if (0.0..=1.0).contains(&h) && text.len() <= 12 => Ok(h),
        _ => Err(Error::invalid("headroom", "must be a number from 0 to 1")),
    }
}

/// What `format` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileFormat {
    /// The profile as JSON.
    Json,
    /// A `nextflow.config` `process` block (text/plain).
    Nextflow,
    /// WDL runtime blocks (text/plain).
    Wdl,
}

/// `format`: `json` (default), `nextflow` or `wdl`.
pub fn profile_format(query: &QueryParams) -> Result<ProfileFormat> {
    match query.get("format") {
        None | Some("json") => Ok(ProfileFormat::Json),
        Some("nextflow") => Ok(ProfileFormat::Nextflow),
        Some("wdl") => Ok(ProfileFormat::Wdl),
        Some(_) => Err(Error::invalid(
            "format",
            "must be one of json, nextflow, wdl",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::format_timestamp;
    use lambda_http::aws_lambda_events::query_map::QueryMap;

    fn params(pairs: &[(&str, &str)], allowed: &[&str]) -> QueryParams {
        let map = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<std::collections::HashMap<_, _>>();
        QueryParams::from_map(&QueryMap::from(map), allowed).unwrap()
    }

    fn field(err: Error) -> String {
        match err {
            Error::InvalidInput { field, .. } => field,
            other => panic!("not a 400: {other}"),
        }
    }

    #[test]
    fn dates_cover_whole_days_and_instants_are_exact() {
        let q = params(
            &[("from", "2026-10-01"), ("to", "2026-10-31")],
            FLEET_SUMMARY_PARAMS,
        );
        let w = window(&q, 30).unwrap();
        assert_eq!(format_timestamp(&w.from), "2026-10-01T00:00:00.000Z");
        assert_eq!(format_timestamp(&w.to), "2026-11-01T00:00:00.000Z");
        let q = params(
            &[
                ("from", "2026-10-01T12:00:00Z"),
                ("to", "2026-10-02T00:00:00.5Z"),
            ],
            FLEET_SUMMARY_PARAMS,
        );
        let w = window(&q, 30).unwrap();
        assert_eq!(format_timestamp(&w.to), "2026-10-02T00:00:00.500Z");
    }

    #[test]
    fn bad_windows_name_the_parameter() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("from", "2026-10-02"), ("to", "2026-10-01")], "from"),
            (&[("from", "2024-01-01"), ("to", "2026-01-01")], "from"),
            (&[("from", "yesterday")], "from"),
            (&[("to", "2026-13-01")], "to"),
        ];
        for (pairs, name) in cases {
            let q = params(pairs, FLEET_SUMMARY_PARAMS);
            assert_eq!(field(window(&q, 30).unwrap_err()), *name, "{pairs:?}");
        }
        let q = params(&[("groupBy", "planet")], FLEET_SUMMARY_PARAMS);
        assert_eq!(field(group_by(&q).unwrap_err()), "groupBy");
        let q = params(
            &[("runs", "0"), ("headroom", "2"), ("format", "yaml")],
            PROFILE_PARAMS,
        );
        assert_eq!(field(runs(&q).unwrap_err()), "runs");
        assert_eq!(field(headroom(&q).unwrap_err()), "headroom");
        assert_eq!(field(profile_format(&q).unwrap_err()), "format");
    }
}
