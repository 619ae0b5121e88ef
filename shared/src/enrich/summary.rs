//! Aggregates over a run's tasks: counts by status, task-hours, reserved hours, utilization, queue times.

use std::collections::BTreeMap;

use super::rows::TaskRow;
use crate::record::{ReportSummary, RunInfo, round_to, seconds_between};

/// Sums over the rows in their final order (so float sums are the same on every run), then rounds: hours to 6
/// decimals, utilization to 4, seconds to 3.
pub(crate) fn summarize(rows: &[TaskRow], run: &RunInfo) -> ReportSummary {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut cache_hits = 0;
    let mut manifest_only = 0;
    let mut api_only = 0;
    let mut running_total = 0.0;
    let mut cpu_reserved_seconds = 0.0;
    let mut memory_reserved_seconds = 0.0;
    let mut cpu_used_seconds = 0.0;
    let mut cpu_weight = 0.0;
    let mut memory_used_seconds = 0.0;
    let mut memory_weight = 0.0;
    let mut queue_max: Option<f64> = None;
    let mut queue_sum = 0.0;
    let mut queue_count = 0u64;

    for row in rows {
        let status = row.status.as_ref().map_or("UNKNOWN", |s| s.as_str());
        *counts.entry(status.to_owned()).or_default() += 1;
        cache_hits += u64::from(row.cache_hit == Some(true));
        manifest_only += u64::from(row.in_manifest() && !row.in_api());
        api_only += u64::from(row.in_api() && !row.in_manifest());
        if let Some(queue) = row.queue_seconds() {
            queue_max = Some(queue_max.map_or(queue, |m: f64| m.max(queue)));
            queue_sum += queue;
            queue_count += 1;
        }
        let Some(running) = row.running_seconds() else {
            continue;
        };
        running_total += running;
        let Some(m) = row.metrics() else {
            continue;
        };
        if let Some(reserved) = m.cpus_reserved {
            cpu_reserved_seconds += reserved * running;
            if let Some(average) = m.cpus_average {
                cpu_used_seconds += average * running;
                cpu_weight += reserved * running;
            }
        }
        if let Some(reserved) = m.memory_reserved_gib {
            memory_reserved_seconds += reserved * running;
            if let Some(average) = m.memory_average_gib {
                memory_used_seconds += average * running;
                memory_weight += reserved * running;
            }
        }
    }

    let hours = |seconds: f64| round_to(seconds / 3600.0, 6);
    let weighted = |used: f64, weight: f64| (weight > 0.0).then(|| round_to(used / weight, 4));
    ReportSummary {
        task_count: rows.len() as u64,
        counts_by_status: counts,
        cache_hits,
        manifest_only_tasks: manifest_only,
        api_only_tasks: api_only,
        wall_time_seconds: seconds_between(run.start_time, run.stop_time),
        run_queue_seconds: seconds_between(run.creation_time, run.start_time),
        task_hours: hours(running_total),
        reserved_cpu_hours: hours(cpu_reserved_seconds),
        reserved_memory_gib_hours: hours(memory_reserved_seconds),
        cpu_utilization: weighted(cpu_used_seconds, cpu_weight),
        memory_utilization: weighted(memory_used_seconds, memory_weight),
        max_task_queue_seconds: queue_max,
        mean_task_queue_seconds: (queue_count > 0)
            .then(|| round_to(queue_sum / queue_count as f64, 3)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::rows::TaskTable;
    use crate::manifest::{ManifestRecord, parse_line};
    use crate::omics::Task;
    use crate::status::TaskStatus;
    use crate::time::parse_timestamp;

    fn add(table: &mut TaskTable, line: &str) {
        let ManifestRecord::Task(task) = parse_line(line).unwrap() else {
            panic!()
        };
        table.add_manifest_task(*task);
    }

    #[test]
    fn hand_computed_aggregates() {
        let mut table = TaskTable::default();
        // Task 1: 2 vCPU / 4 GiB reserved, 3600 s, avg 1 vCPU / 1 GiB, queued 60 s.
        add(
            &mut table,
            r#"{"arn":"a:task/1","status":"COMPLETED","creationTime":"2024-01-01T00:00:00Z","startTime":"2024-01-01T00:01:00Z","stopTime":"2024-01-01T01:01:00Z","metrics":{"cpusReserved":2,"cpusAverage":1,"memoryReservedGiB":4,"memoryAverageGiB":1,"runningSeconds":3600}}"#,
        );
        // Task 2: 4 vCPU / 8 GiB reserved, 1800 s, avg 3 vCPU / 6 GiB, queued 120 s.
        add(
            &mut table,
            r#"{"arn":"a:task/2","status":"FAILED","creationTime":"2024-01-01T00:00:00Z","startTime":"2024-01-01T00:02:00Z","metrics":{"cpusReserved":4,"cpusAverage":3,"memoryReservedGiB":8,"memoryAverageGiB":6,"runningSeconds":1800}}"#,
        );
        // Task 3: cached, no times, no metrics; only the list knows it.
        table.add_api_task(Task {
            task_id: Some("3".into()),
            status: Some(TaskStatus::Completed),
            cache_hit: Some(true),
            ..Task::default()
        });
        let rows = table.into_sorted();
        let run = RunInfo {
            creation_time: Some(parse_timestamp("2023-12-31T23:50:00Z").unwrap()),
            start_time: Some(parse_timestamp("2024-01-01T00:00:00Z").unwrap()),
            stop_time: Some(parse_timestamp("2024-01-01T02:00:00Z").unwrap()),
            ..RunInfo::default()
        };
        let s = summarize(&rows, &run);
        assert_eq!(s.task_count, 3);
        assert_eq!(s.counts_by_status["COMPLETED"], 2);
        assert_eq!(s.counts_by_status["FAILED"], 1);
        assert_eq!(s.cache_hits, 1);
        assert_eq!((s.manifest_only_tasks, s.api_only_tasks), (2, 1));
        assert_eq!(s.wall_time_seconds, Some(7200.0));
        assert_eq!(s.run_queue_seconds, Some(600.0));
        // (3600 + 1800) / 3600
        assert_eq!(s.task_hours, 1.5);
        // (2*3600 + 4*1800) / 3600 = 4
        assert_eq!(s.reserved_cpu_hours, 4.0);
        // (4*3600 + 8*1800) / 3600 = 8
        assert_eq!(s.reserved_memory_gib_hours, 8.0);
        // (1*3600 + 3*1800) / (2*3600 + 4*1800) = 9000 / 14400
        assert_eq!(s.cpu_utilization, Some(0.625));
        // (1*3600 + 6*1800) / (4*3600 + 8*1800) = 14400 / 28800
        assert_eq!(s.memory_utilization, Some(0.5));
        assert_eq!(s.max_task_queue_seconds, Some(120.0));
        assert_eq!(s.mean_task_queue_seconds, Some(90.0));
    }

    #[test]
    fn empty_run() {
        let s = summarize(&[], &RunInfo::default());
        assert_eq!(s.task_count, 0);
        assert_eq!(s.task_hours, 0.0);
        assert_eq!(s.cpu_utilization, None);
        assert_eq!(s.mean_task_queue_seconds, None);
    }
}
