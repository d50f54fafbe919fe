//! The command line: clap arguments, settings resolution, one file per command, and the
//! mapping of errors to exit codes. Only this module knows about clap and the terminal.

mod apply;
mod diff;
mod drift;
mod generate;
mod graph;
mod health;
mod info;
mod inspect;
mod lint;
mod migrate;
mod plan;
pub mod printer;
mod serve;
mod settings;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status: 0 success, 1 the input or the database refused, 2 internal or connection error.
///
/// `drift` and `lint` are checks and use their own meaning of the same numbers: 0 clean,
/// 1 something found ([`Status::FOUND`]), 2 any error, bad input included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success = 0,
    Refused = 1,
    Error = 2,
}

impl Status {
    /// A check (`drift`, `lint`) found something: exit 1.
    pub const FOUND: Status = Status::Refused;
}

/// An error with the exit status it maps to.
#[derive(Debug)]
pub struct Failure {
    pub status: Status,
    pub message: String,
}

impl Failure {
    pub fn refused(message: impl Into<String>) -> Self {
        Failure {
            status: Status::Refused,
            message: message.into(),
        }
    }
    pub fn error(message: impl Into<String>) -> Self {
        Failure {
            status: Status::Error,
            message: message.into(),
        }
    }
    /// The same failure with exit status 2: checks (`drift`, `lint`) keep 1 for "found".
    pub fn as_error(self) -> Self {
        Failure {
            status: Status::Error,
            ..self
        }
    }
}

impl From<crate::parse::ParseError> for Failure {
    fn from(e: crate::parse::ParseError) -> Self {
        // Every kind is the input's fault: exit 1.
        Failure::refused(e.to_string())
    }
}

impl From<crate::dialect::DbError> for Failure {
    fn from(e: crate::dialect::DbError) -> Self {
        if e.is_refusal() || matches!(e, crate::dialect::DbError::Scheme(_)) {
            Failure::refused(e.to_string())
        } else {
            Failure::error(e.to_string())
        }
    }
}

impl From<crate::source::SourceError> for Failure {
    fn from(e: crate::source::SourceError) -> Self {
        match e {
            crate::source::SourceError::Parse(p) => p.into(),
            crate::source::SourceError::Db(d) => d.into(),
        }
    }
}

impl From<crate::migrate::MigrateError> for Failure {
    fn from(e: crate::migrate::MigrateError) -> Self {
        if e.is_refusal() {
            Failure::refused(e.to_string())
        } else {
            Failure::error(e.to_string())
        }
    }
}

