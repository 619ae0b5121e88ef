//! Reads a run's parts from AWS into an [`EnrichmentBuilder`]: the manifest (exact stream, page by page), the
//! task list (pages of 100), and for FAILED tasks GetRunTask plus the tail of their log.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};

use super::builder::{EnrichmentBuilder, LogTail, ManifestRead, task_log_stream};
use crate::error::{Error, Lookup, Result};
use crate::ids::{RunId, TaskId};
use crate::manifest::{ManifestPage, ManifestReader};
use crate::omics::{HealthOmics, MAX_PAGE, PageRequest, Run};
use crate::record::{RunUuid, TaskListing};
use crate::status::RunStatus;

/// Lines of a failed task's log kept in the record.
pub const LOG_TAIL_LINES: i32 = 50;

/// FAILED tasks described in detail (GetRunTask + log tail); the rest are counted in a warning.
pub const MAX_FAILED_DETAILS: usize = 100;

/// GetRunTask / GetLogEvents calls in flight for failed tasks.
const DETAIL_CONCURRENCY: usize = 4;

/// Reads the whole manifest of `run_id` / `uuid` into `builder`, page by page. A missing stream is not an error:
/// the answer says `found: false`.
pub async fn read_manifest(
    reader: &ManifestReader,
    builder: &mut EnrichmentBuilder,
    run_id: &RunId,
    uuid: &RunUuid,
) -> Result<ManifestRead> {
    Ok(read_manifest_with_evidence(reader, builder, run_id, uuid)
        .await?
        .0)
}

/// [`read_manifest`], also gathering what the manifest says about its own completeness.
pub async fn read_manifest_with_evidence(
    reader: &ManifestReader,
    builder: &mut EnrichmentBuilder,
    run_id: &RunId,
    uuid: &RunUuid,
) -> Result<(ManifestRead, ManifestEvidence)> {
    let mut evidence = ManifestEvidence::default();
    let mut pages = reader.open(run_id, uuid)?.with_line_digest();
    loop {
        match pages.next_page().await {
            Ok(Some(page)) => {
                evidence.observe(&page);
                builder.add_manifest_page(page);
                super::rows::release_free_memory();
            }
            Ok(None) => break,
            Err(Error::ManifestNotFound { .. }) => {
                return Ok((ManifestRead::default(), ManifestEvidence::default()));
            }
            Err(err) => return Err(err),
        }
    }
    evidence.malformed_lines = pages.warnings().malformed_lines;
    let read = ManifestRead {
        found: true,
        lines: pages.lines_read(),
        digest: pages.line_digest(),
        warnings: pages.warnings().clone(),
    };
    Ok((read, evidence))
}

/// What a manifest shows about its own completeness. It carries no task count, so "complete by its own evidence"
/// means: the run record is there and names this run and status, every line parsed, no task repeats, every task
/// belongs to the run and finished, and none was served from a cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ManifestEvidence {
    /// ARN, uuid and status of the (first) run record.
    run_record: Option<(Option<String>, Option<String>, Option<RunStatus>)>,
    /// Task records read.
    pub task_records: u64,
    /// Lines that could not be parsed.
    pub malformed_lines: u64,
    /// Task records repeating an earlier task id.
    pub repeated_tasks: u64,
    /// Task records without a terminal status.
    pub unfinished_tasks: u64,
    /// Task records naming another run.
    pub foreign_tasks: u64,
    /// Task records marked `cacheHit: true`.
    pub cache_hits: u64,
    /// Task ids seen, as numbers (8 bytes each for a 100,000-task manifest, not a string each).
    seen: HashSet<u64>,
}

impl ManifestEvidence {
    /// Whether the manifest has a record of task `task_id`.
    pub fn has_task(&self, task_id: &str) -> bool {
        task_id
            .parse::<u64>()
            .is_ok_and(|id| self.seen.contains(&id))
    }

    /// Takes note of one manifest page.
    pub fn observe(&mut self, page: &ManifestPage) {
        if let (Some(run), None) = (&page.run, &self.run_record) {
            self.run_record = Some((run.arn.clone(), run.uuid.clone(), run.status.clone()));
        }
        let run_arn = self.run_record.as_ref().and_then(|r| r.0.clone());
        for task in &page.tasks {
            self.task_records += 1;
            // The parser admits only ids of 1-18 digits: every one is a u64.
            if task
                .task_id
                .parse::<u64>()
                .is_ok_and(|id| !self.seen.insert(id))
            {
                self.repeated_tasks += 1;
            }
            if !task.status.as_ref().is_some_and(|s| s.is_terminal()) {
                self.unfinished_tasks += 1;
            }
            // The run record comes first; a task naming an ARN other than the run's belongs elsewhere.
            if let (Some(task_run), Some(run_arn)) = (&task.run, &run_arn)
                && task_run != run_arn
            {
                self.foreign_tasks += 1;
            }
            if task.cache_hit == Some(true) {
                self.cache_hits += 1;
            }
        }
    }

