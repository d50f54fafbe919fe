//! The migration contract each dialect fulfils: the tracking table, the migration lock, and
//! running one migration script atomically together with its tracking-table row.
//!
//! The generic engine (`crate::migrate`) only calls the methods below; each dialect's
//! `migrate.rs` holds the SQL. A new dialect adds its own `migrate.rs` and one arm per
//! method here, nothing else.

use super::connection::{Connection, DbError};
use super::{mysql, postgres, sqlite, ExecOptions};
use std::time::Duration;

/// One row of the tracking table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrackingRow {
    pub version: i64,
    pub name: String,
    /// SHA-256 of the up file as applied (BOM and CRLF normalized), hex.
    pub checksum: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub applied_at: String,
    pub execution_time_ms: i64,
    /// The down SQL as it was when the migration was applied.
    pub down_sql: Option<String>,
    /// `user@host` of the runner.
    pub applied_by: String,
}

/// One row of the audit table: an operation that changed (or tried to change) the
/// database, from the command line or the service.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ` (the database's clock; ignored when writing).
    pub at: String,
    /// `migrate`, `rollback`, `baseline` or `apply`.
    pub operation: String,
    /// The OS user (`user@host`) or the API token's name.
    pub actor: String,
    /// Where from: `cli` or the API client's address.
    pub origin: String,
    pub sqlshift_version: String,
    /// What was asked, e.g. `up to 20261202101500`, `steps 1`.
    pub request: String,
    /// The migrations that ran (`version_name`, comma-separated), or the steps of an apply.
    pub ran: String,
    pub duration_ms: i64,
    /// `success` or `failure`.
    pub outcome: String,
    /// The error, for a failure.
    pub error: Option<String>,
}

/// Who holds the migration lock, as far as the server tells.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LockHolder {
    /// The server's id of the holding session (PostgreSQL backend pid, MySQL connection
    /// id); `None` on SQLite, which does not say who holds its write lock.
    pub session: Option<i64>,
    /// The database user of the holding session.
    pub user: Option<String>,
    /// Where the holding session connects from (`address:port`).
    pub client: Option<String>,
    /// PostgreSQL: the session's `application_name`.
    pub application: Option<String>,
    /// PostgreSQL: seconds since the holding session connected; MySQL: seconds the
    /// session has been in its current state.
    pub session_seconds: Option<i64>,
}

/// A migration an interrupted run left part-way (MySQL, where DDL commits as it goes; the
/// transactional dialects never leave one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InProgress {
    pub version: i64,
    pub name: String,
    /// `up` (being applied) or `down` (being reverted).
    pub direction: String,
    pub statements_done: usize,
}

/// One statement of a migration file, with the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub line: usize,
}

/// A migration script ready to run: where it came from (for messages) and its statements.
#[derive(Debug, Clone)]
pub struct Script<'a> {
    /// The file, as shown in messages.
    pub file: &'a str,
    pub statements: &'a [Statement],
    /// False for files that start with `-- sqlshift:no-transaction`.
    pub transactional: bool,
}

/// What to write to the tracking table in the same transaction as the script.
#[derive(Debug, Clone)]
pub enum Record<'a> {
    /// The script applied a migration: insert its row.
    Applied {
        version: i64,
        name: &'a str,
        checksum: &'a str,
        down_sql: Option<&'a str>,
        applied_by: &'a str,
    },
    /// The script reverted a migration: delete its row.
    Reverted { version: i64 },
}

/// Why a script failed, and what state it left.
#[derive(Debug, thiserror::Error)]
#[error(
    "{file}:{line}: statement {index} of {total} failed: {reason}\n  statement: {sql}\n{state}"
)]
pub struct ScriptFailure {
    pub file: String,
    pub line: usize,
    /// 1-based index of the failing statement.
    pub index: usize,
    pub total: usize,
    pub sql: String,
    pub reason: String,
    /// What was left behind (rolled back, or which statements ran).
    pub state: String,
}

impl ScriptFailure {
    pub(crate) fn new(
        script: &Script<'_>,
        index: usize,
        sql: &str,
        reason: String,
        state: String,
    ) -> ScriptFailure {
        let line = script.statements.get(index).map(|s| s.line).unwrap_or(1);
        ScriptFailure {
            file: script.file.to_string(),
            line,
            index: index + 1,
            total: script.statements.len(),
            sql: sql.to_string(),
            reason,
            state,
        }
    }
}

/// Errors of the migration methods: the database, or a failed script.
#[derive(Debug, thiserror::Error)]
pub enum MigrationDbError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Script(#[from] ScriptFailure),
}

/// Splits `schema.table` into its parts; a bare name has no schema.
pub(crate) fn split_table(table: &str) -> (Option<&str>, &str) {
    match table.split_once('.') {
        Some((s, t)) => (Some(s), t),
        None => (None, table),
    }
}

/// The table name quoted for SQL (`"schema"."table"` or `"table"`).
pub(crate) fn quoted_table(table: &str) -> String {
    match split_table(table) {
        (Some(s), t) => format!("{}.{}", super::quote_ident(s), super::quote_ident(t)),
        (None, t) => super::quote_ident(t),
    }
}

