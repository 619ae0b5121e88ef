//! A 10,000-task run enriches with a bounded number of upstream calls and bounded memory; prints wall time,
//! upstream calls by operation (the emulator's `GET /_emulator/stats`) and the peak RSS of the enrichment.
//!
//! `cargo test -p omics-introspect-tests --test enrich large -- --ignored --nocapture` also runs 100,000 tasks.
//! Needs the local stack: run through `make test`.

use crate::enrich_support;

use std::time::{Duration, Instant};

use enrich_support::{
    b, emulator, item, n, peak_rss_kib, report, reset_peak_rss, rss_kib, run_event, setup,
};
use omics_introspect_tests::harness::{reset_stats, stats};

struct Measured {
    wall: Duration,
    stats: serde_json::Value,
    rss_before_kib: u64,
    peak_kib: u64,
    gzip_bytes: f64,
    json_bytes: f64,
}

async fn enrich_synthetic(run_id: &str, tasks: usize, failed: usize) -> Measured {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(10)).await;
    let uuid = enrich_support::fresh_uuid();
    // Seed from a separate process (synth-run), so this process never holds the generated run and its peak RSS
    // is the enrichment's.
    let status = if failed > 0 { "FAILED" } else { "COMPLETED" };
    let seeded = Instant::now();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_synth-run"))
        .args([
            "--run-id", run_id, "--uuid", &uuid, "--status", status, "--seed", "42",
        ])
        .args([
            "--tasks",
            &tasks.to_string(),
            "--failed",
            &failed.to_string(),
        ])
        .args([
            "--cached",
            &(tasks / 200).to_string(),
            "--gpu",
            &(tasks / 500).to_string(),
        ])
        .args(["--post", emu.url(), "--timeout", "600"])
        .output()
        .expect("running synth-run");
    assert!(
        output.status.success(),
        "synth-run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "{tasks} tasks: seeded in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    reset_stats(emu.url()).await.unwrap();
    let peak_reset = reset_peak_rss();
    let rss_before_kib = rss_kib();
    let started = Instant::now();
    let answer = setup
        .enricher
        .handle_event(run_event(run_id, Some(&uuid), status))
        .await
        .unwrap();
    let wall = started.elapsed();
    let peak_kib = if peak_reset { peak_rss_kib() } else { 0 };
    assert_eq!(answer["outcome"], "written", "{answer}");
    let stats = stats(emu.url()).await.unwrap();

    let stored = item(&setup, run_id, &uuid).await.unwrap();
    assert!(b(&stored, "manifestComplete"));
    assert_eq!(n(&stored, "taskCount") as usize, tasks);
    let record = report(&setup, &stored).await;
    assert_eq!(record.tasks.len(), tasks);
    assert_eq!(record.head.failed_tasks.len(), failed.min(100));
    Measured {
        wall,
        stats,
        rss_before_kib,
        peak_kib,
        gzip_bytes: n(&stored, "reportBytes"),
        json_bytes: n(&stored, "reportJsonBytes"),
    }
}

fn print(tasks: usize, m: &Measured) {
    eprintln!(
        "{tasks} tasks: enriched in {:.2} s; upstream calls {}; RSS before {} MiB, peak during enrichment {} MiB \
         (+{} MiB); record {:.1} MiB JSON, {:.2} MiB gzip",
        m.wall.as_secs_f64(),
        m.stats,
        m.rss_before_kib / 1024,
        m.peak_kib / 1024,
        m.peak_kib.saturating_sub(m.rss_before_kib) / 1024,
        m.json_bytes / 1_048_576.0,
        m.gzip_bytes / 1_048_576.0,
    );
}

#[tokio::test]
async fn ten_thousand_tasks() {
    let tasks = 10_000;
    let m = enrich_synthetic("8300001", tasks, 3).await;
    print(tasks, &m);
    // One GetRun, one ListRunTasks per 100 tasks, one GetRunTask per failed task, nothing else.
    assert_eq!(m.stats["GetRun"], 1);
    assert_eq!(m.stats["ListRunTasks"], 100);
    assert_eq!(m.stats["GetRunTask"], 3);
    assert_eq!(m.stats["ListRuns"], 0);
    if m.peak_kib > 0 {
        let growth = m.peak_kib.saturating_sub(m.rss_before_kib);
        assert!(
            growth < 256 * 1024,
            "the enrichment grew RSS by {growth} KiB"
        );
    }
}

#[tokio::test]
#[ignore = "slow: seeds 100,000 tasks into moto; run with --ignored for the numbers"]
async fn hundred_thousand_tasks() {
    let tasks = 100_000;
    let m = enrich_synthetic("8300002", tasks, 0).await;
    print(tasks, &m);
    assert_eq!(m.stats["ListRunTasks"], 1000);
}
