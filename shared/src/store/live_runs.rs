//! Live runs in their own table (`LIVE_TABLE_NAME`): each run's [`LiveState`] kept as pieces that merge, so that
//! consumers never coordinate and the counts stay exact (see `crate::live::state`).
//!
//! Items of run R (pk `LIVE#<runId>`):
//! - `SEG#<key>`: what one batch of events said of the run (gzip wire state). The key comes from the batch's
//!   message ids, so a redelivered batch rewrites its own segment; a batch split differently on redelivery writes
//!   other segments, which merge to the same state. An append is one unconditional PutItem and one `ADD` on HEAD.
//! - `SNAP#<shard>`: the fold of every segment compacted so far, tasks sharded by id ([`SNAP_SHARDS`]).
//! - `HEAD`: `pendingBytes` / `segments` (what appends added since the last compaction), `snapBytes`, and the
//!   compaction lease (`lease`, `gen`).
//!
//! Compaction (when the segments outgrow a quarter of the snapshot, or [`MAX_SEGMENTS`]): take the lease (a
//! conditional update that also bumps `gen`), read everything consistently, write each snapshot shard on the
//! condition that no later generation wrote it, then delete the folded segments. A crash at any step leaves
//! pieces whose merge is still the whole state: segments are deleted only after a snapshot holding them is
//! written in full, and a reader always merges segments and snapshot.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::config::vars::LIVE_TABLE_NAME;
use crate::error::{Error, Lookup, Result};
use crate::live::LiveState;
use crate::live::state::Wire;

/// Service name used in errors and logs.
const SERVICE: &str = "DynamoDB";
/// Snapshot shards per run (a 100,000-task run's shard stays well under 400 KB).
pub const SNAP_SHARDS: u64 = 16;
/// Segments after which a compaction runs whatever their size (bounds a reader's Query).
pub const MAX_SEGMENTS: i64 = 64;
/// Pending bytes below which no compaction runs (a small run never compacts).
const MIN_PENDING_BYTES: i64 = 64 * 1024;
/// How long a compaction may hold the lease.
const LEASE_SECONDS: i64 = 300;
/// Days a live item is kept after its last write (the table's TTL attribute `expiresAt`): long after any run ends,
/// its stored record answers.
pub const LIVE_DAYS: i64 = 30;

/// The TTL of an item written now (epoch seconds).
pub(super) fn expires_at() -> i64 {
    chrono::Utc::now().timestamp() + LIVE_DAYS * 86_400
}

type Item = HashMap<String, AttributeValue>;

/// The live runs of a table.
#[derive(Debug, Clone)]
pub struct LiveRuns {
    pub(super) client: aws_sdk_dynamodb::Client,
    pub(super) table: String,
}

pub(super) fn pk(run_id: &str) -> String {
    format!("LIVE#{run_id}")
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn number(item: &Item, name: &str) -> i64 {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().unwrap_or(0),
        _ => 0,
    }
}

pub(super) fn sdk<E>(
    err: aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> Error
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    Error::from_sdk(SERVICE, err, Lookup::configured(LIVE_TABLE_NAME))
}

