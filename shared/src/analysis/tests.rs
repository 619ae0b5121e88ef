//! The analyzer on a small hand-made run: every expected number below is computed by hand in the comments, from
//! the bundled us-east-1 prices (omics.c.large 0.1148, omics.m.large 0.1296, omics.m.xlarge 0.2592,
//! omics.c.4xlarge 0.918, omics.g5.2xlarge 1.6362 USD/hour; Run Storage 0.0001918 USD/GiB-hour).

use super::diagnosis::FailureClass;
use super::rightsizing::{Action, needed};
use super::*;
use crate::record::{
    EnrichedRun, EnrichedTask, FailedTask, ManifestInfo, ReportHead, ReportSummary, Resources,
    RunInfo, RunUuid, SourceFlags,
};
use crate::status::{RunStatus, TaskStatus};
use crate::time::{Timestamp, parse_timestamp};

pub(crate) fn at(text: &str) -> Option<Timestamp> {
    Some(parse_timestamp(text).unwrap())
}

pub(crate) fn head(run_id: &str, status: RunStatus, run: RunInfo) -> ReportHead {
    ReportHead {
        schema_version: 1,
        run_id: run_id.into(),
        // A distinct, HealthOmics-shaped uuid per run id.
        uuid: RunUuid::parse(&format!("0c7a6a8e-1b1e-4c58-9d4f-{run_id:0>12}")).unwrap(),
        arn: Some(format!("arn:aws:omics:us-east-1:123456789012:run/{run_id}")),
        status,
        enriched_at: "2024-01-01T02:00:00.000Z".into(),
        enriched_at_source: "runStopTime".into(),
        sources: SourceFlags::default(),
        manifest_complete: true,
        manifest: ManifestInfo::default(),
        run,
        parameters: None,
        resource_digests: None,
        summary: ReportSummary::default(),
        failed_tasks: Vec::new(),
        cost: None,
        rightsizing: None,
        diagnosis: None,
        warnings: Vec::new(),
    }
}

fn resources(cpus: f64, memory: f64) -> Option<Resources> {
    Some(Resources {
        cpus: Some(cpus),
        memory_gib: Some(memory),
        gpus: None,
    })
}

/// A task that started at 00:00 (times without fractions, as real manifests have them).
pub(crate) fn task(
    id: &str,
    name: &str,
    instance: &str,
    running: f64,
    max: (f64, f64),
) -> EnrichedTask {
    EnrichedTask {
        task_id: id.into(),
        name: Some(name.into()),
        status: Some(TaskStatus::Completed),
        source: "both".into(),
        instance_type: Some(instance.into()),
        creation_time: at("2024-01-01T00:00:00Z"),
        start_time: at("2024-01-01T00:01:00Z"),
        stop_time: Some(
            at("2024-01-01T00:01:00Z").unwrap() + chrono::Duration::seconds(running as i64),
        ),
        queue_seconds: Some(60.0),
        running_seconds: Some(running),
        maximum: resources(max.0, max.1),
        cache_hit: Some(false),
        ..EnrichedTask::default()
    }
}

