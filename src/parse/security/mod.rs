//! PostgreSQL access-control statements of a schema file: `CREATE`/`ALTER POLICY`,
//! `COMMENT ON POLICY` and `ALTER TABLE … ROW LEVEL SECURITY` (always read), and, when
//! `sqlshift.yaml` manages them, `GRANT`/`REVOKE`, `ALTER DEFAULT PRIVILEGES` and
//! `ALTER … OWNER TO`.
//!
//! Privileges are worked out as `psql` running the file would leave them: each object
//! starts with what PUBLIC holds on a new one (EXECUTE on functions, USAGE on types), gains
//! what the default privileges in force when it was created grant (those without `FOR
//! ROLE`: the role that applies the file creates the objects), then every GRANT and REVOKE
//! in file order.

use super::{Loc, ParseError};
use crate::model::security::CURRENT_USER;
use crate::model::{
    Access, DataType, DefaultObjects, DefaultPrivileges, ObjectPrivileges, Owned, Policy, QName,
    Schema, Securable, SecurableKind,
};
use std::collections::{BTreeMap, BTreeSet};

mod cursor;
mod privileges;
mod statements;

use privileges::{
    apply, change_grants, default_privileges_of, new_object, resolve_target, securables,
};

/// What one statement was.
pub(super) enum Read {
    /// Read into the recorder.
    Done,
    /// Recognised and left alone, with the kind to report it as.
    LeftAlone(&'static str),
}

/// The access-control statements of the files, in order, applied once every object is
/// known ([`Recorder::finish`]).
#[derive(Default)]
pub(super) struct Recorder {
    /// Each statement's event, where it is, and its first line (for reports).
    events: Vec<(Event, Loc, String)>,
    /// The first line of the statement being read.
    summary: String,
}

#[derive(Clone)]
enum Event {
    Policy(Policy),
    AlterPolicy {
        table: QName,
        name: String,
        rename: Option<String>,
        roles: Option<Vec<String>>,
        using: Option<crate::model::Expr>,
        check: Option<crate::model::Expr>,
    },
    PolicyComment {
        table: QName,
        name: String,
        comment: Option<String>,
    },
    RowSecurity {
        table: QName,
        action: &'static str,
    },
    /// GRANT or REVOKE on objects; `existing` is what the files had created so far, for
    /// `ALL TABLES IN SCHEMA` and for knowing when later objects were created.
    Privileges {
        change: PrivilegeChange,
        target: Target,
        existing: BTreeSet<String>,
    },
    Defaults {
        change: PrivilegeChange,
        role: String,
        schemas: Vec<String>,
        objects: DefaultObjects,
        existing: BTreeSet<String>,
    },
    Owner {
        object: Target,
        owner: String,
    },
}

/// What a GRANT or REVOKE gives or takes.
#[derive(Clone)]
struct PrivilegeChange {
    grant: bool,
    /// `WITH GRANT OPTION` (grant) or `GRANT OPTION FOR` (revoke).
    option: bool,
    /// Privilege words, `ALL` for all of the object's kind; with the columns they are for.
    privileges: Vec<(String, Vec<String>)>,
    grantees: Vec<String>,
}

/// The objects a GRANT names.
#[derive(Clone)]
enum Target {
    /// `ON [TABLE] t`: a table, view or sequence, told apart once all are known.
    Relation(QName, Option<SecurableKind>),
    Object(Securable),
    /// A function or procedure named without its arguments.
    Routine(SecurableKind, QName),
    /// `ON ALL TABLES | SEQUENCES | FUNCTIONS | PROCEDURES | ROUTINES IN SCHEMA s`.
    AllIn(Vec<SecurableKind>, String),
}

impl Recorder {
    /// Reads the statement if it is one of this module's; `None` when it is not.
    pub(super) fn read(
        &mut self,
        words: &[String],
        text: &str,
        loc: &Loc,
        access: &Access,
        schema: &Schema,
    ) -> Option<Result<Read, ParseError>> {
        let w = |k: usize| words.get(k).map(String::as_str).unwrap_or("");
        let privileges = access.privilege_roles.is_some();
        self.summary = super::summary(text);
        let result = match (w(0), w(1), w(2)) {
            ("CREATE", "POLICY", _) => self.create_policy(text, loc),
            ("ALTER", "POLICY", _) => self.alter_policy(text, loc),
            ("COMMENT", "ON", "POLICY") => self.policy_comment(text, loc),
            ("ALTER", "TABLE", _)
                if words.len() > 3 && text.to_ascii_uppercase().contains("ROW LEVEL SECURITY") =>
            {
                self.row_security(text, loc)
            }
            ("GRANT" | "REVOKE", _, _) if privileges => self.grant(text, loc, schema),
            ("ALTER", "DEFAULT", "PRIVILEGES") if privileges => self.defaults(text, loc, schema),
            ("ALTER", _, _)
                if access.owners && text.to_ascii_uppercase().contains(" OWNER TO ") =>
            {
                match self.owner(text, loc) {
                    Ok(None) => return None,
                    Ok(Some(r)) => Ok(r),
                    Err(e) => Err(e),
                }
            }
            _ => return None,
        };
        Some(result.map_err(|message| ParseError::At {
            loc: loc.clone(),
            message,
        }))
    }

