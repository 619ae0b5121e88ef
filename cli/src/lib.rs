//! `omics-introspect`, the command line of the omics-introspect HTTP API: runs, tasks, enriched reports,
//! comparisons, fleet views, profiles and live progress as human tables or the API's JSON.
//!
//! - [`args`]: the command line (clap derive); ids are checked before any request.
//! - [`client`] and [`signing`]: the API over reqwest, SigV4-signed for the deployed API (`execute-api`), unsigned
//!   for `local-api`; 429 retried after `Retry-After`; the error envelope turned into [`error::CliError`].
//! - [`paging`]: cursor paging with a progress spinner for `--all`.
//! - [`commands`]: one function per subcommand; [`render`]: tables and humanised units.
//! - [`error`]: the exit codes scripts rely on (0 ok, 1 usage, 2 not found, 3 upstream).

#![warn(missing_docs)]

pub mod args;
pub mod client;
pub mod commands;
pub mod error;
pub mod paging;
pub mod render;
pub mod signing;

use args::{API_URL_VAR, Cli};
use client::{ApiClient, parse_base_url};
use commands::Context;
use error::CliError;
use signing::Signer;

/// Runs the parsed command line: picks signing for the URL, then the subcommand.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let api_url = cli.api_url.ok_or_else(|| {
        CliError::Usage(format!(
            "no API URL: pass --api-url (the stack's ApiUrl output, or http://127.0.0.1:3000 for local-api) or set \
             {API_URL_VAR}"
        ))
    })?;
    let base = parse_base_url(&api_url)?;
    let signer = if should_sign(base.scheme(), cli.sign, cli.no_sign) {
        Some(Signer::from_environment(cli.region, base.host_str().unwrap_or_default()).await?)
    } else {
        None
    };
    let context = Context {
        client: ApiClient::new(&api_url, cli.timeout, signer)?,
        output: cli.output,
    };
    commands::dispatch(&context, cli.command).await
}

/// Whether to sign: always for https (the deployed API authorizes with IAM) unless `--no-sign`; for http only with
/// `--sign` (local-api does not check signatures).
pub fn should_sign(scheme: &str, sign: bool, no_sign: bool) -> bool {
    !no_sign && (sign || scheme == "https")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_is_signed_unless_told_otherwise_http_only_when_asked() {
        assert!(should_sign("https", false, false));
        assert!(!should_sign("https", false, true));
        assert!(!should_sign("http", false, false));
        assert!(should_sign("http", true, false));
    }
}
