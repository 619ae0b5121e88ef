//! [`EnrichmentBuilder`] without I/O: completeness, warnings, `enrichedAt`, and the cost of a 100,000-task record.

use std::time::Instant;

use super::{BuildInputs, EnrichedRun, EnrichmentBuilder, LogTail, ManifestRead, gunzip};
use crate::analysis::Settings;
use crate::ids::RunId;
use crate::manifest::{ManifestPage, ManifestRecord, ParseWarnings, parse_line};
use crate::omics::{Run, Task};
use crate::record::RunUuid;
use crate::status::{RunStatus, TaskStatus};
use crate::time::{format_timestamp, parse_timestamp};

const RUN: &str = r#"{"arn":"arn:aws:omics:us-east-1:1:run/5","uuid":"u","status":"FAILED","name":"from-manifest","workflow":"arn:aws:omics:us-east-1:1:workflow/77","engine":"WDL","stopTime":"2024-10-20T07:00:00Z"}"#;

fn task_line(id: u64, status: &str) -> String {
    format!(
        r#"{{"arn":"arn:aws:omics:us-east-1:1:task/{id}","name":"t{id}","status":"{status}","creationTime":"2024-10-20T05:00:{:02}Z","metrics":{{"cpusReserved":2,"cpusAverage":1,"runningSeconds":60}}}}"#,
        id % 60
    )
}

fn page(lines: &[String]) -> ManifestPage {
    let mut page = ManifestPage::default();
    for line in lines {
        match parse_line(line).unwrap() {
            ManifestRecord::Run(run) => page.run = Some(*run),
            ManifestRecord::Task(task) => page.tasks.push(*task),
        }
    }
    page
}

fn inputs(status: RunStatus) -> BuildInputs {
    BuildInputs {
        status,
        fallback_enriched_at: (
            parse_timestamp("2030-01-01T00:00:00Z").unwrap(),
            "eventTime",
        ),
        workflow_name: Some("wf".into()),
    }
}

fn read(lines: u64, malformed: u64) -> ManifestRead {
    ManifestRead {
        found: true,
        lines,
        digest: Some("sha256:ab".into()),
        warnings: ParseWarnings {
            malformed_lines: malformed,
            first_error: (malformed > 0).then(|| "line 3: not JSON".to_owned()),
        },
    }
}

fn built_run(
    builder: EnrichmentBuilder,
    status: RunStatus,
) -> (super::EnrichmentSummary, EnrichedRun) {
    let built = builder.build(inputs(status), &Settings::default()).unwrap();
    let run =
        serde_json::from_slice(&gunzip(&built.report.gzip.to_vec().unwrap()).unwrap()).unwrap();
    (built.summary, run)
}

