//! HealthOmics' request quota, emulated: a token bucket per operation, shared by every client of the emulator as
//! the real quota is shared by every caller in one account and region. A request over the quota is answered
//! `429 ThrottlingException` over the wire protocol, before any other work.
//!
//! Off unless `omics-emulator --quota-rps` (and `--quota-burst`) sets a baseline, or `POST /_emulator/faults`
//! carries `"quota": {"rps": 10, "burst": 5, "operations": {"ListRunTasks": {"rps": 2}}}` (`"rps": 0` turns a
//! limit off). A faults update without `quota`, and `POST /_emulator/reset`, return to the baseline.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use omics_introspect::omics::TokenBucket;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::errors::ApiError;
use super::stats::Operation;

/// HealthOmics' documented default for the run operations, requests per second.
pub const DEFAULT_RPS: f64 = 10.0;
/// Burst when a quota gives none: a small one, as the service allows.
pub const DEFAULT_BURST: u32 = 5;

fn default_rps() -> f64 {
    DEFAULT_RPS
}

fn default_burst() -> u32 {
    DEFAULT_BURST
}

/// One operation's limit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperationQuota {
    /// Requests per second; 0 turns the limit off.
    #[serde(default = "default_rps")]
    pub rps: f64,
    /// Requests accepted back to back after a pause.
    #[serde(default = "default_burst")]
    pub burst: u32,
}

/// The quota: a default limit for every operation and overrides by operation name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuotaConfig {
    /// Requests per second of each operation without an override; 0 leaves them unlimited.
    #[serde(default = "default_rps")]
    pub rps: f64,
    /// Burst of each operation without an override.
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// Overrides by operation name (`GetRun`, `ListRuns`, `ListRunTasks`, `GetRunTask`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operations: BTreeMap<String, OperationQuota>,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        Self::off()
    }
}

impl QuotaConfig {
    /// No limit on any operation.
    pub fn off() -> Self {
        Self::uniform(0.0, DEFAULT_BURST)
    }

    /// The same limit on every operation.
    pub fn uniform(rps: f64, burst: u32) -> Self {
        Self {
            rps,
            burst,
            operations: BTreeMap::new(),
        }
    }

    /// Whether any operation is limited.
    pub fn is_on(&self) -> bool {
        Operation::ALL.iter().any(|op| self.limit(*op).rps > 0.0)
    }

    /// The limit of `operation`.
    pub fn limit(&self, operation: Operation) -> OperationQuota {
        self.operations
            .get(operation.name())
            .copied()
            .unwrap_or(OperationQuota {
                rps: self.rps,
                burst: self.burst,
            })
    }

    /// Checks rates, bursts and operation names; the error names the field.
    pub fn validate(&self) -> Result<(), ApiError> {
        let check = |field: String, quota: OperationQuota| {
            if !quota.rps.is_finite() || quota.rps < 0.0 {
                return Err(ApiError::validation(format!(
                    "{field}.rps must be a number >= 0, got {}",
                    quota.rps
                )));
            }
            if quota.burst == 0 {
                return Err(ApiError::validation(format!(
                    "{field}.burst must be at least 1"
                )));
            }
            Ok(())
        };
        check(
            "quota".into(),
            OperationQuota {
                rps: self.rps,
                burst: self.burst,
            },
        )?;
        for (name, quota) in &self.operations {
            if !Operation::ALL.iter().any(|op| op.name() == name) {
                return Err(ApiError::validation(format!(
                    "quota.operations.{name}: unknown operation (expected GetRun, ListRuns, ListRunTasks or GetRunTask)"
                )));
            }
            check(format!("quota.operations.{name}"), *quota)?;
        }
        Ok(())
    }
}

struct QuotaState {
    baseline: QuotaConfig,
    config: QuotaConfig,
    /// One bucket per operation, in [`Operation::ALL`] order; `None` when unlimited.
    buckets: Vec<Option<TokenBucket>>,
}

impl QuotaState {
    fn apply(&mut self, config: QuotaConfig) {
        self.buckets = Operation::ALL
            .iter()
            .map(|op| {
                let limit = config.limit(*op);
                (limit.rps > 0.0).then(|| TokenBucket::new(limit.rps, limit.burst))
            })
            .collect();
        self.config = config;
    }
}

/// The live quota, its baseline, and counters of the requests it refused.
pub struct Quota {
    state: Mutex<QuotaState>,
    throttled: [AtomicU64; 4],
}

