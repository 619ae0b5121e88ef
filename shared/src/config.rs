//! Configuration from the environment, read once at cold start.

use std::time::Duration;

use crate::error::{Error, Result};

/// Default log group HealthOmics writes run logs and manifests to.
pub const DEFAULT_LOG_GROUP: &str = "/aws/omics/WorkflowLog";

/// Names of the environment variables this crate reads.
pub mod vars {
    /// Log group holding run logs and manifests.
    pub const LOG_GROUP_NAME: &str = "LOG_GROUP_NAME";
    /// DynamoDB table of enriched run summaries.
    pub const RUNS_TABLE_NAME: &str = "RUNS_TABLE_NAME";
    /// S3 bucket of full enriched run reports.
    pub const REPORTS_BUCKET_NAME: &str = "REPORTS_BUCKET_NAME";
    /// EventBridge bus `Run Enriched` events go to.
    pub const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
    /// Upper bound, in seconds, on waiting for a late manifest inside one invocation.
    pub const MANIFEST_WAIT_SECONDS: &str = "MANIFEST_WAIT_SECONDS";
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
            reports_bucket: non_empty(vars::REPORTS_BUCKET_NAME),
            event_bus: non_empty(vars::EVENT_BUS_NAME).unwrap_or_else(|| "default".to_owned()),
            manifest_wait,
        })
    }

    /// The runs table, or a startup error naming the variable.
    pub fn runs_table(&self) -> Result<&str> {
        required(vars::RUNS_TABLE_NAME, self.runs_table.as_deref())
    }

    /// The reports bucket, or a startup error naming the variable.
    pub fn reports_bucket(&self) -> Result<&str> {
        required(vars::REPORTS_BUCKET_NAME, self.reports_bucket.as_deref())
    }
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
