//! Draws a [`Layout`] as an SVG Gantt chart, and wraps it in a self-contained HTML page.
//!
//! Queued time is a pale segment, running time is coloured by the task's final status, cached tasks have a purple
//! outline and a diamond, tasks still running end in an arrow. Every bar carries a `<title>` tooltip. No scripts,
//! no external resources.

use std::fmt::Write as _;

use super::layout::{Bar, Layout, Mode, Shade};
use crate::time::format_timestamp;

const WIDTH: f64 = 1200.0;
const TOP: f64 = 80.0;
const AXIS: f64 = 28.0;
const LEGEND: f64 = 40.0;
const RIGHT: f64 = 16.0;
const QUEUED: &str = "#cfd8dc";
const CACHED: &str = "#8e24aa";

/// The fill colour of a shade.
pub fn colour(shade: Shade) -> &'static str {
    match shade {
        Shade::Completed => "#2e7d32",
        Shade::Failed => "#c62828",
        Shade::Cancelled => "#757575",
        Shade::Running => "#1565c0",
        Shade::Pending => "#f9a825",
        Shade::Other => "#9e9e9e",
    }
}

pub use crate::analysis::html::escape;

/// `1h02m`, `4m05s`, `12s`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("{d}d{h:02}h{m:02}m")
    } else if h > 0 {
        format!("{h}h{m:02}m")
    } else if m > 0 {
        format!("{m}m{sec:02}s")
    } else {
        format!("{sec}s")
    }
}

/// A tick label: `+1h30m`, `+5m`, `+45s` (zero parts dropped).
pub fn tick_label(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let mut out = String::from("+");
    for (value, unit) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
        if value > 0 {
            let _ = write!(out, "{value}{unit}");
        }
    }
    if out.len() == 1 {
        out.push('0');
    }
    out
}

/// A tick step that gives about 6 to 12 ticks over `span` seconds.
fn tick_step(span: f64) -> f64 {
    const STEPS: &[f64] = &[
        1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10_800.0,
        21_600.0, 43_200.0, 86_400.0, 172_800.0, 604_800.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|step| span / step <= 12.0)
        .unwrap_or(604_800.0)
}

/// What the chart is of, for its heading.
#[derive(Debug, Clone, Default)]
pub struct Caption {
    /// Run id.
    pub run_id: String,
    /// Run name.
    pub name: Option<String>,
    /// Run status.
    pub status: String,
}

struct Frame {
    left: f64,
    row: f64,
    span: f64,
}

impl Frame {
    fn x(&self, t: f64) -> f64 {
        self.left + t / self.span * (WIDTH - self.left - RIGHT)
    }
}

fn f(v: f64) -> String {
    format!("{:.1}", v)
}

