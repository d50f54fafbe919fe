//! Names the schema files left to sqlshift, kept as the live database has them.

use crate::model::{Index, Schema, Table};

/// For each key, check, foreign key and index a schema file left unnamed: when the live
/// table has one with the same definition under another name the file does not use, the
/// desired side takes the live name. A database whose constraints another tool (or an
/// older sqlshift) named is then not renamed for nothing, and one built from the same file
/// by the server's own client adopts with no changes.
pub fn adopt_live_names(live: &Schema, desired: &mut Schema) {
    for (name, t) in desired.tables.iter_mut() {
        if let Some(l) = live.tables.get(name) {
            if !t.generated_names.is_empty() {
                adopt(l, t);
            }
        }
    }
}

/// Whether [`adopt_live_names`] could change anything: some generated name is one the live
/// table does not have. Cheap, so the desired schema is copied only when it is needed.
pub fn may_adopt(live: &Schema, desired: &Schema) -> bool {
    desired.tables.iter().any(|(name, t)| {
        !t.generated_names.is_empty()
            && live.tables.get(name).is_some_and(|l| {
                t.generated_names
                    .iter()
                    .any(|n| !used(l, n, true) && !used(l, n, false))
            })
    })
}

/// Whether `name` is taken among the table's constraints (`relation: false`) or among
/// what is also an index (`relation: true`: indexes, unique keys, the primary key); a
/// foreign key and an index may share a name.
fn used(t: &Table, name: &str, relation: bool) -> bool {
    let keys = t.uniques.iter().any(|u| u.name == name)
        || t.primary_key.as_ref().is_some_and(|p| p.name == name);
    keys || if relation {
        t.indexes.iter().any(|i| i.name == name)
    } else {
        t.foreign_keys.iter().any(|f| f.name == name) || t.checks.iter().any(|c| c.name == name)
    }
}

/// The live name to take for desired member `name`, if any: `name` is generated, the live
/// table has no member of that name, and `same` finds a live member of another, free name.
fn live_name<'a>(
    t: &Table,
    name: &str,
    relation: bool,
    live_has: impl Fn(&str) -> bool,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<String> {
    if !t.generated_names.contains(name) || live_has(name) {
        return None;
    }
    candidates
        .filter(|n| !used(t, n, relation))
        .map(str::to_string)
        .next()
}

fn same_index(a: &Index, b: &Index) -> bool {
    a.unique == b.unique && a.parts == b.parts && a.predicate == b.predicate && a.method == b.method
}

fn adopt(live: &Table, t: &mut Table) {
    for i in 0..t.uniques.len() {
        let (name, cols) = (t.uniques[i].name.clone(), t.uniques[i].columns.clone());
        let found = live_name(
            t,
            &name,
            true,
            |n| live.uniques.iter().any(|u| u.name == n),
            live.uniques
                .iter()
                .filter(|u| u.columns == cols)
                .map(|u| u.name.as_str()),
        );
        if let Some(n) = found {
            t.uniques[i].name = n;
        }
    }
    for i in 0..t.foreign_keys.len() {
        let want = t.foreign_keys[i].clone();
        let found = live_name(
            t,
            &want.name,
            false,
            |n| live.foreign_keys.iter().any(|f| f.name == n),
            live.foreign_keys
                .iter()
                .filter(|f| {
                    f.columns == want.columns
                        && f.ref_table == want.ref_table
                        && f.ref_columns == want.ref_columns
                        && f.on_delete == want.on_delete
                        && f.on_update == want.on_update
                        && f.deferrable == want.deferrable
                        && f.initially_deferred == want.initially_deferred
                })
                .map(|f| f.name.as_str()),
        );
        if let Some(n) = found {
            t.foreign_keys[i].name = n;
        }
    }
    for i in 0..t.checks.len() {
        let want = t.checks[i].clone();
        let found = live_name(
            t,
            &want.name,
            false,
            |n| live.checks.iter().any(|c| c.name == n),
            live.checks
                .iter()
                .filter(|c| c.expr == want.expr)
                .map(|c| c.name.as_str()),
        );
        if let Some(n) = found {
            t.checks[i].name = n;
        }
    }
    for i in 0..t.indexes.len() {
        let want = t.indexes[i].clone();
        let found = live_name(
            t,
            &want.name,
            true,
            |n| live.indexes.iter().any(|x| x.name == n),
            live.indexes
                .iter()
                .filter(|x| same_index(x, &want))
                .map(|x| x.name.as_str()),
        );
        if let Some(n) = found {
            t.indexes[i].name = n;
        }
    }
}
