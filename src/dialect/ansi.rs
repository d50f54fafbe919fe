//! SQL spellings PostgreSQL and SQLite share (standard constraint and index syntax), so
//! each renderer only writes what differs.

use super::writer::{quote_ident, quote_literal};
use crate::model::{Check, FkAction, ForeignKey, Index, IndexKey, IndexPart, QName, Unique};

pub fn qname(q: &QName) -> String {
    if q.schema.is_empty() {
        quote_ident(&q.name)
    } else {
        format!("{}.{}", quote_ident(&q.schema), quote_ident(&q.name))
    }
}

/// An index or constraint name in the table's namespace.
pub fn sibling(table: &QName, name: &str) -> String {
    qname(&QName::new(table.schema.clone(), name))
}

pub fn columns(cols: &[String]) -> String {
    cols.iter()
        .map(|c| quote_ident(c))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn named(name: &str) -> String {
    format!("CONSTRAINT {} ", quote_ident(name))
}

pub fn unique(u: &Unique) -> String {
    format!("{}{}", named(&u.name), unique_body(u))
}

pub fn unique_body(u: &Unique) -> String {
    format!(
        "UNIQUE {}({}){}",
        if u.nulls_not_distinct {
            "NULLS NOT DISTINCT "
        } else {
            ""
        },
        columns(&u.columns),
        match (u.deferrable, u.initially_deferred) {
            (true, true) => " DEFERRABLE INITIALLY DEFERRED",
            (true, false) => " DEFERRABLE",
            _ => "",
        }
    )
}

pub fn check(c: &Check) -> String {
    format!(
        "{}CHECK ({}){}",
        named(&c.name),
        c.expr.sql,
        if c.no_inherit { " NO INHERIT" } else { "" }
    )
}

pub fn foreign_key(fk: &ForeignKey) -> String {
    format!("{}{}", named(&fk.name), foreign_key_body(fk))
}

pub fn foreign_key_body(fk: &ForeignKey) -> String {
    let mut s = format!(
        "FOREIGN KEY ({}) REFERENCES {}",
        columns(&fk.columns),
        qname(&fk.ref_table),
    );
    // None named: the target's primary key (SQLite keeps the omission).
    if !fk.ref_columns.is_empty() {
        s.push_str(&format!(" ({})", columns(&fk.ref_columns)));
    }
    if fk.match_full {
        s.push_str(" MATCH FULL");
    }
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    if fk.deferrable {
        s.push_str(" DEFERRABLE");
        if fk.initially_deferred {
            s.push_str(" INITIALLY DEFERRED");
        }
    }
    s
}

/// One key of an index (or an exclusion constraint): column or `(expression)`, operator
/// class, order.
pub fn index_part(p: &IndexPart) -> String {
    let mut s = match &p.key {
        IndexKey::Column(c) => quote_ident(c),
        IndexKey::Expr(e) => format!("({})", e.sql),
    };
    if let Some(op) = &p.opclass {
        s.push(' ');
        s.push_str(op);
    }
    if p.desc {
        s.push_str(" DESC");
    }
    match p.nulls_first {
        Some(true) => s.push_str(" NULLS FIRST"),
        Some(false) => s.push_str(" NULLS LAST"),
        None => {}
    }
    s
}

pub fn create_index(table: &QName, i: &Index, concurrently: bool) -> String {
    let parts: Vec<String> = i.parts.iter().map(index_part).collect();
    let mut s = format!(
        "CREATE {}INDEX {}{} ON {}",
        if i.unique { "UNIQUE " } else { "" },
        if concurrently { "CONCURRENTLY " } else { "" },
        quote_ident(&i.name),
        qname(table)
    );
    if let Some(m) = &i.method {
        s.push_str(&format!(" USING {m}"));
    }
    s.push_str(&format!(" ({})", parts.join(", ")));
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", columns(&i.include)));
    }
    if i.nulls_not_distinct {
        s.push_str(" NULLS NOT DISTINCT");
    }
    if !i.with.is_empty() {
        let params: Vec<String> = i
            .with
            .iter()
            .map(|(k, v)| {
                let bare = !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
                let v = if bare { v.clone() } else { quote_literal(v) };
                format!("{} = {v}", quote_ident(k))
            })
            .collect();
        s.push_str(&format!(" WITH ({})", params.join(", ")));
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {}", p.sql));
    }
    s
}
