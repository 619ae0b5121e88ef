//! The layer rule of the `omics-introspect` crate: dependencies point down only.
//!
//! Every `.rs` file under `shared/src` is scanned for `crate::<module>` references (in `use` lines and in paths),
//! and for `analysis/` also for `super::<submodule>` and `crate::analysis::<submodule>` references between its
//! submodules. A module that names a module above it in the order below, or two modules that name each other
//! (directly or around a longer circle), fail the test with the file and line of every offending reference.
//!
//! # The layers of `shared/src`, bottom to top
//! 0. `time`, `status`, `spool`: timestamps and status enums, plain values; bytes on their way to an upload.
//! 1. `record` (with `ids`): the enriched-run record, the analysis result types, `RunUuid`, the maths helpers.
//!    No AWS SDK, no `lambda_http`.
//! 2. `analysis`: pure computations on records (inputs in, results out; settings passed in).
//! 3. `error`, `config`, `clients`, `metrics`, `logging`: the one error enum, the configuration, the AWS clients,
//!    EMF metric lines, logs.
//! 4. `omics`, `manifest`, `events`, `pricing`: adapters to HealthOmics, its CloudWatch manifest, its EventBridge
//!    events and the AWS Price List API; `live`: the live-run events, the mergeable run state and progress.
//! 5. `store`: S3 objects, DynamoDB items and the `Run Enriched` event of stored records; `lake`: the Parquet
//!    copies of stored records.
//! 6. `enrich`: turns a finished run into a record (reads the adapters, writes through `store`); `track`: folds
//!    batches of live events into runs (writes through `store`).
//! 7. `api`: the HTTP API.
//! 8. `iam`: the IAM actions each function calls (names the action constants of every layer below).
//!
//! Inside `analysis/`, bottom to top: the leaves (`prices`, `instances`, `names`, `lenient`), then `settings`
//! and `snippets`, then `cost`, `diagnosis` and `timeline`, then `rightsizing`, then `compare` and `fleet`, then `run_page` (the page draws all of them). `analysis/mod.rs`
//! (the facade that re-exports and combines them) and the test-only `tests` module stand above all of them
//! (unit tests of a submodule may use the fixtures in `tests`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules of `shared/src` and their layer (higher may import lower, never the reverse).
const LAYERS: &[(&str, u8)] = &[
    ("time", 0),
    ("status", 0),
    ("spool", 0),
    ("record", 1),
    ("ids", 1),
    ("analysis", 2),
    ("error", 3),
    ("config", 3),
    ("clients", 3),
    ("metrics", 3),
    ("logging", 3),
    ("omics", 4),
    ("manifest", 4),
    ("events", 4),
    ("live", 4),
    ("pricing", 4),
    ("store", 5),
    ("lake", 5),
    ("enrich", 6),
    ("track", 6),
    ("api", 7),
    ("iam", 8),
];

/// Submodules of `analysis/` and their layer.
const ANALYSIS_LAYERS: &[(&str, u8)] = &[
    ("html", 0),
    ("prices", 0),
    ("instances", 0),
    ("names", 0),
    ("lenient", 0),
    ("settings", 1),
    ("snippets", 1),
    ("cost", 2),
    ("diagnosis", 2),
    ("timeline", 2),
    ("rightsizing", 3),
    ("compare", 4),
    ("fleet", 4),
    ("compare_page", 5),
    ("run_page", 5),
    ("tests", 9),
];

/// One reference from a file to a module.
#[derive(Debug, Clone)]
struct Reference {
    from: String,
    to: String,
    file: PathBuf,
    line: usize,
}

