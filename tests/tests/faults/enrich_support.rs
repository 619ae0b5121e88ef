//! `mod enrich_support;` in the moved test files of this folder resolves here; it is the binary's one shared
//! `crate::enrich_support` (tests/tests/enrich_support/mod.rs), re-exported.
// TODO(lead, issue 10 merge): replace `mod enrich_support;` with `use crate::enrich_support;` in this folder's files, then delete this file.

#[allow(unused_imports)]
pub use crate::enrich_support::*;
