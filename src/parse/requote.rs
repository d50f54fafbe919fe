//! Spelling expressions from their parsed values, never from their source text.
//!
//! A literal means different things in different dialects: `'x\'` is the two characters
//! `x\` in sqlshift's schema language, PostgreSQL and SQLite, but an unterminated string on
//! MySQL, where the backslash escapes the quote (and the text after it runs as SQL).
//! Identifiers too: `"order"` is a name in the schema language and a string on MySQL. So
//! every expression the model keeps (`Expr::sql`) is text in the schema language, written
//! here from the parsed values, and each renderer re-spells it token by token with its own
//! quoting ([`requote`]): string literals from their values, quoted identifiers from theirs.
//!
//! sqlparser's `Display` cannot be that writer: it passes a string's value through unchanged
//! when it contains a doubled or backslash-escaped quote (`a''b` prints as `'a''b'`, which
//! reads back as `a'b`). [`lossless`] stands in unique placeholder words for literals and
//! quoted identifiers before printing and spells them afterwards.

use sqlparser::ast::{
    Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, TableFactor, Value,
    VisitMut, VisitorMut,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
use std::fmt::Display;
use std::ops::ControlFlow;

/// How a dialect writes a string literal and a quoted identifier, from their values.
pub struct Quoting<'a> {
    pub literal: &'a dyn Fn(&str) -> String,
    pub ident: &'a dyn Fn(&str) -> String,
}

/// sqlshift's schema language (and PostgreSQL's and SQLite's spelling): `'…'` with `''`
/// for a quote, `"…"` with `""`; a backslash is an ordinary character.
pub fn standard_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

pub fn standard_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub const STANDARD: Quoting<'static> = Quoting {
    literal: &standard_literal,
    ident: &standard_ident,
};

/// Re-spells schema-language text for a dialect: every string literal and quoted identifier
/// from its value, comments dropped (a `--` comment could swallow what follows), the rest
/// as it was. Text that does not tokenize is an error naming it.
pub fn requote(sql: &str, q: &Quoting) -> Result<String, String> {
    respell(&GenericDialect {}, sql, q)
}

/// Reads text a MySQL/MariaDB catalog prints (backslash escapes in strings, backquoted
/// names) and writes it in the schema language.
pub fn from_mysql(sql: &str) -> Result<String, String> {
    respell(&MySqlDialect {}, sql, &STANDARD)
}

fn respell(dialect: &dyn Dialect, sql: &str, q: &Quoting) -> Result<String, String> {
    if nothing_to_respell(sql) {
        return Ok(sql.to_string());
    }
    let tokens = Tokenizer::new(dialect, sql)
        .tokenize()
        .map_err(|e| format!("cannot read expression `{sql}`: {e}"))?;
    Ok(emit(&tokens, q, &[]))
}

/// Text without a literal, a quoted name or a comment: every token prints as it was read,
/// so tokenizing it would give the text back (most defaults and types are such text).
fn nothing_to_respell(sql: &str) -> bool {
    sql.is_ascii()
        && !sql
            .bytes()
            .any(|b| matches!(b, b'\'' | b'"' | b'`' | b'$' | b'#' | b'\\'))
        && !sql.contains("--")
        && !sql.contains("/*")
}

