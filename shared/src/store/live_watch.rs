//! What the straggler watch keeps beside a live run in the live table: when the run was last checked (HEAD's
//! `checkedAt`, so that one consumer checks a run at most once per spacing however many batches carry its events)
//! and one marker item per announced straggler (pk `STRAGGLER#<runId>`, sk the task id), so each task is announced
//! at most once.

use super::live_runs::{LiveRuns, expires_at, n, s, sdk};
use crate::config::vars::LIVE_TABLE_NAME;
use crate::error::Result;

fn marker_pk(run_id: &str) -> String {
    format!("STRAGGLER#{run_id}")
}

impl LiveRuns {
    /// Claims the run's next straggler check at `now` (epoch seconds): `true` for the one caller whose check comes
    /// `spacing` seconds or more after the last one.
    pub async fn claim_check(&self, run_id: &str, now: i64, spacing: i64) -> Result<bool> {
        let out = self
            .update_head(run_id)
            .update_expression("SET #checked = :now, #exp = :exp")
            .condition_expression("attribute_not_exists(#checked) OR #checked <= :due")
            .expression_attribute_names("#checked", "checkedAt")
            .expression_attribute_names("#exp", "expiresAt")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":due", n(now - spacing))
            .expression_attribute_values(":exp", n(expires_at()))
            .send()
            .await;
        super::update_held(out, LIVE_TABLE_NAME)
    }

    /// Marks `task_id` of the run announced as a straggler: `true` the first time only.
    pub async fn mark_straggler(&self, run_id: &str, task_id: &str) -> Result<bool> {
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(marker_pk(run_id)))
            .item("sk", s(task_id))
            .item("expiresAt", n(expires_at()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        super::put_held(out, LIVE_TABLE_NAME)
    }

    /// Removes a marker whose announcement could not be sent, so a later check announces the task.
    pub async fn unmark_straggler(&self, run_id: &str, task_id: &str) -> Result<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(marker_pk(run_id)))
            .key("sk", s(task_id))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }
}
