//! `diff(from, to)`: the semantic edits that turn one schema into another. Pure.
//!
//! Renames are planned only where the desired side carries a `renamed-from` hint; an
//! unhinted rename is a drop plus an add, and the drop carries a data-loss hazard.

mod change;
mod table;

pub use change::{Change, CommentTarget, Position};
pub(crate) use table::rename_column;

use crate::model::{QName, Schema, Table};
use std::collections::BTreeSet;

/// Lists the changes from `from` to `to`. Both must be normalized for the same dialect.
pub fn diff(from: &Schema, to: &Schema) -> Vec<Change> {
    let mut out = Vec::new();
    for s in to.schemas.difference(&from.schemas) {
        out.push(Change::CreateSchema(s.clone()));
    }
    for s in from.schemas.difference(&to.schemas) {
        out.push(Change::DropSchema(s.clone()));
    }
    for e in to.extensions.difference(&from.extensions) {
        out.push(Change::CreateExtension(e.clone()));
    }
    for e in from.extensions.difference(&to.extensions) {
        out.push(Change::DropExtension(e.clone()));
    }
    enums(from, to, &mut out);
    for (name, s) in &to.sequences {
        match from.sequences.get(name) {
            None => out.push(Change::CreateSequence(s.clone())),
            Some(old) if old != s => out.push(Change::AlterSequence {
                from: old.clone(),
                to: s.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, s) in &from.sequences {
        if !to.sequences.contains_key(name) {
            out.push(Change::DropSequence(s.clone()));
        }
    }

    // Tables, with hinted renames resolved first.
    let mut renamed_away = BTreeSet::new();
    for (name, t) in &to.tables {
        let old = match from.tables.get(name) {
            Some(old) => Some(std::borrow::Cow::Borrowed(old)),
            None => t.renamed_from.as_ref().and_then(|old_name| {
                let key = crate::model::QName::new(name.schema.clone(), old_name.clone());
                let old = from.tables.get(&key)?;
                if to.tables.contains_key(&key) {
                    return None;
                }
                renamed_away.insert(key.clone());
                out.push(Change::RenameTable {
                    from: key,
                    to: name.clone(),
                });
                let mut moved = old.clone();
                moved.name = name.clone();
                Some(std::borrow::Cow::Owned(moved))
            }),
        };
        match old {
            None => out.push(Change::CreateTable(t.clone())),
            Some(old) => table::diff_table(&old, t, &mut out),
        }
    }
    for (name, t) in &from.tables {
        if !to.tables.contains_key(name) && !renamed_away.contains(name) {
            out.push(Change::DropTable(t.clone()));
        }
    }
    views(from, to, &mut out);
    out
}

fn enums(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, e) in &to.enums {
        let Some(old) = from.enums.get(name) else {
            out.push(Change::CreateEnum(e.clone()));
            continue;
        };
        if old.values == e.values {
            continue;
        }
        let mut it = e.values.iter();
        let appended_only = old.values.iter().all(|v| it.any(|n| n == v));
        if appended_only {
            for (i, v) in e.values.iter().enumerate() {
                if old.values.contains(v) {
                    continue;
                }
                let after = e.values[..i]
                    .iter()
                    .rev()
                    .find(|p| old.values.contains(p))
                    .cloned();
                let before = e.values[i + 1..]
                    .iter()
                    .find(|p| old.values.contains(p))
                    .cloned();
                out.push(Change::AddEnumValue {
                    name: name.clone(),
                    value: v.clone(),
                    before: if after.is_none() { before } else { None },
                    after,
                });
            }
        } else {
            let usages = enum_usages(from, to, name);
            out.push(Change::RebuildEnum {
                from: old.clone(),
                to: e.clone(),
                usages,
            });
        }
    }
    for (name, e) in &from.enums {
        if !to.enums.contains_key(name) {
            out.push(Change::DropEnum(e.clone()));
        }
    }
}

/// Columns that hold the enum before and after, which a rebuild must convert.
fn enum_usages(
    from: &Schema,
    to: &Schema,
    name: &crate::model::QName,
) -> Vec<(crate::model::QName, crate::model::Column)> {
    let uses = |t: &Table, c: &str| {
        t.column(c).is_some_and(|col| match &col.data_type {
            crate::model::DataType::Named(q) => q == name,
            crate::model::DataType::Array(inner) => {
                matches!(&**inner, crate::model::DataType::Named(q) if q == name)
            }
            _ => false,
        })
    };
    let mut out = Vec::new();
    for (tname, t) in &from.tables {
        let Some(new_t) = to.tables.get(tname) else {
            continue;
        };
        for c in &t.columns {
            if uses(t, &c.name) && uses(new_t, &c.name) {
                // The desired column: its default must be valid for the new type.
                if let Some(target) = new_t.column(&c.name) {
                    out.push((tname.clone(), target.clone()));
                }
            }
        }
    }
    out
}

fn views(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, v) in &to.views {
        match from.views.get(name) {
            None => out.push(Change::CreateView(v.clone())),
            Some(old) if old.query != v.query || !old.same_options(v) => {
                out.push(Change::DropView(old.clone()));
                out.push(Change::CreateView(v.clone()));
            }
            Some(old) => {
                if old.comment != v.comment {
                    out.push(Change::SetComment {
                        target: CommentTarget::View(name.clone()),
                        from: old.comment.clone(),
                        to: v.comment.clone(),
                    });
                }
            }
        }
    }
    for (name, v) in &from.views {
        if !to.views.contains_key(name) {
            out.push(Change::DropView(v.clone()));
        }
    }
    add_view_recreations(out, from, to);
}

/// Views that read a table whose columns change (or a view being re-created) must be
/// dropped before the change and created again after it, even if their query is the same.
pub fn add_view_recreations(out: &mut Vec<Change>, from: &Schema, to: &Schema) {
    let mut recreated: BTreeSet<QName> = out
        .iter()
        .filter_map(|c| match c {
            Change::DropView(v) => Some(v.name.clone()),
            _ => None,
        })
        .collect();
    let mut touched: BTreeSet<QName> = out
        .iter()
        .flat_map(|c| c.reshaped_tables())
        .cloned()
        .collect();
    touched.extend(recreated.iter().cloned());
    loop {
        let mut added = false;
        for (name, v) in &to.views {
            if recreated.contains(name) {
                continue;
            }
            let Some(old) = from.views.get(name) else {
                continue;
            };
            if old.depends_on.iter().any(|d| touched.contains(d)) {
                out.push(Change::DropView(old.clone()));
                out.push(Change::CreateView(v.clone()));
                recreated.insert(name.clone());
                touched.insert(name.clone());
                added = true;
            }
        }
        if !added {
            break;
        }
    }
}
