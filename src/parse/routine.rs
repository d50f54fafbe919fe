//! `CREATE [OR REPLACE] FUNCTION | PROCEDURE` and `CREATE AGGREGATE` (PostgreSQL) into the
//! model's [`Routine`]. The same reader takes a file's statement and the catalog's
//! (`pg_get_functiondef`, or the aggregate statement introspection spells), so both sides
//! meet in one canonical form: types without modifiers, defaults without the literal cast
//! PostgreSQL adds, attributes with their default values left out, a quoted body verbatim.

use super::expr::{canonical_expr, canonical_query};
use crate::model::{DataType, Expr, QName, Returns, Routine, RoutineArg, RoutineKind};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeSet;

/// True for the leading words of a statement this module reads.
pub fn is_routine_statement(words: &[String]) -> bool {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        w.as_slice(),
        ["CREATE", "FUNCTION" | "PROCEDURE" | "AGGREGATE", ..]
            | [
                "CREATE",
                "OR",
                "REPLACE",
                "FUNCTION" | "PROCEDURE" | "AGGREGATE",
                ..
            ]
    )
}

impl super::ddl::Builder {
    pub(super) fn add_routine(
        &mut self,
        r: Routine,
        loc: &super::Loc,
    ) -> Result<(), super::ParseError> {
        let key = r.key();
        if self.schema.routines.contains_key(&key) {
            return Err(super::ParseError::At {
                loc: loc.clone(),
                message: format!("{} `{key}` is defined twice", r.kind.noun()),
            });
        }
        self.schema.routines.insert(key, r);
        Ok(())
    }
}

/// Reads one statement. The text is kept as the routine's `sql`.
pub fn routine(text: &str) -> Result<Routine, String> {
    let dialect = PostgreSqlDialect {};
    let toks: Vec<Token> = Tokenizer::new(&dialect, text)
        .tokenize()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let mut toks = toks.as_slice();
    while let Some((Token::SemiColon, rest)) = toks.split_last() {
        toks = rest;
    }
    let mut c = Cursor { toks, i: 0 };
    c.word("CREATE")?;
    if c.eat("OR") {
        c.word("REPLACE")?;
    }
    let kind = match c.upper().as_deref() {
        Some("FUNCTION") => RoutineKind::Function,
        Some("PROCEDURE") => RoutineKind::Procedure,
        Some("AGGREGATE") => RoutineKind::Aggregate,
        _ => return Err("expected FUNCTION, PROCEDURE or AGGREGATE".into()),
    };
    c.i += 1;
    let name = c.name()?;
    let inner = c.parens()?;
    let mut r = Routine {
        name,
        kind,
        args: Vec::new(),
        returns: Returns::Nothing,
        language: String::new(),
        attributes: Vec::new(),
        body: String::new(),
        sql: text.trim().trim_end_matches(';').trim_end().to_string(),
        identity_sql: String::new(),
        needs: BTreeSet::new(),
        dependents: None,
    };
    let mut raw = Vec::new();
    if kind == RoutineKind::Aggregate {
        aggregate(&mut c, &mut r, inner, &mut raw)?;
    } else {
        for group in split_commas(inner) {
            let (a, text) = argument(group, "in")?;
            if a.is_input() {
                raw.push(text);
            }
            r.args.push(a);
        }
        attributes(&mut c, &mut r)?;
    }
    r.identity_sql = raw.join(", ");
    if r.language == "sql" {
        sql_body_calls(&mut r, toks);
    }
    if kind == RoutineKind::Aggregate && raw.is_empty() {
        r.identity_sql = "*".into();
    }
    r.attributes.sort();
    Ok(r)
}

