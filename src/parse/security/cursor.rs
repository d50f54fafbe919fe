//! A token cursor for the access-control statements, and sqlparser for the policy ones.

use crate::model::security::{CURRENT_USER, PUBLIC};
use crate::model::QName;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

pub(super) fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let toks = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .map_err(|e| e.to_string())?;
    let mut toks: Vec<Token> = toks
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    while toks.last() == Some(&Token::SemiColon) {
        toks.pop();
    }
    Ok(toks)
}

pub(super) struct Cursor {
    pub(super) toks: Vec<Token>,
    pub(super) i: usize,
}

impl Cursor {
    pub(super) fn upper(&self) -> Option<String> {
        match self.toks.get(self.i) {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }
    pub(super) fn is(&self, w: &str) -> bool {
        self.upper().as_deref() == Some(w)
    }
    pub(super) fn eat(&mut self, w: &str) -> bool {
        let yes = self.is(w);
        if yes {
            self.i += 1;
        }
        yes
    }
    pub(super) fn eat_all(&mut self, ws: &[&str]) -> bool {
        let save = self.i;
        for w in ws {
            if !self.eat(w) {
                self.i = save;
                return false;
            }
        }
        true
    }
    pub(super) fn word(&mut self, w: &str) -> Result<(), String> {
        if self.eat(w) {
            Ok(())
        } else {
            Err(format!("expected {w} at `{}`", self.head()))
        }
    }
    pub(super) fn head(&self) -> String {
        self.toks
            .iter()
            .skip(self.i)
            .take(4)
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
    pub(super) fn done(&self) -> bool {
        self.i >= self.toks.len()
    }
    pub(super) fn end(&self) -> Result<(), String> {
        if self.done() {
            Ok(())
        } else {
            Err(format!("unexpected `{}`", self.head()))
        }
    }
    pub(super) fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }
    pub(super) fn ident(&mut self) -> Result<String, String> {
        match self.toks.get(self.i) {
            Some(Token::Word(w)) => {
                self.i += 1;
                Ok(match w.quote_style {
                    Some(_) => w.value.clone(),
                    None => w.value.to_lowercase(),
                })
            }
            _ => Err(format!("expected a name at `{}`", self.head())),
        }
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
    /// The tokens inside the parenthesis that starts here.
    pub(super) fn parens(&mut self) -> Result<Vec<Token>, String> {
        if self.peek() != Some(&Token::LParen) {
            return Err(format!("expected `(` at `{}`", self.head()));
        }
        let start = self.i + 1;
        let mut depth = 0usize;
        while let Some(t) = self.toks.get(self.i) {
            self.i += 1;
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.toks[start..self.i - 1].to_vec());
                    }
                }
                _ => {}
            }
        }
        Err("unbalanced parentheses".into())
    }
    pub(super) fn comma(&mut self) -> bool {
        if self.peek() == Some(&Token::Comma) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// A role: a name, `PUBLIC`, or the current role under any of its names.
    pub(super) fn role(&mut self) -> Result<String, String> {
        self.eat("GROUP");
        match self.upper().as_deref() {
            Some("PUBLIC") => {
                self.i += 1;
                Ok(PUBLIC.into())
            }
            Some("CURRENT_USER" | "CURRENT_ROLE" | "SESSION_USER") => {
                self.i += 1;
                Ok(CURRENT_USER.into())
            }
            _ => self.ident(),
        }
    }
    pub(super) fn roles(&mut self) -> Result<Vec<String>, String> {
        let mut out = vec![self.role()?];
        while self.comma() {
            out.push(self.role()?);
        }
        Ok(out)
    }
}

pub(super) fn parse_one(text: &str) -> Result<sqlparser::ast::Statement, String> {
    let mut stmts = sqlparser::parser::Parser::parse_sql(&PostgreSqlDialect {}, text)
        .map_err(|e| e.to_string())?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(s), true) => Ok(s),
        _ => Err("expected one statement".into()),
    }
}
