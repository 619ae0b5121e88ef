//! `GET /runs/{runId}/progress` (`get-run-progress`): how far a run got, from the task, run and batch events
//! `track-run` folded into the live table: counts by status, the longest-running tasks, an ETA from the
//! workflow's profile and the stragglers. Once `enrich-run` has stored the run's record, the answer says
//! `final: true` and where the report is.
//!
//! A run none of whose events was stored (events not enabled, or older than the tracker) is 404, saying so:
//! `GET /runs/{runId}/tasks` is the live HealthOmics view.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_with::skip_serializing_none;

use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::extract::{IfNoneMatch, Query, RunPath, UuidQuery};
use crate::api::observe::upstream;
use crate::api::state::ApiState;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::ids::RunId;
use crate::live::{Progress, progress};
use crate::record::RunUuid;
use crate::store::{LiveRuns, RecentRuns, SummaryStore};
use crate::time::Timestamp;
use crate::track::{LiveReader, LiveView};

/// The progress answer.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ProgressBody {
    run_id: String,
    uuid: Option<String>,
    workflow_id: Option<String>,
    status: Option<String>,
    #[serde(with = "crate::time::optional")]
    started_at: Option<Timestamp>,
    #[serde(with = "crate::time::optional")]
    last_event_at: Option<Timestamp>,
    #[serde(flatten)]
    progress: Progress,
    /// Whether the stored record replaced the live view.
    #[serde(rename = "final")]
    is_final: bool,
    /// The stored report's route, once final.
    report: Option<String>,
    /// Which runs the ETA and stragglers rest on.
    profile_runs: Option<Vec<String>>,
    notes: Vec<String>,
}

/// The run's progress; 404 when no event of it (of that uuid, with `?uuid=`) was seen.
pub async fn get_run_progress(
    State(state): State<SharedState>,
    RunPath(run_id): RunPath,
    Query(query): Query<UuidQuery>,
) -> Result<Response> {
    let view = upstream(reader(&state)?.read(&run_id))
        .await?
        .filter(|view| matches_uuid(view, query.uuid.as_ref()))
        .ok_or_else(|| not_seen(&run_id, query.uuid.as_ref()))?;
    let report = stored_report(&state, &run_id, view.run.state.uuid.as_deref()).await?;
    let body = body(run_id, view, report, chrono::Utc::now());
    Ok(cached_response(
        &IfNoneMatch::default(),
        JSON,
        json_body(&body)?,
        Freshness::NoStore,
    ))
}

fn reader(state: &ApiState) -> Result<LiveReader> {
    let dynamodb = state.clients.dynamodb.clone();
    Ok(LiveReader::new(
        LiveRuns::new(dynamodb.clone(), state.config.live_table()?),
        RecentRuns::new(dynamodb, state.config.fleet_table()?),
        state.omics.clone(),
        Arc::clone(&state.settings),
    ))
}

/// A run whose events named another uuid is another run that reused the id.
fn matches_uuid(view: &LiveView, uuid: Option<&RunUuid>) -> bool {
    match (uuid, &view.run.state.uuid) {
        (Some(wanted), Some(seen)) => wanted.as_str() == seen,
        _ => true,
    }
}

fn not_seen(run_id: &RunId, uuid: Option<&RunUuid>) -> Error {
    let id = match uuid {
        Some(uuid) => format!("{run_id} (uuid {uuid})"),
        None => run_id.to_string(),
    };
    Error::NotTracked { run: id }
}

/// The report route of the run's stored record, when `enrich-run` has stored it.
async fn stored_report(
    state: &ApiState,
    run_id: &RunId,
    uuid: Option<&str>,
) -> Result<Option<String>> {
    let summaries = SummaryStore::new(state.clients.dynamodb.clone(), state.config.runs_table()?);
    let uuid = uuid.and_then(|u| RunUuid::parse(u).ok());
    let record = upstream(summaries.find(run_id, uuid.as_ref())).await?;
    Ok(record.map(|r| format!("/runs/{run_id}/report?uuid={}", r.summary.uuid)))
}

fn body(run_id: RunId, view: LiveView, report: Option<String>, now: Timestamp) -> ProgressBody {
    let progress = progress(&view.run, view.profile.as_ref(), now);
    let state = view.run.state;
    ProgressBody {
        run_id: run_id.to_string(),
        uuid: state.uuid,
        workflow_id: state.workflow_id,
        status: state.status.map(|(status, _)| status.as_str().to_owned()),
        started_at: state.started_at.or(state.first_event_at),
        last_event_at: state.last_event_at,
        progress,
        is_final: report.is_some(),
        report,
        profile_runs: view.profile.map(|p| p.runs),
        notes: view.notes,
    }
}
