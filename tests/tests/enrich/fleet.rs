//! The fleet: synthetic runs of several workflows, batches and months enriched into moto, then `GET /reports`,
//! `/fleet/summary`, `/batches/{id}` and `/workflows/{id}/profile` on a real socket, reconciled with the runs'
//! own reports; and `reindex` bringing a record written before the fleet index back into it.
//!
//! Isolation on a long-lived stack: the runs get fresh ids, workflow, batch and run group ids, and stop times in
//! three months of a year no other test uses, so every sum below holds exactly these runs.

use crate::api_support;
use crate::enrich_support;

use std::time::Duration;

use api_support::{LocalApi, TEST_CURSOR_SECRET, error_code};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Months, Utc};
use enrich_support::{Setup, emulator, fresh_run_id, fresh_uuid, run_event, setup};
use omics_introspect::api::{ApiState, CursorKey};
use omics_introspect::enrich::reindex::{Reindexed, Reindexer};
use omics_introspect::ids::RunId;
use omics_introspect::lake::LakeStore;
use omics_introspect::record::{RunUuid, usd};
use omics_introspect::store::{FleetViews, ReportStore, SummaryStore, fleet_time};
use omics_introspect_tests::harness::seed_run;
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

/// One run of the fleet.
struct FleetRun {
    run_id: String,
    uuid: String,
    workflow: String,
    batch: Option<String>,
}

/// Places the run at day 2 of `month`, `hour` hours in, keeping its queue time and duration.
fn place(run: &mut Value, month: DateTime<Utc>, hour: i64) {
    let time = |name: &str| {
        run[name]
            .as_str()
            .map(|t| t.parse::<DateTime<Utc>>().unwrap())
    };
    let (created, started, stopped) = (time("creationTime"), time("startTime"), time("stopTime"));
    let at = month + chrono::Duration::days(1) + chrono::Duration::hours(hour);
    let format = |t: DateTime<Utc>| json!(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    let origin = created.or(started).unwrap();
    for (name, value) in [
        ("creationTime", created),
        ("startTime", started),
        ("stopTime", stopped),
    ] {
        if let Some(value) = value {
            run[name] = format(at + (value - origin));
        }
    }
}

/// Months between 2024-10 and the test's first month: picked from the clock among 2,000 months (1850–2020), and
/// retried until the three months hold no stored run (repeated runs of the test on a long-lived stack).
async fn base_offset(api: &LocalApi) -> u32 {
    for attempt in 0..20u64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let offset = 48 + ((nanos / 1000 + attempt * 7919) ^ u64::from(std::process::id())) % 2000;
        let (from, to) = window(offset as u32);
        let summary = api
            .get(&format!("/fleet/summary?from={from}&to={to}"))
            .await
            .json()
            .unwrap();
        if summary["totals"]["runs"] == 0 {
            return offset as u32;
        }
    }
    panic!("no free three months found");
}

