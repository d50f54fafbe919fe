//! PostgreSQL normalization: what the server implies, made explicit on both sides.

use super::identity::{self, default_bounds};
use crate::model::{Column, DataType, Schema};

/// MySQL's character sets: a collation named `<charset>_…` is MySQL's.
const MYSQL_CHARSETS: &[&str] = &[
    "armscii8", "ascii", "big5", "binary", "cp1250", "cp1251", "cp1256", "cp1257", "cp850",
    "cp852", "cp866", "cp932", "dec8", "eucjpms", "euckr", "gb18030", "gb2312", "gbk", "geostd8",
    "greek", "hebrew", "hp8", "keybcs2", "koi8r", "koi8u", "latin1", "latin2", "latin5", "latin7",
    "macce", "macroman", "sjis", "swe7", "tis620", "ucs2", "ujis", "utf16", "utf16le", "utf32",
    "utf8", "utf8mb3", "utf8mb4",
];

/// SQLite's built-in collations, which PostgreSQL does not have.
const SQLITE_COLLATIONS: &[&str] = &["binary", "nocase", "rtrim"];

/// The column's collation, when it is one a PostgreSQL file means: not MySQL's (a character
/// set's, or the `BINARY` attribute's), not SQLite's, and not `default` (the type's own).
fn postgres_collation(c: &Column) -> Option<String> {
    let name = c.collation.as_deref()?;
    let foreign = c.charset.is_some()
        || name.starts_with('_')
        || SQLITE_COLLATIONS.contains(&name)
        || name
            .split_once('_')
            .is_some_and(|(cs, _)| MYSQL_CHARSETS.contains(&cs));
    (!foreign && name != "default").then(|| name.to_string())
}

pub fn normalize(s: &mut Schema, notes: &mut Vec<String>) {
    crate::dialect::expand_view_stars(s, false);
    // The parser keeps members in declaration order (MySQL builds them so); here they are
    // compared and written by name.
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    // A collation is PostgreSQL's too, unless it is another dialect's: kept aside while
    // MySQL's attributes go.
    let mut collations = Vec::new();
    for t in s.tables.values_mut() {
        for c in &mut t.columns {
            if let Some(name) = postgres_collation(c) {
                c.collation = None;
                collations.push((t.name.clone(), c.name.clone(), name));
            } else if c.collation.as_deref() == Some("default") && c.charset.is_none() {
                c.collation = None;
            }
        }
    }
    crate::dialect::drop_mysql_attributes(s, "postgres", notes);
    for (table, column, name) in collations {
        if let Some(c) = s.tables.get_mut(&table).and_then(|t| t.column_mut(&column)) {
            c.collation = Some(name);
        }
    }
    crate::dialect::drop_sqlite_options(s, "postgres", notes);
    for t in s.tables.values_mut() {
        let tname = t.name.clone();
        let mut checks = Vec::new();
        for c in &mut t.columns {
            let mapped = crate::dialect::portable_type(&c.data_type);
            if mapped != c.data_type {
                let note = format!(
                    "postgres: {tname}.{} is {} here ({} is MySQL-only)",
                    c.name, mapped, c.data_type
                );
                if let DataType::InlineEnum(values) = &c.data_type {
                    checks.push((c.name.clone(), values.clone()));
                }
                notes.push(note);
                c.data_type = mapped;
            }
            if c.autoincrement {
                // MySQL's AUTO_INCREMENT (or SQLite's AUTOINCREMENT) is a serial column here.
                c.autoincrement = false;
                if matches!(
                    c.data_type,
                    DataType::SmallInt | DataType::Integer | DataType::BigInt
                ) && c.identity.is_none()
                {
                    c.serial = true;
                }
            }
            if let Some(d) = &mut c.default {
                // `X'1F'` is a bit-string constant here; the catalog prints its bits.
                if let Some(bits) = d
                    .canon
                    .strip_prefix("X'")
                    .and_then(|h| h.strip_suffix('\''))
                    .and_then(crate::parse::hex_bits)
                {
                    d.canon = format!("B'{bits}'");
                }
                // The catalog prints `nextval('s'::regclass)` for a sequence in the search
                // path; a file (pg_dump) writes `nextval('public.s'::regclass)`.
                if d.canon.contains("nextval(") {
                    d.canon = d.canon.replace("nextval('public.", "nextval('");
                }
            }
            if c.serial || c.identity.is_some() {
                c.default = None;
                c.nullable = false;
            }
            identity::normalize(c);
            if let Some(g) = &mut c.generated {
                if !g.stored {
                    notes.push(format!(
                        "postgres: generated column {tname}.{} is VIRTUAL in the schema; PostgreSQL stores it (STORED)",
                        c.name
                    ));
                    g.stored = true;
                }
                c.default = None;
            }
        }
        for (col, values) in checks {
            if let Some(check) = crate::dialect::enum_check(t, &col, &values) {
                t.checks.push(check);
            }
        }
        // `CREATE TABLE` drops a UNIQUE that repeats the primary key's columns, or an
        // earlier UNIQUE's (PostgreSQL keeps the key, or the first one), so keeping it here
        // would add it again on the next apply.
        let mut seen: Vec<Vec<String>> =
            t.primary_key.iter().map(|pk| pk.columns.clone()).collect();
        let mut repeated = Vec::new();
        t.uniques.retain(|u| {
            if seen.contains(&u.columns) {
                repeated.push(u.columns.join(", "));
                false
            } else {
                seen.push(u.columns.clone());
                true
            }
        });
        for cols in repeated {
            notes.push(format!(
                "postgres: UNIQUE ({cols}) on {tname} repeats its primary key or another UNIQUE; PostgreSQL creates only one of them"
            ));
        }
        super::opclass::drop_default_opclasses(t);
        t.sort_members();
    }
    super::partition::canonical_bounds(s);
    for v in s.views.values_mut() {
        v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
    for d in s.domains.values_mut() {
        d.checks.sort_by(|a, b| a.name.cmp(&b.name));
    }
    // The multirange name PostgreSQL derives is no choice of the schema's (pg_dump writes it).
    for r in s.ranges.values_mut() {
        let derived = crate::model::QName::new(
            r.name.schema.clone(),
            crate::model::default_multirange(&r.name.name),
        );
        if r.multirange.as_ref() == Some(&derived) {
            r.multirange = None;
        }
    }
    for seq in s.sequences.values_mut() {
        let (min, max) = default_bounds(&seq.data_type, seq.increment);
        if seq.min_value == Some(min) {
            seq.min_value = None;
        }
        if seq.max_value == Some(max) {
            seq.max_value = None;
        }
    }
}
