//! Splits a SQL file into statements without parsing them, so every statement can be
//! recognised by its kind even where the SQL parser cannot read it.
//!
//! It knows what real dumps hold: `'…'`, `"…"` and `` `…` `` quoting, `$tag$ … $tag$` dollar
//! quotes, `--`, `#` (at the start of a line) and nested `/* … */` comments, MySQL's
//! `/*!40101 … */` conditional comments (whose text MySQL runs), `DELIMITER` lines, and
//! `BEGIN … END` bodies of triggers, procedures, functions and events (whose inner `;` do not
//! end the statement).

/// One statement: its text (without the delimiter) and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    /// 1-based line and column of the statement's first character.
    pub line: u64,
    pub col: u64,
}

/// A problem that leaves the rest of the file unreadable (an unterminated quote).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitError {
    pub line: u64,
    pub col: u64,
    pub message: String,
}

/// A position in the text, by byte, with the line and column (in characters) it is at.
/// Everything the splitter looks for is ASCII, so it reads bytes and decodes a character
/// only where a word or a quote needs one.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
    col: u64,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            text,
            pos: 0,
            line: 1,
            col: 1,
        }
    }

    fn byte(&self, k: usize) -> Option<u8> {
        self.text.as_bytes().get(self.pos + k).copied()
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..)?.chars().next()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.text.as_bytes()[self.pos..].starts_with(s.as_bytes())
    }

    fn starts_with_ci(&self, s: &str) -> bool {
        self.text.as_bytes()[self.pos..]
            .get(..s.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(s.as_bytes()))
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    /// Moves past `n` bytes of ASCII text.
    fn skip_ascii(&mut self, n: usize) {
        for _ in 0..n {
            self.bump();
        }
    }

    /// True when only blanks precede the cursor on its line.
    fn at_line_start(&self) -> bool {
        self.text[..self.pos]
            .chars()
            .rev()
            .take_while(|&c| c != '\n')
            .all(|c| c.is_whitespace())
    }
}

/// What the statement being read opens with, for `BEGIN … END` bodies.
#[derive(Default)]
struct Words {
    /// The first few words of the statement, upper-cased.
    head: Vec<String>,
    /// Open `BEGIN`/`CASE` blocks in a routine or trigger body.
    depth: usize,
    /// The previous word, upper-cased (`END IF` must not close a block).
    last: String,
    /// [`Words::has_body`], once the head is read.
    body: Option<bool>,
}

/// How many words of a statement's head are kept.
const HEAD: usize = 8;

impl Words {
    /// `CREATE [OR REPLACE] [DEFINER …] TRIGGER|PROCEDURE|FUNCTION|EVENT`: a routine whose
    /// body may hold `;`. A table, index or view named `event` is not one.
    fn has_body(&self) -> bool {
        if let Some(known) = self.body {
            return known;
        }
        if self.head.first().map(String::as_str) != Some("CREATE") {
            return false;
        }
        for w in self.head.iter().skip(1).take(6) {
            match w.as_str() {
                "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT" => return true,
                "TABLE" | "INDEX" | "VIEW" | "SEQUENCE" | "TYPE" | "SCHEMA" | "DOMAIN" => {
                    return false
                }
                _ => {}
            }
        }
        false
    }

