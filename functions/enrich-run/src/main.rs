//! `enrich-run`: turns every finished HealthOmics run into a durable, enriched record.
//!
//! Without arguments it is the Lambda function (EventBridge `aws.omics` / `Run Status Change`). With arguments it
//! is a command line tool sharing the same code:
//! - `enrich-run backfill --since 7d`: enriches every run whose manifest stream appeared in the window;
//! - `enrich-run reindex`: rewrites every summary item from its stored record (joins old records to the fleet index);
//! - `enrich-run invoke --event events/run-status-completed.json`: handles one event file without the runtime.
//!
//! Environment: `RUNS_TABLE_NAME`, `REPORTS_BUCKET_NAME` (required), `LOG_GROUP_NAME`, `EVENT_BUS_NAME`,
//! `MANIFEST_WAIT_SECONDS`, `RIGHT_SIZING_HEADROOM`, `PRICE_SOURCE` (`price-list-api`, the default: each run's
//! region priced from the AWS Price List API, the bundled table standing in when it fails; `bundled`: the bundled
//! table only), `PRICES_URI` (a price table replacing both) and the standard AWS variables
//! (`AWS_ENDPOINT_URL_PRICING` included). Tests only: `OMICS_INTROSPECT_CRASH_AT` aborts the process after one
//! write of the enrichment (ignored in Lambda; see `omics_introspect::enrich::crash`).

mod cli;
mod lambda;

use anyhow::Context;
use clap::Parser;
use omics_introspect::clients::load_sdk_config;
use omics_introspect::config::{load_analysis_settings, price_list_api_enabled};
use omics_introspect::enrich::Enricher;
use omics_introspect::pricing::{self, PriceList, PriceResolver};
use omics_introspect::{AwsClients, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    omics_introspect::logging::init();
    // Lambda starts the bootstrap without arguments; anything else is the command line.
    let command_line = std::env::args_os().len() > 1;
    let cli = command_line.then(cli::Cli::parse);
    let config = Config::from_env().context("reading the configuration")?;
    let sdk = load_sdk_config().await;
    let clients = AwsClients::from_sdk_config(&sdk);
    // Prices and headroom of the report's analysis sections (PRICES_URI: a file or s3://; RIGHT_SIZING_HEADROOM).
    let analysis = load_analysis_settings(&clients.s3)
        .await
        .context("reading the analysis settings")?;
    let mut enricher = Enricher::new(&clients, &config)
        .context("building the enricher")?
        .with_settings(analysis);
    if price_list_api_enabled().context("reading the configuration")? {
        // One resolver per process: each region's prices are read once per execution environment.
        let prices = PriceList::new(pricing::client(&sdk));
        enricher = enricher.with_price_list(PriceResolver::new(prices));
    }
    match cli {
        Some(cli) => cli::run(cli, &enricher, &clients, &config).await,
        None => lambda::run(&enricher).await,
    }
}
