//! Synthetic HealthOmics runs: a GetRun body, GetRunTask bodies and the run manifest, all consistent with each
//! other and deterministic for a seed.
//!
//! The shapes follow `shared/reference/healthomics-facts.md`: camelCase members, ISO-8601 timestamps in UTC with
//! milliseconds, absent members omitted (never null). Task names look like a germline WDL pipeline
//! (`<call>-<shard>-<attempt>`, e.g. `BwaMem-3-1`), requested cpus/memory map to the smallest `omics.{c,m,r}`
//! instance of the shared catalogue (`shared/data/instances.json`) that fits, GPU tasks run on `omics.g5.2xlarge`,
//! and manifest metrics keep
//! `reserved >= maximum >= average` and `runningSeconds = stopTime - startTime`.
//!
//! Deliberate simplifications, which the hand-written fixtures under `tests/fixtures/runs` do not share:
//! - the output is clean: no manifest quirks other than the requested malformed (truncated) lines;
//! - cached tasks have no creation/start/stop time, no `instanceType` and no manifest `metrics`; their manifest
//!   lines carry `cacheHit: true` and `cacheS3Uri` like their GetRunTask bodies;
//! - runs that are not terminal (PENDING, STARTING, RUNNING, STOPPING) have no manifest;
//! - FAILED and CANCELLED runs cancel the tail of the pipeline (about a tenth of the tasks).
//!
//! Generating 100,000 tasks takes under a second in a release build; task lines of the manifest stay under 1 KiB,
//! the run line under 2 KiB.

mod events;
mod fixtures;
mod format;
mod pipeline;
mod run;
mod shape;
mod tasks;
mod timeline;

use serde_json::Value;

pub use events::event_stream;
pub use fixtures::{to_seed_body, write_fixture_dir};
pub use format::{is_uuid_v4, iso_millis, uuid_v4};
pub use pipeline::GPU_INSTANCE_TYPE;
pub use shape::{ADVERSARIAL_NAME_CHARS, Shape, adversarial_name};

use pipeline::plan_tasks;
use run::{RunFacts, RunIds};
use tasks::SynthTask;
use timeline::Timeline;

/// The AWS account every synthetic ARN uses.
pub const ACCOUNT_ID: &str = "123456789012";
/// The region every synthetic ARN uses.
pub const REGION: &str = "us-east-1";
/// The CloudWatch Logs group HealthOmics writes run, task and manifest logs to.
pub const LOG_GROUP: &str = "/aws/omics/WorkflowLog";

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticSpec {
    /// Numeric run id (`[0-9]+`, 1–18 characters).
    pub run_id: String,
    /// Run uuid; derived from the seed when `None`.
    pub uuid: Option<String>,
    /// Number of tasks.
    pub tasks: usize,
    /// Tasks with status FAILED.
    pub failed: usize,
    /// Tasks served from the run cache (`cacheHit: true`, no times).
    pub cached: usize,
    /// Tasks on a GPU instance (`omics.g5.2xlarge`, one GPU).
    pub gpu: usize,
    /// Seed of the pseudo-random generator: the same spec gives the same run.
    pub seed: u64,
    /// Run status: PENDING, STARTING, RUNNING, STOPPING, COMPLETED, DELETED, CANCELLED or FAILED.
    pub status: String,
    /// Manifest task lines to truncate into invalid JSON (never the run line).
    pub malformed_lines: usize,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        Self {
            run_id: "9000001".to_owned(),
            uuid: None,
            tasks: 10,
            failed: 0,
            cached: 0,
            gpu: 0,
            seed: 42,
            status: "COMPLETED".to_owned(),
            malformed_lines: 0,
        }
    }
}

/// A generated run.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticRun {
    /// The GetRun response body.
    pub run: Value,
    /// GetRunTask response bodies, in creation order.
    pub tasks: Vec<Value>,
    /// Manifest lines as HealthOmics writes them to CloudWatch Logs: the run object first, then the tasks in no
    /// particular order. Empty for runs that are not terminal.
    pub manifest: Vec<String>,
}

