//! HTTP caching of immutable answers: a run or task in a terminal state never changes, so its representation
//! gets a strong `ETag` and a `Cache-Control` lifetime, and `If-None-Match` is answered with 304.
//!
//! Everything else is `Cache-Control: no-store`. The lifetime is finite because a terminal run can still be
//! deleted or re-tagged (tags are part of `GetRun`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `Cache-Control` of a terminal run or task.
pub const IMMUTABLE: &str = "private, max-age=300";

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
}
