//! Shared setup of the analysis tests (`tests/analysis_*.rs`): enriched records built straight from fixture and
//! synthetic bodies (no stack), and a headless Chromium that screenshots a page.

#![allow(dead_code)] // Each test binary uses a different part of this module.

pub mod devtools;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use omics_introspect::enrich::{
    EnrichedRun, EnrichedTask, ManifestInfo, ReportHead, ReportSummary, RunInfo, SourceFlags,
};
use omics_introspect::record::RunUuid;
use omics_introspect::status::{RunStatus, TaskStatus};
use omics_introspect::time::parse_timestamp;
use serde_json::Value;

/// Repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn time(value: &Value, key: &str) -> Option<omics_introspect::time::Timestamp> {
    value
        .get(key)?
        .as_str()
        .and_then(|t| parse_timestamp(t).ok())
}

/// An enriched record from a GetRun body and GetRunTask bodies: enough for the timeline (times, status, cache
/// hits, names, instance types), no manifest metrics.
pub fn record_from_bodies(run: &Value, tasks: &[Value]) -> EnrichedRun {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let info = RunInfo {
        name: text(run, "name"),
        storage_type: text(run, "storageType"),
        storage_capacity: run.get("storageCapacity").and_then(Value::as_i64),
        creation_time: time(run, "creationTime"),
        start_time: time(run, "startTime"),
        stop_time: time(run, "stopTime"),
        ..RunInfo::default()
    };
    let tasks = tasks
        .iter()
        .map(|t| {
            let (creation, start, stop) = (
                time(t, "creationTime"),
                time(t, "startTime"),
                time(t, "stopTime"),
            );
            let seconds = |a: Option<omics_introspect::time::Timestamp>,
                           b: Option<omics_introspect::time::Timestamp>| {
                a.zip(b)
                    .map(|(a, b)| (b - a).num_milliseconds() as f64 / 1000.0)
            };
            EnrichedTask {
                task_id: text(t, "taskId").unwrap_or_default(),
                name: text(t, "name"),
                status: text(t, "status").map(|s| TaskStatus::from_api(&s)),
                source: "api".into(),
                instance_type: text(t, "instanceType"),
                creation_time: creation,
                start_time: start,
                stop_time: stop,
                queue_seconds: seconds(creation, start),
                running_seconds: seconds(start, stop),
                cache_hit: t.get("cacheHit").and_then(Value::as_bool),
                ..EnrichedTask::default()
            }
        })
        .collect();
    EnrichedRun {
        head: ReportHead {
            schema_version: 1,
            run_id: text(run, "id").unwrap_or_default(),
            uuid: text(run, "uuid")
                .and_then(|uuid| RunUuid::parse(&uuid).ok())
                .expect("the GetRun body has a well-formed uuid"),
            arn: text(run, "arn"),
            status: text(run, "status").map_or(RunStatus::Completed, |s| RunStatus::from_api(&s)),
            enriched_at: String::new(),
            enriched_at_source: "test".into(),
            sources: SourceFlags::default(),
            manifest_complete: false,
            manifest: ManifestInfo::default(),
            run: info,
            parameters: None,
            resource_digests: None,
            summary: ReportSummary::default(),
            failed_tasks: Vec::new(),
            cost: None,
            rightsizing: None,
            diagnosis: None,
            warnings: Vec::new(),
        },
        tasks,
    }
}

/// The fixture run `run_id` (tests/fixtures/runs/<id>) as a record.
pub fn fixture_record(run_id: &str) -> EnrichedRun {
    let dir = root().join("tests/fixtures/runs").join(run_id);
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let tasks = read("tasks.json");
    record_from_bodies(&read("run.json"), tasks.as_array().unwrap())
}

/// The Chromium binary: `$CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// [`chromium`], or `None` after saying the browser test is skipped; under CI (`CI` set) a missing browser fails
/// the test instead: `.ci/run` installs it.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed: .ci/run must `apt-get install -y chromium`"
        );
        eprintln!("SKIPPED: chromium is not installed (apt-get install -y chromium)");
    }
    found
}

/// What a headless Chromium run produced.
pub struct Screenshot {
    /// The PNG.
    pub png: PathBuf,
    /// Chromium's stderr log.
    pub log: String,
    /// Lines of the log that are console messages of the page (`:CONSOLE`).
    pub console: Vec<String>,
}

/// Screenshots `page` (a file) at `width` × `height` into `out_dir`, with a fresh profile, no network services.
pub fn screenshot(
    chromium: &Path,
    page: &Path,
    out_dir: &Path,
    width: u32,
    height: u32,
) -> Screenshot {
    let profile = out_dir.join("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);
    std::fs::create_dir_all(&profile).unwrap();
    let png = out_dir.join("screenshot.png");
    let _ = std::fs::remove_file(&png);
    let started = Instant::now();
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("running chromium");
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "chromium took {:?}",
        started.elapsed()
    );
    let log = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "chromium failed: {log}");
    let console = log
        .lines()
        .filter(|line| line.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    Screenshot { png, log, console }
}

/// Pixel statistics of a PNG.
pub struct Pixels {
    /// Width × height.
    pub total: u64,
    /// Pixels that are not (near) white.
    pub ink: u64,
    /// Pixels near each given colour.
    pub near: Vec<u64>,
}

