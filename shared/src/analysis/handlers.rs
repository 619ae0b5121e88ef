//! The analysis routes of the HTTP API, served from stored records (DynamoDB picks, S3 holds; no HealthOmics
//! call):
//!
//! - `GET /runs/{runId}/timeline` (`get-run-timeline`): the SVG Gantt chart (`image/svg+xml`); `?format=html`
//!   for a self-contained page, `?layout=tasks|lanes|groups` to force a layout, `?uuid=` to pick among runs that
//!   reused the id.
//! - `GET /runs/{runId}/compare/{otherRunId}` (`compare-runs`): the comparison of two stored records
//!   (`?uuid=` / `?otherUuid=`).
//!
//! Both answer with an `ETag` and honour `If-None-Match` with 304; bodies are not cached (`no-cache`) because a
//! stored record can be replaced by a more complete one.

use lambda_http::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use lambda_http::http::{Response, StatusCode};
use lambda_http::{Body, Request};

use super::compare::compare;
use super::timeline::{Mode, caption, layout, render_html, render_svg};
use crate::api::caching::{etag, if_none_match_matches};
use crate::api::handlers::{run_id_path_param, uuid_query_param};
use crate::api::query::QueryParams;
use crate::api::report_routes::stored_record;
use crate::api::response::set_header;
use crate::api::{ApiState, RequestScope};
use crate::enrich::{EnrichedRun, gunzip};
use crate::error::{Error, Result};
use crate::ids::RunId;

/// Function name of the timeline route.
pub const TIMELINE_FUNCTION: &str = "get-run-timeline";
/// Function name of the comparison route.
pub const COMPARE_FUNCTION: &str = "compare-runs";
/// Parameters of the timeline route.
pub const TIMELINE_PARAMS: &[&str] = &["uuid", "format", "layout"];
/// Parameters of the comparison route.
pub const COMPARE_PARAMS: &[&str] = &["uuid", "otherUuid"];
/// `Cache-Control` of analysis answers: revalidate with the `ETag`.
pub const REVALIDATE: &str = "no-cache";

/// `GET /runs/{runId}/timeline`.
pub async fn get_run_timeline(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(TIMELINE_FUNCTION, &request);
    match timeline(state, &request, &mut scope).await {
        Ok((content_type, body)) => {
            let response = cached_response(&request, content_type, body);
            scope.finish_response(response, None)
        }
        Err(error) => scope.finish(Err(error)),
    }
}

/// `GET /runs/{runId}/compare/{otherRunId}`.
pub async fn compare_runs(state: &ApiState, request: Request) -> Response<Body> {
    let mut scope = RequestScope::start(COMPARE_FUNCTION, &request);
    match comparison(state, &request, &mut scope).await {
        Ok(body) => {
            let response = cached_response(&request, "application/json", body);
            scope.finish_response(response, None)
        }
        Err(error) => scope.finish(Err(error)),
    }
}

/// 200 with `body`, or 304 when `If-None-Match` names its tag.
fn cached_response(request: &Request, content_type: &str, body: String) -> Response<Body> {
    let tag = etag(body.as_bytes());
    let matches = request
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|header| if_none_match_matches(header, &tag));
    let mut response = if matches {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let mut response = Response::new(Body::Text(body));
        set_header(&mut response, CONTENT_TYPE, content_type);
        response
    };
    set_header(&mut response, ETAG, &tag);
    set_header(&mut response, CACHE_CONTROL, REVALIDATE);
    response
}

/// The stored record of `run_id` (`uuid`, else the latest).
pub async fn load_record(
    state: &ApiState,
    scope: &mut RequestScope,
    run_id: &RunId,
    uuid: Option<&str>,
) -> Result<EnrichedRun> {
    let (record, reports) = stored_record(state, scope, run_id, uuid).await?;
    let gzip = scope.upstream(reports.get(&record.report)).await?;
    let json = gunzip(&gzip)?;
    serde_json::from_slice(&json)
        .map_err(|e| Error::Internal(format!("stored record is not an enriched run: {e}")))
}

async fn timeline(
    state: &ApiState,
    request: &Request,
    scope: &mut RequestScope,
) -> Result<(&'static str, String)> {
    let run_id = run_id_path_param(request, "runId")?;
    scope.set_run_id(run_id.as_str());
    let query = QueryParams::from_request(request, TIMELINE_PARAMS)?;
    let html = match query.get("format") {
        None | Some("svg") => false,
        Some("html") => true,
        Some(_) => return Err(Error::invalid("format", "must be svg or html")),
    };
    let mode = query
        .get("layout")
        .map(|text| {
            Mode::parse(text)
                .ok_or_else(|| Error::invalid("layout", "must be tasks, lanes or groups"))
        })
        .transpose()?;
    let uuid = uuid_query_param(&query, "uuid")?;
    let record = load_record(state, scope, &run_id, uuid.as_deref()).await?;
    let laid_out = layout(&record, mode);
    let caption = caption(&record);
    Ok(if html {
        ("text/html; charset=utf-8", render_html(&laid_out, &caption))
    } else {
        ("image/svg+xml", render_svg(&laid_out, &caption))
    })
}

