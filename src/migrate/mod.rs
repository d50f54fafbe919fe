//! Versioned migrations: files and their naming ([`files`]), the integrity file
//! ([`sum`]), statement splitting ([`script`]), the tracking table ([`tracking`]), the
//! engine that applies and reverts ([`migrator`]), scratch databases and replay
//! ([`replay`]), and generation from schema edits ([`generate`]).
//!
//! Dialect-generic: everything dialect-specific (the tracking table's SQL, the lock, how a
//! migration runs atomically) is behind the migration methods of
//! [`crate::dialect::Connection`], implemented in each dialect's `migrate.rs`.

pub mod audit;
pub mod files;
pub mod generate;
pub mod health;
pub mod migrator;
pub mod replay;
pub mod report;
pub mod script;
pub mod sum;
pub mod tracking;

pub use files::{Directory, Migration};
pub use migrator::{DownTarget, Options, Progress, Quiet, Report};

use crate::dialect::DbError;
use crate::parse::ParseError;
use sum::SumError;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("`{name}` is not a valid migration name: use letters, digits, `_` and `-` (e.g. add_orders)")]
    BadName { name: String },
    #[error("{file}: not a migration file name; name migrations `<version>_<name>.up.sql` and `<version>_<name>.down.sql` (or move the file out of the migrations folder)")]
    BadFileName { file: String },
    #[error("{first} and {second} have the same version {version}; give one of them a new version (rename the file, then run `sqlshift migrate hash`)")]
    DuplicateVersion {
        version: i64,
        first: String,
        second: String,
    },
    #[error("{file}:{line}:{col}: not UTF-8 text; save the migration as UTF-8 (sqlshift never runs a file whose characters it would have to guess)")]
    NotUtf8 {
        file: String,
        line: usize,
        col: usize,
    },
    #[error("the migrations folder `{dir}` does not exist: run sqlshift from the project folder, set `migrations:` in sqlshift.yaml, or create the first migration with `sqlshift generate NAME` (or `sqlshift migrate new NAME`)")]
    MissingDir { dir: String },
    #[error("{file}: a down migration without its up file {up}")]
    OrphanDown { file: String, up: String },
    #[error("{file} already exists; nothing was written")]
    Exists { file: String },
    #[error("`{name}` is not a valid tracking table name: use `table` or `schema.table` with letters, digits and `_`")]
    BadTrackingTable { name: String },
    #[error(transparent)]
    Sum(#[from] SumError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("timed out after {waited} waiting for the migration lock on {url}: another `sqlshift migrate` is running there; try again when it has finished (or raise migrate_lock_timeout)")]
    LockTimeout { url: String, waited: String },
    #[error("refusing to run: applied migration(s) no longer match their files:\n{list}\n  An applied migration must not change: restore the file as it was applied (from version control) and put the change in a new migration")]
    Changed { list: String },
    #[error("refusing to run: the database has applied migration(s) with no file in {dir}:\n{list}\n  Restore the files from version control (or the branch that added them), or check that --env/--url names the right database")]
    MissingFiles { dir: String, list: String },
    #[error("--to {version}: no migration in {dir} has that version")]
    UnknownVersion { version: i64, dir: String },
    #[error("--to {version}: that version is not applied")]
    NotApplied { version: i64 },
    #[error("cannot revert {id} alone: newer applied migrations may depend on it: {list}; revert those first")]
    NewerApplied { id: String, list: String },
    #[error("cannot revert {list}: no down SQL was recorded when it was applied (it had no .down.sql file); revert it by hand")]
    NoDownSql { list: String },
    #[error("{file}: starts with `-- sqlshift:no-transaction`, but {dialect} runs every migration inside the migration lock's transaction; remove the directive")]
    NoTransactionUnsupported { file: String, dialect: &'static str },
    #[error("migration {id} failed ({command}): {detail}\n{before}; fix the problem and run `sqlshift migrate {command}` again")]
    Failed {
        id: String,
        detail: String,
        before: String,
        command: String,
    },
    #[error("generating for {dialect} needs a server to create a scratch database on: set `dev_urls: {{ {dialect}: URL }}` in sqlshift.yaml")]
    NoDevUrl { dialect: &'static str },
    #[error("dev_urls.{dialect} is not a valid URL: {reason}")]
    BadDevUrl {
        dialect: &'static str,
        reason: String,
    },
    #[error("{dialect} scratch database: {reason}")]
    Scratch {
        dialect: &'static str,
        reason: String,
    },
    #[error("replaying {dir} on an empty scratch database failed: {reason}\n  The existing migrations must apply cleanly in version order; fix them first")]
    Replay { dir: String, reason: String },
    #[error("{dialect}: the generated migration failed verification on the scratch database while {stage}: {detail}\nNothing was written. Either rows that the existing migrations insert do not fit the new schema (write a migration that fixes them first: `sqlshift migrate new NAME`), or sqlshift planned this change wrongly (please report it with the schema edit)")]
    Verify {
        dialect: &'static str,
        stage: String,
        detail: String,
    },
}

impl MigrateError {
    /// True when the input, the files or the database refused (exit 1); false for
    /// connection and internal errors (exit 2).
    pub fn is_refusal(&self) -> bool {
        match self {
            MigrateError::Db(e) => e.is_refusal() || matches!(e, DbError::Scheme(_)),
            MigrateError::Sum(SumError::Io { .. }) => false,
            MigrateError::Io { .. }
            | MigrateError::LockTimeout { .. }
            | MigrateError::Scratch { .. } => false,
            MigrateError::Replay { .. } => true,
            _ => true,
        }
    }
}
