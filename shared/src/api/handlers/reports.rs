//! `GET /reports` (`query-fleet`): stored runs, newest stop time first, filtered by workflow, status, batch, run
//! group and who started them, in a stop-time window; pages with signed cursors like the other lists.
//!
//! With an id, the most selective index serves the request (`byWorkflow`, else `byBatch`, else `byRunGroup`) and
//! the other filters are DynamoDB filter expressions on that query. Without one, the fleet table's day buckets do,
//! newest day first, with `status` / `startedBy` applied to their rows. A page may hold fewer than `limit` items
//! (as DynamoDB's own pages do); `nextCursor` is absent only at the end.

use std::collections::HashMap;

use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::ListBody;
use super::fleet::{fleet_days, fleet_index, fleet_response};
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
use crate::record::fleet_row::FleetRow;
use crate::store::{
    FleetDays, FleetIndex, IndexFilter, IndexPartition, Listing, Reading, bound_day,
};
use crate::time::{Timestamp, format_timestamp, parse_timestamp};

/// Function name the cursors of this route are bound to.
const FUNCTION: &str = "query-fleet";
/// Queries per request at most (a sparse filter over a long window returns a short page and a cursor).
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

/// What a request reads.
#[derive(Debug, Clone)]
enum Partition {
    /// One index partition (an id was given).
    Fixed(IndexPartition),
    /// The day buckets of the window.
    Days,
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
            (None, None, None) => Partition::Days,
        };
        // With an id, the listing is one index partition: all of its runs unless a bound is asked for.
        let bounded = matches!(partition, Partition::Days)
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

/// Where a listing stands: the window (fixed on the first page) and where the next page starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Position {
    from: Option<String>,
    to: Option<String>,
    /// Day-bucket listings: the next page holds the runs whose `stopKey` sorts below this.
    before: Option<String>,
    /// Index listings: DynamoDB's LastEvaluatedKey in the partition.
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
    let (items, next, consumed) = match &query.partition {
        Partition::Fixed(partition) => {
            read_index(&fleet_index(&state)?, partition, &query, position).await?
        }
        Partition::Days => read_days(&fleet_days(&state)?, &query, position).await?,
    };
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
        before: None,
        key: None,
    }
}

/// The window a position fixed: `(from, to)`.
fn bounds(position: &Position) -> Result<(Option<Timestamp>, Option<Timestamp>)> {
    let bound = |text: &Option<String>| {
        text.as_deref()
            .map(|t| parse_timestamp(t).map_err(|_| bad_cursor()))
            .transpose()
    };
    Ok((bound(&position.from)?, bound(&position.to)?))
}

/// Reads the index partition from `position` until `limit` items, its end, or [`MAX_QUERIES`] queries.
async fn read_index(
    index: &FleetIndex,
    partition: &IndexPartition,
    query: &ListReportsQuery,
    mut position: Position,
) -> Result<(Vec<ReportListItem>, Option<Position>, f64)> {
    let (from, to) = bounds(&position)?;
    let filter = IndexFilter {
        from,
        to,
        equals: query.filter.clone(),
    };
    let mut items = Vec::new();
    let mut consumed = 0.0;
    for _ in 0..MAX_QUERIES {
        let wanted = query.limit - items.len() as i32;
        let page = upstream(index.page(
            partition,
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
            return Ok((items, None, consumed));
        }
        if items.len() as i32 >= query.limit {
            break;
        }
    }
    Ok((items, Some(position), consumed))
}

/// Reads the window's day buckets, newest first, below `position.before` (see [`FleetDays::newest`]).
async fn read_days(
    days: &FleetDays,
    query: &ListReportsQuery,
    position: Position,
) -> Result<(Vec<ReportListItem>, Option<Position>, f64)> {
    let (Some(from), Some(to)) = bounds(&position)? else {
        return Err(bad_cursor());
    };
    if position
        .before
        .as_deref()
        .is_some_and(|b| bound_day(b).is_none())
    {
        return Err(bad_cursor());
    }
    let listing = Listing {
        from,
        to,
        before: position.before.as_deref(),
        want: usize::try_from(query.limit).unwrap_or(1),
        max_queries: MAX_QUERIES,
    };
    let keep = |row: &FleetRow| {
        query
            .filter
            .iter()
            .all(|(name, value)| matches(row, name, value))
    };
    let page = upstream(days.newest(&listing, keep)).await?;
    let next = page.next.map(|before| Position {
        before: Some(before),
        ..position.clone()
    });
    let items = page.rows.into_iter().map(|row| row.listed).collect();
    Ok((items, next, page.consumed_rcu))
}

/// Whether a row has `value` for the filter `name` (the names [`ListReportsQuery::parse`] filters on).
fn matches(row: &FleetRow, name: &str, value: &str) -> bool {
    let listed = &row.listed;
    let field = match name {
        "status" => Some(listed.status.as_str()),
        "startedBy" => listed.started_by.as_deref(),
        "workflowId" => listed.workflow_id.as_deref(),
        "batchId" => listed.batch_id.as_deref(),
        "runGroupId" => listed.run_group_id.as_deref(),
        _ => None,
    };
    field == Some(value)
}

fn bad_cursor() -> Error {
    Error::invalid("cursor", "is not a cursor of this listing")
}
