//! The synthetic germline WDL pipeline: its calls, how many shards each gets, which tasks are cached, failed,
//! cancelled or still in flight, and the instance type each task runs on.

use omics_introspect::analysis::instances::{self, InstanceSpec};

use super::SyntheticSpec;

/// The GPU instance synthetic GPU tasks run on (one GPU).
pub const GPU_INSTANCE_TYPE: &str = "omics.g5.2xlarge";

/// One call of the synthetic germline WDL pipeline.
pub(super) struct Step {
    pub(super) call: &'static str,
    pub(super) image: &'static str,
    pub(super) source_image: &'static str,
    pub(super) cpus: u32,
    pub(super) memory_gib: u32,
    /// Typical wall-clock seconds of one shard.
    pub(super) seconds: u32,
    /// 0 for a call that runs once, otherwise its share of the scattered tasks.
    weight: usize,
}

pub(super) const BWA: &str = "bwa:0.7.17";
pub(super) const GATK: &str = "gatk:4.5.0.0";
pub(super) const PICARD: &str = "picard:3.1.1";

#[rustfmt::skip]
pub(super) const PIPELINE: [Step; 13] = [
    Step { call: "GetBwaVersion", image: BWA, source_image: "biocontainers/bwa:0.7.17", cpus: 1, memory_gib: 2, seconds: 25, weight: 0 },
    Step { call: "BwaMem", image: BWA, source_image: "biocontainers/bwa:0.7.17", cpus: 16, memory_gib: 32, seconds: 1800, weight: 4 },
    Step { call: "MergeBamAlignment", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 2, memory_gib: 8, seconds: 600, weight: 2 },
    Step { call: "MarkDuplicates", image: PICARD, source_image: "broadinstitute/picard:3.1.1", cpus: 4, memory_gib: 32, seconds: 2400, weight: 0 },
    Step { call: "SortAndFixTags", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 8, memory_gib: 32, seconds: 1500, weight: 0 },
    Step { call: "CreateSequenceGroupingTSV", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 1, memory_gib: 2, seconds: 15, weight: 0 },
    Step { call: "BaseRecalibrator", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 2, memory_gib: 6, seconds: 420, weight: 3 },
    Step { call: "GatherBqsrReports", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 1, memory_gib: 4, seconds: 40, weight: 0 },
    Step { call: "ApplyBQSR", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 2, memory_gib: 6, seconds: 510, weight: 3 },
    Step { call: "GatherBamFiles", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 2, memory_gib: 4, seconds: 300, weight: 0 },
    Step { call: "HaplotypeCaller", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 4, memory_gib: 16, seconds: 1250, weight: 6 },
    Step { call: "MergeVCFs", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 2, memory_gib: 8, seconds: 130, weight: 0 },
    Step { call: "CollectVariantCallingMetrics", image: GATK, source_image: "broadinstitute/gatk:4.5.0.0", cpus: 2, memory_gib: 8, seconds: 190, weight: 0 },
];

/// Where the GPU call sits in the pipeline (before HaplotypeCaller).
const GPU_STEP_AT: usize = 10;
pub(super) const GPU_STEP: Step = Step {
    call: "DeepVariantGpu",
    image: "clara-parabricks:4.3.1-1",
    source_image: "nvcr.io/nvidia/clara/clara-parabricks:4.3.1-1",
    cpus: 8,
    memory_gib: 32,
    seconds: 900,
    weight: 1,
};

/// Sample names a run is about.
pub(super) const SAMPLES: [&str; 8] = [
    "NA12878", "HG002", "HG003", "HG004", "NA24385", "NA12891", "NA12892", "HG005",
];

/// What happens to a planned task.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Normal,
    Gpu,
    Cached,
    Failed,
    Cancelled,
    Running,
    Pending,
}

/// One task of the plan: its call, its shard of that call, and what happens to it.
pub(super) struct Planned {
    pub(super) step: &'static Step,
    pub(super) shard: usize,
    pub(super) kind: Kind,
}

/// Orders the tasks along the pipeline and gives each one its kind.
pub(super) fn plan_tasks(
    spec: &SyntheticSpec,
    status: &str,
    terminal: bool,
    rng: &mut fastrand::Rng,
) -> Vec<Planned> {
    let shards = shard_counts(spec.tasks - spec.gpu);
    let mut plan = Vec::with_capacity(spec.tasks);
    for (i, step) in PIPELINE.iter().enumerate() {
        if i == GPU_STEP_AT {
            plan.extend((0..spec.gpu).map(|shard| Planned {
                step: &GPU_STEP,
                shard,
                kind: Kind::Gpu,
            }));
        }
        plan.extend((0..shards[i]).map(|shard| Planned {
            step,
            shard,
            kind: Kind::Normal,
        }));
    }
    if GPU_STEP_AT >= PIPELINE.len() {
        plan.extend((0..spec.gpu).map(|shard| Planned {
            step: &GPU_STEP,
            shard,
            kind: Kind::Gpu,
        }));
    }

    assign_kinds(&mut plan, spec, status, terminal, rng);
    plan
}

