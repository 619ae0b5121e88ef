//! `bench-fleet`: the fleet routes over a large stored fleet, through a real `local-api` process.
//!
//! Writes `--runs` synthetic summary items straight into the runs table of the local stack (moto; the environment
//! of `.local/stack.env`): 8 workflows, 40 batches, stop times spread over the 360 days before a fixed instant,
//! realistic figures and 12 task groups each, in a workflow id range of their own, and files their rows in the
//! fleet day buckets as `enrich-run` does. Then starts `local-api` and
//! measures `GET /fleet/summary` over the whole window, `GET /reports` pages and a 20-run profile, with the
//! DynamoDB read units each reported (`x-omics-introspect-consumed-rcu`). Prints one `BENCH_JSON {...}` line.
//!
//! ```text
//! set -a; source .local/stack.env; set +a
//! target/release/bench-fleet --runs 10000
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use omics_introspect::AwsClients;
use omics_introspect::record::fleet::{RunFacts, Spread, TaskGroupStats};
use omics_introspect::record::{EnrichmentSummary, RunUuid, usd};
use omics_introspect::status::RunStatus;
use omics_introspect::store::{
    FleetViews, PutOutcome, ReportLocation, SummaryRecord, SummaryStore, fleet_run,
};
use omics_introspect_tests::harness::{HttpResponse, http_request};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Seed a large fleet and time the fleet routes.
#[derive(Debug, Parser)]
struct Args {
    /// Stored runs to write.
    #[arg(long, default_value_t = 10_000)]
    runs: u64,
    /// Concurrent writes while seeding.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Requests per measured route.
    #[arg(long, default_value_t = 5)]
    repeat: usize,
    /// Measure a fleet seeded before (same `--runs`) without writing it again.
    #[arg(long)]
    no_seed: bool,
    /// The local-api binary (default: next to this one).
    #[arg(long)]
    local_api: Option<PathBuf>,
}

/// Workflow ids of the benchmark fleet (a range no fixture or test uses).
const FIRST_WORKFLOW: u64 = 777_000_001;
const WORKFLOWS: u64 = 8;
/// The end of the seeded window (stop times are in the 360 days before it).
const WINDOW_END: &str = "2025-06-01T00:00:00Z";

