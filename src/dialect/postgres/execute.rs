//! Running a plan on PostgreSQL: under a session advisory lock (taken first, so the plan's
//! source state is checked again while no other apply can change it), with the session's
//! `lock_timeout` / `statement_timeout` set as `plan --format sql` prints them, consecutive
//! transactional steps share one transaction; steps that cannot run in a transaction
//! (`CREATE INDEX CONCURRENTLY`, a `VALIDATE CONSTRAINT` in its own) run on their own, in
//! plan order. A step that times out waiting for a table lock is tried again with backoff
//! (`lock_retries`): a transaction from its start, an autocommit step from the statement
//! that timed out. An index a failed concurrent build leaves INVALID is dropped.

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
            // Read as the plan's live side was: privileges and owners scoped alike.
            let read = super::introspect(conn, Some(&endpoint.secret), endpoint.catalog_timeout)
                .await
                .map(|mut s| {
                    s.security.scope(&endpoint.access);
                    s
                });
            match expected.verify(read, &super::Postgres, &endpoint.shown) {
                Ok(()) => run_with_settings(conn, plan, opts).await,
                Err(e) => Err(e),
            }
        }
        None => run_with_settings(conn, plan, opts).await,
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

/// The session settings a plan runs with, as `plan --format sql` prints them.
pub fn session_settings(opts: &ExecOptions) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = &opts.lock_timeout {
        out.push(format!("SET lock_timeout = {}", quote_literal(t)));
    }
    if let Some(t) = &opts.statement_timeout {
        out.push(format!("SET statement_timeout = {}", quote_literal(t)));
    }
    out
}

async fn run_with_settings(
    conn: &mut PgConnection,
    plan: &Plan,
    opts: &ExecOptions,
) -> Result<(), DbError> {
    let settings = session_settings(opts);
    for s in &settings {
        if let Err(e) = sqlx::raw_sql(s).execute(&mut *conn).await {
            return Err(DbError::Apply(format!(
                "{s} failed: {}; nothing was applied",
                describe(&e)
            )));
        }
    }
    let result = run(conn, plan, opts).await;
    if !settings.is_empty() {
        let _ = sqlx::raw_sql("RESET lock_timeout; RESET statement_timeout")
            .execute(&mut *conn)
            .await;
    }
    result
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
            let mut backoff = Backoff::new(opts);
            loop {
                match run_transaction(conn, segment, i).await {
                    Ok(()) => break Ok(()),
                    Err(mut f) => {
                        if !backoff.again(&mut f).await {
                            break Err(f);
                        }
                    }
                }
            }
        } else {
            run_autocommit(conn, &segment[0], i, opts).await
        };
        if let Err(f) = result {
            let s = &plan.steps[f.step];
            let state = if committed == 0 && tx {
                "nothing was applied: the transaction was rolled back".to_string()
            } else {
                format!(
                    "steps 1-{committed} were applied and committed before it{}; run `sqlshift apply` again to continue from the live state",
                    if tx { ", the failing transaction was rolled back" } else { "" }
                )
            };
            let retried = match f.retried {
                0 => String::new(),
                n => format!(" (tried {} times, waiting longer each time)", n + 1),
            };
            return Err(DbError::Apply(format!(
                "step {} of {total} ({}) failed: {}{retried}\n  statement: {}\n{}{state}",
                f.step + 1,
                s.objects.join(", "),
                f.reason,
                f.stmt,
                f.note,
            )));
        }
        committed = j;
        i = j;
    }
    Ok(())
}

/// Advisory lock key shared by every sqlshift apply ("sqlshift" in ASCII, truncated).
const APPLY_LOCK_KEY: i64 = 0x7371_6c73_6869_6674;

/// A statement that failed: where, why, and what was done about it.
struct StepFailure {
    step: usize,
    stmt: String,
    reason: String,
    /// The statement timed out waiting for a lock (55P03): worth trying again.
    lock_timeout: bool,
    retried: u32,
    /// What the failure left and what was cleaned up, one line each, newline-terminated.
    note: String,
}

impl StepFailure {
    fn new(step: usize, stmt: &str, e: &sqlx::Error) -> StepFailure {
        let lock_timeout = is_lock_timeout(e);
        StepFailure {
            step,
            stmt: stmt.to_string(),
            reason: describe(e),
            lock_timeout,
            retried: 0,
            note: String::new(),
        }
    }
}

/// Retries after lock timeouts: `opts.lock_retries` times at most, waiting
/// `lock_retry_backoff`, then twice as long each time. `migrate` shares it.
pub(super) struct Backoff {
    wait: std::time::Duration,
    tries: u32,
    max: u32,
}

/// True when `e` is PostgreSQL giving up waiting for a lock (55P03, lock_not_available:
/// what `lock_timeout` raises).
pub(super) fn is_lock_timeout(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("55P03"))
}

