//! Running a plan on MySQL/MariaDB. DDL commits as it goes, so statements run one by one
//! under `GET_LOCK` (a second apply waits, then fails clearly); a failure reports exactly
//! which statements ran, and running `apply` again re-plans from the live state.

use crate::dialect::connection::describe;
use crate::dialect::{DbError, ExecOptions};
use crate::plan::Plan;
use sqlx::MySqlConnection;

/// The apply lock's name: `GET_LOCK` names are server-wide, so it names the database.
pub async fn lock_name(conn: &mut MySqlConnection, purpose: &str) -> Result<String, DbError> {
    use sha2::{Digest, Sha256};
    let db: Option<String> = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::Apply(describe(&e)))?;
    let digest = Sha256::digest(format!("{purpose}:{}", db.unwrap_or_default()).as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    Ok(format!("sqlshift_{purpose}_{hex}"))
}

pub async fn execute(
    conn: &mut MySqlConnection,
    plan: &Plan,
    opts: &ExecOptions,
    endpoint: &crate::dialect::connection::Endpoint,
) -> Result<(), DbError> {
    let url = endpoint.shown.as_str();
    let wait = opts.lock_wait.as_secs().max(1);
    let lock = lock_name(conn, "apply").await?;
    let got: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, ?)")
        .bind(&lock)
        .bind(wait)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| DbError::Apply(describe(&e)))?;
    if got != Some(1) {
        return Err(DbError::LockTimeout {
            url: url.to_string(),
            waited: std::time::Duration::from_secs(wait),
        });
    }
    let result = match &opts.expect {
        Some(expected) => {
            let read = super::introspect(conn, endpoint.catalog_timeout).await;
            match expected.verify(read, &super::Mysql, url) {
                Ok(()) => run(conn, plan).await,
                Err(e) => Err(e),
            }
        }
        None => run(conn, plan).await,
    };
    let _ = sqlx::query("SELECT RELEASE_LOCK(?)")
        .bind(&lock)
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
                return Err(crate::dialect::connection::db_error(&e, format!(
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
