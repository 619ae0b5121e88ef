//! Ready-to-paste configuration for the right-sizing recommendations: a Nextflow `process { withName: ... }`
//! block and WDL `runtime` blocks, one entry per task group whose instance should change.
//!
//! Each entry requests the recommended instance's full vCPUs and memory: HealthOmics picks the smallest instance
//! that fits the request, so the task lands on the recommended type and may use all of it. Nextflow's `GB` is
//! 1024³ bytes, the same as WDL's `GiB`.

use std::fmt::Write as _;

use crate::record::{Action, GroupRecommendation};

fn changes(groups: &[GroupRecommendation]) -> impl Iterator<Item = &GroupRecommendation> {
    groups
        .iter()
        .filter(|g| matches!(g.action, Action::Downsize | Action::Upsize))
        .filter(|g| g.recommended_cpus.is_some() && g.recommended_memory_gib.is_some())
}

/// One comment line: what changes and why.
fn comment(group: &GroupRecommendation) -> String {
    let peak = |v: Option<f64>| v.map_or("?".to_owned(), |v| format!("{v}"));
    let mut text = format!(
        "{} -> {}: peak {} vCPU, {} GiB over {} task(s)",
        if group.instance_types.is_empty() {
            "unknown".to_owned()
        } else {
            group.instance_types.join(", ")
        },
        group.recommended_instance_type.as_deref().unwrap_or("?"),
        peak(group.max_cpus),
        peak(group.max_memory_gib),
        group.tasks
    );
    match group.savings_usd {
        Some(s) if s >= 0.0 => {
            let _ = write!(text, "; saves ${s}");
        }
        Some(s) => {
            let _ = write!(text, "; costs ${} more", -s);
        }
        None => text.push_str("; saving unknown"),
    }
    text
}

fn percent(headroom: f64) -> String {
    format!("{}", (headroom * 1000.0).round() / 10.0)
}

/// The Nextflow block, or `None` when no group changes.
pub fn nextflow_config(groups: &[GroupRecommendation], headroom: f64) -> Option<String> {
    let mut out = format!(
        "// omics-introspect right-sizing ({}% headroom): paste into nextflow.config\nprocess {{\n",
        percent(headroom)
    );
    let mut any = false;
    for group in changes(groups) {
        any = true;
        let name = group.base_name.replace('\\', "\\\\").replace('\'', "\\'");
        let _ = write!(
            out,
            "    // {}\n    withName: '{}' {{\n        cpus = {}\n        memory = '{} GB'\n    }}\n",
            comment(group),
            name,
            group.recommended_cpus.unwrap_or_default(),
            group.recommended_memory_gib.unwrap_or_default()
        );
    }
    out.push_str("}\n");
    any.then_some(out)
}

/// The WDL blocks, or `None` when no group changes.
pub fn wdl_runtime(groups: &[GroupRecommendation], headroom: f64) -> Option<String> {
    let mut out = format!(
        "# omics-introspect right-sizing ({}% headroom): set these in each task's runtime section\n",
        percent(headroom)
    );
    let mut any = false;
    for group in changes(groups) {
        any = true;
        let _ = write!(
            out,
            "\n# task {}: {}\nruntime {{\n    cpu: {}\n    memory: \"{} GiB\"\n}}\n",
            group.base_name,
            comment(group),
            group.recommended_cpus.unwrap_or_default(),
            group.recommended_memory_gib.unwrap_or_default()
        );
    }
    any.then_some(out)
}
