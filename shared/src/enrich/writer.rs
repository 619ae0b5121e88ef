//! Writes an enriched record as gzip JSON incrementally: the head, then one task at a time, straight into the
//! compressor, so the uncompressed JSON of a 100,000-task run never exists in memory (and the compressed one
//! waits for its upload in a temporary file once it is large, see [`crate::spool`]).
//!
//! The output is deterministic: the same head and tasks give the same bytes (fixed member order, no timestamp or
//! file name in the gzip header), which is what makes a repeated enrichment byte-identical.

use std::io::{self, BufWriter, Write};

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::record::{EnrichedRun, EnrichedTask, ReportBytes, ReportHead, sha256_text};
use crate::spool::Spool;

/// Bytes of JSON collected before they go to the compressor.
const WRITE_BUFFER: usize = 64 * 1024;

/// Counts what passes through.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes what passes through (SHA-256), so the compressed record is hashed as it is written, not read back.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The gzip record's writer chain: JSON buffered, counted, compressed, hashed, spooled.
type RecordSink = BufWriter<Counting<GzEncoder<Hashing<Spool>>>>;

/// Writes `{...head..., "tasks": [task, ...]}` as gzip JSON. The compressed bytes go to a [`Spool`]: a large
/// record waits for its upload in a temporary file.
pub fn write_report(
    head: &ReportHead,
    tasks: impl IntoIterator<Item = EnrichedTask>,
) -> Result<ReportBytes> {
    let internal = |e: &dyn std::fmt::Display| Error::Internal(format!("writing the record: {e}"));
    let head_json = serde_json::to_vec(head).map_err(|e| internal(&e))?;
    // The head is a non-empty object: drop its closing brace and continue with the tasks.
    let Some((b'}', open_head)) = head_json.split_last() else {
        return Err(Error::Internal("record head is not a JSON object".into()));
    };

    let spool = Hashing {
        inner: Spool::new(),
        hash: Sha256::new(),
    };
    // Level 2: at the default level (6) deflate alone cost more than a 100,000-task record's 10 µs per task
    // budget (docs/benchmarks.md). Not level 1: zlib-rs's level 1 uses fixed Huffman codes, which leave long
    // multi-byte names nearly uncompressed (the record of 100,000 such tasks came out ~25 % larger).
    let encoder = GzEncoder::new(spool, Compression::new(2));
    // serde_json writes token by token: buffer them so the compressor sees large chunks.
    let mut out = BufWriter::with_capacity(
        WRITE_BUFFER,
        Counting {
            inner: encoder,
            bytes: 0,
        },
    );
    let write = |out: &mut RecordSink| -> io::Result<()> {
        out.write_all(open_head)?;
        out.write_all(b",\"tasks\":[")?;
        for (i, task) in tasks.into_iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &task)?;
        }
        out.write_all(b"]}")
    };
    write(&mut out).map_err(|e| internal(&e))?;
    let out = out.into_inner().map_err(|e| internal(e.error()))?;
    let json_bytes = out.bytes;
    let hashed = out.inner.finish().map_err(|e| internal(&e))?;
    let sha256 = sha256_text(hashed.hash.finalize().as_slice());
    let gzip = hashed.inner.finish().map_err(|e| internal(&e))?;
    Ok(ReportBytes {
        gzip,
        sha256,
        json_bytes,
    })
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256_text(Sha256::digest(bytes).as_slice())
}

/// Decompresses a stored record into its JSON bytes.
pub fn gunzip(gzip: &[u8]) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gzip)
        .read_to_end(&mut json)
        .map_err(|e| Error::Internal(format!("stored record is not gzip: {e}")))?;
    Ok(json)
}

/// A stored record's gzip bytes read back as the run they hold.
pub fn decode_record(gzip: &[u8]) -> Result<EnrichedRun> {
    serde_json::from_slice(&gunzip(gzip)?)
        .map_err(|e| Error::Internal(format!("stored record is not an enriched run: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{EnrichedRun, ManifestInfo, ReportSummary, RunInfo, RunUuid, SourceFlags};
    use crate::status::RunStatus;

    fn head() -> ReportHead {
        ReportHead {
            schema_version: 1,
            run_id: "1".into(),
            uuid: RunUuid::parse("0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10").unwrap(),
            arn: None,
            status: RunStatus::Completed,
            enriched_at: "2024-01-01T00:00:00.000Z".into(),
            enriched_at_source: "runStopTime".into(),
            sources: SourceFlags::default(),
            manifest_complete: true,
            manifest: ManifestInfo::default(),
            run: RunInfo::default(),
            parameters: Some(serde_json::json!({"b": 1, "a": [1, 2]})),
            resource_digests: None,
            summary: ReportSummary::default(),
            failed_tasks: vec![],
            cost: None,
            rightsizing: None,
            diagnosis: None,
            warnings: vec![],
        }
    }

    fn tasks(n: usize) -> Vec<EnrichedTask> {
        (0..n)
            .map(|i| EnrichedTask {
                task_id: i.to_string(),
                source: "both".into(),
                ..EnrichedTask::default()
            })
            .collect()
    }

    #[test]
    fn round_trips_and_is_deterministic() {
        let first = write_report(&head(), tasks(3)).unwrap();
        let second = write_report(&head(), tasks(3)).unwrap();
        assert_eq!(
            first.gzip.to_vec().unwrap(),
            second.gzip.to_vec().unwrap(),
            "byte-identical"
        );
        assert_eq!(first.sha256, second.sha256);
        let json = gunzip(&first.gzip.to_vec().unwrap()).unwrap();
        assert_eq!(json.len() as u64, first.json_bytes);
        let back: EnrichedRun = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.head, head());
        assert_eq!(back.tasks, tasks(3));
        let text = String::from_utf8(json).unwrap();
        assert!(text.starts_with("{\"schemaVersion\":1,\"runId\":\"1\""));
        assert!(text.ends_with("}]}"));
        assert!(first.sha256.starts_with("sha256:") && first.sha256.len() == 71);
    }

    #[test]
    fn a_large_record_waits_in_a_file_and_reads_back_whole_with_its_hash() {
        // Names that deflate cannot shrink much: a few MB of gzip, past the spool's threshold.
        let mut rng = fastrand::Rng::with_seed(7);
        let tasks: Vec<EnrichedTask> = (0..20_000)
            .map(|i| EnrichedTask {
                task_id: i.to_string(),
                name: Some((0..120).map(|_| rng.alphanumeric()).collect()),
                source: "both".into(),
                ..EnrichedTask::default()
            })
            .collect();
        let bytes = write_report(&head(), tasks.clone()).unwrap();
        assert!(
            bytes.gzip.in_file(),
            "{} gzip bytes stayed in memory",
            bytes.gzip.len()
        );
        let gzip = bytes.gzip.to_vec().unwrap();
        assert_eq!(gzip.len() as u64, bytes.gzip.len());
        assert_eq!(bytes.sha256, sha256_hex(&gzip), "hashed as written");
        let back: EnrichedRun = serde_json::from_slice(&gunzip(&gzip).unwrap()).unwrap();
        assert_eq!(back.tasks, tasks);
    }

    #[test]
    fn no_tasks() {
        let bytes = write_report(&head(), Vec::new()).unwrap();
        let back: EnrichedRun =
            serde_json::from_slice(&gunzip(&bytes.gzip.to_vec().unwrap()).unwrap()).unwrap();
        assert!(back.tasks.is_empty());
    }
}
