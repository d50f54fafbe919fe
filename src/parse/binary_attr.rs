//! MySQL's `BINARY` attribute after a character type (`VARCHAR(40) BINARY`), which
//! sqlparser does not read. MySQL defines it as shorthand for the `_bin` collation of the
//! column's character set; the statement is rewritten to `COLLATE _bin` before parsing,
//! and the MySQL normalizer, which knows the table's and the database's character sets,
//! turns [`BINARY_COLLATION`] into that collation. The rest of the text is left byte for
//! byte as it was, so string literals keep their spelling and errors their positions
//! (on the line of the rewrite, columns after it shift by six).

/// The collation a `BINARY` attribute stands for until the character set is known. No
/// real collation name starts with `_`.
pub const BINARY_COLLATION: &str = "_bin";

/// Words that begin (or continue) a character type the attribute may follow.
const CHAR_TYPES: &[&str] = &[
    "char",
    "character",
    "varchar",
    "varying",
    "nchar",
    "nvarchar",
    "national",
    "long",
    "text",
    "tinytext",
    "mediumtext",
    "longtext",
    "enum",
    "set",
];

#[derive(Debug, PartialEq)]
pub(super) enum Tok {
    Word,
    Open,
    Close,
    Other,
}

/// Tokens with their byte ranges, as [`tokens`] gives them.
pub(super) type Tokens = Vec<(Tok, usize, usize)>;

/// The significant tokens of `text` (comments and whitespace left out), each with its byte
/// range; quoted strings and names are single `Other` tokens.
pub(super) fn tokens(text: &str) -> Tokens {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b'\'' | b'"' | b'`' => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' && c != b'`' {
                        i += 2;
                        continue;
                    }
                    if b[i] == c {
                        if b.get(i + 1) == Some(&c) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                out.push((Tok::Other, start, i));
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i = (i + 2).min(b.len());
            }
            b'(' => {
                i += 1;
                out.push((Tok::Open, start, i));
            }
            b')' => {
                i += 1;
                out.push((Tok::Close, start, i));
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 => {
                while i < b.len()
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'_'
                        || b[i] == b'$'
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                out.push((Tok::Word, start, i));
            }
            _ => {
                i += 1;
                out.push((Tok::Other, start, i));
            }
        }
    }
    out
}

/// `text` with every `BINARY` attribute of a character type spelled `COLLATE _bin`, or
/// `None` when there is none (the common case: the text is used as it is).
pub fn rewrite(text: &str) -> Option<String> {
    let toks = tokens(text);
    let word = |k: usize| -> Option<String> {
        match toks.get(k) {
            Some((Tok::Word, s, e)) => Some(text[*s..*e].to_ascii_lowercase()),
            _ => None,
        }
    };
    let mut hits = Vec::new();
    let mut k = 0;
    while k < toks.len() {
        let starts = word(k).is_some_and(|w| CHAR_TYPES.contains(&w.as_str()))
            // A name that happens to be a type word (`ALTER TABLE set …`) is preceded by
            // nothing that makes it a type; a column's type follows the column's name.
            && k > 0;
        if !starts {
            k += 1;
            continue;
        }
        let mut j = k + 1;
        while word(j).is_some_and(|w| CHAR_TYPES.contains(&w.as_str()) && w != "set") {
            j += 1;
        }
        if toks.get(j).is_some_and(|t| t.0 == Tok::Open) {
            let mut depth = 0;
            while let Some(t) = toks.get(j) {
                match t.0 {
                    Tok::Open => depth += 1,
                    Tok::Close => depth -= 1,
                    _ => {}
                }
                j += 1;
                if depth == 0 {
                    break;
                }
            }
        }
        loop {
            match word(j).as_deref() {
                Some("character") if word(j + 1).as_deref() == Some("set") => j += 3,
                Some("charset") => j += 2,
                Some("ascii") | Some("unicode") => j += 1,
                _ => break,
            }
        }
        if word(j).as_deref() == Some("binary") {
            if let Some((_, s, e)) = toks.get(j) {
                hits.push((*s, *e));
            }
        }
        k = j.max(k + 1);
    }
    if hits.is_empty() {
        return None;
    }
    let edits = hits
        .into_iter()
        .map(|(s, e)| (s, e, format!("COLLATE {BINARY_COLLATION}")))
        .collect();
    Some(splice(text, edits))
}

/// `text` with each `(start, end, replacement)` applied, in text order; an edit that
/// overlaps an earlier one is dropped.
pub(super) fn splice(text: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| (e.0, e.1));
    let mut out = String::with_capacity(text.len() + 16 * edits.len());
    let mut at = 0;
    for (s, e, to) in edits {
        if s < at {
            continue;
        }
        out.push_str(&text[at..s]);
        out.push_str(&to);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_after_a_character_type_is_its_bin_collation() {
        assert_eq!(
            rewrite("CREATE TABLE t (p VARCHAR(40) BINARY DEFAULT NULL, q CHAR(2) CHARACTER SET latin1 binary)").as_deref(),
            Some("CREATE TABLE t (p VARCHAR(40) COLLATE _bin DEFAULT NULL, q CHAR(2) CHARACTER SET latin1 COLLATE _bin)")
        );
    }

    #[test]
    fn binary_types_and_strings_are_left_alone() {
        assert_eq!(
            rewrite("CREATE TABLE t (b BINARY(16), v VARBINARY(8))"),
            None
        );
        assert_eq!(
            rewrite("CREATE TABLE t (v VARCHAR(4) DEFAULT 'char binary', c TEXT)"),
            None
        );
        assert_eq!(
            rewrite("CREATE TABLE t (v VARCHAR(4) COMMENT 'x', b BINARY)"),
            None
        );
    }
}
