//! One synthetic task: drawn from the plan and the timeline, written out as a GetRunTask body and a manifest line
//! that agree with each other.

use std::fmt::Write as _;

use omics_introspect::analysis::instances::InstanceSpec;
use serde_json::{Map, Value, json};

use super::format::{iso_millis, round_to, seconds, sha256_hex, uuid_v4};
use super::pipeline::{Kind, Planned, Step, instance_for};
use super::run::RunIds;
use super::timeline::{TaskTimes, Timeline};
use super::{ACCOUNT_ID, LOG_GROUP, REGION};

/// A task with everything drawn for it.
pub(super) struct SynthTask {
    /// Numeric task id.
    pub(super) id: String,
    uuid: String,
    /// `<call>-<shard>-1`.
    pub(super) name: String,
    pub(super) step: &'static Step,
    /// The task's own image digest (without `sha256:`); `None`: the run's digest of the step's image.
    pub(super) image_digest: Option<String>,
    kind: Kind,
    instance: InstanceSpec,
    /// Absent for cached tasks.
    times: Option<TaskTimes>,
    /// Present for cached tasks only.
    cache_uri: Option<String>,
    /// Failure reason and status message of a FAILED task.
    failure: Option<(String, String)>,
}

impl SynthTask {
    /// Draws the task `planned` of the run `ids`, advancing `timeline`.
    pub(super) fn draw(
        ids: &RunIds,
        planned: &Planned,
        timeline: &mut Timeline,
        rng: &mut fastrand::Rng,
    ) -> Self {
        let step = planned.step;
        timeline.enter(step.call, rng);
        let id = timeline.next_task_id(rng);
        let uuid = uuid_v4(rng);
        let name = format!("{}-{}-1", step.call, planned.shard);
        let times = (planned.kind != Kind::Cached).then(|| timeline.task_times(planned, rng));
        let cache_uri = (planned.kind == Kind::Cached).then(|| {
            format!(
                "s3://omics-introspect-demo-cache/{}/{}/{}/",
                ids.run_group_id,
                step.call,
                sha256_hex(rng)
            )
        });
        let failure = (planned.kind == Kind::Failed).then(|| {
            (
                "Task failed with exit code 137".to_owned(),
                format!(
                    "Essential container in task exited: OutOfMemoryError: container killed after exceeding {} GiB",
                    step.memory_gib
                ),
            )
        });
        Self {
            id,
            uuid,
            name,
            step,
            image_digest: None,
            kind: planned.kind,
            instance: instance_for(step, planned.kind),
            times,
            cache_uri,
            failure,
        }
    }

