//! The migrator: applies pending migrations and reverts applied ones under the migration
//! lock, one migration per transaction where the dialect allows, with the tracking table
//! written in the same transaction.
//!
//! Dialect-generic: it only calls the migration methods of [`Connection`]. The lock is
//! held by [`LockGuard`], which owns the connection: every normal and error path releases
//! it explicitly, and if the guard is dropped without that (a panic, a cancelled future)
//! the connection closes with it, which ends the session — PostgreSQL drops its session
//! advisory lock and SQLite rolls back the lock's transaction — so it can never leak.

use super::files::{Directory, Migration};
use super::script;
use super::tracking::{self, State};
use super::MigrateError;
use crate::dialect::migrate::{MigrationDbError, Record, Script, TrackingRow};
use crate::dialect::{Connection, ExecOptions};
use std::time::Duration;

/// How the migrator runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The tracking table (`table` or `schema.table`).
    pub table: String,
    /// How long to wait for another runner's lock.
    pub lock_timeout: Duration,
    /// Per-migration `lock_timeout` / `statement_timeout` (PostgreSQL).
    pub exec: ExecOptions,
    /// `user@host` written to `applied_by`.
    pub applied_by: String,
}

impl Options {
    pub fn new(table: &str) -> Options {
        Options {
            table: table.to_string(),
            lock_timeout: Duration::from_secs(60),
            exec: ExecOptions::default(),
            applied_by: tracking::applied_by(),
        }
    }
}

/// Progress reports; the command line draws a bar, tests and replays stay quiet.
pub trait Progress {
    /// `count` migrations are about to run.
    fn begin(&mut self, _count: usize) {}
    fn start(&mut self, _id: &str) {}
    fn done(&mut self, _id: &str, _ms: i64) {}
    /// Something the user must see (an out-of-order migration), printed as it happens.
    fn warn(&mut self, _message: &str) {}
    fn finish(&mut self) {}
}

/// Reports nothing.
pub struct Quiet;
impl Progress for Quiet {}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// `(id, milliseconds)` of each migration applied or reverted, in order.
    pub ran: Vec<(String, i64)>,
    pub warnings: Vec<String>,
    /// How long the run waited for the migration lock.
    pub lock_wait: Duration,
}

/// Which applied migrations `down` reverts.
#[derive(Debug, Clone, Copy)]
pub enum DownTarget {
    /// The newest `n`.
    Steps(usize),
    /// Every one newer than this version (which stays applied); `0` reverts all.
    To(i64),
    /// Exactly this one, when no applied migration is newer.
    Only(i64),
}

/// The migration lock, owning the connection it was taken on.
pub struct LockGuard {
    conn: Connection,
    table: String,
}

impl LockGuard {
    pub async fn acquire(
        mut conn: Connection,
        table: &str,
        timeout: Duration,
    ) -> Result<LockGuard, MigrateError> {
        if conn.migration_lock(table, timeout).await? {
            Ok(LockGuard {
                conn,
                table: table.to_string(),
            })
        } else {
            Err(MigrateError::LockTimeout {
                url: conn.url().to_string(),
                waited: format!("{}s", timeout.as_secs_f64()),
            })
        }
    }

    pub fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Releases the lock and hands the connection back.
    pub async fn release(mut self) -> Result<Connection, MigrateError> {
        self.conn.migration_unlock(&self.table).await?;
        Ok(self.conn)
    }
}

/// The tracking rows, or none when the table does not exist yet. Takes no lock.
pub async fn applied(conn: &mut Connection, table: &str) -> Result<Vec<TrackingRow>, MigrateError> {
    Ok(conn.tracking_rows(table).await?.unwrap_or_default())
}

/// The migrations `up` would apply, in order; refuses when an applied migration changed
/// or lost its file.
pub fn select_up<'a>(
    dir: &'a Directory,
    rows: &'a [TrackingRow],
    to: Option<i64>,
) -> Result<Vec<&'a Migration>, MigrateError> {
    let entries = tracking::reconcile(dir, rows);
    let changed: Vec<String> = entries
        .iter()
        .filter(|e| e.state == State::Changed)
        .map(|e| {
            format!(
                "  {}_{} ({}): applied with checksum {}, the file now hashes to {}",
                e.version,
                e.name,
                e.file.map(|f| f.up_file.as_str()).unwrap_or("?"),
                e.row.map(|r| short(&r.checksum)).unwrap_or_default(),
                e.file.map(|f| short(&f.checksum)).unwrap_or_default(),
            )
        })
        .collect();
    if !changed.is_empty() {
        return Err(MigrateError::Changed {
            list: changed.join("\n"),
        });
    }
    let missing: Vec<String> = entries
        .iter()
        .filter(|e| e.state == State::Missing)
        .map(|e| format!("  {}_{}", e.version, e.name))
        .collect();
    if !missing.is_empty() {
        return Err(MigrateError::MissingFiles {
            dir: dir.path.display().to_string(),
            list: missing.join("\n"),
        });
    }
    if let Some(v) = to {
        if dir.get(v).is_none() {
            return Err(MigrateError::UnknownVersion {
                version: v,
                dir: dir.path.display().to_string(),
            });
        }
    }
    Ok(entries
        .iter()
        .filter(|e| matches!(e.state, State::Pending | State::PendingOutOfOrder))
        .filter(|e| to.is_none_or(|v| e.version <= v))
        .filter_map(|e| e.file)
        .collect())
}

