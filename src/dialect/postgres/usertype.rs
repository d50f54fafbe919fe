//! PostgreSQL SQL for composite and range types.

use super::super::ansi::qname;
use super::super::writer::quote_ident;
use super::types::type_sql;
use crate::model::{Attribute, Column, CompositeType, QName, RangeType};

fn attribute(a: &Attribute) -> String {
    let mut s = format!("{} {}", quote_ident(&a.name), type_sql(&a.data_type));
    if let Some(c) = &a.collation {
        s.push_str(&format!(" COLLATE {}", qname(c)));
    }
    s
}

pub fn create_composite(t: &CompositeType) -> String {
    format!(
        "CREATE TYPE {} AS ({})",
        qname(&t.name),
        t.attributes
            .iter()
            .map(attribute)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Drops first (an attribute added again at the end is dropped from its old place), then
/// adds, then type changes.
pub fn alter_composite(from: &CompositeType, to: &CompositeType) -> Vec<String> {
    let name = qname(&to.name);
    let edit = from.edit_to(to);
    let mut out: Vec<String> = edit
        .drop
        .iter()
        .map(|a| format!("ALTER TYPE {name} DROP ATTRIBUTE {}", quote_ident(a)))
        .collect();
    out.extend(
        edit.add
            .iter()
            .map(|a| format!("ALTER TYPE {name} ADD ATTRIBUTE {}", attribute(a))),
    );
    out.extend(edit.alter.iter().map(|a| {
        let mut s = format!(
            "ALTER TYPE {name} ALTER ATTRIBUTE {} TYPE {}",
            quote_ident(&a.name),
            type_sql(&a.data_type)
        );
        if let Some(c) = &a.collation {
            s.push_str(&format!(" COLLATE {}", qname(c)));
        }
        s
    }));
    out
}

pub fn create_range(r: &RangeType) -> String {
    let mut opts = vec![format!("subtype = {}", type_sql(&r.subtype))];
    for (key, value) in [
        ("subtype_opclass", &r.subtype_opclass),
        ("collation", &r.collation),
        ("canonical", &r.canonical),
        ("subtype_diff", &r.subtype_diff),
        ("multirange_type_name", &r.multirange),
    ] {
        if let Some(v) = value {
            opts.push(format!("{key} = {}", qname(v)));
        }
    }
    format!(
        "CREATE TYPE {} AS RANGE ({})",
        qname(&r.name),
        opts.join(", ")
    )
}

/// The old range, its multirange and the constructor functions PostgreSQL made for them
/// (named like the types) renamed away, the new range created, the columns converted
/// through text, and the old range dropped (its multirange and constructors go with it).
pub fn rebuild_range(from: &RangeType, to: &RangeType, usages: &[(QName, Column)]) -> Vec<String> {
    let old = |q: &QName| format!("{}_sqlshift_old", q.name);
    let multi = from.multirange_name();
    let old_range = qname(&QName::new(from.name.schema.clone(), old(&from.name)));
    let sub = type_sql(&from.subtype);
    let rename = |what: &str, q: &QName, args: &str| {
        format!(
            "ALTER {what} {}{args} RENAME TO {}",
            qname(q),
            quote_ident(&old(q))
        )
    };
    let mut out = vec![
        rename("TYPE", &from.name, ""),
        rename("TYPE", &multi, ""),
        rename("FUNCTION", &from.name, &format!("({sub}, {sub})")),
        rename("FUNCTION", &from.name, &format!("({sub}, {sub}, text)")),
        rename("FUNCTION", &multi, "()"),
        rename("FUNCTION", &multi, &format!("(VARIADIC {old_range}[])")),
        rename("FUNCTION", &multi, &format!("({old_range})")),
        create_range(to),
    ];
    for (table, col) in usages {
        out.push(super::render::convert_column(table, col, |c, ty| {
            format!("{c}::text::{ty}")
        }));
    }
    out.push(format!("DROP TYPE {old_range}"));
    out
}
