//! Builds an enriched record from its parts as they stream in: GetRun, manifest pages, task list pages, failed
//! task details. No I/O here; [`super::Enricher`] feeds it.

use std::collections::BTreeMap;

use crate::analysis::cost::cost_figures;
use crate::analysis::fleet::facts::FactSources;
use crate::analysis::fleet::{RunFacts, TaskGroupStats, run_facts};
use crate::analysis::{Analyzer, PriceTable, Settings};
use crate::ids::{RunId, id_from_arn};
use crate::lake::{LakeObjects, LakeWriter};
use crate::manifest::{ManifestPage, ManifestRun, ParseWarnings};
use crate::metrics::RunFigures;
use crate::omics::{Run, Task};
use crate::status::{RunStatus, TaskStatus};
use crate::time::{Timestamp, format_timestamp};

use super::rows::{TaskRow, TaskTable, release_free_memory};
use super::summary::summarize;
use super::writer::write_report;
use crate::error::Result;
use crate::record::{
    EnrichedTask, EnrichmentSummary, FailedTask, ManifestInfo, NO_MANIFEST_DIGEST, ReportBytes,
    ReportHead, RunInfo, RunUuid, SCHEMA_VERSION, SourceFlags, TaskListing,
};

/// The last lines of a failed task's log, or why there are none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogTail {
    /// Lines, oldest first.
    pub lines: Vec<String>,
    /// Why `lines` is empty (missing stream, error), when it is.
    pub note: Option<String>,
}

/// How a manifest read ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestRead {
    /// Whether the stream existed.
    pub found: bool,
    /// Log events read.
    pub lines: u64,
    /// `sha256:<hex>` of the raw lines.
    pub digest: Option<String>,
    /// Unreadable lines.
    pub warnings: ParseWarnings,
}

/// Details of a failed task beyond its row.
#[derive(Debug, Clone, Default)]
struct FailedExtras {
    status_message: Option<String>,
    log_stream: Option<String>,
    tail: LogTail,
}

/// What the caller decides when building: the status, a fallback for `enrichedAt`, event-only facts.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildInputs {
    /// The run's terminal status.
    pub status: RunStatus,
    /// Used for `enrichedAt` when neither GetRun nor the manifest has a stop time, with its source name
    /// (`previousRecord`, `eventTime`, `clock`).
    pub fallback_enriched_at: (Timestamp, &'static str),
    /// Workflow name from the event (summary only; not in the stored record, which holds HealthOmics data only).
    pub workflow_name: Option<String>,
}

/// A built record: its summary and its bytes.
#[derive(Debug, Clone)]
pub struct BuiltRecord {
    /// The compact summary.
    pub summary: EnrichmentSummary,
    /// The gzip JSON record.
    pub report: ReportBytes,
    /// The record's Parquet objects for the data lake ([`crate::lake`]).
    pub lake: LakeObjects,
    /// The figures its metrics report once it is stored ([`crate::metrics`]).
    pub figures: RunFigures,
}

/// Accumulates one run's data and writes its record.
#[derive(Debug)]
pub struct EnrichmentBuilder {
    run_id: RunId,
    uuid: RunUuid,
    api_run: Option<Run>,
    manifest_run: Option<ManifestRun>,
    manifest: ManifestInfo,
    manifest_found: bool,
    table: TaskTable,
    tasks_listed: bool,
    list_attempted: bool,
    listing: Option<TaskListing>,
    failed: BTreeMap<u64, FailedExtras>,
    failed_total: usize,
    notes: Vec<String>,
}

