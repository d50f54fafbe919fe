//! Differences inside one table: columns, keys, constraints, indexes, comments.

use super::{Change, CommentTarget};
use crate::model::{Index, QName, Table, Unique};
use std::collections::{BTreeMap, BTreeSet};

pub fn diff_table(from: &Table, to: &Table, out: &mut Vec<Change>) {
    let name = &to.name;
    let mut from = std::borrow::Cow::Borrowed(from);
    // Hinted column renames first; the rest of the comparison sees the new names.
    for c in &to.columns {
        let Some(old) = &c.renamed_from else { continue };
        if from.column(&c.name).is_none() && from.column(old).is_some() {
            let sequences = super::follow_column_rename(from.to_mut(), old, &c.name);
            out.push(Change::RenameColumn {
                table: name.clone(),
                from: old.clone(),
                to: c.name.clone(),
                sequences,
            });
            rename_column(from.to_mut(), old, &c.name);
        }
    }
    for c in &to.columns {
        match from.column(&c.name) {
            None => out.push(Change::AddColumn {
                table: name.clone(),
                column: c.clone(),
                position: None,
            }),
            Some(old) => {
                let mut a = old.clone();
                let mut b = c.clone();
                a.comment = None;
                b.comment = None;
                a.renamed_from = None;
                b.renamed_from = None;
                if a != b {
                    out.push(Change::AlterColumn {
                        table: name.clone(),
                        from: a,
                        to: b,
                    });
                }
                if old.comment != c.comment {
                    out.push(Change::SetComment {
                        target: CommentTarget::Column(name.clone(), c.name.clone()),
                        from: old.comment.clone(),
                        to: c.comment.clone(),
                    });
                }
            }
        }
    }
    for c in &from.columns {
        if to.column(&c.name).is_none() {
            out.push(Change::DropColumn {
                table: name.clone(),
                column: c.clone(),
            });
        }
    }

    let start = out.len();
    match (&from.primary_key, &to.primary_key) {
        (Some(a), Some(b)) if a == b => {}
        (Some(a), Some(b)) if a.columns == b.columns && a.desc == b.desc => {
            out.push(Change::RenameConstraint {
                table: name.clone(),
                from: a.name.clone(),
                to: b.name.clone(),
            })
        }
        (a, b) => {
            if let Some(a) = a {
                out.push(Change::DropPrimaryKey {
                    table: name.clone(),
                    pk: a.clone(),
                });
            }
            if let Some(b) = b {
                out.push(Change::AddPrimaryKey {
                    table: name.clone(),
                    pk: b.clone(),
                });
            }
        }
    }
    members(
        &from.uniques,
        &to.uniques,
        |u| &u.name,
        Unique::same_definition,
        |u| Change::DropUnique {
            table: name.clone(),
            unique: u.clone(),
        },
        |u| Change::AddUnique {
            table: name.clone(),
            unique: u.clone(),
        },
        |f, t| Change::RenameConstraint {
            table: name.clone(),
            from: f,
            to: t,
        },
        out,
    );
    members(
        &from.checks,
        &to.checks,
        |c| &c.name,
        // NOT VALID → validated is a VALIDATE step (below); the other way the constraint
        // is added again NOT VALID, as the file says.
        |a, b| a.expr == b.expr && (a.not_valid || !b.not_valid),
        |c| Change::DropCheck {
            table: name.clone(),
            check: c.clone(),
        },
        |c| Change::AddCheck {
            table: name.clone(),
            check: c.clone(),
        },
        |f, t| Change::RenameConstraint {
            table: name.clone(),
            from: f,
            to: t,
        },
        out,
    );
    members(
        &from.foreign_keys,
        &to.foreign_keys,
        |c| &c.name,
        // As for checks: validating is a step of its own, loosening re-adds the key.
        |a, b| a.same_definition(b) && (a.not_valid || !b.not_valid),
        |c| Change::DropForeignKey {
            table: name.clone(),
            fk: c.clone(),
        },
        |c| Change::AddForeignKey {
            table: name.clone(),
            fk: c.clone(),
        },
        |f, t| Change::RenameConstraint {
            table: name.clone(),
            from: f,
            to: t,
        },
        out,
    );
    let comments = constraint_comments(&from, to, &out[start..]);
    out.extend(comments);
    members(
        &from.exclusions,
        &to.exclusions,
        |x| &x.name,
        |a, b| a.same_definition(b),
        |x| Change::DropExclusion {
            table: name.clone(),
            exclusion: x.clone(),
        },
        |x| Change::AddExclusion {
            table: name.clone(),
            exclusion: x.clone(),
        },
        |f, t| Change::RenameConstraint {
            table: name.clone(),
            from: f,
            to: t,
        },
        out,
    );
    // A NOT VALID constraint the file wants validated: check the rows, keep the
    // constraint.
    let unvalidated = from
        .checks
        .iter()
        .filter(|c| c.not_valid)
        .filter(|c| {
            to.checks
                .iter()
                .any(|w| w.name == c.name && w.expr == c.expr && !w.not_valid)
        })
        .map(|c| &c.name);
    let unvalidated_fks = from
        .foreign_keys
        .iter()
        .filter(|f| f.not_valid)
        .filter(|f| {
            to.foreign_keys
                .iter()
                .any(|w| w.name == f.name && w.same_definition(f) && !w.not_valid)
        });
    for n in unvalidated.chain(unvalidated_fks.map(|f| &f.name)) {
        out.push(Change::ValidateConstraint {
            table: name.clone(),
            name: n.clone(),
        });
    }
    indexes(name, &from.indexes, &to.indexes, out);
    if (&from.engine, &from.charset, &from.collation) != (&to.engine, &to.charset, &to.collation)
        || (&from.row_format, from.key_block_size) != (&to.row_format, to.key_block_size)
        || (from.without_rowid, from.strict) != (to.without_rowid, to.strict)
    {
        let changed =
            |a: &Option<String>, b: &Option<String>| if a != b { b.clone() } else { None };
        out.push(Change::SetTableOptions {
            table: name.clone(),
            engine: changed(&from.engine, &to.engine),
            charset: changed(&from.charset, &to.charset),
            collation: changed(&from.collation, &to.collation),
            row_format: (from.row_format != to.row_format)
                .then(|| to.row_format.clone().unwrap_or_else(|| "default".into())),
            key_block_size: (from.key_block_size != to.key_block_size)
                .then(|| to.key_block_size.unwrap_or(0)),
        });
    }
    if from.unlogged != to.unlogged {
        out.push(Change::SetLogged {
            table: name.clone(),
            unlogged: to.unlogged,
        });
    }
    let wanted = kept_storage(&from, to);
    if !crate::model::same_options(&from.storage, &wanted) {
        out.push(Change::SetStorage {
            table: name.clone(),
            from: from.storage.clone(),
            to: wanted,
        });
    }
    if from.comment != to.comment {
        out.push(Change::SetComment {
            target: CommentTarget::Table(name.clone()),
            from: from.comment.clone(),
            to: to.comment.clone(),
        });
    }
}

