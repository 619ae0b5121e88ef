//! Command line mode: `backfill`, `reindex` and `invoke`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use futures::StreamExt;
use omics_introspect::enrich::backfill::{manifest_streams, parse_window};
use omics_introspect::enrich::reindex::Reindexer;
use omics_introspect::enrich::{EnrichOutcome, EnrichRequest, Enricher};
use omics_introspect::lake::LakeStore;
use omics_introspect::store::{FleetViews, ReportStore, SummaryStore};
use omics_introspect::{AwsClients, Config};
use serde_json::json;

/// Enriches finished HealthOmics runs (Lambda mode when started without arguments).
#[derive(Debug, Parser)]
#[command(version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Enriches every run whose manifest stream appeared in the window, including runs HealthOmics no longer
    /// returns. Prints one JSON line per run, then a totals line.
    Backfill {
        /// How far back to look: a number and a unit (s, m, h, d, w), e.g. 7d.
        #[arg(long, default_value = "7d")]
        since: String,
        /// Only list what would be enriched.
        #[arg(long)]
        dry_run: bool,
        /// Runs enriched at a time.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=16))]
        concurrency: u16,
    },
    /// Rewrites every summary item from its stored S3 record (no HealthOmics call), so records written before the
    /// fleet index join it. Idempotent. Prints one JSON line per item, then a totals line.
    Reindex {
        /// Also rewrite items already indexed.
        #[arg(long)]
        force: bool,
    },
    /// Handles one EventBridge event from a file, exactly as the Lambda function would, and prints the answer (a
    /// failure: `{"outcome": "failed", "code", "retryable", "error"}`, then a non-zero exit).
    Invoke {
        /// The event JSON (e.g. events/run-status-completed.json).
        #[arg(long)]
        event: PathBuf,
    },
}

/// Runs the command.
pub async fn run(
    cli: Cli,
    enricher: &Enricher,
    clients: &AwsClients,
    config: &Config,
) -> anyhow::Result<()> {
    match cli.command {
        Command::Invoke { event } => {
            let text = std::fs::read_to_string(&event)
                .with_context(|| format!("reading {}", event.display()))?;
            let payload = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", event.display()))?;
            match enricher.handle_event(payload).await {
                Ok(answer) => {
                    eprintln!("{}", describe(&answer, config));
                    println!("{answer}");
                    Ok(())
                }
                Err(err) => {
                    // What the Lambda runtime would report, on stdout like an answer: a caller (a test, a
                    // script) tells a retryable failure (Lambda retries it) from one a retry cannot fix.
                    println!("{}", failure_line(&err));
                    Err(err.into())
                }
            }
        }
        Command::Reindex { force } => reindex(clients, config, enricher, force).await,
        Command::Backfill {
            since,
            dry_run,
            concurrency,
        } => {
            let window = parse_window(&since)?;
            backfill(
                enricher,
                clients,
                config,
                window,
                dry_run,
                concurrency.into(),
            )
            .await
        }
    }
}

/// The JSON line of a failed invocation: `{"outcome": "failed", "code", "retryable", "error"}`.
fn failure_line(err: &omics_introspect::Error) -> serde_json::Value {
    json!({
        "outcome": "failed",
        "code": err.code(),
        "retryable": err.is_retryable(),
        "error": omics_introspect::error::display_chain(err),
    })
}

/// One human line per answer: what happened and where the record is.
fn describe(answer: &serde_json::Value, config: &Config) -> String {
    let text = |key: &str| answer[key].as_str().unwrap_or("-").to_owned();
    let outcome = text("outcome");
    match outcome.as_str() {
        "written" | "unchanged" => format!(
            "run {} {} ({}): {outcome}; record {} ; summary item in DynamoDB table {} (pk RUN#{}, sk {})",
            text("runId"),
            text("uuid"),
            text("status"),
            text("report"),
            config.runs_table.as_deref().unwrap_or("-"),
            text("runId"),
            text("uuid"),
        ),
        _ => {
            let why = answer["reason"]
                .as_str()
                .or(answer["error"].as_str())
                .unwrap_or("-");
            match answer["runId"].as_str() {
                Some(run_id) => format!("run {run_id}: {outcome}: {why}"),
                None => format!("event {outcome}: {why}"),
            }
        }
    }
}

async fn reindex(
    clients: &AwsClients,
    config: &Config,
    enricher: &Enricher,
    force: bool,
) -> anyhow::Result<()> {
    let summaries = SummaryStore::new(clients.dynamodb.clone(), config.runs_table()?);
    let reports = ReportStore::new(clients.s3.clone(), config.reports_bucket()?);
    let reindexer = Reindexer::new(
        summaries,
        FleetViews::new(clients.dynamodb.clone(), config.fleet_table()?),
        reports,
        LakeStore::new(clients.s3.clone(), config.reports_bucket()?),
        enricher.settings().clone(),
    );
    let totals = reindexer.run(force, |line| println!("{line}")).await?;
    println!("{}", json!({"totals": totals}));
    anyhow::ensure!(
        !totals.contains_key("failed"),
        "{} item(s) failed to reindex",
        totals["failed"]
    );
    Ok(())
}

async fn backfill(
    enricher: &Enricher,
    clients: &AwsClients,
    config: &Config,
    window: Duration,
    dry_run: bool,
    concurrency: usize,
) -> anyhow::Result<()> {
    let since =
        chrono::Utc::now() - chrono::Duration::from_std(window).context("window too long")?;
    let streams = manifest_streams(&clients.logs, &config.log_group, since).await?;
    eprintln!(
        "{} manifest stream(s) in {} since {}",
        streams.len(),
        config.log_group,
        since.to_rfc3339()
    );
    if dry_run {
        for stream in &streams {
            println!(
                "{}",
                json!({"runId": stream.run_id.as_str(), "uuid": stream.uuid.as_str(), "dryRun": true})
            );
        }
        return Ok(());
    }
    let mut totals = std::collections::BTreeMap::<&str, u64>::new();
    let mut results = futures::stream::iter(streams)
        .map(|stream| async move {
            let request = EnrichRequest {
                run_id: stream.run_id.clone(),
                uuid: Some(stream.uuid.clone()),
                announced_status: None,
                event_time: None,
                workflow_name: None,
                // The stream exists: read it as it is, no waiting.
                manifest_wait: Some(Duration::ZERO),
            };
            (stream, enricher.enrich(request).await)
        })
        .buffer_unordered(concurrency);
    while let Some((stream, result)) = results.next().await {
        let (kind, line) = match result {
            Ok(outcome) => {
                let kind = match outcome {
                    EnrichOutcome::Written { .. } => "written",
                    EnrichOutcome::Unchanged { .. } => "unchanged",
                    EnrichOutcome::Skipped { .. } => "skipped",
                };
                (kind, outcome.to_json())
            }
            Err(err) => (
                "failed",
                json!({"outcome": "failed", "runId": stream.run_id.as_str(), "uuid": stream.uuid.as_str(),
                       "error": omics_introspect::error::display_chain(&err), "code": err.code()}),
            ),
        };
        *totals.entry(kind).or_default() += 1;
        eprintln!("{}", describe(&line, config));
        println!("{line}");
    }
    println!("{}", json!({"totals": totals}));
    anyhow::ensure!(
        !totals.contains_key("failed"),
        "{} run(s) failed to enrich",
        totals["failed"]
    );
    Ok(())
}
