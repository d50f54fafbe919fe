//! Versioned migrations on MySQL/MariaDB: the tracking table, `GET_LOCK` for the
//! migration lock, and each migration's statements run one by one (MySQL commits DDL as
//! it goes), with progress recorded per statement so an interrupted run resumes.
//!
//! A migration being applied has its tracking row with `progress = 'up'` from before its
//! first statement; one being reverted has `progress = 'down'`. `statements_done` counts
//! the statements that ran and `done_sha` hashes their text, so a resumed run only skips
//! statements that are still the same. A data statement (INSERT/UPDATE/DELETE/REPLACE)
//! runs in one transaction with its progress update. DDL cannot (MySQL commits it on its
//! own), so before one runs `statement_fingerprint` records a hash of the database's
//! definitions: a run that finds a fingerprint left behind compares it with the live
//! database and knows whether the interrupted statement took effect.

use super::types::quote;
use crate::dialect::connection::describe;
use crate::dialect::migrate::{
    InProgress, LockHolder, MigrationDbError, Record, Script, ScriptFailure, Statement, TrackingRow,
};
use crate::dialect::tracking::Spelling;
use crate::dialect::DbError;
use sqlx::{MySqlConnection, Row};
use std::time::{Duration, Instant};

const CREATE_TRACKING: &str = "CREATE TABLE IF NOT EXISTS {table} (
    version BIGINT NOT NULL PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    checksum VARCHAR(64) NOT NULL,
    applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    execution_time_ms BIGINT NOT NULL,
    down_sql LONGTEXT NULL,
    applied_by VARCHAR(255) NOT NULL
)";

/// Columns added to tracking tables made before progress was recorded.
const PROGRESS_COLUMNS: &[(&str, &str)] = &[
    ("progress", "VARCHAR(8) NULL"),
    ("statements_done", "INT NULL"),
    ("done_sha", "CHAR(64) NULL"),
    ("statement_fingerprint", "CHAR(64) NULL"),
];

const MISSING_COLUMNS: &str = "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?";

/// The definitions of everything in the database (not its data), to tell whether a DDL
/// statement took effect. Volatile columns (row counts, AUTO_INCREMENT, times) are left out.
const FINGERPRINT: &str = "SELECT CONCAT_WS('|', 'T', TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT) AS d FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() \
UNION ALL SELECT CONCAT_WS('|', 'C', TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_DEFAULT, IS_NULLABLE, COLUMN_TYPE, COLLATION_NAME, EXTRA, COLUMN_COMMENT, GENERATION_EXPRESSION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
UNION ALL SELECT CONCAT_WS('|', 'I', TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME, NON_UNIQUE, SUB_PART, INDEX_TYPE) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
UNION ALL SELECT CONCAT_WS('|', 'K', TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE) FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() \
UNION ALL SELECT CONCAT_WS('|', 'R', ROUTINE_TYPE, ROUTINE_NAME, ROUTINE_DEFINITION) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() \
UNION ALL SELECT CONCAT_WS('|', 'G', TRIGGER_NAME, ACTION_STATEMENT) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_SCHEMA = DATABASE() \
UNION ALL SELECT CONCAT_WS('|', 'V', TABLE_NAME, VIEW_DEFINITION) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";

