//! Timeline layout and drawing on hand-made runs.

use super::*;
use crate::analysis::tests::{at, head, task};
use crate::record::{EnrichedRun, EnrichedTask, RunInfo};
use crate::status::{RunStatus, TaskStatus};

fn timed(
    id: &str,
    name: &str,
    created: &str,
    started: Option<&str>,
    stopped: Option<&str>,
) -> EnrichedTask {
    EnrichedTask {
        task_id: id.into(),
        name: Some(name.into()),
        status: Some(if stopped.is_some() {
            TaskStatus::Completed
        } else {
            TaskStatus::Running
        }),
        creation_time: at(created),
        start_time: started.and_then(at),
        stop_time: stopped.and_then(at),
        ..EnrichedTask::default()
    }
}

fn run(tasks: Vec<EnrichedTask>) -> EnrichedRun {
    let info = RunInfo {
        start_time: at("2024-01-01T00:00:00Z"),
        stop_time: at("2024-01-01T00:20:00Z"),
        engine: Some("WDL".into()),
        ..RunInfo::default()
    };
    EnrichedRun {
        head: head("42", RunStatus::Completed, info),
        tasks,
    }
}

#[test]
fn lanes_pack_tasks_that_do_not_overlap() {
    // A 0–10 min, B 5–15, C 10–20: A and C share a lane, B needs its own.
    let r = run(vec![
        timed(
            "1",
            "A",
            "2024-01-01T00:00:00Z",
            Some("2024-01-01T00:01:00Z"),
            Some("2024-01-01T00:10:00Z"),
        ),
        timed(
            "2",
            "B",
            "2024-01-01T00:05:00Z",
            Some("2024-01-01T00:05:00Z"),
            Some("2024-01-01T00:15:00Z"),
        ),
        timed(
            "3",
            "C",
            "2024-01-01T00:10:00Z",
            Some("2024-01-01T00:12:00Z"),
            Some("2024-01-01T00:20:00Z"),
        ),
    ]);
    let l = layout(&r, Some(Mode::Lanes));
    assert_eq!(l.span, 1200.0);
    assert_eq!(l.rows, vec![vec![0, 2], vec![1]]);
    assert_eq!(l.peak_running, 2);
    assert_eq!(l.bars[0].queued, Some(0.0));
    assert_eq!(l.bars[0].start, Some(60.0));
    assert_eq!(l.bars[2].end, 1200.0);
    // Small runs default to one row per task.
    assert_eq!(layout(&r, None).mode, Mode::Tasks);
}

#[test]
fn open_and_untimed_tasks() {
    let mut cached = timed("9", "Cached", "2024-01-01T00:00:00Z", None, None);
    cached.creation_time = None;
    cached.cache_hit = Some(true);
    let r = run(vec![
        timed(
            "1",
            "Running",
            "2024-01-01T00:00:00Z",
            Some("2024-01-01T00:02:00Z"),
            None,
        ),
        cached,
    ]);
    let l = layout(&r, None);
    assert_eq!(l.bars.len(), 1);
    assert!(l.bars[0].open);
    assert_eq!(
        l.bars[0].end, 1200.0,
        "an open task runs to the end of the axis"
    );
    assert_eq!(l.cached_untimed, 1);
    let svg = render_svg(&l, &caption(&r));
    assert!(
        svg.contains("1 cached task(s) without times not drawn"),
        "{svg}"
    );
}

#[test]
fn groups_count_queued_and_running_per_bucket() {
    // 400 buckets over 20 min: 3 s each. Two shards of one task queued 0–60 s, running 60–600 s.
    let r = run(vec![
        timed(
            "1",
            "Bwa-0-1",
            "2024-01-01T00:00:00Z",
            Some("2024-01-01T00:01:00Z"),
            Some("2024-01-01T00:10:00Z"),
        ),
        timed(
            "2",
            "Bwa-1-1",
            "2024-01-01T00:00:00Z",
            Some("2024-01-01T00:01:00Z"),
            Some("2024-01-01T00:10:00Z"),
        ),
        timed(
            "3",
            "Sort-0-1",
            "2024-01-01T00:10:00Z",
            Some("2024-01-01T00:10:00Z"),
            Some("2024-01-01T00:20:00Z"),
        ),
    ]);
    let l = layout(&r, Some(Mode::Groups));
    assert_eq!(l.bucket_seconds, 3.0);
    assert_eq!(l.groups.len(), 2);
    let bwa = &l.groups[0];
    assert_eq!((bwa.name.as_str(), bwa.tasks, bwa.peak), ("Bwa", 2, 2));
    // Bucket midpoints are 1.5 s, 4.5 s, …: bucket 0 (midpoint 1.5 s): both queued; bucket 19 (58.5 s): queued;
    // bucket 20 (61.5 s): running, no longer queued; bucket 199 (598.5 s): running; bucket 200 (601.5 s): done.
    assert_eq!((bwa.queued[0], bwa.queued[19], bwa.queued[20]), (2, 2, 0));
    let running = &bwa.running[0].1;
    assert_eq!(
        (running[19], running[20], running[199], running[200]),
        (0, 2, 2, 0)
    );
    // Sort-0-1 runs 600–1200 s: the last bucket (1198.5 s) counts it; one task, so its peak is 1.
    assert_eq!(l.groups[1].peak, 1);
    assert_eq!(l.groups[1].running[0].1[399], 1);
    assert_eq!(l.groups[1].name, "Sort");
    assert!(l.groups[0].failed_at.is_empty());
}

#[test]
fn svg_and_html_are_self_contained() {
    let mut t = task("1", "Bwa<&>\"-0-1", "omics.c.large", 600.0, (1.0, 1.0));
    t.cache_hit = Some(true);
    let r = run(vec![t]);
    let l = layout(&r, None);
    let svg = render_svg(&l, &caption(&r));
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(
        svg.contains("Bwa&lt;&amp;&gt;&quot;-0-1"),
        "names are escaped"
    );
    assert!(svg.contains("#8e24aa"), "cached tasks are marked");
    assert!(svg.contains("Run 42"), "{svg}");
    let html = render_html(&l, &caption(&r));
    assert!(html.starts_with("<!DOCTYPE html>"));
    for banned in ["<script", "src=", "href=\"http", "@import", "url("] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
}

#[test]
fn ten_thousand_tasks_fall_back_to_groups() {
    let tasks: Vec<EnrichedTask> = (0..10_000)
        .map(|i| {
            let mut t = task(
                &i.to_string(),
                &format!("Shard{}-{}-1", i % 7, i),
                "omics.c.large",
                300.0,
                (1.0, 1.0),
            );
            t.start_time =
                Some(t.start_time.unwrap() + chrono::Duration::seconds(i64::from(i % 600)));
            t.stop_time = Some(t.start_time.unwrap() + chrono::Duration::seconds(300));
            t
        })
        .collect();
    let r = run(tasks);
    let l = layout(&r, None);
    assert_eq!(l.mode, Mode::Groups);
    assert_eq!(l.groups.len(), 7);
    let svg = render_svg(&l, &caption(&r));
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
}
