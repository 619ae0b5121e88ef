//! The HealthOmics wrapper: one method per operation, SDK errors mapped to [`Error`].

use std::sync::Arc;

use futures::Stream;
use futures::stream;

use super::model::{ListRunsFilter, Page, PageRequest, Run, RunSummary, Task};
use super::rate::{Pacing, RateLimiter};
use crate::error::{Error, Lookup, Result};
use crate::ids::{RunId, TaskId};
use crate::status::TaskStatus;

/// Service name used in errors and logs.
pub const SERVICE: &str = "HealthOmics";

/// Largest page HealthOmics serves.
pub const MAX_PAGE: i32 = 100;

/// One limiter per operation: HealthOmics' quotas are per operation.
#[derive(Debug)]
struct OperationLimiters {
    get_run: RateLimiter,
    list_runs: RateLimiter,
    list_run_tasks: RateLimiter,
    get_run_task: RateLimiter,
}

/// Read access to HealthOmics runs and tasks.
#[derive(Debug, Clone)]
pub struct HealthOmics {
    client: aws_sdk_omics::Client,
    /// Shared by every clone, so all the work of one process (concurrent enrichments, a backfill) keeps one pace.
    limiters: Option<Arc<OperationLimiters>>,
}

impl HealthOmics {
    /// Wraps a client (see [`crate::clients::omics_client`] for local endpoints); calls are not paced.
    pub fn new(client: aws_sdk_omics::Client) -> Self {
        Self {
            client,
            limiters: None,
        }
    }

    /// The same client, with each operation paced at `pacing` (none with `None`) by limiters its clones share.
    /// Throttles that still happen (other processes share the account's quota) are retried by the SDK.
    pub fn paced(self, pacing: Option<Pacing>) -> Self {
        let limiters = pacing.map(|p| {
            let limiter = || RateLimiter::new(p.rate, p.burst);
            Arc::new(OperationLimiters {
                get_run: limiter(),
                list_runs: limiter(),
                list_run_tasks: limiter(),
                get_run_task: limiter(),
            })
        });
        Self { limiters, ..self }
    }

    /// Waits for the turn of the operation `pick` selects, when paced.
    async fn pace(&self, pick: fn(&OperationLimiters) -> &RateLimiter) {
        if let Some(limiters) = &self.limiters {
            pick(limiters).acquire().await;
        }
    }

    pub const GET_RUN: &str = "omics:GetRun"; // IAM action, see crate::iam
    /// `GetRun`: every member of the run.
    pub async fn get_run(&self, run_id: &RunId) -> Result<Run> {
        self.pace(|l| &l.get_run).await;
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
        self.pace(|l| &l.list_runs).await;
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
        self.pace(|l| &l.list_run_tasks).await;
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
        self.pace(|l| &l.get_run_task).await;
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
    /// page at a time however large the run. Uses the SDK's paginator, which stops on a repeated token; it is not
    /// paced and cannot resume after an error (the enrichment lists page by page with [`Self::list_run_tasks`]).
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
