//! Quoting bare identifiers that a target dialect reads as keywords: a column named
//! `nothing` is a plain name in PostgreSQL and a syntax error in a SQLite expression.
//! Only unquoted names are touched, and they are written lower-case inside the quotes,
//! which is the name an unquoted identifier already stood for.

use sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, TableFactor, VisitMut,
    VisitorMut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;
use std::ops::ControlFlow;

struct Requote<'a> {
    keyword: &'a dyn Fn(&str) -> bool,
    /// Output column names keep the case they were written in (MySQL, where a column name
    /// is case-insensitive but shown as it was declared).
    alias_case: bool,
}

impl Requote<'_> {
    fn ident(&self, i: &mut Ident) {
        if i.quote_style.is_none() && (self.keyword)(&i.value.to_lowercase()) {
            i.value = i.value.to_lowercase();
            i.quote_style = Some('"');
        }
    }

    fn alias(&self, i: &mut Ident) {
        if self.alias_case && i.quote_style.is_none() {
            i.quote_style = Some('"');
        } else {
            self.ident(i);
        }
    }

    fn name(&self, n: &mut ObjectName) {
        for part in &mut n.0 {
            if let ObjectNamePart::Identifier(i) = part {
                self.ident(i);
            }
        }
    }
}

impl VisitorMut for Requote<'_> {
    type Break = ();

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Identifier(i) => self.ident(i),
            Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(|i| self.ident(i)),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, n: &mut ObjectName) -> ControlFlow<()> {
        self.name(n);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { alias: Some(a), .. }
        | TableFactor::Derived { alias: Some(a), .. } = t
        {
            self.ident(&mut a.name);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        if let SetExpr::Select(select) = &mut *q.body {
            for item in &mut select.projection {
                if let SelectItem::ExprWithAlias { alias, .. } = item {
                    self.alias(alias);
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// `sql` (an expression or a query) with every bare identifier for which `keyword` holds
/// double-quoted; text that does not parse is returned unchanged.
pub fn quote_keywords(sql: &str, keyword: &dyn Fn(&str) -> bool) -> String {
    quote_with(
        sql,
        Requote {
            keyword,
            alias_case: false,
        },
    )
}

/// Every bare identifier quoted, as MySQL prints a view: names written lower-case, except
/// output column names (`AS ID`), which keep the case they were written in.
pub fn quote_all_keep_alias_case(sql: &str) -> String {
    quote_with(
        sql,
        Requote {
            keyword: &|_| true,
            alias_case: true,
        },
    )
}

fn quote_with(sql: &str, mut visitor: Requote) -> String {
    let dialect = GenericDialect {};
    let whole_expr = Parser::new(&dialect).try_with_sql(sql).and_then(|mut p| {
        let e = p.parse_expr()?;
        Ok((p.peek_token().token == Token::EOF).then_some(e))
    });
    if let Ok(Some(mut e)) = whole_expr {
        let _ = e.visit(&mut visitor);
        // Display mis-spells some literals; write them from their values.
        return super::requote::lossless(&e);
    }
    match Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
    {
        Ok(mut q) => {
            let _ = q.visit(&mut visitor);
            super::requote::lossless(&*q)
        }
        Err(_) => sql.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::quote_keywords;

    #[test]
    fn quotes_bare_keywords_only() {
        let kw = |w: &str| matches!(w, "nothing" | "group" | "current_timestamp");
        assert_eq!(
            quote_keywords("Nothing <> 'nothing' AND t.nothing > \"nothing\"", &kw),
            "\"nothing\" <> 'nothing' AND t.\"nothing\" > \"nothing\""
        );
        // Special values stay what they are, whatever the predicate says.
        let all = |_: &str| true;
        for value in [
            "CURRENT_TIMESTAMP",
            "CURRENT_DATE",
            "CURRENT_TIME",
            "LOCALTIME",
            "LOCALTIMESTAMP",
            "TRUE",
            "FALSE",
            "NULL",
            "x IS NULL",
            "lower('a')",
            "CAST(1 AS TEXT)",
        ] {
            let quoted = quote_keywords(value, &all);
            assert!(
                !quoted.contains('"') || value.starts_with('x'),
                "{value} -> {quoted}"
            );
        }
        assert_eq!(
            quote_keywords(
                "SELECT nothing, a AS nothing FROM \"group\" AS nothing JOIN nothing ON true",
                &kw
            ),
            "SELECT \"nothing\", a AS \"nothing\" FROM \"group\" AS \"nothing\" JOIN \"nothing\" ON true"
        );
    }
}