/// The comments of `to`'s constraints that differ from what the database will have after
/// `changes` (this table's constraint changes): a renamed constraint keeps its comment, a
/// re-created one has none.
fn constraint_comments(from: &Table, to: &Table, changes: &[Change]) -> Vec<Change> {
    if from.constraint_comments.is_empty() && to.constraint_comments.is_empty() {
        return Vec::new();
    }
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
    let mut added: BTreeSet<&str> = BTreeSet::new();
    for c in changes {
        match c {
            Change::RenameConstraint { from, to, .. } => {
                renamed.insert(to, from);
            }
            Change::AddPrimaryKey { pk, .. } => {
                added.insert(&pk.name);
            }
            Change::AddUnique { unique, .. } => {
                added.insert(&unique.name);
            }
            Change::AddCheck { check, .. } => {
                added.insert(&check.name);
            }
            Change::AddForeignKey { fk, .. } => {
                added.insert(&fk.name);
            }
            _ => {}
        }
    }
    let names = to
        .primary_key
        .iter()
        .map(|p| &p.name)
        .chain(to.uniques.iter().map(|u| &u.name))
        .chain(to.checks.iter().map(|c| &c.name))
        .chain(to.foreign_keys.iter().map(|f| &f.name));
    let mut out = Vec::new();
    for n in names {
        let want = to.constraint_comments.get(n);
        let was = if added.contains(n.as_str()) {
            None
        } else {
            let old = renamed.get(n.as_str()).copied().unwrap_or(n);
            from.constraint_comments.get(old)
        };
        if want != was {
            out.push(Change::SetComment {
                target: CommentTarget::Constraint(to.name.clone(), n.clone()),
                from: was.cloned(),
                to: want.cloned(),
            });
        }
    }
    out
}

