//! A whole manifest held as text (an export, a published sample): split into records and parsed.
//!
//! Two shapes are read: JSON Lines (one record per line, what CloudWatch Logs holds and exports) and a JSON array
//! of records (the HealthOmics guide's example). The guide's array ends in a literal `...` and so is not valid
//! JSON: the array is split lexically, element by element, so every readable record is kept and only the
//! unreadable elements are counted as malformed.

use super::reader::ParseWarnings;
use super::record::{ManifestRecord, ManifestRun, ManifestTask, parse_line};

/// A parsed manifest document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestDocument {
    /// Run records, in document order (a well-formed manifest has exactly one).
    pub runs: Vec<ManifestRun>,
    /// Task records, in document order.
    pub tasks: Vec<ManifestTask>,
    /// Records that could not be read.
    pub warnings: ParseWarnings,
}

impl ManifestDocument {
    /// Records seen: runs + tasks + malformed, so a test can check that no record was lost.
    pub fn records(&self) -> u64 {
        self.runs.len() as u64 + self.tasks.len() as u64 + self.warnings.malformed_lines
    }
}

/// Parses a manifest document; never fails, unreadable records are counted in [`ManifestDocument::warnings`].
pub fn parse_document(text: &str) -> ManifestDocument {
    let mut document = ManifestDocument::default();
    for (index, record) in split_records(text).into_iter().enumerate() {
        match parse_line(record) {
            Ok(ManifestRecord::Run(run)) => document.runs.push(*run),
            Ok(ManifestRecord::Task(task)) => document.tasks.push(*task),
            Err(reason) => document.warnings.record(index as u64 + 1, &reason),
        }
    }
    document
}

/// The text of each record: the non-blank lines of JSON Lines, or the elements of a JSON array (which need not be
/// valid JSON as a whole). Text after an array's closing bracket is one more (malformed) record.
pub fn split_records(text: &str) -> Vec<&str> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    match trimmed.strip_prefix('[') {
        Some(body) => array_elements(body),
        None => trimmed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect(),
    }
}

/// Splits the body of a JSON array (the text after `[`) at its top-level commas, tracking strings and nesting so
/// commas inside records do not split. An element left open at the end of the text is one record.
fn array_elements(body: &str) -> Vec<&str> {
    let mut elements = Vec::new();
    let mut push = |from: Option<usize>, to: usize| {
        if let Some(from) = from {
            let element = body[from..to].trim();
            if !element.is_empty() {
                elements.push(element);
            }
        }
    };
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut start: Option<usize> = None;
    for (i, byte) in body.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                start.get_or_insert(i);
            }
            b'{' | b'[' => {
                depth += 1;
                start.get_or_insert(i);
            }
            b'}' | b']' if depth > 0 => depth -= 1,
            b']' => {
                push(start.take(), i);
                push(Some(i + 1), body.len());
                return elements;
            }
            b',' if depth == 0 => push(start.take(), i),
            b if b.is_ascii_whitespace() => {}
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    push(start, body.len());
    elements
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str =
        r#"{"arn":"arn:aws:omics:us-east-1:1:run/5","status":"COMPLETED","name":"a, [b] {c}"}"#;
    const TASK: &str =
        r#"{"arn":"arn:aws:omics:us-east-1:1:task/7","name":"t \"q\" ]","cpus":1.0}"#;

    #[test]
    fn splits_json_lines() {
        let text = format!("{RUN}\n\n  {TASK}  \n{{broken\n");
        assert_eq!(split_records(&text), [RUN, TASK, "{broken"]);
        let doc = parse_document(&text);
        assert_eq!((doc.runs.len(), doc.tasks.len()), (1, 1));
        assert_eq!(doc.warnings.malformed_lines, 1);
        assert_eq!(doc.records(), 3);
        assert!(
            doc.warnings
                .first_error
                .as_deref()
                .unwrap()
                .starts_with("line 3:")
        );
    }

    #[test]
    fn splits_an_array_ending_in_an_ellipsis() {
        let text = format!("[\n  {RUN},\n  {TASK},\n  ...\n]\n");
        assert_eq!(split_records(&text), [RUN, TASK, "..."]);
        let doc = parse_document(&text);
        assert_eq!((doc.runs.len(), doc.tasks.len()), (1, 1));
        assert_eq!(doc.warnings.malformed_lines, 1);
        assert_eq!(doc.tasks[0].name.as_deref(), Some("t \"q\" ]"));
    }

    #[test]
    fn survives_truncated_arrays_and_trailing_text() {
        assert_eq!(
            split_records(&format!("[{RUN}, {{\"arn\": \"x")),
            [RUN, "{\"arn\": \"x"]
        );
        assert_eq!(split_records(&format!("[{RUN}] tail")), [RUN, "tail"]);
        assert_eq!(split_records("[]"), Vec::<&str>::new());
        assert_eq!(split_records("  "), Vec::<&str>::new());
        let doc = parse_document(&format!("[{TASK}, 3, \"x\", {{\"arn\": \"y\"}}"));
        assert_eq!((doc.tasks.len(), doc.warnings.malformed_lines), (1, 3));
    }
}
