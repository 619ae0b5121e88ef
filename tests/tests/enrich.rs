//! Integration tests of enrichment against moto and the emulator: EventBridge events, the report and manifest
//! routes, the fleet routes over enriched runs, large runs, and manifests that arrive late.
//!
//! One test binary per area (api, enrich, analysis, faults, foundation): each links the AWS SDK once. Needs the
//! local stack: run through `make test`.

mod api_support;
mod enrich_support;

#[path = "enrich/api.rs"]
mod api;
#[path = "enrich/events.rs"]
mod events;
#[path = "enrich/fleet.rs"]
mod fleet;
#[path = "enrich/large.rs"]
mod large;
#[path = "enrich/late_manifest.rs"]
mod late_manifest;
#[path = "enrich/live_progress.rs"]
mod live_progress;
#[path = "enrich/live_store.rs"]
mod live_store;
#[path = "enrich/pricing.rs"]
mod pricing;
#[path = "enrich/quota.rs"]
mod quota;
#[path = "enrich/run_page.rs"]
mod run_page;
