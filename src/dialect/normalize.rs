//! Normalization steps every dialect shares: resolving unqualified names.

use crate::model::{DataType, QName, Schema};
use std::collections::BTreeMap;

fn fix(q: &mut QName, default: &str) {
    if q.schema.is_empty() {
        q.schema = default.to_string();
    }
}

fn fix_type(t: &mut DataType, default: &str) {
    match t {
        DataType::Named(q) => fix(q, default),
        DataType::Array(inner) => fix_type(inner, default),
        _ => {}
    }
}

/// Puts unqualified names into the default namespace, fills omitted foreign-key target
/// columns with the target's primary key (where `fill_fk_columns`: see
/// `Dialect::keeps_omitted_fk_columns`), and re-keys every map.
pub fn resolve_names(s: &mut Schema, default: &str, fill_fk_columns: bool) {
    let tables = std::mem::take(&mut s.tables);
    for (_, mut t) in tables {
        fix(&mut t.name, default);
        for c in &mut t.columns {
            fix_type(&mut c.data_type, default);
        }
        for f in &mut t.foreign_keys {
            fix(&mut f.ref_table, default);
        }
        if let Some(p) = &mut t.partition_of {
            fix(&mut p.parent, default);
        }
        for p in &mut t.inherits {
            fix(p, default);
        }
        for i in &mut t.indexes {
            if let Some(a) = &mut i.attached_to {
                fix(&mut a.table, default);
            }
        }
        s.tables.insert(t.name.clone(), t);
    }
    let pks: BTreeMap<QName, Vec<String>> = s
        .tables
        .iter()
        .filter_map(|(k, t)| {
            t.primary_key
                .as_ref()
                .map(|p| (k.clone(), p.columns.clone()))
        })
        .collect();
    for t in s.tables.values_mut().filter(|_| fill_fk_columns) {
        for f in &mut t.foreign_keys {
            if f.ref_columns.is_empty() {
                if let Some(cols) = pks.get(&f.ref_table) {
                    f.ref_columns = cols.clone();
                }
            }
        }
    }
    let views = std::mem::take(&mut s.views);
    for (_, mut v) in views {
        fix(&mut v.name, default);
        v.depends_on = v
            .depends_on
            .into_iter()
            .map(|mut d| {
                fix(&mut d, default);
                d
            })
            .collect();
        v.calls.0 = std::mem::take(&mut v.calls.0)
            .into_iter()
            .map(|mut d| {
                fix(&mut d, default);
                d
            })
            .collect();
        s.views.insert(v.name.clone(), v);
    }
    let routines = std::mem::take(&mut s.routines);
    for (_, mut r) in routines {
        fix(&mut r.name, default);
        for t in r.types_mut() {
            fix_type(t, default);
        }
        r.needs = std::mem::take(&mut r.needs)
            .into_iter()
            .map(|mut d| {
                fix(&mut d, default);
                d
            })
            .collect();
        s.routines.insert(r.key(), r);
    }
    let triggers = std::mem::take(&mut s.triggers);
    for (_, mut t) in triggers {
        fix(&mut t.table, default);
        fix(&mut t.function, default);
        if let Some(f) = &mut t.from {
            fix(f, default);
        }
        s.triggers.insert(t.key(), t);
    }
    let rules = std::mem::take(&mut s.rules);
    for (_, mut r) in rules {
        fix(&mut r.table, default);
        r.depends_on = std::mem::take(&mut r.depends_on)
            .into_iter()
            .map(|mut d| {
                fix(&mut d, default);
                d
            })
            .collect();
        s.rules.insert(r.key(), r);
    }
    let enums = std::mem::take(&mut s.enums);
    for (_, mut e) in enums {
        fix(&mut e.name, default);
        s.enums.insert(e.name.clone(), e);
    }
    let domains = std::mem::take(&mut s.domains);
    for (_, mut d) in domains {
        fix(&mut d.name, default);
        fix_type(&mut d.data_type, default);
        s.domains.insert(d.name.clone(), d);
    }
    let composites = std::mem::take(&mut s.composites);
    for (_, mut t) in composites {
        fix(&mut t.name, default);
        for a in &mut t.attributes {
            fix_type(&mut a.data_type, default);
        }
        s.composites.insert(t.name.clone(), t);
    }
    let ranges = std::mem::take(&mut s.ranges);
    for (_, mut r) in ranges {
        fix(&mut r.name, default);
        fix_type(&mut r.subtype, default);
        if let Some(m) = &mut r.multirange {
            fix(m, default);
        }
        s.ranges.insert(r.name.clone(), r);
    }
    let type_comments = std::mem::take(&mut s.type_comments);
    for (mut k, c) in type_comments {
        fix(&mut k, default);
        s.type_comments.insert(k, c);
    }
    let seqs = std::mem::take(&mut s.sequences);
    for (_, mut q) in seqs {
        fix(&mut q.name, default);
        s.sequences.insert(q.name.clone(), q);
    }
    if !default.is_empty() {
        s.schemas.remove(default);
    }
}

