//! `report` (the enriched record, the run page, its link) and `compare`.

use std::io::Read;

use flate2::read::GzDecoder;
use serde_json::Value;

use crate::args::{CompareArgs, Output, ReportArgs};
use crate::client::Answer;
use crate::error::CliError;
use crate::render;

use super::{Context, emit, pretty, show};

/// `report RUN_ID`: GET /runs/{runId}/report as a summary or JSON; `--html FILE` saves the run page
/// (`?format=html`); `--open` opens that file, or without `--html` the presigned link of
/// GET /runs/{runId}/report/link.
pub async fn report(context: &Context, args: ReportArgs) -> Result<(), CliError> {
    let path = format!("/runs/{}/report", args.run_id);
    let query: Vec<(&str, String)> = args
        .uuid
        .iter()
        .map(|uuid| ("uuid", uuid.clone()))
        .collect();

    if let Some(file) = &args.html {
        let what = format!("the run page of {}", args.run_id);
        return save_page(context, &path, query, file, args.open, &what).await;
    }

    if args.open {
        let link = context
            .client
            .get_json(&format!("{path}/link"), &query)
            .await?;
        let url = link
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| CliError::Response("the report link has no url".to_owned()))?;
        match context.output {
            Output::Json => emit(&pretty(&link))?,
            Output::Table => emit(url)?,
        }
        return open_target(url);
    }

    let answer = context.client.get(&path, &query).await?;
    let answer = follow_redirect(context, answer).await?;
    let record = record_json(&answer.body)?;
    show(context, &record, render::report)
}

/// `compare A B`: GET /runs/{a}/compare/{b}; `--html FILE` saves the compare page.
pub async fn compare(context: &Context, args: CompareArgs) -> Result<(), CliError> {
    let mut query = Vec::new();
    if let Some(uuid) = args.uuid {
        query.push(("uuid", uuid));
    }
    if let Some(uuid) = args.other_uuid {
        query.push(("otherUuid", uuid));
    }
    let path = format!("/runs/{}/compare/{}", args.a, args.b);
    if let Some(file) = &args.html {
        let what = format!("the compare page of {} and {}", args.a, args.b);
        return save_page(context, &path, query, file, args.open, &what).await;
    }
    let compared = context.client.get_json(&path, &query).await?;
    show(context, &compared, render::comparison)
}

/// Fetches `path?...&format=html` (following a redirect to S3), writes it to `file` and opens it when `open`.
pub(crate) async fn save_page(
    context: &Context,
    path: &str,
    mut query: Vec<(&str, String)>,
    file: &std::path::Path,
    open: bool,
    what: &str,
) -> Result<(), CliError> {
    query.push(("format", "html".to_owned()));
    save_file(context, path, query, file, open, what).await
}

/// Fetches `path?query` (following a redirect to S3), writes the body to `file` and opens it when `open`.
pub(crate) async fn save_file(
    context: &Context,
    path: &str,
    query: Vec<(&str, String)>,
    file: &std::path::Path,
    open: bool,
    what: &str,
) -> Result<(), CliError> {
    let answer = context.client.get(path, &query).await?;
    let answer = follow_redirect(context, answer).await?;
    std::fs::write(file, &answer.body).map_err(|source| CliError::Write {
        path: file.to_path_buf(),
        source,
    })?;
    eprintln!(
        "wrote {what} to {} ({})",
        file.display(),
        bytesize::ByteSize::b(answer.body.len() as u64)
            .display()
            .iec()
    );
    if open {
        open_target(&file.display().to_string())?;
    }
    Ok(())
}

/// A record too large for a response body comes as 303 to a presigned S3 URL; that URL is fetched without the
/// API's signature.
async fn follow_redirect(context: &Context, answer: Answer) -> Result<Answer, CliError> {
    if !(300..400).contains(&answer.status) {
        return Ok(answer);
    }
    let location = answer
        .location()
        .ok_or_else(|| CliError::Response(format!("HTTP {} without a Location", answer.status)))?;
    context.client.get_external(location).await
}

/// The record's JSON, gunzipped first when the body is gzip (the stored object behind a 303).
pub fn record_json(body: &[u8]) -> Result<Value, CliError> {
    let is_gzip = body.starts_with(&[0x1f, 0x8b]);
    let bytes = if is_gzip {
        let mut plain = Vec::new();
        GzDecoder::new(body)
            .read_to_end(&mut plain)
            .map_err(|error| {
                CliError::Response(format!("the stored record is not valid gzip: {error}"))
            })?;
        plain
    } else {
        body.to_vec()
    };
    serde_json::from_slice(&bytes)
        .map_err(|error| CliError::Response(format!("the record is not JSON: {error}")))
}

/// Opens a file or URL with the platform's opener (xdg-open and its kin, `open` on macOS).
fn open_target(target: &str) -> Result<(), CliError> {
    open::that_detached(target).map_err(|source| CliError::Open {
        target: target.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    #[test]
    fn records_read_plain_or_gzipped() {
        let plain = br#"{"runId": "1"}"#;
        assert_eq!(record_json(plain).unwrap()["runId"], "1");
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(plain).unwrap();
        let gzipped = encoder.finish().unwrap();
        assert_eq!(record_json(&gzipped).unwrap()["runId"], "1");
        assert_eq!(record_json(&gzipped[..5]).unwrap_err().exit_code(), 3);
        assert_eq!(record_json(b"<html>").unwrap_err().exit_code(), 3);
    }
}
