//! The record layer: the plain data every other module shares, at the bottom of the crate.
//!
//! Nothing here calls AWS or knows about HTTP; it depends only on [`crate::time`] and [`crate::status`]. Every
//! module above may use it, and it uses none of them (`shared/tests/layers.rs` checks this).
//!
//! - [`ids`]: validated HealthOmics identifiers ([`RunId`], [`TaskId`], [`RunGroupId`]) and the run uuid
//!   ([`RunUuid`]).
//! - [`run`]: the enriched run record ([`EnrichedRun`], [`EnrichedTask`], [`RunInfo`], ...) and its summary.
//! - [`cost`], [`rightsizing`], [`diagnosis`], [`comparison`]: the analysis results a record carries or the
//!   compare route returns (computed by [`crate::analysis`]).
//! - [`fleet`]: what fleet questions need of each run ([`fleet::RunFacts`]) and the fleet routes' answers.
//! - [`math`]: durations, ratios, rounding; [`lenient`]: reading sections written by other versions.

pub mod comparison;
pub mod cost;
pub mod diagnosis;
pub mod fleet;
pub mod fleet_row;
pub mod ids;
pub mod lenient;
pub mod math;
pub mod rightsizing;
pub mod run;

pub use comparison::Comparison;
pub use cost::{PriceTableInfo, RunCost, TaskCost};
pub use diagnosis::{DiagnosedTask, Diagnosis, FailureClass};
pub use ids::{BatchId, InvalidId, InvalidUuid, RunGroupId, RunId, RunUuid, TaskId, WorkflowId};
pub use math::{ratio, round_to, seconds_between, usd};
pub use rightsizing::{Action, GroupRecommendation, Rightsizing, TaskRecommendation};
pub use run::{
    EnrichedRun, EnrichedTask, EnrichmentSummary, FailedTask, ManifestInfo, NO_MANIFEST_DIGEST,
    ReportBytes, ReportHead, ReportSummary, Resources, RunInfo, RunMetrics, SCHEMA_VERSION,
    SourceFlags, TaskListing, Utilization, sha256_text, status_rank,
};
