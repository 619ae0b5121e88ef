//! `GET /runs/{runId}/compare/{otherRunId}` (`compare-runs`): the comparison of two stored records (`?uuid=` /
//! `?otherUuid=`), with the state's analysis settings; `?format=html` the compare page.
//!
//! Answers with an `ETag` and honours `If-None-Match` with 304; bodies are not cached (`no-cache`) because a
//! stored record can be replaced by a more complete one.

use axum::extract::State;
use axum::response::Response;

use super::stored::load_record;
use crate::analysis::compare::compare;
use crate::analysis::compare_page::render_compare_page;
use crate::api::caching::{Freshness, JSON, cached_response};
use crate::api::extract::{ComparePath, IfNoneMatch, Query, RouteQuery, html_format, uuid_param};
use crate::api::query::QueryParams;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::record::RunUuid;

/// `?uuid=` (of `runId`), `?otherUuid=` (of `otherRunId`), `?format=json|html`.
#[derive(Debug)]
pub struct CompareQuery {
    uuid: Option<RunUuid>,
    other_uuid: Option<RunUuid>,
    html: bool,
}

impl RouteQuery for CompareQuery {
    const ALLOWED: &'static [&'static str] = &["uuid", "otherUuid", "format"];

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            uuid: uuid_param(query, "uuid")?,
            other_uuid: uuid_param(query, "otherUuid")?,
            html: html_format(query, "json")?,
        })
    }
}

/// `GET /runs/{runId}/compare/{otherRunId}`.
pub async fn compare_runs(
    State(state): State<SharedState>,
    path: ComparePath,
    Query(query): Query<CompareQuery>,
    if_none_match: IfNoneMatch,
) -> Result<Response> {
    let run_a = load_record(&state, &path.run_id, query.uuid.as_ref()).await?;
    let run_b = load_record(&state, &path.other_run_id, query.other_uuid.as_ref()).await?;
    let result = compare(&run_a, &run_b, &state.settings);
    let (content_type, body) = if query.html {
        ("text/html; charset=utf-8", render_compare_page(&result))
    } else {
        let json = serde_json::to_string(&result)
            .map_err(|e| Error::Internal(format!("serializing: {e}")))?;
        (JSON, json)
    };
    Ok(cached_response(
        &if_none_match,
        content_type,
        body,
        Freshness::Revalidate,
    ))
}
