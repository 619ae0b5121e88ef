//! `mod api_support;` in the moved test files of this folder resolves here; it is the binary's one shared
//! `crate::api_support` (tests/tests/api_support/mod.rs), re-exported.
// TODO(lead, issue 10 merge): replace `mod api_support;` with `use crate::api_support;` in this folder's files, then delete this file.

#[allow(unused_imports)]
pub use crate::api_support::*;