impl From<crate::config::ConfigError> for Failure {
    fn from(e: crate::config::ConfigError) -> Self {
        Failure::refused(e.to_string())
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "sqlshift",
    version,
    about = "Declarative schema diff and migrations for PostgreSQL, MySQL/MariaDB and SQLite"
)]
pub struct Cli {
    /// Configuration file (default: ./sqlshift.yaml if present).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// List every statement of the schema files left unmanaged, not only their count.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the SQL that would bring the database to the schema files.
    Plan(PlanArgs),
    /// Plan, confirm, and run the SQL against the database.
    Apply(ApplyArgs),
    /// Print the live database schema as SQL (or JSON).
    Inspect(InspectArgs),
    /// Compare two sources (URLs, .sql files or folders) without changing either.
    Diff(DiffArgs),
    /// Write versioned up/down migrations from the edit of the schema files, per dialect.
    Generate(GenerateArgs),
    /// Apply, revert, list and check versioned migrations.
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Report how the live database differs from schema/ or the migrations (exit 1 on drift).
    Drift(DriftArgs),
    /// Check migration files for hazards (exit 1 on an error-level finding).
    Lint(LintArgs),
    /// Draw the schema's tables and foreign keys (Mermaid or Graphviz DOT).
    Graph(GraphArgs),
    /// Check the database and its migrations (exit 0 healthy, 1 degraded, 2 unreachable).
    Health(HealthArgs),
    /// Show the version, the resolved configuration (secrets redacted), the dialect and paths.
    Info(InfoArgs),
    /// Serve the migration commands over HTTP (token from SQLSHIFT_API_TOKEN or the config).
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub target: Target,
    /// Address to listen on (default: `service.listen`, else 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
    /// Serve reads only: migrate and rollback answer 403. Starts without a token.
    #[arg(long)]
    pub read_only: bool,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Against {
    /// The schema files (schema/ or --schema).
    Schema,
    /// The state the migration files produce, replayed on a scratch database.
    Migrations,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DriftFormat {
    Text,
    Json,
    /// GitHub Actions annotations, plus a markdown summary in $GITHUB_STEP_SUMMARY.
    Github,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub target: Target,
    /// What the database is expected to match.
    #[arg(long, value_enum, default_value_t = Against::Schema)]
    pub against: Against,
    /// A .sql file or folder of them; repeatable (default: config, else schema/).
    #[arg(long)]
    pub schema: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DriftFormat::Text)]
    pub format: DriftFormat,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// A migration file or folder (default: the migrations folder from sqlshift.yaml).
    pub path: Option<PathBuf>,
    /// Dialect of files outside a folder named after one (default: the project's, when it has one).
    #[arg(long)]
    pub dialect: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Read the schema of this environment's database instead of the schema files.
    #[arg(long)]
    pub env: Option<String>,
    /// Read the schema of this database instead of the schema files.
    #[arg(long)]
    pub url: Option<String>,
    /// A .sql file or folder of them; repeatable (default: config, else schema/).
    #[arg(long, conflicts_with_all = ["env", "url"])]
    pub schema: Vec<PathBuf>,
    /// Dialect the schema files are read for (default: the default environment's).
    #[arg(long, conflicts_with_all = ["env", "url"])]
    pub dialect: Option<String>,
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The migration's name: letters, digits, `_` and `-` (e.g. add_orders).
    pub name: String,
    /// Only these dialects (repeatable); default every dialect in `dialects:`.
    #[arg(long = "dialect")]
    pub dialects: Vec<String>,
    /// A .sql file or folder of them; repeatable (default: config, else schema/).
    #[arg(long)]
    pub schema: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Apply pending migrations in version order.
    Up(MigrateUpArgs),
    /// Revert applied migrations with the down SQL stored when they were applied.
    Down(MigrateDownArgs),
    /// Show each migration as applied, pending, changed or missing.
    Status(MigrateListArgs),
    /// Show the tracking table: when each migration was applied, by whom, how long it took.
    History(MigrateHistoryArgs),
    /// Mark an existing database as being at VERSION without running anything, after
    /// checking that it matches what the migrations up to VERSION produce.
    Baseline(MigrateBaselineArgs),
    /// Check the migration files against sqlshift.sum (no database needed).
    Verify,
    /// Rewrite sqlshift.sum from the files as they are (after a deliberate edit).
    Hash,
    /// Write an empty, hand-written migration pair.
    New(MigrateNewArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct MigrateUpArgs {
    #[command(flatten)]
    pub target: Target,
    /// Apply only up to this version (inclusive).
    #[arg(long)]
    pub to: Option<i64>,
    /// List what would be applied and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct MigrateDownArgs {
    #[command(flatten)]
    pub target: Target,
    /// Revert every migration newer than this version (it stays applied); 0 reverts all.
    #[arg(long, conflicts_with = "steps")]
    pub to: Option<i64>,
    /// Revert the newest N applied migrations (default 1).
    #[arg(long)]
    pub steps: Option<usize>,
    /// List what would be reverted and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct MigrateListArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct MigrateBaselineArgs {
    #[command(flatten)]
    pub target: Target,
    /// The version the database is at: it and every older migration are recorded.
    pub version: i64,
    /// List what would be recorded and stop (after the check).
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct MigrateHistoryArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Show the audit trail instead: every migrate, rollback, baseline and apply, from
    /// the command line or the service, with its outcome.
    #[arg(long)]
    pub audit: bool,
}

#[derive(Debug, Args)]
pub struct MigrateNewArgs {
    /// The migration's name: letters, digits, `_` and `-`.
    pub name: String,
    /// Only these dialects (repeatable); default every dialect in `dialects:`.
    #[arg(long = "dialect")]
    pub dialects: Vec<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum PlanFormat {
    Text,
    Sql,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum InspectFormat {
    Sql,
    Json,
}

#[derive(Debug, Args)]
pub struct Target {
    /// Environment from sqlshift.yaml.
    #[arg(long)]
    pub env: Option<String>,
    /// Database URL (overrides the environment's): sqlite://PATH, sqlite::memory:, postgres://…
    #[arg(long)]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: Target,
    /// A .sql file or folder of them; repeatable (default: config, else schema/).
    #[arg(long)]
    pub schema: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Allow steps that lose data.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Also write the plan, with fingerprints of both schemas, to this file for
    /// `apply --plan`.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long)]
    pub schema: Vec<PathBuf>,
    /// Run exactly the steps of this plan file (from `plan --out`); refused if the
    /// database changed since it was planned.
    #[arg(long, conflicts_with = "schema")]
    pub plan: Option<PathBuf>,
    /// Allow steps that lose data.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Print the plan and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    pub target: Target,
    #[arg(long, value_enum, default_value_t = InspectFormat::Sql)]
    pub format: InspectFormat,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The current state: a URL, .sql file or folder.
    #[arg(long)]
    pub from: String,
    /// The desired state: a URL, .sql file or folder.
    #[arg(long)]
    pub to: String,
    /// Dialect when neither side is a URL: postgres or sqlite (default postgres).
    #[arg(long)]
    pub dialect: Option<String>,
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
}

/// Parses arguments, runs the command, and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Status::Error as u8);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(status) => ExitCode::from(status as u8),
        Err(f) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.status as u8)
        }
    }
}

pub async fn run(cli: Cli) -> Result<Status, Failure> {
    // Checks report exit 1 only for what they find; a bad config is an error (2) there.
    let check = matches!(
        cli.command,
        Command::Drift(_) | Command::Lint(_) | Command::Health(_)
    );
    let mut settings = settings::Settings::load(cli.config.as_deref()).map_err(|f| {
        if check {
            f.as_error()
        } else {
            f
        }
    })?;
    settings.verbose = cli.verbose;
    match cli.command {
        Command::Plan(a) => plan::run(&settings, a).await,
        Command::Apply(a) => apply::run(&settings, a).await,
        Command::Inspect(a) => inspect::run(&settings, a).await,
        Command::Diff(a) => diff::run(&settings, a).await,
        Command::Generate(a) => generate::run(&settings, a).await,
        Command::Migrate(c) => migrate::run(&settings, c).await,
        Command::Drift(a) => drift::run(&settings, a).await.map_err(Failure::as_error),
        Command::Lint(a) => lint::run(&settings, a).map_err(Failure::as_error),
        Command::Graph(a) => graph::run(&settings, a).await,
        Command::Health(a) => health::run(&settings, a).await.map_err(Failure::as_error),
        Command::Info(a) => info::run(&settings, a),
        Command::Serve(a) => serve::run(&settings, a).await,
    }
}
