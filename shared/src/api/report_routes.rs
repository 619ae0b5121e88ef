//! `GET /runs/{runId}/report` (`get-run-report`) and `GET /runs/{runId}/manifest` (`get-run-manifest`).
//!
//! - The report is the stored enriched record: DynamoDB picks it (`?uuid=` among runs that reused the id, else the
//!   latest), S3 holds it. No HealthOmics call, so it works after HealthOmics has forgotten the run. A record
//!   larger than [`MAX_INLINE_REPORT_BYTES`] answers `303 See Other` with a presigned S3 URL (API Gateway and
//!   Lambda cap responses at 6 MB).
//! - The manifest is read live from CloudWatch Logs, exact stream `manifest/run/<id>/<uuid>` (uuid from `?uuid=`
//!   or GetRun), tasks in stream order, paged with `limit` / `cursor` (signed cursors bound to run and uuid).

use std::time::Duration;

use lambda_http::http::header::{CACHE_CONTROL, LOCATION};
use lambda_http::http::{Response, StatusCode};
use lambda_http::{Body, Request};
use serde::Serialize;
use serde_json::{Value, json};
use serde_with::skip_serializing_none;

use super::cursor::CursorScope;
use super::handlers::{run_id_param, uuid_query_param};
use super::query::QueryParams;
use super::response::{NO_STORE, json_response, set_header};
use super::scope::{Reply, RequestScope};
use super::state::ApiState;
use crate::enrich::gunzip;
use crate::error::{Error, Result};
use crate::ids::RunId;
use crate::manifest::{ManifestReader, ManifestRun, ManifestTask, ParseWarnings, stream_name};
use crate::store::{ReportStore, SummaryRecord, SummaryStore, run_enriched_detail};

/// Function name of the report route.
pub const REPORT_FUNCTION: &str = "get-run-report";
/// Function name of the manifest route.
pub const MANIFEST_FUNCTION: &str = "get-run-manifest";
/// Parameters of `GET /runs/{runId}/report`.
pub const REPORT_PARAMS: &[&str] = &["uuid"];
/// Parameters of `GET /runs/{runId}/manifest`.
pub const MANIFEST_PARAMS: &[&str] = &["uuid", "limit", "cursor"];
/// Largest record (uncompressed JSON) returned in the response body.
pub const MAX_INLINE_REPORT_BYTES: u64 = 5 * 1024 * 1024;
/// Lifetime of the presigned URL of a large record.
pub const PRESIGNED_URL_TTL: Duration = Duration::from_secs(15 * 60);
/// `GetLogEvents` calls one manifest request may make (each reads up to 1 MB).
const MAX_PAGES_PER_REQUEST: u32 = 8;

/// The stored enriched record of a run.
pub async fn get_run_report(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(REPORT_FUNCTION, &request);
    match report(state, &request, &mut scope).await {
        Ok(Answer::Reply(reply)) => scope.finish(Ok(reply)),
        Ok(Answer::SeeOther { url, body }) => {
            let mut response = json_response(303, body.to_string());
            *response.status_mut() = StatusCode::SEE_OTHER;
            set_header(&mut response, LOCATION, &url);
            set_header(&mut response, CACHE_CONTROL, NO_STORE);
            scope.finish_response(response, None)
        }
        Err(error) => scope.finish(Err(error)),
    }
}

/// One page of a run's manifest, read live.
pub async fn get_run_manifest(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(MANIFEST_FUNCTION, &request);
    let outcome = manifest(state, &request, &mut scope).await;
    scope.finish(outcome)
}

enum Answer {
    Reply(Reply),
    SeeOther { url: String, body: Value },
}

async fn report(state: &ApiState, request: &Request, scope: &mut RequestScope) -> Result<Answer> {
    let run_id = run_id_param(request, scope)?;
    let query = QueryParams::from_request(request, REPORT_PARAMS)?;
    let uuid = uuid_query_param(&query, "uuid")?;
    let (record, reports) = stored_record(state, scope, &run_id, uuid.as_deref()).await?;
    if record.report.json_bytes > MAX_INLINE_REPORT_BYTES {
        let url = scope
            .upstream(reports.presigned_url(&record.report, PRESIGNED_URL_TTL))
            .await?;
        let body = json!({
            "message": "the record is too large for a response body: fetch it from the URL (gzip JSON)",
            "url": url,
            "expiresInSeconds": PRESIGNED_URL_TTL.as_secs(),
            "summary": run_enriched_detail(&record),
        });
        return Ok(Answer::SeeOther { url, body });
    }
    let gzip = scope.upstream(reports.get(&record.report)).await?;
    let json = gunzip(&gzip)?;
    let value: Value = serde_json::from_slice(&json)
        .map_err(|e| Error::Internal(format!("stored record is not JSON: {e}")))?;
    Ok(Answer::Reply(Reply::json(&value)?))
}

