//! Synthetic HealthOmics runs: a GetRun body, GetRunTask bodies and the run manifest, all consistent with each
//! other and deterministic for a seed.
//!
//! The shapes follow `shared/reference/healthomics-facts.md`: camelCase members, ISO-8601 timestamps in UTC with
//! milliseconds, absent members omitted (never null). Task names look like a germline WDL pipeline
//! (`<call>-<shard>-<attempt>`, e.g. `BwaMem-3-1`), requested cpus/memory map to the smallest `omics.{c,m,r}`
//! instance that fits, GPU tasks run on `omics.g5.2xlarge`, and manifest metrics keep
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

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use serde_json::{Map, Value, json};

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

/// An `omics.*` instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    /// Family: `c`, `m`, `r`, or a GPU family such as `g5`.
    pub family: &'static str,
    /// Size: `large`, `xlarge`, `2xlarge`, ...
    pub size: &'static str,
    /// vCPUs.
    pub vcpus: u32,
    /// Memory in GiB.
    pub memory_gib: u32,
    /// GPUs.
    pub gpus: u32,
}

impl Instance {
    /// The instance type name, e.g. `omics.m.xlarge`.
    pub fn name(&self) -> String {
        format!("omics.{}.{}", self.family, self.size)
    }
}

/// Sizes from small to large with their vCPUs.
pub const SIZES: [(&str, u32); 9] = [
    ("large", 2),
    ("xlarge", 4),
    ("2xlarge", 8),
    ("4xlarge", 16),
    ("8xlarge", 32),
    ("12xlarge", 48),
    ("16xlarge", 64),
    ("24xlarge", 96),
    ("48xlarge", 192),
];

/// CPU families with their GiB of memory per vCPU.
pub const FAMILIES: [(&str, u32); 3] = [("c", 2), ("m", 4), ("r", 8)];

/// The GPU instance synthetic GPU tasks run on.
pub const GPU_INSTANCE: Instance = Instance {
    family: "g5",
    size: "2xlarge",
    vcpus: 8,
    memory_gib: 32,
    gpus: 1,
};

/// The smallest `omics.{c,m,r}` instance with at least `cpus` vCPUs and `memory_gib` GiB: sizes from small to
/// large, within a size c → m → r. `None` when nothing is big enough.
pub fn smallest_instance(cpus: u32, memory_gib: u32) -> Option<Instance> {
    SIZES.iter().find_map(|&(size, vcpus)| {
        if vcpus < cpus {
            return None;
        }
        FAMILIES.iter().find_map(|&(family, per_vcpu)| {
            (vcpus * per_vcpu >= memory_gib).then_some(Instance {
                family,
                size,
                vcpus,
                memory_gib: vcpus * per_vcpu,
                gpus: 0,
            })
        })
    })
}

/// Parses an instance type name back into vCPUs, memory and GPUs; knows the CPU families and `omics.g5.*` /
/// `omics.g4dn.*`.
pub fn parse_instance(name: &str) -> Option<Instance> {
    let (family, size) = name.strip_prefix("omics.")?.split_once('.')?;
    let &(size, vcpus) = SIZES.iter().find(|(s, _)| *s == size)?;
    if let Some(&(family, per_vcpu)) = FAMILIES.iter().find(|(f, _)| *f == family) {
        return Some(Instance {
            family,
            size,
            vcpus,
            memory_gib: vcpus * per_vcpu,
            gpus: 0,
        });
    }
    // g5 and g4dn: 4 GiB per vCPU from 2xlarge up, 16 GiB at xlarge; one GPU, four at 12xlarge and 24xlarge,
    // eight at 48xlarge.
    let family = match family {
        "g5" => "g5",
        "g4dn" => "g4dn",
        _ => return None,
    };
    let memory_gib = if vcpus <= 4 { 16 } else { vcpus * 4 };
    let gpus = match size {
        "12xlarge" | "24xlarge" => 4,
        "48xlarge" => 8,
        _ => 1,
    };
    Some(Instance {
        family,
        size,
        vcpus,
        memory_gib,
        gpus,
    })
}

/// One call of the synthetic germline WDL pipeline.
struct Step {
    call: &'static str,
    image: &'static str,
    source_image: &'static str,
    cpus: u32,
    memory_gib: u32,
    /// Typical wall-clock seconds of one shard.
    seconds: u32,
    /// 0 for a call that runs once, otherwise its share of the scattered tasks.
    weight: usize,
}

const BWA: &str = "bwa:0.7.17";
const GATK: &str = "gatk:4.5.0.0";
const PICARD: &str = "picard:3.1.1";

#[rustfmt::skip]
const PIPELINE: [Step; 13] = [
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
const GPU_STEP: Step = Step {
    call: "DeepVariantGpu",
    image: "clara-parabricks:4.3.1-1",
    source_image: "nvcr.io/nvidia/clara/clara-parabricks:4.3.1-1",
    cpus: 8,
    memory_gib: 32,
    seconds: 900,
    weight: 1,
};

const SAMPLES: [&str; 8] = [
    "NA12878", "HG002", "HG003", "HG004", "NA24385", "NA12891", "NA12892", "HG005",
];

/// Milliseconds since the Unix epoch of 2024-10-01T00:00:00Z.
const EPOCH_2024_10_01_MS: i64 = 1_727_740_800_000;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    Gpu,
    Cached,
    Failed,
    Cancelled,
    Running,
    Pending,
}

struct Planned {
    step: &'static Step,
    shard: usize,
    kind: Kind,
}

