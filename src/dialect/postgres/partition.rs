//! PostgreSQL partitioned tables, partitions and inheritance: how they are created and
//! moved, and partition bounds brought to the form the catalog prints.

use super::super::ansi::{self, qname};
use super::super::writer::quote_ident;
use super::render::TableLines;
use crate::model::{Column, DataType, PartitionKey, PartitionOf, QName, Schema, Table};

/// ` PARTITION BY RANGE (a, (lower(b)))`.
fn partition_by_clause(k: &PartitionKey) -> String {
    let parts: Vec<String> = k.parts.iter().map(ansi::index_part).collect();
    format!(" PARTITION BY {} ({})", k.strategy, parts.join(", "))
}

/// `CREATE TABLE` for a plain, partitioned, partition or inheriting table, and what must
/// follow it at once.
///
/// A partition whose columns all come from its parent is created `PARTITION OF` it, its
/// own defaults and NOT NULLs written as column options. One that declares its columns
/// (pg_dump's spelling, or a table attached later) is created as a table and attached:
/// PostgreSQL then attaches its equal indexes and keys to the parent's instead of
/// building new ones, and keeps its column order. An inheriting table lists only its own
/// columns; the defaults of the ones it inherits are set on it alone (`ONLY`), as pg_dump
/// does, since they may differ from the parent's.
pub(super) fn create_table_head(t: &Table, lines: &TableLines) -> Vec<String> {
    let name = qname(&t.name);
    let mut out = Vec::new();
    let body = |items: Vec<String>| {
        if items.is_empty() {
            String::new()
        } else {
            format!(" (\n  {}\n)", items.join(",\n  "))
        }
    };
    let key = t
        .partition_by
        .as_deref()
        .map(partition_by_clause)
        .unwrap_or_default();
    match &t.partition_of {
        Some(p) if t.columns.iter().all(|c| c.inherited) => {
            let mut items: Vec<String> = t.columns.iter().filter_map(column_options).collect();
            items.extend(lines.constraints.iter().cloned());
            out.push(format!(
                "CREATE TABLE {name} PARTITION OF {}{} {}{key}",
                qname(&p.parent),
                body(items),
                p.bound
            ));
        }
        Some(p) => {
            let mut items = lines.columns.clone();
            items.extend(lines.constraints.iter().cloned());
            out.push(format!("CREATE TABLE {name}{}{key}", paren_body(items)));
            out.push(attach(&t.name, p));
        }
        None => {
            let mut items = lines.columns.clone();
            items.extend(lines.constraints.iter().cloned());
            let inherits = if t.inherits.is_empty() {
                String::new()
            } else {
                let parents: Vec<String> = t.inherits.iter().map(qname).collect();
                format!(" INHERITS ({})", parents.join(", "))
            };
            out.push(format!(
                "CREATE TABLE {name}{}{inherits}{key}",
                paren_body(items)
            ));
            if !t.inherits.is_empty() {
                for c in t.columns.iter().filter(|c| c.inherited) {
                    if let Some(d) = &c.default {
                        out.push(format!(
                            "ALTER TABLE ONLY {name} ALTER COLUMN {} SET DEFAULT {}",
                            quote_ident(&c.name),
                            d.sql
                        ));
                    }
                    if !c.nullable {
                        out.push(format!(
                            "ALTER TABLE ONLY {name} ALTER COLUMN {} SET NOT NULL",
                            quote_ident(&c.name)
                        ));
                    }
                }
            }
        }
    }
    out
}

/// A table's parentheses, which even a table without columns has.
fn paren_body(items: Vec<String>) -> String {
    if items.is_empty() {
        " ()".into()
    } else {
        format!(" (\n  {}\n)", items.join(",\n  "))
    }
}

/// `c WITH OPTIONS DEFAULT … NOT NULL` for a partition's column, where it has either.
fn column_options(c: &Column) -> Option<String> {
    let mut s = String::new();
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {}", d.sql));
    }
    if !c.nullable && c.identity.is_none() && !c.serial && c.generated.is_none() {
        s.push_str(" NOT NULL");
    }
    (!s.is_empty()).then(|| format!("{} WITH OPTIONS{s}", quote_ident(&c.name)))
}

fn attach(table: &QName, p: &PartitionOf) -> String {
    format!(
        "ALTER TABLE {} ATTACH PARTITION {} {}",
        qname(&p.parent),
        qname(table),
        p.bound
    )
}