impl Connection {
    /// Takes the migration lock, waiting up to `timeout`; `Ok(false)` when it timed out.
    ///
    /// PostgreSQL: a session advisory lock (released when the session ends, so a dropped
    /// connection cannot leak it). SQLite: `BEGIN IMMEDIATE`, held until
    /// [`Connection::migration_unlock`]; migrations then run as savepoints inside it.
    pub async fn migration_lock(
        &mut self,
        table: &str,
        timeout: Duration,
    ) -> Result<bool, DbError> {
        match self {
            Connection::Postgres(c, _) => postgres::migrate::lock(c, table, timeout).await,
            Connection::Sqlite(c, _) => sqlite::migrate::lock(c, timeout).await,
            Connection::Mysql(c, _) => mysql::migrate::lock(c, table, timeout).await,
        }
    }

    /// Releases the migration lock (SQLite: commits the lock's transaction).
    pub async fn migration_unlock(&mut self, table: &str) -> Result<(), DbError> {
        match self {
            Connection::Postgres(c, _) => postgres::migrate::unlock(c, table).await,
            Connection::Sqlite(c, _) => sqlite::migrate::unlock(c).await,
            Connection::Mysql(c, _) => mysql::migrate::unlock(c, table).await,
        }
    }

    /// Who holds the migration lock right now, or `None` when nobody does. Takes nothing;
    /// call it without holding the lock. SQLite reports any write lock on the file (a
    /// migration, an `apply`, or another writer).
    pub async fn migration_lock_holder(
        &mut self,
        table: &str,
    ) -> Result<Option<LockHolder>, DbError> {
        match self {
            Connection::Postgres(c, _) => postgres::migrate::holder(c, table).await,
            Connection::Sqlite(c, _) => sqlite::migrate::holder(c).await,
            Connection::Mysql(c, _) => mysql::migrate::holder(c, table).await,
        }
    }

    /// Migrations an interrupted run left part-way (MySQL only; empty elsewhere).
    pub async fn migrations_in_progress(
        &mut self,
        table: &str,
    ) -> Result<Vec<InProgress>, DbError> {
        match self {
            Connection::Mysql(c, _) => mysql::migrate::in_progress(c, table).await,
            Connection::Postgres(..) | Connection::Sqlite(..) => Ok(Vec::new()),
        }
    }

    /// Appends a row to the audit table `table` (created if missing).
    pub async fn audit_write(&mut self, table: &str, row: &AuditRow) -> Result<(), DbError> {
        match self {
            Connection::Postgres(c, _) => postgres::migrate::audit_write(c, table, row).await,
            Connection::Sqlite(c, _) => sqlite::migrate::audit_write(c, table, row).await,
            Connection::Mysql(c, _) => mysql::migrate::audit_write(c, table, row).await,
        }
    }

    /// The audit table's rows, oldest first, or `None` when it does not exist.
    pub async fn audit_rows(&mut self, table: &str) -> Result<Option<Vec<AuditRow>>, DbError> {
        match self {
            Connection::Postgres(c, _) => postgres::migrate::audit_rows(c, table).await,
            Connection::Sqlite(c, _) => sqlite::migrate::audit_rows(c, table).await,
            Connection::Mysql(c, _) => mysql::migrate::audit_rows(c, table).await,
        }
    }

    /// Creates the tracking table if it does not exist. Call with the lock held.
    pub async fn tracking_ensure(&mut self, table: &str) -> Result<(), DbError> {
        match self {
            Connection::Postgres(c, _) => postgres::migrate::ensure(c, table).await,
            Connection::Sqlite(c, _) => sqlite::migrate::ensure(c, table).await,
            Connection::Mysql(c, _) => mysql::migrate::ensure_tracking(c, table).await,
        }
    }

    /// The tracking table's rows in version order, or `None` when it does not exist.
    pub async fn tracking_rows(
        &mut self,
        table: &str,
    ) -> Result<Option<Vec<TrackingRow>>, DbError> {
        match self {
            Connection::Postgres(c, _) => postgres::migrate::rows(c, table).await,
            Connection::Sqlite(c, _) => sqlite::migrate::rows(c, table).await,
            Connection::Mysql(c, _) => mysql::migrate::rows(c, table).await,
        }
    }

    /// Whether a script may run outside a transaction on this dialect (SQLite runs every
    /// migration inside the lock's transaction; MySQL runs none in one, so the directive
    /// changes nothing there).
    pub fn supports_no_transaction(&self) -> bool {
        self.dialect().caps().no_transaction_migrations
    }

    /// Runs a script and writes `record`, atomically where the dialect allows; returns the
    /// time the statements took, in milliseconds. Call with the lock held.
    pub async fn run_migration(
        &mut self,
        table: &str,
        script: &Script<'_>,
        record: &Record<'_>,
        opts: &ExecOptions,
    ) -> Result<i64, MigrationDbError> {
        match self {
            Connection::Postgres(c, _) => {
                postgres::migrate::run(c, table, script, record, opts).await
            }
            Connection::Sqlite(c, _) => sqlite::migrate::run(c, table, script, record).await,
            Connection::Mysql(c, _) => mysql::migrate::run(c, table, script, record).await,
        }
    }

    /// Creates a database on this server (for scratch replays).
    pub async fn create_database(&mut self, name: &str) -> Result<(), DbError> {
        let sql = format!("CREATE DATABASE {}", self.dialect().quote_ident(name));
        self.run_script(&sql).await
    }

    /// Drops a database on this server if it exists, disconnecting its sessions.
    pub async fn drop_database(&mut self, name: &str) -> Result<(), DbError> {
        let sql = match self {
            Connection::Postgres(..) => postgres::migrate::drop_database_sql(name),
            Connection::Mysql(..) => mysql::migrate::drop_database_sql(name),
            Connection::Sqlite(..) => return Ok(()),
        };
        self.run_script(&sql).await
    }
}
