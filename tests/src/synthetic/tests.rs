use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, NaiveDateTime, Utc};

use omics_introspect::analysis::instances::{self, smallest_fit};
use serde_json::Value;

use super::pipeline::{GPU_STEP, Kind, instance_for};
use super::*;

fn spec(tasks: usize) -> SyntheticSpec {
    SyntheticSpec {
        run_id: "1234567".into(),
        tasks,
        ..SyntheticSpec::default()
    }
}

fn count_status(run: &SyntheticRun, status: &str) -> usize {
    run.tasks.iter().filter(|t| t["status"] == status).count()
}

fn parsed_manifest(run: &SyntheticRun) -> (Vec<Value>, usize) {
    let mut ok = Vec::new();
    let mut bad = 0;
    for line in &run.manifest {
        match serde_json::from_str::<Value>(line) {
            Ok(v) => ok.push(v),
            Err(_) => bad += 1,
        }
    }
    (ok, bad)
}

/// Lenient timestamp parsing, as a manifest reader must do it.
fn parse_ts(value: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").map(|n| n.and_utc())
        })
        .unwrap_or_else(|_| panic!("bad timestamp {value:?}"))
}

fn strict_ts(value: &Value) -> DateTime<Utc> {
    let text = value.as_str().expect("timestamp string");
    assert!(text.ends_with('Z'), "API timestamps are UTC with Z: {text}");
    parse_ts(text)
}

#[test]
fn iso_millis_matches_chrono() {
    for ms in [
        0i64,
        951_782_400_000,
        1_729_402_999_516,
        1_709_164_800_001,
        4_102_444_799_999,
    ] {
        let expected = DateTime::from_timestamp_millis(ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        assert_eq!(iso_millis(ms), expected);
    }
}

#[test]
fn instance_selection_rounds_up() {
    let smallest = |cpus, memory| smallest_fit(cpus, memory).map(|spec| spec.name);
    assert_eq!(smallest(1, 1).as_deref(), Some("omics.c.large"));
    assert_eq!(smallest(2, 8).as_deref(), Some("omics.m.large"));
    assert_eq!(smallest(8, 64).as_deref(), Some("omics.r.2xlarge"));
    assert_eq!(smallest(16, 32).as_deref(), Some("omics.c.4xlarge"));
    assert_eq!(smallest(3, 30).as_deref(), Some("omics.r.xlarge"));
    assert!(smallest(200, 8).is_none());
    assert_eq!(instances::parse("omics.r.2xlarge").unwrap().memory_gib, 64);
    let gpu = instance_for(&GPU_STEP, Kind::Gpu);
    assert_eq!(
        (gpu.name.as_str(), gpu.vcpus, gpu.memory_gib, gpu.gpus),
        ("omics.g5.2xlarge", 8, 32, 1)
    );
}

#[test]
fn counts_match_the_spec() {
    let s = SyntheticSpec {
        tasks: 120,
        failed: 3,
        cached: 5,
        gpu: 2,
        ..spec(0)
    };
    let run = generate(&s);
    assert_eq!(run.tasks.len(), 120);
    assert_eq!(count_status(&run, "FAILED"), 3);
    assert_eq!(
        run.tasks.iter().filter(|t| t["cacheHit"] == true).count(),
        5
    );
    assert_eq!(run.tasks.iter().filter(|t| t["gpus"] == 1).count(), 2);
    assert_eq!(run.manifest.len(), 121);
    assert_eq!(run.run["status"], "COMPLETED");
    for task in run.tasks.iter().filter(|t| t["cacheHit"] == true) {
        assert!(task.get("creationTime").is_none() && task.get("startTime").is_none());
        assert!(task["cacheS3Uri"].as_str().unwrap().starts_with("s3://"));
    }
    let cached_lines = run.manifest[1..]
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["cacheHit"] == true && l["cacheS3Uri"].is_string())
        .count();
    assert_eq!(cached_lines, 5);
    for task in run.tasks.iter().filter(|t| t["gpus"] == 1) {
        assert_eq!(task["instanceType"], "omics.g5.2xlarge");
    }
    // Small and empty runs work too.
    assert_eq!(generate(&spec(0)).tasks.len(), 0);
    assert_eq!(generate(&spec(5)).tasks.len(), 5);
}

