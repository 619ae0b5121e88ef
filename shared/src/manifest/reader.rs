//! Streaming reader of a manifest log stream.

use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::record::{ManifestRecord, ManifestRun, ManifestTask, parse_line};
use crate::config::vars::LOG_GROUP_NAME;
use crate::error::{Error, Lookup, Result};
use crate::ids::RunId;
use crate::record::{RunUuid, sha256_text};

/// Service name used in errors and logs.
const SERVICE: &str = "CloudWatch Logs";

/// Bytes of messages a page is sized for. AWS caps a `GetLogEvents` response at 1 MB; a server that does not
/// (moto returns 10,000 events whatever their size: 15 MB of long manifest lines, held twice while decoded) would
/// otherwise set the reader's memory. The `limit` asked for follows the lines read so far.
const PAGE_BYTES: u64 = 1 << 20;
/// Events asked for before any line was read: at most about 1 MiB of manifest lines (0.5 to 2 KB each).
const FIRST_PAGE_EVENTS: u64 = 500;
/// Bounds of `GetLogEvents`'s `limit` as we use it (the API allows 1 to 10,000).
const PAGE_EVENTS: std::ops::RangeInclusive<u64> = 10..=10_000;

/// The exact manifest stream of a run: `manifest/run/<id>/<uuid>`.
///
/// Run ids are reused after deletion, so the uuid is part of the address; a prefix match would mix runs.
pub fn stream_name(run_id: &RunId, uuid: &RunUuid) -> String {
    format!("manifest/run/{run_id}/{uuid}")
}

/// Reads manifests from one log group.
#[derive(Debug, Clone)]
pub struct ManifestReader {
    client: aws_sdk_cloudwatchlogs::Client,
    log_group: String,
}

impl ManifestReader {
    /// A reader of manifests in `log_group` (normally `/aws/omics/WorkflowLog`).
    pub fn new(client: aws_sdk_cloudwatchlogs::Client, log_group: impl Into<String>) -> Self {
        Self {
            client,
            log_group: log_group.into(),
        }
    }

    /// Opens the manifest of run `run_id` / `uuid`. Nothing is read until the first [`ManifestPages::next_page`].
    pub fn open(&self, run_id: &RunId, uuid: &RunUuid) -> Result<ManifestPages> {
        self.open_at(run_id, uuid, None)
    }

    /// Opens the manifest of run `run_id` / `uuid` at a `GetLogEvents` forward token from an earlier read
    /// ([`ManifestPages::last_page_token`]), so a paged API can resume without re-reading the stream from its start.
    /// Line numbers in warnings then count from the resume point.
    pub fn open_at(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        token: Option<String>,
    ) -> Result<ManifestPages> {
        Ok(ManifestPages {
            client: self.client.clone(),
            log_group: self.log_group.clone(),
            stream: stream_name(run_id, uuid),
            token,
            last_sent: None,
            done: false,
            line_number: 0,
            run_seen: false,
            api_calls: 0,
            message_bytes: 0,
            warnings: ParseWarnings::default(),
            digest: None,
        })
    }
}

/// Lines that could not be read: counted and skipped, with the first reason kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParseWarnings {
    /// Lines skipped as unreadable.
    pub malformed_lines: u64,
    /// The first skipped line's number (1-based, in stream order) and reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_error: Option<String>,
}

impl ParseWarnings {
    /// Counts one unreadable line (1-based `line_number`), keeping the first reason.
    pub(crate) fn record(&mut self, line_number: u64, reason: &str) {
        self.malformed_lines += 1;
        if self.first_error.is_none() {
            self.first_error = Some(format!("line {line_number}: {reason}"));
        }
    }

    /// True when every line was read.
    pub fn is_clean(&self) -> bool {
        self.malformed_lines == 0
    }
}

/// What one `GetLogEvents` page held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestPage {
    /// The run record, on the page that carries it (normally the first).
    pub run: Option<ManifestRun>,
    /// The task records of this page, in stream order.
    pub tasks: Vec<ManifestTask>,
}

/// An open manifest, read one `GetLogEvents` page at a time so memory is bounded by a page, not by the run.
#[derive(Debug)]
pub struct ManifestPages {
    client: aws_sdk_cloudwatchlogs::Client,
    log_group: String,
    stream: String,
    token: Option<String>,
    done: bool,
    line_number: u64,
    run_seen: bool,
    api_calls: u64,
    /// Bytes of the messages read so far (with `line_number`, the average line the next page is sized by).
    message_bytes: u64,
    warnings: ParseWarnings,
    last_sent: Option<String>,
    digest: Option<Sha256>,
}