pub(crate) fn sample_run() -> EnrichedRun {
    let run = RunInfo {
        name: Some("germline".into()),
        engine: Some("WDL".into()),
        storage_type: Some("STATIC".into()),
        storage_capacity: Some(1200),
        creation_time: at("2023-12-31T23:55:00Z"),
        start_time: at("2024-01-01T00:00:00Z"),
        stop_time: at("2024-01-01T02:00:00Z"),
        failure_reason: Some("WORKFLOW_RUN_FAILED".into()),
        ..RunInfo::default()
    };
    let mut gpu = task(
        "3",
        "DeepVariantGpu-0-1",
        "omics.g5.2xlarge",
        1800.0,
        (6.0, 20.0),
    );
    gpu.requested = Some(Resources {
        cpus: Some(8.0),
        memory_gib: Some(32.0),
        gpus: Some(1.0),
    });
    let cached = EnrichedTask {
        task_id: "5".into(),
        name: Some("GetBwaVersion-0-1".into()),
        status: Some(TaskStatus::Completed),
        source: "both".into(),
        cache_hit: Some(true),
        ..EnrichedTask::default()
    };
    let mut failed = task("6", "MergeBams-0-1", "omics.r.xlarge", 120.0, (0.9, 31.9));
    failed.status = Some(TaskStatus::Failed);
    failed.failure_reason = Some("Task failed with exit code 137".into());
    failed.reserved = resources(4.0, 32.0);
    let mut head = head("1000001", RunStatus::Failed, run);
    head.failed_tasks = vec![FailedTask {
        task_id: "6".into(),
        name: Some("MergeBams-0-1".into()),
        failure_reason: Some("Task failed with exit code 137".into()),
        status_message: Some("OutOfMemoryError: Container killed due to memory usage".into()),
        log_stream: "run/1000001/task/6".into(),
        log_tail: vec!["picard MergeBamAlignment".into(), "Killed".into()],
        log_tail_note: None,
    }];
    EnrichedRun {
        head,
        tasks: vec![
            task("1", "BwaMem-0-1", "omics.m.large", 3600.0, (1.2, 2.5)),
            task("2", "BwaMem-1-1", "omics.m.large", 1800.0, (1.5, 3.2)),
            gpu,
            task(
                "4",
                "HaplotypeCaller-0-1",
                "omics.c.4xlarge",
                3600.0,
                (3.6, 10.0),
            ),
            cached,
            failed,
            task("7", "ShortTask-0-1", "omics.c.large", 12.0, (0.1, 0.2)),
        ],
    }
}

#[test]
fn headroom_rounds_before_ceiling() {
    // 10 × 1.1 is 11.000000000000002 in floating point; the need is 11, not 12.
    assert_eq!(needed(10.0, 0.1), 11);
    assert_eq!(needed(1.2, 0.1), 2);
    assert_eq!(needed(2.0, 0.0), 2);
    assert_eq!(needed(0.0, 0.1), 0);
    assert_eq!(needed(31.9, 0.1), 36);
}

#[test]
fn cost_of_the_sample_run() {
    let analysis = analyze(&sample_run(), &Settings::default());
    let cost = &analysis.cost;
    assert_eq!(cost.region.as_deref(), Some("us-east-1"));
    // 0.1296 × 1 h + 0.1296 × 0.5 h + 1.6362 × 0.5 h + 0.918 × 1 h + 0.1148 × 60/3600 h
    // = 0.1296 + 0.0648 + 0.8181 + 0.918 + 0.0019133… = 1.9324133…
    assert_eq!(cost.compute.usd, 1.932413);
    assert_eq!(cost.compute.tasks, 7);
    assert_eq!(cost.compute.cached_tasks, 1);
    assert_eq!(
        cost.compute.unpriced_tasks, 1,
        "omics.r.xlarge has no bundled price"
    );
    assert_eq!(cost.compute.minimum_billed_tasks, 1);
    assert!(!cost.compute.complete);
    // STATIC 1200 GiB × 2 h × 0.0001918 = 0.46032
    assert_eq!(cost.storage.usd, Some(0.46032));
    assert_eq!(cost.storage.billed_gib, Some(1200.0));
    assert_eq!(cost.total_usd, None);
    // 1.932413 + 0.46032
    assert_eq!(cost.known_usd, 2.392733);
    assert_eq!(
        cost.warnings,
        vec![
            "no price in us-east-1 for 1 instance type(s): omics.r.xlarge (1 task(s)); 1 task(s) have no \
             cost and the run total is unknown"
        ]
    );
    assert!(
        cost.basis
            .starts_with("total unknown: known part $2.392733"),
        "{}",
        cost.basis
    );
    assert_eq!(cost.compute.most_expensive[0].task_id, "4");
    assert_eq!(cost.compute.most_expensive[0].usd, Some(0.918));
    let m_large = cost
        .compute
        .by_instance_type
        .iter()
        .find(|t| t.instance_type == "omics.m.large")
        .unwrap();
    // 2 tasks, 1.5 h, 0.1296 × 1.5 = 0.1944
    assert_eq!(
        (m_large.tasks, m_large.billed_hours, m_large.usd),
        (2, 1.5, Some(0.1944))
    );
}