#[test]
fn deterministic_for_a_seed() {
    let s = SyntheticSpec {
        tasks: 300,
        failed: 2,
        cached: 4,
        gpu: 1,
        malformed_lines: 1,
        ..spec(0)
    };
    assert_eq!(generate(&s), generate(&s));
    let other = generate(&SyntheticSpec {
        seed: 7,
        ..s.clone()
    });
    assert_ne!(generate(&s).run["uuid"], other.run["uuid"]);
    let other_id = generate(&SyntheticSpec {
        run_id: "1234568".into(),
        ..s.clone()
    });
    assert_ne!(generate(&s).run["uuid"], other_id.run["uuid"]);
    assert_ne!(generate(&s).tasks[0]["taskId"], other_id.tasks[0]["taskId"]);
    let fixed = generate(&SyntheticSpec {
        uuid: Some("0b6f6c7e-3c1d-4a8e-9f00-6d2b1c9e4a11".into()),
        ..s
    });
    assert_eq!(fixed.run["uuid"], "0b6f6c7e-3c1d-4a8e-9f00-6d2b1c9e4a11");
}

#[test]
fn ids_agree_and_metrics_are_consistent() {
    let run = generate(&SyntheticSpec {
        tasks: 257,
        failed: 2,
        cached: 3,
        gpu: 2,
        ..spec(0)
    });
    let (lines, bad) = parsed_manifest(&run);
    assert_eq!(bad, 0);
    let head = &lines[0];
    assert_eq!(head["arn"], run.run["arn"]);
    assert_eq!(head["uuid"], run.run["uuid"]);
    assert!(is_uuid_v4(run.run["uuid"].as_str().unwrap()));
    let api_ids: BTreeSet<&str> = run
        .tasks
        .iter()
        .map(|t| t["taskId"].as_str().unwrap())
        .collect();
    assert_eq!(api_ids.len(), run.tasks.len(), "task ids are unique");
    let manifest_ids: BTreeSet<&str> = lines[1..]
        .iter()
        .map(|l| l["arn"].as_str().unwrap().rsplit_once("task/").unwrap().1)
        .collect();
    assert_eq!(api_ids, manifest_ids);
    for task in &lines[1..] {
        assert_eq!(task["run"], run.run["arn"]);
        assert!(is_uuid_v4(task["uuid"].as_str().unwrap()));
        assert!(task.to_string().len() < 4096);
        if let Some(m) = task.get("metrics") {
            check_task_metrics(task, m);
        }
    }
    let m = &head["metrics"];
    assert!(m["storageReservedGiB"].as_f64() >= m["storageMaximumGiB"].as_f64());
    assert!(m["storageMaximumGiB"].as_f64() >= m["storageAverageGiB"].as_f64());
    let run_secs =
        (strict_ts(&head["stopTime"]) - strict_ts(&head["startTime"])).num_milliseconds();
    assert_eq!(
        (m["runningSeconds"].as_f64().unwrap() * 1000.0).round() as i64,
        run_secs
    );
    // Run times bracket task times.
    let (start, stop) = (
        strict_ts(&run.run["startTime"]),
        strict_ts(&run.run["stopTime"]),
    );
    for task in &run.tasks {
        if let Some(t) = task.get("startTime") {
            assert!(strict_ts(t) >= start);
            assert!(strict_ts(&task["creationTime"]) <= strict_ts(t));
        }
        if let Some(t) = task.get("stopTime") {
            assert!(strict_ts(t) <= stop);
        }
    }
}

fn check_task_metrics(task: &Value, m: &Value) {
    let f = |k: &str| {
        m[k].as_f64()
            .unwrap_or_else(|| panic!("{k} missing in {task}"))
    };
    assert!(
        f("cpusReserved") >= f("cpusMaximum") && f("cpusMaximum") >= f("cpusAverage"),
        "{task}"
    );
    assert!(
        f("memoryReservedGiB") >= f("memoryMaximumGiB")
            && f("memoryMaximumGiB") >= f("memoryAverageGiB"),
        "{task}"
    );
    let instance =
        instances::parse(task["instanceType"].as_str().expect("instanceType")).expect("known type");
    assert_eq!(f("cpusReserved"), f64::from(instance.vcpus), "{task}");
    assert_eq!(
        f("memoryReservedGiB"),
        f64::from(instance.memory_gib),
        "{task}"
    );
    assert_eq!(f("gpusReserved"), f64::from(instance.gpus), "{task}");
    assert!(f("cpusReserved") >= task["cpus"].as_f64().unwrap());
    assert!(f("memoryReservedGiB") >= task["memory"].as_f64().unwrap());
    let start = parse_ts(task["startTime"].as_str().unwrap());
    let stop = parse_ts(task["stopTime"].as_str().unwrap());
    let diff = (stop - start).num_milliseconds() as f64 / 1000.0;
    assert!(
        (f("runningSeconds") - diff).abs() < 1.0,
        "runningSeconds vs times in {task}"
    );
}

