//! The run itself: its identifiers and inputs, its GetRun body, and the run line that opens its manifest.

use serde_json::{Map, Value, json};

use super::format::{iso_millis, round_to, seconds, sha256_hex, uuid_v4};
use super::pipeline::{BWA, GATK, PICARD, PIPELINE, Planned, SAMPLES};
use super::timeline::Timeline;
use super::{ACCOUNT_ID, LOG_GROUP, REGION, SyntheticSpec};

/// Where every synthetic run writes its outputs.
const OUTPUT_URI: &str = "s3://omics-introspect-demo-output/germline";

/// What identifies a run and its inputs, drawn before its tasks.
pub(super) struct RunIds {
    /// Numeric run id.
    pub(super) run_id: String,
    /// `arn:aws:omics:<region>:<account>:run/<id>`.
    pub(super) run_arn: String,
    run_uuid: String,
    workflow_id: String,
    /// Run group id, also part of cache URIs.
    pub(super) run_group_id: String,
    sample: &'static str,
    /// Random SHA-256 digests: images (BWA, GATK, Picard, other), the workflow, the inputs.
    digests: Vec<String>,
}

impl RunIds {
    /// Draws the uuid (unless the spec fixes it), workflow and run group ids, the sample and the digests.
    pub(super) fn draw(spec: &SyntheticSpec, rng: &mut fastrand::Rng) -> Self {
        let run_id = spec.run_id.clone();
        let run_arn = format!("arn:aws:omics:{REGION}:{ACCOUNT_ID}:run/{run_id}");
        let run_uuid = spec.uuid.clone().unwrap_or_else(|| uuid_v4(rng));
        let workflow_id = rng.u32(1_000_000..10_000_000).to_string();
        let run_group_id = rng.u32(1_000_000..10_000_000).to_string();
        let sample = SAMPLES[rng.usize(..SAMPLES.len())];
        let digests = (0..PIPELINE.len() + 2).map(|_| sha256_hex(rng)).collect();
        Self {
            run_id,
            run_arn,
            run_uuid,
            workflow_id,
            run_group_id,
            sample,
            digests,
        }
    }

    /// The digest of a container image (without the `sha256:` prefix).
    pub(super) fn image_digest(&self, image: &str) -> &str {
        match image {
            BWA => &self.digests[0],
            GATK => &self.digests[1],
            PICARD => &self.digests[2],
            _ => &self.digests[3],
        }
    }

    fn name(&self) -> String {
        format!("germline-{}-{}", self.sample, self.run_id)
    }

    fn workflow_digest(&self) -> String {
        format!("sha256:{}", self.digests[4])
    }

    fn role_arn() -> String {
        format!("arn:aws:iam::{ACCOUNT_ID}:role/OmicsWorkflowRole")
    }

    fn started_by() -> String {
        format!("arn:aws:sts::{ACCOUNT_ID}:assumed-role/OmicsOperator/pipeline-bot")
    }

    /// The run's `parameters`: the sample's reads, the reference and the scatter count of `plan`.
    fn parameters(&self, plan: &[Planned]) -> Value {
        let sample = self.sample;
        json!({
            "sample_name": sample,
            "fastq_1": format!("s3://omics-introspect-demo-input/{sample}/{sample}_R1.fastq.gz"),
            "fastq_2": format!("s3://omics-introspect-demo-input/{sample}/{sample}_R2.fastq.gz"),
            "ref_fasta": "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta",
            "scatter_count": plan.iter().filter(|p| p.step.call == "HaplotypeCaller").count().max(1),
        })
    }

    /// The run's `resourceDigests`: ETags of the inputs and the digest of the GATK image.
    fn resource_digests(&self) -> Value {
        let (sample, digests) = (self.sample, &self.digests);
        json!({
            format!("s3://omics-introspect-demo-input/{sample}/{sample}_R1.fastq.gz"): format!("etag:{}", &digests[5][..32]),
            format!("s3://omics-introspect-demo-input/{sample}/{sample}_R2.fastq.gz"): format!("etag:{}", &digests[6][..32]),
            "s3://omics-introspect-demo-references/hg38/Homo_sapiens_assembly38.fasta": format!("etag:{}-388", &digests[7][..32]),
            format!("{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{GATK}"): format!("sha256:{}", digests[1]),
        })
    }
}

/// Everything about a run that its GetRun body and manifest run line are made of.
pub(super) struct RunFacts<'a> {
    pub(super) ids: &'a RunIds,
    /// Upper-case run status.
    pub(super) status: &'a str,
    pub(super) plan: &'a [Planned],
    pub(super) timeline: &'a Timeline,
    /// Stop time of a terminal run.
    pub(super) stop: Option<i64>,
    /// Name and id of the first failed task, which a FAILED run's message names.
    pub(super) first_failed: Option<(&'a str, &'a str)>,
}

