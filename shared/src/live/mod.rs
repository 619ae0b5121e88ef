//! Live runs: HealthOmics task, run and batch events turned into what a run has done so far.
//!
//! This module is the pure domain at the bottom of the live-run feature (no AWS call): [`event`] reads the events
//! in their real shapes, [`task_state`] keeps each task's latest state so that counts are exact after any
//! interleaving, duplication or delay of the events, [`batch`] keeps a run batch's newest status, [`progress`] answers how far a run got and when it
//! should end.

pub mod batch;
pub mod event;
pub mod progress;
pub mod state;
pub mod task_state;

pub use batch::{BatchStatus, batch_finished};
pub use event::{
    BatchChange, BatchCounts, LiveEvent, RunChange, TaskChange, Unhandled, parse_live_event,
};
pub use progress::{LiveRun, Progress, progress};
pub use state::LiveState;
pub use task_state::{Observed, TaskBoard};