fn summary_of(i: u64, end: chrono::DateTime<chrono::Utc>) -> SummaryRecord {
    let mut rng = fastrand::Rng::with_seed(i);
    let stop = end - chrono::Duration::seconds(rng.i64(60..360 * 86_400));
    let start = stop - chrono::Duration::seconds(rng.i64(600..36_000));
    let status = match rng.u8(0..20) {
        0 => RunStatus::Failed,
        1 => RunStatus::Cancelled,
        _ => RunStatus::Completed,
    };
    let failed = u64::from(status == RunStatus::Failed) * rng.u64(1..4);
    let compute = usd(rng.f64() * 40.0);
    let storage = usd(rng.f64() * 3.0);
    let groups = (0..12)
        .map(|g| {
            let cpus = f64::from(rng.u32(1..32));
            let spread = |max: f64| Spread {
                p50: max / 2.0,
                p95: max * 0.9,
                max,
            };
            TaskGroupStats {
                base_name: format!("TASK_{g:02}"),
                tasks: rng.u64(1..400),
                cached: 0,
                peak_cpus: Some(spread(cpus)),
                peak_memory_gib: Some(spread(cpus * 3.5)),
                running_seconds: Some(spread(f64::from(rng.u32(60..7200)))),
                billed_hours: BTreeMap::from([("omics.m.4xlarge".to_owned(), rng.f64() * 20.0)]),
                usd: usd(compute / 12.0),
                gpu: false,
            }
        })
        .collect();
    let uuid = format!("bf{:030x}", u128::from(i) * 7_919 + 13);
    let run_id = format!("77{:010}", i);
    SummaryRecord {
        summary: EnrichmentSummary {
            schema_version: omics_introspect::record::SCHEMA_VERSION,
            run_id: run_id.clone(),
            uuid: RunUuid::parse(&uuid).expect("a valid uuid"),
            arn: Some(format!("arn:aws:omics:us-east-1:123456789012:run/{run_id}")),
            status,
            name: Some(format!("bench-fleet-{i}")),
            workflow_id: Some((FIRST_WORKFLOW + i % WORKFLOWS).to_string()),
            workflow_name: Some(format!("workflow-{}", i % WORKFLOWS)),
            creation_time: Some(start - chrono::Duration::seconds(120)),
            start_time: Some(start),
            stop_time: Some(stop),
            task_count: 500,
            counts_by_status: BTreeMap::from([("COMPLETED".to_owned(), 500 - failed)]),
            cache_hits: 0,
            task_hours: (rng.f64() * 400.0 * 1e6).round() / 1e6,
            wall_time_seconds: Some((stop - start).num_seconds() as f64),
            manifest_complete: true,
            manifest_digest: format!("sha256:{i:064x}"),
            manifest_lines: 501,
            api_available: true,
            warning_count: 0,
            enriched_at: stop.to_rfc3339(),
            facts: Some(RunFacts {
                batch_id: Some((888_000_000 + i % 40).to_string()),
                run_group_id: Some((999_000_000 + i % 5).to_string()),
                started_by: Some(format!("arn:aws:iam::123456789012:user/u{}", i % 7)),
                region: Some("us-east-1".to_owned()),
                compute_usd: compute,
                storage_usd: Some(storage),
                total_usd: Some(usd(compute + storage)),
                known_usd: usd(compute + storage),
                cost_complete: true,
                savings_usd: usd(compute * rng.f64() * 0.4),
                failed_tasks: failed,
                task_groups: groups,
                ..RunFacts::default()
            }),
        },
        report: ReportLocation {
            bucket: "bench-fleet".to_owned(),
            key: format!("runs/{run_id}/{uuid}/report.json.gz"),
            version_id: None,
            sha256: format!("sha256:{i:064x}"),
            bytes: 1,
            json_bytes: 1,
        },
        event_published: true,
        written_at: stop.to_rfc3339(),
    }
}

async fn seed(args: &Args, store: &SummaryStore, fleet: &FleetViews) -> Result<f64> {
    let end: chrono::DateTime<chrono::Utc> = WINDOW_END.parse()?;
    let started = Instant::now();
    let mut writes: tokio::task::JoinSet<omics_introspect::error::Result<PutOutcome>> =
        tokio::task::JoinSet::new();
    let mut runs = Vec::new();
    for i in 0..args.runs {
        if writes.len() >= args.concurrency
            && let Some(done) = writes.join_next().await
        {
            done?.context("writing a summary item")?;
        }
        let (store, record) = (store.clone(), summary_of(i, end));
        runs.extend(fleet_run(&record.summary));
        writes.spawn(async move { store.put_if_better(&record).await });
    }
    while let Some(done) = writes.join_next().await {
        done?.context("writing a summary item")?;
    }
    // The fleet table's views as enrich-run files them: one write per day and per workflow.
    let rows: Vec<_> = runs.iter().map(|r| r.row.clone()).collect();
    fleet
        .days
        .merge(&rows)
        .await
        .context("filing the fleet day buckets")?;
    let mut by_workflow: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    for run in runs {
        if let Some(workflow) = run.row.listed.workflow_id.clone() {
            by_workflow.entry(workflow).or_default().push(run);
        }
    }
    for (workflow, runs) in by_workflow {
        fleet
            .recent
            .offer_all(&workflow, &runs)
            .await
            .context("filing the recent runs")?;
    }
    Ok(started.elapsed().as_secs_f64())
}

