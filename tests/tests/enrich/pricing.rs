//! Prices from the AWS Price List API, end to end: `enrich-run`'s resolver asks the emulator's `GetProducts` (real
//! JSON 1.1 over a socket, `aws-sdk-pricing`) for the run's region, and the stored report's cost is complete with
//! `priceSource` `price-list-api`; when the Price List fails, the bundled table stands in with a warning and the
//! cost says honestly that it is incomplete. Needs the local stack: run through `make test`.

use crate::enrich_support;

use std::time::Duration;

use enrich_support::{emulator, fresh_run_id, fresh_uuid, item, report, run_event, setup};
use omics_introspect::analysis::settings::{PriceSourceKind, Settings};
use omics_introspect::analysis::{Analyzer, RunCost};
use omics_introspect::clients::load_sdk_config;
use omics_introspect::enrich::{EnrichedRun, Enricher};
use omics_introspect::pricing::{self, PriceList, PriceResolver};
use omics_introspect_tests::harness::{http_request, seed_run};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::{Value, json};

/// Eight ordinary instance types; the bundled table prices only four of them in us-east-1.
const TYPES: [&str; 8] = [
    "omics.c.large",
    "omics.c.2xlarge",
    "omics.c.4xlarge",
    "omics.m.large",
    "omics.m.xlarge",
    "omics.m.4xlarge",
    "omics.r.xlarge",
    "omics.r.2xlarge",
];

/// Seeds a us-east-1 run of 333 tasks spread over [`TYPES`] (in GetRunTask bodies and manifest lines alike).
async fn seed_eight_type_run(emulator_url: &str) -> (String, String) {
    let run_id = fresh_run_id();
    let uuid = fresh_uuid();
    let mut run = generate(&SyntheticSpec {
        run_id: run_id.clone(),
        uuid: Some(uuid.clone()),
        tasks: 333,
        ..SyntheticSpec::default()
    });
    let mut type_of = std::collections::HashMap::new();
    for (index, task) in run.tasks.iter_mut().enumerate() {
        let instance = TYPES[index % TYPES.len()];
        task["instanceType"] = json!(instance);
        type_of.insert(task["taskId"].as_str().unwrap().to_owned(), instance);
    }
    for line in run.manifest.iter_mut() {
        let mut value: Value = serde_json::from_str(line).unwrap();
        let instance = value["arn"]
            .as_str()
            .and_then(|arn| arn.rsplit('/').next())
            .and_then(|id| type_of.get(id));
        if let Some(instance) = instance {
            value["instanceType"] = json!(instance);
            *line = value.to_string();
        }
    }
    seed_run(emulator_url, &to_seed_body(&run)).await.unwrap();
    (run_id, uuid)
}

/// An enricher of the stack pricing from the Price List API on `emulator_url`.
async fn pricing_enricher(emulator_url: &str) -> (enrich_support::Setup, Enricher) {
    let setup = setup(emulator_url, Duration::from_secs(10)).await;
    let sdk = load_sdk_config().await;
    let list = PriceList::new(pricing::client_at(&sdk, Some(emulator_url)));
    let enricher = setup
        .enricher
        .clone()
        .with_price_list(PriceResolver::new(list));
    (setup, enricher)
}

async fn enrich_and_read(
    setup: &enrich_support::Setup,
    enricher: &Enricher,
    run_id: &str,
    uuid: &str,
) -> EnrichedRun {
    let answer = enricher
        .handle_event(run_event(run_id, Some(uuid), "COMPLETED"))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    let stored = item(setup, run_id, uuid).await.unwrap();
    report(setup, &stored).await
}

async fn pricing_counters(emulator_url: &str) -> Value {
    http_request(emulator_url, "GET", "/_emulator/pricing", None)
        .await
        .unwrap()
        .json()
        .unwrap()
}

fn cost(record: &EnrichedRun) -> &RunCost {
    record.head.cost.as_ref().expect("a cost section")
}

