//! Base names of scattered tasks, so the shards of one workflow task are analysed together.
//!
//! - WDL: `name-<shard>-<attempt>` → `name` (`BwaMem-3-1` → `BwaMem`; hyphens inside the name are kept:
//!   `call-bwa-mem-0-1` → `call-bwa-mem`). HealthOmics may append `scattered` to a scatter shard's name
//!   (`UGMakeExamples-07-0708scattered` → `UGMakeExamples`, as in a published real manifest); with that marker a
//!   single `-<shard>` is stripped too (`Call-3scattered` → `Call`).
//! - Nextflow: `name (tag)` → `name` (`NFCORE:STAR_ALIGN (SAMPLE_1)` → `NFCORE:STAR_ALIGN`).
//! - CWL: `name_<n>` → `name` (`bwa_mem2_3` → `bwa_mem2`; digits inside the name are kept).
//!
//! The run analyzer's own patterns drop everything after a WDL name's first hyphen and refuse CWL names with
//! digits; these keep the whole name and strip only the engine's suffix.

use std::collections::HashMap;
use std::sync::Arc;

/// The workflow engine, as far as it matters for names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// WDL.
    Wdl,
    /// Nextflow.
    Nextflow,
    /// CWL.
    Cwl,
    /// Not known: the WDL and Nextflow suffixes are stripped (they cannot be confused), the CWL one is not.
    Unknown,
}

impl Engine {
    /// From the manifest's `engine` (`WDL`, `WDL_LENIENT`, `NEXTFLOW`, `CWL`), case-insensitively.
    pub fn parse(engine: Option<&str>) -> Self {
        match engine.map(str::to_ascii_uppercase).as_deref() {
            // WDL_LENIENT runs WDL with relaxed type checks: its task names are WDL's.
            Some("WDL" | "WDL_LENIENT") => Self::Wdl,
            Some("NEXTFLOW") => Self::Nextflow,
            Some("CWL") => Self::Cwl,
            _ => Self::Unknown,
        }
    }
}

/// The base name of task `name` under `engine`.
pub fn base_name(name: &str, engine: Engine) -> &str {
    match engine {
        Engine::Wdl => strip_wdl(name),
        Engine::Nextflow => strip_nextflow(name),
        Engine::Cwl => strip_cwl(name),
        Engine::Unknown => {
            let stripped = strip_nextflow(name);
            if stripped.len() < name.len() {
                stripped
            } else {
                strip_wdl(name)
            }
        }
    }
}

/// Number of a task group within one run: an index into [`GroupNames`].
pub type GroupId = u32;

/// The distinct base names of one run's tasks, each held once and numbered in order of first appearance, so the
/// accumulators that keep something per group key it by a 4-byte [`GroupId`] instead of a copy of the name. A run
/// of ungroupable names (every base name its own group) then holds each name once, or not at all when the caller
/// passes the task name's shared copy ([`GroupNames::group_of`]).
#[derive(Debug)]
pub struct GroupNames {
    engine: Engine,
    ids: HashMap<Arc<str>, GroupId>,
    names: Vec<Arc<str>>,
}

impl GroupNames {
    /// No group yet, for a run of `engine`.
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            ids: HashMap::new(),
            names: Vec::new(),
        }
    }

    /// The group of a task named `name` (its id when it has no name). `shared` is a shared copy of `name` when
    /// the caller holds one: a name that is its own base name is then not copied.
    pub fn group_of(&mut self, name: &str, shared: Option<&Arc<str>>) -> GroupId {
        let base = base_name(name, self.engine);
        if let Some(&id) = self.ids.get(base) {
            return id;
        }
        let key: Arc<str> = match shared {
            Some(shared) if shared.len() == base.len() => Arc::clone(shared),
            _ => Arc::from(base),
        };
        let id = GroupId::try_from(self.names.len()).unwrap_or(GroupId::MAX);
        self.ids.insert(Arc::clone(&key), id);
        self.names.push(key);
        id
    }

    /// The base name of group `id`.
    pub fn name(&self, id: GroupId) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no task was seen.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The suffix HealthOmics appends to the names of WDL scatter shards.
const SCATTERED: &str = "scattered";

/// Strips a trailing `-<digits>-<digits>`, after an optional `scattered` marker; with the marker, a single
/// `-<digits>` is enough.
fn strip_wdl(name: &str) -> &str {
    let (core, scattered) = match name.strip_suffix(SCATTERED) {
        Some(core) if core.ends_with(|c: char| c.is_ascii_digit()) => (core, true),
        _ => (name, false),
    };
    let Some(rest) = strip_number(core, '-') else {
        return name;
    };
    match strip_number(rest, '-') {
        Some(base) if !base.is_empty() => base,
        _ if scattered && !rest.is_empty() => rest,
        _ => name,
    }
}

/// Strips a trailing ` (<anything>)`.
fn strip_nextflow(name: &str) -> &str {
    if !name.ends_with(')') {
        return name;
    }
    match name.find(" (") {
        Some(at) if at > 0 => name[..at].trim_end(),
        _ => name,
    }
}

/// Strips a trailing `_<digits>`.
fn strip_cwl(name: &str) -> &str {
    strip_number(name, '_')
        .filter(|b| !b.is_empty())
        .unwrap_or(name)
}