    /// Why this manifest cannot stand in for `ListRunTasks` for run `uuid` with status `status`; `None` when it
    /// can.
    fn doubt(&self, uuid: &RunUuid, status: &RunStatus) -> Option<String> {
        let Some((_, run_uuid, run_status)) = &self.run_record else {
            return Some("the manifest has no readable run record".into());
        };
        let counted = [
            (self.malformed_lines, "manifest line(s) could not be read"),
            (
                self.repeated_tasks,
                "manifest task record(s) repeat a task id",
            ),
            (
                self.unfinished_tasks,
                "manifest task record(s) are not finished",
            ),
            (
                self.foreign_tasks,
                "manifest task record(s) name another run",
            ),
            (self.cache_hits, "manifest task record(s) are cache hits"),
        ];
        if let Some((n, what)) = counted.iter().find(|(n, _)| *n > 0) {
            return Some(format!("{n} {what}"));
        }
        if run_uuid.as_deref().is_some_and(|u| uuid != u) {
            return Some("the manifest's run record names another uuid".into());
        }
        if run_status.as_ref() != Some(status) {
            return Some(format!(
                "the manifest's run record says {}, not {status}",
                run_status.as_ref().map_or("no status", |s| s.as_str())
            ));
        }
        if self.task_records == 0 {
            return Some("the manifest has no task record".into());
        }
        None
    }
}

/// Decides whether `ListRunTasks` must be read for a run HealthOmics still returns (`api_run`) with terminal
/// `status`, given what its manifest showed. The list is skipped only when that is provably safe: GetRun names no
/// run cache (cache hits come from `ListRunTasks` alone), the run COMPLETED (a FAILED or CANCELLED run's manifest
/// can lack tasks that never started), and the manifest is complete by its own evidence.
pub fn decide_listing(
    api_run: Option<&Run>,
    status: &RunStatus,
    uuid: &RunUuid,
    evidence: &ManifestEvidence,
) -> TaskListing {
    let Some(run) = api_run else {
        return TaskListing::new(
            TaskListing::UNAVAILABLE,
            "GetRun does not return this run, so ListRunTasks cannot either",
        );
    };
    let listed = |reason: String| TaskListing::new(TaskListing::LISTED, reason);
    if let Some(cache) = &run.cache_id {
        return listed(format!(
            "the run used run cache {cache}: only ListRunTasks reports cache hits"
        ));
    }
    if *status != RunStatus::Completed {
        return listed(format!(
            "the run is {status}: its manifest can lack tasks that never started"
        ));
    }
    match evidence.doubt(uuid, status) {
        Some(doubt) => listed(format!("{doubt}: the manifest may be incomplete")),
        None => TaskListing::new(
            TaskListing::MANIFEST,
            format!(
                "no run cache, and the manifest is complete by its own evidence: run record, {} finished task \
                 record(s), no unreadable, repeated or foreign line",
                evidence.task_records
            ),
        ),
    }
}

/// Longest time one listing spends waiting out throttles before giving up (the invocation is then retried).
const THROTTLE_BUDGET: Duration = Duration::from_secs(300);

/// Merges every `ListRunTasks` page into `builder`, one paced call per page, and answers the pages read. A
/// throttled page is retried with the same token (see [`page_with_retry`]); a run HealthOmics forgot meanwhile is
/// a warning.
pub async fn list_tasks(
    omics: &HealthOmics,
    builder: &mut EnrichmentBuilder,
    run_id: &RunId,
) -> Result<u64> {
    builder.mark_list_attempted();
    let mut page = first_page();
    let mut calls = 0u64;
    let mut waited = Duration::ZERO;
    loop {
        match page_with_retry(omics, run_id, &page, &mut waited).await {
            Ok(tasks) => {
                calls += 1;
                builder.add_task_page(tasks.items);
                // A repeated token would loop forever: treat it as the end, like the SDK's paginator.
                match tasks.next_token {
                    Some(next) if page.starting_token.as_deref() != Some(next.as_str()) => {
                        page.starting_token = Some(next);
                    }
                    _ => break,
                }
            }
            Err(Error::NotFound { .. }) => {
                builder.warn("ListRunTasks stopped: HealthOmics no longer returns this run");
                return Ok(calls);
            }
            Err(err) => return Err(err),
        }
    }
    builder.mark_tasks_listed();
    if !waited.is_zero() {
        tracing::info!(%run_id, pages = calls, waited_ms = waited.as_millis() as u64, "ListRunTasks read despite throttling");
    }
    Ok(calls)
}

