//! PostgreSQL normalization: what the server implies, made explicit on both sides.

use crate::model::{DataType, Schema};

/// The default bounds PostgreSQL gives a sequence of this type and direction.
fn default_bounds(t: &DataType, increment: i64) -> (i64, i64) {
    let max = match t {
        DataType::SmallInt => i16::MAX as i64,
        DataType::Integer => i32::MAX as i64,
        _ => i64::MAX,
    };
    if increment > 0 {
        (1, max)
    } else {
        (-max - 1, -1)
    }
}

pub fn normalize(s: &mut Schema, notes: &mut Vec<String>) {
    crate::dialect::expand_view_stars(s, false);
    // The parser keeps members in declaration order (MySQL builds them so); here they are
    // compared and written by name.
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    crate::dialect::drop_mysql_attributes(s, "postgres", notes);
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
