//! SQLite normalization: type affinities, and mappings for what SQLite lacks.

use crate::model::{generated_name, DataType, Schema};
use std::collections::BTreeSet;

/// Expression or query text as SQLite must read it: PostgreSQL-only casts gone, and bare
/// names that are SQLite keywords (a column called `nothing`) quoted.
fn to_portable(sql: &str) -> String {
    let sql = crate::parse::to_portable(sql);
    crate::parse::quote_keywords(&sql, &crate::dialect::writer::reserved)
}

/// SQLite keeps a column's declared type but only its affinity matters; compare that.
pub fn affinity(t: &DataType) -> DataType {
    use DataType::*;
    match t {
        SmallInt | Integer | BigInt | Boolean | TinyInt | MediumInt | Unsigned(_) | Year
        | Bit(_) => Integer,
        Real | Double => Double,
        Numeric(_) => Numeric(None),
        Bytes | Binary(_) | VarBinary(_) | SizedBlob(_) => Bytes,
        // A name sqlshift does not know (`UNSIGNED BIG INT`, `BLOB SUB_TYPE TEXT`, none at
        // all) means what SQLite's rules make of it.
        Other(name) => declared_affinity(name),
        Named(q) => declared_affinity(&q.name),
        _ => Text,
    }
}

/// SQLite's column affinity of a declared type name (sqlite.org/datatype3.html §3.1),
/// the rules applied in their order.
pub fn declared_affinity(name: &str) -> DataType {
    let upper = name.to_ascii_uppercase();
    let has = |words: &[&str]| words.iter().any(|w| upper.contains(w));
    if has(&["INT"]) {
        DataType::Integer
    } else if has(&["CHAR", "CLOB", "TEXT"]) {
        DataType::Text
    } else if has(&["BLOB"]) || upper.trim().is_empty() {
        DataType::Bytes
    } else if has(&["REAL", "FLOA", "DOUB"]) {
        DataType::Double
    } else {
        DataType::Numeric(None)
    }
}

/// Types whose meaning SQLite cannot keep (it stores them as TEXT or INTEGER).
fn lossy(t: &DataType) -> Option<&'static str> {
    use DataType::*;
    match t {
        Boolean => Some("BOOLEAN is stored as INTEGER 0/1"),
        Uuid => Some("UUID is stored as TEXT"),
        Json | Jsonb => Some("JSON/JSONB are stored as TEXT (use SQLite's json functions)"),
        Timestamp { .. } | Date | Time { .. } | Interval => {
            Some("date/time types are stored as TEXT")
        }
        Array(_) => Some("arrays are stored as TEXT"),
        Named(_) | InlineEnum(_) => Some("enum types are stored as TEXT with a CHECK constraint"),
        Set(_) => Some("SET is stored as TEXT"),
        Unsigned(_) => Some("UNSIGNED is not enforced"),
        Numeric(Some(_)) => Some("NUMERIC(p,s) keeps no precision or scale"),
        _ => None,
    }
}

/// The SQLite spelling of a clock default written with a precision (`CURRENT_TIMESTAMP(6)`
/// in MySQL, `now()` in PostgreSQL), which SQLite cannot parse: the plain keyword for
/// whole seconds, `strftime` with `%f` (milliseconds) when fractional seconds were asked.
fn clock_default(sql: &str) -> Option<&'static str> {
    let s: String = sql
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let (name, rest) = s.split_once('(')?;
    let digits = rest.strip_suffix(')')?;
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let fractional = digits.parse::<u32>().is_ok_and(|p| p > 0);
    match (name, fractional) {
        ("CURRENT_TIMESTAMP" | "NOW", false) => Some("CURRENT_TIMESTAMP"),
        ("CURRENT_TIMESTAMP" | "NOW", true) => Some("strftime('%Y-%m-%d %H:%M:%f', 'now')"),
        ("CURRENT_TIME", false) => Some("CURRENT_TIME"),
        ("CURRENT_TIME", true) => Some("strftime('%H:%M:%f', 'now')"),
        _ => None,
    }
}

