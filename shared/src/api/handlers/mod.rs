//! The handlers of [`super::ROUTES`], one file per route (plus [`stored`], what the stored-record routes share).
//!
//! Each is an ordinary axum handler: typed extractors ([`super::extract`]) validate the path and the query in
//! order (a 400 names the parameter), upstream calls are timed with [`super::observe::upstream`], and any
//! [`crate::error::Error`] becomes the JSON error envelope through its `IntoResponse`.

mod batch;
mod compare;
mod fleet;
mod fleet_summary;
mod get_run;
mod get_run_task;
mod list_run_tasks;
mod list_runs;
mod manifest;
mod profile;
mod progress;
mod report;
mod reports;
mod run_page;
mod stored;
mod timeline;

pub use batch::get_batch;
pub use compare::compare_runs;
pub use fleet::CONSUMED_RCU_HEADER;
pub use fleet_summary::fleet_summary;
pub use get_run::get_run;
pub use get_run_task::get_run_task;
pub use list_run_tasks::list_run_tasks;
pub use list_runs::list_runs;
pub use manifest::get_run_manifest;
pub use profile::workflow_profile_route;
pub use progress::get_run_progress;
pub use report::{MAX_INLINE_REPORT_BYTES, PRESIGNED_URL_TTL, get_run_report};
pub use reports::list_reports;
pub use run_page::{DEFAULT_LINK_SECONDS, LINK_SECONDS_VAR, get_run_report_link};
pub use stored::{load_record, stored_record};
pub use timeline::get_run_timeline;

use serde::Serialize;

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

#[cfg(test)]
mod tests;
