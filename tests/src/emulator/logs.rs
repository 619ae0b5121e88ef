//! Writing seeded run manifests to CloudWatch Logs, where HealthOmics puts them
//! (`/aws/omics/WorkflowLog`, stream `manifest/run/<id>/<uuid>`, one JSON object per log event).

use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Mutex;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::DisplayErrorContext;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use tokio::sync::OnceCell;

/// The log group HealthOmics writes run logs and manifests to.
pub const DEFAULT_LOG_GROUP: &str = "/aws/omics/WorkflowLog";

/// PutLogEvents limit: events per call.
pub const MAX_EVENTS_PER_BATCH: usize = 10_000;

/// PutLogEvents limit: bytes per call, counting each message's UTF-8 length plus [`EVENT_OVERHEAD_BYTES`].
pub const MAX_BATCH_BYTES: usize = 1_048_576;

/// Bytes PutLogEvents adds to every event when checking [`MAX_BATCH_BYTES`].
pub const EVENT_OVERHEAD_BYTES: usize = 26;

/// Future returned by [`ManifestSink::write_manifest`].
pub type SinkFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Where seeded manifests go. The emulator uses [`CloudWatchManifestSink`]; unit tests use
/// [`MemoryManifestSink`].
pub trait ManifestSink: Send + Sync {
    /// Replaces the manifest stream of run `run_id`/`uuid` with `lines`, one log event per line. Completes only
    /// once the events are written, so a seeded manifest is readable as soon as the seed request returns.
    fn write_manifest<'a>(
        &'a self,
        run_id: &'a str,
        uuid: &'a str,
        lines: &'a [String],
    ) -> SinkFuture<'a>;

    /// Replaces the log stream of task `task_id` of run `run_id` (`run/<id>/task/<taskId>`) with `lines`, one
    /// log event per line, in order.
    fn write_task_log<'a>(
        &'a self,
        run_id: &'a str,
        task_id: &'a str,
        lines: &'a [String],
    ) -> SinkFuture<'a>;
}

/// The log stream name HealthOmics uses for a run's manifest.
pub fn manifest_stream_name(run_id: &str, uuid: &str) -> String {
    format!("manifest/run/{run_id}/{uuid}")
}

/// The log stream name HealthOmics uses for a task's output.
pub fn task_log_stream_name(run_id: &str, task_id: &str) -> String {
    format!("run/{run_id}/task/{task_id}")
}

/// Splits `lines` into consecutive ranges that each fit one PutLogEvents call. A single line over the byte
/// limit gets a range of its own (CloudWatch then rejects it, which surfaces as a seeding error).
pub fn batch_ranges(lines: &[String]) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    let mut start = 0;
    let mut bytes = 0;
    for (index, line) in lines.iter().enumerate() {
        let size = line.len() + EVENT_OVERHEAD_BYTES;
        let count = index - start;
        if count > 0 && (count == MAX_EVENTS_PER_BATCH || bytes + size > MAX_BATCH_BYTES) {
            ranges.push(start..index);
            start = index;
            bytes = 0;
        }
        bytes += size;
    }
    if start < lines.len() {
        ranges.push(start..lines.len());
    }
    ranges
}

/// Writes manifests to CloudWatch Logs. The client is built on first use from the standard AWS configuration
/// (credentials, region and `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`), so an emulator that is
/// never asked to write a manifest needs no AWS settings at all.
pub struct CloudWatchManifestSink {
    log_group: String,
    client: OnceCell<Client>,
}

