//! Day buckets: every stored run's [`FleetRow`] filed under the UTC day of its stop time, so that
//! `GET /fleet/summary` over a year reads about 365 items instead of one item per run.
//!
//! A bucket is an item of the fleet table (`FLEET_TABLE_NAME`, small by construction: a query there costs the same
//! on moto as on DynamoDB, whatever the number of runs): pk `FLEETDAY#<yyyy>`, sk `<yyyy-mm-dd>#<shard>`, `rows` (gzip JSON of
//! run key → row), `version` (optimistic locking), `runs`. A day spills into a further shard when its rows pass
//! [`SHARD_BYTES`] compressed, so an item never nears DynamoDB's 400 KB whatever the fleet's size; a run stays in
//! the shard that first took it. Writers read the day's shards, change them and write each changed shard on the
//! condition that its version did not move; a lost race re-reads and retries ([`ATTEMPTS`]).
//!
//! A row replaces the stored row of its run only when its record is at least as good (quality), as the summary
//! item itself, so a late or duplicated write never regresses a bucket. Readers keep each run once (the best row)
//! should a run's stop day ever change.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Datelike, NaiveDate};

use super::ATTEMPTS;
use crate::config::vars::FLEET_TABLE_NAME;
use crate::error::{Error, Lookup, Result};
use crate::record::fleet_row::FleetRow;
use crate::time::Timestamp;

/// Service name used in errors and logs.
const SERVICE: &str = "DynamoDB";
/// Compressed bytes of a shard beyond which new runs go to the next shard.
pub const SHARD_BYTES: usize = 300_000;
/// Partition key prefix of the buckets (distinct from the runs' `RUN#`).
pub const BUCKET_PREFIX: &str = "FLEETDAY#";

/// One shard of one day, as read.
#[derive(Debug, Clone, Default)]
struct Shard {
    sk: String,
    /// `None`: not stored yet.
    version: Option<u64>,
    rows: BTreeMap<String, FleetRow>,
    /// Compressed bytes: as stored, plus an estimate for each row added since.
    bytes: usize,
    changed: bool,
}

/// The day buckets of the fleet table.
#[derive(Debug, Clone)]
pub struct FleetDays {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn day_of(time: &Timestamp) -> NaiveDate {
    time.date_naive()
}

fn bucket_pk(day: NaiveDate) -> String {
    format!("{BUCKET_PREFIX}{}", day.year())
}

fn shard_sk(day: NaiveDate, shard: usize) -> String {
    format!("{}#{shard:03}", day.format("%Y-%m-%d"))
}

impl FleetDays {
    /// The buckets in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Files `row` under its day, replacing its run's row unless the stored one is better.
    pub async fn upsert(&self, row: &FleetRow) -> Result<()> {
        self.merge(std::slice::from_ref(row)).await
    }

    /// Files every row under its day: one read-change-write per day touched (`reindex`, seeding).
    pub async fn merge(&self, rows: &[FleetRow]) -> Result<()> {
        let mut by_day: BTreeMap<NaiveDate, Vec<&FleetRow>> = BTreeMap::new();
        for row in rows {
            by_day.entry(day_of(&row.filed_at)).or_default().push(row);
        }
        for (day, rows) in by_day {
            self.change_day(day, |shards| place(shards, day, &rows))
                .await?;
        }
        Ok(())
    }

    /// Removes the row of `run_key` from the day of `filed_at` (a run whose stop day changed).
    pub async fn remove(&self, run_key: &str, filed_at: &Timestamp) -> Result<()> {
        self.change_day(day_of(filed_at), |shards| {
            for shard in shards.iter_mut() {
                shard.changed |= shard.rows.remove(run_key).is_some();
            }
        })
        .await
    }