/// The SVG document.
pub fn render_svg(layout: &Layout, caption: &Caption) -> String {
    let (left, row) = match layout.mode {
        Mode::Tasks => (280.0, 18.0),
        Mode::Lanes => (
            70.0,
            (560.0 / layout.rows.len().max(1) as f64).clamp(3.0, 14.0),
        ),
        Mode::Groups => (280.0, 30.0),
    };
    let rows = match layout.mode {
        Mode::Groups => layout.groups.len(),
        _ => layout.rows.len(),
    }
    .max(1);
    let frame = Frame {
        left,
        row,
        span: layout.span,
    };
    let plot_height = rows as f64 * row;
    let height = TOP + plot_height + AXIS + LEGEND;
    // Sized by what is drawn: groups mode draws a profile per group, not a bar per task (sizing it by the bars
    // reserved 16 MB for the 17 KB chart of a 100,000-task run).
    let drawn = match layout.mode {
        Mode::Groups => layout.groups.len() * 40,
        _ => layout.bars.len(),
    };
    let mut out = String::with_capacity(256 + drawn * 160);
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11" role="img" aria-label="Timeline of run {id}">"#,
        w = WIDTH,
        h = f(height),
        id = escape(&caption.run_id)
    );
    let _ = write!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{}" fill="#ffffff"/>"##,
        f(height)
    );
    heading(&mut out, layout, caption);
    grid(&mut out, layout, &frame, plot_height);
    match layout.mode {
        Mode::Tasks | Mode::Lanes => {
            for (i, lane) in layout.rows.iter().enumerate() {
                let y = TOP + i as f64 * row;
                if i % 2 == 1 {
                    let _ = write!(
                        out,
                        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f5f7f8"/>"##,
                        f(left),
                        f(y),
                        f(WIDTH - left - RIGHT),
                        f(row)
                    );
                }
                if layout.mode == Mode::Tasks {
                    if let Some(bar) = lane.first().map(|&b| &layout.bars[b]) {
                        label(&mut out, &bar.name, y + row / 2.0, left);
                    }
                } else if row >= 9.0 || i % 10 == 0 {
                    label(&mut out, &format!("lane {}", i + 1), y + row / 2.0, left);
                }
                for &b in lane {
                    bar_shapes(
                        &mut out,
                        &layout.bars[b],
                        &frame,
                        y,
                        layout.mode == Mode::Lanes,
                    );
                }
            }
        }
        Mode::Groups => {
            for (i, group) in layout.groups.iter().enumerate() {
                let y = TOP + i as f64 * row;
                group_shapes(&mut out, layout, group, &frame, y, i);
            }
        }
    }
    legend(&mut out, TOP + plot_height + AXIS + 8.0);
    out.push_str("</svg>");
    out
}

fn heading(out: &mut String, layout: &Layout, caption: &Caption) {
    let title = format!(
        "Run {}{} · {} · {} task(s) · {}",
        caption.run_id,
        caption
            .name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default(),
        caption.status,
        layout.task_count,
        duration(layout.span)
    );
    let _ = write!(
        out,
        r##"<text x="12" y="22" font-size="15" font-weight="bold" fill="#222">{}</text>"##,
        escape(&title)
    );
    let mode = match layout.mode {
        Mode::Tasks => "one row per task".to_owned(),
        Mode::Lanes => format!(
            "{} tasks packed into {} lanes (a lane holds tasks that do not overlap)",
            layout.bars.len(),
            layout.rows.len()
        ),
        Mode::Groups => format!(
            "{} tasks in {} groups: each row shows how many of the group's tasks were queued (pale) and running (coloured), peak scaled per row",
            layout.bars.len(),
            layout.groups.len()
        ),
    };
    let mut sub = format!("peak {} running at once", layout.peak_running);
    if let Some(origin) = layout.origin {
        let _ = write!(sub, "; t=0 is {}", format_timestamp(&origin));
    }
    if layout.cached_untimed > 0 {
        let _ = write!(
            sub,
            "; {} cached task(s) without times not drawn",
            layout.cached_untimed
        );
    }
    if layout.untimed > 0 {
        let _ = write!(sub, "; {} task(s) without times not drawn", layout.untimed);
    }
    let _ = write!(
        out,
        r##"<text x="12" y="42" fill="#555">{}</text><text x="12" y="60" fill="#555">{}</text>"##,
        escape(&mode),
        escape(&sub)
    );
}

fn grid(out: &mut String, layout: &Layout, frame: &Frame, plot_height: f64) {
    let step = tick_step(layout.span);
    let bottom = TOP + plot_height;
    let mut t = 0.0;
    while t <= layout.span + 1e-9 {
        let x = frame.x(t);
        let _ = write!(
            out,
            r##"<line x1="{x}" y1="{TOP}" x2="{x}" y2="{}" stroke="#e0e0e0" stroke-width="1"/><text x="{x}" y="{}" text-anchor="middle" fill="#444">{}</text>"##,
            f(bottom),
            f(bottom + 16.0),
            tick_label(t),
            x = f(x)
        );
        t += step;
    }
    let _ = write!(
        out,
        r##"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="#9e9e9e" stroke-width="1"/>"##,
        l = f(frame.left),
        r = f(WIDTH - RIGHT),
        b = f(bottom)
    );
}

