//! Failure diagnosis: the failed tasks in the order they failed, the first failure marked, each classified
//! (out of memory, image pull, non-zero exit, storage full, service error, unknown) with the next step to try.
//!
//! Classification reads the failure reason, the status message and the log tail, in this precedence: storage
//! full, out of memory (also: peak memory at the reservation), image pull, service error, non-zero exit. Exit
//! code 137 (SIGKILL) counts as out of memory, which is how the kernel's OOM killer ends a container.

pub use crate::record::diagnosis::{DiagnosedTask, Diagnosis, FailureClass, MAX_DIAGNOSED};
use crate::record::{EnrichedTask, FailedTask, RunInfo};
use crate::status::{RunStatus, TaskStatus};
use crate::time::Timestamp;

const STORAGE_FULL: &[&str] = &[
    "no space left on device",
    "out of storage",
    "enospc",
    "disk full",
    "disk quota exceeded",
    "file system is full",
];
const OUT_OF_MEMORY: &[&str] = &[
    "out of memory",
    "outofmemory",
    "oom",
    "exit code 137",
    "exit status 137",
    "exitcode 137",
    "killed by signal 9",
    "cannot allocate memory",
    "memory limit",
    "std::bad_alloc",
    "java heap space",
];
const IMAGE_PULL: &[&str] = &[
    "cannotpullcontainer",
    "pull access denied",
    "image pull",
    "pulling image",
    "failed to pull",
    "manifest unknown",
    "repository does not exist",
    "image not found",
    "invalid image",
    "imagepull",
];
const SERVICE_ERROR: &[&str] = &[
    "internal error",
    "internalerror",
    "internal server",
    "service error",
    "serviceunavailable",
    "service unavailable",
    "insufficient capacity",
    "insufficientcapacity",
    "throttl",
    "please retry",
];
const NON_ZERO_EXIT: &[&str] = &[
    "exit code",
    "exit status",
    "exited with",
    "non-zero",
    "nonzero",
    "returned 1",
    "command failed",
];

fn mentions(text: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| {
        if *n == "oom" {
            // A word, not part of "room" or "zoom".
            text.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "oom" || w == "oomkilled")
        } else {
            text.contains(n)
        }
    })
}

/// Classifies a failure from its texts and, when known, peak vs reserved memory.
pub fn classify(texts: &[&str], memory_at_limit: bool) -> FailureClass {
    let text = texts.join("\n").to_lowercase();
    if mentions(&text, STORAGE_FULL) {
        FailureClass::StorageFull
    } else if mentions(&text, OUT_OF_MEMORY) || memory_at_limit {
        FailureClass::OutOfMemory
    } else if mentions(&text, IMAGE_PULL) {
        FailureClass::ImagePull
    } else if mentions(&text, SERVICE_ERROR) {
        FailureClass::ServiceError
    } else if mentions(&text, NON_ZERO_EXIT) {
        FailureClass::NonZeroExit
    } else {
        FailureClass::Unknown
    }
}

/// The first exit code a text names (`exit code 2`, `exit status 2`), if any.
pub fn exit_code(text: &str) -> Option<i64> {
    let lower = text.to_lowercase();
    for marker in [
        "exit code",
        "exit status",
        "exitcode",
        "exited with code",
        "exited with",
    ] {
        if let Some(at) = lower.find(marker) {
            let digits: String = lower[at + marker.len()..]
                .trim_start_matches([' ', ':', '='])
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            if let Ok(code) = digits.parse() {
                return Some(code);
            }
        }
    }
    None
}

#[derive(Debug, Clone)]
struct Failed {
    task: EnrichedTask,
    order: (bool, Option<Timestamp>, u64),
}

/// Collects failed tasks as tasks stream past.
#[derive(Debug, Default)]
pub struct FailureCollector {
    failed: Vec<Failed>,
    count: u64,
}

