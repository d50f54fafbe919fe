//! `CREATE RECURSIVE VIEW v (a, b) AS q`, which sqlparser does not read, as the view
//! PostgreSQL documents it to be and stores: `CREATE VIEW v AS WITH RECURSIVE v (a, b) AS
//! (q) SELECT a, b FROM v`. pg_dump writes it back in that second form.

use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The statement as a plain view over `WITH RECURSIVE`, or `None` when `text` is not a
/// `CREATE [OR REPLACE] [TEMP] RECURSIVE VIEW name (columns) [WITH (…)] AS …`.
pub fn rewrite(text: &str) -> Option<String> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .ok()?;
    let code: Vec<(usize, &Token)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t, Token::Whitespace(_)))
        .collect();
    let keyword = |k: usize| match code.get(k) {
        Some((_, Token::Word(w))) => Some(w.keyword),
        _ => None,
    };
    let mut k = 0;
    (keyword(k) == Some(Keyword::CREATE)).then_some(())?;
    k += 1;
    let head_end = loop {
        match keyword(k)? {
            Keyword::RECURSIVE => break k,
            Keyword::OR | Keyword::REPLACE | Keyword::TEMP | Keyword::TEMPORARY => k += 1,
            _ => return None,
        }
    };
    (keyword(head_end + 1) == Some(Keyword::VIEW)).then_some(())?;
    // The name: `name` or `schema.name`; the CTE takes the bare name.
    let name_start = head_end + 2;
    let mut k = name_start;
    let bare = loop {
        let Some((_, Token::Word(w))) = code.get(k) else {
            return None;
        };
        k += 1;
        if matches!(code.get(k)?, (_, Token::Period)) {
            k += 1;
        } else {
            break Token::Word(w.clone());
        }
    };
    let name_end = k;
    matches!(code.get(k)?, (_, Token::LParen)).then_some(())?;
    let cols_start = k;
    while !matches!(code.get(k)?, (_, Token::RParen)) {
        k += 1;
    }
    let cols_end = k + 1;
    // `WITH (options)` up to `AS`.
    let mut as_at = cols_end;
    while keyword(as_at) != Some(Keyword::AS) {
        code.get(as_at)?;
        as_at += 1;
    }
    let text_of = |from: usize, to: usize| -> String {
        let (a, b) = (code[from].0, code.get(to).map_or(tokens.len(), |c| c.0));
        tokens[a..b].iter().map(|t| t.to_string()).collect()
    };
    let head = text_of(0, head_end);
    let name = text_of(name_start, name_end);
    let cols = text_of(cols_start, cols_end);
    let options = text_of(cols_end, as_at);
    let body = text_of(as_at + 1, code.len());
    let body = body.trim_end();
    let body = body.strip_suffix(';').unwrap_or(body).trim_end();
    let bare = bare.to_string();
    let cols = cols.trim();
    let list = cols.trim_start_matches('(').trim_end_matches(')');
    Some(format!(
        "{head}VIEW {} {options}AS WITH RECURSIVE {bare} {cols} AS ({body}) SELECT {list} FROM {bare}",
        name.trim(),
        options = if options.trim().is_empty() {
            String::new()
        } else {
            format!("{} ", options.trim())
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn a_recursive_view_is_a_view_over_with_recursive() {
        let sql = "CREATE RECURSIVE VIEW public.chain (id, depth) AS\n    SELECT id, 0 FROM staff WHERE boss IS NULL\n    UNION ALL\n    SELECT s.id, c.depth + 1 FROM staff s JOIN chain c ON s.boss = c.id;";
        assert_eq!(
            rewrite(sql).as_deref(),
            Some("CREATE VIEW public.chain AS WITH RECURSIVE chain (id, depth) AS (SELECT id, 0 FROM staff WHERE boss IS NULL\n    UNION ALL\n    SELECT s.id, c.depth + 1 FROM staff s JOIN chain c ON s.boss = c.id) SELECT id, depth FROM chain")
        );
    }

    #[test]
    fn options_and_or_replace_are_kept() {
        let sql =
            "CREATE OR REPLACE RECURSIVE VIEW \"Tree\" (n) WITH (security_barrier) AS SELECT 1";
        assert_eq!(
            rewrite(sql).as_deref(),
            Some("CREATE OR REPLACE VIEW \"Tree\" WITH (security_barrier) AS WITH RECURSIVE \"Tree\" (n) AS (SELECT 1) SELECT n FROM \"Tree\"")
        );
    }

    #[test]
    fn other_statements_are_not_rewritten() {
        assert_eq!(
            rewrite("CREATE VIEW v AS WITH RECURSIVE t AS (SELECT 1) SELECT * FROM t"),
            None
        );
        assert_eq!(rewrite("CREATE TABLE recursive (a int)"), None);
    }
}
