//! `bench-load`: the lookup API under concurrent load, from a second process.
//!
//! Spawns its own emulator (one synthetic run, no manifest) and `local-api` against it, measures start-up (spawn
//! to `LISTENING`, spawn to the first 200), then keeps `--concurrency` clients busy for `--seconds`, each sending
//! one request per connection to the four lookup routes in turn. Per request it records the handler overhead from
//! the `Server-Timing` header (`total - upstream`: the time in the handler minus the time in the AWS SDK call)
//! and the client-side latency. Prints a table, then one `BENCH_JSON {...}` line for `scripts/bench.py`.
//!
//! ```text
//! cargo build --release -p local-api -p omics-introspect-tests --bins
//! target/release/bench-load --concurrency 8 --seconds 10
//! ```

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use omics_introspect_tests::harness::{EmulatorProcess, HttpResponse, http_request, seed_run};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Load the lookup API and report handler overhead percentiles.
#[derive(Debug, Parser)]
struct Args {
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds of measured load (after one second of warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Upper bound on measured requests (the load stops at whichever comes first).
    #[arg(long, default_value_t = 1_000_000)]
    max_requests: usize,
    /// Tasks of the seeded run.
    #[arg(long, default_value_t = 250)]
    tasks: usize,
    /// The local-api binary (default: next to this one).
    #[arg(long)]
    local_api: Option<PathBuf>,
    /// The omics-emulator binary (default: next to this one).
    #[arg(long)]
    emulator: Option<PathBuf>,
}

const RUN_ID: &str = "8800002";

fn sibling(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating this executable")?;
    Ok(exe.with_file_name(name))
}

/// `local-api` as a child process, killed on drop.
struct LocalApiProcess {
    child: Child,
    url: String,
}

impl LocalApiProcess {
    async fn spawn(bin: &Path, emulator_url: &str) -> Result<Self> {
        let mut child = Command::new(bin)
            .env("LOCAL_API_ADDR", "127.0.0.1:0")
            .env("AWS_ENDPOINT_URL_OMICS", emulator_url)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("CURSOR_SECRET", "bench-load cursor secret, 32+ bytes long")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
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
        Ok(Self { child, url })
    }

    fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

impl Drop for LocalApiProcess {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// `upstream` and `total` of a `Server-Timing` header, in ms.
fn server_timing(response: &HttpResponse) -> Option<(f64, f64)> {
    let header = response.header("server-timing")?;
    let mut upstream = None;
    let mut total = None;
    for metric in header.split(',') {
        let (name, rest) = metric.trim().split_once(";dur=")?;
        let value: f64 = rest.trim().parse().ok()?;
        match name {
            "upstream" => upstream = Some(value),
            "total" => total = Some(value),
            _ => {}
        }
    }
    Some((upstream?, total?))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(mut samples: Vec<f64>) -> Value {
    samples.sort_by(f64::total_cmp);
    json!({
        "n": samples.len(),
        "p50": percentile(&samples, 50.0),
        "p90": percentile(&samples, 90.0),
        "p99": percentile(&samples, 99.0),
        "max": samples.last().copied().unwrap_or(f64::NAN),
    })
}

#[derive(Default)]
struct Samples {
    overhead: Vec<f64>,
    upstream: Vec<f64>,
    latency: Vec<f64>,
    errors: usize,
}

/// Peak resident memory of a process (`VmHWM`), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    anyhow::ensure!(args.concurrency >= 1, "--concurrency must be at least 1");
    let emulator_bin = args
        .emulator
        .clone()
        .map_or_else(|| sibling("omics-emulator"), Ok)?;
    let local_api_bin = args
        .local_api
        .clone()
        .map_or_else(|| sibling("local-api"), Ok)?;
    for bin in [&emulator_bin, &local_api_bin] {
        if !bin.exists() {
            bail!(
                "{} not found: cargo build --release -p local-api -p omics-introspect-tests --bins",
                bin.display()
            );
        }
    }

    let emulator = EmulatorProcess::spawn(&emulator_bin, None).await?;
    let task_id = seed_synthetic_run(emulator.url(), args.tasks).await?;

    let started = Instant::now();
    let api = LocalApiProcess::spawn(&local_api_bin, emulator.url()).await?;
    let listening = started.elapsed();
    wait_for_first_200(&api.url, started).await?;
    let first_response = started.elapsed();

    let paths: Arc<Vec<String>> = Arc::new(vec![
        format!("/runs/{RUN_ID}"),
        "/runs?limit=100".to_owned(),
        format!("/runs/{RUN_ID}/tasks?limit=100"),
        format!("/runs/{RUN_ID}/tasks/{task_id}"),
    ]);

    // Warm-up: one second at full concurrency, not recorded.
    let phase = |duration: Duration, budget: usize| {
        load_phase(
            api.url.clone(),
            Arc::clone(&paths),
            args.concurrency,
            duration,
            budget,
        )
    };
    let _ = phase(Duration::from_secs(1), usize::MAX).await;
    let measured_started = Instant::now();
    let samples = phase(Duration::from_secs(args.seconds), args.max_requests).await;
    let measured = Measured {
        elapsed: measured_started.elapsed().as_secs_f64(),
        listening,
        first_response,
        api_peak_rss_kib: api.pid().and_then(peak_rss_kib),
        samples,
    };
    print_report(args.concurrency, &local_api_bin, measured);
    drop(api);
    drop(emulator);
    Ok(())
}

/// Seeds the emulator with one synthetic run of `tasks` tasks and no manifest (the lookup routes read
/// HealthOmics only); answers a task id for the task route.
async fn seed_synthetic_run(emulator_url: &str, tasks: usize) -> Result<String> {
    let run = generate(&SyntheticSpec {
        run_id: RUN_ID.to_owned(),
        tasks,
        status: "COMPLETED".to_owned(),
        ..SyntheticSpec::default()
    });
    let mut seed = to_seed_body(&run);
    seed["manifest"] = Value::Array(Vec::new());
    seed_run(emulator_url, &seed).await?;
    Ok(run.tasks[0]["taskId"]
        .as_str()
        .context("synthetic task without taskId")?
        .to_owned())
}

/// Polls until `local-api` answers 200: `LISTENING` is printed before the first request can be served, and the
/// start-up time reported is the one a caller sees.
async fn wait_for_first_200(api_url: &str, started: Instant) -> Result<()> {
    let first_path = format!("/runs/{RUN_ID}");
    loop {
        if let Ok(response) = http_request(api_url, "GET", &first_path, None).await
            && response.status == 200
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("local-api gave no successful response within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Runs `concurrency` clients until `duration` has passed or `budget` requests were sent, and merges their
/// samples.
async fn load_phase(
    url: String,
    paths: Arc<Vec<String>>,
    concurrency: usize,
    duration: Duration,
    budget: usize,
) -> Samples {
    let deadline = Instant::now() + duration;
    let per_client = budget.div_ceil(concurrency);
    let clients = (0..concurrency).map(|client| {
        tokio::spawn(one_client(
            url.clone(),
            Arc::clone(&paths),
            client,
            deadline,
            per_client,
        ))
    });
    let mut all = Samples::default();
    for handle in clients.collect::<Vec<_>>() {
        let samples = handle.await.expect("client task");
        all.overhead.extend(samples.overhead);
        all.upstream.extend(samples.upstream);
        all.latency.extend(samples.latency);
        all.errors += samples.errors;
    }
    all
}

/// One client: one request per connection, cycling through `paths` from its own offset so the clients do not
/// all hit the same route at once. A 200 without a usable `Server-Timing` header counts as an error.
async fn one_client(
    url: String,
    paths: Arc<Vec<String>>,
    client: usize,
    deadline: Instant,
    per_client: usize,
) -> Samples {
    let mut samples = Samples::default();
    let mut i = client;
    let mut sent = 0;
    while Instant::now() < deadline && sent < per_client {
        let path = &paths[i % paths.len()];
        i += 1;
        sent += 1;
        let t0 = Instant::now();
        match http_request(&url, "GET", path, None).await {
            Ok(response) if response.status == 200 => {
                samples.latency.push(t0.elapsed().as_secs_f64() * 1e3);
                if let Some((upstream, total)) = server_timing(&response) {
                    samples.overhead.push(total - upstream);
                    samples.upstream.push(upstream);
                } else {
                    samples.errors += 1;
                }
            }
            _ => samples.errors += 1,
        }
    }
    samples
}

/// What the measured phase produced, with the start-up times.
struct Measured {
    elapsed: f64,
    listening: Duration,
    first_response: Duration,
    api_peak_rss_kib: Option<u64>,
    samples: Samples,
}

/// Prints the human table, then the `BENCH_JSON` line `scripts/bench.py` parses.
fn print_report(concurrency: usize, local_api_bin: &Path, measured: Measured) {
    let Measured {
        elapsed,
        listening,
        first_response,
        api_peak_rss_kib,
        samples,
    } = measured;
    let requests = samples.latency.len() + samples.errors;
    let overhead = summary(samples.overhead);
    let upstream = summary(samples.upstream);
    let latency = summary(samples.latency);
    println!(
        "bench-load: {} clients for {:.1} s, {requests} requests ({:.0}/s), {} errors, local-api {}",
        concurrency,
        elapsed,
        requests as f64 / elapsed,
        samples.errors,
        local_api_bin.display()
    );
    println!(
        "start-up: LISTENING after {:.1} ms, first 200 response after {:.1} ms",
        listening.as_secs_f64() * 1e3,
        first_response.as_secs_f64() * 1e3
    );
    println!(
        "{:<36} {:>9} {:>9} {:>9} {:>9}",
        "ms", "p50", "p90", "p99", "max"
    );
    for (name, s) in [
        ("handler overhead (total - upstream)", &overhead),
        ("upstream (SDK call to the emulator)", &upstream),
        ("client latency", &latency),
    ] {
        println!(
            "{name:<36} {:>9.3} {:>9.3} {:>9.3} {:>9.3}",
            s["p50"].as_f64().unwrap_or(f64::NAN),
            s["p90"].as_f64().unwrap_or(f64::NAN),
            s["p99"].as_f64().unwrap_or(f64::NAN),
            s["max"].as_f64().unwrap_or(f64::NAN)
        );
    }
    let report = json!({
        "concurrency": concurrency,
        "seconds": elapsed,
        "requests": requests,
        "errors": samples.errors,
        "rps": requests as f64 / elapsed,
        "listeningMs": listening.as_secs_f64() * 1e3,
        "firstResponseMs": first_response.as_secs_f64() * 1e3,
        "overheadMs": overhead,
        "upstreamMs": upstream,
        "latencyMs": latency,
        "apiPeakRssKiB": api_peak_rss_kib,
    });
    println!("BENCH_JSON {report}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_summaries() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        let s = summary((1..=10).rev().map(f64::from).collect());
        assert_eq!(s["p50"], 5.0);
        assert_eq!(s["max"], 10.0);
        assert_eq!(s["n"], 10);
        let response = HttpResponse {
            status: 200,
            headers: vec![(
                "server-timing".into(),
                "upstream;dur=1.500, total;dur=1.750".into(),
            )],
            body: Vec::new(),
        };
        assert_eq!(server_timing(&response), Some((1.5, 1.75)));
    }
}