/// A reader over a statement's tokens (whitespace left out).
pub(super) struct Cursor<'a> {
    toks: &'a [Token],
    i: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(toks: &'a [Token]) -> Self {
        Cursor { toks, i: 0 }
    }
    pub(super) fn peek(&self) -> Option<&'a Token> {
        self.toks.get(self.i)
    }
    fn upper_at(&self, i: usize) -> Option<String> {
        match self.toks.get(i) {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }
    fn upper(&self) -> Option<String> {
        self.upper_at(self.i)
    }
    pub(super) fn eat(&mut self, w: &str) -> bool {
        if self.upper().as_deref() == Some(w) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    pub(super) fn word(&mut self, w: &str) -> Result<(), String> {
        if self.eat(w) {
            Ok(())
        } else {
            Err(format!("expected {w} at `{}`", self.rest_head()))
        }
    }
    fn rest_head(&self) -> String {
        join(
            &self.toks[self.i.min(self.toks.len())..]
                [..3.min(self.toks.len().saturating_sub(self.i))],
        )
    }
    pub(super) fn name(&mut self) -> Result<QName, String> {
        let mut parts = vec![self.ident()?];
        while self.peek() == Some(&Token::Period) {
            self.i += 1;
            parts.push(self.ident()?);
        }
        let name = parts.pop().unwrap_or_default();
        Ok(QName::new(parts.pop().unwrap_or_default(), name))
    }
    pub(super) fn ident(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                self.i += 1;
                Ok(fold(w))
            }
            _ => Err(format!("expected a name at `{}`", self.rest_head())),
        }
    }
    /// The tokens inside the parenthesis that starts here.
    fn parens(&mut self) -> Result<&'a [Token], String> {
        if self.peek() != Some(&Token::LParen) {
            return Err(format!("expected `(` at `{}`", self.rest_head()));
        }
        let start = self.i + 1;
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            self.i += 1;
            match t {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(&self.toks[start..self.i - 1]);
                    }
                }
                _ => {}
            }
        }
        Err("unbalanced parentheses".into())
    }
    /// Tokens up to (not including) the next attribute keyword at depth 0.
    fn until_attribute(&mut self) -> &'a [Token] {
        let start = self.i;
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            match t {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ => {}
            }
            if depth == 0
                && self
                    .upper()
                    .is_some_and(|w| ATTRIBUTE_WORDS.contains(&w.as_str()))
            {
                break;
            }
            self.i += 1;
        }
        &self.toks[start..self.i]
    }
}

const ATTRIBUTE_WORDS: &[&str] = &[
    "LANGUAGE",
    "TRANSFORM",
    "WINDOW",
    "IMMUTABLE",
    "STABLE",
    "VOLATILE",
    "NOT",
    "LEAKPROOF",
    "CALLED",
    "RETURNS",
    "STRICT",
    "EXTERNAL",
    "SECURITY",
    "PARALLEL",
    "COST",
    "ROWS",
    "SUPPORT",
    "SET",
    "AS",
    "RETURN",
    "BEGIN",
];

pub(super) fn fold(w: &sqlparser::tokenizer::Word) -> String {
    if w.quote_style.is_some() {
        w.value.clone()
    } else {
        w.value.to_lowercase()
    }
}

/// Tokens back to text: a space between two tokens except around punctuation that never
/// takes one in a type or a name.
fn join(toks: &[Token]) -> String {
    let mut s = String::new();
    let tight_after = |t: &Token| {
        matches!(
            t,
            Token::LParen | Token::LBracket | Token::Period | Token::DoubleColon
        )
    };
    let tight_before = |t: &Token| {
        matches!(
            t,
            Token::LParen
                | Token::RParen
                | Token::LBracket
                | Token::RBracket
                | Token::Comma
                | Token::Period
                | Token::DoubleColon
        )
    };
    let mut prev: Option<&Token> = None;
    for t in toks {
        if let Some(p) = prev {
            if !tight_after(p) && !tight_before(t) {
                s.push(' ');
            }
        }
        s.push_str(&t.to_string());
        prev = Some(t);
    }
    s
}

fn split_commas(toks: &[Token]) -> Vec<&[Token]> {
    split_at(toks, &Token::Comma)
}

/// The runs between `sep` at depth 0.
fn split_at<'t>(toks: &'t [Token], sep: &Token) -> Vec<&'t [Token]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            t if depth == 0 && t == sep => {
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < toks.len() {
        out.push(&toks[start..]);
    }
    out
}

/// A type as PostgreSQL keeps a routine's: modifiers dropped (`numeric(10,2)` → `numeric`).
fn routine_type(toks: &[Token]) -> Result<DataType, String> {
    let mut kept = Vec::new();
    let mut depth = 0i32;
    for t in toks {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ if depth == 0 => kept.push(t.clone()),
            _ => {}
        }
    }
    if kept.is_empty() {
        return Err("expected a type".into());
    }
    // `SETOF` is not a type word; `%TYPE` references are resolved by the server.
    super::data_type(&join(&kept))
}

