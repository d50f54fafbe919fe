//! SQLite triggers: read from `sqlite_schema` as SQLite keeps them (the text as written),
//! created from that text, dropped by name, and kept alive across what drops them with
//! their table or view: a table rebuild re-creates the ones it dropped (see `rebuild`),
//! and a view created again gets its `INSTEAD OF` triggers back.

use crate::diff::Change;
use crate::model::{Program, QName, Schema};
use std::collections::BTreeSet;

/// The programs key a SQLite trigger by its name without case, as SQLite compares it.
pub fn key(p: &Program) -> String {
    Program::key_of(p.kind, &p.name, true)
}

pub fn create(p: &Program) -> Vec<String> {
    vec![p.sql.clone()]
}

pub fn drop(p: &Program) -> String {
    format!(
        "DROP TRIGGER IF EXISTS {}",
        super::super::writer::quote_ident(&p.name)
    )
}

fn on(p: &Program, relation: &QName, also: Option<&str>) -> bool {
    p.table.as_ref().is_some_and(|t| {
        t.name.eq_ignore_ascii_case(&relation.name)
            || also.is_some_and(|a| t.name.eq_ignore_ascii_case(a))
    })
}

/// Fits the trigger changes around what drops triggers with their relation: a rebuilt
/// table re-creates only the triggers this plan does not drop or replace itself (those are
/// made after the rebuild, from the desired text), and a view dropped and created again
/// gets back the triggers on it that the plan leaves as they are.
pub fn around(mut changes: Vec<Change>, from: &Schema, to: &Schema) -> Vec<Change> {
    let touched: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropProgram(p)
            | Change::ReplaceProgram { from: p, .. }
            | Change::CreateProgram(p) => Some(key(p)),
            _ => None,
        })
        .collect();
    for c in &mut changes {
        if let Change::RebuildTable { from: old, .. } = c {
            // The rebuild brings back, in their stored order, the triggers the table has
            // before the plan and keeps as they are; the plan makes the others itself.
            let kept: Vec<&Program> = from
                .programs
                .values()
                .filter(|p| on(p, &old.name, old.renamed_from.as_deref()))
                .filter(|p| !touched.contains(&key(p)))
                .collect();
            old.attached
                .retain(|sql| kept.iter().any(|p| p.sql.trim() == sql.trim()));
        }
    }
    let dropped_views: BTreeSet<QName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView(v) => Some(v.name.clone()),
            _ => None,
        })
        .collect();
    let recreated: Vec<QName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView(v) if dropped_views.contains(&v.name) => Some(v.name.clone()),
            _ => None,
        })
        .collect();
    for view in recreated {
        for (k, p) in &from.programs {
            if on(p, &view, None) && !touched.contains(&key(p)) {
                if let Some(want) = to.programs.get(k) {
                    changes.push(Change::CreateProgram(want.clone()));
                }
            }
        }
    }
    changes
}
