//! Running a plan on PostgreSQL: consecutive transactional steps share one transaction
//! with `lock_timeout` / `statement_timeout` set locally; steps that cannot run in a
//! transaction (`CREATE INDEX CONCURRENTLY`) run on their own, in plan order.

use crate::dialect::connection::describe;
use crate::dialect::writer::quote_literal;
use crate::dialect::{DbError, ExecOptions};
use crate::plan::{Plan, Step};
use sqlx::PgConnection;

pub async fn execute(
    conn: &mut PgConnection,
    plan: &Plan,
    opts: &ExecOptions,
) -> Result<(), DbError> {
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
    // A second `apply` against the same database waits here instead of interleaving.
    let mut settings = vec![format!("SELECT pg_advisory_xact_lock({APPLY_LOCK_KEY})")];
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
