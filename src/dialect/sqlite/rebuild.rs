//! The twelve-step table rebuild (sqlite.org/lang_altertable.html#otheralter): create the
//! new shape under a temporary name, copy the rows, carry the AUTOINCREMENT counter, drop
//! the old table, rename, and re-create indexes and the triggers stored with the table.
//! Foreign-key enforcement is switched off around the transaction by the executor and
//! checked with `PRAGMA foreign_key_check` before commit.

use super::super::ansi;
use super::super::writer::{quote_ident, quote_literal};
use super::render::create_table;
use crate::diff::Change;
use crate::model::{QName, Schema, Table};
use std::collections::BTreeMap;

/// Changes SQLite performs in place.
fn native(c: &Change) -> bool {
    match c {
        Change::AddColumn { column, .. } => {
            // ALTER TABLE ADD COLUMN refuses these (sqlite.org/lang_altertable.html).
            let default_ok = column.default.as_ref().is_none_or(|d| {
                let s = d.sql.trim();
                !s.starts_with('(')
                    && !s.to_ascii_uppercase().starts_with("CURRENT_")
                    && !s.contains('(')
            });
            (column.nullable || column.default.is_some())
                && default_ok
                && column.generated.as_ref().is_none_or(|g| !g.stored)
        }
        Change::CreateTable(_)
        | Change::DropTable(_)
        | Change::RenameTable { .. }
        | Change::RenameColumn { .. }
        | Change::CreateIndex { .. }
        | Change::DropIndex { .. }
        | Change::CreateView(_)
        | Change::DropView(_) => true,
        _ => false,
    }
}

/// Replaces every change to a table SQLite cannot alter in place by one rebuild.
pub fn lower(changes: Vec<Change>, from: &Schema, to: &Schema) -> Vec<Change> {
    let mut renamed: BTreeMap<QName, QName> = BTreeMap::new();
    for c in &changes {
        if let Change::RenameTable { from, to, .. } = c {
            renamed.insert(to.clone(), from.clone());
        }
    }
    // Key and foreign-key names are regenerated from the stored SQL (see normalize), so
    // renaming one needs no SQL at all; check names are stored and still need a rebuild.
    let changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| match c {
            Change::RenameConstraint { table, to: new, .. } => to
                .tables
                .get(table)
                .is_some_and(|t| t.checks.iter().any(|k| &k.name == new)),
            _ => true,
        })
        .collect();
    let mut rebuild: Vec<QName> = Vec::new();
    for c in &changes {
        if let Some(t) = c.table() {
            // ADD COLUMN cannot know the table is STRICT, where a NUMERIC column is `ANY`.
            let strict_any = matches!(c, Change::AddColumn { column, .. }
                if matches!(column.data_type, crate::model::DataType::Numeric(_)))
                && to.tables.get(t).is_some_and(|t| t.strict);
            if (!native(c) || strict_any) && !rebuild.contains(t) && to.tables.contains_key(t) {
                rebuild.push(t.clone());
            }
        }
    }
    let mut out: Vec<Change> = Vec::new();
    for c in changes {
        match c {
            Change::RenameTable { .. } | Change::CreateTable(_) | Change::DropTable(_) => {
                out.push(c)
            }
            // SQLite has no ALTER INDEX … RENAME: the index is dropped and re-created.
            Change::RenameIndex {
                table,
                from: old,
                to: new,
            } if !rebuild.contains(&table) => {
                let old_table = renamed.get(&table).unwrap_or(&table);
                let old_index = from
                    .tables
                    .get(old_table)
                    .and_then(|t| t.indexes.iter().find(|i| i.name == old));
                let new_index = to
                    .tables
                    .get(&table)
                    .and_then(|t| t.indexes.iter().find(|i| i.name == new));
                if let (Some(a), Some(b)) = (old_index, new_index) {
                    out.push(Change::DropIndex {
                        table: table.clone(),
                        index: a.clone(),
                    });
                    out.push(Change::CreateIndex {
                        table,
                        index: b.clone(),
                    });
                }
            }
            other => {
                if other.table().is_none_or(|t| !rebuild.contains(t)) {
                    out.push(other);
                }
            }
        }
    }
    for t in &rebuild {
        let old_name = renamed.get(t).unwrap_or(t);
        let (Some(old), Some(new)) = (from.tables.get(old_name), to.tables.get(t)) else {
            continue;
        };
        let mut old = old.clone();
        // The rebuild needs the name the table had before this plan renamed it: the
        // triggers it re-creates are stored under that name (see `render`).
        old.renamed_from = (old_name != t).then(|| old_name.name.clone());
        old.name = t.clone();
        out.push(Change::RebuildTable {
            from: old,
            to: new.clone(),
        });
    }
    crate::diff::add_view_recreations(&mut out, from, to);
    out
}

