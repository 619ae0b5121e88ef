//! The HealthOmics wrapper: one method per operation, SDK errors mapped to [`Error`].

use futures::Stream;
use futures::stream;

use super::model::{ListRunsFilter, Page, PageRequest, Run, RunSummary, Task};
use crate::error::{Error, Lookup, Result};
use crate::ids::{RunId, TaskId};
use crate::status::TaskStatus;

/// Service name used in errors and logs.
pub const SERVICE: &str = "HealthOmics";

/// Largest page HealthOmics serves.
const MAX_PAGE: i32 = 100;

/// Read access to HealthOmics runs and tasks.
#[derive(Debug, Clone)]
pub struct HealthOmics {
    client: aws_sdk_omics::Client,
}

impl HealthOmics {
    /// Wraps a client (see [`crate::clients::omics_client`] for local endpoints).
    pub fn new(client: aws_sdk_omics::Client) -> Self {
        Self { client }
    }

    pub const GET_RUN: &str = "omics:GetRun"; // IAM action, see crate::iam
    /// `GetRun`: every member of the run.
    pub async fn get_run(&self, run_id: &RunId) -> Result<Run> {
        self.client
            .get_run()
            .id(run_id.as_str())
            .send()
            .await
            .map(Run::from)
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::run(run_id.as_str())))
    }

    pub const LIST_RUNS: &str = "omics:ListRuns"; // IAM action, see crate::iam
    /// `ListRuns`: one page, filtered.
    pub async fn list_runs(
        &self,
        filter: &ListRunsFilter,
        page: &PageRequest,
    ) -> Result<Page<RunSummary>> {
        let out = self
            .client
            .list_runs()
            .set_name(filter.name.clone())
            .set_status(filter.status.as_ref().map(|s| s.as_str().into()))
            .set_run_group_id(filter.run_group_id.as_ref().map(|id| id.to_string()))
            .set_starting_token(page.starting_token.clone())
            .set_max_results(page.max_results)
            .send()
            .await
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::Unnamed))?;
        Ok(Page {
            items: out
                .items
                .unwrap_or_default()
                .into_iter()
                .map(RunSummary::from)
                .collect(),
            next_token: out.next_token.filter(|t| !t.is_empty()),
        })
    }

    pub const LIST_RUN_TASKS: &str = "omics:ListRunTasks"; // IAM action, see crate::iam
    /// `ListRunTasks`: one page, optionally filtered by status.
    pub async fn list_run_tasks(
        &self,
        run_id: &RunId,
        status: Option<&TaskStatus>,
        page: &PageRequest,
    ) -> Result<Page<Task>> {
        let out = self
            .client
            .list_run_tasks()
            .id(run_id.as_str())
            .set_status(status.map(|s| s.as_str().into()))
            .set_starting_token(page.starting_token.clone())
            .set_max_results(page.max_results)
            .send()
            .await
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::run(run_id.as_str())))?;
        Ok(Page {
            items: out
                .items
                .unwrap_or_default()
                .into_iter()
                .map(Task::from)
                .collect(),
            next_token: out.next_token.filter(|t| !t.is_empty()),
        })
    }

    pub const GET_RUN_TASK: &str = "omics:GetRunTask"; // IAM action, see crate::iam
    /// `GetRunTask`: every member of one task.
    pub async fn get_run_task(&self, run_id: &RunId, task_id: &TaskId) -> Result<Task> {
        self.client
            .get_run_task()
            .id(run_id.as_str())
            .task_id(task_id.as_str())
            .send()
            .await
            .map(Task::from)
            .map_err(|e| {
                Error::from_sdk(
                    SERVICE,
                    e,
                    Lookup::named("task", format!("{run_id}/{task_id}")),
                )
            })
    }

    /// Every task of a run, as a stream of pages of up to 100 (one `ListRunTasks` call each), so a caller holds one
    /// page at a time however large the run. Uses the SDK's paginator, which stops on a repeated token.
    pub fn task_pages(
        &self,
        run_id: &RunId,
        status: Option<&TaskStatus>,
    ) -> impl Stream<Item = Result<Vec<Task>>> + Send + 'static {
        let paginator = self
            .client
            .list_run_tasks()
            .id(run_id.as_str())
            .set_status(status.map(|s| s.as_str().into()))
            .into_paginator()
            .page_size(MAX_PAGE)
            .send();
        let run_id = run_id.clone();
        stream::unfold(Some(paginator), move |state| {
            let run_id = run_id.clone();
            async move {
                let mut pages = state?;
                match pages.next().await? {
                    Ok(out) => {
                        let tasks = out
                            .items
                            .unwrap_or_default()
                            .into_iter()
                            .map(Task::from)
                            .collect();
                        Some((Ok(tasks), Some(pages)))
                    }
                    // An error ends the stream: the paginator cannot resume after it.
                    Err(e) => Some((
                        Err(Error::from_sdk(SERVICE, e, Lookup::run(run_id.as_str()))),
                        None,
                    )),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_omics::operation::get_run::GetRunError;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    #[tokio::test]
    async fn a_missing_run_is_404_naming_the_run() {
        let rule = mock!(aws_sdk_omics::Client::get_run).then_error(|| {
            GetRunError::generic(
                ErrorMetadata::builder()
                    .code("ResourceNotFoundException")
                    .message("internal: shard 7")
                    .build(),
            )
        });
        let omics = HealthOmics::new(mock_client!(aws_sdk_omics, [&rule]));
        let err = omics
            .get_run(&RunId::parse("42").unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            (err.http_status(), err.code()),
            (404, "NotFound"),
            "{err:?}"
        );
        assert_eq!(err.public_message(), "run 42 not found");
    }
}
