//! Integration tests of the analysis: its API routes on the local stack, the timeline page rendered by headless
//! Chromium, and the run page driven in headless Chromium over the DevTools protocol.
//!
//! One test binary per area (api, enrich, analysis, faults, foundation): each links the AWS SDK once. Needs the
//! local stack: run through `make test`.

mod analysis_support;
mod api_support;
mod enrich_support;

#[path = "analysis/api.rs"]
mod api;
#[path = "analysis/run_page_chromium.rs"]
mod run_page_chromium;
#[path = "analysis/timeline_chromium.rs"]
mod timeline_chromium;
