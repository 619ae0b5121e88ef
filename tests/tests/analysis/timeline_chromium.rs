//! The timeline page as a person sees it: headless Chromium renders the HTML of a fixture run and of a
//! 10,000-task synthetic run to PNG; the screenshot must not be blank, must show the status colours, and the page
//! must log nothing to the console.
//!
//! Needs Debian's `chromium` (`apt-get install -y chromium`; `.ci/run` installs it). Without it the test says so
//! and passes, except under CI (`CI` set), where a missing browser fails it. Set `TIMELINE_PNG_DIR` to keep the
//! screenshots (the README's example comes from here).

use crate::analysis_support;

use std::path::PathBuf;

use analysis_support::{chromium_or_skip, fixture_record, pixels, record_from_bodies, screenshot};
use omics_introspect::analysis::timeline::{Mode, caption, layout, render_html};
use omics_introspect_tests::synthetic::{SyntheticSpec, generate};

const GREEN: [u8; 3] = [0x2e, 0x7d, 0x32];
const RED: [u8; 3] = [0xc6, 0x28, 0x28];
const QUEUED: [u8; 3] = [0xcf, 0xd8, 0xdc];

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::var_os("TIMELINE_PNG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("omics-introspect-{}", std::process::id()))
        })
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn fixture_run_timeline_renders_in_chromium() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let run = fixture_record("1000002");
    let laid_out = layout(&run, None);
    assert_eq!(laid_out.mode, Mode::Tasks);
    let dir = out_dir("timeline-1000002");
    let page = dir.join("timeline.html");
    std::fs::write(&page, render_html(&laid_out, &caption(&run))).unwrap();

    let shot = screenshot(&chromium, &page, &dir, 1280, 380);
    assert!(
        shot.console.is_empty(),
        "console output: {:?}",
        shot.console
    );
    let stats = pixels(&shot.png, &[GREEN, RED, QUEUED]);
    assert!(
        stats.ink * 100 > stats.total * 3,
        "nearly blank: {} of {} pixels drawn",
        stats.ink,
        stats.total
    );
    assert!(
        stats.near[0] > 500,
        "no completed (green) bars: {}",
        stats.near[0]
    );
    assert!(stats.near[1] > 50, "no failed (red) bar: {}", stats.near[1]);
    assert!(stats.near[2] > 50, "no queued segments: {}", stats.near[2]);
    eprintln!("screenshot: {}", shot.png.display());
}

#[test]
fn ten_thousand_task_timeline_renders_in_chromium() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let synthetic = generate(&SyntheticSpec {
        run_id: "9100001".into(),
        tasks: 10_000,
        failed: 3,
        cached: 20,
        gpu: 4,
        seed: 10_000,
        ..SyntheticSpec::default()
    });
    let run = record_from_bodies(&synthetic.run, &synthetic.tasks);
    let laid_out = layout(&run, None);
    assert_eq!(
        laid_out.mode,
        Mode::Groups,
        "10,000 tasks are drawn by group"
    );
    assert!(laid_out.groups.len() < 60, "{} rows", laid_out.groups.len());
    let html = render_html(&laid_out, &caption(&run));
    assert!(html.len() < 3_000_000, "page of {} bytes", html.len());
    let dir = out_dir("timeline-10000");
    let page = dir.join("timeline.html");
    std::fs::write(&page, html).unwrap();

    let shot = screenshot(&chromium, &page, &dir, 1280, 580);
    assert!(
        shot.console.is_empty(),
        "console output: {:?}",
        shot.console
    );
    let stats = pixels(&shot.png, &[GREEN]);
    assert!(
        stats.ink * 100 > stats.total * 3,
        "nearly blank: {} of {} pixels drawn",
        stats.ink,
        stats.total
    );
    assert!(
        stats.near[0] > 2000,
        "no completed (green) profile: {}",
        stats.near[0]
    );
    eprintln!("screenshot: {}", shot.png.display());
}
