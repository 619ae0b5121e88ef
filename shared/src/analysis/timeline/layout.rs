//! Where each task goes on the timeline: one row per task for small runs, packed lanes for medium runs, and for
//! large runs one row per task group with the number of its tasks queued and running over time.

use std::collections::HashMap;

use crate::analysis::names::{Engine, base_name};
use crate::record::{EnrichedRun, EnrichedTask, seconds_between};
use crate::status::TaskStatus;
use crate::time::Timestamp;

/// Most tasks drawn one row each.
pub const MAX_TASK_ROWS: usize = 120;
/// Most packed lanes drawn; more concurrency than this switches to groups.
pub const MAX_LANES: usize = 250;
/// Most tasks drawn as individual bars in lanes.
pub const MAX_LANE_TASKS: usize = 5000;
/// Time buckets of the group profile.
pub const GROUP_BUCKETS: usize = 400;

/// How rows are formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// One row per task, labelled with its name.
    Tasks,
    /// Tasks packed into lanes: a lane holds tasks that do not overlap in time.
    Lanes,
    /// One row per task group (base name), showing how many tasks were queued and running.
    Groups,
}

impl Mode {
    /// Parses `tasks`, `lanes`, `groups`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "tasks" => Some(Self::Tasks),
            "lanes" => Some(Self::Lanes),
            "groups" => Some(Self::Groups),
            _ => None,
        }
    }

    /// The name [`Self::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tasks => "tasks",
            Self::Lanes => "lanes",
            Self::Groups => "groups",
        }
    }
}

/// The colour class of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shade {
    /// COMPLETED.
    Completed,
    /// FAILED.
    Failed,
    /// CANCELLED.
    Cancelled,
    /// RUNNING or STOPPING.
    Running,
    /// PENDING or STARTING.
    Pending,
    /// Unknown.
    Other,
}

impl Shade {
    /// Every shade, in legend order.
    pub const ALL: [Self; 6] = [
        Self::Completed,
        Self::Failed,
        Self::Cancelled,
        Self::Running,
        Self::Pending,
        Self::Other,
    ];

    /// Of a status.
    pub fn of(status: Option<&TaskStatus>) -> Self {
        match status {
            Some(TaskStatus::Completed) => Self::Completed,
            Some(TaskStatus::Failed) => Self::Failed,
            Some(TaskStatus::Cancelled) => Self::Cancelled,
            Some(TaskStatus::Running | TaskStatus::Stopping) => Self::Running,
            Some(TaskStatus::Pending | TaskStatus::Starting) => Self::Pending,
            _ => Self::Other,
        }
    }

    /// Legend label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Running => "running",
            Self::Pending => "pending",
            Self::Other => "other",
        }
    }
}

/// One task on the time axis, in seconds from the origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Task id.
    pub task_id: String,
    /// Task name.
    pub name: String,
    /// Colour.
    pub shade: Shade,
    /// Served from the cache.
    pub cached: bool,
    /// Creation (queued from), if known.
    pub queued: Option<f64>,
    /// Start, if it started.
    pub start: Option<f64>,
    /// Stop; the end of the axis when the task has not stopped.
    pub end: f64,
    /// Whether it had not stopped.
    pub open: bool,
}

/// A group's profile: per bucket, tasks running by shade and tasks queued.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Base name.
    pub name: String,
    /// Tasks in the group.
    pub tasks: usize,
    /// Cached tasks in the group.
    pub cached: usize,
    /// `running[shade][bucket]`.
    pub running: Vec<(Shade, Vec<u32>)>,
    /// `queued[bucket]`.
    pub queued: Vec<u32>,
    /// Largest queued + running in one bucket.
    pub peak: u32,
    /// When the group's failed tasks stopped (at most [`MAX_FAILURE_MARKS`]), so failures stand out.
    pub failed_at: Vec<f64>,
}

/// Failure marks drawn per group.
pub const MAX_FAILURE_MARKS: usize = 200;

/// The laid-out timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The origin (earliest of run start and task creation).
    pub origin: Option<Timestamp>,
    /// Seconds from the origin to the end of the axis.
    pub span: f64,
    /// The mode used.
    pub mode: Mode,
    /// Tasks with times.
    pub bars: Vec<Bar>,
    /// Rows: indices into `bars` (tasks and lanes modes).
    pub rows: Vec<Vec<usize>>,
    /// Group profiles (groups mode).
    pub groups: Vec<Profile>,
    /// Bucket width, seconds (groups mode).
    pub bucket_seconds: f64,
    /// Tasks in the run.
    pub task_count: usize,
    /// Cached tasks without any time (not drawn).
    pub cached_untimed: usize,
    /// Other tasks without any time (not drawn).
    pub untimed: usize,
    /// Peak number of tasks running at once.
    pub peak_running: usize,
}

