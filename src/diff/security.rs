//! Row-level security, policies, privileges, default privileges and owners (PostgreSQL).
//!
//! A policy changes in place (`ALTER POLICY`) where PostgreSQL allows it (roles, `USING`,
//! `WITH CHECK`) and is dropped and created again otherwise (command, permissive or
//! restrictive, an expression removed). Privileges change per object and grantee, as
//! REVOKE and GRANT of the difference; an object the plan creates (or creates again)
//! starts from what a new object gets, so its grants are all written.

use super::Change;
use crate::model::security::{DefaultObjects, CURRENT_USER, PUBLIC};
use crate::model::{
    DefaultPrivileges, Grants, Policy, Privs, QName, RowSecurity, Schema, Securable, SecurableKind,
};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One access-control edit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityChange {
    /// `ENABLE`/`DISABLE` and `FORCE`/`NO FORCE ROW LEVEL SECURITY`.
    SetRowSecurity {
        table: QName,
        from: RowSecurity,
        to: RowSecurity,
        /// The table has a policy in the desired schema (else enabling hides every row).
        has_policies: bool,
    },
    /// `on_new_table`: the plan creates the table too (nothing was reachable before).
    CreatePolicy {
        policy: Box<Policy>,
        on_new_table: bool,
    },
    DropPolicy(Box<Policy>),
    /// `ALTER POLICY` (roles, expressions) and `COMMENT ON POLICY`.
    AlterPolicy {
        from: Box<Policy>,
        to: Box<Policy>,
    },
    /// REVOKE then GRANT, so `grantee` holds `to` on `object` instead of `from`.
    SetPrivileges {
        object: Securable,
        grantee: String,
        from: Privs,
        to: Privs,
    },
    /// `ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA s] REVOKE …/GRANT … ON kind`.
    SetDefaultPrivileges {
        role: String,
        schema: Option<String>,
        objects: DefaultObjects,
        grantee: String,
        from: Privs,
        to: Privs,
    },
    /// `ALTER … OWNER TO`; `alter` is the word after ALTER (`TABLE`, `VIEW`,
    /// `MATERIALIZED VIEW`, `SEQUENCE`, `FUNCTION`, …).
    SetOwner {
        object: Securable,
        alter: String,
        from: Option<String>,
        to: String,
    },
}

impl SecurityChange {
    pub fn kind(&self) -> &'static str {
        match self {
            SecurityChange::SetRowSecurity { .. } => "set_row_security",
            SecurityChange::CreatePolicy { .. } => "create_policy",
            SecurityChange::DropPolicy(_) => "drop_policy",
            SecurityChange::AlterPolicy { .. } => "alter_policy",
            SecurityChange::SetPrivileges { .. } => "set_privileges",
            SecurityChange::SetDefaultPrivileges { .. } => "set_default_privileges",
            SecurityChange::SetOwner { .. } => "set_owner",
        }
    }

    pub fn objects(&self) -> Vec<String> {
        match self {
            SecurityChange::SetRowSecurity { table, .. } => vec![format!("table {table}")],
            SecurityChange::CreatePolicy { policy: p, .. }
            | SecurityChange::DropPolicy(p)
            | SecurityChange::AlterPolicy { to: p, .. } => {
                vec![format!("policy {} on {}", p.name, p.table)]
            }
            SecurityChange::SetPrivileges {
                object, grantee, ..
            } => vec![format!("{object} to {}", grantee_name(grantee))],
            SecurityChange::SetDefaultPrivileges {
                role,
                schema,
                objects,
                grantee,
                ..
            } => vec![format!(
                "default privileges of {role}{} on {} to {}",
                schema
                    .as_ref()
                    .map(|s| format!(" in schema {s}"))
                    .unwrap_or_default(),
                objects.word().to_lowercase(),
                grantee_name(grantee)
            )],
            SecurityChange::SetOwner { object, .. } => vec![object.to_string()],
        }
    }

    /// The table a policy or row-security change is on.
    pub fn table(&self) -> Option<&QName> {
        match self {
            SecurityChange::SetRowSecurity { table, .. } => Some(table),
            SecurityChange::CreatePolicy { policy: p, .. }
            | SecurityChange::DropPolicy(p)
            | SecurityChange::AlterPolicy { to: p, .. } => Some(&p.table),
            _ => None,
        }
    }
}

