//! Splitting a migration file into statements, so a failure can name the statement and
//! its line, and so statements that refuse to share a transaction block (`CREATE INDEX
//! CONCURRENTLY`) run on their own.
//!
//! A small lexer, not a parser: it knows quotes (`'…'`, `E'…'`, `"…"`, `` `…` ``),
//! dollar quotes (`$tag$…$tag$`), comments (`--`, nested `/* */`), and the
//! `BEGIN … END` / `CASE … END` blocks of `CREATE TRIGGER` / `FUNCTION` / `PROCEDURE`
//! bodies, so semicolons inside any of those do not end a statement.

use crate::dialect::migrate::Statement;

/// The first-line directive that makes a migration run outside a transaction.
pub const NO_TRANSACTION: &str = "-- sqlshift:no-transaction";

/// True when the file's first line is the no-transaction directive.
pub fn no_transaction(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|l| l.trim().eq_ignore_ascii_case(NO_TRANSACTION))
}

/// The statements of `text`, without their terminating `;`. Pieces holding only
/// comments and whitespace are left out.
pub fn split(text: &str) -> Vec<Statement> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line = 1usize;
    // Line and index of the current statement's first significant character.
    let mut start_line: Option<(usize, usize)> = None;
    let mut words: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    let n = chars.len();

    // Marks the first significant character of the current statement.
    macro_rules! significant {
        () => {
            if start_line.is_none() {
                start_line = Some((line, i));
            }
        };
    }

    while i < n {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            '-' if next == Some('-') => {
                while i < n && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut level = 0usize;
                while i < n {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        level += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        level = level.saturating_sub(1);
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            '\'' | '"' | '`' => {
                significant!();
                let backslash = c == '\''
                    && i > 0
                    && matches!(chars[i - 1], 'e' | 'E')
                    && (i < 2 || !is_word(chars[i - 2]));
                i += 1;
                while i < n {
                    let d = chars[i];
                    if d == '\n' {
                        line += 1;
                    }
                    if backslash && d == '\\' {
                        i += 2;
                        continue;
                    }
                    if d == c {
                        if chars.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
            '$' if i == 0 || !is_word(chars[i - 1]) => {
                // `$tag$` opens a dollar quote; `$1` is a parameter.
                let parameter = next.is_some_and(|d| d.is_ascii_digit());
                let mut j = i + 1;
                while !parameter && j < n && (chars[j].is_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                if !parameter && j < n && chars[j] == '$' {
                    significant!();
                    let tag: String = chars[i..=j].iter().collect();
                    let tag_chars: Vec<char> = tag.chars().collect();
                    i = j + 1;
                    while i < n {
                        if chars[i..].starts_with(&tag_chars) {
                            i += tag_chars.len();
                            break;
                        }
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                } else {
                    significant!();
                    i += 1;
                }
            }
            ';' if depth == 0 => {
                push(&chars, i, start_line, &mut out);
                i += 1;
                start_line = None;
                words.clear();
            }
            c if is_word(c) => {
                significant!();
                let w0 = i;
                while i < n && is_word(chars[i]) {
                    i += 1;
                }
                let word: String = chars[w0..i].iter().collect::<String>().to_ascii_uppercase();
                if block_statement(&words) {
                    match word.as_str() {
                        "BEGIN" | "CASE" => depth += 1,
                        "END" => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                }
                if words.len() < 8 {
                    words.push(word);
                }
            }
            c if c.is_whitespace() => i += 1,
            _ => {
                significant!();
                i += 1;
            }
        }
    }
    push(&chars, n, start_line, &mut out);
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Statements whose bodies hold `BEGIN … END` blocks with semicolons inside.
fn block_statement(words: &[String]) -> bool {
    words.first().is_some_and(|w| w == "CREATE")
        && words
            .iter()
            .any(|w| w == "TRIGGER" || w == "FUNCTION" || w == "PROCEDURE")
}

fn push(chars: &[char], end: usize, start: Option<(usize, usize)>, out: &mut Vec<Statement>) {
    let Some((line, from)) = start else { return };
    let text: String = chars[from..end].iter().collect();
    let sql = text.trim();
    if !sql.is_empty() {
        out.push(Statement {
            sql: sql.to_string(),
            line,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(text: &str) -> Vec<String> {
        split(text).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        let text = "-- header; with a semicolon\nCREATE TABLE t (a TEXT DEFAULT 'x;y');\n\n/* c; */ INSERT INTO \"we;ird\" VALUES (E'it\\'s;');\nSELECT $$a;b$$, $f$c;d$f$;";
        let got = split(text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(got[0].line, 2);
        assert_eq!(got[0].sql, "CREATE TABLE t (a TEXT DEFAULT 'x;y')");
        assert_eq!(got[1].line, 4);
        assert_eq!(got[2].sql, "SELECT $$a;b$$, $f$c;d$f$");
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let text = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = CASE WHEN 1 THEN 2 END;\n  SELECT 1;\nEND;\nSELECT 2;";
        let got = sqls(text);
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("END"), "{got:?}");
    }

    #[test]
    fn comment_only_pieces_are_dropped_and_last_statement_needs_no_semicolon() {
        assert_eq!(sqls("-- only a comment\n;\n  ;SELECT 1"), vec!["SELECT 1"]);
        assert!(sqls("-- nothing\n").is_empty());
    }

    #[test]
    fn directive_is_read_from_the_first_line() {
        assert!(no_transaction(
            "-- sqlshift:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
        ));
        assert!(!no_transaction("-- x\n-- sqlshift:no-transaction\n"));
    }

    #[test]
    fn parameters_are_not_dollar_quotes() {
        assert_eq!(sqls("SELECT $1; SELECT 2"), vec!["SELECT $1", "SELECT 2"]);
    }
}
