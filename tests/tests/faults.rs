//! Fault and security tests: the API and enrichment under throttling, errors and latency from the emulator, and
//! what a hostile request or record cannot do.
//!
//! One test binary per area (api, enrich, analysis, faults, foundation): each links the AWS SDK once. Needs the
//! local stack: run through `make test`.

mod api_support;
mod enrich_support;

#[path = "faults/api.rs"]
mod api;
#[path = "faults/crash_points.rs"]
mod crash_points;
#[path = "faults/enrich.rs"]
mod enrich;
#[path = "faults/security.rs"]
mod security;
