//! The real `aws-sdk-omics` against the HealthOmics emulator on the local stack, through the shared wrapper.
//!
//! Needs the local stack: run through `make test`.

use std::collections::HashSet;

use futures::TryStreamExt;
use omics_introspect::clients::{load_sdk_config, omics_client};
use omics_introspect::omics::{HealthOmics, ListRunsFilter, PageRequest};
use omics_introspect::time::parse_timestamp;
use omics_introspect::{Error, RunId, RunStatus, TaskId, TaskStatus};
use serde_json::Value;

async fn client() -> aws_sdk_omics::Client {
    // The stack env sets AWS_ENDPOINT_URL_OMICS to the emulator on 127.0.0.1: without the host prefix
    // interceptor every call would go to the unresolvable `workflows-127.0.0.1`.
    omics_introspect_tests::harness::stack_env("AWS_ENDPOINT_URL_OMICS");
    omics_client(&load_sdk_config().await)
}

fn fixture(run_id: &str, file: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("fixtures/runs/{run_id}/{file}"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Timestamps compare as instants: fixtures use several ISO-8601 spellings, the model writes one.
fn normalize(value: &Value) -> Value {
    match value {
        Value::String(s) if s.len() >= 19 && s.as_bytes().get(10) == Some(&b'T') => {
            match parse_timestamp(s) {
                Ok(t) => Value::String(t.timestamp_millis().to_string()),
                Err(_) => value.clone(),
            }
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

#[tokio::test]
async fn get_run_keeps_every_member() {
    let omics = HealthOmics::new(client().await);
    for run_id in ["1000001", "1000002", "1000004"] {
        let run = omics.get_run(&RunId::parse(run_id).unwrap()).await.unwrap();
        let ours = normalize(&serde_json::to_value(&run).unwrap());
        let upstream = normalize(&fixture(run_id, "run.json"));
        assert_eq!(
            ours, upstream,
            "run {run_id}: the model must keep every member, and add none"
        );
    }
    let nextflow = omics
        .get_run(&RunId::parse("1000004").unwrap())
        .await
        .unwrap();
    assert!(
        nextflow.engine_settings.is_some(),
        "Nextflow run has engineSettings"
    );
    let wdl = omics
        .get_run(&RunId::parse("1000001").unwrap())
        .await
        .unwrap();
    assert!(
        wdl.engine_settings.is_none(),
        "WDL run has no engineSettings"
    );
    let json = serde_json::to_string(&wdl).unwrap();
    assert!(
        !json.contains("null"),
        "absent members are omitted, not null: {json}"
    );
}

#[tokio::test]
async fn task_pages_return_all_250_tasks_over_3_pages() {
    let omics = HealthOmics::new(client().await);
    let pages: Vec<_> = omics
        .task_pages(&RunId::parse("1000006").unwrap(), None)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [100, 100, 50]
    );
    let ids: HashSet<String> = pages
        .into_iter()
        .flatten()
        .map(|t| t.task_id.unwrap())
        .collect();
    assert_eq!(ids.len(), 250);
    let expected: HashSet<String> = fixture("1000006", "tasks.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["taskId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn single_pages_and_filters() {
    let omics = HealthOmics::new(client().await);
    let run_id = RunId::parse("1000006").unwrap();
    let first = omics
        .list_run_tasks(
            &run_id,
            None,
            &PageRequest {
                starting_token: None,
                max_results: Some(100),
            },
        )
        .await
        .unwrap();
    assert_eq!(first.items.len(), 100);
    let second = omics
        .list_run_tasks(
            &run_id,
            None,
            &PageRequest {
                starting_token: first.next_token.clone(),
                max_results: Some(100),
            },
        )
        .await
        .unwrap();
    assert_eq!(second.items.len(), 100);
    assert_ne!(first.items[0].task_id, second.items[0].task_id);

    let failed = omics
        .list_run_tasks(
            &RunId::parse("1000002").unwrap(),
            Some(&TaskStatus::Failed),
            &PageRequest::default(),
        )
        .await
        .unwrap();
    assert!(!failed.items.is_empty());
    assert!(
        failed
            .items
            .iter()
            .all(|t| t.status == Some(TaskStatus::Failed))
    );

    let completed = omics
        .list_runs(
            &ListRunsFilter {
                status: Some(RunStatus::Completed),
                ..ListRunsFilter::default()
            },
            &PageRequest::default(),
        )
        .await
        .unwrap();
    let ids: HashSet<_> = completed
        .items
        .iter()
        .filter_map(|r| r.id.as_deref())
        .collect();
    assert!(
        ids.contains("1000001") && ids.contains("1000004"),
        "{ids:?}"
    );
    assert!(!ids.contains("1000002"), "FAILED run filtered out");
    assert!(
        completed
            .items
            .iter()
            .all(|r| r.status == Some(RunStatus::Completed))
    );
}

#[tokio::test]
async fn get_run_task_returns_failure_details() {
    let omics = HealthOmics::new(client().await);
    let run_id = RunId::parse("1000002").unwrap();
    let failed = omics
        .list_run_tasks(&run_id, Some(&TaskStatus::Failed), &PageRequest::default())
        .await
        .unwrap();
    let task_id = TaskId::parse(failed.items[0].task_id.as_deref().unwrap()).unwrap();
    let task = omics.get_run_task(&run_id, &task_id).await.unwrap();
    assert_eq!(task.status, Some(TaskStatus::Failed));
    assert!(task.failure_reason.is_some());
    assert!(task.image_details.is_some());
    assert!(task.log_stream.is_some());
}

#[tokio::test]
async fn unknown_runs_are_typed_not_found() {
    let sdk = client().await;
    let err = sdk.get_run().id("9999999999").send().await.unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception()),
        "{err:?}"
    );

    let omics = HealthOmics::new(sdk);
    let err = omics
        .get_run(&RunId::parse("9999999999").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                resource: "run",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.http_status(), 404);
    let err = omics
        .get_run_task(
            &RunId::parse("1000001").unwrap(),
            &TaskId::parse("1").unwrap(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                resource: "task",
                ..
            }
        ),
        "{err:?}"
    );
}
