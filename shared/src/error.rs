//! The one error type of omics-introspect, with its mapping from AWS SDK errors and to HTTP status codes.
//!
//! Upstream details (request ids, messages) are kept for logs; [`Error::public_message`] is what a caller sees,
//! and it never carries internal text.

use std::fmt::Debug;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use aws_smithy_runtime_api::box_error::BoxError;

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
    /// A resource this deployment is configured with (the runs table, the reports bucket, the log group) does not
    /// exist: a deployment fault, never the caller's. The public message names the setting, not the upstream text.
    #[error("{setting} names a {service} resource that does not exist")]
    Misconfigured {
        /// The environment variable naming the resource (`RUNS_TABLE_NAME`, `REPORTS_BUCKET_NAME`, ...).
        setting: &'static str,
        /// The AWS service that answered.
        service: &'static str,
        /// The upstream error, for logs.
        #[source]
        source: BoxError,
    },
    /// No HealthOmics event of a run was stored by the tracker, so there is no live view of it.
    #[error(
        "no HealthOmics event of run {run} was seen: events are not enabled for it, or it is older than the \
         tracker (GET /runs/{{runId}}/tasks asks HealthOmics)"
    )]
    NotTracked {
        /// The run, as the caller named it (with its uuid when given).
        run: String,
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
    #[error("{service} denied access")]
    AccessDenied {
        /// The AWS service that refused.
        service: &'static str,
        /// The upstream error, for logs.
        #[source]
        source: BoxError,
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
    #[error("{service} rejected the request")]
    UpstreamRejected {
        /// The AWS service that rejected the request.
        service: &'static str,
        /// The upstream error, for logs.
        #[source]
        source: BoxError,
    },
    /// A write lost a race or a condition did not hold.
    #[error("conflict: {0}")]
    Conflict(String),
    /// An upstream service failed (5xx, unreachable, unreadable response).
    #[error("{service} failed")]
    Upstream {
        /// The AWS service that failed.
        service: &'static str,
        /// Upstream status code, when there was a response.
        status: Option<u16>,
        /// The upstream error (or what was wrong with its answer), for logs.
        #[source]
        source: BoxError,
    },
    /// An upstream call did not finish in time.
    #[error("{service} timed out")]
    Timeout {
        /// The AWS service that timed out.
        service: &'static str,
        /// The SDK's timeout error, when the SDK raised it (a `408` or `RequestTimeoutException` answer is kept
        /// too), for logs.
        #[source]
        source: Option<BoxError>,
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
            Self::NotFound { .. } | Self::NotTracked { .. } | Self::ManifestNotFound { .. } => 404,
            Self::Conflict(_) => 409,
            Self::Throttled { .. } => 429,
            Self::Upstream { .. } => 502,
            Self::Timeout { .. } => 504,
            Self::Config { .. } | Self::Misconfigured { .. } | Self::Internal(_) => 500,
        }
    }

    /// A stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "InvalidParameter",
            Self::UpstreamRejected { .. } => "InvalidRequest",
            Self::AccessDenied { .. } => "AccessDenied",
            Self::NotFound { .. } | Self::NotTracked { .. } | Self::ManifestNotFound { .. } => {
                "NotFound"
            }
            Self::Conflict(_) => "Conflict",
            Self::Throttled { .. } => "Throttled",
            Self::Upstream { .. } => "UpstreamError",
            Self::Timeout { .. } => "UpstreamTimeout",
            Self::Misconfigured { .. } => "Misconfigured",
            Self::Config { .. } | Self::Internal(_) => "InternalError",
        }
    }

    /// The message a caller may see: names the field or resource, never upstream or internal text.
    pub fn public_message(&self) -> String {
        match self {
            Self::InvalidInput { .. }
            | Self::NotFound { .. }
            | Self::NotTracked { .. }
            | Self::ManifestNotFound { .. } => self.to_string(),
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
            Self::Timeout { service, .. } => format!("{service} did not answer in time"),
            Self::Misconfigured { setting, .. } => {
                format!("the service is misconfigured: check {setting}")
            }
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

    /// Classifies an AWS SDK error from `service` ("HealthOmics", "CloudWatch Logs", ...) for a call that asked for
    /// `lookup`: an upstream "not found" becomes [`Error::NotFound`] naming what was asked for, or
    /// [`Error::Misconfigured`] when what is missing is a configured resource.
    pub fn from_sdk<E>(
        service: &'static str,
        err: SdkError<E, HttpResponse>,
        lookup: Lookup,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match &err {
            SdkError::TimeoutError(_) => Self::Timeout {
                service,
                source: Some(Box::new(err)),
            },
            SdkError::DispatchFailure(failure) if failure.is_timeout() => Self::Timeout {
                service,
                source: Some(Box::new(err)),
            },
            SdkError::ConstructionFailure(_) => {
                Self::Internal(format!("{service} request: {}", display_chain(&err)))
            }
            SdkError::ResponseError(ctx) => Self::Upstream {
                service,
                status: Some(ctx.raw().status().as_u16()),
                source: Box::new(err),
            },
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                let retry_after = retry_after_header(ctx.raw());
                let code = ctx.err().code().map(str::to_owned);
                let message = ctx.err().message().map(str::to_owned);
                let (code, message) = (code.as_deref(), message.as_deref());
                match classify(service, code, message, status, retry_after, Box::new(err)) {
                    Classified::Error(error) => error,
                    Classified::Missing(source) => lookup.missing(service, code, message, source),
                }
            }
            // A dispatch failure (unreachable) and anything the SDK adds later.
            _ => Self::Upstream {
                service,
                status: None,
                source: Box::new(err),
            },
        }
    }
}

