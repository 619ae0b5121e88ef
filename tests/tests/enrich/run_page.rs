//! The run page end to end on the stack: enrich a run, the `Run Enriched` event it sent drawn by
//! `render-run-page`'s code into `report.html` beside the record; then `GET /runs/{id}/report?format=html` serves
//! it, `GET /runs/{id}/report/link` presigns it and the URL alone (no SigV4) returns the page from S3. Before the
//! page is drawn both answer 404 saying so; a duplicated event redraws nothing.
//!
//! Needs the local stack: run through `make test`.

use crate::api_support;
use crate::enrich_support;

use std::time::Duration;

use api_support::{LocalApi, error_code};
use enrich_support::{emulator, fresh_run_id, fresh_uuid, run_event, setup};
use omics_introspect::api::ApiState;
use omics_introspect::enrich::gunzip;
use omics_introspect::enrich::pages::PageDrawer;
use omics_introspect_tests::harness::{http_request, seed_run};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

fn split_url(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").unwrap() + 3;
    let path_start = url[after_scheme..].find('/').unwrap() + after_scheme;
    (&url[..path_start], &url[path_start..])
}

#[tokio::test]
async fn the_page_is_drawn_after_the_record_and_opens_from_a_presigned_link() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let api = LocalApi::start(ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        None,
    ))
    .await;
    let run_id = fresh_run_id();
    let uuid = fresh_uuid();
    let run = generate(&SyntheticSpec {
        run_id: run_id.clone(),
        uuid: Some(uuid.clone()),
        tasks: 40,
        failed: 2,
        status: "FAILED".into(),
        seed: 11,
        ..SyntheticSpec::default()
    });
    seed_run(emu.url(), &to_seed_body(&run)).await.unwrap();
    let answer = setup
        .enricher
        .handle_event(run_event(&run_id, Some(&uuid), "FAILED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");

    // Stored, not drawn yet: 404 saying why.
    for path in [
        format!("/runs/{run_id}/report?format=html"),
        format!("/runs/{run_id}/report/link"),
    ] {
        let response = api.get(&path).await;
        assert_eq!(
            (response.status, error_code(&response).as_str()),
            (404, "NotFound"),
            "{path}"
        );
        let message = response.json().unwrap()["error"]["message"].clone();
        assert!(
            message.as_str().unwrap().contains("render-run-page"),
            "{message}"
        );
    }

    // The Run Enriched event as EventBridge delivers it: the item as stored.
    let item = enrich_support::item(&setup, &run_id, &uuid)
        .await
        .expect("stored item");
    let report = json!({
        "bucket": setup.config.reports_bucket().unwrap(),
        "key": enrich_support::s(&item, "reportKey"),
        "versionId": item.get("reportVersionId").and_then(|v| v.as_s().ok()).cloned(),
        "sha256": enrich_support::s(&item, "reportSha256"),
        "bytes": 1, "jsonBytes": 1,
    });
    let event = json!({
        "version": "0", "id": "e1", "detail-type": "Run Enriched", "source": "omics-introspect",
        "account": "123456789012", "time": "2026-12-07T00:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"runId": run_id, "uuid": uuid, "report": report},
    });
    let drawer = PageDrawer::new(&setup.clients, &setup.config).unwrap();
    let drawn = drawer.handle_event(event.clone()).await.unwrap();
    assert_eq!(
        (drawn["outcome"].as_str(), drawn["tasks"].as_u64()),
        (Some("written"), Some(40)),
        "{drawn}"
    );
    let again = drawer.handle_event(event).await.unwrap();
    assert_eq!(
        again["outcome"], "unchanged",
        "a duplicated event redraws nothing"
    );

    // Served by the API.
    let page = api.get(&format!("/runs/{run_id}/report?format=html")).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body).unwrap();
    assert!(
        html.contains("Content-Security-Policy") && html.contains(&run_id),
        "{}",
        &html[..500.min(html.len())]
    );

    // Presigned: the browser's request carries no signature header.
    let link = api
        .get(&format!("/runs/{run_id}/report/link?uuid={uuid}"))
        .await;
    assert_eq!(link.status, 200);
    let body: Value = link.json().unwrap();
    assert_eq!(body["uuid"], uuid.as_str());
    let expires =
        chrono::DateTime::parse_from_rfc3339(body["expiresAt"].as_str().unwrap()).unwrap();
    let lifetime = expires.timestamp() - chrono::Utc::now().timestamp();
    assert!(
        (800..=900).contains(&lifetime),
        "15 minutes by default: {lifetime} s"
    );
    let url = body["url"].as_str().unwrap();
    assert!(
        url.contains("X-Amz-Signature=") && url.contains("report.html"),
        "{url}"
    );
    let (base, path) = split_url(url);
    let object = http_request(base, "GET", path, None).await.unwrap();
    assert_eq!(object.status, 200);
    assert_eq!(
        object.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(object.header("content-encoding"), Some("gzip"));
    assert_eq!(
        String::from_utf8(gunzip(&object.body).unwrap()).unwrap(),
        html
    );
}
