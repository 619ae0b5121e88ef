//! What the analysis reads from its environment: the price table (`PRICES_URI`, default the bundled one) and the
//! right-sizing headroom (`RIGHT_SIZING_HEADROOM`, default 0.1).

use std::sync::{Arc, OnceLock};

use super::prices::{
    PRICES_URI_VAR, PriceTable, PriceTableInfo, PricesUri, load_prices, read_file,
};
use super::rightsizing::DEFAULT_HEADROOM;
use crate::error::{Error, Result};

/// Environment variable of the headroom: a fraction between 0 and 1 (0.1 = 10 % above the peak).
pub const HEADROOM_VAR: &str = "RIGHT_SIZING_HEADROOM";

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
    fn default() -> Self {
        Self::with_table(
            PriceTable::bundled(),
            "bundled".to_owned(),
            DEFAULT_HEADROOM,
        )
    }
}

static INSTALLED: OnceLock<Settings> = OnceLock::new();

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
    pub fn parse_headroom(text: Option<&str>) -> Result<f64> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(DEFAULT_HEADROOM);
        };
        text.parse::<f64>()
            .ok()
            .filter(|h| h.is_finite() && (0.0..=1.0).contains(h))
            .ok_or_else(|| Error::Config {
                variable: HEADROOM_VAR,
                message: format!("expected a fraction between 0 and 1, got {text:?}"),
            })
    }

    /// From the environment, reading an S3 `PRICES_URI` with `s3`; anything else as [`Self::from_env_sync`].
    pub async fn from_env(s3: &aws_sdk_s3::Client) -> Result<Self> {
        let headroom = Self::parse_headroom(std::env::var(HEADROOM_VAR).ok().as_deref())?;
        let text = std::env::var(PRICES_URI_VAR).unwrap_or_default();
        if !text.trim().is_empty() {
            let uri = PricesUri::parse(&text)?;
            if matches!(uri, PricesUri::S3 { .. }) {
                let table = load_prices(&uri, s3).await?;
                return Ok(Self::with_table(table, text.trim().to_owned(), headroom));
            }
        }
        Self::from_env_sync()
    }

    /// From the environment without S3: a file `PRICES_URI`, else the bundled table. An `s3://` URI is an error
    /// here (call [`Self::from_env`] at cold start and [`Self::install`] the result).
    pub fn from_env_sync() -> Result<Self> {
        let headroom = Self::parse_headroom(std::env::var(HEADROOM_VAR).ok().as_deref())?;
        match std::env::var(PRICES_URI_VAR)
            .ok()
            .filter(|v| !v.trim().is_empty())
        {
            None => Ok(Self::with_table(
                PriceTable::bundled(),
                "bundled".into(),
                headroom,
            )),
            Some(text) => match PricesUri::parse(&text)? {
                PricesUri::File(path) => {
                    let table = PriceTable::parse(&read_file(&path)?)?;
                    Ok(Self::with_table(table, path, headroom))
                }
                PricesUri::S3 { .. } => Err(Error::Config {
                    variable: PRICES_URI_VAR,
                    message: "an s3:// price table must be loaded at start (Settings::from_env)"
                        .into(),
                }),
            },
        }
    }

    /// Makes `settings` the process-wide settings ([`Self::current`]); only the first call counts.
    pub fn install(settings: Self) {
        let _ = INSTALLED.set(settings);
    }

    /// The installed settings, else [`Self::from_env_sync`], else (on a configuration error, logged) the bundled
    /// table with the default headroom.
    pub fn current() -> &'static Self {
        INSTALLED.get_or_init(|| {
            Self::from_env_sync().unwrap_or_else(|err| {
                tracing::error!(error = %err, "analysis settings: using the bundled price table");
                Self::default()
            })
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