    fn record(&mut self, e: Event, loc: &Loc) {
        self.events.push((e, loc.clone(), self.summary.clone()));
    }

    fn push(&mut self, e: Event, loc: &Loc) -> Result<Read, String> {
        self.record(e, loc);
        Ok(Read::Done)
    }

    /// Applies the statements to the schema the files describe.
    pub(super) fn finish(
        self,
        schema: &mut Schema,
        access: &Access,
        skipped: &mut Vec<super::Skipped>,
    ) -> Result<(), Vec<ParseError>> {
        let mut errors = Vec::new();
        let objects = securables(schema);
        let err = |loc: &Loc, message: String| ParseError::At {
            loc: loc.clone(),
            message,
        };
        // The default privileges in force before each `ALTER DEFAULT PRIVILEGES`, with the
        // objects created by then: an object starts from the state before the first such
        // statement that finds it created (or from the final state).
        let mut defaults: BTreeMap<String, DefaultPrivileges> = BTreeMap::new();
        let mut before: Vec<(&BTreeSet<String>, BTreeMap<String, DefaultPrivileges>)> = Vec::new();
        for (event, loc, _) in &self.events {
            let Event::Defaults {
                change,
                role,
                schemas,
                objects: kind,
                existing,
            } = event
            else {
                continue;
            };
            before.push((existing, defaults.clone()));
            let scopes: Vec<Option<&str>> = if schemas.is_empty() {
                vec![None]
            } else {
                schemas.iter().map(|s| Some(s.as_str())).collect()
            };
            for s in scopes {
                let builtin = DefaultPrivileges::builtin(role, s, *kind);
                let entry = defaults.entry(builtin.key()).or_insert(builtin);
                let expand = |p: &str| default_privileges_of(*kind, p);
                if let Err(m) = change_grants(&mut entry.grants, change, &expand) {
                    errors.push(err(loc, m));
                }
            }
        }
        let start = |o: &Securable| {
            let state = before
                .iter()
                .find(|(made, _)| made.contains(&o.key()))
                .map_or(&defaults, |(_, d)| d);
            new_object(o, state)
        };
        let mut acls: BTreeMap<String, ObjectPrivileges> = BTreeMap::new();
        let mut owners: Vec<(Securable, String)> = Vec::new();
        for (event, loc, summary) in &self.events {
            match event {
                Event::Policy(_)
                | Event::AlterPolicy { .. }
                | Event::PolicyComment { .. }
                | Event::RowSecurity { .. } => {
                    if let Err(m) = policy_event(schema, event.clone()) {
                        errors.push(err(loc, m));
                    }
                }
                Event::Defaults { .. } => {}
                Event::Privileges {
                    change,
                    target,
                    existing,
                } => {
                    let unlisted = change
                        .grantees
                        .iter()
                        .any(|g| g != CURRENT_USER && !access.manages_role(g));
                    if unlisted {
                        skipped.push(super::Skipped {
                            kind: "privilege of a role not in privileges.roles",
                            loc: loc.clone(),
                            summary: format!(
                                "{} {}",
                                if change.grant {
                                    "GRANT to"
                                } else {
                                    "REVOKE from"
                                },
                                change.grantees.join(", ")
                            ),
                        });
                    }
                    let targets = match resolve_target(target, &objects, existing) {
                        Ok(t) => t,
                        Err(Some(m)) => {
                            errors.push(err(loc, m));
                            continue;
                        }
                        Err(None) => {
                            skipped.push(super::Skipped {
                                kind: "privilege on an unmanaged object",
                                loc: loc.clone(),
                                summary: summary.clone(),
                            });
                            continue;
                        }
                    };
                    for t in targets {
                        acls.entry(t.key()).or_insert_with(|| start(&t));
                        if let Err(m) = apply(&mut acls, &t, change) {
                            errors.push(err(loc, m));
                        }
                    }
                }
                Event::Owner { object, owner } => {
                    let found = match resolve_target(object, &objects, &BTreeSet::new()) {
                        Ok(mut t) if t.len() == 1 => t.pop(),
                        _ => None,
                    };
                    match found {
                        Some(o) => owners.push((o, owner.clone())),
                        None => skipped.push(super::Skipped {
                            kind: "owner of an unmanaged object",
                            loc: loc.clone(),
                            summary: summary.clone(),
                        }),
                    }
                }
            }
        }
        for (o, owner) in owners {
            schema
                .security
                .owners
                .insert(o.key(), Owned { object: o, owner });
        }
        // Objects no GRANT named hold what they started with.
        for (key, o) in &objects {
            if !acls.contains_key(key) {
                acls.insert(key.clone(), start(o));
            }
        }
        // An object the files give no owner is owned by the role that creates it.
        if access.owners {
            for (key, o) in &objects {
                schema
                    .security
                    .owners
                    .entry(key.clone())
                    .or_insert_with(|| Owned {
                        object: o.clone(),
                        owner: CURRENT_USER.into(),
                    });
            }
        }
        schema.security.privileges = acls
            .into_iter()
            .filter(|(_, p)| !p.grants.is_empty())
            .collect();
        schema.security.default_privileges = defaults;
        schema
            .security
            .row_security
            .retain(|_, r| r.enabled || r.forced);
        schema.security.policies = std::mem::take(&mut schema.security.policies)
            .into_values()
            .map(|mut p| {
                p.table = pg(&p.table);
                (p.key(), p)
            })
            .collect();
        schema.security.scope(access);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A policy or row-level security statement, applied to the schema in file order.
fn policy_event(schema: &mut Schema, event: Event) -> Result<(), String> {
    let policies = &mut schema.security.policies;
    match event {
        Event::Policy(p) => {
            let key = pg_policy_key(&p.table, &p.name);
            if policies.contains_key(&key) {
                return Err(format!("policy `{}` is defined twice", p.name));
            }
            policies.insert(key, p);
        }
        Event::AlterPolicy {
            table,
            name,
            rename,
            roles,
            using,
            check,
        } => {
            let Some(mut p) = policies.remove(&pg_policy_key(&table, &name)) else {
                return Err(format!(
                    "ALTER POLICY: no policy `{name}` on `{table}` before it"
                ));
            };
            p.name = rename.unwrap_or(p.name);
            p.roles = roles.unwrap_or(p.roles);
            p.using = using.or(p.using);
            p.check = check.or(p.check);
            policies.insert(pg_policy_key(&p.table, &p.name), p);
        }
        Event::PolicyComment {
            table,
            name,
            comment,
        } => match policies.get_mut(&pg_policy_key(&table, &name)) {
            Some(p) => p.comment = comment.filter(|c| !c.is_empty()),
            None => {
                return Err(format!(
                    "COMMENT ON POLICY: no policy `{name}` on `{table}` before it"
                ))
            }
        },
        Event::RowSecurity { table, action } => {
            let r = schema.security.row_security.entry(pg(&table)).or_default();
            match action {
                "enable" => r.enabled = true,
                "disable" => r.enabled = false,
                "force" => r.forced = true,
                _ => r.forced = false,
            }
        }
        Event::Privileges { .. } | Event::Defaults { .. } | Event::Owner { .. } => {}
    }
    Ok(())
}

fn fold(i: &sqlparser::ast::Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    }
}

/// A name as PostgreSQL resolves an unqualified one (the default schema).
fn pg(q: &QName) -> QName {
    if q.schema.is_empty() {
        QName::new("public", q.name.clone())
    } else {
        q.clone()
    }
}

fn pg_type(t: &DataType) -> DataType {
    match t {
        DataType::Named(q) => DataType::Named(pg(q)),
        DataType::Array(inner) => DataType::Array(Box::new(pg_type(inner))),
        other => other.clone(),
    }
}

fn pg_policy_key(table: &QName, name: &str) -> String {
    format!("{} {name}", pg(table))
}

#[cfg(test)]
mod tests {
    use crate::model::{Access, Schema};
    use crate::parse::{parse_schema_access, Skipped, SourceFile, Target};

