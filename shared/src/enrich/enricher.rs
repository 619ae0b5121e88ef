//! One enrichment, end to end: GetRun, the manifest (waiting for a late one), the task list, failed task
//! details, the record, and the idempotent writes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::builder::{BuildInputs, BuiltRecord, EnrichmentBuilder};
use super::collect;
use super::crash::{self, CrashPoint};
use crate::analysis::Settings;
use crate::clients::AwsClients;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::events::{RunEvent, RunFinished, parse_run_event};
use crate::ids::RunId;
use crate::lake::LakeStore;
use crate::manifest::ManifestReader;
use crate::omics::{HealthOmics, Pacing, Run};
use crate::pricing::PriceResolver;
use crate::record::{RunUuid, SCHEMA_VERSION, TaskListing};
use crate::status::RunStatus;
use crate::store::{
    EventPublisher, FleetViews, PutOutcome, ReportStore, SummaryRecord, SummaryStore,
    WriteDecision, decide, fleet_run, fleet_time,
};
use crate::time::{Timestamp, format_timestamp, parse_timestamp};

/// First pause while waiting for a manifest; doubled after each miss up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest pause between two manifest reads.
const MAX_BACKOFF: Duration = Duration::from_secs(8);

/// What to enrich.
#[derive(Debug, Clone, PartialEq)]
pub struct EnrichRequest {
    /// Run id.
    pub run_id: RunId,
    /// Run uuid when known (event, manifest stream name); else GetRun's.
    pub uuid: Option<RunUuid>,
    /// The finished status an event announced.
    pub announced_status: Option<RunStatus>,
    /// When the event happened (a last-resort `enrichedAt`).
    pub event_time: Option<Timestamp>,
    /// Workflow name from the event.
    pub workflow_name: Option<String>,
    /// Overrides the configured manifest wait (backfill reads streams that exist: no wait).
    pub manifest_wait: Option<Duration>,
}

impl From<&RunFinished> for EnrichRequest {
    fn from(event: &RunFinished) -> Self {
        Self {
            run_id: event.run_id.clone(),
            uuid: event.uuid.clone(),
            announced_status: Some(event.status.clone()),
            event_time: event.event_time,
            workflow_name: event.workflow_name.clone(),
            manifest_wait: None,
        }
    }
}

/// How an enrichment ended.
#[derive(Debug, Clone, PartialEq)]
pub enum EnrichOutcome {
    /// A record was stored (S3 object, then item) and announced.
    Written {
        /// The stored item.
        record: Box<SummaryRecord>,
        /// Whether `Run Enriched` went out.
        published: bool,
    },
    /// A record as good was already stored; nothing was written (except a `Run Enriched` event a crash had left
    /// unpublished).
    Unchanged {
        /// The stored item.
        record: Box<SummaryRecord>,
        /// Why nothing was written.
        reason: String,
        /// Whether a pending event was published now.
        republished: bool,
    },
    /// The run cannot be enriched (not finished, unknown uuid).
    Skipped {
        /// Run id.
        run_id: String,
        /// Why.
        reason: String,
    },
}

impl EnrichOutcome {
    /// A short JSON answer for the invocation and for logs.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Written { record, published } => json!({
                "outcome": "written",
                "runId": record.summary.run_id,
                "uuid": record.summary.uuid,
                "status": record.summary.status,
                "report": record.report.uri(),
                "published": published,
            }),
            Self::Unchanged {
                record,
                reason,
                republished,
            } => json!({
                "outcome": "unchanged",
                "runId": record.summary.run_id,
                "uuid": record.summary.uuid,
                "status": record.summary.status,
                "report": record.report.uri(),
                "reason": reason,
                "republished": republished,
            }),
            Self::Skipped { run_id, reason } => json!({
                "outcome": "skipped",
                "runId": run_id,
                "reason": reason,
            }),
        }
    }
}

/// Everything an enrichment talks to.
#[derive(Debug, Clone)]
pub struct Enricher {
    omics: HealthOmics,
    manifests: ManifestReader,
    logs: aws_sdk_cloudwatchlogs::Client,
    log_group: String,
    reports: ReportStore,
    summaries: SummaryStore,
    fleet: FleetViews,
    publisher: EventPublisher,
    manifest_wait: Duration,
    settings: Arc<Settings>,
    lake: LakeStore,
    prices: Option<PriceResolver>,
}