    fn word(&mut self, w: &str) {
        if self.head.len() < HEAD {
            self.head.push(w.to_ascii_uppercase());
            if self.head.len() == HEAD {
                self.body = Some(self.has_body());
            }
        } else if self.body == Some(false) {
            // Most statements: nothing after the head is worth a look.
            return;
        }
        let up = w.to_ascii_uppercase();
        if self.has_body() {
            // An `END` closes its block once the next word shows it is not `END IF`,
            // `END LOOP`, `END WHILE` or `END REPEAT` (MySQL compound statements).
            match up.as_str() {
                "BEGIN" | "CASE" if self.last != "END" => self.depth += 1,
                "IF" | "LOOP" | "WHILE" | "REPEAT" if self.last == "END" => {}
                _ if self.last == "END" => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        self.last = up;
    }

    /// `CREATE [OR REPLACE] RULE`: its parenthesized list of actions holds `;` (psql reads
    /// on to the closing parenthesis).
    fn is_rule(&self) -> bool {
        let h: Vec<&str> = self.head.iter().map(String::as_str).take(4).collect();
        matches!(
            h.as_slice(),
            ["CREATE", "RULE", ..] | ["CREATE", "OR", "REPLACE", "RULE"]
        )
    }

    /// At a delimiter: a pending `END` closes its block.
    fn at_delimiter(&mut self) {
        if self.has_body() && self.last == "END" {
            self.depth = self.depth.saturating_sub(1);
            self.last.clear();
        }
    }
}

/// Splits `text` into statements. Text that holds only comments and blanks is no statement.
///
/// In MySQL a backslash escapes the next character of a string (`'it\'s'`, as mysqldump
/// writes it); in standard SQL it is an ordinary character. A mysqldump file (its `/*!`
/// conditional comments) is split the MySQL way first, any other text the standard way;
/// whichever way leaves a string unterminated gives way to the other. (A backquote is no
/// sign of MySQL: it may stand inside a standard string.)
pub fn split(text: &str) -> Result<Vec<Piece>, SplitError> {
    let mysql = text.contains("/*!");
    split_with(text, mysql).or_else(|first| split_with(text, !mysql).map_err(|_| first))
}

/// Like [`split`], for a file whose target dialect is known: a MySQL file's strings take
/// backslash escapes, another dialect's do not; the other way is tried only when that one
/// leaves a string unterminated.
pub fn split_for(text: &str, target: super::Target) -> Result<Vec<Piece>, SplitError> {
    let mysql = match target {
        super::Target::Any => return split(text),
        super::Target::Mysql => true,
        super::Target::Postgres | super::Target::Sqlite => false,
    };
    split_with(text, mysql).or_else(|first| split_with(text, !mysql).map_err(|_| first))
}

fn split_with(text: &str, backslash: bool) -> Result<Vec<Piece>, SplitError> {
    let mut cur = Cursor::new(text);
    let mut out = Vec::new();
    let mut delimiter = ";".to_string();
    // Where the delimiter was last changed from `;`: a file must set it back.
    let mut delimiter_set_at = 0;
    // The statement being read: its first byte, line and column. Its text runs from there
    // to the delimiter (comments and all).
    let mut start: Option<(usize, u64, u64)> = None;
    let mut words = Words::default();
    // The word being read, as a byte range of the text.
    let mut word: Option<usize> = None;
    // Open parentheses of the statement being read.
    let mut parens = 0usize;

    let flush_word = |word: &mut Option<usize>, words: &mut Words, end: usize| {
        if let Some(from) = word.take() {
            words.word(&text[from..end]);
        }
    };

    while let Some(b) = cur.byte(0) {
        // `DELIMITER x` lines (mysql client): change the delimiter, never a statement.
        if start.is_none()
            && (b | 0x20) == b'd'
            && cur.starts_with_ci("delimiter")
            && cur.at_line_start()
        {
            let after = cur.byte(9);
            if after.is_some_and(|a| a == b' ' || a == b'\t') {
                let from = cur.pos;
                while cur.byte(0).is_some_and(|c| c != b'\n') {
                    cur.bump();
                }
                let new = text[from + 9..cur.pos].trim().to_string();
                if new.is_empty() {
                    return Err(SplitError {
                        line: cur.line,
                        col: 1,
                        message: "DELIMITER without a delimiter".into(),
                    });
                }
                delimiter_set_at = cur.line;
                delimiter = new;
                continue;
            }
        }
        // The delimiter ends the statement, unless inside a routine body.
        if cur.starts_with(&delimiter) {
            flush_word(&mut word, &mut words, cur.pos);
            words.at_delimiter();
            let in_rule_actions = parens > 0 && words.is_rule();
            if delimiter != ";" || (words.depth == 0 && !in_rule_actions) {
                let end = cur.pos;
                for _ in 0..delimiter.chars().count() {
                    cur.bump();
                }
                if let Some((from, line, col)) = start.take() {
                    out.push(Piece {
                        text: text[from..end].trim_end().to_string(),
                        line,
                        col,
                    });
                }
                words = Words::default();
                parens = 0;
                continue;
            }
        }
        let (at, line, col) = (cur.pos, cur.line, cur.col);
        // Comments: kept in the statement text (the parser skips them), never start one.
        if (b == b'-' && cur.byte(1) == Some(b'-')) || (b == b'#' && cur.at_line_start()) {
            flush_word(&mut word, &mut words, at);
            cur.pos = text[at..].find('\n').map_or(text.len(), |n| at + n);
            cur.col += text[at..cur.pos].chars().count() as u64;
            continue;
        }
        if b == b'/' && cur.byte(1) == Some(b'*') {
            flush_word(&mut word, &mut words, at);
            // MySQL runs the text of `/*!NNNNN … */`: it is a statement of its own.
            if cur.byte(2) == Some(b'!') && start.is_none() {
                start = Some((at, line, col));
            }
            let mut depth = 0usize;
            loop {
                if cur.starts_with("/*") {
                    depth += 1;
                    cur.skip_ascii(2);
                } else if cur.starts_with("*/") {
                    depth -= 1;
                    cur.skip_ascii(2);
                    if depth == 0 {
                        break;
                    }
                } else if cur.bump().is_none() {
                    return Err(SplitError {
                        line,
                        col,
                        message: "unterminated comment `/*`".into(),
                    });
                }
            }
            continue;
        }
        let c = if b.is_ascii() {
            b as char
        } else {
            cur.peek().unwrap_or(char::REPLACEMENT_CHARACTER)
        };
        if c.is_whitespace() {
            flush_word(&mut word, &mut words, at);
            cur.bump();
            continue;
        }
        if start.is_none() {
            start = Some((at, line, col));
        }
        match c {
            '\'' | '"' | '`' => {
                flush_word(&mut word, &mut words, at);
                quoted(&mut cur, c, backslash && c == '\'')?;
            }
            '$' if !word_char_before(&cur) => {
                if let Some(tag) = dollar_tag(&cur) {
                    flush_word(&mut word, &mut words, at);
                    dollar_quoted(&mut cur, &tag)?;
                } else {
                    cur.bump();
                }
            }
            _ if c.is_alphanumeric() || c == '_' => {
                word.get_or_insert(at);
                cur.bump();
            }
            _ => {
                flush_word(&mut word, &mut words, at);
                match c {
                    '(' => parens += 1,
                    ')' => parens = parens.saturating_sub(1),
                    _ => {}
                }
                cur.bump();
            }
        }
    }
    flush_word(&mut word, &mut words, cur.pos);
    if let Some((from, line, col)) = start {
        let text = text[from..].trim_end().to_string();
        if !text.is_empty() {
            out.push(Piece { text, line, col });
        }
    }
    if delimiter != ";" {
        return Err(SplitError {
            line: delimiter_set_at,
            col: 1,
            message: format!(
                "`DELIMITER {delimiter}` is never set back to `;` (add `DELIMITER ;` after the statements it is for)"
            ),
        });
    }
    Ok(out)
}

fn word_char_before(cur: &Cursor) -> bool {
    cur.text[..cur.pos]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// `$tag$` at the cursor (`$$` included), not a `$1` parameter.
fn dollar_tag(cur: &Cursor) -> Option<String> {
    let rest = cur.text.get(cur.pos + 1..)?;
    for (k, c) in rest.char_indices() {
        if c == '$' {
            return Some(cur.text[cur.pos..cur.pos + 1 + k + 1].to_string());
        }
        let ok = if k == 0 {
            c.is_alphabetic() || c == '_'
        } else {
            c.is_alphanumeric() || c == '_'
        };
        if !ok {
            return None;
        }
    }
    None
}

fn dollar_quoted(cur: &mut Cursor, tag: &str) -> Result<(), SplitError> {
    let (line, col) = (cur.line, cur.col);
    let n = tag.chars().count();
    for _ in 0..n {
        cur.bump();
    }
    loop {
        if cur.starts_with(tag) {
            for _ in 0..n {
                cur.bump();
            }
            return Ok(());
        }
        if cur.bump().is_none() {
            return Err(SplitError {
                line,
                col,
                message: format!("unterminated dollar-quoted string `{tag}`"),
            });
        }
    }
}

/// A quoted string or identifier; the quote doubled stands for itself, and with
/// `backslash` a backslash escapes the next character.
fn quoted(cur: &mut Cursor, q: char, backslash: bool) -> Result<(), SplitError> {
    let (line, col) = (cur.line, cur.col);
    cur.bump();
    loop {
        match cur.bump() {
            Some('\\') if backslash => {
                cur.bump();
            }
            Some(c) if c == q => {
                if cur.peek() == Some(q) {
                    cur.bump();
                    continue;
                }
                return Ok(());
            }
            Some(_) => {}
            None => {
                let what = match q {
                    '\'' => "string",
                    _ => "quoted identifier",
                };
                return Err(SplitError {
                    line,
                    col,
                    message: format!("unterminated {what} starting with `{q}`"),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        split(sql)
            .map(|v| v.into_iter().map(|p| p.text).collect())
            .unwrap_or_else(|e| vec![format!("error: {}", e.message)])
    }

    #[test]
    fn splits_on_semicolons_outside_quotes_and_comments() {
        assert_eq!(
            texts("CREATE TABLE a (x TEXT DEFAULT ';');\n-- c; d\nSELECT 'it''s; fine' /* ; */;"),
            vec![
                "CREATE TABLE a (x TEXT DEFAULT ';')",
                "SELECT 'it''s; fine' /* ; */"
            ]
        );
    }

    #[test]
    fn a_rules_list_of_actions_keeps_its_semicolons() {
        let sql = "CREATE RULE r AS ON INSERT TO w DO INSTEAD ( INSERT INTO u (id)\n  VALUES (new.id);\n NOTIFY x;\n);\nCREATE TABLE z (id INT);\nSELECT (1;\nSELECT 2;";
        let t = texts(sql);
        assert_eq!(t.len(), 4, "{t:?}");
        assert!(t[0].ends_with("NOTIFY x;\n)"), "{t:?}");
    }

    #[test]
    fn dollar_quotes_and_parameters() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END $body$ LANGUAGE plpgsql;\nSELECT $1;";
        assert_eq!(texts(sql).len(), 2);
        assert!(texts(sql)[0].ends_with("LANGUAGE plpgsql"));
        assert_eq!(texts("SELECT $$a;b$$;").len(), 1);
    }

    #[test]
    fn trigger_bodies_keep_their_semicolons() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n UPDATE a SET x = CASE WHEN 1 THEN 2 END;\n DELETE FROM b;\nEND;\nCREATE TABLE z (id INT);";
        let t = texts(sql);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[0].ends_with("END"), "{t:?}");
        let mysql = "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; WHILE 0 DO SELECT 2; END WHILE; END;\nSELECT 3;";
        assert_eq!(texts(mysql).len(), 2, "{:?}", texts(mysql));
    }

    #[test]
    fn delimiter_blocks_and_conditional_comments() {
        let sql = "/*!40101 SET NAMES utf8 */;\nDELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n SET NEW.x = 1;\nEND;;\nDELIMITER ;\n# a comment\nLOCK TABLES a WRITE;";
        let t = texts(sql);
        assert_eq!(t.len(), 3, "{t:?}");
        assert_eq!(t[0], "/*!40101 SET NAMES utf8 */");
        assert!(t[1].starts_with("CREATE TRIGGER") && t[1].ends_with("END"));
        assert_eq!(t[2], "LOCK TABLES a WRITE");
    }

    #[test]
    fn backslash_escapes_where_the_text_is_mysql() {
        // mysqldump: a backslash escapes the quote.
        assert_eq!(
            texts("CREATE TABLE `t` (c text CHECK (c <> 'it\\'s'));\nSELECT 1;").len(),
            2
        );
        // A backquote inside a standard string does not make the text MySQL.
        assert_eq!(
            texts("COMMENT ON COLUMN t.c IS '\\''''); DROP TABLE v; --`';\nSELECT 1;").len(),
            2
        );
        // Standard SQL: a backslash is a character, and the string ends at the quote.
        assert_eq!(
            texts("INSERT INTO t VALUES ('C:\\');\nSELECT 1;"),
            vec!["INSERT INTO t VALUES ('C:\\')", "SELECT 1"]
        );
    }

    #[test]
    fn positions_and_unterminated_input() {
        let p = split("\n\n  SELECT 1;\nSELECT 2").unwrap_or_default();
        assert_eq!((p[0].line, p[0].col), (3, 3));
        assert_eq!((p[1].line, p[1].col), (4, 1));
        assert!(texts("SELECT 'abc")
            .first()
            .is_some_and(|e| e.contains("unterminated string")));
        assert!(texts("SELECT $x$ abc")
            .first()
            .is_some_and(|e| e.contains("dollar")));
    }
}
