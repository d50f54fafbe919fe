//! Ignore rules for drift: object name patterns, schemas and object kinds left out of the
//! comparison. Applied to both sides before diffing, so an ignored object is neither
//! reported nor repaired.

use crate::model::{QName, Schema};
use std::collections::BTreeSet;

/// Object kinds that `drift.ignore.kinds` may name.
pub const KINDS: &[&str] = &[
    "table",
    "view",
    "materialized_view",
    "type",
    "sequence",
    "schema",
    "extension",
    "index",
    "unique",
    "check",
    "foreign_key",
    "comment",
    "trigger",
    "procedure",
    "function",
    "event",
    "policy",
    "privilege",
    "owner",
];

/// What to leave out of a drift comparison.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    /// Glob patterns (`*` any run of characters, `?` one character), matched against an
    /// object's bare name and its qualified name (`schema.table`, `schema.table.index`).
    pub names: Vec<String>,
    /// Namespaces whose objects are all ignored.
    pub schemas: BTreeSet<String>,
    /// Kinds from [`KINDS`].
    pub kinds: BTreeSet<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("drift.ignore.kinds: unknown kind `{kind}`; use one of: {}", KINDS.join(", "))]
pub struct UnknownKind {
    pub kind: String,
}

impl Ignore {
    /// Checks the kinds and builds the rules.
    pub fn new(
        names: Vec<String>,
        schemas: Vec<String>,
        kinds: Vec<String>,
    ) -> Result<Ignore, UnknownKind> {
        for k in &kinds {
            if !KINDS.contains(&k.as_str()) {
                return Err(UnknownKind { kind: k.clone() });
            }
        }
        Ok(Ignore {
            names,
            schemas: schemas.into_iter().collect(),
            kinds: kinds.into_iter().collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.schemas.is_empty() && self.kinds.is_empty()
    }

    fn kind(&self, k: &str) -> bool {
        self.kinds.contains(k)
    }

    fn name(&self, bare: &str, qualified: &str) -> bool {
        self.names
            .iter()
            .any(|p| glob(p, bare) || glob(p, qualified))
    }

    fn object(&self, kind: &str, q: &QName) -> bool {
        self.kind(kind) || self.schemas.contains(&q.schema) || self.name(&q.name, &q.to_string())
    }

    /// Removes every ignored object from `schema`.
    pub fn apply(&self, schema: &mut Schema) {
        if self.is_empty() {
            return;
        }
        let schemas = self.schemas.clone();
        schema
            .schemas
            .retain(|s| !self.kind("schema") && !schemas.contains(s) && !self.name(s, s));
        schema
            .extensions
            .retain(|e| !self.kind("extension") && !self.name(e, e));
        schema.enums.retain(|q, _| !self.object("type", q));
        schema.domains.retain(|q, _| !self.object("type", q));
        schema.composites.retain(|q, _| !self.object("type", q));
        schema.ranges.retain(|q, _| !self.object("type", q));
        schema
            .routines
            .retain(|_, r| !self.object(r.kind.noun(), &r.name));
        schema.programs.retain(|_, p| {
            !self.object(p.kind.noun(), &crate::model::QName::new("", p.name.clone()))
        });
        schema.sequences.retain(|q, _| !self.object("sequence", q));
        schema.views.retain(|q, v| {
            let kind = if v.materialized {
                "materialized_view"
            } else {
                "view"
            };
            !self.object(kind, q)
        });
        for v in schema.views.values_mut() {
            let qualified = |member: &str| format!("{}.{member}", v.name);
            v.indexes
                .retain(|i| !self.kind("index") && !self.name(&i.name, &qualified(&i.name)));
        }
        if self.kind("comment") {
            schema.schema_comments.clear();
            schema.type_comments.clear();
            for e in schema.enums.values_mut() {
                e.comment = None;
            }
            for q in schema.sequences.values_mut() {
                q.comment = None;
            }
            for v in schema.views.values_mut() {
                v.comment = None;
                v.column_comments.clear();
                for i in &mut v.indexes {
                    i.comment = None;
                }
            }
        }
        schema.tables.retain(|q, _| !self.object("table", q));
        for t in schema.tables.values_mut() {
            let qualified = |member: &str| format!("{}.{member}", t.name);
            let keep =
                |kind: &str, name: &str| !self.kind(kind) && !self.name(name, &qualified(name));
            t.indexes.retain(|i| keep("index", &i.name));
            t.uniques.retain(|u| keep("unique", &u.name));
            t.checks.retain(|c| keep("check", &c.name));
            t.foreign_keys.retain(|f| keep("foreign_key", &f.name));
            if self.kind("comment") {
                t.comment = None;
                t.constraint_comments.clear();
                for c in &mut t.columns {
                    c.comment = None;
                }
                for i in &mut t.indexes {
                    i.comment = None;
                }
            }
        }
        self.access(schema);
    }

    /// Row-level security and policies go with their table (and `policy`), privileges
    /// and owners with their object (and `privilege`, `owner`).
    fn access(&self, schema: &mut Schema) {
        let tables: BTreeSet<QName> = schema.tables.keys().cloned().collect();
        let sec = &mut schema.security;
        let policies = self.kind("policy");
        sec.row_security
            .retain(|t, _| !policies && tables.contains(t));
        sec.policies.retain(|_, p| {
            let qualified = format!("{}.{}", p.table, p.name);
            !policies && tables.contains(&p.table) && !self.name(&p.name, &qualified)
        });
        let object = |o: &crate::model::Securable| {
            let kind = match o.kind {
                crate::model::SecurableKind::Column => "table",
                k => k.noun(),
            };
            match o.kind {
                crate::model::SecurableKind::Schema => {
                    self.kind("schema")
                        || self.schemas.contains(&o.name.name)
                        || self.name(&o.name.name, &o.name.name)
                }
                _ => self.object(kind, &o.name),
            }
        };
        let privileges = self.kind("privilege");
        sec.privileges
            .retain(|_, p| !privileges && !object(&p.object));
        sec.default_privileges.retain(|_, d| {
            !privileges && !d.schema.as_ref().is_some_and(|s| self.schemas.contains(s))
        });
        let owners = self.kind("owner");
        sec.owners.retain(|_, o| !owners && !object(&o.object));
    }
}

/// Glob match: `*` matches any run of characters (also none), `?` exactly one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with one backtrack point for the last `*`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("tmp_*", "tmp_"));
        assert!(glob("tmp_*", "tmp_x"));
        assert!(!glob("tmp_*", "xtmp_x"));
        assert!(glob("*_idx", "users_email_idx"));
        assert!(glob("public.*", "public.users"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn unknown_kinds_are_named() {
        let e = Ignore::new(vec![], vec![], vec!["tables".into()])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("`tables`") && e.contains("foreign_key"), "{e}");
    }

    #[test]
    fn rules_remove_objects_on_a_schema() {
        let mut s = crate::parse::parse_sql(
            "t.sql",
            "CREATE TABLE keep (id INT PRIMARY KEY, a TEXT);
             CREATE INDEX keep_a_idx ON keep (a);
             CREATE TABLE tmp_x (id INT);
             CREATE SCHEMA audit;
             CREATE TABLE audit.log (id INT);
             CREATE VIEW v AS SELECT id FROM keep;",
        )
        .unwrap_or_default();
        crate::dialect::resolve_names(&mut s, "public", true);
        let rules = Ignore::new(
            vec!["tmp_*".into(), "*_a_idx".into()],
            vec!["audit".into()],
            vec!["view".into()],
        )
        .unwrap_or_default();
        rules.apply(&mut s);
        let tables: Vec<String> = s.tables.keys().map(|q| q.to_string()).collect();
        assert_eq!(tables, vec!["public.keep"]);
        assert!(s.views.is_empty());
        assert!(s.schemas.is_empty());
        assert!(s.tables.values().all(|t| t.indexes.is_empty()));
    }
}
