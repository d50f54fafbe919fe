//! PostgreSQL row-level security, policies, privileges and owners: read from the
//! POLICIES and ACCESS queries, and written as `ALTER TABLE … ROW LEVEL SECURITY`,
//! `CREATE`/`ALTER`/`DROP POLICY`, `GRANT`/`REVOKE`, `ALTER DEFAULT PRIVILEGES` and
//! `ALTER … OWNER TO`.

use super::super::ansi::qname;
use super::super::writer::{quote_ident, quote_literal};
use super::introspect::get;
use super::types::type_sql;
use crate::diff::SecurityChange;
use crate::model::security::{CURRENT_USER, PUBLIC};
use crate::model::{
    DefaultObjects, DefaultPrivileges, Grants, ObjectPrivileges, Owned, Policy, Privs, QName,
    Schema, Securable, SecurableKind,
};
use sqlx::postgres::PgRow;

/// The key under which the live schema names the role reading it (`Schema::defaults`).
pub const CURRENT_USER_KEY: &str = "current_user";

/// Reads the POLICIES rows. A policy whose expression cannot be read is left alone, by name.
pub fn read_policies(rows: &[PgRow], s: &mut Schema) -> Result<(), String> {
    for r in rows {
        let table = QName::new(get::<String>(r, "schema")?, get::<String>(r, "table")?);
        let enabled: bool = get(r, "enabled")?;
        let forced: bool = get(r, "forced")?;
        if enabled || forced {
            s.security
                .row_security
                .insert(table.clone(), crate::model::RowSecurity { enabled, forced });
        }
        let Some(name) = get::<Option<String>>(r, "name")? else {
            continue;
        };
        let expr = |col: &str| -> Result<Option<crate::model::Expr>, String> {
            match get::<Option<String>>(r, col)? {
                Some(t) => crate::parse::expr(&t).map(Some),
                None => Ok(None),
            }
        };
        let (using, check) = match (expr("using_expr"), expr("check_expr")) {
            (Ok(u), Ok(c)) => (u, c),
            (Err(e), _) | (_, Err(e)) => {
                s.unmanaged.push(crate::model::Unmanaged {
                    kind: "policy".into(),
                    name: format!("{table}.{name} (cannot read: {e})"),
                });
                continue;
            }
        };
        let command = match get::<String>(r, "command")?.as_str() {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        };
        let p = Policy {
            table,
            name,
            permissive: get(r, "permissive")?,
            command: command.into(),
            roles: get(r, "roles")?,
            using,
            check,
            comment: get(r, "comment")?,
        };
        s.security.policies.insert(p.key(), p);
    }
    Ok(())
}

/// `grantee privilege[ *]` (the ACCESS query's spelling) into grants.
fn grants(list: &[String]) -> Grants {
    let mut g = Grants::default();
    for item in list {
        let mut parts = item.rsplitn(3, ' ');
        let (last, mid, first) = (parts.next(), parts.next(), parts.next());
        match (first, mid, last) {
            (Some(who), Some(p), Some("*")) => g.grant(who, p, true),
            (None, Some(who), Some(p)) => g.grant(who, p, false),
            (Some(who_a), Some(who_b), Some(p)) => {
                // A role name with a space in it.
                g.grant(&format!("{who_a} {who_b}"), p, false)
            }
            _ => {}
        }
    }
    g
}

fn pg_type(t: crate::model::DataType) -> crate::model::DataType {
    use crate::model::DataType;
    match t {
        DataType::Named(q) if q.schema.is_empty() => DataType::Named(QName::new("public", q.name)),
        DataType::Array(inner) => DataType::Array(Box::new(pg_type(*inner))),
        other => other,
    }
}