impl RunFacts<'_> {
    /// The GetRun response body.
    pub(super) fn api_body(&self) -> Value {
        let ids = self.ids;
        let run_id = ids.run_id.as_str();
        let mut run = Map::new();
        run.insert("arn".into(), ids.run_arn.clone().into());
        run.insert("id".into(), run_id.into());
        run.insert("uuid".into(), ids.run_uuid.clone().into());
        run.insert("name".into(), ids.name().into());
        run.insert("status".into(), self.status.into());
        run.insert("workflowId".into(), ids.workflow_id.clone().into());
        run.insert("workflowType".into(), "PRIVATE".into());
        run.insert("workflowVersionName".into(), "2.1.0".into());
        run.insert("digest".into(), ids.workflow_digest().into());
        run.insert("parameters".into(), ids.parameters(self.plan));
        run.insert("resourceDigests".into(), ids.resource_digests());
        run.insert("priority".into(), 100.into());
        run.insert("storageType".into(), "STATIC".into());
        run.insert("storageCapacity".into(), 1200.into());
        run.insert("outputUri".into(), OUTPUT_URI.into());
        run.insert(
            "runOutputUri".into(),
            format!("{OUTPUT_URI}/{run_id}").into(),
        );
        run.insert("roleArn".into(), RunIds::role_arn().into());
        run.insert("runGroupId".into(), ids.run_group_id.clone().into());
        run.insert("startedBy".into(), RunIds::started_by().into());
        run.insert(
            "creationTime".into(),
            iso_millis(self.timeline.creation_ms).into(),
        );
        if self.status != "PENDING" {
            run.insert(
                "startTime".into(),
                iso_millis(self.timeline.start_ms).into(),
            );
        }
        if let Some(stop) = self.stop {
            run.insert("stopTime".into(), iso_millis(stop).into());
        }
        run.insert("logLevel".into(), "ALL".into());
        let stream_prefix = format!(
            "arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{LOG_GROUP}:log-stream:run/{run_id}"
        );
        run.insert(
            "logLocation".into(),
            json!({ "engineLogStream": format!("{stream_prefix}/engine"), "runLogStream": stream_prefix }),
        );
        run.insert("retentionMode".into(), "RETAIN".into());
        run.insert(
            "tags".into(),
            json!({ "project": "omics-introspect", "sample": ids.sample }),
        );
        if let Some((reason, message)) = self.failure() {
            run.insert("failureReason".into(), reason.into());
            run.insert("statusMessage".into(), message.into());
        }
        Value::Object(run)
    }

    /// Failure reason and message of a FAILED run: the first failed task, or a service error when none did.
    fn failure(&self) -> Option<(String, String)> {
        (self.status == "FAILED").then(|| match self.first_failed {
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
        })
    }

    /// The manifest's run line, with storage metrics `(maximum, average)` GiB.
    pub(super) fn manifest_line(&self, storage: (f64, f64)) -> String {
        let ids = self.ids;
        let (start_ms, stop) = (
            self.timeline.start_ms,
            self.stop.unwrap_or(self.timeline.start_ms),
        );
        json!({
            "arn": ids.run_arn,
            "uuid": ids.run_uuid,
            "name": ids.name(),
            "status": self.status,
            "digest": ids.workflow_digest(),
            "workflow": format!("arn:aws:omics:{REGION}:{ACCOUNT_ID}:workflow/{}", ids.workflow_id),
            "outputUri": OUTPUT_URI,
            "roleArn": RunIds::role_arn(),
            "startedBy": RunIds::started_by(),
            "parameters": ids.parameters(self.plan),
            "parameterTemplate": {
                "sample_name": {"description": "Sample name used in output file names", "optional": false},
                "fastq_1": {"description": "Read 1 FASTQ", "optional": false},
                "fastq_2": {"description": "Read 2 FASTQ", "optional": false},
                "ref_fasta": {"description": "Reference FASTA", "optional": false},
                "scatter_count": {"description": "Number of HaplotypeCaller shards", "optional": true},
            },
            "resourceDigests": ids.resource_digests(),
            "storageType": "STATIC",
            "storageCapacity": 1200,
            "creationTime": iso_millis(self.timeline.creation_ms),
            "startTime": iso_millis(start_ms),
            "stopTime": iso_millis(stop),
            "metrics": {
                "storageReservedGiB": 1200,
                "storageMaximumGiB": round_to(storage.0, 2),
                "storageAverageGiB": round_to(storage.1, 2),
                "runningSeconds": seconds(stop - start_ms),
            },
        })
        .to_string()
    }
}
