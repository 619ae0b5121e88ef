//! Live runs in moto: a 10,000-task synthetic run's event stream, twice and shuffled, cut into batches of random
//! sizes and appended by four concurrent consumers, with compactions on the way; the stored state counts every
//! task once, as its final status.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use omics_introspect::clients::AwsClients;
use omics_introspect::live::{LiveEvent, LiveState, parse_live_event};
use omics_introspect::store::LiveRuns;
use omics_introspect_tests::synthetic::{SyntheticSpec, event_stream, generate};
use serde_json::Value;

/// A table of its own (the stack's tables stay untouched).
async fn live_table(clients: &AwsClients) -> String {
    let name = format!("live-test-{}", fastrand::u64(..));
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    clients
        .dynamodb
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(attribute("pk"))
        .attribute_definitions(attribute("sk"))
        .send()
        .await
        .expect("creating the live test table");
    name
}

/// Segments of the run still stored.
async fn segments(clients: &AwsClients, table: &str, run_id: &str) -> usize {
    let out = clients
        .dynamodb
        .query()
        .table_name(table)
        .key_condition_expression("pk = :pk AND begins_with(sk, :seg)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("LIVE#{run_id}")))
        .expression_attribute_values(":seg", AttributeValue::S("SEG#".into()))
        .projection_expression("sk")
        .send()
        .await
        .unwrap();
    out.items.unwrap_or_default().len()
}

/// One batch's state of the run, as a consumer builds it.
fn batch_state(events: &[Value]) -> LiveState {
    let mut state = LiveState::default();
    for event in events {
        match parse_live_event(event.clone()).expect("synthetic events read") {
            event @ (LiveEvent::Task(_) | LiveEvent::Run(_)) => state.observe(&event),
            LiveEvent::Batch(_) => unreachable!("no batch events"),
        }
    }
    state
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replayed_shuffled_concurrent_batches_count_every_task_once() {
    let clients = AwsClients::from_env().await;
    let table = live_table(&clients).await;
    let store = Arc::new(LiveRuns::new(clients.dynamodb.clone(), &table));
    let run = generate(&SyntheticSpec {
        run_id: format!("{}", 8_000_000 + fastrand::u32(..1_000_000)),
        failed: 4,
        cached: 20,
        status: "FAILED".into(),
        tasks: 10_000,
        ..SyntheticSpec::default()
    });
    let run_id = run.run["id"].as_str().unwrap().to_owned();
    let mut want = BTreeMap::new();
    for task in &run.tasks {
        *want
            .entry(task["status"].as_str().unwrap().to_owned())
            .or_insert(0_u64) += 1;
    }
    let events = event_stream(&run);
    let mut replay: Vec<Value> = events.iter().chain(events.iter()).cloned().collect();
    let mut rng = fastrand::Rng::with_seed(11);
    rng.shuffle(&mut replay);
    let mut batches = Vec::new();
    while !replay.is_empty() {
        let take = rng.usize(1..=300).min(replay.len());
        batches.push(replay.drain(..take).collect::<Vec<_>>());
    }
    let batches = Arc::new(batches);
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..4 {
        let (store, batches, run_id) = (store.clone(), batches.clone(), run_id.clone());
        workers.spawn(async move {
            for (i, batch) in batches.iter().enumerate().skip(worker).step_by(4) {
                store
                    .append(&run_id, &format!("batch-{i}"), &batch_state(batch))
                    .await
                    .expect("an append");
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done.expect("a consumer");
    }

    let left = segments(&clients, &table, &run_id).await;
    assert!(
        left < batches.len(),
        "appends compacted on the way: {left} of {} segments left",
        batches.len()
    );
    let (state, _) = store
        .read(&run_id)
        .await
        .unwrap()
        .expect("the run is stored");
    assert_eq!(state.board.len(), run.tasks.len());
    assert_eq!(state.board.counts(), want);
    assert_eq!(state.status.as_ref().map(|s| s.0.as_str()), Some("FAILED"));
    // A last compaction folds every segment; the state reads the same.
    store.compact(&run_id).await.unwrap();
    let (after, _) = store.read(&run_id).await.unwrap().unwrap();
    assert_eq!(after, state);
    assert_eq!(segments(&clients, &table, &run_id).await, 0);
    assert!(
        store.read("1").await.unwrap().is_none(),
        "a run never heard of"
    );
}

#[tokio::test]
async fn a_batch_acknowledges_what_it_cannot_follow_and_stores_the_rest() {
    use omics_introspect::Config;
    use omics_introspect::track::{Message, Tracker};
    let clients = AwsClients::from_env().await;
    let table = live_table(&clients).await;
    // A table of its own; profiles and the bus are the stack's.
    let config = Config::from_lookup(|name| match name {
        "LIVE_TABLE_NAME" => Some(table.clone()),
        other => std::env::var(other).ok(),
    })
    .unwrap();
    let tracker = Tracker::new(&clients, &config).unwrap();
    let sample: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/track-run-batch.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut messages: Vec<Message> = sample["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Message {
            id: r["messageId"].as_str().unwrap().to_owned(),
            body: r["body"].as_str().unwrap().to_owned(),
        })
        .collect();
    messages.push(Message {
        id: "m-bad".into(),
        body: "{not json".into(),
    });
    let outcome = tracker.handle(&messages).await;
    assert!(outcome.failed.is_empty(), "{outcome:?}");
    assert_eq!(outcome.events, 3, "the run, the task and the batch event");
    assert_eq!(outcome.announced, 1, "the PROCESSED batch: {outcome:?}");
    assert_eq!(outcome.unhandled.get("otherType"), Some(&1), "{outcome:?}");
    assert_eq!(outcome.unhandled.get("malformed"), Some(&1), "{outcome:?}");
    // The run event and the task event name two runs: one segment each.
    assert_eq!(outcome.runs, 2);
    let task: Value = serde_json::from_str(&messages[1].body).unwrap();
    let run_id = task["detail"]["runArn"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (state, _) = tracker.runs().read(&run_id).await.unwrap().expect("stored");
    assert_eq!(state.board.len(), 1);

    // Redelivered: the same state, and the batch is not announced twice.
    let again = tracker.handle(&messages).await;
    assert_eq!((again.failed.len(), again.announced), (0, 0), "{again:?}");
    assert_eq!(
        tracker.runs().read(&run_id).await.unwrap().unwrap().0,
        state
    );
    let batch = omics_introspect::store::LiveBatches::new(clients.dynamodb.clone(), &table)
        .read("7000042")
        .await
        .unwrap()
        .expect("the batch's status");
    assert_eq!((batch.status.as_str(), batch.finished), ("PROCESSED", true));
    assert_eq!(batch.counts.failed_run_count, Some(1));
}
