//! Enrichment: turns a finished run into one durable, self-contained record.
//!
//! A record ([`EnrichedRun`], `schemaVersion` [`SCHEMA_VERSION`]) holds the run's metadata, parameters and
//! resource digests; every task with the manifest's record merged with the task list's (requested vs reserved
//! resources, peak and average use, utilization, queue and running time, instance, image, cache hit); counts by
//! status, wall time and task-hours; the failed tasks with reasons and log tails; and every gap as a warning.
//!
//! - [`EnrichmentBuilder`] merges the parts as they stream in, one compact row per task, and writes
//!   the record as gzip JSON incrementally ([`write_report`]): memory is the rows plus the compressed output.
//! - [`Enricher`] does one run end to end: GetRun, the manifest (waiting for a late one), the task list, failed
//!   task details, then the idempotent writes of [`crate::store`].
//! - [`pages`] draws each stored record's page for people (`report.html`), after the record is stored.
//! - [`backfill`] finds the manifests of a time window; [`reindex`] rewrites summary items from stored records
//!   (the fleet index of records written before it).
//!
//! # Idempotency
//! `enrichedAt` is the run's stop time (GetRun, else the manifest), so enriching the same run twice gives
//! byte-identical objects. A stored record for the same run and uuid with the same status and manifest digest
//! makes an enrichment write nothing; otherwise a record replaces a stored one only when it ranks higher
//! ([`EnrichmentSummary::quality`]), and the DynamoDB write carries the same rule as a condition, so concurrent
//! invocations end with one record whichever finishes first.
//!
//! # Crashes between writes
//! The writes go object, lake objects, item (unpublished), event, published flag, so a process dying between any
//! two leaves nothing a reader follows to a missing object, and the next delivery of the event completes the
//! rest; [`crash`] holds the test-only points that prove it. `Run Enriched` is delivered at least once, with an
//! `idempotencyKey` to deduplicate on (`docs/architecture.md`, "Crashes between writes").

pub mod backfill;
mod builder;
#[cfg(test)]
mod builder_tests;
mod collect;
pub mod crash;
mod enricher;
#[cfg(test)]
mod enricher_tests;
pub mod pages;
pub mod reindex;
mod rows;
mod summary;
mod writer;

pub use crate::record::{
    EnrichedRun, EnrichedTask, EnrichmentSummary, FailedTask, ManifestInfo, NO_MANIFEST_DIGEST,
    ReportBytes, ReportHead, ReportSummary, Resources, RunInfo, SCHEMA_VERSION, SourceFlags,
    TaskListing, Utilization, status_rank,
};
pub use crate::record::{ratio, round_to, seconds_between};
pub use builder::{
    BuildInputs, BuiltRecord, EnrichmentBuilder, LogTail, ManifestRead, facts_of, summary_of,
    task_log_stream, with_cost,
};
pub use collect::{
    LOG_TAIL_LINES, MAX_FAILED_DETAILS, ManifestEvidence, confirm_with_first_page, decide_listing,
    failed_details, list_tasks, log_tail, read_manifest, read_manifest_with_evidence,
};
pub use enricher::{EnrichOutcome, EnrichRequest, Enricher};
pub use writer::{decode_record, gunzip, sha256_hex, write_report};