/// `text` without a trailing `<sep><digits>`, if it has one.
fn strip_number(text: &str, sep: char) -> Option<&str> {
    let (head, digits) = text.rsplit_once(sep)?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wdl_names() {
        assert_eq!(base_name("BwaMem-3-1", Engine::Wdl), "BwaMem");
        assert_eq!(
            base_name("HaplotypeCaller-12-2", Engine::Wdl),
            "HaplotypeCaller"
        );
        assert_eq!(base_name("call-bwa-mem-0-1", Engine::Wdl), "call-bwa-mem");
        assert_eq!(base_name("GetBwaVersion", Engine::Wdl), "GetBwaVersion");
        assert_eq!(base_name("Only-1", Engine::Wdl), "Only-1");
        assert_eq!(base_name("-0-1", Engine::Wdl), "-0-1");
        assert_eq!(base_name("x-a-1", Engine::Wdl), "x-a-1");
    }

    #[test]
    fn wdl_scattered_shards() {
        for shard in [
            "UGMakeExamples-07-0708scattered",
            "UGMakeExamples-00-0001scattered",
            "UGMakeExamples-49-4950scattered",
        ] {
            assert_eq!(base_name(shard, Engine::Wdl), "UGMakeExamples", "{shard}");
            assert_eq!(
                base_name(shard, Engine::Unknown),
                "UGMakeExamples",
                "{shard}"
            );
        }
        assert_eq!(base_name("call-bwa-3-1scattered", Engine::Wdl), "call-bwa");
        assert_eq!(base_name("Call-3scattered", Engine::Wdl), "Call");
        // The marker alone, or without a shard number before it, is part of the name.
        assert_eq!(base_name("scattered", Engine::Wdl), "scattered");
        assert_eq!(base_name("Callscattered", Engine::Wdl), "Callscattered");
        assert_eq!(base_name("-3scattered", Engine::Wdl), "-3scattered");
        assert_eq!(
            base_name("Only-1", Engine::Wdl),
            "Only-1",
            "no marker: one number is a name"
        );
    }

    #[test]
    fn nextflow_names() {
        assert_eq!(
            base_name(
                "NFCORE_RNASEQ:RNASEQ:ALIGN_STAR:STAR_ALIGN (SAMPLE_1)",
                Engine::Nextflow
            ),
            "NFCORE_RNASEQ:RNASEQ:ALIGN_STAR:STAR_ALIGN"
        );
        assert_eq!(base_name("FASTQC (a (b))", Engine::Nextflow), "FASTQC");
        assert_eq!(base_name("MULTIQC", Engine::Nextflow), "MULTIQC");
        assert_eq!(base_name("FASTQC (1)", Engine::Nextflow), "FASTQC");
        assert_eq!(
            base_name("WF:SUB:SAMTOOLS_SORT (sample-7 lane_2)", Engine::Nextflow),
            "WF:SUB:SAMTOOLS_SORT"
        );
        assert_eq!(
            base_name("WF:SUB:NAME (tag)", Engine::Unknown),
            "WF:SUB:NAME"
        );
        assert_eq!(base_name("(x)", Engine::Nextflow), "(x)");
    }

    #[test]
    fn cwl_names() {
        assert_eq!(base_name("bwa_mem2_3", Engine::Cwl), "bwa_mem2");
        assert_eq!(base_name("align_12", Engine::Cwl), "align");
        assert_eq!(base_name("align", Engine::Cwl), "align");
        assert_eq!(base_name("_7", Engine::Cwl), "_7");
        assert_eq!(base_name("bwa_mem_10", Engine::Cwl), "bwa_mem");
        assert_eq!(base_name("sort_x", Engine::Cwl), "sort_x");
    }

    #[test]
    fn unknown_engine_strips_wdl_and_nextflow_only() {
        assert_eq!(base_name("BwaMem-3-1", Engine::Unknown), "BwaMem");
        assert_eq!(base_name("STAR (S1)", Engine::Unknown), "STAR");
        assert_eq!(base_name("bwa_mem_3", Engine::Unknown), "bwa_mem_3");
        assert_eq!(Engine::parse(Some("nextflow")), Engine::Nextflow);
        assert_eq!(Engine::parse(Some("WDL_LENIENT")), Engine::Wdl);
        assert_eq!(Engine::parse(None), Engine::Unknown);
    }

    #[test]
    fn group_names_are_held_once_and_share_the_callers_copy() {
        let mut names = GroupNames::new(Engine::Wdl);
        let a = names.group_of("BwaMem-3-1", None);
        let b = names.group_of("BwaMem-4-1", None);
        assert_eq!(a, b);
        assert_eq!(names.name(a), "BwaMem");
        let long: Arc<str> = Arc::from("ungroupable·漢字🧬".repeat(20).as_str());
        let c = names.group_of(&long, Some(&long));
        assert_ne!(a, c);
        assert_eq!(names.group_of(&long, None), c);
        // An ungroupable name is its own base name: the group shares the caller's copy.
        assert!(std::ptr::eq(names.name(c).as_ptr(), long.as_ptr()));
        assert_eq!(Arc::strong_count(&long), 3);
        assert_eq!(names.len(), 2);
    }
}
