//! enrich-run against the local stack: sample events, duplicates, concurrency, missing manifests, forgotten runs.
//!
//! Needs the local stack: run through `make test`.

use crate::enrich_support;

use std::time::Duration;

use enrich_support::{
    b, clear_record, emulator, item, n, object_bytes, report, run_event, s, sample_event, setup,
    versions,
};
use futures::future::join_all;
use omics_introspect::enrich::backfill::manifest_streams;
use omics_introspect::enrich::{EnrichOutcome, EnrichRequest, sha256_hex};
use omics_introspect::store::PutOutcome;
use omics_introspect::{Error, RunId, RunStatus, RunUuid, TaskStatus};
use omics_introspect_tests::harness::{reset, seed_run};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

/// A finished sample event and what its record must show.
struct Expected {
    file: &'static str,
    run_id: &'static str,
    uuid: &'static str,
    status: &'static str,
    tasks: usize,
    manifest_complete: bool,
}

const FINISHED: [Expected; 5] = [
    Expected {
        file: "run-status-completed.json",
        run_id: "1000001",
        uuid: "3f8a2c1e-6b7d-4e9f-8a0b-1c2d3e4f5a6b",
        status: "COMPLETED",
        tasks: 31,
        manifest_complete: true,
    },
    Expected {
        file: "run-status-failed.json",
        run_id: "1000002",
        uuid: "b7c41d09-2e5f-4a83-9d6c-0f1e2a3b4c5d",
        status: "FAILED",
        tasks: 10,
        // The never-started task is missing from the partial manifest.
        manifest_complete: false,
    },
    Expected {
        file: "run-status-cancelled.json",
        run_id: "1000003",
        uuid: "c93e5f7a-1d2b-4c6e-a8f0-7b9d1e3f5a2c",
        status: "CANCELLED",
        tasks: 4,
        manifest_complete: true,
    },
    Expected {
        file: "run-status-completed-nextflow.json",
        run_id: "1000004",
        uuid: "1a2b3c4d-5e6f-4a7b-8c0d-1e2f3a4b5c6d",
        status: "COMPLETED",
        tasks: 13,
        // One malformed line, counted as present.
        manifest_complete: true,
    },
    Expected {
        // Old event shape: no uuid, GetRun provides it.
        file: "run-status-completed-legacy.json",
        run_id: "1000006",
        uuid: "5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c37",
        status: "COMPLETED",
        tasks: 250,
        manifest_complete: true,
    },
];

