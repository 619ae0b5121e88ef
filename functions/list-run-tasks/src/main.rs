//! `list-run-tasks`: the Lambda function behind `GET /runs/{runId}/tasks` (API Gateway HTTP API, payload v2).
//!
//! Wiring only: [`omics_introspect::api::serve_function`] builds the state its route needs once at cold start (a
//! missing setting stops it, named) and serves its router; the handler and everything around it live in
//! `omics_introspect::api`.

use lambda_http::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    omics_introspect::logging::init();
    omics_introspect::api::serve_function("list-run-tasks").await
}
