//! The newest COMPLETED runs of each workflow, with their task groups, in one item of the fleet table, so that
//! `GET /workflows/{id}/profile` reads one item instead of paging the `byWorkflow` index past failed runs.
//!
//! The item: pk `RECENT#<workflowId>`, sk `completed`, `runs` (gzip JSON, newest stop time first, at most
//! [`KEEP_RUNS`] and [`ITEM_BYTES`] compressed), `version` (optimistic locking, as the day buckets, [`ATTEMPTS`]), `truncated`
//! (whether older completed runs were dropped to stay within those bounds). Every enrichment offers its run; the
//! item keeps a run's best record (quality, as the summary item) and drops a run whose better record is no longer
//! COMPLETED. A reader asking for more runs than the item holds after a truncation falls back to the index.

use std::collections::HashMap;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};

use super::ATTEMPTS;
use crate::config::vars::FLEET_TABLE_NAME;
use crate::error::{Error, Lookup, Result};
use crate::record::fleet::TaskGroupStats;
use crate::record::fleet_row::{FleetRow, FleetRun};
use crate::status::RunStatus;

/// Service name used in errors and logs.
const SERVICE: &str = "DynamoDB";
/// Runs kept per workflow: the profile's largest `runs`.
pub const KEEP_RUNS: usize = 100;
/// Compressed bytes of the item's runs beyond which the oldest are dropped (DynamoDB's limit is 400 KB).
pub const ITEM_BYTES: usize = 300_000;
/// Partition key prefix of the items.
pub const RECENT_PREFIX: &str = "RECENT#";
const SORT_KEY: &str = "completed";

/// A kept run as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Kept {
    row: FleetRow,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<TaskGroupStats>,
}

/// The item as read.
#[derive(Debug, Clone, Default, PartialEq)]
struct Recent {
    /// `None`: not stored yet.
    version: Option<u64>,
    /// Newest stop time first.
    runs: Vec<Kept>,
    truncated: bool,
}

/// The recent completed runs of every workflow, in the fleet table.
#[derive(Debug, Clone)]
pub struct RecentRuns {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl RecentRuns {
    /// The items in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Offers `run` to its workflow's item (nothing for a run without a workflow id).
    pub async fn offer(&self, run: &FleetRun) -> Result<()> {
        let Some(workflow) = run.row.listed.workflow_id.as_deref() else {
            return Ok(());
        };
        self.offer_all(workflow, std::slice::from_ref(run)).await
    }

    pub const PUT_ITEM: &str = "dynamodb:PutItem"; // IAM action, see crate::iam
    /// Offers runs of one workflow in one read-change-write (`reindex`, seeding).
    pub async fn offer_all(&self, workflow: &str, runs: &[FleetRun]) -> Result<()> {
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                super::after_lost_race(attempt).await;
            }
            let mut recent = self.read(workflow, true).await?.0;
            let mut changed = false;
            for run in runs {
                changed |= keep(&mut recent, run);
            }
            if !changed {
                return Ok(());
            }
            let bytes = fit(&mut recent)?;
            if self.write(workflow, &recent, bytes).await? {
                return Ok(());
            }
        }
        Err(Error::Conflict(format!(
            "the recent runs of workflow {workflow} kept changing under {ATTEMPTS} attempts"
        )))
    }

    pub const GET_ITEM: &str = "dynamodb:GetItem"; // IAM action, see crate::iam
    /// The newest `n` COMPLETED runs of the workflow and the read units consumed; `None` when the item cannot
    /// tell (absent, or holding fewer than `n` after older runs were dropped): the caller reads the index.
    pub async fn newest(&self, workflow: &str, n: usize) -> Result<Option<(Vec<FleetRun>, f64)>> {
        let (recent, consumed) = self.read(workflow, false).await?;
        if recent.version.is_none() || (recent.runs.len() < n && recent.truncated) {
            return Ok(None);
        }
        let runs = recent
            .runs
            .into_iter()
            .take(n)
            .map(|k| FleetRun {
                row: k.row,
                task_groups: k.groups,
            })
            .collect();
        Ok(Some((runs, consumed)))
    }

    async fn read(&self, workflow: &str, consistent: bool) -> Result<(Recent, f64)> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(
                "pk",
                AttributeValue::S(format!("{RECENT_PREFIX}{workflow}")),
            )
            .key("sk", AttributeValue::S(SORT_KEY.into()))
            .consistent_read(consistent)
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(FLEET_TABLE_NAME)))?;
        let consumed = super::gzip::units(out.consumed_capacity);
        let recent = match out.item {
            Some(item) => recent_of(&item)?,
            None => Recent::default(),
        };
        Ok((recent, consumed))
    }

    /// Writes `recent` if its version did not move; `false` when it did (nothing written).
    async fn write(&self, workflow: &str, recent: &Recent, runs: Vec<u8>) -> Result<bool> {
        let version = recent.version.map_or(1, |v| v + 1);
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(
                "pk",
                AttributeValue::S(format!("{RECENT_PREFIX}{workflow}")),
            )
            .item("sk", AttributeValue::S(SORT_KEY.into()))
            .item("runs", AttributeValue::B(Blob::new(runs)))
            .item("truncated", AttributeValue::Bool(recent.truncated))
            .item("version", AttributeValue::N(version.to_string()));
        let request = match recent.version {
            Some(v) => request
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
            None => request.condition_expression("attribute_not_exists(pk)"),
        };
        super::put_held(request.send().await, FLEET_TABLE_NAME)
    }
}