/// A `CHECK (col IN (…))` standing in for an enum on dialects without enum types, named
/// like PostgreSQL names a column check (and kept clear of names the table already uses).
pub fn enum_check(
    t: &crate::model::Table,
    column: &str,
    values: &[String],
) -> Option<crate::model::Check> {
    let list = values
        .iter()
        .map(|v| super::quote_literal(v))
        .collect::<Vec<_>>()
        .join(", ");
    let text = format!("{} IN ({list})", super::quote_ident(column));
    let expr = crate::parse::expr(&text).ok()?;
    Some(column_check(t, column, expr))
}

/// On a dialect without domains, each column of a domain takes the domain's base type and,
/// where it has none of its own, its default; the domain's NOT NULL and checks (over the
/// column instead of `VALUE`) go onto the column, through every domain it is over. A column
/// holding an array of a domain takes an array of the base type and nothing else. Each
/// domain is said once.
pub fn inline_domains(s: &mut Schema, dialect: &str, notes: &mut Vec<String>) {
    let domains = std::mem::take(&mut s.domains);
    if domains.is_empty() {
        return;
    }
    let names: Vec<String> = domains.keys().map(|k| format!("`{k}`")).collect();
    notes.push(format!(
        "{dialect}: domains are not {dialect} types: the columns of {} take the base type, with the domain's default, NOT NULL and checks",
        names.join(", ")
    ));
    // A name the domains' map does not hold exactly (a file's unqualified name on a
    // dialect without schemas) is looked up by its bare name.
    let find = |q: &QName| {
        domains
            .get(q)
            .or_else(|| domains.values().find(|d| d.name.name == q.name))
    };
    for t in s.tables.values_mut() {
        let mut checks = Vec::new();
        for c in &mut t.columns {
            // Through the domains it is over; a cycle cannot be created, but is not followed.
            for _ in 0..32 {
                let (is_array, q) = match &c.data_type {
                    DataType::Named(q) => (false, q),
                    DataType::Array(inner) => match &**inner {
                        DataType::Named(q) => (true, q),
                        _ => break,
                    },
                    _ => break,
                };
                let Some(d) = find(q) else { break };
                c.declared = None;
                if is_array {
                    // PostgreSQL keeps no array of arrays: a domain over an array is that array.
                    c.data_type = match &d.data_type {
                        DataType::Array(_) => d.data_type.clone(),
                        base => DataType::Array(Box::new(base.clone())),
                    };
                    continue;
                }
                c.data_type = d.data_type.clone();
                if c.default.is_none() && c.generated.is_none() {
                    c.default = d.default.clone();
                }
                if d.not_null {
                    c.nullable = false;
                    c.not_null_written = true;
                }
                for check in &d.checks {
                    match crate::parse::value_as_column(&check.expr.sql, &c.name) {
                        Ok(e) => checks.push((c.name.clone(), e)),
                        Err(e) => notes.push(format!(
                            "{dialect}: check {} of domain `{}` is left off {}.{}: {e}",
                            check.name, d.name, t.name, c.name
                        )),
                    }
                }
            }
        }
        for (col, expr) in checks {
            let check = column_check(t, &col, expr);
            t.checks.push(check);
        }
    }
}

