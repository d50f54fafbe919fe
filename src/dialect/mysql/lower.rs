//! MySQL-specific rewriting of a change list: column order (MySQL keeps it, so adds get a
//! position and misplaced columns a move), column comments folded into `MODIFY COLUMN`,
//! check and foreign-key renames re-created (MySQL cannot rename them), and table options
//! resolved against the database's defaults.

use super::introspect::{CHARSET, COLLATION, DEFAULT_COLLATION, ENGINE};
use crate::diff::{Change, CommentTarget, Position};
use crate::model::{Column, Index, IndexKey, QName, Schema, Table};
use std::collections::{BTreeMap, BTreeSet};

pub fn lower(changes: Vec<Change>, from: &Schema, to: &Schema) -> Vec<Change> {
    let mut renamed_tables: BTreeMap<QName, QName> = BTreeMap::new();
    for c in &changes {
        if let Change::RenameTable { from, to, .. } = c {
            renamed_tables.insert(to.clone(), from.clone());
        }
    }
    let old_table = |t: &QName| from.tables.get(renamed_tables.get(t).unwrap_or(t));
    let mut out = Vec::new();
    let mut altered: BTreeSet<(QName, String)> = BTreeSet::new();
    for c in changes {
        match c {
            // The full desired column, comment and all, is what MODIFY COLUMN writes.
            Change::AlterColumn {
                table,
                from: f,
                to: t,
            } => {
                let full = to
                    .tables
                    .get(&table)
                    .and_then(|x| x.column(&t.name))
                    .cloned()
                    .unwrap_or(t);
                if let (true, Some(old), Some(new)) = (
                    kind_switch(&f, &full),
                    old_table(&table),
                    to.tables.get(&table),
                ) {
                    out.extend(drop_and_add(&table, old, new, f, full));
                    continue;
                }
                altered.insert((table.clone(), full.name.clone()));
                out.push(Change::AlterColumn {
                    table,
                    from: f,
                    to: full,
                });
            }
            // MySQL has no statement that changes only an index's comment: the index is
            // created again with it.
            Change::SetComment {
                target: CommentTarget::Index(table, name),
                ..
            } => {
                let old = old_table(&table).and_then(|t| t.indexes.iter().find(|i| i.name == name));
                let new = to
                    .tables
                    .get(&table)
                    .and_then(|t| t.indexes.iter().find(|i| i.name == name));
                if let (Some(old), Some(new)) = (old, new) {
                    out.push(Change::DropIndex {
                        table: table.clone(),
                        index: old.clone(),
                    });
                    out.push(Change::CreateIndex {
                        table,
                        index: new.clone(),
                    });
                }
            }
            Change::SetComment {
                target: CommentTarget::Column(table, col),
                ..
            } => {
                if altered.contains(&(table.clone(), col.clone())) {
                    continue;
                }
                let (Some(new), Some(old)) = (
                    to.tables.get(&table).and_then(|x| x.column(&col)).cloned(),
                    old_table(&table).and_then(|x| x.column(&col)).cloned(),
                ) else {
                    continue;
                };
                altered.insert((table.clone(), col.clone()));
                out.push(Change::AlterColumn {
                    table,
                    from: old,
                    to: new,
                });
            }
            Change::RenameConstraint {
                table,
                from: a,
                to: b,
            } => {
                let (Some(old), Some(new)) = (old_table(&table), to.tables.get(&table)) else {
                    continue;
                };
                if new.uniques.iter().any(|u| u.name == b) {
                    out.push(Change::RenameConstraint {
                        table,
                        from: a,
                        to: b,
                    });
                } else if let (Some(x), Some(y)) = (
                    old.checks.iter().find(|k| k.name == a),
                    new.checks.iter().find(|k| k.name == b),
                ) {
                    out.push(Change::DropCheck {
                        table: table.clone(),
                        check: x.clone(),
                    });
                    out.push(Change::AddCheck {
                        table,
                        check: y.clone(),
                    });
                } else if let (Some(x), Some(y)) = (
                    old.foreign_keys.iter().find(|k| k.name == a),
                    new.foreign_keys.iter().find(|k| k.name == b),
                ) {
                    out.push(Change::DropForeignKey {
                        table: table.clone(),
                        fk: x.clone(),
                    });
                    out.push(Change::AddForeignKey {
                        table,
                        fk: y.clone(),
                    });
                }
                // Primary keys are always PRIMARY on MySQL: nothing to rename.
            }
            Change::SetTableOptions { table, .. } => {
                if let (Some(old), Some(new)) = (old_table(&table), to.tables.get(&table)) {
                    if let Some(c) = table_options(&table, old, new, to) {
                        out.push(c);
                    }
                }
            }
            other => out.push(other),
        }
    }
    for (name, new) in &to.tables {
        if let Some(old) = old_table(name) {
            positions(name, old, new, &mut out);
        }
    }
    once_each(out)
}

