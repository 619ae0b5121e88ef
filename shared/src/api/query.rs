//! Query string parsing with bounds: every parameter validated, named in errors, and nothing unbounded passed on.
//!
//! Unknown parameters are rejected (a typo such as `?staus=FAILED` would otherwise silently return everything),
//! and so are repeated ones.

use std::collections::BTreeMap;

use axum::http::Uri;
use axum::http::request::Parts;
use lambda_http::RequestExt;
use lambda_http::aws_lambda_events::query_map::QueryMap;

use crate::error::{Error, Result};
use crate::ids::RunGroupId;
use crate::status::{RunStatus, TaskStatus};

/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: i32 = 50;
/// Largest `limit` (HealthOmics' own page maximum).
pub const MAX_LIMIT: i32 = 100;
/// Longest `name` filter, in characters (HealthOmics' run name limit).
pub const MAX_NAME_CHARS: usize = 128;
/// Longest query string accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 4096;
/// Longest parameter name echoed back in an error message.
const MAX_ECHOED_NAME: usize = 40;

/// Parameters of `GET /runs`.
pub const LIST_RUNS_PARAMS: &[&str] = &["limit", "cursor", "status", "name", "runGroupId"];
/// Parameters of `GET /runs/{runId}/tasks`.
pub const LIST_RUN_TASKS_PARAMS: &[&str] = &["limit", "cursor", "status"];

/// A request's query parameters, checked against the parameters a route accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    values: BTreeMap<String, String>,
}

impl QueryParams {
    /// Reads the query of `request` (the `lambda_http` query extension, else the URI's query string) and rejects
    /// parameters outside `allowed`, repeated parameters and oversized query strings.
    pub fn from_request<B>(request: &axum::http::Request<B>, allowed: &[&str]) -> Result<Self> {
        Self::read(
            request.uri(),
            request.query_string_parameters_ref(),
            allowed,
        )
    }

    /// [`Self::from_request`] for the parts of a request (extractors).
    pub fn from_parts(parts: &Parts, allowed: &[&str]) -> Result<Self> {
        Self::read(&parts.uri, parts.query_string_parameters_ref(), allowed)
    }

    fn read(uri: &Uri, extension: Option<&QueryMap>, allowed: &[&str]) -> Result<Self> {
        let raw_len = uri.query().map_or(0, str::len);
        if raw_len > MAX_QUERY_LEN {
            return Err(too_long());
        }
        match extension {
            Some(map) => Self::from_map(map, allowed),
            None => {
                let map: QueryMap = uri.query().unwrap_or_default().parse().unwrap_or_default();
                Self::from_map(&map, allowed)
            }
        }
    }

    /// Checks an already parsed query map against `allowed`.
    pub fn from_map(map: &QueryMap, allowed: &[&str]) -> Result<Self> {
        let mut values = BTreeMap::new();
        let mut total = 0usize;
        for (name, value) in map.iter() {
            total = total.saturating_add(name.len() + value.len() + 2);
            if total > MAX_QUERY_LEN {
                return Err(too_long());
            }
            if !allowed.contains(&name) {
                let shown: String = name.chars().take(MAX_ECHOED_NAME).collect();
                let message = if allowed.is_empty() {
                    "unknown query parameter: this route takes none".to_owned()
                } else {
                    format!(
                        "unknown query parameter: this route takes {}",
                        allowed.join(", ")
                    )
                };
                return Err(Error::invalid(shown, message));
            }
            if values.insert(name.to_owned(), value.to_owned()).is_some() {
                return Err(Error::invalid(name, "must be given at most once"));
            }
        }
        Ok(Self { values })
    }

