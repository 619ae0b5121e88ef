//! What the analysis is configured with: the price table and the right-sizing headroom. The values are passed in
//! explicitly ([`crate::config::load_analysis_settings`] reads `PRICES_URI` and `RIGHT_SIZING_HEADROOM` once at
//! start); the analysis itself reads no environment and keeps no process-wide state. The enrichment may swap the
//! price table for one resolved for the run's region ([`Settings::with_resolved_prices`],
//! [`Settings::with_price_warning`]) before it builds a record.

use std::sync::Arc;

use super::prices::PriceTable;
pub use super::prices::SettingsError;
use crate::record::PriceTableInfo;
pub use crate::record::cost::PriceSourceKind;

/// Environment variable of the headroom: a fraction between 0 and 1 (0.1 = 10 % above the peak).
pub const HEADROOM_VAR: &str = "RIGHT_SIZING_HEADROOM";

/// [`crate::record::PriceTableInfo::origin`] of the bundled table.
pub const BUNDLED_ORIGIN: &str = "bundled";

/// Right-sizing headroom when [`HEADROOM_VAR`] is unset: 10 % above the peak.
pub const DEFAULT_HEADROOM: f64 = 0.1;

/// Prices and headroom.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The price table.
    pub prices: Arc<PriceTable>,
    /// Where it came from.
    pub info: PriceTableInfo,
    /// Which kind of source that is (the report's `cost.priceSource`).
    pub source: PriceSourceKind,
    /// Why the prices are not the ones wanted (the Price List API failed and the bundled table stands in); each
    /// becomes a cost warning.
    pub price_warnings: Vec<String>,
    /// Right-sizing headroom.
    pub headroom: f64,
}

impl Default for Settings {
    /// The bundled price table and the default headroom.
    fn default() -> Self {
        Self::with_table(
            PriceTable::bundled(),
            BUNDLED_ORIGIN.to_owned(),
            DEFAULT_HEADROOM,
        )
    }
}

impl Settings {
    /// Settings around `prices` read from `origin`: `bundled` (the compiled-in table), else the `PRICES_URI` the
    /// table was read from.
    pub fn with_table(prices: PriceTable, origin: String, headroom: f64) -> Self {
        let source = if origin == BUNDLED_ORIGIN {
            PriceSourceKind::Bundled
        } else {
            PriceSourceKind::PricesUri
        };
        let info = PriceTableInfo {
            origin,
            retrieved: prices.retrieved.clone(),
        };
        Self {
            prices: Arc::new(prices),
            info,
            source,
            price_warnings: Vec::new(),
            headroom,
        }
    }

    /// The same settings with `prices` resolved for one run from `source` (`origin` says where exactly, e.g. the
    /// Price List API and its region).
    pub fn with_resolved_prices(
        &self,
        prices: Arc<PriceTable>,
        source: PriceSourceKind,
        origin: String,
    ) -> Self {
        Self {
            info: PriceTableInfo {
                origin,
                retrieved: prices.retrieved.clone(),
            },
            prices,
            source,
            price_warnings: Vec::new(),
            headroom: self.headroom,
        }
    }

    /// The same settings with a warning about where the prices come from (reported in the cost section).
    pub fn with_price_warning(&self, warning: String) -> Self {
        let mut settings = self.clone();
        settings.price_warnings.push(warning);
        settings
    }

    /// Parses the headroom variable's value.
    pub fn parse_headroom(text: Option<&str>) -> Result<f64, SettingsError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(DEFAULT_HEADROOM);
        };
        text.parse::<f64>()
            .ok()
            .filter(|h| h.is_finite() && (0.0..=1.0).contains(h))
            .ok_or_else(|| SettingsError {
                variable: HEADROOM_VAR,
                message: format!("expected a fraction between 0 and 1, got {text:?}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_values() {
        assert_eq!(Settings::parse_headroom(None).unwrap(), 0.1);
        assert_eq!(Settings::parse_headroom(Some(" ")).unwrap(), 0.1);
        assert_eq!(Settings::parse_headroom(Some("0.25")).unwrap(), 0.25);
        assert_eq!(Settings::parse_headroom(Some("0")).unwrap(), 0.0);
        for bad in ["-0.1", "1.5", "ten", "NaN"] {
            let err = Settings::parse_headroom(Some(bad)).unwrap_err();
            assert!(err.to_string().contains(HEADROOM_VAR), "{err}");
        }
    }
}
