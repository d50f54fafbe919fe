//! The tracking table as the engine sees it: its name, keeping it out of schema
//! comparisons, and reconciling its rows with the migration files (applied, pending,
//! changed, missing). The SQL that creates, reads and writes it lives in each dialect's
//! `migrate.rs`.

use super::files::{Directory, Migration};
use super::MigrateError;
use crate::dialect::migrate::TrackingRow;
use crate::dialect::Dialect;
use crate::model::{QName, Schema};
use serde::Serialize;

pub const DEFAULT_TABLE: &str = "schema_migrations";

/// Checks a configured tracking-table name: `table` or `schema.table`, plain identifiers.
pub fn check_table_name(name: &str) -> Result<(), MigrateError> {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() <= 2 && parts.iter().all(|p| part_ok(p)) {
        Ok(())
    } else {
        Err(MigrateError::BadTrackingTable {
            name: name.to_string(),
        })
    }
}

/// The tracking table's key in a schema normalized for `dialect`.
pub fn qname(table: &str, dialect: &dyn Dialect) -> QName {
    match table.split_once('.') {
        Some((s, t)) if !dialect.default_schema().is_empty() => QName::new(s, t),
        Some((_, t)) => QName::new("", t),
        None => QName::new(dialect.default_schema(), table),
    }
}

/// Removes the tracking table from an introspected schema: it is sqlshift's bookkeeping,
/// not part of the application's schema, so no plan may create, alter or drop it.
///
/// A table of that name that is not sqlshift's (Rails keeps its own `schema_migrations`,
/// with a `version` column only) is part of the application's schema: it is not hidden.
///
/// The audit table next to it (`<table>_audit`) is hidden the same way.
pub fn hide(schema: &mut Schema, table: &str, dialect: &dyn Dialect) {
    hide_one(schema, table, dialect, is_ours);
    hide_one(
        schema,
        &super::audit::table(table),
        dialect,
        super::audit::is_ours,
    );
}

fn hide_one(
    schema: &mut Schema,
    table: &str,
    dialect: &dyn Dialect,
    ours: fn(&crate::model::Table) -> bool,
) {
    let key = qname(table, dialect);
    if let Some(t) = schema.tables.get(&key) {
        if !ours(t) {
            return;
        }
    }
    schema.tables.remove(&key);
    schema
        .unmanaged
        .retain(|u| u.name != key.name && u.name != table);
}

/// Whether a table has the tracking table's own columns.
pub fn is_ours(t: &crate::model::Table) -> bool {
    ["version", "checksum", "down_sql"]
        .iter()
        .all(|c| t.column(c).is_some())
}

/// Where one migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Applied, and the file still matches what was applied.
    Applied,
    /// Not applied yet.
    Pending,
    /// Not applied, but older than the newest applied migration (merged from a branch).
    PendingOutOfOrder,
    /// Applied, but the file has changed since.
    Changed,
    /// Applied, but there is no file for it.
    Missing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::PendingOutOfOrder => "pending (out of order)",
            State::Changed => "changed",
            State::Missing => "missing",
        }
    }
}

/// A migration with its state: a file, a tracking row, or both.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub version: i64,
    pub name: String,
    pub state: State,
    pub file: Option<&'a Migration>,
    pub row: Option<&'a TrackingRow>,
}

/// Lines up files and tracking rows by version.
pub fn reconcile<'a>(dir: &'a Directory, rows: &'a [TrackingRow]) -> Vec<Entry<'a>> {
    let newest_applied = rows.iter().map(|r| r.version).max();
    let mut out = Vec::new();
    for m in &dir.migrations {
        let row = rows.iter().find(|r| r.version == m.version);
        let state = match row {
            Some(r) if r.checksum == m.checksum => State::Applied,
            Some(_) => State::Changed,
            None if newest_applied.is_some_and(|n| n > m.version) => State::PendingOutOfOrder,
            None => State::Pending,
        };
        out.push(Entry {
            version: m.version,
            name: m.name.clone(),
            state,
            file: Some(m),
            row,
        });
    }
    for r in rows {
        if dir.get(r.version).is_none() {
            out.push(Entry {
                version: r.version,
                name: r.name.clone(),
                state: State::Missing,
                file: None,
                row: Some(r),
            });
        }
    }
    out.sort_by_key(|e| e.version);
    out
}

/// `user@host` of the current process, for `applied_by`.
pub fn applied_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    format!("{user}@{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_table_names() {
        assert!(check_table_name("schema_migrations").is_ok());
        assert!(check_table_name("ops.schema_migrations").is_ok());
        assert!(check_table_name("a;drop").is_err());
        assert!(check_table_name("a.b.c").is_err());
        assert_eq!(
            qname("schema_migrations", &crate::dialect::postgres::Postgres),
            QName::new("public", "schema_migrations")
        );
        assert_eq!(
            qname("schema_migrations", &crate::dialect::sqlite::Sqlite),
            QName::new("", "schema_migrations")
        );
    }
}