    /// The raw value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// `limit`: 1 to [`MAX_LIMIT`], default [`DEFAULT_LIMIT`].
    pub fn limit(&self) -> Result<i32> {
        let Some(text) = self.get("limit") else {
            return Ok(DEFAULT_LIMIT);
        };
        let message = || format!("must be an integer from 1 to {MAX_LIMIT}");
        if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("limit", message()));
        }
        match text.parse::<i32>() {
            Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
            _ => Err(Error::invalid("limit", message())),
        }
    }

    /// `cursor`, as sent (checked by [`super::cursor::CursorKey::open`]); empty is an error.
    pub fn cursor(&self) -> Result<Option<&str>> {
        match self.get("cursor") {
            Some("") => Err(Error::invalid(
                "cursor",
                "must not be empty: omit it for the first page",
            )),
            other => Ok(other),
        }
    }

    /// `status` as a run status, case-insensitive.
    pub fn run_status(&self) -> Result<Option<RunStatus>> {
        self.get("status")
            .map(|text| RunStatus::parse_known(text).ok_or_else(|| bad_status(RunStatus::VALUES)))
            .transpose()
    }

    /// `status` as a task status, case-insensitive.
    pub fn task_status(&self) -> Result<Option<TaskStatus>> {
        self.get("status")
            .map(|text| TaskStatus::parse_known(text).ok_or_else(|| bad_status(TaskStatus::VALUES)))
            .transpose()
    }

    /// `name`: 1 to [`MAX_NAME_CHARS`] characters, no control characters.
    pub fn name(&self) -> Result<Option<String>> {
        let Some(name) = self.get("name") else {
            return Ok(None);
        };
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS {
            return Err(Error::invalid(
                "name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Some(name.to_owned()))
    }

    /// `runGroupId`: a validated id.
    pub fn run_group_id(&self) -> Result<Option<RunGroupId>> {
        self.get("runGroupId")
            .map(|text| RunGroupId::parse(text).map_err(|e| Error::invalid_id("runGroupId", e)))
            .transpose()
    }
}

fn too_long() -> Error {
    Error::invalid(
        "query",
        format!("query string must be at most {MAX_QUERY_LEN} bytes"),
    )
}

fn bad_status(values: &[&str]) -> Error {
    Error::invalid(
        "status",
        format!("must be one of {} (any case)", values.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str, allowed: &[&str]) -> Result<QueryParams> {
        let map: QueryMap = query.parse().unwrap();
        QueryParams::from_map(&map, allowed)
    }

    fn runs(query: &str) -> QueryParams {
        params(query, LIST_RUNS_PARAMS).unwrap()
    }

    fn field(err: Error) -> String {
        match err {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn limit_defaults_and_bounds() {
        assert_eq!(runs("").limit().unwrap(), 50);
        assert_eq!(runs("limit=1").limit().unwrap(), 1);
        assert_eq!(runs("limit=100").limit().unwrap(), 100);
        assert_eq!(runs("limit=007").limit().unwrap(), 7);
        for bad in [
            "0",
            "101",
            "-1",
            "+5",
            "1e2",
            "",
            " 5",
            "abc",
            "99999999999999999999",
        ] {
            let query = format!("limit={}", bad.replace('+', "%2B").replace(' ', "%20"));
            assert_eq!(field(runs(&query).limit().unwrap_err()), "limit", "{bad:?}");
        }
    }

    #[test]
    fn statuses_are_case_insensitive_and_validated() {
        assert_eq!(
            runs("status=running").run_status().unwrap(),
            Some(RunStatus::Running)
        );
        assert_eq!(
            runs("status=Deleted").run_status().unwrap(),
            Some(RunStatus::Deleted)
        );
        assert_eq!(runs("").run_status().unwrap(), None);
        assert_eq!(
            field(runs("status=DONE").run_status().unwrap_err()),
            "status"
        );
        // DELETED is a run status, not a task status.
        let tasks = params("status=deleted", LIST_RUN_TASKS_PARAMS).unwrap();
        assert_eq!(field(tasks.task_status().unwrap_err()), "status");
        let tasks = params("status=failed", LIST_RUN_TASKS_PARAMS).unwrap();
        assert_eq!(tasks.task_status().unwrap(), Some(TaskStatus::Failed));
    }

    #[test]
    fn name_and_run_group_bounds() {
        assert_eq!(
            runs("name=my+run").name().unwrap().as_deref(),
            Some("my run")
        );
        let longest = "é".repeat(128);
        assert_eq!(
            runs(&format!("name={longest}")).name().unwrap(),
            Some(longest)
        );
        assert_eq!(
            field(
                runs(&format!("name={}", "a".repeat(129)))
                    .name()
                    .unwrap_err()
            ),
            "name"
        );
        assert_eq!(field(runs("name=").name().unwrap_err()), "name");
        assert_eq!(field(runs("name=a%0Ab").name().unwrap_err()), "name");
        assert_eq!(
            runs("runGroupId=123")
                .run_group_id()
                .unwrap()
                .unwrap()
                .as_str(),
            "123"
        );
        assert_eq!(
            field(runs("runGroupId=12x").run_group_id().unwrap_err()),
            "runGroupId"
        );
    }

    #[test]
    fn cursor_must_not_be_empty() {
        assert_eq!(runs("cursor=abc").cursor().unwrap(), Some("abc"));
        assert_eq!(runs("").cursor().unwrap(), None);
        assert_eq!(field(runs("cursor=").cursor().unwrap_err()), "cursor");
    }

    #[test]
    fn unknown_repeated_and_oversized_parameters() {
        assert_eq!(
            field(params("staus=FAILED", LIST_RUNS_PARAMS).unwrap_err()),
            "staus"
        );
        assert_eq!(
            field(params("name=x", LIST_RUN_TASKS_PARAMS).unwrap_err()),
            "name"
        );
        assert_eq!(field(params("x=1", &[]).unwrap_err()), "x");
        assert_eq!(
            field(params("limit=1&limit=2", LIST_RUNS_PARAMS).unwrap_err()),
            "limit"
        );
        let long_name = "n".repeat(500);
        let err = params(&format!("{long_name}=1"), &[]).unwrap_err();
        assert_eq!(field(err).len(), 40);
        let huge = format!("name={}", "a".repeat(MAX_QUERY_LEN));
        assert_eq!(field(params(&huge, LIST_RUNS_PARAMS).unwrap_err()), "query");
        assert!(params("", &[]).unwrap().get("x").is_none());
    }

    #[test]
    fn reads_the_request_extension_or_the_uri() {
        let request = lambda_http::http::Request::builder()
            .uri("/runs?limit=5&status=failed")
            .body(lambda_http::Body::Empty)
            .unwrap();
        let from_uri = QueryParams::from_request(&request, LIST_RUNS_PARAMS).unwrap();
        assert_eq!(from_uri.limit().unwrap(), 5);
        let request = request.with_query_string_parameters(QueryMap::from(
            std::collections::HashMap::from([("limit".to_owned(), "7".to_owned())]),
        ));
        let from_extension = QueryParams::from_request(&request, LIST_RUNS_PARAMS).unwrap();
        assert_eq!(from_extension.limit().unwrap(), 7);
        assert_eq!(from_extension.get("status"), None);
    }
}
