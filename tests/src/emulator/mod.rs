//! A local AWS HealthOmics emulator speaking the service's rest-json wire protocol, so the real `aws-sdk-omics`
//! and boto3 clients work against it.
//!
//! It serves the four run operations the project reads (GetRun, ListRuns, ListRunTasks, GetRunTask) from an
//! in-memory store, plus control routes under `/_emulator/` to seed runs (writing their manifests to CloudWatch
//! Logs), inject faults and count requests. The `omics-emulator` binary wraps [`Emulator::router`].
//!
//! | route | purpose |
//! |---|---|
//! | `POST /_emulator/runs` | seed one run: `{"run": {...}, "tasks": [...], "manifest": ["line", ...], "taskLogs": {"<taskId>": ["line", ...]}}` |
//! | `POST /_emulator/reset` | empty the store, clear faults and stats |
//! | `GET`/`POST /_emulator/faults` | read / set `{"throttleRate","errorRate","latencyMs","seed","quota"}` ([`quota`]) |
//! | `GET /_emulator/stats`, `POST /_emulator/stats/reset` | request counters per operation |
//! | `GET /_emulator/health` | `{"runs": n}` |
//! | `POST /` (`X-Amz-Target: AWSPriceListService.GetProducts`) | the AWS Price List API from a fixture ([`pricing`]) |
//! | `GET`/`POST /_emulator/pricing` | Price List request counts / `{"failing": bool}` |

mod admin;
pub mod errors;
pub mod faults;
pub mod logs;
mod middleware;
pub mod pagination;
pub mod pricing;
pub mod quota;
mod routes;
pub mod seed;
pub mod stats;
pub mod store;
pub mod validation;

#[cfg(test)]
mod router_tests;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use errors::ApiError;
pub use faults::{FaultConfig, FaultOutcome};
pub use logs::{CloudWatchManifestSink, DEFAULT_LOG_GROUP, ManifestSink, MemoryManifestSink};
pub use quota::QuotaConfig;
pub use seed::{SeedRequest, SeedSummary, load_fixtures};
pub use stats::Operation;

/// Largest accepted request body: seeding a run with 100,000 tasks and its manifest takes a few hundred MiB.
pub const MAX_BODY_BYTES: usize = 512 * 1024 * 1024;

struct Inner {
    store: RwLock<store::Store>,
    faults: faults::Faults,
    stats: stats::Stats,
    sink: Arc<dyn ManifestSink>,
}

/// The emulator's shared state; cheap to clone.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

impl Emulator {
    /// An empty emulator writing seeded manifests to `sink`.
    pub fn new(sink: Arc<dyn ManifestSink>) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: RwLock::default(),
                faults: faults::Faults::default(),
                stats: stats::Stats::default(),
                sink,
            }),
        }
    }

    /// An empty emulator writing seeded manifests to CloudWatch Logs group `log_group`.
    pub fn with_cloudwatch(log_group: impl Into<String>) -> Self {
        Self::new(Arc::new(CloudWatchManifestSink::new(log_group)))
    }

    /// The HTTP routes: the four AWS operations and the `/_emulator/` control routes.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/run", get(routes::list_runs))
            .route("/run/{id}", get(routes::get_run))
            .route("/run/{id}/task", get(routes::list_run_tasks))
            .route("/run/{id}/task/{taskId}", get(routes::get_run_task))
            .route("/_emulator/runs", post(admin::seed_run))
            .route("/_emulator/reset", post(admin::reset))
            .route(
                "/_emulator/faults",
                get(admin::get_faults).post(admin::set_faults),
            )
            .route("/_emulator/stats", get(admin::get_stats))
            .route("/_emulator/stats/reset", post(admin::reset_stats))
            .route("/_emulator/health", get(admin::health))
            .merge(pricing::router())
            .fallback(routes::unknown_operation)
            .method_not_allowed_fallback(routes::unknown_operation)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .layer(axum::middleware::from_fn(middleware::request_context))
            .with_state(self.clone())
    }

    /// Stores one run, replacing any run with the same id. A manifest is written to the sink first; if that
    /// fails the store is left unchanged and the error is a 502.
    pub async fn seed(&self, request: SeedRequest) -> Result<SeedSummary, ApiError> {
        let prepared = request.prepare()?;
        let run = prepared.run;
        if !prepared.manifest.is_empty() {
            let uuid = run.uuid().unwrap_or_default();
            self.inner
                .sink
                .write_manifest(run.id(), uuid, &prepared.manifest)
                .await
                .map_err(|message| {
                    ApiError::bad_gateway(format!(
                        "writing the manifest of run {} failed: {message}",
                        run.id()
                    ))
                })?;
        }
        for (task_id, lines) in &prepared.task_logs {
            self.inner
                .sink
                .write_task_log(run.id(), task_id, lines)
                .await
                .map_err(|message| {
                    ApiError::bad_gateway(format!(
                        "writing the log of task {task_id} of run {} failed: {message}",
                        run.id()
                    ))
                })?;
        }
        let summary = SeedSummary {
            run_id: run.id().to_owned(),
            uuid: run.uuid().map(str::to_owned),
            tasks: run.task_count(),
            manifest_events: prepared.manifest.len(),
        };
        self.store_mut().insert(run);
        Ok(summary)
    }

    /// Empties the store and clears faults and stats.
    pub fn reset(&self) {
        self.store_mut().clear();
        self.inner.faults.set(FaultConfig::default());
        self.inner.stats.reset();
        self.inner.faults.quota().reset_counters();
    }

    /// Number of stored runs.
    pub fn run_count(&self) -> usize {
        self.store().len()
    }

    /// The fault settings and their random source.
    pub fn faults(&self) -> &faults::Faults {
        &self.inner.faults
    }

    /// The request counters.
    pub fn stats(&self) -> &stats::Stats {
        &self.inner.stats
    }

    // Poisoning only means another request panicked mid-update of plain data; keep serving rather than fail all.
    fn store(&self) -> RwLockReadGuard<'_, store::Store> {
        self.inner
            .store
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn store_mut(&self) -> RwLockWriteGuard<'_, store::Store> {
        self.inner
            .store
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Bookkeeping every AWS request goes through first: count it, refuse it when over the quota, add the
    /// configured latency, then maybe answer with an injected fault.
    async fn enter(&self, operation: Operation) -> Result<(), ApiError> {
        self.inner.stats.record_request(operation);
        if self.inner.faults.quota().admit(operation).is_err() {
            return Err(ApiError::throttling("Rate exceeded"));
        }
        let latency = self.inner.faults.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match self.inner.faults.draw() {
            FaultOutcome::Pass => Ok(()),
            FaultOutcome::Throttle => {
                self.inner.stats.record_throttle();
                Err(ApiError::throttling(
                    "Rate exceeded (injected by the emulator)",
                ))
            }
            FaultOutcome::Error => {
                self.inner.stats.record_error();
                Err(ApiError::internal(
                    "Internal server error (injected by the emulator)",
                ))
            }
        }
    }
}