impl CloudWatchManifestSink {
    /// A sink writing to `log_group`.
    pub fn new(log_group: impl Into<String>) -> Self {
        Self {
            log_group: log_group.into(),
            client: OnceCell::new(),
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                Client::new(&config)
            })
            .await
    }

    /// Replaces `stream` with `lines`. A manifest's events share one timestamp, as HealthOmics writes them at
    /// once; a task log's lines get increasing timestamps ending now, so that their order survives any reader.
    async fn write(
        &self,
        stream: String,
        lines: &[String],
        increasing: bool,
    ) -> Result<(), String> {
        let client = self.client().await;
        let group = self.log_group.as_str();
        let context = |what: &str, err: &dyn std::fmt::Display| {
            format!("CloudWatch Logs {what} failed: {err}")
        };

        if let Err(err) = client.create_log_group().log_group_name(group).send().await
            && !err
                .as_service_error()
                .is_some_and(|e| e.is_resource_already_exists_exception())
        {
            return Err(context("CreateLogGroup", &DisplayErrorContext(err)));
        }
        // Reseeding must not append to an old manifest: replace an existing stream.
        if let Err(err) = client
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name(&stream)
            .send()
            .await
        {
            if !err
                .as_service_error()
                .is_some_and(|e| e.is_resource_already_exists_exception())
            {
                return Err(context("CreateLogStream", &DisplayErrorContext(err)));
            }
            client
                .delete_log_stream()
                .log_group_name(group)
                .log_stream_name(&stream)
                .send()
                .await
                .map_err(|err| context("DeleteLogStream", &DisplayErrorContext(err)))?;
            client
                .create_log_stream()
                .log_group_name(group)
                .log_stream_name(&stream)
                .send()
                .await
                .map_err(|err| context("CreateLogStream", &DisplayErrorContext(err)))?;
        }

        let now = chrono::Utc::now().timestamp_millis();
        let first = if increasing {
            now - lines.len() as i64
        } else {
            now
        };
        for range in batch_ranges(lines) {
            let offset = range.start as i64;
            let events = lines[range]
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    let step = if increasing { offset + i as i64 } else { 0 };
                    InputLogEvent::builder()
                        .timestamp(first + step)
                        .message(line)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| context("building a log event", &err))?;
            client
                .put_log_events()
                .log_group_name(group)
                .log_stream_name(&stream)
                .set_log_events(Some(events))
                .send()
                .await
                .map_err(|err| context("PutLogEvents", &DisplayErrorContext(err)))?;
        }
        Ok(())
    }
}

impl ManifestSink for CloudWatchManifestSink {
    fn write_manifest<'a>(
        &'a self,
        run_id: &'a str,
        uuid: &'a str,
        lines: &'a [String],
    ) -> SinkFuture<'a> {
        Box::pin(self.write(manifest_stream_name(run_id, uuid), lines, false))
    }

    fn write_task_log<'a>(
        &'a self,
        run_id: &'a str,
        task_id: &'a str,
        lines: &'a [String],
    ) -> SinkFuture<'a> {
        Box::pin(self.write(task_log_stream_name(run_id, task_id), lines, true))
    }
}

/// A sink that keeps manifests in memory: `(stream name, lines)` in write order. For tests.
#[derive(Debug, Default)]
pub struct MemoryManifestSink {
    written: Mutex<Vec<(String, Vec<String>)>>,
}

impl MemoryManifestSink {
    /// Everything written so far.
    pub fn written(&self) -> Vec<(String, Vec<String>)> {
        self.written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl ManifestSink for MemoryManifestSink {
    fn write_manifest<'a>(
        &'a self,
        run_id: &'a str,
        uuid: &'a str,
        lines: &'a [String],
    ) -> SinkFuture<'a> {
        self.record(manifest_stream_name(run_id, uuid), lines)
    }

    fn write_task_log<'a>(
        &'a self,
        run_id: &'a str,
        task_id: &'a str,
        lines: &'a [String],
    ) -> SinkFuture<'a> {
        self.record(task_log_stream_name(run_id, task_id), lines)
    }
}

impl MemoryManifestSink {
    fn record(&self, stream: String, lines: &[String]) -> SinkFuture<'static> {
        self.written
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((stream, lines.to_vec()));
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total_bytes(lines: &[String]) -> usize {
        lines.iter().map(|l| l.len() + EVENT_OVERHEAD_BYTES).sum()
    }

    #[test]
    fn batches_respect_event_count() {
        let lines = vec!["{}".to_owned(); 25_001];
        let ranges = batch_ranges(&lines);
        assert_eq!(ranges, vec![0..10_000, 10_000..20_000, 20_000..25_001]);
    }

    #[test]
    fn batches_respect_bytes() {
        // 1000 events of 2000 bytes: 2026 bytes each, 517 fit in 1 MiB.
        let lines = vec!["x".repeat(2000); 1000];
        let ranges = batch_ranges(&lines);
        assert_eq!(ranges[0], 0..517);
        for range in &ranges {
            assert!(total_bytes(&lines[range.clone()]) <= MAX_BATCH_BYTES);
        }
        assert_eq!(ranges.last().unwrap().end, 1000);
        // UTF-8 length counts, not chars.
        let wide = vec!["é".repeat(1000); 600];
        for range in batch_ranges(&wide) {
            assert!(total_bytes(&wide[range]) <= MAX_BATCH_BYTES);
        }
    }

    #[test]
    fn batches_edge_cases() {
        assert!(batch_ranges(&[]).is_empty());
        let huge = vec!["a".to_owned(), "b".repeat(MAX_BATCH_BYTES), "c".to_owned()];
        assert_eq!(batch_ranges(&huge), vec![0..1, 1..2, 2..3]);
        let exact = vec!["y".repeat(MAX_BATCH_BYTES / 2 - EVENT_OVERHEAD_BYTES); 2];
        assert_eq!(batch_ranges(&exact), vec![0..2]);
    }
}
