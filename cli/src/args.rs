//! The command line: global options and one subcommand per question, parsed by clap's derive API.
//!
//! Ids are checked here (digits only, as HealthOmics issues them) so a bad id is a usage error (exit 1) before any
//! request, and no path segment the CLI builds can carry a `/` or `..`.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Environment variable naming the API's base URL (`--api-url`).
pub const API_URL_VAR: &str = "OMICS_INTROSPECT_API_URL";

/// `omics-introspect`: AWS HealthOmics runs, tasks, reports, fleet views and live progress, from the
/// omics-introspect HTTP API.
#[derive(Debug, Parser)]
#[command(
    name = "omics-introspect",
    version,
    about = "Inspect AWS HealthOmics runs through the omics-introspect API",
    long_about = "Inspect AWS HealthOmics runs through the omics-introspect API.\n\n\
        https URLs (the deployed API) are signed with SigV4 (service execute-api) using the standard AWS credential \
        chain; http URLs (local-api) are sent unsigned unless --sign is given.",
    after_help = "Exit codes: 0 ok, 1 usage or local error (bad arguments, the API refused the parameters (400), a \
        file that cannot be written), 2 not found (404), 3 upstream: throttled after retries, 5xx, access denied, \
        connection or credential errors."
)]
pub struct Cli {
    /// Base URL of the API, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/v1 or http://127.0.0.1:3000.
    #[arg(long, env = API_URL_VAR, global = true, value_name = "URL")]
    pub api_url: Option<String>,

    /// Sign requests with SigV4 also for an http:// URL.
    #[arg(long, global = true, conflicts_with = "no_sign")]
    pub sign: bool,

    /// Do not sign requests, also for an https:// URL.
    #[arg(long, global = true)]
    pub no_sign: bool,

    /// AWS region to sign for (default: the region in an execute-api host name, else the standard chain:
    /// AWS_REGION, the profile).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// How to print answers: human tables, or the API's JSON (lists: one JSON array of every fetched item).
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Output::Table)]
    pub output: Output,

    /// Time limit of one request, e.g. 30s or 2m.
    #[arg(long, global = true, value_parser = humantime::parse_duration, default_value = "60s")]
    pub timeout: Duration,

    /// What to ask.
    #[command(subcommand)]
    pub command: Command,
}

/// How answers are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Human tables with humanised units.
    Table,
    /// The API's JSON; lists print one JSON array of every fetched item, `progress --watch` one JSON line per poll.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs as HealthOmics lists them (GET /runs, /runs/{runId}).
    #[command(subcommand)]
    Runs(RunsCommand),
    /// A run's tasks (GET /runs/{runId}/tasks, /runs/{runId}/tasks/{taskId}).
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// A run's enriched report: cost, right-sizing, diagnosis (GET /runs/{runId}/report).
    Report(ReportArgs),
    /// Two stored runs side by side (GET /runs/{a}/compare/{b}).
    Compare(CompareArgs),
    /// Every stored run: sums by group, and the listing (GET /fleet/summary, /reports).
    #[command(subcommand)]
    Fleet(FleetCommand),
    /// A run batch's stored runs rolled up (GET /batches/{batchId}).
    Batch(BatchArgs),
    /// A workflow's learned resource profile and ready configuration (GET /workflows/{workflowId}/profile).
    Profile(ProfileArgs),
    /// A live run's progress: tasks by status, running tasks, ETA, stragglers (GET /runs/{runId}/progress).
    Progress(ProgressArgs),
    /// A run's manifest task records, read live from CloudWatch Logs (GET /runs/{runId}/manifest).
    Manifest(ManifestArgs),
    /// A stored run's timeline saved as SVG or HTML (GET /runs/{runId}/timeline).
    Timeline(TimelineArgs),
}

/// `manifest`
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// HealthOmics run id.
    #[arg(value_parser = parse_id)]
    pub run_id: String,
    /// The run's uuid (else GetRun's).
    #[arg(long, value_parser = parse_uuid)]
    pub uuid: Option<String>,
    /// Which pages.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `timeline`
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// HealthOmics run id.
    #[arg(value_parser = parse_id)]
    pub run_id: String,
    /// The run's uuid, to pick one of the runs that reused the id.
    #[arg(long, value_parser = parse_uuid)]
    pub uuid: Option<String>,
    /// Write the chart (SVG) to this file.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "html",
        conflicts_with = "html"
    )]
    pub svg: Option<std::path::PathBuf>,
    /// Write the self-contained HTML page to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
    /// Open the file in the browser.
    #[arg(long)]
    pub open: bool,
}