/// Applies one run to the item; whether anything changed.
fn keep(recent: &mut Recent, run: &FleetRun) -> bool {
    let key = run.row.run_key();
    let stored = recent.runs.iter().position(|k| k.row.run_key() == key);
    if let Some(i) = stored {
        let kept = &recent.runs[i];
        if kept.row.quality > run.row.quality
            || (kept.row == run.row && kept.groups == run.task_groups)
        {
            return false;
        }
        recent.runs.remove(i);
    }
    if run.row.listed.status != RunStatus::Completed {
        return stored.is_some();
    }
    let order = |k: &Kept| (std::cmp::Reverse(k.row.filed_at), k.row.run_key());
    let new = Kept {
        row: run.row.clone(),
        groups: run.task_groups.clone(),
    };
    let at = recent.runs.partition_point(|k| order(k) < order(&new));
    if stored.is_none() && at >= KEEP_RUNS && recent.runs.len() >= KEEP_RUNS {
        // Older than every kept run of a full item: not one of the newest.
        recent.truncated = true;
        return false;
    }
    recent.runs.insert(at, new);
    true
}

/// Drops the oldest runs beyond [`KEEP_RUNS`] and [`ITEM_BYTES`]; the compressed runs.
fn fit(recent: &mut Recent) -> Result<Vec<u8>> {
    if recent.runs.len() > KEEP_RUNS {
        recent.runs.truncate(KEEP_RUNS);
        recent.truncated = true;
    }
    loop {
        let bytes = encode(&recent.runs)?;
        if bytes.len() <= ITEM_BYTES || recent.runs.len() <= 1 {
            return Ok(bytes);
        }
        // Drop about the share that is over, at least one run.
        let over = bytes.len() - ITEM_BYTES;
        let drop = (recent.runs.len() * over).div_ceil(bytes.len()).max(1);
        let keep = recent.runs.len().saturating_sub(drop).max(1);
        recent.runs.truncate(keep);
        recent.truncated = true;
    }
}

fn encode(runs: &[Kept]) -> Result<Vec<u8>> {
    super::gzip::gzip_json(runs, "recent runs")
}

