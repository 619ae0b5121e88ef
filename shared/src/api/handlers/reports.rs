//! `GET /reports` (`query-fleet`): stored runs, newest stop time first, filtered by workflow, status, batch, run
//! group and who started them, in a stop-time window; pages with signed cursors like the other lists.
//!
//! The most selective index serves the request (`byWorkflow`, else `byBatch`, else `byRunGroup`, else
//! `byStopMonth` month by month); the other filters are DynamoDB filter expressions on that query. A page may hold
//! fewer than `limit` items (as DynamoDB's own pages do); `nextCursor` is absent only at the end.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::ListBody;
use super::fleet::{fleet_index, fleet_response};
use crate::api::cursor::CursorScope;
use crate::api::extract::{Query, RouteQuery};
use crate::api::fleet_query::{
    DEFAULT_REPORTS_DAYS, LIST_REPORTS_PARAMS, Window, batch_id, run_group_id, started_by, window,
    workflow_id,
};
use crate::api::observe::upstream;
use crate::api::query::QueryParams;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::record::fleet::ReportListItem;
use crate::store::{FleetIndex, IndexFilter, IndexPartition, Reading, months_between, stop_month};
use crate::time::{format_timestamp, parse_timestamp};

/// Function name the cursors of this route are bound to.
const FUNCTION: &str = "query-fleet";
/// Index queries per request at most (a sparse filter over many months returns a short page and a cursor).
const MAX_QUERIES: usize = 16;

/// The parsed parameters.
#[derive(Debug)]
pub struct ListReportsQuery {
    limit: i32,
    window: Window,
    /// Whether `window` bounds the listing (always without an id; with one, only when `from` or `to` is given).
    bounded: bool,
    partition: Partition,
    filter: Vec<(&'static str, String)>,
    params: QueryParams,
}

/// The index partition family a request reads.
#[derive(Debug, Clone)]
enum Partition {
    Fixed(IndexPartition),
    Months,
}

impl RouteQuery for ListReportsQuery {
    const ALLOWED: &'static [&'static str] = LIST_REPORTS_PARAMS;

    fn parse(query: &QueryParams) -> Result<Self> {
        let limit = query.limit()?;
        let workflow = workflow_id(query)?.map(|id| id.to_string());
        let status = query.run_status()?.map(|s| s.as_str().to_owned());
        let batch = batch_id(query)?.map(|id| id.to_string());
        let group = run_group_id(query)?.map(|id| id.to_string());
        let started = started_by(query)?;
        let window = window(query, DEFAULT_REPORTS_DAYS)?;
        let mut filter = Vec::new();
        let partition = match (&workflow, &batch, &group) {
            (Some(w), _, _) => Partition::Fixed(IndexPartition::Workflow(w.clone())),
            (None, Some(b), _) => Partition::Fixed(IndexPartition::Batch(b.clone())),
            (None, None, Some(g)) => Partition::Fixed(IndexPartition::RunGroup(g.clone())),
            (None, None, None) => Partition::Months,
        };
        // With an id, the listing is one index partition: all of its runs unless a bound is asked for.
        let bounded = matches!(partition, Partition::Months)
            || query.get("from").is_some()
            || query.get("to").is_some();
        // The index key covers one of the ids; the others (and status, startedBy) are filters.
        let ids = [
            ("workflowId", workflow),
            ("batchId", batch),
            ("runGroupId", group),
        ];
        for (name, value) in ids {
            let is_key = matches!(&partition, Partition::Fixed(p) if p.index().1 == name);
            if let Some(value) = value.filter(|_| !is_key) {
                filter.push((name, value));
            }
        }
        filter.extend(status.map(|s| ("status", s)));
        filter.extend(started.map(|s| ("startedBy", s)));
        Ok(Self {
            limit,
            window,
            partition,
            filter,
            bounded,
            params: query.clone(),
        })
    }
}

