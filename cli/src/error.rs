//! The CLI's errors and the exit code each one means.
//!
//! Exit codes are a contract with scripts: 0 ok, 1 usage or local error, 2 not found (404), 3 upstream (throttled
//! after retries, 5xx, access denied, connection, credentials). A message is always the API's own (its error
//! envelope) or a sentence of ours, never a debug dump.

use std::path::PathBuf;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: bad arguments, the API refused the parameters (400), or a local failure (writing a file).
pub const EXIT_USAGE: u8 = 1;
/// Exit code: the run, task, batch or workflow is not there (404).
pub const EXIT_NOT_FOUND: u8 = 2;
/// Exit code: the API or what stands behind it failed, throttled, refused access or could not be reached.
pub const EXIT_UPSTREAM: u8 = 3;

/// Everything that can end a command early.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Arguments that parse but do not make sense together, or a missing setting.
    #[error("{0}")]
    Usage(String),

    /// The API answered with an error status; `message` is the one its error envelope carries.
    #[error("{message} (HTTP {status}{})", describe_codes(code.as_deref(), request_id.as_deref()))]
    Api {
        /// HTTP status.
        status: u16,
        /// The envelope's `code` (`NotFound`, `Throttled`, ...), when the body had one.
        code: Option<String>,
        /// The envelope's `message`, else API Gateway's `message`, else the status line.
        message: String,
        /// The envelope's `requestId`, for support.
        request_id: Option<String>,
    },

    /// The request never got an answer (DNS, refused connection, TLS, timeout).
    #[error("cannot reach {url}: {reason}")]
    Connection {
        /// What was asked.
        url: String,
        /// What went wrong, with its causes.
        reason: String,
    },

    /// No usable AWS credentials for signing.
    #[error("no AWS credentials to sign with: {0}")]
    Credentials(String),

    /// SigV4 signing failed (an unusable header or region).
    #[error("cannot sign the request: {0}")]
    Signing(String),

    /// The API answered 2xx with something the CLI cannot read.
    #[error("unexpected answer from the API: {0}")]
    Response(String),

    /// A local file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },

    /// The platform opener (xdg-open, open) failed.
    #[error("cannot open {target}: {source}")]
    Open {
        /// The file or URL.
        target: String,
        /// Why.
        source: std::io::Error,
    },
}

fn describe_codes(code: Option<&str>, request_id: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(code) = code {
        text.push_str(", ");
        text.push_str(code);
    }
    if let Some(id) = request_id {
        text.push_str(", request id ");
        text.push_str(id);
    }
    text
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) | CliError::Write { .. } | CliError::Open { .. } => EXIT_USAGE,
            CliError::Api { status: 404, .. } => EXIT_NOT_FOUND,
            // The API names the parameter it refused: the caller's input, not an outage.
            CliError::Api { status: 400, .. } => EXIT_USAGE,
            CliError::Api { .. }
            | CliError::Connection { .. }
            | CliError::Credentials(_)
            | CliError::Signing(_)
            | CliError::Response(_) => EXIT_UPSTREAM,
        }
    }
}

/// An error and its causes on one line (`a: b: c`), for errors from libraries whose `Display` stops at the top
/// (reqwest's "error sending request" hides the refused connection in its sources).
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16) -> CliError {
        CliError::Api {
            status,
            code: Some("Code".into()),
            message: "msg".into(),
            request_id: Some("req-1".into()),
        }
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(CliError::Usage("x".into()).exit_code(), 1);
        assert_eq!(api(400).exit_code(), 1);
        assert_eq!(api(404).exit_code(), 2);
        for status in [403, 405, 429, 500, 502, 504] {
            assert_eq!(api(status).exit_code(), 3, "{status}");
        }
        let connection = CliError::Connection {
            url: "http://127.0.0.1:1/runs".into(),
            reason: "refused".into(),
        };
        assert_eq!(connection.exit_code(), 3);
        assert_eq!(CliError::Credentials("none".into()).exit_code(), 3);
    }

    #[test]
    fn api_errors_read_as_sentences() {
        assert_eq!(
            api(404).to_string(),
            "msg (HTTP 404, Code, request id req-1)"
        );
        let bare = CliError::Api {
            status: 403,
            code: None,
            message: "Forbidden".into(),
            request_id: None,
        };
        assert_eq!(bare.to_string(), "Forbidden (HTTP 403)");
    }

    #[test]
    fn chains_join_causes_once() {
        let inner = std::io::Error::other("connection refused");
        let outer = CliError::Write {
            path: "/x".into(),
            source: inner,
        };
        assert_eq!(chain(&outer), "cannot write /x: connection refused");
    }
}