/// Generates a run. Panics when `failed + cached + gpu > tasks` or the run id is not numeric.
pub fn generate(spec: &SyntheticSpec) -> SyntheticRun {
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
    let status = spec.status.to_ascii_uppercase();
    let terminal = matches!(
        status.as_str(),
        "COMPLETED" | "FAILED" | "CANCELLED" | "DELETED"
    );
    // The run id takes part in the seed: two runs with the same seed still get their own uuids and task ids.
    let id_number: u64 = spec.run_id.parse().expect("numeric run id");
    let mut rng =
        fastrand::Rng::with_seed(spec.seed ^ id_number.wrapping_mul(0x9E37_79B9_7F4A_7C15));

    let run_id = spec.run_id.as_str();
    let run_arn = format!("arn:aws:omics:{REGION}:{ACCOUNT_ID}:run/{run_id}");
    let run_uuid = spec.uuid.clone().unwrap_or_else(|| uuid_v4(&mut rng));
    let workflow_id = rng.u32(1_000_000..10_000_000).to_string();
    let run_group_id = rng.u32(1_000_000..10_000_000).to_string();
    let sample = SAMPLES[rng.usize(..SAMPLES.len())];
    let digests: Vec<String> = (0..PIPELINE.len() + 2)
        .map(|_| sha256_hex(&mut rng))
        .collect();
    let image_digest = |image: &str| -> &str {
        match image {
            BWA => &digests[0],
            GATK => &digests[1],
            PICARD => &digests[2],
            _ => &digests[3],
        }
    };

    let plan = plan_tasks(spec, &status, terminal, &mut rng);

    // Timeline: the run is created, starts a few minutes later, and the pipeline's calls run one after another,
    // the shards of a call side by side.
    let creation_ms = EPOCH_2024_10_01_MS + rng.i64(0..60) * 86_400_000 + rng.i64(0..86_400_000);
    let start_ms = creation_ms + rng.i64(90_000..600_000);
    let mut call_start = start_ms + rng.i64(60_000..240_000); // input import
    let mut current_call = "";
    let mut call_end = call_start;
    let mut task_id = rng.u64(2_000_000..5_000_000);
    let mut tasks = Vec::with_capacity(plan.len());
    let mut lines: Vec<String> = Vec::with_capacity(if terminal { plan.len() + 1 } else { 0 });
    let mut failed_names = Vec::new();
    let mut last_stop = call_start;

    for planned in &plan {
        let step = planned.step;
        if step.call != current_call {
            if !current_call.is_empty() {
                call_start = call_end + rng.i64(5_000..45_000);
                call_end = call_start;
            }
            current_call = step.call;
        }
        task_id += rng.u64(1..8);
        let id = task_id.to_string();
        let uuid = uuid_v4(&mut rng);
        let name = format!("{}-{}-1", step.call, planned.shard);
        let instance = if planned.kind == Kind::Gpu {
            GPU_INSTANCE
        } else {
            smallest_instance(step.cpus, step.memory_gib).expect("pipeline steps fit an instance")
        };
        let gpus = instance.gpus;
        let (task_status, manifest_status) = match planned.kind {
            Kind::Normal | Kind::Gpu | Kind::Cached => ("COMPLETED", "COMPLETED"),
            Kind::Failed => ("FAILED", "FAILED"),
            Kind::Cancelled => ("CANCELLED", "CANCELLED"),
            Kind::Running => ("RUNNING", "RUNNING"),
            Kind::Pending => ("PENDING", "PENDING"),
        };

        // Times (absent for cached tasks).
        let mut times: Option<(i64, Option<i64>, Option<i64>)> = None;
        if planned.kind != Kind::Cached {
            let created = call_start + rng.i64(0..5_000);
            let started = created + rng.i64(15_000..150_000);
            let base = i64::from(step.seconds) * 1000;
            let mut duration = base * 7 / 10 + rng.i64(0..base * 6 / 10 + 1);
            if matches!(planned.kind, Kind::Failed | Kind::Cancelled) {
                duration = duration / 3 + 1_000;
            }
            let stopped = started + duration;
            times = Some(match planned.kind {
                Kind::Running => (created, Some(started), None),
                Kind::Pending => (created, None, None),
                _ => (created, Some(started), Some(stopped)),
            });
            if planned.kind != Kind::Pending {
                call_end = call_end.max(stopped);
            }
            if let Some(stop) = times.and_then(|t| t.2) {
                last_stop = last_stop.max(stop);
            }
        }

        let image = format!("{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{}", step.image);
        let digest = image_digest(step.image);

        // GetRunTask body.
        let mut task = Map::new();
        task.insert("taskId".into(), Value::String(id.clone()));
        task.insert("uuid".into(), Value::String(uuid.clone()));
        task.insert("status".into(), task_status.into());
        task.insert("name".into(), Value::String(name.clone()));
        task.insert("cpus".into(), step.cpus.into());
        task.insert("memory".into(), step.memory_gib.into());
        task.insert("gpus".into(), gpus.into());
        if planned.kind != Kind::Cached {
            task.insert("instanceType".into(), instance.name().into());
        }
        task.insert("cacheHit".into(), (planned.kind == Kind::Cached).into());
        let cache_uri = (planned.kind == Kind::Cached).then(|| {
            format!(
                "s3://omics-introspect-demo-cache/{run_group_id}/{}/{}/",
                step.call,
                sha256_hex(&mut rng)
            )
        });
        if let Some(uri) = &cache_uri {
            task.insert("cacheS3Uri".into(), uri.clone().into());
        }
        if let Some((created, started, stopped)) = times {
            task.insert("creationTime".into(), iso_millis(created).into());
            if let Some(started) = started {
                task.insert("startTime".into(), iso_millis(started).into());
            }
            if let Some(stopped) = stopped {
                task.insert("stopTime".into(), iso_millis(stopped).into());
            }
        }
        let failure = (planned.kind == Kind::Failed).then(|| {
            failed_names.push((name.clone(), id.clone()));
            (
                "Task failed with exit code 137".to_owned(),
                format!(
                    "Essential container in task exited: OutOfMemoryError: container killed after exceeding {} GiB",
                    step.memory_gib
                ),
            )
        });
        if let Some((reason, message)) = &failure {
            task.insert("statusMessage".into(), message.clone().into());
            task.insert("failureReason".into(), reason.clone().into());
        } else if planned.kind == Kind::Cancelled {
            task.insert(
                "statusMessage".into(),
                "Task cancelled because the run stopped".into(),
            );
        }
        if planned.kind != Kind::Cached && planned.kind != Kind::Pending {
            task.insert(
                "logStream".into(),
                format!(
                    "arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{LOG_GROUP}:log-stream:run/{run_id}/task/{id}"
                )
                .into(),
            );
        }
        task.insert(
            "imageDetails".into(),
            json!({
                "image": image,
                "imageDigest": format!("sha256:{digest}"),
                "sourceImage": step.source_image,
            }),
        );

        // Manifest line.
        if terminal {
            let mut line = String::with_capacity(900);
            line.push_str("{\"arn\":\"arn:aws:omics:");
            let _ = write!(
                line,
                "{REGION}:{ACCOUNT_ID}:task/{id}\",\"uuid\":\"{uuid}\",\"name\":\"{name}\""
            );
            let _ = write!(
                line,
                ",\"status\":\"{manifest_status}\",\"run\":\"{run_arn}\""
            );
            let _ = write!(
                line,
                ",\"cpus\":{},\"memory\":{},\"gpus\":{gpus}",
                step.cpus, step.memory_gib
            );
            match &cache_uri {
                None => {
                    let _ = write!(line, ",\"instanceType\":\"{}\"", instance.name());
                }
                Some(uri) => {
                    let _ = write!(line, ",\"cacheHit\":true,\"cacheS3Uri\":\"{uri}\"");
                }
            }
            let _ = write!(
                line,
                ",\"image\":\"{image}\",\"imageDigest\":\"sha256:{digest}\""
            );
            if let Some((created, started, stopped)) = times {
                let _ = write!(line, ",\"creationTime\":\"{}\"", iso_millis(created));
                if let Some(started) = started {
                    let _ = write!(line, ",\"startTime\":\"{}\"", iso_millis(started));
                }
                if let Some(stopped) = stopped {
                    let _ = write!(line, ",\"stopTime\":\"{}\"", iso_millis(stopped));
                }
                if let (Some(started), Some(stopped)) = (started, stopped) {
                    let oom = planned.kind == Kind::Failed;
                    write_task_metrics(&mut line, &mut rng, step, instance, stopped - started, oom);
                }
            }
            if let Some((reason, _)) = &failure {
                let _ = write!(line, ",\"failureReason\":\"{reason}\"");
            }
            line.push('}');
            lines.push(line);
        }
        tasks.push(Value::Object(task));
    }

    // The run.
    let run_stop = terminal.then(|| last_stop.max(call_end) + rng.i64(60_000..420_000));
    let storage_max = 180.0 + rng.f64() * 820.0;
    let storage_avg = storage_max * (0.35 + rng.f64() * 0.45);
    let name = format!("germline-{sample}-{run_id}");
    let output_uri = "s3://omics-introspect-demo-output/germline";
    let role_arn = format!("arn:aws:iam::{ACCOUNT_ID}:role/OmicsWorkflowRole");
    let started_by = format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/OmicsOperator/pipeline-bot");
    let workflow_digest = format!("sha256:{}", digests[4]);
    let parameters = json!({
        "sample_name": sample,
        "fastq_1": format!("s3://omics-introspect-demo-input/{sample}/{sample}_R1.fastq.gz"),
        "fastq_2": format!("s3://omics-introspect-demo-input/{sample}/{sample}_R2.fastq.gz"),
        "ref_fasta": "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta",
        "scatter_count": plan.iter().filter(|p| p.step.call == "HaplotypeCaller").count().max(1),
    });
    let resource_digests = json!({
        format!("s3://omics-introspect-demo-input/{sample}/{sample}_R1.fastq.gz"): format!("etag:{}", &digests[5][..32]),
        format!("s3://omics-introspect-demo-input/{sample}/{sample}_R2.fastq.gz"): format!("etag:{}", &digests[6][..32]),
        "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta": format!("etag:{}-388", &digests[7][..32]),
        format!("{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{GATK}"): format!("sha256:{}", digests[1]),
    });

    let mut run = Map::new();
    run.insert("arn".into(), run_arn.clone().into());
    run.insert("id".into(), run_id.into());
    run.insert("uuid".into(), run_uuid.clone().into());
    run.insert("name".into(), name.clone().into());
    run.insert("status".into(), status.clone().into());
    run.insert("workflowId".into(), workflow_id.clone().into());
    run.insert("workflowType".into(), "PRIVATE".into());
    run.insert("workflowVersionName".into(), "2.1.0".into());
    run.insert("digest".into(), workflow_digest.clone().into());
    run.insert("parameters".into(), parameters.clone());
    run.insert("resourceDigests".into(), resource_digests.clone());
    run.insert("priority".into(), 100.into());
    run.insert("storageType".into(), "STATIC".into());
    run.insert("storageCapacity".into(), 1200.into());
    run.insert("outputUri".into(), output_uri.into());
    run.insert(
        "runOutputUri".into(),
        format!("{output_uri}/{run_id}").into(),
    );
    run.insert("roleArn".into(), role_arn.clone().into());
    run.insert("runGroupId".into(), run_group_id.into());
    run.insert("startedBy".into(), started_by.clone().into());
    run.insert("creationTime".into(), iso_millis(creation_ms).into());
    if status != "PENDING" {
        run.insert("startTime".into(), iso_millis(start_ms).into());
    }
    if let Some(stop) = run_stop {
        run.insert("stopTime".into(), iso_millis(stop).into());
    }
    run.insert("logLevel".into(), "ALL".into());
    let stream_prefix =
        format!("arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{LOG_GROUP}:log-stream:run/{run_id}");
    run.insert(
        "logLocation".into(),
        json!({ "engineLogStream": format!("{stream_prefix}/engine"), "runLogStream": stream_prefix }),
    );
    run.insert("retentionMode".into(), "RETAIN".into());
    run.insert(
        "tags".into(),
        json!({ "project": "omics-introspect", "sample": sample }),
    );
    let run_failure = (status == "FAILED").then(|| match failed_names.first() {
        Some((task_name, task_id)) => (
            "WORKFLOW_RUN_FAILED".to_owned(),
            format!(
                "Workflow task failed: {task_name}, id: {task_id}. Check the task log for details."
            ),
        ),
        None => (
            "SERVICE_ERROR".to_owned(),
            "An internal error occurred. Start the run again.".to_owned(),
        ),
    });
    if let Some((reason, message)) = &run_failure {
        run.insert("failureReason".into(), reason.clone().into());
        run.insert("statusMessage".into(), message.clone().into());
    }
    let run = Value::Object(run);

    let mut manifest = Vec::new();
    if terminal {
        let stop = run_stop.unwrap_or(start_ms);
        let run_line = json!({
            "arn": run_arn,
            "uuid": run_uuid,
            "name": name,
            "status": status,
            "digest": workflow_digest,
            "workflow": format!("arn:aws:omics:{REGION}:{ACCOUNT_ID}:workflow/{workflow_id}"),
            "outputUri": output_uri,
            "roleArn": role_arn,
            "startedBy": started_by,
            "parameters": parameters,
            "parameterTemplate": {
                "sample_name": {"description": "Sample name used in output file names", "optional": false},
                "fastq_1": {"description": "Read 1 FASTQ", "optional": false},
                "fastq_2": {"description": "Read 2 FASTQ", "optional": false},
                "ref_fasta": {"description": "Reference FASTA", "optional": false},
                "scatter_count": {"description": "Number of HaplotypeCaller shards", "optional": true},
            },
            "resourceDigests": resource_digests,
            "storageType": "STATIC",
            "storageCapacity": 1200,
            "creationTime": iso_millis(creation_ms),
            "startTime": iso_millis(start_ms),
            "stopTime": iso_millis(stop),
            "metrics": {
                "storageReservedGiB": 1200,
                "storageMaximumGiB": round_to(storage_max, 2),
                "storageAverageGiB": round_to(storage_avg, 2),
                "runningSeconds": seconds(stop - start_ms),
            },
        });
        manifest.reserve(lines.len() + 1);
        manifest.push(run_line.to_string());
        rng.shuffle(&mut lines);
        manifest.append(&mut lines);
        // Truncate some task lines, spread over the manifest.
        let task_lines = manifest.len() - 1;
        let malformed = spec.malformed_lines.min(task_lines);
        for k in 0..malformed {
            let index = 1 + k * task_lines / malformed;
            let line = &mut manifest[index];
            let cut = line.len() / 2;
            line.truncate(cut);
        }
    }

    SyntheticRun {
        run,
        tasks,
        manifest,
    }
}

