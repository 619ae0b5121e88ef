//! What the handlers share: clients, configuration and the cursor key, built once at cold start.

use std::sync::Arc;

use aws_config::SdkConfig;

use super::cursor::CursorKey;
use crate::analysis::Settings;
use crate::clients::{AwsClients, load_sdk_config};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::omics::HealthOmics;

/// State shared by every request of a function (or of `local-api`); build it once in `main`.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// HealthOmics runs and tasks.
    pub omics: HealthOmics,
    /// Every AWS client, for routes that read more than HealthOmics.
    pub clients: AwsClients,
    /// Configuration read from the environment.
    pub config: Config,
    /// Prices and right-sizing headroom of the analysis routes, loaded once.
    pub settings: Arc<Settings>,
    cursor_key: Option<CursorKey>,
}

/// The state as the router holds it (cloned per request).
pub type SharedState = Arc<ApiState>;

/// Whether a function needs the cursor key: list functions refuse to start without `CURSOR_SECRET`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorNeed {
    /// The function serves a list route.
    Required,
    /// The function serves no list route.
    NotNeeded,
}

impl ApiState {
    /// State from explicit parts (tests, benchmarks, mocked clients), with the default (bundled) settings.
    pub fn new(clients: AwsClients, config: Config, cursor_key: Option<CursorKey>) -> Self {
        Self {
            omics: HealthOmics::new(clients.omics.clone()),
            clients,
            config,
            settings: Arc::new(Settings::default()),
            cursor_key,
        }
    }

    /// The same state with `settings` for the analysis routes.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = Arc::new(settings);
        self
    }

    /// State from a loaded SDK configuration, building every client from it.
    pub fn from_sdk_config(sdk: &SdkConfig, config: Config, cursor_key: Option<CursorKey>) -> Self {
        Self::new(AwsClients::from_sdk_config(sdk), config, cursor_key)
    }

    /// State from the process environment: AWS settings (`AWS_ENDPOINT_URL_*` included), [`Config`], the
    /// analysis [`Settings`] (`PRICES_URI`, `RIGHT_SIZING_HEADROOM`), and `CURSOR_SECRET` when `cursor` is
    /// [`CursorNeed::Required`]. A missing or bad variable is an [`Error::Config`] naming it, so the function fails
    /// at start instead of at its first request.
    pub async fn from_env(cursor: CursorNeed) -> Result<Self> {
        let config = Config::from_env()?;
        let cursor_key = match cursor {
            CursorNeed::Required => Some(CursorKey::from_env()?),
            CursorNeed::NotNeeded => None,
        };
        let sdk = load_sdk_config().await;
        let state = Self::from_sdk_config(&sdk, config, cursor_key);
        let settings = crate::config::load_analysis_settings(&state.clients.s3).await?;
        Ok(state.with_settings(settings))
    }

    /// Checks that `RUNS_TABLE_NAME` and `REPORTS_BUCKET_NAME` are set: functions that read stored records
    /// refuse to start without them, naming the variable.
    pub fn require_stored_records(self) -> Result<Self> {
        self.config.runs_table()?;
        self.config.reports_bucket()?;
        Ok(self)
    }

    /// The cursor key; an internal error if this state was built without one (a wiring bug, not a client error).
    pub fn cursor_key(&self) -> Result<&CursorKey> {
        self.cursor_key
            .as_ref()
            .ok_or_else(|| Error::Internal("list route served without a cursor key".to_owned()))
    }
}
