//! `GET /runs/{runId}/timeline` (`get-run-timeline`): the SVG Gantt chart of a stored record
//! (`image/svg+xml`); `?format=html` for a self-contained page, `?layout=tasks|lanes|groups` to force a layout,
//! `?uuid=` to pick among runs that reused the id.
//!
//! Answers with an `ETag` and honours `If-None-Match` with 304; bodies are not cached (`no-cache`) because a
//! stored record can be replaced by a more complete one.

use axum::extract::State;
use axum::response::Response;

use super::stored::load_record;
use crate::analysis::timeline::{Mode, caption, layout, render_html, render_svg};
use crate::api::caching::{Freshness, cached_response};
use crate::api::extract::{IfNoneMatch, Query, RouteQuery, RunPath, html_format, uuid_param};
use crate::api::query::QueryParams;
use crate::api::state::SharedState;
use crate::error::{Error, Result};
use crate::record::RunUuid;

/// `?format=`, `?layout=`, `?uuid=`.
#[derive(Debug)]
pub struct TimelineQuery {
    html: bool,
    mode: Option<Mode>,
    uuid: Option<RunUuid>,
}

impl RouteQuery for TimelineQuery {
    const ALLOWED: &'static [&'static str] = &["uuid", "format", "layout"];

    fn parse(query: &QueryParams) -> Result<Self> {
        let html = html_format(query, "svg")?;
        let mode = query
            .get("layout")
            .map(|text| {
                Mode::parse(text)
                    .ok_or_else(|| Error::invalid("layout", "must be tasks, lanes or groups"))
            })
            .transpose()?;
        Ok(Self {
            html,
            mode,
            uuid: uuid_param(query, "uuid")?,
        })
    }
}

/// `GET /runs/{runId}/timeline`.
pub async fn get_run_timeline(
    State(state): State<SharedState>,
    RunPath(run_id): RunPath,
    Query(query): Query<TimelineQuery>,
    if_none_match: IfNoneMatch,
) -> Result<Response> {
    let record = load_record(&state, &run_id, query.uuid.as_ref()).await?;
    let laid_out = layout(&record, query.mode);
    let caption = caption(&record);
    let (content_type, body) = if query.html {
        ("text/html; charset=utf-8", render_html(&laid_out, &caption))
    } else {
        ("image/svg+xml", render_svg(&laid_out, &caption))
    };
    Ok(cached_response(
        &if_none_match,
        content_type,
        body,
        Freshness::Revalidate,
    ))
}
