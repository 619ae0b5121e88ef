//! `GET /runs/{runId}/report` (`get-run-report`): the stored enriched record.
//!
//! DynamoDB picks it (`?uuid=` among runs that reused the id, else the latest), S3 holds it. No HealthOmics call,
//! so it works after HealthOmics has forgotten the run. A record larger than [`MAX_INLINE_REPORT_BYTES`] answers
//! `303 See Other` with a presigned S3 URL (API Gateway and Lambda cap responses at 6 MB). `?format=html` answers
//! the run's page (`report.html`, drawn by `render-run-page` after the record is stored) the same way.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::response::Response;
use serde_json::{Value, json};

use super::stored::stored_record;
use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::extract::{IfNoneMatch, Query, RouteQuery, RunPath, html_format, uuid_param};
use crate::api::observe::upstream;
use crate::api::query::QueryParams;
use crate::api::response::{NO_STORE, json_response, set_header};
use crate::api::state::SharedState;
use crate::enrich::gunzip;
use crate::error::{Error, Result};
use crate::record::RunUuid;
use crate::store::run_enriched_detail;

/// Largest record (uncompressed JSON) returned in the response body.
pub const MAX_INLINE_REPORT_BYTES: u64 = 5 * 1024 * 1024;
/// Lifetime of the presigned URL of a large record.
pub const PRESIGNED_URL_TTL: Duration = Duration::from_secs(15 * 60);

/// `?uuid=`, `?format=json|html`.
#[derive(Debug)]
pub struct ReportQuery {
    uuid: Option<RunUuid>,
    html: bool,
}

impl RouteQuery for ReportQuery {
    const ALLOWED: &'static [&'static str] = &["uuid", "format"];

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            uuid: uuid_param(query, "uuid")?,
            html: html_format(query, "json")?,
        })
    }
}

/// The stored enriched record of a run.
pub async fn get_run_report(
    State(state): State<SharedState>,
    RunPath(run_id): RunPath,
    Query(query): Query<ReportQuery>,
) -> Result<Response> {
    let (record, reports) = stored_record(&state, &run_id, query.uuid.as_ref()).await?;
    if query.html {
        return super::run_page::page_response(&state, &run_id, &record.summary.uuid).await;
    }
    if record.report.json_bytes > MAX_INLINE_REPORT_BYTES {
        let url = upstream(reports.presigned_url(&record.report, PRESIGNED_URL_TTL)).await?;
        let body = json!({
            "message": "the record is too large for a response body: fetch it from the URL (gzip JSON)",
            "url": url,
            "expiresInSeconds": PRESIGNED_URL_TTL.as_secs(),
            "summary": run_enriched_detail(&record),
        });
        let mut response = json_response(303, body.to_string());
        *response.status_mut() = StatusCode::SEE_OTHER;
        set_header(&mut response, LOCATION, &url);
        set_header(&mut response, CACHE_CONTROL, NO_STORE);
        return Ok(response);
    }
    let gzip = upstream(reports.get(&record.report)).await?;
    let json = gunzip(&gzip)?;
    let value: Value = serde_json::from_slice(&json)
        .map_err(|e| Error::Internal(format!("stored record is not JSON: {e}")))?;
    Ok(cached_response(
        &IfNoneMatch::default(),
        JSON,
        json_body(&value)?,
        Freshness::NoStore,
    ))
}
