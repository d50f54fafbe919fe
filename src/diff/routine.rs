//! Functions, procedures and aggregates: created, replaced in place (`CREATE OR REPLACE`)
//! where PostgreSQL allows it, dropped and created again where it does not (another
//! signature or result, a removed argument default, another kind, any aggregate change).

use super::Change;
use crate::model::{RoutineKind, Schema};

pub(super) fn routines(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (key, r) in &to.routines {
        match from.routines.get(key) {
            None => out.push(Change::CreateRoutine(r.clone())),
            Some(old) if old == r => {}
            Some(old) if old.same_signature(r) && r.kind != RoutineKind::Aggregate => {
                out.push(Change::ReplaceRoutine {
                    from: old.clone(),
                    to: r.clone(),
                })
            }
            Some(old) => {
                out.push(Change::DropRoutine(old.clone()));
                out.push(Change::CreateRoutine(r.clone()));
            }
        }
    }
    for (key, r) in &from.routines {
        if !to.routines.contains_key(key) {
            out.push(Change::DropRoutine(r.clone()));
        }
    }
}