/// The stored summary of `run_id` (`uuid`, else the latest; 404 when never enriched) and the store holding its
/// record.
pub async fn stored_record(
    state: &ApiState,
    scope: &mut RequestScope,
    run_id: &RunId,
    uuid: Option<&str>,
) -> Result<(SummaryRecord, ReportStore)> {
    let summaries = SummaryStore::new(state.clients.dynamodb.clone(), state.config.runs_table()?);
    let reports = ReportStore::new(state.clients.s3.clone(), state.config.reports_bucket()?);
    let not_found = |id: String| Error::NotFound {
        resource: "report",
        id,
    };
    let record = match uuid {
        Some(uuid) => scope
            .upstream(summaries.get(run_id, uuid))
            .await?
            .ok_or_else(|| not_found(format!("{run_id} (uuid {uuid})")))?,
        None => scope
            .upstream(summaries.latest(run_id))
            .await?
            .ok_or_else(|| not_found(run_id.to_string()))?,
    };
    Ok((record, reports))
}

/// Where a manifest page request resumes: the forward token of a `GetLogEvents` page (none for the stream's first
/// page) and how many task records of that page were already returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Position {
    token: Option<String>,
    skip: usize,
}

impl Position {
    fn encode(&self) -> String {
        format!("{}:{}", self.skip, self.token.as_deref().unwrap_or(""))
    }

    fn decode(text: &str) -> Result<Self> {
        let invalid = || Error::invalid("cursor", "not a valid cursor for this route");
        let (skip, token) = text.split_once(':').ok_or_else(invalid)?;
        Ok(Self {
            skip: skip.parse().map_err(|_| invalid())?,
            token: (!token.is_empty()).then(|| token.to_owned()),
        })
    }
}

/// The manifest route's body.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestBody {
    run_id: String,
    uuid: String,
    log_group: String,
    stream: String,
    /// The run record, on the first page only.
    run: Option<ManifestRun>,
    /// Task records in stream order.
    tasks: Vec<ManifestTask>,
    /// Unreadable lines among those read for this page.
    warnings: Option<ParseWarnings>,
    next_cursor: Option<String>,
}

async fn manifest(state: &ApiState, request: &Request, scope: &mut RequestScope) -> Result<Reply> {
    let run_id = run_id_param(request, scope)?;
    let query = QueryParams::from_request(request, MANIFEST_PARAMS)?;
    let limit = usize::try_from(query.limit()?).unwrap_or(1);
    let uuid = match uuid_query_param(&query, "uuid")? {
        Some(uuid) => uuid,
        None => scope
            .upstream(state.omics.get_run(&run_id))
            .await?
            .uuid
            .ok_or_else(|| {
                Error::Internal(format!("GetRun returned run {run_id} without a uuid"))
            })?,
    };
    let cursor_scope = CursorScope::new(MANIFEST_FUNCTION)
        .bind("runId", Some(run_id.as_str()))
        .bind("uuid", Some(&uuid));
    let key = state.cursor_key()?;
    let start = match query.cursor()? {
        Some(cursor) => Position::decode(&key.open(&cursor_scope, cursor)?)?,
        None => Position::default(),
    };
    let first_page = query.cursor()?.is_none();

    let reader = ManifestReader::new(state.clients.logs.clone(), &state.config.log_group);
    let mut pages = reader.open_at(&run_id, &uuid, start.token.clone())?;
    let mut run = None;
    let mut tasks = Vec::with_capacity(limit);
    let mut skip = start.skip;
    let mut next = None;
    let mut calls = 0;
    while let Some(page) = scope.upstream(pages.next_page()).await? {
        calls += 1;
        if first_page && run.is_none() {
            run = page.run;
        }
        let token = pages.last_page_token().map(str::to_owned);
        let on_page = page.tasks.len();
        let room = limit - tasks.len();
        let available = on_page.saturating_sub(skip);
        if available > room {
            tasks.extend(page.tasks.into_iter().skip(skip).take(room));
            next = Some(Position {
                token,
                skip: skip + room,
            });
            break;
        }
        tasks.extend(page.tasks.into_iter().skip(skip));
        skip = 0;
        if calls >= MAX_PAGES_PER_REQUEST {
            // Resume after this page: re-read it and skip all of it.
            next = Some(Position {
                token,
                skip: on_page,
            });
            break;
        }
    }
    let warnings = pages.warnings().clone();
    Reply::json(&ManifestBody {
        run_id: run_id.to_string(),
        stream: stream_name(&run_id, &uuid),
        uuid,
        log_group: state.config.log_group.clone(),
        run,
        tasks,
        warnings: (!warnings.is_clean()).then_some(warnings),
        next_cursor: next.map(|p| key.seal(&cursor_scope, &p.encode())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip() {
        for position in [
            Position::default(),
            Position {
                token: Some("f/3787:abc".into()),
                skip: 100,
            },
        ] {
            assert_eq!(Position::decode(&position.encode()).unwrap(), position);
        }
        assert!(Position::decode("x:1").is_err());
        assert!(Position::decode("17").is_err());
    }
}
