//! SigV4 signing of API requests (service `execute-api`), as API Gateway's IAM authorization checks them.
//!
//! Credentials and region come from aws-config's default chain (environment, profiles with keys or roles, web identity,
//! container and instance roles); the signature itself is `aws-sigv4`'s, the same code the AWS SDKs sign with.

use std::time::SystemTime;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use reqwest::header::{HeaderName, HeaderValue};

use crate::error::{CliError, chain};

/// The signing name of API Gateway's invoke API.
pub const SERVICE: &str = "execute-api";

/// Signs requests with credentials from the default chain for one region.
#[derive(Debug)]
pub struct Signer {
    credentials: SharedCredentialsProvider,
    region: String,
}

impl Signer {
    /// The signer for `region` (from `--region`), else the region in an execute-api host name
    /// (`<id>.execute-api.<region>.amazonaws.com`: the one the API checks signatures for), else the default chain's.
    pub async fn from_environment(region: Option<String>, host: &str) -> Result<Self, CliError> {
        let region = region.or_else(|| region_of_host(host));
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &region {
            loader = loader.region(Region::new(region.clone()));
        }
        let config = loader.load().await;
        let region = config.region().map(ToString::to_string).ok_or_else(|| {
            CliError::Usage(
                "no AWS region to sign for: pass --region or set AWS_REGION (or a region in your profile)"
                    .to_owned(),
            )
        })?;
        let credentials = config.credentials_provider().ok_or_else(|| {
            CliError::Credentials("the default credential chain is not configured".to_owned())
        })?;
        Ok(Self {
            credentials,
            region,
        })
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Signs `request` now, with the chain's current credentials (which refresh themselves when they expire).
    pub async fn sign(&self, request: &mut reqwest::Request) -> Result<(), CliError> {
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|error| CliError::Credentials(chain(&error)))?;
        sign_request(request, &credentials, &self.region, SystemTime::now())
    }
}

/// Adds the SigV4 headers (`authorization`, `x-amz-date`, and `x-amz-security-token` for temporary credentials)
/// for `credentials` in `region` at `time` to `request`. Every header already on the request is signed.
pub fn sign_request(
    request: &mut reqwest::Request,
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
) -> Result<(), CliError> {
    let identity: Identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(SERVICE)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|error| CliError::Signing(chain(&error)))?
        .into();
    // Header values that are not visible ASCII cannot be signed by name and value; they are left out of the
    // signature (API Gateway checks only the headers the signature lists).
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| {
            value
                .to_str()
                .ok()
                .map(|value| (name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    let body = request
        .body()
        .and_then(reqwest::Body::as_bytes)
        .unwrap_or_default();
    let signable = SignableRequest::new(
        request.method().as_str(),
        request.url().as_str(),
        headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|error| CliError::Signing(chain(&error)))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|error| CliError::Signing(chain(&error)))?
        .into_parts();
    let mut signed = Vec::new();
    for (name, value) in instructions.headers() {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|error| CliError::Signing(format!("header {name}: {error}")))?;
        let mut value = HeaderValue::from_str(value)
            .map_err(|error| CliError::Signing(format!("value of {name}: {error}")))?;
        // Keeps the signature and session token out of any debug output of the request.
        value.set_sensitive(true);
        signed.push((name, value));
    }
    for (name, value) in signed {
        request.headers_mut().insert(name, value);
    }
    Ok(())
}

/// The region of an API Gateway host name (`abc123.execute-api.eu-west-1.amazonaws.com` → `eu-west-1`).
pub fn region_of_host(host: &str) -> Option<String> {
    let mut labels = host.split('.');
    labels.find(|label| *label == SERVICE)?;
    labels
        .next()
        .filter(|region| !region.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn request(url: &str) -> reqwest::Request {
        reqwest::Client::new().get(url).build().unwrap()
    }

    fn header<'a>(request: &'a reqwest::Request, name: &str) -> &'a str {
        request.headers()[name].to_str().unwrap()
    }

    #[test]
    fn finds_the_region_in_execute_api_hosts_only() {
        assert_eq!(
            region_of_host("abc123.execute-api.eu-west-1.amazonaws.com").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(region_of_host("127.0.0.1"), None);
        assert_eq!(region_of_host("api.example.com"), None);
    }

    #[test]
    fn signs_with_the_documented_header_layout() {
        // 2024-01-01T00:00:00Z
        let time = SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200);
        let credentials = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let mut signed = request("https://abc.execute-api.us-east-1.amazonaws.com/v1/runs?limit=5");
        sign_request(&mut signed, &credentials, "us-east-1", time).unwrap();
        assert_eq!(header(&signed, "x-amz-date"), "20240101T000000Z");
        let authorization = header(&signed, "authorization");
        assert!(
            authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/execute-api/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature="
            ),
            "{authorization}"
        );
        assert!(signed.headers().get("x-amz-security-token").is_none());

        // Same request, other secret: another signature; a session token is sent and signed.
        let mut other = request("https://abc.execute-api.us-east-1.amazonaws.com/v1/runs?limit=5");
        let temporary = Credentials::new("AKIDEXAMPLE", "other", Some("token".into()), None, "t");
        sign_request(&mut other, &temporary, "us-east-1", time).unwrap();
        assert_eq!(header(&other, "x-amz-security-token"), "token");
        assert!(header(&other, "authorization").contains("host;x-amz-date;x-amz-security-token"));
        let signature = |r: &reqwest::Request| {
            header(r, "authorization")
                .rsplit('=')
                .next()
                .unwrap()
                .to_owned()
        };
        assert_ne!(signature(&signed), signature(&other));
        assert_eq!(signature(&signed).len(), 64);
    }
}