pub fn render(from: &Table, to: &Table) -> Vec<String> {
    let tmp = format!("_sqlshift_new_{}", to.name.name);
    let tmp_q = quote_ident(&tmp);
    let mut out = Vec::new();
    let mut table = to.clone();
    table.indexes.clear();
    out.extend(create_table(&table, &tmp_q));
    let mut targets = Vec::new();
    let mut sources = Vec::new();
    for c in to.columns.iter().filter(|c| c.generated.is_none()) {
        let src = if from.column(&c.name).is_some_and(|f| f.generated.is_none()) {
            Some(c.name.clone())
        } else {
            c.renamed_from
                .clone()
                .filter(|old| from.column(old).is_some_and(|f| f.generated.is_none()))
        };
        if let Some(src) = src {
            targets.push(quote_ident(&c.name));
            sources.push(quote_ident(&src));
        }
    }
    if !targets.is_empty() {
        out.push(format!(
            "INSERT INTO {tmp_q} ({}) SELECT {} FROM {}",
            targets.join(", "),
            sources.join(", "),
            ansi::qname(&to.name)
        ));
    }
    if to.columns.iter().any(|c| c.autoincrement) {
        // The copy set the new table's counter to the highest id left; the old counter
        // remembers ids already handed out (and deleted), which must never be reused.
        // `DROP TABLE` deletes the old table's row, and the rename carries the new one.
        let tmp_l = quote_literal(&tmp);
        out.push(format!("DELETE FROM sqlite_sequence WHERE name = {tmp_l}"));
        out.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {tmp_l}, seq FROM sqlite_sequence WHERE name = {} COLLATE NOCASE",
            quote_literal(&from.name.name)
        ));
    }
    out.push(format!("DROP TABLE {}", ansi::qname(&to.name)));
    // Since SQLite 3.26 a rename re-checks every trigger and view in the schema, and those
    // that name the table just dropped fail it ("error in trigger …: no such table"). The
    // legacy rename leaves them alone: they name the table by the name it gets back.
    out.push("PRAGMA legacy_alter_table = ON".to_string());
    out.push(format!(
        "ALTER TABLE {tmp_q} RENAME TO {}",
        quote_ident(&to.name.name)
    ));
    out.push("PRAGMA legacy_alter_table = OFF".to_string());
    out.extend(
        to.indexes
            .iter()
            .map(|i| ansi::create_index(&to.name, i, false)),
    );
    // Dropping the table dropped its triggers; they come back exactly as stored.
    out.extend(with_old_names(from, to, from.attached.clone()));
    if !from.attached.is_empty() {
        // SQLite accepts a trigger that names a column the new shape no longer has (a
        // dropped or renamed one) and fails only when it fires. Preparing a statement of
        // each kind compiles every trigger now, so such a rebuild fails and rolls back
        // instead of leaving the application a broken trigger. No row is touched.
        let table = ansi::qname(&to.name);
        let cols: Vec<String> = to
            .columns
            .iter()
            .filter(|c| c.generated.is_none())
            .map(|c| quote_ident(&c.name))
            .collect();
        let check = format!("/* sqlshift: compiles the triggers re-created on {table} */");
        if let Some(first) = cols.first() {
            out.push(format!(
                "INSERT INTO {table} ({first}) SELECT {first} FROM {table} WHERE 0 {check}"
            ));
            let set: Vec<String> = cols.iter().map(|c| format!("{c} = {c}")).collect();
            out.push(format!(
                "UPDATE {table} SET {} WHERE 0 {check}",
                set.join(", ")
            ));
        }
        out.push(format!("DELETE FROM {table} WHERE 0 {check}"));
    }
    out
}

/// `statements` (triggers stored before this plan ran) run while the table and the
/// columns this plan renames carry their old names again, so the text still fits; the
/// renames back are SQLite's own, which rewrite the new triggers as any rename does.
fn with_old_names(from: &Table, to: &Table, statements: Vec<String>) -> Vec<String> {
    if statements.is_empty() {
        return statements;
    }
    let columns: Vec<(&str, &str)> = to
        .columns
        .iter()
        .filter_map(|c| {
            let old = c.renamed_from.as_deref()?;
            (from.column(&c.name).is_none() && from.column(old).is_some())
                .then_some((c.name.as_str(), old))
        })
        .collect();
    let table = quote_ident(&to.name.name);
    let mut out = Vec::new();
    let mut back = Vec::new();
    for (new, old) in &columns {
        out.push(format!(
            "ALTER TABLE {table} RENAME COLUMN {} TO {}",
            quote_ident(new),
            quote_ident(old)
        ));
        back.push(format!(
            "ALTER TABLE {table} RENAME COLUMN {} TO {}",
            quote_ident(old),
            quote_ident(new)
        ));
    }
    if let Some(old) = &from.renamed_from {
        out.push(format!(
            "ALTER TABLE {table} RENAME TO {}",
            quote_ident(old)
        ));
        back.insert(
            0,
            format!("ALTER TABLE {} RENAME TO {table}", quote_ident(old)),
        );
    }
    out.extend(statements);
    out.extend(back);
    out
}
