//! Generates a synthetic HealthOmics run and writes it as a fixture directory or seeds it into a running emulator.
//!
//! ```text
//! synth-run --run-id 1000006 --tasks 250 --out tests/fixtures/runs/1000006
//! synth-run --run-id 2000001 --tasks 100000 --post http://127.0.0.1:4599
//! synth-run --run-id 2000001 --tasks 100000 --events events.jsonl   # its EventBridge events, one per line
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::Parser;
use omics_introspect_tests::harness::request_url;
use omics_introspect_tests::synthetic::{
    Shape, SyntheticSpec, event_stream, generate_shaped, to_seed_body, write_fixture_dir,
};

#[derive(Debug, Parser)]
#[command(
    about = "Generate a synthetic HealthOmics run (GetRun, GetRunTask bodies and the run manifest)"
)]
struct Args {
    /// Numeric run id.
    #[arg(long)]
    run_id: String,
    /// Run uuid (derived from the seed when absent).
    #[arg(long)]
    uuid: Option<String>,
    /// Number of tasks.
    #[arg(long, default_value_t = 10)]
    tasks: usize,
    /// Tasks with status FAILED.
    #[arg(long, default_value_t = 0)]
    failed: usize,
    /// Tasks served from the run cache.
    #[arg(long, default_value_t = 0)]
    cached: usize,
    /// Tasks on a GPU instance.
    #[arg(long, default_value_t = 0)]
    gpu: usize,
    /// Seed of the generator (same seed, same run).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Run status.
    #[arg(long, default_value = "COMPLETED")]
    status: String,
    /// Manifest task lines to truncate into invalid JSON.
    #[arg(long, default_value_t = 0)]
    malformed: usize,
    /// Data shape: `pipeline` (the germline pipeline's names and images) or `adversarial` (every task its own
    /// image digest, 30 % distinct ungroupable names of 200+ multi-byte characters).
    #[arg(long, default_value = "pipeline")]
    shape: Shape,
    /// Write run.json, tasks.json and manifest.jsonl into this directory.
    #[arg(long, conflicts_with = "post", required_unless_present_any = ["post", "events"])]
    out: Option<PathBuf>,
    /// Also (or only) write the run's EventBridge events (run and task status changes, time order) to this file,
    /// one JSON event per line.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Seed the run into the emulator at this base URL (POST <URL>/_emulator/runs).
    #[arg(long)]
    post: Option<String>,
    /// Timeout of the POST, in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

const STATUSES: [&str; 8] = [
    "PENDING",
    "STARTING",
    "RUNNING",
    "STOPPING",
    "COMPLETED",
    "DELETED",
    "CANCELLED",
    "FAILED",
];

/// Writes one JSON value per line.
fn write_lines(path: &std::path::Path, values: &[serde_json::Value]) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for value in values {
        serde_json::to_writer(&mut out, value)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    ensure!(
        !args.run_id.is_empty()
            && args.run_id.len() <= 18
            && args.run_id.bytes().all(|b| b.is_ascii_digit()),
        "--run-id must be 1-18 digits"
    );
    let status = args.status.to_ascii_uppercase();
    ensure!(
        STATUSES.contains(&status.as_str()),
        "--status must be one of {}",
        STATUSES.join(", ")
    );
    ensure!(
        args.failed + args.cached + args.gpu <= args.tasks,
        "--failed + --cached + --gpu must not exceed --tasks"
    );
    let spec = SyntheticSpec {
        run_id: args.run_id.clone(),
        uuid: args.uuid.clone(),
        tasks: args.tasks,
        failed: args.failed,
        cached: args.cached,
        gpu: args.gpu,
        seed: args.seed,
        status,
        malformed_lines: args.malformed,
    };
    let started = Instant::now();
    let run = generate_shaped(&spec, args.shape);
    let generated = started.elapsed();
    if let Some(path) = &args.events {
        let events = event_stream(&run);
        write_lines(path, &events).with_context(|| format!("writing {}", path.display()))?;
        println!(
            "wrote {} events of run {} to {}",
            events.len(),
            args.run_id,
            path.display()
        );
    }

    if let Some(dir) = &args.out {
        write_fixture_dir(&run, dir).with_context(|| format!("writing {}", dir.display()))?;
        println!(
            "wrote run {} ({} tasks, {} manifest lines) to {} in {:.2?}",
            args.run_id,
            run.tasks.len(),
            run.manifest.len(),
            dir.display(),
            generated
        );
    } else if let Some(url) = &args.post {
        let body = serde_json::to_vec(&to_seed_body(&run))?;
        let body_len = body.len();
        let (status_line, response) = post(
            url,
            "/_emulator/runs",
            body,
            Duration::from_secs(args.timeout),
        )?;
        println!(
            "seeded run {} ({} tasks, {} manifest lines, {} bytes) into {url}: {status_line}",
            args.run_id,
            run.tasks.len(),
            run.manifest.len(),
            body_len
        );
        if !response.trim().is_empty() {
            println!("{}", response.trim());
        }
    }
    Ok(())
}

/// POSTs a JSON body to `base` (`http://host:port[/prefix]`) + `path` with the tests' HTTP client. Returns the
/// status and the response body; fails on anything but a 2xx status.
fn post(base: &str, path: &str, body: Vec<u8>, timeout: Duration) -> Result<(String, String)> {
    ensure!(
        base.starts_with("http://"),
        "only http:// URLs are supported, got {base}"
    );
    let url = format!("{}{path}", base.trim_end_matches('/'));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let response = runtime.block_on(request_url("POST", &url, Some(body), timeout))?;
    let reason = reqwest::StatusCode::from_u16(response.status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .unwrap_or_default();
    let status_line = format!("{} {reason}", response.status);
    let payload = String::from_utf8_lossy(&response.body).into_owned();
    if !(200..300).contains(&response.status) {
        bail!("POST {url} answered {status_line:?}: {}", payload.trim());
    }
    Ok((status_line, payload))
}