fn grantee_name(g: &str) -> String {
    match g {
        PUBLIC => "PUBLIC".into(),
        CURRENT_USER => "CURRENT_USER".into(),
        g => g.to_string(),
    }
}

pub(super) fn security(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let push = |out: &mut Vec<Change>, c| out.push(Change::Security(c));
    let dropped = |t: &QName| from.tables.contains_key(t) && !to.tables.contains_key(t);
    let created = |t: &QName| !from.tables.contains_key(t);
    let (a, b) = (&from.security, &to.security);
    let off = crate::model::RowSecurity::default();
    let with_policies: BTreeSet<&QName> = b.policies.values().map(|p| &p.table).collect();
    for (t, want) in &b.row_security {
        let was = if created(t) {
            off
        } else {
            a.row_security.get(t).copied().unwrap_or(off)
        };
        if was != *want {
            push(
                out,
                SecurityChange::SetRowSecurity {
                    table: t.clone(),
                    from: was,
                    to: *want,
                    has_policies: with_policies.contains(t),
                },
            );
        }
    }
    for (t, was) in &a.row_security {
        if !b.row_security.contains_key(t) && !dropped(t) {
            push(
                out,
                SecurityChange::SetRowSecurity {
                    table: t.clone(),
                    from: *was,
                    to: off,
                    has_policies: with_policies.contains(t),
                },
            );
        }
    }
    // Columns whose type changes or that are dropped: a policy that reads one is in the
    // way (PostgreSQL refuses both), so it is dropped before and created after.
    let touched: BTreeSet<(QName, String)> = out
        .iter()
        .filter_map(|c| match c {
            Change::AlterColumn {
                table, from, to, ..
            } if from.data_type != to.data_type => Some((table.clone(), to.name.clone())),
            Change::DropColumn { table, column } => Some((table.clone(), column.name.clone())),
            _ => None,
        })
        .collect();
    let in_the_way = |p: &Policy| {
        touched
            .iter()
            .any(|(t, c)| *t == p.table && reads_column(p, c))
    };
    for (k, p) in &b.policies {
        match a.policies.get(k) {
            Some(old) if !created(&p.table) && old == p && !in_the_way(old) => {}
            Some(old) if !created(&p.table) && old.alterable_to(p) && !in_the_way(old) => push(
                out,
                SecurityChange::AlterPolicy {
                    from: Box::new(old.clone()),
                    to: Box::new(p.clone()),
                },
            ),
            Some(old) if !created(&p.table) => {
                push(out, SecurityChange::DropPolicy(Box::new(old.clone())));
                push(
                    out,
                    SecurityChange::CreatePolicy {
                        policy: Box::new(p.clone()),
                        on_new_table: false,
                    },
                );
            }
            _ => push(
                out,
                SecurityChange::CreatePolicy {
                    policy: Box::new(p.clone()),
                    on_new_table: created(&p.table),
                },
            ),
        }
    }
    for (k, p) in &a.policies {
        if !b.policies.contains_key(k) && !dropped(&p.table) {
            push(out, SecurityChange::DropPolicy(Box::new(p.clone())));
        }
    }
    privileges(from, to, out);
    default_privileges(from, to, out);
    owners(from, to, out);
}

/// Whether a policy's expressions name the column (as a whole word: conservative).
fn reads_column(p: &Policy, column: &str) -> bool {
    [&p.using, &p.check].into_iter().flatten().any(|e| {
        e.sql
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| w == column)
    })
}