impl EnrichmentBuilder {
    /// A builder for run `run_id` / `uuid` whose manifest lives in `log_group`.
    pub fn new(run_id: RunId, uuid: RunUuid, log_group: &str) -> Self {
        let manifest = ManifestInfo {
            log_group: log_group.to_owned(),
            stream: crate::manifest::stream_name(&run_id, &uuid),
            ..ManifestInfo::default()
        };
        Self {
            run_id,
            uuid,
            api_run: None,
            manifest_run: None,
            manifest,
            manifest_found: false,
            table: TaskTable::default(),
            tasks_listed: false,
            list_attempted: false,
            listing: None,
            failed: BTreeMap::new(),
            failed_total: 0,
            notes: Vec::new(),
        }
    }

    /// GetRun's answer for this run (same uuid).
    pub fn set_api_run(&mut self, run: Run) {
        self.api_run = Some(run);
    }

    /// Whether GetRun contributed.
    pub fn has_api_run(&self) -> bool {
        self.api_run.is_some()
    }

    /// The run's region, from its ARN (GetRun's, else the manifest's): where its prices are looked up.
    pub fn run_region(&self) -> Option<String> {
        let arn = self
            .api_run
            .as_ref()
            .and_then(|r| r.arn.clone())
            .or_else(|| self.manifest_run.as_ref().and_then(|r| r.arn.clone()));
        crate::analysis::cost::region_from_arn(arn.as_deref())
    }

    /// Merges one manifest page.
    pub fn add_manifest_page(&mut self, page: ManifestPage) {
        if let Some(run) = page.run {
            self.manifest.run_record = true;
            if self.manifest_run.is_none() {
                self.manifest_run = Some(run);
            }
        }
        self.manifest.task_records += page.tasks.len() as u64;
        for task in page.tasks {
            self.table.add_manifest_task(task);
        }
    }

    /// Records how the manifest read ended.
    pub fn finish_manifest(&mut self, read: ManifestRead) {
        self.manifest_found = read.found;
        self.manifest.lines = read.lines;
        self.manifest.digest = read.digest.filter(|_| read.found);
        self.manifest.malformed_lines = read.warnings.malformed_lines;
        self.manifest.first_error = read.warnings.first_error;
    }

    /// Notes that reading `ListRunTasks` started (whether or not it finishes).
    pub fn mark_list_attempted(&mut self) {
        self.list_attempted = true;
    }

    /// Whether reading `ListRunTasks` was attempted.
    pub fn tasks_list_attempted(&self) -> bool {
        self.list_attempted
    }

    /// Records how the task list is obtained (see [`TaskListing`]); the last call wins.
    pub fn set_listing(&mut self, listing: TaskListing) {
        self.listing = Some(listing);
    }

    /// How the task list is obtained, once decided.
    pub fn listing(&self) -> Option<&TaskListing> {
        self.listing.as_ref()
    }

    /// Merges one page of `ListRunTasks`.
    pub fn add_task_page(&mut self, tasks: Vec<Task>) {
        self.tasks_listed = true;
        for task in tasks {
            self.table.add_api_task(task);
        }
    }

    /// Notes that `ListRunTasks` was read completely (also when it returned no task).
    pub fn mark_tasks_listed(&mut self) {
        self.tasks_listed = true;
    }