fn source_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The source with comments blanked out (newlines kept, so line numbers stay). String literals are kept: a path
/// in an attribute (`#[serde(with = "crate::time::optional")]`) is a dependency too.
fn strip_comments(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('#') || next == Some('"'))
            && !ident_char_before(&chars, i)
        {
            // A raw string: copied as is up to its closing quote and hashes.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|h| chars.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.extend(&chars[i..j.min(chars.len())]);
            i = j;
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(chars.len());
            out.extend(&chars[i..end]);
            i = end;
        } else if c == '\'' && next == Some('\\') {
            // An escaped char literal ('\'', '\\', '\n', '\u{..}').
            let mut j = i + 2;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            out.extend(&chars[i..(j + 1).min(chars.len())]);
            i = j + 1;
        } else if c == '\'' && chars.get(i + 2) == Some(&'\'') {
            out.extend(&chars[i..i + 3]);
            i += 3;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The first path segments named after `prefix` (`crate::`, `super::`, `crate::analysis::`), each with its line:
/// `prefix a::b` gives `a`; `prefix {a::b, c}` gives `a` and `c`.
fn segments_after(text: &str, prefix: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    while let Some(pos) = text[start..].find(prefix) {
        let at = start + pos;
        start = at + prefix.len();
        if at > 0
            && (bytes[at - 1].is_ascii_alphanumeric()
                || bytes[at - 1] == b'_'
                || bytes[at - 1] == b':')
        {
            continue;
        }
        let rest = &text[start..];
        let trimmed = rest.trim_start();
        let offset = start + (rest.len() - trimmed.len());
        if let Some(group) = trimmed.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = true;
            let mut i = 0;
            let group_bytes = group.as_bytes();
            while i < group_bytes.len() && depth > 0 {
                let b = group_bytes[i];
                match b {
                    b'{' => depth += 1,
                    b'}' => depth -= 1,
                    b',' if depth == 1 => item_start = true,
                    _ if item_start && (b.is_ascii_alphabetic() || b == b'_') && depth == 1 => {
                        let ident: String = group[i..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        let line = line_of(text, offset + 1 + i);
                        i += ident.len();
                        item_start = false;
                        found.push((ident, line));
                        continue;
                    }
                    _ => {}
                }
                i += 1;
            }
        } else {
            let ident: String = trimmed
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !ident.is_empty() {
                found.push((ident, line_of(text, at)));
            }
        }
    }
    found
}

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte].matches('\n').count() + 1
}

/// The module a file belongs to: its first component under `root` (`enrich/builder.rs` → `enrich`,
/// `error.rs` → `error`), or `None` for `lib.rs`.
fn owner(relative: &Path) -> Option<String> {
    let first = relative
        .components()
        .next()?
        .as_os_str()
        .to_str()?
        .to_string();
    if first == "lib.rs" {
        return None;
    }
    Some(first.trim_end_matches(".rs").to_string())
}

/// All references between top-level modules, and between `analysis/` submodules.
fn references() -> (Vec<Reference>, Vec<Reference>) {
    let root = source_root();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(
        files.len() > 20,
        "found only {} files under {}",
        files.len(),
        root.display()
    );
    let mut top = Vec::new();
    let mut analysis = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&root).expect("under src").to_path_buf();
        let Some(from) = owner(&relative) else {
            continue;
        };
        let text = strip_comments(&fs::read_to_string(&file).expect("read source"));
        for (to, line) in segments_after(&text, "crate::") {
            if to != from && layer(LAYERS, &to).is_some() {
                top.push(Reference {
                    from: from.clone(),
                    to,
                    file: relative.clone(),
                    line,
                });
            }
        }
        if from != "analysis" {
            continue;
        }
        let Some(sub) = analysis_submodule(&relative) else {
            continue;
        };
        let mut named = segments_after(&text, "crate::analysis::");
        if relative.components().count() == 2 {
            // A direct child (`analysis/cost.rs`): `super::` is the analysis module itself.
            named.extend(segments_after(&text, "super::"));
        }
        for (to, line) in named {
            // `tests` holds the fixtures of every submodule's unit tests: test code only, never a dependency.
            if to != sub && to != "tests" && layer(ANALYSIS_LAYERS, &to).is_some() {
                analysis.push(Reference {
                    from: sub.clone(),
                    to,
                    file: relative.clone(),
                    line,
                });
            }
        }
    }
    (top, analysis)
}

/// The `analysis/` submodule a file belongs to; `None` for `analysis/mod.rs` (the facade).
fn analysis_submodule(relative: &Path) -> Option<String> {
    let second = relative
        .components()
        .nth(1)?
        .as_os_str()
        .to_str()?
        .to_string();
    (second != "mod.rs").then(|| second.trim_end_matches(".rs").to_string())
}

fn layer(table: &[(&str, u8)], module: &str) -> Option<u8> {
    table
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
}

/// Every reference to a module in a higher layer, one message each.
fn upward(table: &[(&str, u8)], refs: &[Reference]) -> Vec<String> {
    refs.iter()
        .filter_map(|r| {
            let from = layer(table, &r.from)?;
            let to = layer(table, &r.to)?;
            (to > from).then(|| {
                format!(
                    "shared/src/{}:{}: `{}` (layer {from}) imports `{}` (layer {to}), a layer above it",
                    r.file.display(),
                    r.line,
                    r.from,
                    r.to
                )
            })
        })
        .collect()
}

