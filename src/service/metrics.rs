//! `GET /metrics`: counters the service keeps since it started, and gauges read at scrape
//! time, in the Prometheus text format (version 0.0.4).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    pub applied: AtomicU64,
    pub reverted: AtomicU64,
    pub failed: AtomicU64,
    /// Milliseconds the last migrate or rollback took, -1 before the first.
    pub last_duration_ms: AtomicI64,
    /// Milliseconds the last migrate or rollback waited for the migration lock.
    pub last_lock_wait_ms: AtomicI64,
    /// Sum of all lock waits, in milliseconds.
    pub lock_wait_ms_total: AtomicU64,
    /// The last drift check: 1 drift, 0 none, -1 never checked.
    pub drift: AtomicI64,
}

impl Metrics {
    pub fn new() -> Metrics {
        let m = Metrics::default();
        m.last_duration_ms.store(-1, Ordering::Relaxed);
        m.last_lock_wait_ms.store(-1, Ordering::Relaxed);
        m.drift.store(-1, Ordering::Relaxed);
        m
    }

    /// The text a scrape returns; `up` and `pending` are read from the database now.
    pub fn render(&self, up: bool, pending: Option<usize>) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        let secs = |ms: i64| {
            if ms < 0 {
                "NaN".to_string()
            } else {
                format!("{}", ms as f64 / 1000.0)
            }
        };
        metric(
            "sqlshift_up",
            "gauge",
            "Whether the database answered this scrape (1) or not (0).",
            u8::from(up).to_string(),
        );
        metric(
            "sqlshift_migrations_applied_total",
            "counter",
            "Migrations this service applied since it started.",
            self.applied.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "sqlshift_migrations_reverted_total",
            "counter",
            "Migrations this service reverted since it started.",
            self.reverted.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "sqlshift_migrations_failed_total",
            "counter",
            "Migrate and rollback requests that failed since the service started.",
            self.failed.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "sqlshift_last_migration_duration_seconds",
            "gauge",
            "How long the last migrate or rollback ran (NaN before the first).",
            secs(self.last_duration_ms.load(Ordering::Relaxed)),
        );
        if let Some(p) = pending {
            metric(
                "sqlshift_migrations_pending",
                "gauge",
                "Migrations in the folder not applied to the database.",
                p.to_string(),
            );
        }
        metric(
            "sqlshift_drift_detected",
            "gauge",
            "The last GET /v1/drift: 1 drift found, 0 none, -1 not checked since start.",
            self.drift.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "sqlshift_lock_wait_seconds",
            "gauge",
            "How long the last migrate or rollback waited for the migration lock (NaN before the first).",
            secs(self.last_lock_wait_ms.load(Ordering::Relaxed)),
        );
        metric(
            "sqlshift_lock_wait_seconds_total",
            "counter",
            "Time all migrate and rollback requests waited for the migration lock.",
            format!(
                "{}",
                self.lock_wait_ms_total.load(Ordering::Relaxed) as f64 / 1000.0
            ),
        );
        out
    }
}
