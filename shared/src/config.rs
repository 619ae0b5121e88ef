//! Configuration from the environment, read once at cold start.

use std::time::Duration;

use crate::analysis::prices::{PRICES_URI_VAR, PriceTable, PricesUri};
use crate::analysis::settings::{BUNDLED_ORIGIN, HEADROOM_VAR, Settings, SettingsError};
use crate::error::{Error, Result, display_chain};

/// Default log group HealthOmics writes run logs and manifests to.
pub const DEFAULT_LOG_GROUP: &str = "/aws/omics/WorkflowLog";

/// Names of the environment variables this crate reads.
pub mod vars {
    /// Log group holding run logs and manifests.
    pub const LOG_GROUP_NAME: &str = "LOG_GROUP_NAME";
    /// DynamoDB table of enriched run summaries.
    pub const RUNS_TABLE_NAME: &str = "RUNS_TABLE_NAME";
    /// DynamoDB table of the fleet's views: day buckets and recent completed runs per workflow.
    pub const FLEET_TABLE_NAME: &str = "FLEET_TABLE_NAME";
    /// DynamoDB table of live runs (task events folded into progress).
    pub const LIVE_TABLE_NAME: &str = "LIVE_TABLE_NAME";
    /// S3 bucket of full enriched run reports.
    pub const REPORTS_BUCKET_NAME: &str = "REPORTS_BUCKET_NAME";
    /// EventBridge bus `Run Enriched` events go to.
    pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
    /// Upper bound, in seconds, on waiting for a late manifest inside one invocation.
    pub const MANIFEST_WAIT_SECONDS: &str = "MANIFEST_WAIT_SECONDS";
    /// Where `enrich-run` prices runs: `price-list-api` (default) or `bundled` (offline: the bundled table).
    pub const PRICE_SOURCE: &str = "PRICE_SOURCE";
}

/// Whether runs are priced from the AWS Price List API (`PRICE_SOURCE` unset or `price-list-api`) or from the
/// bundled table only (`bundled`). `PRICES_URI`, when set, overrides both ([`crate::pricing::PriceResolver`]).
pub fn price_list_api_enabled() -> Result<bool> {
    price_list_api_enabled_from(|name| std::env::var(name).ok())
}

/// [`price_list_api_enabled`] with the variable read through `lookup` (tests).
pub fn price_list_api_enabled_from(lookup: impl Fn(&str) -> Option<String>) -> Result<bool> {
    let value = lookup(vars::PRICE_SOURCE).map(|v| v.trim().to_owned());
    match value.as_deref() {
        None | Some("") | Some("price-list-api") => Ok(true),
        Some("bundled") => Ok(false),
        Some(other) => Err(Error::Config {
            variable: vars::PRICE_SOURCE,
            message: format!("expected price-list-api or bundled, got {other:?}"),
        }),
    }
}

