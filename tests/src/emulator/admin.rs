//! The `/_emulator/` control routes: seeding, reset, faults and stats.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::Emulator;
use super::errors::ApiError;
use super::faults::FaultConfig;
use super::seed::{SeedRequest, SeedSummary};

/// Reads a JSON body; any failure (too large, unreadable, not JSON, wrong shape) is an error response with a
/// message, never a panic or an empty 4xx.
fn json_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, ApiError> {
    let bytes = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "ValidationException",
            format!("Unreadable body: {}", rejection.body_text()),
        )
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|err| ApiError::validation(format!("Invalid JSON body: {err}")))
}

/// `POST /_emulator/runs`: seeds one run (replacing any with the same id); 201 with a [`SeedSummary`].
pub async fn seed_run(
    State(emulator): State<Emulator>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<SeedSummary>), ApiError> {
    let request: SeedRequest = json_body(body)?;
    let summary = emulator.seed(request).await?;
    tracing::info!(run_id = %summary.run_id, tasks = summary.tasks, manifest_events = summary.manifest_events, "seeded run");
    Ok((StatusCode::CREATED, Json(summary)))
}

/// `POST /_emulator/reset`: empties the store, clears faults and stats.
pub async fn reset(State(emulator): State<Emulator>) -> Json<Value> {
    emulator.reset();
    Json(json!({ "runs": 0 }))
}

/// `POST /_emulator/faults`: replaces the fault settings (`{}` clears them) and returns them.
pub async fn set_faults(
    State(emulator): State<Emulator>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<FaultConfig>, ApiError> {
    let config: FaultConfig = json_body(body)?;
    config.validate()?;
    emulator.faults().set(config.clone());
    Ok(Json(config))
}

/// `GET /_emulator/faults`: the current fault settings.
pub async fn get_faults(State(emulator): State<Emulator>) -> Json<FaultConfig> {
    Json(emulator.faults().config())
}

/// `GET /_emulator/stats`: request counters per operation, fault counters, and `quotaThrottled` (requests the
/// quota refused, per operation; they are counted as requests too).
pub async fn get_stats(State(emulator): State<Emulator>) -> Json<Value> {
    Json(stats_snapshot(&emulator))
}

/// `POST /_emulator/stats/reset`: zeroes the counters and returns them.
pub async fn reset_stats(State(emulator): State<Emulator>) -> Json<Value> {
    emulator.stats().reset();
    emulator.faults().quota().reset_counters();
    Json(stats_snapshot(&emulator))
}

fn stats_snapshot(emulator: &Emulator) -> Value {
    let mut snapshot = emulator.stats().snapshot();
    snapshot["quotaThrottled"] = emulator.faults().quota().snapshot();
    snapshot
}

/// `GET /_emulator/health`: liveness plus the number of stored runs.
pub async fn health(State(emulator): State<Emulator>) -> Json<Value> {
    Json(json!({ "runs": emulator.run_count() }))
}