fn offset(origin: Timestamp, t: Option<Timestamp>) -> Option<f64> {
    seconds_between(Some(origin), t)
}

/// Lays out `run`; `mode` forces a mode, else the smallest readable one is chosen.
pub fn layout(run: &EnrichedRun, mode: Option<Mode>) -> Layout {
    let tasks = &run.tasks;
    let (origin, span) = time_frame(run);
    let Placed {
        bars,
        cached_untimed,
        untimed,
    } = place_bars(tasks, origin, span);
    let lanes = pack(&bars);
    let peak_running = peak_running(&bars);
    let mode = mode.unwrap_or_else(|| readable_mode(&bars, &lanes));
    let engine = Engine::parse(run.head.run.engine.as_deref());
    let (rows, groups, bucket_seconds) = match mode {
        Mode::Tasks => ((0..bars.len()).map(|i| vec![i]).collect(), Vec::new(), 0.0),
        Mode::Lanes => (lanes, Vec::new(), 0.0),
        Mode::Groups => {
            let bucket = span / GROUP_BUCKETS as f64;
            (Vec::new(), profiles(&bars, engine, bucket), bucket)
        }
    };
    Layout {
        origin,
        span,
        mode,
        bars,
        rows,
        groups,
        bucket_seconds,
        task_count: tasks.len(),
        cached_untimed,
        untimed,
        peak_running,
    }
}

/// The time axis: its origin (the earliest run start, task creation or task start) and its span in seconds up
/// to the latest known time. The span is at least one second so that an instant run still has a drawable axis.
fn time_frame(run: &EnrichedRun) -> (Option<Timestamp>, f64) {
    let tasks = &run.tasks;
    let origin = std::iter::once(run.head.run.start_time)
        .chain(tasks.iter().map(|t| t.creation_time.or(t.start_time)))
        .flatten()
        .min();
    let mut latest = origin;
    for task in tasks {
        for t in [task.creation_time, task.start_time, task.stop_time] {
            latest = latest.max(t);
        }
    }
    latest = latest.max(run.head.run.stop_time);
    let span = origin
        .zip(latest)
        .and_then(|(o, l)| seconds_between(Some(o), Some(l)))
        .unwrap_or(0.0)
        .max(1.0);
    (origin, span)
}

/// The bars of the timed tasks, and how many tasks had no time at all (counted, not drawn).
struct Placed {
    bars: Vec<Bar>,
    cached_untimed: usize,
    untimed: usize,
}

/// One bar per task with at least one known time, sorted by when it entered the queue (then by task id, so the
/// order is stable). A task still running at the end of the axis gets an open bar that reaches `span`.
fn place_bars(tasks: &[EnrichedTask], origin: Option<Timestamp>, span: f64) -> Placed {
    // At most one bar per task: reserved once, so 100,000 tasks never hold a doubling's worth of spare bars.
    let mut bars = Vec::with_capacity(tasks.len());
    let (mut cached_untimed, mut untimed) = (0, 0);
    for task in tasks {
        let Some(origin) = origin else { break };
        let cached = task.cache_hit == Some(true);
        let queued = offset(origin, task.creation_time);
        let start = offset(origin, task.start_time);
        let stop = offset(origin, task.stop_time);
        if queued.is_none() && start.is_none() && stop.is_none() {
            if cached {
                cached_untimed += 1;
            } else {
                untimed += 1;
            }
            continue;
        }
        let first = queued.or(start).or(stop).unwrap_or(0.0);
        bars.push(Bar {
            task_id: task.task_id.clone(),
            name: task.name.clone().unwrap_or_else(|| task.task_id.clone()),
            shade: Shade::of(task.status.as_ref()),
            cached,
            queued,
            start,
            end: stop.unwrap_or(span).max(first),
            open: stop.is_none(),
        });
    }
    bars.sort_by(|a, b| {
        let key = |b: &Bar| b.queued.or(b.start).unwrap_or(b.end);
        key(a)
            .total_cmp(&key(b))
            .then_with(|| a.task_id.cmp(&b.task_id))
    });
    Placed {
        bars,
        cached_untimed,
        untimed,
    }
}

/// The smallest mode that stays readable: a row per task while they fit, packed lanes while the concurrency
/// and the bar count stay drawable, else one profile per task group.
fn readable_mode(bars: &[Bar], lanes: &[Vec<usize>]) -> Mode {
    if bars.len() <= MAX_TASK_ROWS {
        Mode::Tasks
    } else if lanes.len() <= MAX_LANES && bars.len() <= MAX_LANE_TASKS {
        Mode::Lanes
    } else {
        Mode::Groups
    }
}