/// Orders the tasks along the pipeline and gives each one its kind.
fn plan_tasks(
    spec: &SyntheticSpec,
    status: &str,
    terminal: bool,
    rng: &mut fastrand::Rng,
) -> Vec<Planned> {
    let cpu_tasks = spec.tasks - spec.gpu;
    // Shards per pipeline step.
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
                &mut plan,
                &mut normal,
                spec.failed,
                failed_from,
                status == "FAILED",
                rng,
            );
        }
        _ if !terminal => {
            pick_failed(&mut plan, &mut normal, spec.failed, 0, false, rng);
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
        _ => pick_failed(&mut plan, &mut normal, spec.failed, 0, false, rng),
    }
    plan
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

/// Appends the task `metrics` member.
fn write_task_metrics(
    line: &mut String,
    rng: &mut fastrand::Rng,
    step: &Step,
    instance: Instance,
    running_ms: i64,
    oom: bool,
) {
    let cpus_reserved = f64::from(instance.vcpus);
    let memory_reserved = f64::from(instance.memory_gib);
    let cpus_avg = round_to(f64::from(step.cpus) * (0.25 + rng.f64() * 0.65), 2);
    let cpus_max =
        round_to((cpus_avg * (1.1 + rng.f64() * 0.8)).min(cpus_reserved), 2).max(cpus_avg);
    let (memory_max, memory_avg) = if oom {
        let max = round_to(memory_reserved * (0.97 + rng.f64() * 0.03), 4);
        (max, round_to(max * (0.6 + rng.f64() * 0.2), 4))
    } else {
        let avg = round_to(f64::from(step.memory_gib) * (0.15 + rng.f64() * 0.5), 4);
        (
            round_to((avg * (1.1 + rng.f64() * 0.6)).min(memory_reserved), 4).max(avg),
            avg,
        )
    };
    let _ = write!(
        line,
        ",\"metrics\":{{\"cpusReserved\":{},\"cpusMaximum\":{cpus_max},\"cpusAverage\":{cpus_avg},\"gpusReserved\":{},\
         \"memoryReservedGiB\":{},\"memoryMaximumGiB\":{memory_max},\"memoryAverageGiB\":{memory_avg},\
         \"runningSeconds\":{}}}",
        instance.vcpus,
        instance.gpus,
        instance.memory_gib,
        Value::from(seconds(running_ms)),
    );
}