fn emit(tokens: &[Token], q: &Quoting, marks: &[(String, Mark)]) -> String {
    let mut out = String::new();
    for t in tokens {
        match t {
            Token::Word(w) if w.quote_style.is_some() => out.push_str(&(q.ident)(&w.value)),
            Token::Word(w) => match marks.iter().find(|(m, _)| *m == w.value) {
                Some((_, Mark::Literal(v))) => out.push_str(&(q.literal)(v)),
                Some((_, Mark::Ident(v))) => out.push_str(&(q.ident)(v)),
                None => out.push_str(&w.value),
            },
            Token::SingleQuotedString(v)
            | Token::DoubleQuotedString(v)
            | Token::EscapedStringLiteral(v)
            | Token::UnicodeStringLiteral(v)
            | Token::TripleSingleQuotedString(v)
            | Token::TripleDoubleQuotedString(v) => out.push_str(&(q.literal)(v)),
            Token::NationalStringLiteral(v) => {
                out.push('N');
                out.push_str(&(q.literal)(v));
            }
            Token::DollarQuotedString(d) => out.push_str(&(q.literal)(&d.value)),
            Token::Whitespace(Whitespace::SingleLineComment { .. })
            | Token::Whitespace(Whitespace::MultiLineComment(_)) => out.push(' '),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

enum Mark {
    Literal(String),
    Ident(String),
}

/// Replaces literals and quoted identifiers by placeholder words, remembering their values.
struct Marker {
    prefix: String,
    marks: Vec<(String, Mark)>,
}

impl Marker {
    fn mark(&mut self, m: Mark) -> String {
        let word = format!("{}{}", self.prefix, self.marks.len());
        self.marks.push((word.clone(), m));
        word
    }

    fn ident(&mut self, i: &mut Ident) {
        if i.quote_style.is_some() {
            let value = std::mem::take(&mut i.value);
            i.value = self.mark(Mark::Ident(value));
            i.quote_style = None;
        }
    }

    fn object_name(&mut self, n: &mut ObjectName) {
        for p in &mut n.0 {
            if let ObjectNamePart::Identifier(i) = p {
                self.ident(i);
            }
        }
    }
}

impl VisitorMut for Marker {
    type Break = ();

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        match e {
            Expr::Value(v) => {
                let text = match &v.value {
                    Value::SingleQuotedString(s)
                    | Value::DoubleQuotedString(s)
                    | Value::EscapedStringLiteral(s)
                    | Value::UnicodeStringLiteral(s)
                    | Value::TripleSingleQuotedString(s)
                    | Value::TripleDoubleQuotedString(s) => Some(s.clone()),
                    Value::DollarQuotedString(d) => Some(d.value.clone()),
                    _ => None,
                };
                if let Some(s) = text {
                    v.value = Value::Placeholder(self.mark(Mark::Literal(s)));
                }
            }
            Expr::Identifier(i) => self.ident(i),
            Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(|i| self.ident(i)),
            Expr::Function(f) => self.object_name(&mut f.name),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, n: &mut ObjectName) -> ControlFlow<()> {
        self.object_name(n);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        if let SetExpr::Select(select) = q.body.as_mut() {
            for item in &mut select.projection {
                if let SelectItem::ExprWithAlias { alias, .. } = item {
                    self.ident(alias);
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { alias: Some(a), .. } = tf {
            self.ident(&mut a.name);
        }
        ControlFlow::Continue(())
    }
}

/// The node printed in the schema language with every literal and quoted identifier spelled
/// from its value (see the module doc).
pub fn lossless<T: VisitMut + Display + Clone>(node: &T) -> String {
    let plain = node.to_string();
    // A placeholder must not collide with a word already in the text.
    let mut n = 0u32;
    let prefix = loop {
        let p = format!("sqlshiftmark{n}x");
        if !plain.contains(&p) {
            break p;
        }
        n += 1;
    };
    let mut marker = Marker {
        prefix,
        marks: Vec::new(),
    };
    let mut copy = node.clone();
    let _ = copy.visit(&mut marker);
    if marker.marks.is_empty() {
        return respell(&GenericDialect {}, &plain, &STANDARD).unwrap_or(plain);
    }
    let printed = copy.to_string();
    match Tokenizer::new(&GenericDialect {}, &printed).tokenize() {
        Ok(tokens) => emit(&tokens, &STANDARD, &marker.marks),
        Err(_) => plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::parser::Parser;

    fn parse(sql: &str) -> Expr {
        Parser::new(&GenericDialect {})
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn mysql(sql: &str) -> String {
        let lit = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
        let id = |s: &str| format!("`{}`", s.replace('`', "``"));
        requote(
            sql,
            &Quoting {
                literal: &lit,
                ident: &id,
            },
        )
        .unwrap_or_else(|e| e)
    }

    #[test]
    fn literals_keep_their_value() {
        for v in [
            "x\\",
            "a''b",
            "\\'",
            "it's",
            "$$",
            "--",
            "/*",
            "\"",
            "`",
            "é\t\n\u{1}",
        ] {
            let text = lossless(&parse(&standard_literal(v)));
            assert_eq!(text, standard_literal(v), "{v:?}");
        }
        assert_eq!(mysql("'x\\' = \"order\""), "'x\\\\' = `order`");
        assert_eq!(mysql("a -- c\n + 1"), "a  \n + 1");
        assert_eq!(
            from_mysql("'it\\'s' <> `a``b`").as_deref(),
            Ok("'it''s' <> \"a`b\"")
        );
    }

    #[test]
    fn quoted_identifiers_keep_their_value() {
        for v in ["a\"\"b", "a\\\"b", "order", "x`y"] {
            let text = lossless(&parse(&format!("{} > 0", standard_ident(v))));
            assert_eq!(text, format!("{} > 0", standard_ident(v)), "{v:?}");
        }
    }
}