#[test]
fn malformed_lines_are_counted() {
    for n in [0, 1, 3] {
        let run = generate(&SyntheticSpec {
            tasks: 40,
            malformed_lines: n,
            ..spec(0)
        });
        let (ok, bad) = parsed_manifest(&run);
        assert_eq!(bad, n);
        assert_eq!(ok.len(), 41 - n);
        assert!(
            ok[0]["arn"].as_str().unwrap().contains(":run/"),
            "the run line stays intact"
        );
    }
}

#[test]
fn failed_cancelled_and_running_runs() {
    let failed = generate(&SyntheticSpec {
        tasks: 50,
        failed: 1,
        status: "FAILED".into(),
        ..spec(0)
    });
    assert_eq!(count_status(&failed, "FAILED"), 1);
    assert_eq!(count_status(&failed, "CANCELLED"), 5);
    assert_eq!(failed.run["failureReason"], "WORKFLOW_RUN_FAILED");
    assert!(
        failed.run["statusMessage"]
            .as_str()
            .unwrap()
            .contains("failed")
    );
    let failed_task = failed
        .tasks
        .iter()
        .find(|t| t["status"] == "FAILED")
        .unwrap();
    assert!(failed_task["failureReason"].is_string() && failed_task["statusMessage"].is_string());

    let cancelled = generate(&SyntheticSpec {
        tasks: 6,
        status: "CANCELLED".into(),
        ..spec(0)
    });
    assert_eq!(count_status(&cancelled, "CANCELLED"), 1);
    assert_eq!(cancelled.manifest.len(), 7);

    let running = generate(&SyntheticSpec {
        tasks: 30,
        status: "RUNNING".into(),
        ..spec(0)
    });
    assert!(running.manifest.is_empty());
    assert!(running.run.get("stopTime").is_none());
    assert_eq!(
        count_status(&running, "RUNNING") + count_status(&running, "PENDING"),
        6
    );
    for task in running.tasks.iter().filter(|t| t["status"] == "PENDING") {
        assert!(task.get("startTime").is_none() && task.get("stopTime").is_none());
    }
}

#[test]
fn no_nulls_in_api_bodies() {
    fn walk(v: &Value) {
        match v {
            Value::Null => panic!("null in an API body"),
            Value::Array(a) => a.iter().for_each(walk),
            Value::Object(o) => o.values().for_each(walk),
            _ => {}
        }
    }
    let run = generate(&SyntheticSpec {
        tasks: 60,
        failed: 2,
        cached: 2,
        gpu: 1,
        ..spec(0)
    });
    walk(&run.run);
    run.tasks.iter().for_each(walk);
}

