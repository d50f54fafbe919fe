//! SQLite's own `CREATE TABLE` spellings that sqlparser does not read, rewritten into ones
//! it does, for a statement no dialect could parse as written.
//!
//! SQLite takes any sequence of names as a column's type (`BLOB SUB_TYPE TEXT`,
//! `UNSIGNED BIG INT`, `NATIVE CHARACTER(70)`) and a conflict clause after a table
//! constraint (`PRIMARY KEY (a, b) ON CONFLICT ABORT`). A multi-word type becomes one
//! bracketed name, read back as the type exactly as written; a table constraint's
//! conflict clause is cut out and reported, as sqlshift does not manage it.

use sqlparser::dialect::SQLiteDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

/// The rewritten statement and how many conflict clauses it lost.
pub struct Rewritten {
    pub text: String,
    pub conflict_clauses: usize,
}

/// Words that end a column's type name: the first word of a column constraint.
const CONSTRAINT_START: &[Keyword] = &[
    Keyword::CONSTRAINT,
    Keyword::PRIMARY,
    Keyword::NOT,
    Keyword::NULL,
    Keyword::UNIQUE,
    Keyword::CHECK,
    Keyword::DEFAULT,
    Keyword::COLLATE,
    Keyword::REFERENCES,
    Keyword::GENERATED,
    Keyword::AS,
];

/// Words that start a table constraint rather than a column definition.
const TABLE_CONSTRAINT: &[Keyword] = &[
    Keyword::CONSTRAINT,
    Keyword::PRIMARY,
    Keyword::UNIQUE,
    Keyword::CHECK,
    Keyword::FOREIGN,
];

const RESOLUTIONS: &[Keyword] = &[
    Keyword::ROLLBACK,
    Keyword::ABORT,
    Keyword::FAIL,
    Keyword::IGNORE,
    Keyword::REPLACE,
];

fn keyword(t: &Token) -> Option<Keyword> {
    match t {
        Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    }
}

fn is_space(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_))
}

/// `CREATE TABLE` text with multi-word type names bracketed and table-constraint conflict
/// clauses removed; `None` when the statement is no `CREATE TABLE` or nothing changed.
pub fn rewrite(text: &str) -> Option<Rewritten> {
    let tokens = Tokenizer::new(&SQLiteDialect {}, text).tokenize().ok()?;
    let words: Vec<Keyword> = tokens.iter().filter_map(keyword).take(4).collect();
    let is_table = matches!(
        words.as_slice(),
        [Keyword::CREATE, Keyword::TABLE, ..]
            | [
                Keyword::CREATE,
                Keyword::TEMP | Keyword::TEMPORARY,
                Keyword::TABLE,
                ..
            ]
    );
    if !is_table {
        return None;
    }
    let mut out: Vec<String> = Vec::with_capacity(tokens.len());
    let mut conflict_clauses = 0;
    let mut changed = false;
    let mut depth = 0usize;
    // At depth 1, whether the next word starts a definition (after `(` or `,`).
    let mut at_start = false;
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        match t {
            Token::LParen => {
                depth += 1;
                at_start = depth == 1;
            }
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Comma if depth == 1 => at_start = true,
            _ if is_space(t) => {}
            _ if depth == 1 && at_start => {
                at_start = false;
                if keyword(t).is_some_and(|k| TABLE_CONSTRAINT.contains(&k)) {
                    out.push(t.to_string());
                    i += 1;
                    continue;
                }
                // A column: its name, then the type's words up to a constraint or the end.
                out.push(t.to_string());
                i += 1;
                let mut j = i;
                let mut type_words: Vec<String> = Vec::new();
                let mut end = i;
                while j < tokens.len() {
                    match &tokens[j] {
                        s if is_space(s) => {}
                        Token::Word(w)
                            if w.quote_style.is_none()
                                && !CONSTRAINT_START.contains(&w.keyword) =>
                        {
                            type_words.push(w.value.clone());
                            end = j + 1;
                        }
                        _ => break,
                    }
                    j += 1;
                }
                if type_words.len() < 2 {
                    continue;
                }
                // `(n)` or `(n, m)` after the words belongs to the type.
                let mut k = end;
                while k < tokens.len() && is_space(&tokens[k]) {
                    k += 1;
                }
                let mut args = String::new();
                if tokens.get(k) == Some(&Token::LParen) {
                    let close = tokens[k..].iter().position(|t| *t == Token::RParen)?;
                    for t in &tokens[k..k + close + 1] {
                        if !is_space(t) {
                            args.push_str(&t.to_string());
                        }
                    }
                    end = k + close + 1;
                }
                let spelled = format!("{}{args}", type_words.join(" "));
                if spelled.contains(']') {
                    return None;
                }
                // Line breaks inside the type are kept after it so positions stay right.
                let breaks = tokens[i..end]
                    .iter()
                    .filter(|t| matches!(t, Token::Whitespace(Whitespace::Newline)))
                    .count();
                out.push(format!(" [{spelled}]{}", "\n".repeat(breaks)));
                changed = true;
                i = end;
                continue;
            }
            _ => {}
        }
        // `ON CONFLICT <resolution>` right after a table constraint's closing parenthesis.
        if depth == 1 && keyword(t) == Some(Keyword::ON) {
            let rest: Vec<(usize, &Token)> = tokens[i + 1..]
                .iter()
                .enumerate()
                .filter(|(_, t)| !is_space(t))
                .take(2)
                .collect();
            if let [(_, c), (n, r)] = rest.as_slice() {
                if keyword(c) == Some(Keyword::CONFLICT)
                    && keyword(r).is_some_and(|k| RESOLUTIONS.contains(&k))
                {
                    conflict_clauses += 1;
                    changed = true;
                    i += n + 2;
                    continue;
                }
            }
        }
        out.push(t.to_string());
        i += 1;
    }
    changed.then(|| Rewritten {
        text: out.concat(),
        conflict_clauses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_word_types_are_bracketed() {
        let r = rewrite("CREATE TABLE t (a BLOB SUB_TYPE TEXT DEFAULT NULL, b UNSIGNED BIG INT, c NATIVE CHARACTER ( 70 ) NOT NULL, d INT)");
        assert_eq!(
            r.map(|r| r.text).as_deref(),
            Some("CREATE TABLE t (a [BLOB SUB_TYPE TEXT] DEFAULT NULL, b [UNSIGNED BIG INT], c [NATIVE CHARACTER(70)] NOT NULL, d INT)")
        );
    }

    #[test]
    fn table_conflict_clauses_are_cut() {
        let r = rewrite("CREATE TABLE t (a INT, b INT, PRIMARY KEY (a) ON CONFLICT ABORT, UNIQUE (b) ON CONFLICT IGNORE)");
        assert_eq!(
            r.as_ref().map(|r| r.text.as_str()),
            Some("CREATE TABLE t (a INT, b INT, PRIMARY KEY (a) , UNIQUE (b) )")
        );
        assert_eq!(r.map(|r| r.conflict_clauses), Some(2));
    }

    #[test]
    fn other_statements_are_left() {
        assert!(rewrite("CREATE TABLE t (a INT)").is_none());
        assert!(rewrite("CREATE VIEW v AS SELECT a b c FROM t").is_none());
    }
}
