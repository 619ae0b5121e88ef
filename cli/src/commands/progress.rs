//! `progress`: a live run's progress, once or every `--watch` seconds until the run is final.

use std::io::IsTerminal;
use std::time::Duration;

use serde_json::Value;

use crate::args::{Output, ProgressArgs};
use crate::error::CliError;
use crate::render;

use super::{Context, emit, pretty};

/// GET /runs/{runId}/progress; a 404 means no event of the run has been seen.
pub async fn progress(context: &Context, args: ProgressArgs) -> Result<(), CliError> {
    let path = format!("/runs/{}/progress", args.run_id);
    let query: Vec<(&str, String)> = args
        .uuid
        .iter()
        .map(|uuid| ("uuid", uuid.clone()))
        .collect();
    // Redrawing in place only makes sense on a terminal; into a file each poll is appended.
    let redraw = std::io::stdout().is_terminal();
    loop {
        let body = context.client.get_json(&path, &query).await?;
        let is_final = body.get("final").and_then(Value::as_bool) == Some(true);
        match (context.output, args.watch) {
            // One JSON line per poll while watching, so a consumer reads them as they come.
            (Output::Json, Some(_)) => emit(&body.to_string())?,
            (Output::Json, None) => emit(&pretty(&body))?,
            (Output::Table, Some(seconds)) => {
                let clear = if redraw { "\x1b[2J\x1b[H" } else { "" };
                let footer = if is_final {
                    "the run is final".to_owned()
                } else {
                    format!("every {seconds}s; Ctrl-C stops")
                };
                emit(&format!("{clear}{}\n{footer}", render::progress(&body)))?;
            }
            (Output::Table, None) => emit(&render::progress(&body))?,
        }
        match args.watch {
            Some(seconds) if !is_final => tokio::time::sleep(Duration::from_secs(seconds)).await,
            _ => return Ok(()),
        }
    }
}
