//! PostgreSQL's `TABLESPACE name` clause of `CREATE TABLE`, `CREATE INDEX`, `CREATE
//! MATERIALIZED VIEW` and of a key's `USING INDEX TABLESPACE name`. sqlparser reads it in
//! few of those places, so it is cut from the statement before sqlparser reads it; the
//! builder then accepts `pg_default` and leaves an object in any other tablespace alone,
//! named (see `ddl::tablespace`).

use super::split::Piece;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The statement without its `TABLESPACE` clauses, and the tablespace they name (one that
/// is not `pg_default` first). `None` when there is no such clause, or the statement is
/// not one that places a relation (`CREATE TABLESPACE`, `ALTER TABLE … SET TABLESPACE`).
pub fn cut(piece: &Piece) -> Option<(Piece, String)> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, &piece.text)
        .tokenize_with_location()
        .ok()?;
    let words: Vec<(usize, String, bool)> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match &t.token {
            Token::Word(w) => Some((i, w.value.clone(), w.quote_style.is_some())),
            _ => None,
        })
        .collect();
    let keyword = |k: usize, kw: &str| {
        words
            .get(k)
            .is_some_and(|(_, v, quoted)| !quoted && v.eq_ignore_ascii_case(kw))
    };
    if !(keyword(0, "CREATE") || keyword(0, "ALTER")) || keyword(1, "TABLESPACE") {
        return None;
    }
    // Byte offset of each line's start, to turn token locations into ranges.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(piece.text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, col: u64| -> Option<usize> {
        let start = *starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let col = usize::try_from(col).ok()?.checked_sub(1)?;
        Some(
            piece.text[start..]
                .char_indices()
                .nth(col)
                .map_or(piece.text.len(), |(b, _)| start + b),
        )
    };
    let mut text = piece.text.clone();
    let mut found: Option<String> = None;
    for k in 1..words.len() {
        // The name must follow the keyword directly (only blanks between).
        if !keyword(k, "TABLESPACE") || keyword(k - 1, "SET") {
            continue;
        }
        let (at, _, _) = words[k];
        let Some((name_at, name, _)) = words.get(k + 1) else {
            continue;
        };
        let between_blank = tokens[at + 1..*name_at]
            .iter()
            .all(|t| matches!(t.token, Token::Whitespace(_)));
        if !between_blank {
            continue;
        }
        let first = if keyword(k - 1, "INDEX") && k >= 2 && keyword(k - 2, "USING") {
            words[k - 2].0
        } else {
            at
        };
        let from = offset(
            tokens[first].span.start.line,
            tokens[first].span.start.column,
        )?;
        let to = offset(
            tokens[*name_at].span.end.line,
            tokens[*name_at].span.end.column,
        )?;
        text.replace_range(from..to, &" ".repeat(piece.text[from..to].chars().count()));
        if found
            .as_deref()
            .is_none_or(|f| f.eq_ignore_ascii_case("pg_default"))
        {
            found = Some(name.clone());
        }
    }
    let name = found?;
    Some((
        Piece {
            text,
            ..piece.clone()
        },
        name,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str) -> Piece {
        Piece {
            text: text.into(),
            line: 1,
            col: 1,
        }
    }

    #[test]
    fn cuts_the_clause_and_names_the_tablespace() {
        let (p, ts) = cut(&piece(
            "CREATE TABLE t (id int,\n  CONSTRAINT k PRIMARY KEY (id) USING INDEX TABLESPACE pg_default\n) WITH (fillfactor = 80) TABLESPACE fast",
        ))
        .unwrap();
        assert_eq!(ts, "fast");
        assert!(!p.text.to_ascii_uppercase().contains("TABLESPACE"));
        assert!(!p.text.contains("USING INDEX"));
        assert!(p.text.contains("WITH (fillfactor = 80)"));
        assert_eq!(p.text.len(), "CREATE TABLE t (id int,\n  CONSTRAINT k PRIMARY KEY (id) USING INDEX TABLESPACE pg_default\n) WITH (fillfactor = 80) TABLESPACE fast".len());
        let (p, ts) = cut(&piece(
            "CREATE INDEX i ON t (a) TABLESPACE \"Fast\" WHERE a > 0",
        ))
        .unwrap();
        assert_eq!(ts, "Fast");
        assert!(p.text.ends_with("WHERE a > 0"));
    }

    #[test]
    fn leaves_other_statements_and_strings_alone() {
        assert!(cut(&piece("CREATE TABLESPACE fast LOCATION '/x'")).is_none());
        assert!(cut(&piece("ALTER TABLE t SET TABLESPACE fast")).is_none());
        assert!(cut(&piece("CREATE TABLE t (a text DEFAULT 'TABLESPACE x')")).is_none());
    }
}
