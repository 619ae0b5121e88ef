//! `enrich-run reindex`: rewrites every summary item (and the lake's Parquet copy) from its stored S3 record, so
//! records written before the fleet index carry its keys, facts and fleet row, and every run is filed in its fleet
//! day bucket. No HealthOmics call; idempotent (an item whose facts are current is only rewritten as it is, unless
//! forced; a rewrite is conditional on the item still pointing at the same record, so a concurrent enrichment
//! always wins; a day bucket keeps one row per run).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::builder::{facts_of, summary_of};
use super::writer::decode_record;
use crate::analysis::{Settings, analyze};
use crate::error::Result;
use crate::lake::{LakeStore, write_run};
use crate::store::{
    FLEET_VERSION, FleetViews, ReportStore, SummaryRecord, SummaryStore, fleet_run,
};

/// What happened to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reindexed {
    /// Rewritten with the fleet attributes.
    Written,
    /// Already indexed at the current fleet version.
    Current,
    /// A newer record replaced the item while it was being recomputed.
    Replaced,
}

impl Reindexed {
    /// The outcome's name in the command's output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Written => "written",
            Self::Current => "current",
            Self::Replaced => "replaced",
        }
    }
}

/// Rewrites summary items from their stored records.
#[derive(Debug, Clone)]
pub struct Reindexer {
    summaries: SummaryStore,
    fleet: FleetViews,
    reports: ReportStore,
    lake: LakeStore,
    settings: Settings,
}

impl Reindexer {
    /// A reindexer over the runs table, the fleet table's views and the reports bucket (records and lake),
    /// pricing with `settings`.
    pub fn new(
        summaries: SummaryStore,
        fleet: FleetViews,
        reports: ReportStore,
        lake: LakeStore,
        settings: Settings,
    ) -> Self {
        Self {
            summaries,
            fleet,
            reports,
            lake,
            settings,
        }
    }

    /// Every item, one page at a time; `on_item` gets one JSON line per item. Returns the totals by outcome.
    pub async fn run(
        &self,
        force: bool,
        mut on_item: impl FnMut(Value),
    ) -> Result<BTreeMap<String, u64>> {
        let mut totals = BTreeMap::new();
        let mut start = None;
        loop {
            let (records, next) = self.summaries.scan_page(start).await?;
            for record in records {
                let line = match self.reindex(record.clone(), force).await {
                    Ok(outcome) => {
                        json!({"runId": record.summary.run_id, "uuid": record.summary.uuid,
                                          "outcome": outcome.as_str()})
                    }
                    Err(err) => json!({"runId": record.summary.run_id, "uuid": record.summary.uuid,
                                       "outcome": "failed", "error": crate::error::display_chain(&err)}),
                };
                let outcome = line["outcome"].as_str().unwrap_or("failed").to_owned();
                *totals.entry(outcome).or_default() += 1;
                on_item(line);
            }
            start = next;
            if start.is_none() {
                return Ok(totals);
            }
        }
    }

    /// Recomputes one item from its record (only rewritten with its fleet row when its facts are current and
    /// `force` is not set), then files the run's row in its day bucket.
    pub async fn reindex(&self, stored: SummaryRecord, force: bool) -> Result<Reindexed> {
        let current = stored.summary.facts.is_some();
        if current && !force {
            let written = self.summaries.put_reindexed(&stored).await?;
            return self.file_row(&stored, written, Reindexed::Current).await;
        }
        let run = decode_record(&self.reports.get(&stored.report).await?)?;
        // Task groups from the record's tasks; every other fact from its stored sections, so the fleet's sums
        // equal the report's figures.
        let task_groups = analyze(&run, &self.settings).task_groups;
        let facts = facts_of(&run.head, task_groups);
        let mut summary = summary_of(
            &run.head,
            stored.summary.status.clone(),
            stored.summary.workflow_name.clone(),
            Some(facts),
        );
        summary.schema_version = stored.summary.schema_version;
        // The lake's copy first (same keys as at enrichment: a rewrite, never a duplicate).
        let workflow_name = stored.summary.workflow_name.as_deref();
        write_run(
            &self.lake,
            &run.head,
            &run.tasks,
            &self.settings.prices,
            workflow_name,
        )
        .await?;
        let record = SummaryRecord { summary, ..stored };
        let written = self.summaries.put_reindexed(&record).await?;
        tracing::info!(run_id = %record.summary.run_id, uuid = %record.summary.uuid, written,
                       fleet_version = FLEET_VERSION, "reindexed");
        self.file_row(&record, written, Reindexed::Written).await
    }

    /// Files a rewritten item in the fleet table's views; a replaced item's enrichment filed its own.
    async fn file_row(
        &self,
        record: &SummaryRecord,
        written: bool,
        outcome: Reindexed,
    ) -> Result<Reindexed> {
        if !written {
            return Ok(Reindexed::Replaced);
        }
        if let Some(run) = fleet_run(&record.summary) {
            self.fleet.file(&run, None).await?;
        }
        Ok(outcome)
    }
}
