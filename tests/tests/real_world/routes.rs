//! The lookup routes pass every member of the botocore model through, end to end: a private emulator answers with
//! bodies holding every member, the SDK parses them, our models carry them and the routes serve them.

use std::time::Duration;

use omics_introspect_tests::harness::seed_run;
use serde_json::{Value, json};

use super::model_check::{ServiceModel, assert_members_kept};
use crate::api_support::{LocalApi, emulator_state};
use crate::enrich_support::emulator;

const RUN_ID: &str = "7100001";
const TASK_ID: &str = "7100002";

fn with_ids(mut body: Value, ids: &[(&str, &str)]) -> Value {
    for (member, value) in ids {
        body[*member] = json!(value);
    }
    body
}

#[tokio::test]
async fn lookup_routes_pass_every_model_member_through() {
    let model = ServiceModel::load();
    let get_run = with_ids(
        model.sample("GetRunResponse"),
        &[("id", RUN_ID), ("runId", RUN_ID)],
    );
    let get_task = with_ids(model.sample("GetRunTaskResponse"), &[("taskId", TASK_ID)]);
    let run_item = with_ids(model.sample("RunListItem"), &[("id", RUN_ID)]);
    let task_item = with_ids(model.sample("TaskListItem"), &[("taskId", TASK_ID)]);

    // The emulator's GetRun body also carries what only ListRuns returns (workflowName), to project from.
    let mut seeded_run = get_run.clone();
    for (member, value) in run_item.as_object().unwrap() {
        seeded_run
            .as_object_mut()
            .unwrap()
            .entry(member.clone())
            .or_insert(value.clone());
    }
    let emulator = emulator(false).await;
    seed_run(
        emulator.url(),
        &json!({"run": seeded_run, "tasks": [get_task]}),
    )
    .await
    .unwrap();
    let api = LocalApi::start(emulator_state(emulator.url(), Duration::from_secs(30)).await).await;

    let body = |path: &'static str| {
        let api = &api;
        async move {
            let response = api.get(path).await;
            assert_eq!(
                response.status,
                200,
                "{path}: {}",
                String::from_utf8_lossy(&response.body)
            );
            response.json().unwrap()
        }
    };
    assert_members_kept("GET /runs/{id}", &get_run, &body("/runs/7100001").await);
    assert_members_kept(
        "GET /runs/{id}/tasks/{taskId}",
        &get_task,
        &body("/runs/7100001/tasks/7100002").await,
    );
    let runs = body("/runs").await;
    let listed = runs["items"].as_array().expect("items");
    assert_eq!(listed.len(), 1, "{runs}");
    assert_members_kept("GET /runs items", &run_item, &listed[0]);
    let tasks = body("/runs/7100001/tasks").await;
    let listed = tasks["items"].as_array().expect("items");
    assert_eq!(listed.len(), 1, "{tasks}");
    assert_members_kept("GET /runs/{id}/tasks items", &task_item, &listed[0]);
}
