//! Announcements of live runs on the configured bus (source `omics-introspect`), each sent at most once:
//! `Run Straggling` for a running task past its group's p95 (a marker item per task claims it) and `Batch
//! Finished` when a run batch reaches a finished status (a flag on the batch's item claims it). A claim is taken
//! before the event is sent and given back when sending fails, so a crash between the two loses the announcement
//! rather than repeating it; a failure the caller sees is retried with its message.

use serde_json::{Value, json};

use super::view::{LiveReader, LiveView};
use crate::error::Result;
use crate::ids::RunId;
use crate::live::{BatchChange, BatchStatus, progress};
use crate::store::{EventPublisher, LiveBatches};
use crate::time::Timestamp;

/// `detail-type` of a straggler's announcement.
pub const RUN_STRAGGLING: &str = "Run Straggling";
/// `detail-type` of a finished batch's announcement.
pub const BATCH_FINISHED: &str = "Batch Finished";
/// Seconds between two straggler checks of one run (however many batches carry its events).
pub const CHECK_SPACING_SECONDS: i64 = 60;

/// Watches live runs and batches.
#[derive(Debug, Clone)]
pub struct Watch {
    reader: LiveReader,
    batches: LiveBatches,
    publisher: EventPublisher,
}

impl Watch {
    /// A watch reading runs with `reader`, keeping batches in `batches`, announcing through `publisher`.
    pub fn new(reader: LiveReader, batches: LiveBatches, publisher: EventPublisher) -> Self {
        Self {
            reader,
            batches,
            publisher,
        }
    }

    /// Checks a running run for stragglers at `now` (at most once per [`CHECK_SPACING_SECONDS`]) and announces
    /// the new ones; how many were announced.
    pub async fn check_run(&self, run_id: &RunId, now: Timestamp) -> Result<usize> {
        let runs = self.reader.runs();
        if !runs
            .claim_check(run_id.as_str(), now.timestamp(), CHECK_SPACING_SECONDS)
            .await?
        {
            return Ok(0);
        }
        let Some(mut view) = self.reader.read_unnamed(run_id).await? else {
            return Ok(0);
        };
        let ended = view
            .run
            .state
            .status
            .as_ref()
            .is_some_and(|(status, _)| status.is_terminal());
        // Without a profile nothing can straggle: the names (HealthOmics calls) would be read for nothing.
        if ended || view.profile.is_none() {
            return Ok(0);
        }
        self.reader.name_running(run_id, &mut view).await;
        let mut announced = 0;
        for straggler in progress(&view.run, view.profile.as_ref(), now).stragglers {
            if !runs
                .mark_straggler(run_id.as_str(), &straggler.task_id)
                .await?
            {
                continue;
            }
            let detail = straggling_detail(run_id, &view, &straggler);
            if let Err(err) = self
                .publisher
                .announce(RUN_STRAGGLING, &detail, Vec::new())
                .await
            {
                runs.unmark_straggler(run_id.as_str(), &straggler.task_id)
                    .await?;
                return Err(err);
            }
            announced += 1;
        }
        Ok(announced)
    }

    /// Keeps a batch's newest status and announces its end once; whether `Batch Finished` was sent now.
    pub async fn batch(&self, change: &BatchChange) -> Result<bool> {
        let status = BatchStatus::of(change);
        self.batches.record(&status).await?;
        if !status.finished || !self.batches.claim_announcement(&status.batch_id).await? {
            return Ok(false);
        }
        let detail = serde_json::to_value(&status).unwrap_or_else(|_| json!({}));
        if let Err(err) = self
            .publisher
            .announce(BATCH_FINISHED, &detail, Vec::new())
            .await
        {
            self.batches.release_announcement(&status.batch_id).await?;
            return Err(err);
        }
        Ok(true)
    }
}

fn straggling_detail(
    run_id: &RunId,
    view: &LiveView,
    straggler: &crate::live::progress::Straggler,
) -> Value {
    json!({
        "runId": run_id.as_str(),
        "uuid": view.run.state.uuid,
        "workflowId": view.run.state.workflow_id,
        "taskId": straggler.task_id,
        "name": straggler.name,
        "runningSeconds": straggler.running_seconds,
        "p95Seconds": straggler.p95_seconds,
        "profileRuns": view.profile.as_ref().map(|p| p.runs.clone()),
    })
}
