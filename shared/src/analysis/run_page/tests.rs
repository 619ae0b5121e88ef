//! The run page on the analyzer's hand-made sample run: escaping, the policy's hashes, the data block, the
//! diagnosis and the unpriced case. The page's behaviour in a browser is tested by
//! `tests/tests/analysis/run_page_chromium.rs`.

use super::tasks::TaskData;
use super::*;
use crate::analysis::cost::task_cost;
use crate::analysis::tests::sample_run;
use crate::analysis::{Settings, analyze};
use crate::record::EnrichedRun;

/// The sample run as enrichment stores it: task costs and the three analysis sections filled in.
fn analysed_run() -> EnrichedRun {
    let mut run = sample_run();
    let settings = Settings::default();
    for task in &mut run.tasks {
        task.cost_usd = task_cost(task, Some("us-east-1"), &settings.prices).usd;
    }
    let analysis = analyze(&run, &settings);
    run.head.cost = Some(analysis.cost);
    run.head.rightsizing = Some(analysis.rightsizing);
    run.head.diagnosis = analysis.diagnosis;
    run
}

/// The text between `open` and the next `close` after it.
fn between<'a>(page: &'a str, open: &str, close: &str) -> &'a str {
    let start = page.find(open).unwrap_or_else(|| panic!("no {open}")) + open.len();
    let end = page[start..].find(close).unwrap() + start;
    &page[start..end]
}

fn data_of(page: &str) -> TaskData {
    let json = between(
        page,
        "<script type=\"application/json\" id=\"tasks\">",
        "</script>",
    );
    serde_json::from_str(json).unwrap()
}

#[test]
fn the_policy_allows_exactly_the_emitted_script_and_style() {
    let page = render_run_page(&analysed_run());
    let style = between(&page, "<style>", "</style>");
    let script = between(&page, "\n<script>", "</script>");
    assert_eq!(style, STYLE);
    assert_eq!(script, SCRIPT);
    let csp = between(
        &page,
        "http-equiv=\"Content-Security-Policy\" content=\"",
        "\"",
    );
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    assert!(
        csp.contains(&format!("script-src {};", csp_hash(script))),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("style-src {};", csp_hash(style))),
        "{csp}"
    );
    assert!(csp.contains("img-src data:"), "{csp}");
    // One inline script, one style, one data block; nothing fetched from anywhere.
    assert_eq!(page.matches("<script").count(), 2);
    assert_eq!(page.matches("<style").count(), 1);
    for external in [
        "src=\"http",
        "href=\"http",
        "url(",
        "@import",
        " style=\"",
        " onclick=",
    ] {
        assert!(!page.contains(external), "the page holds {external}");
    }
}

#[test]
fn a_known_hash() {
    // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
    assert_eq!(
        csp_hash("alert(1)"),
        "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
    );
}

#[test]
fn record_text_is_escaped_everywhere() {
    let mut run = analysed_run();
    let nasty = "<script>alert('x')</script><!-- & \"q\"";
    run.head.run.name = Some(nasty.into());
    run.tasks[0].name = Some(nasty.into());
    run.head.warnings.push(nasty.into());
    let page = render_run_page(&run);
    assert!(!page.contains("<script>alert"), "raw name in the page");
    assert!(!page.contains("<!-- &"), "raw comment opener in the page");
    assert!(
        page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;!-- &amp; &quot;q&quot;")
    );
    // The data block still carries the exact name, and cannot be closed from inside.
    let block = between(&page, "id=\"tasks\">", "</script>");
    assert!(!block.contains('<'), "a raw < in the data block");
    assert_eq!(data_of(&page).rows[0].name.as_deref(), Some(nasty));
}