/// Everything the functions read from their environment.
///
/// Optional resources are `None` here; a function that needs one asks with [`Config::runs_table`] and friends at
/// cold start, so a missing variable fails the start with its name instead of failing the first request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Log group of run logs and manifests.
    pub log_group: String,
    /// DynamoDB table of enriched run summaries.
    pub runs_table: Option<String>,
    /// DynamoDB table of the fleet's views (day buckets, recent runs per workflow).
    pub fleet_table: Option<String>,
    /// DynamoDB table of live runs.
    pub live_table: Option<String>,
    /// S3 bucket of enriched run reports.
    pub reports_bucket: Option<String>,
    /// EventBridge bus for `Run Enriched` events (`default` when unset).
    pub event_bus: String,
    /// Upper bound on waiting for a late manifest inside one invocation.
    pub manifest_wait: Duration,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let non_empty = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let manifest_wait = match non_empty(vars::MANIFEST_WAIT_SECONDS) {
            None => Duration::from_secs(60),
            Some(text) => {
                text.parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| Error::Config {
                        variable: vars::MANIFEST_WAIT_SECONDS,
                        message: format!("expected whole seconds, got {text:?}"),
                    })?
            }
        };
        Ok(Self {
            log_group: non_empty(vars::LOG_GROUP_NAME)
                .unwrap_or_else(|| DEFAULT_LOG_GROUP.to_owned()),
            runs_table: non_empty(vars::RUNS_TABLE_NAME),
            fleet_table: non_empty(vars::FLEET_TABLE_NAME),
            live_table: non_empty(vars::LIVE_TABLE_NAME),
            reports_bucket: non_empty(vars::REPORTS_BUCKET_NAME),
            event_bus: non_empty(vars::EVENT_BUS_NAME).unwrap_or_else(|| "default".to_owned()),
            manifest_wait,
        })
    }

    /// The runs table, or a startup error naming the variable.
    pub fn runs_table(&self) -> Result<&str> {
        required(vars::RUNS_TABLE_NAME, self.runs_table.as_deref())
    }

    /// The fleet table, or a startup error naming the variable.
    pub fn fleet_table(&self) -> Result<&str> {
        required(vars::FLEET_TABLE_NAME, self.fleet_table.as_deref())
    }

    /// The live table, or a startup error naming the variable.
    pub fn live_table(&self) -> Result<&str> {
        required(vars::LIVE_TABLE_NAME, self.live_table.as_deref())
    }

    /// The reports bucket, or a startup error naming the variable.
    pub fn reports_bucket(&self) -> Result<&str> {
        required(vars::REPORTS_BUCKET_NAME, self.reports_bucket.as_deref())
    }
}

/// The analysis settings from the environment, read once at start: `RIGHT_SIZING_HEADROOM` and the price table
/// `PRICES_URI` names (a file or `s3://bucket/key`, read with `s3`; unset: the bundled table).
///
/// A price table that cannot be read or parsed is an [`Error::Config`] naming `PRICES_URI`: the function refuses
/// to start rather than price runs with a table nobody chose.
pub async fn load_analysis_settings(s3: &aws_sdk_s3::Client) -> Result<Settings> {
    load_analysis_settings_from(|name| std::env::var(name).ok(), s3).await
}

/// [`load_analysis_settings`] with the variables read through `lookup` (tests).
pub async fn load_analysis_settings_from(
    lookup: impl Fn(&str) -> Option<String>,
    s3: &aws_sdk_s3::Client,
) -> Result<Settings> {
    let headroom =
        Settings::parse_headroom(lookup(HEADROOM_VAR).as_deref()).map_err(settings_error)?;
    let Some(text) = lookup(PRICES_URI_VAR)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return Ok(Settings::with_table(
            PriceTable::bundled(),
            BUNDLED_ORIGIN.into(),
            headroom,
        ));
    };
    let json = match PricesUri::parse(&text).map_err(settings_error)? {
        PricesUri::File(path) => std::fs::read_to_string(&path)
            .map_err(|e| prices_error(format!("reading {path}: {e}")))?,
        PricesUri::S3 { bucket, key } => read_s3_prices(s3, &bucket, &key).await?,
    };
    let table = PriceTable::parse(&json).map_err(settings_error)?;
    Ok(Settings::with_table(table, text, headroom))
}

/// An analysis setting that cannot be used, as the configuration error naming its variable.
fn settings_error(err: SettingsError) -> Error {
    Error::Config {
        variable: err.variable,
        message: err.message,
    }
}

/// An unusable price table.
fn prices_error(message: String) -> Error {
    Error::Config {
        variable: PRICES_URI_VAR,
        message,
    }
}

async fn read_s3_prices(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<String> {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| {
            prices_error(format!(
                "reading s3://{bucket}/{key}: {}",
                display_chain(&e)
            ))
        })?;
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| prices_error(format!("reading s3://{bucket}/{key}: {e}")))?;
    String::from_utf8(bytes.into_bytes().to_vec())
        .map_err(|_| prices_error(format!("s3://{bucket}/{key} is not UTF-8")))
}