/// Greedy interval packing in start order: each bar goes to the first lane that is free by its start.
fn pack(bars: &[Bar]) -> Vec<Vec<usize>> {
    let mut lanes: Vec<Vec<usize>> = Vec::new();
    let mut free_at: Vec<f64> = Vec::new();
    for (i, bar) in bars.iter().enumerate() {
        let from = bar.queued.or(bar.start).unwrap_or(bar.end);
        match free_at.iter().position(|&end| end <= from) {
            Some(lane) => {
                lanes[lane].push(i);
                free_at[lane] = bar.end;
            }
            None => {
                lanes.push(vec![i]);
                free_at.push(bar.end);
            }
        }
    }
    lanes
}

/// Most bars running at one instant.
fn peak_running(bars: &[Bar]) -> usize {
    let mut events: Vec<(f64, i32)> = bars
        .iter()
        .filter_map(|b| b.start.map(|s| [(s, 1), (b.end, -1)]))
        .flatten()
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut peak) = (0i32, 0i32);
    for (_, delta) in events {
        now += delta;
        peak = peak.max(now);
    }
    peak.max(0) as usize
}

fn bucket_of(t: f64, bucket: f64) -> usize {
    ((t / bucket).floor().max(0.0) as usize).min(GROUP_BUCKETS - 1)
}

/// Adds 1 to the buckets whose midpoint lies in `[from, to)`, via a difference array. Sampling midpoints keeps a
/// task from counting twice in one bucket (queued until `s`, running from `s`). A span too short to hold a
/// midpoint counts in its own bucket when `keep_short` (running time, so short tasks stay visible) and not at all
/// otherwise (a moment of queueing).
fn add_span(diff: &mut [i64], from: f64, to: f64, bucket: f64, keep_short: bool) {
    // First midpoint >= from: index ceil(from / bucket - 0.5); last midpoint < to: ceil(to / bucket - 0.5) - 1.
    let first = (from / bucket - 0.5).ceil().max(0.0) as usize;
    let after = ((to / bucket - 0.5).ceil().max(0.0) as usize).min(GROUP_BUCKETS);
    if first < after {
        diff[first] += 1;
        diff[after] -= 1;
    } else if keep_short {
        let own = bucket_of(from, bucket);
        diff[own] += 1;
        diff[own + 1] -= 1;
    }
}

fn integrate(diff: &[i64]) -> Vec<u32> {
    let mut now = 0i64;
    diff[..GROUP_BUCKETS]
        .iter()
        .map(|d| {
            now += d;
            now.max(0) as u32
        })
        .collect()
}

fn profiles(bars: &[Bar], engine: Engine, bucket: f64) -> Vec<Profile> {
    struct Acc {
        order: usize,
        tasks: usize,
        cached: usize,
        running: HashMap<Shade, Vec<i64>>,
        queued: Vec<i64>,
        failed_at: Vec<f64>,
    }
    let mut groups: HashMap<String, Acc> = HashMap::new();
    for bar in bars {
        let name = base_name(&bar.name, engine).to_owned();
        let next = groups.len();
        let acc = groups.entry(name).or_insert_with(|| Acc {
            order: next,
            tasks: 0,
            cached: 0,
            running: HashMap::new(),
            queued: vec![0; GROUP_BUCKETS + 1],
            failed_at: Vec::new(),
        });
        acc.tasks += 1;
        if bar.shade == Shade::Failed && acc.failed_at.len() < MAX_FAILURE_MARKS {
            acc.failed_at.push(bar.end);
        }
        acc.cached += usize::from(bar.cached);
        if let (Some(q), Some(s)) = (bar.queued, bar.start) {
            add_span(&mut acc.queued, q, s, bucket, false);
        } else if let (Some(q), None) = (bar.queued, bar.start) {
            add_span(&mut acc.queued, q, bar.end, bucket, true);
        }
        if let Some(s) = bar.start {
            let diff = acc
                .running
                .entry(bar.shade)
                .or_insert_with(|| vec![0; GROUP_BUCKETS + 1]);
            add_span(diff, s, bar.end, bucket, true);
        }
    }
    let mut out: Vec<(usize, Profile)> = groups
        .into_iter()
        .map(|(name, acc)| {
            let mut running: Vec<(Shade, Vec<u32>)> = acc
                .running
                .iter()
                .map(|(shade, diff)| (*shade, integrate(diff)))
                .collect();
            running.sort_by_key(|(shade, _)| *shade);
            let queued = integrate(&acc.queued);
            let peak = (0..GROUP_BUCKETS)
                .map(|i| queued[i] + running.iter().map(|(_, c)| c[i]).sum::<u32>())
                .max()
                .unwrap_or(0);
            (
                acc.order,
                Profile {
                    name,
                    tasks: acc.tasks,
                    cached: acc.cached,
                    running,
                    queued,
                    peak,
                    failed_at: acc.failed_at,
                },
            )
        })
        .collect();
    out.sort_by_key(|(order, _)| *order);
    out.into_iter().map(|(_, p)| p).collect()
}