/// Every cycle among the references that do not point upward (a cycle through an upward reference is already
/// reported by [`upward`]; what is left are modules of one layer that name each other), one reference per edge.
fn cycles(table: &[(&str, u8)], refs: &[Reference]) -> Vec<String> {
    let mut edges: BTreeMap<&str, BTreeMap<&str, &Reference>> = BTreeMap::new();
    for r in refs
        .iter()
        .filter(|r| layer(table, &r.to) <= layer(table, &r.from))
    {
        edges.entry(&r.from).or_default().entry(&r.to).or_insert(r);
    }
    let mut found = Vec::new();
    let mut seen_cycles = Vec::<Vec<&str>>::new();
    for start in edges.keys().copied() {
        let mut path = vec![start];
        walk(&edges, start, &mut path, &mut |cycle| {
            let mut canonical = cycle.to_vec();
            let min = canonical
                .iter()
                .enumerate()
                .min_by_key(|(_, m)| **m)
                .map(|(i, _)| i)
                .unwrap();
            canonical.rotate_left(min);
            if seen_cycles.contains(&canonical) {
                return;
            }
            let steps: Vec<String> = cycle
                .iter()
                .zip(cycle.iter().cycle().skip(1))
                .map(|(a, b)| {
                    let r = edges[a][b];
                    format!("`{a}` → `{b}` (shared/src/{}:{})", r.file.display(), r.line)
                })
                .collect();
            found.push(format!("cycle: {}", steps.join(", ")));
            seen_cycles.push(canonical);
        });
    }
    found
}

fn walk<'a>(
    edges: &BTreeMap<&'a str, BTreeMap<&'a str, &Reference>>,
    at: &'a str,
    path: &mut Vec<&'a str>,
    report: &mut dyn FnMut(&[&'a str]),
) {
    for next in edges
        .get(at)
        .map(|m| m.keys().copied().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        if next == path[0] {
            report(path);
        } else if !path.contains(&next) && next > path[0] {
            // Only cycles through nodes after the start are walked from it, so each is found from its smallest node.
            path.push(next);
            walk(edges, next, path, report);
            path.pop();
        }
    }
}

#[test]
fn every_module_is_in_the_declared_order() {
    let root = source_root();
    let mut entries: Vec<String> = fs::read_dir(&root)
        .expect("read src")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .filter(|name| name != "lib")
        .collect();
    entries.sort();
    let missing: Vec<_> = entries
        .iter()
        .filter(|m| layer(LAYERS, m).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a layer in LAYERS: {missing:?}"
    );
    let analysis_entries: Vec<String> = fs::read_dir(root.join("analysis"))
        .expect("read src/analysis")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        })
        .filter(|name| name != "mod")
        .collect();
    let missing: Vec<_> = analysis_entries
        .iter()
        .filter(|m| layer(ANALYSIS_LAYERS, m).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "analysis submodules without a layer in ANALYSIS_LAYERS: {missing:?}"
    );
}

#[test]
fn no_module_imports_upward_or_in_a_cycle() {
    let (top, analysis) = references();
    assert!(
        !top.is_empty(),
        "no crate:: references found: the scan is broken"
    );
    let mut problems = upward(LAYERS, &top);
    problems.extend(cycles(LAYERS, &top));
    problems.extend(upward(ANALYSIS_LAYERS, &analysis));
    problems.extend(cycles(ANALYSIS_LAYERS, &analysis));
    assert!(
        problems.is_empty(),
        "{} layer violations:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_scanner_reads_groups_and_ignores_comments() {
    let text = strip_comments(
        "use crate::{enrich::X, store};\n// see crate::iam\nlet s = \"s3://b\"; crate::api::f();\n/* crate::iam */\n",
    );
    let found = segments_after(&text, "crate::");
    assert_eq!(
        found,
        vec![
            ("enrich".to_string(), 1),
            ("store".to_string(), 1),
            ("api".to_string(), 3)
        ]
    );
    let refs = vec![
        Reference {
            from: "a".into(),
            to: "b".into(),
            file: "a.rs".into(),
            line: 1,
        },
        Reference {
            from: "b".into(),
            to: "a".into(),
            file: "b.rs".into(),
            line: 2,
        },
    ];
    assert_eq!(cycles(&[("a", 0), ("b", 0)], &refs).len(), 1);
    assert_eq!(upward(&[("a", 0), ("b", 1)], &refs).len(), 1);
}