/// True for failures worth trying a migration again for, as nothing of it stayed:
/// lock_not_available (55P03, `lock_timeout`), deadlock_detected (40P01),
/// serialization_failure (40001). Anything else is never retried.
pub(super) fn is_transient(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("55P03" | "40P01" | "40001")))
}

impl Backoff {
    /// Waits and says yes when `e` is transient and tries are left, logging the retry
    /// (what failed, how long it waits, which try comes next).
    pub(super) async fn retry(&mut self, what: &str, e: &sqlx::Error) -> bool {
        if !is_transient(e) || self.tries >= self.max {
            return false;
        }
        crate::dialect::log_retry(&format!(
            "{what}: {} (a transient failure): trying again in {}ms (retry {} of {})",
            describe(e),
            self.wait.as_millis(),
            self.tries + 1,
            self.max
        ));
        self.wait_again(true).await
    }

    pub(super) fn new(opts: &ExecOptions) -> Backoff {
        Backoff {
            wait: opts.lock_retry_backoff,
            tries: 0,
            max: opts.lock_retries,
        }
    }

    /// Waits and says yes when a failure that timed out waiting for a lock may be tried
    /// again.
    pub(super) async fn wait_again(&mut self, lock_timeout: bool) -> bool {
        if lock_timeout && self.tries < self.max {
            tokio::time::sleep(self.wait).await;
            self.wait = self.wait.saturating_mul(2);
            self.tries += 1;
            true
        } else {
            false
        }
    }

    /// How many times it waited and allowed another try.
    pub(super) fn tries(&self) -> u32 {
        self.tries
    }

    /// Waits and says yes when `f` is worth another try; otherwise records the retries.
    async fn again(&mut self, f: &mut StepFailure) -> bool {
        if self.wait_again(f.lock_timeout).await {
            true
        } else {
            f.retried = self.tries;
            false
        }
    }
}

async fn run_transaction(
    conn: &mut PgConnection,
    steps: &[Step],
    offset: usize,
) -> Result<(), StepFailure> {
    sqlx::raw_sql("BEGIN")
        .execute(&mut *conn)
        .await
        .map_err(|e| StepFailure::new(offset, "BEGIN", &e))?;
    for (k, step) in steps.iter().enumerate() {
        for stmt in &step.sql {
            if let Err(e) = sqlx::raw_sql(stmt).execute(&mut *conn).await {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                return Err(StepFailure::new(offset + k, stmt, &e));
            }
        }
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut *conn)
        .await
        .map_err(|e| StepFailure::new(offset + steps.len().saturating_sub(1), "COMMIT", &e))?;
    Ok(())
}

/// A step outside a transaction, statement by statement: a lock timeout retries the
/// statement that timed out (those before it are committed).
async fn run_autocommit(
    conn: &mut PgConnection,
    step: &Step,
    index: usize,
    opts: &ExecOptions,
) -> Result<(), StepFailure> {
    for (k, stmt) in step.sql.iter().enumerate() {
        let mut backoff = Backoff::new(opts);
        let result = loop {
            match sqlx::raw_sql(stmt).execute(&mut *conn).await {
                Ok(_) => break Ok(()),
                Err(e) => {
                    let mut f = StepFailure::new(index, stmt, &e);
                    if !backoff.again(&mut f).await {
                        break Err(f);
                    }
                    // A concurrent build that timed out left its index INVALID.
                    drop_invalid(conn, &step.builds).await;
                }
            }
        };
        if let Err(mut f) = result {
            for name in drop_invalid(conn, &step.builds).await {
                f.note.push_str(&format!(
                    "the failed build left index {name} INVALID: it was dropped again\n"
                ));
            }
            if k > 0 {
                f.note.push_str(&format!(
                    "the step's first {k} statement(s) ran and were committed\n"
                ));
            }
            return Err(f);
        }
    }
    Ok(())
}

/// Drops those of `indexes` (qualified, quoted names) that exist and are INVALID; returns
/// the ones dropped. One catalog query for all of them.
async fn drop_invalid(conn: &mut PgConnection, indexes: &[String]) -> Vec<String> {
    if indexes.is_empty() {
        return Vec::new();
    }
    let invalid: Vec<String> = sqlx::query_scalar(
        "SELECT n FROM unnest($1::text[]) AS n \
         JOIN pg_index i ON i.indexrelid = to_regclass(n) WHERE NOT i.indisvalid",
    )
    .bind(indexes)
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    let mut dropped = Vec::new();
    for name in invalid {
        let sql = format!("DROP INDEX CONCURRENTLY IF EXISTS {name}");
        if sqlx::raw_sql(&sql).execute(&mut *conn).await.is_ok() {
            dropped.push(name);
        }
    }
    dropped
}