/// Shards per pipeline step for `cpu_tasks` tasks: one per step while they last, the rest spread over the
/// scattered steps by weight.
fn shard_counts(cpu_tasks: usize) -> Vec<usize> {
    let mut shards = vec![0usize; PIPELINE.len()];
    if cpu_tasks <= PIPELINE.len() {
        shards.iter_mut().take(cpu_tasks).for_each(|s| *s = 1);
    } else {
        shards.iter_mut().for_each(|s| *s = 1);
        let extra = cpu_tasks - PIPELINE.len();
        let total_weight: usize = PIPELINE.iter().map(|s| s.weight).sum();
        let mut given = 0;
        let last_scatter = PIPELINE
            .iter()
            .rposition(|s| s.weight > 0)
            .expect("a scattered step");
        for (i, step) in PIPELINE.iter().enumerate() {
            if step.weight == 0 {
                continue;
            }
            let share = if i == last_scatter {
                extra - given
            } else {
                extra * step.weight / total_weight
            };
            shards[i] += share;
            given += share;
        }
    }
    shards
}

/// Gives each planned task its kind: cache hits first, then a cancelled tail and failures for FAILED and
/// CANCELLED runs, failures spread at random otherwise, and an in-flight tail for runs that are not terminal.
fn assign_kinds(
    plan: &mut [Planned],
    spec: &SyntheticSpec,
    status: &str,
    terminal: bool,
    rng: &mut fastrand::Rng,
) {
    // Cache hits: the first CPU tasks (a re-run serves the early calls from the cache).
    let mut normal: Vec<usize> = (0..plan.len())
        .filter(|&i| plan[i].kind == Kind::Normal)
        .collect();
    for &i in normal.iter().take(spec.cached) {
        plan[i].kind = Kind::Cached;
    }
    normal.drain(..spec.cached.min(normal.len()));

    match status {
        "FAILED" | "CANCELLED" => {
            // The tail is cancelled; for a FAILED run the failures come just before it.
            let available = normal.len() - spec.failed;
            let cancelled = if plan.len() >= 3 {
                (plan.len() / 10).max(1).min(available)
            } else {
                0
            };
            for &i in &normal[normal.len() - cancelled..] {
                plan[i].kind = Kind::Cancelled;
            }
            normal.truncate(normal.len() - cancelled);
            let failed_from = if status == "FAILED" {
                normal.len() - spec.failed
            } else {
                0
            };
            pick_failed(
                plan,
                &mut normal,
                spec.failed,
                failed_from,
                status == "FAILED",
                rng,
            );
        }
        _ if !terminal => {
            pick_failed(plan, &mut normal, spec.failed, 0, false, rng);
            // The tail is still in flight: the first half of it running, the rest pending.
            let in_flight = (plan.len() / 5).max(1).min(normal.len());
            let tail = &normal[normal.len() - in_flight..];
            let running = tail.len().div_ceil(2);
            for (k, &i) in tail.iter().enumerate() {
                plan[i].kind = if k < running {
                    Kind::Running
                } else {
                    Kind::Pending
                };
            }
        }
        _ => pick_failed(plan, &mut normal, spec.failed, 0, false, rng),
    }
}

/// Marks `count` of the `normal` tasks FAILED: the ones from `from` on when `contiguous`, otherwise spread at
/// random (failed attempts in a run that went on). Removes them from `normal`.
fn pick_failed(
    plan: &mut [Planned],
    normal: &mut Vec<usize>,
    count: usize,
    from: usize,
    contiguous: bool,
    rng: &mut fastrand::Rng,
) {
    if count == 0 {
        return;
    }
    let chosen: Vec<usize> = if contiguous {
        normal[from..from + count].to_vec()
    } else {
        let mut candidates = normal.clone();
        rng.shuffle(&mut candidates);
        candidates.truncate(count);
        candidates
    };
    for &i in &chosen {
        plan[i].kind = Kind::Failed;
    }
    normal.retain(|&i| plan[i].kind != Kind::Failed);
}

/// The instance a planned task runs on: the GPU type for GPU tasks, otherwise the smallest general-purpose type
/// of the shared catalogue that holds the call's request.
pub(super) fn instance_for(step: &Step, kind: Kind) -> InstanceSpec {
    let instance = if kind == Kind::Gpu {
        instances::parse(GPU_INSTANCE_TYPE)
    } else {
        instances::smallest_fit(step.cpus, step.memory_gib)
    };
    instance.expect("pipeline steps fit an instance of the catalogue")
}
