//! The four run and task handlers, one file each, and what they share.
//!
//! Each public handler has the signature `async fn(&ApiState, Request) -> Response<Body>` and never fails: input
//! errors, upstream errors and internal errors all become JSON error responses with the right status.

mod get_run;
mod get_run_task;
mod list_run_tasks;
mod list_runs;

pub use get_run::get_run;
pub use get_run_task::get_run_task;
pub use list_run_tasks::list_run_tasks;
pub use list_runs::list_runs;

use lambda_http::{Request, RequestExt};
use serde::Serialize;

use super::query::QueryParams;
use super::scope::RequestScope;
use crate::error::{Error, Result};
use crate::events::is_well_formed_uuid;
use crate::ids::{RunId, TaskId};

/// The body of every list route: `{"items": [...], "nextCursor": "..."}`, `nextCursor` absent on the last page.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListBody<T> {
    /// This page's items, in upstream order.
    pub items: Vec<T>,
    /// Opaque cursor for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A path parameter as API Gateway (or `local-api`) passed it.
fn path_param<'a>(request: &'a Request, name: &str) -> Result<&'a str> {
    request
        .path_parameters_ref()
        .and_then(|params| params.first(name))
        .ok_or_else(|| Error::invalid(name, "missing path parameter"))
}

/// A run id path parameter (`runId`, `otherRunId`), validated; a 400 names the parameter.
pub(crate) fn run_id_path_param(request: &Request, name: &str) -> Result<RunId> {
    RunId::parse(path_param(request, name)?).map_err(|e| Error::invalid_id(name, e))
}

/// The validated `runId` path parameter, recorded on the scope for the log line.
pub(crate) fn run_id_param(request: &Request, scope: &mut RequestScope) -> Result<RunId> {
    let run_id = run_id_path_param(request, "runId")?;
    scope.set_run_id(run_id.as_str());
    Ok(run_id)
}

/// An optional run uuid query parameter (`uuid`, `otherUuid`), validated; a 400 names the parameter.
pub(crate) fn uuid_query_param(query: &QueryParams, name: &str) -> Result<Option<String>> {
    query
        .get(name)
        .map(|uuid| {
            if is_well_formed_uuid(uuid) {
                Ok(uuid.to_owned())
            } else {
                Err(Error::invalid(
                    name,
                    "must be 1 to 64 letters, digits or dashes",
                ))
            }
        })
        .transpose()
}

/// The validated `taskId` path parameter, recorded on the scope for the log line.
fn task_id_param(request: &Request, scope: &mut RequestScope) -> Result<TaskId> {
    let text = path_param(request, "taskId")?;
    let task_id = TaskId::parse(text).map_err(|e| Error::invalid_id("taskId", e))?;
    scope.set_task_id(task_id.as_str());
    Ok(task_id)
}

#[cfg(test)]
mod tests;