/// Generates a run of the pipeline shape. Panics when `failed + cached + gpu > tasks` or the run id is not numeric.
pub fn generate(spec: &SyntheticSpec) -> SyntheticRun {
    generate_shaped(spec, Shape::Pipeline)
}

/// Generates a run of data shape `shape` ([`Shape`]); panics like [`generate`].
pub fn generate_shaped(spec: &SyntheticSpec, shape: Shape) -> SyntheticRun {
    check_spec(spec);
    let status = spec.status.to_ascii_uppercase();
    let terminal = matches!(
        status.as_str(),
        "COMPLETED" | "FAILED" | "CANCELLED" | "DELETED"
    );
    // The run id takes part in the seed: two runs with the same seed still get their own uuids and task ids.
    let id_number: u64 = spec.run_id.parse().expect("numeric run id");
    let mut rng =
        fastrand::Rng::with_seed(spec.seed ^ id_number.wrapping_mul(0x9E37_79B9_7F4A_7C15));

    let ids = RunIds::draw(spec, &mut rng);
    let plan = plan_tasks(spec, &status, terminal, &mut rng);
    let mut timeline = Timeline::start(&mut rng);
    let mut tasks = Vec::with_capacity(plan.len());
    let mut lines: Vec<String> = Vec::with_capacity(if terminal { plan.len() + 1 } else { 0 });
    let mut first_failed: Option<(String, String)> = None;
    for (ordinal, planned) in plan.iter().enumerate() {
        let mut task = SynthTask::draw(&ids, planned, &mut timeline, &mut rng);
        shape.apply(&mut task, ordinal, plan.len(), &mut rng);
        if task.failed() && first_failed.is_none() {
            first_failed = Some((task.name.clone(), task.id.clone()));
        }
        tasks.push(task.api_body(&ids));
        if terminal {
            lines.push(task.manifest_line(&ids, &mut rng));
        }
    }

    let stop = terminal.then(|| timeline.run_stop(&mut rng));
    let storage_max = 180.0 + rng.f64() * 820.0;
    let storage_avg = storage_max * (0.35 + rng.f64() * 0.45);
    let facts = RunFacts {
        ids: &ids,
        status: &status,
        plan: &plan,
        timeline: &timeline,
        stop,
        first_failed: first_failed
            .as_ref()
            .map(|(name, id)| (name.as_str(), id.as_str())),
    };
    let run = facts.api_body();
    let manifest = if terminal {
        let run_line = facts.manifest_line((storage_max, storage_avg));
        assemble_manifest(run_line, lines, spec.malformed_lines, &mut rng)
    } else {
        Vec::new()
    };
    SyntheticRun {
        run,
        tasks,
        manifest,
    }
}

/// Panics unless the run id is 1-18 digits and the special tasks fit in the run.
fn check_spec(spec: &SyntheticSpec) {
    assert!(
        !spec.run_id.is_empty()
            && spec.run_id.len() <= 18
            && spec.run_id.bytes().all(|b| b.is_ascii_digit()),
        "run id must be 1-18 digits, got {:?}",
        spec.run_id
    );
    assert!(
        spec.failed + spec.cached + spec.gpu <= spec.tasks,
        "failed ({}) + cached ({}) + gpu ({}) exceed tasks ({})",
        spec.failed,
        spec.cached,
        spec.gpu,
        spec.tasks
    );
}

/// The run line first, then the task lines shuffled, `malformed` of them (spread over the manifest) cut in half.
fn assemble_manifest(
    run_line: String,
    mut task_lines: Vec<String>,
    malformed: usize,
    rng: &mut fastrand::Rng,
) -> Vec<String> {
    let mut manifest = Vec::with_capacity(task_lines.len() + 1);
    manifest.push(run_line);
    rng.shuffle(&mut task_lines);
    manifest.append(&mut task_lines);
    let task_lines = manifest.len() - 1;
    let malformed = malformed.min(task_lines);
    for k in 0..malformed {
        let index = 1 + k * task_lines / malformed;
        let line = &mut manifest[index];
        let cut = line.len() / 2;
        line.truncate(cut);
    }
    manifest
}

#[cfg(test)]
mod tests;