/// Reads the ACCESS rows: every object's owner and privileges, the default privileges,
/// and the role reading them. Scoped afterwards to what the configuration manages.
pub fn read_access(rows: &[PgRow], s: &mut Schema) -> Result<(), String> {
    for r in rows {
        let kind: String = get(r, "kind")?;
        let schema: Option<String> = get(r, "schema")?;
        let name: Option<String> = get(r, "name")?;
        let owner: Option<String> = get(r, "owner")?;
        let list: Vec<String> = get::<Option<Vec<String>>>(r, "grants")?.unwrap_or_default();
        let (Some(name), Some(owner)) = (name, owner) else {
            if kind == "session" {
                if let Some(me) = get::<Option<String>>(r, "owner")? {
                    s.defaults.insert(CURRENT_USER_KEY.into(), me);
                }
            }
            continue;
        };
        let q = QName::new(schema.clone().unwrap_or_default(), name.clone());
        let object = match kind.as_str() {
            "table" | "view" | "materialized view" => Securable::new(SecurableKind::Table, q),
            "sequence" => Securable::new(SecurableKind::Sequence, q),
            "type" => Securable::new(SecurableKind::Type, q),
            "schema" => Securable::new(SecurableKind::Schema, QName::new("", name)),
            "column" => {
                let mut o = Securable::new(SecurableKind::Column, q);
                o.column = get(r, "col")?;
                o
            }
            "function" | "procedure" => {
                let k = if kind == "procedure" {
                    SecurableKind::Procedure
                } else {
                    SecurableKind::Function
                };
                let mut o = Securable::new(k, q);
                let args: String = get::<Option<String>>(r, "args")?.unwrap_or_default();
                match crate::parse::routine_input_types(&args) {
                    Ok(types) => o.args = types.into_iter().map(pg_type).collect(),
                    // A routine sqlshift cannot read is left alone, and so are its grants.
                    Err(_) => continue,
                }
                o
            }
            "default" => {
                let objects = match name.as_str() {
                    "r" => DefaultObjects::Tables,
                    "S" => DefaultObjects::Sequences,
                    "f" => DefaultObjects::Functions,
                    "T" => DefaultObjects::Types,
                    "n" => DefaultObjects::Schemas,
                    _ => continue,
                };
                let d = DefaultPrivileges {
                    role: owner,
                    schema,
                    objects,
                    grants: grants(&list),
                };
                s.security.default_privileges.insert(d.key(), d);
                continue;
            }
            _ => continue,
        };
        let g = grants(&list);
        if object.kind != SecurableKind::Column {
            s.security.owners.insert(
                object.key(),
                Owned {
                    object: object.clone(),
                    owner,
                },
            );
        }
        if !g.is_empty() {
            s.security
                .privileges
                .insert(object.key(), ObjectPrivileges { object, grants: g });
        }
    }
    Ok(())
}

fn role(r: &str) -> String {
    match r {
        PUBLIC => "PUBLIC".into(),
        CURRENT_USER => "CURRENT_USER".into(),
        r => quote_ident(r),
    }
}

fn roles(rs: &[String]) -> String {
    rs.iter().map(|r| role(r)).collect::<Vec<_>>().join(", ")
}

fn on_policy(p: &Policy) -> String {
    format!("{} ON {}", quote_ident(&p.name), qname(&p.table))
}

fn create_policy(p: &Policy) -> Vec<String> {
    let mut s = format!("CREATE POLICY {}", on_policy(p));
    if !p.permissive {
        s.push_str(" AS RESTRICTIVE");
    }
    if p.command != "ALL" {
        s.push_str(&format!(" FOR {}", p.command));
    }
    if p.roles != [PUBLIC] {
        s.push_str(&format!(" TO {}", roles(&p.roles)));
    }
    if let Some(u) = &p.using {
        s.push_str(&format!(" USING ({})", u.sql));
    }
    if let Some(c) = &p.check {
        s.push_str(&format!(" WITH CHECK ({})", c.sql));
    }
    let mut out = vec![s];
    if let Some(c) = &p.comment {
        out.push(policy_comment(p, Some(c)));
    }
    out
}

fn policy_comment(p: &Policy, c: Option<&String>) -> String {
    format!(
        "COMMENT ON POLICY {} IS {}",
        on_policy(p),
        c.map(|c| quote_literal(c)).unwrap_or_else(|| "NULL".into())
    )
}

/// The object as `GRANT … ON` and `ALTER … OWNER TO` name it.
fn object_sql(o: &Securable) -> String {
    match o.kind {
        SecurableKind::Schema => quote_ident(&o.name.name),
        SecurableKind::Function | SecurableKind::Procedure => {
            let args: Vec<String> = o.args.iter().map(type_sql).collect();
            format!("{}({})", qname(&o.name), args.join(", "))
        }
        _ => qname(&o.name),
    }
}

/// REVOKE what `from` has and `to` does not, then GRANT what `to` adds, per option.
fn privilege_statements(
    head_grant: &dyn Fn(&str) -> String,
    head_revoke: &dyn Fn(&str) -> String,
    grantee: &str,
    from: &Privs,
    to: &Privs,
) -> Vec<String> {
    let who = role(grantee);
    let mut out = Vec::new();
    let gone: Vec<&str> = from
        .keys()
        .filter(|p| !to.contains_key(*p))
        .map(String::as_str)
        .collect();
    if !gone.is_empty() {
        out.push(format!("{} FROM {who}", head_revoke(&gone.join(", "))));
    }
    let option_gone: Vec<&str> = from
        .iter()
        .filter(|(p, o)| **o && to.get(*p) == Some(&false))
        .map(|(p, _)| p.as_str())
        .collect();
    if !option_gone.is_empty() {
        out.push(format!(
            "{} FROM {who}",
            head_revoke(&format!("GRANT OPTION FOR {}", option_gone.join(", ")))
        ));
    }
    for option in [false, true] {
        let new: Vec<&str> = to
            .iter()
            .filter(|(p, o)| {
                **o == option
                    && match from.get(*p) {
                        None => true,
                        Some(was) => option && !*was,
                    }
            })
            .map(|(p, _)| p.as_str())
            .collect();
        if !new.is_empty() {
            out.push(format!(
                "{} TO {who}{}",
                head_grant(&new.join(", ")),
                if option { " WITH GRANT OPTION" } else { "" }
            ));
        }
    }
    out
}

