//! Stored programs (MySQL triggers, procedures, functions, events; SQLite triggers):
//! created, dropped, or dropped and created again, as neither server alters a body in
//! place. Triggers that fire in an order (MySQL) are created again from the first place
//! where the live order departs from the desired one: a new trigger always fires last.

use super::Change;
use crate::model::{Program, Schema};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn programs(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let moved = reordered(from, to);
    for (key, p) in &to.programs {
        match from.programs.get(key) {
            None => out.push(Change::CreateProgram(p.clone())),
            Some(old) if old == p && !moved.contains(key) => {}
            Some(old) => out.push(Change::ReplaceProgram {
                from: old.clone(),
                to: p.clone(),
            }),
        }
    }
    for (key, p) in &from.programs {
        if !to.programs.contains_key(key) {
            out.push(Change::DropProgram(p.clone()));
        }
    }
}

type Group = (String, String, String);

fn groups(s: &Schema) -> BTreeMap<Group, Vec<(u32, &String)>> {
    let mut out: BTreeMap<Group, Vec<(u32, &String)>> = BTreeMap::new();
    for (key, p) in &s.programs {
        if let (Some((t, timing, event)), true) = (p.trigger_group(), p.position > 0) {
            out.entry((t.name.to_lowercase(), timing, event))
                .or_default()
                .push((p.position, key));
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

/// Keys of desired triggers that are unchanged but stand after a trigger whose place
/// changes (added, changed or moved before them), so must be made again, in order.
fn reordered(from: &Schema, to: &Schema) -> BTreeSet<String> {
    let live = groups(from);
    let mut out = BTreeSet::new();
    for (g, desired) in groups(to) {
        let kept: Vec<&String> = live
            .get(&g)
            .map(|l| {
                l.iter()
                    .map(|(_, k)| *k)
                    .filter(|k| {
                        to.programs
                            .get(*k)
                            .is_some_and(|d| from.programs.get(*k).is_some_and(|o| o == d))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let wanted: Vec<&String> = desired.iter().map(|(_, k)| *k).collect();
        let first = wanted
            .iter()
            .zip(&kept)
            .position(|(a, b)| a != b)
            .unwrap_or(wanted.len().min(kept.len()));
        out.extend(wanted[first..].iter().map(|k| (*k).clone()));
    }
    out
}

/// What differs between two versions of a program, for drift reports.
pub fn program_difference(from: &Program, to: &Program) -> String {
    let mut what = Vec::new();
    if from.body != to.body {
        what.push("body".to_string());
    }
    if from.params != to.params || from.returns != to.returns {
        what.push("parameters".to_string());
    }
    if from.table != to.table {
        what.push("table".to_string());
    }
    for (k, v) in &to.attributes {
        match from.attributes.get(k) {
            Some(old) if old == v => {}
            Some(old) => what.push(format!("{k} ({old} in the database, {v} expected)")),
            None => what.push(format!("{k} ({v} expected)")),
        }
    }
    for (k, v) in &from.attributes {
        if !to.attributes.contains_key(k) {
            what.push(format!("{k} ({v} in the database, not expected)"));
        }
    }
    if what.is_empty() {
        "fires in another order among its table's triggers".into()
    } else {
        format!("{} differs", what.join(", "))
    }
}