#[test]
fn seed_body_and_fixture_dir() {
    let run = generate(&SyntheticSpec {
        tasks: 12,
        ..spec(0)
    });
    let body = to_seed_body(&run);
    assert_eq!(body["run"], run.run);
    assert_eq!(body["tasks"].as_array().unwrap().len(), 12);
    assert_eq!(body["manifest"].as_array().unwrap().len(), 13);

    let dir = std::env::temp_dir().join(format!("synth-fixture-{}", std::process::id()));
    write_fixture_dir(&run, &dir).unwrap();
    let back: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(back, run.run);
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
    assert_eq!(manifest.lines().count(), 13);
    let running = generate(&SyntheticSpec {
        tasks: 12,
        status: "RUNNING".into(),
        ..spec(0)
    });
    write_fixture_dir(&running, &dir).unwrap();
    assert!(
        !dir.join("manifest.jsonl").exists(),
        "stale manifest removed"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hundred_thousand_tasks_are_fast_and_lines_small() {
    let started = Instant::now();
    let run = generate(&SyntheticSpec {
        tasks: 100_000,
        failed: 10,
        cached: 100,
        gpu: 50,
        ..spec(0)
    });
    let elapsed = started.elapsed();
    assert_eq!(run.tasks.len(), 100_000);
    assert_eq!(run.manifest.len(), 100_001);
    assert!(run.manifest.iter().all(|l| l.len() < 4096));
    // Well under 2 s in release; the unoptimised test build gets more room on a busy 2-core machine.
    let budget = if cfg!(debug_assertions) { 15.0 } else { 2.0 };
    assert!(elapsed.as_secs_f64() < budget, "took {elapsed:?}");
}

/// The 250-task fixture is what `make fixtures` writes: regenerate it after changing the generator.
#[test]
fn committed_250_task_fixture_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runs/1000006");
    let run = generate(&fixture_1000006_spec());
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(committed, run.run, "run `make fixtures`");
    let tasks: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tasks.json")).unwrap()).unwrap();
    assert_eq!(tasks, run.tasks, "run `make fixtures`");
    // Compared as JSON values: whether serde_json keeps insertion order depends on which workspace members
    // are built together (feature unification), so key order in the text is not stable across builds.
    let parse = |line: &str| serde_json::from_str::<Value>(line).unwrap();
    let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
    assert_eq!(
        manifest.lines().map(parse).collect::<Vec<_>>(),
        run.manifest
            .iter()
            .map(|line| parse(line))
            .collect::<Vec<_>>(),
        "run `make fixtures`"
    );
}

/// Must match the `fixtures` target of the Makefile.
fn fixture_1000006_spec() -> SyntheticSpec {
    SyntheticSpec {
        run_id: "1000006".into(),
        uuid: Some("5e0c8a2f-7b1d-4c3e-a9f4-2d6b8e1f0c37".into()),
        tasks: 250,
        failed: 0,
        cached: 4,
        gpu: 2,
        seed: 1_000_006,
        status: "COMPLETED".into(),
        malformed_lines: 0,
    }
}

/// Every committed fixture: shapes, ids, metrics and the quirk inventory of `tests/fixtures/README.md`.
#[test]
fn committed_fixtures_are_consistent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/runs");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 6, "fixtures missing under {}", root.display());
    let mut malformed_total = 0;
    let mut run_ids = BTreeSet::new();
    let mut all_task_ids = BTreeSet::new();
    for dir in &dirs {
        let id = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let read = |name: &str| std::fs::read_to_string(dir.join(name));
        let run: Value = serde_json::from_str(&read("run.json").unwrap()).unwrap();
        let tasks: Vec<Value> = serde_json::from_str(&read("tasks.json").unwrap()).unwrap();
        check_api_bodies(&id, &run, &tasks);
        assert!(run_ids.insert(run["uuid"].as_str().unwrap().to_owned()));
        for task in &tasks {
            assert!(
                all_task_ids.insert(task["taskId"].as_str().unwrap().to_owned()),
                "task id reused"
            );
        }
        let Ok(manifest) = read("manifest.jsonl") else {
            assert!(
                run.get("stopTime").is_none(),
                "{id}: a finished fixture run has a manifest"
            );
            continue;
        };
        malformed_total += check_manifest(&id, &run, &tasks, &manifest);
    }
    assert_eq!(
        malformed_total, 1,
        "exactly one malformed manifest line across the fixtures"
    );
}

fn check_api_bodies(id: &str, run: &Value, tasks: &[Value]) {
    fn no_nulls(v: &Value, at: &str) {
        match v {
            Value::Null => panic!("{at}: null in an API body"),
            Value::Array(a) => a.iter().for_each(|x| no_nulls(x, at)),
            Value::Object(o) => o.values().for_each(|x| no_nulls(x, at)),
            _ => {}
        }
    }
    no_nulls(run, id);
    assert_eq!(run["id"], id);
    assert_eq!(
        run["arn"],
        format!("arn:aws:omics:us-east-1:123456789012:run/{id}")
    );
    assert!(id.len() == 7 && id.bytes().all(|b| b.is_ascii_digit()));
    assert!(is_uuid_v4(run["uuid"].as_str().unwrap()), "{id}: uuid");
    let run_start = run.get("startTime").map(strict_ts);
    let run_stop = run.get("stopTime").map(strict_ts);
    assert!(
        strict_ts(&run["creationTime"]) <= run_start.unwrap(),
        "{id}"
    );
    assert!(
        run_stop.is_none_or(|stop| run_start.unwrap() <= stop),
        "{id}"
    );
    let mut ids = BTreeSet::new();
    for task in tasks {
        no_nulls(task, id);
        let task_id = task["taskId"].as_str().unwrap();
        assert!(task_id.bytes().all(|b| b.is_ascii_digit()) && !task_id.is_empty());
        assert!(ids.insert(task_id), "{id}: duplicate task {task_id}");
        for key in [
            "taskId",
            "status",
            "name",
            "cpus",
            "memory",
            "cacheHit",
            "imageDetails",
        ] {
            assert!(task.get(key).is_some(), "{id}/{task_id}: {key} missing");
        }
        let cached = task["cacheHit"] == true;
        let times: Vec<_> = ["creationTime", "startTime", "stopTime"]
            .iter()
            .filter_map(|key| task.get(*key).map(|t| (*key, strict_ts(t))))
            .collect();
        assert!(
            !cached || times.is_empty(),
            "{id}/{task_id}: cached task with times"
        );
        assert!(
            times.windows(2).all(|w| w[0].1 <= w[1].1),
            "{id}/{task_id}: times out of order"
        );
        for (key, t) in &times {
            assert!(
                run_start.is_some_and(|s| s <= *t),
                "{id}/{task_id}: {key} before the run started"
            );
            assert!(
                run_stop.is_none_or(|s| *t <= s),
                "{id}/{task_id}: {key} after the run stopped"
            );
        }
        if cached {
            assert!(task["cacheS3Uri"].is_string());
        }
        if let Some(instance) = task.get("instanceType") {
            let instance =
                instances::parse(instance.as_str().unwrap()).expect("known instance type");
            assert!(
                u64::from(instance.vcpus) >= task["cpus"].as_u64().unwrap(),
                "{id}/{task_id}"
            );
            assert!(
                u64::from(instance.memory_gib) >= task["memory"].as_u64().unwrap(),
                "{id}/{task_id}"
            );
        }
        if task["status"] == "FAILED" {
            assert!(task["failureReason"].is_string() && task["statusMessage"].is_string());
        }
    }
}

