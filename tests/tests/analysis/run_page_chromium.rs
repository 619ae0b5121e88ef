//! The run page as a person uses it: headless Chromium, driven over the DevTools protocol
//! (`analysis_support::devtools`), opens the page of the 10-task failed fixture run 1000002 and of a
//! 100,000-task synthetic run, and
//! - logs no console error, exception or policy violation, and the script ran under the strict policy (rows drawn);
//! - sorting by cost puts the most expensive task (computed here from the record) in the first row;
//! - the status filter shows only FAILED tasks, as many as the record has;
//! - a Copy button hands over exactly the record's snippet (read where the handler leaves it: headless Chromium
//!   has no clipboard a test can read);
//! - the 100,000-task page draws only the rows in view, and its time to interactive (navigation start until the
//!   script is ready) is printed for the benchmark, never asserted.
//!
//! Needs Debian's `chromium`, like `timeline_chromium`: without it the tests say so and pass, except under CI.
//! Set `RUN_PAGE_PNG_DIR=docs` to write `run-page-1000002.png` and `run-page-100000-tasks.png` there.

use crate::analysis_support;

use std::path::{Path, PathBuf};

use analysis_support::devtools::Browser;
use analysis_support::{chromium_or_skip, enriched_fixture, enriched_record};
use omics_introspect::analysis::run_page::write_run_page;
use omics_introspect::record::EnrichedRun;
use omics_introspect::status::TaskStatus;
use omics_introspect_tests::synthetic::{SyntheticSpec, generate};
use serde_json::json;

fn work_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("omics-introspect-{}", std::process::id()))
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the page of `run` into `dir` (streamed to the file) and returns its path and size.
fn write_page(run: &EnrichedRun, dir: &Path) -> (PathBuf, u64) {
    let path = dir.join("run.html");
    let mut file = std::fs::File::create(&path).unwrap();
    write_run_page(run, &mut file).unwrap();
    (path.clone(), std::fs::metadata(&path).unwrap().len())
}

/// Keeps a screenshot under `RUN_PAGE_PNG_DIR` (relative paths from the repository root), else in `dir`.
fn screenshot(browser: &mut Browser, dir: &Path, name: &str, from: Option<&str>) {
    let png = match std::env::var_os("RUN_PAGE_PNG_DIR") {
        Some(out) => {
            let out = analysis_support::root().join(out);
            std::fs::create_dir_all(&out).unwrap();
            out.join(name)
        }
        None => dir.join(name),
    };
    browser.eval(
        "window.scrollTo(0, 0); document.getElementById('task-viewport').scrollTop = 0; true",
    );
    browser.screenshot(&png, from, 3400.0);
    eprintln!("screenshot: {}", png.display());
}

/// The ids of the tasks with the highest cost: the first row after sorting by cost must be one of them.
fn most_expensive(run: &EnrichedRun) -> (f64, Vec<String>) {
    let top = run
        .tasks
        .iter()
        .filter_map(|t| t.cost_usd)
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(top > 0.0, "the record prices its tasks");
    let ids = run
        .tasks
        .iter()
        .filter(|t| t.cost_usd.is_some_and(|c| (c - top).abs() < 5e-7))
        .map(|t| t.task_id.clone())
        .collect();
    (top, ids)
}

fn failed(run: &EnrichedRun) -> usize {
    run.tasks
        .iter()
        .filter(|t| t.status == Some(TaskStatus::Failed))
        .count()
}

const DRAWN_IDS: &str =
    "Array.from(document.querySelectorAll('#task-rows tr.task')).map(r => r.dataset.taskId)";
const DRAWN_STATUSES: &str = "Array.from(document.querySelectorAll('#task-rows tr.task td:nth-child(3)')).map(c => c.textContent)";