fn label(out: &mut String, text: &str, y: f64, left: f64) {
    let max_chars = ((left - 12.0) / 6.2) as usize;
    let shown: String = if text.chars().count() > max_chars {
        let keep: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{keep}…")
    } else {
        text.to_owned()
    };
    let _ = write!(
        out,
        r##"<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" fill="#333">{}</text>"##,
        f(left - 6.0),
        f(y),
        escape(&shown)
    );
}

fn tooltip(bar: &Bar) -> String {
    let mut text = format!("{} (task {}): {}", bar.name, bar.task_id, bar.shade.label());
    if bar.cached {
        text.push_str(", cached");
    }
    if let (Some(q), Some(s)) = (bar.queued, bar.start) {
        let _ = write!(text, ", queued {}", duration(s - q));
    }
    if let Some(s) = bar.start {
        let _ = write!(text, ", ran {}", duration(bar.end - s));
    }
    if bar.open {
        text.push_str(", not stopped");
    }
    escape(&text)
}

fn bar_shapes(out: &mut String, bar: &Bar, frame: &Frame, y: f64, compact: bool) {
    let h = (frame.row - 4.0).max(2.0);
    let top = y + (frame.row - h) / 2.0;
    let _ = write!(out, "<g><title>{}</title>", tooltip(bar));
    let from = bar.queued.or(bar.start).unwrap_or(bar.end);
    let run_from = bar.start.unwrap_or(bar.end);
    if run_from > from {
        let (x1, x2) = (frame.x(from), frame.x(run_from));
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{QUEUED}"/>"#,
            f(x1),
            f(top),
            f((x2 - x1).max(0.5)),
            f(h)
        );
    }
    if bar.start.is_some() {
        let (x1, x2) = (frame.x(run_from), frame.x(bar.end));
        let stroke = if bar.cached {
            format!(r#" stroke="{CACHED}" stroke-width="2""#)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{stroke}/>"#,
            f(x1),
            f(top),
            f((x2 - x1).max(1.0)),
            f(h),
            colour(bar.shade)
        );
        if bar.open {
            let _ = write!(
                out,
                r#"<path d="M{} {} l6 {} l-6 {} z" fill="{}"/>"#,
                f(x2),
                f(top),
                f(h / 2.0),
                f(h / 2.0),
                colour(bar.shade)
            );
        }
        if !compact && x2 - x1 > bar.name.len() as f64 * 6.2 + 8.0 {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" dominant-baseline="middle" fill="#ffffff" font-size="10">{}</text>"##,
                f(x1 + 4.0),
                f(top + h / 2.0),
                escape(&bar.name)
            );
        }
    }
    if bar.cached {
        let x = frame.x(from);
        let c = top + h / 2.0;
        let r = (h / 2.0).clamp(2.0, 6.0);
        let _ = write!(
            out,
            r#"<path d="M{} {} l{r} {r} l-{r} {r} l-{r} -{r} z" fill="{CACHED}"/>"#,
            f(x),
            f(c - r),
        );
    }
    out.push_str("</g>");
}

/// One concurrency-profile row: the zebra background, the label, the stacked buckets and the failure marks.
fn group_shapes(
    out: &mut String,
    layout: &Layout,
    group: &super::layout::Profile,
    frame: &Frame,
    y: f64,
    index: usize,
) {
    let left = frame.left;
    if index % 2 == 1 {
        let _ = write!(
            out,
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#f5f7f8"/>"##,
            f(left),
            f(y),
            f(WIDTH - left - RIGHT),
            f(frame.row)
        );
    }
    let cached = if group.cached > 0 {
        format!(", {} cached", group.cached)
    } else {
        String::new()
    };
    label(
        out,
        &format!(
            "{} ({}{cached}, peak {})",
            group.name, group.tasks, group.peak
        ),
        y + frame.row / 2.0,
        left,
    );
    let _ = write!(
        out,
        "<g><title>{}</title>",
        escape(&format!(
            "{}: {} task(s){cached}, at most {} queued or running at once",
            group.name, group.tasks, group.peak
        ))
    );
    stacked_buckets(out, layout, group, frame, y);
    out.push_str("</g>");
    failure_marks(out, group, frame, y);
}