    pub const PUT_ITEM: &str = "dynamodb:PutItem"; // IAM action, see crate::iam
    /// Reads the day's shards, applies `change`, writes the changed shards; retries on a lost race.
    async fn change_day(&self, day: NaiveDate, change: impl Fn(&mut Vec<Shard>)) -> Result<()> {
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                super::after_lost_race(attempt).await;
            }
            let mut shards = self.read_day(day).await?;
            change(&mut shards);
            let mut lost = false;
            for shard in shards.iter().filter(|s| s.changed) {
                lost |= !self.write_shard(day, shard).await?;
            }
            if !lost {
                return Ok(());
            }
        }
        Err(Error::Conflict(format!(
            "the fleet day bucket {day} kept changing under {ATTEMPTS} attempts"
        )))
    }

    /// The stored shards of `day` (consistent read).
    async fn read_day(&self, day: NaiveDate) -> Result<Vec<Shard>> {
        let range = DayRange::of(day.year(), day, day);
        let mut pages = self.pages(&range, Order::Consistent).send();
        let mut shards = Vec::new();
        while let Some(page) = pages.next().await {
            for item in page_items(page)?.0 {
                shards.push(shard_of(&item)?);
            }
        }
        Ok(shards)
    }

    /// Writes `shard` if its version did not move; `false` when it did (nothing written).
    async fn write_shard(&self, day: NaiveDate, shard: &Shard) -> Result<bool> {
        let version = shard.version.map_or(1, |v| v + 1);
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(bucket_pk(day)))
            .item("sk", AttributeValue::S(shard.sk.clone()))
            .item("rows", AttributeValue::B(Blob::new(encode(&shard.rows)?)))
            .item("runs", AttributeValue::N(shard.rows.len().to_string()))
            .item("version", AttributeValue::N(version.to_string()));
        request = match shard.version {
            Some(v) => request
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
            None => request.condition_expression("attribute_not_exists(pk)"),
        };
        super::put_held(request.send().await, FLEET_TABLE_NAME)
    }

    pub const QUERY: &str = "dynamodb:Query"; // IAM action, see crate::iam
    /// The Queries of the buckets of `range`, one page at a time (DynamoDB's paging, by the SDK's paginator).
    fn pages(
        &self,
        range: &DayRange,
        order: Order,
    ) -> aws_sdk_dynamodb::operation::query::paginator::QueryPaginator {
        let request = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
            .expression_attribute_values(":pk", AttributeValue::S(range.pk.clone()))
            .expression_attribute_values(":low", AttributeValue::S(range.low.clone()))
            .expression_attribute_values(":high", AttributeValue::S(range.high.clone()))
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total);
        let request = match order {
            // The sums read the rows only.
            Order::All => request
                .projection_expression("#rows")
                .expression_attribute_names("#rows", "rows"),
            Order::NewestFirst => request.scan_index_forward(false).limit(LISTING_ITEMS),
            Order::Consistent => request.consistent_read(true),
        };
        request.into_paginator()
    }

    /// Every run filed in `[from, to)`, each once, and the read units consumed: one query per calendar year of
    /// the window, over the buckets of its days.
    pub async fn rows_between(
        &self,
        from: &Timestamp,
        to: &Timestamp,
    ) -> Result<(Vec<FleetRow>, f64)> {
        let (first, last) = (day_of(from), day_of(to));
        let mut best: HashMap<String, FleetRow> = HashMap::new();
        let mut consumed = 0.0;
        for year in first.year()..=last.year() {
            let range = DayRange::of(year, first, last);
            let mut pages = self.pages(&range, Order::All).send();
            while let Some(page) = pages.next().await {
                let (items, units) = page_items(page)?;
                consumed += units;
                for item in items {
                    for (key, row) in decode_rows(&item)? {
                        if row.filed_at >= *from && row.filed_at < *to {
                            keep_best(&mut best, key, row);
                        }
                    }
                }
            }
        }
        let mut rows: Vec<FleetRow> = best.into_values().collect();
        rows.sort_by(|a, b| {
            b.filed_at
                .cmp(&a.filed_at)
                .then_with(|| a.run_key().cmp(&b.run_key()))
        });
        Ok((rows, consumed))
    }
}

/// A DynamoDB item.
type Item = HashMap<String, AttributeValue>;

/// The items of one Query page and the read units it reported.
fn page_items(
    page: std::result::Result<
        aws_sdk_dynamodb::operation::query::QueryOutput,
        aws_sdk_dynamodb::error::SdkError<
            aws_sdk_dynamodb::operation::query::QueryError,
            aws_smithy_runtime_api::http::Response,
        >,
    >,
) -> Result<(Vec<Item>, f64)> {
    let page =
        page.map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(FLEET_TABLE_NAME)))?;
    Ok((
        page.items.unwrap_or_default(),
        super::gzip::units(page.consumed_capacity),
    ))
}

/// The buckets of one calendar year between two days.
struct DayRange {
    pk: String,
    low: String,
    high: String,
}

