//! Versioned migrations on PostgreSQL: the tracking table, a session advisory lock, and
//! each migration in its own transaction (or in autocommit when the file opts out).

use super::execute::{is_transient, Backoff};
use crate::dialect::connection::describe;
use crate::dialect::migrate::{
    quoted_table, LockHolder, MigrationDbError, Record, Script, ScriptFailure, TrackingRow,
};
use crate::dialect::tracking::Spelling;
use crate::dialect::writer::quote_literal;
use crate::dialect::{DbError, ExecOptions};
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, Row};
use std::time::{Duration, Instant};

/// Creates the tracking table; `{table}` is replaced by the quoted name.
const CREATE_TRACKING: &str = "CREATE TABLE IF NOT EXISTS {table} (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    execution_time_ms BIGINT NOT NULL,
    down_sql TEXT,
    applied_by TEXT NOT NULL
)";

/// The tracking table's SQL as PostgreSQL spells it (run by `dialect::tracking`).
pub(crate) const TRACKING: Spelling = Spelling {
    create: CREATE_TRACKING,
    exists: "SELECT (to_regclass($1) IS NOT NULL)::int4::int8",
    exists_arg: quoted_table,
    select: "SELECT version, name, checksum,
    to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS applied_at,
    execution_time_ms, down_sql, applied_by
FROM {table} ORDER BY version",
    insert: "INSERT INTO {table}
    (version, name, checksum, execution_time_ms, down_sql, applied_by)
VALUES ($1, $2, $3, $4, $5, $6)",
    delete: "DELETE FROM {table} WHERE version = $1",
    quote: quoted_table,
    audit_create: "CREATE TABLE IF NOT EXISTS {table} (
    at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    operation TEXT NOT NULL,
    actor TEXT NOT NULL,
    origin TEXT NOT NULL,
    sqlshift_version TEXT NOT NULL,
    request TEXT NOT NULL,
    ran TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    error TEXT
)",
    audit_insert: "INSERT INTO {table} (operation, actor, origin, sqlshift_version, request, ran, duration_ms, outcome, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    audit_select: "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at, operation, actor, origin, sqlshift_version, request, ran, duration_ms, outcome, error FROM {table} ORDER BY {table}.at",
};

crate::dialect::tracking::functions!(PgConnection, TRACKING);

const TRY_LOCK: &str = "SELECT pg_try_advisory_lock($1)";
const UNLOCK: &str = "SELECT pg_advisory_unlock($1)";

/// The session holding the advisory lock: a bigint key is stored as its high and low 32
/// bits in `classid` and `objid`, with `objsubid = 1`.
const HOLDER: &str = "SELECT l.pid::int8 AS pid, a.usename::text AS usename,
    host(a.client_addr) || ':' || a.client_port AS client, a.application_name::text AS application,
    EXTRACT(EPOCH FROM now() - a.backend_start)::int8 AS seconds
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.classid::int8 = $1 AND l.objid::int8 = $2
LIMIT 1";

/// How often a waiting runner asks for the lock again.
const POLL: Duration = Duration::from_millis(200);

