//! Versioned migrations on SQLite: the tracking table, and `BEGIN IMMEDIATE` as the lock.
//!
//! The lock is the write transaction itself, so every migration runs inside it as a
//! savepoint: a failing migration rolls back to its savepoint, and releasing the lock
//! commits the migrations that succeeded. Foreign-key enforcement is off while the lock is
//! held (table rebuilds need that; SQLite ignores the switch inside a transaction), and
//! `PRAGMA foreign_key_check` must pass before each migration's savepoint is released.

use super::queries;
use crate::dialect::connection::describe;
use crate::dialect::migrate::{
    quoted_table, split_table, LockHolder, MigrationDbError, Record, Script, ScriptFailure,
    TrackingRow,
};
use crate::dialect::tracking::Spelling;
use crate::dialect::DbError;
use sqlx::{Row, SqliteConnection};
use std::time::{Duration, Instant};

const CREATE_TRACKING: &str = "CREATE TABLE IF NOT EXISTS {table} (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    execution_time_ms INTEGER NOT NULL,
    down_sql TEXT,
    applied_by TEXT NOT NULL
)";

/// The tracking table's SQL as SQLite spells it (run by `dialect::tracking`).
pub(crate) const TRACKING: Spelling = Spelling {
    create: CREATE_TRACKING,
    exists: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
    exists_arg: |table| split_table(table).1.to_string(),
    select: "SELECT version, name, checksum, applied_at, execution_time_ms,
    down_sql, applied_by FROM {table} ORDER BY version",
    insert: "INSERT INTO {table}
    (version, name, checksum, execution_time_ms, down_sql, applied_by)
VALUES (?, ?, ?, ?, ?, ?)",
    delete: "DELETE FROM {table} WHERE version = ?",
    quote: quoted_table,
    audit_create: "CREATE TABLE IF NOT EXISTS {table} (
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    operation TEXT NOT NULL,
    actor TEXT NOT NULL,
    origin TEXT NOT NULL,
    sqlshift_version TEXT NOT NULL,
    request TEXT NOT NULL,
    ran TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT
)",
    audit_insert: "INSERT INTO {table} (operation, actor, origin, sqlshift_version, request, ran, duration_ms, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    audit_select: "SELECT substr(at, 1, 19) || 'Z' AS at, operation, actor, origin, sqlshift_version, request, ran, duration_ms, outcome, error FROM {table} ORDER BY {table}.at",
};

crate::dialect::tracking::functions!(SqliteConnection, TRACKING);

const BUSY_TIMEOUT: &str = "PRAGMA busy_timeout";

const SAVEPOINT: &str = "SAVEPOINT sqlshift_migration";
const RELEASE: &str = "RELEASE sqlshift_migration";
const ROLLBACK_TO: &str = "ROLLBACK TO sqlshift_migration";

const ROLLED_BACK: &str = "nothing of this migration was applied: it was rolled back to its savepoint (the migrations before it stay applied)";

/// How long to pause between attempts when another connection holds the write lock (the
/// driver's busy timeout already waits inside each attempt).
const POLL: Duration = Duration::from_millis(100);

fn db_err(e: sqlx::Error) -> DbError {
    DbError::Apply(describe(&e))
}

fn is_busy(e: &sqlx::Error) -> bool {
    let m = describe(e).to_ascii_lowercase();
    m.contains("locked") || m.contains("busy")
}