/// Checks a manifest-only `listing` against the first `ListRunTasks` page (one call, the run's earliest tasks):
/// every task on it must be in the manifest and none a cache hit. For a run of up to 100 tasks that page is the
/// whole list: it is merged into `builder` (the list is then read, whatever it showed). For a larger run a clean
/// page keeps the manifest-only listing (one call made); a missing task or a cache hit calls for the full list.
pub async fn confirm_with_first_page(
    omics: &HealthOmics,
    builder: &mut EnrichmentBuilder,
    run_id: &RunId,
    evidence: &ManifestEvidence,
    listing: TaskListing,
) -> Result<TaskListing> {
    let mut waited = Duration::ZERO;
    let page = match page_with_retry(omics, run_id, &first_page(), &mut waited).await {
        Ok(page) => page,
        Err(Error::NotFound { .. }) => {
            return Ok(TaskListing::new(
                TaskListing::UNAVAILABLE,
                "HealthOmics stopped returning this run before its tasks could be checked",
            ));
        }
        Err(err) => return Err(err),
    };
    let missing = page
        .items
        .iter()
        .filter(|t| !t.task_id.as_ref().is_some_and(|id| evidence.has_task(id)))
        .count();
    let cached = page
        .items
        .iter()
        .filter(|t| t.cache_hit == Some(true))
        .count();
    let count = page.items.len();
    let listed = |reason: String| TaskListing {
        calls: 1,
        ..TaskListing::new(TaskListing::LISTED, reason)
    };
    if page.next_token.is_none() {
        builder.mark_list_attempted();
        builder.add_task_page(page.items);
        builder.mark_tasks_listed();
        return Ok(listed(format!(
            "the whole task list ({count} task(s)) is one ListRunTasks page, read to check the manifest"
        )));
    }
    if missing > 0 {
        return Ok(listed(format!(
            "the first ListRunTasks page has {missing} task(s) the manifest lacks"
        )));
    }
    if cached > 0 {
        return Ok(listed(format!(
            "the first ListRunTasks page has {cached} cache hit(s) although GetRun names no run cache"
        )));
    }
    Ok(TaskListing {
        reason: format!(
            "{}; the first ListRunTasks page ({count} tasks) is in it",
            listing.reason
        ),
        calls: 1,
        ..listing
    })
}

fn first_page() -> PageRequest {
    PageRequest {
        starting_token: None,
        max_results: Some(MAX_PAGE),
    }
}

/// One paced `ListRunTasks` page. A throttle that outlasted the SDK's own retries is waited out (the server's
/// `Retry-After`, see [`throttle_pause`]) and the same page asked again, until `waited` reaches
/// [`THROTTLE_BUDGET`]; then the throttle is the caller's error (the invocation is retried).
async fn page_with_retry(
    omics: &HealthOmics,
    run_id: &RunId,
    page: &PageRequest,
    waited: &mut Duration,
) -> Result<crate::omics::Page<crate::omics::Task>> {
    loop {
        match omics.list_run_tasks(run_id, None, page).await {
            Err(err @ Error::Throttled { .. }) if *waited < THROTTLE_BUDGET => {
                let pause = throttle_pause(err.retry_after_secs());
                tracing::info!(%run_id, pause_ms = pause.as_millis() as u64, "ListRunTasks throttled");
                let started = Instant::now();
                tokio::time::sleep(pause).await;
                *waited += started.elapsed();
            }
            other => return other,
        }
    }
}

/// The server's `Retry-After` (at least 1 s) plus up to half of it again, so throttled clients do not return in
/// step.
fn throttle_pause(retry_after_secs: Option<u64>) -> Duration {
    let base = Duration::from_secs(retry_after_secs.unwrap_or(1).clamp(1, 30));
    base + base.mul_f64(jitter_fraction() / 2.0)
}

/// A number in [0, 1) from the clock's nanoseconds: jitter needs no quality, only spread.
fn jitter_fraction() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1_000_000) / 1_000_000.0
}

