//! [`Enricher`] with mocked AWS clients: the paths that must not write, and the decisions before any write. A
//! client with no rule panics when called, so "no S3 / EventBridge / ListRunTasks call" is checked by omission.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::operation::get_log_events::{GetLogEventsError, GetLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
use aws_sdk_cloudwatchlogs::types::error::ResourceNotFoundException;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_omics::operation::get_run::GetRunOutput;
use aws_sdk_omics::types::RunStatus as ApiRunStatus;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use super::{
    EnrichOutcome, EnrichRequest, Enricher, EnrichmentSummary, SCHEMA_VERSION, sha256_hex,
};
use crate::clients::AwsClients;
use crate::config::Config;
use crate::error::Error;
use crate::ids::RunId;
use crate::record::RunUuid;
use crate::status::RunStatus;
use crate::store::{ReportLocation, SummaryRecord};

const UUID: &str = "0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10";
const RUN_LINE: &str = r#"{"arn":"arn:aws:omics:us-east-1:1:run/42","uuid":"0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10","status":"COMPLETED"}"#;
const TASK_LINE: &str =
    r#"{"arn":"arn:aws:omics:us-east-1:1:task/7","name":"t","status":"SUCCESS"}"#;

fn get_run(status: ApiRunStatus) -> Rule {
    mock!(aws_sdk_omics::Client::get_run).then_output(move || {
        GetRunOutput::builder()
            .id("42")
            .uuid(UUID)
            .status(status.clone())
            .stop_time(aws_smithy_types::DateTime::from_secs(1_729_407_773))
            .build()
    })
}

fn manifest_pages() -> [Rule; 2] {
    let first = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            GetLogEventsOutput::builder()
                .events(OutputLogEvent::builder().message(RUN_LINE).build())
                .events(OutputLogEvent::builder().message(TASK_LINE).build())
                .next_forward_token("f/1")
                .build()
        });
    let end = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
        .match_requests(|r| r.next_token() == Some("f/1"))
        .then_output(|| {
            GetLogEventsOutput::builder()
                .next_forward_token("f/1")
                .build()
        });
    [first, end]
}

fn stored(digest: &str) -> SummaryRecord {
    SummaryRecord {
        summary: EnrichmentSummary {
            schema_version: SCHEMA_VERSION,
            run_id: "42".into(),
            uuid: RunUuid::parse(UUID).unwrap(),
            arn: None,
            status: RunStatus::Completed,
            name: None,
            workflow_id: None,
            workflow_name: None,
            creation_time: None,
            start_time: None,
            stop_time: None,
            task_count: 1,
            counts_by_status: BTreeMap::new(),
            cache_hits: 0,
            task_hours: 0.0,
            wall_time_seconds: None,
            manifest_complete: true,
            manifest_digest: digest.into(),
            manifest_lines: 2,
            api_available: true,
            warning_count: 0,
            enriched_at: "2024-10-20T07:02:53.000Z".into(),
            facts: None,
        },
        report: ReportLocation {
            bucket: "reports".into(),
            key: format!("runs/42/{UUID}/report.json.gz"),
            version_id: None,
            sha256: "sha256:00".into(),
            bytes: 1,
            json_bytes: 1,
        },
        event_published: true,
        written_at: String::new(),
    }
}

fn enricher(omics: &[&Rule], logs: &[&Rule], dynamodb: &[&Rule]) -> Enricher {
    let clients = AwsClients {
        omics: mock_client!(aws_sdk_omics, RuleMode::MatchAny, omics.iter().copied()),
        logs: mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            logs.iter().copied()
        ),
        dynamodb: mock_client!(
            aws_sdk_dynamodb,
            RuleMode::MatchAny,
            dynamodb.iter().copied()
        ),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, std::iter::empty::<&Rule>()),
        eventbridge: mock_client!(
            aws_sdk_eventbridge,
            RuleMode::MatchAny,
            std::iter::empty::<&Rule>()
        ),
    };
    let config = Config::from_lookup(|name| match name {
        "RUNS_TABLE_NAME" => Some("runs".into()),
        "FLEET_TABLE_NAME" => Some("fleet".into()),
        "REPORTS_BUCKET_NAME" => Some("reports".into()),
        "MANIFEST_WAIT_SECONDS" => Some("0".into()),
        _ => None,
    })
    .unwrap();
    Enricher::new(&clients, &config).unwrap()
}