/// Writes `lines` numbered lines to the log stream of the failed fixture task.
async fn write_task_log(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    lines: usize,
) {
    let _ = logs
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await;
    let now = chrono::Utc::now().timestamp_millis();
    let events = (1..=lines)
        .map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now + i as i64)
                .message(format!("line {i}"))
                .build()
                .unwrap()
        })
        .collect();
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn sample_events_store_records_and_repeats_change_nothing() {
    let emu = emulator(true).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    write_task_log(
        &setup.clients.logs,
        &setup.config.log_group,
        "run/1000002/task/6200033",
        60,
    )
    .await;

    let mut first_bytes = Vec::new();
    for expected in &FINISHED {
        clear_record(&setup, expected.run_id, expected.uuid).await;
        let answer = setup
            .enricher
            .handle_event(sample_event(expected.file))
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "written", "{}: {answer}", expected.file);
        assert_eq!(answer["uuid"], expected.uuid, "{}", expected.file);

        let item = item(&setup, expected.run_id, expected.uuid)
            .await
            .expect("item stored");
        assert_eq!(s(&item, "status"), expected.status);
        assert_eq!(n(&item, "taskCount") as usize, expected.tasks);
        assert_eq!(
            b(&item, "manifestComplete"),
            expected.manifest_complete,
            "{}",
            expected.file
        );
        assert!(b(&item, "eventPublished"));
        assert!(s(&item, "manifestDigest").starts_with("sha256:"));
        assert_eq!(
            s(&item, "reportKey"),
            format!("runs/{}/{}/report.json.gz", expected.run_id, expected.uuid)
        );
        let bytes = object_bytes(&setup, &item).await;
        assert_eq!(
            sha256_hex(&bytes),
            s(&item, "reportSha256"),
            "item describes the object"
        );
        let record = report(&setup, &item).await;
        assert_eq!(record.head.schema_version, 1);
        assert_eq!(record.head.status.as_str(), expected.status);
        assert_eq!(record.tasks.len(), expected.tasks);
        assert_eq!(record.head.summary.task_count as usize, expected.tasks);
        assert_eq!(record.head.manifest_complete, expected.manifest_complete);
        assert_eq!(record.head.enriched_at_source, "runStopTime");
        assert_eq!(record.head.enriched_at, s(&item, "stopTime"));
        assert!(
            record.head.sources.get_run
                && record.head.sources.manifest
                && record.head.sources.list_run_tasks
        );
        if !expected.manifest_complete {
            assert!(
                !record.head.warnings.is_empty(),
                "an incomplete manifest is flagged"
            );
        }
        first_bytes.push(bytes);
    }

    // Fixture specifics, computed from the fixture files.
    let item1 = item(&setup, "1000001", FINISHED[0].uuid).await.unwrap();
    let run1 = report(&setup, &item1).await;
    assert_eq!(run1.head.summary.cache_hits, 1);
    assert!(run1.head.warnings.is_empty(), "{:?}", run1.head.warnings);
    let gpu = run1
        .tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("DeepVariantGpu-0-1"))
        .unwrap();
    assert_eq!(gpu.reserved.unwrap().gpus, Some(1.0));
    assert_eq!(gpu.instance_type.as_deref(), Some("omics.g5.2xlarge"));
    let gather = run1
        .tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("GatherBqsrReports-0-1"))
        .unwrap();
    assert_eq!(
        gather.status,
        Some(TaskStatus::Completed),
        "manifest SUCCESS reads as COMPLETED"
    );
    let cached = run1
        .tasks
        .iter()
        .find(|t| t.cache_hit == Some(true))
        .unwrap();
    assert!(cached.cache_s3_uri.is_some() && cached.running_seconds.is_none());
    let sorted = run1
        .tasks
        .windows(2)
        .all(|w| match (w[0].creation_time, w[1].creation_time) {
            (Some(a), Some(b)) => a <= b,
            (_, None) => true,
            (None, Some(_)) => false,
        });
    assert!(sorted, "tasks sorted by creation time, timeless ones last");

    let item2 = item(&setup, "1000002", FINISHED[1].uuid).await.unwrap();
    let run2 = report(&setup, &item2).await;
    assert_eq!(run2.head.failed_tasks.len(), 1);
    let failed = &run2.head.failed_tasks[0];
    assert_eq!(failed.name.as_deref(), Some("MergeBamAlignment-1-1"));
    assert_eq!(
        failed.failure_reason.as_deref(),
        Some("Task failed with exit code 137")
    );
    assert!(
        failed
            .status_message
            .as_deref()
            .unwrap()
            .contains("OutOfMemoryError")
    );
    assert_eq!(failed.log_tail.len(), 50, "the last 50 lines");
    assert_eq!(failed.log_tail.last().map(String::as_str), Some("line 60"));
    assert_eq!(run2.head.summary.counts_by_status["FAILED"], 1);
    assert_eq!(run2.head.summary.counts_by_status["CANCELLED"], 2);
    assert_eq!(run2.head.summary.api_only_tasks, 1);
    let missing = run2
        .tasks
        .iter()
        .find(|t| t.name.as_deref() == Some("ValidateSamFile-0-1"))
        .unwrap();
    assert_eq!(missing.source, "api");

    let item4 = item(&setup, "1000004", FINISHED[3].uuid).await.unwrap();
    let run4 = report(&setup, &item4).await;
    assert_eq!(run4.head.manifest.malformed_lines, 1);
    assert!(
        run4.head
            .warnings
            .iter()
            .any(|w| w.contains("could not be read"))
    );
    assert_eq!(run4.head.run.engine, None, "no engine key in this manifest");
    let fastqc = run4
        .tasks
        .iter()
        .find(|t| t.name.as_deref().is_some_and(|n| n.contains("FASTQC")))
        .unwrap();
    assert!(
        fastqc.creation_time.is_some(),
        "zone-less microsecond timestamps read as UTC"
    );

    // Events that ask for nothing.
    for file in ["run-status-running.json", "task-status-change.json"] {
        let answer = setup
            .enricher
            .handle_event(sample_event(file))
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "ignored", "{file}: {answer}");
    }
    assert!(
        item(&setup, "1000005", "e4d5c6b7-a809-4b1c-9d2e-3f4a5b6c7d8e")
            .await
            .is_none()
    );

    // The same events again, ten times each: nothing changes, byte for byte.
    for (expected, bytes) in FINISHED.iter().zip(&first_bytes) {
        let before = item(&setup, expected.run_id, expected.uuid).await.unwrap();
        for _ in 0..10 {
            let answer = setup
                .enricher
                .handle_event(sample_event(expected.file))
                .await
                .unwrap();
            assert_eq!(answer["outcome"], "unchanged", "{answer}");
        }
        let after = item(&setup, expected.run_id, expected.uuid).await.unwrap();
        assert_eq!(before, after, "{}: the item is untouched", expected.file);
        let key = s(&after, "reportKey").to_owned();
        assert_eq!(
            versions(&setup, &key).await.len(),
            1,
            "{}: one object version",
            expected.file
        );
        assert_eq!(&object_bytes(&setup, &after).await, bytes);
    }

    // Re-enriching from nothing gives the same bytes: enrichedAt is the run's stop time, not the clock.
    clear_record(&setup, "1000001", FINISHED[0].uuid).await;
    let answer = setup
        .enricher
        .handle_event(sample_event(FINISHED[0].file))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written");
    let again = item(&setup, "1000001", FINISHED[0].uuid).await.unwrap();
    assert_eq!(
        object_bytes(&setup, &again).await,
        first_bytes[0],
        "byte-identical after a rebuild"
    );
}

