//! Privileges as `psql` running the file leaves them: what a new object starts with, the
//! objects a GRANT names, and one GRANT or REVOKE applied.

use super::{pg, pg_type, PrivilegeChange, Target};
use crate::model::security::{CURRENT_USER, PUBLIC};
use crate::model::{
    DefaultObjects, DefaultPrivileges, Grants, ObjectPrivileges, QName, Schema, Securable,
    SecurableKind,
};
use std::collections::{BTreeMap, BTreeSet};

/// The objects the files create, by key, with every name qualified as PostgreSQL would.
pub(super) fn securables(s: &Schema) -> BTreeMap<String, Securable> {
    let mut out = BTreeMap::new();
    let mut add = |o: Securable| {
        out.insert(o.key(), o);
    };
    for name in s.schemas.iter() {
        add(Securable::new(
            SecurableKind::Schema,
            QName::new("", name.clone()),
        ));
    }
    for q in s.tables.keys().chain(s.views.keys()) {
        add(Securable::new(SecurableKind::Table, pg(q)));
    }
    for q in s.sequences.keys() {
        add(Securable::new(SecurableKind::Sequence, pg(q)));
    }
    for q in s
        .enums
        .keys()
        .chain(s.domains.keys())
        .chain(s.composites.keys())
        .chain(s.ranges.keys())
    {
        add(Securable::new(SecurableKind::Type, pg(q)));
    }
    for r in s.routines.values() {
        add(routine_securable(r));
    }
    out
}

fn routine_securable(r: &crate::model::Routine) -> Securable {
    let mut o = Securable::of_routine(r);
    o.name = pg(&o.name);
    o.args = o.args.iter().map(pg_type).collect();
    o
}

/// The object keys the files have created so far.
pub(super) fn existing(s: &Schema) -> BTreeSet<String> {
    securables(s).into_keys().collect()
}

/// What a new object's privileges start as: PUBLIC's built-in share, then the default
/// privileges in force for the role that creates it.
pub(super) fn new_object(
    o: &Securable,
    defaults: &BTreeMap<String, DefaultPrivileges>,
) -> ObjectPrivileges {
    let mut grants = Grants::default();
    let applies = |d: &DefaultPrivileges| d.role == CURRENT_USER && d.objects.covers(o.kind);
    let global = defaults.values().find(|d| applies(d) && d.schema.is_none());
    match global {
        Some(d) => grants = d.grants.clone(),
        None => {
            for p in o.kind.public_default() {
                grants.grant(PUBLIC, p, false);
            }
        }
    }
    for d in defaults.values().filter(|d| {
        applies(d) && d.schema.is_some() && d.schema.as_deref() == Some(o.name.schema.as_str())
    }) {
        for (g, privs) in &d.grants.0 {
            for (p, opt) in privs {
                grants.grant(g, p, *opt);
            }
        }
    }
    ObjectPrivileges {
        object: o.clone(),
        grants,
    }
}

/// The objects a target names among those the files create (`existing` so far, for `ALL
/// … IN SCHEMA`). `Err(None)`: an object sqlshift does not manage.
pub(super) fn resolve_target(
    t: &Target,
    objects: &BTreeMap<String, Securable>,
    existing: &BTreeSet<String>,
) -> Result<Vec<Securable>, Option<String>> {
    match t {
        Target::Relation(q, kind) => {
            let q = pg(q);
            for k in [SecurableKind::Table, SecurableKind::Sequence] {
                let o = Securable::new(k, q.clone());
                if objects.contains_key(&o.key()) {
                    if *kind == Some(SecurableKind::Sequence) && k == SecurableKind::Table {
                        return Err(Some(format!("`{q}` is not a sequence")));
                    }
                    return Ok(vec![o]);
                }
            }
            Err(None)
        }
        Target::Object(o) => {
            let mut o = o.clone();
            if o.kind != SecurableKind::Schema {
                o.name = pg(&o.name);
            }
            o.args = o.args.iter().map(pg_type).collect();
            if objects.contains_key(&o.key()) {
                return Ok(vec![o]);
            }
            // A procedure named as a function (`ROUTINE`) or the other way round.
            let other = match o.kind {
                SecurableKind::Function => Some(SecurableKind::Procedure),
                _ => None,
            };
            if let Some(k) = other {
                let mut p = o.clone();
                p.kind = k;
                if objects.contains_key(&p.key()) {
                    return Ok(vec![p]);
                }
            }
            Err(None)
        }
        Target::Routine(kind, q) => {
            let q = pg(q);
            let found: Vec<&Securable> = objects
                .values()
                .filter(|o| {
                    o.name == q
                        && (o.kind == *kind
                            || (*kind == SecurableKind::Function
                                && o.kind == SecurableKind::Procedure))
                })
                .collect();
            match found.as_slice() {
                [one] => Ok(vec![(*one).clone()]),
                [] => Err(None),
                _ => Err(Some(format!(
                    "`{q}` names several functions: give the argument types"
                ))),
            }
        }
        Target::AllIn(kinds, s) => Ok(objects
            .iter()
            .filter(|(k, o)| {
                existing.contains(*k) && kinds.contains(&o.kind) && o.name.schema == *s
            })
            .map(|(_, o)| o.clone())
            .collect()),
    }
}

