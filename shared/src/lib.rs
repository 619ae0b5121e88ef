//! omics-introspect shared library: everything the Lambda functions have in common.
//!
//! - [`config`]: configuration read once from the environment at cold start.
//! - [`clients`]: AWS clients built from one `aws-config` load, honouring `AWS_ENDPOINT_URL*`.
//! - [`record`]: the record layer at the bottom: the enriched run, the analysis results, validated ids
//!   ([`ids`], re-exported from [`record::ids`]) and the maths helpers. No AWS, no HTTP.
//! - [`status`], [`time`]: status enums and ISO-8601 timestamps; [`spool`]: large outputs held in a temporary file
//!   until they are uploaded.
//! - [`omics`]: the HealthOmics wrapper (runs and tasks) and its domain models.
//! - [`manifest`]: a streaming reader of the run manifest HealthOmics writes to CloudWatch Logs.
//! - [`error`]: the one error enum, with its mapping to HTTP status codes.
//! - [`logging`]: structured JSON logs.
//! - [`events`]: the HealthOmics EventBridge events (`Run Status Change`).
//! - [`enrich`]: turns a finished run into an enriched record; [`store`] keeps it (S3, DynamoDB, EventBridge).
//! - [`lake`]: every stored run also as Parquet (runs and tasks tables) for Athena and DuckDB.
//! - [`metrics`]: CloudWatch Embedded Metric Format lines (enrichment figures, cold starts).
//! - [`api`]: the HTTP API glue: routes, handlers, cursors, error responses.
//! - [`iam`]: the IAM actions each Lambda function calls (checked against `template.yaml`).
//! - [`analysis`]: cost, right-sizing, failure diagnosis, the timeline and run comparison: pure, on records.
//!
//! Dependencies point down only (`shared/tests/layers.rs` checks it): `time`, `status`, `spool` → `record` → `analysis`
//! → `error`, `config`, `clients`, `metrics`, `logging` → `omics`, `manifest`, `events` → `store`, `lake` →
//! `enrich` → `api` → `iam`.

pub mod analysis;
pub mod api;
pub mod clients;
pub mod config;
pub mod enrich;
pub mod error;
pub mod events;
pub mod iam;
pub mod lake;
pub mod live;
pub mod logging;
pub mod manifest;
pub mod metrics;
pub mod omics;
pub mod pricing;
pub mod record;
pub mod spool;
pub mod status;
pub mod store;
pub mod time;
pub mod track;

pub use clients::AwsClients;
pub use config::Config;
pub use error::{Error, Result};
pub use record::ids;
pub use record::{RunGroupId, RunId, RunUuid, TaskId};
pub use status::{RunStatus, TaskStatus};
