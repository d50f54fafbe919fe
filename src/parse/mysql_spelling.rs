//! MySQL and MariaDB spellings that sqlparser does not read, rewritten before parsing into
//! ones it reads that mean the same:
//!
//! - the column shorthand `CHARSET x` is `CHARACTER SET x`;
//! - `LONG VARCHAR` and `LONG VARBINARY` are `MEDIUMTEXT` and `MEDIUMBLOB` (MySQL's own
//!   definition of them);
//! - `NATIONAL CHAR`, `NATIONAL VARCHAR`, `NCHAR VARCHAR` (and `CHARACTER`/`VARYING`
//!   spellings) are `NCHAR` and `NVARCHAR`;
//! - MariaDB's `PERSISTENT` generated column is a `STORED` one;
//! - `REAL(M,D)` is `DOUBLE(M,D)` (MySQL's REAL is DOUBLE);
//! - `CREATE FULLTEXT|SPATIAL INDEX i ON t (…)` is `CREATE INDEX i ON t USING FULLTEXT (…)`,
//!   the index method the model keeps for a `FULLTEXT KEY` in a table.
//!
//! As in [`super::binary_attr`], the rest of the text stays byte for byte, so literals keep
//! their spelling; a rewrite shifts the columns after it on its line.

use super::binary_attr::{tokens, Tok};

/// `text` with the spellings above replaced, or `None` when it has none of them.
pub fn rewrite(text: &str) -> Option<String> {
    let toks = tokens(text);
    let word = |k: usize| -> Option<String> {
        match toks.get(k) {
            Some((Tok::Word, s, e)) => Some(text[*s..*e].to_ascii_lowercase()),
            _ => None,
        }
    };
    // (start, end, replacement) in text order.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut depth = 0i32;
    for (k, (tok, s, e)) in toks.iter().enumerate() {
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            Tok::Other => {}
            Tok::Word => {
                let w = text[*s..*e].to_ascii_lowercase();
                let prev_close = k > 0 && toks[k - 1].0 == Tok::Close;
                // A column's own name follows `(` or `,`; a type or attribute follows a name.
                let after_name = k > 0
                    && match &toks[k - 1] {
                        (Tok::Open, ..) => false,
                        (Tok::Other, a, b) => &text[*a..*b] != ",",
                        _ => true,
                    };
                // Inside the column list; `DEFAULT CHARSET=x` as a table option is read.
                let followed_by_name = matches!(toks.get(k + 1), Some((Tok::Word, ..)))
                    || matches!(toks.get(k + 1), Some((Tok::Other, a, _)) if text[*a..].starts_with(['\'', '"', '`']));
                match w.as_str() {
                    "charset" if depth >= 1 && after_name && followed_by_name => {
                        edits.push((*s, *e, "CHARACTER SET".into()))
                    }
                    "long" if depth >= 1 && after_name => {
                        let to = match word(k + 1).as_deref() {
                            Some("varchar") => "MEDIUMTEXT",
                            Some("varbinary") => "MEDIUMBLOB",
                            _ => continue,
                        };
                        if let Some((_, _, end)) = toks.get(k + 1) {
                            edits.push((*s, *end, to.into()));
                        }
                    }
                    "national" | "nchar" if depth >= 1 && after_name => {
                        let mut j = k + 1;
                        let mut varying = false;
                        while let Some(next) = word(j) {
                            match next.as_str() {
                                "char" | "character" => {}
                                "varchar" | "varying" => varying = true,
                                _ => break,
                            }
                            j += 1;
                        }
                        if j > k + 1 {
                            let to = if varying { "NVARCHAR" } else { "NCHAR" };
                            edits.push((*s, toks[j - 1].2, to.into()));
                        }
                    }
                    // MySQL's REAL is DOUBLE; sqlparser reads no (M,D) after REAL.
                    "real"
                        if depth >= 1
                            && after_name
                            && matches!(toks.get(k + 1), Some((Tok::Open, ..))) =>
                    {
                        edits.push((*s, *e, "DOUBLE".into()))
                    }
                    "persistent" if depth == 1 && prev_close => {
                        edits.push((*s, *e, "STORED".into()))
                    }
                    _ => {}
                }
            }
        }
    }
    if word(0).as_deref() == Some("create") {
        if let (Some(kind @ ("fulltext" | "spatial")), Some("index")) =
            (word(1).as_deref(), word(2).as_deref())
        {
            // The key list is the first parenthesis; the index method goes before it.
            let open = toks.iter().position(|t| t.0 == Tok::Open);
            if let (Some((_, s, _)), Some((_, ks, _)), Some(o)) = (toks.get(1), toks.get(2), open) {
                let method = if kind == "fulltext" {
                    "FULLTEXT"
                } else {
                    "SPATIAL"
                };
                edits.push((*s, *ks, String::new()));
                let at = toks[o].1;
                edits.push((at, at, format!("USING {method} ")));
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    Some(super::binary_attr::splice(text, edits))
}

#[cfg(test)]
mod tests {
    use super::rewrite;

    #[test]
    fn mysql_spellings_become_ones_sqlparser_reads() {
        assert_eq!(
            rewrite("CREATE TABLE t (a VARCHAR(2) CHARSET ascii, b LONG VARCHAR, c LONG varbinary, d INT AS (1) PERSISTENT, e NATIONAL CHAR(5), f national varchar(6), g NCHAR VARCHAR(7), h NATIONAL CHARACTER VARYING(8), i NCHAR(9), j REAL(8,2), k REAL) DEFAULT CHARSET=utf8mb4").as_deref(),
            Some("CREATE TABLE t (a VARCHAR(2) CHARACTER SET ascii, b MEDIUMTEXT, c MEDIUMBLOB, d INT AS (1) STORED, e NCHAR(5), f NVARCHAR(6), g NVARCHAR(7), h NVARCHAR(8), i NCHAR(9), j DOUBLE(8,2), k REAL) DEFAULT CHARSET=utf8mb4")
        );
        assert_eq!(
            rewrite("CREATE FULLTEXT INDEX ft ON articles (title, body)").as_deref(),
            Some("CREATE INDEX ft ON articles USING FULLTEXT (title, body)")
        );
        assert_eq!(
            rewrite("create spatial index g on places (pt)").as_deref(),
            Some("create index g on places USING SPATIAL (pt)")
        );
    }

    #[test]
    fn names_and_literals_are_left_alone() {
        assert_eq!(
            rewrite("CREATE TABLE t (charset VARCHAR(9) DEFAULT 'long varchar', persistent INT, long varchar(2)) CHARSET utf8mb4"),
            None
        );
        assert_eq!(rewrite("CREATE INDEX fulltext ON t (a)"), None);
    }
}
