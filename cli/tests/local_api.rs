//! The CLI binary against a real `local-api` process on the local stack (moto and the HealthOmics emulator seeded
//! with `tests/fixtures`): the same answers as tables and as JSON, paging through the 250-task fixture run, stored
//! records (report, compare, fleet, profile) after `enrich-run invoke` of the fixture runs' events, and the exit
//! codes (2 not found, 1 usage), and the progress of a live synthetic run whose events `track-run invoke` folded.
//!
//! Needs the local stack and the `local-api`, `enrich-run`, `track-run` and `synth-run` binaries beside this
//! crate's binary: run through
//! `make test`, which starts the stack, sources `.local/stack.env` and builds every target first. Without the
//! stack the tests fail, saying so.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// A variable of the local stack, or a panic that says how to get it.
fn stack_env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "environment variable {name} is not set: run the integration tests through `make test`, which starts \
             the local stack and sources .local/stack.env"
        ),
    }
}

/// A binary of the workspace built beside `omics-introspect` (`<target>/debug/<name>`).
fn workspace_bin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_omics-introspect"))
        .parent()
        .expect("binaries live in <target>/<profile>")
        .join(name);
    assert!(
        path.is_file(),
        "{} not found: build it with `cargo build -p {name}` (make test builds every target)",
        path.display()
    );
    path
}

/// The repository root (fixture events).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the workspace")
        .to_path_buf()
}

/// A `local-api` child process on a free loopback port, killed when dropped.
struct LocalApi {
    child: Child,
    url: String,
}

impl LocalApi {
    fn start() -> Self {
        for name in [
            "AWS_ENDPOINT_URL_OMICS",
            "AWS_ENDPOINT_URL",
            "CURSOR_SECRET",
            "RUNS_TABLE_NAME",
        ] {
            stack_env(name);
        }
        let mut child = Command::new(workspace_bin("local-api"))
            .env("LOCAL_API_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting local-api");
        let stdout = child.stdout.take().expect("local-api stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("LISTENING ") {
                    let _ = sender.send(url.trim().to_owned());
                }
            }
        });
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => Self { child, url },
            Err(_) => {
                let _ = child.kill();
                panic!("local-api did not print LISTENING within 60 s (see its log above)");
            }
        }
    }

    /// Runs the CLI against this API (unsigned: http), with the test's environment.
    fn cli(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_omics-introspect"))
            .args(args)
            .env("OMICS_INTROSPECT_API_URL", &self.url)
            .env("NO_PROXY", "127.0.0.1")
            .output()
            .expect("running omics-introspect")
    }

    /// Runs the CLI, expects exit 0, returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.cli(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: stderr {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// Runs the CLI with `-o json`, expects exit 0, returns the parsed JSON.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {text}"))
    }

    /// Runs the CLI, expects `code`, returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let output = self.cli(args);
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: stderr {stderr}"
        );
        assert!(output.stdout.is_empty(), "{args:?} printed on stdout");
        stderr
    }
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Stores the enriched records of the fixture runs 1000001 (COMPLETED) and 1000002 (FAILED), as the Lambda would
/// on their events; once per test process (a second `invoke` finds them stored and writes nothing).
fn enrich_fixture_runs() {
    static DONE: Mutex<bool> = Mutex::new(false);
    let mut done = DONE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if *done {
        return;
    }
    for event in ["run-status-completed.json", "run-status-failed.json"] {
        let output = Command::new(workspace_bin("enrich-run"))
            .arg("invoke")
            .arg("--event")
            .arg(root().join("events").join(event))
            .env("RUST_LOG", "warn")
            .output()
            .expect("running enrich-run");
        assert!(
            output.status.success(),
            "enrich-run invoke --event {event}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    *done = true;
}

fn items(value: &Value) -> &Vec<Value> {
    value.as_array().expect("a list prints one JSON array")
}

fn ids<'a>(list: &'a Value, key: &str) -> Vec<&'a str> {
    items(list)
        .iter()
        .filter_map(|item| item[key].as_str())
        .collect()
}

