//! PostgreSQL's own column and table clauses, read the same from a schema file and from
//! the catalog's text: exclusion constraints, identity sequence options, column collations.

use super::ddl::{deferral, expr, ident, index_part, name_parts};
use crate::model::{Exclusion, ExclusionElement, IdentityOptions, IndexKey, IndexPart};
use sqlparser::ast::{self, ObjectName, ObjectNamePart, SequenceOptions, Statement};
use sqlparser::dialect::{GenericDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

/// An `EXCLUDE` constraint as the model keeps it. Without `USING` the method is btree,
/// which is what the catalog prints.
pub(super) fn exclusion(x: &ast::ExcludeConstraint) -> Exclusion {
    let (deferrable, initially_deferred) = deferral(&x.characteristics);
    Exclusion {
        name: x.name.as_ref().map(ident).unwrap_or_default(),
        method: x
            .index_method
            .as_ref()
            .map_or_else(|| "btree".to_string(), |m| m.value.to_lowercase()),
        elements: x
            .elements
            .iter()
            .map(|e| ExclusionElement {
                part: index_part(&e.column),
                operator: operator(&e.operator),
            })
            .collect(),
        include: x.include.iter().map(ident).collect(),
        predicate: x.where_clause.as_deref().map(expr),
        deferrable,
        initially_deferred,
    }
}

/// `OPERATOR(pg_catalog.=)` is `=`: the catalog prints an operator bare where it is
/// visible, and pg_catalog's always are.
fn operator(op: &ast::ExcludeConstraintOperator) -> String {
    match op {
        ast::ExcludeConstraintOperator::Token(t) => t.clone(),
        ast::ExcludeConstraintOperator::PGOperator(parts) => match parts.as_slice() {
            [schema, op] if schema.eq_ignore_ascii_case("pg_catalog") => op.clone(),
            _ => format!("OPERATOR({})", parts.join(".")),
        },
    }
}

/// Reads `pg_get_constraintdef` of an exclusion constraint (`EXCLUDE USING gist (…) …`).
pub fn exclusion_definition(name: &str, def: &str) -> Result<Exclusion, String> {
    let text = format!("ALTER TABLE t ADD {def}");
    let parsed = Parser::parse_sql(&GenericDialect {}, &text)
        .or_else(|_| Parser::parse_sql(&PostgreSqlDialect {}, &text))
        .map_err(|e| format!("cannot read exclusion constraint `{def}`: {e}"))?;
    let found = parsed.iter().find_map(|s| match s {
        Statement::AlterTable(a) => a.operations.iter().find_map(|op| match op {
            ast::AlterTableOperation::AddConstraint {
                constraint: ast::TableConstraint::Exclude(x),
                ..
            } => Some(x),
            _ => None,
        }),
        _ => None,
    });
    let mut x = exclusion(found.ok_or_else(|| format!("not an exclusion constraint: {def}"))?);
    x.name = name.to_string();
    Ok(x)
}

/// The words PostgreSQL names an unnamed exclusion constraint after: each element's column
/// (or function, or `expr`), then the INCLUDE columns, a repeated word numbered
/// (`room`, `room1`), as `ChooseIndexColumnNames` does.
pub fn exclusion_name_words(x: &Exclusion) -> Vec<String> {
    let words = x
        .elements
        .iter()
        .map(|e| key_word(&e.part))
        .chain(x.include.iter().cloned());
    let mut out: Vec<String> = Vec::new();
    for w in words {
        let mut candidate = w.clone();
        let mut n = 1;
        while out.contains(&candidate) {
            candidate = format!("{w}{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

/// A column's name; a function call's name; `expr` for anything else (`FigureColname`).
fn key_word(p: &IndexPart) -> String {
    let e = match &p.key {
        IndexKey::Column(c) => return c.clone(),
        IndexKey::Expr(e) => e,
    };
    let parsed = Parser::new(&GenericDialect {})
        .try_with_sql(&e.sql)
        .and_then(|mut p| p.parse_expr());
    let mut node = match parsed {
        Ok(n) => n,
        Err(_) => return "expr".into(),
    };
    loop {
        node = match node {
            ast::Expr::Nested(inner) => *inner,
            ast::Expr::Cast { expr, .. } => *expr,
            ast::Expr::Function(f) => {
                return match f.name.0.last() {
                    Some(ObjectNamePart::Identifier(i)) => ident(i),
                    _ => "expr".into(),
                }
            }
            ast::Expr::Identifier(i) => return ident(&i),
            _ => return "expr".into(),
        }
    }
}

/// An identity column's `( sequence_options )`, each value as written; the normalizer
/// clears the ones that are the server's default.
pub(super) fn identity_options(opts: &[SequenceOptions]) -> Result<IdentityOptions, String> {
    let num = |e: &ast::Expr| -> Result<i64, String> {
        e.to_string()
            .replace(' ', "")
            .parse::<i64>()
            .map_err(|_| format!("identity sequence option must be an integer, found `{e}`"))
    };
    let mut o = IdentityOptions::default();
    for opt in opts {
        match opt {
            SequenceOptions::IncrementBy(e, _) => o.increment = Some(num(e)?),
            SequenceOptions::MinValue(v) => o.min_value = v.as_ref().map(num).transpose()?,
            SequenceOptions::MaxValue(v) => o.max_value = v.as_ref().map(num).transpose()?,
            SequenceOptions::StartWith(e, _) => o.start = Some(num(e)?),
            SequenceOptions::Cache(e) => o.cache = Some(num(e)?),
            SequenceOptions::Cycle(no) => o.cycle = !*no,
            // PostgreSQL refuses both on an identity: its type is the column's, and the
            // column owns it.
            SequenceOptions::DataType(_) | SequenceOptions::OwnedBy(_) => {
                return Err(format!(
                    "`{opt}` is not an option of an identity column's sequence"
                ))
            }
        }
    }
    Ok(o)
}

/// A column's `COLLATE` name: each part folded as an identifier (`"C"` stays `C`,
/// `utf8mb4_BIN` becomes `utf8mb4_bin`). `pg_catalog.x` is `x` (always visible there);
/// a name qualified otherwise is kept quoted and qualified, `"s"."x"` (only PostgreSQL
/// has schema-qualified collations, and a dot may be part of a name: `"en_US.utf8"`).
pub(super) fn collation_name(n: &ObjectName) -> String {
    let parts = name_parts(n);
    match parts.as_slice() {
        [one] => one.clone(),
        [schema, name] if schema == "pg_catalog" => name.clone(),
        _ => qualified_collation(&parts),
    }
}

/// `"s"."x"`: the model's spelling of a collation outside pg_catalog.
pub fn qualified_collation<S: AsRef<str>>(parts: &[S]) -> String {
    parts
        .iter()
        .map(|p| format!("\"{}\"", p.as_ref().replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_text_and_file_text_of_an_exclusion_compare_equal() {
        let from_catalog = exclusion_definition(
            "r_excl",
            "EXCLUDE USING gist (room WITH =, during WITH &&) WHERE ((room > 0)) DEFERRABLE INITIALLY DEFERRED",
        )
        .expect("catalog text");
        let from_file = exclusion_definition(
            "r_excl",
            "EXCLUDE USING GIST (room WITH OPERATOR(pg_catalog.=), during WITH &&) WHERE (room > 0) DEFERRABLE INITIALLY DEFERRED",
        )
        .expect("file text");
        assert_eq!(from_catalog, from_file);
        assert!(from_catalog.deferrable && from_catalog.initially_deferred);
        assert_eq!(from_catalog.method, "gist");
    }

    #[test]
    fn exclusion_names_follow_the_servers_words() {
        let x = exclusion_definition(
            "",
            "EXCLUDE USING gist (room WITH =, lower(name) WITH =, ((room + 1)) WITH =) INCLUDE (room)",
        )
        .expect("parses");
        assert_eq!(exclusion_name_words(&x), ["room", "lower", "expr", "room1"]);
    }

    #[test]
    fn identity_options_refuse_a_type() {
        let e = identity_options(&[SequenceOptions::DataType(ast::DataType::BigInt(None))]);
        assert!(e.is_err());
    }
}
