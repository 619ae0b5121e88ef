//! `omics-emulator`: a local AWS HealthOmics endpoint for tests and benchmarks.
//!
//! Prints `LISTENING http://<addr>` on stdout once it accepts requests (after fixtures are seeded); logs one line
//! per request to stderr (`RUST_LOG` filters, default `info`). Stops gracefully on SIGTERM or SIGINT.

use std::io::{IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use omics_introspect_tests::emulator::{DEFAULT_LOG_GROUP, Emulator, QuotaConfig, load_fixtures};
use tracing_subscriber::EnvFilter;

/// Local AWS HealthOmics emulator (GetRun, ListRuns, ListRunTasks, GetRunTask over rest-json).
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "EMULATOR_ADDR", default_value = "127.0.0.1:4599")]
    addr: SocketAddr,
    /// Seed runs from DIR/runs/<runId>/{run.json,tasks.json,manifest.jsonl} before listening.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// CloudWatch Logs group seeded manifests are written to.
    #[arg(long, env = "EMULATOR_LOG_GROUP", default_value = DEFAULT_LOG_GROUP)]
    log_group: String,
    /// Requests per second each operation accepts, shared by all clients like HealthOmics' per-account quota
    /// (its default is 10); over it, requests are answered 429 ThrottlingException. 0 (the default) is unlimited.
    /// `POST /_emulator/faults` with `quota` overrides it until the next reset.
    #[arg(long, env = "EMULATOR_QUOTA_RPS", default_value_t = 0.0, value_parser = non_negative_rate)]
    quota_rps: f64,
    /// Requests each operation accepts back to back after a pause (with --quota-rps).
    #[arg(long, env = "EMULATOR_QUOTA_BURST", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    quota_burst: u32,
}

/// A finite rate >= 0.
fn non_negative_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err(format!("expected requests per second >= 0, got {text:?}")),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Plain text when stderr is a file or pipe (CI logs, the stack's log file).
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let emulator = Emulator::with_cloudwatch(&cli.log_group);
    if cli.quota_rps > 0.0 {
        emulator
            .faults()
            .quota()
            .set_baseline(QuotaConfig::uniform(cli.quota_rps, cli.quota_burst));
        tracing::info!(
            rps = cli.quota_rps,
            burst = cli.quota_burst,
            "request quota on"
        );
    }
    let listener = tokio::net::TcpListener::bind(cli.addr)
        .await
        .with_context(|| format!("binding {}", cli.addr))?;
    let local = listener.local_addr().context("reading the bound address")?;

    if let Some(dir) = &cli.fixtures {
        let seeds = load_fixtures(dir)?;
        let count = seeds.len();
        for seed in seeds {
            emulator
                .seed(seed)
                .await
                .map_err(|err| anyhow::anyhow!("seeding fixtures from {}: {err}", dir.display()))?;
        }
        tracing::info!(runs = count, dir = %dir.display(), "seeded fixtures");
    }

    // The one line on stdout: the harness and scripts wait for it.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "LISTENING http://{local}").context("writing to stdout")?;
    stdout.flush().context("flushing stdout")?;
    drop(stdout);

    axum::serve(listener, emulator.router())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
