//! AWS clients built from one `aws-config` load.
//!
//! Endpoints come from the standard `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` variables (and profile
//! settings), so one binary runs against AWS or the local stack. Retries are the SDK's own (`AWS_RETRY_MODE`,
//! `AWS_MAX_ATTEMPTS`).

use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::service_config::ServiceConfigKey;

/// The AWS clients the functions use; cheap to clone.
#[derive(Debug, Clone)]
pub struct AwsClients {
    /// HealthOmics (runs and tasks).
    pub omics: aws_sdk_omics::Client,
    /// CloudWatch Logs (manifests and task logs).
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// DynamoDB (run summaries).
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// S3 (full reports).
    pub s3: aws_sdk_s3::Client,
    /// EventBridge (`Run Enriched` events).
    pub eventbridge: aws_sdk_eventbridge::Client,
}

impl AwsClients {
    /// Loads the shared configuration from the environment and builds every client.
    pub async fn from_env() -> Self {
        Self::from_sdk_config(&load_sdk_config().await)
    }

    /// Builds every client from one loaded configuration.
    pub fn from_sdk_config(sdk: &SdkConfig) -> Self {
        Self {
            omics: omics_client(sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            s3: s3_client(sdk),
            eventbridge: aws_sdk_eventbridge::Client::new(sdk),
        }
    }
}

/// Loads region, credentials, endpoints and retry settings the standard way, with timeouts that answer well inside
/// API Gateway's 30 s limit.
pub async fn load_sdk_config() -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(25))
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .load()
        .await
}

/// A HealthOmics client; with an endpoint override it also strips the `workflows-` host prefix the SDK adds.
pub fn omics_client(sdk: &SdkConfig) -> aws_sdk_omics::Client {
    let mut builder = aws_sdk_omics::config::Builder::from(sdk);
    if endpoint_override(sdk, "Omics").is_some() {
        builder = builder.interceptor(StripHostPrefix);
    }
    aws_sdk_omics::Client::from_conf(builder.build())
}

/// An S3 client; with an endpoint override it uses path-style addressing, which local servers need.
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let mut builder = aws_sdk_s3::config::Builder::from(sdk);
    if endpoint_override(sdk, "S3").is_some() {
        builder = builder.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// The endpoint URL configured for `service_id` (the SDK's service id, e.g. `Omics`, `S3`), resolved the way the
/// generated clients resolve it: an explicit client setting, else `AWS_ENDPOINT_URL_<SERVICE>` / profile, else
/// `AWS_ENDPOINT_URL`.
pub fn endpoint_override(sdk: &SdkConfig, service_id: &str) -> Option<String> {
    if sdk.get_origin("endpoint_url").is_client_config() {
        return sdk.endpoint_url().map(str::to_owned);
    }
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    sdk.service_config()
        .and_then(|conf| conf.load_config(key))
        .or_else(|| sdk.endpoint_url().map(str::to_owned))
}

/// Removes the `workflows-` host prefix HealthOmics operations put in front of the endpoint host.
///
/// Against AWS the prefix is right (`workflows-omics.<region>.amazonaws.com`); against a custom endpoint such as
/// `http://127.0.0.1:4599` it yields an unresolvable `workflows-127.0.0.1`. Runs before signing so the signature
/// covers the real host.
#[derive(Debug, Clone, Copy, Default)]
pub struct StripHostPrefix;

impl Intercept for StripHostPrefix {
    fn name(&self) -> &'static str {
        "StripHostPrefix"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        if let Some(stripped) = strip_workflows_prefix(request.uri()) {
            request.set_uri(stripped)?;
        }
        Ok(())
    }
}

fn strip_workflows_prefix(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let host = rest.strip_prefix("workflows-")?;
    Some(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_the_host_prefix() {
        assert_eq!(
            strip_workflows_prefix("http://workflows-127.0.0.1:4599/run/1?x=workflows-").as_deref(),
            Some("http://127.0.0.1:4599/run/1?x=workflows-")
        );
        assert_eq!(
            strip_workflows_prefix("http://127.0.0.1:4599/run/workflows-1"),
            None
        );
    }

    #[test]
    fn finds_service_specific_and_global_overrides() {
        let sdk = SdkConfig::builder()
            .endpoint_url("http://127.0.0.1:1")
            .build();
        assert_eq!(
            endpoint_override(&sdk, "Omics").as_deref(),
            Some("http://127.0.0.1:1")
        );
        let none = SdkConfig::builder().build();
        assert_eq!(endpoint_override(&none, "Omics"), None);
    }
}
