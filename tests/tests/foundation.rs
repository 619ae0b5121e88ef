//! Foundation tests: the SDK against the emulator, the manifest reader, the emulator process, the consistency of
//! template.yaml / openapi.yaml with the code, and the parsers' property tests (`PROPTEST_CASES` bounds them;
//! `cargo test --test foundation proptest_parsers` runs those alone).
//!
//! One test binary per area (api, enrich, analysis, faults, foundation): each links the AWS SDK once. Needs the
//! local stack: run through `make test`.

#[path = "foundation/emulator_process.rs"]
mod emulator_process;
#[path = "foundation/manifest.rs"]
mod manifest;
#[path = "foundation/proptest_parsers.rs"]
mod proptest_parsers;
#[path = "foundation/sdk.rs"]
mod sdk;
#[path = "foundation/template_consistency.rs"]
mod template_consistency;