/// An upstream error: classified, or "something is missing" for [`Lookup::missing`] to name.
#[derive(Debug)]
enum Classified {
    Error(Error),
    /// Not found: the upstream error, for [`Lookup::missing`] to keep as the source.
    Missing(BoxError),
}

/// Maps an upstream error code and status to a domain error.
fn classify(
    service: &'static str,
    code: Option<&str>,
    message: Option<&str>,
    status: u16,
    retry_after: Option<u64>,
    source: BoxError,
) -> Classified {
    let error = match code.unwrap_or("") {
        "ResourceNotFoundException" | "NotFound" | "NoSuchKey" | "NoSuchBucket" => {
            return Classified::Missing(source);
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
        | "ExpiredTokenException" => Error::AccessDenied { service, source },
        "ValidationException" | "InvalidParameterException" | "InvalidParameterValueException" => {
            Error::UpstreamRejected { service, source }
        }
        "RequestTimeoutException" => Error::Timeout {
            service,
            source: Some(source),
        },
        "ConflictException"
        | "ConditionalCheckFailedException"
        | "TransactionConflictException" => Error::Conflict(format!(
            "{}: {}",
            code.unwrap_or("Unknown"),
            message.unwrap_or("")
        )),
        _ => match status {
            429 => Error::Throttled {
                service,
                retry_after_secs: retry_after.unwrap_or(1),
            },
            403 => Error::AccessDenied { service, source },
            404 => return Classified::Missing(source),
            408 => Error::Timeout {
                service,
                source: Some(source),
            },
            _ => Error::Upstream {
                service,
                status: Some(status),
                source,
            },
        },
    };
    Classified::Error(error)
}

/// What a call asked for, so that an upstream "not found" names it ([`Error::from_sdk`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A resource the caller named (a run, a task): missing is [`Error::NotFound`] naming it (404).
    Named {
        /// What kind of resource ("run", "task").
        resource: &'static str,
        /// Its id, as the caller gave it.
        id: String,
    },
    /// A resource this deployment is configured with (a table): missing is [`Error::Misconfigured`] naming
    /// `setting` (500).
    Configured {
        /// The environment variable naming the resource.
        setting: &'static str,
    },
    /// A call that names no resource (a listing): an upstream "not found" is an upstream fault.
    Unnamed,
    /// A resource the caller named inside a configured container (an S3 key in the reports bucket, a log stream
    /// in the log group): a missing container is [`Error::Misconfigured`], a missing item [`Error::NotFound`].
    Within {
        /// The environment variable naming the container.
        setting: &'static str,
        /// What kind of item ("report", "log stream").
        resource: &'static str,
        /// Its id.
        id: String,
    },
}

impl Lookup {
    /// A run the caller named.
    pub fn run(id: impl Into<String>) -> Self {
        Self::Named {
            resource: "run",
            id: id.into(),
        }
    }

    /// A resource the caller named.
    pub fn named(resource: &'static str, id: impl Into<String>) -> Self {
        Self::Named {
            resource,
            id: id.into(),
        }
    }