#[tokio::test]
async fn ten_concurrent_deliveries_store_one_record() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(5)).await;
    let uuid = enrich_support::fresh_uuid();
    let run = generate(&SyntheticSpec {
        run_id: "8100001".into(),
        uuid: Some(uuid.clone()),
        tasks: 300,
        failed: 0,
        cached: 3,
        seed: 8_100_001,
        ..SyntheticSpec::default()
    });
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();
    let event = run_event("8100001", Some(&uuid), "COMPLETED");

    let answers = join_all((0..10).map(|_| setup.enricher.handle_event(event.clone()))).await;
    let outcomes: Vec<String> = answers
        .into_iter()
        .map(|a| a.unwrap()["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "written").count(),
        1,
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().all(|o| o == "written" || o == "unchanged"),
        "{outcomes:?}"
    );

    let stored = item(&setup, "8100001", &uuid).await.unwrap();
    let key = s(&stored, "reportKey").to_owned();
    let remaining = versions(&setup, &key).await;
    assert_eq!(remaining.len(), 1, "losers removed their object versions");
    assert_eq!(
        remaining[0],
        s(&stored, "reportVersionId"),
        "the item points at the surviving version"
    );
    let bytes = object_bytes(&setup, &stored).await;
    assert_eq!(sha256_hex(&bytes), s(&stored, "reportSha256"));

    for _ in 0..10 {
        let answer = setup.enricher.handle_event(event.clone()).await.unwrap();
        assert_eq!(answer["outcome"], "unchanged");
    }
    assert_eq!(item(&setup, "8100001", &uuid).await.unwrap(), stored);
    assert_eq!(object_bytes(&setup, &stored).await, bytes, "byte-identical");
}

fn without_manifest(mut body: Value) -> Value {
    body["manifest"] = json!([]);
    body
}

