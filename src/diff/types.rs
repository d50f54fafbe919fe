//! Composite and range types: created, dropped, altered (composites) or created again
//! (ranges, which PostgreSQL cannot alter).

use super::Change;
use crate::model::Schema;

pub(super) fn composites(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, t) in &to.composites {
        match from.composites.get(name) {
            None => out.push(Change::CreateComposite(t.clone())),
            Some(old) if old != t => out.push(Change::AlterComposite {
                from: old.clone(),
                to: t.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, t) in &from.composites {
        if !to.composites.contains_key(name) {
            out.push(Change::DropComposite(t.clone()));
        }
    }
}

pub(super) fn ranges(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, r) in &to.ranges {
        match from.ranges.get(name) {
            None => out.push(Change::CreateRange(r.clone())),
            Some(old) if old != r => {
                let names = [old.name.clone(), old.multirange_name()];
                out.push(Change::RebuildRange {
                    from: old.clone(),
                    to: r.clone(),
                    usages: super::columns_using(from, to, |q| names.contains(q)),
                })
            }
            Some(_) => {}
        }
    }
    for (name, r) in &from.ranges {
        if !to.ranges.contains_key(name) {
            out.push(Change::DropRange(r.clone()));
        }
    }
}