impl DayRange {
    /// The days of `year` in `[first, last]`.
    fn of(year: i32, first: NaiveDate, last: NaiveDate) -> Self {
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(first);
        Self {
            pk: format!("{BUCKET_PREFIX}{year}"),
            low: shard_sk(first.max(start), 0),
            high: format!("{}#~", last.format("%Y-%m-%d")),
        }
    }
}

/// How a range is read.
#[derive(Clone, Copy)]
enum Order {
    /// Every item, rows only (sums).
    All,
    /// Newest day first, a few items per Query (listings).
    NewestFirst,
    /// Whole items, strongly consistent (a writer's read before its conditional write).
    Consistent,
}

/// Bucket items a listing asks for per Query: about a week of a small fleet, a day of a large one.
const LISTING_ITEMS: i32 = 8;

/// What a listing of the day buckets asks for.
pub struct Listing<'a> {
    /// Stop time ≥.
    pub from: Timestamp,
    /// Stop time <.
    pub to: Timestamp,
    /// Only rows whose `stopKey` sorts below this (the previous page's last row, or a day's start).
    pub before: Option<&'a str>,
    /// Rows wanted.
    pub want: usize,
    /// Queries after which the listing stops at the end of the day it is reading.
    pub max_queries: usize,
}

/// One page of a listing: rows newest first and where the next page starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingPage {
    /// Rows, newest stop time first (ties by run key).
    pub rows: Vec<FleetRow>,
    /// `before` of the next page; `None` when the window is exhausted.
    pub next: Option<String>,
    /// Read capacity units DynamoDB reported.
    pub consumed_rcu: f64,
}

/// The `stopKey` of a row (see [`super::stop_key`]): the listing order.
fn row_key(row: &FleetRow) -> String {
    super::stop_key(&row.filed_at, &row.listed.run_id, &row.listed.uuid)
}

/// The day a listing bound names: the first ten characters of a `stopKey` or of a day's end marker.
pub fn bound_day(before: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(before.get(..10)?, "%Y-%m-%d").ok()
}