impl Default for Quota {
    fn default() -> Self {
        let mut state = QuotaState {
            baseline: QuotaConfig::off(),
            config: QuotaConfig::off(),
            buckets: Vec::new(),
        };
        state.apply(QuotaConfig::off());
        Self {
            state: Mutex::new(state),
            throttled: Default::default(),
        }
    }
}

impl Quota {
    fn lock(&self) -> std::sync::MutexGuard<'_, QuotaState> {
        // Plain data behind the lock: a panic elsewhere leaves it usable.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets the quota a reset returns to (the binary's flags), and applies it.
    pub fn set_baseline(&self, baseline: QuotaConfig) {
        let mut state = self.lock();
        state.baseline = baseline.clone();
        state.apply(baseline);
    }

    /// Applies `config`, or the baseline for `None`; buckets start full.
    pub fn set(&self, config: Option<QuotaConfig>) {
        let mut state = self.lock();
        let config = config.unwrap_or_else(|| state.baseline.clone());
        state.apply(config);
    }

    /// The quota in force.
    pub fn config(&self) -> QuotaConfig {
        self.lock().config.clone()
    }

    /// Admits one request to `operation`, or answers how long until the next would be admitted.
    pub fn admit(&self, operation: Operation) -> Result<(), Duration> {
        let now = Instant::now();
        let result = match self.lock().buckets.get_mut(operation as usize) {
            Some(Some(bucket)) => bucket.try_take(now),
            _ => Ok(()),
        };
        if result.is_err() {
            self.throttled[operation as usize].fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    /// Zeroes the refusal counters.
    pub fn reset_counters(&self) {
        for counter in &self.throttled {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// `{"GetRun": n, ...}`: requests refused by the quota, per operation.
    pub fn snapshot(&self) -> Value {
        let mut body = serde_json::Map::new();
        for op in Operation::ALL {
            body.insert(
                op.name().to_owned(),
                json!(self.throttled[op as usize].load(Ordering::Relaxed)),
            );
        }
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_passes_then_the_quota_refuses_until_refilled() {
        let quota = Quota::default();
        assert!(
            (0..100).all(|_| quota.admit(Operation::ListRunTasks).is_ok()),
            "off by default"
        );
        quota.set(Some(QuotaConfig::uniform(10.0, 3)));
        for _ in 0..3 {
            assert_eq!(quota.admit(Operation::ListRunTasks), Ok(()));
        }
        let wait = quota.admit(Operation::ListRunTasks).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        // Each operation has its own bucket.
        assert_eq!(quota.admit(Operation::GetRun), Ok(()));
        assert_eq!(quota.snapshot()["ListRunTasks"], 1);
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(quota.admit(Operation::ListRunTasks), Ok(()));
    }

    #[test]
    fn overrides_and_baseline() {
        let quota = Quota::default();
        quota.set_baseline(QuotaConfig::uniform(1.0, 1));
        let config: QuotaConfig =
            serde_json::from_str(r#"{"rps": 0, "operations": {"GetRun": {"rps": 1, "burst": 2}}}"#)
                .unwrap();
        config.validate().unwrap();
        quota.set(Some(config));
        assert!((0..50).all(|_| quota.admit(Operation::ListRunTasks).is_ok()));
        assert!(quota.admit(Operation::GetRun).is_ok() && quota.admit(Operation::GetRun).is_ok());
        assert!(quota.admit(Operation::GetRun).is_err());
        quota.set(None);
        assert_eq!(quota.config(), QuotaConfig::uniform(1.0, 1));
        assert!(quota.admit(Operation::ListRunTasks).is_ok());
        assert!(quota.admit(Operation::ListRunTasks).is_err());
    }

    #[test]
    fn invalid_quotas_name_the_field() {
        let bad = |json: &str| {
            let config: QuotaConfig = serde_json::from_str(json).unwrap();
            config.validate().unwrap_err().message
        };
        assert!(bad(r#"{"rps": -1}"#).contains("quota.rps"));
        assert!(bad(r#"{"burst": 0}"#).contains("quota.burst"));
        assert!(bad(r#"{"operations": {"StartRun": {}}}"#).contains("quota.operations.StartRun"));
        assert!(serde_json::from_str::<QuotaConfig>(r#"{"tps": 1}"#).is_err());
    }
}