    /// Ids of FAILED tasks, lowest first, at most `limit`; the total is remembered for a warning.
    pub fn failed_task_ids(&mut self, limit: usize) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .table
            .rows()
            .iter()
            .filter(|r| r.status == Some(TaskStatus::Failed))
            .map(|r| r.id)
            .collect();
        ids.sort_unstable();
        self.failed_total = ids.len();
        ids.truncate(limit);
        for id in &ids {
            self.failed.entry(*id).or_default();
        }
        ids
    }

    /// GetRunTask's answer (if it could be read) and the log tail of failed task `id`.
    pub fn add_failed_detail(&mut self, id: u64, detail: Option<Task>, tail: LogTail) {
        let extras = self.failed.entry(id).or_default();
        extras.tail = tail;
        if let Some(task) = detail {
            extras.status_message.clone_from(&task.status_message);
            extras.log_stream.clone_from(&task.log_stream);
            self.table.add_api_task(task);
        }
    }

    /// Adds a warning sentence to the record.
    pub fn warn(&mut self, warning: impl Into<String>) {
        self.notes.push(warning.into());
    }

    /// Whether the manifest stream had at least one line.
    pub fn manifest_has_content(&self) -> bool {
        self.manifest_found && self.manifest.lines > 0
    }

    /// Tasks the task list has and the manifest lacks.
    pub fn tasks_missing_from_manifest(&self) -> u64 {
        self.table
            .rows()
            .iter()
            .filter(|r| r.in_api() && !r.in_manifest())
            .count() as u64
    }

    /// See [`ReportHead::manifest_complete`].
    pub fn manifest_complete(&self) -> bool {
        let malformed = self.manifest.malformed_lines;
        self.manifest_has_content()
            && (self.manifest.run_record || malformed > 0)
            && self.tasks_missing_from_manifest() <= malformed
    }

    /// The run's status as GetRun, else the manifest, states it.
    pub fn observed_status(&self) -> Option<RunStatus> {
        self.api_run
            .as_ref()
            .and_then(|r| r.status.clone())
            .or_else(|| self.manifest_run.as_ref().and_then(|r| r.status.clone()))
    }

    /// Current digest and line count, to compare with a stored record before doing more work.
    pub fn manifest_digest(&self) -> &str {
        self.manifest
            .digest
            .as_deref()
            .unwrap_or(NO_MANIFEST_DIGEST)
    }

    /// Tasks held so far.
    pub fn task_count(&self) -> usize {
        self.table.len()
    }

    /// Writes the record. Consumes the builder: the rows are turned into JSON one by one.
    pub fn build(self, inputs: BuildInputs, settings: &Settings) -> Result<BuiltRecord> {
        let warnings = self.warnings();
        let manifest_complete = self.manifest_complete();
        let run = self.run_info();
        let (enriched_at, enriched_at_source) = self.enriched_at(&run, inputs.fallback_enriched_at);
        let api = self.api_run.as_ref();
        let manifest_run = self.manifest_run.as_ref();
        let arn = api
            .and_then(|r| r.arn.clone())
            .or_else(|| manifest_run.and_then(|r| r.arn.clone()));
        let parameters = api
            .and_then(|r| r.parameters.clone())
            .or_else(|| manifest_run.and_then(|r| r.parameters.clone()));
        let resource_digests = api
            .and_then(|r| r.resource_digests.clone())
            .or_else(|| manifest_run.and_then(|r| r.resource_digests.clone()));
        let sources = SourceFlags {
            get_run: self.api_run.is_some(),
            manifest: self.manifest_has_content(),
            list_run_tasks: self.tasks_listed,
            listing: self.listing.clone(),
        };

        let rows = self.table.into_sorted();
        // The pages and the index are gone: give their memory back before the record's comes.
        release_free_memory();
        let summary = summarize(&rows, &run);
        let failed_tasks = describe_failed_tasks(self.failed, &rows, &self.run_id);
        let mut analysis = {
            let mut analyzer = Analyzer::new(settings, arn.as_deref(), &run);
            for row in &rows {
                analyzer.observe_named(&row.to_analysis(), row.name());
            }
            analyzer.finish(&inputs.status, &run, &failed_tasks)
        };
        let task_groups = std::mem::take(&mut analysis.task_groups);
        let region = analysis.cost.region.clone();

        let head = ReportHead {
            schema_version: SCHEMA_VERSION,
            run_id: self.run_id.to_string(),
            uuid: self.uuid.clone(),
            arn,
            status: inputs.status.clone(),
            enriched_at: format_timestamp(&enriched_at),
            enriched_at_source: enriched_at_source.to_owned(),
            sources,
            manifest_complete,
            manifest: self.manifest,
            run,
            parameters,
            resource_digests,
            summary,
            failed_tasks,
            cost: Some(analysis.cost),
            rightsizing: Some(analysis.rightsizing),
            diagnosis: analysis.diagnosis,
            warnings,
        };
        let (report, lake) = write_outputs(
            &head,
            rows,
            region.as_deref(),
            &settings.prices,
            inputs.workflow_name.as_deref(),
        )?;
        let figures = RunFigures::of(&head);
        let facts = facts_of(&head, task_groups);
        let summary = summary_of(&head, inputs.status, inputs.workflow_name, Some(facts));
        Ok(BuiltRecord {
            summary,
            report,
            lake,
            figures,
        })
    }

    /// `enrichedAt` and the name of its source. The run's stop time is preferred because it makes the record
    /// reproducible (re-enriching the same run writes the same bytes); the caller's fallback is used only when
    /// neither GetRun nor the manifest knows when the run stopped.
    fn enriched_at(
        &self,
        run: &RunInfo,
        fallback: (Timestamp, &'static str),
    ) -> (Timestamp, &'static str) {
        match (run.stop_time, &self.api_run) {
            (Some(stop), Some(_)) => (stop, "runStopTime"),
            (Some(stop), None) => (stop, "manifestStopTime"),
            (None, _) => fallback,
        }
    }

    /// GetRun's members, with the manifest run record filling the gaps.
    fn run_info(&self) -> RunInfo {
        let mut info = RunInfo::default();
        if let Some(r) = &self.api_run {
            info = RunInfo {
                name: r.name.clone(),
                workflow_id: r.workflow_id.clone(),
                workflow_type: r.workflow_type.clone(),
                workflow_version_name: r.workflow_version_name.clone(),
                workflow_uuid: r.workflow_uuid.clone(),
                workflow_owner_id: r.workflow_owner_id.clone(),
                engine_version: r.engine_version.clone(),
                digest: r.digest.clone(),
                status_message: r.status_message.clone(),
                failure_reason: r.failure_reason.clone(),
                output_uri: r.output_uri.clone(),
                run_output_uri: r.run_output_uri.clone(),
                role_arn: r.role_arn.clone(),
                run_group_id: r.run_group_id.clone(),
                batch_id: r.batch_id.clone(),
                started_by: r.started_by.clone(),
                priority: r.priority.map(i64::from),
                storage_type: r.storage_type.clone(),
                storage_capacity: r.storage_capacity.map(i64::from),
                cache_id: r.cache_id.clone(),
                cache_behavior: r.cache_behavior.clone(),
                retention_mode: r.retention_mode.clone(),
                log_level: r.log_level.clone(),
                accelerators: r.accelerators.clone(),
                creation_time: r.creation_time,
                start_time: r.start_time,
                stop_time: r.stop_time,
                tags: r.tags.clone(),
                ..RunInfo::default()
            };
        }
        if let Some(m) = &self.manifest_run {
            fn fill<T: Clone>(slot: &mut Option<T>, value: &Option<T>) {
                if slot.is_none() {
                    slot.clone_from(value);
                }
            }
            fill(&mut info.name, &m.name);
            let workflow_id = m
                .workflow
                .as_deref()
                .and_then(|arn| id_from_arn(arn, "workflow"))
                .map(str::to_owned);
            fill(&mut info.workflow_id, &workflow_id);
            fill(&mut info.workflow_arn, &m.workflow);
            fill(&mut info.workflow_type, &m.workflow_type);
            fill(&mut info.engine, &m.engine);
            fill(&mut info.main, &m.main);
            fill(&mut info.digest, &m.digest);
            fill(&mut info.status_message, &m.status_message);
            fill(&mut info.failure_reason, &m.failure_reason);
            fill(&mut info.output_uri, &m.output_uri);
            fill(&mut info.role_arn, &m.role_arn);
            fill(&mut info.started_by, &m.started_by);
            fill(&mut info.storage_type, &m.storage_type);
            fill(&mut info.storage_capacity, &m.storage_capacity);
            fill(&mut info.creation_time, &m.creation_time);
            fill(&mut info.start_time, &m.start_time);
            fill(&mut info.stop_time, &m.stop_time);
            fill(&mut info.metrics, &m.metrics);
        }
        info
    }

    /// Every gap in the record, one sentence each, in a fixed order.
    fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let stream = &self.manifest.stream;
        if self.api_run.is_none() {
            out.push(format!(
                "GetRun did not return run {} with uuid {}: run metadata comes from the manifest alone",
                self.run_id, self.uuid
            ));
        }
        if !self.manifest_found {
            out.push(format!("manifest stream {stream} was not found"));
        } else if self.manifest.lines == 0 {
            out.push(format!("manifest stream {stream} is empty"));
        } else if !self.manifest.run_record {
            out.push("the manifest has no readable run record".to_owned());
        }
        if self.manifest.malformed_lines > 0 {
            out.push(format!(
                "{} manifest line(s) could not be read (first: {})",
                self.manifest.malformed_lines,
                self.manifest.first_error.as_deref().unwrap_or("unknown")
            ));
        }
        if self.table.duplicate_manifest_records > 0 {
            out.push(format!(
                "{} manifest task record(s) repeat an earlier task id and only filled gaps",
                self.table.duplicate_manifest_records
            ));
        }
        let missing = self.tasks_missing_from_manifest();
        if missing > 0 && self.manifest_has_content() {
            out.push(format!(
                "{missing} task(s) listed by ListRunTasks are missing from the manifest: their resource metrics are unknown"
            ));
        }
        // Skipping the list on the manifest's own evidence is a decision, not a gap: `sources.listing` says why.
        if !self.tasks_listed
            && !self
                .listing
                .as_ref()
                .is_some_and(TaskListing::from_manifest)
        {
            out.push(
                "ListRunTasks was not read: cache hits and tasks the manifest lacks are unknown"
                    .to_owned(),
            );
        }
        if self.table.unusable_api_items > 0 {
            out.push(format!(
                "{} ListRunTasks item(s) had no usable task id and were skipped",
                self.table.unusable_api_items
            ));
        }
        if self.failed_total > self.failed.len() {
            out.push(format!(
                "{} tasks failed: details and log tails are kept for the first {} only",
                self.failed_total,
                self.failed.len()
            ));
        }
        out.extend(self.notes.iter().cloned());
        out
    }
}