async fn enrich_fleet(
    setup: &Setup,
    api: &LocalApi,
    emu_url: &str,
) -> (Vec<FleetRun>, String, String, u32) {
    let w1 = fresh_run_id();
    let w2 = loop {
        let id = fresh_run_id();
        if id != w1 {
            break id;
        }
    };
    let batch = fresh_run_id();
    let offset = base_offset(api).await;
    let plan: [(&str, Option<&str>, &'static str, u32, usize); 6] = [
        (&w1, Some(&batch), "COMPLETED", 0, 0),
        (&w1, Some(&batch), "COMPLETED", 1, 0),
        (&w1, None, "COMPLETED", 2, 0),
        (&w2, Some(&batch), "FAILED", 1, 2),
        (&w2, None, "COMPLETED", 2, 0),
        (&w2, None, "CANCELLED", 2, 0),
    ];
    let mut runs = Vec::new();
    for (i, (workflow, batch_id, status, month, failed)) in plan.into_iter().enumerate() {
        let run_id = fresh_run_id();
        let uuid = fresh_uuid();
        let mut run = generate(&SyntheticSpec {
            run_id: run_id.clone(),
            uuid: Some(uuid.clone()),
            tasks: 12 + 3 * i,
            failed,
            seed: 100 + i as u64,
            status: status.to_owned(),
            ..SyntheticSpec::default()
        });
        run.run["workflowId"] = json!(workflow);
        run.run["runGroupId"] = json!(format!("{}7", &workflow[..workflow.len() - 1]));
        run.run["startedBy"] = json!(format!(
            "arn:aws:sts::123456789012:assumed-role/fleet/user{}",
            i % 2
        ));
        if let Some(batch_id) = batch_id {
            run.run["batchId"] = json!(batch_id);
        }
        place(&mut run.run, first_month(offset, month), i as i64);
        seed_run(emu_url, &to_seed_body(&run)).await.unwrap();
        let answer = setup
            .enricher
            .handle_event(run_event(&run_id, Some(&uuid), status))
            .await
            .unwrap();
        assert_eq!(answer["outcome"], "written", "{answer}");
        runs.push(FleetRun {
            run_id,
            uuid,
            workflow: workflow.to_owned(),
            batch: batch_id.map(str::to_owned),
        });
    }
    (runs, w1, batch, offset)
}

/// The first instant of month `month` (0: the oldest) of the fleet.
fn first_month(offset: u32, month: u32) -> DateTime<Utc> {
    let base: DateTime<Utc> = "2024-10-01T00:00:00Z".parse().unwrap();
    base.checked_sub_months(Months::new(offset - month))
        .unwrap()
}

/// The window of the fleet's three months as `from`/`to` dates.
fn window(offset: u32) -> (String, String) {
    let base: DateTime<Utc> = "2024-10-01T00:00:00Z".parse().unwrap();
    let first = base.checked_sub_months(Months::new(offset)).unwrap();
    let end = first.checked_add_months(Months::new(3)).unwrap();
    (
        first.format("%Y-%m-%d").to_string(),
        end.format("%Y-%m-%dT00:00:00Z").to_string(),
    )
}

/// The run ids and stop times of every page of a listing, following `nextCursor`.
async fn page_through(api: &LocalApi, first: &str) -> Vec<(String, String)> {
    let mut ids = Vec::new();
    let mut path = first.to_owned();
    for _ in 0..50 {
        let response = api.get(&path).await;
        assert_eq!(
            response.status,
            200,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
        let page = response.json().unwrap();
        ids.extend(page["items"].as_array().unwrap().iter().map(|i| {
            (
                i["runId"].as_str().unwrap().to_owned(),
                i["stopTime"].to_string(),
            )
        }));
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("{first}&cursor={cursor}"),
            None => return ids,
        }
    }
    panic!("{first}: more than 50 pages");
}

async fn report(api: &LocalApi, run: &FleetRun) -> Value {
    let response = api
        .get(&format!("/runs/{}/report?uuid={}", run.run_id, run.uuid))
        .await;
    assert_eq!(response.status, 200);
    response.json().unwrap()
}

fn num(value: &Value) -> f64 {
    value.as_f64().unwrap_or(0.0)
}

#[tokio::test]
async fn fleet_routes_answer_over_enriched_runs_and_reconcile_with_the_reports() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(2)).await;
    let state = ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        Some(CursorKey::new(TEST_CURSOR_SECRET).unwrap()),
    );
    let api = LocalApi::start(state).await;
    let (runs, w1, batch, offset) = enrich_fleet(&setup, &api, emu.url()).await;
    let (from, to) = window(offset);

    // Every task carries its own cost, and the tasks add up to the compute cost.
    let mut expected = (0.0, 0.0, 0.0, 0.0);
    for run in &runs {
        let body = report(&api, run).await;
        let tasks = body["tasks"].as_array().unwrap();
        assert!(
            tasks.iter().all(|t| t.get("billedSeconds").is_some()),
            "per-task billed seconds"
        );
        let task_sum: f64 = tasks.iter().map(|t| num(&t["costUsd"])).sum();
        assert!((usd(task_sum) - num(&body["cost"]["compute"]["usd"])).abs() < 1e-5);
        expected.0 += num(&body["cost"]["knownUsd"]);
        expected.1 += num(&body["cost"]["compute"]["usd"]);
        expected.2 += num(&body["rightsizing"]["knownSavingsUsd"]);
        expected.3 += num(&body["summary"]["taskHours"]);
    }

    // The summary: exactly these six runs, sums equal to the reports', groups adding up to the totals.
    let summary = api
        .get(&format!(
            "/fleet/summary?from={from}&to={to}&groupBy=workflow"
        ))
        .await;
    assert_eq!(
        summary.status,
        200,
        "{}",
        String::from_utf8_lossy(&summary.body)
    );
    let summary = summary.json().unwrap();
    let totals = &summary["totals"];
    assert_eq!(totals["runs"], 6, "{summary}");
    assert_eq!(num(&totals["totalUsd"]), usd(expected.0));
    assert_eq!(num(&totals["computeUsd"]), usd(expected.1));
    assert_eq!(num(&totals["savingsUsd"]), usd(expected.2));
    assert!((num(&totals["taskHours"]) - expected.3).abs() < 1e-6);
    assert_eq!(
        totals["byStatus"],
        json!({"CANCELLED": 1, "COMPLETED": 4, "FAILED": 1})
    );
    assert_eq!(totals["failedTasks"], 2);
    let groups = summary["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    let group_sum: f64 = groups.iter().map(|g| num(&g["totalUsd"])).sum();
    assert!((group_sum - num(&totals["totalUsd"])).abs() < 1e-6);
    assert!(summary["basis"].as_str().unwrap().contains("estimates"));

    // The fleet page: the same totals, a bar segment per workflow and month with a cost, the groups' table.
    let page = api
        .get(&format!(
            "/fleet/summary?from={from}&to={to}&groupBy=workflow&format=html"
        ))
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains("Fleet: 6 stored runs"), "{html}");
    assert!(html.contains(&format!("${:.2}", num(&totals["totalUsd"]))));
    assert!(html.contains(&w1) && html.contains("<svg") && !html.contains("<script"));
    let segments = html.matches("<title>").count();
    assert!((2..=6).contains(&segments), "{segments} cost segments");

    let by_month = api
        .get(&format!("/fleet/summary?from={from}&to={to}&groupBy=month"))
        .await
        .json()
        .unwrap();
    let months: Vec<(String, u64)> = by_month["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().to_owned(),
                g["runs"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(months.len(), 3, "{by_month}");
    assert!(
        months.windows(2).all(|w| w[0].0 < w[1].0),
        "months oldest first: {months:?}"
    );
    assert_eq!(months.iter().map(|m| m.1).collect::<Vec<_>>(), [1, 2, 3]);
    let by_class = api
        .get(&format!(
            "/fleet/summary?from={from}&to={to}&groupBy=failureClass"
        ))
        .await
        .json()
        .unwrap();
    let none = by_class["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "none")
        .unwrap();
    assert_eq!(none["runs"], 5, "{by_class}");

    // /reports: newest stop time first, filters, pages with cursors.
    let listed = api.get(&format!("/reports?workflowId={w1}&limit=2")).await;
    assert_eq!(
        listed.status,
        200,
        "{}",
        String::from_utf8_lossy(&listed.body)
    );
    let page = listed.json().unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["nextCursor"].as_str().expect("a second page");
    let rest = api
        .get(&format!("/reports?workflowId={w1}&limit=2&cursor={cursor}"))
        .await
        .json()
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest.get("nextCursor").is_none(), "{rest}");
    let w1_ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["items"].as_array().unwrap())
        .map(|i| i["runId"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = runs
        .iter()
        .filter(|r| r.workflow == w1)
        .rev()
        .map(|r| r.run_id.as_str())
        .collect();
    assert_eq!(w1_ids, newest_first);
    let windowed = api
        .get(&format!(
            "/reports?from={from}&to={to}&status=COMPLETED&limit=100"
        ))
        .await
        .json()
        .unwrap();
    assert_eq!(windowed["items"].as_array().unwrap().len(), 4, "{windowed}");
    // Without an id, the day buckets serve: one run a page, across days and months, newest first.
    let one_by_one = page_through(&api, &format!("/reports?from={from}&to={to}&limit=1")).await;
    let mut all: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
    let mut paged: Vec<&str> = one_by_one.iter().map(|(id, _)| id.as_str()).collect();
    all.sort();
    paged.sort();
    assert_eq!(paged, all, "every run once");
    assert!(
        one_by_one.windows(2).all(|w| w[0].1 >= w[1].1),
        "newest stop time first: {one_by_one:?}"
    );
    let completed = page_through(
        &api,
        &format!("/reports?from={from}&to={to}&status=COMPLETED&limit=3"),
    )
    .await;
    assert_eq!(completed.len(), 4, "{completed:?}");
    assert!(
        completed
            .iter()
            .all(|(id, _)| windowed["items"].to_string().contains(id.as_str())),
        "{completed:?}"
    );
    let tampered = api
        .get(&format!("/reports?workflowId={batch}&cursor={cursor}"))
        .await;
    assert_eq!(
        (tampered.status, error_code(&tampered).as_str()),
        (400, "InvalidParameter")
    );

    // The batch: three of the runs, one failure class, slowest and most expensive lists.
    let rollup = api.get(&format!("/batches/{batch}")).await;
    assert_eq!(
        rollup.status,
        200,
        "{}",
        String::from_utf8_lossy(&rollup.body)
    );
    let rollup = rollup.json().unwrap();
    assert_eq!(rollup["totals"]["runs"], 3);
    let in_batch = runs.iter().filter(|r| r.batch.is_some()).count();
    assert_eq!(rollup["slowest"].as_array().unwrap().len(), in_batch);
    assert_eq!(
        rollup["failures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| num(&f["failedTasks"]))
            .sum::<f64>(),
        2.0
    );
    assert_eq!(api.get("/batches/999999999999999999").await.status, 404);

    // The profile of the three completed runs of w1, and with fewer runs than needed for confidence.
    let profile = api.get(&format!("/workflows/{w1}/profile")).await;
    assert_eq!(
        profile.status,
        200,
        "{}",
        String::from_utf8_lossy(&profile.body)
    );
    let profile = profile.json().unwrap();
    assert_eq!(profile["confidence"], "high");
    assert_eq!(profile["runs"].as_array().unwrap().len(), 3);
    let groups = profile["groups"].as_array().unwrap();
    assert!(!groups.is_empty());
    for group in groups {
        let cpus = &group["peakCpus"];
        if !cpus.is_null() {
            assert!(
                num(&cpus["p50"]) <= num(&cpus["p95"]) && num(&cpus["p95"]) <= num(&cpus["max"]),
                "{group}"
            );
        }
        let seen = group["runsSeen"].as_u64().unwrap();
        assert!((1..=3).contains(&seen), "{group}");
    }
    // The three completed runs of w1 have 12, 15 and 18 tasks: every one is in exactly one group.
    let tasks_seen: u64 = groups
        .iter()
        .map(|g| g["tasksSeen"].as_u64().unwrap())
        .sum();
    assert_eq!(tasks_seen, 12 + 15 + 18);
    // The workflow's recent-runs item served it; without that item the index gives the same profile.
    setup
        .clients
        .dynamodb
        .delete_item()
        .table_name(setup.config.fleet_table().unwrap())
        .key("pk", AttributeValue::S(format!("RECENT#{w1}")))
        .key("sk", AttributeValue::S("completed".into()))
        .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
        .send()
        .await
        .unwrap()
        .attributes
        .expect("enrichment kept the workflow's recent runs");
    let from_index = api
        .get(&format!("/workflows/{w1}/profile"))
        .await
        .json()
        .unwrap();
    assert_eq!(from_index["runs"], profile["runs"]);
    assert_eq!(from_index["groups"], profile["groups"]);
    let low = api
        .get(&format!("/workflows/{w1}/profile?runs=2"))
        .await
        .json()
        .unwrap();
    assert_eq!(
        (
            low["confidence"].as_str(),
            low["runs"].as_array().unwrap().len()
        ),
        (Some("low"), 2)
    );
    let nextflow = api
        .get(&format!(
            "/workflows/{w1}/profile?format=nextflow&headroom=0.2"
        ))
        .await;
    assert_eq!(nextflow.status, 200);
    assert!(
        nextflow
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        nextflow.body.starts_with(b"//"),
        "{}",
        String::from_utf8_lossy(&nextflow.body)
    );
    assert_eq!(
        api.get("/workflows/999999999999999998/profile")
            .await
            .status,
        404
    );

    for path in [
        "/fleet/summary?groupBy=planet".to_owned(),
        format!("/fleet/summary?from={to}&to={from}"),
        "/fleet/summary?from=2020-01-01&to=2022-01-01".to_owned(),
        "/reports?workflowId=abc".to_owned(),
        format!("/workflows/{w1}/profile?runs=0"),
    ] {
        let response = api.get(&path).await;
        assert_eq!(
            (response.status, error_code(&response).as_str()),
            (400, "InvalidParameter"),
            "{path}"
        );
    }
    reindex_restores_an_item_written_before_the_index(&setup, &api, &runs[0], offset).await;
}

/// A record written before fleet rows were kept (its item without `fleetRow`) is listed from its whole item; one
/// written before the fleet index (stripped of every fleet attribute and out of its day bucket) is invisible to the
/// fleet routes until `reindex` rewrites it and files it again; a second pass changes nothing.
async fn reindex_restores_an_item_written_before_the_index(
    setup: &Setup,
    api: &LocalApi,
    run: &FleetRun,
    offset: u32,
) {
    let table = setup.config.runs_table().unwrap();
    let listed = |body: Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["uuid"] == run.uuid.as_str())
    };
    let item = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["uuid"] == run.uuid.as_str())
            .cloned()
    };
    let (from, to) = window(offset);
    let summary_path = format!("/fleet/summary?from={from}&to={to}");
    let summed = |body: Value| body["totals"]["runs"].as_u64().unwrap();
    let path = format!("/reports?workflowId={}&limit=100", run.workflow);
    let before = api.get(&path).await.json().unwrap();
    assert!(listed(before.clone()));
    let runs_before = summed(api.get(&summary_path).await.json().unwrap());
    let strip = |attributes: &'static str| {
        setup
            .clients
            .dynamodb
            .update_item()
            .table_name(table)
            .key("pk", AttributeValue::S(format!("RUN#{}", run.run_id)))
            .key("sk", AttributeValue::S(run.uuid.clone()))
            .update_expression(format!("REMOVE {attributes}"))
            .send()
    };
    strip("fleetRow").await.unwrap();
    assert_eq!(
        item(&api.get(&path).await.json().unwrap()),
        item(&before),
        "an item without its fleet row is listed from the whole item, with the same figures"
    );
    strip("fleetVersion, stopKey, stopMonth, computeUsd, knownUsd, taskGroups")
        .await
        .unwrap();
    let summaries = SummaryStore::new(setup.clients.dynamodb.clone(), table);
    let (run_id, uuid) = (
        RunId::parse(&run.run_id).unwrap(),
        RunUuid::parse(&run.uuid).unwrap(),
    );
    let stored = summaries.get(&run_id, &uuid).await.unwrap().unwrap();
    let filed_at = fleet_time(&stored.summary).unwrap();
    let fleet = FleetViews::new(
        setup.clients.dynamodb.clone(),
        setup.config.fleet_table().unwrap(),
    );
    fleet
        .days
        .remove(&format!("{}#{}", run.run_id, run.uuid), &filed_at)
        .await
        .unwrap();
    assert!(
        !listed(api.get(&path).await.json().unwrap()),
        "stripped items are not indexed"
    );
    assert_eq!(
        summed(api.get(&summary_path).await.json().unwrap()),
        runs_before - 1,
        "a run out of its day bucket is not summed"
    );

    let reports = ReportStore::new(
        setup.clients.s3.clone(),
        setup.config.reports_bucket().unwrap(),
    );
    let lake = LakeStore::new(
        setup.clients.s3.clone(),
        setup.config.reports_bucket().unwrap(),
    );
    let reindexer = Reindexer::new(
        summaries.clone(),
        fleet.clone(),
        reports,
        lake,
        setup.enricher.settings().clone(),
    );
    assert!(stored.summary.facts.is_none());
    assert_eq!(
        reindexer.reindex(stored, false).await.unwrap(),
        Reindexed::Written
    );
    let again = summaries.get(&run_id, &uuid).await.unwrap().unwrap();
    assert_eq!(
        reindexer.reindex(again, false).await.unwrap(),
        Reindexed::Current,
        "idempotent"
    );
    let after = api.get(&path).await.json().unwrap();
    assert_eq!(
        summed(api.get(&summary_path).await.json().unwrap()),
        runs_before,
        "reindex files the run in its day bucket again"
    );
    assert_eq!(
        item(&after),
        item(&before),
        "the same figures as at enrichment"
    );
}
