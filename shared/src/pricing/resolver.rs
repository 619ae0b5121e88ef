//! The prices of one run, resolved before its record is built: from the Price List API for the run's region
//! (cached for the life of the process, that is of the Lambda execution environment), else the table the
//! functions were configured with, with a warning saying why.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::lock::Mutex;

use super::{PriceList, SERVICE_CODE};
use crate::analysis::prices::PriceTable;
use crate::analysis::settings::{PriceSourceKind, Settings};
use crate::error::display_chain;

/// How long a failed read of a region's prices is remembered before the next enrichment asks again: a Price List
/// that cannot be reached costs one enrichment the retries, not every one.
pub const FAILURE_RETRY_AFTER: Duration = Duration::from_secs(300);

#[derive(Debug)]
enum Cached {
    Prices(Arc<PriceTable>),
    Failed { at: Instant, message: String },
}

/// Resolves the prices of a run's region through the Price List API, caching each region's answer; cheap to
/// clone (clones share the cache). Owned by the enrichment's state, created once per process.
#[derive(Debug, Clone)]
pub struct PriceResolver {
    list: PriceList,
    cache: Arc<Mutex<HashMap<String, Cached>>>,
}

impl PriceResolver {
    /// A resolver with an empty cache.
    pub fn new(list: PriceList) -> Self {
        Self {
            list,
            cache: Arc::default(),
        }
    }

    /// The run prices of `region`: cached, else read now. A failure is an error message (its whole chain), also
    /// cached for [`FAILURE_RETRY_AFTER`]. Concurrent callers wait for one read rather than each making their own.
    pub async fn region_prices(&self, region: &str) -> Result<Arc<PriceTable>, String> {
        let mut cache = self.cache.lock().await;
        match cache.get(region) {
            Some(Cached::Prices(table)) => return Ok(Arc::clone(table)),
            Some(Cached::Failed { at, message }) if at.elapsed() < FAILURE_RETRY_AFTER => {
                return Err(message.clone());
            }
            _ => {}
        }
        match self.list.region_prices(region).await {
            Ok(table) => {
                let table = Arc::new(table);
                cache.insert(region.to_owned(), Cached::Prices(Arc::clone(&table)));
                Ok(table)
            }
            Err(err) => {
                let message = display_chain(&err);
                tracing::warn!(region, error = %message, "reading prices from the AWS Price List API failed");
                cache.insert(
                    region.to_owned(),
                    Cached::Failed {
                        at: Instant::now(),
                        message: message.clone(),
                    },
                );
                Err(message)
            }
        }
    }

    /// The settings to analyse a run of `region` with. `PRICES_URI` overrides the Price List API (`base` as it
    /// is); an unknown region leaves `base` too (its tasks are reported unpriced). Otherwise the region's prices
    /// from the API, or, when they cannot be read, `base` (the bundled table) with a warning naming the region and
    /// the error.
    pub async fn settings_for_run(
        &self,
        base: &Arc<Settings>,
        region: Option<&str>,
    ) -> Arc<Settings> {
        let Some(region) = region.filter(|_| base.source != PriceSourceKind::PricesUri) else {
            return Arc::clone(base);
        };
        match self.region_prices(region).await {
            Ok(table) => Arc::new(base.with_resolved_prices(
                table,
                PriceSourceKind::PriceListApi,
                format!("AWS Price List API (GetProducts {SERVICE_CODE}, regionCode {region})"),
            )),
            Err(message) => Arc::new(base.with_price_warning(format!(
                "the AWS Price List API could not price {region} ({message}); priced with the {} table{}",
                base.info.origin,
                base.info
                    .retrieved
                    .as_deref()
                    .map(|d| format!(" of {d}"))
                    .unwrap_or_default()
            ))),
        }
    }
}
