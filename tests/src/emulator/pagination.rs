//! Opaque page tokens.
//!
//! A token carries a position (where the next page starts) plus a 64-bit FNV-1a tag computed over the token
//! kind, the list's filter and that position, all hex-encoded. The tag makes a token valid only for the same
//! operation and filter it was issued for, and turns a garbled or hand-edited token into a
//! `ValidationException` instead of a silently wrong page. Tokens stay within the model's 128-character limit.

use super::errors::ApiError;

/// Which list operation a token belongs to; a token of one kind is rejected by the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// ListRuns: the position is the sort key of the last run returned.
    Runs,
    /// ListRunTasks: the position is the index in the stored task list to resume scanning at.
    Tasks,
}

impl TokenKind {
    fn tag_byte(self) -> u8 {
        match self {
            TokenKind::Runs => b'R',
            TokenKind::Tasks => b'T',
        }
    }
}

/// Longest token the service model allows (`RunListToken`, `TaskListToken`).
pub const MAX_TOKEN_LEN: usize = 128;

/// FNV-1a, 64 bit: tiny, dependency-free and stable across runs (unlike `std`'s randomly keyed hasher).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in *part {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // Separator so ("ab","c") and ("a","bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A canonical string for a list request's filter; build it from every filter member, absent ones included.
pub fn filter_key(parts: &[(&str, Option<&str>)]) -> String {
    let mut key = String::new();
    for (name, value) in parts {
        key.push_str(name);
        match value {
            Some(v) => {
                key.push('=');
                key.push_str(v);
            }
            None => key.push('!'),
        }
        key.push('\u{0}');
    }
    key
}

fn tag(kind: TokenKind, filter: &str, position: &str) -> u64 {
    fnv1a(&[&[kind.tag_byte()], filter.as_bytes(), position.as_bytes()])
}

/// Issues a token for `position` in the list described by `kind` and `filter`.
pub fn encode_token(kind: TokenKind, filter: &str, position: &str) -> String {
    let payload = format!(
        "{}{:016x}.{}",
        kind.tag_byte() as char,
        tag(kind, filter, position),
        position
    );
    payload.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Reads back the position of a token issued by [`encode_token`] for the same `kind` and `filter`.
pub fn decode_token(kind: TokenKind, filter: &str, token: &str) -> Result<String, ApiError> {
    let invalid =
        || ApiError::validation("Invalid startingToken: the token was not issued for this request");
    if token.is_empty() || token.len() > MAX_TOKEN_LEN || !token.len().is_multiple_of(2) {
        return Err(invalid());
    }
    let bytes = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(invalid)?;
    let payload = String::from_utf8(bytes).map_err(|_| invalid())?;
    let rest = payload
        .strip_prefix(kind.tag_byte() as char)
        .ok_or_else(invalid)?;
    let (tag_hex, position) = rest.split_once('.').ok_or_else(invalid)?;
    let issued = u64::from_str_radix(tag_hex, 16).map_err(|_| invalid())?;
    if tag_hex.len() != 16 || issued != tag(kind, filter, position) {
        return Err(invalid());
    }
    Ok(position.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let filter = filter_key(&[("status", Some("COMPLETED")), ("name", None)]);
        let token = encode_token(TokenKind::Tasks, &filter, "42");
        assert_eq!(
            decode_token(TokenKind::Tasks, &filter, &token).unwrap(),
            "42"
        );
    }

    #[test]
    fn token_is_bound_to_kind_and_filter() {
        let a = filter_key(&[("status", Some("COMPLETED"))]);
        let b = filter_key(&[("status", Some("FAILED"))]);
        let token = encode_token(TokenKind::Runs, &a, "1.2");
        assert!(decode_token(TokenKind::Runs, &b, &token).is_err());
        assert!(decode_token(TokenKind::Tasks, &a, &token).is_err());
        // Absent and empty filter values must not collide.
        assert_ne!(
            filter_key(&[("name", None)]),
            filter_key(&[("name", Some(""))])
        );
    }

    #[test]
    fn garbled_tokens_are_validation_errors() {
        let filter = filter_key(&[]);
        let token = encode_token(TokenKind::Tasks, &filter, "100");
        // Tamper with the position: change the last hex digit.
        let mut tampered = token.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == '0' { '1' } else { '0' });
        for bad in [
            "",
            "zz",
            "abc",
            "not-a-token",
            tampered.as_str(),
            &"a".repeat(130),
            "é1",
        ] {
            let err = decode_token(TokenKind::Tasks, &filter, bad).unwrap_err();
            assert_eq!(err.kind, "ValidationException", "{bad}");
        }
    }

    #[test]
    fn longest_run_token_fits_model_limit() {
        let position = format!("{}.{}", i64::MIN, "9".repeat(18));
        let token = encode_token(TokenKind::Runs, "x", &position);
        assert!(token.len() <= MAX_TOKEN_LEN, "{}", token.len());
        assert_eq!(
            decode_token(TokenKind::Runs, "x", &token).unwrap(),
            position
        );
    }
}
