//! `local-api`: every API route on one local port (`LOCAL_API_ADDR`, default `127.0.0.1:3000`), for development,
//! fuzzing and benchmarks.
//!
//! Requests reach the same handler functions as in Lambda, as real `lambda_http` requests. Upstream endpoints
//! come from the standard `AWS_ENDPOINT_URL_*` variables; `CURSOR_SECRET` is required. Prints
//! `LISTENING http://<addr>` on stdout once it accepts connections (port 0 picks a free port), logs one JSON line
//! per request, and stops gracefully on SIGINT or SIGTERM.

use std::io::Write;
use std::sync::Arc;

use local_api::{ADDR_VAR, DEFAULT_ADDR, serve};
use omics_introspect::api::{ApiState, CursorNeed};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    omics_introspect::logging::init();
    let addr = std::env::var(ADDR_VAR).unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
    let state = ApiState::from_env(CursorNeed::Required)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    // The price table of the analysis routes (`PRICES_URI`, a file or s3://; default the bundled one).
    let settings = omics_introspect::config::load_analysis_settings(&state.clients.s3)
        .await
        .inspect_err(|err| tracing::error!(error = %err, "cannot start"))?;
    let state = state.with_settings(settings);
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|err| format!("binding {ADDR_VAR}={addr}: {err}"))?;
    let local = listener.local_addr()?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "LISTENING http://{local}")?;
        stdout.flush()?;
    }
    serve(listener, Arc::new(state), shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
