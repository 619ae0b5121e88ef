//! `enrich-run`: turns every finished HealthOmics run into a durable, enriched record.
//!
//! Without arguments it is the Lambda function (EventBridge `aws.omics` / `Run Status Change`). With arguments it
//! is a command line tool sharing the same code:
//! - `enrich-run backfill --since 7d`: enriches every run whose manifest stream appeared in the window;
//! - `enrich-run reindex`: rewrites every summary item from its stored record (joins old records to the fleet index);
//! - `enrich-run invoke --event events/run-status-completed.json`: handles one event file without the runtime.
//!
//! Environment: `RUNS_TABLE_NAME`, `REPORTS_BUCKET_NAME` (required), `LOG_GROUP_NAME`, `EVENT_BUS_NAME`,
//! `MANIFEST_WAIT_SECONDS`, `RIGHT_SIZING_HEADROOM`, `PRICES_URI` (a price table replacing the bundled one) and
//! the standard AWS variables.

mod cli;
mod lambda;

use anyhow::Context;
use clap::Parser;
use omics_introspect::config::load_analysis_settings;
use omics_introspect::enrich::Enricher;
use omics_introspect::{AwsClients, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    omics_introspect::logging::init();
    // Lambda starts the bootstrap without arguments; anything else is the command line.
    let command_line = std::env::args_os().len() > 1;
    let cli = command_line.then(cli::Cli::parse);
    let config = Config::from_env().context("reading the configuration")?;
    let clients = AwsClients::from_env().await;
    // Prices and headroom of the report's analysis sections (PRICES_URI: a file or s3://; RIGHT_SIZING_HEADROOM).
    let analysis = load_analysis_settings(&clients.s3)
        .await
        .context("reading the analysis settings")?;
    let enricher = Enricher::new(&clients, &config)
        .context("building the enricher")?
        .with_settings(analysis);
    match cli {
        Some(cli) => cli::run(cli, &enricher, &clients, &config).await,
        None => lambda::run(&enricher).await,
    }
}