/// The objects a plan creates, or drops and creates again, in `out`, by key.
fn new_objects(out: &[Change]) -> BTreeMap<String, Securable> {
    let mut made = BTreeMap::new();
    let mut add = |o: Securable| {
        made.insert(o.key(), o);
    };
    let of = |k: SecurableKind, q: &QName| Securable::new(k, q.clone());
    for c in out {
        match c {
            Change::CreateTable(t) => add(of(SecurableKind::Table, &t.name)),
            Change::CreateView(v) => add(of(SecurableKind::Table, &v.name)),
            Change::CreateSequence(s) => add(of(SecurableKind::Sequence, &s.name)),
            Change::CreateEnum(e) => add(of(SecurableKind::Type, &e.name)),
            Change::RebuildEnum { to, .. } => add(of(SecurableKind::Type, &to.name)),
            Change::CreateDomain(d) => add(of(SecurableKind::Type, &d.name)),
            Change::RebuildDomain { to, dependents, .. } => {
                for d in std::iter::once(to).chain(dependents) {
                    add(of(SecurableKind::Type, &d.name));
                }
            }
            Change::CreateComposite(t) => add(of(SecurableKind::Type, &t.name)),
            Change::CreateRange(r) => add(of(SecurableKind::Type, &r.name)),
            Change::RebuildRange { to, .. } => add(of(SecurableKind::Type, &r_name(to))),
            Change::CreateSchema(s) => add(of(SecurableKind::Schema, &QName::new("", s.clone()))),
            Change::CreateRoutine(r) => add(Securable::of_routine(r)),
            _ => {}
        }
    }
    made
}

fn r_name(r: &crate::model::RangeType) -> QName {
    r.name.clone()
}

/// What a new object holds before any GRANT: PUBLIC's built-in share and what the live
/// default privileges of the role that runs the plan add.
fn fresh(object: &Securable, from: &Schema) -> Grants {
    let mut g = Grants::default();
    let me = from.defaults.get("current_user");
    let entries = |schema: Option<&str>| {
        from.security.default_privileges.values().find(|d| {
            Some(&d.role) == me && d.schema.as_deref() == schema && d.objects.covers(object.kind)
        })
    };
    match entries(None) {
        Some(d) => g = d.grants.clone(),
        None => {
            for p in object.kind.public_default() {
                g.grant(PUBLIC, p, false);
            }
        }
    }
    if object.kind != SecurableKind::Schema {
        if let Some(d) = entries(Some(&object.name.schema)) {
            for (who, privs) in &d.grants.0 {
                for (p, o) in privs {
                    g.grant(who, p, *o);
                }
            }
        }
    }
    g
}

fn privileges(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let (a, b) = (&from.security.privileges, &to.security.privileges);
    let scope = to
        .security
        .scoped
        .as_ref()
        .or(from.security.scoped.as_ref());
    if scope.is_none() && a.is_empty() && b.is_empty() {
        return;
    }
    let made = new_objects(out);
    let empty = Grants::default();
    let mut keys: BTreeSet<&String> = b.keys().collect();
    // An object that is gone takes its privileges along.
    let routines: BTreeSet<String> = to
        .routines
        .values()
        .map(|r| Securable::of_routine(r).key())
        .collect();
    keys.extend(a.keys().filter(|k| exists(to, &routines, &a[*k].object)));
    keys.extend(made.keys());
    let mut changes = Vec::new();
    for k in keys {
        let (object, want) = match (b.get(k), a.get(k), made.get(k)) {
            (Some(p), _, _) => (&p.object, &p.grants),
            (None, Some(p), _) => (&p.object, &empty),
            (None, None, Some(o)) => (o, &empty),
            (None, None, None) => continue,
        };
        let is_new = made.contains_key(&object.relation().key());
        let fresh_grants;
        let had = if is_new {
            // A column of a new table holds nothing; the table what a new one gets.
            fresh_grants = match object.kind {
                SecurableKind::Column => Grants::default(),
                _ => fresh(object, from),
            };
            &fresh_grants
        } else {
            a.get(k).map(|p| &p.grants).unwrap_or(&empty)
        };
        // Only the managed grantees: `want` was scoped, a new object's share may name others.
        let grantees: BTreeSet<&String> = want
            .0
            .keys()
            .chain(
                had.0
                    .keys()
                    .filter(|g| !is_new || scope.is_some_and(|r| r.contains(*g))),
            )
            .collect();
        for g in grantees {
            let was = had.0.get(g).cloned().unwrap_or_default();
            let now = want.0.get(g).cloned().unwrap_or_default();
            if was != now {
                changes.push(SecurityChange::SetPrivileges {
                    object: object.clone(),
                    grantee: g.clone(),
                    from: was,
                    to: now,
                });
            }
        }
    }
    out.extend(changes.into_iter().map(Change::Security));
}