/// The indexes of table or materialized view `rel`: created, dropped, renamed, and their
/// comments (a created index brings its own; a renamed one keeps the one it had).
pub fn indexes(rel: &QName, from: &[Index], to: &[Index], out: &mut Vec<Change>) {
    let start = out.len();
    members(
        from,
        to,
        |i| &i.name,
        Index::same_definition,
        |i| Change::DropIndex {
            table: rel.clone(),
            index: i.clone(),
        },
        |i| Change::CreateIndex {
            table: rel.clone(),
            index: i.clone(),
        },
        |f, t| Change::RenameIndex {
            table: rel.clone(),
            from: f,
            to: t,
        },
        out,
    );
    let renamed: BTreeMap<String, String> = out[start..]
        .iter()
        .filter_map(|c| match c {
            Change::RenameIndex { from, to, .. } => Some((to.clone(), from.clone())),
            _ => None,
        })
        .collect();
    for b in to {
        let old = renamed.get(&b.name).unwrap_or(&b.name);
        let Some(a) = from.iter().find(|a| a.name == *old && a.same_definition(b)) else {
            continue;
        };
        if a.comment != b.comment {
            out.push(Change::SetComment {
                target: CommentTarget::Index(rel.clone(), b.name.clone()),
                from: a.comment.clone(),
                to: b.comment.clone(),
            });
        }
    }
}

/// Matches named members by name; a same-named member with another definition is dropped
/// and re-added; an unmatched pair with equal definitions is a rename.
#[allow(clippy::too_many_arguments)]
fn members<T: Clone + PartialEq>(
    from: &[T],
    to: &[T],
    name: impl Fn(&T) -> &String,
    same_def: impl Fn(&T, &T) -> bool,
    drop: impl Fn(&T) -> Change,
    add: impl Fn(&T) -> Change,
    rename: impl Fn(String, String) -> Change,
    out: &mut Vec<Change>,
) {
    let mut unmatched_from: Vec<&T> = Vec::new();
    let mut unmatched_to: Vec<&T> = Vec::new();
    for a in from {
        match to.iter().find(|b| name(b) == name(a)) {
            Some(b) if same_def(a, b) => {}
            Some(b) => {
                out.push(drop(a));
                out.push(add(b));
            }
            None => unmatched_from.push(a),
        }
    }
    for b in to {
        if !from.iter().any(|a| name(a) == name(b)) {
            unmatched_to.push(b);
        }
    }
    // A MySQL table keeps its members in declaration order (the order it is created in);
    // which member pairs with which, and so the plan, must not depend on that order.
    unmatched_from.sort_by(|a, b| name(a).cmp(name(b)));
    unmatched_to.sort_by(|a, b| name(a).cmp(name(b)));
    let mut used = vec![false; unmatched_to.len()];
    for a in unmatched_from {
        let partner = unmatched_to
            .iter()
            .enumerate()
            .find(|(i, b)| !used[*i] && same_def(a, b));
        match partner {
            Some((i, b)) => {
                used[i] = true;
                out.push(rename(name(a).clone(), name(b).clone()));
            }
            None => out.push(drop(a)),
        }
    }
    for (i, b) in unmatched_to.iter().enumerate() {
        if !used[i] {
            out.push(add(b));
        }
    }
}

/// Applies a column rename to every place inside the table that names the column.
pub fn rename_column(t: &mut Table, old: &str, new: &str) {
    let fix = |v: &mut Vec<String>| {
        for c in v.iter_mut() {
            if c == old {
                *c = new.to_string();
            }
        }
    };
    if let Some(c) = t.column_mut(old) {
        c.name = new.to_string();
    }
    if let Some(pk) = &mut t.primary_key {
        fix(&mut pk.columns);
    }
    for u in &mut t.uniques {
        fix(&mut u.columns);
    }
    for f in &mut t.foreign_keys {
        fix(&mut f.columns);
        if f.ref_table == t.name {
            fix(&mut f.ref_columns);
        }
    }
    let parts = t.indexes.iter_mut().flat_map(|i| i.parts.iter_mut());
    let elements = t
        .exclusions
        .iter_mut()
        .flat_map(|x| x.elements.iter_mut().map(|e| &mut e.part));
    for p in parts.chain(elements) {
        if let crate::model::IndexKey::Column(c) = &mut p.key {
            if c == old {
                *c = new.to_string();
            }
        }
    }
    for x in &mut t.exclusions {
        fix(&mut x.include);
    }
}

/// The storage parameters `to` asks of the live table `from`: without the `toast.` ones
/// when PostgreSQL made `from` no TOAST table (it keeps none for such a table, and drops
/// them from a `CREATE TABLE` the same way).
fn kept_storage(from: &Table, to: &Table) -> Vec<(String, String)> {
    to.storage
        .iter()
        .filter(|(k, _)| !(from.no_toast && k.starts_with("toast.")))
        .cloned()
        .collect()
}