impl Enricher {
    /// Builds from clients and configuration, with the bundled price table and the default headroom (see
    /// [`Self::with_settings`]); fails (at cold start) without a table or bucket, or with an unreadable
    /// [`Pacing`] variable. HealthOmics calls are paced per operation ([`Pacing::from_lookup`], default 10/s) by
    /// limiters every clone of this enricher shares: one enricher per process (enrich-run, a backfill) keeps the
    /// whole process under the account's quota.
    pub fn new(clients: &AwsClients, config: &Config) -> Result<Self> {
        let pacing = Pacing::from_lookup(|name| std::env::var(name).ok())?;
        Ok(Self {
            omics: HealthOmics::new(clients.omics.clone()).paced(pacing),
            manifests: ManifestReader::new(clients.logs.clone(), &config.log_group),
            logs: clients.logs.clone(),
            log_group: config.log_group.clone(),
            reports: ReportStore::new(clients.s3.clone(), config.reports_bucket()?),
            summaries: SummaryStore::new(clients.dynamodb.clone(), config.runs_table()?),
            fleet: FleetViews::new(clients.dynamodb.clone(), config.fleet_table()?),
            publisher: EventPublisher::new(clients.eventbridge.clone(), &config.event_bus),
            manifest_wait: config.manifest_wait,
            settings: Arc::new(Settings::default()),
            lake: LakeStore::new(clients.s3.clone(), config.reports_bucket()?),
            prices: None,
        })
    }

    /// The analysis settings records are analysed with (`reindex` prices task groups with them too).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The same enricher with the analysis `settings` (price table, headroom) its records are analysed with;
    /// `enrich-run` loads them once at start ([`crate::config::load_analysis_settings`]).
    pub fn with_settings(self, settings: Settings) -> Self {
        Self {
            settings: Arc::new(settings),
            ..self
        }
    }

    /// The same enricher pricing each run from the AWS Price List API for the run's region (cached by
    /// `resolver`), the configured settings' table standing in when that fails; `PRICES_URI` still wins.
    pub fn with_price_list(self, resolver: PriceResolver) -> Self {
        Self {
            prices: Some(resolver),
            ..self
        }
    }

    /// The summary store (for readers).
    pub fn summaries(&self) -> &SummaryStore {
        &self.summaries
    }

    /// Handles one Lambda payload: a finished run's `Run Status Change` is enriched; any other event is logged
    /// and acknowledged. The answer is [`EnrichOutcome::to_json`] (or `{"outcome": "ignored", ...}`).
    pub async fn handle_event(&self, payload: Value) -> Result<Value> {
        match parse_run_event(payload) {
            RunEvent::Ignored { reason } => {
                tracing::info!(reason, "event ignored");
                Ok(json!({"outcome": "ignored", "reason": reason}))
            }
            RunEvent::Finished(event) => {
                tracing::info!(
                    run_id = %event.run_id, uuid = event.uuid.as_ref().map(RunUuid::as_str), status = %event.status,
                    event_id = event.event_id.as_deref(), "run finished"
                );
                let outcome = self.enrich(EnrichRequest::from(event.as_ref())).await?;
                Ok(outcome.to_json())
            }
        }
    }

