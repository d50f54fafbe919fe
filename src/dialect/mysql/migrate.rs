//! Versioned migrations on MySQL/MariaDB: the tracking table, `GET_LOCK` for the
//! migration lock, and each migration's statements run one by one (MySQL commits DDL as
//! it goes), the tracking row written once all of them ran.

use super::types::quote;
use crate::dialect::connection::describe;
use crate::dialect::migrate::{MigrationDbError, Record, Script, ScriptFailure, TrackingRow};
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

const TABLE_EXISTS: &str = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?";

const SELECT_ROWS: &str = "SELECT version, name, checksum,
    DATE_FORMAT(CONVERT_TZ(applied_at, @@session.time_zone, '+00:00'), '%Y-%m-%dT%H:%i:%sZ') AS applied_at,
    execution_time_ms, down_sql, applied_by
FROM {table} ORDER BY version";

fn sql(template: &str, table: &str) -> String {
    template.replace("{table}", &quote(table))
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
    DbError::Apply(describe(&e))
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

pub async fn unlock(conn: &mut MySqlConnection, table: &str) -> Result<(), DbError> {
    let name = lock_name(conn, table).await?;
    sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(name)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn ensure(conn: &mut MySqlConnection, table: &str) -> Result<(), DbError> {
    sqlx::raw_sql(&sql(CREATE_TRACKING, table))
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub async fn rows(
    conn: &mut MySqlConnection,
    table: &str,
) -> Result<Option<Vec<TrackingRow>>, DbError> {
    let exists: i64 = sqlx::query_scalar(TABLE_EXISTS)
        .bind(table)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err)?;
    if exists == 0 {
        return Ok(None);
    }
    let rows = sqlx::query(&sql(SELECT_ROWS, table))
        .fetch_all(&mut *conn)
        .await
        .map_err(db_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let get = |e: sqlx::Error| {
            DbError::Apply(format!(
                "cannot read tracking table {table}: {}",
                describe(&e)
            ))
        };
        out.push(TrackingRow {
            version: r.try_get("version").map_err(get)?,
            name: r.try_get("name").map_err(get)?,
            checksum: r.try_get("checksum").map_err(get)?,
            applied_at: r
                .try_get::<Option<String>, _>("applied_at")
                .map_err(get)?
                .unwrap_or_default(),
            execution_time_ms: r.try_get("execution_time_ms").map_err(get)?,
            down_sql: r.try_get("down_sql").map_err(get)?,
            applied_by: r.try_get("applied_by").map_err(get)?,
        });
    }
    Ok(Some(out))
}

async fn write_record(
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
            let insert = format!(
                "INSERT INTO {} (version, name, checksum, execution_time_ms, down_sql, applied_by) VALUES (?, ?, ?, ?, ?, ?)",
                quote(table)
            );
            sqlx::query(&insert)
                .bind(version)
                .bind(name)
                .bind(checksum)
                .bind(ms)
                .bind(down_sql)
                .bind(applied_by)
                .execute(&mut *conn)
                .await?;
        }
        Record::Reverted { version } => {
            sqlx::query(&format!("DELETE FROM {} WHERE version = ?", quote(table)))
                .bind(version)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Runs the statements in order; MySQL commits each DDL statement, so a failure leaves the
/// earlier ones applied and the migration unrecorded, and says so.
pub async fn run(
    conn: &mut MySqlConnection,
    table: &str,
    script: &Script<'_>,
    record: &Record<'_>,
) -> Result<i64, MigrationDbError> {
    let start = Instant::now();
    for (i, stmt) in script.statements.iter().enumerate() {
        if let Err(e) = sqlx::raw_sql(&stmt.sql).execute(&mut *conn).await {
            let state = if i == 0 {
                "nothing of this migration was applied; it is not recorded as applied".to_string()
            } else {
                format!(
                    "MySQL commits DDL as it goes: statements 1-{i} ran and stay applied, and the migration is not recorded; finish or undo them by hand, then run the command again"
                )
            };
            return Err(ScriptFailure::new(script, i, &stmt.sql, describe(&e), state).into());
        }
    }
    let ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
    write_record(conn, table, record, ms).await.map_err(|e| {
        DbError::Apply(format!(
            "{}: every statement ran, but the tracking table {table} could not be updated: {}; record it by hand or undo the statements",
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
