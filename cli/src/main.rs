//! `omics-introspect`: see the library's documentation, or `omics-introspect --help`.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use omics_introspect_cli::args::Cli;
use omics_introspect_cli::error::{EXIT_OK, EXIT_UPSTREAM, EXIT_USAGE};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // clap exits 2 on usage errors; here 2 means "not found", so a usage error is 1. Help and version
            // are answers, not errors.
            let code = match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => EXIT_OK,
                _ => EXIT_USAGE,
            };
            // Printing help to a closed pipe is no reason to fail.
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("omics-introspect: cannot start the async runtime: {error}");
            return ExitCode::from(EXIT_UPSTREAM);
        }
    };
    match runtime.block_on(omics_introspect_cli::run(cli)) {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(error) => {
            eprintln!("omics-introspect: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
