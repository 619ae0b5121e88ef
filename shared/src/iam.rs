//! The IAM actions each Lambda function needs: the single source its policy in `template.yaml` is checked against.
//!
//! # The rule
//!
//! 1. Every AWS call lives in a wrapper of this crate ([`crate::omics::HealthOmics`],
//!    [`crate::manifest::ManifestPages`], [`crate::store`], ...). Right above the wrapper, one `pub const` per
//!    IAM action the call needs names it (associated for a method, module-level for a free function), e.g.
//!    `pub const GET_RUN: &str = "omics:GetRun";` above `HealthOmics::get_run`. An operation may need more than
//!    one action (`GetObject` of a given version needs `s3:GetObject` and `s3:GetObjectVersion`); an action used
//!    by several methods of one type is declared once, above the first (`ManifestPages::GET_LOG_EVENTS` also
//!    covers the log tails of [`crate::enrich::log_tail`]).
//! 2. [`actions`] lists, for each Lambda function (by binary name, as in `functions/<name>`), the constants of
//!    every wrapper method that function can reach, and nothing else: an API function's come from its entry in
//!    the route table ([`crate::api::ROUTES`]), `enrich-run`'s are below. Two call sites may need the same action
//!    (`s3:GetObject` of a record and of the price table): each keeps its constant, and the list may then name
//!    an action twice.
//! 3. Each function's `Policies` in `template.yaml` grant exactly those actions (as a set), on the narrowest
//!    resources (HealthOmics runs and tasks of the account and region, the HealthOmics log group's streams, the
//!    stack's own table, bucket and bus).
//!
//! `tests/tests/template_consistency.rs` checks 3 against 2, that every function of the template is listed here
//! and vice versa, and that every SDK operation called in `shared/src` and `functions/*/src` is covered by a
//! declared action ([`actions`] or [`CLI_ONLY`]), so a new call without a constant fails the build's tests.
//! Whether a function really reaches a method (2) is for review: when you make a function call a new wrapper
//! method, add that method's constants to the function's list here and the actions to its policy.
//!
//! What the template grants besides (SAM adds it, the code never names it): the Lambda basic execution role
//! (writing the function's own logs), X-Ray segments (`Tracing: Active`), and `sqs:SendMessage` on the
//! dead-letter queue of `enrich-run` (its `EventInvokeConfig` destination). `pricing:GetProducts` has no
//! resource-level permissions: it is granted on `*`.

use crate::analysis::prices;
use crate::api::ROUTES;
use crate::enrich::backfill;
use crate::lake::LakeStore;
use crate::manifest::ManifestPages;
use crate::omics::HealthOmics;
use crate::pricing::PriceList;
use crate::store::{
    EventPublisher, FleetDays, LiveBatches, LiveRuns, RecentRuns, ReportStore, RunPages,
    SummaryStore,
};

/// The function that is not behind an API route: it enriches finished runs (EventBridge).
pub const ENRICH_RUN_FUNCTION: &str = "enrich-run";
/// The function that follows live runs (SQS batches of HealthOmics events).
pub const TRACK_RUN_FUNCTION: &str = "track-run";
/// The function that draws each stored record's page (`Run Enriched` events of the stack's bus).
pub const RENDER_RUN_PAGE_FUNCTION: &str = "render-run-page";

/// Every Lambda function the stack deploys, by binary name: the API functions of [`ROUTES`], then `enrich-run`,
/// `track-run` and `render-run-page`.
pub fn functions() -> Vec<&'static str> {
    let mut functions: Vec<&'static str> = Vec::new();
    // A function may serve several routes (`query-fleet`): listed once, in route order.
    for route in ROUTES {
        if !functions.contains(&route.function) {
            functions.push(route.function);
        }
    }
    functions.push(ENRICH_RUN_FUNCTION);
    functions.push(TRACK_RUN_FUNCTION);
    functions.push(RENDER_RUN_PAGE_FUNCTION);
    functions
}