pub fn render(c: &SecurityChange) -> Vec<String> {
    match c {
        SecurityChange::SetRowSecurity {
            table, from, to, ..
        } => {
            let mut out = Vec::new();
            if from.enabled != to.enabled {
                out.push(format!(
                    "ALTER TABLE {} {} ROW LEVEL SECURITY",
                    qname(table),
                    if to.enabled { "ENABLE" } else { "DISABLE" }
                ));
            }
            if from.forced != to.forced {
                out.push(format!(
                    "ALTER TABLE {} {} ROW LEVEL SECURITY",
                    qname(table),
                    if to.forced { "FORCE" } else { "NO FORCE" }
                ));
            }
            out
        }
        SecurityChange::CreatePolicy { policy: p, .. } => create_policy(p),
        SecurityChange::DropPolicy(p) => vec![format!("DROP POLICY {}", on_policy(p))],
        SecurityChange::AlterPolicy { from, to } => {
            let mut clauses = String::new();
            if from.roles != to.roles {
                clauses.push_str(&format!(" TO {}", roles(&to.roles)));
            }
            if from.using != to.using {
                if let Some(u) = &to.using {
                    clauses.push_str(&format!(" USING ({})", u.sql));
                }
            }
            if from.check != to.check {
                if let Some(c) = &to.check {
                    clauses.push_str(&format!(" WITH CHECK ({})", c.sql));
                }
            }
            let mut out = Vec::new();
            if !clauses.is_empty() {
                out.push(format!("ALTER POLICY {}{clauses}", on_policy(to)));
            }
            if from.comment != to.comment {
                out.push(policy_comment(to, to.comment.as_ref()));
            }
            out
        }
        SecurityChange::SetPrivileges {
            object,
            grantee,
            from,
            to,
        } => {
            let (cols, on) = match (&object.kind, &object.column) {
                (SecurableKind::Column, Some(c)) => (
                    format!(" ({})", quote_ident(c)),
                    format!("TABLE {}", qname(&object.name)),
                ),
                _ => (
                    String::new(),
                    format!("{} {}", object.kind.word(), object_sql(object)),
                ),
            };
            let with_cols = |ps: &str| -> String {
                if cols.is_empty() {
                    ps.to_string()
                } else {
                    ps.split(", ")
                        .map(|p| format!("{p}{cols}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            privilege_statements(
                &|ps| format!("GRANT {} ON {on}", with_cols(ps)),
                &|ps| match ps.strip_prefix("GRANT OPTION FOR ") {
                    Some(rest) => format!("REVOKE GRANT OPTION FOR {} ON {on}", with_cols(rest)),
                    None => format!("REVOKE {} ON {on}", with_cols(ps)),
                },
                grantee,
                from,
                to,
            )
        }
        SecurityChange::SetDefaultPrivileges {
            role: r,
            schema,
            objects,
            grantee,
            from,
            to,
        } => {
            let head = format!(
                "ALTER DEFAULT PRIVILEGES{}{}",
                if r == CURRENT_USER {
                    String::new()
                } else {
                    format!(" FOR ROLE {}", role(r))
                },
                schema
                    .as_ref()
                    .map(|s| format!(" IN SCHEMA {}", quote_ident(s)))
                    .unwrap_or_default()
            );
            let kind = objects.word();
            privilege_statements(
                &|ps| format!("{head} GRANT {ps} ON {kind}"),
                &|ps| format!("{head} REVOKE {ps} ON {kind}"),
                grantee,
                from,
                to,
            )
        }
        SecurityChange::SetOwner {
            object, to, alter, ..
        } => vec![format!(
            "ALTER {alter} {} OWNER TO {}",
            object_sql(object),
            role(to)
        )],
    }
}

/// A file's `CURRENT_USER` is the role that applies it: the one reading the live side.
pub fn name_current_user(live: &Schema, desired: &mut Schema) {
    if let Some(me) = live.defaults.get(CURRENT_USER_KEY) {
        desired.security.name_current_user(me);
    }
}
