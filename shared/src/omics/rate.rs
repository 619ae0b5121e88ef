//! Request pacing for HealthOmics: a token bucket, and an async limiter that clones share.
//!
//! HealthOmics allows each account about 10 requests per second per operation (see
//! `shared/reference/healthomics-facts.md`). A limiter keeps one process under that pace, so concurrent
//! enrichments in one process queue instead of bursting into `ThrottlingException`s. The bucket is also what the
//! local emulator enforces, so both sides agree on the arithmetic.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The documented default HealthOmics quota for the run operations, requests per second.
pub const DEFAULT_RATE_PER_SECOND: f64 = 10.0;

/// `rate` tokens per second, at most `burst` held; starts full.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket. A non-positive or non-finite `rate` never refills; `burst` is at least 1.
    pub fn new(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate: if rate.is_finite() { rate.max(0.0) } else { 0.0 },
            burst,
            tokens: burst,
            last: Instant::now(),
        }
    }

    /// Tokens per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Largest number of tokens held.
    pub fn burst(&self) -> u32 {
        self.burst as u32
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.last = self.last.max(now);
    }

    /// Takes a token if one is there; else answers how long until one will be (a server's `Retry-After`).
    pub fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.wait_for(1.0 - self.tokens))
        }
    }

    /// Takes a token now, going into debt when none is there, and answers how long the caller must wait before
    /// using it. Debts queue callers in arrival order at exactly `rate` (a client's pacing).
    pub fn reserve(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            self.wait_for(-self.tokens)
        }
    }

    fn wait_for(&self, tokens: f64) -> Duration {
        if self.rate > 0.0 {
            Duration::from_secs_f64(tokens / self.rate)
        } else {
            Duration::from_secs(3600)
        }
    }
}

/// An async limiter over one [`TokenBucket`]; clones share the bucket.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    bucket: Arc<Mutex<TokenBucket>>,
}

impl RateLimiter {
    /// A limiter allowing `rate` calls per second with bursts of `burst`.
    pub fn new(rate: f64, burst: u32) -> Self {
        Self {
            bucket: Arc::new(Mutex::new(TokenBucket::new(rate, burst))),
        }
    }

    /// Waits for this caller's turn.
    pub async fn acquire(&self) {
        let wait = {
            // Plain data behind the lock: a panic elsewhere leaves it usable.
            let mut bucket = self
                .bucket
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            bucket.reserve(Instant::now())
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Calls per second.
    pub fn rate(&self) -> f64 {
        self.bucket
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .rate()
    }
}

/// How fast one process calls each HealthOmics operation: `rate` requests per second with bursts of `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    /// Requests per second, per operation.
    pub rate: f64,
    /// Requests allowed back to back after a pause.
    pub burst: u32,
}

impl Pacing {
    /// Environment variable with the per-operation rate (requests per second; `0` turns pacing off).
    pub const RATE_VARIABLE: &str = "OMICS_CLIENT_TPS";
    /// Environment variable with the burst.
    pub const BURST_VARIABLE: &str = "OMICS_CLIENT_BURST";
    /// Burst when [`Self::BURST_VARIABLE`] is unset: none, so the service's own small burst stays as slack for
    /// network jitter (requests sent 100 ms apart may arrive closer) and for the account's other callers.
    pub const DEFAULT_BURST: u32 = 1;

    /// The pacing HealthOmics' default quota calls for: [`DEFAULT_RATE_PER_SECOND`] with a small burst.
    pub fn default_quota() -> Self {
        Self {
            rate: DEFAULT_RATE_PER_SECOND,
            burst: Self::DEFAULT_BURST,
        }
    }

    /// Reads [`Self::RATE_VARIABLE`] and [`Self::BURST_VARIABLE`] through `lookup`; unset means
    /// [`Self::default_quota`], a rate of 0 means no pacing (`None`), anything unreadable is an
    /// [`crate::Error::Config`] naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> crate::Result<Option<Self>> {
        let default = Self::default_quota();
        let rate = match lookup(Self::RATE_VARIABLE).filter(|v| !v.trim().is_empty()) {
            None => default.rate,
            Some(text) => match text.trim().parse::<f64>() {
                Ok(rate) if rate.is_finite() && rate >= 0.0 => rate,
                _ => {
                    return Err(crate::Error::Config {
                        variable: Self::RATE_VARIABLE,
                        message: format!(
                            "expected requests per second (0 turns pacing off), got {text:?}"
                        ),
                    });
                }
            },
        };
        let burst = match lookup(Self::BURST_VARIABLE).filter(|v| !v.trim().is_empty()) {
            None => default.burst,
            Some(text) => match text.trim().parse::<u32>() {
                Ok(burst) if burst >= 1 => burst,
                _ => {
                    return Err(crate::Error::Config {
                        variable: Self::BURST_VARIABLE,
                        message: format!("expected a whole number of requests >= 1, got {text:?}"),
                    });
                }
            },
        };
        Ok((rate > 0.0).then_some(Self { rate, burst }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_serves_its_burst_then_refills_at_its_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10.0, 3);
        bucket.last = start;
        for _ in 0..3 {
            assert_eq!(bucket.try_take(start), Ok(()));
        }
        let wait = bucket.try_take(start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        assert_eq!(bucket.try_take(start + Duration::from_millis(100)), Ok(()));
        // A long pause refills to the burst, not beyond.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(bucket.try_take(later), Ok(()));
        }
        assert!(bucket.try_take(later).is_err());
    }

    #[test]
    fn reservations_queue_at_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(10.0, 2);
        bucket.last = start;
        let waits: Vec<u128> = (0..5).map(|_| bucket.reserve(start).as_millis()).collect();
        assert_eq!(waits, [0, 0, 100, 200, 300]);
    }

    #[test]
    fn pacing_reads_its_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(
            Pacing::from_lookup(env(&[])).unwrap(),
            Some(Pacing::default_quota())
        );
        assert_eq!(
            Pacing::from_lookup(env(&[("OMICS_CLIENT_TPS", "0")])).unwrap(),
            None
        );
        assert_eq!(
            Pacing::from_lookup(env(&[
                ("OMICS_CLIENT_TPS", "2.5"),
                ("OMICS_CLIENT_BURST", "1")
            ]))
            .unwrap(),
            Some(Pacing {
                rate: 2.5,
                burst: 1
            })
        );
        let err = Pacing::from_lookup(env(&[("OMICS_CLIENT_TPS", "fast")])).unwrap_err();
        assert!(err.to_string().contains("OMICS_CLIENT_TPS"), "{err}");
        let err = Pacing::from_lookup(env(&[("OMICS_CLIENT_BURST", "0")])).unwrap_err();
        assert!(err.to_string().contains("OMICS_CLIENT_BURST"), "{err}");
    }

    #[tokio::test]
    async fn clones_share_one_pace() {
        let first = RateLimiter::new(50.0, 1);
        let second = first.clone();
        let started = Instant::now();
        let calls = (0..6).map(|i| {
            if i % 2 == 0 {
                first.acquire()
            } else {
                second.acquire()
            }
        });
        futures::future::join_all(calls).await;
        // One immediate, five more at 20 ms each.
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(95), "{took:?}");
    }
}
