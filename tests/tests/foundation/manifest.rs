//! The shared manifest reader against CloudWatch Logs on the local stack (moto), fed by the emulator's seeding.
//!
//! Needs the local stack: run through `make test`.

use std::collections::HashSet;

use omics_introspect::clients::load_sdk_config;
use omics_introspect::manifest::{ManifestReader, ManifestRun, ManifestTask, ParseWarnings};
use omics_introspect::{Error, RunId, RunUuid};
use omics_introspect_tests::harness::{seed_run, stack_env};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};

async fn reader() -> ManifestReader {
    let sdk = load_sdk_config().await;
    ManifestReader::new(
        aws_sdk_cloudwatchlogs::Client::new(&sdk),
        stack_env("LOG_GROUP_NAME"),
    )
}

struct ReadBack {
    run: Option<ManifestRun>,
    tasks: Vec<ManifestTask>,
    pages: usize,
    largest_page: usize,
    warnings: ParseWarnings,
    api_calls: u64,
}

async fn read_all(run_id: &str, uuid: &str) -> Result<ReadBack, Error> {
    let uuid = RunUuid::parse(uuid).unwrap();
    let mut pages = reader().await.open(&RunId::parse(run_id).unwrap(), &uuid)?;
    let mut back = ReadBack {
        run: None,
        tasks: Vec::new(),
        pages: 0,
        largest_page: 0,
        warnings: ParseWarnings::default(),
        api_calls: 0,
    };
    while let Some(page) = pages.next_page().await? {
        back.pages += 1;
        back.largest_page = back.largest_page.max(page.tasks.len());
        if let Some(run) = page.run {
            assert!(back.run.is_none(), "run record delivered twice");
            back.run = Some(run);
        }
        back.tasks.extend(page.tasks);
    }
    back.warnings = pages.warnings().clone();
    back.api_calls = pages.api_calls();
    Ok(back)
}

#[tokio::test]
async fn reads_a_10k_task_manifest_with_a_malformed_line_reported_not_fatal() {
    let emulator = stack_env("OMICS_EMULATOR_URL");
    let spec = SyntheticSpec {
        run_id: "9200000001".into(),
        tasks: 10_000,
        failed: 3,
        cached: 5,
        gpu: 2,
        seed: 7,
        ..SyntheticSpec::default()
    };
    let mut run = generate(&spec);
    // One garbage line in the middle of the stream, as a truncated export would leave.
    run.manifest.insert(
        5_000,
        r#"{"arn":"arn:aws:omics:us-east-1:123456789012:task/77","cpus":"#.to_owned(),
    );
    let uuid = run.run["uuid"].as_str().unwrap().to_owned();
    let seeded = seed_run(&emulator, &to_seed_body(&run)).await.unwrap();
    assert_eq!(seeded["manifestEvents"], 10_002);

    let back = read_all("9200000001", &uuid).await.unwrap();
    let manifest_run = back.run.expect("run record");
    assert_eq!(manifest_run.uuid.as_deref(), Some(uuid.as_str()));
    assert_eq!(back.tasks.len(), 10_000);
    let ids: HashSet<&str> = back.tasks.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids.len(), 10_000, "task ids repeat");
    let expected: HashSet<&str> = run
        .tasks
        .iter()
        .map(|t| t["taskId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(back.warnings.malformed_lines, 1);
    let first = back.warnings.first_error.as_deref().unwrap();
    assert!(first.starts_with("line 5001: not JSON"), "{first}");
    // CloudWatch pages at 10,000 events / 1 MB: the reader holds one page, never the whole run.
    assert!(
        back.pages >= 2,
        "expected several pages, got {}",
        back.pages
    );
    assert!(back.largest_page <= 10_000);
    assert_eq!(back.api_calls as usize, back.pages);
    let cached = back
        .tasks
        .iter()
        .filter(|t| t.cache_hit == Some(true))
        .count();
    assert_eq!(cached, 5);
}

#[tokio::test]
async fn a_missing_stream_is_a_distinct_error() {
    let err = read_all("9200000002", "00000000-0000-4000-8000-000000000000")
        .await
        .err()
        .expect("no such stream");
    match err {
        Error::ManifestNotFound { stream, log_group } => {
            assert_eq!(
                stream,
                "manifest/run/9200000002/00000000-0000-4000-8000-000000000000"
            );
            assert_eq!(log_group, stack_env("LOG_GROUP_NAME"));
        }
        other => panic!("expected ManifestNotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reused_run_id_reads_only_its_own_uuid() {
    let emulator = stack_env("OMICS_EMULATOR_URL");
    let first = generate(&SyntheticSpec {
        run_id: "9200000003".into(),
        tasks: 3,
        seed: 1,
        ..SyntheticSpec::default()
    });
    let second = generate(&SyntheticSpec {
        run_id: "9200000003".into(),
        tasks: 5,
        seed: 2,
        ..SyntheticSpec::default()
    });
    let (uuid1, uuid2) = (
        first.run["uuid"].as_str().unwrap(),
        second.run["uuid"].as_str().unwrap(),
    );
    assert_ne!(uuid1, uuid2);
    seed_run(&emulator, &to_seed_body(&first)).await.unwrap();
    seed_run(&emulator, &to_seed_body(&second)).await.unwrap();

    let back1 = read_all("9200000003", uuid1).await.unwrap();
    let back2 = read_all("9200000003", uuid2).await.unwrap();
    assert_eq!(back1.tasks.len(), 3);
    assert_eq!(back2.tasks.len(), 5);
    assert_eq!(back1.run.unwrap().uuid.as_deref(), Some(uuid1));
}

#[tokio::test]
async fn reads_every_fixture_manifest_with_its_quirks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runs");
    let mut checked = 0;
    let mut malformed_total = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("manifest.jsonl");
        if !manifest.exists() {
            continue;
        }
        let run_json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("run.json")).unwrap()).unwrap();
        let tasks_json: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(dir.join("tasks.json")).unwrap()).unwrap();
        let run_id = run_json["id"].as_str().unwrap();
        let uuid = run_json["uuid"].as_str().unwrap();
        let lines = std::fs::read_to_string(&manifest).unwrap();
        let task_lines = lines.lines().filter(|l| !l.trim().is_empty()).count() - 1;

        let back = read_all(run_id, uuid)
            .await
            .unwrap_or_else(|e| panic!("run {run_id}: {e}"));
        assert!(back.run.is_some(), "run {run_id}: no run record");
        assert_eq!(
            back.tasks.len() as u64 + back.warnings.malformed_lines,
            task_lines as u64,
            "run {run_id}: every task line is either read or reported"
        );
        // Every task the API knows is in a complete manifest, with the same status semantics.
        for task in &back.tasks {
            assert!(
                tasks_json
                    .iter()
                    .any(|t| t["taskId"] == task.task_id.as_str()),
                "run {run_id}: manifest task {} unknown to the task list",
                task.task_id
            );
        }
        malformed_total += back.warnings.malformed_lines;
        checked += 1;
    }
    assert!(
        checked >= 5,
        "expected the fixture manifests, found {checked}"
    );
    assert_eq!(
        malformed_total, 1,
        "the fixtures carry exactly one malformed line"
    );
}