    /// Whether the task failed.
    pub(super) fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// The task status, the same in the API and in the manifest.
    fn status(&self) -> &'static str {
        match self.kind {
            Kind::Normal | Kind::Gpu | Kind::Cached => "COMPLETED",
            Kind::Failed => "FAILED",
            Kind::Cancelled => "CANCELLED",
            Kind::Running => "RUNNING",
            Kind::Pending => "PENDING",
        }
    }

    /// The ECR image URI of the task's container.
    fn image(&self) -> String {
        format!(
            "{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{}",
            self.step.image
        )
    }

    /// The digest of the task's image (without `sha256:`).
    fn digest<'a>(&'a self, ids: &'a RunIds) -> &'a str {
        self.image_digest
            .as_deref()
            .unwrap_or_else(|| ids.image_digest(self.step.image))
    }

    /// The GetRunTask response body.
    pub(super) fn api_body(&self, ids: &RunIds) -> Value {
        let step = self.step;
        let cached = self.kind == Kind::Cached;
        let mut task = Map::new();
        task.insert("taskId".into(), Value::String(self.id.clone()));
        task.insert("uuid".into(), Value::String(self.uuid.clone()));
        task.insert("status".into(), self.status().into());
        task.insert("name".into(), Value::String(self.name.clone()));
        task.insert("cpus".into(), step.cpus.into());
        task.insert("memory".into(), step.memory_gib.into());
        task.insert("gpus".into(), self.instance.gpus.into());
        if !cached {
            task.insert("instanceType".into(), self.instance.name.clone().into());
        }
        task.insert("cacheHit".into(), cached.into());
        if let Some(uri) = &self.cache_uri {
            task.insert("cacheS3Uri".into(), uri.clone().into());
        }
        if let Some(times) = self.times {
            task.insert("creationTime".into(), iso_millis(times.created).into());
            if let Some(started) = times.started {
                task.insert("startTime".into(), iso_millis(started).into());
            }
            if let Some(stopped) = times.stopped {
                task.insert("stopTime".into(), iso_millis(stopped).into());
            }
        }
        if let Some((reason, message)) = &self.failure {
            task.insert("statusMessage".into(), message.clone().into());
            task.insert("failureReason".into(), reason.clone().into());
        } else if self.kind == Kind::Cancelled {
            task.insert(
                "statusMessage".into(),
                "Task cancelled because the run stopped".into(),
            );
        }
        if !cached && self.kind != Kind::Pending {
            let (run_id, id) = (&ids.run_id, &self.id);
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
                "image": self.image(),
                "imageDigest": format!("sha256:{}", self.digest(ids)),
                "sourceImage": step.source_image,
            }),
        );
        Value::Object(task)
    }

    /// The task's manifest line, written by hand (compact, fields in HealthOmics' order); draws the metrics of
    /// tasks that ran.
    pub(super) fn manifest_line(&self, ids: &RunIds, rng: &mut fastrand::Rng) -> String {
        let (id, uuid, name, step) = (&self.id, &self.uuid, &self.name, self.step);
        let mut line = String::with_capacity(900);
        line.push_str("{\"arn\":\"arn:aws:omics:");
        let _ = write!(
            line,
            "{REGION}:{ACCOUNT_ID}:task/{id}\",\"uuid\":\"{uuid}\",\"name\":\"{name}\""
        );
        let _ = write!(
            line,
            ",\"status\":\"{}\",\"run\":\"{}\"",
            self.status(),
            ids.run_arn
        );
        let _ = write!(
            line,
            ",\"cpus\":{},\"memory\":{},\"gpus\":{}",
            step.cpus, step.memory_gib, self.instance.gpus
        );
        match &self.cache_uri {
            None => {
                let _ = write!(line, ",\"instanceType\":\"{}\"", self.instance.name);
            }
            Some(uri) => {
                let _ = write!(line, ",\"cacheHit\":true,\"cacheS3Uri\":\"{uri}\"");
            }
        }
        let digest = self.digest(ids);
        let _ = write!(
            line,
            ",\"image\":\"{}\",\"imageDigest\":\"sha256:{digest}\"",
            self.image()
        );
        if let Some(times) = self.times {
            self.write_times_and_metrics(&mut line, times, rng);
        }
        if let Some((reason, _)) = &self.failure {
            let _ = write!(line, ",\"failureReason\":\"{reason}\"");
        }
        line.push('}');
        line
    }

    /// Appends the creation, start and stop times and, for a task that ran, its `metrics`.
    fn write_times_and_metrics(
        &self,
        line: &mut String,
        times: TaskTimes,
        rng: &mut fastrand::Rng,
    ) {
        let _ = write!(line, ",\"creationTime\":\"{}\"", iso_millis(times.created));
        if let Some(started) = times.started {
            let _ = write!(line, ",\"startTime\":\"{}\"", iso_millis(started));
        }
        if let Some(stopped) = times.stopped {
            let _ = write!(line, ",\"stopTime\":\"{}\"", iso_millis(stopped));
        }
        if let (Some(started), Some(stopped)) = (times.started, times.stopped) {
            let oom = self.kind == Kind::Failed;
            write_task_metrics(line, rng, self.step, &self.instance, stopped - started, oom);
        }
    }
}

/// Appends the task `metrics` member.
fn write_task_metrics(
    line: &mut String,
    rng: &mut fastrand::Rng,
    step: &Step,
    instance: &InstanceSpec,
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
