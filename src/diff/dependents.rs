//! What a dropped function takes along. PostgreSQL refuses `DROP FUNCTION` while a
//! default, check, index, trigger, rule, view, domain or another function's SQL-standard
//! body depends on it, and a function whose signature or result changes is dropped and
//! created again: each of those is dropped (or loses the expression) before it and comes
//! back after it, in the order the planner gives their own dependencies.
//!
//! The live side names them from `pg_depend` ([`Routine::dependents`]); a schema file's
//! side (which has no catalog) from the calls in their expressions, by name.

use super::Change;
use crate::model::{may_call, Column, Dependent, Domain, QName, Schema};
use std::collections::BTreeSet;

/// The routines a list of changes drops, and how to tell what depends on them.
#[derive(Debug, Default)]
pub(super) struct Dropped {
    /// Names of the routines dropped (with or without a new version created).
    pub names: BTreeSet<QName>,
    /// What depends on the dropped routines whose catalog said so.
    precise: BTreeSet<Dependent>,
    /// Dropped routines read from a file: what calls them by name depends on them.
    by_calls: BTreeSet<QName>,
}

impl Dropped {
    pub fn of(out: &[Change]) -> Dropped {
        let mut d = Dropped::default();
        for c in out {
            let Change::DropRoutine(r) = c else { continue };
            d.names.insert(r.name.clone());
            match &r.dependents {
                Some(deps) => d.precise.extend(deps.iter().cloned()),
                None => {
                    d.by_calls.insert(r.name.clone());
                }
            }
        }
        d
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether the object `dep`, whose expressions call `calls`, depends on a dropped
    /// routine.
    pub fn hits(&self, dep: &Dependent, calls: impl IntoIterator<Item = QName>) -> bool {
        self.precise.contains(dep)
            || (!self.by_calls.is_empty()
                && calls
                    .into_iter()
                    .any(|c| self.by_calls.iter().any(|n| may_call(&c, n))))
    }
}

/// Adds, for every routine `out` drops, the changes that take its dependents away first and
/// bring them back after (views are left to `add_view_recreations`, triggers and rules to
/// their own diff, which both ask [`Dropped`]).
pub(super) fn around_dropped_routines(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    routines(from, to, out);
    let dropped = Dropped::of(out);
    if dropped.is_empty() {
        return;
    }
    for (name, t) in &from.tables {
        let Some(nt) = to.tables.get(name) else {
            continue;
        };
        for c in &t.columns {
            let Some(d) = &c.default else { continue };
            let dep = Dependent::Default(name.clone(), c.name.clone());
            if let Some(nc) = nt.column(&c.name) {
                if dropped.hits(&dep, d.calls()) {
                    default_around(out, name, c, nc);
                }
            }
        }
        for ck in &t.checks {
            let dep = Dependent::Constraint(name.clone(), ck.name.clone());
            if !dropped.hits(&dep, ck.expr.calls()) {
                continue;
            }
            let Some(new) = nt.checks.iter().find(|n| n.name == ck.name) else {
                continue;
            };
            let has = |c: &Change| matches!(c, Change::DropCheck { table, check } if table == name && check.name == ck.name);
            if !out.iter().any(has) {
                out.push(Change::DropCheck {
                    table: name.clone(),
                    check: ck.clone(),
                });
                out.push(Change::AddCheck {
                    table: name.clone(),
                    check: new.clone(),
                });
            }
        }
        for x in &t.exclusions {
            let dep = Dependent::Constraint(name.clone(), x.name.clone());
            if !dropped.hits(&dep, x.calls()) {
                continue;
            }
            let Some(new) = nt.exclusions.iter().find(|n| n.name == x.name) else {
                continue;
            };
            let has = |c: &Change| matches!(c, Change::DropExclusion { table, exclusion } if table == name && exclusion.name == x.name);
            if !out.iter().any(has) {
                out.push(Change::DropExclusion {
                    table: name.clone(),
                    exclusion: x.clone(),
                });
                out.push(Change::AddExclusion {
                    table: name.clone(),
                    exclusion: new.clone(),
                });
            }
        }
        for i in &t.indexes {
            let dep = Dependent::Index(QName::new(name.schema.clone(), i.name.clone()));
            if !dropped.hits(&dep, i.calls()) {
                continue;
            }
            let Some(new) = nt.indexes.iter().find(|n| n.name == i.name) else {
                continue;
            };
            let has = |c: &Change| matches!(c, Change::DropIndex { table, index } if table == name && index.name == i.name);
            if !out.iter().any(has) {
                out.push(Change::DropIndex {
                    table: name.clone(),
                    index: i.clone(),
                });
                out.push(Change::CreateIndex {
                    table: name.clone(),
                    index: new.clone(),
                });
            }
        }
    }
    for (name, d) in &from.domains {
        if let Some(nd) = to.domains.get(name) {
            domain_around(out, &dropped, d, nd);
        }
    }
}

/// Routines whose body calls a dropped one (a SQL-standard body depends on it; another SQL
/// body is checked against it when created): dropped and created again too, and so on
/// down the chain.
fn routines(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    loop {
        let dropped = Dropped::of(out);
        if dropped.is_empty() {
            return;
        }
        let already: BTreeSet<String> = out
            .iter()
            .filter_map(|c| match c {
                Change::DropRoutine(r) => Some(r.key()),
                _ => None,
            })
            .collect();
        let mut added = false;
        for (key, r) in &from.routines {
            if already.contains(key) {
                continue;
            }
            let Some(new) = to.routines.get(key) else {
                continue;
            };
            if !dropped.hits(&Dependent::Routine(r.name.clone()), r.needs.iter().cloned()) {
                continue;
            }
            // Its own replacement, if any, is the creation now.
            out.retain(|c| !matches!(c, Change::ReplaceRoutine { to, .. } if to.key() == *key));
            out.push(Change::DropRoutine(r.clone()));
            out.push(Change::CreateRoutine(new.clone()));
            added = true;
        }
        if !added {
            return;
        }
    }
}

/// A column default that calls a dropped routine: dropped before it, set after it. A
/// change of the column the diff already has is split so.
fn default_around(out: &mut Vec<Change>, table: &QName, old: &Column, new: &Column) {
    let mut bare = old.clone();
    bare.default = None;
    let same = |c: &Change| matches!(c, Change::AlterColumn { table: t, to, .. } if t == table && to.name == new.name);
    let target = match out.iter().position(same) {
        Some(at) => match out.remove(at) {
            Change::AlterColumn { to, .. } => to,
            other => {
                out.insert(at, other);
                return;
            }
        },
        None => new.clone(),
    };
    out.push(Change::AlterColumn {
        table: table.clone(),
        from: old.clone(),
        to: bare.clone(),
    });
    if target.default.is_some() || !bare.same_definition(&target) {
        out.push(Change::AlterColumn {
            table: table.clone(),
            from: bare,
            to: target,
        });
    }
}

/// A domain whose default or checks call a dropped routine: they are taken off before it
/// and put back after it (with the rest of the domain's change, if any).
fn domain_around(out: &mut Vec<Change>, dropped: &Dropped, old: &Domain, new: &Domain) {
    let default_hit = old
        .default
        .as_ref()
        .is_some_and(|d| dropped.hits(&Dependent::Domain(old.name.clone(), None), d.calls()));
    let hit_checks: Vec<String> = old
        .checks
        .iter()
        .filter(|c| {
            dropped.hits(
                &Dependent::Domain(old.name.clone(), Some(c.name.clone())),
                c.expr.calls(),
            )
        })
        .map(|c| c.name.clone())
        .collect();
    if !default_hit && hit_checks.is_empty() {
        return;
    }
    let rebuilt =
        |c: &Change| matches!(c, Change::RebuildDomain { from, .. } if from.name == old.name);
    if out.iter().any(rebuilt) {
        return;
    }
    let mut bare = old.clone();
    if default_hit {
        bare.default = None;
    }
    bare.checks.retain(|c| !hit_checks.contains(&c.name));
    let same = |c: &Change| matches!(c, Change::AlterDomain { to, .. } if to.name == new.name);
    let target = match out.iter().position(same) {
        Some(at) => match out.remove(at) {
            Change::AlterDomain { to, .. } => to,
            other => {
                out.insert(at, other);
                return;
            }
        },
        None => new.clone(),
    };
    out.push(Change::AlterDomain {
        from: old.clone(),
        to: bare.clone(),
    });
    out.push(Change::AlterDomain {
        from: bare,
        to: target,
    });
}

#[cfg(test)]
mod tests {
    use crate::dialect::{postgres::Postgres, RenderOptions};
    use crate::model::Schema;

