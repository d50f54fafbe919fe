//! Hazards of access-control changes: a policy or row-level security change that lets
//! roles reach rows they could not before, and row-level security switched on for a table
//! no policy opens.

use super::hazard::{Hazard, HazardCode};
use crate::diff::SecurityChange;
use crate::model::security::PUBLIC;

pub fn hazards(c: &SecurityChange) -> Vec<Hazard> {
    use HazardCode::*;
    let mut h = Vec::new();
    let widens = |what: String| Hazard::new(WidensAccess, what);
    match c {
        SecurityChange::SetRowSecurity {
            table,
            from,
            to,
            has_policies,
        } => {
            if from.enabled && !to.enabled {
                h.push(widens(format!(
                    "disables row level security on {table}: its policies stop filtering rows"
                )));
            }
            if from.forced && !to.forced {
                h.push(widens(format!(
                    "NO FORCE ROW LEVEL SECURITY on {table}: its owner bypasses the policies again"
                )));
            }
            if to.enabled && !from.enabled && !has_policies {
                h.push(Hazard::new(
                    HidesRows,
                    format!("enables row level security on {table}, which has no policy: every row is hidden from every role but its owner"),
                ));
            }
        }
        SecurityChange::DropPolicy(p) if !p.permissive => h.push(widens(format!(
            "drops RESTRICTIVE policy {} on {}: the rows it kept out become reachable",
            p.name, p.table
        ))),
        SecurityChange::CreatePolicy {
            policy: p,
            on_new_table: false,
        } if p.permissive => h.push(widens(format!(
            "adds PERMISSIVE policy {} on {}: {} gain{} the rows it admits{}",
            p.name,
            p.table,
            roles(&p.roles),
            if p.roles.len() == 1 { "s" } else { "" },
            if p.using.is_none() && p.check.is_none() {
                " (every row: it has no USING)"
            } else {
                ""
            }
        ))),
        SecurityChange::AlterPolicy { from, to } => {
            let added: Vec<String> = to
                .roles
                .iter()
                .filter(|r| !from.roles.contains(r) && !from.roles.iter().any(|f| f == PUBLIC))
                .cloned()
                .collect();
            let removed = from
                .roles
                .iter()
                .any(|r| !to.roles.contains(r) && !to.roles.iter().any(|t| t == PUBLIC));
            if to.permissive && !added.is_empty() {
                h.push(widens(format!(
                    "policy {} on {} now applies to {} too",
                    to.name,
                    to.table,
                    roles(&added)
                )));
            }
            if !to.permissive && removed {
                h.push(widens(format!(
                    "RESTRICTIVE policy {} on {} no longer applies to some roles",
                    to.name, to.table
                )));
            }
            if from.using != to.using || from.check != to.check {
                h.push(widens(format!(
                    "policy {} on {} changes which rows it admits; check it does not admit more",
                    to.name, to.table
                )));
            }
        }
        _ => {}
    }
    h
}

fn roles(r: &[String]) -> String {
    r.iter()
        .map(|r| {
            if r == PUBLIC {
                "PUBLIC".to_string()
            } else {
                r.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
