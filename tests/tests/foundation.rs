//! Foundation tests: the SDK against the emulator, the manifest reader, the emulator process, the consistency of
//! template.yaml / openapi.yaml with the code, the parsers' property tests (`PROPTEST_CASES` bounds them;
//! `cargo test --test foundation proptest_parsers` runs those alone), and third parties' real HealthOmics material
//! through our parsers, models and routes (`real_world`).
//!
//! One test binary per area (api, enrich, analysis, faults, foundation): each links the AWS SDK once. Needs the
//! local stack: run through `make test`.

mod api_support;
mod enrich_support;

#[path = "foundation/emulator_process.rs"]
mod emulator_process;
#[path = "foundation/lake_template.rs"]
mod lake_template;
#[path = "foundation/manifest.rs"]
mod manifest;
#[path = "foundation/proptest_parsers.rs"]
mod proptest_parsers;
#[path = "foundation/sdk.rs"]
mod sdk;
#[path = "foundation/template_consistency.rs"]
mod template_consistency;
// The folder tests/tests/real_world/ (a crate root resolves `mod` beside itself, like the support modules).
mod real_world;