/// Detach from the old parent (or bound), attach to the new one.
pub(super) fn set_partition_of(
    table: &QName,
    from: &Option<PartitionOf>,
    to: &Option<PartitionOf>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(f) = from {
        out.push(format!(
            "ALTER TABLE {} DETACH PARTITION {}",
            qname(&f.parent),
            qname(table)
        ));
    }
    if let Some(p) = to {
        out.push(attach(table, p));
    }
    out
}

/// Brings every partition's bound values to the text `pg_get_expr` prints for the key's
/// types (see [`bound_value`]); a key part that is an expression keeps the values as
/// written.
pub(super) fn canonical_bounds(s: &mut Schema) {
    let keys: Vec<(QName, Vec<Option<DataType>>)> = s
        .tables
        .values()
        .filter_map(|t| {
            let k = t.partition_by.as_ref()?;
            let types = k
                .parts
                .iter()
                .map(|p| match &p.key {
                    crate::model::IndexKey::Column(c) => t.column(c).map(|c| c.data_type.clone()),
                    crate::model::IndexKey::Expr(_) => None,
                })
                .collect();
            Some((t.name.clone(), types))
        })
        .collect();
    for t in s.tables.values_mut() {
        let Some(p) = &mut t.partition_of else {
            continue;
        };
        let Some((_, types)) = keys.iter().find(|(k, _)| k.same_relation(&p.parent)) else {
            continue;
        };
        let fix = |vals: &mut Vec<String>, list: bool| {
            for (i, v) in vals.iter_mut().enumerate() {
                // A LIST key has one part: all values are of its type.
                let ty = if list { types.first() } else { types.get(i) };
                if let Some(Some(ty)) = ty {
                    *v = bound_value(ty, v);
                }
            }
        };
        match &mut p.bound {
            crate::model::PartitionBound::In(v) => fix(v, true),
            crate::model::PartitionBound::Range { from, to } => {
                fix(from, false);
                fix(to, false);
            }
            _ => {}
        }
    }
}

/// A bound value as PostgreSQL prints it for a key of type `ty`: the type's output text,
/// unquoted only where it reads back as that type (a non-negative `integer`, a `numeric`
/// with a point or exponent, a boolean), quoted otherwise. `MINVALUE`, `MAXVALUE`, `NULL`
/// and expressions other than literals are kept.
pub fn bound_value(ty: &DataType, v: &str) -> String {
    let t = v.trim();
    let raw = match t.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None if t.parse::<f64>().is_ok() || t.starts_with('-') => t.to_string(),
        None if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") => {
            t.to_ascii_lowercase()
        }
        None => return t.to_string(),
    };
    let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match ty {
        DataType::Integer => match raw.trim().parse::<i64>() {
            Ok(n) if n >= 0 => n.to_string(),
            Ok(n) => quoted(&n.to_string()),
            Err(_) => quoted(&raw),
        },
        DataType::SmallInt | DataType::BigInt => match raw.trim().parse::<i64>() {
            Ok(n) => quoted(&n.to_string()),
            Err(_) => quoted(&raw),
        },
        DataType::Numeric(typmod) => {
            let text = numeric_text(
                raw.trim(),
                typmod.and_then(|(_, s)| s).or(typmod.map(|_| 0)),
            );
            let plain =
                text.starts_with(|c: char| c.is_ascii_digit()) && text.contains(['.', 'e', 'E']);
            if plain {
                text
            } else {
                quoted(&text)
            }
        }
        DataType::Boolean => match crate::parse::boolean(&raw) {
            Some(b) => b.to_string(),
            None => quoted(&raw),
        },
        DataType::Date => quoted(&crate::parse::stored_text("date", &raw).unwrap_or(raw)),
        DataType::Timestamp { tz: false, .. } => {
            quoted(&crate::parse::stored_text("timestamp", &raw).unwrap_or(raw))
        }
        DataType::Timestamp { tz: true, .. } => {
            quoted(&crate::parse::stored_text("timestamptz", &raw).unwrap_or(raw))
        }
        _ => quoted(&raw),
    }
}

/// A `numeric` value's text at the column's scale (PostgreSQL rounds to it), or as
/// written for an unconstrained `numeric`.
fn numeric_text(v: &str, scale: Option<u32>) -> String {
    let Some(scale) = scale else {
        return v.to_string();
    };
    let (neg, digits) = match v.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return v.to_string();
    }
    let scale = scale as usize;
    if frac.len() > scale {
        // Rounding would need the digits' arithmetic; kept as written.
        return v.to_string();
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let mut s = String::new();
    if neg {
        s.push('-');
    }
    s.push_str(int);
    if scale > 0 {
        s.push('.');
        s.push_str(frac);
        s.push_str(&"0".repeat(scale - frac.len()));
    }
    s
}