    /// Enriches one run. Errors are for the caller to retry (Lambda's async retries, then the DLQ): upstream
    /// failures, and a COMPLETED run whose manifest did not appear within the wait.
    pub async fn enrich(&self, request: EnrichRequest) -> Result<EnrichOutcome> {
        let run_id = request.run_id.clone();
        let skipped = |reason: String| {
            Ok(EnrichOutcome::Skipped {
                run_id: run_id.to_string(),
                reason,
            })
        };

        let fetched = match self.omics.get_run(&run_id).await {
            Ok(run) => Some(run),
            Err(Error::NotFound { .. }) => None,
            Err(err) => return Err(err),
        };
        let uuid = request.uuid.clone().or_else(|| {
            fetched
                .as_ref()
                .and_then(|r| r.uuid.as_deref())
                .and_then(|u| RunUuid::parse(u).ok())
        });
        let Some(uuid) = uuid else {
            return skipped("HealthOmics does not return the run and no uuid is known".into());
        };
        // A run id is reused after deletion: GetRun may describe another run than the one asked about.
        let api_run = fetched.filter(|r| r.uuid.as_deref().is_none_or(|u| uuid == u));
        let status = match finished_status(&run_id, api_run.as_ref(), &request.announced_status)? {
            StatusCheck::Finished(status) => status,
            StatusCheck::NotFinished(reason) => return skipped(reason),
        };

        let started = Instant::now();
        let existing = self.summaries.get(&run_id, &uuid).await?;
        let wait = request.manifest_wait.unwrap_or(self.manifest_wait);
        let (mut builder, status) = match self
            .collect(
                &run_id,
                &uuid,
                api_run.as_ref(),
                status,
                existing.as_ref(),
                wait,
            )
            .await?
        {
            Collected::Ready(builder, status) => (*builder, status),
            Collected::Duplicate(record) => {
                return self
                    .unchanged(record, "duplicate: same status and manifest digest")
                    .await;
            }
            Collected::NotFinished(reason) => return skipped(reason),
        };

        let listed = self.task_details(&mut builder, &run_id, started).await?;
        let listing = builder.listing().cloned();
        let inputs = BuildInputs {
            status,
            fallback_enriched_at: fallback_enriched_at(existing.as_ref(), request.event_time),
            workflow_name: request.workflow_name.clone(),
        };
        let collected = started.elapsed();
        let built = self.build_off_thread(builder, inputs).await?;

        let timings = Timings {
            listing,
            listed,
            collected,
            built: started.elapsed(),
            started,
        };
        self.store(&run_id, &uuid, built, existing, timings).await
    }

    /// Completes the builder with what the manifest cannot give: the task list (when GetRun knows the run and the
    /// manifest wait did not already list it) and the failed tasks' details and log tails. Answers the time
    /// elapsed since `started` once the list was read, for the timings log.
    async fn task_details(
        &self,
        builder: &mut EnrichmentBuilder,
        run_id: &RunId,
        started: Instant,
    ) -> Result<Duration> {
        let from_manifest = builder.listing().is_some_and(TaskListing::from_manifest);
        if builder.has_api_run() && !builder.tasks_list_attempted() && !from_manifest {
            self.list_tasks(builder, run_id).await?;
        }
        let listed = started.elapsed();
        collect::failed_details(&self.omics, &self.logs, &self.log_group, builder, run_id).await?;
        Ok(listed)
    }

    /// Reads `ListRunTasks` (paced) into `builder` and records the pages read in its listing.
    async fn list_tasks(&self, builder: &mut EnrichmentBuilder, run_id: &RunId) -> Result<()> {
        let calls = collect::list_tasks(&self.omics, builder, run_id).await?;
        let mut listing = builder
            .listing()
            .cloned()
            .unwrap_or_else(|| TaskListing::new(TaskListing::LISTED, "the manifest was not read"));
        listing.calls += calls;
        builder.set_listing(listing);
        Ok(())
    }

    /// Builds the record on the blocking pool (with the run's prices resolved first): serialising and compressing
    /// a large run's rows is CPU work that would otherwise stall the async runtime.
    async fn build_off_thread(
        &self,
        builder: EnrichmentBuilder,
        inputs: BuildInputs,
    ) -> Result<BuiltRecord> {
        let settings = match &self.prices {
            Some(resolver) => {
                resolver
                    .settings_for_run(&self.settings, builder.run_region().as_deref())
                    .await
            }
            None => Arc::clone(&self.settings),
        };
        tokio::task::spawn_blocking(move || builder.build(inputs, &settings))
            .await
            .map_err(|e| Error::Internal(format!("building the record: {e}")))?
    }

