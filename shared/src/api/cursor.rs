//! Opaque, signed pagination cursors.
//!
//! A cursor wraps the upstream `nextToken` so a client can never send an arbitrary string upstream:
//! `base64url(payload) + "." + base64url(HMAC-SHA256(key, payload))`, the key coming from `CURSOR_SECRET`. The
//! payload binds the token to the route and its run id and filters ([`CursorScope`]), so a cursor from another
//! route, run or filter set is rejected with 400 rather than silently paging through a different list.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// Environment variable holding the cursor signing secret.
pub const CURSOR_SECRET_VAR: &str = "CURSOR_SECRET";

/// Shortest accepted secret, in bytes (the HMAC-SHA256 output size).
pub const MIN_SECRET_LEN: usize = 32;

/// Longest cursor accepted from a client; longer input is rejected before any decoding.
pub const MAX_CURSOR_LEN: usize = 2048;

/// Domain separation: a MAC made for anything else never verifies as a cursor.
const MAC_CONTEXT: &[u8] = b"omics-introspect/cursor/v1\0";

/// Payload format version.
const VERSION: u8 = 1;

/// What a cursor is valid for: a route plus its run id and filters, in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorScope {
    route: String,
    bindings: BTreeMap<String, String>,
}

impl CursorScope {
    /// A scope for `route` (the function name, e.g. `list-run-tasks`).
    pub fn new(route: &str) -> Self {
        Self {
            route: route.to_owned(),
            bindings: BTreeMap::new(),
        }
    }

    /// Binds `name` to `value` (run id, canonical filter values); `None` binds nothing.
    pub fn bind(mut self, name: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            self.bindings.insert(name.to_owned(), value.to_owned());
        }
        self
    }
}

/// The signed content of a cursor. Short member names keep cursors short.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    v: u8,
    r: String,
    #[serde(default)]
    f: BTreeMap<String, String>,
    t: String,
}

/// The HMAC key cursors are signed with; `Debug` never shows it.
#[derive(Clone)]
pub struct CursorKey {
    key: Vec<u8>,
}

impl fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CursorKey(<redacted>)")
    }
}