#[test]
fn the_data_block_round_trips_the_tasks() {
    let run = analysed_run();
    let data = data_of(&render_run_page(&run));
    assert_eq!(data.columns, COLUMNS);
    assert_eq!(data.rows.len(), run.tasks.len());
    assert_eq!(data.statuses, ["COMPLETED", "FAILED"]);
    for (row, task) in data.rows.iter().zip(&run.tasks) {
        assert_eq!(row.task_id, task.task_id);
        assert_eq!(row.name, task.name);
        let status = row.status.map(|i| data.statuses[i as usize].as_str());
        assert_eq!(status, task.status.as_ref().map(|s| s.as_str()));
        let instance = row
            .instance_type
            .map(|i| data.instances[i as usize].as_str());
        assert_eq!(instance, task.instance_type.as_deref());
        assert_eq!(row.peak_memory_gib, task.maximum.and_then(|m| m.memory_gib));
        assert_eq!(row.running_seconds, task.running_seconds);
        assert_eq!(row.cost_usd, task.cost_usd.map(|c| (c * 1e6).round() / 1e6));
        assert_eq!(row.cached, task.cache_hit.map(u8::from));
    }
    // Started offsets count from the run's start (00:00); the sample's tasks start at 00:01.
    assert_eq!(data.rows[0].started_seconds, Some(60.0));
    assert_eq!(
        data.rows[4].started_seconds, None,
        "the cached task never started"
    );
}

#[test]
fn a_failed_run_marks_its_first_failure_with_class_evidence_and_tail() {
    let run = analysed_run();
    let diagnosis = run.head.diagnosis.as_ref().expect("the sample run failed");
    let first = diagnosis.tasks.iter().find(|t| t.first).unwrap();
    let page = render_run_page(&run);
    let card = between(
        &page,
        &format!(
            "<article class=\"failure-card first\" data-task-id=\"{}\">",
            first.task_id
        ),
        "</article>",
    );
    assert!(card.contains("first failure"), "{card}");
    assert!(card.contains(first.class.label()), "{card}");
    if let Some(evidence) = &first.evidence {
        assert!(
            card.contains(&crate::analysis::timeline::svg::escape(evidence)),
            "{card}"
        );
    }
    assert!(card.contains("<details class=\"log\" open>"), "{card}");
    assert!(card.contains("Killed"), "the log tail: {card}");
    assert_eq!(page.matches("badge first").count(), 1);
    assert!(!page.contains("id=\"no-failures\""));
}

#[test]
fn an_unpriced_run_says_so_and_invents_nothing() {
    let mut run = sample_run();
    run.head.cost = None;
    let page = render_run_page(&run);
    assert!(page.contains("id=\"cost-unpriced\""));
    assert!(page.contains("<span id=\"cost-total\">not priced</span>"));
    assert!(!page.contains("id=\"cost-by-instance\""));
    // A priced run with an unpriceable task says that part is missing instead of a total.
    let page = render_run_page(&analysed_run());
    assert!(
        page.contains("known (incomplete)"),
        "omics.r.xlarge has no bundled price"
    );
    assert!(page.contains("could not be priced"));
    assert!(page.contains("<td class=\"num\">unpriced</td>"));
}

#[test]
fn right_sizing_groups_get_copy_buttons_with_their_snippets() {
    let run = analysed_run();
    let sizing = run.head.rightsizing.as_ref().unwrap();
    let page = render_run_page(&run);
    let whole = sizing
        .wdl_runtime
        .as_deref()
        .expect("a WDL run gets WDL blocks");
    let escaped = crate::analysis::timeline::svg::escape(whole);
    assert!(page.contains(&format!("id=\"copy-wdl\" data-copy=\"{escaped}\"")));
    assert!(
        !page.contains("id=\"copy-nextflow"),
        "no Nextflow snippet for a WDL run"
    );
    let changed = sizing
        .groups
        .iter()
        .position(|g| {
            crate::analysis::snippets::wdl_runtime(std::slice::from_ref(g), sizing.headroom)
                .is_some()
        })
        .expect("a group to change");
    assert!(page.contains(&format!("id=\"copy-wdl-{changed}\"")));
}

#[test]
fn the_page_streams_and_the_string_form_is_the_same() {
    let run = analysed_run();
    let mut bytes = Vec::new();
    write_run_page(&run, &mut bytes).unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap(), render_run_page(&run));
}

#[test]
fn money_reads_like_money() {
    use super::page::usd;
    assert_eq!(usd(1234.5), "$1234.50");
    assert_eq!(usd(0.0042), "$0.0042");
    assert_eq!(usd(-239.4232), "-$239.42");
    assert_eq!(usd(-0.0), "$0.00");
    assert_eq!(usd(-0.000001), "$0.00");
}