/// Returns the number of malformed lines.
fn check_manifest(id: &str, run: &Value, tasks: &[Value], manifest: &str) -> usize {
    let mut malformed = 0;
    let mut lines = Vec::new();
    for line in manifest.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Value>(line) {
            Ok(v) => lines.push(v),
            Err(_) => malformed += 1,
        }
    }
    let head = &lines[0];
    assert_eq!(head["arn"], run["arn"], "{id}: the run object comes first");
    assert_eq!(head["uuid"], run["uuid"], "{id}");
    if let Some(m) = head.get("metrics").filter(|m| !m.is_null()) {
        let f = |k: &str| m[k].as_f64().unwrap();
        if head["storageType"] == "STATIC" {
            assert!(f("storageReservedGiB") >= f("storageMaximumGiB"), "{id}");
            assert_eq!(m["storageReservedGiB"], run["storageCapacity"], "{id}");
        }
        assert!(f("storageMaximumGiB") >= f("storageAverageGiB"), "{id}");
        let start = parse_ts(head["startTime"].as_str().unwrap());
        let stop = parse_ts(head["stopTime"].as_str().unwrap());
        let diff = (stop - start).num_milliseconds() as f64 / 1000.0;
        assert!(
            (f("runningSeconds") - diff).abs() < 1.0,
            "{id}: run runningSeconds"
        );
    }
    let api: BTreeSet<&str> = tasks
        .iter()
        .map(|t| t["taskId"].as_str().unwrap())
        .collect();
    let mut seen = BTreeSet::new();
    for task in &lines[1..] {
        let arn = task["arn"].as_str().unwrap();
        let task_id = arn.rsplit_once(":task/").expect("task arn").1;
        assert!(
            api.contains(task_id),
            "{id}: manifest task {task_id} not in tasks.json"
        );
        assert!(seen.insert(task_id.to_owned()));
        assert_eq!(task["run"], run["arn"], "{id}/{task_id}");
        assert!(
            is_uuid_v4(task["uuid"].as_str().unwrap()),
            "{id}/{task_id}: uuid"
        );
        let api_task = tasks.iter().find(|t| t["taskId"] == task_id).unwrap();
        assert_eq!(task["name"], api_task["name"], "{id}/{task_id}");
        assert_eq!(task["uuid"], api_task["uuid"], "{id}/{task_id}");
        if api_task["cacheHit"] == true {
            assert_eq!(task["cacheHit"], true, "{id}/{task_id}");
            assert_eq!(task["cacheS3Uri"], api_task["cacheS3Uri"], "{id}/{task_id}");
        }
        for key in ["creationTime", "startTime", "stopTime"] {
            if let Some(t) = task.get(key).and_then(Value::as_str) {
                parse_ts(t);
            }
        }
        if let Some(m) = task.get("metrics").filter(|m| !m.is_null()) {
            check_task_metrics(task, m);
        }
    }
    if malformed == 0 && run["status"] != "FAILED" {
        assert_eq!(
            seen.len(),
            api.len(),
            "{id}: manifest and tasks.json list the same tasks"
        );
    }
    malformed
}