impl LiveRuns {
    /// The live runs in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub const PUT_ITEM: &str = "dynamodb:PutItem"; // IAM action, see crate::iam
    pub const UPDATE_ITEM: &str = "dynamodb:UpdateItem"; // IAM action, see crate::iam
    /// Stores what one batch said of a run as segment `key`, then compacts the run when its segments grew
    /// enough. Returns the write units spent, as DynamoDB bills them (1 per started KB of each item written, 1
    /// per update or delete of a small item; moto's `ConsumedCapacity` does not count bytes).
    pub async fn append(&self, run_id: &str, key: &str, state: &LiveState) -> Result<f64> {
        let bytes = super::gzip::gzip_json(&state.to_wire(), "a live segment")?;
        let size = bytes.len();
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk(run_id)))
            .item("sk", s(format!("SEG#{key}")))
            .item("state", AttributeValue::B(Blob::new(bytes)))
            .item("expiresAt", n(expires_at()))
            .send()
            .await
            .map_err(sdk)?;
        let head = self
            .update_head(run_id)
            .update_expression("SET #exp = :exp ADD #pending :b, #segments :one")
            .expression_attribute_names("#exp", "expiresAt")
            .expression_attribute_values(":exp", n(expires_at()))
            .expression_attribute_names("#pending", "pendingBytes")
            .expression_attribute_names("#segments", "segments")
            .expression_attribute_values(":b", n(size))
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await
            .map_err(sdk)?;
        let mut units = write_units(size) + 1.0;
        let head = head.attributes.unwrap_or_default();
        let pending = number(&head, "pendingBytes");
        let due = number(&head, "segments") >= MAX_SEGMENTS
            || pending >= MIN_PENDING_BYTES.max(number(&head, "snapBytes") / 4);
        if due {
            units += self.compact(run_id).await?;
        }
        Ok(units)
    }

    pub const QUERY: &str = "dynamodb:Query"; // IAM action, see crate::iam
    /// The run's state (every segment and snapshot shard merged) and the read units; `None` when no event of the
    /// run was stored.
    pub async fn read(&self, run_id: &str) -> Result<Option<(LiveState, f64)>> {
        let (items, units) = self.items(run_id, false).await?;
        let mut state = LiveState::default();
        let mut found = false;
        for item in &items {
            if let Some(piece) = piece_of(item)? {
                state.merge(&piece);
                found = true;
            }
        }
        Ok(found.then_some((state, units)))
    }

    /// An update of the run's HEAD item (append counters, the compaction lease, the straggler check).
    pub(super) fn update_head(
        &self,
        run_id: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(run_id)))
            .key("sk", s("HEAD"))
    }

    /// Every item of the run (HEAD, segments, then snapshot shards: the order compaction relies on).
    async fn items(&self, run_id: &str, consistent: bool) -> Result<(Vec<Item>, f64)> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk(run_id)))
            .consistent_read(consistent)
            .return_consumed_capacity(aws_sdk_dynamodb::types::ReturnConsumedCapacity::Total)
            .into_paginator()
            .send();
        let mut items = Vec::new();
        let mut units = 0.0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(sdk)?;
            units += super::gzip::units(page.consumed_capacity);
            items.extend(page.items.unwrap_or_default());
        }
        Ok((items, units))
    }

    pub const DELETE_ITEM: &str = "dynamodb:DeleteItem"; // IAM action, see crate::iam
    /// Folds the run's segments into its snapshot under the lease; the write units spent (0 when another
    /// compaction holds the lease).
    pub async fn compact(&self, run_id: &str) -> Result<f64> {
        let Some(generation) = self.take_lease(run_id).await? else {
            return Ok(0.0);
        };
        let (items, _) = self.items(run_id, true).await?;
        let mut state = LiveState::default();
        let mut folded = Vec::new();
        let mut folded_bytes = 0;
        let mut segments = 0;
        for item in &items {
            let Some(piece) = piece_of(item)? else {
                continue;
            };
            state.merge(&piece);
            if let Some(AttributeValue::S(sk)) = item.get("sk")
                && sk.starts_with("SEG#")
            {
                folded.push(sk.clone());
                folded_bytes += blob_len(item);
                segments += 1;
            }
        }
        let mut units = 0.0;
        let mut snap_bytes = 0;
        for (shard, piece) in split(&state).into_iter().enumerate() {
            let bytes = super::gzip::gzip_json(&piece.to_wire(), "a live snapshot")?;
            snap_bytes += bytes.len();
            match self.write_shard(run_id, shard, bytes, generation).await? {
                Some(spent) => units += spent,
                // A later compaction owns the run now: it read everything this one would delete.
                None => return Ok(units),
            }
        }
        for sk in folded {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(pk(run_id)))
                .key("sk", s(sk))
                .send()
                .await
                .map_err(sdk)?;
            units += 1.0;
        }
        self.release(run_id, generation, folded_bytes, segments, snap_bytes)
            .await?;
        // The lease and its release.
        Ok(units + 2.0)
    }

    /// Takes the compaction lease; the new generation, or `None` while another compaction holds it.
    async fn take_lease(&self, run_id: &str) -> Result<Option<i64>> {
        let now = chrono::Utc::now().timestamp();
        let out = self
            .update_head(run_id)
            .update_expression("SET #lease = :until ADD #gen :one")
            .condition_expression("attribute_not_exists(#lease) OR #lease < :now")
            .expression_attribute_names("#lease", "lease")
            .expression_attribute_names("#gen", "gen")
            .expression_attribute_values(":until", n(now + LEASE_SECONDS))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":one", n(1))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        let taken = super::unless_condition_failed(
            out,
            LIVE_TABLE_NAME,
            UpdateItemError::is_conditional_check_failed_exception,
        )?;
        Ok(taken.map(|out| number(&out.attributes.unwrap_or_default(), "gen")))
    }

    /// Writes snapshot shard `shard` unless a later generation wrote it; the write units, or `None` when fenced.
    async fn write_shard(
        &self,
        run_id: &str,
        shard: usize,
        bytes: Vec<u8>,
        generation: i64,
    ) -> Result<Option<f64>> {
        let size = bytes.len();
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk(run_id)))
            .item("sk", s(format!("SNAP#{shard:02}")))
            .item("state", AttributeValue::B(Blob::new(bytes)))
            .item("gen", n(generation))
            .item("expiresAt", n(expires_at()))
            .condition_expression("attribute_not_exists(#gen) OR #gen <= :g")
            .expression_attribute_names("#gen", "gen")
            .expression_attribute_values(":g", n(generation))
            .send()
            .await;
        let written = super::unless_condition_failed(
            out,
            LIVE_TABLE_NAME,
            PutItemError::is_conditional_check_failed_exception,
        )?;
        Ok(written.map(|_| write_units(size)))
    }

    /// Subtracts what was folded from HEAD and frees the lease (if still ours).
    async fn release(
        &self,
        run_id: &str,
        generation: i64,
        folded_bytes: usize,
        segments: i64,
        snap_bytes: usize,
    ) -> Result<()> {
        let out = self
            .update_head(run_id)
            .update_expression(
                "SET #snap = :snap ADD #pending :minus, #segments :less REMOVE #lease",
            )
            .condition_expression("#gen = :g")
            .expression_attribute_names("#snap", "snapBytes")
            .expression_attribute_names("#pending", "pendingBytes")
            .expression_attribute_names("#segments", "segments")
            .expression_attribute_names("#lease", "lease")
            .expression_attribute_names("#gen", "gen")
            .expression_attribute_values(":snap", n(snap_bytes))
            .expression_attribute_values(":minus", n(-(folded_bytes as i64)))
            .expression_attribute_values(":less", n(-segments))
            .expression_attribute_values(":g", n(generation))
            .send()
            .await;
        // Not held: a later compaction took over; its own release settles HEAD.
        super::unless_condition_failed(
            out,
            LIVE_TABLE_NAME,
            UpdateItemError::is_conditional_check_failed_exception,
        )?;
        Ok(())
    }
}