/// The data rows of a rendered table (lines between the header's rule and the bottom border).
fn table_rows(table: &str) -> Vec<&str> {
    table
        .lines()
        .skip_while(|line| !line.starts_with('╞'))
        .skip(1)
        .filter(|line| line.starts_with('│'))
        .collect()
}

/// The row of a name / value table whose name is `label`.
fn row<'a>(table: &'a str, label: &str) -> &'a str {
    let start = format!("│ {label} ");
    table
        .lines()
        .find(|line| line.starts_with(&start))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{table}"))
}

fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{text}"))
}

#[test]
fn runs_as_tables_and_json() {
    let api = LocalApi::start();
    let completed = api.json(&["runs", "list", "--status", "completed", "--all"]);
    let listed = ids(&completed, "id");
    for run_id in ["1000001", "1000004", "1000006"] {
        assert!(listed.contains(&run_id), "{run_id} not in {listed:?}");
    }
    assert!(
        items(&completed)
            .iter()
            .all(|run| run["status"] == "COMPLETED"),
        "the status filter reached the API"
    );
    let table = api.ok(&["runs", "list", "--status", "COMPLETED", "--all"]);
    assert!(table.lines().nth(1).unwrap().contains("RUN ID"), "{table}");
    assert_eq!(
        table_rows(&table).len(),
        listed.len(),
        "one row per run\n{table}"
    );

    let run = api.json(&["runs", "get", "1000002"]);
    assert_eq!(
        (run["id"].as_str(), run["status"].as_str()),
        (Some("1000002"), Some("FAILED"))
    );
    let table = api.ok(&["runs", "get", "1000002"]);
    assert!(row(&table, "Status").contains("FAILED"), "{table}");
    assert!(row(&table, "Name").contains(run["name"].as_str().unwrap()));
    assert!(row(&table, "Failure reason").contains(run["failureReason"].as_str().unwrap()));

    let message = api.fails(&["runs", "get", "999999999"], 2);
    assert!(
        message.contains("(HTTP 404, NotFound, request id "),
        "{message}"
    );
}

#[test]
fn tasks_page_through_the_250_task_run() {
    let api = LocalApi::start();
    let all = api.json(&["tasks", "list", "1000006", "--all"]);
    let mut task_ids = ids(&all, "taskId");
    assert_eq!(task_ids.len(), 250, "three pages of 100, 100 and 50");
    task_ids.sort_unstable();
    task_ids.dedup();
    assert_eq!(task_ids.len(), 250, "no task twice");

    let output = api.cli(&["tasks", "list", "1000006", "--limit", "10"]);
    assert_eq!(output.status.code(), Some(0));
    let table = String::from_utf8(output.stdout).unwrap();
    assert_eq!(table_rows(&table).len(), 10, "{table}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("more tasks remain: --all fetches every page, --cursor "),
        "{stderr}"
    );

    // The next page through the printed cursor continues where the first stopped.
    let cursor = stderr
        .split("--cursor ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the next page's cursor");
    let first = api.json(&["tasks", "list", "1000006", "--limit", "10"]);
    let second = api.json(&[
        "tasks", "list", "1000006", "--limit", "10", "--cursor", cursor,
    ]);
    assert_eq!(ids(&first, "taskId"), task_ids_in_order(&all)[..10]);
    assert_eq!(ids(&second, "taskId"), task_ids_in_order(&all)[10..20]);

    let failed = api.json(&["tasks", "list", "1000002", "--status", "failed"]);
    assert!(!items(&failed).is_empty());
    assert!(items(&failed).iter().all(|task| task["status"] == "FAILED"));
    let task_id = items(&failed)[0]["taskId"].as_str().unwrap();
    let table = api.ok(&["tasks", "get", "1000002", task_id]);
    assert!(row(&table, "Status").contains("FAILED"), "{table}");
    assert!(row(&table, "Memory").contains("GiB"), "{table}");
}

fn task_ids_in_order(list: &Value) -> Vec<&str> {
    ids(list, "taskId")
}

