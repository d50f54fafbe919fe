//! Running a plan on SQLite: one `BEGIN IMMEDIATE` transaction (which also keeps a second
//! runner out, and is where the plan's source state is checked again), foreign keys
//! switched off around table rebuilds and checked before commit.

use super::queries;
use crate::dialect::connection::describe;
use crate::dialect::{DbError, ExecOptions};
use crate::diff::Change;
use crate::plan::Plan;
use sqlx::{Row, SqliteConnection};

pub async fn execute(
    conn: &mut SqliteConnection,
    plan: &Plan,
    opts: &ExecOptions,
    url: &str,
) -> Result<(), DbError> {
    // Rebuilds and drops of tables other tables reference would trip enforcement halfway;
    // it is switched off for the transaction and checked in full before commit.
    // Steps read back from a plan file carry no changes, only their kind.
    let rebuild = plan.steps.iter().any(|s| {
        matches!(s.kind, "rebuild_table" | "drop_table")
            || s.changes
                .iter()
                .any(|c| matches!(c, Change::RebuildTable { .. } | Change::DropTable(_)))
    });
    let run = |e: sqlx::Error| DbError::Apply(describe(&e));
    if rebuild {
        // Must be set outside a transaction; SQLite ignores it inside one.
        sqlx::raw_sql("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await
            .map_err(run)?;
    }
    let result = run_in_transaction(conn, plan, rebuild, opts, url).await;
    if rebuild {
        sqlx::raw_sql("PRAGMA foreign_keys = ON")
            .execute(&mut *conn)
            .await
            .map_err(run)?;
    }
    result
}

async fn run_in_transaction(
    conn: &mut SqliteConnection,
    plan: &Plan,
    check_fks: bool,
    opts: &ExecOptions,
    url: &str,
) -> Result<(), DbError> {
    let run = |e: sqlx::Error| DbError::Apply(describe(&e));
    // BEGIN IMMEDIATE takes the write lock; a second runner waits for it as long as the
    // busy timeout allows.
    let wait_ms = opts.lock_wait.as_millis().min(i64::MAX as u128);
    sqlx::raw_sql(&format!("PRAGMA busy_timeout = {wait_ms}"))
        .execute(&mut *conn)
        .await
        .map_err(run)?;
    if let Err(e) = sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await {
        return Err(match &e {
            sqlx::Error::Database(db) if db.message().contains("locked") => DbError::LockTimeout {
                url: url.to_string(),
                waited: opts.lock_wait,
            },
            _ => run(e),
        });
    }
    if let Some(expected) = &opts.expect {
        let read = super::introspect(conn).await;
        if let Err(e) = expected.verify(read, &super::Sqlite, url) {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            return Err(e);
        }
    }
    let total = plan.steps.len();
    for (i, step) in plan.steps.iter().enumerate() {
        for stmt in &step.sql {
            if let Err(e) = sqlx::raw_sql(stmt).execute(&mut *conn).await {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                return Err(DbError::Apply(format!(
                    "step {} of {total} ({}) failed: {}\n  statement: {stmt}\nnothing was applied: the plan ran in one transaction, which was rolled back",
                    i + 1,
                    step.objects.join(", "),
                    describe(&e)
                )));
            }
        }
    }
    if check_fks {
        let rows = sqlx::query(queries::FOREIGN_KEY_CHECK)
            .fetch_all(&mut *conn)
            .await
            .map_err(run)?;
        if !rows.is_empty() {
            let tables: Vec<String> = rows
                .iter()
                .filter_map(|r| r.try_get::<String, _>(0).ok())
                .collect();
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            return Err(DbError::Apply(format!(
                "after rebuilding tables, {} row(s) violate foreign keys (in {}); nothing was applied",
                rows.len(),
                tables.join(", ")
            )));
        }
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut *conn)
        .await
        .map_err(run)?;
    Ok(())
}