impl ManifestPages {
    /// Also computes the SHA-256 of the raw manifest lines (each message followed by `\n`, in stream order), read
    /// with [`Self::line_digest`]. Call before the first page.
    pub fn with_line_digest(mut self) -> Self {
        self.digest = Some(Sha256::new());
        self
    }

    /// `sha256:<hex>` of the lines read so far, when [`Self::with_line_digest`] was asked for.
    pub fn line_digest(&self) -> Option<String> {
        self.digest
            .as_ref()
            .map(|d| sha256_text(d.clone().finalize().as_slice()))
    }

    /// The forward token the most recent page was fetched with (`None` for the stream's first page): passing it
    /// to [`ManifestReader::open_at`] reads that page again.
    pub fn last_page_token(&self) -> Option<&str> {
        self.last_sent.as_deref()
    }

    /// Events to ask the next page for: as many average lines as fit [`PAGE_BYTES`].
    fn page_events(&self) -> i32 {
        let events = match self.message_bytes {
            0 => FIRST_PAGE_EVENTS,
            bytes => PAGE_BYTES * self.line_number / bytes,
        };
        let events = events.clamp(*PAGE_EVENTS.start(), *PAGE_EVENTS.end());
        i32::try_from(events).unwrap_or(i32::MAX)
    }

    pub const GET_LOG_EVENTS: &str = "logs:GetLogEvents"; // IAM action, see crate::iam
    /// The next page of records; `Ok(None)` once the stream is exhausted. A missing stream is
    /// [`Error::ManifestNotFound`].
    pub async fn next_page(&mut self) -> Result<Option<ManifestPage>> {
        if self.done {
            return Ok(None);
        }
        let sent = self.token.clone();
        self.last_sent.clone_from(&sent);
        self.api_calls += 1;
        let out = self
            .client
            .get_log_events()
            .log_group_name(&self.log_group)
            .log_stream_name(&self.stream)
            .start_from_head(true)
            .set_next_token(sent.clone())
            .limit(self.page_events())
            .send()
            .await
            .map_err(|e| self.classify(e))?;
        // GetLogEvents never says "last page": the end is a forward token equal to the one sent. Empty pages
        // before the end are normal and must not stop the read.
        let next = out.next_forward_token;
        if next.is_none() || next == sent {
            self.done = true;
        }
        self.token = next;

        let mut page = ManifestPage::default();
        for event in out.events.unwrap_or_default() {
            self.line_number += 1;
            let Some(message) = event.message else {
                continue;
            };
            self.message_bytes += message.len() as u64;
            if let Some(digest) = self.digest.as_mut() {
                digest.update(message.as_bytes());
                digest.update(b"\n");
            }
            if message.trim().is_empty() {
                continue;
            }
            match parse_line(&message) {
                Ok(ManifestRecord::Task(task)) => page.tasks.push(*task),
                Ok(ManifestRecord::Run(run)) if !self.run_seen => {
                    self.run_seen = true;
                    page.run = Some(*run);
                }
                Ok(ManifestRecord::Run(_)) => self
                    .warnings
                    .record(self.line_number, "second run record ignored"),
                Err(reason) => self.warnings.record(self.line_number, &reason),
            }
        }
        Ok(Some(page))
    }

    /// Lines skipped so far.
    pub fn warnings(&self) -> &ParseWarnings {
        &self.warnings
    }

    /// `GetLogEvents` calls made so far.
    pub fn api_calls(&self) -> u64 {
        self.api_calls
    }

    /// Log events read so far (including skipped ones).
    pub fn lines_read(&self) -> u64 {
        self.line_number
    }