/// Words that start a type of several words, where a second word is no argument's type.
fn starts_multiword_type(first: &str, second: Option<&Token>) -> bool {
    let second = match second {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
        Some(Token::LParen) => return true,
        _ => return false,
    };
    matches!(
        (first, second.as_str()),
        ("DOUBLE", "PRECISION")
            | ("CHARACTER" | "CHAR" | "NATIONAL" | "BIT", _)
            | ("TIMESTAMP" | "TIME", "WITH" | "WITHOUT")
            | ("INTERVAL", _)
    )
}

/// One argument, with its type as written (for `DROP`, which names the types).
fn argument(toks: &[Token], default_mode: &str) -> Result<(RoutineArg, String), String> {
    let mut c = Cursor { toks, i: 0 };
    let mut mode = default_mode.to_string();
    for m in ["IN", "OUT", "INOUT", "VARIADIC"] {
        if c.upper().as_deref() == Some(m) {
            mode = m.to_ascii_lowercase();
            c.i += 1;
            break;
        }
    }
    // The default, after `DEFAULT` or `=` at depth 0.
    let rest = &toks[c.i..];
    let mut depth = 0i32;
    let mut cut = rest.len();
    let mut default_at = None;
    for (i, t) in rest.iter().enumerate() {
        match t {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Eq if depth == 0 => {
                cut = i;
                default_at = Some(i + 1);
                break;
            }
            Token::Word(w)
                if depth == 0
                    && w.quote_style.is_none()
                    && w.value.eq_ignore_ascii_case("DEFAULT") =>
            {
                cut = i;
                default_at = Some(i + 1);
                break;
            }
            _ => {}
        }
    }
    let decl = &rest[..cut];
    let named = decl.len() >= 2
        && matches!(&decl[0], Token::Word(_))
        && matches!(&decl[1], Token::Word(_))
        && !starts_multiword_type(&c.upper().unwrap_or_default(), decl.get(1));
    let (name, ty) = match (named, decl) {
        (true, [Token::Word(w), ty @ ..]) => (Some(fold(w)), ty),
        _ => (None, decl),
    };
    let data_type = routine_type(ty)?;
    let default = match default_at {
        Some(at) => Some(default_expr(&join(&rest[at..]))?),
        None => None,
    };
    let written = match mode.as_str() {
        "variadic" => format!("VARIADIC {}", join(ty)),
        _ => join(ty),
    };
    Ok((
        RoutineArg {
            mode,
            name,
            data_type,
            default,
        },
        written,
    ))
}

/// A default as compared: the cast PostgreSQL puts on a literal (`'x'::text`) left off.
fn default_expr(text: &str) -> Result<Expr, String> {
    use sqlparser::ast::{CastKind, Expr as E};
    let e = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("cannot read default `{text}`: {e}"))?;
    let e = match e {
        E::Cast {
            kind: CastKind::DoubleColon,
            expr,
            ..
        } if matches!(*expr, E::Value(_)) => *expr,
        e => e,
    };
    Ok(Expr::new(text, canonical_expr(e)))
}

fn number(toks: &[Token]) -> Result<String, String> {
    let t = join(toks);
    let n: f64 = t
        .parse()
        .map_err(|_| format!("expected a number, found `{t}`"))?;
    Ok(n.to_string())
}

