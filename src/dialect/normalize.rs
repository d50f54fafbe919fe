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
        s.views.insert(v.name.clone(), v);
    }
    let enums = std::mem::take(&mut s.enums);
    for (_, mut e) in enums {
        fix(&mut e.name, default);
        s.enums.insert(e.name.clone(), e);
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
    let table = &t.name.name;
    let mut name = crate::model::generated_name(table, &[column], "check", 63);
    let mut n = 1;
    while t.checks.iter().any(|c| c.name == name) {
        name = crate::model::generated_name(table, &[column], &format!("check{n}"), 63);
        n += 1;
    }
    Some(crate::model::Check {
        name,
        expr,
        no_inherit: false,
    })
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
/// have no `NO INHERIT` or `NULLS NOT DISTINCT`.
pub fn drop_postgres_clauses(s: &mut Schema, dialect: &str, notes: &mut Vec<String>) {
    let mut note = |clause: &str| {
        let n = format!("{dialect}: {clause} is PostgreSQL-only and ignored");
        if !notes.contains(&n) {
            notes.push(n);
        }
    };
    for t in s.tables.values_mut() {
        for f in &mut t.foreign_keys {
            if std::mem::take(&mut f.match_full) {
                note("MATCH FULL");
            }
        }
        for c in &mut t.checks {
            if std::mem::take(&mut c.no_inherit) {
                note("NO INHERIT");
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
        let uniques = t.uniques.iter_mut().map(|u| &mut u.nulls_not_distinct);
        let indexes = t.indexes.iter_mut().map(|i| &mut i.nulls_not_distinct);
        for flag in uniques.chain(indexes) {
            if std::mem::take(flag) {
                note("NULLS NOT DISTINCT");
            }
        }
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
            i.using = None;
            if i.comment.take().is_some() {
                note(format!(
                    "{dialect}: index COMMENT is MySQL-only and ignored"
                ));
            }
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
        if v.check_option.take().is_some() {
            note(format!(
                "{dialect}: a view's CHECK OPTION is not managed on {dialect} yet; {} is left without it",
                v.name
            ));
        }
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