/// Write units of an item of `bytes` of state (plus its keys): 1 per started KB.
fn write_units(bytes: usize) -> f64 {
    ((bytes + 64) as f64 / 1024.0).ceil()
}

/// The state a segment or snapshot item holds; `None` for HEAD.
fn piece_of(item: &Item) -> Result<Option<LiveState>> {
    let Some(AttributeValue::B(blob)) = item.get("state") else {
        return Ok(None);
    };
    let malformed = || Error::Internal("a stored live segment is malformed".into());
    let wire: Wire = super::gzip::gunzip_json(blob.as_ref()).ok_or_else(malformed)?;
    LiveState::from_wire(wire).map(Some).ok_or_else(malformed)
}

fn blob_len(item: &Item) -> usize {
    match item.get("state") {
        Some(AttributeValue::B(blob)) => blob.as_ref().len(),
        _ => 0,
    }
}

/// The state split into [`SNAP_SHARDS`] pieces by task id; the run's registers go with the first.
fn split(state: &LiveState) -> Vec<LiveState> {
    let mut pieces = vec![LiveState::default(); SNAP_SHARDS as usize];
    pieces[0] = LiveState {
        board: Default::default(),
        ..state.clone()
    };
    for (id, entry) in state.board.entries() {
        let shard = id
            .bytes()
            .fold(0_u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        pieces[(shard % SNAP_SHARDS) as usize]
            .board
            .insert(id.to_owned(), entry.clone());
    }
    pieces
}