fn attributes(c: &mut Cursor, r: &mut Routine) -> Result<(), String> {
    let mut retset = false;
    let mut cost = None;
    let mut rows = None;
    while let Some(w) = c.upper() {
        c.i += 1;
        match w.as_str() {
            "RETURNS" if c.upper().as_deref() == Some("NULL") => {
                c.word("NULL")?;
                c.word("ON")?;
                c.word("NULL")?;
                c.word("INPUT")?;
                r.attributes.push("strict".into());
            }
            "RETURNS" => {
                if c.eat("TABLE") {
                    let cols = c.parens()?;
                    let mut out = Vec::new();
                    for col in split_commas(cols) {
                        match col {
                            [Token::Word(n), ty @ ..] => out.push((fold(n), routine_type(ty)?)),
                            _ => return Err("expected a column of RETURNS TABLE".into()),
                        }
                    }
                    retset = true;
                    r.returns = Returns::Table(out);
                } else if c.eat("SETOF") {
                    retset = true;
                    r.returns = Returns::SetOf(routine_type(c.until_attribute())?);
                } else {
                    r.returns = Returns::Type(routine_type(c.until_attribute())?);
                }
            }
            "LANGUAGE" => {
                r.language = match c.peek() {
                    Some(Token::Word(w)) => w.value.to_lowercase(),
                    Some(Token::SingleQuotedString(s)) => s.to_lowercase(),
                    _ => return Err("expected a language name".into()),
                };
                c.i += 1;
            }
            "IMMUTABLE" | "STABLE" => r.attributes.push(w.to_lowercase()),
            "VOLATILE" => {}
            "STRICT" => r.attributes.push("strict".into()),
            "CALLED" => {
                c.word("ON")?;
                c.word("NULL")?;
                c.word("INPUT")?;
            }
            "WINDOW" => r.attributes.push("window".into()),
            "LEAKPROOF" => r.attributes.push("leakproof".into()),
            "NOT" => c.word("LEAKPROOF")?,
            "EXTERNAL" => {}
            "SECURITY" => {
                if c.eat("DEFINER") {
                    r.attributes.push("security definer".into());
                } else {
                    c.word("INVOKER")?;
                }
            }
            "PARALLEL" => {
                let p = c.upper().unwrap_or_default();
                c.i += 1;
                match p.as_str() {
                    "SAFE" | "RESTRICTED" => {
                        r.attributes.push(format!("parallel {}", p.to_lowercase()))
                    }
                    "UNSAFE" => {}
                    _ => return Err(format!("unknown PARALLEL `{p}`")),
                }
            }
            "COST" => cost = Some(number(c.until_attribute())?),
            "ROWS" => rows = Some(number(c.until_attribute())?),
            "SUPPORT" => {
                let n = c.name()?;
                r.attributes.push(format!("support {}", searched(&n)));
            }
            "TRANSFORM" => {
                let t = join(c.until_attribute()).to_lowercase();
                r.attributes.push(format!("transform {t}"));
            }
            "SET" => {
                let key = c.ident()?;
                let value = if c.eat("FROM") {
                    c.word("CURRENT")?;
                    "from current".to_string()
                } else {
                    if !c.eat("TO") && c.peek() == Some(&Token::Eq) {
                        c.i += 1;
                    }
                    set_value(c.until_attribute())
                };
                r.attributes.push(format!("set {key}={value}"));
            }
            "AS" => {
                let mut parts = Vec::new();
                loop {
                    match c.peek() {
                        Some(Token::DollarQuotedString(s)) => parts.push(s.value.clone()),
                        Some(Token::SingleQuotedString(s))
                        | Some(Token::EscapedStringLiteral(s)) => parts.push(s.clone()),
                        _ => return Err(format!("expected a quoted body at `{}`", c.rest_head())),
                    }
                    c.i += 1;
                    if c.peek() == Some(&Token::Comma) {
                        c.i += 1;
                    } else {
                        break;
                    }
                }
                r.body = parts.join(", ");
            }
            "RETURN" => {
                let rest = &c.toks[c.i..];
                c.i = c.toks.len();
                r.body = format!("RETURN {}", expr_canon(&join(rest))?);
            }
            "BEGIN" => {
                c.word("ATOMIC")?;
                let mut rest = &c.toks[c.i..];
                c.i = c.toks.len();
                if let Some((Token::Word(w), inner)) = rest.split_last() {
                    if w.value.eq_ignore_ascii_case("END") {
                        rest = inner;
                    }
                }
                r.body = format!("BEGIN ATOMIC {}", atomic_body(rest));
            }
            other => return Err(format!("unexpected `{other}` in the definition")),
        }
    }
    if r.kind == RoutineKind::Function && r.returns == Returns::Nothing {
        // Without RETURNS, the OUT arguments give the result (PostgreSQL prints it).
        let outs: Vec<&RoutineArg> = r
            .args
            .iter()
            .filter(|a| a.mode == "out" || a.mode == "inout")
            .collect();
        r.returns = match outs.as_slice() {
            [] => return Err("a function needs RETURNS or OUT arguments".into()),
            [one] => Returns::Type(one.data_type.clone()),
            _ => Returns::Type(super::data_type("record")?),
        };
    }
    if r.language.is_empty() {
        // An SQL-standard body is SQL; otherwise PostgreSQL requires LANGUAGE.
        r.language = "sql".into();
    }
    let default_cost = if matches!(r.language.as_str(), "c" | "internal") {
        "1"
    } else {
        "100"
    };
    if let Some(n) = cost.filter(|n| n != default_cost) {
        r.attributes.push(format!("cost {n}"));
    }
    if let Some(n) = rows.filter(|n| retset && n != "1000") {
        r.attributes.push(format!("rows {n}"));
    }
    Ok(())
}

