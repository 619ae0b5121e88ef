//! HealthOmics material written by third parties (`../shared/reference/real-world/`, beside the repository; see
//! its README and SOURCES) through our parsers, models and routes:
//!
//! - `manifests`: every manifest parses with no record lost, each task's numbers equal its line's, and the real
//!   run's 50 scatter shards form one right-sizing group.
//! - `model_check`: every output member and enum value of GetRun, GetRunTask, RunListItem and TaskListItem in
//!   the botocore service model is kept by our models; the published API samples parse.
//! - `routes`: the lookup routes pass every member through, end to end (SDK → model → HTTP) against a private
//!   emulator.
//! - `backfill`: a record built from the real manifest alone (GetRun 404) carries the lines' per-task numbers.
//!   Needs the local stack (moto): run through `make test`.
//! - `events`: the EventBridge samples are enriched or ignored cleanly.
//!
//! The folder is read, never copied into the repository; a missing folder fails every test with its path.

mod backfill;
mod corpus;
mod events;
mod manifests;
mod model_check;
mod routes;
