//! The four emulated HealthOmics operations.

use std::collections::HashMap;

use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{Method, Uri};
use serde_json::{Map, Value};

use super::Emulator;
use super::errors::ApiError;
use super::pagination::{TokenKind, decode_token, encode_token, filter_key};
use super::stats::Operation;
use super::store::{RunFilter, RunSortKey};
use super::validation::{
    RUN_STATUSES, TASK_STATUSES, check_enum, check_id, check_length, parse_max_results,
};

type ApiResult = Result<Json<Value>, ApiError>;
type QueryParams = Result<Query<HashMap<String, String>>, QueryRejection>;

fn path_error(rejection: PathRejection) -> ApiError {
    ApiError::validation(format!("Invalid path parameter: {}", rejection.body_text()))
}

fn query_params(query: QueryParams) -> Result<HashMap<String, String>, ApiError> {
    query.map(|Query(params)| params).map_err(|rejection| {
        ApiError::validation(format!("Invalid query string: {}", rejection.body_text()))
    })
}

fn run_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Run {id} not found"))
}

/// `{"items": [...], "nextToken": "..."}`, the token omitted on the last page.
fn list_body(items: Vec<Value>, next_token: Option<String>) -> Json<Value> {
    let mut body = Map::new();
    body.insert("items".to_owned(), Value::Array(items));
    if let Some(token) = next_token {
        body.insert("nextToken".to_owned(), Value::String(token));
    }
    Json(Value::Object(body))
}

/// GetRun: `GET /run/{id}` returns the stored body as seeded. `export` is accepted and ignored.
pub async fn get_run(
    State(emulator): State<Emulator>,
    path: Result<Path<String>, PathRejection>,
) -> ApiResult {
    emulator.enter(Operation::GetRun).await?;
    let Path(id) = path.map_err(path_error)?;
    check_id("id", &id)?;
    let store = emulator.store();
    let run = store.run(&id).ok_or_else(|| run_not_found(&id))?;
    Ok(Json(run.body().clone()))
}

/// ListRuns: `GET /run` with filters `name` (prefix), `runGroupId`, `batchId`, `status`.
pub async fn list_runs(State(emulator): State<Emulator>, query: QueryParams) -> ApiResult {
    emulator.enter(Operation::ListRuns).await?;
    let params = query_params(query)?;
    let param = |name: &str| params.get(name).map(String::as_str);
    let max = parse_max_results(param("maxResults"))?;
    let filter = RunFilter {
        name: param("name"),
        run_group_id: param("runGroupId"),
        batch_id: param("batchId"),
        status: param("status"),
    };
    if let Some(name) = filter.name {
        check_length("name", name, 1, 128)?;
    }
    if let Some(id) = filter.run_group_id {
        check_id("runGroupId", id)?;
    }
    if let Some(id) = filter.batch_id {
        check_id("batchId", id)?;
    }
    if let Some(status) = filter.status {
        check_enum("status", status, RUN_STATUSES)?;
    }
    let key = filter_key(&[
        ("name", filter.name),
        ("runGroupId", filter.run_group_id),
        ("batchId", filter.batch_id),
        ("status", filter.status),
    ]);
    let after = match param("startingToken") {
        Some(token) => {
            let position = decode_token(TokenKind::Runs, &key, token)?;
            let sort_key = RunSortKey::from_position(&position)
                .ok_or_else(|| ApiError::validation("Invalid startingToken"))?;
            Some(sort_key)
        }
        None => None,
    };
    let (items, next) = emulator.store().list_runs(&filter, after.as_ref(), max);
    let token = next.map(|sort_key| encode_token(TokenKind::Runs, &key, &sort_key.to_position()));
    Ok(list_body(items, token))
}

/// ListRunTasks: `GET /run/{id}/task`, optionally filtered by `status`, in stored order.
pub async fn list_run_tasks(
    State(emulator): State<Emulator>,
    path: Result<Path<String>, PathRejection>,
    query: QueryParams,
) -> ApiResult {
    emulator.enter(Operation::ListRunTasks).await?;
    let Path(id) = path.map_err(path_error)?;
    check_id("id", &id)?;
    let params = query_params(query)?;
    let param = |name: &str| params.get(name).map(String::as_str);
    let max = parse_max_results(param("maxResults"))?;
    let status = param("status");
    if let Some(status) = status {
        check_enum("status", status, TASK_STATUSES)?;
    }
    let key = filter_key(&[("id", Some(&id)), ("status", status)]);
    let start = match param("startingToken") {
        Some(token) => decode_token(TokenKind::Tasks, &key, token)?
            .parse::<usize>()
            .map_err(|_| ApiError::validation("Invalid startingToken"))?,
        None => 0,
    };
    let store = emulator.store();
    let run = store.run(&id).ok_or_else(|| run_not_found(&id))?;
    let (items, next) = run.list_tasks(status, start, max);
    let token = next.map(|index| encode_token(TokenKind::Tasks, &key, &index.to_string()));
    Ok(list_body(items, token))
}

/// GetRunTask: `GET /run/{id}/task/{taskId}` returns the stored task body as seeded.
pub async fn get_run_task(
    State(emulator): State<Emulator>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult {
    emulator.enter(Operation::GetRunTask).await?;
    let Path((id, task_id)) = path.map_err(path_error)?;
    check_id("id", &id)?;
    check_id("taskId", &task_id)?;
    let store = emulator.store();
    let run = store.run(&id).ok_or_else(|| run_not_found(&id))?;
    let task = run
        .task(&task_id)
        .ok_or_else(|| ApiError::not_found(format!("Task {task_id} of run {id} not found")))?;
    Ok(Json(task.clone()))
}

/// Any method and path no operation is routed at.
pub async fn unknown_operation(method: Method, uri: Uri) -> ApiError {
    ApiError::unknown_operation(format!("No operation matches {method} {}", uri.path()))
}
