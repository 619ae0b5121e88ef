//! The DynamoDB item of an enriched run, and its conversion to and from attribute maps.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

use crate::error::{Error, Result};
use crate::record::{EnrichmentSummary, RunUuid, status_rank};
use crate::status::RunStatus;
use crate::time::{format_timestamp, parse_timestamp};

/// Where a record's S3 object is.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportLocation {
    /// Bucket.
    pub bucket: String,
    /// Key, `runs/<runId>/<uuid>/report.json.gz`.
    pub key: String,
    /// The object version written, when the bucket is versioned: readers fetch exactly this version.
    pub version_id: Option<String>,
    /// `sha256:<hex>` of the gzip bytes.
    pub sha256: String,
    /// Size of the gzip object.
    pub bytes: u64,
    /// Size of the JSON inside.
    pub json_bytes: u64,
}

impl ReportLocation {
    /// `s3://bucket/key`.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// A stored summary item: the record's summary, where its object is, and bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRecord {
    /// The record's summary.
    pub summary: EnrichmentSummary,
    /// Its S3 object.
    pub report: ReportLocation,
    /// Whether the `Run Enriched` event went out.
    pub event_published: bool,
    /// When this item was written (wall clock; not part of the S3 object).
    pub written_at: String,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl SummaryRecord {
    /// The item's attributes.
    pub fn to_item(&self) -> HashMap<String, AttributeValue> {
        let m = &self.summary;
        let mut item = HashMap::new();
        let mut put = |name: &str, value: AttributeValue| {
            item.insert(name.to_owned(), value);
        };
        put("pk", s(super::partition_key(&m.run_id)));
        put("sk", s(m.uuid.as_str()));
        put("runId", s(&m.run_id));
        put("uuid", s(m.uuid.as_str()));
        put("status", s(m.status.as_str()));
        put("statusRank", n(status_rank(&m.status)));
        put("quality", n(m.quality()));
        put("schemaVersion", n(m.schema_version));
        put("taskCount", n(m.task_count));
        put(
            "countsByStatus",
            AttributeValue::M(
                m.counts_by_status
                    .iter()
                    .map(|(k, v)| (k.clone(), n(v)))
                    .collect(),
            ),
        );
        put("cacheHits", n(m.cache_hits));
        put("taskHours", n(m.task_hours));
        put(
            "manifestComplete",
            AttributeValue::Bool(m.manifest_complete),
        );
        put("manifestDigest", s(&m.manifest_digest));
        put("manifestLines", n(m.manifest_lines));
        put("apiAvailable", AttributeValue::Bool(m.api_available));
        put("warningCount", n(m.warning_count));
        put("enrichedAt", s(&m.enriched_at));
        put("reportBucket", s(&self.report.bucket));
        put("reportKey", s(&self.report.key));
        put("reportSha256", s(&self.report.sha256));
        put("reportBytes", n(self.report.bytes));
        put("reportJsonBytes", n(self.report.json_bytes));
        put("eventPublished", AttributeValue::Bool(self.event_published));
        put("writtenAt", s(&self.written_at));
        let optional = [
            ("arn", m.arn.clone()),
            ("name", m.name.clone()),
            ("workflowId", m.workflow_id.clone()),
            ("workflowName", m.workflow_name.clone()),
            (
                "creationTime",
                m.creation_time.as_ref().map(format_timestamp),
            ),
            ("startTime", m.start_time.as_ref().map(format_timestamp)),
            ("stopTime", m.stop_time.as_ref().map(format_timestamp)),
            ("reportVersionId", self.report.version_id.clone()),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                put(name, s(value));
            }
        }
        if let Some(wall) = m.wall_time_seconds {
            put("wallTimeSeconds", n(wall));
        }
        super::fleet_item::put_fleet(&mut item, m);
        item
    }

