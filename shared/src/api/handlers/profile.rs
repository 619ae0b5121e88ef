//! `GET /workflows/{workflowId}/profile` (`query-fleet`): the workflow's learned resource profile from its last
//! COMPLETED stored runs, as JSON or as ready Nextflow / WDL configuration.
//!
//! The runs come from the workflow's recent-runs item in the fleet table (one read); the `byWorkflow` index serves
//! when that item cannot tell (absent: runs stored before it was kept and not reindexed; or truncated below the
//! runs asked for).

use axum::extract::State;
use axum::response::Response;

use super::fleet::{fleet_index, fleet_response, recent_runs};
use crate::analysis::fleet::profile::workflow_profile;
use crate::api::caching::{Freshness, cached_response};
use crate::api::extract::{IfNoneMatch, Query, RouteQuery, WorkflowPath};
use crate::api::fleet_query::{PROFILE_PARAMS, ProfileFormat, headroom, profile_format, runs};
use crate::api::observe::upstream;
use crate::api::query::QueryParams;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::record::fleet_row::FleetRun;
use crate::status::RunStatus;
use crate::store::{FleetIndex, IndexFilter, IndexPartition, Reading};

/// Index pages read at most to find the runs (a workflow with many failed runs between completed ones).
const MAX_PAGES: usize = 20;

/// `runs`, `headroom`, `format`.
#[derive(Debug)]
pub struct ProfileQuery {
    runs: usize,
    headroom: f64,
    format: ProfileFormat,
}

impl RouteQuery for ProfileQuery {
    const ALLOWED: &'static [&'static str] = PROFILE_PARAMS;

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            runs: runs(query)?,
            headroom: headroom(query)?,
            format: profile_format(query)?,
        })
    }
}

/// The profile; 404 when no COMPLETED run of the workflow is stored.
pub async fn workflow_profile_route(
    State(state): State<SharedState>,
    WorkflowPath(workflow_id): WorkflowPath,
    Query(query): Query<ProfileQuery>,
) -> Result<Response> {
    let recent = upstream(recent_runs(&state)?.newest(workflow_id.as_str(), query.runs)).await?;
    let (runs, consumed) = match recent {
        Some(found) => found,
        None => last_completed(&fleet_index(&state)?, workflow_id.as_str(), query.runs).await?,
    };
    if runs.is_empty() {
        return Err(Error::NotFound {
            resource: "completed stored run of workflow",
            id: workflow_id.to_string(),
        });
    }
    let profile = workflow_profile(
        workflow_id.as_str(),
        &runs,
        query.headroom,
        &state.settings.prices,
    );
    let text = match query.format {
        ProfileFormat::Json => return fleet_response(&profile, consumed),
        ProfileFormat::Nextflow => profile.nextflow_config.unwrap_or_else(|| {
            "// omics-introspect: no task group of this workflow needs a change\n".to_owned()
        }),
        ProfileFormat::Wdl => profile.wdl_runtime.unwrap_or_else(|| {
            "# omics-introspect: no task group of this workflow needs a change\n".to_owned()
        }),
    };
    Ok(cached_response(
        &IfNoneMatch::default(),
        "text/plain; charset=utf-8",
        text,
        Freshness::NoStore,
    ))
}

/// The newest `n` COMPLETED stored runs of the workflow and the read units consumed.
async fn last_completed(
    index: &FleetIndex,
    workflow_id: &str,
    n: usize,
) -> Result<(Vec<FleetRun>, f64)> {
    let partition = IndexPartition::Workflow(workflow_id.to_owned());
    let filter = IndexFilter {
        equals: vec![("status", RunStatus::Completed.as_str().to_owned())],
        ..IndexFilter::default()
    };
    let mut runs = Vec::new();
    let mut consumed = 0.0;
    let mut start = None;
    for _ in 0..MAX_PAGES {
        let wanted = (n - runs.len()) as i32;
        let page = upstream(index.page(
            &partition,
            &filter,
            wanted.max(1),
            start,
            Reading::RowsAndGroups,
        ))
        .await?;
        consumed += page.consumed_rcu;
        runs.extend(page.runs);
        start = page.next;
        if runs.len() >= n || start.is_none() {
            break;
        }
    }
    runs.truncate(n);
    Ok((runs, consumed))
}