/// Actions called only from command line modes, which run with the operator's credentials, never in Lambda:
/// `enrich-run backfill` lists the manifest streams of a time window; `enrich-run reindex` scans the runs table.
pub const CLI_ONLY: &[&str] = &[backfill::DESCRIBE_LOG_STREAMS, SummaryStore::SCAN];

/// GetRun, the manifest and the log tails of failed tasks (GetLogEvents), the task list, failed task details, the
/// run region's prices (GetProducts; the `PRICES_URI` object instead when one is named), then the writes: object,
/// its data lake copies, conditional item, its fleet table views (day bucket and recent runs: read, then a conditional put), event, published flag; a writer that lost a race deletes its version.
const ENRICH_RUN: &[&str] = &[
    HealthOmics::GET_RUN,
    HealthOmics::LIST_RUN_TASKS,
    HealthOmics::GET_RUN_TASK,
    ManifestPages::GET_LOG_EVENTS,
    PriceList::GET_PRODUCTS,
    prices::GET_OBJECT,
    SummaryStore::GET_ITEM,
    SummaryStore::PUT_ITEM,
    SummaryStore::UPDATE_ITEM,
    FleetDays::QUERY,
    FleetDays::PUT_ITEM,
    RecentRuns::GET_ITEM,
    RecentRuns::PUT_ITEM,
    ReportStore::PUT_OBJECT,
    ReportStore::DELETE_OBJECT_VERSION,
    LakeStore::PUT_OBJECT,
    EventPublisher::PUT_EVENTS,
];

/// A batch's segments, the HEAD counters and lease, the compaction's read and its removal of folded segments;
/// the straggler watch (the check's claim on HEAD, marker items put and, when sending fails, deleted; the names
/// of running tasks; the workflow's recent runs) and its announcements; the batches' status and their claim.
const TRACK_RUN: &[&str] = &[
    LiveRuns::PUT_ITEM,
    LiveRuns::UPDATE_ITEM,
    LiveRuns::QUERY,
    LiveRuns::DELETE_ITEM,
    LiveBatches::UPDATE_ITEM,
    HealthOmics::LIST_RUN_TASKS,
    RecentRuns::GET_ITEM,
    EventPublisher::PUT_EVENTS,
];

/// The record an event names (exactly that version), whether its page was drawn from it (HEAD, which S3 grants
/// with `s3:GetObject`), and the page.
const RENDER_RUN_PAGE: &[&str] = &[
    ReportStore::GET_OBJECT,
    ReportStore::GET_OBJECT_VERSION,
    RunPages::GET_OBJECT,
    RunPages::PUT_OBJECT,
];

/// The IAM actions `function` (a binary name from [`functions`]) calls: its route's actions ([`ROUTES`]), or
/// `enrich-run`'s; `None` for anything that is not a deployed Lambda function (`local-api`, the test binaries).
pub fn actions(function: &str) -> Option<&'static [&'static str]> {
    if function == ENRICH_RUN_FUNCTION {
        return Some(ENRICH_RUN);
    }
    if function == TRACK_RUN_FUNCTION {
        return Some(TRACK_RUN);
    }
    if function == RENDER_RUN_PAGE_FUNCTION {
        return Some(RENDER_RUN_PAGE);
    }
    ROUTES
        .iter()
        .find(|route| route.function == function)
        .map(|route| route.actions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_actions_and_nothing_else_does() {
        for function in functions() {
            let list = actions(function).unwrap_or_else(|| panic!("{function} has no actions"));
            assert!(!list.is_empty(), "{function}");
        }
        assert_eq!(actions("local-api"), None);
        assert_eq!(actions("omics-emulator"), None);
    }

    #[test]
    fn actions_are_service_colon_name() {
        let all = functions()
            .into_iter()
            .flat_map(|f| actions(f).unwrap_or_default())
            .chain(CLI_ONLY);
        for action in all {
            let (service, name) = action.split_once(':').expect("service:Action");
            assert!(
                ["omics", "logs", "dynamodb", "s3", "events", "pricing"].contains(&service),
                "{action}"
            );
            assert!(
                name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{action}"
            );
        }
    }
}
