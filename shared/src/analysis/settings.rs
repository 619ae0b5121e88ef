//! What the analysis is configured with: the price table and the right-sizing headroom. The values are passed in
//! explicitly ([`crate::config::load_analysis_settings`] reads `PRICES_URI` and `RIGHT_SIZING_HEADROOM` once at
//! start); the analysis itself reads no environment and keeps no process-wide state.

use std::sync::Arc;

use super::prices::PriceTable;
pub use super::prices::SettingsError;
use crate::record::PriceTableInfo;

/// Environment variable of the headroom: a fraction between 0 and 1 (0.1 = 10 % above the peak).
pub const HEADROOM_VAR: &str = "RIGHT_SIZING_HEADROOM";

/// Right-sizing headroom when [`HEADROOM_VAR`] is unset: 10 % above the peak.
pub const DEFAULT_HEADROOM: f64 = 0.1;

/// Prices and headroom.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The price table.
    pub prices: Arc<PriceTable>,
    /// Where it came from.
    pub info: PriceTableInfo,
    /// Right-sizing headroom.
    pub headroom: f64,
}

impl Default for Settings {
    /// The bundled price table and the default headroom.
    fn default() -> Self {
        Self::with_table(
            PriceTable::bundled(),
            "bundled".to_owned(),
            DEFAULT_HEADROOM,
        )
    }
}

impl Settings {
    /// Settings around `prices` read from `origin`.
    pub fn with_table(prices: PriceTable, origin: String, headroom: f64) -> Self {
        let info = PriceTableInfo {
            origin,
            retrieved: prices.retrieved.clone(),
        };
        Self {
            prices: Arc::new(prices),
            info,
            headroom,
        }
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
