//! SQLite compares table, column, index and view names without regard to case, and keeps
//! them as written. A desired name that differs from the live one only in case names the
//! same object: the desired side takes the live spelling, so no change is planned for it.

use crate::model::{KeyRef, QName, Schema, Table};
use std::collections::{BTreeMap, HashMap};

fn same(a: &QName, b: &QName) -> bool {
    a.schema == b.schema && a.name.eq_ignore_ascii_case(&b.name)
}

/// Gives `desired` the live spelling of every name that differs only in case.
pub fn live_spellings(live: &Schema, desired: &mut Schema) {
    let tables = renames(&live.tables, &desired.tables);
    let views = renames(&live.views, &desired.views);
    for (from, to) in &tables {
        if let Some(mut t) = desired.tables.remove(from) {
            t.name = to.clone();
            desired.tables.insert(to.clone(), t);
        }
    }
    for (from, to) in &views {
        if let Some(mut v) = desired.views.remove(from) {
            v.name = to.clone();
            desired.views.insert(to.clone(), v);
        }
    }
    let relation = |q: &QName| {
        tables
            .iter()
            .chain(&views)
            .find(|(f, _)| f == q)
            .map_or_else(|| q.clone(), |(_, t)| t.clone())
    };
    for t in desired.tables.values_mut() {
        for f in &mut t.foreign_keys {
            f.ref_table = relation(&f.ref_table);
        }
    }
    for v in desired.views.values_mut() {
        v.depends_on = std::mem::take(&mut v.depends_on)
            .iter()
            .map(relation)
            .collect();
    }
    let mut columns: Vec<(QName, String, String)> = Vec::new();
    for (k, t) in desired.tables.iter_mut() {
        let Some(l) = live.tables.get(k) else {
            continue;
        };
        let mut resorted = false;
        for i in &mut t.indexes {
            if l.indexes.iter().any(|x| x.name == i.name) {
                continue;
            }
            if let Some(x) = l
                .indexes
                .iter()
                .find(|x| x.name.eq_ignore_ascii_case(&i.name))
            {
                i.name.clone_from(&x.name);
                resorted = true;
            }
        }
        if resorted {
            t.sort_members();
        }
        let mut renamed = Vec::new();
        for c in &t.columns {
            if l.column(&c.name).is_some() {
                continue;
            }
            let spelled = l
                .columns
                .iter()
                .find(|lc| lc.name.eq_ignore_ascii_case(&c.name));
            if let Some(lc) = spelled.filter(|lc| t.column(&lc.name).is_none()) {
                renamed.push((c.name.clone(), lc.name.clone()));
            }
        }
        for (from, to) in renamed {
            crate::diff::rename_column(t, &from, &to);
            columns.push((k.clone(), from, to));
        }
    }
    for t in desired.tables.values_mut() {
        for f in &mut t.foreign_keys {
            for (table, from, to) in &columns {
                if &f.ref_table == table {
                    for c in f.ref_columns.iter_mut().filter(|c| *c == from) {
                        c.clone_from(to);
                    }
                }
            }
        }
    }
    let mut targets = false;
    for (k, t) in desired.tables.iter_mut() {
        if let Some(l) = live.tables.get(k) {
            targets |= fk_targets(l, t);
        }
    }
    if tables.is_empty() && columns.is_empty() && !targets {
        return;
    }
    // Key names are made from the table's and columns' names (SQLite cannot address a key
    // by name, so they carry no meaning): a key the live table has takes its name.
    for (k, t) in desired.tables.iter_mut() {
        if let Some(l) = live.tables.get(k) {
            key_names(l, t);
        }
    }
}

/// A foreign key's target as written (`REFERENCES TEAMS (ID)`), where the live key names
/// the same one in another case, takes the live spelling. True when any did.
fn fk_targets(live: &Table, t: &mut Table) -> bool {
    let same_names = |a: &[String], b: &[String]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
    };
    let mut changed = false;
    for f in &mut t.foreign_keys {
        let found = live.foreign_keys.iter().find(|lf| {
            lf.columns == f.columns
                && same(&lf.ref_table, &f.ref_table)
                && same_names(&lf.ref_columns, &f.ref_columns)
        });
        if let Some(lf) = found {
            if lf.ref_table != f.ref_table || lf.ref_columns != f.ref_columns {
                f.ref_table.clone_from(&lf.ref_table);
                f.ref_columns.clone_from(&lf.ref_columns);
                changed = true;
            }
        }
    }
    changed
}

/// `(desired, live)` pairs of names equal but for case. One map lookup per name; the live
/// names are folded only when some desired name is missing.
fn renames<V, W>(live: &BTreeMap<QName, V>, desired: &BTreeMap<QName, W>) -> Vec<(QName, QName)> {
    let missing: Vec<&QName> = desired.keys().filter(|d| !live.contains_key(*d)).collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let folded: HashMap<(&str, String), &QName> = live
        .keys()
        .map(|l| ((l.schema.as_str(), l.name.to_ascii_lowercase()), l))
        .collect();
    missing
        .into_iter()
        .filter_map(|d| {
            let l = folded.get(&(d.schema.as_str(), d.name.to_ascii_lowercase()))?;
            (!desired.contains_key(*l)).then(|| (d.clone(), (*l).clone()))
        })
        .collect()
}

fn key_names(live: &Table, t: &mut Table) {
    let mut renamed: Vec<(KeyRef, KeyRef)> = Vec::new();
    if let (Some(p), Some(lp)) = (&mut t.primary_key, &live.primary_key) {
        if p.columns == lp.columns {
            p.name.clone_from(&lp.name);
        }
    }
    for u in &mut t.uniques {
        if let Some(lu) = live.uniques.iter().find(|lu| lu.columns == u.columns) {
            renamed.push((
                KeyRef::Unique(u.name.clone()),
                KeyRef::Unique(lu.name.clone()),
            ));
            u.name.clone_from(&lu.name);
        }
    }
    for f in &mut t.foreign_keys {
        let found = live.foreign_keys.iter().find(|lf| {
            lf.columns == f.columns
                && lf.ref_table == f.ref_table
                && lf.ref_columns == f.ref_columns
        });
        if let Some(lf) = found {
            renamed.push((
                KeyRef::ForeignKey(f.name.clone()),
                KeyRef::ForeignKey(lf.name.clone()),
            ));
            f.name.clone_from(&lf.name);
        }
    }
    for k in &mut t.declared_keys {
        if let Some((_, to)) = renamed.iter().find(|(from, _)| from == k) {
            *k = to.clone();
        }
    }
    t.sort_members();
}