#[test]
fn rightsizing_of_the_sample_run() {
    let analysis = analyze(&sample_run(), &Settings::default());
    let sizing = &analysis.rightsizing;
    assert_eq!(sizing.headroom, 0.1);
    let group = |name: &str| sizing.groups.iter().find(|g| g.base_name == name).unwrap();

    // HaplotypeCaller: peak 3.6 vCPU / 10 GiB → need 4 / 11 → omics.m.xlarge (4, 16).
    // 0.918 × 1 h − 0.2592 × 1 h = 0.6588
    let hc = group("HaplotypeCaller");
    assert_eq!((hc.needed_cpus, hc.needed_memory_gib), (Some(4), Some(11)));
    assert_eq!(
        hc.recommended_instance_type.as_deref(),
        Some("omics.m.xlarge")
    );
    assert_eq!(hc.action, Action::Downsize);
    assert_eq!(hc.savings_usd, Some(0.6588));

    // BwaMem, two shards: largest peak 1.5 / 3.2 → need 2 / 4 → omics.c.large.
    // (0.1296 − 0.1148) × 1.5 h = 0.0222
    let bwa = group("BwaMem");
    assert_eq!(bwa.tasks, 2);
    assert_eq!(
        bwa.recommended_instance_type.as_deref(),
        Some("omics.c.large")
    );
    assert_eq!(
        (bwa.recommended_cpus, bwa.recommended_memory_gib),
        (Some(2), Some(4))
    );
    assert_eq!(bwa.current_usd, Some(0.1944));
    assert_eq!(bwa.recommended_usd, Some(0.1722));
    assert_eq!(bwa.savings_usd, Some(0.0222));

    // GPU tasks keep their type.
    assert_eq!(group("DeepVariantGpu").action, Action::KeepGpu);
    // Already the smallest fit.
    assert_eq!(group("ShortTask").action, Action::Keep);
    assert_eq!(group("ShortTask").savings_usd, Some(0.0));
    // Ran at its memory limit: 31.9 × 1.1 = 35.09 → 36 GiB → omics.r.2xlarge, unpriced.
    let merge = group("MergeBams");
    assert_eq!(merge.action, Action::Upsize);
    assert_eq!(
        merge.recommended_instance_type.as_deref(),
        Some("omics.r.2xlarge")
    );
    assert_eq!(merge.savings_usd, None);
    // Cached tasks are not sized.
    assert!(sizing.groups.iter().all(|g| g.base_name != "GetBwaVersion"));

    // Total: MergeBams' saving is unknown, so only the known part: 0.6588 + 0.0222 = 0.681.
    assert_eq!(sizing.total_savings_usd, None);
    assert_eq!(sizing.known_savings_usd, 0.681);
    assert_eq!(
        sizing.groups[0].base_name, "HaplotypeCaller",
        "largest saving first"
    );

    // Per task: BwaMem-0-1 alone: 1.2 / 2.5 → 2 / 3 → c.large: (0.1296 − 0.1148) × 1 h = 0.0148.
    let t1 = sizing.tasks.iter().find(|t| t.task_id == "1").unwrap();
    assert_eq!(t1.savings_usd, Some(0.0148));
    assert_eq!(sizing.tasks[0].task_id, "4");

    assert!(
        sizing.warnings[0].contains("omics.r.2xlarge"),
        "{:?}",
        sizing.warnings
    );
    let wdl = sizing.wdl_runtime.as_deref().unwrap();
    assert!(
        wdl.contains("# task BwaMem: omics.m.large -> omics.c.large"),
        "{wdl}"
    );
    assert!(
        wdl.contains("runtime {\n    cpu: 4\n    memory: \"16 GiB\"\n}"),
        "{wdl}"
    );
    assert!(wdl.contains("cpu: 8\n    memory: \"64 GiB\""), "{wdl}");
    assert!(
        !wdl.contains("ShortTask") && !wdl.contains("DeepVariant"),
        "{wdl}"
    );
    assert_eq!(
        sizing.nextflow_config, None,
        "a WDL run gets WDL snippets only"
    );
}