fn request(announced: Option<RunStatus>) -> EnrichRequest {
    EnrichRequest {
        run_id: RunId::parse("42").unwrap(),
        uuid: Some(RunUuid::parse(UUID).unwrap()),
        announced_status: announced,
        event_time: None,
        workflow_name: None,
        manifest_wait: Some(Duration::ZERO),
    }
}

#[tokio::test]
async fn a_duplicate_reads_the_manifest_and_writes_nothing() {
    let digest = sha256_hex(format!("{RUN_LINE}\n{TASK_LINE}\n").as_bytes());
    let item = stored(&digest).to_item();
    let get_item = mock!(aws_sdk_dynamodb::Client::get_item).then_output(move || {
        GetItemOutput::builder()
            .set_item(Some(item.clone()))
            .build()
    });
    // The run's day bucket already holds its row: filing it again writes nothing.
    let bucket = day_bucket_holding(&stored(&digest));
    let query = mock!(aws_sdk_dynamodb::Client::query).then_output(move || {
        QueryOutput::builder()
            .set_items(Some(vec![bucket.clone()]))
            .build()
    });
    let run = get_run(ApiRunStatus::Completed);
    let [first, end] = manifest_pages();
    // No ListRunTasks rule, no S3 or EventBridge rule, no PutItem rule: any of those calls would panic.
    let enricher = enricher(&[&run], &[&first, &end], &[&get_item, &query]);
    let outcome = enricher
        .enrich(request(Some(RunStatus::Completed)))
        .await
        .unwrap();
    let EnrichOutcome::Unchanged {
        reason,
        republished,
        ..
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(reason.starts_with("duplicate"), "{reason}");
    assert!(!republished);
    assert_eq!(get_item.num_calls(), 1);
    assert_eq!(query.num_calls(), 1, "the day bucket is read");
    assert_eq!(first.num_calls() + end.num_calls(), 2);
}

/// The fleet day bucket item of `record`'s day, holding its row.
fn day_bucket_holding(
    record: &SummaryRecord,
) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    use aws_sdk_dynamodb::types::AttributeValue;
    use std::io::Write as _;
    let row = crate::store::fleet_row(&record.summary).unwrap();
    let rows = BTreeMap::from([(row.run_key(), row)]);
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&serde_json::to_vec(&rows).unwrap()).unwrap();
    let blob = aws_sdk_dynamodb::primitives::Blob::new(gzip.finish().unwrap());
    [
        ("pk", AttributeValue::S("FLEETDAY#2024".into())),
        ("sk", AttributeValue::S("2024-10-20#000".into())),
        ("rows", AttributeValue::B(blob)),
        ("version", AttributeValue::N("1".into())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

#[tokio::test]
async fn a_completed_run_without_manifest_fails_without_writing() {
    let get_item =
        mock!(aws_sdk_dynamodb::Client::get_item).then_output(|| GetItemOutput::builder().build());
    let missing = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events).then_error(|| {
        GetLogEventsError::ResourceNotFoundException(ResourceNotFoundException::builder().build())
    });
    let run = get_run(ApiRunStatus::Completed);
    let enricher = enricher(&[&run], &[&missing], &[&get_item]);
    let err = enricher
        .enrich(request(Some(RunStatus::Completed)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ManifestNotFound { ref stream, .. } if stream.ends_with(UUID)),
        "{err:?}"
    );
}

#[tokio::test]
async fn unfinished_runs_are_skipped_and_a_lagging_get_run_is_retried() {
    let running = get_run(ApiRunStatus::Running);
    // Nothing but GetRun is called.
    let enricher = enricher(&[&running], &[], &[]);
    let outcome = enricher.enrich(request(None)).await.unwrap();
    assert!(
        matches!(outcome, EnrichOutcome::Skipped { .. }),
        "{outcome:?}"
    );

    // The event says COMPLETED while GetRun still says RUNNING: a retryable error, so Lambda tries again later.
    let err = enricher
        .enrich(request(Some(RunStatus::Completed)))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}
