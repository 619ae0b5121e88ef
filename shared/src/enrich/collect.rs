//! Reads a run's parts from AWS into an [`EnrichmentBuilder`]: the manifest (exact stream, page by page), the
//! task list (pages of 100), and for FAILED tasks GetRunTask plus the tail of their log.

use futures::{StreamExt, TryStreamExt};

use super::builder::{EnrichmentBuilder, LogTail, ManifestRead, task_log_stream};
use crate::error::{Error, Lookup, Result};
use crate::ids::{RunId, TaskId};
use crate::manifest::ManifestReader;
use crate::omics::HealthOmics;
use crate::record::RunUuid;

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
    let mut pages = reader.open(run_id, uuid)?.with_line_digest();
    loop {
        match pages.next_page().await {
            Ok(Some(page)) => builder.add_manifest_page(page),
            Ok(None) => break,
            Err(Error::ManifestNotFound { .. }) => return Ok(ManifestRead::default()),
            Err(err) => return Err(err),
        }
    }
    Ok(ManifestRead {
        found: true,
        lines: pages.lines_read(),
        digest: pages.line_digest(),
        warnings: pages.warnings().clone(),
    })
}

/// Merges every `ListRunTasks` page into `builder`. A run HealthOmics forgot meanwhile is a warning.
pub async fn list_tasks(
    omics: &HealthOmics,
    builder: &mut EnrichmentBuilder,
    run_id: &RunId,
) -> Result<()> {
    builder.mark_list_attempted();
    let mut pages = std::pin::pin!(omics.task_pages(run_id, None));
    loop {
        match pages.try_next().await {
            Ok(Some(tasks)) => builder.add_task_page(tasks),
            Ok(None) => {
                builder.mark_tasks_listed();
                return Ok(());
            }
            Err(Error::NotFound { .. }) => {
                builder.warn("ListRunTasks stopped: HealthOmics no longer returns this run");
                return Ok(());
            }
            Err(err) => return Err(err),
        }
    }
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
