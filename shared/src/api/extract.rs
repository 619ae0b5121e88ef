//! Typed request extractors whose rejections are the API's own 400s: each names the parameter and uses the JSON
//! error envelope (they reject with [`Error`], whose `IntoResponse` builds it).
//!
//! - Path parameters: [`RunPath`], [`TaskPath`], [`ComparePath`], [`WorkflowPath`], [`BatchPath`]; values are percent-decoded after the router split
//!   the path on raw `/` (an encoded `%2F` stays inside its segment, as API Gateway does), then validated. Ids
//!   are recorded for the access log line.
//! - The query: [`Query`] of a [`RouteQuery`], which lists the parameters a route takes (anything else is a 400)
//!   and parses them.
//! - [`IfNoneMatch`] for the cached routes.

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::header::IF_NONE_MATCH;
use axum::http::request::Parts;

use super::observe::{record_run_id, record_task_id};
use super::query::QueryParams;
use crate::error::{Error, Result};
use crate::ids::{RunId, TaskId};
use crate::record::{BatchId, RunUuid, WorkflowId};

/// The path parameters of the matched route, decoded.
///
/// Read from the matched template and the raw path segment by segment (the router matched them, so they align):
/// decoding each raw segment lossily keeps undecodable bytes as U+FFFD, which the id parsers refuse with a 400
/// naming the parameter, instead of a rejection that loses which parameter it was.
struct PathParams(Vec<(String, String)>);

impl PathParams {
    fn from_parts(parts: &Parts) -> Self {
        let Some(template) = parts.extensions.get::<MatchedPath>() else {
            return Self(Vec::new());
        };
        let params = template
            .as_str()
            .split('/')
            .zip(parts.uri.path().split('/'))
            .filter_map(|(expected, segment)| {
                let name = expected.strip_prefix('{')?.strip_suffix('}')?;
                Some((name.to_owned(), percent_decode(segment)))
            })
            .collect();
        Self(params)
    }

    /// The decoded value of `name`; 400 naming it when absent.
    fn get(&self, name: &str) -> Result<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| Error::invalid(name, "missing path parameter"))
    }

    fn run_id(&self, name: &str) -> Result<RunId> {
        RunId::parse(self.get(name)?).map_err(|e| Error::invalid_id(name, e))
    }
}

/// `/runs/{runId}...`: the validated `runId`.
#[derive(Debug, Clone)]
pub struct RunPath(pub RunId);

impl<S: Send + Sync> FromRequestParts<S> for RunPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let run_id = PathParams::from_parts(parts).run_id("runId")?;
        record_run_id(run_id.as_str());
        Ok(Self(run_id))
    }
}

/// `/runs/{runId}/tasks/{taskId}`: the validated ids (`runId` checked first).
#[derive(Debug, Clone)]
pub struct TaskPath {
    /// `runId`.
    pub run_id: RunId,
    /// `taskId`.
    pub task_id: TaskId,
}

impl<S: Send + Sync> FromRequestParts<S> for TaskPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let params = PathParams::from_parts(parts);
        let run_id = params.run_id("runId")?;
        record_run_id(run_id.as_str());
        let task_id =
            TaskId::parse(params.get("taskId")?).map_err(|e| Error::invalid_id("taskId", e))?;
        record_task_id(task_id.as_str());
        Ok(Self { run_id, task_id })
    }
}

/// `/runs/{runId}/compare/{otherRunId}`: both validated run ids (`runId` checked first).
#[derive(Debug, Clone)]
pub struct ComparePath {
    /// `runId`.
    pub run_id: RunId,
    /// `otherRunId`.
    pub other_run_id: RunId,
}

impl<S: Send + Sync> FromRequestParts<S> for ComparePath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let params = PathParams::from_parts(parts);
        let run_id = params.run_id("runId")?;
        let other_run_id = params.run_id("otherRunId")?;
        record_run_id(run_id.as_str());
        Ok(Self {
            run_id,
            other_run_id,
        })
    }
}

/// The query parameters of one route: which it takes and how they parse.
pub trait RouteQuery: Sized {
    /// Every parameter the route takes; any other is a 400.
    const ALLOWED: &'static [&'static str];

    /// Parses the checked parameters.
    fn parse(query: &QueryParams) -> Result<Self>;
}

/// `/workflows/{workflowId}/...`: the validated workflow id.
#[derive(Debug, Clone)]
pub struct WorkflowPath(pub WorkflowId);

impl<S: Send + Sync> FromRequestParts<S> for WorkflowPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let value = PathParams::from_parts(parts);
        let id = WorkflowId::parse(value.get("workflowId")?)
            .map_err(|e| Error::invalid_id("workflowId", e))?;
        Ok(Self(id))
    }
}

/// `/batches/{batchId}`: the validated batch id.
#[derive(Debug, Clone)]
pub struct BatchPath(pub BatchId);

impl<S: Send + Sync> FromRequestParts<S> for BatchPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let value = PathParams::from_parts(parts);
        let id =
            BatchId::parse(value.get("batchId")?).map_err(|e| Error::invalid_id("batchId", e))?;
        Ok(Self(id))
    }
}

/// A route's query, checked and parsed ([`RouteQuery`]).
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: RouteQuery> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self> {
        let query = QueryParams::from_parts(parts, T::ALLOWED)?;
        T::parse(&query).map(Self)
    }
}

/// A route that takes no query parameter.
#[derive(Debug, Clone, Copy)]
pub struct NoQuery;

impl RouteQuery for NoQuery {
    const ALLOWED: &'static [&'static str] = &[];

    fn parse(_query: &QueryParams) -> Result<Self> {
        Ok(Self)
    }
}

/// A route whose one query parameter is `?uuid=` (a run that reused its id).
#[derive(Debug, Clone)]
pub struct UuidQuery {
    /// The uuid asked for.
    pub uuid: Option<RunUuid>,
}

impl RouteQuery for UuidQuery {
    const ALLOWED: &'static [&'static str] = &["uuid"];

    fn parse(query: &QueryParams) -> Result<Self> {
        Ok(Self {
            uuid: uuid_param(query, "uuid")?,
        })
    }
}

/// Whether `?format=` asks for the route's page: `html` is true, absent or `default` (the route's own format,
/// `json` or `svg`) false, anything else a 400 naming `format`.
pub fn html_format(query: &QueryParams, default: &str) -> Result<bool> {
    match query.get("format") {
        Some("html") => Ok(true),
        None => Ok(false),
        Some(format) if format == default => Ok(false),
        Some(_) => Err(Error::invalid(
            "format",
            format!("must be {default} or html"),
        )),
    }
}

/// An optional run uuid query parameter (`uuid`, `otherUuid`), validated; a 400 names the parameter.
pub fn uuid_param(query: &QueryParams, name: &str) -> Result<Option<RunUuid>> {
    query
        .get(name)
        .map(|uuid| {
            RunUuid::parse(uuid)
                .map_err(|_| Error::invalid(name, "must be 1 to 64 letters, digits or dashes"))
        })
        .transpose()
}

/// The `If-None-Match` header, if any (and readable).
#[derive(Debug, Clone, Default)]
pub struct IfNoneMatch(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

/// Decodes `%XX` escapes; invalid escapes stay as they are and invalid UTF-8 is replaced, so it never fails.
pub fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_never_fails() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        assert_eq!(percent_decode("%E2%82%AC"), "€");
    }
}
