//! Backfill: finds the manifests that appeared in a time window, so every run they describe can be enriched,
//! including runs HealthOmics no longer returns.

use std::time::Duration;

use crate::config::vars::LOG_GROUP_NAME;
use crate::error::{Error, Lookup, Result};
use crate::ids::RunId;
use crate::record::RunUuid;
use crate::time::Timestamp;

/// Prefix of every manifest stream.
pub const MANIFEST_PREFIX: &str = "manifest/run/";

/// A manifest stream found in the log group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestStream {
    /// Run id from the stream name.
    pub run_id: RunId,
    /// Run uuid from the stream name.
    pub uuid: RunUuid,
    /// When the stream was created.
    pub created: Option<Timestamp>,
}

/// Reads `manifest/run/<id>/<uuid>`; `None` for any other name.
pub fn parse_stream_name(name: &str) -> Option<(RunId, RunUuid)> {
    let rest = name.strip_prefix(MANIFEST_PREFIX)?;
    let (id, uuid) = rest.split_once('/')?;
    let run_id = RunId::parse(id).ok()?;
    Some((run_id, RunUuid::parse(uuid).ok()?))
}

/// Parses a window like `7d`, `36h`, `90m`, `45s` or `2w`.
pub fn parse_window(text: &str) -> Result<Duration> {
    let text = text.trim();
    let invalid = || {
        Error::invalid(
            "since",
            format!("expected a number and a unit (s, m, h, d, w), e.g. 7d; got {text:?}"),
        )
    };
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(invalid)?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(invalid()),
    };
    number
        .checked_mul(seconds)
        .map(Duration::from_secs)
        .ok_or_else(invalid)
}

pub const DESCRIBE_LOG_STREAMS: &str = "logs:DescribeLogStreams"; // IAM action, see crate::iam
/// Every manifest stream of `log_group` created at or after `since`, in stream name order.
///
/// `DescribeLogStreams` cannot order by time when filtering by prefix, so every manifest stream is listed and
/// filtered by its `creationTime`: one call per 50 streams.
pub async fn manifest_streams(
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    since: Timestamp,
) -> Result<Vec<ManifestStream>> {
    let since_ms = since.timestamp_millis();
    let mut found = Vec::new();
    let mut pages = logs
        .describe_log_streams()
        .log_group_name(log_group)
        .log_stream_name_prefix(MANIFEST_PREFIX)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            Error::from_sdk("CloudWatch Logs", e, Lookup::configured(LOG_GROUP_NAME))
        })?;
        for stream in page.log_streams.unwrap_or_default() {
            let created = stream.creation_time;
            if created.is_some_and(|ms| ms < since_ms) {
                continue;
            }
            let Some((run_id, uuid)) = stream
                .log_stream_name
                .as_deref()
                .and_then(parse_stream_name)
            else {
                continue;
            };
            found.push(ManifestStream {
                run_id,
                uuid,
                created: created.and_then(chrono::DateTime::from_timestamp_millis),
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use aws_sdk_cloudwatchlogs::operation::describe_log_streams::DescribeLogStreamsOutput;
    use aws_sdk_cloudwatchlogs::types::LogStream;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;

    #[test]
    fn windows() {
        assert_eq!(parse_window("7d").unwrap(), Duration::from_secs(604_800));
        assert_eq!(parse_window("36h").unwrap(), Duration::from_secs(129_600));
        assert_eq!(parse_window(" 90m ").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_window("2w").unwrap(), Duration::from_secs(1_209_600));
        for bad in ["", "7", "d", "7y", "-1d", "1.5h", "99999999999999999999d"] {
            assert!(parse_window(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stream_names() {
        let (id, uuid) = parse_stream_name("manifest/run/1000001/0c7a-1b1e").unwrap();
        assert_eq!((id.as_str(), uuid.as_str()), ("1000001", "0c7a-1b1e"));
        for bad in [
            "run/1000001",
            "manifest/run/1000001",
            "manifest/run/abc/u",
            "manifest/run/1/u/extra",
        ] {
            assert!(parse_stream_name(bad).is_none(), "{bad}");
        }
    }

    #[tokio::test]
    async fn lists_streams_in_the_window_across_pages() {
        let stream = |name: &str, created: i64| {
            LogStream::builder()
                .log_stream_name(name)
                .creation_time(created)
                .build()
        };
        let first = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_streams)
            .match_requests(|r| {
                r.next_token().is_none() && r.log_stream_name_prefix() == Some("manifest/run/")
            })
            .then_output(move || {
                DescribeLogStreamsOutput::builder()
                    .log_streams(stream("manifest/run/1/old", 1_000))
                    .log_streams(stream("manifest/run/2/new", 5_000))
                    .next_token("t2")
                    .build()
            });
        let second = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_streams)
            .match_requests(|r| r.next_token() == Some("t2"))
            .then_output(move || {
                DescribeLogStreamsOutput::builder()
                    .log_streams(stream("manifest/run/3/newer", 9_000))
                    .log_streams(stream("manifest/run/x/bad", 9_000))
                    .build()
            });
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&first, &second]
        );
        let since = chrono::DateTime::from_timestamp_millis(2_000).unwrap();
        let found = manifest_streams(&client, "g", since).await.unwrap();
        let ids: Vec<_> = found.iter().map(|s| s.run_id.as_str()).collect();
        assert_eq!(ids, ["2", "3"]);
        assert_eq!(found[1].uuid, "newer");
    }
}