    /// Reads an item written by [`Self::to_item`] (by this or an earlier version: the attributes are unchanged).
    /// A `uuid` that is not a well-formed [`RunUuid`] is an [`Error::Internal`] naming the attribute and the
    /// rejected value, not a fallback (see [`RunUuid`] for why).
    pub fn from_item(item: &HashMap<String, AttributeValue>) -> Result<Self> {
        let read = Reader(item);
        let counts = match item.get("countsByStatus") {
            Some(AttributeValue::M(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    AttributeValue::N(text) => text
                        .parse()
                        .map(|count| (k.clone(), count))
                        .map_err(|_| read.bad("countsByStatus")),
                    _ => Err(read.bad("countsByStatus")),
                })
                .collect::<Result<BTreeMap<String, u64>>>()?,
            _ => BTreeMap::new(),
        };
        let time = |name: &str| -> Result<_> {
            read.opt_s(name)
                .map(|text| parse_timestamp(&text).map_err(|_| read.bad(name)))
                .transpose()
        };
        let summary = EnrichmentSummary {
            schema_version: read.num("schemaVersion")?,
            run_id: read.s("runId")?,
            uuid: read.uuid("uuid")?,
            arn: read.opt_s("arn"),
            status: RunStatus::from_api(&read.s("status")?),
            name: read.opt_s("name"),
            workflow_id: read.opt_s("workflowId"),
            workflow_name: read.opt_s("workflowName"),
            creation_time: time("creationTime")?,
            start_time: time("startTime")?,
            stop_time: time("stopTime")?,
            task_count: read.num("taskCount")?,
            counts_by_status: counts,
            cache_hits: read.num("cacheHits")?,
            task_hours: read.num("taskHours")?,
            wall_time_seconds: read.opt_num("wallTimeSeconds")?,
            manifest_complete: read.bool("manifestComplete"),
            manifest_digest: read.s("manifestDigest")?,
            manifest_lines: read.num("manifestLines")?,
            api_available: read.bool("apiAvailable"),
            warning_count: read.num("warningCount")?,
            enriched_at: read.s("enrichedAt")?,
            facts: super::fleet_item::read_facts(item)?,
        };
        Ok(Self {
            summary,
            report: ReportLocation {
                bucket: read.s("reportBucket")?,
                key: read.s("reportKey")?,
                version_id: read.opt_s("reportVersionId"),
                sha256: read.s("reportSha256")?,
                bytes: read.num("reportBytes")?,
                json_bytes: read.num("reportJsonBytes")?,
            },
            event_published: read.bool("eventPublished"),
            written_at: read.opt_s("writtenAt").unwrap_or_default(),
        })
    }

    /// The stored quality, as [`EnrichmentSummary::quality`] computes it.
    pub fn quality(&self) -> u64 {
        self.summary.quality()
    }
}

struct Reader<'a>(&'a HashMap<String, AttributeValue>);

