//! The S3 bucket of full enriched records (gzip JSON).

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;

use super::item::ReportLocation;
use crate::config::vars::REPORTS_BUCKET_NAME;
use crate::error::{Error, Lookup, Result};
use crate::ids::RunId;
use crate::record::{ReportBytes, RunUuid};

/// Service name used in errors and logs.
const SERVICE: &str = "S3";

/// The key of a run's record: `runs/<runId>/<uuid>/report.json.gz`. The uuid keeps runs that reused an id apart.
pub fn report_key(run_id: &RunId, uuid: &RunUuid) -> String {
    format!("runs/{run_id}/{uuid}/report.json.gz")
}

/// The reports bucket.
#[derive(Debug, Clone)]
pub struct ReportStore {
    client: aws_sdk_s3::Client,
    bucket: String,
}

impl ReportStore {
    /// A store on `bucket`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub const PUT_OBJECT: &str = "s3:PutObject"; // IAM action, see crate::iam
    /// Writes a record. The object is `application/json` with `Content-Encoding: gzip` (a browser or `curl
    /// --compressed` on a presigned URL reads JSON) and carries its SHA-256 as metadata.
    pub async fn put(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        report: &ReportBytes,
    ) -> Result<ReportLocation> {
        let key = report_key(run_id, uuid);
        let body =
            report.gzip.byte_stream().await.map_err(|e| {
                Error::Internal(format!("reading the record back for its upload: {e}"))
            })?;
        let out = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/json")
            .content_encoding("gzip")
            .metadata("report-sha256", &report.sha256)
            .metadata("json-bytes", report.json_bytes.to_string())
            .body(body)
            .send()
            .await
            .map_err(|e| {
                Error::from_sdk(
                    SERVICE,
                    e,
                    Lookup::within(REPORTS_BUCKET_NAME, "report", &key),
                )
            })?;
        Ok(ReportLocation {
            bucket: self.bucket.clone(),
            key,
            version_id: out.version_id.filter(|v| !v.is_empty() && v != "null"),
            sha256: report.sha256.clone(),
            bytes: report.gzip.len(),
            json_bytes: report.json_bytes,
        })
    }

    pub const GET_OBJECT: &str = "s3:GetObject"; // IAM action, see crate::iam
    pub const GET_OBJECT_VERSION: &str = "s3:GetObjectVersion"; // IAM action, see crate::iam
    /// The gzip bytes of a stored record (the exact version when `location` names one).
    pub async fn get(&self, location: &ReportLocation) -> Result<Vec<u8>> {
        let out = self
            .client
            .get_object()
            .bucket(&location.bucket)
            .key(&location.key)
            .set_version_id(location.version_id.clone())
            .send()
            .await
            .map_err(|e| {
                Error::from_sdk(
                    SERVICE,
                    e,
                    Lookup::within(REPORTS_BUCKET_NAME, "report", &location.key),
                )
            })?;
        let body = out.body.collect().await.map_err(|e| Error::Upstream {
            service: SERVICE,
            status: None,
            source: Box::new(e),
        })?;
        Ok(body.into_bytes().to_vec())
    }

    pub const DELETE_OBJECT_VERSION: &str = "s3:DeleteObjectVersion"; // IAM action, see crate::iam
    /// Removes one version of a record: what a writer that lost a race wrote, so the current object stays the
    /// one the item describes.
    pub async fn delete_version(&self, key: &str, version_id: &str) -> Result<()> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .version_id(version_id)
            .send()
            .await
            .map(drop)
            .map_err(|e| {
                Error::from_sdk(
                    SERVICE,
                    e,
                    Lookup::within(REPORTS_BUCKET_NAME, "report", key),
                )
            })
    }

    /// A presigned GET URL for a stored record, valid for `expires`.
    pub async fn presigned_url(
        &self,
        location: &ReportLocation,
        expires: Duration,
    ) -> Result<String> {
        let config = PresigningConfig::expires_in(expires)
            .map_err(|e| Error::Internal(format!("presigning: {e}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&location.bucket)
            .key(&location.key)
            .set_version_id(location.version_id.clone())
            .presigned(config)
            .await
            .map_err(|e| {
                Error::from_sdk(
                    SERVICE,
                    e,
                    Lookup::within(REPORTS_BUCKET_NAME, "report", &location.key),
                )
            })?;
        Ok(request.uri().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::operation::get_object::GetObjectError;
    use aws_sdk_s3::operation::put_object::PutObjectOutput;
    use aws_smithy_mocks::{mock, mock_client};
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    #[tokio::test]
    async fn put_names_the_key_and_keeps_the_version() {
        let put = mock!(aws_sdk_s3::Client::put_object)
            .match_requests(|r| {
                r.key() == Some("runs/7/u-1/report.json.gz")
                    && r.content_encoding() == Some("gzip")
                    && r.metadata()
                        .is_some_and(|m| m["report-sha256"] == "sha256:ab")
            })
            .then_output(|| PutObjectOutput::builder().version_id("v-9").build());
        let client = mock_client!(aws_sdk_s3, [&put]);
        let store = ReportStore::new(client, "reports");
        let report = ReportBytes {
            gzip: vec![1, 2, 3].into(),
            sha256: "sha256:ab".into(),
            json_bytes: 30,
        };
        let location = store
            .put(
                &RunId::parse("7").unwrap(),
                &RunUuid::parse("u-1").unwrap(),
                &report,
            )
            .await
            .unwrap();
        assert_eq!(location.version_id.as_deref(), Some("v-9"));
        assert_eq!(location.bytes, 3);
        assert_eq!(location.uri(), "s3://reports/runs/7/u-1/report.json.gz");
    }

    fn get_failing_with(code: &'static str) -> aws_smithy_mocks::Rule {
        mock!(aws_sdk_s3::Client::get_object).then_error(move || {
            GetObjectError::generic(
                ErrorMetadata::builder()
                    .code(code)
                    .message("The specified bucket does not exist: secret-bucket-name")
                    .build(),
            )
        })
    }

    fn location() -> ReportLocation {
        ReportLocation {
            bucket: "reports".into(),
            key: report_key(
                &RunId::parse("42").unwrap(),
                &RunUuid::parse("u-1").unwrap(),
            ),
            version_id: None,
            sha256: "sha256:ab".into(),
            bytes: 3,
            json_bytes: 30,
        }
    }

    #[tokio::test]
    async fn a_missing_bucket_is_500_naming_the_setting() {
        let rule = get_failing_with("NoSuchBucket");
        let store = ReportStore::new(mock_client!(aws_sdk_s3, [&rule]), "reports");
        let err = store.get(&location()).await.unwrap_err();
        crate::error::assert_misconfigured(&err, "REPORTS_BUCKET_NAME");
    }

    #[tokio::test]
    async fn a_missing_report_is_404_naming_the_run() {
        let rule = get_failing_with("NoSuchKey");
        let store = ReportStore::new(mock_client!(aws_sdk_s3, [&rule]), "reports");
        let err = store.get(&location()).await.unwrap_err();
        assert_eq!(
            (err.http_status(), err.code()),
            (404, "NotFound"),
            "{err:?}"
        );
        assert_eq!(
            err.public_message(),
            "report runs/42/u-1/report.json.gz not found"
        );
    }
}
