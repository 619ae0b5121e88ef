//! The run pages in the reports bucket: `runs/<runId>/<uuid>/report.html`, beside the record they show, stored
//! gzip-compressed (`Content-Encoding: gzip`, so a browser opening a presigned link reads the HTML) with the
//! SHA-256 of the record they were drawn from as metadata (a page is redrawn only when its record changed).

use std::time::Duration;

use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::head_object::HeadObjectError;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;

use crate::config::vars::REPORTS_BUCKET_NAME;
use crate::error::{Error, Lookup, Result};
use crate::ids::RunId;
use crate::record::RunUuid;

/// Service name used in errors and logs.
const SERVICE: &str = "S3";
/// Metadata naming the record a page was drawn from.
const RECORD_SHA: &str = "report-sha256";

/// The key of a run's page.
pub fn page_key(run_id: &RunId, uuid: &RunUuid) -> String {
    format!("runs/{run_id}/{uuid}/report.html")
}

/// The run pages of the reports bucket.
#[derive(Debug, Clone)]
pub struct RunPages {
    client: aws_sdk_s3::Client,
    bucket: String,
}

fn failed<E>(key: &str) -> impl FnOnce(aws_sdk_s3::error::SdkError<E>) -> Error + '_
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |e| {
        Error::from_sdk(
            SERVICE,
            e,
            Lookup::within(REPORTS_BUCKET_NAME, "run page", key),
        )
    }
}

impl RunPages {
    /// The pages of `bucket`.
    pub fn new(client: aws_sdk_s3::Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    pub const PUT_OBJECT: &str = "s3:PutObject"; // IAM action, see crate::iam
    /// Stores a page (`gzip`: the compressed HTML) drawn from the record whose SHA-256 is `record_sha256`.
    pub async fn put(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        gzip: Vec<u8>,
        record_sha256: &str,
    ) -> Result<()> {
        let key = page_key(run_id, uuid);
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("text/html; charset=utf-8")
            .content_encoding("gzip")
            .metadata(RECORD_SHA, record_sha256)
            .body(ByteStream::from(gzip))
            .send()
            .await
            .map_err(failed(&key))?;
        Ok(())
    }

    pub const GET_OBJECT: &str = "s3:GetObject"; // IAM action, see crate::iam
    /// The SHA-256 of the record the stored page was drawn from; `None` when there is no page.
    pub async fn drawn_from(&self, run_id: &RunId, uuid: &RunUuid) -> Result<Option<String>> {
        let key = page_key(run_id, uuid);
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.metadata
                    .and_then(|m| m.get(RECORD_SHA).cloned())
                    .unwrap_or_default(),
            )),
            Err(e)
                if e.as_service_error()
                    .is_some_and(HeadObjectError::is_not_found) =>
            {
                Ok(None)
            }
            Err(e) => Err(failed(&key)(e)),
        }
    }

    /// The stored page's gzip bytes; `None` when there is none (yet).
    pub async fn get(&self, run_id: &RunId, uuid: &RunUuid) -> Result<Option<Vec<u8>>> {
        let key = page_key(run_id, uuid);
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(GetObjectError::is_no_such_key) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(failed(&key)(e)),
        };
        let body = out.body.collect().await.map_err(|e| Error::Upstream {
            service: SERVICE,
            status: None,
            source: Box::new(e),
        })?;
        Ok(Some(body.into_bytes().to_vec()))
    }

    /// A presigned GET URL of the run's page, valid for `expires` (whether the page exists is the caller's
    /// question: [`Self::drawn_from`], or [`Self::get`]).
    pub async fn presign(
        &self,
        run_id: &RunId,
        uuid: &RunUuid,
        expires: Duration,
    ) -> Result<String> {
        let key = page_key(run_id, uuid);
        let config = PresigningConfig::expires_in(expires)
            .map_err(|e| Error::Internal(format!("presigning: {e}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(config)
            .await
            .map_err(failed(&key))?;
        Ok(request.uri().to_owned())
    }
}
