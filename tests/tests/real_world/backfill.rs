//! The real manifest through backfill: HealthOmics no longer knows the run (GetRun 404 at an empty emulator),
//! the manifest is in the stack's CloudWatch Logs only, and the stored record must carry each line's numbers.
//!
//! Needs the local stack (moto): run through `make test`.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use omics_introspect::analysis::{Settings, analyze};
use omics_introspect::enrich::{EnrichOutcome, EnrichRequest};
use omics_introspect::manifest::{split_records, stream_name};
use omics_introspect::{RunId, RunUuid};

use super::corpus;
use super::manifests::{TaskNumbers, expected_tasks};
use crate::enrich_support::{Setup, clear_record, emulator, item, report, setup};

/// The run id and uuid of the real manifest (its run line's ARN and uuid).
const RUN_ID: &str = "8192875";
const UUID: &str = "90c95432-34ac-9bbf-1e8a-3b6387044c59";

/// Writes `lines` as the manifest stream of the run, replacing any stream an earlier test run left.
async fn write_manifest(setup: &Setup, lines: &[&str]) {
    let logs = &setup.clients.logs;
    let group = &setup.config.log_group;
    let stream = stream_name(
        &RunId::parse(RUN_ID).unwrap(),
        &RunUuid::parse(UUID).unwrap(),
    );
    // Absent on a fresh stack; any error other than "not found" shows up at create.
    let _ = logs
        .delete_log_stream()
        .log_group_name(group)
        .log_stream_name(&stream)
        .send()
        .await;
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(&stream)
        .send()
        .await
        .unwrap_or_else(|e| panic!("creating {stream} in {group}: {e:?}"));
    let now = chrono::Utc::now().timestamp_millis();
    let events = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            InputLogEvent::builder()
                .timestamp(now + i as i64)
                .message(*line)
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(&stream)
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_record_from_the_real_manifest_alone_carries_each_lines_numbers() {
    let text = corpus::text(corpus::FULL_MANIFEST);
    let lines = split_records(&text);
    assert_eq!(lines.len(), 60);
    let emulator = emulator(false).await;
    let setup = setup(emulator.url(), Duration::ZERO).await;
    write_manifest(&setup, &lines).await;
    clear_record(&setup, RUN_ID, UUID).await;

    let outcome = setup
        .enricher
        .enrich(EnrichRequest {
            run_id: RunId::parse(RUN_ID).unwrap(),
            uuid: Some(RunUuid::parse(UUID).unwrap()),
            announced_status: None,
            event_time: None,
            workflow_name: None,
            manifest_wait: Some(Duration::ZERO),
        })
        .await
        .unwrap();
    assert!(
        matches!(outcome, EnrichOutcome::Written { .. }),
        "{outcome:?}"
    );

    let stored_item = item(&setup, RUN_ID, UUID).await.expect("item stored");
    let record = report(&setup, &stored_item).await;
    assert!(
        !record.head.sources.get_run,
        "GetRun answered 404: the record is the manifest's"
    );
    assert_eq!(record.head.status, omics_introspect::RunStatus::Completed);
    let expected = expected_tasks(&text);
    let stored: BTreeMap<String, TaskNumbers> = record
        .tasks
        .iter()
        .map(|t| (t.task_id.clone(), TaskNumbers::from_record(t)))
        .collect();
    assert_eq!(stored.len(), 59);
    assert_eq!(stored.len(), expected.len());
    for (id, want) in &expected {
        assert_eq!(stored.get(id), Some(want), "task {id}");
    }
    assert!(record.tasks.iter().all(|t| t.source == "manifest"));

    // Right-sizing on the stored record: the 50 scatter shards are one group.
    let analysis = analyze(&record, &Settings::default());
    let groups: BTreeMap<&str, u64> = analysis
        .rightsizing
        .groups
        .iter()
        .map(|g| (g.base_name.as_str(), g.tasks))
        .collect();
    assert_eq!(groups.get("UGMakeExamples"), Some(&50), "{groups:?}");
    assert!(
        groups.keys().all(|name| !name.contains("scattered")),
        "{groups:?}"
    );
}
