//! The API client: URLs under the base URL, signing, a bounded retry of throttled requests, and the API's error
//! envelope turned into [`CliError::Api`].

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde_json::Value;

use crate::error::{CliError, chain};
use crate::signing::Signer;

/// How throttled (429) requests are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The longest wait honoured from `Retry-After`; longer asks are capped to it.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            max_wait: Duration::from_secs(30),
        }
    }
}

/// A successful (2xx) or redirecting (3xx) answer.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Result<Value, CliError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            CliError::Response(format!(
                "the body is not JSON ({error}): {}",
                preview(&self.body)
            ))
        })
    }

    /// The body as text (HTML pages, Nextflow and WDL configuration).
    pub fn text(&self) -> Result<String, CliError> {
        String::from_utf8(self.body.clone())
            .map_err(|_| CliError::Response("the body is not UTF-8 text".to_owned()))
    }

    /// The `Location` header of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// The omics-introspect API at one base URL.
#[derive(Debug)]
pub struct ApiClient {
    base: Url,
    http: reqwest::Client,
    signer: Option<Signer>,
    retry: RetryPolicy,
}

impl ApiClient {
    /// A client for the API at `base` (`http` or `https`, optionally with a stage path such as `/v1`), each
    /// request within `timeout`, signed when `signer` is given.
    pub fn new(base: &str, timeout: Duration, signer: Option<Signer>) -> Result<Self, CliError> {
        let base = parse_base_url(base)?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            // The report route answers 303 with a presigned S3 URL for large records: that URL must be fetched
            // without the API's SigV4 headers, so redirects are followed by hand (`report`).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("omics-introspect-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                CliError::Usage(format!("cannot build the HTTP client: {}", chain(&error)))
            })?;
        Ok(Self {
            base,
            http,
            signer,
            retry: RetryPolicy::default(),
        })
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Whether requests are signed.
    pub fn signs(&self) -> bool {
        self.signer.is_some()
    }

    /// The URL of `path` (starting with `/`) under the base URL, with `query` pairs (percent-encoded here).
    pub fn url(&self, path: &str, query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        url
    }

    /// `GET path?query`: the answer when it is 2xx or 3xx; the API's error otherwise. A 429 is retried after its
    /// `Retry-After` (capped), up to the policy's retries.
    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Result<Answer, CliError> {
        let url = self.url(path, query);
        let mut attempt = 0;
        loop {
            let mut request = self
                .http
                .get(url.clone())
                .header(
                    ACCEPT,
                    "application/json, text/html;q=0.9, text/plain;q=0.8",
                )
                .build()
                .map_err(|error| CliError::Usage(format!("bad request URL {url}: {error}")))?;
            if let Some(signer) = &self.signer {
                // Signed per attempt: a retried request gets a fresh date.
                signer.sign(&mut request).await?;
            }
            let answer = self.send(request, &url).await?;
            if answer.status == StatusCode::TOO_MANY_REQUESTS.as_u16()
                && attempt < self.retry.max_retries
            {
                let wait = retry_wait(&answer.headers, attempt, self.retry.max_wait);
                attempt += 1;
                tokio::time::sleep(wait).await;
                continue;
            }
            if answer.status >= 400 {
                return Err(api_error(answer.status, &answer.body));
            }
            return Ok(answer);
        }
    }

    /// `GET path?query` answered with JSON.
    pub async fn get_json(&self, path: &str, query: &[(&str, String)]) -> Result<Value, CliError> {
        self.get(path, query).await?.json()
    }

    /// `GET url` outside the API (a presigned S3 URL): unsigned, no retry.
    pub async fn get_external(&self, url: &str) -> Result<Answer, CliError> {
        let parsed = Url::parse(url)
            .map_err(|error| CliError::Response(format!("bad redirect URL ({error})")))?;
        let request = self
            .http
            .get(parsed.clone())
            .build()
            .map_err(|error| CliError::Response(format!("bad redirect URL ({error})")))?;
        let answer = self.send(request, &parsed).await?;
        if answer.status >= 300 {
            return Err(CliError::Response(format!(
                "the redirect target answered HTTP {}: {}",
                answer.status,
                preview(&answer.body)
            )));
        }
        Ok(answer)
    }

    async fn send(&self, request: reqwest::Request, url: &Url) -> Result<Answer, CliError> {
        let shown = without_query(url);
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|error| CliError::Connection {
                url: shown.clone(),
                reason: chain(&error),
            })?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|error| CliError::Connection {
                url: shown,
                reason: format!("reading the answer: {}", chain(&error)),
            })?;
        Ok(Answer {
            status,
            headers,
            body: body.to_vec(),
        })
    }
}

