//! Request counters per AWS operation, so benchmarks can count upstream calls.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};

/// The emulated HealthOmics operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `GET /run/{id}`
    GetRun,
    /// `GET /run`
    ListRuns,
    /// `GET /run/{id}/task`
    ListRunTasks,
    /// `GET /run/{id}/task/{taskId}`
    GetRunTask,
}

impl Operation {
    /// Every operation, in the order the stats report them.
    pub const ALL: [Operation; 4] = [
        Operation::GetRun,
        Operation::ListRuns,
        Operation::ListRunTasks,
        Operation::GetRunTask,
    ];

    /// The AWS operation name.
    pub fn name(self) -> &'static str {
        match self {
            Operation::GetRun => "GetRun",
            Operation::ListRuns => "ListRuns",
            Operation::ListRunTasks => "ListRunTasks",
            Operation::GetRunTask => "GetRunTask",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Counters of requests per operation (faulted ones included) and of injected faults.
#[derive(Debug, Default)]
pub struct Stats {
    requests: [AtomicU64; 4],
    throttled: AtomicU64,
    errors: AtomicU64,
}

impl Stats {
    /// Counts one request to `operation`.
    pub fn record_request(&self, operation: Operation) {
        self.requests[operation.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one injected throttle.
    pub fn record_throttle(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one injected server error.
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Zeroes every counter.
    pub fn reset(&self) {
        for counter in self.requests.iter().chain([&self.throttled, &self.errors]) {
            counter.store(0, Ordering::Relaxed);
        }
    }

    /// `{"GetRun":n,"ListRuns":n,"ListRunTasks":n,"GetRunTask":n,"faults":{"throttled":n,"errors":n}}`
    pub fn snapshot(&self) -> Value {
        let mut body = serde_json::Map::new();
        for operation in Operation::ALL {
            body.insert(
                operation.name().to_owned(),
                json!(self.requests[operation.index()].load(Ordering::Relaxed)),
            );
        }
        body.insert(
            "faults".to_owned(),
            json!({
                "throttled": self.throttled.load(Ordering::Relaxed),
                "errors": self.errors.load(Ordering::Relaxed),
            }),
        );
        Value::Object(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_resets() {
        let stats = Stats::default();
        stats.record_request(Operation::ListRunTasks);
        stats.record_request(Operation::ListRunTasks);
        stats.record_throttle();
        assert_eq!(
            stats.snapshot(),
            json!({"GetRun": 0, "ListRuns": 0, "ListRunTasks": 2, "GetRunTask": 0, "faults": {"throttled": 1, "errors": 0}})
        );
        stats.reset();
        assert_eq!(stats.snapshot()["ListRunTasks"], 0);
    }
}
