//! `health`: can the database be reached, how fast, which server it is, and do its
//! migrations stand as the repository says (tracking rows against the files' checksums,
//! pending, part-way and failed migrations, the migration lock and its holder).
//!
//! One report for the command line and the service. It reads only: no lock is taken and
//! the tracking table is never created. A fixed handful of queries, whatever the number of
//! migrations.

use super::files::Directory;
use super::tracking::{self, State};
use crate::dialect::migrate::{InProgress, LockHolder};
use crate::dialect::{self, Connection};
use serde::Serialize;
use std::time::{Duration, Instant};

/// The verdict: the exit status of `sqlshift health` is its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Reachable, and every migration applied as its file says.
    Healthy = 0,
    /// Reachable, but something needs attention (see `problems`).
    Degraded = 1,
    /// The database could not be reached or read.
    Unreachable = 2,
}

/// How the migrations stand, counted by state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub applied: usize,
    pub pending: usize,
    pub changed: usize,
    pub missing: usize,
}

/// The migration lock, as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    pub held: bool,
    /// The holder where the server tells (not on SQLite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<LockHolder>,
}

/// Everything `health` found.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub status: Verdict,
    /// The database URL, password redacted.
    pub database: String,
    pub dialect: &'static str,
    pub reachable: bool,
    /// Time to connect, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<f64>,
    /// One round trip (the server-version query) on the open connection, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    pub tracking_table: String,
    /// Whether the tracking table exists (no migration ever ran when it does not).
    pub tracking_table_exists: bool,
    /// The migrations folder, and whether it matches its `sqlshift.sum`.
    pub directory: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrations: Option<Counts>,
    /// Migrations an interrupted run left part-way (MySQL).
    pub in_progress: Vec<InProgress>,
    pub lock: Option<Lock>,
    /// Why the status is not `healthy`, one line each.
    pub problems: Vec<String>,
}

/// What to check: where, against which folder (or why the folder could not be read).
pub struct Request<'a> {
    /// The URL as configured (with its password; never printed).
    pub url: &'a str,
    pub table: &'a str,
    /// The folder shown in the report.
    pub directory: String,
    /// The loaded folder, or why it could not be loaded (a tampered sum, no folder).
    pub dir: Result<&'a Directory, String>,
    /// The bound on the whole check once connected.
    pub timeout: Duration,
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// Runs the checks.
pub async fn check(req: &Request<'_>) -> Health {
    let shown = dialect::redact_url(req.url);
    let dialect_name = dialect::dialect_for_url(req.url)
        .map(|d| d.name())
        .unwrap_or("unknown");
    let mut h = Health {
        status: Verdict::Healthy,
        database: shown,
        dialect: dialect_name,
        reachable: false,
        connect_ms: None,
        latency_ms: None,
        server_version: None,
        tracking_table: req.table.to_string(),
        tracking_table_exists: false,
        directory: req.directory.clone(),
        migrations: None,
        in_progress: Vec::new(),
        lock: None,
        problems: Vec::new(),
    };
    let start = Instant::now();
    let mut conn = match dialect::connect(req.url).await {
        Ok(c) => c,
        Err(e) => {
            h.status = Verdict::Unreachable;
            h.problems.push(e.to_string());
            return h;
        }
    };
    h.connect_ms = Some(ms(start.elapsed()));
    match tokio::time::timeout(req.timeout, read(&mut conn, req, &mut h)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            h.status = Verdict::Unreachable;
            h.problems.push(e.to_string());
            return h;
        }
        Err(_) => {
            h.status = Verdict::Unreachable;
            h.problems.push(format!(
                "the database did not answer within {}s",
                req.timeout.as_secs_f64()
            ));
            return h;
        }
    }
    if !h.problems.is_empty() {
        h.status = Verdict::Degraded;
    }
    h
}

async fn read(
    conn: &mut Connection,
    req: &Request<'_>,
    h: &mut Health,
) -> Result<(), dialect::DbError> {
    let t = Instant::now();
    h.server_version = Some(conn.server_version().await?);
    h.latency_ms = Some(ms(t.elapsed()));
    h.reachable = true;
    let rows = conn.tracking_rows(req.table).await?;
    h.tracking_table_exists = rows.is_some();
    let rows = rows.unwrap_or_default();
    h.in_progress = conn.migrations_in_progress(req.table).await?;
    let holder = conn.migration_lock_holder(req.table).await?;
    h.lock = Some(Lock {
        held: holder.is_some(),
        holder,
    });
    for p in &h.in_progress {
        h.problems.push(format!(
            "{}_{} was interrupted while being {} ({} statement(s) done): run `sqlshift migrate {}` to finish it",
            p.version,
            p.name,
            if p.direction == "down" { "reverted" } else { "applied" },
            p.statements_done,
            p.direction
        ));
    }
    match &req.dir {
        Err(why) => h.problems.push(format!("migrations folder: {why}")),
        Ok(dir) => {
            let entries = tracking::reconcile(dir, &rows);
            let mut c = Counts::default();
            for e in &entries {
                let id = format!("{}_{}", e.version, e.name);
                match e.state {
                    State::Applied => c.applied += 1,
                    State::Pending | State::PendingOutOfOrder => {
                        c.pending += 1;
                        if !h.in_progress.iter().any(|p| p.version == e.version) {
                            h.problems.push(format!("{id} is pending"));
                        }
                    }
                    State::Changed => {
                        c.changed += 1;
                        h.problems.push(format!(
                            "{id} was edited after it was applied (its checksum differs)"
                        ));
                    }
                    State::Missing => {
                        c.missing += 1;
                        h.problems.push(format!(
                            "{id} is applied but has no file in {}",
                            h.directory
                        ));
                    }
                }
            }
            h.migrations = Some(c);
        }
    }
    Ok(())
}