/// The CLI's dollar format, to find the API's number in a table.
fn usd(amount: f64) -> String {
    if amount.abs() >= 1.0 || amount == 0.0 {
        format!("${amount:.2}")
    } else {
        format!("${amount:.4}")
    }
}

#[test]
fn stored_records_report_compare_fleet_and_profile() {
    enrich_fixture_runs();
    let api = LocalApi::start();

    let report = api.json(&["report", "1000002"]);
    assert_eq!(
        (report["runId"].as_str(), report["status"].as_str()),
        (Some("1000002"), Some("FAILED"))
    );
    let table = api.ok(&["report", "1000002"]);
    let total = row(&table, "Total cost");
    match report["cost"]["totalUsd"].as_f64() {
        Some(amount) => assert!(total.contains(&usd(amount)), "{total}"),
        None => assert!(total.contains("known (incomplete)"), "{total}"),
    }
    let first = &report["diagnosis"]["tasks"][0];
    let failure = line_with(
        &table,
        &format!(
            "  {} {}",
            first["taskId"].as_str().unwrap(),
            first["name"].as_str().unwrap()
        ),
    );
    assert!(
        failure.contains("(first)") && failure.contains(first["class"].as_str().unwrap()),
        "{failure}"
    );
    assert!(table.contains("Right-sizing"), "{table}");

    let compared = api.json(&["compare", "1000001", "1000002"]);
    assert_eq!(compared["a"]["runId"], "1000001");
    assert_eq!(compared["b"]["runId"], "1000002");
    let table = api.ok(&["compare", "1000001", "1000002"]);
    let run_row = row(&table, "Run");
    assert!(
        run_row.contains("1000001") && run_row.contains("1000002"),
        "{run_row}"
    );
    assert!(row(&table, "Tasks").contains(&compared["totalsB"]["tasks"].to_string()));

    let window = ["--from", "2024-09-01", "--to", "2024-11-30"];
    let mut summary_args = vec!["fleet", "summary", "--by", "status"];
    summary_args.extend(window);
    let summary = api.json(&summary_args);
    assert_eq!(summary["groupBy"], "status");
    let keys: Vec<&str> = summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["key"].as_str())
        .collect();
    assert!(
        keys.contains(&"FAILED") && keys.contains(&"COMPLETED"),
        "{keys:?}"
    );
    let table = api.ok(&summary_args);
    assert!(
        table.contains("STATUS") && table.contains("(all)"),
        "{table}"
    );
    let failed_runs = summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "FAILED")
        .unwrap()["runs"]
        .to_string();
    let failed_row = table.lines().find(|l| l.starts_with("│ FAILED")).unwrap();
    assert!(
        failed_row.contains(&format!(" {failed_runs} ")),
        "{failed_row}"
    );

    let mut reports_args = vec!["fleet", "reports", "--all"];
    reports_args.extend(window);
    let reports = api.json(&reports_args);
    let stored = ids(&reports, "runId");
    assert!(
        stored.contains(&"1000001") && stored.contains(&"1000002"),
        "{stored:?}"
    );
    let table = api.ok(&reports_args);
    assert_eq!(table_rows(&table).len(), stored.len());

    // The pages, saved as files.
    let dir = std::env::temp_dir().join(format!("cli-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let compare_page = dir.join("compare.html");
    api.ok(&[
        "compare",
        "1000001",
        "1000002",
        "--html",
        compare_page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&compare_page).unwrap();
    assert!(html.contains("Run 1000001 vs run 1000002"), "{html}");
    let fleet_page = dir.join("fleet.html");
    let mut page_args = vec![
        "fleet",
        "summary",
        "--by",
        "status",
        "--html",
        fleet_page.to_str().unwrap(),
    ];
    page_args.extend(window);
    api.ok(&page_args);
    let html = std::fs::read_to_string(&fleet_page).unwrap();
    assert!(html.contains("<svg") && html.contains("FAILED"), "{html}");
    let timeline = dir.join("timeline.svg");
    api.ok(&["timeline", "1000002", "--svg", timeline.to_str().unwrap()]);
    let svg = std::fs::read_to_string(&timeline).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("MergeBamAlignment"),
        "{svg}"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // The manifest, read live from CloudWatch Logs: one row per task record, all pages.
    let manifest = api.json(&["manifest", "1000001", "--all"]);
    let records = manifest.as_array().unwrap();
    assert!(
        !records.is_empty() && records.iter().all(|t| t["taskId"].is_string()),
        "{manifest}"
    );
    let table = api.ok(&["manifest", "1000001", "--all"]);
    assert_eq!(table_rows(&table).len(), records.len());

    let nextflow = api.ok(&["profile", "5123907", "--format", "nextflow"]);
    assert!(nextflow.contains("withName"), "{nextflow}");
    let profile = api.json(&["profile", "5123907"]);
    assert_eq!(profile["workflowId"], "5123907");
    let table = api.ok(&["profile", "5123907"]);
    let group = profile["groups"][0]["baseName"].as_str().unwrap();
    assert!(line_with(&table, group).starts_with('│'), "{table}");

    api.fails(&["batch", "999999999"], 2);
    api.fails(&["report", "999999999"], 2);
    api.fails(&["profile", "999999999"], 2);
}

#[test]
fn bad_input_exits_1_and_unknown_runs_exit_2() {
    let api = LocalApi::start();
    api.fails(&["runs", "get", "abc"], 1);
    api.fails(&["tasks", "list", "1000001", "--status", "sleeping"], 1);
    api.fails(&["fleet", "summary", "--from", "2024-13-45"], 1);
    // No events of this run were ever seen (and an API without the progress route answers 404 too).
    api.fails(&["progress", "999999999"], 2);
}

/// A run id no other test uses: `29` and ten digits from the clock and the process.
fn fresh_run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "29{:010}",
        (nanos / 1000 + u128::from(std::process::id())) % 10_000_000_000
    )
}

