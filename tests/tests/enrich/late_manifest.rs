//! A manifest that appears 20 s after the run's terminal event is waited for inside the invocation.
//!
//! Needs the local stack: run through `make test`.

use crate::enrich_support;

use std::time::{Duration, Instant};

use enrich_support::{b, emulator, item, report, run_event, setup};
use omics_introspect_tests::emulator::{CloudWatchManifestSink, ManifestSink};
use omics_introspect_tests::harness::{seed_run, stack_env};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate, to_seed_body};
use serde_json::json;

const DELAY: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_manifest_written_20_s_late_is_enriched() {
    let emu = emulator(false).await;
    let setup = setup(emu.url(), Duration::from_secs(60)).await;
    let uuid = enrich_support::fresh_uuid();
    let run = generate(&SyntheticSpec {
        run_id: "8200001".into(),
        uuid: Some(uuid.clone()),
        tasks: 120,
        cached: 2,
        seed: 8_200_001,
        ..SyntheticSpec::default()
    });
    // HealthOmics knows the finished run, but its manifest is not written yet.
    let mut body = to_seed_body(&run);
    body["manifest"] = json!([]);
    seed_run(emu.url(), &body).await.unwrap();

    let started = Instant::now();
    let enrichment = setup
        .enricher
        .handle_event(run_event("8200001", Some(&uuid), "COMPLETED"));
    let writer = async {
        tokio::time::sleep(DELAY).await;
        CloudWatchManifestSink::new(stack_env("LOG_GROUP_NAME"))
            .write_manifest("8200001", &uuid, &run.manifest)
            .await
            .unwrap();
        started.elapsed()
    };
    let (answer, written_at) = tokio::join!(enrichment, writer);
    let answer = answer.unwrap();
    let took = started.elapsed();
    eprintln!(
        "late manifest: written after {:.1} s, enriched after {:.1} s",
        written_at.as_secs_f64(),
        took.as_secs_f64()
    );
    assert_eq!(answer["outcome"], "written", "{answer}");
    assert!(took >= DELAY, "the enrichment waited for the manifest");
    assert!(
        took < DELAY + Duration::from_secs(15),
        "and picked it up within one backoff step: {took:?}"
    );

    let stored = item(&setup, "8200001", &uuid).await.unwrap();
    assert!(b(&stored, "manifestComplete"));
    let record = report(&setup, &stored).await;
    assert_eq!(record.tasks.len(), 120);
    assert!(record.head.sources.manifest);
    assert!(
        record.head.warnings.is_empty(),
        "{:?}",
        record.head.warnings
    );
}