#[tokio::test]
async fn a_run_on_eight_ordinary_types_gets_a_complete_cost_from_the_price_list() {
    let emu = emulator(false).await;
    let (setup, enricher) = pricing_enricher(emu.url()).await;
    let (run_id, uuid) = seed_eight_type_run(emu.url()).await;

    let record = enrich_and_read(&setup, &enricher, &run_id, &uuid).await;
    let cost = cost(&record);
    assert_eq!(cost.region.as_deref(), Some("us-east-1"));
    assert_eq!(cost.price_source, Some(PriceSourceKind::PriceListApi));
    assert_eq!(cost.compute.tasks, 333);
    assert_eq!(cost.compute.unpriced_tasks, 0, "{:?}", cost.warnings);
    assert!(cost.complete && cost.total_usd.is_some(), "{cost:?}");
    assert!(cost.warnings.is_empty(), "{:?}", cost.warnings);
    let priced: Vec<(&str, Option<f64>)> = cost
        .compute
        .by_instance_type
        .iter()
        .map(|t| (t.instance_type.as_str(), t.usd_per_hour))
        .collect();
    assert_eq!(priced.len(), 8, "{priced:?}");
    // Published prices, through the fixture: GetProducts' documents, not the bundled table.
    assert!(
        priced.contains(&("omics.m.large", Some(0.1296))),
        "{priced:?}"
    );
    // A derived fixture price (8 vCPUs × 1.3 × 0.0648) the bundled table does not have.
    assert!(
        priced.contains(&("omics.r.2xlarge", Some(0.6739))),
        "{priced:?}"
    );
    assert!(
        cost.prices.origin.contains("regionCode us-east-1"),
        "{:?}",
        cost.prices
    );

    // The bundled table alone leaves half the types unpriced: what the issue measured.
    let bundled = Settings::default();
    let mut analyzer = Analyzer::new(&bundled, record.head.arn.as_deref(), &record.head.run);
    for task in &record.tasks {
        analyzer.observe(task);
    }
    let offline = analyzer
        .finish(
            &record.head.status,
            &record.head.run,
            &record.head.failed_tasks,
        )
        .cost;
    assert!(!offline.complete && offline.compute.unpriced_tasks > 0);
    assert!(
        offline.warnings.iter().any(
            |w| w.contains("no price in us-east-1 for 4 instance type(s)")
                && w.contains("omics.r.2xlarge")
        ),
        "{:?}",
        offline.warnings
    );

    // One GetProducts page per region and process: a second run of the region is priced from the cache.
    assert_eq!(pricing_counters(emu.url()).await["getProducts"], 1);
    let (second_id, second_uuid) = seed_eight_type_run(emu.url()).await;
    let second = enrich_and_read(&setup, &enricher, &second_id, &second_uuid).await;
    assert!(cost_of(&second).complete);
    assert_eq!(pricing_counters(emu.url()).await["getProducts"], 1);
}

fn cost_of(record: &EnrichedRun) -> &RunCost {
    cost(record)
}

#[tokio::test]
async fn a_price_list_failure_falls_back_to_the_bundled_table_with_a_warning() {
    let emu = emulator(false).await;
    let (setup, enricher) = pricing_enricher(emu.url()).await;
    let failing = http_request(
        emu.url(),
        "POST",
        "/_emulator/pricing",
        Some(&json!({"failing": true})),
    )
    .await
    .unwrap();
    assert_eq!(failing.status, 200);
    let (run_id, uuid) = seed_eight_type_run(emu.url()).await;

    let record = enrich_and_read(&setup, &enricher, &run_id, &uuid).await;
    let cost = cost(&record);
    assert_eq!(cost.price_source, Some(PriceSourceKind::Bundled));
    assert_eq!(cost.prices.origin, "bundled");
    assert!(
        cost.warnings[0].starts_with("the AWS Price List API could not price us-east-1")
            && cost.warnings[0].contains("InternalErrorException"),
        "{:?}",
        cost.warnings
    );
    // Honest: the types the bundled table lacks are named with the region, and the total is unknown.
    assert!(!cost.complete && cost.total_usd.is_none());
    assert!(
        cost.warnings.iter().any(
            |w| w.starts_with("no price in us-east-1 for 4 instance type(s)")
                && w.contains("omics.c.2xlarge")
                && w.contains("omics.m.4xlarge")
                && w.contains("omics.r.xlarge")
                && w.contains("omics.r.2xlarge")
        ),
        "{:?}",
        cost.warnings
    );
    // The SDK retried (3 attempts), then the failure was remembered: no further calls for this region.
    let calls = pricing_counters(emu.url()).await["getProducts"]
        .as_u64()
        .unwrap();
    assert_eq!(calls, 3);
}
