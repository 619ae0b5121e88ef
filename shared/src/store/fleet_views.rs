//! The fleet table's views of every stored run, written after its summary item: its row in the day bucket of its
//! stop day ([`FleetDays`]) and, when COMPLETED, its place among its workflow's recent runs ([`RecentRuns`]).
//! Both writes are idempotent, so a retry (or `reindex`) files a run again without counting it twice.

use super::{FleetDays, RecentRuns};
use crate::error::Result;
use crate::record::fleet_row::FleetRun;
use crate::time::Timestamp;

/// The day buckets and recent runs of the fleet table.
#[derive(Debug, Clone)]
pub struct FleetViews {
    /// Every run's row by stop day.
    pub days: FleetDays,
    /// Each workflow's newest COMPLETED runs.
    pub recent: RecentRuns,
}

impl FleetViews {
    /// The views in `table` (`FLEET_TABLE_NAME`).
    pub fn new(client: aws_sdk_dynamodb::Client, table: &str) -> Self {
        Self {
            days: FleetDays::new(client.clone(), table),
            recent: RecentRuns::new(client, table),
        }
    }

    /// Files `run`; `previous` is the instant its previous record was filed at, whose day loses the row when the
    /// stop day changed (a record without a stop time replaced by one with it).
    pub async fn file(&self, run: &FleetRun, previous: Option<&Timestamp>) -> Result<()> {
        self.days.upsert(&run.row).await?;
        if let Some(before) = previous
            && before.date_naive() != run.row.filed_at.date_naive()
        {
            self.days.remove(&run.row.run_key(), before).await?;
        }
        self.recent.offer(run).await
    }
}
