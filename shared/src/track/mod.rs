//! `track-run`'s work: a batch of SQS messages, each an EventBridge event from HealthOmics, folded per run into
//! one segment of that run's live state ([`LiveRuns::append`]); a run batch's events kept as its status. After
//! storing a run's segment, the [`Watch`] checks the run for stragglers and a finished batch is announced.
//!
//! Nothing is retried forever: an unreadable message or an event of another type is counted, logged and
//! acknowledged; a run whose segment cannot be stored fails only its own messages (reported back as partial batch
//! failures), so SQS redelivers them alone. A redelivered batch writes the same segment key (the hash of its
//! message ids), and a differently cut one writes segments that merge to the same state: exact either way.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::analysis::Settings;
use crate::clients::AwsClients;
use crate::config::Config;
use crate::error::Result;
use crate::ids::RunId;
use crate::live::{LiveEvent, LiveState, Unhandled, parse_live_event};
use crate::omics::{HealthOmics, Pacing};
use crate::store::{EventPublisher, LiveBatches, LiveRuns, RecentRuns};
use crate::time::Timestamp;

pub mod view;
pub mod watch;

pub use view::{LiveReader, LiveView};
pub use watch::{BATCH_FINISHED, CHECK_SPACING_SECONDS, RUN_STRAGGLING, Watch};

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
    /// Messages to redeliver (their run's segment or their batch's status could not be stored).
    pub failed: Vec<String>,
    /// Events folded into runs or batches.
    pub events: usize,
    /// Messages acknowledged without effect (other types, unreadable), by reason kind.
    pub unhandled: BTreeMap<&'static str, usize>,
    /// Runs written.
    pub runs: usize,
    /// Announcements sent (`Run Straggling`, `Batch Finished`).
    pub announced: usize,
    /// Write units DynamoDB reported.
    pub write_units: f64,
}

/// Folds batches of events into live runs and batches, and watches them.
#[derive(Debug, Clone)]
pub struct Tracker {
    runs: LiveRuns,
    watch: Watch,
    clock: fn() -> Timestamp,
}

impl Tracker {
    /// The tracker of the configured live table (`LIVE_TABLE_NAME`), reading workflow profiles from the fleet
    /// table (`FLEET_TABLE_NAME`), task names from HealthOmics (paced at its default quota) and announcing on
    /// `EVENT_BUS_NAME`.
    pub fn new(clients: &AwsClients, config: &Config) -> Result<Self> {
        let runs = LiveRuns::new(clients.dynamodb.clone(), config.live_table()?);
        let reader = LiveReader::new(
            runs.clone(),
            RecentRuns::new(clients.dynamodb.clone(), config.fleet_table()?),
            HealthOmics::new(clients.omics.clone()).paced(Some(Pacing::default_quota())),
            Arc::new(Settings::default()),
        );
        let watch = Watch::new(
            reader,
            LiveBatches::new(clients.dynamodb.clone(), config.live_table()?),
            EventPublisher::new(clients.eventbridge.clone(), &config.event_bus),
        );
        Ok(Self {
            runs,
            watch,
            clock: || chrono::Utc::now(),
        })
    }

    /// The same tracker reading the time from `clock` (replays of old event streams).
    pub fn with_clock(self, clock: fn() -> Timestamp) -> Self {
        Self { clock, ..self }
    }

    /// Handles one batch.
    pub async fn handle(&self, messages: &[Message]) -> BatchOutcome {
        let mut outcome = BatchOutcome::default();
        let mut by_run: BTreeMap<RunId, (LiveState, Vec<&str>)> = BTreeMap::new();
        for message in messages {
            let event = serde_json::from_str(&message.body)
                .map_err(|e| Unhandled::Malformed(format!("not JSON: {e}")))
                .and_then(parse_live_event);
            let (run_id, event) = match event {
                Ok(LiveEvent::Task(task)) => (task.run_id.clone(), LiveEvent::Task(task)),
                Ok(LiveEvent::Run(run)) => (run.run_id.clone(), LiveEvent::Run(run)),
                Ok(LiveEvent::Batch(batch)) => {
                    self.track_batch(&batch, &message.id, &mut outcome).await;
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
            let stored = self
                .runs
                .append(run_id.as_str(), &segment_key(&ids), &state)
                .await;
            match stored {
                Ok(units) => {
                    outcome.write_units += units;
                    outcome.runs += 1;
                    outcome.announced += self.watch_run(&run_id, &state).await;
                }
                Err(err) => {
                    tracing::error!(%run_id, error = %crate::error::display_chain(&err), code = err.code(), "storing a live segment failed");
                    outcome.failed.extend(ids.iter().map(|id| (*id).to_owned()));
                }
            }
        }
        outcome
    }

    /// Keeps a batch event; its message fails when that could not be done (SQS redelivers it alone).
    async fn track_batch(
        &self,
        batch: &crate::live::BatchChange,
        message_id: &str,
        outcome: &mut BatchOutcome,
    ) {
        match self.watch.batch(batch).await {
            Ok(announced) => {
                outcome.events += 1;
                outcome.announced += usize::from(announced);
            }
            Err(err) => {
                tracing::error!(batch_id = %batch.batch_id, error = %crate::error::display_chain(&err), code = err.code(), "keeping a batch status failed");
                outcome.failed.push(message_id.to_owned());
            }
        }
    }

    /// The straggler check of a run this batch touched, unless the batch says it ended. A failed check is only
    /// logged: the events are stored, and the run's next batch checks again.
    async fn watch_run(&self, run_id: &RunId, state: &LiveState) -> usize {
        if state
            .status
            .as_ref()
            .is_some_and(|(status, _)| status.is_terminal())
        {
            return 0;
        }
        match self.watch.check_run(run_id, (self.clock)()).await {
            Ok(announced) => announced,
            Err(err) => {
                tracing::warn!(%run_id, error = %crate::error::display_chain(&err), code = err.code(), "straggler check failed");
                0
            }
        }
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
