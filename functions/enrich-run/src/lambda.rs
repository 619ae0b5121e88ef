//! Lambda mode: one EventBridge event per invocation.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use omics_introspect::enrich::Enricher;
use serde_json::Value;

/// An enrichment error as the Lambda runtime reports it: the error code as `errorType`, so async retries, the
/// DLQ and the logs say what went wrong (`NotFound` for a manifest that never appeared, `Throttled`, ...).
#[derive(Debug)]
pub struct Failure(omics_introspect::Error);

impl From<Failure> for Diagnostic {
    fn from(failure: Failure) -> Self {
        Diagnostic {
            error_type: failure.0.code().to_owned(),
            error_message: omics_introspect::error::display_chain(&failure.0),
        }
    }
}

/// Serves invocations until the runtime stops.
pub async fn run(enricher: &Enricher) -> anyhow::Result<()> {
    let handler = service_fn(|event: LambdaEvent<Value>| async move {
        enricher.handle_event(event.payload).await.map_err(|err| {
            tracing::error!(error = %omics_introspect::error::display_chain(&err), code = err.code(), retryable = err.is_retryable(), "enrichment failed");
            Failure(err)
        })
    });
    lambda_runtime::run(handler)
        .await
        .map_err(|e| anyhow::anyhow!("Lambda runtime: {e}"))
}
