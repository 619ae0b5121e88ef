//! `GET /runs/{runId}/report` and `GET /runs/{runId}/manifest` on a real socket (local-api's router in-process),
//! against moto and a private emulator.
//!
//! Needs the local stack: run through `make test`.

use crate::api_support;
use crate::enrich_support;

use std::collections::HashSet;
use std::time::Duration;

use api_support::{LocalApi, TEST_CURSOR_SECRET, error_code};
use enrich_support::{emulator, run_event, setup};
use omics_introspect::api::{ApiState, CursorKey};
use omics_introspect::enrich::gunzip;
use omics_introspect_tests::harness::{http_request, reset, seed_run};
use omics_introspect_tests::synthetic::{SyntheticRun, SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

fn spec(run_id: &str, uuid: &str, tasks: usize) -> SyntheticSpec {
    SyntheticSpec {
        run_id: run_id.into(),
        uuid: Some(uuid.into()),
        tasks,
        seed: 7,
        ..SyntheticSpec::default()
    }
}

fn manifest_task_ids(run: &SyntheticRun) -> HashSet<String> {
    run.manifest[1..]
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|v| {
            v["arn"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn report_route_serves_stored_records_without_healthomics() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let state = ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        Some(CursorKey::new(TEST_CURSOR_SECRET).unwrap()),
    );
    let api = LocalApi::start(state).await;

    // A fresh id: on a long-lived stack, records of earlier test runs must not compete for "latest".
    let run_id = &enrich_support::fresh_run_id();
    let old_uuid = enrich_support::fresh_uuid();
    let new_uuid = enrich_support::fresh_uuid();
    let old = generate(&spec(run_id, &old_uuid, 20));
    let mut new = generate(&spec(run_id, &new_uuid, 30));
    new.run["creationTime"] = json!("2031-01-01T00:00:00.000Z");

    let never = api.get("/runs/8400099/report").await;
    assert_eq!(never.status, 404, "never enriched");
    assert_eq!(error_code(&never), "NotFound");

    for (run, uuid) in [(&old, &old_uuid), (&new, &new_uuid)] {
        seed_run(emu.url(), &to_seed_body(run)).await.unwrap();
        let answer = setup
            .enricher
            .handle_event(run_event(run_id, Some(uuid), "COMPLETED"))
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "written");
    }
    // HealthOmics forgets both runs: the report route never asks it.
    reset(emu.url()).await.unwrap();

    let latest = api.get(&format!("/runs/{run_id}/report")).await;
    assert_eq!(latest.status, 200);
    assert_eq!(latest.header("content-type"), Some("application/json"));
    let body = latest.json().unwrap();
    assert_eq!(
        body["uuid"],
        new_uuid.as_str(),
        "default: the latest run with this id"
    );
    assert_eq!(body["schemaVersion"], 1);
    assert_eq!(body["tasks"].as_array().unwrap().len(), 30);

    let picked = api
        .get(&format!("/runs/{run_id}/report?uuid={old_uuid}"))
        .await;
    assert_eq!(picked.status, 200);
    assert_eq!(
        picked.json().unwrap()["tasks"].as_array().unwrap().len(),
        20
    );

    for (path, status, code) in [
        (
            format!("/runs/{run_id}/report?uuid=00000000-0000-4000-8000-000000000000"),
            404,
            "NotFound",
        ),
        (
            format!("/runs/{run_id}/report?uuid=a/b"),
            400,
            "InvalidParameter",
        ),
        (
            format!("/runs/{run_id}/report?limit=3"),
            400,
            "InvalidParameter",
        ),
        ("/runs/abc/report".to_owned(), 400, "InvalidParameter"),
    ] {
        let response = api.get(&path).await;
        assert_eq!(response.status, status, "{path}");
        assert_eq!(error_code(&response), code, "{path}");
    }
}

#[tokio::test]
async fn large_reports_redirect_to_a_presigned_url() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let state = ApiState::new(setup.clients.clone(), setup.config.clone(), None);
    let api = LocalApi::start(state).await;
    let uuid = enrich_support::fresh_uuid();
    let run = generate(&spec("8400002", &uuid, 8000));
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();
    drop(run);
    let answer = setup
        .enricher
        .handle_event(run_event("8400002", Some(&uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written");

    // Pinned to this uuid: the run id is reused by every run of this test against the same stack.
    let response = api.get(&format!("/runs/8400002/report?uuid={uuid}")).await;
    assert_eq!(response.status, 303);
    let location = response.header("location").unwrap().to_owned();
    let body = response.json().unwrap();
    assert_eq!(body["url"], location.as_str());
    assert_eq!(body["summary"]["taskCount"], 8000);

    // The URL serves the gzip record.
    let (base, path) = split_url(&location);
    let object = http_request(base, "GET", path, None).await.unwrap();
    assert_eq!(object.status, 200);
    assert_eq!(object.header("content-encoding"), Some("gzip"));
    let record: Value = serde_json::from_slice(&gunzip(&object.body).unwrap()).unwrap();
    assert_eq!(record["tasks"].as_array().unwrap().len(), 8000);
}

fn split_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").unwrap() + 3;
    let path_start = url[after_scheme..].find('/').unwrap() + after_scheme;
    (&url[..path_start], &url[path_start..])
}

#[tokio::test]
async fn manifest_route_pages_through_the_live_manifest() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let state = ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        Some(CursorKey::new(TEST_CURSOR_SECRET).unwrap()),
    );
    let api = LocalApi::start(state).await;
    let uuid = enrich_support::fresh_uuid();
    let run = generate(&SyntheticSpec {
        malformed_lines: 2,
        ..spec("8400003", &uuid, 250)
    });
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();

    // uuid from GetRun, pages of 100.
    let mut seen = Vec::new();
    let mut path = "/runs/8400003/manifest?limit=100".to_owned();
    let mut pages = 0;
    loop {
        let response = api.get(&path).await;
        assert_eq!(
            response.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&response.body)
        );
        let body = response.json().unwrap();
        assert_eq!(body["uuid"], uuid.as_str());
        assert_eq!(body["stream"], format!("manifest/run/8400003/{uuid}"));
        assert_eq!(
            body.get("run").is_some(),
            pages == 0,
            "the run record on the first page only"
        );
        pages += 1;
        for task in body["tasks"].as_array().unwrap() {
            seen.push(task["taskId"].as_str().unwrap().to_owned());
        }
        match body["nextCursor"].as_str() {
            Some(cursor) => path = format!("/runs/8400003/manifest?limit=100&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 10, "paging must end");
    }
    assert_eq!(pages, 3, "248 readable task records in pages of 100");
    assert_eq!(seen.len(), 248, "two lines are malformed");
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no task twice across pages");
    assert!(unique.is_subset(&manifest_task_ids(&run)));

    // Explicit uuid; a cursor is bound to its run and uuid.
    let first = api
        .get(&format!("/runs/8400003/manifest?uuid={uuid}&limit=5"))
        .await;
    assert_eq!(first.status, 200);
    let first = first.json().unwrap();
    assert_eq!(first["tasks"].as_array().unwrap().len(), 5);
    let cursor = first["nextCursor"].as_str().unwrap();
    let other = enrich_support::fresh_uuid();
    let wrong = api
        .get(&format!(
            "/runs/8400003/manifest?uuid={other}&cursor={cursor}"
        ))
        .await;
    assert_eq!(wrong.status, 400);

    let missing = api
        .get(&format!("/runs/8400003/manifest?uuid={other}"))
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(error_code(&missing), "NotFound");
    let unknown_run = api.get("/runs/8400098/manifest").await;
    assert_eq!(unknown_run.status, 404);
    let bad_limit = api.get("/runs/8400003/manifest?limit=0").await;
    assert_eq!(bad_limit.status, 400);
}