impl CursorKey {
    /// A key from `secret`, which must be at least [`MIN_SECRET_LEN`] bytes.
    pub fn new(secret: &[u8]) -> Result<Self> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(Error::Config {
                variable: CURSOR_SECRET_VAR,
                message: format!(
                    "must be at least {MIN_SECRET_LEN} bytes (a random string that signs pagination cursors), \
                     got {}",
                    secret.len()
                ),
            });
        }
        Ok(Self {
            key: secret.to_vec(),
        })
    }

    /// Reads `CURSOR_SECRET` from the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads `CURSOR_SECRET` through `lookup`; a missing or empty variable is a startup error naming it.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        match lookup(CURSOR_SECRET_VAR).filter(|value| !value.is_empty()) {
            Some(secret) => Self::new(secret.as_bytes()),
            None => Err(Error::Config {
                variable: CURSOR_SECRET_VAR,
                message: format!(
                    "required by the list functions but not set: a random string of at least {MIN_SECRET_LEN} \
                     characters that signs pagination cursors"
                ),
            }),
        }
    }

    fn mac(&self, payload_b64: &str) -> HmacSha256 {
        // HMAC accepts keys of any length; new_from_slice cannot fail for it.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(MAC_CONTEXT);
        mac.update(payload_b64.as_bytes());
        mac
    }

    /// Wraps the upstream `token` in a cursor valid only for `scope`.
    pub fn seal(&self, scope: &CursorScope, token: &str) -> String {
        let payload = Payload {
            v: VERSION,
            r: scope.route.clone(),
            f: scope.bindings.clone(),
            t: token.to_owned(),
        };
        // Serializing a struct of strings and a string map cannot fail.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        let payload_b64 = URL_SAFE_NO_PAD.encode(json);
        let tag = self.mac(&payload_b64).finalize().into_bytes();
        format!("{payload_b64}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks a client's `cursor` and returns the upstream token it wraps.
    ///
    /// Errors are [`Error::InvalidInput`] on `cursor`: malformed or tampered input, or a cursor issued for another
    /// route, run or filter set.
    pub fn open(&self, scope: &CursorScope, cursor: &str) -> Result<String> {
        let invalid = || {
            Error::invalid(
                "cursor",
                "not a valid cursor: pass the nextCursor of a previous response unchanged",
            )
        };
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(Error::invalid(
                "cursor",
                format!("must be at most {MAX_CURSOR_LEN} characters"),
            ));
        }
        let (payload_b64, tag_b64) = cursor.split_once('.').ok_or_else(invalid)?;
        let tag = URL_SAFE_NO_PAD.decode(tag_b64).map_err(|_| invalid())?;
        self.mac(payload_b64)
            .verify_slice(&tag)
            .map_err(|_| invalid())?;
        let json = URL_SAFE_NO_PAD.decode(payload_b64).map_err(|_| invalid())?;
        let payload: Payload = serde_json::from_slice(&json).map_err(|_| invalid())?;
        if payload.v != VERSION || payload.t.is_empty() {
            return Err(invalid());
        }
        if payload.r != scope.route || payload.f != scope.bindings {
            return Err(Error::invalid(
                "cursor",
                "was issued for a different route, run or filters: repeat the request that returned it",
            ));
        }
        Ok(payload.t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CursorKey {
        CursorKey::new(b"0123456789abcdef0123456789abcdef").unwrap()
    }

    fn tasks_scope(run: &str, status: Option<&str>) -> CursorScope {
        CursorScope::new("list-run-tasks")
            .bind("runId", Some(run))
            .bind("status", status)
    }

    fn field_of(err: &Error) -> &str {
        match err {
            Error::InvalidInput { field, .. } => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn round_trip() {
        let scope = tasks_scope("1000006", Some("COMPLETED"));
        for token in [
            "t",
            "T00000064-abcdef",
            "with \"quotes\" and ünïcode",
            &"x".repeat(128),
        ] {
            let cursor = key().seal(&scope, token);
            assert!(cursor.len() <= MAX_CURSOR_LEN);
            assert!(
                cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
                "{cursor}"
            );
            assert_eq!(key().open(&scope, &cursor).unwrap(), token);
        }
    }

    #[test]
    fn tampering_is_rejected() {
        let scope = tasks_scope("1", None);
        let cursor = key().seal(&scope, "token-1");
        let (payload, tag) = cursor.split_once('.').unwrap();

        // A forged payload signed with nothing, a flipped character, a truncated tag, garbage.
        let forged =
            URL_SAFE_NO_PAD.encode(r#"{"v":1,"r":"list-run-tasks","f":{"runId":"1"},"t":"evil"}"#);
        let mut flipped = cursor.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let candidates = [
            format!("{forged}.{tag}"),
            String::from_utf8(flipped).unwrap(),
            format!("{payload}.{}", &tag[..tag.len() - 2]),
            payload.to_owned(),
            String::new(),
            ".".into(),
            "%%%.###".into(),
            format!("{payload}.{tag}x"),
        ];
        for bad in candidates {
            let err = key().open(&scope, &bad).unwrap_err();
            assert_eq!(field_of(&err), "cursor", "{bad:?}");
            assert_eq!(err.http_status(), 400);
        }
        let too_long = "a".repeat(MAX_CURSOR_LEN + 1);
        assert!(key().open(&scope, &too_long).is_err());
    }

    #[test]
    fn other_keys_routes_runs_and_filters_are_rejected() {
        let scope = tasks_scope("1", Some("RUNNING"));
        let cursor = key().seal(&scope, "tok");
        let other_key = CursorKey::new(b"another secret of thirty-two bytes").unwrap();
        assert!(other_key.open(&scope, &cursor).is_err());
        for foreign in [
            tasks_scope("2", Some("RUNNING")),
            tasks_scope("1", None),
            tasks_scope("1", Some("FAILED")),
            CursorScope::new("list-runs").bind("status", Some("RUNNING")),
        ] {
            let err = key().open(&foreign, &cursor).unwrap_err();
            assert!(err.to_string().contains("different"), "{err}");
        }
    }

    #[test]
    fn secret_is_required_and_long_enough() {
        let err = CursorKey::from_lookup(|_| None).unwrap_err();
        assert!(err.to_string().contains("CURSOR_SECRET"), "{err}");
        let err = CursorKey::from_lookup(|_| Some(String::new())).unwrap_err();
        assert!(err.to_string().contains("CURSOR_SECRET"), "{err}");
        let err = CursorKey::from_lookup(|_| Some("short".into())).unwrap_err();
        assert!(err.to_string().contains("at least 32"), "{err}");
        assert!(CursorKey::from_lookup(|_| Some("k".repeat(32))).is_ok());
        assert_eq!(format!("{:?}", key()), "CursorKey(<redacted>)");
    }
}