    /// Writes a built record unless the stored one is as good: S3 object, lake objects, then the conditional item
    /// (unpublished), then the event and the item's published flag. Every external write is followed by a
    /// [`CrashPoint`] (test-only, see [`super::crash`]).
    async fn store(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        built: BuiltRecord,
        existing: Option<SummaryRecord>,
        timings: Timings,
    ) -> Result<EnrichOutcome> {
        let stored_summary = existing.as_ref().map(|r| &r.summary);
        match decide(stored_summary, &built.summary) {
            WriteDecision::Write => {}
            WriteDecision::Duplicate => {
                let record =
                    existing.ok_or_else(|| Error::Internal("duplicate of nothing".into()))?;
                return self
                    .unchanged(
                        Box::new(record),
                        "duplicate: same status and manifest digest",
                    )
                    .await;
            }
            WriteDecision::KeepStored => {
                let record = existing.ok_or_else(|| Error::Internal("kept nothing".into()))?;
                return self
                    .unchanged(
                        Box::new(record),
                        "the stored record is at least as complete",
                    )
                    .await;
            }
        }

        let location = self.reports.put(run_id, uuid, &built.report).await?;
        crash::reached(CrashPoint::AfterReport);
        // The lake's copy before the item: a re-delivery after a crash rewrites the same keys.
        self.lake.put(built.lake).await?;
        crash::reached(CrashPoint::AfterLake);
        let figures = built.figures;
        let record = SummaryRecord {
            summary: built.summary,
            report: location,
            event_published: false,
            written_at: format_timestamp(&chrono::Utc::now()),
        };
        match self.summaries.put_if_better(&record).await? {
            PutOutcome::Written => {}
            PutOutcome::ConditionFailed => {
                let winner = self.summaries.get(run_id, uuid).await?;
                return self.lost_race(run_id, uuid, record, winner).await;
            }
        }
        crash::reached(CrashPoint::AfterItem);
        // Read our write back (consistent read) before announcing it: a better record written in between, or a
        // store whose conditional writes are not atomic under concurrency (moto), must not end with two
        // "written" invocations, two announcements and an orphaned object version.
        let stored = self.summaries.get(run_id, uuid).await?;
        let mut stored = match stored {
            Some(stored) if stored.report == record.report => stored,
            other => return self.lost_race(run_id, uuid, record, other).await,
        };
        tracing::info!(
            run_id = %run_id, uuid = %uuid, status = %stored.summary.status,
            tasks = stored.summary.task_count, bytes = stored.report.bytes,
            json_bytes = stored.report.json_bytes,
            listing_path = timings.listing.as_ref().map_or("-", |l| l.path.as_str()),
            listing_calls = timings.listing.as_ref().map_or(0, |l| l.calls),
            key = %stored.report.key,
            listed_ms = timings.listed.as_millis() as u64,
            collect_ms = timings.collected.as_millis() as u64,
            build_ms = (timings.built - timings.collected).as_millis() as u64,
            total_ms = timings.started.elapsed().as_millis() as u64,
            "stored enriched run"
        );
        self.file_row(&stored, existing.as_ref()).await?;
        crash::reached(CrashPoint::AfterBucket);
        // The item as stored is what is announced: a re-delivery that finds it unpublished announces the same
        // detail (see `announce`).
        self.announce(&stored).await?;
        stored.event_published = true;
        figures.line().emit();
        Ok(EnrichOutcome::Written {
            record: Box::new(stored),
            published: true,
        })
    }

    /// Sends `Run Enriched` for a stored item, then marks the item published. The item was written unpublished
    /// first, so a process dying anywhere before the mark leaves it for the next delivery to announce: at least
    /// once. A death between the two calls (or a failed mark) makes that delivery announce again: the same detail
    /// with the same `idempotencyKey`, which consumers deduplicate on (EventBridge has no deduplication of its
    /// own). See "Crashes between writes" in `docs/architecture.md`.
    async fn announce(&self, record: &SummaryRecord) -> Result<()> {
        self.publisher.publish(record).await?;
        crash::reached(CrashPoint::AfterEvent);
        let run_id =
            RunId::parse(&record.summary.run_id).map_err(|e| Error::Internal(e.to_string()))?;
        self.summaries
            .mark_published(&run_id, &record.summary.uuid, &record.report.sha256)
            .await?;
        crash::reached(CrashPoint::AfterMark);
        Ok(())
    }