/// One entry per failed task, in task-id order: its row's name and reason joined with what GetRunTask and the
/// log said. A task whose log stream GetRunTask did not name gets the conventional stream name, so the record
/// always says where to look.
fn describe_failed_tasks(
    failed: BTreeMap<u64, FailedExtras>,
    rows: &[TaskRow],
    run_id: &RunId,
) -> Vec<FailedTask> {
    // One pass over the rows for every described task (not one search per task).
    let mut found: BTreeMap<u64, &TaskRow> = BTreeMap::new();
    if !failed.is_empty() {
        for row in rows.iter().filter(|r| failed.contains_key(&r.id)) {
            found.entry(row.id).or_insert(row);
        }
    }
    failed
        .into_iter()
        .map(|(id, extras)| {
            let row = found.get(&id);
            FailedTask {
                task_id: id.to_string(),
                name: row.and_then(|r| r.name().map(|n| n.to_string())),
                failure_reason: row.and_then(|r| r.failure_reason().map(str::to_owned)),
                status_message: extras.status_message,
                log_stream: extras
                    .log_stream
                    .unwrap_or_else(|| task_log_stream(run_id, id)),
                log_tail: extras.tail.lines,
                log_tail_note: extras.tail.note,
            }
        })
        .collect()
}

/// Rows released (the row list shrunk) after every this many are written.
const RELEASE_EVERY: usize = 4096;

