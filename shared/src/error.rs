//! The one error type of omics-introspect, with its mapping from AWS SDK errors and to HTTP status codes.
//!
//! Upstream details (request ids, messages) are kept for logs; [`Error::public_message`] is what a caller sees,
//! and it never carries internal text.

use std::fmt::Debug;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::ids::InvalidId;

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, classified by what the caller should do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The caller sent something malformed; `field` names the offending input.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The parameter or field at fault (`runId`, `limit`, `cursor`, ...).
        field: String,
        /// What was wrong with it.
        message: String,
    },
    /// The resource does not exist.
    #[error("{resource} {id} not found")]
    NotFound {
        /// What kind of resource ("run", "task", "report").
        resource: &'static str,
        /// Its id, as the caller gave it.
        id: String,
    },
    /// The run manifest log stream does not exist (yet, or any more).
    #[error("manifest stream {stream} not found in log group {log_group}")]
    ManifestNotFound {
        /// The log group searched.
        log_group: String,
        /// The exact stream name (`manifest/run/<id>/<uuid>`).
        stream: String,
    },
    /// An upstream service refused our credentials.
    #[error("{service} denied access: {message}")]
    AccessDenied {
        /// The AWS service that refused.
        service: &'static str,
        /// Upstream message (for logs).
        message: String,
    },
    /// An upstream service is throttling us after the SDK's own retries.
    #[error("{service} is throttling requests")]
    Throttled {
        /// The AWS service that throttled.
        service: &'static str,
        /// Seconds a caller should wait before trying again.
        retry_after_secs: u64,
    },
    /// An upstream service rejected a request as invalid (e.g. a stale pagination token).
    #[error("{service} rejected the request: {message}")]
    UpstreamRejected {
        /// The AWS service that rejected the request.
        service: &'static str,
        /// Upstream message (for logs).
        message: String,
    },
    /// A write lost a race or a condition did not hold.
    #[error("conflict: {0}")]
    Conflict(String),
    /// An upstream service failed (5xx, unreachable, unreadable response).
    #[error("{service} failed: {message}")]
    Upstream {
        /// The AWS service that failed.
        service: &'static str,
        /// Upstream status code, when there was a response.
        status: Option<u16>,
        /// Upstream message (for logs).
        message: String,
    },
    /// An upstream call did not finish in time.
    #[error("{service} timed out")]
    Timeout {
        /// The AWS service that timed out.
        service: &'static str,
    },
    /// Required configuration is missing or malformed; raised at cold start.
    #[error("configuration error: {variable}: {message}")]
    Config {
        /// The environment variable at fault.
        variable: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A bug or an impossible state; details go to logs only.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An [`Error::InvalidInput`] for `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An [`Error::InvalidInput`] for an id that failed validation.
    pub fn invalid_id(field: impl Into<String>, err: InvalidId) -> Self {
        Self::invalid(field, err.to_string())
    }

    /// The HTTP status code this error maps to.
    pub fn http_status(&self) -> u16 {
        match self {
            Self::InvalidInput { .. } | Self::UpstreamRejected { .. } => 400,
            Self::AccessDenied { .. } => 403,
            Self::NotFound { .. } | Self::ManifestNotFound { .. } => 404,
            Self::Conflict(_) => 409,
            Self::Throttled { .. } => 429,
            Self::Upstream { .. } => 502,
            Self::Timeout { .. } => 504,
            Self::Config { .. } | Self::Internal(_) => 500,
        }
    }

    /// A stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "InvalidParameter",
            Self::UpstreamRejected { .. } => "InvalidRequest",
            Self::AccessDenied { .. } => "AccessDenied",
            Self::NotFound { .. } | Self::ManifestNotFound { .. } => "NotFound",
            Self::Conflict(_) => "Conflict",
            Self::Throttled { .. } => "Throttled",
            Self::Upstream { .. } => "UpstreamError",
            Self::Timeout { .. } => "UpstreamTimeout",
            Self::Config { .. } | Self::Internal(_) => "InternalError",
        }
    }

    /// The message a caller may see: names the field or resource, never upstream or internal text.
    pub fn public_message(&self) -> String {
        match self {
            Self::InvalidInput { .. } | Self::NotFound { .. } | Self::ManifestNotFound { .. } => {
                self.to_string()
            }
            Self::UpstreamRejected { service, .. } => {
                format!("{service} rejected the request as invalid")
            }
            Self::AccessDenied { service, .. } => {
                format!("{service} denied access to this resource")
            }
            Self::Throttled { service, .. } => {
                format!("{service} is throttling requests; retry later")
            }
            Self::Conflict(_) => "the request conflicts with a concurrent change".to_owned(),
            Self::Upstream { service, .. } => format!("{service} returned an error"),
            Self::Timeout { service } => format!("{service} did not answer in time"),
            Self::Config { .. } | Self::Internal(_) => "internal error".to_owned(),
        }
    }

    /// Seconds to put in a `Retry-After` header, for errors worth retrying later.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::Throttled {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        }
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Throttled { .. } | Self::Upstream { .. } | Self::Timeout { .. }
        )
    }

    /// Names the resource of a generic upstream "not found".
    pub fn not_found_as(self, resource: &'static str, id: impl Into<String>) -> Self {
        match self {
            Self::NotFound { .. } => Self::NotFound {
                resource,
                id: id.into(),
            },
            other => other,
        }
    }

    /// Classifies an AWS SDK error from `service` ("HealthOmics", "CloudWatch Logs", ...).
    pub fn from_sdk<E>(service: &'static str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match &err {
            SdkError::TimeoutError(_) => Self::Timeout { service },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => Self::Timeout { service },
            SdkError::DispatchFailure(_) => Self::Upstream {
                service,
                status: None,
                message: format!("unreachable: {}", display_chain(&err)),
            },
            SdkError::ConstructionFailure(_) => {
                Self::Internal(format!("{service} request: {}", display_chain(&err)))
            }
            SdkError::ResponseError(ctx) => Self::Upstream {
                service,
                status: Some(ctx.raw().status().as_u16()),
                message: format!("unreadable response: {}", display_chain(&err)),
            },
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                let retry_after = retry_after_header(ctx.raw());
                classify(
                    service,
                    ctx.err().code(),
                    ctx.err().message(),
                    status,
                    retry_after,
                )
            }
            _ => Self::Upstream {
                service,
                status: None,
                message: display_chain(&err),
            },
        }
    }
}

/// Maps an upstream error code and status to a domain error.
fn classify(
    service: &'static str,
    code: Option<&str>,
    message: Option<&str>,
    status: u16,
    retry_after: Option<u64>,
) -> Error {
    let message = format!("{}: {}", code.unwrap_or("Unknown"), message.unwrap_or(""));
    match code.unwrap_or("") {
        "ResourceNotFoundException" | "NotFound" | "NoSuchKey" | "NoSuchBucket" => {
            Error::NotFound {
                resource: "resource",
                id: String::new(),
            }
        }
        "ThrottlingException"
        | "ThrottledException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "ProvisionedThroughputExceededException"
        | "SlowDown"
        | "RequestThrottledException" => Error::Throttled {
            service,
            retry_after_secs: retry_after.unwrap_or(1),
        },
        "AccessDeniedException"
        | "AccessDenied"
        | "UnrecognizedClientException"
        | "ExpiredTokenException" => Error::AccessDenied { service, message },
        "ValidationException" | "InvalidParameterException" | "InvalidParameterValueException" => {
            Error::UpstreamRejected { service, message }
        }
        "RequestTimeoutException" => Error::Timeout { service },
        "ConflictException"
        | "ConditionalCheckFailedException"
        | "TransactionConflictException" => Error::Conflict(message),
        _ => match status {
            429 => Error::Throttled {
                service,
                retry_after_secs: retry_after.unwrap_or(1),
            },
            403 => Error::AccessDenied { service, message },
            404 => Error::NotFound {
                resource: "resource",
                id: String::new(),
            },
            408 => Error::Timeout { service },
            _ => Error::Upstream {
                service,
                status: Some(status),
                message,
            },
        },
    }
}

fn retry_after_header(response: &HttpResponse) -> Option<u64> {
    response.headers().get("retry-after")?.trim().parse().ok()
}

/// The error and its sources on one line, for logs.
pub fn display_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_upstream_codes() {
        let s = "HealthOmics";
        assert!(matches!(
            classify(s, Some("ResourceNotFoundException"), None, 404, None),
            Error::NotFound { .. }
        ));
        let throttled = classify(s, Some("ThrottlingException"), None, 429, Some(3));
        assert_eq!(throttled.http_status(), 429);
        assert_eq!(throttled.retry_after_secs(), Some(3));
        assert_eq!(
            classify(s, Some("ThrottlingException"), None, 429, None).retry_after_secs(),
            Some(1)
        );
        assert_eq!(
            classify(s, Some("AccessDeniedException"), None, 403, None).http_status(),
            403
        );
        assert_eq!(
            classify(s, Some("ValidationException"), None, 400, None).http_status(),
            400
        );
        assert_eq!(
            classify(s, Some("InternalServerException"), None, 500, None).http_status(),
            502
        );
        assert_eq!(
            classify(s, Some("RequestTimeoutException"), None, 408, None).http_status(),
            504
        );
        assert_eq!(classify(s, None, None, 503, None).http_status(), 502);
        assert_eq!(classify(s, None, None, 429, None).http_status(), 429);
        assert_eq!(
            classify(s, Some("ServiceQuotaExceededException"), None, 402, None).http_status(),
            502
        );
    }

    #[test]
    fn public_messages_hide_upstream_text() {
        let err = classify(
            "HealthOmics",
            Some("InternalServerException"),
            Some("db shard 7 exploded"),
            500,
            None,
        );
        assert!(!err.public_message().contains("shard"));
        let err = Error::Internal("panic at src/x.rs:1".into());
        assert_eq!(err.public_message(), "internal error");
    }

    #[test]
    fn not_found_names_the_resource() {
        let err = classify(
            "HealthOmics",
            Some("ResourceNotFoundException"),
            None,
            404,
            None,
        )
        .not_found_as("run", "42");
        assert_eq!(err.public_message(), "run 42 not found");
        assert_eq!(err.code(), "NotFound");
    }
}
