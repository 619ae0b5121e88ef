//! Test-only crash points between the external writes of an enrichment.
//!
//! An enrichment writes, in order: the S3 report object, the two lake objects ([`crate::lake::LakeStore::put`]),
//! the DynamoDB summary item (`eventPublished` false), the `Run Enriched` event, then the item's published flag.
//! A Lambda process can die between any two of them (timeout, out of memory, the sandbox frozen then recycled),
//! and the retry of the same event must still end with one consistent record and its event. The integration
//! tests (`tests/tests/faults/crash_points.rs`) prove it by running `enrich-run invoke` with
//! [`CRASH_AT_VAR`]`=<point>`: the process aborts right after that write, then a second delivery runs normally.
//!
//! The abort is [`std::process::abort`]: no destructor, no flush, no error path, as abrupt as a killed sandbox.
//!
//! # Never in production
//! The variable is honoured only outside Lambda (`AWS_LAMBDA_FUNCTION_NAME` unset, which the Lambda runtime always
//! sets), so a variable left in a function's configuration cannot take a deployed function down; it is then
//! ignored with a warning. It is read once per process (the first point reached), so no point costs more than a
//! comparison, and a process cannot change its mind half-way through an enrichment.

use std::sync::OnceLock;

/// The variable naming the point to abort at (one of [`CrashPoint::name`]); test-only, see the module docs.
pub const CRASH_AT_VAR: &str = "OMICS_INTROSPECT_CRASH_AT";

/// Set by the Lambda runtime in every function process: its presence disarms [`CRASH_AT_VAR`].
const LAMBDA_MARKER_VAR: &str = "AWS_LAMBDA_FUNCTION_NAME";

/// A place between two external writes of [`super::Enricher`], in write order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// The S3 report object is written; nothing else.
    AfterReport,
    /// The lake objects are written too; no item yet.
    AfterLake,
    /// The item is written (`eventPublished` false); its fleet day bucket not yet.
    AfterItem,
    /// The run's row is in its fleet day bucket; no event yet.
    AfterBucket,
    /// `Run Enriched` went out; the item is not marked published yet.
    AfterEvent,
    /// The item is marked published: every write is done.
    AfterMark,
}

impl CrashPoint {
    /// Every point, in write order.
    pub const ALL: [Self; 6] = [
        Self::AfterReport,
        Self::AfterLake,
        Self::AfterItem,
        Self::AfterBucket,
        Self::AfterEvent,
        Self::AfterMark,
    ];

    /// The value of [`CRASH_AT_VAR`] that selects this point.
    pub fn name(self) -> &'static str {
        match self {
            Self::AfterReport => "after-report",
            Self::AfterLake => "after-lake",
            Self::AfterItem => "after-item",
            Self::AfterBucket => "after-bucket",
            Self::AfterEvent => "after-event",
            Self::AfterMark => "after-mark",
        }
    }

    /// The point named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name.trim())
    }
}

/// The armed point of this process, read once.
fn armed() -> Option<CrashPoint> {
    static ARMED: OnceLock<Option<CrashPoint>> = OnceLock::new();
    *ARMED.get_or_init(|| armed_by(|name| std::env::var(name).ok()))
}

/// The point `lookup` arms: [`CRASH_AT_VAR`]'s, unless the process runs in Lambda or the name is unknown (both
/// logged, neither fatal: a misspelt test variable shows up as a test that did not crash).
fn armed_by(lookup: impl Fn(&str) -> Option<String>) -> Option<CrashPoint> {
    let value = lookup(CRASH_AT_VAR).filter(|v| !v.trim().is_empty())?;
    if lookup(LAMBDA_MARKER_VAR).is_some() {
        tracing::warn!(
            variable = CRASH_AT_VAR,
            "crash points are test-only: ignored in Lambda"
        );
        return None;
    }
    let point = CrashPoint::parse(&value);
    if point.is_none() {
        tracing::warn!(
            variable = CRASH_AT_VAR,
            value,
            "unknown crash point: ignored"
        );
    }
    point
}

/// Aborts the process when `point` is the armed one (see the module docs); otherwise does nothing.
pub fn reached(point: CrashPoint) {
    if armed() == Some(point) {
        // stderr is unbuffered: the line is out before the abort.
        eprintln!("{CRASH_AT_VAR}={}: aborting the process", point.name());
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn names_round_trip_in_write_order() {
        for point in CrashPoint::ALL {
            assert_eq!(CrashPoint::parse(point.name()), Some(point));
        }
        assert_eq!(
            CrashPoint::parse(" after-item "),
            Some(CrashPoint::AfterItem)
        );
        assert_eq!(CrashPoint::parse("after-everything"), None);
    }

    #[test]
    fn armed_only_outside_lambda_and_by_a_known_name() {
        assert_eq!(armed_by(lookup(&[])), None);
        assert_eq!(armed_by(lookup(&[(CRASH_AT_VAR, "")])), None);
        assert_eq!(
            armed_by(lookup(&[(CRASH_AT_VAR, "after-event")])),
            Some(CrashPoint::AfterEvent)
        );
        assert_eq!(armed_by(lookup(&[(CRASH_AT_VAR, "after-nothing")])), None);
        assert_eq!(
            armed_by(lookup(&[
                (CRASH_AT_VAR, "after-event"),
                (LAMBDA_MARKER_VAR, "enrich-run")
            ])),
            None,
            "a deployed function never aborts"
        );
    }
}