/// Writes the gzip JSON record and the lake objects in one pass over `rows` (sorted), each row priced once and
/// dropped as soon as both have it: memory is the rows not yet written plus the two compressed outputs so far,
/// never all rows and both outputs at once.
fn write_outputs(
    head: &ReportHead,
    mut rows: Vec<TaskRow>,
    region: Option<&str>,
    prices: &PriceTable,
    workflow_name: Option<&str>,
) -> Result<(ReportBytes, LakeObjects)> {
    // Popped from the end: reversed first, so the rows still go out in their order.
    rows.reverse();
    let mut lake = LakeWriter::new(head, prices, workflow_name)?;
    let mut lake_error = None;
    let tasks = std::iter::from_fn(|| {
        let row = rows.pop()?;
        if rows.len().is_multiple_of(RELEASE_EVERY) {
            rows.shrink_to_fit();
            release_free_memory();
        }
        Some(with_cost(row.to_report(), region, prices))
    })
    .inspect(|task| {
        if lake_error.is_none()
            && let Err(err) = lake.push(task)
        {
            lake_error = Some(err);
        }
    });
    let report = write_report(head, tasks)?;
    if let Some(err) = lake_error {
        return Err(err.into());
    }
    Ok((report, lake.finish()?))
}

/// The compact summary stored next to the record, read from the finished head so the two never disagree.
/// `status` and `workflow_name` come from the caller: the workflow name is an event-only fact that the record
/// itself does not hold.
pub fn summary_of(
    head: &ReportHead,
    status: RunStatus,
    workflow_name: Option<String>,
    facts: Option<RunFacts>,
) -> EnrichmentSummary {
    EnrichmentSummary {
        schema_version: SCHEMA_VERSION,
        run_id: head.run_id.clone(),
        uuid: head.uuid.clone(),
        arn: head.arn.clone(),
        status,
        name: head.run.name.clone(),
        workflow_id: head.run.workflow_id.clone(),
        workflow_name,
        creation_time: head.run.creation_time,
        start_time: head.run.start_time,
        stop_time: head.run.stop_time,
        task_count: head.summary.task_count,
        counts_by_status: head.summary.counts_by_status.clone(),
        cache_hits: head.summary.cache_hits,
        task_hours: head.summary.task_hours,
        wall_time_seconds: head.summary.wall_time_seconds,
        manifest_complete: head.manifest_complete,
        manifest_digest: head
            .manifest
            .digest
            .clone()
            .unwrap_or_else(|| NO_MANIFEST_DIGEST.to_owned()),
        manifest_lines: head.manifest.lines,
        api_available: head.sources.get_run,
        warning_count: head.warnings.len() as u64,
        enriched_at: head.enriched_at.clone(),
        facts,
    }
}