/// The row's stacked area: per time bucket, the running tasks by shade from the bottom, then the queued ones.
/// Equal neighbouring buckets are merged into one rectangle, which keeps long steady stretches from producing
/// thousands of elements.
fn stacked_buckets(
    out: &mut String,
    layout: &Layout,
    group: &super::layout::Profile,
    frame: &Frame,
    y: f64,
) {
    let scale = (frame.row - 4.0) / f64::from(group.peak.max(1));
    let bottom = y + frame.row - 2.0;
    let buckets = group.queued.len();
    let width = layout.bucket_seconds;
    let mut layers: Vec<(&str, Vec<u32>)> = group
        .running
        .iter()
        .map(|(shade, counts)| (colour(*shade), counts.clone()))
        .collect();
    layers.push((QUEUED, group.queued.clone()));
    let mut base = vec![0u32; buckets];
    for (fill, counts) in &layers {
        let mut i = 0;
        while i < buckets {
            let (count, below) = (counts[i], base[i]);
            let mut j = i + 1;
            while j < buckets && counts[j] == count && base[j] == below {
                j += 1;
            }
            if count > 0 {
                let x1 = frame.x(i as f64 * width);
                let x2 = frame.x(j as f64 * width);
                let h = f64::from(count) * scale;
                let top = bottom - f64::from(below) * scale - h;
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
                    f(x1),
                    f(top),
                    f((x2 - x1).max(0.5)),
                    f(h.max(0.5))
                );
            }
            i = j;
        }
        for (b, c) in base.iter_mut().zip(counts) {
            *b += c;
        }
    }
}

/// A red marker at each moment a task of the group failed, so failures stand out against the profile.
fn failure_marks(out: &mut String, group: &super::layout::Profile, frame: &Frame, y: f64) {
    for at in &group.failed_at {
        let _ = write!(
            out,
            r#"<path d="M{} {} l-5 -8 l10 0 z" fill="{}"><title>{}</title></path>"#,
            f(frame.x(*at)),
            f(y + 10.0),
            colour(Shade::Failed),
            escape(&format!(
                "a {} task failed at +{}",
                group.name,
                duration(*at)
            ))
        );
    }
}

fn legend(out: &mut String, y: f64) {
    let mut x = 12.0;
    let mut item = |out: &mut String, fill: &str, text: &str, outline: bool| {
        let stroke = if outline {
            format!(r#" stroke="{CACHED}" stroke-width="2""#)
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r##"<rect x="{}" y="{}" width="14" height="10" fill="{fill}"{stroke}/><text x="{}" y="{}" fill="#333">{}</text>"##,
            f(x),
            f(y),
            f(x + 18.0),
            f(y + 9.0),
            escape(text)
        );
        x += 26.0 + text.len() as f64 * 6.5;
    };
    item(out, QUEUED, "queued", false);
    for shade in Shade::ALL {
        item(out, colour(shade), shade.label(), false);
    }
    item(out, "#ffffff", "cached (◆)", true);
}

/// A self-contained HTML page holding the SVG.
pub fn render_html(layout: &Layout, caption: &Caption) -> String {
    let svg = render_svg(layout, caption);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n<title>Run {id} timeline</title>\n<style>body{{margin:16px;background:#ffffff;color:#222;font-family:'DejaVu Sans',Arial,sans-serif}}svg{{max-width:100%;height:auto;display:block}}</style>\n</head>\n<body>\n{svg}\n</body>\n</html>\n",
        id = escape(&caption.run_id)
    )
}