#[test]
fn merges_get_run_over_the_manifest_and_flags_gaps() {
    let mut b = EnrichmentBuilder::new(
        RunId::parse("5").unwrap(),
        RunUuid::parse("u").unwrap(),
        "/aws/omics/WorkflowLog",
    );
    b.set_api_run(Run {
        name: Some("from-api".into()),
        status: Some(RunStatus::Failed),
        stop_time: Some(parse_timestamp("2024-10-20T07:00:05Z").unwrap()),
        ..Run::default()
    });
    b.add_manifest_page(page(&[
        RUN.to_owned(),
        task_line(1, "SUCCESS"),
        task_line(2, "FAILED"),
    ]));
    b.finish_manifest(read(4, 1));
    b.add_task_page(vec![
        Task {
            task_id: Some("1".into()),
            cache_hit: Some(false),
            ..Task::default()
        },
        Task {
            task_id: Some("2".into()),
            status: Some(TaskStatus::Failed),
            ..Task::default()
        },
        Task {
            task_id: Some("3".into()),
            status: Some(TaskStatus::Cancelled),
            ..Task::default()
        },
    ]);
    assert_eq!(b.tasks_missing_from_manifest(), 1);
    assert!(
        b.manifest_complete(),
        "one task missing, one line unreadable: as complete as it gets"
    );
    assert_eq!(b.failed_task_ids(10), [2]);
    b.add_failed_detail(
        2,
        Some(Task {
            task_id: Some("2".into()),
            failure_reason: Some("exit 1".into()),
            status_message: Some("boom".into()),
            ..Task::default()
        }),
        LogTail {
            lines: vec!["last".into()],
            note: None,
        },
    );

    let (summary, run) = built_run(b, RunStatus::Failed);
    assert_eq!(
        run.head.run.name.as_deref(),
        Some("from-api"),
        "GetRun wins"
    );
    assert_eq!(
        run.head.run.workflow_id.as_deref(),
        Some("77"),
        "the manifest fills gaps"
    );
    assert_eq!(run.head.run.engine.as_deref(), Some("WDL"));
    assert_eq!(run.head.enriched_at, "2024-10-20T07:00:05.000Z");
    assert_eq!(run.head.enriched_at_source, "runStopTime");
    assert_eq!(run.head.failed_tasks.len(), 1);
    let failed = &run.head.failed_tasks[0];
    assert_eq!(failed.failure_reason.as_deref(), Some("exit 1"));
    assert_eq!(failed.log_stream, "run/5/task/2");
    assert_eq!(failed.log_tail, ["last"]);
    assert_eq!(run.head.warnings.len(), 2, "{:?}", run.head.warnings);
    assert!(run.head.warnings[0].starts_with("1 manifest line(s) could not be read"));
    assert!(run.head.warnings[1].starts_with("1 task(s) listed by ListRunTasks"));
    // Sorted by creation time, the task without one last.
    let ids: Vec<&str> = run.tasks.iter().map(|t| t.task_id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(summary.workflow_name.as_deref(), Some("wf"));
    assert_eq!(summary.counts_by_status["FAILED"], 1);
    // Two tasks of 60 s each; the third never ran.
    assert_eq!(summary.task_hours, round(120.0 / 3600.0));
    assert_eq!(summary.quality(), 5 * 4 + 2 + 1);
}

fn round(x: f64) -> f64 {
    super::round_to(x, 6)
}

#[test]
fn without_get_run_or_manifest() {
    // Manifest only: enrichedAt is the manifest's stop time, and the gaps are named.
    let mut b = EnrichmentBuilder::new(
        RunId::parse("5").unwrap(),
        RunUuid::parse("u").unwrap(),
        "g",
    );
    b.add_manifest_page(page(&[RUN.to_owned(), task_line(1, "SUCCESS")]));
    b.finish_manifest(read(2, 0));
    assert_eq!(b.observed_status(), Some(RunStatus::Failed));
    let (summary, run) = built_run(b, RunStatus::Failed);
    assert_eq!(run.head.enriched_at_source, "manifestStopTime");
    assert_eq!(run.head.run.name.as_deref(), Some("from-manifest"));
    assert!(!summary.api_available && summary.manifest_complete);
    assert!(run.head.warnings[0].starts_with("GetRun did not return run 5 with uuid u"));
    assert!(
        run.head
            .warnings
            .iter()
            .any(|w| w.starts_with("ListRunTasks was not read"))
    );

    // Neither a manifest nor a stop time: the caller's fallback, and a record flagged incomplete.
    let mut b = EnrichmentBuilder::new(
        RunId::parse("5").unwrap(),
        RunUuid::parse("u").unwrap(),
        "g",
    );
    b.set_api_run(Run::default());
    b.finish_manifest(ManifestRead::default());
    b.mark_tasks_listed();
    assert!(!b.manifest_complete());
    let (summary, run) = built_run(b, RunStatus::Cancelled);
    assert_eq!(run.head.enriched_at, "2030-01-01T00:00:00.000Z");
    assert_eq!(run.head.enriched_at_source, "eventTime");
    assert_eq!(summary.manifest_digest, "none");
    assert!(!run.head.manifest_complete);
    assert!(
        run.head
            .warnings
            .iter()
            .any(|w| w.contains("was not found"))
    );
}

#[test]
#[ignore = "timing: cargo test --release -p omics-introspect --lib builder_tests -- --ignored --nocapture"]
fn hundred_thousand_tasks_build_time() {
    let n = 100_000u64;
    let lines: Vec<String> = (0..n)
        .map(|i| task_line(2_000_000 + i, "COMPLETED"))
        .collect();
    let page = page(&lines);
    let started = Instant::now();
    let mut b = EnrichmentBuilder::new(
        RunId::parse("5").unwrap(),
        RunUuid::parse("u").unwrap(),
        "g",
    );
    b.add_manifest_page(page);
    b.finish_manifest(read(n, 0));
    let merged = started.elapsed();
    let built = b
        .build(inputs(RunStatus::Completed), &Settings::default())
        .unwrap();
    eprintln!(
        "{n} tasks: merge {merged:?}, build {:?}, {} JSON bytes, {} gzip bytes, at {}",
        started.elapsed() - merged,
        built.report.json_bytes,
        built.report.gzip.len(),
        format_timestamp(&chrono::Utc::now())
    );
}

/// A task line of the adversarial shape: a long multi-byte name shared by three tasks and ungroupable, its own
/// canonical uuid and image digest.
fn adversarial_line(id: u64) -> String {
    let name = format!("名前🧬Éñ{}·{}ẞ", "漢字ü".repeat(70), id % 1_000);
    format!(
        r#"{{"arn":"arn:aws:omics:us-east-1:1:task/{id}","uuid":"{id:08x}-0000-4000-8000-{id:012x}","name":"{name}","status":"COMPLETED","instanceType":"omics.c.large","image":"img:1","imageDigest":"sha256:{id:064x}","creationTime":"2024-10-20T05:00:{:02}Z","startTime":"2024-10-20T05:01:00Z","stopTime":"2024-10-20T05:11:00Z","metrics":{{"cpusReserved":2,"cpusMaximum":1.25,"cpusAverage":1,"memoryReservedGiB":4,"memoryMaximumGiB":1.5,"memoryAverageGiB":1,"runningSeconds":600}}}}"#,
        id % 60
    )
}

#[test]
fn ungroupable_long_names_and_per_task_strings_survive_the_compact_rows() {
    use crate::record::fleet::{OTHER_GROUPS, TASK_GROUPS_KEPT};

    let n = 3_000u64;
    let lines: Vec<String> = (1..=n).map(adversarial_line).collect();
    let mut b = EnrichmentBuilder::new(
        RunId::parse("5").unwrap(),
        RunUuid::parse("u").unwrap(),
        "g",
    );
    b.add_manifest_page(page(&lines));
    b.finish_manifest(read(n, 0));
    let built = b
        .build(inputs(RunStatus::Completed), &Settings::default())
        .unwrap();
    let run: EnrichedRun =
        serde_json::from_slice(&gunzip(&built.report.gzip.to_vec().unwrap()).unwrap()).unwrap();
    assert_eq!(run.tasks.len() as u64, n);
    let expected: std::collections::HashMap<String, serde_json::Value> = lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["arn"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned(),
                v,
            )
        })
        .collect();
    for task in &run.tasks {
        let line = &expected[&task.task_id];
        assert_eq!(task.uuid.as_deref(), line["uuid"].as_str());
        assert_eq!(task.name.as_deref(), line["name"].as_str());
        assert_eq!(task.image_digest.as_deref(), line["imageDigest"].as_str());
        assert_eq!(task.maximum.unwrap().cpus, Some(1.25));
    }
    // 1,000 distinct names, each its own group: the kept groups plus one folded entry, every task counted once.
    let groups = built.summary.facts.unwrap().task_groups;
    assert_eq!(groups.len(), TASK_GROUPS_KEPT + 1);
    assert_eq!(groups.last().unwrap().base_name, OTHER_GROUPS);
    assert_eq!(groups.iter().map(|g| g.tasks).sum::<u64>(), n);
    assert!(groups[..TASK_GROUPS_KEPT].iter().all(|g| g.tasks == 3));
    let sizing = run.head.rightsizing.clone().unwrap();
    assert_eq!(sizing.groups.len() as u64 + sizing.groups_omitted, 1_000);
    let lake = crate::lake::build_objects(
        &run.head,
        &run.tasks,
        &Settings::default().prices,
        Some("wf"),
    )
    .unwrap();
    assert_eq!(
        lake.tasks.to_vec().unwrap(),
        built.lake.tasks.to_vec().unwrap(),
        "the one-pass lake object equals one built from the record"
    );
}