async fn start_local_api(bin: &PathBuf) -> Result<(tokio::process::Child, String)> {
    let mut child = Command::new(bin)
        .env("LOCAL_API_ADDR", "127.0.0.1:0")
        .env("CURSOR_SECRET", "bench-fleet cursor secret, 32+ bytes long")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let mut lines = BufReader::new(child.stdout.take().context("no stdout")?).lines();
    let url = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(url) = line.strip_prefix("LISTENING ") {
                return Ok(url.trim().to_owned());
            }
        }
        bail!("local-api exited before listening")
    })
    .await
    .context("local-api did not print LISTENING within 30 s")??;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, url))
}

/// Times `path` `repeat` times: (p50 ms, max ms, read units of the last answer, the last answer).
async fn measure(url: &str, path: &str, repeat: usize) -> Result<(f64, f64, f64, HttpResponse)> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeat {
        let started = Instant::now();
        let response = http_request(url, "GET", path, None).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        if response.status != 200 {
            bail!(
                "{path}: {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            );
        }
        last = Some(response);
    }
    times.sort_by(f64::total_cmp);
    let last = last.context("no request")?;
    let rcu = last
        .header("x-omics-introspect-consumed-rcu")
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    Ok((times[times.len() / 2], times[times.len() - 1], rcu, last))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let table =
        std::env::var("RUNS_TABLE_NAME").context("RUNS_TABLE_NAME (source .local/stack.env)")?;
    let clients = AwsClients::from_env().await;
    let store = SummaryStore::new(clients.dynamodb.clone(), table);
    let fleet_table =
        std::env::var("FLEET_TABLE_NAME").context("FLEET_TABLE_NAME (source .local/stack.env)")?;
    let fleet = FleetViews::new(clients.dynamodb.clone(), &fleet_table);
    let seed_seconds = if args.no_seed {
        0.0
    } else {
        seed(&args, &store, &fleet).await?
    };
    eprintln!("seeded {} runs in {seed_seconds:.1} s", args.runs);
    let bin = match &args.local_api {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("local-api"),
    };
    let (_child, url) = start_local_api(&bin).await?;
    let window = "from=2024-06-01&to=2025-06-01";
    let (summary_ms, summary_max, summary_rcu, summary) = measure(
        &url,
        &format!("/fleet/summary?{window}&groupBy=workflow"),
        args.repeat,
    )
    .await?;
    // The stack may hold other runs in the window: count the benchmark's workflows.
    let workflows = FIRST_WORKFLOW..FIRST_WORKFLOW + WORKFLOWS;
    let runs: u64 = summary.json()?["groups"]
        .as_array()
        .context("no groups")?
        .iter()
        .filter(|g| {
            g["key"]
                .as_str()
                .and_then(|k| k.parse::<u64>().ok())
                .is_some_and(|k| workflows.contains(&k))
        })
        .filter_map(|g| g["runs"].as_u64())
        .sum();
    if runs != args.runs {
        bail!(
            "the fleet summary counted {runs} runs of the {} seeded",
            args.runs
        );
    }
    let (page_ms, page_max, page_rcu, page) =
        measure(&url, &format!("/reports?{window}&limit=50"), args.repeat).await?;
    let cursor = page.json()?["nextCursor"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (next_ms, _, next_rcu, _) = measure(
        &url,
        &format!("/reports?{window}&limit=50&cursor={cursor}"),
        args.repeat,
    )
    .await?;
    let (profile_ms, profile_max, profile_rcu, _) = measure(
        &url,
        &format!("/workflows/{FIRST_WORKFLOW}/profile?runs=20"),
        args.repeat,
    )
    .await?;
    let result = json!({
        "runs": args.runs, "summedRuns": runs, "seedSeconds": seed_seconds,
        "summary": {"p50Ms": summary_ms, "maxMs": summary_max, "rcu": summary_rcu},
        "reportsFirstPage": {"p50Ms": page_ms, "maxMs": page_max, "rcu": page_rcu},
        "reportsNextPage": {"p50Ms": next_ms, "rcu": next_rcu},
        "profile": {"p50Ms": profile_ms, "maxMs": profile_max, "rcu": profile_rcu},
    });
    println!("BENCH_JSON {result}");
    Ok(())
}
