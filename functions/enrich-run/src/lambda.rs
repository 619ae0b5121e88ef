//! Lambda mode: one EventBridge event per invocation.

use lambda_runtime::{LambdaEvent, service_fn};
use omics_introspect::enrich::Enricher;
use serde_json::Value;

/// Serves invocations until the runtime stops. A failure reaches the runtime with its error code as `errorType`
/// (`impl From<omics_introspect::Error> for Diagnostic`).
pub async fn run(enricher: &Enricher) -> anyhow::Result<()> {
    let handler = service_fn(|event: LambdaEvent<Value>| async move {
        enricher.handle_event(event.payload).await.inspect_err(|err| {
            tracing::error!(error = %omics_introspect::error::display_chain(err), code = err.code(), retryable = err.is_retryable(), "enrichment failed");
        })
    });
    lambda_runtime::run(handler)
        .await
        .map_err(|e| anyhow::anyhow!("Lambda runtime: {e}"))
}