#[test]
fn diagnosis_of_the_sample_run() {
    let analysis = analyze(&sample_run(), &Settings::default());
    let diagnosis = analysis.diagnosis.unwrap();
    assert_eq!(diagnosis.failed_task_count, 1);
    assert_eq!(diagnosis.first_failure_task_id.as_deref(), Some("6"));
    let task = &diagnosis.tasks[0];
    assert!(task.first);
    assert_eq!(task.class, FailureClass::OutOfMemory);
    assert_eq!(task.exit_code, Some(137));
    assert_eq!(task.log_tail, vec!["picard MergeBamAlignment", "Killed"]);
    assert!(
        task.next_step.contains("double it to 64 GiB"),
        "{}",
        task.next_step
    );
    assert_eq!(
        diagnosis.run_failure_reason.as_deref(),
        Some("WORKFLOW_RUN_FAILED")
    );
    assert!(
        diagnosis
            .summary
            .starts_with("1 task(s) failed; the first was MergeBams-0-1 (out of memory)"),
        "{}",
        diagnosis.summary
    );
}

#[test]
fn nextflow_runs_get_a_process_config() {
    let mut run = sample_run();
    run.head.run.engine = Some("NEXTFLOW".into());
    run.tasks = vec![
        task(
            "1",
            "NFCORE:STAR_ALIGN (S1)",
            "omics.r.4xlarge",
            600.0,
            (5.0, 40.0),
        ),
        task(
            "2",
            "NFCORE:STAR_ALIGN (S2)",
            "omics.r.4xlarge",
            600.0,
            (7.2, 41.3),
        ),
    ];
    let sizing = analyze(&run, &Settings::default()).rightsizing;
    // Largest shard 7.2 / 41.3 → 8 (7.92) / 46 (45.43) → omics.r.2xlarge (8, 64).
    let group = &sizing.groups[0];
    assert_eq!(group.base_name, "NFCORE:STAR_ALIGN");
    assert_eq!(group.tasks, 2);
    assert_eq!(
        group.recommended_instance_type.as_deref(),
        Some("omics.r.2xlarge")
    );
    let config = sizing.nextflow_config.unwrap();
    assert!(
        config.contains(
            "    withName: 'NFCORE:STAR_ALIGN' {\n        cpus = 8\n        memory = '64 GB'\n    }"
        ),
        "{config}"
    );
    assert!(
        config.starts_with("// omics-introspect right-sizing (10% headroom)"),
        "{config}"
    );
    assert_eq!(sizing.wdl_runtime, None);
}

#[test]
fn runs_without_failures_have_no_diagnosis_and_unknown_regions_no_cost() {
    let mut run = sample_run();
    run.head.status = RunStatus::Completed;
    run.tasks.retain(|t| t.status != Some(TaskStatus::Failed));
    run.head.arn = Some("arn:aws:omics:xx-nowhere-1:123456789012:run/1".into());
    let analysis = analyze(&run, &Settings::default());
    assert_eq!(analysis.diagnosis, None);
    assert_eq!(analysis.cost.compute.usd, 0.0);
    assert_eq!(analysis.cost.total_usd, None);
    assert_eq!(analysis.cost.storage.usd, None);
    assert!(
        analysis.cost.warnings[0]
            .starts_with("the price table has no prices for xx-nowhere-1: 5 task(s)"),
        "{:?}",
        analysis.cost.warnings
    );
}

#[test]
fn groups_listed_are_capped_but_totals_count_all() {
    let mut run = sample_run();
    // 250 distinct task names on omics.m.large that fit omics.c.large: (0.1296 − 0.1148) × 1 h = 0.0148 each.
    run.tasks = (0..250)
        .map(|i| {
            task(
                &i.to_string(),
                &format!("Step{i}"),
                "omics.m.large",
                3600.0,
                (1.0, 2.0),
            )
        })
        .collect();
    let sizing = analyze(&run, &Settings::default()).rightsizing;
    assert_eq!(sizing.groups.len(), rightsizing::GROUPS_LISTED);
    assert_eq!(sizing.groups_omitted, 50);
    // 250 × 0.0148 = 3.7
    assert_eq!(sizing.total_savings_usd, Some(3.7));
}
