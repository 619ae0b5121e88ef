//! Test support for omics-introspect: the local HealthOmics emulator, a harness that starts it for a test, and
//! a generator of synthetic runs.

pub mod emulator;
pub mod harness;
pub mod synthetic;
