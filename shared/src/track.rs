//! `track-run`'s work: a batch of SQS messages, each an EventBridge event from HealthOmics, folded per run into
//! one segment of that run's live state ([`LiveRuns::append`]).
//!
//! Nothing is retried forever: an unreadable message or an event of another type is counted, logged and
//! acknowledged; a run whose segment cannot be stored fails only its own messages (reported back as partial batch
//! failures), so SQS redelivers them alone. A redelivered batch writes the same segment key (the hash of its
//! message ids), and a differently cut one writes segments that merge to the same state: exact either way.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::error::Result;
use crate::live::{LiveEvent, LiveState, Unhandled, parse_live_event};
use crate::store::LiveRuns;

/// One SQS message: its id and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// `messageId`.
    pub id: String,
    /// The body (an EventBridge event as JSON).
    pub body: String,
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchOutcome {
    /// Messages to redeliver (their run's segment could not be stored).
    pub failed: Vec<String>,
    /// Events folded into runs.
    pub events: usize,
    /// Messages acknowledged without effect (other types, unreadable), by reason kind.
    pub unhandled: BTreeMap<&'static str, usize>,
    /// Runs written.
    pub runs: usize,
    /// Write units DynamoDB reported.
    pub write_units: f64,
}

/// Folds batches of events into live runs.
#[derive(Debug, Clone)]
pub struct Tracker {
    runs: LiveRuns,
}

impl Tracker {
    /// The tracker of the configured live table (`LIVE_TABLE_NAME`).
    pub fn new(dynamodb: aws_sdk_dynamodb::Client, config: &Config) -> Result<Self> {
        Ok(Self {
            runs: LiveRuns::new(dynamodb, config.live_table()?),
        })
    }

    /// Handles one batch.
    pub async fn handle(&self, messages: &[Message]) -> BatchOutcome {
        let mut outcome = BatchOutcome::default();
        let mut by_run: BTreeMap<String, (LiveState, Vec<&str>)> = BTreeMap::new();
        for message in messages {
            let event = serde_json::from_str(&message.body)
                .map_err(|e| Unhandled::Malformed(format!("not JSON: {e}")))
                .and_then(parse_live_event);
            let (run_id, event) = match event {
                Ok(LiveEvent::Task(task)) => (task.run_id.to_string(), LiveEvent::Task(task)),
                Ok(LiveEvent::Run(run)) => (run.run_id.to_string(), LiveEvent::Run(run)),
                Ok(LiveEvent::Batch(batch)) => {
                    // Batch status is kept by a later step of the live-run work; acknowledged meanwhile.
                    tracing::info!(batch_id = %batch.batch_id, status = %batch.status, "run batch event");
                    *outcome.unhandled.entry("batch").or_default() += 1;
                    continue;
                }
                Err(Unhandled::OtherType(what)) => {
                    tracing::info!(message_id = %message.id, what, "not a followed event");
                    *outcome.unhandled.entry("otherType").or_default() += 1;
                    continue;
                }
                Err(Unhandled::Malformed(why)) => {
                    tracing::warn!(message_id = %message.id, why, "unreadable event acknowledged");
                    *outcome.unhandled.entry("malformed").or_default() += 1;
                    continue;
                }
            };
            let (state, ids) = by_run.entry(run_id).or_default();
            state.observe(&event);
            ids.push(&message.id);
            outcome.events += 1;
        }
        for (run_id, (state, ids)) in by_run {
            match self.runs.append(&run_id, &segment_key(&ids), &state).await {
                Ok(units) => {
                    outcome.write_units += units;
                    outcome.runs += 1;
                }
                Err(err) => {
                    tracing::error!(%run_id, error = %crate::error::display_chain(&err), code = err.code(), "storing a live segment failed");
                    outcome.failed.extend(ids.iter().map(|id| (*id).to_owned()));
                }
            }
        }
        outcome
    }

    /// The live runs this tracker writes.
    pub fn runs(&self) -> &LiveRuns {
        &self.runs
    }
}

/// The segment key of a run's messages in a batch: FNV-1a of their sorted ids (the same batch, the same key).
fn segment_key(ids: &[&str]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let hash = sorted.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, id| {
        id.bytes().chain(std::iter::once(0)).fold(hash, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    });
    format!("{hash:016x}-{}", sorted.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_keeps_its_segment_key_in_any_order() {
        assert_eq!(segment_key(&["b", "a", "c"]), segment_key(&["c", "b", "a"]));
        assert_ne!(segment_key(&["a", "b"]), segment_key(&["ab"]));
        assert_ne!(segment_key(&["a", "b"]), segment_key(&["a", "b", "c"]));
    }
}