/// The applied migrations `down` would revert, newest first.
pub fn select_down(
    rows: &[TrackingRow],
    target: DownTarget,
) -> Result<Vec<&TrackingRow>, MigrateError> {
    let mut applied: Vec<&TrackingRow> = rows.iter().collect();
    applied.sort_by_key(|r| std::cmp::Reverse(r.version));
    let chosen: Vec<&TrackingRow> = match target {
        DownTarget::Steps(n) => applied.into_iter().take(n).collect(),
        DownTarget::To(v) => {
            if v != 0 && !rows.iter().any(|r| r.version == v) {
                return Err(MigrateError::NotApplied { version: v });
            }
            applied.into_iter().filter(|r| r.version > v).collect()
        }
        DownTarget::Only(v) => {
            let Some(row) = rows.iter().find(|r| r.version == v) else {
                return Err(MigrateError::NotApplied { version: v });
            };
            let newer: Vec<String> = applied
                .iter()
                .filter(|r| r.version > v)
                .map(|r| format!("{}_{}", r.version, r.name))
                .collect();
            if !newer.is_empty() {
                return Err(MigrateError::NewerApplied {
                    id: format!("{}_{}", row.version, row.name),
                    list: newer.join(", "),
                });
            }
            vec![row]
        }
    };
    let no_down: Vec<String> = chosen
        .iter()
        .filter(|r| r.down_sql.is_none())
        .map(|r| format!("{}_{}", r.version, r.name))
        .collect();
    if !no_down.is_empty() {
        return Err(MigrateError::NoDownSql {
            list: no_down.join(", "),
        });
    }
    Ok(chosen)
}

fn short(h: &str) -> String {
    h.chars().take(12).collect()
}

/// Out-of-order warning for a migration older than the newest applied one.
fn out_of_order(m: &Migration, rows: &[TrackingRow]) -> Option<String> {
    let newest = rows.iter().max_by_key(|r| r.version)?;
    (newest.version > m.version).then(|| {
        format!(
            "{} is older than the newest applied migration {}_{} (merged from another branch?); applying it now, out of order",
            m.id(),
            newest.version,
            newest.name
        )
    })
}

/// Applies pending migrations (up to `to`, inclusive) under the lock.
pub async fn up(
    conn: Connection,
    dir: &Directory,
    opts: &Options,
    to: Option<i64>,
    progress: &mut dyn Progress,
) -> Result<(Connection, Report), MigrateError> {
    let waited = std::time::Instant::now();
    let mut guard = LockGuard::acquire(conn, &opts.table, opts.lock_timeout).await?;
    let lock_wait = waited.elapsed();
    let result = up_locked(guard.conn(), dir, opts, to, progress)
        .await
        .map(|r| Report { lock_wait, ..r });
    progress.finish();
    finish(guard, result).await
}

/// Releases the lock after the work, keeping the work's error first.
async fn finish(
    guard: LockGuard,
    result: Result<Report, MigrateError>,
) -> Result<(Connection, Report), MigrateError> {
    let released = guard.release().await;
    match (result, released) {
        (Ok(report), Ok(conn)) => Ok((conn, report)),
        (Err(e), _) => Err(e),
        (Ok(_), Err(e)) => Err(e),
    }
}

async fn up_locked(
    conn: &mut Connection,
    dir: &Directory,
    opts: &Options,
    to: Option<i64>,
    progress: &mut dyn Progress,
) -> Result<Report, MigrateError> {
    conn.tracking_ensure(&opts.table).await?;
    let rows = applied(conn, &opts.table).await?;
    let pending = select_up(dir, &rows, to)?;
    if !conn.supports_no_transaction() {
        if let Some(m) = pending.iter().find(|m| m.no_transaction) {
            return Err(MigrateError::NoTransactionUnsupported {
                file: m.up_file.clone(),
                dialect: conn.dialect().name(),
            });
        }
    }
    let mut report = Report::default();
    progress.begin(pending.len());
    for (k, m) in pending.iter().enumerate() {
        if let Some(w) = out_of_order(m, &rows) {
            progress.warn(&w);
            report.warnings.push(w);
        }
        let id = m.id();
        progress.start(&id);
        let statements = m.up_statements();
        let script = Script {
            file: &m.up_file,
            statements: &statements,
            transactional: !m.no_transaction,
        };
        let record = Record::Applied {
            version: m.version,
            name: &m.name,
            checksum: &m.checksum,
            down_sql: m.down_sql.as_deref(),
            applied_by: &opts.applied_by,
        };
        match conn
            .run_migration(&opts.table, &script, &record, &opts.exec)
            .await
        {
            Ok(ms) => {
                progress.done(&id, ms);
                report.ran.push((id, ms));
            }
            Err(e) => return Err(failed(&id, k, "applied", "up", e)),
        }
    }
    Ok(report)
}

