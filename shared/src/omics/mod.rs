//! HealthOmics: the run and task operations omics-introspect calls, and their domain models.

mod convert;
mod model;
mod service;

pub use model::{
    ConfigurationDetails, ImageDetails, ListRunsFilter, Page, PageRequest, Run, RunLogLocation,
    RunSummary, Task, VpcConfig,
};
pub use service::{HealthOmics, SERVICE};