/// Checks the base URL: http or https, with a host, no query.
pub fn parse_base_url(base: &str) -> Result<Url, CliError> {
    let url = Url::parse(base.trim())
        .map_err(|error| CliError::Usage(format!("--api-url {base:?} is not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CliError::Usage(format!(
            "--api-url {base:?} must be an http:// or https:// URL with a host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CliError::Usage(format!(
            "--api-url {base:?} must not carry a query or fragment"
        )));
    }
    Ok(url)
}

/// How long to wait before retry `attempt` (0-based): `Retry-After` seconds when given, else 1, 2, 4 s; at most
/// `max_wait`.
pub fn retry_wait(headers: &HeaderMap, attempt: u32, max_wait: Duration) -> Duration {
    let asked = headers
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    asked
        .unwrap_or_else(|| Duration::from_secs(1 << attempt.min(5)))
        .min(max_wait)
}

/// The error for an error status: the envelope `{"error": {"code", "message", "requestId"}}`, else API Gateway's
/// own `{"message": ...}` (its IAM authorizer's 403, its throttling 429), else a preview of the body.
pub fn api_error(status: u16, body: &[u8]) -> CliError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let envelope = parsed.as_ref().and_then(|v| v.get("error"));
    let text = |value: Option<&Value>, key: &str| {
        value
            .and_then(|v| v.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let message = text(envelope, "message")
        .or_else(|| text(parsed.as_ref(), "message"))
        .or_else(|| text(parsed.as_ref(), "Message"))
        .unwrap_or_else(|| {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            let body = preview(body);
            if body.is_empty() {
                reason.to_owned()
            } else {
                format!("{reason}: {body}")
            }
        });
    CliError::Api {
        status,
        code: text(envelope, "code"),
        message,
        request_id: text(envelope, "requestId"),
    }
}

/// The first 200 characters of a body, on one line.
fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}

/// A URL for messages: without its query (presigned URLs carry credentials there).
fn without_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn urls_keep_the_stage_path_and_encode_the_query() {
        let client = ApiClient::new(
            "https://abc.execute-api.us-east-1.amazonaws.com/v1/",
            Duration::from_secs(5),
            None,
        )
        .unwrap();
        let url = client.url(
            "/runs/1/tasks",
            &[("status", "RUNNING".into()), ("name", "a b&c".into())],
        );
        assert_eq!(
            url.as_str(),
            "https://abc.execute-api.us-east-1.amazonaws.com/v1/runs/1/tasks?status=RUNNING&name=a+b%26c"
        );
        let local = ApiClient::new("http://127.0.0.1:3000", Duration::from_secs(5), None).unwrap();
        assert_eq!(
            local.url("/runs", &[]).as_str(),
            "http://127.0.0.1:3000/runs"
        );
        assert!(!local.signs());
    }

    #[test]
    fn base_urls_must_be_http_with_a_host() {
        for bad in ["ftp://x/", "127.0.0.1:3000", "http://x/?a=1", "not a url"] {
            let error = parse_base_url(bad).expect_err(bad);
            assert_eq!(error.exit_code(), 1, "{bad}");
        }
    }

    #[test]
    fn retry_waits_honour_retry_after_within_the_cap() {
        let cap = Duration::from_secs(30);
        let mut headers = HeaderMap::new();
        assert_eq!(retry_wait(&headers, 0, cap), Duration::from_secs(1));
        assert_eq!(retry_wait(&headers, 2, cap), Duration::from_secs(4));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_wait(&headers, 0, cap), Duration::from_secs(7));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3600"));
        assert_eq!(retry_wait(&headers, 0, cap), cap);
    }

    #[test]
    fn error_bodies_give_the_api_message() {
        let envelope =
            br#"{"error":{"code":"NotFound","message":"run 9 not found","requestId":"r-1"}}"#;
        let CliError::Api {
            status,
            code,
            message,
            request_id,
        } = api_error(404, envelope)
        else {
            panic!("not an API error");
        };
        assert_eq!(
            (
                status,
                code.as_deref(),
                message.as_str(),
                request_id.as_deref()
            ),
            (404, Some("NotFound"), "run 9 not found", Some("r-1"))
        );
        let gateway = api_error(403, br#"{"message":"Forbidden"}"#);
        assert_eq!(gateway.to_string(), "Forbidden (HTTP 403)");
        assert_eq!(gateway.exit_code(), 3);
        let html = api_error(502, b"<html>\n<body>Bad gateway</body></html>");
        assert_eq!(
            html.to_string(),
            "Bad Gateway: <html> <body>Bad gateway</body></html> (HTTP 502)"
        );
        assert_eq!(
            api_error(500, b"").to_string(),
            "Internal Server Error (HTTP 500)"
        );
    }
}
