//! The task data embedded in the page: one compact JSON object in `<script type="application/json" id="tasks">`,
//! parsed once by the page's script.
//!
//! Rows are arrays in [`COLUMNS`] order, not objects, so 100,000 tasks do not repeat thirteen keys each; statuses
//! and instance types, which repeat on nearly every row, are indices into the `statuses` and `instances` tables.
//! Numbers are rounded to what the table shows. Every `<` is written as `\u003c`: `<` only occurs inside JSON
//! strings, where the escape means the same, and without it a task name holding `</script>` or `<!--` would end
//! or confuse the data block.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::record::{EnrichedRun, EnrichedTask, seconds_between};
use crate::time::Timestamp;

/// The columns of a row, in order (the page's script reads them by position).
pub const COLUMNS: [&str; 13] = [
    "taskId",
    "name",
    "status",
    "instanceType",
    "cpus",
    "memoryGiB",
    "peakCpus",
    "peakMemoryGiB",
    "queuedSeconds",
    "runningSeconds",
    "costUsd",
    "cached",
    "startedSeconds",
];

/// One row as the page reads it: a JSON array in [`COLUMNS`] order (serde reads a struct from an array by
/// position). The renderer writes rows from borrowed tuples; this owned form is for readers such as tests.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Row {
    /// Task id.
    pub task_id: String,
    /// Task name.
    pub name: Option<String>,
    /// Index into [`TaskData::statuses`].
    pub status: Option<u32>,
    /// Index into [`TaskData::instances`].
    pub instance_type: Option<u32>,
    /// vCPUs reserved, else requested.
    pub cpus: Option<f64>,
    /// GiB reserved, else requested.
    pub memory_gib: Option<f64>,
    /// Peak vCPUs used.
    pub peak_cpus: Option<f64>,
    /// Peak GiB used.
    pub peak_memory_gib: Option<f64>,
    /// Start − creation, seconds.
    pub queued_seconds: Option<f64>,
    /// Running seconds.
    pub running_seconds: Option<f64>,
    /// Compute cost, USD.
    pub cost_usd: Option<f64>,
    /// 1 when served from the run cache, 0 when not.
    pub cached: Option<u8>,
    /// Start, seconds after the run's start.
    pub started_seconds: Option<f64>,
}

/// The embedded data as the page's script reads it (the renderer streams it; tests read it back with this).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TaskData {
    /// [`COLUMNS`].
    pub columns: Vec<String>,
    /// Distinct task statuses, sorted; rows hold an index.
    pub statuses: Vec<String>,
    /// Distinct instance types, sorted; rows hold an index.
    pub instances: Vec<String>,
    /// One row per task, in the record's order.
    pub rows: Vec<Row>,
}

/// Distinct values and their indices (sorted, so the same record always gives the same bytes).
fn index<'a>(values: impl Iterator<Item = &'a str>) -> BTreeMap<&'a str, u32> {
    let mut map: BTreeMap<&str, u32> = values.map(|v| (v, 0)).collect();
    for (i, slot) in map.values_mut().enumerate() {
        *slot = i as u32;
    }
    map
}

fn round(value: Option<f64>, decimals: i32) -> Option<f64> {
    let scale = 10f64.powi(decimals);
    value
        .filter(|v| v.is_finite())
        .map(|v| (v * scale).round() / scale)
}

/// Writes the data block's JSON (already escaped for a `<script>` element) for `run`.
pub(super) fn write_data(run: &EnrichedRun, out: &mut impl Write) -> io::Result<()> {
    let tasks = &run.tasks;
    // Borrowed from the record: the tables hold one entry per distinct status and instance type.
    let statuses = index(
        tasks
            .iter()
            .filter_map(|t| t.status.as_ref().map(|s| s.as_str())),
    );
    let instances = index(tasks.iter().filter_map(|t| t.instance_type.as_deref()));
    let origin = run.head.run.start_time.or_else(|| {
        tasks
            .iter()
            .filter_map(|t| t.creation_time.or(t.start_time))
            .min()
    });

    let mut out = ScriptSafe(out);
    out.write_all(b"{\"columns\":")?;
    serde_json::to_writer(&mut out, &COLUMNS)?;
    out.write_all(b",\"statuses\":")?;
    serde_json::to_writer(&mut out, &statuses.keys().collect::<Vec<_>>())?;
    out.write_all(b",\"instances\":")?;
    serde_json::to_writer(&mut out, &instances.keys().collect::<Vec<_>>())?;
    out.write_all(b",\"rows\":[")?;
    for (i, task) in tasks.iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        let status = task.status.as_ref().map(|s| statuses[s.as_str()]);
        let instance = task.instance_type.as_deref().map(|t| instances[t]);
        serde_json::to_writer(&mut out, &row(task, status, instance, origin))?;
    }
    out.write_all(b"]}")
}

/// The row of `task`, borrowing its strings.
fn row(
    task: &EnrichedTask,
    status: Option<u32>,
    instance: Option<u32>,
    origin: Option<Timestamp>,
) -> impl Serialize + '_ {
    let sized = task.reserved.or(task.requested);
    let peak = task.maximum;
    (
        task.task_id.as_str(),
        task.name.as_deref(),
        status,
        instance,
        round(sized.and_then(|r| r.cpus), 2),
        round(sized.and_then(|r| r.memory_gib), 2),
        round(peak.and_then(|r| r.cpus), 2),
        round(peak.and_then(|r| r.memory_gib), 2),
        round(task.queue_seconds, 1),
        round(task.running_seconds, 1),
        round(task.cost_usd, 6),
        task.cache_hit.map(u8::from),
        round(seconds_between(origin, task.start_time), 1),
    )
}

/// A writer that turns every `<` into `\u003c` (see the module documentation).
struct ScriptSafe<W>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'<') {
            self.0.write_all(&rest[..at])?;
            self.0.write_all(b"\\u003c")?;
            rest = &rest[at + 1..];
        }
        self.0.write_all(rest)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
