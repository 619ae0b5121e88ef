//! Where the real-world folder is, and its files.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `<workspace root>/../shared/reference/real-world`; panics naming the folder when it is missing, so a checkout
/// without `../shared` fails loudly instead of testing nothing.
pub fn folder() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent");
    let folder = workspace.join("../shared/reference/real-world");
    assert!(
        folder.join("README.md").is_file(),
        "the real-world reference folder is missing: expected {} (…/shared/reference/real-world beside the \
         repository, as in CI)",
        folder.display()
    );
    folder
}

/// The text of `relative` inside the folder.
pub fn text(relative: &str) -> String {
    let path = folder().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The JSON of `relative` inside the folder.
pub fn json(relative: &str) -> Value {
    serde_json::from_str(&text(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The files of `subfolder`, sorted by name, as paths relative to the folder.
pub fn files(subfolder: &str) -> Vec<String> {
    let dir = folder().join(subfolder);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .map(|name| format!("{subfolder}/{name}"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "{} is empty", dir.display());
    names
}

/// The real run manifest (60 lines: the run and 59 tasks).
pub const FULL_MANIFEST: &str = "manifests/ultimagen-ugbio-efficientdv-run-8192875.full.jsonl";
