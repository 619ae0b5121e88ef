//! Injected faults for the four AWS routes: added latency, throttling and server errors, and the emulated request
//! quota ([`super::quota`]) set through the same route.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::errors::ApiError;
use super::quota::{Quota, QuotaConfig};

/// Longest accepted `latencyMs`, so a typo cannot hang every request for hours.
pub const MAX_LATENCY_MS: u64 = 60_000;

/// The fault settings, as `POST /_emulator/faults` takes them and `GET /_emulator/faults` returns them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    /// Probability (0–1) of answering 429 ThrottlingException.
    #[serde(default)]
    pub throttle_rate: f64,
    /// Probability (0–1) of answering 500 InternalServerException when not throttled.
    #[serde(default)]
    pub error_rate: f64,
    /// Delay added before every AWS request is answered.
    #[serde(default)]
    pub latency_ms: u64,
    /// Seed for the fault draws; the same seed and request sequence give the same faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The per-operation request quota; absent means the emulator's baseline (its `--quota-rps` flag, else off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaConfig>,
}

impl FaultConfig {
    /// Checks that the rates are probabilities and the latency is bounded.
    pub fn validate(&self) -> Result<(), ApiError> {
        for (name, rate) in [
            ("throttleRate", self.throttle_rate),
            ("errorRate", self.error_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(ApiError::validation(format!(
                    "{name} must be between 0 and 1, got {rate}"
                )));
            }
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(ApiError::validation(format!(
                "latencyMs must be at most {MAX_LATENCY_MS}"
            )));
        }
        self.quota.as_ref().map_or(Ok(()), QuotaConfig::validate)
    }
}

/// What a fault draw decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultOutcome {
    /// Answer normally.
    Pass,
    /// Answer 429 ThrottlingException.
    Throttle,
    /// Answer 500 InternalServerException.
    Error,
}

struct FaultState {
    config: FaultConfig,
    rng: fastrand::Rng,
}

/// The live fault configuration and its random source.
pub struct Faults {
    // A Mutex, not a thread-local RNG, so a seeded sequence is one sequence across all worker threads.
    state: Mutex<FaultState>,
    quota: Quota,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            state: Mutex::new(FaultState {
                config: FaultConfig::default(),
                rng: fastrand::Rng::new(),
            }),
            quota: Quota::default(),
        }
    }
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep serving.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the configuration, reseeds the random source and applies the quota (the baseline when absent).
    pub fn set(&self, config: FaultConfig) {
        self.quota.set(config.quota.clone());
        let mut state = self.lock();
        state.rng = config
            .seed
            .map_or_else(fastrand::Rng::new, fastrand::Rng::with_seed);
        state.config = config;
    }

    /// The current configuration, with the quota in force when one is.
    pub fn config(&self) -> FaultConfig {
        let quota = Some(self.quota.config()).filter(QuotaConfig::is_on);
        FaultConfig {
            quota,
            ..self.lock().config.clone()
        }
    }

    /// The request quota.
    pub fn quota(&self) -> &Quota {
        &self.quota
    }

    /// The latency to add before answering.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.lock().config.latency_ms)
    }

    /// Draws the outcome for one request. Two numbers are drawn every time, whatever the rates, so a seed gives
    /// the same sequence of draws for any configuration.
    pub fn draw(&self) -> FaultOutcome {
        let mut state = self.lock();
        let throttle_draw = state.rng.f64();
        let error_draw = state.rng.f64();
        if throttle_draw < state.config.throttle_rate {
            FaultOutcome::Throttle
        } else if error_draw < state.config.error_rate {
            FaultOutcome::Error
        } else {
            FaultOutcome::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(faults: &Faults, n: usize) -> Vec<FaultOutcome> {
        (0..n).map(|_| faults.draw()).collect()
    }

    #[test]
    fn seeded_draws_repeat() {
        let config = FaultConfig {
            throttle_rate: 0.3,
            error_rate: 0.2,
            latency_ms: 0,
            seed: Some(7),
            quota: None,
        };
        let faults = Faults::default();
        faults.set(config.clone());
        let first = sequence(&faults, 200);
        faults.set(config);
        assert_eq!(first, sequence(&faults, 200));
        let throttled = first
            .iter()
            .filter(|o| **o == FaultOutcome::Throttle)
            .count();
        let errors = first.iter().filter(|o| **o == FaultOutcome::Error).count();
        // 200 draws at 30 % and 14 % (0.7 * 0.2): loose bounds, the sequence is fixed by the seed anyway.
        assert!((30..=90).contains(&throttled), "{throttled}");
        assert!((8..=50).contains(&errors), "{errors}");
    }

    #[test]
    fn cleared_config_never_faults() {
        let faults = Faults::default();
        assert!(
            sequence(&faults, 100)
                .iter()
                .all(|o| *o == FaultOutcome::Pass)
        );
        faults.set(FaultConfig {
            throttle_rate: 1.0,
            ..Default::default()
        });
        assert!(
            sequence(&faults, 10)
                .iter()
                .all(|o| *o == FaultOutcome::Throttle)
        );
    }

    #[test]
    fn config_json_shape() {
        let config: FaultConfig =
            serde_json::from_str(r#"{"throttleRate":0.3,"errorRate":0.1,"latencyMs":20,"seed":1}"#)
                .unwrap();
        assert_eq!(
            config,
            FaultConfig {
                throttle_rate: 0.3,
                error_rate: 0.1,
                latency_ms: 20,
                seed: Some(1),
                quota: None,
            }
        );
        assert_eq!(
            serde_json::from_str::<FaultConfig>("{}").unwrap(),
            FaultConfig::default()
        );
        assert!(serde_json::from_str::<FaultConfig>(r#"{"throttle_rate":1}"#).is_err());
        assert!(
            FaultConfig {
                error_rate: 1.5,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            FaultConfig {
                throttle_rate: f64::NAN,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert_eq!(
            serde_json::to_value(FaultConfig::default()).unwrap(),
            serde_json::json!({"throttleRate": 0.0, "errorRate": 0.0, "latencyMs": 0})
        );
    }
}
