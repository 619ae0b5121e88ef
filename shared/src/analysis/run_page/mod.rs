//! The run page: one self-contained HTML document a person opens from a link (issue 14), with the run header,
//! the cost breakdown, right-sizing with copyable snippets, the diagnosis, the timeline SVG and a task table that
//! sorts, filters and searches 100,000 tasks by rendering only the rows in view.
//!
//! Self-contained and strict: no external script, style, font or image, and a `Content-Security-Policy` meta tag
//! (`default-src 'none'`) that allows exactly the page's one inline `<script>` and one `<style>` by their SHA-256,
//! so the page runs the same from S3, a presigned link, a mail attachment or a file on disk.
//!
//! The page is streamed to a writer ([`write_run_page`]): the task data goes out one row at a time as compact JSON
//! arrays inside `<script type="application/json" id="tasks">`, so what the renderer holds beside the record is a
//! few small lookup tables and the timeline layout, never the page.
//!
//! - [`page`]: the HTML skeleton and the server-rendered sections.
//! - [`tasks`]: the embedded task data (columns, lookup tables, rows).
//! - `script.js`, `style.css`: the page's behaviour and look, included verbatim and hashed for the policy.

mod page;
mod tasks;

#[cfg(test)]
mod tests;

use std::io::{self, Write};

use crate::analysis::html::csp_hash;
use crate::record::EnrichedRun;

pub use tasks::{COLUMNS, Row, TaskData};

/// The page's one script (the task table, copy buttons). Hashed into the policy; never edited at render time.
pub const SCRIPT: &str = include_str!("script.js");

/// The page's one style sheet. Hashed into the policy; never edited at render time.
pub const STYLE: &str = include_str!("style.css");

/// The page's Content-Security-Policy: nothing but its own script, its own style and `data:` images (the
/// favicon placeholder).
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src {}; style-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(SCRIPT),
        csp_hash(STYLE)
    )
}

/// Writes the run page of `run` to `out`, streaming: the output is never held whole. Buffered internally, so an
/// unbuffered file or socket is fine.
pub fn write_run_page(run: &EnrichedRun, out: &mut impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    page::write(run, &mut out)?;
    out.flush()
}

/// The run page of `run` as one string (for tests and small runs; prefer [`write_run_page`] for large ones).
pub fn render_run_page(run: &EnrichedRun) -> String {
    let mut bytes = Vec::new();
    write_run_page(run, &mut bytes).expect("writing to a Vec does not fail");
    String::from_utf8(bytes).expect("the page is written from UTF-8 text")
}
