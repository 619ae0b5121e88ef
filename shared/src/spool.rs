//! Bytes written once and uploaded once: an enrichment's gzip record and Parquet objects on their way to S3.
//!
//! They are held in memory while small and moved to a temporary file once they pass [`SPILL_BYTES`]. The record
//! and the tasks object of a 100,000-task run whose names are long and distinct are ~35 MB each, and a growing
//! `Vec` holds up to twice that while it doubles: in memory they were half of the run's peak. In a file they cost
//! page cache (Lambda's `/tmp`, 512 MB by default), not the function's memory, and the upload streams them back.
//!
//! The file is named (the SDK re-opens a path-backed body when it retries a request) and removed when the last
//! [`Spooled`] holding it is dropped.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::sync::Arc;

use aws_smithy_types::byte_stream::{ByteStream, Length};
use bytes::Bytes;
use tempfile::NamedTempFile;

/// Bytes kept in memory before a [`Spool`] moves to a temporary file (the small objects never touch the disk).
pub const SPILL_BYTES: usize = 1 << 20;

/// Buffer between the writer and the temporary file.
const FILE_BUFFER: usize = 256 * 1024;

/// A writer that keeps its bytes in memory up to a threshold and in a temporary file beyond it.
#[derive(Debug)]
pub struct Spool {
    state: State,
    len: u64,
    spill_at: usize,
}

#[derive(Debug)]
enum State {
    Memory(Vec<u8>),
    File(BufWriter<NamedTempFile>),
}

impl Default for Spool {
    fn default() -> Self {
        Self::new()
    }
}

impl Spool {
    /// A spool that moves to a file past [`SPILL_BYTES`].
    pub fn new() -> Self {
        Self::spilling_at(SPILL_BYTES)
    }

    /// A spool that moves to a file once it would hold more than `bytes` in memory.
    pub fn spilling_at(bytes: usize) -> Self {
        Self {
            state: State::Memory(Vec::new()),
            len: 0,
            spill_at: bytes,
        }
    }

    /// The bytes written, ready to read back or upload.
    pub fn finish(self) -> io::Result<Spooled> {
        let body = match self.state {
            State::Memory(bytes) => Body::Memory(Bytes::from(bytes)),
            State::File(writer) => {
                let file = writer
                    .into_inner()
                    .map_err(io::IntoInnerError::into_error)?;
                Body::File(Arc::new(file))
            }
        };
        Ok(Spooled {
            len: self.len,
            body,
        })
    }

    /// Moves what memory holds into a new temporary file (in `std::env::temp_dir()`, `TMPDIR` if set).
    fn spill(&mut self) -> io::Result<()> {
        if let State::Memory(bytes) = &self.state {
            let mut file = BufWriter::with_capacity(FILE_BUFFER, NamedTempFile::new()?);
            file.write_all(bytes)?;
            self.state = State::File(file);
        }
        Ok(())
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let State::Memory(bytes) = &self.state
            && bytes.len() + buf.len() > self.spill_at
        {
            self.spill()?;
        }
        let n = match &mut self.state {
            State::Memory(bytes) => {
                bytes.extend_from_slice(buf);
                buf.len()
            }
            State::File(file) => file.write(buf)?,
        };
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Memory(_) => Ok(()),
            State::File(file) => file.flush(),
        }
    }
}

/// What a [`Spool`] wrote: in memory, or in a temporary file removed with the last clone.
#[derive(Debug, Clone)]
pub struct Spooled {
    len: u64,
    body: Body,
}

#[derive(Debug, Clone)]
enum Body {
    Memory(Bytes),
    File(Arc<NamedTempFile>),
}

impl From<Vec<u8>> for Spooled {
    fn from(bytes: Vec<u8>) -> Self {
        Self {
            len: bytes.len() as u64,
            body: Body::Memory(Bytes::from(bytes)),
        }
    }
}

impl Spooled {
    /// Number of bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the bytes went to a temporary file.
    pub fn in_file(&self) -> bool {
        matches!(self.body, Body::File(_))
    }

    /// An upload body: the shared bytes, or a stream that reads the file (re-opened by path when the SDK retries).
    pub async fn byte_stream(&self) -> io::Result<ByteStream> {
        match &self.body {
            Body::Memory(bytes) => Ok(ByteStream::from(bytes.clone())),
            Body::File(file) => ByteStream::read_from()
                .path(file.path())
                .length(Length::Exact(self.len))
                .build()
                .await
                .map_err(io::Error::other),
        }
    }

    /// All the bytes, read into memory (tests, and readers of small objects).
    pub fn to_vec(&self) -> io::Result<Vec<u8>> {
        match &self.body {
            Body::Memory(bytes) => Ok(bytes.to_vec()),
            Body::File(file) => {
                let mut out = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
                File::open(file.path())?.read_to_end(&mut out)?;
                Ok(out)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(spool_at: usize, chunks: &[&[u8]]) -> Spooled {
        let mut spool = Spool::spilling_at(spool_at);
        for chunk in chunks {
            spool.write_all(chunk).unwrap();
        }
        spool.finish().unwrap()
    }

    #[test]
    fn small_output_stays_in_memory() {
        let spooled = written(16, &[b"0123456789", b"abcdef"]);
        assert!(!spooled.in_file(), "16 bytes fit a 16-byte threshold");
        assert_eq!(spooled.len(), 16);
        assert_eq!(spooled.to_vec().unwrap(), b"0123456789abcdef");
    }

    #[test]
    fn output_past_the_threshold_moves_to_a_file_with_every_byte() {
        let spooled = written(16, &[b"0123456789", b"abcdef", b"g"]);
        assert!(spooled.in_file());
        assert_eq!(spooled.len(), 17);
        assert_eq!(spooled.to_vec().unwrap(), b"0123456789abcdefg");
    }

    #[test]
    fn the_file_is_removed_with_the_last_clone() {
        let spooled = written(4, &[b"more than four bytes"]);
        let Body::File(file) = &spooled.body else {
            panic!("expected a file");
        };
        let path = file.path().to_path_buf();
        let clone = spooled.clone();
        drop(spooled);
        assert!(path.exists(), "a clone still holds the file");
        drop(clone);
        assert!(!path.exists(), "the file goes with the last clone");
    }

    #[tokio::test]
    async fn the_upload_body_carries_the_same_bytes_from_memory_or_file() {
        let payload: Vec<u8> = (0..100_000u32).flat_map(u32::to_le_bytes).collect();
        for threshold in [usize::MAX, 1024] {
            let spooled = written(threshold, &[&payload]);
            assert_eq!(spooled.in_file(), threshold == 1024);
            let stream = spooled.byte_stream().await.unwrap();
            assert_eq!(stream.collect().await.unwrap().into_bytes(), payload);
        }
    }
}