#[tokio::test]
async fn missing_manifests_fail_completed_runs_and_flag_failed_ones() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;

    // COMPLETED, no manifest: the invocation fails and nothing is stored.
    let completed_uuid = enrich_support::fresh_uuid();
    let completed = generate(&SyntheticSpec {
        run_id: "8100002".into(),
        uuid: Some(completed_uuid.clone()),
        tasks: 20,
        seed: 8_100_002,
        ..SyntheticSpec::default()
    });
    seed_run(emu.url(), &without_manifest(to_seed_body(&completed)))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let err = setup
        .enricher
        .handle_event(run_event("8100002", Some(&completed_uuid), "COMPLETED"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ManifestNotFound { .. }), "{err:?}");
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited");
    assert!(
        item(&setup, "8100002", &completed_uuid).await.is_none(),
        "no record without a manifest"
    );

    // The manifest arrives: the retry stores a complete record.
    seed_run(emu.url(), &to_seed_body(&completed))
        .await
        .unwrap();
    let answer = setup
        .enricher
        .handle_event(run_event("8100002", Some(&completed_uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written");
    assert!(b(
        &item(&setup, "8100002", &completed_uuid).await.unwrap(),
        "manifestComplete"
    ));

    // FAILED, no manifest: stored, flagged.
    let failed_uuid = enrich_support::fresh_uuid();
    let failed = generate(&SyntheticSpec {
        run_id: "8100003".into(),
        uuid: Some(failed_uuid.clone()),
        tasks: 30,
        failed: 1,
        status: "FAILED".into(),
        seed: 8_100_003,
        ..SyntheticSpec::default()
    });
    seed_run(emu.url(), &without_manifest(to_seed_body(&failed)))
        .await
        .unwrap();
    let event = run_event("8100003", Some(&failed_uuid), "FAILED");
    let answer = setup.enricher.handle_event(event.clone()).await.unwrap();
    assert_eq!(answer["outcome"], "written");
    let flagged = item(&setup, "8100003", &failed_uuid).await.unwrap();
    assert!(!b(&flagged, "manifestComplete"));
    assert_eq!(s(&flagged, "manifestDigest"), "none");
    let record = report(&setup, &flagged).await;
    assert!(!record.head.sources.manifest);
    assert!(
        record
            .head
            .warnings
            .iter()
            .any(|w| w.contains("was not found")),
        "{:?}",
        record.head.warnings
    );
    assert_eq!(record.tasks.len(), 30, "tasks come from the task list");
    assert!(record.tasks.iter().all(|t| t.source == "api"));
    assert_eq!(record.head.failed_tasks.len(), 1);

    // Its manifest shows up later: the complete record replaces the flagged one.
    seed_run(emu.url(), &to_seed_body(&failed)).await.unwrap();
    let answer = setup.enricher.handle_event(event).await.unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    let replaced = item(&setup, "8100003", &failed_uuid).await.unwrap();
    assert!(b(&replaced, "manifestComplete"));
    assert_eq!(
        versions(&setup, s(&replaced, "reportKey")).await.len(),
        2,
        "both versions kept by S3"
    );
}

#[tokio::test]
async fn runs_healthomics_forgot_are_built_from_the_manifest() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let uuid = enrich_support::fresh_uuid();
    let run = generate(&SyntheticSpec {
        run_id: "8100004".into(),
        uuid: Some(uuid.clone()),
        tasks: 40,
        failed: 2,
        status: "FAILED".into(),
        seed: 8_100_004,
        ..SyntheticSpec::default()
    });
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();

    // Backfill finds the stream.
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    let streams = manifest_streams(&setup.clients.logs, &setup.config.log_group, since)
        .await
        .unwrap();
    assert!(
        streams
            .iter()
            .any(|s| s.run_id.as_str() == "8100004" && s.uuid == uuid.as_str())
    );

    // HealthOmics forgets the run (the emulator is emptied): the record comes from the manifest alone.
    reset(emu.url()).await.unwrap();
    let backfill = |uuid: &str| EnrichRequest {
        run_id: RunId::parse("8100004").unwrap(),
        uuid: Some(RunUuid::parse(uuid).unwrap()),
        announced_status: None,
        event_time: None,
        workflow_name: None,
        manifest_wait: Some(Duration::ZERO),
    };
    let outcome = setup.enricher.enrich(backfill(&uuid)).await.unwrap();
    let EnrichOutcome::Written { record, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        record.summary.status,
        RunStatus::Failed,
        "status from the manifest run record"
    );
    assert!(!record.summary.api_available);
    let stored = item(&setup, "8100004", &uuid).await.unwrap();
    let report1 = report(&setup, &stored).await;
    assert!(!report1.head.sources.get_run && !report1.head.sources.list_run_tasks);
    assert_eq!(report1.head.enriched_at_source, "manifestStopTime");
    assert!(
        report1
            .head
            .warnings
            .iter()
            .any(|w| w.contains("GetRun did not return"))
    );
    assert!(report1.tasks.iter().all(|t| t.source == "manifest"));
    assert_eq!(
        report1.head.failed_tasks.len(),
        2,
        "failed tasks from the manifest"
    );

    // HealthOmics has it again: the richer record replaces the manifest-only one...
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();
    let outcome = setup.enricher.enrich(backfill(&uuid)).await.unwrap();
    assert!(
        matches!(outcome, EnrichOutcome::Written { .. }),
        "{outcome:?}"
    );
    assert!(b(
        &item(&setup, "8100004", &uuid).await.unwrap(),
        "apiAvailable"
    ));
    // ...and a later manifest-only backfill leaves it alone.
    reset(emu.url()).await.unwrap();
    let outcome = setup.enricher.enrich(backfill(&uuid)).await.unwrap();
    assert!(
        matches!(outcome, EnrichOutcome::Unchanged { .. }),
        "{outcome:?}"
    );

    // An unknown uuid of a run HealthOmics does not have, with no manifest: nothing to do, no error.
    let outcome = setup
        .enricher
        .handle_event(run_event("8100099", None, "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(outcome["outcome"], "skipped", "{outcome}");
}

#[tokio::test]
async fn reused_run_ids_keep_records_apart() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    // A fresh id: on a long-lived stack, records of earlier test runs must not compete for "latest".
    let run_id = enrich_support::fresh_run_id();
    let spec = |uuid: &str, seed: u64| SyntheticSpec {
        run_id: run_id.clone(),
        uuid: Some(uuid.to_owned()),
        tasks: 12,
        seed,
        ..SyntheticSpec::default()
    };
    let (old_uuid, new_uuid) = (enrich_support::fresh_uuid(), enrich_support::fresh_uuid());
    let old = generate(&spec(&old_uuid, 1));
    let mut new = generate(&spec(&new_uuid, 2));
    new.run["creationTime"] = json!("2030-01-01T00:00:00.000Z");

    seed_run(emu.url(), &to_seed_body(&old)).await.unwrap();
    let answer = setup
        .enricher
        .handle_event(run_event(&run_id, Some(&old_uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written");
    // The id is reused: GetRun now describes the new run.
    seed_run(emu.url(), &to_seed_body(&new)).await.unwrap();
    let answer = setup
        .enricher
        .handle_event(run_event(&run_id, Some(&new_uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written");
    // A late duplicate of the old run's event reads the old manifest by exact stream, not GetRun's run.
    let answer = setup
        .enricher
        .handle_event(run_event(&run_id, Some(&old_uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "unchanged", "{answer}");

    let old_item = item(&setup, &run_id, &old_uuid).await.unwrap();
    let new_item = item(&setup, &run_id, &new_uuid).await.unwrap();
    assert_ne!(s(&old_item, "reportKey"), s(&new_item, "reportKey"));
    let latest = setup
        .enricher
        .summaries()
        .latest(&RunId::parse(&run_id).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(latest.summary.uuid, new_uuid.as_str());
}

#[tokio::test]
async fn the_item_condition_refuses_older_equal_and_worse_records() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let uuid = enrich_support::fresh_uuid();
    let run = generate(&SyntheticSpec {
        run_id: "8100006".into(),
        uuid: Some(uuid.clone()),
        tasks: 10,
        seed: 8_100_006,
        ..SyntheticSpec::default()
    });
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();
    let answer = setup
        .enricher
        .handle_event(run_event("8100006", Some(&uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written");
    let store = setup.enricher.summaries();
    let run_id = RunId::parse("8100006").unwrap();
    let stored = store
        .get(&run_id, &RunUuid::parse(&uuid).unwrap())
        .await
        .unwrap()
        .unwrap();

    // The DynamoDB condition itself (not only the pre-check) keeps the finished record.
    let mut running = stored.clone();
    running.summary.status = RunStatus::Running;
    running.summary.manifest_lines += 100;
    let mut worse = stored.clone();
    worse.summary.manifest_complete = false;
    worse.summary.manifest_lines += 100;
    for (what, record) in [
        ("same", &stored),
        ("non-terminal", &running),
        ("less complete", &worse),
    ] {
        assert_eq!(
            store.put_if_better(record).await.unwrap(),
            PutOutcome::ConditionFailed,
            "{what}"
        );
    }
    assert_eq!(
        store
            .get(&run_id, &RunUuid::parse(&uuid).unwrap())
            .await
            .unwrap()
            .unwrap(),
        stored
    );

    let mut longer = stored.clone();
    longer.summary.manifest_lines += 1;
    assert_eq!(
        store.put_if_better(&longer).await.unwrap(),
        PutOutcome::Written
    );
}
