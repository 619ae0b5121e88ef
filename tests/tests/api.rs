//! Integration tests of the HTTP API on a real socket (local-api's router in-process) against the local stack:
//! every route's happy path and 4xx answers, pagination, and the API under emulator faults.
//!
//! One test binary per area (api, enrich, analysis, faults, foundation): each links the AWS SDK once. Needs the
//! local stack: run through `make test`.

mod api_support;

#[path = "api/faults.rs"]
mod faults;
#[path = "api/pagination.rs"]
mod pagination;
#[path = "api/routes.rs"]
mod routes;
