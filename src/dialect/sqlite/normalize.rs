//! SQLite normalization: type affinities, and mappings for what SQLite lacks.

use crate::model::{generated_name, DataType, KeyRef, Schema};
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

/// A declared type as SQLite reads it back, or `None` where SQLite could not: its grammar
/// takes one or more names and at most two signed numbers in parentheses (`TEXT[]`,
/// `ENUM('a')`, `public.mood` and `TIMESTAMP(3) WITH TIME ZONE` are not type names there).
/// A STRICT table takes only its five type names.
pub fn type_name(declared: &str, strict: bool) -> Option<String> {
    let d = declared.trim();
    // Multi-word names reach the model bracketed (see parse::sqlite).
    let d = d
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(d)
        .trim();
    if d.is_empty() {
        // No type at all (BLOB affinity); a STRICT table needs one.
        return (!strict).then(String::new);
    }
    let (words, args) = match d.split_once('(') {
        Some((w, rest)) => (w.trim_end(), Some(rest.strip_suffix(')')?)),
        None => (d, None),
    };
    let is_name = |w: &str| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if words.is_empty() || !words.split_whitespace().all(is_name) {
        return None;
    }
    if let Some(args) = args {
        let numbers: Vec<&str> = args.split(',').map(str::trim).collect();
        let signed = |n: &str| {
            let n = n.strip_prefix(['+', '-']).unwrap_or(n);
            !n.is_empty() && n.parse::<f64>().is_ok() && !n.contains(['e', 'E', 'i', 'n'])
        };
        if numbers.len() > 2 || !numbers.iter().all(|n| signed(n)) {
            return None;
        }
    }
    if strict
        && !["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"]
            .iter()
            .any(|t| d.eq_ignore_ascii_case(t))
    {
        return None;
    }
    Some(d.to_string())
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

/// SQLite's built-in collations; any other (MySQL's `utf8mb4_bin`) would not load.
const COLLATIONS: [&str; 3] = ["binary", "nocase", "rtrim"];

pub fn normalize(s: &mut Schema, notes: &mut Vec<String>) {
    // The parser keeps members in declaration order (MySQL builds them so); here they are
    // compared by name, and written in the order `declared_keys` records.
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    // A column's own collation is SQLite's too when it names one of SQLite's; BINARY is
    // the default, the same as none.
    let mut collations = Vec::new();
    for t in s.tables.values_mut() {
        for c in &mut t.columns {
            // Collation names are case-insensitive; a quoted one keeps the file's case.
            if let Some(n) = &mut c.collation {
                n.make_ascii_lowercase();
            }
            if let Some(name) = c.collation.take_if(|n| COLLATIONS.contains(&n.as_str())) {
                if name != "binary" {
                    collations.push((t.name.clone(), c.name.clone(), name));
                }
            }
        }
    }
    crate::dialect::drop_mysql_attributes(s, "sqlite", notes);
    crate::dialect::drop_postgres_clauses(s, "sqlite", notes);
    for (table, column, name) in collations {
        if let Some(c) = s.tables.get_mut(&table).and_then(|t| t.column_mut(&column)) {
            c.collation = Some(name);
        }
    }
    crate::dialect::inline_domains(s, "sqlite", notes);
    crate::dialect::drop_postgres_types(s, "sqlite", notes);
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
        // `INTEGER PRIMARY KEY DESC` numbers nothing: it is no rowid alias.
        let numbered_pk = single_pk
            .clone()
            .filter(|_| !t.primary_key.as_ref().is_some_and(|p| p.desc));
        let mut enum_checks = Vec::new();
        for c in &mut t.columns {
            let written = c.declared.take().and_then(|d| type_name(&d, t.strict));
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
            // A type SQLite can hold is kept as written: its affinity follows from the name,
            // exactly as when `sqlite3` runs the file. The rest is mapped to the nearest type.
            let keep = written.filter(|_| {
                !is_enum
                    && !matches!(
                        c.data_type,
                        DataType::InlineEnum(_) | DataType::Set(_) | DataType::Array(_)
                    )
            });
            // Said also where the name is kept: SQLite stores such values the same way.
            if let Some(msg) = lossy(&c.data_type) {
                if seen.insert(msg) {
                    note(format!("sqlite: {msg}"));
                }
            }
            c.data_type = match (&keep, is_enum) {
                (_, true) => DataType::Text,
                (Some(name), false) => declared_affinity(name),
                (None, false) => affinity(&c.data_type),
            };
            c.declared = keep;
            if c.serial || c.identity.is_some() {
                if single_pk.as_deref() != Some(c.name.as_str()) {
                    note(format!("sqlite: {tname}.{} auto-numbering works only on an INTEGER PRIMARY KEY; it is a plain INTEGER here", c.name));
                }
                c.serial = false;
                c.identity = None;
                c.data_type = DataType::Integer;
                c.declared = None;
            }
            // SQLite allows AUTOINCREMENT only on an INTEGER PRIMARY KEY (MySQL's
            // AUTO_INCREMENT parses to the same flag); anywhere else the table could never
            // be built with it, and every plan would rebuild the table to add it.
            let integer_key =
                numbered_pk.as_deref() == Some(c.name.as_str()) && c.data_type == DataType::Integer;
            if c.autoincrement && !integer_key {
                note(format!("sqlite: AUTOINCREMENT on {tname}.{} is left out: SQLite numbers only an INTEGER PRIMARY KEY", c.name));
                c.autoincrement = false;
            }
            // AUTOINCREMENT needs the type spelled INTEGER (MySQL's `BIGINT AUTO_INCREMENT`).
            if c.autoincrement {
                c.declared = None;
            }
            if c.comment.take().is_some() && seen.insert("comments") {
                note("sqlite: comments are not stored".into());
            }
            if let Some(d) = &mut c.default {
                // A boolean keeps its letter case: SQLite shows the default's text back.
                let boolean = ["true", "false"]
                    .iter()
                    .any(|b| d.sql.eq_ignore_ascii_case(b));
                if !boolean {
                    d.sql = to_portable(&d.sql);
                }
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
        // SQLite's PRIMARY KEY does not imply NOT NULL (a legacy it keeps): only the rowid
        // alias and a WITHOUT ROWID table's key never hold NULL.
        if let Some(pk) = &t.primary_key {
            let alias = pk.columns.len() == 1
                && !pk.desc
                && t.column(&pk.columns[0])
                    .is_some_and(super::render::is_rowid_type);
            let never_null = alias || t.without_rowid;
            let cols = pk.columns.clone();
            for c in t.columns.iter_mut().filter(|c| cols.contains(&c.name)) {
                c.nullable = !(never_null || c.not_null_written);
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
        // Named in declaration order, so the names follow from the file alone, and the
        // order kept under the new names.
        let old_order = std::mem::take(&mut t.declared_keys);
        let position = |key: &KeyRef| old_order.iter().position(|k| k == key);
        let mut uniques = std::mem::take(&mut t.uniques);
        uniques.sort_by_key(|u| position(&KeyRef::Unique(u.name.clone())).unwrap_or(usize::MAX));
        let mut fks = std::mem::take(&mut t.foreign_keys);
        fks.sort_by_key(|f| position(&KeyRef::ForeignKey(f.name.clone())).unwrap_or(usize::MAX));
        let mut renamed: Vec<(KeyRef, KeyRef)> = Vec::new();
        for u in &mut uniques {
            let old = KeyRef::Unique(u.name.clone());
            u.name = pick(&u.columns, "key");
            renamed.push((old, KeyRef::Unique(u.name.clone())));
        }
        for f in &mut fks {
            let old = KeyRef::ForeignKey(f.name.clone());
            f.name = pick(&f.columns, "fkey");
            renamed.push((old, KeyRef::ForeignKey(f.name.clone())));
        }
        t.uniques = uniques;
        t.foreign_keys = fks;
        t.declared_keys = old_order
            .iter()
            .filter_map(|k| match k {
                KeyRef::PrimaryKey => t.primary_key.as_ref().map(|_| KeyRef::PrimaryKey),
                other => {
                    let i = renamed.iter().position(|(old, _)| old == other)?;
                    Some(renamed.remove(i).1)
                }
            })
            .collect();
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

#[cfg(test)]
mod tests {
    use super::{declared_affinity, type_name};
    use crate::model::DataType;

    #[test]
    fn type_names_sqlite_reads_are_kept_as_written() {
        for t in [
            "VARCHAR(255)",
            "DECIMAL(10, 2)",
            "UNSIGNED BIG INT",
            "NUMERIC(-1,+2)",
            "DATETIME",
            "BLOB SUB_TYPE TEXT",
        ] {
            assert_eq!(type_name(t, false).as_deref(), Some(t), "{t}");
        }
        assert_eq!(
            type_name("[NATIVE CHARACTER(70)]", false).as_deref(),
            Some("NATIVE CHARACTER(70)")
        );
        assert_eq!(type_name("", false).as_deref(), Some(""));
        for t in [
            "TEXT[]",
            "ENUM('a','b')",
            "public.mood",
            "TIMESTAMP(3) WITH TIME ZONE",
            "NUMERIC(1,2,3)",
            "\"char\"",
        ] {
            assert_eq!(type_name(t, false), None, "{t}");
        }
    }

    #[test]
    fn strict_tables_take_only_their_five_types() {
        assert_eq!(type_name("int", true).as_deref(), Some("int"));
        assert_eq!(type_name("ANY", true).as_deref(), Some("ANY"));
        assert_eq!(type_name("VARCHAR(3)", true), None);
        assert_eq!(type_name("", true), None);
    }

    #[test]
    fn affinity_follows_sqlites_rules_in_order() {
        assert_eq!(declared_affinity("FLOATING POINT"), DataType::Integer);
        assert_eq!(declared_affinity("VARCHAR(20)"), DataType::Text);
        assert_eq!(declared_affinity("DATETIME"), DataType::Numeric(None));
        assert_eq!(declared_affinity("BOOLEAN"), DataType::Numeric(None));
        assert_eq!(declared_affinity("DOUBLE PRECISION"), DataType::Double);
        assert_eq!(declared_affinity(""), DataType::Bytes);
    }
}
