//! The price table: `region → resource → USD`, bundled (`shared/data/prices.json`) or overridden by a file or an S3
//! object named by `PRICES_URI`.
//!
//! Resources are what the AWS Pricing API calls `resourceType`: an instance type (`omics.m.large`, USD per
//! instance-hour), `Run Storage` (STATIC run storage, USD per GiB-hour) or `Dynamic Run Storage` (USD per
//! GiB-hour). A lookup that finds nothing answers `None`: the caller reports a null cost and a warning, never a
//! guess.
//!
//! Reading the table `PRICES_URI` names (a file or S3) happens at start, in [`crate::config::load_analysis_settings`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

type Result<T> = std::result::Result<T, SettingsError>;

/// A setting of the analysis that cannot be used; names the environment variable it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    /// The environment variable at fault ([`PRICES_URI_VAR`] or `RIGHT_SIZING_HEADROOM`).
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl SettingsError {
    /// An unusable price table (`PRICES_URI`).
    pub fn prices(message: impl Into<String>) -> Self {
        Self {
            variable: PRICES_URI_VAR,
            message: message.into(),
        }
    }
}

/// The bundled table, compiled in.
pub const BUNDLED_PRICES: &str = include_str!("../../data/prices.json");

/// Environment variable naming a price table that replaces the bundled one: a file path or `s3://bucket/key`.
pub const PRICES_URI_VAR: &str = "PRICES_URI";

/// Pricing resource of STATIC run storage.
pub const STATIC_STORAGE: &str = "Run Storage";

/// Pricing resource of DYNAMIC run storage.
pub const DYNAMIC_STORAGE: &str = "Dynamic Run Storage";

/// One price with where it comes from.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// USD per unit.
    pub usd: f64,
    /// The Pricing API's unit (`Instance-hrs`, `GB-Hours`).
    pub unit: Option<String>,
    /// Key into [`PriceTable::sources`].
    pub source: Option<String>,
    /// When the price was published or read (`YYYY-MM-DD`).
    pub date: Option<String>,
}

/// Where a group of prices comes from.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSource {
    /// What the source is.
    pub title: String,
    /// Where to find it.
    pub url: Option<String>,
}

/// A price table as stored in `prices.json`.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceTable {
    /// Format version (1).
    pub schema_version: u32,
    /// Always `USD`.
    pub currency: String,
    /// What the table holds.
    pub description: Option<String>,
    /// When the table was assembled (`YYYY-MM-DD`).
    pub retrieved: Option<String>,
    /// Sources by key.
    #[serde(default)]
    pub sources: BTreeMap<String, PriceSource>,
    /// `region → resource → price`.
    pub regions: BTreeMap<String, BTreeMap<String, Price>>,
}

impl PriceTable {
    /// Parses a table; every price must be a finite, non-negative number.
    pub fn parse(json: &str) -> Result<Self> {
        let table: Self = serde_json::from_str(json)
            .map_err(|e| SettingsError::prices(format!("not a price table: {e}")))?;
        if table.currency != "USD" {
            return Err(SettingsError::prices(format!(
                "currency {} is not USD",
                table.currency
            )));
        }
        for (region, resources) in &table.regions {
            for (resource, price) in resources {
                if !price.usd.is_finite() || price.usd < 0.0 {
                    return Err(SettingsError::prices(format!(
                        "{region} {resource}: {} is not a price",
                        price.usd
                    )));
                }
            }
        }
        Ok(table)
    }

    /// The bundled table.
    pub fn bundled() -> Self {
        Self::parse(BUNDLED_PRICES).expect("the bundled price table parses (checked by a test)")
    }

    /// USD per unit of `resource` in `region`, if the table has it.
    pub fn price(&self, region: &str, resource: &str) -> Option<f64> {
        self.regions.get(region)?.get(resource).map(|p| p.usd)
    }

    /// Whether the table knows `region` at all.
    pub fn has_region(&self, region: &str) -> bool {
        self.regions.contains_key(region)
    }
}

/// Where `PRICES_URI` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PricesUri {
    /// A local file.
    File(String),
    /// An S3 object.
    S3 {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
    },
}

impl PricesUri {
    /// Parses `s3://bucket/key` or a file path.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if let Some(rest) = text.strip_prefix("s3://") {
            return match rest.split_once('/') {
                Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => Ok(Self::S3 {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                }),
                _ => Err(SettingsError::prices(format!(
                    "expected s3://bucket/key, got {text:?}"
                ))),
            };
        }
        if text.is_empty() {
            return Err(SettingsError::prices("empty"));
        }
        Ok(Self::File(text.to_owned()))
    }
}

/// The IAM action reading an `s3://` table needs ([`crate::config::load_analysis_settings`] makes the call).
pub const GET_OBJECT: &str = "s3:GetObject"; // IAM action, see crate::iam

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_parses_and_has_sources_and_dates() {
        let table = PriceTable::bundled();
        assert_eq!(table.currency, "USD");
        assert_eq!(table.price("us-east-1", "omics.c.large"), Some(0.1148));
        assert_eq!(table.price("us-east-1", STATIC_STORAGE), Some(0.0001918));
        assert_eq!(table.price("us-east-1", DYNAMIC_STORAGE), Some(0.000411));
        assert_eq!(table.price("us-east-1", "omics.g5.2xlarge"), Some(1.6362));
        assert_eq!(table.price("us-east-1", "omics.r.96xlarge"), None);
        assert_eq!(table.price("mars-north-1", "omics.c.large"), None);
        for (region, resources) in &table.regions {
            for (resource, price) in resources {
                let source = price.source.as_deref().unwrap_or_default();
                assert!(
                    table.sources.contains_key(source),
                    "{region} {resource}: unknown source {source:?}"
                );
                assert!(price.date.is_some(), "{region} {resource}: no date");
            }
        }
    }

    #[test]
    fn rejects_bad_tables() {
        assert!(PriceTable::parse("{}").is_err());
        let negative = r#"{"schemaVersion":1,"currency":"USD","regions":{"r":{"x":{"usd":-1}}}}"#;
        assert!(PriceTable::parse(negative).is_err());
        let euro = r#"{"schemaVersion":1,"currency":"EUR","regions":{}}"#;
        assert!(PriceTable::parse(euro).is_err());
        let minimal = r#"{"schemaVersion":1,"currency":"USD","regions":{"r":{"x":{"usd":0.5}}}}"#;
        assert_eq!(
            PriceTable::parse(minimal).unwrap().price("r", "x"),
            Some(0.5)
        );
    }

    #[test]
    fn uris() {
        assert_eq!(
            PricesUri::parse("s3://b/prices/p.json").unwrap(),
            PricesUri::S3 {
                bucket: "b".into(),
                key: "prices/p.json".into()
            }
        );
        assert_eq!(
            PricesUri::parse("/etc/prices.json").unwrap(),
            PricesUri::File("/etc/prices.json".into())
        );
        assert!(PricesUri::parse("s3://bucket-only").is_err());
        assert!(PricesUri::parse(" ").is_err());
    }
}