/// `runs ...`
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first.
    List(RunsListArgs),
    /// One run with every member.
    Get(RunIdArg),
}

/// `runs list`
#[derive(Debug, Args)]
pub struct RunsListArgs {
    /// Only runs in this status.
    #[arg(long, value_enum, ignore_case = true)]
    pub status: Option<RunStatus>,
    /// Only runs whose name starts with this.
    #[arg(long)]
    pub name: Option<String>,
    /// Only runs of this run group.
    #[arg(long, value_parser = parse_id)]
    pub run_group: Option<String>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// A run id.
#[derive(Debug, Args)]
pub struct RunIdArg {
    /// HealthOmics run id.
    #[arg(value_parser = parse_id)]
    pub run_id: String,
}

/// `tasks ...`
#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// List a run's tasks.
    List(TasksListArgs),
    /// One task with every member.
    Get(TaskGetArgs),
}

/// `tasks list`
#[derive(Debug, Args)]
pub struct TasksListArgs {
    /// HealthOmics run id.
    #[arg(value_parser = parse_id)]
    pub run_id: String,
    /// Only tasks in this status.
    #[arg(long, value_enum, ignore_case = true)]
    pub status: Option<TaskStatus>,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `tasks get`
#[derive(Debug, Args)]
pub struct TaskGetArgs {
    /// HealthOmics run id.
    #[arg(value_parser = parse_id)]
    pub run_id: String,
    /// HealthOmics task id.
    #[arg(value_parser = parse_id)]
    pub task_id: String,
}

/// Paging of the list commands.
#[derive(Debug, Args)]
pub struct PageArgs {
    /// Page size (1-100).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: Option<u16>,
    /// Start at this page (the `nextCursor` an earlier listing printed).
    #[arg(long, conflicts_with = "all")]
    pub cursor: Option<String>,
    /// Fetch every page (a progress bar on stderr when it is a terminal).
    #[arg(long)]
    pub all: bool,
}

/// `report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// HealthOmics run id.
    #[arg(value_parser = parse_id)]
    pub run_id: String,
    /// The run's uuid, to pick one of the runs that reused the id.
    #[arg(long, value_parser = parse_uuid)]
    pub uuid: Option<String>,
    /// Write the run page (GET /runs/{runId}/report?format=html) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
    /// Open the page: the --html file, else a presigned link (GET /runs/{runId}/report/link) in the browser.
    #[arg(long)]
    pub open: bool,
}

/// `compare`
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Run a (deltas are b − a).
    #[arg(value_parser = parse_id)]
    pub a: String,
    /// Run b.
    #[arg(value_parser = parse_id)]
    pub b: String,
    /// Run a's uuid.
    #[arg(long, value_parser = parse_uuid)]
    pub uuid: Option<String>,
    /// Run b's uuid.
    #[arg(long, value_parser = parse_uuid)]
    pub other_uuid: Option<String>,
    /// Write the compare page (`?format=html`) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
    /// Open the --html file in the browser.
    #[arg(long, requires = "html")]
    pub open: bool,
}

/// `fleet ...`
#[derive(Debug, Subcommand)]
pub enum FleetCommand {
    /// Cost, waste, task-hours and failures of the stored runs in a window, grouped.
    Summary(FleetSummaryArgs),
    /// Stored runs, newest stop time first, with cost, savings and task-hours.
    Reports(FleetReportsArgs),
}

/// What `fleet summary` groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "camelCase")]
pub enum GroupBy {
    /// Workflow id.
    Workflow,
    /// Stop day.
    Day,
    /// Stop week.
    Week,
    /// Stop month.
    Month,
    /// Run status.
    Status,
    /// Who started the run.
    StartedBy,
    /// Run group.
    RunGroup,
    /// Run batch.
    Batch,
    /// Class of the run's first failure.
    FailureClass,
}

impl GroupBy {
    /// The API's `groupBy` value.
    pub fn api_value(self) -> &'static str {
        match self {
            GroupBy::Workflow => "workflow",
            GroupBy::Day => "day",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
            GroupBy::Status => "status",
            GroupBy::StartedBy => "startedBy",
            GroupBy::RunGroup => "runGroup",
            GroupBy::Batch => "batch",
            GroupBy::FailureClass => "failureClass",
        }
    }
}

