//! `fleet summary|reports`, `batch`, `profile`: the stored runs, summed and learned from.

use std::time::Duration;

use chrono::{SecondsFormat, TimeDelta, Utc};

use crate::args::{
    BatchArgs, FleetCommand, Output, ProfileArgs, ProfileFormat, WindowArgs, status_value,
};
use crate::error::CliError;
use crate::{paging, render};

use super::{Context, emit, show, show_list};

/// `fleet summary` (GET /fleet/summary) and `fleet reports` (GET /reports).
pub async fn fleet(context: &Context, command: FleetCommand) -> Result<(), CliError> {
    match command {
        FleetCommand::Summary(args) => {
            let mut query = vec![("groupBy", args.by.api_value().to_owned())];
            query.extend(window(&args.window)?);
            if let Some(file) = &args.html {
                let what = "the fleet page";
                return super::report::save_page(
                    context,
                    "/fleet/summary",
                    query,
                    file,
                    args.open,
                    what,
                )
                .await;
            }
            let summary = context.client.get_json("/fleet/summary", &query).await?;
            show(context, &summary, render::fleet_summary)
        }
        FleetCommand::Reports(args) => {
            let mut query = Vec::new();
            let filters = [
                ("workflowId", args.workflow),
                ("status", args.status.as_ref().map(status_value)),
                ("batchId", args.batch),
                ("runGroupId", args.run_group),
                ("startedBy", args.started_by),
            ];
            for (name, value) in filters {
                if let Some(value) = value {
                    query.push((name, value));
                }
            }
            query.extend(window(&args.window)?);
            let fetched =
                paging::fetch(&context.client, "/reports", &query, &args.page, "reports").await?;
            show_list(context, &fetched, "reports", render::reports_list)
        }
    }
}

/// `batch BATCH_ID`: GET /batches/{batchId}.
pub async fn batch(context: &Context, args: BatchArgs) -> Result<(), CliError> {
    let rollup = context
        .client
        .get_json(&format!("/batches/{}", args.batch_id), &[])
        .await?;
    show(context, &rollup, render::batch)
}

/// `profile WORKFLOW_ID`: GET /workflows/{workflowId}/profile; Nextflow and WDL configuration print as text.
pub async fn profile(context: &Context, args: ProfileArgs) -> Result<(), CliError> {
    let mut query = vec![("format", args.format.api_value().to_owned())];
    if let Some(runs) = args.runs {
        query.push(("runs", runs.to_string()));
    }
    if let Some(headroom) = args.headroom {
        query.push(("headroom", headroom.to_string()));
    }
    let path = format!("/workflows/{}/profile", args.workflow_id);
    match args.format {
        ProfileFormat::Json => {
            let profile = context.client.get_json(&path, &query).await?;
            show(context, &profile, render::profile)
        }
        // Configuration is the answer itself, whatever --output says: it goes into a file as it is.
        ProfileFormat::Nextflow | ProfileFormat::Wdl => {
            let text = context.client.get(&path, &query).await?.text()?;
            if context.output == Output::Json {
                emit(&serde_json::Value::String(text).to_string())
            } else {
                emit(text.trim_end())
            }
        }
    }
}

/// The `from` / `to` parameters of a window: `--since` as the instant that long before now.
fn window(args: &WindowArgs) -> Result<Vec<(&'static str, String)>, CliError> {
    let mut query = Vec::new();
    if let Some(since) = args.since {
        query.push(("from", since_instant(since)?));
    }
    if let Some(from) = &args.from {
        query.push(("from", from.clone()));
    }
    if let Some(to) = &args.to {
        query.push(("to", to.clone()));
    }
    Ok(query)
}

/// Now minus `since`, as the API's ISO-8601 instant (`2024-10-01T12:00:00.000Z`).
fn since_instant(since: Duration) -> Result<String, CliError> {
    TimeDelta::from_std(since)
        .ok()
        .and_then(|delta| Utc::now().checked_sub_signed(delta))
        .map(|instant| instant.to_rfc3339_opts(SecondsFormat::Millis, true))
        .ok_or_else(|| {
            CliError::Usage(format!(
                "--since {} reaches before any date",
                humantime::format_duration(since)
            ))
        })
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    #[test]
    fn since_is_an_instant_that_long_ago() {
        let text = since_instant(Duration::from_secs(30 * 86_400)).unwrap();
        assert!(text.ends_with('Z') && text.contains('.'), "{text}");
        let parsed = DateTime::parse_from_rfc3339(&text).unwrap();
        let age = Utc::now().signed_duration_since(parsed);
        assert!((age.num_seconds() - 30 * 86_400).abs() < 5, "{age}");
        assert_eq!(
            since_instant(Duration::from_secs(u64::MAX))
                .unwrap_err()
                .exit_code(),
            1
        );
    }

    #[test]
    fn windows_pass_explicit_bounds_through() {
        let args = WindowArgs {
            since: None,
            from: Some("2024-01-01".into()),
            to: Some("2024-12-31".into()),
        };
        assert_eq!(
            window(&args).unwrap(),
            vec![
                ("from", "2024-01-01".to_owned()),
                ("to", "2024-12-31".to_owned())
            ]
        );
    }
}