fn required<'a>(variable: &'static str, value: Option<&'a str>) -> Result<&'a str> {
    value.ok_or_else(|| Error::Config {
        variable,
        message: "required but not set".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.log_group, "/aws/omics/WorkflowLog");
        assert_eq!(c.event_bus, "default");
        assert_eq!(c.manifest_wait, Duration::from_secs(60));
        let err = c.runs_table().unwrap_err();
        assert!(err.to_string().contains("RUNS_TABLE_NAME"), "{err}");
        assert!(
            c.reports_bucket()
                .unwrap_err()
                .to_string()
                .contains("REPORTS_BUCKET_NAME")
        );
    }

    fn offline_s3() -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    #[tokio::test]
    async fn a_bad_price_table_is_an_error_naming_prices_uri() {
        let dir = std::env::temp_dir().join(format!("prices-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let malformed = dir.join("malformed.json");
        std::fs::write(&malformed, "{\"currency\":").unwrap();
        let missing = dir.join("missing.json");
        for uri in [
            malformed.display().to_string(),
            missing.display().to_string(),
            "s3://bucket-only".into(),
        ] {
            let lookup = |name: &str| (name == PRICES_URI_VAR).then(|| uri.clone());
            let err = load_analysis_settings_from(lookup, &offline_s3())
                .await
                .unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Config {
                        variable: "PRICES_URI",
                        ..
                    }
                ),
                "{uri}: {err}"
            );
        }
        let good = dir.join("good.json");
        std::fs::write(
            &good,
            r#"{"schemaVersion":1,"currency":"USD","regions":{"r":{"x":{"usd":0.5}}}}"#,
        )
        .unwrap();
        let lookup = |name: &str| match name {
            PRICES_URI_VAR => Some(good.display().to_string()),
            HEADROOM_VAR => Some("0.2".into()),
            _ => None,
        };
        let settings = load_analysis_settings_from(lookup, &offline_s3())
            .await
            .unwrap();
        assert_eq!(settings.prices.price("r", "x"), Some(0.5));
        assert_eq!(
            (settings.info.origin, settings.headroom),
            (good.display().to_string(), 0.2)
        );
        assert_eq!(
            settings.source,
            crate::analysis::settings::PriceSourceKind::PricesUri
        );
        let bundled = load_analysis_settings_from(|_| None, &offline_s3())
            .await
            .unwrap();
        assert_eq!(bundled.info.origin, "bundled");
        assert_eq!(
            bundled.source,
            crate::analysis::settings::PriceSourceKind::Bundled
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn price_source_values() {
        let with = |value: Option<&str>| {
            price_list_api_enabled_from(|name| {
                (name == vars::PRICE_SOURCE)
                    .then(|| value.map(str::to_owned))
                    .flatten()
            })
        };
        assert!(with(None).unwrap());
        assert!(with(Some(" ")).unwrap());
        assert!(with(Some("price-list-api")).unwrap());
        assert!(!with(Some("bundled")).unwrap());
        let err = with(Some("pricing")).unwrap_err();
        assert!(err.to_string().contains("PRICE_SOURCE"), "{err}");
    }

    #[test]
    fn reads_values_and_rejects_bad_numbers() {
        let c = config(&[
            ("RUNS_TABLE_NAME", "runs"),
            ("MANIFEST_WAIT_SECONDS", "5"),
            ("LOG_GROUP_NAME", " "),
        ])
        .unwrap();
        assert_eq!(c.runs_table().unwrap(), "runs");
        assert_eq!(c.manifest_wait, Duration::from_secs(5));
        assert_eq!(c.log_group, DEFAULT_LOG_GROUP);
        let err = config(&[("MANIFEST_WAIT_SECONDS", "soon")]).unwrap_err();
        assert!(err.to_string().contains("MANIFEST_WAIT_SECONDS"), "{err}");
    }
}