impl FailureCollector {
    /// Adds `task` if it failed.
    pub fn observe(&mut self, task: &EnrichedTask) {
        if task.status != Some(TaskStatus::Failed) {
            return;
        }
        self.count += 1;
        let when = task.stop_time.or(task.start_time).or(task.creation_time);
        let order = (
            when.is_none(),
            when,
            task.task_id.parse().unwrap_or(u64::MAX),
        );
        self.failed.push(Failed {
            task: task.clone(),
            order,
        });
        if self.failed.len() > 2 * MAX_DIAGNOSED {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.failed.sort_by_key(|a| a.order);
        self.failed.truncate(MAX_DIAGNOSED);
    }

    /// The diagnosis; `None` when the run did not fail and no task failed.
    pub fn finish(
        mut self,
        status: &RunStatus,
        run: &RunInfo,
        details: &[FailedTask],
    ) -> Option<Diagnosis> {
        if self.count == 0 && *status != RunStatus::Failed {
            return None;
        }
        self.trim();
        let tasks: Vec<DiagnosedTask> = self
            .failed
            .iter()
            .enumerate()
            .map(|(i, f)| diagnose(&f.task, i == 0, details, run))
            .collect();
        let first = tasks.first();
        let summary = match first {
            Some(first) => format!(
                "{} task(s) failed; the first was {} ({}): {}",
                self.count,
                first.name.as_deref().unwrap_or(&first.task_id),
                first.class.label(),
                first.next_step
            ),
            None => format!(
                "the run failed without a failed task{}",
                run.failure_reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
        };
        Some(Diagnosis {
            summary,
            run_failure_reason: run.failure_reason.clone(),
            run_status_message: run.status_message.clone(),
            failed_task_count: self.count,
            first_failure_task_id: first.map(|t| t.task_id.clone()),
            tasks,
        })
    }
}

fn diagnose(
    task: &EnrichedTask,
    first: bool,
    details: &[FailedTask],
    run: &RunInfo,
) -> DiagnosedTask {
    let detail = details.iter().find(|d| d.task_id == task.task_id);
    let status_message = detail.and_then(|d| d.status_message.clone());
    let failure_reason = task
        .failure_reason
        .clone()
        .or_else(|| detail.and_then(|d| d.failure_reason.clone()));
    let tail: Vec<String> = detail.map(|d| d.log_tail.clone()).unwrap_or_default();
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(failure_reason.as_deref());
    texts.extend(status_message.as_deref());
    texts.extend(tail.iter().rev().take(20).map(String::as_str));
    let memory_max = task.maximum.and_then(|m| m.memory_gib);
    let memory_reserved = task.reserved.and_then(|m| m.memory_gib);
    let at_limit = memory_max
        .zip(memory_reserved)
        .is_some_and(|(max, reserved)| reserved > 0.0 && max >= 0.95 * reserved);
    let class = classify(&texts, at_limit);
    let code = texts.iter().find_map(|t| exit_code(t));
    let evidence = evidence(&tail, class);
    DiagnosedTask {
        task_id: task.task_id.clone(),
        name: task.name.clone(),
        first,
        failed_at: task.stop_time,
        next_step: next_step(class, task, code, run),
        failure_reason,
        status_message,
        exit_code: code,
        evidence,
        class,
        instance_type: task.instance_type.clone(),
        memory_max_gib: memory_max,
        memory_reserved_gib: memory_reserved,
        log_stream: detail.map(|d| d.log_stream.clone()),
        log_tail: tail,
    }
}

/// The last of the final 20 log-tail lines that shows `class` on its own (trimmed, at most 300 characters).
fn evidence(tail: &[String], class: FailureClass) -> Option<String> {
    if class == FailureClass::Unknown {
        return None;
    }
    tail.iter()
        .rev()
        .take(20)
        .map(|line| line.trim())
        .find(|line| classify(&[line], false) == class)
        .map(|line| line.chars().take(300).collect())
}

fn next_step(class: FailureClass, task: &EnrichedTask, code: Option<i64>, run: &RunInfo) -> String {
    let reserved = task.reserved.and_then(|r| r.memory_gib);
    match class {
        FailureClass::OutOfMemory => match reserved {
            Some(gib) => format!(
                "raise the task's memory above the {gib} GiB it had (e.g. double it to {} GiB) and rerun; if the tool is Java, raise -Xmx with it",
                gib * 2.0
            ),
            None => "raise the task's memory request and rerun; if the tool is Java, raise -Xmx with it"
                .to_owned(),
        },
        FailureClass::ImagePull => "check that the image URI exists in a private ECR repository in the run's region, that the tag or digest is right, and that the repository policy lets omics.amazonaws.com pull it".to_owned(),
        FailureClass::StorageFull => match run.storage_type.as_deref() {
            Some("STATIC") => format!(
                "raise the run's storageCapacity (now {} GiB) or start it with DYNAMIC storage, which grows as needed",
                run.storage_capacity.map_or("unknown".to_owned(), |c| c.to_string())
            ),
            _ => "free space in the task (delete intermediates) or split its input; DYNAMIC storage grows but a task's own limits still apply".to_owned(),
        },
        FailureClass::ServiceError => "rerun: a service-side failure is usually transient; if it repeats, open an AWS Support case with the run and task ids".to_owned(),
        FailureClass::NonZeroExit => format!(
            "read the log tail: the command exited with {}; reproduce it locally with the same image and inputs",
            code.map_or("a non-zero code".to_owned(), |c| format!("code {c}"))
        ),
        FailureClass::Unknown => "read the task's log stream and the engine log (run/<id>/engine) for the first error".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{at, task};

    #[test]
    fn classes_from_real_messages() {
        let cases: &[(&str, FailureClass)] = &[
            ("Task failed with exit code 137", FailureClass::OutOfMemory),
            (
                "java.lang.OutOfMemoryError: Java heap space",
                FailureClass::OutOfMemory,
            ),
            ("Container killed: OOMKilled", FailureClass::OutOfMemory),
            (
                "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
                FailureClass::ImagePull,
            ),
            ("Error: No space left on device", FailureClass::StorageFull),
            ("Out of storage for file system", FailureClass::StorageFull),
            ("Task failed with exit code 2", FailureClass::NonZeroExit),
            ("samtools: command failed", FailureClass::NonZeroExit),
            (
                "An internal error occurred, please retry",
                FailureClass::ServiceError,
            ),
            (
                "Insufficient capacity for omics.r.48xlarge",
                FailureClass::ServiceError,
            ),
            ("the room was full of zoom calls", FailureClass::Unknown),
            ("", FailureClass::Unknown),
        ];
        for (text, class) in cases {
            assert_eq!(classify(&[text], false), *class, "{text}");
        }
        // Storage full wins over the exit code it caused; memory at the limit means OOM even without words.
        assert_eq!(
            classify(
                &["exit code 1", "write failed: No space left on device"],
                false
            ),
            FailureClass::StorageFull
        );
        assert_eq!(classify(&["exit code 1"], true), FailureClass::OutOfMemory);
    }

    #[test]
    fn evidence_is_the_telling_tail_line() {
        let tail: Vec<String> = [
            "INFO\tAbstractAlignmentMerger\tRead 57,000,000 records.",
            "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space",
            "\tat htsjdk.samtools.util.SortingCollection.add(SortingCollection.java:182)",
            "Killed",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            evidence(&tail, FailureClass::OutOfMemory).as_deref(),
            Some("Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space")
        );
        // A class the tail does not show, and an unknown class, have no evidence line.
        assert_eq!(evidence(&tail, FailureClass::StorageFull), None);
        assert_eq!(evidence(&tail, FailureClass::Unknown), None);
        assert_eq!(evidence(&[], FailureClass::OutOfMemory), None);
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code("Task failed with exit code 137"), Some(137));
        assert_eq!(exit_code("exit status: 2"), Some(2));
        assert_eq!(exit_code("process exited with code 3"), Some(3));
        assert_eq!(exit_code("no code here"), None);
    }

    #[test]
    fn failures_in_time_order_first_marked() {
        let mut collector = FailureCollector::default();
        let mut late = task("20", "Late-0-1", "omics.c.large", 600.0, (1.0, 1.0));
        late.status = Some(TaskStatus::Failed);
        late.stop_time = at("2024-01-01T01:00:00Z");
        late.failure_reason = Some("CannotPullContainerError".into());
        let mut early = task("30", "Early-0-1", "omics.c.large", 60.0, (1.0, 1.0));
        early.status = Some(TaskStatus::Failed);
        early.stop_time = at("2024-01-01T00:10:00Z");
        early.failure_reason = Some("Task failed with exit code 1".into());
        let ok = task("40", "Fine-0-1", "omics.c.large", 60.0, (1.0, 1.0));
        for t in [&late, &early, &ok] {
            collector.observe(t);
        }
        let run = RunInfo::default();
        let d = collector.finish(&RunStatus::Failed, &run, &[]).unwrap();
        assert_eq!(d.failed_task_count, 2);
        let ids: Vec<&str> = d.tasks.iter().map(|t| t.task_id.as_str()).collect();
        assert_eq!(ids, ["30", "20"]);
        assert!(d.tasks[0].first && !d.tasks[1].first);
        assert_eq!(d.tasks[0].class, FailureClass::NonZeroExit);
        assert_eq!(d.tasks[0].exit_code, Some(1));
        assert_eq!(d.tasks[1].class, FailureClass::ImagePull);
        assert!(
            d.tasks[1].next_step.contains("ECR"),
            "{}",
            d.tasks[1].next_step
        );

        let none = FailureCollector::default().finish(&RunStatus::Completed, &run, &[]);
        assert_eq!(none, None);
        let run = RunInfo {
            failure_reason: Some("SERVICE_ERROR".into()),
            ..RunInfo::default()
        };
        let bare = FailureCollector::default()
            .finish(&RunStatus::Failed, &run, &[])
            .unwrap();
        assert_eq!(
            bare.summary,
            "the run failed without a failed task: SERVICE_ERROR"
        );
    }
}
