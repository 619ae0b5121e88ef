//! The run page over HTTP: `GET /runs/{runId}/report?format=html` (the page itself, or `303` to its presigned URL
//! when too large for a response body) and `GET /runs/{runId}/report/link` (`get-run-report-link`: a presigned
//! URL a browser opens without SigV4). The page is `report.html` beside the stored record, drawn by
//! `render-run-page` once the record is stored; until then both answer 404 saying so.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::response::Response;
use serde_json::json;

use super::stored::stored_record;
use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::extract::{IfNoneMatch, Query, RunPath, UuidQuery};
use crate::api::observe::upstream;
use crate::api::response::{NO_STORE, json_response, set_header};
use crate::api::state::{ApiState, SharedState};
use crate::enrich::gunzip;
use crate::error::{Error, Result};
use crate::ids::RunId;
use crate::record::RunUuid;
use crate::store::RunPages;
use crate::time::format_timestamp;

/// Largest page (uncompressed HTML) returned in a response body; larger ones answer 303 to their presigned URL.
pub const MAX_INLINE_PAGE_BYTES: usize = 5 * 1024 * 1024;
/// How long a link is valid when `REPORT_LINK_SECONDS` is unset.
pub const DEFAULT_LINK_SECONDS: u64 = 15 * 60;
/// The variable setting a link's lifetime (seconds, 60 to 43,200: a presigned URL lives at most as long as the
/// function's role session).
pub const LINK_SECONDS_VAR: &str = "REPORT_LINK_SECONDS";

fn pages(state: &ApiState) -> Result<RunPages> {
    Ok(RunPages::new(
        state.clients.s3.clone(),
        state.config.reports_bucket()?,
    ))
}

fn not_drawn(run_id: &RunId, uuid: &RunUuid) -> Error {
    Error::NotFound {
        resource: "run page (drawn by render-run-page right after the record is stored; retry shortly) of run",
        id: format!("{run_id} (uuid {uuid})"),
    }
}

/// The link's lifetime from `REPORT_LINK_SECONDS`; a bad value is a configuration error naming it.
pub fn link_lifetime() -> Result<Duration> {
    let Ok(text) = std::env::var(LINK_SECONDS_VAR) else {
        return Ok(Duration::from_secs(DEFAULT_LINK_SECONDS));
    };
    match text.trim().parse::<u64>() {
        Ok(seconds) if (60..=43_200).contains(&seconds) => Ok(Duration::from_secs(seconds)),
        _ => Err(Error::Config {
            variable: LINK_SECONDS_VAR,
            message: format!("expected whole seconds from 60 to 43200, got {text:?}"),
        }),
    }
}

/// The page of `run_id` / `uuid` as a response: the HTML, or 303 to its presigned URL when large.
pub async fn page_response(state: &ApiState, run_id: &RunId, uuid: &RunUuid) -> Result<Response> {
    let pages = pages(state)?;
    let gzip = upstream(pages.get(run_id, uuid))
        .await?
        .ok_or_else(|| not_drawn(run_id, uuid))?;
    let html = gunzip(&gzip)?;
    if html.len() > MAX_INLINE_PAGE_BYTES {
        let url = upstream(pages.presign(run_id, uuid, link_lifetime()?)).await?;
        let body = json!({
            "message": "the run page is too large for a response body: open it from the URL",
            "url": url,
        });
        let mut response = json_response(303, body.to_string());
        *response.status_mut() = StatusCode::SEE_OTHER;
        set_header(&mut response, LOCATION, &url);
        set_header(&mut response, CACHE_CONTROL, NO_STORE);
        return Ok(response);
    }
    let html = String::from_utf8(html)
        .map_err(|_| Error::Internal("a stored run page is not UTF-8".into()))?;
    Ok(cached_response(
        &IfNoneMatch::default(),
        "text/html; charset=utf-8",
        html,
        Freshness::NoStore,
    ))
}

/// `GET /runs/{runId}/report/link`: `{"url", "expiresAt", "runId", "uuid"}`, a presigned GET of the run's page.
pub async fn get_run_report_link(
    State(state): State<SharedState>,
    RunPath(run_id): RunPath,
    Query(query): Query<UuidQuery>,
) -> Result<Response> {
    let lifetime = link_lifetime()?;
    let (record, _) = stored_record(&state, &run_id, query.uuid.as_ref()).await?;
    let uuid = record.summary.uuid;
    let pages = pages(&state)?;
    if upstream(pages.drawn_from(&run_id, &uuid)).await?.is_none() {
        return Err(not_drawn(&run_id, &uuid));
    }
    let url = upstream(pages.presign(&run_id, &uuid, lifetime)).await?;
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(lifetime.as_secs() as i64);
    let body = json!({
        "url": url,
        "expiresAt": format_timestamp(&expires_at),
        "runId": run_id.as_str(),
        "uuid": uuid.as_str(),
    });
    Ok(cached_response(
        &IfNoneMatch::default(),
        JSON,
        json_body(&body)?,
        Freshness::NoStore,
    ))
}