    fn schema(sql: &str) -> Schema {
        let s = crate::parse::parse_sql("test.sql", sql).expect("parses");
        crate::dialect::prepare(s, &Postgres, &mut Vec::new())
    }

    /// The plan's statements, one line each.
    fn plan(from: &str, to: &str) -> Vec<String> {
        let p = crate::plan::plan(
            &schema(from),
            &schema(to),
            &Postgres,
            &RenderOptions::default(),
        );
        p.steps.iter().flat_map(|s| s.sql.clone()).collect()
    }

    fn at(sql: &[String], starts: &str) -> usize {
        sql.iter()
            .position(|s| s.starts_with(starts))
            .unwrap_or_else(|| panic!("no `{starts}` in {sql:#?}"))
    }

    const OBJECTS: &str = "
        CREATE TABLE t (a numeric DEFAULT f(1) CHECK (f(a) > 0), b numeric);
        CREATE INDEX t_f ON t (f(b));
        CREATE VIEW v AS SELECT f(a) AS c FROM t;
        CREATE VIEW w AS SELECT c FROM v;
        CREATE FUNCTION g() RETURNS numeric LANGUAGE sql BEGIN ATOMIC SELECT f(2); END;
        CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER tg BEFORE INSERT ON t FOR EACH ROW WHEN (f(NEW.a) > 0) EXECUTE FUNCTION tf();";

