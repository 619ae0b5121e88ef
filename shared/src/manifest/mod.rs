//! The run manifest HealthOmics writes to CloudWatch Logs (`manifest/run/<id>/<uuid>`): its records, a
//! streaming reader of the log stream, and a parser of whole manifest documents (exports, published samples).
//!
//! A manifest is one JSON object per log event: the run first, then one object per task. Real manifests carry
//! quirks (timestamps without fractions or zones, `SUCCESS` statuses, nulls, unknown keys); the parser accepts
//! them all, and a line it cannot read is counted and skipped, never fatal. A record is a run or a task by its ARN
//! alone (`:run/` or `:task/`): real lines carry the union of both key sets, absent ones as `null`.

mod document;
mod reader;
mod record;

pub use document::{ManifestDocument, parse_document, split_records};
pub use reader::{ManifestPage, ManifestPages, ManifestReader, ParseWarnings, stream_name};
pub use record::{ManifestRecord, ManifestRun, ManifestTask, RunMetrics, TaskMetrics, parse_line};