/// The functions an SQL body calls: PostgreSQL checks such a body when it is created, so
/// they must exist first (ordering only; a name that no change creates is no edge).
fn sql_body_calls(r: &mut Routine, toks: &[Token]) {
    let dialect = PostgreSqlDialect {};
    let mut body_toks = Vec::new();
    for t in toks {
        match t {
            Token::DollarQuotedString(s) => body_toks.extend(
                Tokenizer::new(&dialect, &s.value)
                    .tokenize()
                    .unwrap_or_default(),
            ),
            Token::SingleQuotedString(s) => {
                body_toks.extend(Tokenizer::new(&dialect, s).tokenize().unwrap_or_default())
            }
            other => body_toks.push(other.clone()),
        }
    }
    let body_toks: Vec<Token> = body_toks
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    for (i, t) in body_toks.iter().enumerate() {
        let (Token::Word(w), Some(Token::LParen)) = (t, body_toks.get(i + 1)) else {
            continue;
        };
        let name = fold(w);
        let schema = match (
            i.checked_sub(2).map(|j| &body_toks[j]),
            i.checked_sub(1).map(|j| &body_toks[j]),
        ) {
            (Some(Token::Word(s)), Some(Token::Period)) => fold(s),
            _ => String::new(),
        };
        if name != r.name.name {
            r.needs.insert(QName::new(schema, name));
        }
    }
}