/// The advisory lock key: one per tracking table, so that projects sharing a server with
/// different tracking tables do not wait for each other, and distinct from `apply`'s key.
fn lock_key(table: &str) -> i64 {
    let digest = Sha256::digest(format!("sqlshift migrate {table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

fn db_err(e: sqlx::Error) -> DbError {
    DbError::Apply(describe(&e))
}

pub async fn lock(
    conn: &mut PgConnection,
    table: &str,
    timeout: Duration,
) -> Result<bool, DbError> {
    let key = lock_key(table);
    let start = Instant::now();
    loop {
        let got: bool = sqlx::query_scalar(TRY_LOCK)
            .bind(key)
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
        if got {
            return Ok(true);
        }
        if start.elapsed() >= timeout {
            return Ok(false);
        }
        tokio::time::sleep(POLL).await;
    }
}

pub async fn holder(conn: &mut PgConnection, table: &str) -> Result<Option<LockHolder>, DbError> {
    let key = lock_key(table);
    let row = sqlx::query(HOLDER)
        .bind(key >> 32 & 0xffff_ffff)
        .bind(key & 0xffff_ffff)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(LockHolder {
        session: r.try_get("pid").map_err(db_err)?,
        user: r.try_get("usename").map_err(db_err)?,
        client: r.try_get("client").map_err(db_err)?,
        application: r
            .try_get::<Option<String>, _>("application")
            .map_err(db_err)?
            .filter(|a| !a.is_empty()),
        session_seconds: r.try_get("seconds").map_err(db_err)?,
    }))
}

pub async fn unlock(conn: &mut PgConnection, table: &str) -> Result<(), DbError> {
    sqlx::query_scalar::<_, bool>(UNLOCK)
        .bind(lock_key(table))
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn rows(
    conn: &mut PgConnection,
    table: &str,
) -> Result<Option<Vec<TrackingRow>>, DbError> {
    if !exists(conn, table).await? {
        return Ok(None);
    }
    rows_with(conn, table, &TRACKING.sql(TRACKING.select, table))
        .await
        .map(Some)
}

pub async fn run(
    conn: &mut PgConnection,
    table: &str,
    script: &Script<'_>,
    record: &Record<'_>,
    opts: &ExecOptions,
) -> Result<i64, MigrationDbError> {
    if script.transactional {
        // A transient failure (a lock timeout, a deadlock, a serialization failure) rolls
        // the whole migration back; it is tried again from its start, as `apply` does.
        let mut backoff = Backoff::new(opts);
        loop {
            match run_transaction(conn, table, script, record, opts).await {
                Err(Attempt::Transient(f, e)) if backoff.retry(script.file, &e).await => drop(f),
                Err(Attempt::Transient(f, _)) => return Err(retried(f, backoff.tries()).into()),
                Err(Attempt::Failed(e)) => return Err(e),
                Ok(ms) => return Ok(ms),
            }
        }
    } else {
        // Outside a transaction the timeouts hold for the session, for this file only.
        let settings = super::execute::session_settings(opts);
        for s in &settings {
            sqlx::raw_sql(s).execute(&mut *conn).await.map_err(db_err)?;
        }
        let result = run_autocommit(conn, table, script, record, opts).await;
        if !settings.is_empty() {
            let _ = sqlx::raw_sql("RESET lock_timeout; RESET statement_timeout")
                .execute(&mut *conn)
                .await;
        }
        result
    }
}

/// Why one try of a migration failed: a transient failure is worth another.
enum Attempt {
    Transient(ScriptFailure, sqlx::Error),
    Failed(MigrationDbError),
}

impl<E: Into<MigrationDbError>> From<E> for Attempt {
    fn from(e: E) -> Attempt {
        Attempt::Failed(e.into())
    }
}

/// The failure, saying how often it was tried.
fn retried(mut f: ScriptFailure, tries: u32) -> ScriptFailure {
    if tries > 0 {
        f.reason.push_str(&format!(
            " (tried {} times, waiting longer each time)",
            tries + 1
        ));
    }
    f
}

async fn run_transaction(
    conn: &mut PgConnection,
    table: &str,
    script: &Script<'_>,
    record: &Record<'_>,
    opts: &ExecOptions,
) -> Result<i64, Attempt> {
    const ROLLED_BACK: &str =
        "nothing of this migration was applied: its transaction was rolled back";
    sqlx::raw_sql("BEGIN")
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    let mut settings = Vec::new();
    if let Some(t) = &opts.lock_timeout {
        settings.push(format!("SET LOCAL lock_timeout = {}", quote_literal(t)));
    }
    if let Some(t) = &opts.statement_timeout {
        settings.push(format!(
            "SET LOCAL statement_timeout = {}",
            quote_literal(t)
        ));
    }
    for s in &settings {
        if let Err(e) = sqlx::raw_sql(s).execute(&mut *conn).await {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            return Err(db_err(e).into());
        }
    }
    let start = Instant::now();
    for (i, stmt) in script.statements.iter().enumerate() {
        if let Err(e) = sqlx::raw_sql(&stmt.sql).execute(&mut *conn).await {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            let f = ScriptFailure::new(script, i, &stmt.sql, describe(&e), ROLLED_BACK.into());
            return Err(if is_transient(&e) {
                Attempt::Transient(f, e)
            } else {
                f.into()
            });
        }
    }
    let ms = elapsed_ms(start);
    if let Err(e) = write_record(conn, table, record, ms).await {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
        return Err(DbError::Apply(format!(
            "{}: cannot write tracking table {table}: {}; {ROLLED_BACK}",
            script.file,
            describe(&e)
        ))
        .into());
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            DbError::Apply(format!(
                "{}: COMMIT failed: {}; {ROLLED_BACK}",
                script.file,
                describe(&e)
            ))
        })?;
    Ok(ms)
}

/// Statement by statement; one that timed out waiting for a lock is tried again on its
/// own (those before it are committed).
async fn run_autocommit(
    conn: &mut PgConnection,
    table: &str,
    script: &Script<'_>,
    record: &Record<'_>,
    opts: &ExecOptions,
) -> Result<i64, MigrationDbError> {
    let start = Instant::now();
    for (i, stmt) in script.statements.iter().enumerate() {
        let mut backoff = Backoff::new(opts);
        let result = loop {
            match sqlx::raw_sql(&stmt.sql).execute(&mut *conn).await {
                Err(e) if backoff.retry(script.file, &e).await => {}
                other => break other,
            }
        };
        if let Err(e) = result {
            let state = if i == 0 {
                "nothing of this migration was applied; it is not recorded as applied".to_string()
            } else {
                format!(
                    "the file opts out of transactions (-- sqlshift:no-transaction): statements 1-{i} ran and stay applied, and the migration is not recorded; finish or undo them by hand, then run the command again"
                )
            };
            let f = ScriptFailure::new(script, i, &stmt.sql, describe(&e), state);
            return Err(retried(f, backoff.tries()).into());
        }
    }
    let ms = elapsed_ms(start);
    write_record(conn, table, record, ms).await.map_err(|e| {
        DbError::Apply(format!(
            "{}: every statement ran, but the tracking table {table} could not be updated: {}; record it by hand or undo the statements",
            script.file,
            describe(&e)
        ))
    })?;
    Ok(ms)
}

fn elapsed_ms(start: Instant) -> i64 {
    i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX)
}

/// Drops a scratch database, ending sessions still connected to it.
pub fn drop_database_sql(name: &str) -> String {
    format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        crate::dialect::quote_ident(name)
    )
}
