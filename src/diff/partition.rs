//! Partitioned tables, partitions and inheriting tables (PostgreSQL): a table's place among
//! them, and what a parent's change already does to its partitions and children.

use super::Change;
use crate::model::{Column, Schema, Table};

/// How the table's partitioning, parent or parents change. A partitioned table's key and
/// whether a table is partitioned at all cannot change without moving every row into a
/// new table: that is refused, named, never done by dropping anything.
pub fn placement(from: &Table, to: &Table, out: &mut Vec<Change>) {
    let name = &to.name;
    let refuse = |reason: String| Change::Refuse {
        table: name.clone(),
        reason,
    };
    match (&from.partition_by, &to.partition_by) {
        (None, Some(k)) => out.push(refuse(format!(
            "it is a plain table in the database and partitioned (PARTITION BY {}) in the schema; PostgreSQL cannot partition a table in place, so its rows would have to move into a new partitioned table: create that under another name, move the rows, then swap the names",
            key_text(k)
        ))),
        (Some(k), None) => out.push(refuse(format!(
            "it is partitioned (PARTITION BY {}) in the database and a plain table in the schema; its rows live in its partitions and would have to move into a new table: create that under another name, move the rows, then swap the names",
            key_text(k)
        ))),
        (Some(a), Some(b)) if a != b => out.push(refuse(format!(
            "its partition key changes from {} to {}; PostgreSQL cannot change a partition key in place, so every row would have to move into a new partitioned table: create that under another name, move the rows, then swap the names",
            key_text(a),
            key_text(b)
        ))),
        _ => {}
    }
    if from.partition_of != to.partition_of {
        out.push(Change::SetPartitionOf {
            table: name.clone(),
            from: from.partition_of.as_deref().cloned(),
            to: to.partition_of.as_deref().cloned(),
        });
    }
    let mut a = from.inherits.clone();
    let mut b = to.inherits.clone();
    a.sort();
    b.sort();
    if a != b {
        // Leaving a parent comes before the columns it gave are dropped; joining one
        // after the columns it needs are added: two steps.
        let remove: Vec<_> = from
            .inherits
            .iter()
            .filter(|p| !to.inherits.contains(p))
            .cloned()
            .collect();
        let add: Vec<_> = to
            .inherits
            .iter()
            .filter(|p| !from.inherits.contains(p))
            .cloned()
            .collect();
        if !remove.is_empty() {
            out.push(Change::SetInherits {
                table: name.clone(),
                add: Vec::new(),
                remove,
            });
        }
        if !add.is_empty() {
            out.push(Change::SetInherits {
                table: name.clone(),
                add,
                remove: Vec::new(),
            });
        }
    }
}

/// `RANGE (a, lower(b))`, for messages.
fn key_text(k: &crate::model::PartitionKey) -> String {
    let parts: Vec<String> = k
        .parts
        .iter()
        .map(|p| match &p.key {
            crate::model::IndexKey::Column(c) => c.clone(),
            crate::model::IndexKey::Expr(e) => format!("({})", e.sql),
        })
        .collect();
    format!("{} ({})", k.strategy, parts.join(", "))
}

/// The live partition or inheriting table `child` as it will be once its parents' changes
/// have run: PostgreSQL adds, drops, renames and re-types a parent's column, and sets or
/// drops its default and NOT NULL, on every partition and child as well. What is left to
/// plan on the child itself is only where it differs from its parents.
pub fn after_parents(from: &Schema, to: &Schema, child: &Table) -> Option<Table> {
    let mut out: Option<Table> = None;
    for p in child.parents() {
        // Only a parent the child already had passes its changes down.
        let Some(want) = to.tables.get(p) else {
            continue;
        };
        let Some(was) = from.tables.get(p) else {
            continue;
        };
        let t = out.get_or_insert_with(|| child.clone());
        for c in &want.columns {
            let old_name = match from_name(was, c) {
                Some(n) => n,
                None => {
                    if t.column(&c.name).is_none() {
                        t.columns.push(passed_down(c));
                    }
                    continue;
                }
            };
            let Some(old) = was.column(&old_name) else {
                continue;
            };
            if old_name != c.name {
                super::rename_column(t, &old_name, &c.name);
            }
            let Some(mine) = t.column_mut(&c.name) else {
                continue;
            };
            if old.data_type != c.data_type || old.collation != c.collation {
                mine.data_type = c.data_type.clone();
                mine.collation.clone_from(&c.collation);
            }
            if old.nullable != c.nullable {
                mine.nullable = c.nullable;
            }
            let plain = !old.serial && !c.serial;
            if plain && old.default != c.default {
                mine.default.clone_from(&c.default);
            }
        }
        for c in &was.columns {
            let kept = want
                .columns
                .iter()
                .any(|w| from_name(was, w).as_deref() == Some(c.name.as_str()));
            let follows =
                child.partition_of.is_some() || t.column(&c.name).is_some_and(|m| m.inherited);
            if !kept && follows {
                t.columns.retain(|m| m.name != c.name);
            }
        }
    }
    out
}

/// The name `c` (of the desired parent) has in the live parent: its own, or the one a
/// rename hint names.
fn from_name(was: &Table, c: &Column) -> Option<String> {
    if was.column(&c.name).is_some() {
        return Some(c.name.clone());
    }
    c.renamed_from
        .as_ref()
        .filter(|old| was.column(old).is_some())
        .cloned()
}

/// A column `ALTER TABLE parent ADD COLUMN` gives each partition and child.
fn passed_down(c: &Column) -> Column {
    let mut copy = c.clone();
    copy.inherited = true;
    copy.comment = None;
    copy.renamed_from = None;
    copy.serial = false;
    copy.identity = None;
    copy
}