/// Whether the object is in the schema (privileges on a dropped one need no REVOKE);
/// `routines`: the keys of its functions and procedures.
fn exists(s: &Schema, routines: &BTreeSet<String>, o: &Securable) -> bool {
    let q = &o.name;
    match o.kind {
        SecurableKind::Schema => s.schemas.contains(&q.name),
        SecurableKind::Table => s.tables.contains_key(q) || s.views.contains_key(q),
        SecurableKind::Column => {
            s.tables
                .get(q)
                .is_some_and(|t| o.column.as_deref().is_some_and(|c| t.column(c).is_some()))
                || s.views.contains_key(q)
        }
        SecurableKind::Sequence => s.sequences.contains_key(q),
        SecurableKind::Type => {
            s.enums.contains_key(q)
                || s.domains.contains_key(q)
                || s.composites.contains_key(q)
                || s.ranges.contains_key(q)
        }
        SecurableKind::Function | SecurableKind::Procedure => routines.contains(&o.key()),
    }
}

fn default_privileges(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let (a, b) = (
        &from.security.default_privileges,
        &to.security.default_privileges,
    );
    let scope = to
        .security
        .scoped
        .as_ref()
        .or(from.security.scoped.as_ref());
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for k in keys {
        let Some(any) = b.get(k).or_else(|| a.get(k)) else {
            continue;
        };
        // A schema's entries go with it (PostgreSQL drops them with the schema).
        if any
            .schema
            .as_ref()
            .is_some_and(|n| !to.schemas.contains(n) && n != "public")
        {
            continue;
        }
        let builtin = DefaultPrivileges::builtin(&any.role, any.schema.as_deref(), any.objects);
        let was = a.get(k).map_or(&builtin.grants, |d| &d.grants);
        let now = b.get(k).map_or(&builtin.grants, |d| &d.grants);
        let grantees: BTreeSet<&String> = was.0.keys().chain(now.0.keys()).collect();
        for g in grantees {
            // A built-in share of a grantee that is not managed is no difference.
            if !scope.is_some_and(|r| r.contains(g.as_str())) {
                continue;
            }
            let x = was.0.get(g).cloned().unwrap_or_default();
            let y = now.0.get(g).cloned().unwrap_or_default();
            if x != y {
                out.push(Change::Security(SecurityChange::SetDefaultPrivileges {
                    role: any.role.clone(),
                    schema: any.schema.clone(),
                    objects: any.objects,
                    grantee: g.clone(),
                    from: x,
                    to: y,
                }));
            }
        }
    }
}

fn owners(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let me = from.defaults.get("current_user").cloned();
    if from.security.owners.is_empty() && to.security.owners.is_empty() {
        return;
    }
    let made = new_objects(out);
    let mut changes = Vec::new();
    for (k, o) in &to.security.owners {
        let was = if made.contains_key(k) {
            me.clone()
        } else {
            from.security.owners.get(k).map(|w| w.owner.clone())
        };
        if was.as_deref() != Some(o.owner.as_str()) {
            let alter = match to.views.get(&o.object.name) {
                Some(v) if o.object.kind == SecurableKind::Table && v.materialized => {
                    "MATERIALIZED VIEW"
                }
                Some(_) if o.object.kind == SecurableKind::Table => "VIEW",
                _ => o.object.kind.word(),
            };
            changes.push(SecurityChange::SetOwner {
                object: o.object.clone(),
                alter: alter.to_string(),
                from: was,
                to: o.owner.clone(),
            });
        }
    }
    out.extend(changes.into_iter().map(Change::Security));
}