/// Composite and range types on a dialect without them: their columns are what the
/// dialect makes of a type it does not know (text), and one warning names them.
pub fn drop_postgres_types(s: &mut Schema, dialect: &str, notes: &mut Vec<String>) {
    if !std::mem::take(&mut s.security).is_empty() {
        notes.push(format!(
            "{dialect}: PostgreSQL row-level security, policies, privileges and owners are not applied"
        ));
    }
    let routines: Vec<String> = std::mem::take(&mut s.routines)
        .into_keys()
        .map(|k| format!("`{k}`"))
        .collect();
    if !routines.is_empty() {
        notes.push(format!(
            "{dialect}: PostgreSQL functions, procedures and aggregates are not created: {}",
            routines.join(", ")
        ));
    }
    let procedural: Vec<String> = std::mem::take(&mut s.triggers)
        .into_keys()
        .map(|k| format!("trigger `{k}`"))
        .chain(
            std::mem::take(&mut s.rules)
                .into_keys()
                .map(|k| format!("rule `{k}`")),
        )
        .collect();
    if !procedural.is_empty() {
        notes.push(format!(
            "{dialect}: PostgreSQL triggers and rules are not created: {}",
            procedural.join(", ")
        ));
    }
    let names: Vec<String> = std::mem::take(&mut s.composites)
        .into_keys()
        .chain(std::mem::take(&mut s.ranges).into_keys())
        .map(|k| format!("`{k}`"))
        .collect();
    if !names.is_empty() {
        notes.push(format!(
            "{dialect}: composite and range types are not {dialect} types: {} are not created, and columns of them are text",
            names.join(", ")
        ));
    }
}

/// A check on `column`, named like PostgreSQL names a column check (and kept clear of
/// names the table already uses).
fn column_check(
    t: &crate::model::Table,
    column: &str,
    expr: crate::model::Expr,
) -> crate::model::Check {
    let table = &t.name.name;
    let mut name = crate::model::generated_name(table, &[column], "check", 63);
    let mut n = 1;
    while t.checks.iter().any(|c| c.name == name) {
        name = crate::model::generated_name(table, &[column], &format!("check{n}"), 63);
        n += 1;
    }
    crate::model::Check {
        not_valid: false,
        name,
        expr,
        no_inherit: false,
    }
}

/// Clears MySQL-only attributes on dialects that lack them, noting each kind once.
/// SQLite's table options have no meaning elsewhere; each is named once.
pub fn drop_sqlite_options(s: &mut Schema, dialect: &str, notes: &mut Vec<String>) {
    for t in s.tables.values_mut() {
        let desc = t
            .primary_key
            .as_mut()
            .is_some_and(|p| std::mem::take(&mut p.desc));
        for (set, option) in [
            (std::mem::take(&mut t.without_rowid), "WITHOUT ROWID"),
            (std::mem::take(&mut t.strict), "STRICT"),
            (desc, "PRIMARY KEY DESC"),
        ] {
            let n = format!("{dialect}: {option} is SQLite-only and ignored");
            if set && !notes.contains(&n) {
                notes.push(n);
            }
        }
    }
}

