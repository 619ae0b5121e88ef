//! Where enriched runs are kept, and how the world hears about them.
//!
//! - [`ReportStore`]: the full record as gzip JSON in S3 at `runs/<runId>/<uuid>/report.json.gz`.
//! - [`SummaryStore`]: one DynamoDB item per run and uuid (pk `RUN#<runId>`, sk `<uuid>`), written with a
//!   condition so a duplicate, older or less complete record never replaces a stored one.
//! - [`FleetIndex`]: the fleet's global secondary indexes of that table (by workflow, stop month, batch, run
//!   group), queried newest stop time first.
//! - [`FleetDays`]: every run's fleet row filed under its stop day (`FLEETDAY#<yyyy>` items of that table), the
//!   fleet summary's source.
//! - [`EventPublisher`]: the `Run Enriched` event (source `omics-introspect`) on the configured bus.
//!
//! Write order, which keeps every reader consistent: S3 object first, then the item (a reader that finds an item
//! always finds its object), then the event (the item remembers whether it was published, so a retry publishes
//! what a crash left unpublished).

mod fleet_days;
mod fleet_index;
mod fleet_item;
mod item;
mod publisher;
mod reports;
mod summaries;

pub use fleet_days::FleetDays;
pub use fleet_index::{
    FleetIndex, IndexFilter, IndexPage, IndexPartition, Reading, months_between,
};
pub use fleet_item::{FLEET_VERSION, fleet_row, fleet_time, stop_key, stop_month};
pub use item::{ReportLocation, SummaryRecord};
pub use publisher::{EventPublisher, RUN_ENRICHED, RUN_ENRICHED_SOURCE, run_enriched_detail};
pub use reports::{ReportStore, report_key};
pub use summaries::{PutOutcome, SummaryStore, WriteDecision, decide, partition_key};

/// The outcome of a conditional PutItem on the runs table: `true` written, `false` when the condition did not
/// hold (nothing written), any other failure classified.
fn put_held<R>(
    result: std::result::Result<
        R,
        aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError>,
    >,
) -> crate::error::Result<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(err) => Err(crate::error::Error::from_sdk(
            "DynamoDB",
            err,
            crate::error::Lookup::configured(crate::config::vars::RUNS_TABLE_NAME),
        )),
    }
}
