//! `runs list|get`, `tasks list|get`: HealthOmics' own view of runs and tasks.

use crate::args::{ManifestArgs, RunsCommand, TasksCommand, TimelineArgs, status_value};
use crate::error::CliError;
use crate::{paging, render};

use super::{Context, show, show_list};

/// `runs list` (GET /runs) and `runs get` (GET /runs/{runId}).
pub async fn runs(context: &Context, command: RunsCommand) -> Result<(), CliError> {
    match command {
        RunsCommand::List(args) => {
            let mut query = Vec::new();
            if let Some(status) = &args.status {
                query.push(("status", status_value(status)));
            }
            if let Some(name) = args.name {
                query.push(("name", name));
            }
            if let Some(group) = args.run_group {
                query.push(("runGroupId", group));
            }
            let fetched =
                paging::fetch(&context.client, "/runs", &query, &args.page, "runs").await?;
            show_list(context, &fetched, "runs", render::runs_list)
        }
        RunsCommand::Get(args) => {
            let run = context
                .client
                .get_json(&format!("/runs/{}", args.run_id), &[])
                .await?;
            show(context, &run, render::run)
        }
    }
}

/// `tasks list` (GET /runs/{runId}/tasks) and `tasks get` (GET /runs/{runId}/tasks/{taskId}).
pub async fn tasks(context: &Context, command: TasksCommand) -> Result<(), CliError> {
    match command {
        TasksCommand::List(args) => {
            let query: Vec<(&str, String)> = args
                .status
                .iter()
                .map(|status| ("status", status_value(status)))
                .collect();
            let path = format!("/runs/{}/tasks", args.run_id);
            let fetched =
                paging::fetch(&context.client, &path, &query, &args.page, "tasks").await?;
            show_list(context, &fetched, "tasks", render::tasks_list)
        }
        TasksCommand::Get(args) => {
            let path = format!("/runs/{}/tasks/{}", args.run_id, args.task_id);
            let task = context.client.get_json(&path, &[]).await?;
            show(context, &task, render::task)
        }
    }
}

/// `manifest RUN_ID` (GET /runs/{runId}/manifest): the manifest's task records, page by page.
pub async fn manifest(context: &Context, args: ManifestArgs) -> Result<(), CliError> {
    let query: Vec<(&str, String)> = args.uuid.into_iter().map(|uuid| ("uuid", uuid)).collect();
    let path = format!("/runs/{}/manifest", args.run_id);
    let fetched = paging::fetch_list(
        &context.client,
        &path,
        &query,
        &args.page,
        "manifest tasks",
        "tasks",
    )
    .await?;
    show_list(context, &fetched, "manifest tasks", render::manifest_tasks)
}

/// `timeline RUN_ID --svg FILE | --html FILE` (GET /runs/{runId}/timeline): the chart saved, opened on request.
pub async fn timeline(context: &Context, args: TimelineArgs) -> Result<(), CliError> {
    let mut query: Vec<(&str, String)> = args.uuid.into_iter().map(|uuid| ("uuid", uuid)).collect();
    let path = format!("/runs/{}/timeline", args.run_id);
    let what = format!("the timeline of {}", args.run_id);
    match (args.html, args.svg) {
        (Some(file), _) => {
            super::report::save_page(context, &path, query, &file, args.open, &what).await
        }
        (None, Some(file)) => {
            query.push(("format", "svg".to_owned()));
            super::report::save_file(context, &path, query, &file, args.open, &what).await
        }
        (None, None) => Err(CliError::Usage("--svg FILE or --html FILE".to_owned())),
    }
}
