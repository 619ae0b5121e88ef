//! `bench-api`: how much the API adds on top of HealthOmics, and how fast `local-api` starts.
//!
//! Spawns its own emulator (seeded with one synthetic run, no manifest) and `local-api` against it, then:
//! - start-up: from spawning `local-api` to its first successful response;
//! - per route, N sequential requests: handler overhead from the `Server-Timing` header (`total - upstream`, i.e.
//!   time in the handler minus time in the AWS SDK call), client-side latency through `local-api`, and the
//!   client-side latency of the equivalent request sent straight to the emulator.
//!
//! ```text
//! cargo build --release -p local-api -p omics-introspect-tests --bins
//! target/release/bench-api --requests 500
//! ```

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use omics_introspect_tests::harness::{EmulatorProcess, HttpResponse, http_request, seed_run};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Benchmark the HTTP API's overhead and start-up time.
#[derive(Debug, Parser)]
struct Args {
    /// Requests per route (sequential).
    #[arg(long, default_value_t = 200)]
    requests: usize,
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

const RUN_ID: &str = "8800001";

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
            .env("CURSOR_SECRET", "bench-api cursor secret, 32+ bytes long")
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
        // Keep draining stdout so a chatty child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { child, url })
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

struct Stats {
    p50: f64,
    p99: f64,
}

fn stats(mut samples: Vec<f64>) -> Stats {
    samples.sort_by(f64::total_cmp);
    Stats {
        p50: percentile(&samples, 50.0),
        p99: percentile(&samples, 99.0),
    }
}

async fn timed_get(url: &str, path: &str) -> Result<(HttpResponse, f64)> {
    let started = Instant::now();
    let response = http_request(url, "GET", path, None).await?;
    let elapsed = started.elapsed().as_secs_f64() * 1e3;
    if response.status != 200 {
        bail!(
            "GET {url}{path}: status {}: {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        );
    }
    Ok((response, elapsed))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let emulator_bin = args
        .emulator
        .map_or_else(|| sibling("omics-emulator"), Ok)?;
    let local_api_bin = args.local_api.map_or_else(|| sibling("local-api"), Ok)?;
    for bin in [&emulator_bin, &local_api_bin] {
        if !bin.exists() {
            bail!(
                "{} not found: cargo build [--release] -p local-api -p omics-introspect-tests --bins",
                bin.display()
            );
        }
    }

    let emulator = EmulatorProcess::spawn(&emulator_bin, None).await?;
    let run = generate(&SyntheticSpec {
        run_id: RUN_ID.to_owned(),
        tasks: args.tasks,
        status: "COMPLETED".to_owned(),
        ..SyntheticSpec::default()
    });
    let mut seed = to_seed_body(&run);
    seed["manifest"] = Value::Array(Vec::new());
    seed_run(emulator.url(), &seed).await?;
    let task_id = run.tasks[0]["taskId"]
        .as_str()
        .context("synthetic task without taskId")?
        .to_owned();

    // Start-up: spawn to first successful response.
    let started = Instant::now();
    let api = LocalApiProcess::spawn(&local_api_bin, emulator.url()).await?;
    let listening = started.elapsed();
    let first_path = format!("/runs/{RUN_ID}");
    loop {
        if let Ok(response) = http_request(&api.url, "GET", &first_path, None).await
            && response.status == 200
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("local-api gave no successful response within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let first_response = started.elapsed();

    println!(
        "bench-api: {} sequential requests per route, run {RUN_ID} with {} tasks, binaries {}",
        args.requests,
        args.tasks,
        local_api_bin
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    );
    println!(
        "start-up: LISTENING after {:.1} ms, first 200 response after {:.1} ms",
        listening.as_secs_f64() * 1e3,
        first_response.as_secs_f64() * 1e3
    );
    println!();
    println!(
        "{:<34} {:>21} {:>21} {:>21} {:>21}",
        "route (ms)", "handler overhead", "via local-api", "emulator direct", "difference"
    );
    println!(
        "{:<34} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "", "p50", "p99", "p50", "p99", "p50", "p99", "p50", "p99"
    );

    let routes = [
        (format!("/runs/{RUN_ID}"), format!("/run/{RUN_ID}")),
        (
            "/runs?limit=100".to_owned(),
            "/run?maxResults=100".to_owned(),
        ),
        (
            format!("/runs/{RUN_ID}/tasks?limit=100"),
            format!("/run/{RUN_ID}/task?maxResults=100"),
        ),
        (
            format!("/runs/{RUN_ID}/tasks/{task_id}"),
            format!("/run/{RUN_ID}/task/{task_id}"),
        ),
    ];
    for (api_path, emulator_path) in &routes {
        // Warm both paths (connections are per request, but caches and allocators are not).
        for _ in 0..5 {
            timed_get(&api.url, api_path).await?;
            timed_get(emulator.url(), emulator_path).await?;
        }
        let mut overhead = Vec::with_capacity(args.requests);
        let mut via_api = Vec::with_capacity(args.requests);
        let mut direct = Vec::with_capacity(args.requests);
        let mut difference = Vec::with_capacity(args.requests);
        for _ in 0..args.requests {
            let (response, elapsed) = timed_get(&api.url, api_path).await?;
            let (upstream, total) =
                server_timing(&response).context("response without Server-Timing")?;
            overhead.push(total - upstream);
            via_api.push(elapsed);
            let (_, direct_elapsed) = timed_get(emulator.url(), emulator_path).await?;
            direct.push(direct_elapsed);
            difference.push(elapsed - direct_elapsed);
        }
        let o = stats(overhead);
        let a = stats(via_api);
        let d = stats(direct);
        let x = stats(difference);
        println!(
            "GET {:<30} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>10.3} {:>10.3}",
            api_path.split('?').next().unwrap_or_default(),
            o.p50,
            o.p99,
            a.p50,
            a.p99,
            d.p50,
            d.p99,
            x.p50,
            x.p99
        );
    }
    println!();
    println!(
        "handler overhead = Server-Timing total - upstream (parsing, validation, cursor signing, JSON, ETag);\n\
         difference = per request pair, local-api latency - direct emulator latency (adds SigV4 signing, the SDK, local-api's HTTP \
         server and the lambda_http conversion)."
    );
    drop(api);
    drop(emulator);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_and_server_timing() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&sorted, 50.0), 50.0);
        assert_eq!(percentile(&sorted, 99.0), 99.0);
        assert!(percentile(&[], 50.0).is_nan());
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
