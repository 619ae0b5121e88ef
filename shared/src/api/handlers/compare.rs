//! `GET /runs/{runId}/compare/{otherRunId}` (`compare-runs`): the comparison of two stored records (`?uuid=` /
//! `?otherUuid=`), with the state's analysis settings.
//!
//! Answers with an `ETag` and honours `If-None-Match` with 304; bodies are not cached (`no-cache`) because a
//! stored record can be replaced by a more complete one.

use axum::extract::State;
use axum::response::Response;

use super::stored::load_record;
use crate::analysis::compare::compare;
use crate::api::caching::{Freshness, JSON, cached_response};
use crate::api::extract::{ComparePath, IfNoneMatch, Query, RouteQuery, uuid_param};
use crate::api::query::QueryParams;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::record::RunUuid;

/// `?uuid=` (of `runId`) and `?otherUuid=` (of `otherRunId`).
#[derive(Debug)]
pub struct CompareQuery {
    uuid: Option<RunUuid>,
    other_uuid: Option<RunUuid>,
}

impl RouteQuery for CompareQuery {
    const ALLOWED: &'static [&'static str] = &["uuid", "otherUuid"];

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            uuid: uuid_param(query, "uuid")?,
            other_uuid: uuid_param(query, "otherUuid")?,
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
    let body =
        serde_json::to_string(&result).map_err(|e| Error::Internal(format!("serializing: {e}")))?;
    Ok(cached_response(
        &if_none_match,
        JSON,
        body,
        Freshness::Revalidate,
    ))
}
