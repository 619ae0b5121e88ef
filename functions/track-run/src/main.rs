//! `track-run`: follows live HealthOmics runs.
//!
//! Without arguments it is the Lambda function behind the tracking queue (EventBridge `aws.omics` Task / Run /
//! RunBatch Status Change → SQS → batches): each batch is folded per run into the live table and the messages
//! of a run that could not be stored are reported as partial batch failures (`ReportBatchItemFailures`).
//! `track-run invoke --events FILE.jsonl [--batch-size N]` feeds a file of EventBridge events (one per line)
//! through the same code in batches, without the runtime.
//!
//! Environment: `LIVE_TABLE_NAME` and `FLEET_TABLE_NAME` (required), `EVENT_BUS_NAME` (the announcements' bus,
//! `default` when unset) and the standard AWS variables.

use anyhow::Context;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use clap::Parser;
use lambda_runtime::{LambdaEvent, service_fn};
use omics_introspect::clients::load_sdk_config;
use omics_introspect::track::{BatchOutcome, Message, Tracker};
use omics_introspect::{AwsClients, Config};

#[derive(Debug, Parser)]
#[command(about = "Follow live HealthOmics runs (Lambda without arguments)")]
enum Cli {
    /// Process a file of EventBridge events (JSON lines) as SQS batches, without the Lambda runtime.
    Invoke {
        /// The events, one JSON object per line.
        #[arg(long)]
        events: std::path::PathBuf,
        /// Messages per batch (the event source mapping's batch size).
        #[arg(long, default_value_t = 1000)]
        batch_size: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    omics_introspect::logging::init();
    // Lambda starts the bootstrap without arguments; anything else is the command line.
    let cli = (std::env::args_os().len() > 1).then(Cli::parse);
    let config = Config::from_env().context("reading the configuration")?;
    let sdk = load_sdk_config().await;
    let clients = AwsClients::from_sdk_config(&sdk);
    let tracker = Tracker::new(&clients, &config).context("building the tracker")?;
    match cli {
        Some(Cli::Invoke { events, batch_size }) => invoke(&tracker, &events, batch_size).await,
        None => serve(&tracker).await,
    }
}

/// Serves SQS batches until the runtime stops.
async fn serve(tracker: &Tracker) -> anyhow::Result<()> {
    let handler = service_fn(|event: LambdaEvent<SqsEvent>| async move {
        let messages: Vec<Message> = event
            .payload
            .records
            .into_iter()
            .map(|record| Message {
                id: record.message_id.unwrap_or_default(),
                body: record.body.unwrap_or_default(),
            })
            .collect();
        let outcome = tracker.handle(&messages).await;
        log(&outcome, messages.len());
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = outcome
            .failed
            .into_iter()
            .map(|id| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failure
            })
            .collect();
        Ok::<_, lambda_runtime::Error>(response)
    });
    lambda_runtime::run(handler)
        .await
        .map_err(|e| anyhow::anyhow!("Lambda runtime: {e}"))
}

fn log(outcome: &BatchOutcome, messages: usize) {
    tracing::info!(
        messages,
        events = outcome.events,
        runs = outcome.runs,
        failed = outcome.failed.len(),
        unhandled = ?outcome.unhandled,
        announced = outcome.announced,
        write_units = outcome.write_units,
        "batch tracked"
    );
}

/// Feeds `path` through the tracker in batches, reading one batch at a time (memory stays bounded whatever
/// the file's size); prints one JSON summary line, fails when any message failed.
async fn invoke(
    tracker: &Tracker,
    path: &std::path::Path,
    batch_size: usize,
) -> anyhow::Result<()> {
    use std::io::BufRead as _;
    anyhow::ensure!(batch_size > 0, "--batch-size must be at least 1");
    let file = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let started = std::time::Instant::now();
    let (mut total, mut batch, mut messages) = (BatchOutcome::default(), Vec::new(), 0_usize);
    for (line_number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        batch.push(Message {
            id: format!("{}:{}", path.display(), line_number + 1),
            body: line,
        });
        if batch.len() == batch_size {
            messages += batch.len();
            add(&mut total, tracker.handle(&batch).await);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        messages += batch.len();
        add(&mut total, tracker.handle(&batch).await);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "messages": messages, "events": total.events, "unhandled": total.unhandled,
            "failed": total.failed.len(), "announced": total.announced, "writeUnits": total.write_units,
            "seconds": seconds,
            "eventsPerSecond": total.events as f64 / seconds.max(1e-9),
        })
    );
    anyhow::ensure!(
        total.failed.is_empty(),
        "{} message(s) failed",
        total.failed.len()
    );
    Ok(())
}

fn add(total: &mut BatchOutcome, batch: BatchOutcome) {
    total.failed.extend(batch.failed);
    total.events += batch.events;
    total.runs += batch.runs;
    total.announced += batch.announced;
    total.write_units += batch.write_units;
    for (kind, n) in batch.unhandled {
        *total.unhandled.entry(kind).or_default() += n;
    }
}
