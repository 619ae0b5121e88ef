//! HealthOmics: the run and task operations omics-introspect calls, and their domain models.

mod convert;
mod model;
pub mod rate;
mod service;

pub use model::{
    ConfigurationDetails, ImageDetails, ListRunsFilter, Page, PageRequest, Run, RunLogLocation,
    RunSummary, Task, VpcConfig,
};
pub use rate::{Pacing, RateLimiter, TokenBucket};
pub use service::{HealthOmics, MAX_PAGE, SERVICE};