/// A bound below every `stopKey` of `day` (`2026-03-04` < `2026-03-04T…`) and above those of earlier days.
fn start_of(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

impl FleetDays {
    /// Rows filed in the window, below `before`, that `keep` accepts, newest first: whole days (every shard) are
    /// read, newest day first, until `want` rows are found or `max_queries` were sent. The next page starts below
    /// the last row returned, or (a sparse filter that ran out of queries) below the last day read.
    pub async fn newest(
        &self,
        listing: &Listing<'_>,
        keep: impl Fn(&FleetRow) -> bool,
    ) -> Result<ListingPage> {
        let first = day_of(&listing.from);
        let mut top = day_of(&listing.to);
        if let Some(day) = listing.before.and_then(bound_day) {
            top = top.min(day);
        }
        let mut rows: Vec<FleetRow> = Vec::new();
        let mut consumed = 0.0;
        let mut queries = 0;
        let accept = |row: &FleetRow, key: &str| {
            row.filed_at >= listing.from
                && row.filed_at < listing.to
                && listing.before.is_none_or(|b| key < b)
                && keep(row)
        };
        for year in (first.year()..=top.year()).rev() {
            let range = DayRange::of(year, first, top);
            let mut day: Option<(NaiveDate, Vec<(String, FleetRow)>)> = None;
            let mut pages = self.pages(&range, Order::NewestFirst).send();
            while let Some(page) = pages.next().await {
                let (items, units) = page_items(page)?;
                queries += 1;
                consumed += units;
                for item in items {
                    let shard = shard_of(&item)?;
                    let Some(shard_day) = bound_day(&shard.sk) else {
                        continue;
                    };
                    if day.as_ref().is_some_and(|(d, _)| *d != shard_day)
                        && let Some(page) = finish_day(&mut rows, day.take(), listing, queries)
                    {
                        return Ok(page.with_consumed(consumed));
                    }
                    let (_, found) = day.get_or_insert_with(|| (shard_day, Vec::new()));
                    found.extend(shard.rows.into_values().filter_map(|row| {
                        let key = row_key(&row);
                        accept(&row, &key).then_some((key, row))
                    }));
                }
            }
            if let Some(page) = finish_day(&mut rows, day.take(), listing, queries) {
                return Ok(page.with_consumed(consumed));
            }
        }
        Ok(ListingPage {
            rows,
            next: None,
            consumed_rcu: consumed,
        })
    }
}

impl ListingPage {
    fn with_consumed(mut self, consumed_rcu: f64) -> Self {
        self.consumed_rcu = consumed_rcu;
        self
    }
}

/// Adds a day read in full to `rows` (newest first); the page when it is complete: `want` rows, or the query
/// budget spent (the next page then starts below that day).
fn finish_day(
    rows: &mut Vec<FleetRow>,
    day: Option<(NaiveDate, Vec<(String, FleetRow)>)>,
    listing: &Listing<'_>,
    queries: usize,
) -> Option<ListingPage> {
    let (day, mut found) = day?;
    found.sort_by(|a, b| b.0.cmp(&a.0));
    found.dedup_by(|a, b| a.0 == b.0);
    let mut last_key = None;
    for (key, row) in found {
        if rows.len() == listing.want {
            break;
        }
        rows.push(row);
        last_key = Some(key);
    }
    let next = if rows.len() == listing.want {
        last_key?
    } else if queries >= listing.max_queries {
        start_of(day)
    } else {
        return None;
    };
    Some(ListingPage {
        rows: std::mem::take(rows),
        next: Some(next),
        consumed_rcu: 0.0,
    })
}

/// Keeps the better of two rows of one run (a run filed under two days after its stop day changed).
fn keep_best(best: &mut HashMap<String, FleetRow>, key: String, row: FleetRow) {
    match best.get(&key) {
        Some(kept) if kept.quality > row.quality => {}
        Some(kept) if kept.quality == row.quality && kept.filed_at >= row.filed_at => {}
        _ => {
            best.insert(key, row);
        }
    }
}

/// Places `rows` in the day's shards: over the run's stored row when at least as good, else (a new run) into
/// the last shard with room, else a new shard.
fn place(shards: &mut Vec<Shard>, day: NaiveDate, rows: &[&FleetRow]) {
    for row in rows {
        let key = row.run_key();
        if let Some(shard) = shards.iter_mut().find(|s| s.rows.contains_key(&key)) {
            let stored = &shard.rows[&key];
            if stored.quality <= row.quality && *stored != **row {
                shard.rows.insert(key, (*row).clone());
                shard.changed = true;
            }
            continue;
        }
        let has_room = shards.last().is_some_and(|s| s.bytes < SHARD_BYTES);
        if !has_room {
            shards.push(Shard {
                sk: shard_sk(day, shards.len()),
                ..Shard::default()
            });
        }
        if let Some(shard) = shards.last_mut() {
            shard.bytes += compressed_estimate(row);
            shard.rows.insert(key, (*row).clone());
            shard.changed = true;
        }
    }
}

/// Compressed bytes a row adds to a shard, estimated without compressing: rows of one day share most of their
/// text and compress at least fourfold (the margin under 400 KB is wide; a test checks real shards).
fn compressed_estimate(row: &FleetRow) -> usize {
    serde_json::to_vec(row).map_or(0, |v| v.len()) / 4
}

fn encode(rows: &BTreeMap<String, FleetRow>) -> Result<Vec<u8>> {
    super::gzip::gzip_json(rows, "a fleet day bucket")
}

fn decode_rows(item: &HashMap<String, AttributeValue>) -> Result<BTreeMap<String, FleetRow>> {
    match item.get("rows") {
        Some(AttributeValue::B(blob)) => super::gzip::gunzip_json(blob.as_ref())
            .ok_or_else(|| Error::Internal("a fleet day bucket has malformed rows".into())),
        None => Ok(BTreeMap::new()),
        Some(_) => Err(Error::Internal(
            "a fleet day bucket has malformed rows".into(),
        )),
    }
}

fn shard_of(item: &HashMap<String, AttributeValue>) -> Result<Shard> {
    let sk = match item.get("sk") {
        Some(AttributeValue::S(sk)) => sk.clone(),
        _ => return Err(Error::Internal("a fleet day bucket has no sort key".into())),
    };
    let version = match item.get("version") {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    };
    let bytes = match item.get("rows") {
        Some(AttributeValue::B(blob)) => blob.as_ref().len(),
        _ => 0,
    };
    Ok(Shard {
        sk,
        version: Some(version.unwrap_or(0)),
        rows: decode_rows(item)?,
        bytes,
        changed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp;

    fn row(run: &str, quality: u64, usd: f64) -> FleetRow {
        FleetRow::sample(run, quality, usd)
    }

    #[test]
    fn a_better_row_replaces_a_worse_one_never_the_reverse() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let mut shards = Vec::new();
        place(&mut shards, day, &[&row("1", 8, 1.0)]);
        assert_eq!(shards.len(), 1);
        assert_eq!(shards[0].sk, "2026-03-04#000");
        shards[0].changed = false;
        place(&mut shards, day, &[&row("1", 4, 2.0)]);
        assert!(
            !shards[0].changed,
            "a worse row must not replace a better one"
        );
        place(&mut shards, day, &[&row("1", 8, 1.0)]);
        assert!(!shards[0].changed, "the same row again changes nothing");
        place(&mut shards, day, &[&row("1", 9, 3.0)]);
        assert!(shards[0].changed);
        assert_eq!(
            shards[0].rows.values().next().unwrap().listed.known_usd,
            3.0
        );
    }

    #[test]
    fn a_full_shard_spills_new_runs_into_the_next_and_keeps_old_ones_in_place() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        let many: Vec<FleetRow> = (0..20_000).map(|i| row(&i.to_string(), 8, 1.0)).collect();
        let refs: Vec<&FleetRow> = many.iter().collect();
        let mut shards = Vec::new();
        place(&mut shards, day, &refs);
        assert!(shards.len() > 1, "{} shard(s)", shards.len());
        for shard in &shards {
            assert!(encode(&shard.rows).unwrap().len() < 400_000);
        }
        let total: usize = shards.iter().map(|s| s.rows.len()).sum();
        assert_eq!(total, 20_000);
        // An update of a run of the first shard stays there.
        place(&mut shards, day, &[&row("0", 9, 5.0)]);
        assert_eq!(
            shards[0].rows["0#11111111-2222-3333-4444-555555555555"].quality,
            9
        );
    }

    fn listing(want: usize, max_queries: usize) -> Listing<'static> {
        Listing {
            from: parse_timestamp("2026-01-01T00:00:00Z").unwrap(),
            to: parse_timestamp("2026-12-31T00:00:00Z").unwrap(),
            before: None,
            want,
            max_queries,
        }
    }

    fn day_rows(day: NaiveDate, runs: &[&str]) -> Option<(NaiveDate, Vec<(String, FleetRow)>)> {
        let rows = runs
            .iter()
            .enumerate()
            .map(|(i, run)| {
                let mut r = row(run, 8, 1.0);
                r.filed_at = day.and_hms_opt(1, 0, i as u32).unwrap().and_utc();
                (row_key(&r), r)
            })
            .collect();
        Some((day, rows))
    }

    #[test]
    fn a_listing_page_ends_at_its_last_row_or_below_the_last_day_read() {
        let (d1, d2) = (
            NaiveDate::from_ymd_opt(2026, 3, 5).unwrap(),
            NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
        );
        // Three rows wanted, two on the newest day: not complete yet.
        let mut rows = Vec::new();
        assert!(finish_day(&mut rows, day_rows(d1, &["a", "b"]), &listing(3, 16), 1).is_none());
        // The next day completes it, newest first within the day; the cursor is the last row's key.
        let page = finish_day(&mut rows, day_rows(d2, &["c", "d"]), &listing(3, 16), 1).unwrap();
        let ids: Vec<_> = page.rows.iter().map(|r| r.listed.run_id.as_str()).collect();
        assert_eq!(ids, ["b", "a", "d"]);
        let next = page.next.unwrap();
        assert_eq!(next, row_key(&page.rows[2]));
        assert!(
            row_key(&day_rows(d2, &["c", "d"]).unwrap().1[0].1) < next,
            "c comes next"
        );
        // Out of queries after a day: a short page whose cursor is below that whole day.
        let mut rows = Vec::new();
        let page = finish_day(&mut rows, day_rows(d2, &["c"]), &listing(3, 4), 4).unwrap();
        assert_eq!(page.rows.len(), 1);
        let next = page.next.unwrap();
        assert_eq!(next, "2026-03-04");
        assert!(row_key(&page.rows[0]).as_str() > next.as_str());
        assert_eq!(bound_day(&next), Some(d2));
    }

    #[test]
    fn readers_keep_the_best_row_of_a_run() {
        let mut best = HashMap::new();
        keep_best(&mut best, "a".into(), row("a", 8, 1.0));
        keep_best(&mut best, "a".into(), row("a", 4, 2.0));
        assert_eq!(best["a"].quality, 8);
        keep_best(&mut best, "a".into(), row("a", 12, 3.0));
        assert_eq!(best["a"].quality, 12);
    }
}
