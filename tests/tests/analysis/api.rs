//! The analysis sections of enriched reports, `GET /runs/{runId}/timeline` and `GET /runs/{a}/compare/{b}`, end to
//! end: fixture runs (under fresh uuids) enriched against moto and a private emulator, then read through
//! local-api's router on a real socket. Every expected number is computed by hand from the fixtures in the
//! comments, with the bundled us-east-1 prices (omics.c.large 0.1148, omics.c.4xlarge 0.918, omics.m.large 0.1296
//! USD/hour; STATIC run storage 0.0001918, DYNAMIC 0.000411 USD/GiB-hour).
//!
//! Needs the local stack: run through `make test`.

use crate::api_support;
use crate::enrich_support;

use std::time::Duration;

use api_support::{LocalApi, TEST_CURSOR_SECRET, error_code};
use enrich_support::{emulator, fresh_uuid, root, run_event, setup};
use omics_introspect::api::{ApiState, CursorKey};
use omics_introspect_tests::harness::seed_run;
use serde_json::{Value, json};

/// Seeds fixture `run_id` into the emulator under a fresh uuid (so reruns on a long-lived stack never meet an
/// older record) and returns the uuid.
pub(crate) async fn seed_fixture(emulator_url: &str, run_id: &str) -> String {
    let dir = root().join("tests/fixtures/runs").join(run_id);
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    let run: Value = serde_json::from_str(&read("run.json")).unwrap();
    let old = run["uuid"].as_str().unwrap().to_owned();
    let uuid = fresh_uuid();
    let swap = |text: String| text.replace(&old, &uuid);
    let body = json!({
        "run": serde_json::from_str::<Value>(&swap(read("run.json"))).unwrap(),
        "tasks": serde_json::from_str::<Value>(&swap(read("tasks.json"))).unwrap(),
        "manifest": swap(read("manifest.jsonl")).lines().collect::<Vec<_>>(),
    });
    seed_run(emulator_url, &body).await.unwrap();
    uuid
}

fn group<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["rightsizing"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["baseName"] == name)
        .unwrap_or_else(|| panic!("no group {name}"))
}

