//! Differences inside one table: columns, keys, constraints, indexes, comments.

use super::{Change, CommentTarget};
use crate::model::{Index, Table};

pub fn diff_table(from: &Table, to: &Table, out: &mut Vec<Change>) {
    let name = &to.name;
    let mut from = std::borrow::Cow::Borrowed(from);
    // Hinted column renames first; the rest of the comparison sees the new names.
    for c in &to.columns {
        let Some(old) = &c.renamed_from else { continue };
        if from.column(&c.name).is_none() && from.column(old).is_some() {
            out.push(Change::RenameColumn {
                table: name.clone(),
                from: old.clone(),
                to: c.name.clone(),
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
        |a, b| a.columns == b.columns,
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
        |a, b| a.expr == b.expr,
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
        |a, b| {
            let mut a = a.clone();
            a.name = b.name.clone();
            &a == b
        },
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
    members(
        &from.indexes,
        &to.indexes,
        |i| &i.name,
        same_index,
        |i| Change::DropIndex {
            table: name.clone(),
            index: i.clone(),
        },
        |i| Change::CreateIndex {
            table: name.clone(),
            index: i.clone(),
        },
        |f, t| Change::RenameIndex {
            table: name.clone(),
            from: f,
            to: t,
        },
        out,
    );
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
    if from.comment != to.comment {
        out.push(Change::SetComment {
            target: CommentTarget::Table(name.clone()),
            from: from.comment.clone(),
            to: to.comment.clone(),
        });
    }
}

fn same_index(a: &Index, b: &Index) -> bool {
    a.unique == b.unique
        && a.parts == b.parts
        && a.predicate == b.predicate
        && a.method == b.method
        && a.comment == b.comment
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
    for i in &mut t.indexes {
        for p in &mut i.parts {
            if let crate::model::IndexKey::Column(c) = &mut p.key {
                if c == old {
                    *c = new.to_string();
                }
            }
        }
    }
}