/// A `SET` value as PostgreSQL prints it back, without quotes: `public, pg_temp`.
fn set_value(toks: &[Token]) -> String {
    split_commas(toks)
        .into_iter()
        .map(|part| match part {
            [Token::SingleQuotedString(s)] => s.clone(),
            [Token::Word(w)] => fold(w),
            other => join(other).to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `pg_catalog` and `public` are found through the search path: a name there is written bare.
fn searched(q: &QName) -> String {
    if matches!(q.schema.as_str(), "" | "pg_catalog" | "public") {
        q.name.clone()
    } else {
        q.to_string()
    }
}

fn expr_canon(text: &str) -> Result<String, String> {
    let e = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("cannot read `RETURN {text}`: {e}"))?;
    Ok(canonical_expr(e))
}

/// Statements of `BEGIN ATOMIC … END`: queries in canonical form; other statements (which
/// PostgreSQL prints back in its own spelling) by their leading words only.
fn atomic_body(toks: &[Token]) -> String {
    let mut out = Vec::new();
    for p in split_at(toks, &Token::SemiColon)
        .into_iter()
        .filter(|p| !p.is_empty())
    {
        let text = join(p);
        let is_query = matches!(&p[0], Token::Word(w) if ["SELECT", "WITH", "VALUES", "TABLE"].iter().any(|k| w.value.eq_ignore_ascii_case(k)))
            || p[0] == Token::LParen;
        let q = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&text)
            .and_then(|mut x| x.parse_query());
        out.push(match q {
            Ok(q) if is_query => canonical_query(*q),
            _ => {
                // pg_dump qualifies the table (`public.items`), a file may not.
                let mut words: Vec<Token> = Vec::new();
                let mut k = 0;
                while k < p.len() && words.len() < 3 {
                    let public =
                        matches!(&p[k], Token::Word(w) if w.value.eq_ignore_ascii_case("public"));
                    if public && p.get(k + 1) == Some(&Token::Period) {
                        k += 2;
                        continue;
                    }
                    words.push(p[k].clone());
                    k += 1;
                }
                join(&words).to_lowercase()
            }
        });
    }
    out.join("; ")
}

fn aggregate(
    c: &mut Cursor,
    r: &mut Routine,
    inner: &[Token],
    raw: &mut Vec<String>,
) -> Result<(), String> {
    let options = c.parens()?;
    if c.peek().is_some() {
        return Err(format!(
            "unexpected `{}` after the aggregate's options",
            c.rest_head()
        ));
    }
    // Direct and aggregated arguments (`ORDER BY` splits an ordered-set aggregate's).
    let order_by = (0..inner.len()).find(|&i| {
        matches!(&inner[i], Token::Word(w) if w.value.eq_ignore_ascii_case("ORDER"))
            && matches!(inner.get(i + 1), Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("BY"))
    });
    let (direct, ordered) = match order_by {
        Some(i) => (&inner[..i], &inner[i + 2..]),
        None => (inner, &inner[..0]),
    };
    let star = matches!(direct, [Token::Mul]);
    if !star {
        for g in split_commas(direct) {
            let (a, text) = argument(g, "in")?;
            raw.push(text);
            r.args.push(a);
        }
    }
    let mut ordered_raw = Vec::new();
    for g in split_commas(ordered) {
        let (a, text) = argument(g, "order by")?;
        ordered_raw.push(text);
        r.args.push(a);
    }
    if !ordered_raw.is_empty() {
        let direct = raw.join(", ");
        raw.clear();
        raw.push(
            format!("{direct} ORDER BY {}", ordered_raw.join(", "))
                .trim_start()
                .to_string(),
        );
    }
    let ordered_set = order_by.is_some();
    for opt in split_commas(options) {
        let (key, value) = match opt {
            [Token::Word(k), Token::Eq, v @ ..] => (k.value.to_ascii_lowercase(), v),
            [Token::Word(k)] => (k.value.to_ascii_lowercase(), &opt[..0]),
            _ => return Err(format!("cannot read aggregate option `{}`", join(opt))),
        };
        let text = match value {
            [Token::SingleQuotedString(s)] => format!("'{s}'"),
            _ => join(value),
        };
        let canon = match key.as_str() {
            "sfunc" | "finalfunc" | "combinefunc" | "serialfunc" | "deserialfunc" | "msfunc"
            | "minvfunc" | "mfinalfunc" => {
                let mut vc = Cursor { toks: value, i: 0 };
                let n = vc.name()?;
                r.needs.insert(n.clone());
                Some(searched(&n))
            }
            "stype" | "mstype" => Some(searched_type(&routine_type(value)?)),
            "basetype" => {
                // The old syntax: the argument type (`ANY` for `count(*)`-like aggregates).
                if !text.eq_ignore_ascii_case("any") && !text.eq_ignore_ascii_case("\"any\"") {
                    raw.push(text.clone());
                    r.args.push(RoutineArg {
                        mode: "in".into(),
                        name: None,
                        data_type: routine_type(value)?,
                        default: None,
                    });
                }
                None
            }
            "sspace" | "msspace" => Some(number(value)?).filter(|n| n != "0"),
            "parallel" => Some(text.to_ascii_lowercase()).filter(|p| p != "unsafe"),
            "finalfunc_modify" | "mfinalfunc_modify" => {
                let default = if ordered_set {
                    "read_write"
                } else {
                    "read_only"
                };
                Some(text.to_ascii_lowercase()).filter(|p| p != default)
            }
            "finalfunc_extra" | "mfinalfunc_extra" | "hypothetical" if value.is_empty() => {
                Some(String::new())
            }
            "sortop" => Some(
                text.replace("OPERATOR(pg_catalog.", "")
                    .replace([')', '('], ""),
            ),
            "initcond" | "minitcond" => Some(text),
            other => return Err(format!("unknown aggregate option `{other}`")),
        };
        if let Some(v) = canon {
            r.attributes.push(if v.is_empty() {
                key
            } else {
                format!("{key}={v}")
            });
        }
    }
    Ok(())
}

fn searched_type(t: &DataType) -> String {
    match t {
        DataType::Named(q) => searched(q),
        other => other.to_string(),
    }
}

/// The input argument types of an argument list (`a integer, OUT b text` → `integer`), as
/// `GRANT … ON FUNCTION f(…)` and `ALTER FUNCTION f(…) OWNER TO` name a routine.
pub(super) fn input_types(toks: &[Token]) -> Result<Vec<DataType>, String> {
    let mut out = Vec::new();
    for group in split_commas(toks) {
        let (a, _) = argument(group, "in")?;
        if a.is_input() {
            out.push(a.data_type);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_schema_with, SourceFile, Target};

    fn file(text: &str, target: Target) -> Result<crate::model::Schema, String> {
        let src = SourceFile {
            name: "schema/app.sql".into(),
            text: text.into(),
        };
        parse_schema_with(&[src], true, target).map_err(|e| e.to_string())
    }

    #[test]
    fn bad_function_names_file_line_and_column() {
        let e = file(
            "CREATE TABLE t (id int);\n\nCREATE FUNCTION f(a int) RETURNS int LANGUAGE sql FROBNICATE AS 'select 1';\n",
            Target::Postgres,
        )
        .unwrap_err();
        assert!(e.contains("schema/app.sql:3:1"), "{e}");
        assert!(e.contains("FROBNICATE"), "{e}");
        let e = file(
            "CREATE FUNCTION f(int) RETURNS int AS 'select 1' LANGUAGE sql;\nCREATE FUNCTION f(integer) RETURNS int AS 'select 2' LANGUAGE sql;\n",
            Target::Postgres,
        )
        .unwrap_err();
        assert!(e.contains("defined twice"), "{e}");
    }

    #[test]
    fn overloads_and_other_dialects() {
        let s = file(
            "CREATE FUNCTION f(int) RETURNS int AS 'select 1' LANGUAGE sql;\nCREATE FUNCTION f(text) RETURNS int AS 'select 2' LANGUAGE sql;\n",
            Target::Postgres,
        )
        .unwrap();
        assert_eq!(s.routines.len(), 2);
        // A MySQL routine is left alone on MySQL.
        let s = file(
            "CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1;\n",
            Target::Mysql,
        )
        .unwrap();
        assert!(s.routines.is_empty());
    }

    #[test]
    fn attributes_and_defaults_left_out() {
        let a = routine("CREATE FUNCTION f() RETURNS SETOF int LANGUAGE sql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER NOT LEAKPROOF PARALLEL UNSAFE COST 100 ROWS 1000 AS 'select 1'").unwrap();
        let b = routine("CREATE FUNCTION f() RETURNS SETOF integer AS 'select 1' LANGUAGE 'sql'")
            .unwrap();
        assert_eq!(a, b);
        let c =
            routine("CREATE FUNCTION f() RETURNS SETOF integer AS 'select 1' LANGUAGE sql ROWS 5")
                .unwrap();
        assert_ne!(a, c);
        let t =
            routine("CREATE FUNCTION f(OUT a int, OUT b text) AS 'select 1, ''x''' LANGUAGE sql")
                .unwrap();
        assert_eq!(t.body, "select 1, 'x'");
        let o = routine("CREATE AGGREGATE pct(float8 ORDER BY float8) (SFUNC = s, STYPE = internal, FINALFUNC = fin, FINALFUNC_EXTRA)").unwrap();
        assert_eq!(o.identity_sql, "float8 ORDER BY float8");
    }

    #[test]
    fn file_and_catalog_meet() {
        let file = routine(
            "CREATE FUNCTION f1(a int, b text = 'x', OUT c int, INOUT d numeric(10,2) default 1.5) \
             returns record language plpgsql immutable strict security definer \
             set search_path = public, pg_temp cost 5 parallel safe as $$ begin c := a; end $$;",
        )
        .unwrap();
        let catalog = routine(
            "CREATE OR REPLACE FUNCTION public.f1(a integer, b text DEFAULT 'x'::text, OUT c integer, INOUT d numeric DEFAULT 1.5)\n RETURNS record\n LANGUAGE plpgsql\n IMMUTABLE PARALLEL SAFE STRICT SECURITY DEFINER COST 5\n SET search_path TO 'public', 'pg_temp'\nAS $function$ begin c := a; end $function$\n",
        )
        .unwrap();
        assert_eq!(file.args, catalog.args);
        assert_eq!(file.attributes, catalog.attributes);
        assert_eq!(file.body, catalog.body);
        assert_eq!(file.language, catalog.language);
        let a = routine(
            "create function f3(a int, b int) returns int language sql immutable return a + b",
        )
        .unwrap();
        let b = routine("CREATE OR REPLACE FUNCTION public.f3(a integer, b integer)\n RETURNS integer\n LANGUAGE sql\n IMMUTABLE\nRETURN (a + b)\n").unwrap();
        assert_eq!(a.body, b.body);
        let g =
            routine("CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text)")
                .unwrap();
        assert_eq!(g.attributes, vec!["sfunc=_group_concat", "stype=text"]);
        assert_eq!(g.key(), "group_concat(text)");
        let d = routine("CREATE FUNCTION g(double precision, timestamp with time zone) RETURNS void AS 'select 1' LANGUAGE sql").unwrap();
        assert_eq!(d.args.len(), 2);
        assert!(d.args.iter().all(|a| a.name.is_none()));
    }
}