/// The privileges `ALL` stands for, and the ones an object of `kind` can have.
pub fn all_privileges(kind: SecurableKind) -> &'static [&'static str] {
    match kind {
        SecurableKind::Table => &[
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER",
        ],
        SecurableKind::Column => &["SELECT", "INSERT", "UPDATE", "REFERENCES"],
        SecurableKind::Sequence => &["USAGE", "SELECT", "UPDATE"],
        SecurableKind::Schema => &["USAGE", "CREATE"],
        SecurableKind::Function | SecurableKind::Procedure => &["EXECUTE"],
        SecurableKind::Type => &["USAGE"],
    }
}

pub(super) fn default_privileges_of(kind: DefaultObjects, p: &str) -> Result<Vec<String>, String> {
    let k = match kind {
        DefaultObjects::Tables => SecurableKind::Table,
        DefaultObjects::Sequences => SecurableKind::Sequence,
        DefaultObjects::Functions => SecurableKind::Function,
        DefaultObjects::Types => SecurableKind::Type,
        DefaultObjects::Schemas => SecurableKind::Schema,
    };
    privileges_of(k, p)
}

pub(super) fn privileges_of(kind: SecurableKind, p: &str) -> Result<Vec<String>, String> {
    let all = all_privileges(kind);
    if p == "ALL" {
        return Ok(all.iter().map(|s| s.to_string()).collect());
    }
    if all.contains(&p) {
        Ok(vec![p.to_string()])
    } else {
        Err(format!("privilege {p} does not apply to a {}", kind.noun()))
    }
}

pub(super) fn change_grants(
    grants: &mut Grants,
    change: &PrivilegeChange,
    expand: &dyn Fn(&str) -> Result<Vec<String>, String>,
) -> Result<(), String> {
    for (p, cols) in &change.privileges {
        if !cols.is_empty() {
            return Err("column privileges are not default privileges".into());
        }
        for p in expand(p)? {
            for g in &change.grantees {
                if change.grant {
                    grants.grant(g, &p, change.option);
                } else {
                    grants.revoke(g, &p, change.option);
                }
            }
        }
    }
    Ok(())
}

/// One GRANT or REVOKE on one object (column privileges on its columns).
pub(super) fn apply(
    acls: &mut BTreeMap<String, ObjectPrivileges>,
    o: &Securable,
    change: &PrivilegeChange,
) -> Result<(), String> {
    for (p, cols) in &change.privileges {
        if cols.is_empty() {
            // A sequence takes the table words it has (`GRANT SELECT ON TABLE seq`).
            let words = privileges_of(o.kind, p)?;
            let entry = acls.entry(o.key()).or_insert_with(|| ObjectPrivileges {
                object: o.clone(),
                grants: Grants::default(),
            });
            for w in &words {
                for g in &change.grantees {
                    if change.grant {
                        entry.grants.grant(g, w, change.option);
                    } else {
                        entry.grants.revoke(g, w, change.option);
                    }
                }
            }
            // REVOKE on a table takes the same privileges off each of its columns.
            if !change.grant && o.kind == SecurableKind::Table {
                let prefix = format!("column {}.", o.name);
                for (k, col) in acls.iter_mut().filter(|(k, _)| k.starts_with(&prefix)) {
                    let _ = k;
                    for w in &words {
                        for g in &change.grantees {
                            col.grants.revoke(g, w, change.option);
                        }
                    }
                }
            }
            continue;
        }
        if o.kind != SecurableKind::Table {
            return Err(format!(
                "column privileges are for tables and views, not a {}",
                o.kind.noun()
            ));
        }
        for c in cols {
            let mut col = Securable::new(SecurableKind::Column, o.name.clone());
            col.column = Some(c.clone());
            let words = privileges_of(SecurableKind::Column, p)?;
            let entry = acls.entry(col.key()).or_insert_with(|| ObjectPrivileges {
                object: col.clone(),
                grants: Grants::default(),
            });
            for w in &words {
                for g in &change.grantees {
                    if change.grant {
                        entry.grants.grant(g, w, change.option);
                    } else {
                        entry.grants.revoke(g, w, change.option);
                    }
                }
            }
        }
    }
    Ok(())
}
