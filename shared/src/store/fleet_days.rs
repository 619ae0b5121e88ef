//! Day buckets: every stored run's [`FleetRow`] filed under the UTC day of its stop time, so that
//! `GET /fleet/summary` over a year reads about 365 items instead of one item per run.
//!
//! A bucket is an item of the runs table: pk `FLEETDAY#<yyyy>`, sk `<yyyy-mm-dd>#<shard>`, `rows` (gzip JSON of
//! run key → row), `version` (optimistic locking), `runs`. A day spills into a further shard when its rows pass
//! [`SHARD_BYTES`] compressed, so an item never nears DynamoDB's 400 KB whatever the fleet's size; a run stays in
//! the shard that first took it. Writers read the day's shards, change them and write each changed shard on the
//! condition that its version did not move; a lost race re-reads and retries ([`ATTEMPTS`]).
//!
//! A row replaces the stored row of its run only when its record is at least as good (quality), as the summary
//! item itself, so a late or duplicated write never regresses a bucket. Readers keep each run once (the best row)
//! should a run's stop day ever change.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Datelike, NaiveDate};

use crate::config::vars::RUNS_TABLE_NAME;
use crate::error::{Error, Lookup, Result};
use crate::record::fleet_row::FleetRow;
use crate::time::Timestamp;

/// Service name used in errors and logs.
const SERVICE: &str = "DynamoDB";
/// Compressed bytes of a shard beyond which new runs go to the next shard.
pub const SHARD_BYTES: usize = 300_000;
/// Read-change-write attempts before a writer gives up (each loss means another writer changed the day).
pub const ATTEMPTS: usize = 8;
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

/// The day buckets of the runs table.
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
        for _ in 0..ATTEMPTS {
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
        let prefix = format!("{}#", day.format("%Y-%m-%d"));
        let mut shards = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :day)")
                .expression_attribute_values(":pk", AttributeValue::S(bucket_pk(day)))
                .expression_attribute_values(":day", AttributeValue::S(prefix.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(RUNS_TABLE_NAME)))?;
            for item in out.items.unwrap_or_default() {
                shards.push(shard_of(&item)?);
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(shards);
            }
        }
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
        super::put_held(request.send().await)
    }

    pub const QUERY: &str = "dynamodb:Query"; // IAM action, see crate::iam
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
            let low = shard_sk(
                first.max(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(first)),
                0,
            );
            let high = format!("{}#~", last.format("%Y-%m-%d"));
            let mut start = None;
            loop {
                let out = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                    .expression_attribute_values(
                        ":pk",
                        AttributeValue::S(format!("{BUCKET_PREFIX}{year}")),
                    )
                    .expression_attribute_values(":low", AttributeValue::S(low.clone()))
                    .expression_attribute_values(":high", AttributeValue::S(high.clone()))
                    .projection_expression("#rows")
                    .expression_attribute_names("#rows", "rows")
                    .return_consumed_capacity(
                        aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total,
                    )
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(|e| {
                        Error::from_sdk(SERVICE, e, Lookup::configured(RUNS_TABLE_NAME))
                    })?;
                consumed += out
                    .consumed_capacity
                    .and_then(|c| c.capacity_units)
                    .unwrap_or(0.0);
                for item in out.items.unwrap_or_default() {
                    for (key, row) in decode_rows(&item)? {
                        if row.filed_at >= *from && row.filed_at < *to {
                            keep_best(&mut best, key, row);
                        }
                    }
                }
                start = out.last_evaluated_key.filter(|k| !k.is_empty());
                if start.is_none() {
                    break;
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
    let internal = |e: std::io::Error| Error::Internal(format!("encoding a fleet day bucket: {e}"));
    let json = serde_json::to_vec(rows)
        .map_err(|e| Error::Internal(format!("encoding a fleet day bucket: {e}")))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&json).map_err(internal)?;
    encoder.finish().map_err(internal)
}

fn decode_rows(item: &HashMap<String, AttributeValue>) -> Result<BTreeMap<String, FleetRow>> {
    match item.get("rows") {
        Some(AttributeValue::B(blob)) => {
            serde_json::from_reader(flate2::read::GzDecoder::new(blob.as_ref()))
                .map_err(|_| Error::Internal("a fleet day bucket has malformed rows".into()))
        }
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
    use crate::record::fleet::ReportListItem;
    use crate::status::RunStatus;
    use crate::time::parse_timestamp;

    fn row(run: &str, quality: u64, usd: f64) -> FleetRow {
        FleetRow {
            listed: ReportListItem {
                run_id: run.into(),
                uuid: "11111111-2222-3333-4444-555555555555".into(),
                name: None,
                status: RunStatus::Completed,
                workflow_id: None,
                workflow_name: None,
                workflow_version_name: None,
                run_group_id: None,
                batch_id: None,
                started_by: None,
                creation_time: None,
                start_time: None,
                stop_time: None,
                task_count: 1,
                failed_tasks: 0,
                total_usd: Some(usd),
                known_usd: usd,
                compute_usd: usd,
                storage_usd: Some(0.0),
                savings_usd: 0.0,
                task_hours: 1.0,
            },
            filed_at: parse_timestamp("2026-03-04T05:06:07Z").unwrap(),
            quality,
            wall_time_seconds: None,
            cost_complete: true,
            cached_tasks: 0,
            failures_by_class: BTreeMap::new(),
            first_failure_class: None,
            region: None,
        }
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