/// The tracking table's SQL as MySQL spells it (run by `dialect::tracking`). Reading
/// leaves out rows of migrations still being applied. An applied migration's row is
/// inserted as started (`progress = 'up'`, no statement done: `done_sha` is the hash of
/// nothing) before its first statement runs, and [`finish_progress`] clears that.
pub(crate) const TRACKING: Spelling = Spelling {
    create: CREATE_TRACKING,
    exists: "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    exists_arg: |table| table.to_string(),
    select: "SELECT version, name, checksum,
    DATE_FORMAT(CONVERT_TZ(applied_at, @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ') AS applied_at,
    execution_time_ms, down_sql, applied_by
FROM {table} WHERE progress IS NULL OR progress = 'down' ORDER BY version",
    insert: "INSERT INTO {table}
    (version, name, checksum, execution_time_ms, down_sql, applied_by, progress, statements_done, done_sha)
VALUES (?, ?, ?, ?, ?, ?, 'up', 0, SHA2('', 256))",
    delete: "DELETE FROM {table} WHERE version = ?",
    quote,
    audit_create: "CREATE TABLE IF NOT EXISTS {table} (
    at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    operation VARCHAR(16) NOT NULL,
    actor VARCHAR(255) NOT NULL,
    origin VARCHAR(255) NOT NULL,
    sqlshift_version VARCHAR(32) NOT NULL,
    request TEXT NOT NULL,
    ran TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    outcome VARCHAR(16) NOT NULL,
    error TEXT NULL
)",
    audit_insert: "INSERT INTO {table} (operation, actor, origin, sqlshift_version, request, ran, duration_ms, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    audit_select: "SELECT DATE_FORMAT(CONVERT_TZ(at, @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ') AS at, operation, actor, origin, sqlshift_version, request, ran, duration_ms, outcome, error FROM {table} ORDER BY {table}.at",
};

crate::dialect::tracking::functions!(MySqlConnection, TRACKING);

/// A migration left part-way by an interrupted run.
const IN_PROGRESS: &str = "SELECT version, name, progress, statements_done, done_sha, statement_fingerprint FROM {table} WHERE progress IS NOT NULL";

fn sql(template: &str, table: &str) -> String {
    TRACKING.sql(template, table)
}

/// One lock per database and tracking table (`GET_LOCK` names are server-wide).
async fn lock_name(conn: &mut MySqlConnection, table: &str) -> Result<String, DbError> {
    super::execute::lock_name(conn, &format!("migrate_{table}"))
        .await
        .map(|mut n| {
            n.truncate(64);
            n
        })
}

fn db_err(e: sqlx::Error) -> DbError {
    crate::dialect::connection::db_error(&e, describe(&e))
}

pub async fn lock(
    conn: &mut MySqlConnection,
    table: &str,
    timeout: Duration,
) -> Result<bool, DbError> {
    let name = lock_name(conn, table).await?;
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
        .bind(name)
        .bind(timeout.as_secs_f64())
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(got == Some(1))
}

/// The connection holding the lock, with what the process list says about it (a holder
/// the login may not see is still reported, by its id).
pub async fn holder(
    conn: &mut MySqlConnection,
    table: &str,
) -> Result<Option<LockHolder>, DbError> {
    let name = lock_name(conn, table).await?;
    let row = sqlx::query(
        "SELECT CAST(l.id AS SIGNED) AS id, p.USER AS user, p.HOST AS host, CAST(p.TIME AS SIGNED) AS seconds
         FROM (SELECT IS_USED_LOCK(?) AS id) l
         LEFT JOIN information_schema.PROCESSLIST p ON p.ID = l.id",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await
    .map_err(db_err)?;
    let id: Option<i64> = row.try_get("id").map_err(db_err)?;
    if id.is_none() {
        return Ok(None);
    }
    Ok(Some(LockHolder {
        session: id,
        user: row.try_get("user").map_err(db_err)?,
        client: row.try_get("host").map_err(db_err)?,
        application: None,
        session_seconds: row.try_get("seconds").map_err(db_err)?,
    }))
}

pub async fn unlock(conn: &mut MySqlConnection, table: &str) -> Result<(), DbError> {
    let name = lock_name(conn, table).await?;
    sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Creates the tracking table, and adds the progress columns to one made before them.
pub async fn ensure_tracking(conn: &mut MySqlConnection, table: &str) -> Result<(), DbError> {
    ensure(conn, table).await?;
    add_progress_columns(conn, table).await
}

/// Brings a tracking table made by an older sqlshift up to date; its rows stay valid
/// (NULL progress is a migration applied in full).
async fn add_progress_columns(conn: &mut MySqlConnection, table: &str) -> Result<(), DbError> {
    let have: Vec<String> = sqlx::query_scalar(MISSING_COLUMNS)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    let missing: Vec<String> = PROGRESS_COLUMNS
        .iter()
        .filter(|(c, _)| !have.iter().any(|h| h.eq_ignore_ascii_case(c)))
        .map(|(c, ty)| format!("ADD COLUMN {c} {ty}"))
        .collect();
    if !missing.is_empty() {
        let alter = format!("ALTER TABLE {} {}", quote(table), missing.join(", "));
        sqlx::raw_sql(&alter)
            .execute(&mut *conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

pub async fn rows(
    conn: &mut MySqlConnection,
    table: &str,
) -> Result<Option<Vec<TrackingRow>>, DbError> {
    if !exists(conn, table).await? {
        return Ok(None);
    }
    // Reading never alters; a table without the progress columns has no partial rows.
    let have: Vec<String> = sqlx::query_scalar(MISSING_COLUMNS)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    let select = TRACKING.sql(TRACKING.select, table);
    let select = if have.iter().any(|h| h.eq_ignore_ascii_case("progress")) {
        select
    } else {
        select.replace("WHERE progress IS NULL OR progress = 'down' ", "")
    };
    rows_with(conn, table, &select).await.map(Some)
}

/// A migration an interrupted run left part-way, as its tracking row records it.
struct Partial {
    version: i64,
    name: String,
    /// `up` or `down`.
    direction: String,
    done: usize,
    done_sha: Option<String>,
    fingerprint: Option<String>,
}

async fn partials(conn: &mut MySqlConnection, table: &str) -> Result<Vec<Partial>, DbError> {
    let rows = sqlx::query(&sql(IN_PROGRESS, table))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    let mut out = Vec::new();
    for r in rows {
        let get = |e: sqlx::Error| {
            DbError::Apply(format!(
                "cannot read tracking table {table}: {}",
                describe(&e)
            ))
        };
        let done: Option<i64> = r.try_get("statements_done").map_err(get)?;
        out.push(Partial {
            version: r.try_get("version").map_err(get)?,
            name: r.try_get("name").map_err(get)?,
            direction: r.try_get("progress").map_err(get)?,
            done: usize::try_from(done.unwrap_or(0)).unwrap_or(0),
            done_sha: r.try_get("done_sha").map_err(get)?,
            fingerprint: r.try_get("statement_fingerprint").map_err(get)?,
        });
    }
    Ok(out)
}

/// The migrations an interrupted run left part-way (none when the tracking table does not
/// exist or predates progress recording).
pub async fn in_progress(
    conn: &mut MySqlConnection,
    table: &str,
) -> Result<Vec<InProgress>, DbError> {
    let have: Vec<String> = sqlx::query_scalar(MISSING_COLUMNS)
        .bind(table)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    if !have.iter().any(|h| h.eq_ignore_ascii_case("progress")) {
        return Ok(Vec::new());
    }
    Ok(partials(conn, table)
        .await?
        .into_iter()
        .map(|p| InProgress {
            version: p.version,
            name: p.name,
            direction: p.direction,
            statements_done: p.done,
        })
        .collect())
}

/// SHA-256 over the text of the first `n` statements.
fn prefix_sha(statements: &[Statement], n: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for s in statements.iter().take(n) {
        h.update(s.sql.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash of every definition in the database (see [`FINGERPRINT`]).
async fn fingerprint(conn: &mut MySqlConnection) -> Result<String, sqlx::Error> {
    use sha2::{Digest, Sha256};
    let mut lines: Vec<Option<String>> = sqlx::query_scalar(FINGERPRINT)
        .fetch_all(&mut *conn)
        .await?;
    lines.sort();
    let mut h = Sha256::new();
    for l in lines.iter().flatten() {
        h.update(l.as_bytes());
        h.update([0u8]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Statements that change rows only, which InnoDB can commit together with the progress.
fn is_data(sql: &str) -> bool {
    let mut rest = sql.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(word.as_str(), "INSERT" | "UPDATE" | "DELETE" | "REPLACE")
}

fn direction_of(record: &Record<'_>) -> (i64, &'static str) {
    match record {
        Record::Applied { version, .. } => (*version, "up"),
        Record::Reverted { version } => (*version, "down"),
    }
}

async fn set_progress(
    conn: &mut MySqlConnection,
    table: &str,
    version: i64,
    done: usize,
    sha: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "UPDATE {} SET statements_done = ?, done_sha = ?, statement_fingerprint = NULL WHERE version = ?",
        quote(table)
    ))
    .bind(i64::try_from(done).unwrap_or(i64::MAX))
    .bind(sha)
    .bind(version)
    .execute(&mut *conn)
    .await
    .map(|_| ())
}

/// Marks the migration as started (its row with `progress`), before its first statement.
async fn begin_progress(
    conn: &mut MySqlConnection,
    table: &str,
    record: &Record<'_>,
    sha: &str,
) -> Result<(), sqlx::Error> {
    match record {
        // The spelling's insert writes the row as started.
        Record::Applied { .. } => write_record(conn, table, record, 0).await,
        Record::Reverted { version } => sqlx::query(&format!(
            "UPDATE {} SET progress = 'down', statements_done = 0, done_sha = ?, statement_fingerprint = NULL WHERE version = ?",
            quote(table)
        ))
        .bind(sha)
        .bind(version)
        .execute(&mut *conn)
        .await
        .map(|_| ()),
    }
}

/// The migration ran in full: its row becomes a plain applied row (or goes, for a revert).
async fn finish_progress(
    conn: &mut MySqlConnection,
    table: &str,
    record: &Record<'_>,
    ms: i64,
) -> Result<(), sqlx::Error> {
    match record {
        Record::Applied {
            version,
            name,
            checksum,
            down_sql,
            applied_by,
        } => {
            sqlx::query(&format!(
                "UPDATE {} SET name = ?, checksum = ?, down_sql = ?, applied_by = ?, execution_time_ms = ?, applied_at = CURRENT_TIMESTAMP, progress = NULL, statements_done = NULL, done_sha = NULL, statement_fingerprint = NULL WHERE version = ?",
                quote(table)
            ))
            .bind(name)
            .bind(checksum)
            .bind(down_sql)
            .bind(applied_by)
            .bind(ms)
            .bind(version)
            .execute(&mut *conn)
            .await?;
        }
        Record::Reverted { .. } => write_record(conn, table, record, ms).await?,
    }
    Ok(())
}

/// Nothing of the migration ran: its row goes back to how it was before the run.
async fn undo_progress(
    conn: &mut MySqlConnection,
    table: &str,
    record: &Record<'_>,
) -> Result<(), sqlx::Error> {
    let sql = match record {
        Record::Applied { .. } => format!(
            "DELETE FROM {} WHERE version = ? AND progress = 'up'",
            quote(table)
        ),
        Record::Reverted { .. } => format!(
            "UPDATE {} SET progress = NULL, statements_done = NULL, done_sha = NULL, statement_fingerprint = NULL WHERE version = ?",
            quote(table)
        ),
    };
    sqlx::query(&sql)
        .bind(direction_of(record).0)
        .execute(&mut *conn)
        .await
        .map(|_| ())
}

fn statement_list(script: &Script<'_>, n: usize) -> String {
    script
        .statements
        .iter()
        .take(n)
        .enumerate()
        .map(|(i, s)| format!("  ran {}: {}", i + 1, s.sql.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs one statement and records it as done: a data statement in one transaction with
/// its progress; DDL after recording the fingerprint it will change.
async fn run_one(
    conn: &mut MySqlConnection,
    table: &str,
    version: i64,
    stmt: &str,
    done: usize,
    sha: &str,
) -> Result<(), (bool, sqlx::Error)> {
    use sqlx::Connection as _;
    if is_data(stmt) {
        let mut tx = conn.begin().await.map_err(|e| (false, e))?;
        sqlx::raw_sql(stmt)
            .execute(&mut *tx)
            .await
            .map_err(|e| (true, e))?;
        set_progress(&mut tx, table, version, done, sha)
            .await
            .map_err(|e| (false, e))?;
        return tx.commit().await.map_err(|e| (false, e));
    }
    let fp = fingerprint(conn).await.map_err(|e| (false, e))?;
    sqlx::query(&format!(
        "UPDATE {} SET statement_fingerprint = ? WHERE version = ?",
        quote(table)
    ))
    .bind(&fp)
    .bind(version)
    .execute(&mut *conn)
    .await
    .map_err(|e| (false, e))?;
    sqlx::raw_sql(stmt)
        .execute(&mut *conn)
        .await
        .map_err(|e| (true, e))?;
    set_progress(conn, table, version, done, sha)
        .await
        .map_err(|e| (false, e))
}

/// Runs the statements in order, recording each one as done in the tracking row (MySQL
/// commits DDL as it goes); a run that was interrupted is resumed after its last
/// completed statement.
pub async fn run(
    conn: &mut MySqlConnection,
    table: &str,
    script: &Script<'_>,
    record: &Record<'_>,
) -> Result<i64, MigrationDbError> {
    let start = Instant::now();
    let (version, direction) = direction_of(record);
    let total = script.statements.len();
    let partial = partials(conn, table).await?;
    if let Some(p) = partial
        .iter()
        .find(|p| p.version != version || p.direction != direction)
    {
        return Err(DbError::Apply(format!(
            "migration {}_{} was interrupted while being {} and is part-way done: {} of its statements ran and are recorded in {table}; run `sqlshift migrate {}` to finish it first",
            p.version,
            p.name,
            if p.direction == "down" { "reverted" } else { "applied" },
            p.done,
            p.direction
        ))
        .into());
    }
    let mut done = 0;
    match partial.first() {
        Some(p) => {
            done = p.done.min(total);
            if p.done > total
                || p.done_sha.as_deref() != Some(prefix_sha(script.statements, done).as_str())
            {
                return Err(DbError::Apply(format!(
                    "{}: an interrupted run executed its first {} statement(s), but the file no longer starts with them; restore them (they are applied and recorded in {table}) and run `sqlshift migrate {direction}` again to continue with statement {}",
                    script.file,
                    p.done,
                    p.done + 1
                ))
                .into());
            }
            if let (Some(fp), Some(next)) = (&p.fingerprint, script.statements.get(done)) {
                // The interrupted run was inside this DDL statement: it took effect iff
                // the definitions changed since.
                if !is_data(&next.sql) && &fingerprint(conn).await.map_err(db_err)? != fp {
                    done += 1;
                    set_progress(
                        conn,
                        table,
                        version,
                        done,
                        &prefix_sha(script.statements, done),
                    )
                    .await
                    .map_err(db_err)?;
                }
            }
        }
        None => begin_progress(conn, table, record, &prefix_sha(script.statements, 0))
            .await
            .map_err(db_err)?,
    }
    let resumed = done;
    for i in done..total {
        let stmt = &script.statements[i];
        let sha = prefix_sha(script.statements, i + 1);
        if let Err((failed_itself, e)) = run_one(conn, table, version, &stmt.sql, i + 1, &sha).await
        {
            let lost = crate::dialect::connection::is_connection_lost(&e);
            if !failed_itself || lost {
                return Err(crate::dialect::connection::db_error(&e, format!(
                    "{}: statement {} of {total} did not finish: {}; {i} statement(s) are recorded as done in {table} and whether statement {} took effect is checked on the next run; run `sqlshift migrate {direction}` again to continue",
                    script.file,
                    i + 1,
                    describe(&e),
                    i + 1
                ))
                .into());
            }
            let state = if i == 0 {
                let _ = undo_progress(conn, table, record).await;
                "nothing of this migration was applied; it is not recorded as applied".to_string()
            } else {
                format!(
                    "MySQL commits DDL as it goes: statements 1-{i} ran, stay applied, and are recorded in {table}{}:\n{}\nfix statement {} (keep statements 1-{i} as they are) and run `sqlshift migrate {direction}` again: it continues with statement {}",
                    if resumed > 0 { format!(" (1-{resumed} by an earlier run)") } else { String::new() },
                    statement_list(script, i),
                    i + 1,
                    i + 1
                )
            };
            return Err(ScriptFailure::new(script, i, &stmt.sql, describe(&e), state).into());
        }
    }
    let ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
    finish_progress(conn, table, record, ms).await.map_err(|e| {
        DbError::Apply(format!(
            "{}: every statement ran, but the tracking table {table} could not be updated: {}; run `sqlshift migrate {direction}` again to record it",
            script.file,
            describe(&e)
        ))
    })?;
    Ok(ms)
}

/// Drops a scratch database.
pub fn drop_database_sql(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {}", quote(name))
}