    /// Reads the manifest, retrying with backoff while it is missing, empty, or (for a COMPLETED run) lacks tasks
    /// the task list has, until `wait` has passed.
    async fn collect(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        api_run: Option<&Run>,
        status: Option<RunStatus>,
        existing: Option<&SummaryRecord>,
        wait: Duration,
    ) -> Result<Collected> {
        let started = Instant::now();
        let mut backoff = FIRST_BACKOFF;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            let mut builder = EnrichmentBuilder::new(run_id.clone(), uuid.clone(), &self.log_group);
            if let Some(run) = api_run {
                builder.set_api_run(run.clone());
            }
            let (read, evidence) =
                collect::read_manifest_with_evidence(&self.manifests, &mut builder, run_id, uuid)
                    .await?;
            builder.finish_manifest(read);
            let status = match status.clone().or_else(|| builder.observed_status()) {
                Some(s) if s.is_terminal() => s,
                Some(s) => return Ok(Collected::NotFinished(format!("run is {s}, not finished"))),
                None => {
                    return Ok(Collected::NotFinished(
                        "the run's status is unknown (no GetRun, no manifest run record)".into(),
                    ));
                }
            };
            let present = builder.manifest_has_content();
            if present {
                if let Some(stored) = existing.filter(|stored| {
                    stored.summary.status == status
                        && stored.summary.manifest_digest == builder.manifest_digest()
                        && stored.summary.schema_version == SCHEMA_VERSION
                        && (stored.summary.api_available || api_run.is_none())
                }) {
                    return Ok(Collected::Duplicate(Box::new(stored.clone())));
                }
                let mut listing = collect::decide_listing(api_run, &status, uuid, &evidence);
                if listing.from_manifest() {
                    listing = collect::confirm_with_first_page(
                        &self.omics,
                        &mut builder,
                        run_id,
                        &evidence,
                        listing,
                    )
                    .await?;
                }
                let from_manifest = listing.from_manifest();
                builder.set_listing(listing);
                if status != RunStatus::Completed || from_manifest {
                    return Ok(Collected::Ready(Box::new(builder), status));
                }
                if api_run.is_some() && !builder.tasks_list_attempted() {
                    self.list_tasks(&mut builder, run_id).await?;
                }
                if builder.manifest_complete() {
                    return Ok(Collected::Ready(Box::new(builder), status));
                }
            }
            let elapsed = started.elapsed();
            if elapsed + backoff > wait {
                let waited = elapsed.as_secs();
                let stream = crate::manifest::stream_name(run_id, uuid);
                if !present && status == RunStatus::Completed {
                    tracing::warn!(%run_id, %uuid, attempts, waited, "manifest of a COMPLETED run not readable");
                    return Err(Error::ManifestNotFound {
                        log_group: self.log_group.clone(),
                        stream,
                    });
                }
                if !present {
                    builder.set_listing(collect::decide_listing(
                        api_run,
                        &status,
                        uuid,
                        &collect::ManifestEvidence::default(),
                    ));
                }
                if present {
                    builder.warn(format!(
                        "the manifest still lacked {} task(s) after waiting {waited} s",
                        builder.tasks_missing_from_manifest()
                    ));
                } else if wait > Duration::ZERO {
                    builder.warn(format!(
                        "no manifest after waiting {waited} s: a {status} run may never get one"
                    ));
                }
                return Ok(Collected::Ready(Box::new(builder), status));
            }
            tracing::info!(%run_id, %uuid, attempts, present, backoff_ms = backoff.as_millis() as u64, "waiting for the manifest");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// A stored record stays; publishes its event if a crash left it unpublished.
    async fn unchanged(&self, record: Box<SummaryRecord>, reason: &str) -> Result<EnrichOutcome> {
        // A crash after the item and before its day bucket left the run out of the fleet summary: file it again
        // (nothing is written when the bucket already holds this row).
        self.file_row(&record, None).await?;
        let mut republished = false;
        if !record.event_published {
            tracing::warn!(
                run_id = %record.summary.run_id, uuid = %record.summary.uuid,
                "the stored record is not marked announced (an earlier invocation died or failed after storing \
                 it, or is announcing it now): announcing it, possibly a second time"
            );
            self.announce(&record).await?;
            republished = true;
        }
        tracing::info!(
            run_id = %record.summary.run_id, uuid = %record.summary.uuid, reason, republished,
            "record unchanged"
        );
        Ok(EnrichOutcome::Unchanged {
            record,
            reason: reason.to_owned(),
            republished,
        })
    }

    /// Files the stored record in the fleet table's views (its day bucket, its workflow's recent runs), taking
    /// the previous record's row out of its own day when the run's stop day changed.
    async fn file_row(
        &self,
        record: &SummaryRecord,
        previous: Option<&SummaryRecord>,
    ) -> Result<()> {
        let Some(run) = fleet_run(&record.summary) else {
            return Ok(());
        };
        let before = previous.and_then(|p| fleet_time(&p.summary));
        self.fleet.file(&run, before.as_ref()).await
    }

    /// A concurrent invocation stored an equal or better record (`winner`, as read after our write) between our
    /// read and our write: drop our object version so the current object is the winner's, and report the winner.
    async fn lost_race(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        ours: SummaryRecord,
        winner: Option<SummaryRecord>,
    ) -> Result<EnrichOutcome> {
        if let Some(version) = &ours.report.version_id {
            let winner_version = winner.as_ref().and_then(|w| w.report.version_id.as_deref());
            if winner_version != Some(version.as_str()) {
                self.reports
                    .delete_version(&ours.report.key, version)
                    .await?;
            }
        } else if winner
            .as_ref()
            .is_some_and(|w| w.report.sha256 != ours.report.sha256)
        {
            tracing::warn!(
                %run_id, %uuid, key = %ours.report.key,
                "lost a race with different content on an unversioned bucket: enable versioning on the reports bucket"
            );
        }
        let record = Box::new(winner.unwrap_or(ours));
        Ok(EnrichOutcome::Unchanged {
            record,
            reason: "a concurrent invocation stored an equal or better record".into(),
            republished: false,
        })
    }
}

/// When the phases of one enrichment ended, for the log line.
struct Timings {
    /// How the task list was obtained.
    listing: Option<TaskListing>,
    started: Instant,
    /// Manifest and task list read.
    listed: Duration,
    /// Failed task details read.
    collected: Duration,
    /// Record built.
    built: Duration,
}

/// What [`Enricher::collect`] found.
enum Collected {
    /// Ready to finish, with the run's terminal status.
    Ready(Box<EnrichmentBuilder>, RunStatus),
    /// The stored record has this status and manifest digest already.
    Duplicate(Box<SummaryRecord>),
    /// The run is not finished (or its status is unknown).
    NotFinished(String),
}

/// Whether a run can be enriched now, according to GetRun and the event that announced it.
#[derive(Debug)]
enum StatusCheck {
    /// Enrich with this status (GetRun's when terminal, else the event's; `None` when neither knows).
    Finished(Option<RunStatus>),
    /// Skip: the run is still going (the reason is the outcome's text).
    NotFinished(String),
}

/// Decides the status to enrich with. GetRun wins when it reports a terminal status. When GetRun still shows a
/// running status although an event announced the end, HealthOmics is lagging: that is an upstream error so the
/// invocation is retried, rather than a skip that would lose the run.
fn finished_status(
    run_id: &RunId,
    api_run: Option<&Run>,
    announced: &Option<RunStatus>,
) -> Result<StatusCheck> {
    match (api_run.and_then(|r| r.status.clone()), announced) {
        (Some(s), _) if s.is_terminal() => Ok(StatusCheck::Finished(Some(s))),
        (Some(s), Some(announced)) if announced.is_terminal() => Err(Error::Upstream {
            service: crate::omics::SERVICE,
            status: None,
            source: format!("GetRun still reports run {run_id} as {s} after a {announced} event")
                .into(),
        }),
        (Some(s), _) => Ok(StatusCheck::NotFinished(format!(
            "run is {s}, not finished"
        ))),
        (None, announced) => Ok(StatusCheck::Finished(announced.clone())),
    }
}

/// The `enrichedAt` to use when the run has no stop time, with its source name. A previous record's time comes
/// first so that re-enriching an unchanged run writes the same bytes; the clock is the last resort.
fn fallback_enriched_at(
    existing: Option<&SummaryRecord>,
    event_time: Option<Timestamp>,
) -> (Timestamp, &'static str) {
    let previous = existing.and_then(|r| parse_timestamp(&r.summary.enriched_at).ok());
    match (previous, event_time) {
        (Some(time), _) => (time, "previousRecord"),
        (None, Some(time)) => (time, "eventTime"),
        (None, None) => (chrono::Utc::now(), "clock"),
    }
}
