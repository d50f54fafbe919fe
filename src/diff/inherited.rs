//! The keys, checks and indexes a live partition or inheriting table got from its parent
//! (see `Table::inherited_members`): left alone where the other side does not declare
//! them, compared by name where it does.

use crate::model::{Schema, Table};
use std::borrow::Cow;

/// Takes out of each side's tables the inherited members the other side's same table does
/// not name (all of them, where it has no such table: `inspect` prints what a table
/// declares itself).
pub fn leave_inherited<'a>(
    from: Cow<'a, Schema>,
    to: Cow<'a, Schema>,
) -> (Cow<'a, Schema>, Cow<'a, Schema>) {
    let has = |s: &Schema| s.tables.values().any(|t| !t.inherited_members.is_empty());
    let (from, to) = match has(&from) {
        true => {
            let f = strip(&from, &to);
            (Cow::Owned(f), to)
        }
        false => (from, to),
    };
    match has(&to) {
        true => {
            let t = strip(&to, &from);
            (from, Cow::Owned(t))
        }
        false => (from, to),
    }
}

fn strip(side: &Schema, other: &Schema) -> Schema {
    let mut out = side.clone();
    // An index attached to a parent's index made ON ONLY was made and attached on its own:
    // a side printed whole (`inspect`, where the other side has no such table) keeps it.
    let only_parent = |i: &crate::model::Index| {
        i.attached_to.as_ref().is_some_and(|a| {
            side.tables
                .get(&a.table)
                .and_then(|t| t.indexes.iter().find(|p| p.name == a.name))
                .is_some_and(|p| p.only)
        })
    };
    for (name, t) in out.tables.iter_mut() {
        if t.inherited_members.is_empty() {
            continue;
        }
        let declared = other.tables.get(name);
        let own: Vec<String> = match declared {
            Some(_) => Vec::new(),
            None => t
                .indexes
                .iter()
                .filter(|i| only_parent(i))
                .map(|i| i.name.clone())
                .collect(),
        };
        let keep = |n: &str| declared.is_some_and(|o| names(o, n)) || own.iter().any(|o| o == n);
        let gone: Vec<String> = t
            .inherited_members
            .iter()
            .filter(|n| !keep(n))
            .cloned()
            .collect();
        let drop = |n: &String| gone.contains(n);
        if t.primary_key.as_ref().is_some_and(|p| drop(&p.name)) {
            t.primary_key = None;
        }
        t.uniques.retain(|u| !drop(&u.name));
        t.checks.retain(|c| !drop(&c.name));
        t.foreign_keys.retain(|f| !drop(&f.name));
        t.exclusions.retain(|x| !drop(&x.name));
        t.indexes.retain(|i| !drop(&i.name));
        for n in &gone {
            t.constraint_comments.remove(n);
        }
    }
    out
}

/// True when the table has a key, check, foreign key, exclusion or index named `n`.
fn names(t: &Table, n: &str) -> bool {
    t.primary_key.as_ref().is_some_and(|p| p.name == n)
        || t.uniques.iter().any(|u| u.name == n)
        || t.checks.iter().any(|c| c.name == n)
        || t.foreign_keys.iter().any(|f| f.name == n)
        || t.exclusions.iter().any(|x| x.name == n)
        || t.indexes.iter().any(|i| i.name == n)
}