pub async fn lock(conn: &mut SqliteConnection, timeout: Duration) -> Result<bool, DbError> {
    sqlx::raw_sql("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    // The driver's busy timeout (5 s) would make one attempt outlast a shorter
    // `migrate_lock_timeout`; each attempt waits at most the time that is left.
    let busy: i64 = sqlx::query_scalar(BUSY_TIMEOUT)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    let start = Instant::now();
    let locked = loop {
        let left = timeout.saturating_sub(start.elapsed());
        let ms = i64::try_from(left.as_millis())
            .unwrap_or(i64::MAX)
            .min(busy);
        if let Err(e) = sqlx::raw_sql(&format!("PRAGMA busy_timeout = {ms}"))
            .execute(&mut *conn)
            .await
        {
            break Err(db_err(e));
        }
        match sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await {
            Ok(_) => break Ok(true),
            Err(e) if is_busy(&e) => {
                if start.elapsed() + POLL >= timeout {
                    break Ok(false);
                }
                tokio::time::sleep(POLL).await;
            }
            Err(e) => break Err(db_err(e)),
        }
    };
    let restored = sqlx::raw_sql(&format!("PRAGMA busy_timeout = {busy}"))
        .execute(&mut *conn)
        .await;
    if !matches!(locked, Ok(true)) {
        let _ = sqlx::raw_sql("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await;
    }
    let locked = locked?;
    restored.map_err(db_err)?;
    Ok(locked)
}

/// Whether another connection holds the write lock: `BEGIN IMMEDIATE` without waiting,
/// rolled back at once when it succeeds. SQLite does not say who holds it.
pub async fn holder(conn: &mut SqliteConnection) -> Result<Option<LockHolder>, DbError> {
    let busy: i64 = sqlx::query_scalar(BUSY_TIMEOUT)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    sqlx::raw_sql("PRAGMA busy_timeout = 0")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let held = match sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await {
        Ok(_) => sqlx::raw_sql("ROLLBACK")
            .execute(&mut *conn)
            .await
            .map(|_| None)
            .map_err(db_err),
        Err(e) if is_busy(&e) => Ok(Some(LockHolder::default())),
        Err(e) => Err(db_err(e)),
    };
    let restored = sqlx::raw_sql(&format!("PRAGMA busy_timeout = {busy}"))
        .execute(&mut *conn)
        .await;
    let held = held?;
    restored.map_err(db_err)?;
    Ok(held)
}

pub async fn unlock(conn: &mut SqliteConnection) -> Result<(), DbError> {
    let committed = sqlx::raw_sql("COMMIT").execute(&mut *conn).await;
    let restored = sqlx::raw_sql("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await;
    committed.map_err(|e| {
        DbError::Apply(format!(
            "committing the migrations failed: {}; none of this run's migrations were applied",
            describe(&e)
        ))
    })?;
    restored.map_err(db_err)?;
    Ok(())
}

pub async fn rows(
    conn: &mut SqliteConnection,
    table: &str,
) -> Result<Option<Vec<TrackingRow>>, DbError> {
    if !exists(conn, table).await? {
        return Ok(None);
    }
    rows_with(conn, table, &TRACKING.sql(TRACKING.select, table))
        .await
        .map(Some)
}

async fn rollback(conn: &mut SqliteConnection) {
    let _ = sqlx::raw_sql(ROLLBACK_TO).execute(&mut *conn).await;
    let _ = sqlx::raw_sql(RELEASE).execute(&mut *conn).await;
}

pub async fn run(
    conn: &mut SqliteConnection,
    table: &str,
    script: &Script<'_>,
    record: &Record<'_>,
) -> Result<i64, MigrationDbError> {
    sqlx::raw_sql(SAVEPOINT)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let start = Instant::now();
    for (i, stmt) in script.statements.iter().enumerate() {
        if let Err(e) = sqlx::raw_sql(&stmt.sql).execute(&mut *conn).await {
            rollback(conn).await;
            return Err(
                ScriptFailure::new(script, i, &stmt.sql, describe(&e), ROLLED_BACK.into()).into(),
            );
        }
    }
    let violations = match sqlx::query(queries::FOREIGN_KEY_CHECK)
        .fetch_all(&mut *conn)
        .await
    {
        Ok(rows) => rows,
        Err(e) => {
            rollback(conn).await;
            return Err(db_err(e).into());
        }
    };
    if !violations.is_empty() {
        let mut tables: Vec<String> = violations
            .iter()
            .filter_map(|r| r.try_get::<String, _>(0).ok())
            .collect();
        tables.dedup();
        rollback(conn).await;
        return Err(DbError::Apply(format!(
            "{}: after the migration, {} row(s) violate foreign keys (in {}); {ROLLED_BACK}",
            script.file,
            violations.len(),
            tables.join(", ")
        ))
        .into());
    }
    let ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
    let written = write_record(conn, table, record, ms).await;
    if let Err(e) = written {
        rollback(conn).await;
        return Err(DbError::Apply(format!(
            "{}: cannot write tracking table {table}: {}; {ROLLED_BACK}",
            script.file,
            describe(&e)
        ))
        .into());
    }
    sqlx::raw_sql(RELEASE)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(ms)
}
