//! The run timeline (`GET /runs/{runId}/timeline`): an SVG Gantt chart of queued and running time per task, or a
//! self-contained HTML page around it.
//!
//! [`layout`] decides rows (one per task, packed lanes, or per task group for runs too large to draw task by
//! task, so 10,000 tasks stay readable); [`svg`] draws them.

pub mod layout;
pub mod svg;

pub use layout::{Layout, Mode, Shade, layout};
pub use svg::{Caption, render_html, render_svg};

use crate::record::EnrichedRun;

/// The caption of a stored run.
pub fn caption(run: &EnrichedRun) -> Caption {
    Caption {
        run_id: run.head.run_id.clone(),
        name: run.head.run.name.clone(),
        status: run.head.status.to_string(),
    }
}

#[cfg(test)]
mod tests;