impl Reader<'_> {
    fn bad(&self, name: &str) -> Error {
        Error::Internal(format!(
            "stored run summary has a missing or malformed {name}"
        ))
    }

    fn opt_s(&self, name: &str) -> Option<String> {
        match self.0.get(name) {
            Some(AttributeValue::S(text)) => Some(text.clone()),
            _ => None,
        }
    }

    fn s(&self, name: &str) -> Result<String> {
        self.opt_s(name).ok_or_else(|| self.bad(name))
    }

    fn uuid(&self, name: &str) -> Result<RunUuid> {
        RunUuid::parse(&self.s(name)?)
            .map_err(|e| Error::Internal(format!("stored run summary has a malformed {name}: {e}")))
    }

    fn opt_num<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>> {
        match self.0.get(name) {
            Some(AttributeValue::N(text)) => text.parse().map(Some).map_err(|_| self.bad(name)),
            None => Ok(None),
            Some(_) => Err(self.bad(name)),
        }
    }

    fn num<T: std::str::FromStr>(&self, name: &str) -> Result<T> {
        self.opt_num(name)?.ok_or_else(|| self.bad(name))
    }

    fn bool(&self, name: &str) -> bool {
        matches!(self.0.get(name), Some(AttributeValue::Bool(true)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::SCHEMA_VERSION;

    /// A run uuid as HealthOmics writes them.
    pub(crate) const UUID: &str = "0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10";

    pub(crate) fn record(status: RunStatus, digest: &str, lines: u64) -> SummaryRecord {
        SummaryRecord {
            summary: EnrichmentSummary {
                schema_version: SCHEMA_VERSION,
                run_id: "1000001".into(),
                uuid: RunUuid::parse(UUID).unwrap(),
                arn: Some("arn:aws:omics:us-east-1:1:run/1000001".into()),
                status,
                name: Some("germline".into()),
                workflow_id: Some("42".into()),
                workflow_name: None,
                creation_time: Some(parse_timestamp("2024-10-20T05:00:00Z").unwrap()),
                start_time: None,
                stop_time: Some(parse_timestamp("2024-10-20T07:00:00.5Z").unwrap()),
                task_count: 3,
                counts_by_status: [("COMPLETED".to_owned(), 3)].into_iter().collect(),
                cache_hits: 1,
                task_hours: 1.25,
                wall_time_seconds: Some(7200.5),
                manifest_complete: true,
                manifest_digest: digest.into(),
                manifest_lines: lines,
                api_available: true,
                warning_count: 0,
                enriched_at: "2024-10-20T07:00:00.500Z".into(),
                facts: None,
            },
            report: ReportLocation {
                bucket: "b".into(),
                key: format!("runs/1000001/{UUID}/report.json.gz"),
                version_id: Some("v1".into()),
                sha256: "sha256:00".into(),
                bytes: 10,
                json_bytes: 100,
            },
            event_published: false,
            written_at: "2025-01-01T00:00:00.000Z".into(),
        }
    }

    #[test]
    fn round_trips_through_attributes() {
        let record = record(RunStatus::Completed, "sha256:ab", 4);
        let item = record.to_item();
        assert_eq!(item["pk"], s("RUN#1000001"));
        assert_eq!(item["sk"], s(UUID));
        assert_eq!(item["quality"], n(23));
        assert!(!item.contains_key("startTime"));
        assert_eq!(SummaryRecord::from_item(&item).unwrap(), record);
    }

    /// An item as versions that held the uuid in a `String` wrote it.
    fn old_item() -> HashMap<String, AttributeValue> {
        let strings = [
            ("pk", "RUN#1000001"),
            ("sk", UUID),
            ("runId", "1000001"),
            ("uuid", UUID),
            ("status", "FAILED"),
            ("manifestDigest", "none"),
            ("enrichedAt", "2024-10-20T07:00:00.500Z"),
            ("reportBucket", "b"),
            (
                "reportKey",
                "runs/1000001/0c7a6a8e-1b1e-4c58-9d4f-5f7c3e2a1b10/report.json.gz",
            ),
            ("reportSha256", "sha256:00"),
            ("writtenAt", "2025-01-01T00:00:00.000Z"),
            ("arn", "arn:aws:omics:us-east-1:1:run/1000001"),
            ("stopTime", "2024-10-20T07:00:00.500Z"),
        ];
        let numbers = [
            ("statusRank", "5"),
            ("quality", "20"),
            ("schemaVersion", "1"),
            ("taskCount", "2"),
            ("cacheHits", "0"),
            ("taskHours", "0.5"),
            ("manifestLines", "0"),
            ("warningCount", "1"),
            ("reportBytes", "10"),
            ("reportJsonBytes", "100"),
        ];
        let flags = [
            ("manifestComplete", false),
            ("apiAvailable", false),
            ("eventPublished", true),
        ];
        let mut item: HashMap<String, AttributeValue> = strings
            .into_iter()
            .map(|(k, v)| (k.to_owned(), s(v)))
            .chain(numbers.into_iter().map(|(k, v)| (k.to_owned(), n(v))))
            .chain(
                flags
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), AttributeValue::Bool(v))),
            )
            .collect();
        let counts = [("FAILED".to_owned(), n(2))].into_iter().collect();
        item.insert("countsByStatus".into(), AttributeValue::M(counts));
        item
    }

    #[test]
    fn old_items_round_trip_attribute_for_attribute() {
        let item = old_item();
        let record = SummaryRecord::from_item(&item).unwrap();
        assert_eq!(record.summary.uuid, UUID);
        // Rewritten, an old item keeps every attribute and gains only the fleet index keys and its fleet row (no
        // facts: `reindex` adds those from the stored record).
        let mut rewritten = record.to_item();
        let row = rewritten.remove("fleetRow").expect("a fleet row");
        let expected = super::super::fleet_row(&record.summary).unwrap();
        assert_eq!(row, s(serde_json::to_string(&expected).unwrap()));
        assert_eq!(
            rewritten.remove("stopKey"),
            Some(s(format!("2024-10-20T07:00:00.500Z#1000001#{UUID}")))
        );
        assert_eq!(rewritten, item);
        assert!(record.summary.facts.is_none());
    }

    #[test]
    fn a_malformed_stored_uuid_is_an_error_naming_it() {
        let mut item = old_item();
        item.insert("uuid".into(), s("a/b"));
        let err = SummaryRecord::from_item(&item).unwrap_err();
        assert!(matches!(err, Error::Internal(_)), "{err:?}");
        assert!(err.to_string().contains("malformed uuid"), "{err}");
        assert!(err.to_string().contains("\"a/b\""), "{err}");
    }

    #[test]
    fn malformed_items_name_the_attribute() {
        let mut item = record(RunStatus::Completed, "x", 1).to_item();
        item.insert("taskCount".into(), s("many"));
        let err = SummaryRecord::from_item(&item).unwrap_err();
        assert!(err.to_string().contains("taskCount"), "{err}");
    }
}
