//! `GET /runs/{runId}/manifest` (`get-run-manifest`): the run manifest read live from CloudWatch Logs.
//!
//! Exact stream `manifest/run/<id>/<uuid>` (uuid from `?uuid=` or GetRun), tasks in stream order, paged with
//! `limit` / `cursor` (signed cursors bound to run and uuid).

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_with::skip_serializing_none;

use crate::api::caching::{Freshness, JSON, cached_response, json_body};
use crate::api::cursor::CursorScope;
use crate::api::extract::{IfNoneMatch, Query, RouteQuery, RunPath, uuid_param};
use crate::api::observe::upstream;
use crate::api::query::QueryParams;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::manifest::{ManifestReader, ManifestRun, ManifestTask, ParseWarnings, stream_name};
use crate::record::RunUuid;

/// Function name the cursors of this route are bound to.
const FUNCTION: &str = "get-run-manifest";
/// `GetLogEvents` calls one manifest request may make (each reads up to 1 MB).
const MAX_PAGES_PER_REQUEST: u32 = 8;

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
    uuid: RunUuid,
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

/// `limit`, `uuid`, and the raw parameters (the cursor is checked against its key).
#[derive(Debug)]
pub struct ManifestQuery {
    limit: usize,
    uuid: Option<RunUuid>,
    params: QueryParams,
}

impl RouteQuery for ManifestQuery {
    const ALLOWED: &'static [&'static str] = &["uuid", "limit", "cursor"];

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            limit: usize::try_from(query.limit()?).unwrap_or(1),
            uuid: uuid_param(query, "uuid")?,
            params: query.clone(),
        })
    }
}

/// One page of a run's manifest, read live.
pub async fn get_run_manifest(
    State(state): State<SharedState>,
    RunPath(run_id): RunPath,
    Query(query): Query<ManifestQuery>,
) -> Result<Response> {
    let limit = query.limit;
    let uuid = match query.uuid {
        Some(uuid) => uuid,
        None => upstream(state.omics.get_run(&run_id))
            .await?
            .uuid
            .as_deref()
            .and_then(|uuid| RunUuid::parse(uuid).ok())
            .ok_or_else(|| {
                Error::Internal(format!(
                    "GetRun returned run {run_id} without a well-formed uuid"
                ))
            })?,
    };
    let cursor_scope = CursorScope::new(FUNCTION)
        .bind("runId", Some(run_id.as_str()))
        .bind("uuid", Some(uuid.as_str()));
    let key = state.cursor_key()?;
    let start = match query.params.cursor()? {
        Some(cursor) => Position::decode(&key.open(&cursor_scope, cursor)?)?,
        None => Position::default(),
    };
    let first_page = query.params.cursor()?.is_none();

    let reader = ManifestReader::new(state.clients.logs.clone(), &state.config.log_group);
    let mut pages = reader.open_at(&run_id, &uuid, start.token.clone())?;
    let mut run = None;
    let mut tasks = Vec::with_capacity(limit);
    let mut skip = start.skip;
    let mut next = None;
    let mut calls = 0;
    while let Some(page) = upstream(pages.next_page()).await? {
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
    let body = json_body(&ManifestBody {
        run_id: run_id.to_string(),
        stream: stream_name(&run_id, &uuid),
        uuid,
        log_group: state.config.log_group.clone(),
        run,
        tasks,
        warnings: (!warnings.is_clean()).then_some(warnings),
        next_cursor: next.map(|p| key.seal(&cursor_scope, &p.encode())),
    })?;
    Ok(cached_response(
        &IfNoneMatch::default(),
        JSON,
        body,
        Freshness::NoStore,
    ))
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