    /// A configured resource, named by `setting`.
    pub fn configured(setting: &'static str) -> Self {
        Self::Configured { setting }
    }

    /// An item `id` of kind `resource` in the configured container named by `setting`.
    pub fn within(setting: &'static str, resource: &'static str, id: impl Into<String>) -> Self {
        Self::Within {
            setting,
            resource,
            id: id.into(),
        }
    }

    /// The error for an upstream "not found" (`code`, `message`) of this lookup; for callers that recognise a
    /// modelled not-found error themselves (a typed error built without metadata has no code).
    pub fn missing(
        self,
        service: &'static str,
        code: Option<&str>,
        message: Option<&str>,
        source: BoxError,
    ) -> Error {
        let misconfigured = |setting, source| Error::Misconfigured {
            setting,
            service,
            source,
        };
        match self {
            Self::Unnamed => Error::Upstream {
                service,
                status: Some(404),
                source,
            },
            Self::Named { resource, id } => Error::NotFound { resource, id },
            Self::Configured { setting } => misconfigured(setting, source),
            Self::Within {
                setting,
                resource,
                id,
            } => {
                if container_missing(code, message) {
                    misconfigured(setting, source)
                } else {
                    Error::NotFound { resource, id }
                }
            }
        }
    }
}

/// Whether a "not found" is about the container (an S3 bucket, a CloudWatch Logs group) rather than an item in
/// it. CloudWatch Logs answers `ResourceNotFoundException` for both and tells them apart only in its message.
fn container_missing(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("NoSuchBucket")
        || message.is_some_and(|m| m.to_ascii_lowercase().contains("log group does not exist"))
}

fn retry_after_header(response: &HttpResponse) -> Option<u64> {
    response.headers().get("retry-after")?.trim().parse().ok()
}

