//! Running a plan on PostgreSQL: under a session advisory lock (taken first, so the plan's
//! source state is checked again while no other apply can change it), consecutive
//! transactional steps share one transaction with `lock_timeout` / `statement_timeout` set
//! locally; steps that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`) run on
//! their own, in plan order.

use crate::dialect::connection::{describe, Endpoint};
use crate::dialect::writer::quote_literal;
use crate::dialect::{DbError, ExecOptions};
use crate::plan::{Plan, Step};
use sqlx::PgConnection;

pub async fn execute(
    conn: &mut PgConnection,
    plan: &Plan,
    opts: &ExecOptions,
    endpoint: &Endpoint,
) -> Result<(), DbError> {
    lock(conn, opts, &endpoint.shown).await?;
    let result = match &opts.expect {
        Some(expected) => {
            let read =
                super::introspect(conn, Some(&endpoint.secret), endpoint.catalog_timeout).await;
            match expected.verify(read, &super::Postgres, &endpoint.shown) {
                Ok(()) => run(conn, plan, opts).await,
                Err(e) => Err(e),
            }
        }
        None => run(conn, plan, opts).await,
    };
    // Closing the connection would release it too; a failed unlock changes nothing.
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(APPLY_LOCK_KEY)
        .execute(&mut *conn)
        .await;
    result
}

/// Takes the apply lock, waiting at most `opts.lock_wait`.
async fn lock(conn: &mut PgConnection, opts: &ExecOptions, url: &str) -> Result<(), DbError> {
    let fail = |e: sqlx::Error| DbError::Apply(describe(&e));
    let ms = opts.lock_wait.as_millis().max(1);
    sqlx::raw_sql(&format!("SET lock_timeout = {ms}"))
        .execute(&mut *conn)
        .await
        .map_err(fail)?;
    let got = sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(APPLY_LOCK_KEY)
        .execute(&mut *conn)
        .await;
    let reset = sqlx::raw_sql("RESET lock_timeout")
        .execute(&mut *conn)
        .await;
    match got {
        // 55P03: lock_not_available, which is what lock_timeout raises.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("55P03") => {
            Err(DbError::LockTimeout {
                url: url.to_string(),
                waited: opts.lock_wait,
            })
        }
        Err(e) => Err(fail(e)),
        Ok(_) => reset.map(|_| ()).map_err(fail),
    }
}

async fn run(conn: &mut PgConnection, plan: &Plan, opts: &ExecOptions) -> Result<(), DbError> {
    let total = plan.steps.len();
    let mut committed = 0usize;
    let mut i = 0;
    while i < total {
        let tx = plan.steps[i].transactional;
        let mut j = i;
        while j < total && plan.steps[j].transactional == tx && (tx || j == i) {
            j += 1;
        }
        let segment = &plan.steps[i..j];
        let result = if tx {
            run_transaction(conn, segment, i, opts).await
        } else {
            run_autocommit(conn, &segment[0], i).await
        };
        if let Err((step, stmt, reason)) = result {
            let s = &plan.steps[step];
            let state = if committed == 0 && tx {
                "nothing was applied: the transaction was rolled back".to_string()
            } else {
                format!(
                    "steps 1-{committed} were applied and committed before it{}; run `sqlshift apply` again to continue from the live state",
                    if tx { ", the failing transaction was rolled back" } else { "" }
                )
            };
            return Err(DbError::Apply(format!(
                "step {} of {total} ({}) failed: {reason}\n  statement: {stmt}\n{state}",
                step + 1,
                s.objects.join(", ")
            )));
        }
        committed = j;
        i = j;
    }
    Ok(())
}

/// Advisory lock key shared by every sqlshift apply ("sqlshift" in ASCII, truncated).
const APPLY_LOCK_KEY: i64 = 0x7371_6c73_6869_6674;

type StepFailure = (usize, String, String);

async fn run_transaction(
    conn: &mut PgConnection,
    steps: &[Step],
    offset: usize,
    opts: &ExecOptions,
) -> Result<(), StepFailure> {
    let fail = |k: usize, stmt: &str, e: sqlx::Error| (offset + k, stmt.to_string(), describe(&e));
    sqlx::raw_sql("BEGIN")
        .execute(&mut *conn)
        .await
        .map_err(|e| fail(0, "BEGIN", e))?;
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
            return Err(fail(0, s, e));
        }
    }
    for (k, step) in steps.iter().enumerate() {
        for stmt in &step.sql {
            if let Err(e) = sqlx::raw_sql(stmt).execute(&mut *conn).await {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                return Err(fail(k, stmt, e));
            }
        }
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut *conn)
        .await
        .map_err(|e| fail(steps.len().saturating_sub(1), "COMMIT", e))?;
    Ok(())
}

async fn run_autocommit(
    conn: &mut PgConnection,
    step: &Step,
    index: usize,
) -> Result<(), StepFailure> {
    for stmt in &step.sql {
        sqlx::raw_sql(stmt)
            .execute(&mut *conn)
            .await
            .map_err(|e| (index, stmt.clone(), describe(&e)))?;
    }
    Ok(())
}