    /// The stream being read.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    fn classify(&self, err: aws_sdk_cloudwatchlogs::error::SdkError<GetLogEventsError>) -> Error {
        // GetLogEvents answers ResourceNotFoundException for a missing stream and for a missing group, and moto
        // words both as "log group does not exist": here either means "no manifest for this run (yet)". A
        // missing log group is reported as misconfiguration where the group itself is listed (backfill).
        if err
            .as_service_error()
            .is_some_and(GetLogEventsError::is_resource_not_found_exception)
        {
            return self.not_found();
        }
        match Error::from_sdk(
            SERVICE,
            err,
            Lookup::within(LOG_GROUP_NAME, "manifest stream", &self.stream),
        ) {
            Error::NotFound { .. } | Error::Misconfigured { .. } => self.not_found(),
            other => other,
        }
    }

    fn not_found(&self) -> Error {
        Error::ManifestNotFound {
            log_group: self.log_group.clone(),
            stream: self.stream.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
    use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;

    fn event(message: &str) -> OutputLogEvent {
        OutputLogEvent::builder()
            .message(message)
            .timestamp(1)
            .build()
    }

    const RUN: &str =
        r#"{"arn":"arn:aws:omics:us-east-1:1:run/5","uuid":"u-1","status":"COMPLETED"}"#;

    fn task(id: u32) -> String {
        format!(
            r#"{{"arn":"arn:aws:omics:us-east-1:1:task/{id}","name":"t{id}","status":"SUCCESS"}}"#
        )
    }

    #[tokio::test]
    async fn pages_until_the_token_repeats_and_counts_bad_lines() {
        let first = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| r.next_token().is_none() && r.start_from_head() == Some(true))
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .events(event(RUN))
                    .events(event(&task(1)))
                    .events(event("{broken"))
                    .next_forward_token("f/2")
                    .build()
            });
        let empty_middle = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| r.next_token() == Some("f/2"))
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .next_forward_token("f/3")
                    .build()
            });
        let second = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| r.next_token() == Some("f/3"))
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .events(event(&task(2)))
                    .next_forward_token("f/4")
                    .build()
            });
        let last = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| r.next_token() == Some("f/4"))
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .next_forward_token("f/4")
                    .build()
            });
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&first, &empty_middle, &second, &last]
        );

        let reader = ManifestReader::new(client, "/aws/omics/WorkflowLog");
        let mut pages = reader
            .open(&RunId::parse("5").unwrap(), &RunUuid::parse("u-1").unwrap())
            .unwrap();
        assert_eq!(pages.stream(), "manifest/run/5/u-1");
        let mut tasks = Vec::new();
        let mut runs = 0;
        while let Some(page) = pages.next_page().await.unwrap() {
            runs += usize::from(page.run.is_some());
            tasks.extend(page.tasks.into_iter().map(|t| t.task_id));
        }
        assert_eq!(runs, 1);
        assert_eq!(tasks, ["1", "2"]);
        assert_eq!(pages.api_calls(), 4);
        assert_eq!(pages.warnings().malformed_lines, 1);
        assert!(
            pages
                .warnings()
                .first_error
                .as_deref()
                .unwrap()
                .starts_with("line 3: not JSON")
        );
        assert!(pages.next_page().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn pages_are_asked_for_about_a_megabyte_of_the_lines_seen_so_far() {
        // 500 lines of 2,048 bytes: the next page asks for 1 MiB / 2,048 = 512 events.
        let line = format!("{:<2048}", task(1));
        let first = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| r.next_token().is_none() && r.limit() == Some(500))
            .then_output(move || {
                let mut out = GetLogEventsOutput::builder().next_forward_token("f/2");
                for _ in 0..500 {
                    out = out.events(event(&line));
                }
                out.build()
            });
        let sized = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .match_requests(|r| r.next_token() == Some("f/2") && r.limit() == Some(512))
            .then_output(|| {
                GetLogEventsOutput::builder()
                    .next_forward_token("f/2")
                    .build()
            });
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&first, &sized]);
        let mut pages = ManifestReader::new(client, "g")
            .open(&RunId::parse("5").unwrap(), &RunUuid::parse("u-1").unwrap())
            .unwrap();
        assert_eq!(pages.next_page().await.unwrap().unwrap().tasks.len(), 500);
        assert!(pages.next_page().await.unwrap().unwrap().tasks.is_empty());
        assert_eq!((first.num_calls(), sized.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn missing_stream_is_a_distinct_error() {
        let missing = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events).then_error(|| {
            GetLogEventsError::ResourceNotFoundException(
                aws_sdk_cloudwatchlogs::types::error::ResourceNotFoundException::builder()
                    .message("The specified log stream does not exist.")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_cloudwatchlogs, [&missing]);
        let reader = ManifestReader::new(client, "g");
        let mut pages = reader
            .open(&RunId::parse("5").unwrap(), &RunUuid::parse("u-1").unwrap())
            .unwrap();
        let err = pages.next_page().await.unwrap_err();
        assert!(
            matches!(err, Error::ManifestNotFound { ref stream, .. } if stream == "manifest/run/5/u-1"),
            "{err:?}"
        );
    }
}
