//! One function per subcommand: ask the API, then print a table or the API's JSON.

mod fleet;
mod progress;
mod report;
mod runs;

use std::io::Write;

use serde_json::Value;

use crate::args::{Command, Output};
use crate::client::ApiClient;
use crate::error::CliError;

/// What every command needs: the API and how to print.
#[derive(Debug)]
pub struct Context {
    /// The API client.
    pub client: ApiClient,
    /// Tables or JSON.
    pub output: Output,
}

/// Runs `command`.
pub async fn dispatch(context: &Context, command: Command) -> Result<(), CliError> {
    match command {
        Command::Runs(command) => runs::runs(context, command).await,
        Command::Tasks(command) => runs::tasks(context, command).await,
        Command::Report(args) => report::report(context, args).await,
        Command::Compare(args) => report::compare(context, args).await,
        Command::Fleet(command) => fleet::fleet(context, command).await,
        Command::Batch(args) => fleet::batch(context, args).await,
        Command::Profile(args) => fleet::profile(context, args).await,
        Command::Progress(args) => progress::progress(context, args).await,
        Command::Manifest(args) => runs::manifest(context, args).await,
        Command::Timeline(args) => runs::timeline(context, args).await,
    }
}

/// Prints `value` as the table `render` draws, or as pretty JSON.
fn show(context: &Context, value: &Value, render: fn(&Value) -> String) -> Result<(), CliError> {
    match context.output {
        Output::Table => emit(&render(value)),
        Output::Json => emit(&pretty(value)),
    }
}

/// Prints a list: the table `render` draws, or one JSON array of every item; says on stderr when more pages remain.
fn show_list(
    context: &Context,
    fetched: &crate::paging::Fetched,
    what: &str,
    render: fn(&[Value]) -> String,
) -> Result<(), CliError> {
    match context.output {
        Output::Table if fetched.items.is_empty() => eprintln!("no {what}"),
        Output::Table => emit(&render(&fetched.items))?,
        Output::Json => emit(&pretty(&Value::Array(fetched.items.clone())))?,
    }
    if let Some(cursor) = &fetched.next_cursor {
        eprintln!("more {what} remain: --all fetches every page, --cursor {cursor} the next one");
    }
    Ok(())
}

/// Pretty JSON (serializing a `Value` cannot fail; the fallback keeps it panic-free anyway).
fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Writes `text` and a newline to stdout. A closed pipe (`| head`) ends the output quietly: the reader has what it
/// wanted.
fn emit(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(CliError::Write {
            path: "standard output".into(),
            source,
        }),
    }
}
