//! The `Run Enriched` event: a compact summary plus the record's S3 location.

use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use serde_json::{Value, json};

use super::item::SummaryRecord;
use crate::config::vars::EVENT_BUS_NAME;
use crate::error::{Error, Lookup, Result};

/// Service name used in errors and logs.
const SERVICE: &str = "EventBridge";

/// `source` of the events this project publishes.
pub const RUN_ENRICHED_SOURCE: &str = "omics-introspect";
/// `detail-type` of the enrichment event.
pub const RUN_ENRICHED: &str = "Run Enriched";

/// The event detail for a stored record.
pub fn run_enriched_detail(record: &SummaryRecord) -> Value {
    let mut detail = serde_json::to_value(&record.summary).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut detail {
        let mut report = serde_json::to_value(&record.report).unwrap_or_else(|_| json!({}));
        if let Value::Object(r) = &mut report {
            r.insert("uri".into(), Value::String(record.report.uri()));
        }
        map.insert("report".into(), report);
    }
    detail
}

/// The `idempotencyKey` of a record's `Run Enriched` event: `<runId>/<uuid>/<report sha256>`, the same for every
/// announcement of one stored record and different for any other record. The event is delivered at least once (a
/// process dying between `PutEvents` and marking the item published makes the retry send it again; EventBridge
/// does not deduplicate): consumers that must act once per record deduplicate on this key.
pub fn idempotency_key(record: &SummaryRecord) -> String {
    format!(
        "{}/{}/{}",
        record.summary.run_id, record.summary.uuid, record.report.sha256
    )
}

/// The detail `Run Enriched` carries: [`run_enriched_detail`] plus the [`idempotency_key`].
pub fn published_detail(record: &SummaryRecord) -> Value {
    let mut detail = run_enriched_detail(record);
    if let Value::Object(map) = &mut detail {
        map.insert(
            "idempotencyKey".into(),
            Value::String(idempotency_key(record)),
        );
    }
    detail
}

/// Publishes on one event bus.
#[derive(Debug, Clone)]
pub struct EventPublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventPublisher {
    /// A publisher on `bus` (a name or an ARN).
    pub fn new(client: aws_sdk_eventbridge::Client, bus: impl Into<String>) -> Self {
        Self {
            client,
            bus: bus.into(),
        }
    }

    pub const PUT_EVENTS: &str = "events:PutEvents"; // IAM action, see crate::iam
    /// Sends `Run Enriched` (`published_detail`) for `record`; an entry EventBridge refuses is an error.
    pub async fn publish(&self, record: &SummaryRecord) -> Result<()> {
        self.announce(
            RUN_ENRICHED,
            &published_detail(record),
            record.summary.arn.clone().into_iter().collect(),
        )
        .await
    }

    /// Sends one event of `detail_type` (source `omics-introspect`) about `resources`; an entry EventBridge
    /// refuses is an error.
    pub async fn announce(
        &self,
        detail_type: &str,
        detail: &Value,
        resources: Vec<String>,
    ) -> Result<()> {
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(RUN_ENRICHED_SOURCE)
            .detail_type(detail_type)
            .detail(detail.to_string())
            .set_resources((!resources.is_empty()).then_some(resources))
            .build();
        let out = self
            .client
            .put_events()
            .entries(entry)
            .send()
            .await
            .map_err(|e| Error::from_sdk(SERVICE, e, Lookup::configured(EVENT_BUS_NAME)))?;
        if out.failed_entry_count > 0 {
            let reason = out
                .entries
                .unwrap_or_default()
                .into_iter()
                .find_map(|e| {
                    e.error_code
                        .map(|c| format!("{c}: {}", e.error_message.unwrap_or_default()))
                })
                .unwrap_or_else(|| "unknown".into());
            return Err(Error::Upstream {
                service: SERVICE,
                status: None,
                source: format!("PutEvents refused the {detail_type} entry: {reason}").into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
    use aws_sdk_eventbridge::types::PutEventsResultEntry;
    use aws_smithy_mocks::{mock, mock_client};

    use super::*;
    use crate::status::RunStatus;
    use crate::store::item::tests::{UUID, record};

    #[test]
    fn detail_carries_summary_and_location() {
        let detail = run_enriched_detail(&record(RunStatus::Failed, "sha256:ab", 3));
        assert_eq!(detail["runId"], "1000001");
        assert_eq!(detail["status"], "FAILED");
        assert_eq!(detail["countsByStatus"]["COMPLETED"], 3);
        assert_eq!(
            detail["report"]["uri"],
            format!("s3://b/runs/1000001/{UUID}/report.json.gz")
        );
        assert_eq!(detail["report"]["versionId"], "v1");
        assert_eq!(detail["manifestDigest"], "sha256:ab");
        assert!(detail.get("idempotencyKey").is_none(), "API summaries");
    }

    #[test]
    fn published_detail_carries_a_key_per_record() {
        let first = record(RunStatus::Failed, "sha256:ab", 3);
        let detail = published_detail(&first);
        assert_eq!(
            detail["idempotencyKey"],
            format!("1000001/{UUID}/sha256:00")
        );
        assert_eq!(detail["runId"], "1000001");
        let mut better = first.clone();
        better.report.sha256 = "sha256:11".into();
        assert_ne!(idempotency_key(&first), idempotency_key(&better));
        // A re-announcement of the same item (another write time, the published flag) has the same key.
        let mut again = first.clone();
        again.written_at = "2030-01-01T00:00:00.000Z".into();
        again.event_published = true;
        assert_eq!(published_detail(&again), detail);
    }

    #[tokio::test]
    async fn refused_entries_are_errors() {
        let refused = mock!(aws_sdk_eventbridge::Client::put_events)
            .match_requests(|r| {
                r.entries().first().is_some_and(|e| {
                    e.detail().is_some_and(|d| d.contains("idempotencyKey"))
                        && e.source() == Some("omics-introspect")
                        && e.detail_type() == Some("Run Enriched")
                        && e.event_bus_name() == Some("bus")
                })
            })
            .then_output(|| {
                PutEventsOutput::builder()
                    .failed_entry_count(1)
                    .entries(
                        PutEventsResultEntry::builder()
                            .error_code("InternalFailure")
                            .build(),
                    )
                    .build()
            });
        let client = mock_client!(aws_sdk_eventbridge, [&refused]);
        let err = EventPublisher::new(client, "bus")
            .publish(&record(RunStatus::Completed, "x", 1))
            .await
            .unwrap_err();
        let chain = crate::error::display_chain(&err);
        assert!(chain.contains("InternalFailure"), "{chain}");
    }
}