    #[test]
    fn from_empty_what_calls_a_function_comes_after_it() {
        let sql = plan(
            "",
            &format!("CREATE FUNCTION f(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x $$; {OBJECTS}"),
        );
        let f = at(&sql, "CREATE FUNCTION f(");
        for after in [
            "CREATE TABLE",
            "CREATE INDEX",
            "CREATE VIEW",
            "CREATE FUNCTION g(",
            "CREATE TRIGGER",
        ] {
            assert!(f < at(&sql, after), "{after} before f: {sql:#?}");
        }
        assert!(at(&sql, "CREATE FUNCTION tf(") < at(&sql, "CREATE TRIGGER"));
    }

    #[test]
    fn a_new_signature_takes_every_dependent_along_in_order() {
        let from = format!(
            "CREATE FUNCTION f(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x $$; {OBJECTS}"
        );
        let to = format!(
            "CREATE FUNCTION f(x numeric) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$ SELECT x::float8 $$; {OBJECTS}"
        );
        let sql = plan(&from, &to);
        let drop = at(&sql, "DROP FUNCTION public.f(");
        let create = at(&sql, "CREATE FUNCTION f(");
        for before in [
            "DROP TRIGGER tg",
            "DROP VIEW public.w",
            "DROP VIEW public.v",
            "DROP FUNCTION public.g(",
            "ALTER TABLE public.t DROP CONSTRAINT t_a_check",
            "ALTER TABLE public.t ALTER COLUMN a DROP DEFAULT",
        ] {
            assert!(at(&sql, before) < drop, "{before} after the drop: {sql:#?}");
        }
        for after in [
            "CREATE TRIGGER tg",
            "CREATE VIEW public.v",
            "CREATE FUNCTION g(",
            "ALTER TABLE public.t ADD CONSTRAINT t_a_check",
            "ALTER TABLE public.t ALTER COLUMN a SET DEFAULT",
            "CREATE INDEX CONCURRENTLY t_f",
        ] {
            assert!(
                create < at(&sql, after),
                "{after} before the create: {sql:#?}"
            );
        }
        assert!(at(&sql, "DROP INDEX") < drop, "{sql:#?}");
        assert!(at(&sql, "DROP VIEW public.w") < at(&sql, "DROP VIEW public.v"));
        assert!(at(&sql, "CREATE VIEW public.v") < at(&sql, "CREATE VIEW public.w"));
    }

    #[test]
    fn a_body_change_takes_nothing_along() {
        let from = format!(
            "CREATE FUNCTION f(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x $$; {OBJECTS}"
        );
        let to = format!(
            "CREATE FUNCTION f(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x + 0 $$; {OBJECTS}"
        );
        let sql = plan(&from, &to);
        assert_eq!(sql.len(), 1, "{sql:#?}");
        assert!(sql[0].starts_with("CREATE OR REPLACE FUNCTION f("));
    }
}