/// GetRunTask (when the run is still in HealthOmics) and the log tail of each FAILED task, a few at a time.
pub async fn failed_details(
    omics: &HealthOmics,
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    builder: &mut EnrichmentBuilder,
    run_id: &RunId,
) -> Result<()> {
    let with_api = builder.has_api_run();
    let ids = builder.failed_task_ids(MAX_FAILED_DETAILS);
    let details: Vec<_> = futures::stream::iter(ids)
        .map(|id| async move {
            let detail = if with_api {
                let task_id =
                    TaskId::parse(&id.to_string()).map_err(|e| Error::Internal(e.to_string()))?;
                match omics.get_run_task(run_id, &task_id).await {
                    Ok(task) => Some(task),
                    Err(Error::NotFound { .. }) => None,
                    Err(err) => return Err(err),
                }
            } else {
                None
            };
            let tail = log_tail(logs, log_group, &task_log_stream(run_id, id)).await?;
            Ok::<_, Error>((id, detail, tail))
        })
        .buffered(DETAIL_CONCURRENCY)
        .try_collect()
        .await?;
    for (id, detail, tail) in details {
        builder.add_failed_detail(id, detail, tail);
    }
    Ok(())
}

/// The last [`LOG_TAIL_LINES`] lines of `stream`, oldest first. A missing stream or a refused read is a note;
/// a throttle or an outage fails the call, so a retry produces the same record.
pub async fn log_tail(
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    stream: &str,
) -> Result<LogTail> {
    let result = logs
        .get_log_events()
        .log_group_name(log_group)
        .log_stream_name(stream)
        .start_from_head(false)
        .limit(LOG_TAIL_LINES)
        .send()
        .await;
    match result {
        Ok(out) => {
            let lines: Vec<String> = out
                .events
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| e.message)
                .map(|m| m.trim_end_matches(['\n', '\r']).to_owned())
                .collect();
            let note = lines
                .is_empty()
                .then(|| format!("log stream {stream} has no events"));
            Ok(LogTail { lines, note })
        }
        Err(err) => match classify_logs_error(err, stream) {
            Error::NotFound { .. } => Ok(LogTail {
                lines: Vec::new(),
                note: Some(format!("log stream {stream} not found")),
            }),
            Error::AccessDenied { .. } => Ok(LogTail {
                lines: Vec::new(),
                note: Some(format!("reading log stream {stream} was denied")),
            }),
            other => Err(other),
        },
    }
}

/// Classifies a failed log read of `stream`; a modelled not-found error built without metadata counts too.
fn classify_logs_error(
    err: aws_sdk_cloudwatchlogs::error::SdkError<
        aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError,
    >,
    stream: &str,
) -> Error {
    // GetLogEvents cannot tell a missing stream from a missing group (moto words both "log group does not
    // exist"): either way this task has no log to show. The group itself is checked where it is listed.
    let lookup = Lookup::named("log stream", stream);
    let typed_not_found = err
        .as_service_error()
        .filter(|e| e.is_resource_not_found_exception())
        .map(ToString::to_string);
    match typed_not_found {
        Some(text) => lookup.missing("CloudWatch Logs", None, Some(&text), Box::new(err)),
        None => Error::from_sdk("CloudWatch Logs", err, lookup),
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatchlogs::operation::get_log_events::{
        GetLogEventsError, GetLogEventsOutput,
    };
    use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
    use aws_sdk_cloudwatchlogs::types::error::ResourceNotFoundException;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;

    #[tokio::test]
    async fn tail_reads_the_end_of_the_stream() {
        let tail = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| {
                r.start_from_head() == Some(false)
                    && r.limit() == Some(50)
                    && r.log_stream_name() == Some("run/1/task/2")
            })
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .events(OutputLogEvent::builder().message("a\n").build())
                    .events(OutputLogEvent::builder().message("Killed").build())
                    .build()
            });
        let missing = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| r.log_stream_name() == Some("run/1/task/3"))
            .then_error(|| {
                GetLogEventsError::ResourceNotFoundException(
                    ResourceNotFoundException::builder().build(),
                )
            });
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&tail, &missing]
        );
        let got = log_tail(&client, "g", "run/1/task/2").await.unwrap();
        assert_eq!(got.lines, ["a", "Killed"]);
        assert_eq!(got.note, None);
        let none = log_tail(&client, "g", "run/1/task/3").await.unwrap();
        assert!(none.lines.is_empty());
        assert!(none.note.unwrap().contains("not found"));
    }
}