/// Seconds with millisecond precision, as a JSON number.
fn seconds(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

fn hex(rng: &mut fastrand::Rng, out: &mut String, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..digits {
        out.push(HEX[rng.usize(..16)] as char);
    }
}

fn sha256_hex(rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(64);
    hex(rng, &mut out, 64);
    out
}

/// A random version-4 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
pub fn uuid_v4(rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(36);
    hex(rng, &mut out, 8);
    out.push('-');
    hex(rng, &mut out, 4);
    out.push_str("-4");
    hex(rng, &mut out, 3);
    out.push('-');
    out.push(['8', '9', 'a', 'b'][rng.usize(..4)]);
    hex(rng, &mut out, 3);
    out.push('-');
    hex(rng, &mut out, 12);
    out
}

/// Whether `value` looks like a version-4 UUID.
pub fn is_uuid_v4(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            14 => b == b'4',
            19 => matches!(b, b'8' | b'9' | b'a' | b'b'),
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// Formats milliseconds since the Unix epoch like the API: `2024-10-20T05:43:35.516Z`.
pub fn iso_millis(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Civil from days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    )
}

/// The emulator's `POST /_emulator/runs` body: `{"run": .., "tasks": [..], "manifest": [..]}`.
pub fn to_seed_body(run: &SyntheticRun) -> Value {
    json!({
        "run": run.run,
        "tasks": run.tasks,
        "manifest": run.manifest,
    })
}

/// Writes `run.json`, `tasks.json` and, when there is a manifest, `manifest.jsonl` into `dir` (created if
/// missing). A stale `manifest.jsonl` is removed when the run has none.
pub fn write_fixture_dir(run: &SyntheticRun, dir: impl AsRef<Path>) -> io::Result<()> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir)?;
    let mut run_json = serde_json::to_string_pretty(&run.run)?;
    run_json.push('\n');
    std::fs::write(dir.join("run.json"), run_json)?;
    let mut tasks_json = serde_json::to_string_pretty(&run.tasks)?;
    tasks_json.push('\n');
    std::fs::write(dir.join("tasks.json"), tasks_json)?;
    let manifest_path = dir.join("manifest.jsonl");
    if run.manifest.is_empty() {
        match std::fs::remove_file(&manifest_path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    } else {
        let mut text = String::with_capacity(run.manifest.iter().map(|l| l.len() + 1).sum());
        for line in &run.manifest {
            text.push_str(line);
            text.push('\n');
        }
        std::fs::write(manifest_path, text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Instant;

    use chrono::{DateTime, NaiveDateTime, Utc};

    use super::*;

    fn spec(tasks: usize) -> SyntheticSpec {
        SyntheticSpec {
            run_id: "1234567".into(),
            tasks,
            ..SyntheticSpec::default()
        }
    }

    fn count_status(run: &SyntheticRun, status: &str) -> usize {
        run.tasks.iter().filter(|t| t["status"] == status).count()
    }

    fn parsed_manifest(run: &SyntheticRun) -> (Vec<Value>, usize) {
        let mut ok = Vec::new();
        let mut bad = 0;
        for line in &run.manifest {
            match serde_json::from_str::<Value>(line) {
                Ok(v) => ok.push(v),
                Err(_) => bad += 1,
            }
        }
        (ok, bad)
    }

    /// Lenient timestamp parsing, as a manifest reader must do it.
    fn parse_ts(value: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| {
                NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").map(|n| n.and_utc())
            })
            .unwrap_or_else(|_| panic!("bad timestamp {value:?}"))
    }

    fn strict_ts(value: &Value) -> DateTime<Utc> {
        let text = value.as_str().expect("timestamp string");
        assert!(text.ends_with('Z'), "API timestamps are UTC with Z: {text}");
        parse_ts(text)
    }

    #[test]
    fn iso_millis_matches_chrono() {
        for ms in [
            0i64,
            951_782_400_000,
            1_729_402_999_516,
            1_709_164_800_001,
            4_102_444_799_999,
        ] {
            let expected = DateTime::from_timestamp_millis(ms)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            assert_eq!(iso_millis(ms), expected);
        }
    }

    #[test]
    fn instance_selection_rounds_up() {
        assert_eq!(smallest_instance(1, 1).unwrap().name(), "omics.c.large");
        assert_eq!(smallest_instance(2, 8).unwrap().name(), "omics.m.large");
        assert_eq!(smallest_instance(8, 64).unwrap().name(), "omics.r.2xlarge");
        assert_eq!(smallest_instance(16, 32).unwrap().name(), "omics.c.4xlarge");
        assert_eq!(smallest_instance(3, 30).unwrap().name(), "omics.r.xlarge");
        assert!(smallest_instance(200, 8).is_none());
        assert_eq!(parse_instance("omics.r.2xlarge").unwrap().memory_gib, 64);
        assert_eq!(parse_instance("omics.g5.2xlarge"), Some(GPU_INSTANCE));
    }

    #[test]
    fn counts_match_the_spec() {
        let s = SyntheticSpec {
            tasks: 120,
            failed: 3,
            cached: 5,
            gpu: 2,
            ..spec(0)
        };
        let run = generate(&s);
        assert_eq!(run.tasks.len(), 120);
        assert_eq!(count_status(&run, "FAILED"), 3);
        assert_eq!(
            run.tasks.iter().filter(|t| t["cacheHit"] == true).count(),
            5
        );
        assert_eq!(run.tasks.iter().filter(|t| t["gpus"] == 1).count(), 2);
        assert_eq!(run.manifest.len(), 121);
        assert_eq!(run.run["status"], "COMPLETED");
        for task in run.tasks.iter().filter(|t| t["cacheHit"] == true) {
            assert!(task.get("creationTime").is_none() && task.get("startTime").is_none());
            assert!(task["cacheS3Uri"].as_str().unwrap().starts_with("s3://"));
        }
        let cached_lines = run.manifest[1..]
            .iter()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["cacheHit"] == true && l["cacheS3Uri"].is_string())
            .count();
        assert_eq!(cached_lines, 5);
        for task in run.tasks.iter().filter(|t| t["gpus"] == 1) {
            assert_eq!(task["instanceType"], "omics.g5.2xlarge");
        }
        // Small and empty runs work too.
        assert_eq!(generate(&spec(0)).tasks.len(), 0);
        assert_eq!(generate(&spec(5)).tasks.len(), 5);
    }

    #[test]
    fn deterministic_for_a_seed() {
        let s = SyntheticSpec {
            tasks: 300,
            failed: 2,
            cached: 4,
            gpu: 1,
            malformed_lines: 1,
            ..spec(0)
        };
        assert_eq!(generate(&s), generate(&s));
        let other = generate(&SyntheticSpec {
            seed: 7,
            ..s.clone()
        });
        assert_ne!(generate(&s).run["uuid"], other.run["uuid"]);
        let other_id = generate(&SyntheticSpec {
            run_id: "1234568".into(),
            ..s.clone()
        });
        assert_ne!(generate(&s).run["uuid"], other_id.run["uuid"]);
        assert_ne!(generate(&s).tasks[0]["taskId"], other_id.tasks[0]["taskId"]);
        let fixed = generate(&SyntheticSpec {
            uuid: Some("0b6f6c7e-3c1d-4a8e-9f00-6d2b1c9e4a11".into()),
            ..s
        });
        assert_eq!(fixed.run["uuid"], "0b6f6c7e-3c1d-4a8e-9f00-6d2b1c9e4a11");
    }

    #[test]
    fn ids_agree_and_metrics_are_consistent() {
        let run = generate(&SyntheticSpec {
            tasks: 257,
            failed: 2,
            cached: 3,
            gpu: 2,
            ..spec(0)
        });
        let (lines, bad) = parsed_manifest(&run);
        assert_eq!(bad, 0);
        let head = &lines[0];
        assert_eq!(head["arn"], run.run["arn"]);
        assert_eq!(head["uuid"], run.run["uuid"]);
        assert!(is_uuid_v4(run.run["uuid"].as_str().unwrap()));
        let api_ids: BTreeSet<&str> = run
            .tasks
            .iter()
            .map(|t| t["taskId"].as_str().unwrap())
            .collect();
        assert_eq!(api_ids.len(), run.tasks.len(), "task ids are unique");
        let manifest_ids: BTreeSet<&str> = lines[1..]
            .iter()
            .map(|l| l["arn"].as_str().unwrap().rsplit_once("task/").unwrap().1)
            .collect();
        assert_eq!(api_ids, manifest_ids);
        for task in &lines[1..] {
            assert_eq!(task["run"], run.run["arn"]);
            assert!(is_uuid_v4(task["uuid"].as_str().unwrap()));
            assert!(task.to_string().len() < 4096);
            if let Some(m) = task.get("metrics") {
                check_task_metrics(task, m);
            }
        }
        let m = &head["metrics"];
        assert!(m["storageReservedGiB"].as_f64() >= m["storageMaximumGiB"].as_f64());
        assert!(m["storageMaximumGiB"].as_f64() >= m["storageAverageGiB"].as_f64());
        let run_secs =
            (strict_ts(&head["stopTime"]) - strict_ts(&head["startTime"])).num_milliseconds();
        assert_eq!(
            (m["runningSeconds"].as_f64().unwrap() * 1000.0).round() as i64,
            run_secs
        );
        // Run times bracket task times.
        let (start, stop) = (
            strict_ts(&run.run["startTime"]),
            strict_ts(&run.run["stopTime"]),
        );
        for task in &run.tasks {
            if let Some(t) = task.get("startTime") {
                assert!(strict_ts(t) >= start);
                assert!(strict_ts(&task["creationTime"]) <= strict_ts(t));
            }
            if let Some(t) = task.get("stopTime") {
                assert!(strict_ts(t) <= stop);
            }
        }
    }

    fn check_task_metrics(task: &Value, m: &Value) {
        let f = |k: &str| {
            m[k].as_f64()
                .unwrap_or_else(|| panic!("{k} missing in {task}"))
        };
        assert!(
            f("cpusReserved") >= f("cpusMaximum") && f("cpusMaximum") >= f("cpusAverage"),
            "{task}"
        );
        assert!(
            f("memoryReservedGiB") >= f("memoryMaximumGiB")
                && f("memoryMaximumGiB") >= f("memoryAverageGiB"),
            "{task}"
        );
        let instance = parse_instance(task["instanceType"].as_str().expect("instanceType"))
            .expect("known type");
        assert_eq!(f("cpusReserved"), f64::from(instance.vcpus), "{task}");
        assert_eq!(
            f("memoryReservedGiB"),
            f64::from(instance.memory_gib),
            "{task}"
        );
        assert_eq!(f("gpusReserved"), f64::from(instance.gpus), "{task}");
        assert!(f("cpusReserved") >= task["cpus"].as_f64().unwrap());
        assert!(f("memoryReservedGiB") >= task["memory"].as_f64().unwrap());
        let start = parse_ts(task["startTime"].as_str().unwrap());
        let stop = parse_ts(task["stopTime"].as_str().unwrap());
        let diff = (stop - start).num_milliseconds() as f64 / 1000.0;
        assert!(
            (f("runningSeconds") - diff).abs() < 1.0,
            "runningSeconds vs times in {task}"
        );
    }

    #[test]
    fn malformed_lines_are_counted() {
        for n in [0, 1, 3] {
            let run = generate(&SyntheticSpec {
                tasks: 40,
                malformed_lines: n,
                ..spec(0)
            });
            let (ok, bad) = parsed_manifest(&run);
            assert_eq!(bad, n);
            assert_eq!(ok.len(), 41 - n);
            assert!(
                ok[0]["arn"].as_str().unwrap().contains(":run/"),
                "the run line stays intact"
            );
        }
    }

    #[test]
    fn failed_cancelled_and_running_runs() {
        let failed = generate(&SyntheticSpec {
            tasks: 50,
            failed: 1,
            status: "FAILED".into(),
            ..spec(0)
        });
        assert_eq!(count_status(&failed, "FAILED"), 1);
        assert_eq!(count_status(&failed, "CANCELLED"), 5);
        assert_eq!(failed.run["failureReason"], "WORKFLOW_RUN_FAILED");
        assert!(
            failed.run["statusMessage"]
                .as_str()
                .unwrap()
                .contains("failed")
        );
        let failed_task = failed
            .tasks
            .iter()
            .find(|t| t["status"] == "FAILED")
            .unwrap();
        assert!(
            failed_task["failureReason"].is_string() && failed_task["statusMessage"].is_string()
        );

        let cancelled = generate(&SyntheticSpec {
            tasks: 6,
            status: "CANCELLED".into(),
            ..spec(0)
        });
        assert_eq!(count_status(&cancelled, "CANCELLED"), 1);
        assert_eq!(cancelled.manifest.len(), 7);

        let running = generate(&SyntheticSpec {
            tasks: 30,
            status: "RUNNING".into(),
            ..spec(0)
        });
        assert!(running.manifest.is_empty());
        assert!(running.run.get("stopTime").is_none());
        assert_eq!(
            count_status(&running, "RUNNING") + count_status(&running, "PENDING"),
            6
        );
        for task in running.tasks.iter().filter(|t| t["status"] == "PENDING") {
            assert!(task.get("startTime").is_none() && task.get("stopTime").is_none());
        }
    }

    #[test]
    fn no_nulls_in_api_bodies() {
        fn walk(v: &Value) {
            match v {
                Value::Null => panic!("null in an API body"),
                Value::Array(a) => a.iter().for_each(walk),
                Value::Object(o) => o.values().for_each(walk),
                _ => {}
            }
        }
        let run = generate(&SyntheticSpec {
            tasks: 60,
            failed: 2,
            cached: 2,
            gpu: 1,
            ..spec(0)
        });
        walk(&run.run);
        run.tasks.iter().for_each(walk);
    }

    #[test]
    fn seed_body_and_fixture_dir() {
        let run = generate(&SyntheticSpec {
            tasks: 12,
            ..spec(0)
        });
        let body = to_seed_body(&run);
        assert_eq!(body["run"], run.run);
        assert_eq!(body["tasks"].as_array().unwrap().len(), 12);
        assert_eq!(body["manifest"].as_array().unwrap().len(), 13);

        let dir = std::env::temp_dir().join(format!("synth-fixture-{}", std::process::id()));
        write_fixture_dir(&run, &dir).unwrap();
        let back: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
        assert_eq!(back, run.run);
        let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
        assert_eq!(manifest.lines().count(), 13);
        let running = generate(&SyntheticSpec {
            tasks: 12,
            status: "RUNNING".into(),
            ..spec(0)
        });
        write_fixture_dir(&running, &dir).unwrap();
        assert!(
            !dir.join("manifest.jsonl").exists(),
            "stale manifest removed"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hundred_thousand_tasks_are_fast_and_lines_small() {
        let started = Instant::now();
        let run = generate(&SyntheticSpec {
            tasks: 100_000,
            failed: 10,
            cached: 100,
            gpu: 50,
            ..spec(0)
        });
        let elapsed = started.elapsed();
        assert_eq!(run.tasks.len(), 100_000);
        assert_eq!(run.manifest.len(), 100_001);
        assert!(run.manifest.iter().all(|l| l.len() < 4096));
        // Well under 2 s in release; the unoptimised test build gets more room on a busy 2-core machine.
        let budget = if cfg!(debug_assertions) { 15.0 } else { 2.0 };
        assert!(elapsed.as_secs_f64() < budget, "took {elapsed:?}");
    }

    /// The 250-task fixture is what `make fixtures` writes: regenerate it after changing the generator.
    #[test]
    fn committed_250_task_fixture_is_current() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runs/1000006");
        let run = generate(&fixture_1000006_spec());
        let committed: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
        assert_eq!(committed, run.run, "run `make fixtures`");
        let tasks: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(dir.join("tasks.json")).unwrap())
                .unwrap();
        assert_eq!(tasks, run.tasks, "run `make fixtures`");
        // Compared as JSON values: whether serde_json keeps insertion order depends on which workspace members
        // are built together (feature unification), so key order in the text is not stable across builds.
        let parse = |line: &str| serde_json::from_str::<Value>(line).unwrap();
        let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
        assert_eq!(
            manifest.lines().map(parse).collect::<Vec<_>>(),
            run.manifest
                .iter()
                .map(|line| parse(line))
                .collect::<Vec<_>>(),
            "run `make fixtures`"
        );
    }

    /// Must match the `fixtures` target of the Makefile.
    fn fixture_1000006_spec() -> SyntheticSpec {
        SyntheticSpec {
            run_id: "1000006".into(),
            uuid: Some("5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c37".into()),
            tasks: 250,
            failed: 0,
            cached: 4,
            gpu: 2,
            seed: 1_000_006,
            status: "COMPLETED".into(),
            malformed_lines: 0,
        }
    }

    /// Every committed fixture: shapes, ids, metrics and the quirk inventory of `tests/fixtures/README.md`.
    #[test]
    fn committed_fixtures_are_consistent() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runs");
        let mut dirs: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.sort();
        assert!(dirs.len() >= 6, "fixtures missing under {}", root.display());
        let mut malformed_total = 0;
        let mut run_ids = BTreeSet::new();
        let mut all_task_ids = BTreeSet::new();
        for dir in &dirs {
            let id = dir.file_name().unwrap().to_str().unwrap().to_owned();
            let read = |name: &str| std::fs::read_to_string(dir.join(name));
            let run: Value = serde_json::from_str(&read("run.json").unwrap()).unwrap();
            let tasks: Vec<Value> = serde_json::from_str(&read("tasks.json").unwrap()).unwrap();
            check_api_bodies(&id, &run, &tasks);
            assert!(run_ids.insert(run["uuid"].as_str().unwrap().to_owned()));
            for task in &tasks {
                assert!(
                    all_task_ids.insert(task["taskId"].as_str().unwrap().to_owned()),
                    "task id reused"
                );
            }
            let Ok(manifest) = read("manifest.jsonl") else {
                assert!(
                    run.get("stopTime").is_none(),
                    "{id}: a finished fixture run has a manifest"
                );
                continue;
            };
            malformed_total += check_manifest(&id, &run, &tasks, &manifest);
        }
        assert_eq!(
            malformed_total, 1,
            "exactly one malformed manifest line across the fixtures"
        );
    }

    fn check_api_bodies(id: &str, run: &Value, tasks: &[Value]) {
        fn no_nulls(v: &Value, at: &str) {
            match v {
                Value::Null => panic!("{at}: null in an API body"),
                Value::Array(a) => a.iter().for_each(|x| no_nulls(x, at)),
                Value::Object(o) => o.values().for_each(|x| no_nulls(x, at)),
                _ => {}
            }
        }
        no_nulls(run, id);
        assert_eq!(run["id"], id);
        assert_eq!(
            run["arn"],
            format!("arn:aws:omics:us-east-1:123456789012:run/{id}")
        );
        assert!(id.len() == 7 && id.bytes().all(|b| b.is_ascii_digit()));
        assert!(is_uuid_v4(run["uuid"].as_str().unwrap()), "{id}: uuid");
        let run_start = run.get("startTime").map(strict_ts);
        let run_stop = run.get("stopTime").map(strict_ts);
        assert!(
            strict_ts(&run["creationTime"]) <= run_start.unwrap(),
            "{id}"
        );
        assert!(
            run_stop.is_none_or(|stop| run_start.unwrap() <= stop),
            "{id}"
        );
        let mut ids = BTreeSet::new();
        for task in tasks {
            no_nulls(task, id);
            let task_id = task["taskId"].as_str().unwrap();
            assert!(task_id.bytes().all(|b| b.is_ascii_digit()) && !task_id.is_empty());
            assert!(ids.insert(task_id), "{id}: duplicate task {task_id}");
            for key in [
                "taskId",
                "status",
                "name",
                "cpus",
                "memory",
                "cacheHit",
                "imageDetails",
            ] {
                assert!(task.get(key).is_some(), "{id}/{task_id}: {key} missing");
            }
            let cached = task["cacheHit"] == true;
            let times: Vec<_> = ["creationTime", "startTime", "stopTime"]
                .iter()
                .filter_map(|key| task.get(*key).map(|t| (*key, strict_ts(t))))
                .collect();
            assert!(
                !cached || times.is_empty(),
                "{id}/{task_id}: cached task with times"
            );
            assert!(
                times.windows(2).all(|w| w[0].1 <= w[1].1),
                "{id}/{task_id}: times out of order"
            );
            for (key, t) in &times {
                assert!(
                    run_start.is_some_and(|s| s <= *t),
                    "{id}/{task_id}: {key} before the run started"
                );
                assert!(
                    run_stop.is_none_or(|s| *t <= s),
                    "{id}/{task_id}: {key} after the run stopped"
                );
            }
            if cached {
                assert!(task["cacheS3Uri"].is_string());
            }
            if let Some(instance) = task.get("instanceType") {
                let instance =
                    parse_instance(instance.as_str().unwrap()).expect("known instance type");
                assert!(
                    u64::from(instance.vcpus) >= task["cpus"].as_u64().unwrap(),
                    "{id}/{task_id}"
                );
                assert!(
                    u64::from(instance.memory_gib) >= task["memory"].as_u64().unwrap(),
                    "{id}/{task_id}"
                );
            }
            if task["status"] == "FAILED" {
                assert!(task["failureReason"].is_string() && task["statusMessage"].is_string());
            }
        }
    }

    /// Returns the number of malformed lines.
    fn check_manifest(id: &str, run: &Value, tasks: &[Value], manifest: &str) -> usize {
        let mut malformed = 0;
        let mut lines = Vec::new();
        for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Value>(line) {
                Ok(v) => lines.push(v),
                Err(_) => malformed += 1,
            }
        }
        let head = &lines[0];
        assert_eq!(head["arn"], run["arn"], "{id}: the run object comes first");
        assert_eq!(head["uuid"], run["uuid"], "{id}");
        if let Some(m) = head.get("metrics").filter(|m| !m.is_null()) {
            let f = |k: &str| m[k].as_f64().unwrap();
            if head["storageType"] == "STATIC" {
                assert!(f("storageReservedGiB") >= f("storageMaximumGiB"), "{id}");
                assert_eq!(m["storageReservedGiB"], run["storageCapacity"], "{id}");
            }
            assert!(f("storageMaximumGiB") >= f("storageAverageGiB"), "{id}");
            let start = parse_ts(head["startTime"].as_str().unwrap());
            let stop = parse_ts(head["stopTime"].as_str().unwrap());
            let diff = (stop - start).num_milliseconds() as f64 / 1000.0;
            assert!(
                (f("runningSeconds") - diff).abs() < 1.0,
                "{id}: run runningSeconds"
            );
        }
        let api: BTreeSet<&str> = tasks
            .iter()
            .map(|t| t["taskId"].as_str().unwrap())
            .collect();
        let mut seen = BTreeSet::new();
        for task in &lines[1..] {
            let arn = task["arn"].as_str().unwrap();
            let task_id = arn.rsplit_once(":task/").expect("task arn").1;
            assert!(
                api.contains(task_id),
                "{id}: manifest task {task_id} not in tasks.json"
            );
            assert!(seen.insert(task_id.to_owned()));
            assert_eq!(task["run"], run["arn"], "{id}/{task_id}");
            assert!(
                is_uuid_v4(task["uuid"].as_str().unwrap()),
                "{id}/{task_id}: uuid"
            );
            let api_task = tasks.iter().find(|t| t["taskId"] == task_id).unwrap();
            assert_eq!(task["name"], api_task["name"], "{id}/{task_id}");
            assert_eq!(task["uuid"], api_task["uuid"], "{id}/{task_id}");
            if api_task["cacheHit"] == true {
                assert_eq!(task["cacheHit"], true, "{id}/{task_id}");
                assert_eq!(task["cacheS3Uri"], api_task["cacheS3Uri"], "{id}/{task_id}");
            }
            for key in ["creationTime", "startTime", "stopTime"] {
                if let Some(t) = task.get(key).and_then(Value::as_str) {
                    parse_ts(t);
                }
            }
            if let Some(m) = task.get("metrics").filter(|m| !m.is_null()) {
                check_task_metrics(task, m);
            }
        }
        if malformed == 0 && run["status"] != "FAILED" {
            assert_eq!(
                seen.len(),
                api.len(),
                "{id}: manifest and tasks.json list the same tasks"
            );
        }
        malformed
    }
}