#[test]
fn adversarial_shape_has_ungroupable_long_names_and_per_task_digests() {
    use omics_introspect::analysis::names::{Engine, base_name};
    use omics_introspect::manifest::{ManifestRecord, parse_line};

    let tasks = 2_000;
    let run = generate_shaped(&spec(tasks), Shape::Adversarial);
    assert_eq!(run.tasks.len(), tasks);
    let names: BTreeSet<&str> = run
        .tasks
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), Shape::Adversarial.distinct_names(tasks));
    assert_eq!(names.len(), 600);
    for name in &names {
        assert!(name.chars().count() >= ADVERSARIAL_NAME_CHARS, "{name}");
        assert!(
            name.len() >= 2 * ADVERSARIAL_NAME_CHARS,
            "multi-byte: {name}"
        );
        for engine in [Engine::Wdl, Engine::Nextflow, Engine::Cwl, Engine::Unknown] {
            assert_eq!(base_name(name, engine), *name, "{engine:?} groups {name}");
        }
    }
    let digests: BTreeSet<&str> = run
        .tasks
        .iter()
        .map(|t| t["imageDetails"]["imageDigest"].as_str().unwrap())
        .collect();
    assert_eq!(digests.len(), tasks, "every task its own image digest");
    let uuids: BTreeSet<&str> = run
        .tasks
        .iter()
        .map(|t| t["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(uuids.len(), tasks);

    // Every manifest task line parses (strict JSON and the enrichment's parser) and agrees with its API body.
    let by_id: std::collections::HashMap<&str, &Value> = run
        .tasks
        .iter()
        .map(|t| (t["taskId"].as_str().unwrap(), t))
        .collect();
    for line in &run.manifest[1..] {
        let value: Value = serde_json::from_str(line).unwrap();
        let ManifestRecord::Task(task) = parse_line(line).unwrap() else {
            panic!("not a task line: {line}");
        };
        let body = by_id[task.task_id.as_str()];
        assert_eq!(task.name.as_deref(), body["name"].as_str());
        assert_eq!(value["imageDigest"], body["imageDetails"]["imageDigest"]);
    }
    assert_eq!(
        generate_shaped(&spec(tasks), Shape::Pipeline),
        generate(&spec(tasks)),
        "the pipeline shape is the default generator"
    );
    assert_eq!("Adversarial".parse::<Shape>(), Ok(Shape::Adversarial));
    assert!("wide".parse::<Shape>().is_err());
}

#[test]
fn the_event_stream_replayed_in_any_order_counts_every_task_as_its_final_status() {
    use omics_introspect::live::{LiveEvent, Observed, TaskBoard, parse_live_event};
    let run = generate(&SyntheticSpec {
        failed: 3,
        cached: 10,
        status: "FAILED".into(),
        ..spec(400)
    });
    let events = event_stream(&run);
    let mut want = std::collections::BTreeMap::new();
    for task in &run.tasks {
        *want
            .entry(task["status"].as_str().unwrap().to_owned())
            .or_insert(0_u64) += 1;
    }
    let times: Vec<&str> = events.iter().map(|e| e["time"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
    assert!(
        times.iter().all(|t| t.len() == 20),
        "whole seconds: {:?}",
        times[0]
    );
    let mut rng = fastrand::Rng::with_seed(7);
    let mut replay: Vec<Value> = events.iter().chain(events.iter()).cloned().collect();
    rng.shuffle(&mut replay);
    let mut board = TaskBoard::default();
    let mut run_statuses = BTreeSet::new();
    for event in replay {
        assert!(
            event["detail"].get("taskId").is_none(),
            "the task only by ARN"
        );
        match parse_live_event(event).expect("every event reads") {
            LiveEvent::Task(task) => {
                assert_eq!(task.run_id.as_str(), "1234567");
                board.observe(
                    task.task_id.as_str(),
                    Observed {
                        status: task.status,
                        at: task.at,
                    },
                );
            }
            LiveEvent::Run(change) => {
                run_statuses.insert(change.status.as_str().to_owned());
            }
            LiveEvent::Batch(_) => panic!("no batch events"),
        }
    }
    assert_eq!(board.len(), run.tasks.len());
    assert_eq!(board.counts(), want);
    let expected: BTreeSet<String> = ["PENDING", "STARTING", "RUNNING", "STOPPING", "FAILED"]
        .map(String::from)
        .into();
    assert_eq!(run_statuses, expected);
}
