//! Where enriched runs are kept, and how the world hears about them.
//!
//! - [`ReportStore`]: the full record as gzip JSON in S3 at `runs/<runId>/<uuid>/report.json.gz`; [`RunPages`]: its
//!   page for people beside it (`report.html`).
//! - [`SummaryStore`]: one DynamoDB item per run and uuid (pk `RUN#<runId>`, sk `<uuid>`), written with a
//!   condition so a duplicate, older or less complete record never replaces a stored one.
//! - [`FleetIndex`]: the fleet's global secondary indexes of that table (by workflow, stop month, batch, run
//!   group), queried newest stop time first.
//! - [`FleetViews`]: the fleet table (`FLEET_TABLE_NAME`, small by construction): [`FleetDays`], every run's
//!   fleet row filed under its stop day (the fleet summary's and the unfiltered listing's source), and
//!   [`RecentRuns`], each workflow's newest COMPLETED runs with their task groups (the profile's source).
//! - [`LiveRuns`], [`LiveBatches`]: the live table (`LIVE_TABLE_NAME`): each live run's mergeable state, its
//!   straggler watch, and each run batch's newest status.
//! - [`EventPublisher`]: the `Run Enriched` event (source `omics-introspect`) on the configured bus.
//!
//! Write order, which keeps every reader consistent: S3 object first, then the item (a reader that finds an item
//! always finds its object), then the event (the item remembers whether it was published, so a retry publishes
//! what a crash left unpublished).

mod fleet_days;
mod fleet_index;
mod fleet_item;
mod fleet_views;
mod gzip;
mod item;
mod live_batches;
mod live_runs;
mod live_watch;
mod pages;
mod publisher;
mod recent_runs;
mod reports;
mod summaries;

pub use fleet_days::{FleetDays, Listing, ListingPage, bound_day};
pub use fleet_index::{FleetIndex, IndexFilter, IndexPage, IndexPartition, Reading};
pub use fleet_item::{FLEET_VERSION, fleet_row, fleet_run, fleet_time, stop_key};
pub use fleet_views::FleetViews;
pub use item::{ReportLocation, SummaryRecord};
pub use live_batches::LiveBatches;
pub use live_runs::{LIVE_DAYS, LiveRuns, MAX_SEGMENTS, SNAP_SHARDS};
pub use pages::{RunPages, page_key};
pub use publisher::{EventPublisher, RUN_ENRICHED, RUN_ENRICHED_SOURCE, run_enriched_detail};
pub use recent_runs::RecentRuns;
pub use reports::{ReportStore, report_key};
pub use summaries::{PutOutcome, SummaryStore, WriteDecision, decide, partition_key};

/// Read-change-write attempts on one fleet table item before a writer gives up (each loss means another writer
/// changed it; with [`after_lost_race`] the attempts span about 6 s).
pub const ATTEMPTS: usize = 10;

/// Pause after losing a race on an item, before reading it again: full jitter under a ceiling that doubles per
/// attempt (25 ms, 50 ms, … 1.6 s), so the writers of one busy item (a batch whose runs finish together) spread out
/// instead of colliding again in step.
async fn after_lost_race(attempt: usize) {
    let ceiling_ms = 25_u64 << attempt.min(6);
    tokio::time::sleep(std::time::Duration::from_millis(fastrand::u64(
        0..=ceiling_ms,
    )))
    .await;
}

/// The outcome of a conditional PutItem on the table `variable` names: `true` written, `false` when the
/// condition did not hold (nothing written), any other failure classified.
fn put_held<R>(
    result: std::result::Result<
        R,
        aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError>,
    >,
    variable: &'static str,
) -> crate::error::Result<bool> {
    use aws_sdk_dynamodb::operation::put_item::PutItemError;
    unless_condition_failed(
        result,
        variable,
        PutItemError::is_conditional_check_failed_exception,
    )
    .map(|written| written.is_some())
}

/// The outcome of a conditional UpdateItem on the table `variable` names: `true` written, `false` when the
/// condition did not hold (nothing written), any other failure classified.
fn update_held<R>(
    result: std::result::Result<
        R,
        aws_sdk_dynamodb::error::SdkError<
            aws_sdk_dynamodb::operation::update_item::UpdateItemError,
        >,
    >,
    variable: &'static str,
) -> crate::error::Result<bool> {
    use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
    unless_condition_failed(
        result,
        variable,
        UpdateItemError::is_conditional_check_failed_exception,
    )
    .map(|written| written.is_some())
}

/// The output of a conditional DynamoDB write; `None` when its condition did not hold (`is_condition` tells that
/// error of the operation); any other failure classified against the table `variable` names.
fn unless_condition_failed<T, E>(
    result: std::result::Result<
        T,
        aws_sdk_dynamodb::error::SdkError<E, aws_smithy_runtime_api::http::Response>,
    >,
    variable: &'static str,
    is_condition: fn(&E) -> bool,
) -> crate::error::Result<Option<T>>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(err) if err.as_service_error().is_some_and(is_condition) => Ok(None),
        Err(err) => Err(crate::error::Error::from_sdk(
            "DynamoDB",
            err,
            crate::error::Lookup::configured(variable),
        )),
    }
}
