//! Data shapes of a synthetic run: the germline pipeline's own names and shared images, or an adversarial run
//! whose per-task strings cannot be shared or grouped (what a memory bound must survive).

use std::fmt::Write as _;
use std::str::FromStr;

use super::format::sha256_hex;
use super::tasks::SynthTask;

/// Multi-byte fragments the adversarial names are built from (accents, CJK, Hangul, emoji, a ligature): 2–4 bytes
/// per character in UTF-8, none of them a JSON escape, a digit, `-`, `_` or a parenthesis, so no engine's shard
/// suffix can be read into a name.
const FRAGMENTS: [&str; 12] = [
    "é",
    "漢字",
    "🧬",
    "ñ",
    "Ω",
    "データ",
    "😀",
    "ü",
    "검사",
    "ﬁ",
    "ß",
    "Ä",
];

/// Characters of an adversarial name before its distinguishing tail (the tail adds a dozen more).
pub const ADVERSARIAL_NAME_CHARS: usize = 200;

/// How a run's tasks are named and which strings they share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// The germline WDL pipeline: `<call>-<shard>-1` names (13 groups), one image digest per image.
    #[default]
    Pipeline,
    /// Every task its own image digest (and, as always, its own uuid); names of 200+ multi-byte characters,
    /// [`Shape::distinct_names`] of them, none sharing a base name with another: every name is its own group.
    Adversarial,
}

impl Shape {
    /// Distinct task names of a run of `tasks` tasks under this shape (adversarial: 30 %, at least one), so a
    /// 100,000-task run has 30,000 ungroupable names, each used by about three tasks.
    pub fn distinct_names(self, tasks: usize) -> usize {
        match self {
            Self::Pipeline => 0,
            Self::Adversarial => (tasks * 3 / 10).max(1),
        }
    }

    /// Reshapes the `ordinal`-th task of a run of `tasks` tasks (the pipeline shape leaves it as drawn).
    pub(super) fn apply(
        self,
        task: &mut SynthTask,
        ordinal: usize,
        tasks: usize,
        rng: &mut fastrand::Rng,
    ) {
        if self == Self::Pipeline {
            return;
        }
        let name_index = ordinal % self.distinct_names(tasks);
        task.name = adversarial_name(name_index);
        task.image_digest = Some(sha256_hex(rng));
    }
}

impl FromStr for Shape {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "pipeline" => Ok(Self::Pipeline),
            "adversarial" => Ok(Self::Adversarial),
            other => Err(format!(
                "unknown shape {other:?}: expected pipeline or adversarial"
            )),
        }
    }
}

/// `<200 multi-byte characters drawn from index>·#<index>ẞ`: the same index gives the same name (whatever the
/// task's call, so exactly [`Shape::distinct_names`] names), and the trailing `ẞ` keeps WDL, Nextflow and CWL
/// suffix rules from stripping anything.
pub fn adversarial_name(index: usize) -> String {
    let mut name = String::with_capacity(ADVERSARIAL_NAME_CHARS * 3 + 16);
    // A small LCG over the index spreads the fragments, so names differ from their first characters on.
    let mut state = (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut chars = 0;
    while chars < ADVERSARIAL_NAME_CHARS {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fragment = FRAGMENTS[(state >> 33) as usize % FRAGMENTS.len()];
        name.push_str(fragment);
        chars += fragment.chars().count();
    }
    let _ = write!(name, "·#{index}ẞ");
    name
}
