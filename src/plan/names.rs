//! Names the schema files left to sqlshift, kept as the live database has them.

use crate::model::{QName, Schema, Table};
use std::collections::BTreeSet;

/// Which member of a table a rename is for.
#[derive(Debug, Clone, Copy)]
pub enum Member {
    Unique(usize),
    ForeignKey(usize),
    Check(usize),
    Exclusion(usize),
    Index(usize),
}

/// Per table, the members to rename and their live names.
pub type Renames = Vec<(QName, Vec<(Member, String)>)>;

/// For each key, check, foreign key, exclusion constraint and index a schema file left unnamed: when the live
/// table has one with the same definition under another name the file does not use, the
/// desired side takes the live name. A database whose constraints another tool (or an
/// older sqlshift) named is then not renamed for nothing, and one built from the same file
/// by the server's own client adopts with no changes.
///
/// Returns the renames to make; the caller copies the desired schema only when there are
/// any (on a large schema that copy would cost more than the whole plan).
pub fn live_names(live: &Schema, desired: &Schema) -> Renames {
    let mut out = Vec::new();
    for (name, t) in &desired.tables {
        if t.generated_names.is_empty() {
            continue;
        }
        let Some(l) = live.tables.get(name) else {
            continue;
        };
        let renames = adopt(l, t);
        if !renames.is_empty() {
            out.push((name.clone(), renames));
        }
    }
    out
}

/// Makes the renames [`live_names`] found.
pub fn apply(desired: &mut Schema, renames: Renames) {
    for (name, list) in renames {
        let Some(t) = desired.tables.get_mut(&name) else {
            continue;
        };
        for (member, new) in list {
            let slot = match member {
                Member::Unique(i) => t.uniques.get_mut(i).map(|u| &mut u.name),
                Member::ForeignKey(i) => t.foreign_keys.get_mut(i).map(|f| &mut f.name),
                Member::Check(i) => t.checks.get_mut(i).map(|c| &mut c.name),
                Member::Exclusion(i) => t.exclusions.get_mut(i).map(|x| &mut x.name),
                Member::Index(i) => t.indexes.get_mut(i).map(|x| &mut x.name),
            };
            if let Some(slot) = slot {
                let old = std::mem::replace(slot, new.clone());
                // A constraint's comment goes with it.
                if !matches!(member, Member::Index(_)) {
                    if let Some(c) = t.constraint_comments.remove(&old) {
                        t.constraint_comments.insert(new, c);
                    }
                }
            }
        }
    }
}

/// Whether `name` is taken among the table's constraints (`relation: false`) or among
/// what is also an index (`relation: true`: indexes, unique keys, the primary key); a
/// foreign key and an index may share a name.
fn used(t: &Table, name: &str, relation: bool) -> bool {
    let keys = t.uniques.iter().any(|u| u.name == name)
        || t.exclusions.iter().any(|x| x.name == name)
        || t.primary_key.as_ref().is_some_and(|p| p.name == name);
    keys || if relation {
        t.indexes.iter().any(|i| i.name == name)
    } else {
        t.foreign_keys.iter().any(|f| f.name == name) || t.checks.iter().any(|c| c.name == name)
    }
}

fn adopt(live: &Table, t: &Table) -> Vec<(Member, String)> {
    let mut out = Vec::new();
    // Live names already given to a desired member: (name, as an index-like relation).
    let mut taken: BTreeSet<(String, bool)> = BTreeSet::new();
    let mut pick = |name: &str,
                    relation: bool,
                    live_has: &dyn Fn(&str) -> bool,
                    candidates: Vec<&str>|
     -> Option<String> {
        if !t.generated_names.contains(name) || live_has(name) {
            return None;
        }
        let found = candidates
            .into_iter()
            .find(|n| !used(t, n, relation) && !taken.contains(&(n.to_string(), relation)))?
            .to_string();
        taken.insert((found.clone(), relation));
        Some(found)
    };
    for (i, u) in t.uniques.iter().enumerate() {
        let candidates = live
            .uniques
            .iter()
            .filter(|l| l.same_definition(u))
            .map(|l| l.name.as_str())
            .collect();
        let has = |n: &str| live.uniques.iter().any(|l| l.name == n);
        if let Some(n) = pick(&u.name, true, &has, candidates) {
            out.push((Member::Unique(i), n));
        }
    }
    for (i, f) in t.foreign_keys.iter().enumerate() {
        let candidates = live
            .foreign_keys
            .iter()
            .filter(|l| l.same_definition(f))
            .map(|l| l.name.as_str())
            .collect();
        let has = |n: &str| live.foreign_keys.iter().any(|l| l.name == n);
        if let Some(n) = pick(&f.name, false, &has, candidates) {
            out.push((Member::ForeignKey(i), n));
        }
    }
    for (i, c) in t.checks.iter().enumerate() {
        let candidates = live
            .checks
            .iter()
            .filter(|l| l.expr == c.expr && l.no_inherit == c.no_inherit)
            .map(|l| l.name.as_str())
            .collect();
        let has = |n: &str| live.checks.iter().any(|l| l.name == n);
        if let Some(n) = pick(&c.name, false, &has, candidates) {
            out.push((Member::Check(i), n));
        }
    }
    for (i, x) in t.exclusions.iter().enumerate() {
        let candidates = live
            .exclusions
            .iter()
            .filter(|l| l.same_definition(x))
            .map(|l| l.name.as_str())
            .collect();
        let has = |n: &str| live.exclusions.iter().any(|l| l.name == n);
        if let Some(n) = pick(&x.name, true, &has, candidates) {
            out.push((Member::Exclusion(i), n));
        }
    }
    for (i, x) in t.indexes.iter().enumerate() {
        let candidates = live
            .indexes
            .iter()
            .filter(|l| l.same_definition(x))
            .map(|l| l.name.as_str())
            .collect();
        let has = |n: &str| live.indexes.iter().any(|l| l.name == n);
        if let Some(n) = pick(&x.name, true, &has, candidates) {
            out.push((Member::Index(i), n));
        }
    }
    out
}
