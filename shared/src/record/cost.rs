//! The cost section of a record ([`RunCost`]): compute per task, run storage and the total.

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// Tasks listed in [`ComputeCost::most_expensive`].
pub const MOST_EXPENSIVE_LISTED: usize = 20;

/// The compute cost of one task.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskCost {
    /// Task id.
    pub task_id: String,
    /// Task name.
    pub name: Option<String>,
    /// The instance it ran on.
    pub instance_type: Option<String>,
    /// Served from the run cache: no compute cost.
    pub cached: bool,
    /// Seconds it ran.
    pub running_seconds: Option<f64>,
    /// Seconds billed: max(running, 60); 0 for cached and never-started tasks.
    pub billed_seconds: Option<f64>,
    /// The instance's price.
    pub usd_per_hour: Option<f64>,
    /// The cost; null when a price or a duration is unknown.
    pub usd: Option<f64>,
    /// Why `usd` is null or zero, when it is.
    pub note: Option<String>,
}

/// Compute cost by instance type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InstanceTypeCost {
    /// The instance type.
    pub instance_type: String,
    /// Tasks billed on it.
    pub tasks: u64,
    /// Σ billed seconds / 3600.
    pub billed_hours: f64,
    /// Its price; null when unknown.
    pub usd_per_hour: Option<f64>,
    /// Σ task cost; null when the price is unknown.
    pub usd: Option<f64>,
}

/// The compute part of a run's cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComputeCost {
    /// Σ cost of the priced tasks.
    pub usd: f64,
    /// Whether every task that ran is priced.
    pub complete: bool,
    /// Tasks seen.
    pub tasks: u64,
    /// Tasks with a cost (cached and never-started tasks count, at 0).
    pub priced_tasks: u64,
    /// Tasks that ran but could not be priced.
    pub unpriced_tasks: u64,
    /// Cached tasks (no compute cost).
    pub cached_tasks: u64,
    /// Tasks that never started.
    pub not_started_tasks: u64,
    /// Tasks that ran under the 60-second minimum and were billed for 60.
    pub minimum_billed_tasks: u64,
    /// By instance type, most expensive first.
    pub by_instance_type: Vec<InstanceTypeCost>,
    /// The most expensive tasks (at most [`MOST_EXPENSIVE_LISTED`]).
    pub most_expensive: Vec<TaskCost>,
}

/// The storage part of a run's cost.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageCost {
    /// `STATIC` or `DYNAMIC`.
    pub storage_type: Option<String>,
    /// The capacity requested (STATIC).
    #[serde(rename = "requestedGiB")]
    pub requested_gib: Option<f64>,
    /// GiB billed: provisioned capacity (STATIC) or average use (DYNAMIC).
    #[serde(rename = "billedGiB")]
    pub billed_gib: Option<f64>,
    /// The run's duration, seconds.
    pub duration_seconds: Option<f64>,
    /// The storage price.
    #[serde(rename = "usdPerGiBHour")]
    pub usd_per_gib_hour: Option<f64>,
    /// billed GiB × duration hours × price; null when any is unknown.
    pub usd: Option<f64>,
    /// How `usd` was computed, or why it was not.
    pub basis: String,
}

/// A run's cost.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunCost {
    /// `USD`.
    pub currency: String,
    /// The run's region (from its ARN).
    pub region: Option<String>,
    /// Which price table was used.
    pub prices: PriceTableInfo,
    /// Where the prices came from: the AWS Price List API, the bundled table or `PRICES_URI`; absent in records
    /// written before prices were resolved per run.
    pub price_source: Option<PriceSourceKind>,
    /// compute + storage; null unless both are complete.
    pub total_usd: Option<f64>,
    /// The known part: priced compute + storage when known.
    pub known_usd: f64,
    /// Whether `totalUsd` is complete.
    pub complete: bool,
    /// One sentence: what the total is made of.
    pub basis: String,
    /// Compute.
    pub compute: ComputeCost,
    /// Run storage.
    pub storage: StorageCost,
    /// What could not be priced, one sentence each.
    pub warnings: Vec<String>,
}

/// Which table is in use, for the report.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceTableInfo {
    /// `bundled`, or the `PRICES_URI` it was read from.
    pub origin: String,
    /// The table's `retrieved` date.
    pub retrieved: Option<String>,
}

/// Where the prices of a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceSourceKind {
    /// The AWS Price List API (`GetProducts`, ServiceCode `AmazonOmics`), for the run's region.
    #[serde(rename = "price-list-api")]
    PriceListApi,
    /// The table bundled with the functions (`shared/data/prices.json`).
    #[serde(rename = "bundled")]
    Bundled,
    /// The table `PRICES_URI` names.
    #[serde(rename = "PRICES_URI")]
    PricesUri,
}

impl PriceSourceKind {
    /// The name the report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PriceListApi => "price-list-api",
            Self::Bundled => "bundled",
            Self::PricesUri => "PRICES_URI",
        }
    }
}
