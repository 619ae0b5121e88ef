//! Run batches' live status in the live table (`LIVE_TABLE_NAME`): one item per batch (pk `BATCH#<batchId>`, sk
//! `STATE`) holding the newest [`BatchStatus`] its events reported, and whether `Batch Finished` went out.
//!
//! The item is a register: an event replaces it only when it is later (event time, then the step of the batch's
//! life), so duplicated, late and reordered events leave the newest one, whatever the order they arrive in.

use aws_sdk_dynamodb::types::AttributeValue;

use super::live_runs::{expires_at, n, s, sdk};
use crate::config::vars::LIVE_TABLE_NAME;
use crate::error::{Error, Result};
use crate::live::BatchStatus;

/// The run batches of a live table.
#[derive(Debug, Clone)]
pub struct LiveBatches {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn pk(batch_id: &str) -> String {
    format!("BATCH#{batch_id}")
}

impl LiveBatches {
    /// The batches in `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn update(
        &self,
        batch_id: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk(batch_id)))
            .key("sk", s("STATE"))
    }

    pub const UPDATE_ITEM: &str = "dynamodb:UpdateItem"; // IAM action, see crate::iam
    /// Keeps `status` unless the item holds a later one; whether it was written.
    pub async fn record(&self, status: &BatchStatus) -> Result<bool> {
        let json = serde_json::to_string(status)
            .map_err(|e| Error::Internal(format!("a batch status is not JSON: {e}")))?;
        let (at, step) = status.order();
        let out = self
            .update(&status.batch_id)
            .update_expression("SET #state = :state, #at = :at, #step = :step, #exp = :exp")
            .condition_expression(
                "attribute_not_exists(#at) OR #at < :at OR (#at = :at AND #step < :step)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#at", "at")
            .expression_attribute_names("#step", "step")
            .expression_attribute_names("#exp", "expiresAt")
            .expression_attribute_values(":state", s(json))
            .expression_attribute_values(":at", n(at))
            .expression_attribute_values(":step", n(step))
            .expression_attribute_values(":exp", n(expires_at()))
            .send()
            .await;
        super::update_held(out, LIVE_TABLE_NAME)
    }

    pub const GET_ITEM: &str = "dynamodb:GetItem"; // IAM action, see crate::iam
    /// The batch's newest status; `None` when no event of it was seen.
    pub async fn read(&self, batch_id: &str) -> Result<Option<BatchStatus>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk(batch_id)))
            .key("sk", s("STATE"))
            .send()
            .await
            .map_err(sdk)?;
        let Some(AttributeValue::S(json)) = out.item.as_ref().and_then(|item| item.get("state"))
        else {
            return Ok(None);
        };
        serde_json::from_str(json)
            .map(Some)
            .map_err(|e| Error::Internal(format!("a stored batch status is malformed: {e}")))
    }

    /// Claims the batch's one `Batch Finished` announcement: `true` for the one caller that gets it, `false` when
    /// it was claimed before.
    pub async fn claim_announcement(&self, batch_id: &str) -> Result<bool> {
        let out = self
            .update(batch_id)
            .update_expression("SET #announced = :now, #exp = :exp")
            .condition_expression("attribute_not_exists(#announced)")
            .expression_attribute_names("#announced", "announced")
            .expression_attribute_names("#exp", "expiresAt")
            .expression_attribute_values(":now", n(chrono::Utc::now().timestamp()))
            .expression_attribute_values(":exp", n(expires_at()))
            .send()
            .await;
        super::update_held(out, LIVE_TABLE_NAME)
    }

    /// Gives a claim back after its event could not be sent, so the retry of the message sends it.
    pub async fn release_announcement(&self, batch_id: &str) -> Result<()> {
        self.update(batch_id)
            .update_expression("REMOVE #announced")
            .expression_attribute_names("#announced", "announced")
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }
}