/// A key, index, check or foreign key dropped or re-created both for itself and for a
/// column it names (see `drop_and_add`) is dropped or created once.
fn once_each(changes: Vec<Change>) -> Vec<Change> {
    let mut seen: BTreeSet<(&'static str, QName, String)> = BTreeSet::new();
    changes
        .into_iter()
        .filter(|c| {
            let name = match c {
                Change::DropUnique { unique, .. } | Change::AddUnique { unique, .. } => {
                    &unique.name
                }
                Change::DropIndex { index, .. } | Change::CreateIndex { index, .. } => &index.name,
                Change::DropCheck { check, .. } | Change::AddCheck { check, .. } => &check.name,
                Change::DropForeignKey { fk, .. } | Change::AddForeignKey { fk, .. } => &fk.name,
                _ => return true,
            };
            match c.table() {
                Some(t) => seen.insert((c.kind(), t.clone(), name.clone())),
                None => true,
            }
        })
        .collect()
}

/// MySQL cannot `MODIFY` a column between STORED and VIRTUAL, nor between generated and
/// not (MariaDB: "This is not yet supported for generated columns").
fn kind_switch(from: &Column, to: &Column) -> bool {
    match (&from.generated, &to.generated) {
        (Some(a), Some(b)) => a.stored != b.stored,
        (None, None) => false,
        _ => true,
    }
}

/// The column dropped and added again, with what names it (keys, indexes, checks, foreign
/// keys: MySQL refuses to drop a column a check reads, and takes it out of its indexes)
/// dropped before and re-created after, as the desired table has them.
fn drop_and_add(table: &QName, old: &Table, new: &Table, from: Column, to: Column) -> Vec<Change> {
    let col = to.name.clone();
    let names = |cols: &[String]| cols.iter().any(|c| c == &col);
    let reads = |e: &crate::model::Expr| mentions(&e.canon, &col);
    let mut out = Vec::new();
    let mut after = Vec::new();
    for u in old.uniques.iter().filter(|u| names(&u.columns)) {
        out.push(Change::DropUnique {
            table: table.clone(),
            unique: u.clone(),
        });
    }
    for u in new.uniques.iter().filter(|u| names(&u.columns)) {
        after.push(Change::AddUnique {
            table: table.clone(),
            unique: u.clone(),
        });
    }
    let indexed = |i: &Index| {
        i.columns().any(|c| c == col)
            || i.parts.iter().any(|p| match &p.key {
                IndexKey::Expr(e) => reads(e),
                IndexKey::Column(_) => false,
            })
    };
    for i in old.indexes.iter().filter(|i| indexed(i)) {
        out.push(Change::DropIndex {
            table: table.clone(),
            index: i.clone(),
        });
    }
    for i in new.indexes.iter().filter(|i| indexed(i)) {
        after.push(Change::CreateIndex {
            table: table.clone(),
            index: i.clone(),
        });
    }
    for k in old.checks.iter().filter(|k| reads(&k.expr)) {
        out.push(Change::DropCheck {
            table: table.clone(),
            check: k.clone(),
        });
    }
    for k in new.checks.iter().filter(|k| reads(&k.expr)) {
        after.push(Change::AddCheck {
            table: table.clone(),
            check: k.clone(),
        });
    }
    for f in old.foreign_keys.iter().filter(|f| names(&f.columns)) {
        out.push(Change::DropForeignKey {
            table: table.clone(),
            fk: f.clone(),
        });
    }
    for f in new.foreign_keys.iter().filter(|f| names(&f.columns)) {
        after.push(Change::AddForeignKey {
            table: table.clone(),
            fk: f.clone(),
        });
    }
    out.push(Change::DropColumn {
        table: table.clone(),
        column: from,
    });
    out.push(Change::AddColumn {
        table: table.clone(),
        column: to,
        position: None,
    });
    out.extend(after);
    out
}

/// Whether `canon` names `column` (as a whole word, quoted or not).
fn mentions(canon: &str, column: &str) -> bool {
    let lower = canon.to_lowercase();
    let col = column.to_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    lower.match_indices(&col).any(|(at, _)| {
        !word(lower[..at].chars().next_back()) && !word(lower[at + col.len()..].chars().next())
    })
}

/// Effective engine, charset and collation of a table, defaults filled in.
fn effective(
    t: &Table,
    defaults: &BTreeMap<String, String>,
) -> (Option<String>, Option<String>, Option<String>) {
    let charset = t.charset.clone().or_else(|| defaults.get(CHARSET).cloned());
    let collation = t.collation.clone().or_else(|| match &t.charset {
        Some(cs) => defaults.get(&format!("{DEFAULT_COLLATION}{cs}")).cloned(),
        None => defaults.get(COLLATION).cloned(),
    });
    (
        t.engine.clone().or_else(|| defaults.get(ENGINE).cloned()),
        charset,
        collation,
    )
}

fn table_options(table: &QName, old: &Table, new: &Table, to: &Schema) -> Option<Change> {
    let (e1, c1, k1) = effective(old, &to.defaults);
    let (e2, c2, k2) = effective(new, &to.defaults);
    let engine = if e1 != e2 { e2 } else { None };
    let (charset, collation) = if c1 != c2 || k1 != k2 {
        (c2, k2)
    } else {
        (None, None)
    };
    let row_format = (old.row_format != new.row_format)
        .then(|| new.row_format.clone().unwrap_or_else(|| "default".into()));
    let key_block_size =
        (old.key_block_size != new.key_block_size).then(|| new.key_block_size.unwrap_or(0));
    if engine.is_none()
        && charset.is_none()
        && collation.is_none()
        && row_format.is_none()
        && key_block_size.is_none()
    {
        return None;
    }
    Some(Change::SetTableOptions {
        table: table.clone(),
        engine,
        charset,
        collation,
        row_format,
        key_block_size,
    })
}

/// Longest common subsequence of two name lists (the columns that can stay put).
fn lcs(a: &[String], b: &[String]) -> BTreeSet<String> {
    let (n, m) = (a.len(), b.len());
    let mut dp = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            dp[i][j] = if a[i] == b[j] {
                dp[i + 1][j + 1] + 1
            } else {
                dp[i + 1][j].max(dp[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut keep) = (0, 0, BTreeSet::new());
    while i < n && j < m {
        if a[i] == b[j] {
            keep.insert(a[i].clone());
            i += 1;
            j += 1;
        } else if dp[i + 1][j] >= dp[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    keep
}

/// Gives added columns their place and moves columns that are out of order.
fn positions(table: &QName, old: &Table, new: &Table, out: &mut Vec<Change>) {
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let mut dropped = BTreeSet::new();
    for c in out.iter() {
        match c {
            Change::RenameColumn {
                table: t, from, to, ..
            } if t == table => {
                renames.insert(from.clone(), to.clone());
            }
            Change::DropColumn { table: t, column } if t == table => {
                dropped.insert(column.name.clone());
            }
            _ => {}
        }
    }
    let current: Vec<String> = old
        .columns
        .iter()
        .filter(|c| !dropped.contains(&c.name))
        .map(|c| {
            renames
                .get(&c.name)
                .cloned()
                .unwrap_or_else(|| c.name.clone())
        })
        .collect();
    let desired: Vec<String> = new.columns.iter().map(|c| c.name.clone()).collect();
    let existing: Vec<String> = desired
        .iter()
        .filter(|c| current.contains(c))
        .cloned()
        .collect();
    let keep = lcs(&current, &existing);

    for (i, col) in desired.iter().enumerate() {
        let place = match i {
            0 => Position::First,
            _ => Position::After(desired[i - 1].clone()),
        };
        let is_new = !current.contains(col);
        if !is_new && keep.contains(col) {
            continue;
        }
        // Appending is right for the last column (moves and the other adds place every
        // column relative to its predecessor, in order).
        let at_end = i > 0 && i == desired.len() - 1;
        if is_new {
            for c in out.iter_mut() {
                if let Change::AddColumn {
                    table: t,
                    column,
                    position,
                } = c
                {
                    if t == table && &column.name == col {
                        *position = if at_end { None } else { Some(place.clone()) };
                    }
                }
            }
        } else {
            let Some(to_col) = new.column(col).cloned() else {
                continue;
            };
            let old_name = renames
                .iter()
                .find(|(_, n)| *n == col)
                .map(|(o, _)| o.clone())
                .unwrap_or_else(|| col.clone());
            let from_col = old
                .column(&old_name)
                .cloned()
                .unwrap_or_else(|| to_col.clone());
            // The move's MODIFY COLUMN carries the definition too: drop a separate alter.
            out.retain(|c| !matches!(c, Change::AlterColumn { table: t, to, .. } if t == table && &to.name == col));
            out.push(Change::MoveColumn {
                table: table.clone(),
                from: from_col,
                to: to_col,
                position: place,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcs_keeps_the_longest_ordered_run() {
        let a: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let b: Vec<String> = ["b", "c", "a"].iter().map(|s| s.to_string()).collect();
        let keep = lcs(&a, &b);
        assert_eq!(keep.len(), 2);
        assert!(keep.contains("b") && keep.contains("c"));
    }
}