fn run_ok(command: &mut Command, what: &str) {
    let output = command
        .env("RUST_LOG", "warn")
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn progress_of_a_live_run() {
    let emulator = stack_env("OMICS_EMULATOR_URL");
    stack_env("LIVE_TABLE_NAME");
    let run_id = fresh_run_id();
    let dir = std::env::temp_dir().join(format!("omics-introspect-cli-live-{run_id}"));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");
    // A 40-task run still RUNNING, seeded into the emulator (its running tasks' names) and its events tracked.
    run_ok(
        Command::new(workspace_bin("synth-run"))
            .args([
                "--run-id", &run_id, "--tasks", "40", "--status", "RUNNING", "--post", &emulator,
                "--events",
            ])
            .arg(&events),
        "synth-run",
    );
    run_ok(
        Command::new(workspace_bin("track-run"))
            .args(["invoke", "--events"])
            .arg(&events)
            .args(["--batch-size", "100"]),
        "track-run invoke",
    );
    std::fs::remove_dir_all(&dir).unwrap();

    let api = LocalApi::start();
    let progress = api.json(&["progress", &run_id]);
    assert_eq!(progress["runId"], run_id.as_str());
    assert_eq!(progress["final"], false);
    let seen = progress["tasksSeen"].as_u64().expect("tasksSeen");
    let by_status: u64 = progress["byStatus"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert!(seen > 0 && seen == by_status, "{progress}");

    let table = api.ok(&["progress", &run_id]);
    assert!(row(&table, "Run").contains(&run_id), "{table}");
    assert!(
        row(&table, "Tasks seen").contains(&seen.to_string()),
        "{table}"
    );
    assert!(
        row(&table, "Status").contains(progress["status"].as_str().unwrap()),
        "{table}"
    );
    assert!(!row(&table, "Status").contains("(final)"));
    if let Some(task) = progress["running"]
        .as_array()
        .and_then(|running| running.first())
    {
        let task_id = task["taskId"].as_str().unwrap();
        assert!(
            table
                .lines()
                .any(|line| line.starts_with(&format!("│ {task_id} "))),
            "{table}"
        );
    }
}