    fn read(sql: &str, access: &Access) -> Result<(Schema, Vec<Skipped>), String> {
        let src = SourceFile {
            name: "s.sql".into(),
            text: sql.into(),
        };
        parse_schema_access(&[src], true, Target::Postgres, access).map_err(|e| e.to_string())
    }

    fn managed(roles: &[&str]) -> Access {
        Access {
            privilege_roles: Some(roles.iter().map(|r| r.to_string()).collect()),
            owners: true,
        }
    }

    #[test]
    fn policies_are_read_as_pg_policy_keeps_them() {
        let (s, _) = read(
            "CREATE TABLE t (a int, b text);
             ALTER TABLE ONLY t ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
             CREATE POLICY p ON t USING (a > 0);
             CREATE POLICY q ON public.t AS RESTRICTIVE FOR UPDATE TO PUBLIC, r1 USING (true) WITH CHECK (b <> '');
             ALTER POLICY p ON t TO r2, \"R1\";
             ALTER POLICY p ON t RENAME TO p2;
             COMMENT ON POLICY p2 ON t IS 'it''s';",
            &Access::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let sec = &s.security;
        let rls = sec
            .row_security
            .values()
            .next()
            .copied()
            .unwrap_or_default();
        assert!(rls.enabled && rls.forced);
        let p = &sec.policies["public.t p2"];
        assert_eq!(p.roles, ["R1", "r2"]);
        assert_eq!(p.command, "ALL");
        assert!(p.permissive);
        assert_eq!(p.comment.as_deref(), Some("it's"));
        let q = &sec.policies["public.t q"];
        assert_eq!(q.roles, ["public"]);
        assert_eq!((q.command.as_str(), q.permissive), ("UPDATE", false));
        assert!(q.using.is_some() && q.check.is_some());
    }

    #[test]
    fn policy_mistakes_name_the_place() {
        let e = read(
            "CREATE TABLE t (a int);\nALTER POLICY nope ON t TO r;",
            &Access::default(),
        )
        .err()
        .unwrap_or_default();
        assert!(
            e.contains("s.sql:2:1") && e.contains("no policy `nope`"),
            "{e}"
        );
        let e = read(
            "CREATE TABLE t (a int);\nALTER TABLE t ENABLE ROW LEVEL SECURITY, ADD COLUMN b int;",
            &Access::default(),
        )
        .err()
        .unwrap_or_default();
        assert!(e.contains("only row level security"), "{e}");
    }

    #[test]
    fn grants_are_left_alone_unless_managed() {
        let sql = "CREATE TABLE t (a int);\nGRANT SELECT ON t TO r1;\nALTER TABLE t OWNER TO r2;";
        let (s, skipped) = read(sql, &Access::default()).unwrap_or_default();
        assert!(s.security.privileges.is_empty() && s.security.owners.is_empty());
        let kinds: Vec<&str> = skipped.iter().map(|k| k.kind).collect();
        assert_eq!(kinds, ["privilege", "owner change"]);
        let (s, skipped) = read(sql, &managed(&["r1"])).unwrap_or_default();
        assert!(skipped.is_empty(), "{skipped:?}");
        let held: Vec<(&String, &String)> = s
            .security
            .privileges
            .values()
            .flat_map(|p| {
                p.grants
                    .0
                    .iter()
                    .flat_map(|(g, ps)| ps.keys().map(move |k| (g, k)))
            })
            .collect();
        assert_eq!(held, [(&"r1".to_string(), &"SELECT".to_string())]);
        assert_eq!(s.security.owners["table public.t"].owner, "r2");
    }

    #[test]
    fn privileges_follow_the_file_as_psql_runs_it() {
        let (s, skipped) = read(
            "CREATE SCHEMA app;
             CREATE TABLE app.before (a int);
             ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT, UPDATE ON TABLES TO r1 WITH GRANT OPTION;
             ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
             CREATE TABLE app.after (a int, b int);
             CREATE FUNCTION app.f(x integer, OUT y integer) LANGUAGE sql AS $$ SELECT x $$;
             CREATE TYPE app.e AS ENUM ('a');
             REVOKE GRANT OPTION FOR UPDATE ON app.after FROM r1;
             GRANT SELECT (a), INSERT (a, b) ON app.before TO PUBLIC;
             GRANT ALL ON ALL TABLES IN SCHEMA app TO r2;
             REVOKE ALL ON TYPE app.e FROM PUBLIC;
             GRANT EXECUTE ON FUNCTION app.f(integer) TO r3;",
            &managed(&["r1", "public"]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let p = &s.security.privileges;
        let of = |k: &str| {
            p.get(k)
                .map(|o| format!("{:?}", o.grants.0))
                .unwrap_or_default()
        };
        // Created before the default privileges: nothing for r1.
        assert_eq!(of("table app.before"), "");
        assert_eq!(
            of("table app.after"),
            r#"{"r1": {"SELECT": true, "UPDATE": false}}"#
        );
        assert_eq!(
            of("column app.before.a"),
            r#"{"public": {"INSERT": false, "SELECT": false}}"#
        );
        // PUBLIC's EXECUTE was revoked by the default privileges, its USAGE on the type by
        // the REVOKE: neither function nor type holds anything for the managed roles.
        assert_eq!(of("function app.f(integer)"), "");
        assert_eq!(of("type app.e"), "");
        let d: Vec<&String> = s.security.default_privileges.keys().collect();
        assert_eq!(d, ["current_user * FUNCTIONS", "current_user app TABLES"]);
        // Grants to roles that are not listed are reported.
        assert_eq!(
            skipped
                .iter()
                .filter(|k| k.kind.contains("not in privileges.roles"))
                .count(),
            2
        );
    }

    #[test]
    fn unusable_privileges_are_errors_with_their_place() {
        let e = read(
            "CREATE SEQUENCE s;\nGRANT INSERT ON SEQUENCE s TO r1;",
            &managed(&["r1"]),
        )
        .err()
        .unwrap_or_default();
        assert!(
            e.contains("s.sql:2:1") && e.contains("INSERT does not apply to a sequence"),
            "{e}"
        );
        let (_, skipped) = read(
            "CREATE TABLE t (a int);\nGRANT CONNECT ON DATABASE d TO r1;\nGRANT r1 TO r2;",
            &managed(&["r1"]),
        )
        .unwrap_or_default();
        let kinds: Vec<&str> = skipped.iter().map(|k| k.kind).collect();
        assert_eq!(
            kinds,
            ["privilege on an unmanaged object", "role membership"]
        );
    }
}