/// The fleet facts of a finished record whose task groups are `task_groups`.
pub fn facts_of(head: &ReportHead, task_groups: Vec<TaskGroupStats>) -> RunFacts {
    let failed = head
        .summary
        .counts_by_status
        .get("FAILED")
        .copied()
        .unwrap_or(0);
    run_facts(
        FactSources {
            run: &head.run,
            region: head.cost.as_ref().and_then(|c| c.region.as_deref()),
            cost: head.cost.as_ref(),
            rightsizing: head.rightsizing.as_ref(),
            diagnosis: head.diagnosis.as_ref(),
            cached_tasks: head.summary.cache_hits,
            failed_tasks: failed,
        },
        task_groups,
    )
}

/// `task` with its own compute cost (what the fleet lake and the per-task rows of the report carry).
pub fn with_cost(
    mut task: EnrichedTask,
    region: Option<&str>,
    prices: &PriceTable,
) -> EnrichedTask {
    let cost = cost_figures(&task, region, prices);
    task.cost_usd = cost.usd;
    task.billed_seconds = cost.billed_seconds;
    task.usd_per_hour = cost.usd_per_hour;
    task
}

/// The log stream of task `task_id`: `run/<id>/task/<taskId>`.
pub fn task_log_stream(run_id: &RunId, task_id: u64) -> String {
    format!("run/{run_id}/task/{task_id}")
}