/// An event function's failure as the Lambda runtime reports it: the error code as `errorType`, so async retries,
/// the dead-letter queue and the logs say what went wrong (`NotFound` for a manifest that never appeared,
/// `Throttled`, ...), and the whole chain as the message.
impl From<Error> for lambda_http::lambda_runtime::Diagnostic {
    fn from(err: Error) -> Self {
        Self {
            error_type: err.code().to_owned(),
            error_message: display_chain(&err),
        }
    }
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

/// Test helper: `err` is the 500 `Misconfigured` answer naming `setting`, with no upstream text in its public
/// message and the upstream error kept as its source (for the logs).
#[cfg(test)]
pub(crate) fn assert_misconfigured(err: &Error, setting: &str) {
    assert_eq!(
        (err.http_status(), err.code()),
        (500, "Misconfigured"),
        "{err:?}"
    );
    let public = err.public_message();
    assert!(public.contains(setting), "{public}");
    assert!(!public.contains("secret"), "{public}");
    assert!(
        std::error::Error::source(err).is_some(),
        "the upstream error is kept as the source"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classified(
        code: Option<&str>,
        message: Option<&str>,
        status: u16,
        retry: Option<u64>,
    ) -> Error {
        match classify("HealthOmics", code, message, status, retry, source()) {
            Classified::Error(error) => error,
            Classified::Missing(_) => panic!("{code:?} {status} classified as missing"),
        }
    }

    fn source() -> BoxError {
        "upstream text: arn:aws:dynamodb:us-east-1:1:table/secret".into()
    }

    #[test]
    fn an_event_functions_failure_reaches_the_runtime_as_its_code_and_chain() {
        let diagnostic = lambda_http::lambda_runtime::Diagnostic::from(Error::Upstream {
            service: "S3",
            status: Some(503),
            source: source(),
        });
        assert_eq!(diagnostic.error_type, "UpstreamError");
        assert!(
            diagnostic.error_message.contains("S3 failed")
                && diagnostic.error_message.contains("upstream text"),
            "{}",
            diagnostic.error_message
        );
    }

    #[test]
    fn classifies_upstream_codes() {
        let s = "HealthOmics";
        for (code, status) in [
            (Some("ResourceNotFoundException"), 404),
            (Some("NoSuchKey"), 404),
            (None, 404),
        ] {
            assert!(matches!(
                classify(s, code, None, status, None, source()),
                Classified::Missing(_)
            ));
        }
        let throttled = classified(Some("ThrottlingException"), None, 429, Some(3));
        assert_eq!(throttled.http_status(), 429);
        assert_eq!(throttled.retry_after_secs(), Some(3));
        assert_eq!(
            classified(Some("ThrottlingException"), None, 429, None).retry_after_secs(),
            Some(1)
        );
        assert_eq!(
            classified(Some("AccessDeniedException"), None, 403, None).http_status(),
            403
        );
        assert_eq!(
            classified(Some("ValidationException"), None, 400, None).http_status(),
            400
        );
        assert_eq!(
            classified(Some("InternalServerException"), None, 500, None).http_status(),
            502
        );
        assert_eq!(
            classified(Some("RequestTimeoutException"), None, 408, None).http_status(),
            504
        );
        assert_eq!(classified(None, None, 503, None).http_status(), 502);
        assert_eq!(classified(None, None, 429, None).http_status(), 429);
        assert_eq!(
            classified(Some("ServiceQuotaExceededException"), None, 402, None).http_status(),
            502
        );
    }

    #[test]
    fn public_messages_hide_upstream_text() {
        let err = classified(
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
    fn an_upstream_5xx_keeps_its_source_chain_and_public_message() {
        use aws_sdk_omics::operation::get_run::GetRunError;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        use aws_smithy_types::error::ErrorMetadata;

        let modeled = GetRunError::generic(
            ErrorMetadata::builder()
                .code("InternalServerException")
                .message("db shard 7 exploded")
                .build(),
        );
        let raw = HttpResponse::new(StatusCode::try_from(500).unwrap(), SdkBody::empty());
        let err = Error::from_sdk(
            "HealthOmics",
            SdkError::service_error(modeled, raw),
            Lookup::run("42"),
        );
        assert!(
            matches!(
                err,
                Error::Upstream {
                    status: Some(500),
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.public_message(), "HealthOmics returned an error");
        assert_eq!((err.http_status(), err.code()), (502, "UpstreamError"));
        assert!(std::error::Error::source(&err).is_some());
        let chain = display_chain(&err);
        assert!(chain.starts_with("HealthOmics failed: "), "{chain}");
        assert!(chain.contains("db shard 7 exploded"), "{chain}");
    }

    #[test]
    fn a_missing_named_resource_is_404_naming_it() {
        let err = Lookup::run("42").missing(
            "HealthOmics",
            Some("ResourceNotFoundException"),
            None,
            source(),
        );
        assert_eq!(err.public_message(), "run 42 not found");
        assert_eq!((err.http_status(), err.code()), (404, "NotFound"));
        let err = Lookup::within("REPORTS_BUCKET_NAME", "report", "runs/1/u/report.json.gz")
            .missing("S3", Some("NoSuchKey"), None, source());
        assert_eq!(
            err.public_message(),
            "report runs/1/u/report.json.gz not found"
        );
        let stream = Lookup::within("LOG_GROUP_NAME", "log stream", "manifest/run/1/u").missing(
            "CloudWatch Logs",
            Some("ResourceNotFoundException"),
            Some("The specified log stream does not exist."),
            source(),
        );
        assert!(
            matches!(
                stream,
                Error::NotFound {
                    resource: "log stream",
                    ..
                }
            ),
            "{stream:?}"
        );
    }

    #[test]
    fn a_missing_configured_resource_is_500_naming_the_setting() {
        let table = Lookup::configured("RUNS_TABLE_NAME").missing(
            "DynamoDB",
            Some("ResourceNotFoundException"),
            Some("Requested resource not found"),
            source(),
        );
        let bucket = Lookup::within("REPORTS_BUCKET_NAME", "report", "k").missing(
            "S3",
            Some("NoSuchBucket"),
            None,
            source(),
        );
        let group = Lookup::within("LOG_GROUP_NAME", "log stream", "s").missing(
            "CloudWatch Logs",
            Some("ResourceNotFoundException"),
            Some("The specified log group does not exist."),
            source(),
        );
        for (err, setting) in [
            (table, "RUNS_TABLE_NAME"),
            (bucket, "REPORTS_BUCKET_NAME"),
            (group, "LOG_GROUP_NAME"),
        ] {
            assert_misconfigured(&err, setting);
            // The upstream error stays reachable for logs.
            let chain = display_chain(&err);
            assert!(chain.contains("upstream text"), "{chain}");
        }
    }
}