/// Where a listing stands: the window (fixed on the first page) and the next key of the current partition.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Position {
    from: Option<String>,
    to: Option<String>,
    /// The month being read (`byStopMonth` listings).
    month: Option<String>,
    /// DynamoDB's LastEvaluatedKey in that partition; `None`: start of `month`.
    key: Option<HashMap<String, String>>,
}

/// One page of stored runs.
pub async fn list_reports(
    State(state): State<SharedState>,
    Query(query): Query<ListReportsQuery>,
) -> Result<Response> {
    let scope = LIST_REPORTS_PARAMS
        .iter()
        .filter(|name| !matches!(**name, "cursor" | "limit"))
        .fold(CursorScope::new(FUNCTION), |scope, name| {
            scope.bind(name, query.params.get(name))
        });
    let key = state.cursor_key()?;
    let position = match query.params.cursor()? {
        Some(cursor) => serde_json::from_str::<Position>(&key.open(&scope, cursor)?)
            .map_err(|_| Error::invalid("cursor", "is not a cursor of this listing"))?,
        None => first_position(&query),
    };
    let index = fleet_index(&state)?;
    let (items, next, consumed) = read_page(&index, &query, position).await?;
    let next_cursor = next
        .map(|p| serde_json::to_string(&p).map(|token| key.seal(&scope, &token)))
        .transpose()
        .map_err(|e| Error::Internal(format!("serializing a cursor: {e}")))?;
    fleet_response(&ListBody { items, next_cursor }, consumed)
}

fn first_position(query: &ListReportsQuery) -> Position {
    Position {
        from: query.bounded.then(|| format_timestamp(&query.window.from)),
        to: query.bounded.then(|| format_timestamp(&query.window.to)),
        month: matches!(query.partition, Partition::Months).then(|| stop_month(&query.window.to)),
        key: None,
    }
}

/// Reads from `position` until `limit` items, the end, or [`MAX_QUERIES`] queries.
async fn read_page(
    index: &FleetIndex,
    query: &ListReportsQuery,
    mut position: Position,
) -> Result<(Vec<ReportListItem>, Option<Position>, f64)> {
    let bound = |text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_timestamp(t).map_err(|_| bad_cursor()))
            .transpose()
    };
    let (from, to) = (bound(&position.from)?, bound(&position.to)?);
    let months = match (from, to) {
        (Some(from), Some(to)) => months_between(&from, &to),
        _ => Vec::new(),
    };
    let filter = IndexFilter {
        from,
        to,
        equals: query.filter.clone(),
    };
    let mut items = Vec::new();
    let mut consumed = 0.0;
    for _ in 0..MAX_QUERIES {
        let partition = match (&query.partition, &position.month) {
            (Partition::Fixed(p), _) => p.clone(),
            (Partition::Months, Some(month)) => IndexPartition::StopMonth(month.clone()),
            (Partition::Months, None) => return Err(bad_cursor()),
        };
        let wanted = query.limit - items.len() as i32;
        let page = upstream(index.page(
            &partition,
            &filter,
            wanted,
            position.key.take(),
            Reading::Rows,
        ))
        .await?;
        consumed += page.consumed_rcu;
        items.extend(page.runs.into_iter().map(|r| r.row.listed));
        position.key = page.next;
        if position.key.is_none() {
            // This partition is done: the next older month of the window, or the end.
            let next_month = position
                .month
                .as_ref()
                .and_then(|m| months.iter().position(|x| x == m))
                .and_then(|i| months.get(i + 1).cloned());
            match next_month {
                Some(month) if matches!(query.partition, Partition::Months) => {
                    position.month = Some(month)
                }
                _ => return Ok((items, None, consumed)),
            }
        }
        if items.len() as i32 >= query.limit {
            break;
        }
    }
    Ok((items, Some(position), consumed))
}

fn bad_cursor() -> Error {
    Error::invalid("cursor", "is not a cursor of this listing")
}