/// Clauses only PostgreSQL keeps: MySQL and SQLite read `MATCH FULL` and ignore it, and
/// have no `NO INHERIT` or `NULLS NOT DISTINCT`, no comments on indexes, constraints, types,
/// sequences or schemas, no view options and no indexes on views.
pub fn drop_postgres_clauses(s: &mut Schema, dialect: &str, notes: &mut Vec<String>) {
    let mut note = |clause: &str| {
        let n = format!("{dialect}: {clause} is PostgreSQL-only and ignored");
        if !notes.contains(&n) {
            notes.push(n);
        }
    };
    // PostgreSQL's partitioned and inheriting tables have no counterpart here: left alone
    // by name, as a MySQL file's partitioned tables are.
    let partitioned: Vec<_> = s
        .tables
        .values()
        .filter(|t| t.partition_by.is_some() || t.partition_of.is_some() || !t.inherits.is_empty())
        .map(|t| t.name.clone())
        .collect();
    for name in partitioned {
        s.tables.remove(&name);
        s.unreadable.insert(
            name,
            format!("a PostgreSQL partitioned, partition or inheriting table is not managed on {dialect}"),
        );
    }
    let comments = "COMMENT ON INDEX/CONSTRAINT/TYPE/SEQUENCE/SCHEMA/VIEW";
    if !std::mem::take(&mut s.type_comments).is_empty() {
        note(comments);
    }
    if !std::mem::take(&mut s.schema_comments).is_empty() {
        note(comments);
    }
    let enums = s.enums.values_mut().map(|e| &mut e.comment);
    let sequences = s.sequences.values_mut().map(|q| &mut q.comment);
    for c in enums.chain(sequences) {
        if c.take().is_some() {
            note(comments);
        }
    }
    let mut check_options = Vec::new();
    for v in s.views.values_mut() {
        for (k, _) in std::mem::take(&mut v.options) {
            if k == "check_option" {
                // MySQL keeps it as a property of the view (`View::check_option`).
                if dialect != "mysql" {
                    check_options.push(v.name.clone());
                }
            } else {
                note(&format!("the view option {k} (view {})", v.name));
            }
        }
        if !std::mem::take(&mut v.indexes).is_empty() {
            note(&format!("an index on materialized view {}", v.name));
        }
        if !std::mem::take(&mut v.column_comments).is_empty() {
            note("COMMENT ON COLUMN of a view");
        }
        if v.comment.take().is_some() {
            note(comments);
        }
    }
    for t in s.tables.values_mut() {
        if !std::mem::take(&mut t.constraint_comments).is_empty() {
            note(comments);
        }
        // MySQL keeps an index's comment too (its COMMENT clause).
        if dialect != "mysql" {
            for i in &mut t.indexes {
                if i.comment.take().is_some() {
                    note(comments);
                }
            }
        }
        for f in &mut t.foreign_keys {
            if std::mem::take(&mut f.match_full) {
                note("MATCH FULL");
            }
            if std::mem::take(&mut f.not_valid) {
                note("NOT VALID");
            }
        }
        for c in &mut t.checks {
            if std::mem::take(&mut c.no_inherit) {
                note("NO INHERIT");
            }
            if std::mem::take(&mut c.not_valid) {
                note("NOT VALID");
            }
        }
        if !std::mem::take(&mut t.exclusions).is_empty() {
            note("an exclusion constraint (EXCLUDE)");
        }
        if std::mem::take(&mut t.unlogged) {
            note("UNLOGGED");
        }
        if !std::mem::take(&mut t.storage).is_empty() {
            note("a table's storage parameters (WITH (…))");
        }
        for c in &mut t.columns {
            if !std::mem::take(&mut c.identity_options).is_default() {
                note("an identity column's sequence options");
            }
        }
        for i in &mut t.indexes {
            if !std::mem::take(&mut i.include).is_empty() {
                note("INCLUDE on an index");
            }
            if !std::mem::take(&mut i.with).is_empty() {
                note("WITH (…) on an index");
            }
        }
        for u in &mut t.uniques {
            u.initially_deferred = false;
            if std::mem::take(&mut u.deferrable) {
                note("DEFERRABLE on a UNIQUE constraint");
            }
        }
        let uniques = t.uniques.iter_mut().map(|u| &mut u.nulls_not_distinct);
        let indexes = t.indexes.iter_mut().map(|i| &mut i.nulls_not_distinct);
        for flag in uniques.chain(indexes) {
            if std::mem::take(flag) {
                note("NULLS NOT DISTINCT");
            }
        }
    }
    for v in check_options {
        notes.push(format!(
            "{dialect}: WITH CHECK OPTION on view {v} is not managed here and is left out"
        ));
    }
}

