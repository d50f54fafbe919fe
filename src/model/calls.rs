//! The functions an expression calls, read from its text: what orders a default, check,
//! index or trigger after the functions it calls, and what must go and come back when one
//! of them is dropped. Only ordering depends on it, never equality.
//!
//! A name followed by `(` is a call; strings, quoted names' case, comments and casts
//! (`::numeric(10, 2)`) are told apart. Keywords that take parentheses (`IN (…)`, `ANY
//! (…)`) read as calls too, which matters only where a routine has such a name.

use super::{Column, Domain, Exclusion, Expr, Index, IndexKey, QName, Table};
use std::collections::BTreeSet;

impl Expr {
    /// The functions the expression calls, by name as written: unqualified (empty schema)
    /// unless the text qualifies it.
    pub fn calls(&self) -> BTreeSet<QName> {
        calls_in(&self.sql)
    }
}

fn all<'a>(exprs: impl IntoIterator<Item = &'a Expr>) -> BTreeSet<QName> {
    exprs.into_iter().flat_map(Expr::calls).collect()
}

impl Column {
    /// What its default and generation expression call.
    pub fn calls(&self) -> BTreeSet<QName> {
        all(self
            .default
            .iter()
            .chain(self.generated.iter().map(|g| &g.expr)))
    }
}

impl Index {
    /// What its key expressions and predicate call.
    pub fn calls(&self) -> BTreeSet<QName> {
        let keys = self.parts.iter().filter_map(|p| match &p.key {
            IndexKey::Expr(e) => Some(e),
            IndexKey::Column(_) => None,
        });
        all(keys.chain(self.predicate.iter()))
    }
}

impl Exclusion {
    /// What its element expressions and predicate call.
    pub fn calls(&self) -> BTreeSet<QName> {
        let keys = self.elements.iter().filter_map(|e| match &e.part.key {
            IndexKey::Expr(x) => Some(x),
            IndexKey::Column(_) => None,
        });
        all(keys.chain(self.predicate.iter()))
    }
}

impl Table {
    /// What its columns, checks, exclusion constraints and indexes call.
    pub fn calls(&self) -> BTreeSet<QName> {
        let mut out: BTreeSet<QName> = self.columns.iter().flat_map(Column::calls).collect();
        out.extend(all(self.checks.iter().map(|c| &c.expr)));
        out.extend(self.exclusions.iter().flat_map(Exclusion::calls));
        out.extend(self.indexes.iter().flat_map(Index::calls));
        out
    }
}

impl Domain {
    /// What its default and checks call.
    pub fn calls(&self) -> BTreeSet<QName> {
        all(self
            .default
            .iter()
            .chain(self.checks.iter().map(|c| &c.expr)))
    }
}

/// True when `call` (as [`calls_in`] gives it) may be routine `name`: an unqualified call
/// is resolved through the search path, so it may be any schema's.
pub fn may_call(call: &QName, name: &QName) -> bool {
    call.name == name.name && (call.schema.is_empty() || call.schema == name.schema)
}

/// The calls in an SQL text (see [`Expr::calls`]).
pub fn calls_in(sql: &str) -> BTreeSet<QName> {
    let b = sql.as_bytes();
    let mut out = BTreeSet::new();
    // The parts of the name being read (`s`, `f` of `s.f`), and whether it follows `::`.
    let mut name: Vec<String> = Vec::new();
    let mut cast = false;
    let mut after_cast = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' => {
                // An E'…' string escapes with backslashes.
                let escapes = name.len() == 1
                    && name[0] == "e"
                    && i > 0
                    && b[i - 1].eq_ignore_ascii_case(&b'e');
                name.clear();
                i = skip_string(b, i, escapes);
                continue;
            }
            b'"' => {
                let (text, next) = quoted(sql, i);
                if !continues_name(b, i) {
                    name.clear();
                    cast = after_cast;
                }
                after_cast = false;
                name.push(text);
                i = next;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'$' if dollar_tag(b, i).is_some() => {
                let tag = dollar_tag(b, i).unwrap_or_default();
                let body = i + tag.len();
                i = sql[body..]
                    .find(&tag)
                    .map_or(b.len(), |n| body + n + tag.len());
                name.clear();
                continue;
            }
            b'(' => {
                if !name.is_empty() && !cast {
                    let f = name.pop().unwrap_or_default();
                    out.insert(QName::new(name.pop().unwrap_or_default(), f));
                }
                name.clear();
            }
            b'.' if !name.is_empty() => {}
            b':' if b.get(i + 1) == Some(&b':') => {
                name.clear();
                after_cast = true;
                i += 2;
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                if !continues_name(b, start) {
                    name.clear();
                    cast = after_cast;
                }
                after_cast = false;
                name.push(sql[start..i].to_lowercase());
                continue;
            }
            _ => {
                name.clear();
                after_cast = false;
            }
        }
        i += 1;
    }
    out
}

/// True when the name part starting at `at` follows a `.` (blanks aside): it qualifies on.
fn continues_name(b: &[u8], at: usize) -> bool {
    b[..at]
        .iter()
        .rev()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|c| *c == b'.')
}

/// The index after the string literal opening at `at`.
fn skip_string(b: &[u8], at: usize, escapes: bool) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if escapes => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// A quoted name opening at `at`: its text and the index after it.
fn quoted(sql: &str, at: usize) -> (String, usize) {
    let b = sql.as_bytes();
    let mut text = String::new();
    let mut i = at + 1;
    let mut start = i;
    while i < b.len() {
        if b[i] == b'"' {
            text.push_str(&sql[start..i]);
            if b.get(i + 1) == Some(&b'"') {
                text.push('"');
                i += 2;
                start = i;
                continue;
            }
            return (text, i + 1);
        }
        i += 1;
    }
    text.push_str(&sql[start.min(b.len())..]);
    (text, b.len())
}

/// `$tag$` (or `$$`) opening a dollar-quoted string at `at`.
fn dollar_tag(b: &[u8], at: usize) -> Option<String> {
    let mut i = at + 1;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    let starts_with_digit = b.get(at + 1).is_some_and(u8::is_ascii_digit);
    (b.get(i) == Some(&b'$') && !starts_with_digit)
        .then(|| String::from_utf8_lossy(&b[at..=i]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sql: &str) -> Vec<String> {
        calls_in(sql).iter().map(|q| q.to_string()).collect()
    }

    #[test]
    fn calls_are_names_before_parentheses() {
        assert_eq!(names("f(a) + s.g (b)"), ["f", "s.g"]);
        assert_eq!(names("\"Odd\".\"Fn\"(x) > 0"), ["Odd.Fn"]);
        assert_eq!(
            names("lower(name) = 'f(x)' AND x::numeric(10, 2) > 0"),
            ["lower"]
        );
        assert_eq!(names("E'it\\'s h(x)' || k(1) -- m(2)\n"), ["k"]);
        assert_eq!(names("$$ q(1) $$ || public.Z(1) /* y(1) */"), ["public.z"]);
        assert_eq!(names("(a + b) * 2"), Vec::<String>::new());
    }

    #[test]
    fn unqualified_calls_may_be_any_schemas() {
        let f = QName::new("public", "f");
        assert!(may_call(&QName::new("", "f"), &f));
        assert!(may_call(&QName::new("public", "f"), &f));
        assert!(!may_call(&QName::new("s", "f"), &f));
    }
}