async fn comparison(
    state: &ApiState,
    request: &Request,
    scope: &mut RequestScope,
) -> Result<String> {
    let a = run_id_path_param(request, "runId")?;
    let b = run_id_path_param(request, "otherRunId")?;
    scope.set_run_id(a.as_str());
    let query = QueryParams::from_request(request, COMPARE_PARAMS)?;
    let (uuid_a, uuid_b) = (
        uuid_query_param(&query, "uuid")?,
        uuid_query_param(&query, "otherUuid")?,
    );
    let run_a = load_record(state, scope, &a, uuid_a.as_deref()).await?;
    let run_b = load_record(state, scope, &b, uuid_b.as_deref()).await?;
    let result = compare(&run_a, &run_b, &state.settings);
    serde_json::to_string(&result).map_err(|e| Error::Internal(format!("serializing: {e}")))
}

#[cfg(test)]
mod tests {
    use aws_config::{BehaviorVersion, SdkConfig};
    use aws_sdk_dynamodb::operation::query::QueryOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use lambda_http::{RequestExt, http};

    use super::*;
    use crate::clients::AwsClients;
    use crate::config::Config;

    /// State whose DynamoDB knows no record; S3 is never reached.
    fn state() -> ApiState {
        let empty =
            mock!(aws_sdk_dynamodb::Client::query).then_output(|| QueryOutput::builder().build());
        let dynamodb = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&empty]);
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        let mut clients = AwsClients::from_sdk_config(&sdk);
        clients.dynamodb = dynamodb;
        let config = Config::from_lookup(|name| match name {
            "RUNS_TABLE_NAME" => Some("runs".into()),
            "REPORTS_BUCKET_NAME" => Some("reports".into()),
            _ => None,
        })
        .unwrap();
        ApiState::new(clients, config, None)
    }

    fn event(name: &str) -> Request {
        let path = format!("{}/../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
        lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn code(response: &Response<Body>) -> String {
        let body: serde_json::Value = serde_json::from_slice(response.body().as_ref()).unwrap();
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[tokio::test]
    async fn sample_events_reach_the_handlers() {
        let state = state();
        let response = get_run_timeline(&state, event("get-run-timeline-bad-format")).await;
        assert_eq!(response.status(), 400);
        assert_eq!(code(&response), "InvalidParameter");
        for name in ["get-run-timeline", "get-run-timeline-html"] {
            let response = get_run_timeline(&state, event(name)).await;
            assert_eq!(response.status(), 404, "{name}: nothing stored");
        }
        let response = compare_runs(&state, event("compare-runs")).await;
        assert_eq!(response.status(), 404);
        assert_eq!(code(&response), "NotFound");
    }

    #[tokio::test]
    async fn parameters_are_validated_before_any_call() {
        let state = state();
        let request = |uri: &str, params: &[(&str, &str)]| {
            let params: std::collections::HashMap<String, String> = params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            http::Request::builder()
                .uri(uri)
                .body(Body::Empty)
                .unwrap()
                .with_path_parameters(params)
        };
        let bad_id = get_run_timeline(&state, request("/runs/x/timeline", &[("runId", "x")])).await;
        assert_eq!(bad_id.status(), 400);
        let layout = get_run_timeline(
            &state,
            request("/runs/1/timeline?layout=spiral", &[("runId", "1")])
                .with_query_string_parameters(
                    [("layout".to_owned(), "spiral".to_owned())]
                        .into_iter()
                        .collect::<std::collections::HashMap<_, _>>(),
                ),
        )
        .await;
        assert_eq!(layout.status(), 400);
        let other = compare_runs(
            &state,
            request("/runs/1/compare/y", &[("runId", "1"), ("otherRunId", "y")]),
        )
        .await;
        assert_eq!(other.status(), 400);
        let body: serde_json::Value = serde_json::from_slice(other.body().as_ref()).unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("otherRunId")
        );
    }

    #[test]
    fn not_modified_when_the_tag_matches() {
        let request = |tag: Option<&str>| {
            let mut builder = http::Request::builder().uri("/runs/1/timeline");
            if let Some(tag) = tag {
                builder = builder.header("if-none-match", tag);
            }
            builder.body(Body::Empty).unwrap()
        };
        let first = cached_response(&request(None), "image/svg+xml", "<svg/>".into());
        assert_eq!(first.status(), 200);
        let tag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(first.headers()["cache-control"], REVALIDATE);
        assert_eq!(first.headers()["content-type"], "image/svg+xml");
        let again = cached_response(&request(Some(&tag)), "image/svg+xml", "<svg/>".into());
        assert_eq!(again.status(), 304);
        assert!(again.body().is_empty());
    }
}
