//! Running a plan on MySQL/MariaDB. DDL commits as it goes, so statements run one by one
//! under `GET_LOCK` (a second apply waits, then fails clearly); a failure reports exactly
//! which statements ran, and running `apply` again re-plans from the live state.

use crate::dialect::connection::describe;
use crate::dialect::{DbError, ExecOptions};
use crate::plan::Plan;
use sqlx::MySqlConnection;

const LOCK: &str = "sqlshift_apply";

pub async fn execute(
    conn: &mut MySqlConnection,
    plan: &Plan,
    opts: &ExecOptions,
) -> Result<(), DbError> {
    let wait = opts
        .lock_timeout
        .as_deref()
        .and_then(|t| t.trim_end_matches('s').parse::<u64>().ok())
        .unwrap_or(10);
    let got: Option<i64> = sqlx::query_scalar(&format!("SELECT GET_LOCK('{LOCK}', {wait})"))
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::Apply(describe(&e)))?;
    if got != Some(1) {
        return Err(DbError::Apply(format!(
            "another sqlshift apply holds the lock `{LOCK}` on this server; waited {wait}s"
        )));
    }
    let result = run(conn, plan).await;
    let _ = sqlx::query(&format!("SELECT RELEASE_LOCK('{LOCK}')"))
        .execute(&mut *conn)
        .await;
    result
}

async fn run(conn: &mut MySqlConnection, plan: &Plan) -> Result<(), DbError> {
    let mut done: Vec<String> = Vec::new();
    let total = plan.steps.len();
    for (i, step) in plan.steps.iter().enumerate() {
        for stmt in &step.sql {
            if stmt.trim_start().starts_with("--") {
                continue;
            }
            if let Err(e) = sqlx::raw_sql(stmt).execute(&mut *conn).await {
                let ran = if done.is_empty() {
                    "No statement ran before it: the database is unchanged.".to_string()
                } else {
                    format!(
                        "MySQL commits each DDL statement, so these {} statement(s) ran and stay applied:\n{}",
                        done.len(),
                        done.iter().map(|s| format!("  ok: {s}")).collect::<Vec<_>>().join("\n")
                    )
                };
                return Err(DbError::Apply(format!(
                    "step {} of {total} ({}) failed: {}\n  failed: {stmt}\n{ran}\nFix the cause and run `sqlshift apply` again: it plans from the live state, so it resumes where this stopped.",
                    i + 1,
                    step.objects.join(", "),
                    describe(&e)
                )));
            }
            done.push(stmt.clone());
        }
    }
    Ok(())
}
