//! The audit trail: every `migrate`, `rollback`, `baseline` and `apply`, from the command
//! line or the service, success or failure, as one row of the audit table that sits next
//! to the tracking table (`<tracking_table>_audit`): who (the OS user, or the API token's
//! name), from where, which sqlshift, what was asked, what ran, how long, the outcome.
//!
//! The row is written after the operation, on a connection of its own, so a failed
//! migration (whose connection may be gone) is recorded too. A row that cannot be written
//! is reported to the caller, never allowed to turn a success into a failure.

use super::migrator::Report;
use super::MigrateError;
use crate::dialect::migrate::AuditRow;
use crate::dialect::{self, Connection};
use std::time::Instant;

/// The audit table for a tracking table.
pub fn table(tracking_table: &str) -> String {
    format!("{tracking_table}_audit")
}

/// Whether a table has the audit table's own columns.
pub fn is_ours(t: &crate::model::Table) -> bool {
    ["operation", "actor", "outcome", "sqlshift_version"]
        .iter()
        .all(|c| t.column(c).is_some())
}

/// Who asked and from where.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub origin: String,
}

impl Actor {
    /// The command line: the OS user at this host.
    pub fn cli() -> Actor {
        Actor {
            name: super::tracking::applied_by(),
            origin: "cli".into(),
        }
    }
}

/// The row for an operation that started at `started`.
pub fn row(
    operation: &str,
    actor: &Actor,
    request: String,
    started: Instant,
    outcome: Result<&[String], &str>,
) -> AuditRow {
    let (ran, outcome, error) = match outcome {
        Ok(ran) => (ran.join(", "), "success", None),
        Err(e) => (String::new(), "failure", Some(e.to_string())),
    };
    AuditRow {
        at: String::new(),
        operation: operation.into(),
        actor: actor.name.clone(),
        origin: actor.origin.clone(),
        sqlshift_version: env!("CARGO_PKG_VERSION").into(),
        request,
        ran,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        outcome: outcome.into(),
        error,
    }
}

/// What a `down` asked for, as the trail records it.
pub fn request_of(target: super::DownTarget) -> String {
    match target {
        super::DownTarget::Steps(n) => format!("down steps {n}"),
        super::DownTarget::To(v) => format!("down to {v}"),
        super::DownTarget::Only(v) => format!("down version {v}"),
    }
}

/// Whether a run is recorded: every one that took the migration lock, succeeded or
/// failed. A run refused because another runner held the lock changed nothing (and on
/// SQLite its row could not be written before that runner finishes).
pub fn recorded(result: &Result<Report, MigrateError>) -> bool {
    !matches!(result, Err(MigrateError::LockTimeout { .. }))
}

/// The row for a migrator run.
pub fn run_row(
    operation: &str,
    actor: &Actor,
    request: String,
    started: Instant,
    result: &Result<Report, MigrateError>,
) -> AuditRow {
    match result {
        Ok(r) => {
            let ran: Vec<String> = r.ran.iter().map(|(id, _)| id.clone()).collect();
            row(operation, actor, request, started, Ok(&ran))
        }
        Err(e) => row(operation, actor, request, started, Err(&e.to_string())),
    }
}

/// Writes the row on a new connection to `url`.
pub async fn write(url: &str, tracking_table: &str, row: &AuditRow) -> Result<(), MigrateError> {
    let mut conn: Connection = dialect::connect(url).await?;
    conn.audit_write(&table(tracking_table), row).await?;
    Ok(())
}

/// The audit rows, oldest first (none when nothing was recorded yet).
pub async fn rows(
    conn: &mut Connection,
    tracking_table: &str,
) -> Result<Vec<AuditRow>, MigrateError> {
    Ok(conn
        .audit_rows(&table(tracking_table))
        .await?
        .unwrap_or_default())
}