/// A stop-time window: `--since 30d`, or `--from` / `--to`.
#[derive(Debug, Args)]
pub struct WindowArgs {
    /// Runs that stopped within this long before now, e.g. 30d, 12h, 2w.
    #[arg(long, value_parser = humantime::parse_duration, conflicts_with = "from")]
    pub since: Option<Duration>,
    /// Stop time at or after this (ISO-8601 instant or date, e.g. 2024-10-01).
    #[arg(long)]
    pub from: Option<String>,
    /// Stop time before this (ISO-8601 instant or date; a date means the end of that day).
    #[arg(long)]
    pub to: Option<String>,
}

/// `fleet summary`
#[derive(Debug, Args)]
pub struct FleetSummaryArgs {
    /// What the groups are.
    #[arg(long, value_enum, default_value_t = GroupBy::Workflow)]
    pub by: GroupBy,
    /// The stop-time window.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Write the fleet page (`?format=html`: cost by group over time) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<std::path::PathBuf>,
    /// Open the --html file in the browser.
    #[arg(long, requires = "html")]
    pub open: bool,
}

/// `fleet reports`
#[derive(Debug, Args)]
pub struct FleetReportsArgs {
    /// Only runs of this workflow.
    #[arg(long, value_parser = parse_id)]
    pub workflow: Option<String>,
    /// Only runs in this status.
    #[arg(long, value_enum, ignore_case = true)]
    pub status: Option<RunStatus>,
    /// Only runs of this run batch.
    #[arg(long, value_parser = parse_id)]
    pub batch: Option<String>,
    /// Only runs of this run group.
    #[arg(long, value_parser = parse_id)]
    pub run_group: Option<String>,
    /// Only runs started by this principal (the ARN HealthOmics records).
    #[arg(long)]
    pub started_by: Option<String>,
    /// The stop-time window.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Paging.
    #[command(flatten)]
    pub page: PageArgs,
}

/// `batch`
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// HealthOmics run batch id.
    #[arg(value_parser = parse_id)]
    pub batch_id: String,
}

/// What `profile` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileFormat {
    /// The profile (a table, or JSON with --output json).
    Json,
    /// A nextflow.config `process { withName: ... }` block.
    Nextflow,
    /// WDL runtime blocks.
    Wdl,
}

impl ProfileFormat {
    /// The API's `format` value.
    pub fn api_value(self) -> &'static str {
        match self {
            ProfileFormat::Json => "json",
            ProfileFormat::Nextflow => "nextflow",
            ProfileFormat::Wdl => "wdl",
        }
    }
}

/// `profile`
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// HealthOmics workflow id.
    #[arg(value_parser = parse_id)]
    pub workflow_id: String,
    /// The profile, or ready configuration for Nextflow or WDL.
    #[arg(long, value_enum, default_value_t = ProfileFormat::Json)]
    pub format: ProfileFormat,
    /// How many of the newest COMPLETED runs to learn from (1-100).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub runs: Option<u8>,
    /// Headroom over the largest peak, 0-1 (0.1 = 10 %).
    #[arg(long, value_parser = parse_headroom)]
    pub headroom: Option<f64>,
}

/// `progress`
#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// HealthOmics run id.
    #[arg(value_parser = parse_id)]
    pub run_id: String,
    /// The run's uuid, to pick one of the runs that reused the id.
    #[arg(long, value_parser = parse_uuid)]
    pub uuid: Option<String>,
    /// Poll every SECS seconds until the run is final.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub watch: Option<u64>,
}

/// Run statuses (`--status`, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
#[allow(missing_docs)] // The status names say it.
pub enum RunStatus {
    Pending,
    Starting,
    Running,
    Stopping,
    Completed,
    Deleted,
    Cancelled,
    Failed,
}

/// Task statuses (`--status`, any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
#[allow(missing_docs)] // The status names say it.
pub enum TaskStatus {
    Pending,
    Starting,
    Running,
    Stopping,
    Completed,
    Cancelled,
    Failed,
}

/// The API's upper-case name of a clap value (`RUNNING`).
pub fn status_value<T: ValueEnum>(status: &T) -> String {
    status
        .to_possible_value()
        .map(|value| value.get_name().to_owned())
        .unwrap_or_default()
}

/// A HealthOmics id: 1 to 18 digits.
pub fn parse_id(text: &str) -> Result<String, String> {
    if (1..=18).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("must be a HealthOmics id: 1 to 18 digits".to_owned())
    }
}