#[tokio::test]
async fn reports_timelines_and_comparisons() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(5)).await;
    let mut uuids = std::collections::HashMap::new();
    for (run_id, status) in [
        ("1000001", "COMPLETED"),
        ("1000002", "FAILED"),
        ("1000004", "COMPLETED"),
    ] {
        let uuid = seed_fixture(emu.url(), run_id).await;
        let answer = setup
            .enricher
            .handle_event(run_event(run_id, Some(&uuid), status))
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "written", "{run_id}: {answer}");
        uuids.insert(run_id, uuid);
    }
    let state = ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        Some(CursorKey::new(TEST_CURSOR_SECRET).unwrap()),
    );
    let api = LocalApi::start(state).await;
    let report = |run_id: &'static str| {
        let path = format!("/runs/{run_id}/report?uuid={}", uuids[run_id]);
        let api = &api;
        async move {
            let response = api.get(&path).await;
            assert_eq!(response.status, 200, "{path}");
            response.json().unwrap()
        }
    };

    // 1000002, FAILED, every type priced.
    // c.large billed: 200 + 60 (24 s, the minimum) + 274 + 237 + 455 + 431 = 1657 s; c.4xlarge: 1850 + 2320
    // (cancelled, still billed) + 1700 = 5870 s; ValidateSamFile-0-1 never started.
    // 0.1148 × 1657 / 3600 + 0.918 × 5870 / 3600 = 0.0528399 + 1.49685 = 1.5496899 → 1.54969.
    // Storage: STATIC 1200 GiB × 2748 s / 3600 × 0.0001918 = 0.1756888 → 0.175689. Total 1.725379.
    let failed = report("1000002").await;
    let cost = &failed["cost"];
    assert_eq!(cost["compute"]["usd"], json!(1.54969));
    assert_eq!(cost["compute"]["notStartedTasks"], 1);
    assert_eq!(cost["compute"]["minimumBilledTasks"], 1);
    assert_eq!(cost["storage"]["usd"], json!(0.175689));
    assert_eq!(cost["storage"]["billedGiB"], json!(1200.0));
    assert_eq!(cost["totalUsd"], json!(1.725379));
    assert_eq!(cost["complete"], true);
    assert!(
        cost["basis"]
            .as_str()
            .unwrap()
            .starts_with("total = compute $1.54969"),
        "{cost}"
    );
    // MergeBamAlignment peaked at 2 vCPU / 3.9531 GiB on c.large (2, 4): need 3 / 5 → omics.c.xlarge, an upsize
    // whose price is not bundled. BwaMem peaked at 12.08 / 16.6629: need 14 / 19 → omics.c.4xlarge, kept.
    let merge = group(&failed, "MergeBamAlignment");
    assert_eq!(merge["action"], "upsize");
    assert_eq!(merge["recommendedInstanceType"], "omics.c.xlarge");
    assert_eq!(merge["savingsUsd"], Value::Null);
    assert_eq!(group(&failed, "BwaMem")["action"], "keep");
    let diagnosis = &failed["diagnosis"];
    assert_eq!(diagnosis["failedTaskCount"], 1);
    assert_eq!(diagnosis["firstFailureTaskId"], "6200033");
    let first = &diagnosis["tasks"][0];
    assert_eq!(first["name"], "MergeBamAlignment-1-1");
    assert_eq!(first["first"], true);
    assert_eq!(first["class"], "outOfMemory");
    assert_eq!(first["exitCode"], 137);
    assert!(
        first["nextStep"]
            .as_str()
            .unwrap()
            .contains("double it to 8 GiB"),
        "{first}"
    );
    assert_eq!(diagnosis["runFailureReason"], "WORKFLOW_RUN_FAILED");

    // 1000001, COMPLETED: omics.r.xlarge and omics.m.2xlarge have no bundled price, so no total.
    // Storage: 1200 GiB × 12814.859 s / 3600 × 0.0001918 = 0.8192967 → 0.819297.
    // The GPU task: 1.6362 × 711.524 s / 3600 = 0.3233877 → 0.323388. The cached task costs nothing.
    let completed = report("1000001").await;
    let cost = &completed["cost"];
    assert_eq!(cost["storage"]["usd"], json!(0.819297));
    assert_eq!(cost["totalUsd"], Value::Null);
    assert_eq!(cost["compute"]["cachedTasks"], 1);
    assert_eq!(cost["compute"]["unpricedTasks"], 2);
    let gpu = cost["compute"]["mostExpensive"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "DeepVariantGpu-0-1")
        .unwrap();
    assert_eq!(gpu["usd"], json!(0.323388));
    assert_eq!(group(&completed, "DeepVariantGpu")["action"], "keepGpu");
    // Price gaps are the cost section's warnings, not gaps in the record.
    let warnings: Vec<&str> = cost["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("no price in us-east-1 for ")
                && w.contains("omics.m.2xlarge (1 task(s))")),
        "{warnings:?}"
    );
    assert!(
        completed["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| !w.as_str().unwrap().contains("no price")),
        "{}",
        completed["warnings"]
    );
    assert!(completed.get("diagnosis").is_none(), "nothing failed");
    assert!(
        completed["rightsizing"]["wdlRuntime"]
            .as_str()
            .unwrap()
            .contains("runtime {")
    );

    // 1000004, Nextflow, DYNAMIC: 52.9 GiB average × 5192.891 s / 3600 × 0.000411 = 0.0313620 → 0.031362.
    // FASTQC peaked at 8 vCPU / 20.4844 GiB on r.2xlarge (8, 64): need 9 / 23 → omics.c.4xlarge (16, 32).
    let nextflow = report("1000004").await;
    assert_eq!(nextflow["cost"]["storage"]["usd"], json!(0.031362));
    assert_eq!(nextflow["cost"]["storage"]["billedGiB"], json!(52.9));
    let fastqc = group(
        &nextflow,
        "NFCORE_RNASEQ:RNASEQ:FASTQ_FASTQC_UMITOOLS_TRIMGALORE:FASTQC",
    );
    assert_eq!(fastqc["tasks"], 3);
    assert_eq!(fastqc["recommendedInstanceType"], "omics.c.4xlarge");
    let config = nextflow["rightsizing"]["nextflowConfig"].as_str().unwrap();
    assert!(
        config.contains(
            "withName: 'NFCORE_RNASEQ:RNASEQ:FASTQ_FASTQC_UMITOOLS_TRIMGALORE:FASTQC' {\n        cpus = 16\n        memory = '32 GB'"
        ),
        "{config}"
    );
    // The fixture's manifest does not name its engine, so both snippets are offered.
    assert!(nextflow["rightsizing"]["wdlRuntime"].is_string());

    // The timeline: SVG by default, HTML on request, ETag and 304, errors.
    let path = format!("/runs/1000002/timeline?uuid={}", uuids["1000002"]);
    let svg = api.get(&path).await;
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    let body = String::from_utf8(svg.body.clone()).unwrap();
    assert!(
        body.starts_with("<svg") && body.contains("MergeBamAlignment-1-1"),
        "{body}"
    );
    let tag = svg.header("etag").unwrap().to_owned();
    let again = api.get_with(&path, &[("if-none-match", &tag)]).await;
    assert_eq!(again.status, 304);
    let html = api.get(&format!("{path}&format=html")).await;
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        String::from_utf8(html.body)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    let bad = api.get("/runs/1000002/timeline?format=pdf").await;
    assert_eq!(
        (bad.status, error_code(&bad).as_str()),
        (400, "InvalidParameter")
    );
    let missing = api.get("/runs/8999999/timeline").await;
    assert_eq!(
        (missing.status, error_code(&missing).as_str()),
        (404, "NotFound")
    );

    // Comparison of 1000001 (a) with 1000002 (b).
    let compare = api
        .get(&format!(
            "/runs/1000001/compare/1000002?uuid={}&otherUuid={}",
            uuids["1000001"], uuids["1000002"]
        ))
        .await;
    assert_eq!(compare.status, 200);
    assert!(compare.header("etag").is_some());
    let c = compare.json().unwrap();
    let parameters = &c["parameters"];
    assert_eq!(
        parameters["changed"]["sample_name"],
        json!({"a": "NA12878", "b": "HG002"})
    );
    assert_eq!(
        parameters["changed"]["scatter_count"],
        json!({"a": 4, "b": 3})
    );
    assert_eq!(
        parameters["removed"].as_object().unwrap().len(),
        2,
        "ref_fasta_index, ref_dict"
    );
    assert_eq!(parameters["unchanged"], 1, "ref_fasta");
    // a has 9 digests, b 3; only the reference FASTA is the same.
    assert_eq!(c["resourceDigests"]["unchanged"], 1);
    assert_eq!(
        c["resourceDigests"]["removed"].as_object().unwrap().len(),
        8
    );
    assert_eq!(c["resourceDigests"]["added"].as_object().unwrap().len(), 2);
    assert!(
        c["images"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/bwa:0.7.17"),
        "the bwa image digest differs"
    );
    // BwaMem-0-1: 2167.901 s on c.4xlarge in a, 1700 s in b: Δ −467.901 s;
    // 0.918 × 2167.901 / 3600 = 0.5528148 → 0.552815; 0.918 × 1700 / 3600 = 0.4335; Δ −0.119315.
    let bwa = c["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "BwaMem-0-1")
        .unwrap();
    assert_eq!(bwa["delta"]["runningSeconds"], json!(-467.901));
    assert_eq!(bwa["delta"]["usd"], json!(-0.119315));
    assert_eq!(c["delta"]["tasks"], -21);
    assert_eq!(c["totalsB"]["computeUsd"], json!(1.54969));

    // The compare page: the same comparison for people.
    let page = api
        .get(&format!(
            "/runs/1000001/compare/1000002?uuid={}&otherUuid={}&format=html",
            uuids["1000001"], uuids["1000002"]
        ))
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("Run 1000001 vs run 1000002"), "{html}");
    assert!(
        html.contains("<td>sample_name</td><td>&quot;NA12878&quot;</td><td>&quot;HG002&quot;</td>")
    );
    assert!(
        html.contains("<td class=\"delta down\">-$0.1193</td>"),
        "BwaMem-0-1's Δ cost"
    );
    assert!(html.contains("<td>$1.55</td>"), "b's compute");
    let bad = api.get("/runs/1000001/compare/1000002?format=pdf").await;
    assert_eq!(bad.status, 400);
    let other = api.get("/runs/1000001/compare/8999999").await;
    assert_eq!(
        (other.status, error_code(&other).as_str()),
        (404, "NotFound")
    );
}