pub fn normalize(s: &mut Schema, notes: &mut Vec<String>) {
    // The parser keeps members in declaration order (MySQL builds them so); here they are
    // compared and written by name.
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    crate::dialect::drop_mysql_attributes(s, "sqlite", notes);
    crate::dialect::drop_postgres_clauses(s, "sqlite", notes);
    let mut seen: BTreeSet<&'static str> = BTreeSet::new();
    let mut note = |n: String| {
        if !notes.contains(&n) {
            notes.push(n);
        }
    };
    for name in std::mem::take(&mut s.schemas) {
        note(format!("sqlite: schema `{name}` has no SQLite equivalent; its objects live in the main database"));
    }
    for name in std::mem::take(&mut s.extensions) {
        note(format!("sqlite: extension `{name}` is ignored"));
    }
    for (name, _) in std::mem::take(&mut s.sequences) {
        note(format!(
            "sqlite: sequence `{name}` is ignored (use INTEGER PRIMARY KEY)"
        ));
    }
    let enums = std::mem::take(&mut s.enums);
    let tables = std::mem::take(&mut s.tables);
    for (_, mut t) in tables {
        t.name.schema.clear();
        let tname = t.name.name.clone();
        let single_pk = t
            .primary_key
            .as_ref()
            .filter(|p| p.columns.len() == 1)
            .map(|p| p.columns[0].clone());
        let mut enum_checks = Vec::new();
        for c in &mut t.columns {
            if let Some(msg) = lossy(&c.data_type) {
                if seen.insert(msg) {
                    note(format!("sqlite: {msg}"));
                }
            }
            // Enums become TEXT guarded by a CHECK, as on every dialect without enum types.
            let values = match &c.data_type {
                DataType::InlineEnum(v) => Some(v.clone()),
                DataType::Named(q) => enums
                    .get(q)
                    .or_else(|| enums.iter().find(|(k, _)| k.name == q.name).map(|(_, v)| v))
                    .map(|e| e.values.clone()),
                _ => None,
            };
            let is_enum = values.is_some();
            if let Some(v) = values {
                enum_checks.push((c.name.clone(), v));
            }
            c.data_type = if is_enum {
                DataType::Text
            } else {
                affinity(&c.data_type)
            };
            if c.serial || c.identity.is_some() {
                if single_pk.as_deref() != Some(c.name.as_str()) {
                    note(format!("sqlite: {tname}.{} auto-numbering works only on an INTEGER PRIMARY KEY; it is a plain INTEGER here", c.name));
                }
                c.serial = false;
                c.identity = None;
                c.data_type = DataType::Integer;
            }
            // SQLite allows AUTOINCREMENT only on an INTEGER PRIMARY KEY (MySQL's
            // AUTO_INCREMENT parses to the same flag); anywhere else the table could never
            // be built with it, and every plan would rebuild the table to add it.
            let integer_key =
                single_pk.as_deref() == Some(c.name.as_str()) && c.data_type == DataType::Integer;
            if c.autoincrement && !integer_key {
                note(format!("sqlite: AUTOINCREMENT on {tname}.{} is left out: SQLite numbers only an INTEGER PRIMARY KEY", c.name));
                c.autoincrement = false;
            }
            if c.comment.take().is_some() && seen.insert("comments") {
                note("sqlite: comments are not stored".into());
            }
            if let Some(d) = &mut c.default {
                d.sql = to_portable(&d.sql);
                if let Some(mapped) = clock_default(&d.sql) {
                    if let Ok(e) = crate::parse::expr(mapped) {
                        if e != *d {
                            note(format!(
                                "sqlite: {tname}.{} DEFAULT {} is DEFAULT ({mapped}) here: SQLite's clock takes no precision; fractional seconds come as milliseconds, the finest it has",
                                c.name, d.sql
                            ));
                        }
                        *d = e;
                    }
                }
            }
            if let Some(g) = &mut c.generated {
                g.expr.sql = to_portable(&g.expr.sql);
            }
        }
        for (col, values) in enum_checks {
            if let Some(check) = crate::dialect::enum_check(&t, &col, &values) {
                t.checks.push(check);
            }
        }
        if t.comment.take().is_some() && seen.insert("comments") {
            note("sqlite: comments are not stored".into());
        }
        // SQLite cannot address a primary key, unique or foreign key by name, so their
        // names carry no meaning there: both sides use the generated ones. That also keeps
        // a table rename from forcing a rebuild just to rename constraints.
        if let Some(pk) = &mut t.primary_key {
            pk.name = generated_name(&tname, &[], "pkey", 63);
        }
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut pick = |cols: &[String], label: &str| {
            let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
            let mut n = 0;
            loop {
                let l = if n == 0 {
                    label.to_string()
                } else {
                    format!("{label}{n}")
                };
                let name = generated_name(&tname, &cols, &l, 63);
                if used.insert(name.clone()) {
                    return name;
                }
                n += 1;
            }
        };
        for u in &mut t.uniques {
            u.name = pick(&u.columns, "key");
        }
        for f in &mut t.foreign_keys {
            f.name = pick(&f.columns, "fkey");
        }
        for c in &mut t.checks {
            c.expr.sql = to_portable(&c.expr.sql);
        }
        for f in &mut t.foreign_keys {
            f.ref_table.schema.clear();
        }
        for i in &mut t.indexes {
            if i.method.take().is_some() && seen.insert("index methods") {
                note("sqlite: index methods (USING …) are ignored".into());
            }
            for p in &mut i.parts {
                p.opclass = None;
                if let crate::model::IndexKey::Expr(e) = &mut p.key {
                    e.sql = to_portable(&e.sql);
                }
            }
            if let Some(p) = &mut i.predicate {
                p.sql = to_portable(&p.sql);
            }
        }
        t.sort_members();
        s.tables.insert(t.name.clone(), t);
    }
    let views = std::mem::take(&mut s.views);
    for (_, mut v) in views {
        v.name.schema.clear();
        if v.materialized {
            note(format!(
                "sqlite: materialized view `{}` becomes a plain view",
                v.name.name
            ));
            v.materialized = false;
        }
        v.comment = None;
        v.query.sql = to_portable(&v.query.sql);
        v.depends_on = v
            .depends_on
            .into_iter()
            .map(|mut d| {
                d.schema.clear();
                d
            })
            .collect();
        s.views.insert(v.name.clone(), v);
    }
}