/// Sorts by cost (one click: largest first) and checks the first row.
fn sort_by_cost(browser: &mut Browser, run: &EnrichedRun) {
    let (top, ids) = most_expensive(run);
    browser.eval("document.querySelector('th[data-col=costUsd] button').click(); true");
    let sort =
        browser.eval("document.querySelector('th[data-col=costUsd]').getAttribute('aria-sort')");
    assert_eq!(sort, json!("descending"));
    let drawn = browser.eval(DRAWN_IDS);
    let first = drawn[0].as_str().expect("a first row");
    assert!(
        ids.iter().any(|id| id == first),
        "first row {first}, expected one of {ids:?} (${top})"
    );
}

/// Filters on FAILED and checks every drawn row and the count.
fn filter_failed(browser: &mut Browser, run: &EnrichedRun) {
    let expected = failed(run);
    assert!(expected > 0, "the run has failed tasks");
    let chosen = browser.eval(
        "(() => { const s = document.getElementById('status-filter');
                  const o = Array.from(s.options).find(o => o.textContent.startsWith('FAILED '));
                  s.value = o.value; s.dispatchEvent(new Event('change')); return o.textContent; })()",
    );
    assert_eq!(chosen, json!(format!("FAILED ({expected})")));
    let shown = browser.eval("document.getElementById('task-count').dataset.shown");
    assert_eq!(shown, json!(expected.to_string()));
    let statuses = browser.eval(DRAWN_STATUSES);
    let statuses = statuses.as_array().unwrap();
    assert_eq!(statuses.len(), expected.min(statuses.len()));
    assert!(!statuses.is_empty());
    assert!(statuses.iter().all(|s| s == "FAILED"), "{statuses:?}");
    // Back to every task.
    browser.eval(
        "(() => { const s = document.getElementById('status-filter'); s.value = '';
                  s.dispatchEvent(new Event('change')); return true; })()",
    );
}

/// Clicks the run-wide snippet's Copy button and checks what it handed over is the record's snippet.
fn copy_snippet(browser: &mut Browser, run: &EnrichedRun) {
    let sizing = run
        .head
        .rightsizing
        .as_ref()
        .expect("a right-sizing section");
    let (id, expected) = match (&sizing.nextflow_config, &sizing.wdl_runtime) {
        (Some(text), _) => ("copy-nextflow", text),
        (None, Some(text)) => ("copy-wdl", text),
        (None, None) => panic!("the run has no snippet to copy: {sizing:?}"),
    };
    browser.eval(&format!("document.getElementById('{id}').click(); true"));
    let copied = browser.eval("window.__runPageCopied");
    assert_eq!(copied.as_str(), Some(expected.as_str()));
    // A group's own button copies that group's block alone.
    let group = browser.eval(
        "(() => { const b = document.querySelector('#rightsizing-groups button.copy');
                  if (!b) return null; b.click(); return window.__runPageCopied; })()",
    );
    if let Some(group) = group.as_str() {
        assert!(group.contains("omics-introspect right-sizing"), "{group}");
        // Its lines are the run-wide snippet's (the same header, then that one group's block).
        let missing: Vec<&str> = group.lines().filter(|l| !expected.contains(l)).collect();
        assert!(missing.is_empty(), "{missing:?} not in {expected}");
    }
}

#[test]
fn failed_fixture_run_page_works_in_chromium() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let run = enriched_fixture("1000002");
    assert_eq!(run.tasks.len(), 10);
    let dir = work_dir("run-page-1000002");
    let (page, bytes) = write_page(&run, &dir);
    let mut browser = Browser::start(&chromium, &dir, 1280, 900);
    let ready = browser.open(&page, "window.__runPageReady");
    eprintln!(
        "run page of 1000002 (10 tasks): {bytes} bytes, interactive after {:.0} ms",
        ready.as_f64().unwrap()
    );
    let drawn = browser.eval(DRAWN_IDS);
    assert_eq!(
        drawn.as_array().unwrap().len(),
        10,
        "the script drew every row"
    );

    let first = run
        .head
        .diagnosis
        .as_ref()
        .and_then(|d| d.first_failure_task_id.clone())
        .expect("a first failure");
    let marked = browser.eval("document.querySelector('.failure-card.first').dataset.taskId");
    assert_eq!(marked, json!(first));
    let evidence =
        browser.eval("document.querySelector('.failure-card.first .log pre').textContent.length");
    assert!(
        evidence.as_u64().unwrap() > 0,
        "the first failure shows its log tail"
    );

    sort_by_cost(&mut browser, &run);
    filter_failed(&mut browser, &run);
    screenshot(&mut browser, &dir, "run-page-1000002.png", None);
    copy_snippet(&mut browser, &run);
    assert!(
        browser.errors.is_empty(),
        "page errors: {:?}",
        browser.errors
    );
}