fn failed(id: &str, done: usize, verb: &str, command: &str, e: MigrationDbError) -> MigrateError {
    // A lost connection is an error (exit 2), not a refusal; the message keeps the account.
    if let MigrationDbError::Db(crate::dialect::DbError::Lost(m)) = &e {
        return MigrateError::Db(crate::dialect::DbError::Lost(format!(
            "{id} was being {verb}: {m}"
        )));
    }
    MigrateError::Failed {
        id: id.to_string(),
        detail: e.to_string(),
        before: if done == 0 {
            format!("no migration was {verb} before it")
        } else {
            format!("the {done} migration(s) before it were {verb} and recorded")
        },
        command: command.to_string(),
    }
}

/// Records the folder's pending migrations as applied without running them, under the
/// lock (`migrate baseline`: the caller has checked that the database already is what
/// they produce). Each row is written as a migration with no statement would be.
pub async fn baseline(
    conn: Connection,
    dir: &Directory,
    opts: &Options,
    progress: &mut dyn Progress,
) -> Result<(Connection, Report), MigrateError> {
    let waited = std::time::Instant::now();
    let mut guard = LockGuard::acquire(conn, &opts.table, opts.lock_timeout).await?;
    let lock_wait = waited.elapsed();
    let result = baseline_locked(guard.conn(), dir, opts, progress)
        .await
        .map(|r| Report { lock_wait, ..r });
    progress.finish();
    finish(guard, result).await
}

async fn baseline_locked(
    conn: &mut Connection,
    dir: &Directory,
    opts: &Options,
    progress: &mut dyn Progress,
) -> Result<Report, MigrateError> {
    conn.tracking_ensure(&opts.table).await?;
    let rows = applied(conn, &opts.table).await?;
    let pending = select_up(dir, &rows, None)?;
    let mut report = Report::default();
    progress.begin(pending.len());
    for (k, m) in pending.iter().enumerate() {
        let id = m.id();
        progress.start(&id);
        let script = Script {
            file: &m.up_file,
            statements: &[],
            transactional: true,
        };
        let record = Record::Applied {
            version: m.version,
            name: &m.name,
            checksum: &m.checksum,
            down_sql: m.down_sql.as_deref(),
            applied_by: &opts.applied_by,
        };
        match conn
            .run_migration(&opts.table, &script, &record, &opts.exec)
            .await
        {
            Ok(ms) => {
                progress.done(&id, ms);
                report.ran.push((id, ms));
            }
            Err(e) => return Err(failed(&id, k, "recorded", "baseline", e)),
        }
    }
    Ok(report)
}

/// Reverts applied migrations with their stored down SQL, newest first, under the lock.
pub async fn down(
    conn: Connection,
    opts: &Options,
    target: DownTarget,
    progress: &mut dyn Progress,
) -> Result<(Connection, Report), MigrateError> {
    let waited = std::time::Instant::now();
    let mut guard = LockGuard::acquire(conn, &opts.table, opts.lock_timeout).await?;
    let lock_wait = waited.elapsed();
    let result = down_locked(guard.conn(), opts, target, progress)
        .await
        .map(|r| Report { lock_wait, ..r });
    progress.finish();
    finish(guard, result).await
}

async fn down_locked(
    conn: &mut Connection,
    opts: &Options,
    target: DownTarget,
    progress: &mut dyn Progress,
) -> Result<Report, MigrateError> {
    let rows = applied(conn, &opts.table).await?;
    let chosen = select_down(&rows, target)?;
    let mut report = Report::default();
    progress.begin(chosen.len());
    for (k, r) in chosen.iter().enumerate() {
        let id = format!("{}_{}", r.version, r.name);
        let down_sql = r.down_sql.as_deref().unwrap_or_default();
        let transactional = !script::no_transaction(down_sql);
        if !transactional && !conn.supports_no_transaction() {
            return Err(MigrateError::NoTransactionUnsupported {
                file: format!("{id}.down.sql"),
                dialect: conn.dialect().name(),
            });
        }
        progress.start(&id);
        let statements = script::split(down_sql);
        let file = format!("{id}.down.sql (as stored in {} when applied)", opts.table);
        let script = Script {
            file: &file,
            statements: &statements,
            transactional,
        };
        let record = Record::Reverted { version: r.version };
        match conn
            .run_migration(&opts.table, &script, &record, &opts.exec)
            .await
        {
            Ok(ms) => {
                progress.done(&id, ms);
                report.ran.push((id, ms));
            }
            Err(e) => return Err(failed(&id, k, "reverted", "down", e)),
        }
    }
    Ok(report)
}
