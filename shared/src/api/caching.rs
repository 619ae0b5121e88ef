//! HTTP caching of immutable answers: a run or task in a terminal state never changes, so its representation
//! gets a strong `ETag` and a `Cache-Control` lifetime, and `If-None-Match` is answered with 304.
//!
//! Everything else is `Cache-Control: no-store`. The lifetime is finite because a terminal run can still be
//! deleted or re-tagged (tags are part of `GetRun`). The analysis routes answer with an `ETag` and `no-cache`
//! (revalidate every time): a stored record can be replaced by a more complete one.
//!
//! [`cached_response`] is the one place a body becomes a 200 or a 304.

use axum::body::Body;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::extract::IfNoneMatch;
use super::response::{NO_STORE, set_header};
use crate::error::{Error, Result};

/// `Cache-Control` of a terminal run or task.
pub const IMMUTABLE: &str = "private, max-age=300";
/// `Cache-Control` of analysis answers: revalidate with the `ETag`.
pub const REVALIDATE: &str = "no-cache";
/// Content type of JSON bodies.
pub const JSON: &str = "application/json";

/// How a client may keep a successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// May change at any time: `no-store`, no `ETag`.
    NoStore,
    /// Never changes (a terminal run or task): `ETag` and [`IMMUTABLE`].
    Immutable,
    /// May be replaced: `ETag` and [`REVALIDATE`].
    Revalidate,
}

impl Freshness {
    /// [`Freshness::Immutable`] when `terminal`, else [`Freshness::NoStore`].
    pub fn immutable_if(terminal: bool) -> Self {
        if terminal {
            Self::Immutable
        } else {
            Self::NoStore
        }
    }
}

/// `value` as a JSON body.
pub fn json_body<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::Internal(format!("serializing the response: {e}")))
}

/// 200 with `body` (`content_type`), or 304 without a body when `If-None-Match` names its tag; `ETag` and
/// `Cache-Control` as `freshness` says.
pub fn cached_response(
    if_none_match: &IfNoneMatch,
    content_type: &str,
    body: String,
    freshness: Freshness,
) -> Response {
    let cache_control = match freshness {
        Freshness::NoStore => {
            let mut response = Response::new(Body::from(body));
            set_header(&mut response, CONTENT_TYPE, content_type);
            set_header(&mut response, CACHE_CONTROL, NO_STORE);
            return response;
        }
        Freshness::Immutable => IMMUTABLE,
        Freshness::Revalidate => REVALIDATE,
    };
    let tag = etag(body.as_bytes());
    let not_modified = if_none_match
        .0
        .as_deref()
        .is_some_and(|header| if_none_match_matches(header, &tag));
    let mut response = if not_modified {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        let mut response = Response::new(Body::from(body));
        set_header(&mut response, CONTENT_TYPE, content_type);
        response
    };
    set_header(&mut response, ETAG, &tag);
    set_header(&mut response, CACHE_CONTROL, cache_control);
    response
}

/// A strong entity tag for `body`: a quoted, truncated SHA-256 of the bytes.
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// Whether an `If-None-Match` header value matches `etag` (weak comparison, as RFC 9110 prescribes for it):
/// `*`, or any listed tag equal to `etag` with or without a `W/` prefix.
pub fn if_none_match_matches(header: &str, etag: &str) -> bool {
    let strip_weak = |tag: &str| tag.strip_prefix("W/").unwrap_or(tag).to_owned();
    let wanted = strip_weak(etag);
    header
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || strip_weak(candidate) == wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_stable_quoted_and_content_dependent() {
        let a = etag(b"{\"id\":\"1\"}");
        assert_eq!(a, etag(b"{\"id\":\"1\"}"));
        assert_ne!(a, etag(b"{\"id\":\"2\"}"));
        assert!(
            a.starts_with('"') && a.ends_with('"') && a.len() == 24,
            "{a}"
        );
    }

    #[test]
    fn matches_lists_wildcards_and_weak_tags() {
        let tag = etag(b"x");
        assert!(if_none_match_matches(&tag, &tag));
        assert!(if_none_match_matches(&format!("\"other\", {tag}"), &tag));
        assert!(if_none_match_matches(&format!("W/{tag}"), &tag));
        assert!(if_none_match_matches("*", &tag));
        assert!(!if_none_match_matches("\"other\"", &tag));
        assert!(!if_none_match_matches("", &tag));
        assert!(!if_none_match_matches(tag.trim_matches('"'), &tag));
    }

    fn header(response: &Response, name: &str) -> Option<String> {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    #[test]
    fn mutable_answers_are_not_stored() {
        let response = cached_response(
            &IfNoneMatch(Some("*".into())),
            JSON,
            "{}".into(),
            Freshness::immutable_if(false),
        );
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some(NO_STORE)
        );
        assert_eq!(header(&response, "content-type").as_deref(), Some(JSON));
        assert!(header(&response, "etag").is_none());
    }

    #[test]
    fn tagged_answers_get_304_when_the_tag_matches() {
        for (freshness, cache_control) in [
            (Freshness::Immutable, IMMUTABLE),
            (Freshness::Revalidate, REVALIDATE),
        ] {
            let first = cached_response(
                &IfNoneMatch(None),
                "image/svg+xml",
                "<svg/>".into(),
                freshness,
            );
            assert_eq!(first.status(), 200);
            assert_eq!(
                header(&first, "cache-control").as_deref(),
                Some(cache_control)
            );
            assert_eq!(
                header(&first, "content-type").as_deref(),
                Some("image/svg+xml")
            );
            let tag = header(&first, "etag").unwrap();
            let again = cached_response(
                &IfNoneMatch(Some(tag.clone())),
                "image/svg+xml",
                "<svg/>".into(),
                freshness,
            );
            assert_eq!(again.status(), 304);
            assert_eq!(header(&again, "etag"), Some(tag));
            assert_eq!(
                header(&again, "cache-control").as_deref(),
                Some(cache_control)
            );
            assert!(header(&again, "content-type").is_none());
            let stale = cached_response(
                &IfNoneMatch(Some("\"old\"".into())),
                JSON,
                "<svg/>".into(),
                freshness,
            );
            assert_eq!(stale.status(), 200);
        }
    }
}