#[test]
fn hundred_thousand_task_run_page_works_in_chromium() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let synthetic = generate(&SyntheticSpec {
        run_id: "9100002".into(),
        tasks: 100_000,
        failed: 25,
        cached: 500,
        gpu: 40,
        seed: 100_000,
        status: "FAILED".into(),
        ..SyntheticSpec::default()
    });
    let run = enriched_record(
        &synthetic.run,
        &synthetic.tasks,
        &synthetic.manifest,
        |id| {
            vec![
                format!("task {id}: synthetic failure"),
                "exit code 1".into(),
            ]
        },
    );
    drop(synthetic);
    assert_eq!(run.tasks.len(), 100_000);
    let dir = work_dir("run-page-100000");
    let (page, bytes) = write_page(&run, &dir);
    let mut browser = Browser::start(&chromium, &dir, 1280, 900);
    let ready = browser.open(&page, "window.__runPageReady");
    eprintln!(
        "run page of 100,000 tasks: {bytes} bytes, interactive after {:.0} ms (navigation start to script ready)",
        ready.as_f64().unwrap()
    );
    let drawn = browser.eval(DRAWN_IDS);
    let drawn = drawn.as_array().unwrap().len();
    assert!(
        drawn > 10 && drawn < 200,
        "{drawn} rows drawn: only the rows in view"
    );

    // Deep in the table, the rows drawn are the ones scrolled to.
    let at = browser.eval(
        "new Promise(done => { const v = document.getElementById('task-viewport');
           v.scrollIntoView(); v.scrollTop = 50000 * 28; requestAnimationFrame(() => requestAnimationFrame(() =>
           done(document.querySelectorAll('#task-rows tr.task').length))); })",
    );
    assert!(
        at.as_u64().unwrap() > 10,
        "rows drawn after scrolling: {at}"
    );
    let visible = browser.eval(
        "(() => { const v = document.getElementById('task-viewport').getBoundingClientRect();
                  const r = document.elementFromPoint(v.left + 40, v.top + v.height / 2);
                  return r && r.closest('tr.task') ? r.closest('tr.task').dataset.taskId : null; })()",
    );
    // Unsorted, the table is in the record's order: the middle row is a task just past the 50,000th.
    let near: Vec<&str> = run.tasks[50_000..50_040]
        .iter()
        .map(|t| t.task_id.as_str())
        .collect();
    assert!(
        visible.as_str().is_some_and(|id| near.contains(&id)),
        "row under the middle of the table after scrolling: {visible}, expected one of {near:?}"
    );

    sort_by_cost(&mut browser, &run);
    filter_failed(&mut browser, &run);
    let name = run.tasks[0].name.clone().unwrap();
    let base = name.split('-').next().unwrap().to_owned();
    let expected = run
        .tasks
        .iter()
        .filter(|t| {
            t.name
                .as_deref()
                .is_some_and(|n| n.to_lowercase().contains(&base.to_lowercase()))
        })
        .count();
    let shown = browser.eval(&format!(
        "(() => {{ const i = document.getElementById('name-filter'); i.value = {base:?};
                   i.dispatchEvent(new Event('input'));
                   return document.getElementById('task-count').dataset.shown; }})()"
    ));
    assert_eq!(
        shown,
        json!(expected.to_string()),
        "tasks named like {base}"
    );
    browser.eval(
        "(() => { const i = document.getElementById('name-filter'); i.value = '';
                  i.dispatchEvent(new Event('input')); return true; })()",
    );
    // From the timeline down: the header and sections above look like the small run's; the timeline by task
    // group and the table sorted by cost are what is new here.
    screenshot(
        &mut browser,
        &dir,
        "run-page-100000-tasks.png",
        Some("#timeline"),
    );
    copy_snippet(&mut browser, &run);
    assert!(
        browser.errors.is_empty(),
        "page errors: {:?}",
        browser.errors
    );
}

