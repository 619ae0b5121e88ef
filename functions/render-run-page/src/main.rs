//! `render-run-page`: draws the page of every stored run (`runs/<runId>/<uuid>/report.html`, beside the record).
//!
//! Without arguments it is the Lambda function behind the `Run Enriched` rule of the stack's bus (one event per
//! invocation). With arguments it is a command line tool sharing the same code:
//! - `render-run-page invoke --event FILE`: handles one `Run Enriched` event file without the runtime;
//! - `render-run-page invoke --run-id ID [--uuid UUID]`: draws the page of a stored record (its latest without
//!   `--uuid`), found in the runs table (`RUNS_TABLE_NAME`; `make local` draws the seeded runs' pages this way).
//!
//! Environment: `REPORTS_BUCKET_NAME` (required) and the standard AWS variables.

use anyhow::Context;
use clap::Parser;
use lambda_runtime::{LambdaEvent, service_fn};
use omics_introspect::clients::load_sdk_config;
use omics_introspect::enrich::pages::PageDrawer;
use omics_introspect::ids::RunId;
use omics_introspect::record::RunUuid;
use omics_introspect::store::SummaryStore;
use omics_introspect::{AwsClients, Config};
use serde_json::Value;

#[derive(Debug, Parser)]
#[command(about = "Draw run pages (Lambda without arguments)")]
enum Cli {
    /// Draw one page without the Lambda runtime.
    Invoke {
        /// A `Run Enriched` event (EventBridge JSON).
        #[arg(long, conflicts_with = "run_id", required_unless_present = "run_id")]
        event: Option<std::path::PathBuf>,
        /// A stored run instead of an event.
        #[arg(long)]
        run_id: Option<String>,
        /// The stored run's uuid (its latest record without it).
        #[arg(long, requires = "run_id")]
        uuid: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    omics_introspect::logging::init();
    // Lambda starts the bootstrap without arguments; anything else is the command line.
    let cli = (std::env::args_os().len() > 1).then(Cli::parse);
    let config = Config::from_env().context("reading the configuration")?;
    let clients = AwsClients::from_sdk_config(&load_sdk_config().await);
    let drawer = PageDrawer::new(&clients, &config).context("building the page drawer")?;
    match cli {
        Some(Cli::Invoke {
            event,
            run_id,
            uuid,
        }) => {
            let answer = match (event, run_id) {
                (Some(path), _) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let event: Value = serde_json::from_str(&text)
                        .with_context(|| format!("{} is not JSON", path.display()))?;
                    drawer.handle_event(event).await?
                }
                (None, Some(run_id)) => {
                    let run_id = RunId::parse(&run_id).context("--run-id")?;
                    let uuid = uuid
                        .map(|u| RunUuid::parse(&u))
                        .transpose()
                        .context("--uuid")?;
                    let summaries =
                        SummaryStore::new(clients.dynamodb.clone(), config.runs_table()?);
                    drawer
                        .draw_stored(&summaries, &run_id, uuid.as_ref())
                        .await?
                }
                (None, None) => anyhow::bail!("--event or --run-id"),
            };
            println!("{answer}");
            Ok(())
        }
        None => serve(&drawer).await,
    }
}

/// Serves invocations until the runtime stops (a failure's error code is its `errorType`).
async fn serve(drawer: &PageDrawer) -> anyhow::Result<()> {
    let handler = service_fn(|event: LambdaEvent<Value>| async move {
        let answer = drawer.handle_event(event.payload).await.inspect_err(|err| {
            tracing::error!(error = %omics_introspect::error::display_chain(err), code = err.code(), "drawing the run page failed");
        })?;
        tracing::info!(%answer, "run page");
        Ok::<_, omics_introspect::Error>(answer)
    });
    lambda_runtime::run(handler)
        .await
        .map_err(|e| anyhow::anyhow!("Lambda runtime: {e}"))
}