pub fn drop_mysql_attributes(s: &mut Schema, dialect: &str, notes: &mut Vec<String>) {
    let mut note = |n: String| {
        if !notes.contains(&n) {
            notes.push(n);
        }
    };
    for t in s.tables.values_mut() {
        // Each option is taken on its own: a short-circuiting `||` would leave the charset
        // behind an engine, and the table would be rebuilt on every apply.
        let options = [
            t.engine.take().is_some(),
            t.charset.take().is_some(),
            t.collation.take().is_some(),
        ];
        if options.contains(&true) {
            note(format!(
                "{dialect}: table options ENGINE / CHARSET / COLLATE are MySQL-only and ignored"
            ));
        }
        for c in &mut t.columns {
            let options = [c.charset.take().is_some(), c.collation.take().is_some()];
            if options.contains(&true) {
                note(format!(
                    "{dialect}: column CHARACTER SET / COLLATE are MySQL-only and ignored"
                ));
            }
            if c.on_update.take().is_some() {
                note(format!(
                    "{dialect}: ON UPDATE on {}.{} is ignored (use a trigger)",
                    t.name, c.name
                ));
            }
        }
        let before = t.indexes.len();
        t.indexes
            .retain(|i| !matches!(i.method.as_deref(), Some("fulltext" | "spatial")));
        if t.indexes.len() != before {
            note(format!(
                "{dialect}: FULLTEXT/SPATIAL indexes on {} are left out (MySQL-only)",
                t.name
            ));
        }
        for i in &mut t.indexes {
            for p in &mut i.parts {
                if p.length.take().is_some() {
                    note(format!(
                        "{dialect}: index prefix lengths are MySQL-only; {} covers whole values",
                        i.name
                    ));
                }
            }
            // PostgreSQL keeps an index's comment too (COMMENT ON INDEX); SQLite's is
            // noted with the other comments it has no place for.
            i.using = None;
        }
        let options = [
            t.row_format.take().is_some(),
            t.key_block_size.take().is_some(),
        ];
        if options.contains(&true) {
            note(format!(
                "{dialect}: table options ROW_FORMAT / KEY_BLOCK_SIZE are MySQL-only and ignored"
            ));
        }
    }
    for v in s.views.values_mut() {
        let options = [v.algorithm.take().is_some(), v.security.take().is_some()];
        if options.contains(&true) {
            note(format!(
                "{dialect}: view ALGORITHM / SQL SECURITY are MySQL-only and ignored"
            ));
        }
        // PostgreSQL keeps a CHECK OPTION among the view's options; SQLite has none, which
        // `drop_postgres_clauses` notes.
        v.check_option = None;
    }
}

/// The nearest type without MySQL's extras (unsigned, sized text/blob, inline enum/set).
pub fn portable_type(t: &DataType) -> DataType {
    use DataType::*;
    match t {
        TinyInt => SmallInt,
        MediumInt => Integer,
        Unsigned(inner) => match &**inner {
            TinyInt => SmallInt,
            SmallInt | MediumInt => Integer,
            Integer => BigInt,
            BigInt => Numeric(Some((20, Some(0)))),
            other => portable_type(other),
        },
        Zerofill(inner, _) => portable_type(&Unsigned(inner.clone())),
        FloatDigits { double: false, .. } => Real,
        FloatDigits { double: true, .. } => Double,
        Year => SmallInt,
        Binary(_) | VarBinary(_) | SizedBlob(_) => Bytes,
        SizedText(_) | Set(_) | InlineEnum(_) => Text,
        Array(inner) => Array(Box::new(portable_type(inner))),
        other => other.clone(),
    }
}

/// `SELECT *` in a view is stored expanded (PostgreSQL, MySQL): compare the expansion.
/// A view whose star cannot be expanded is left as it is, with why.
pub fn expand_view_stars(s: &mut Schema, using_as_on: bool) {
    for (name, why) in crate::parse::expand_view_stars(s, using_as_on) {
        s.unreadable
            .insert(name, format!("the view is not managed: {why}"));
    }
}