/// The policy is enforced, and this test would see it fail: the same page with one byte of its script changed
/// runs nothing and reports the violation.
#[test]
fn a_script_that_does_not_match_its_hash_is_blocked() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let run = enriched_fixture("1000002");
    let dir = work_dir("run-page-tampered");
    let page = omics_introspect::analysis::run_page::render_run_page(&run).replacen(
        "\n<script>",
        "\n<script> ",
        1,
    );
    let path = dir.join("run.html");
    std::fs::write(&path, page).unwrap();
    let mut browser = Browser::start(&chromium, &dir, 1280, 900);
    browser.open(&path, "document.readyState === 'complete'");
    let ready = browser.eval("window.__runPageReady === undefined");
    assert_eq!(ready, json!(true), "the tampered script ran");
    // The violation may be reported a moment after the load event.
    for _ in 0..40 {
        if !browser.errors.is_empty() {
            break;
        }
        browser.eval("new Promise(done => setTimeout(() => done(true), 50))");
    }
    assert!(
        browser
            .errors
            .iter()
            .any(|e| e.contains("Content Security Policy")),
        "no violation reported: {:?}",
        browser.errors
    );
}

/// A seeded run's page as a scientist gets it: the fixture run 1000002 enriched on the stack, its page drawn by
/// `render-run-page`'s code, the link from `GET /runs/{runId}/report/link` opened in Chromium straight from S3
/// (moto; no credentials, the page gzip-encoded as stored).
#[tokio::test(flavor = "multi_thread")]
async fn a_seeded_runs_page_opens_from_its_presigned_link() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let emu = crate::enrich_support::emulator(false).await;
    let setup = crate::enrich_support::setup(emu.url(), std::time::Duration::from_secs(5)).await;
    let uuid = crate::api::seed_fixture(emu.url(), "1000002").await;
    let answer = setup
        .enricher
        .handle_event(crate::enrich_support::run_event(
            "1000002",
            Some(&uuid),
            "FAILED",
        ))
        .await
        .unwrap();
    assert_eq!(answer["outcome"], "written", "{answer}");
    let summaries = omics_introspect::store::SummaryStore::new(
        setup.clients.dynamodb.clone(),
        setup.config.runs_table().unwrap(),
    );
    let run_id = omics_introspect::ids::RunId::parse("1000002").unwrap();
    let record_uuid = omics_introspect::record::RunUuid::parse(&uuid).unwrap();
    let drawer =
        omics_introspect::enrich::pages::PageDrawer::new(&setup.clients, &setup.config).unwrap();
    drawer
        .draw_stored(&summaries, &run_id, Some(&record_uuid))
        .await
        .unwrap();
    let api = crate::api_support::LocalApi::start(omics_introspect::api::ApiState::new(
        setup.clients.clone(),
        setup.config.clone(),
        None,
    ))
    .await;
    let link = api
        .get(&format!("/runs/1000002/report/link?uuid={uuid}"))
        .await;
    assert_eq!(link.status, 200);
    let url = link.json().unwrap()["url"].as_str().unwrap().to_owned();

    let dir = work_dir("run-page-link");
    let mut browser = Browser::start(&chromium, &dir, 1280, 900);
    browser.open_url(&url, "window.__runPageReady");
    let drawn = browser.eval(DRAWN_IDS);
    assert_eq!(drawn.as_array().unwrap().len(), 10, "every task row drawn");
    let title = browser.eval("document.title");
    assert!(title.as_str().unwrap().contains("1000002"), "{title}");
    assert!(browser.errors.is_empty(), "{:?}", browser.errors);
}