fn recent_of(item: &HashMap<String, AttributeValue>) -> Result<Recent> {
    let malformed = || Error::Internal("a recent-runs item is malformed".into());
    let runs = match item.get("runs") {
        Some(AttributeValue::B(blob)) => {
            super::gzip::gunzip_json(blob.as_ref()).ok_or_else(malformed)?
        }
        _ => return Err(malformed()),
    };
    let version = match item.get("version") {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| malformed())?,
        _ => return Err(malformed()),
    };
    Ok(Recent {
        version: Some(version),
        runs,
        truncated: matches!(item.get("truncated"), Some(AttributeValue::Bool(true))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_timestamp;

    fn run(id: &str, day: u32, quality: u64, status: RunStatus) -> FleetRun {
        let mut row = FleetRow::sample(id, quality, 1.0);
        row.listed.status = status;
        row.listed.workflow_id = Some("1234567".into());
        row.filed_at = parse_timestamp(&format!("2026-03-{day:02}T05:06:07Z")).unwrap();
        FleetRun {
            row,
            task_groups: Vec::new(),
        }
    }

    fn ids(recent: &Recent) -> Vec<&str> {
        recent
            .runs
            .iter()
            .map(|k| k.row.listed.run_id.as_str())
            .collect()
    }

    #[test]
    fn runs_are_kept_newest_first_whatever_the_order_they_arrive_in() {
        let mut recent = Recent::default();
        for (id, day) in [("b", 5), ("a", 9), ("c", 1), ("d", 7)] {
            assert!(keep(&mut recent, &run(id, day, 8, RunStatus::Completed)));
        }
        assert_eq!(ids(&recent), ["a", "d", "b", "c"]);
        assert!(
            !keep(&mut recent, &run("e", 8, 8, RunStatus::Failed)),
            "only COMPLETED runs are kept"
        );
        assert!(
            !keep(&mut recent, &run("a", 9, 8, RunStatus::Completed)),
            "a duplicate changes nothing"
        );
        assert!(
            !keep(&mut recent, &run("a", 9, 4, RunStatus::Completed)),
            "a worse record changes nothing"
        );
        assert!(
            keep(&mut recent, &run("a", 2, 9, RunStatus::Completed)),
            "a better record moves the run"
        );
        assert_eq!(ids(&recent), ["d", "b", "a", "c"]);
        assert!(
            keep(&mut recent, &run("b", 5, 10, RunStatus::Failed)),
            "a better non-COMPLETED record drops it"
        );
        assert_eq!(ids(&recent), ["d", "a", "c"]);
    }

    #[test]
    fn a_full_item_keeps_the_newest_and_says_it_dropped_older_runs() {
        let mut recent = Recent::default();
        for i in 0..(KEEP_RUNS + 5) {
            let mut r = run(&format!("r{i:03}"), 10, 8, RunStatus::Completed);
            r.row.filed_at += chrono::Duration::seconds(i as i64);
            keep(&mut recent, &r);
        }
        fit(&mut recent).unwrap();
        assert_eq!(recent.runs.len(), KEEP_RUNS);
        assert!(recent.truncated);
        assert_eq!(ids(&recent)[0], format!("r{:03}", KEEP_RUNS + 4));
        // An older run than every kept one is not kept.
        assert!(!keep(&mut recent, &run("old", 1, 8, RunStatus::Completed)));
        assert_eq!(recent.runs.len(), KEEP_RUNS);
    }

    #[test]
    fn an_item_over_its_byte_budget_drops_the_oldest_runs() {
        let mut recent = Recent::default();
        let groups: Vec<TaskGroupStats> = serde_json::from_value(serde_json::json!([])).unwrap();
        for i in 0..60 {
            let mut r = run(&format!("r{i:03}"), 10, 8, RunStatus::Completed);
            r.row.filed_at += chrono::Duration::seconds(i);
            // Incompressible names make every run large.
            let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ (i as u64 + 1);
            r.row.listed.name = Some(
                (0..8_000)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        char::from(b'a' + (state % 26) as u8)
                    })
                    .collect(),
            );
            r.task_groups = groups.clone();
            keep(&mut recent, &r);
        }
        let bytes = fit(&mut recent).unwrap();
        assert!(bytes.len() <= ITEM_BYTES, "{} bytes", bytes.len());
        assert!(recent.truncated);
        assert!(recent.runs.len() < 60);
        assert_eq!(ids(&recent)[0], "r059", "the newest run stays");
    }
}