/// Decodes `png` and counts non-white pixels and pixels within 40 (per channel) of each of `colours`.
pub fn pixels(png: &Path, colours: &[[u8; 3]]) -> Pixels {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    assert!(
        channels >= 3,
        "unexpected colour type {:?}",
        info.color_type
    );
    let data = &buffer[..info.buffer_size()];
    let mut stats = Pixels {
        total: u64::from(info.width) * u64::from(info.height),
        ink: 0,
        near: vec![0; colours.len()],
    };
    for pixel in data.chunks_exact(channels) {
        let rgb = [pixel[0], pixel[1], pixel[2]];
        if rgb.iter().any(|c| *c < 245) {
            stats.ink += 1;
        }
        for (i, colour) in colours.iter().enumerate() {
            if rgb.iter().zip(colour).all(|(a, b)| a.abs_diff(*b) <= 40) {
                stats.near[i] += 1;
            }
        }
    }
    stats
}

/// The record enrichment would store for a run given as bodies (GetRun, GetRunTask) and manifest lines: built by
/// the real [`EnrichmentBuilder`] with the bundled prices, so tasks carry manifest metrics and costs and the head
/// carries the cost, right-sizing and diagnosis sections. `log` gives a failed task's log lines (oldest first).
pub fn enriched_record(
    run: &Value,
    tasks: &[Value],
    manifest: &[String],
    log: impl Fn(u64) -> Vec<String>,
) -> EnrichedRun {
    use omics_introspect::RunId;
    use omics_introspect::analysis::Settings;
    use omics_introspect::enrich::{
        BuildInputs, EnrichmentBuilder, LOG_TAIL_LINES, LogTail, MAX_FAILED_DETAILS, ManifestRead,
        TaskListing, gunzip, sha256_hex,
    };
    use omics_introspect::manifest::{ManifestPage, ManifestRecord, ParseWarnings, parse_line};
    use omics_introspect::omics::{Run, Task};

    let text = |k: &str| run.get(k).and_then(Value::as_str).unwrap_or_default();
    let mut builder = EnrichmentBuilder::new(
        RunId::parse(text("id")).expect("a numeric run id"),
        RunUuid::parse(text("uuid")).expect("a well-formed uuid"),
        "/aws/omics/WorkflowLog",
    );
    builder.set_api_run(serde_json::from_value::<Run>(run.clone()).expect("a GetRun body"));
    let mut page = ManifestPage::default();
    let mut warnings = ParseWarnings::default();
    for line in manifest {
        match parse_line(line) {
            Ok(ManifestRecord::Run(r)) => page.run = Some(*r),
            Ok(ManifestRecord::Task(t)) => page.tasks.push(*t),
            Err(_) => warnings.malformed_lines += 1,
        }
    }
    builder.add_manifest_page(page);
    let raw: String = manifest.iter().map(|l| format!("{l}\n")).collect();
    builder.finish_manifest(ManifestRead {
        found: !manifest.is_empty(),
        lines: manifest.len() as u64,
        digest: (!manifest.is_empty()).then(|| format!("sha256:{}", sha256_hex(raw.as_bytes()))),
        warnings,
    });
    let bodies: Vec<Task> = tasks
        .iter()
        .map(|t| serde_json::from_value(t.clone()).expect("a GetRunTask body"))
        .collect();
    builder.set_listing(TaskListing::new(TaskListing::LISTED, "built by the tests"));
    builder.mark_list_attempted();
    builder.add_task_page(bodies.clone());
    builder.mark_tasks_listed();
    for id in builder.failed_task_ids(MAX_FAILED_DETAILS) {
        let detail = bodies
            .iter()
            .find(|t| t.task_id.as_deref() == Some(id.to_string().as_str()))
            .cloned();
        let mut lines = log(id);
        let note = lines.is_empty().then(|| "no log".to_owned());
        let keep = usize::try_from(LOG_TAIL_LINES).unwrap_or(50);
        lines.drain(..lines.len().saturating_sub(keep));
        builder.add_failed_detail(id, detail, LogTail { lines, note });
    }
    let status = RunStatus::from_api(text("status"));
    let built = builder
        .build(
            BuildInputs {
                status,
                fallback_enriched_at: (chrono::Utc::now(), "clock"),
                workflow_name: None,
            },
            &Settings::default(),
        )
        .expect("building the record");
    serde_json::from_slice(&gunzip(&built.report.gzip.to_vec().unwrap()).unwrap()).unwrap()
}

/// The fixture run `run_id` as enrichment stores it ([`enriched_record`]), with its `task-logs/<id>.log` files.
pub fn enriched_fixture(run_id: &str) -> EnrichedRun {
    let dir = root().join("tests/fixtures/runs").join(run_id);
    let read = |name: &str| std::fs::read_to_string(dir.join(name));
    let run: Value = serde_json::from_str(&read("run.json").unwrap()).unwrap();
    let tasks: Value = serde_json::from_str(&read("tasks.json").unwrap()).unwrap();
    let manifest: Vec<String> = read("manifest.jsonl")
        .map(|m| {
            m.lines()
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    enriched_record(&run, tasks.as_array().unwrap(), &manifest, |id| {
        read(&format!("task-logs/{id}.log"))
            .map(|log| log.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    })
}