/// A run uuid: 1 to 64 letters, digits and hyphens (the API's pattern).
pub fn parse_uuid(text: &str) -> Result<String, String> {
    if (1..=64).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        Ok(text.to_owned())
    } else {
        Err("must be a run uuid: 1 to 64 letters, digits and hyphens".to_owned())
    }
}

/// A headroom fraction between 0 and 1.
fn parse_headroom(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err("must be a number from 0 to 1 (0.1 = 10 %)".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use clap::error::ErrorKind;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("omics-introspect").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn runs_list_takes_filters_in_any_case_and_paging() {
        let cli = parse(&[
            "runs", "list", "--status", "running", "--name", "germ", "--limit", "25", "--all",
        ])
        .unwrap();
        let Command::Runs(RunsCommand::List(args)) = cli.command else {
            panic!("not runs list: {:?}", cli.command);
        };
        assert_eq!(args.status, Some(RunStatus::Running));
        assert_eq!(status_value(&args.status.unwrap()), "RUNNING");
        assert_eq!(args.name.as_deref(), Some("germ"));
        assert_eq!(args.page.limit, Some(25));
        assert!(args.page.all);
        assert_eq!(cli.output, Output::Table);
    }

    #[test]
    fn global_options_go_anywhere() {
        let cli = parse(&[
            "tasks",
            "list",
            "1000001",
            "-o",
            "json",
            "--api-url",
            "http://127.0.0.1:3000",
            "--sign",
            "--region",
            "eu-west-1",
        ])
        .unwrap();
        assert_eq!(cli.output, Output::Json);
        assert_eq!(cli.api_url.as_deref(), Some("http://127.0.0.1:3000"));
        assert!(cli.sign);
        assert_eq!(cli.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn bad_ids_statuses_and_limits_are_usage_errors() {
        for args in [
            &["runs", "get", "12a"][..],
            &["runs", "get", "../admin"],
            &["runs", "get", "1234567890123456789"],
            &["tasks", "list", "1", "--status", "DELETED"],
            &["runs", "list", "--limit", "0"],
            &["runs", "list", "--limit", "101"],
            &["runs", "list", "--all", "--cursor", "a.b"],
            &["report", "1", "--uuid", "a b"],
            &["profile", "1", "--headroom", "1.5"],
            &["profile", "1", "--format", "cwl"],
            &["fleet", "summary", "--since", "30 parsecs"],
            &["fleet", "summary", "--since", "30d", "--from", "2024-01-01"],
            &["progress", "1", "--watch", "0"],
            &["runs", "list", "--sign", "--no-sign"],
            &["frobnicate"],
        ] {
            let error = parse(args).expect_err(&format!("{args:?} parsed"));
            assert!(
                !matches!(
                    error.kind(),
                    ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
                ),
                "{args:?}: {error}"
            );
        }
    }

    #[test]
    fn fleet_summary_groups_and_windows() {
        let cli = parse(&["fleet", "summary", "--by", "failureClass", "--since", "30d"]).unwrap();
        let Command::Fleet(FleetCommand::Summary(args)) = cli.command else {
            panic!("not fleet summary");
        };
        assert_eq!(args.by.api_value(), "failureClass");
        assert_eq!(args.window.since, Some(Duration::from_secs(30 * 86_400)));
        let cli = parse(&["fleet", "summary"]).unwrap();
        let Command::Fleet(FleetCommand::Summary(args)) = cli.command else {
            panic!("not fleet summary");
        };
        assert_eq!(args.by, GroupBy::Workflow);
        assert_eq!(args.window.since, None);
    }

    #[test]
    fn profile_and_progress_options() {
        let cli = parse(&["profile", "5123907", "--format", "nextflow", "--runs", "5"]).unwrap();
        let Command::Profile(args) = cli.command else {
            panic!("not profile");
        };
        assert_eq!(args.format.api_value(), "nextflow");
        assert_eq!(args.runs, Some(5));
        let cli = parse(&["progress", "1000005", "--watch", "10", "--uuid", "ab-12"]).unwrap();
        let Command::Progress(args) = cli.command else {
            panic!("not progress");
        };
        assert_eq!(
            (args.watch, args.uuid.as_deref()),
            (Some(10), Some("ab-12"))
        );
    }

    #[test]
    fn ids_are_digits_only() {
        assert_eq!(parse_id("1000001"), Ok("1000001".to_owned()));
        assert!(parse_id("").is_err());
        assert!(parse_id("1/2").is_err());
        assert!(parse_uuid("5e0c8a2f-7b1d").is_ok());
        assert!(parse_uuid("x?y").is_err());
    }
}
