//! `migrate status` and `migrate history` as JSON documents, for the command line's
//! `--format json` and the service's `GET /v1/status` and `GET /v1/history`: one shape.

use super::files::Directory;
use super::tracking::{self, State};
use crate::dialect::migrate::TrackingRow;
use serde_json::{json, Value};

/// Counts of `(applied, pending, changed, missing)`.
pub fn counts(entries: &[tracking::Entry<'_>]) -> (usize, usize, usize, usize) {
    let count = |s: &[State]| entries.iter().filter(|e| s.contains(&e.state)).count();
    (
        count(&[State::Applied]),
        count(&[State::Pending, State::PendingOutOfOrder]),
        count(&[State::Changed]),
        count(&[State::Missing]),
    )
}

/// Every migration of the folder and the tracking table with its state.
pub fn status_json(
    target: &str,
    dialect: &str,
    dir: &Directory,
    table: &str,
    rows: &[TrackingRow],
) -> Value {
    let entries = tracking::reconcile(dir, rows);
    let (applied, pending, changed, missing) = counts(&entries);
    let list: Vec<Value> = entries
        .iter()
        .map(|e| {
            json!({
                "version": e.version.to_string(),
                "name": e.name,
                "state": match e.state {
                    State::PendingOutOfOrder => "pending",
                    s => s.as_str(),
                },
                "out_of_order": e.state == State::PendingOutOfOrder,
                "file": e.file.map(|f| f.up_file.clone()),
                "applied_at": e.row.map(|r| r.applied_at.clone()),
                "checksum": e.file.map(|f| f.checksum.clone()),
                "applied_checksum": e.row.map(|r| r.checksum.clone()),
            })
        })
        .collect();
    json!({
        "version": 1,
        "target": target,
        "dialect": dialect,
        "directory": dir.path.display().to_string(),
        "tracking_table": table,
        "summary": {"applied": applied, "pending": pending, "changed": changed, "missing": missing},
        "migrations": list,
    })
}

/// The tracking table's rows, oldest first (by when they were applied).
pub fn history_json(target: &str, table: &str, rows: &[TrackingRow]) -> Value {
    let list: Vec<Value> = sorted_history(rows)
        .iter()
        .map(|r| {
            json!({
                "version": r.version.to_string(),
                "name": r.name,
                "applied_at": r.applied_at,
                "execution_time_ms": r.execution_time_ms,
                "applied_by": r.applied_by,
                "checksum": r.checksum,
            })
        })
        .collect();
    json!({"version": 1, "target": target, "tracking_table": table, "applied": list})
}

/// Rows in the order they were applied.
pub fn sorted_history(rows: &[TrackingRow]) -> Vec<&TrackingRow> {
    let mut rows: Vec<&TrackingRow> = rows.iter().collect();
    rows.sort_by(|a, b| (&a.applied_at, a.version).cmp(&(&b.applied_at, b.version)));
    rows
}
