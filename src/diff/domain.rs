//! Domains: created, dropped, altered in place, or created again when their base changes.

use super::Change;
use crate::model::{Domain, QName, Schema};
use std::collections::BTreeSet;

pub(super) fn domains(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    // Domains whose base changes, and the unchanged domains over them, are created again.
    let roots: Vec<&QName> = to
        .domains
        .iter()
        .filter(|(k, d)| from.domains.get(*k).is_some_and(|old| !old.same_base(d)))
        .map(|(k, _)| k)
        .collect();
    let mut rebuilt: BTreeSet<QName> = roots.iter().map(|k| (*k).clone()).collect();
    for root in roots {
        let dependents = dependents_of(from, to, root, &rebuilt);
        rebuilt.extend(dependents.iter().map(|d| d.name.clone()));
        let mut group: BTreeSet<QName> = dependents.iter().map(|d| d.name.clone()).collect();
        group.insert(root.clone());
        let (Some(old), Some(new)) = (from.domains.get(root), to.domains.get(root)) else {
            continue;
        };
        out.push(Change::RebuildDomain {
            from: old.clone(),
            to: new.clone(),
            dependents,
            usages: super::columns_using(from, to, |q| group.contains(q)),
        });
    }
    for (name, d) in &to.domains {
        match from.domains.get(name) {
            None => out.push(Change::CreateDomain(d.clone())),
            Some(_) if rebuilt.contains(name) => {}
            Some(old) if old != d => out.push(Change::AlterDomain {
                from: old.clone(),
                to: d.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, d) in &from.domains {
        if !to.domains.contains_key(name) {
            out.push(Change::DropDomain(d.clone()));
        }
    }
}

/// The domains (on both sides, base unchanged) over `root`, directly or through each
/// other, each after the one it is over. A domain already rebuilt elsewhere is left to
/// that rebuild.
fn dependents_of(from: &Schema, to: &Schema, root: &QName, taken: &BTreeSet<QName>) -> Vec<Domain> {
    let mut out: Vec<Domain> = Vec::new();
    let mut frontier = vec![root.clone()];
    while let Some(base) = frontier.pop() {
        for (name, d) in &to.domains {
            let over = super::named(&d.data_type) == Some(&base);
            let unchanged = from.domains.get(name).is_some_and(|old| old.same_base(d));
            let seen = taken.contains(name) || out.iter().any(|o| o.name == *name);
            if over && unchanged && !seen {
                out.push(d.clone());
                frontier.push(name.clone());
            }
        }
    }
    out
}
