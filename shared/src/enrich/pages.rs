//! The run page of every stored record (`render-run-page`): on each `Run Enriched` event, the record it names is
//! read back from S3 and drawn as `report.html` beside it ([`crate::analysis::run_page`], streamed into gzip).
//!
//! Drawn after the record is stored, not inside the enrichment, so enrich-run's memory stays what its own record
//! needs (a 100,000-task page holds every task's row as the page's data) and a page can be redrawn from the
//! stored record alone. Idempotent: a page drawn from the same record (its SHA-256 is the object's metadata) is
//! left as it is, so duplicated and late events cost one HEAD.

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Deserialize;
use serde_json::{Value, json};

use super::decode_record;
use crate::analysis::run_page::write_run_page;
use crate::clients::AwsClients;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ids::RunId;
use crate::record::{EnrichedRun, RunUuid};
use crate::store::{ReportLocation, ReportStore, RunPages, SummaryStore};

/// What drawing a page did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageOutcome {
    /// A page was written: its compressed size and the tasks it shows.
    Written {
        /// Bytes of the gzip object.
        bytes: usize,
        /// Tasks in the page.
        tasks: usize,
    },
    /// The stored page was drawn from this very record.
    Unchanged,
}

/// The part of a `Run Enriched` event a page needs.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Enriched {
    run_id: String,
    uuid: String,
    report: ReportLocation,
}

/// Draws run pages.
#[derive(Debug, Clone)]
pub struct PageDrawer {
    reports: ReportStore,
    pages: RunPages,
}

impl PageDrawer {
    /// The drawer of the configured reports bucket (`REPORTS_BUCKET_NAME`).
    pub fn new(clients: &AwsClients, config: &Config) -> Result<Self> {
        let bucket = config.reports_bucket()?;
        Ok(Self {
            reports: ReportStore::new(clients.s3.clone(), bucket),
            pages: RunPages::new(clients.s3.clone(), bucket),
        })
    }

    /// Handles one `Run Enriched` event (as its EventBridge JSON); the answer line of the invocation.
    pub async fn handle_event(&self, event: Value) -> Result<Value> {
        let detail = event.get("detail").cloned().unwrap_or(Value::Null);
        let enriched: Enriched =
            serde_json::from_value(detail).map_err(|e| Error::InvalidInput {
                field: "detail".into(),
                message: format!("not a Run Enriched event: {e}"),
            })?;
        let run_id = RunId::parse(&enriched.run_id).map_err(|e| Error::InvalidInput {
            field: "detail.runId".into(),
            message: e.to_string(),
        })?;
        let uuid = RunUuid::parse(&enriched.uuid).map_err(|e| Error::InvalidInput {
            field: "detail.uuid".into(),
            message: e.to_string(),
        })?;
        let outcome = self.draw(&run_id, &uuid, &enriched.report).await?;
        Ok(answer(&run_id, &uuid, &outcome))
    }

    /// Draws the page of the stored record `run_id` / `uuid` (else its latest) found in `summaries`.
    pub async fn draw_stored(
        &self,
        summaries: &SummaryStore,
        run_id: &RunId,
        uuid: Option<&RunUuid>,
    ) -> Result<Value> {
        let record = summaries
            .find(run_id, uuid)
            .await?
            .ok_or_else(|| Error::NotFound {
                resource: "stored record of run",
                id: run_id.to_string(),
            })?;
        let uuid = record.summary.uuid.clone();
        let outcome = self.draw(run_id, &uuid, &record.report).await?;
        Ok(answer(run_id, &uuid, &outcome))
    }

    /// Draws the page of the record at `location` unless the stored page was drawn from it.
    pub async fn draw(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        location: &ReportLocation,
    ) -> Result<PageOutcome> {
        if self.pages.drawn_from(run_id, uuid).await?.as_deref() == Some(location.sha256.as_str()) {
            return Ok(PageOutcome::Unchanged);
        }
        let record = decode_record(&self.reports.get(location).await?)?;
        let tasks = record.tasks.len();
        let gzip = page_gzip(&record)?;
        let bytes = gzip.len();
        self.pages.put(run_id, uuid, gzip, &location.sha256).await?;
        Ok(PageOutcome::Written { bytes, tasks })
    }
}

/// The page of `record`, gzip-compressed as it is drawn.
pub fn page_gzip(record: &EnrichedRun) -> Result<Vec<u8>> {
    let failed = |e: std::io::Error| Error::Internal(format!("drawing the run page: {e}"));
    let mut gzip = GzEncoder::new(Vec::new(), Compression::new(6));
    write_run_page(record, &mut gzip).map_err(failed)?;
    gzip.flush().map_err(failed)?;
    gzip.finish().map_err(failed)
}

fn answer(run_id: &RunId, uuid: &RunUuid, outcome: &PageOutcome) -> Value {
    match outcome {
        PageOutcome::Written { bytes, tasks } => json!({
            "runId": run_id.as_str(), "uuid": uuid.as_str(), "outcome": "written",
            "bytes": bytes, "tasks": tasks,
        }),
        PageOutcome::Unchanged => json!({
            "runId": run_id.as_str(), "uuid": uuid.as_str(), "outcome": "unchanged",
        }),
    }
}
