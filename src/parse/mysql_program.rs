//! MySQL/MariaDB stored programs (`CREATE TRIGGER | PROCEDURE | FUNCTION | EVENT`), read
//! from a schema file's statement or from the statement sqlshift rebuilds from the catalog,
//! into the canonical parts of [`Program`]. The body is kept as text: the server keeps it
//! as written, and so compares it.
//!
//! The server's own client (`mariadb`, `mysql`) takes comments out of a statement before it
//! sends it (`--skip-comments`, its default): [`client_text`] does the same, so the body
//! sqlshift creates is the body the client creates.

use crate::model::{Program, ProgramKind, ProgramParam, QName};

/// `FOLLOWS t` / `PRECEDES t` of a trigger: where it goes among the triggers of its table
/// with the same timing and event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerOrder {
    Follows(String),
    Precedes(String),
}

/// A statement read: the program, and a trigger's ordering clause.
#[derive(Debug, Clone)]
pub struct Read {
    pub program: Program,
    pub order: Option<TriggerOrder>,
    /// The `DEFINER` the statement names, as written (`` `root`@`localhost` ``).
    pub definer: Option<String>,
}

/// How an error starts when the statement is another dialect's (PostgreSQL's `LANGUAGE
/// plpgsql … AS $$ … $$`, `EXECUTE FUNCTION f()`): such a statement is left alone.
pub const NOT_MYSQL: &str = "not a MySQL statement";

/// True for the first words of a `CREATE … TRIGGER | PROCEDURE | FUNCTION | EVENT`.
pub fn is_program_statement(head: &[String]) -> bool {
    head.first().map(String::as_str) == Some("CREATE")
        && head
            .iter()
            .skip(1)
            .take(8)
            .any(|w| matches!(w.as_str(), "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT"))
        && !head
            .iter()
            .any(|w| w == "TABLE" || w == "VIEW" || w == "INDEX")
}

/// `text` as the `mariadb`/`mysql` client sends it: `#`, `-- ` and `/* … */` comments taken
/// out (a `/* … */` between two words leaves a blank), quoted text and the conditional
/// comments the server runs (`/*! … */`, `/*M! … */`) kept.
pub fn client_text(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut i, n) = (0, chars.len());
    let mut need_space = false;
    while i < n {
        let c = chars[i];
        let at = |k: usize| chars.get(k).copied();
        if matches!(c, '\'' | '"' | '`') {
            if need_space {
                out.push(' ');
                need_space = false;
            }
            out.push(c);
            i += 1;
            while i < n {
                let d = chars[i];
                out.push(d);
                i += 1;
                if d == '\\' && c != '`' && i < n {
                    out.push(chars[i]);
                    i += 1;
                } else if d == c {
                    if at(i) == Some(c) {
                        out.push(c);
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            continue;
        }
        let dash = c == '-' && at(i + 1) == Some('-') && at(i + 2).is_none_or(char::is_whitespace);
        if c == '#' || dash {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && at(i + 1) == Some('*') {
            let kept = at(i + 2) == Some('!') || (at(i + 2) == Some('M') && at(i + 3) == Some('!'));
            if !kept {
                // To the closing `*/`, the lines it spans too.
                i += 2;
                while i < n && !(chars[i] == '*' && at(i + 1) == Some('/')) {
                    i += 1;
                }
                i = (i + 2).min(n);
                need_space = true;
                continue;
            }
        }
        if need_space && !c.is_whitespace() {
            out.push(' ');
        }
        need_space = false;
        out.push(c);
        i += 1;
    }
    out
}

/// The body as compared: conditional-comment markers out (the server runs their text),
/// blanks outside quotes folded to one space, no blank at either end.
pub fn canonical_body(text: &str) -> String {
    let unwrapped = super::without_conditional_markers(text);
    fold_blanks(unwrapped.as_deref().unwrap_or(text), true)
}

/// `text` with every run of blanks outside quotes one space, none at either end, and no
/// trailing `;`. With `backslash`, a backslash escapes the next character of a quote.
pub fn fold_blanks(text: &str, backslash: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut blank = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            blank = true;
            i += 1;
            continue;
        }
        if blank && !out.is_empty() {
            out.push(' ');
        }
        blank = false;
        out.push(c);
        i += 1;
        if matches!(c, '\'' | '"' | '`') {
            while i < chars.len() {
                let d = chars[i];
                out.push(d);
                i += 1;
                if backslash && d == '\\' && c != '`' && i < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                } else if d == c {
                    if chars.get(i) == Some(&c) {
                        out.push(c);
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
        }
    }
    out.trim_end_matches(';').trim_end().to_string()
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    /// Quote character and the value, unescaped.
    Quoted(char, String),
    Punct(char),
}

/// Tokens with the byte offset each starts at.
fn tokens(text: &str) -> Vec<(Tok, usize)> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((at, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        if c.is_alphanumeric() || c == '_' || c == '$' {
            let mut w = c.to_string();
            while let Some(&(_, d)) = it.peek() {
                if d.is_alphanumeric() || d == '_' || d == '$' {
                    w.push(d);
                    it.next();
                } else {
                    break;
                }
            }
            out.push((Tok::Word(w), at));
        } else if matches!(c, '\'' | '"' | '`') {
            let mut v = String::new();
            while let Some((_, d)) = it.next() {
                if d == '\\' && c != '`' {
                    if let Some((_, e)) = it.next() {
                        v.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            'Z' => '\u{1a}',
                            other => other,
                        });
                    }
                } else if d == c {
                    if it.peek().map(|p| p.1) == Some(c) {
                        v.push(c);
                        it.next();
                    } else {
                        break;
                    }
                } else {
                    v.push(d);
                }
            }
            out.push((Tok::Quoted(c, v), at));
        } else {
            out.push((Tok::Punct(c), at));
        }
    }
    out
}

struct Reader<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    k: usize,
}

impl Reader<'_> {
    fn word_at(&self, k: usize) -> Option<String> {
        match self.toks.get(k) {
            Some((Tok::Word(w), _)) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn is(&self, w: &str) -> bool {
        self.word_at(self.k).as_deref() == Some(w)
    }

    fn eat(&mut self, w: &str) -> bool {
        if self.is(w) {
            self.k += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, w: &str) -> Result<(), String> {
        if self.eat(w) {
            Ok(())
        } else {
            Err(format!("expected {w} {}", self.here()))
        }
    }

    fn punct(&self, c: char) -> bool {
        matches!(self.toks.get(self.k), Some((Tok::Punct(p), _)) if *p == c)
    }

    fn here(&self) -> String {
        match self.toks.get(self.k) {
            Some((_, at)) => {
                let rest: String = self.text[*at..].chars().take(30).collect();
                format!(
                    "at `{}`",
                    rest.split_whitespace().collect::<Vec<_>>().join(" ")
                )
            }
            None => "at the end of the statement".into(),
        }
    }

    /// An identifier, possibly qualified (`db.name`): the last part.
    fn name(&mut self) -> Result<String, String> {
        let mut name = self.one_name()?;
        while self.punct('.') {
            self.k += 1;
            name = self.one_name()?;
        }
        Ok(name)
    }

    fn one_name(&mut self) -> Result<String, String> {
        let got = match self.toks.get(self.k) {
            Some((Tok::Word(w), _)) => w.trim_start_matches('.').to_string(),
            Some((Tok::Quoted('`' | '"', v), _)) => v.clone(),
            _ => return Err(format!("expected a name {}", self.here())),
        };
        self.k += 1;
        Ok(got)
    }

    fn string(&mut self) -> Result<String, String> {
        match self.toks.get(self.k) {
            Some((Tok::Quoted('\'' | '"', v), _)) => {
                let v = v.clone();
                self.k += 1;
                Ok(v)
            }
            _ => Err(format!("expected a quoted string {}", self.here())),
        }
    }

    fn offset(&self) -> usize {
        self.toks.get(self.k).map_or(self.text.len(), |t| t.1)
    }

    /// Past a balanced `( … )` starting at the cursor; the text inside.
    fn group(&mut self) -> Result<&str, String> {
        if !self.punct('(') {
            return Err(format!("expected `(` {}", self.here()));
        }
        let start = self.toks[self.k].1 + 1;
        let mut depth = 0usize;
        while let Some((t, at)) = self.toks.get(self.k) {
            self.k += 1;
            match t {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(&self.text[start..*at]);
                    }
                }
                _ => {}
            }
        }
        Err("unbalanced parentheses".into())
    }
}

/// Reads one `CREATE …` stored-program statement (the text a file or the catalog holds;
/// comments are taken out first, as the client does).
pub fn program(statement: &str) -> Result<Read, String> {
    let sent = client_text(statement);
    let unwrapped = super::without_conditional_markers(&sent);
    let text = unwrapped.as_deref().unwrap_or(&sent).trim();
    let mut r = Reader {
        text,
        toks: tokens(text),
        k: 0,
    };
    r.expect("CREATE")?;
    if r.eat("OR") {
        r.expect("REPLACE")?;
    }
    let mut definer = None;
    if r.eat("DEFINER") {
        if r.punct('=') {
            r.k += 1;
        }
        let from = r.offset();
        if r.eat("CURRENT_USER") {
            if r.punct('(') {
                r.group()?;
            }
        } else {
            r.k += 1;
            if r.punct('@') {
                r.k += 2;
            }
        }
        definer = Some(text[from..r.offset()].trim().to_string());
    }
    // The statement as sqlshift runs it: from the object word on (no OR REPLACE, no DEFINER).
    let kind_at = r.k;
    let kind = match r.word_at(r.k).as_deref() {
        Some("TRIGGER") => ProgramKind::Trigger,
        Some("PROCEDURE") => ProgramKind::Procedure,
        Some("FUNCTION") => ProgramKind::Function,
        Some("EVENT") => ProgramKind::Event,
        Some("AGGREGATE") => return Err("aggregate functions are not managed".into()),
        _ => {
            return Err(format!(
                "expected TRIGGER, PROCEDURE, FUNCTION or EVENT {}",
                r.here()
            ))
        }
    };
    r.k += 1;
    if r.is("IF") {
        r.k += 1;
        r.expect("NOT")?;
        r.expect("EXISTS")?;
    }
    let name_at = r.offset();
    let name = r.name()?;
    let mut p = Program::new(kind, name);
    let mut order = None;
    match kind {
        ProgramKind::Procedure | ProgramKind::Function => {
            let list = r.group()?.to_string();
            p.params = params(&list, kind)?;
            if kind == ProgramKind::Function {
                r.expect("RETURNS")?;
                if matches!(
                    r.word_at(r.k).as_deref(),
                    Some("TRIGGER" | "SETOF" | "TABLE" | "VOID" | "EVENT_TRIGGER")
                ) {
                    return Err(format!(
                        "{NOT_MYSQL}: RETURNS {}",
                        r.word_at(r.k).unwrap_or_default()
                    ));
                }
                let from = r.offset();
                type_words(&mut r)?;
                let spelled = text[from..r.offset()].trim();
                p.returns = Some(param_type(String::new(), String::new(), spelled)?);
            }
            characteristics(&mut r, &mut p)?;
            if r.is("AS") {
                return Err(format!("{NOT_MYSQL}: a quoted body (AS …)"));
            }
        }
        ProgramKind::Trigger => {
            let timing = r.word_at(r.k).unwrap_or_default();
            if !matches!(timing.as_str(), "BEFORE" | "AFTER") {
                return Err(format!("expected BEFORE or AFTER {}", r.here()));
            }
            r.k += 1;
            let event = r.word_at(r.k).unwrap_or_default();
            if !matches!(event.as_str(), "INSERT" | "UPDATE" | "DELETE") {
                return Err(format!("expected INSERT, UPDATE or DELETE {}", r.here()));
            }
            r.k += 1;
            r.expect("ON")?;
            p.table = Some(QName::new("", r.name()?));
            r.expect("FOR")?;
            r.expect("EACH")?;
            if r.is("STATEMENT") {
                return Err(format!("{NOT_MYSQL}: FOR EACH STATEMENT"));
            }
            r.expect("ROW")?;
            p.attributes.insert("timing".into(), timing.to_lowercase());
            p.attributes.insert("event".into(), event.to_lowercase());
            if r.is("FOLLOWS") || r.is("PRECEDES") {
                let follows = r.is("FOLLOWS");
                r.k += 1;
                let other = r.name()?;
                order = Some(if follows {
                    TriggerOrder::Follows(other)
                } else {
                    TriggerOrder::Precedes(other)
                });
            }
        }
        ProgramKind::Event => {
            r.expect("ON")?;
            r.expect("SCHEDULE")?;
            schedule(&mut r, &mut p)?;
            if r.is("ON") && r.word_at(r.k + 1).as_deref() == Some("COMPLETION") {
                r.k += 2;
                let not = r.eat("NOT");
                r.expect("PRESERVE")?;
                if !not {
                    p.attributes
                        .insert("on completion".into(), "preserve".into());
                }
            }
            if r.eat("ENABLE") {
            } else if r.eat("DISABLE") {
                let status = if r.is("ON") {
                    r.k += 1;
                    r.expect("SLAVE")?;
                    "slaveside_disabled"
                } else {
                    "disabled"
                };
                p.attributes.insert("status".into(), status.into());
            }
            if r.eat("COMMENT") {
                let c = r.string()?;
                if !c.is_empty() {
                    p.attributes.insert("comment".into(), c);
                }
            }
            r.expect("DO")?;
        }
    }
    if kind == ProgramKind::Trigger && r.is("EXECUTE") {
        return Err(format!("{NOT_MYSQL}: EXECUTE FUNCTION"));
    }
    let body_at = r.offset();
    if body_at >= text.len() {
        return Err("the statement has no body".into());
    }
    let body = text[body_at..].trim_end();
    p.body = canonical_body(body);
    p.needs = calls(&r.toks[r.k..]);
    // The statement sqlshift runs: CREATE, the object word onwards, with a trigger's
    // ordering clause left out (the planner creates triggers in their order).
    let head_end = if kind == ProgramKind::Trigger && order.is_some() {
        let k = r.toks[..r.k]
            .iter()
            .rposition(|(t, _)| matches!(t, Tok::Word(w) if w.eq_ignore_ascii_case("FOLLOWS") || w.eq_ignore_ascii_case("PRECEDES")))
            .unwrap_or(r.k);
        r.toks[k].1
    } else {
        body_at
    };
    let kind_offset = r.toks.get(kind_at).map_or(0, |t| t.1);
    let _ = name_at;
    p.sql = format!("CREATE {} {}", text[kind_offset..head_end].trim_end(), body);
    Ok(Read {
        program: p,
        order,
        definer,
    })
}

/// The parameter list of a procedure or function.
fn params(list: &str, kind: ProgramKind) -> Result<Vec<ProgramParam>, String> {
    let mut out = Vec::new();
    for part in split_top(list) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let mut r = Reader {
            text: part,
            toks: tokens(part),
            k: 0,
        };
        let mode = if r.eat("INOUT") {
            "inout"
        } else if r.eat("OUT") {
            "out"
        } else if r.eat("IN") {
            if r.eat("OUT") {
                "inout"
            } else {
                "in"
            }
        } else {
            "in"
        };
        if kind == ProgramKind::Function && mode != "in" {
            // MariaDB 10.8+ accepts OUT/INOUT function parameters; they are kept.
        }
        let name = r.one_name()?;
        let spelled = part[r.offset()..].trim();
        if spelled.is_empty() {
            return Err(format!("parameter `{name}` has no type"));
        }
        out.push(param_type(mode.to_string(), name.to_lowercase(), spelled)?);
    }
    Ok(out)
}

/// Splits at commas outside parentheses and quotes.
fn split_top(list: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start, mut quote) = (0i32, 0, None::<char>);
    let mut it = list.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        match (quote, c) {
            (Some(q), '\\') if q != '`' => {
                it.next();
            }
            (Some(q), d) if d == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&list[start..]);
    out
}

/// Past the words of a data type (`DECIMAL(10,2) UNSIGNED`, `VARCHAR(20) CHARSET latin1
/// COLLATE latin1_bin`, `DOUBLE PRECISION`), which end where a characteristic or the body
/// starts.
fn type_words(r: &mut Reader) -> Result<(), String> {
    if r.word_at(r.k).is_none() {
        return Err(format!("expected a data type {}", r.here()));
    }
    r.k += 1;
    loop {
        if r.punct('(') {
            r.group()?;
            continue;
        }
        match r.word_at(r.k).as_deref() {
            Some(
                "UNSIGNED" | "SIGNED" | "ZEROFILL" | "PRECISION" | "VARYING" | "VARCHAR"
                | "VARBINARY" | "CHAR" | "BINARY" | "ASCII" | "UNICODE" | "BYTE",
            ) => r.k += 1,
            Some("CHARACTER") if r.word_at(r.k + 1).as_deref() == Some("SET") => r.k += 3,
            Some("CHARACTER") => r.k += 1,
            Some("CHARSET" | "COLLATE") => r.k += 2,
            _ => return Ok(()),
        }
    }
}

/// A parameter (or result) type in the catalog's spelling: `int(11)`, `decimal(10,2)
/// unsigned`, `varchar(20)`, with its character set and collation apart.
pub fn param_type(mode: String, name: String, spelled: &str) -> Result<ProgramParam, String> {
    let toks = tokens(spelled);
    let mut base = String::new();
    let (mut charset, mut collation) = (None, None);
    let mut k = 0;
    let word = |k: usize| match toks.get(k) {
        Some((Tok::Word(w), _)) => Some(w.to_ascii_lowercase()),
        Some((Tok::Quoted(_, v), _)) => Some(v.to_ascii_lowercase()),
        _ => None,
    };
    let mut end = spelled.len();
    while k < toks.len() {
        match word(k).as_deref() {
            Some("character") if word(k + 1).as_deref() == Some("set") => {
                end = end.min(toks[k].1);
                charset = word(k + 2);
                k += 3;
            }
            Some("charset") => {
                end = end.min(toks[k].1);
                charset = word(k + 1);
                k += 2;
            }
            Some("collate") => {
                end = end.min(toks[k].1);
                collation = word(k + 1);
                k += 2;
            }
            _ => k += 1,
        }
    }
    base.push_str(spelled[..end].trim());
    let mut data_type = canonical_type(&base);
    // `BINARY`/`ASCII`/`UNICODE` after a character type name a character set.
    for (word, cs) in [(" ascii", "latin1"), (" unicode", "ucs2")] {
        if let Some(stripped) = data_type.strip_suffix(word) {
            data_type = stripped.to_string();
            charset = Some(cs.into());
        }
    }
    if let Some(cs) = charset.as_mut() {
        if cs == "utf8" {
            *cs = "utf8mb3".into();
        }
    }
    Ok(ProgramParam {
        mode,
        name,
        data_type,
        charset,
        collation,
    })
}

/// A type as `information_schema.PARAMETERS.DTD_IDENTIFIER` spells it (`INT` is
/// `int(11)`, `BOOL` `tinyint(1)`, `DEC` `decimal(10,0)`, `CHAR` `char(1)`, `FLOAT(30)`
/// `double`): lower case, aliases resolved, integer display widths filled in.
pub fn canonical_type(spelled: &str) -> String {
    let lower = lower_outside_quotes(spelled.trim());
    let (head, args) = match lower.find('(') {
        Some(at) => {
            let close = lower[at..].find(')').map_or(lower.len(), |c| at + c + 1);
            (
                format!("{} {}", &lower[..at], &lower[close..]),
                Some(lower[at + 1..close - 1].replace(' ', "")),
            )
        }
        None => (lower.clone(), None),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let flag = |w: &str| words.contains(&w);
    let zerofill = flag("zerofill");
    let unsigned = flag("unsigned") || zerofill;
    let base: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "unsigned" | "signed" | "zerofill"))
        .collect();
    let base = base.join(" ");
    let int_width = |signed: u32, unsigned_w: u32| {
        let w = args
            .clone()
            .unwrap_or_else(|| (if unsigned { unsigned_w } else { signed }).to_string());
        format!("({w})")
    };
    let suffix = match (unsigned, zerofill) {
        (_, true) => " unsigned zerofill",
        (true, false) => " unsigned",
        _ => "",
    };
    let t = match base.as_str() {
        "tinyint" | "int1" => format!("tinyint{}", int_width(4, 3)),
        "bool" | "boolean" => "tinyint(1)".into(),
        "smallint" | "int2" => format!("smallint{}", int_width(6, 5)),
        "mediumint" | "int3" | "middleint" => format!("mediumint{}", int_width(9, 8)),
        "int" | "integer" | "int4" => format!("int{}", int_width(11, 10)),
        "bigint" | "int8" => format!("bigint{}", int_width(20, 20)),
        "serial" => "bigint(20) unsigned".into(),
        "decimal" | "dec" | "numeric" | "fixed" => match args.as_deref() {
            None => "decimal(10,0)".into(),
            Some(a) if !a.contains(',') => format!("decimal({a},0)"),
            Some(a) => format!("decimal({a})"),
        },
        "float" => match args.as_deref() {
            Some(a) if !a.contains(',') => {
                if a.parse::<u32>().unwrap_or(0) > 24 {
                    "double".into()
                } else {
                    "float".into()
                }
            }
            Some(a) => format!("float({a})"),
            None => "float".into(),
        },
        "double" | "double precision" | "real" | "float8" => match args.as_deref() {
            Some(a) => format!("double({a})"),
            None => "double".into(),
        },
        "float4" => "float".into(),
        "char" | "character" | "nchar" | "national char" | "national character" => {
            format!("char({})", args.as_deref().unwrap_or("1"))
        }
        "varchar"
        | "character varying"
        | "char varying"
        | "nvarchar"
        | "national varchar"
        | "national char varying"
        | "national character varying"
        | "nchar varchar"
        | "nchar varying" => format!("varchar({})", args.as_deref().unwrap_or("")),
        "binary" => format!("binary({})", args.as_deref().unwrap_or("1")),
        "char byte" => format!("binary({})", args.as_deref().unwrap_or("1")),
        "long" | "long varchar" | "long char varying" | "long character varying" => {
            "mediumtext".into()
        }
        "long varbinary" => "mediumblob".into(),
        "bit" => format!("bit({})", args.as_deref().unwrap_or("1")),
        "year" => "year(4)".into(),
        "enum" | "set" => format!("{base}({})", args.as_deref().unwrap_or("")),
        other => match &args {
            Some(a) => format!("{other}({a})"),
            None => other.to_string(),
        },
    };
    // Floating and fixed types keep `unsigned` too (MySQL shows it).
    format!("{t}{suffix}")
}

/// `text` lower-cased, but for quoted values (ENUM labels keep their case).
fn lower_outside_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"') => quote = Some(c),
            None => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// The characteristics of a procedure or function, up to its body.
fn characteristics(r: &mut Reader, p: &mut Program) -> Result<(), String> {
    loop {
        match r.word_at(r.k).as_deref() {
            Some("COMMENT") => {
                r.k += 1;
                let c = r.string()?;
                if !c.is_empty() {
                    p.attributes.insert("comment".into(), c);
                }
            }
            Some("LANGUAGE") => {
                r.k += 1;
                if !r.eat("SQL") {
                    return Err(format!(
                        "{NOT_MYSQL}: LANGUAGE {}",
                        r.word_at(r.k).unwrap_or_default()
                    ));
                }
            }
            Some("DETERMINISTIC") => {
                r.k += 1;
                p.attributes.insert("deterministic".into(), "yes".into());
            }
            Some("NOT") if r.word_at(r.k + 1).as_deref() == Some("DETERMINISTIC") => {
                r.k += 2;
                p.attributes.remove("deterministic");
            }
            Some("CONTAINS") => {
                r.k += 1;
                r.expect("SQL")?;
                p.attributes.remove("sql data access");
            }
            Some("NO") if r.word_at(r.k + 1).as_deref() == Some("SQL") => {
                r.k += 2;
                p.attributes
                    .insert("sql data access".into(), "no sql".into());
            }
            Some(w @ ("READS" | "MODIFIES")) => {
                let access = format!("{} sql data", w.to_ascii_lowercase());
                r.k += 1;
                r.expect("SQL")?;
                r.expect("DATA")?;
                p.attributes.insert("sql data access".into(), access);
            }
            Some("SQL") if r.word_at(r.k + 1).as_deref() == Some("SECURITY") => {
                r.k += 2;
                if r.eat("INVOKER") {
                    p.attributes.insert("security".into(), "invoker".into());
                } else {
                    r.expect("DEFINER")?;
                    p.attributes.remove("security");
                }
            }
            _ => return Ok(()),
        }
    }
}

/// Event schedule: `AT ts` or `EVERY n unit [STARTS ts] [ENDS ts]`. A time the statement
/// computes (`CURRENT_TIMESTAMP + INTERVAL 1 DAY`) or leaves out is `?`: the server fixes
/// it when the event is made, and it is taken from the live event (see `reconcile`).
fn schedule(r: &mut Reader, p: &mut Program) -> Result<(), String> {
    let stop = |r: &Reader| {
        matches!(
            r.word_at(r.k).as_deref(),
            Some("STARTS" | "ENDS" | "ON" | "ENABLE" | "DISABLE" | "COMMENT" | "DO")
        )
    };
    let time = |r: &mut Reader| -> String {
        let from = r.k;
        while r.k < r.toks.len() && !stop(r) {
            r.k += 1;
        }
        match &r.toks[from..r.k] {
            [(Tok::Quoted('\'' | '"', v), _)] => canonical_time(v),
            _ => "?".into(),
        }
    };
    if r.eat("AT") {
        let at = time(r);
        p.attributes.insert("at".into(), at);
        return Ok(());
    }
    r.expect("EVERY")?;
    let value = match r.toks.get(r.k) {
        Some((Tok::Word(w), _)) => w.clone(),
        Some((Tok::Quoted(_, v), _)) => v.clone(),
        _ => return Err(format!("expected an interval {}", r.here())),
    };
    r.k += 1;
    let unit = r
        .word_at(r.k)
        .ok_or_else(|| format!("expected an interval unit {}", r.here()))?;
    r.k += 1;
    // The catalog keeps a quoted interval with its quotes (`'1:30'`).
    let value = value.trim().trim_matches('\'');
    p.attributes
        .insert("every".into(), format!("{value} {unit}"));
    p.attributes.insert("starts".into(), "?".into());
    if r.eat("STARTS") {
        let s = time(r);
        p.attributes.insert("starts".into(), s);
    }
    if r.eat("ENDS") {
        let e = time(r);
        p.attributes.insert("ends".into(), e);
    }
    Ok(())
}

/// `2030-01-01` as `2030-01-01 00:00:00`, `2030-1-2 3:4:5` as `2030-01-02 03:04:05`, as
/// the catalog shows a DATETIME; anything else as written.
pub fn canonical_time(v: &str) -> String {
    let v = v.trim();
    let (date, time) = v.split_once([' ', 'T']).unwrap_or((v, "00:00:00"));
    let d: Vec<&str> = date.split('-').collect();
    let (t, frac) = time.split_once('.').unwrap_or((time, ""));
    let t: Vec<&str> = t.split(':').collect();
    let num = |s: &str| s.parse::<u32>().ok();
    match (d.as_slice(), t.as_slice()) {
        ([y, mo, da], [h, mi, s]) | ([y, mo, da], [h, mi, s, ..]) => {
            match (num(y), num(mo), num(da), num(h), num(mi), num(s)) {
                (Some(y), Some(mo), Some(da), Some(h), Some(mi), Some(s)) => {
                    let frac = frac.trim_end_matches('0');
                    let frac = if frac.is_empty() {
                        String::new()
                    } else {
                        format!(".{frac}")
                    };
                    format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}{frac}")
                }
                _ => v.to_string(),
            }
        }
        ([y, mo, da], [h, mi]) => match (num(y), num(mo), num(da), num(h), num(mi)) {
            (Some(y), Some(mo), Some(da), Some(h), Some(mi)) => {
                format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:00")
            }
            _ => v.to_string(),
        },
        _ => v.to_string(),
    }
}

/// Names the body calls: `f(` (a function) and `CALL p` (a procedure), by program key.
/// Built-in functions come along; they match no program and order nothing.
fn calls(toks: &[(Tok, usize)]) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for (i, (t, _)) in toks.iter().enumerate() {
        let name = match t {
            Tok::Word(w) => w.clone(),
            Tok::Quoted('`', v) => v.clone(),
            _ => continue,
        };
        let before = i
            .checked_sub(1)
            .and_then(|j| match &toks[j].0 {
                Tok::Word(w) => Some(w.to_ascii_uppercase()),
                _ => None,
            })
            .unwrap_or_default();
        if before == "CALL" {
            out.insert(Program::key_of(ProgramKind::Procedure, &name, false));
        } else if matches!(toks.get(i + 1), Some((Tok::Punct('('), _))) {
            out.insert(Program::key_of(ProgramKind::Function, &name, false));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_as_the_client_takes_them_out() {
        assert_eq!(
            client_text("SELECT 1/*x*/+2, 'a#b', \"c -- d\", `e#`; # tail\nSELECT 3--4\n; SELECT 5 /*! +1 */;  -- x\nEND"),
            "SELECT 1 +2, 'a#b', \"c -- d\", `e#`; \nSELECT 3--4\n; SELECT 5 /*! +1 */;  \nEND"
        );
        assert_eq!(client_text("  /* block */\n  x"), "  \n  x");
        assert_eq!(client_text("'it\\'s # not' # gone"), "'it\\'s # not' ");
    }

    #[test]
    fn routines_read_into_canonical_parts() {
        let r = program("CREATE DEFINER=`root`@`localhost` PROCEDURE rewards_report (\n IN min_monthly_purchases TINYINT UNSIGNED\n , IN amount DECIMAL(10,2) UNSIGNED, OUT count_rewardees INT)\nLANGUAGE SQL NOT DETERMINISTIC READS SQL DATA SQL SECURITY DEFINER COMMENT 'Provides a report'\nproc: BEGIN\n  # check\n  LEAVE proc;\nEND").unwrap();
        let p = &r.program;
        assert_eq!(r.definer.as_deref(), Some("`root`@`localhost`"));
        assert_eq!(p.kind, ProgramKind::Procedure);
        assert_eq!(p.params[0].data_type, "tinyint(3) unsigned");
        assert_eq!(p.params[1].data_type, "decimal(10,2) unsigned");
        assert_eq!(p.params[2].mode, "out");
        assert_eq!(p.params[2].data_type, "int(11)");
        assert_eq!(
            p.attributes.get("sql data access").map(String::as_str),
            Some("reads sql data")
        );
        assert_eq!(
            p.attributes.get("comment").map(String::as_str),
            Some("Provides a report")
        );
        assert!(!p.attributes.contains_key("security"));
        assert_eq!(p.body, "proc: BEGIN LEAVE proc; END");
        assert!(
            p.sql.starts_with("CREATE PROCEDURE rewards_report ("),
            "{}",
            p.sql
        );
        let f =
            program("CREATE FUNCTION f(p INT) RETURNS BOOLEAN DETERMINISTIC RETURN p > 0 AND g(p)")
                .unwrap()
                .program;
        assert_eq!(
            f.returns.as_ref().map(|r| r.data_type.as_str()),
            Some("tinyint(1)")
        );
        assert_eq!(f.body, "RETURN p > 0 AND g(p)");
        assert!(f.needs.contains("function g"));
        let v = program("CREATE FUNCTION v(a VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin) RETURNS CHAR CHARSET ascii NO SQL RETURN 'a'").unwrap().program;
        assert_eq!(v.params[0].data_type, "varchar(20)");
        assert_eq!(v.params[0].charset.as_deref(), Some("latin1"));
        assert_eq!(v.params[0].collation.as_deref(), Some("latin1_bin"));
        assert_eq!(
            v.returns.as_ref().and_then(|r| r.charset.as_deref()),
            Some("ascii")
        );
    }

    #[test]
    fn triggers_and_events() {
        let t = program("/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `ins_film` AFTER INSERT ON `film` FOR EACH ROW BEGIN\n INSERT INTO film_text VALUES (new.film_id);\n END */").unwrap();
        assert_eq!(t.program.table, Some(QName::new("", "film")));
        assert_eq!(
            t.program.body,
            "BEGIN INSERT INTO film_text VALUES (new.film_id); END"
        );
        let o =
            program("CREATE TRIGGER b BEFORE UPDATE ON t FOR EACH ROW PRECEDES a SET NEW.x = 1")
                .unwrap();
        assert_eq!(o.order, Some(TriggerOrder::Precedes("a".into())));
        assert_eq!(
            o.program.sql,
            "CREATE TRIGGER b BEFORE UPDATE ON t FOR EACH ROW SET NEW.x = 1"
        );
        let e = program("CREATE EVENT IF NOT EXISTS e ON SCHEDULE EVERY 1 HOUR STARTS '2030-01-01' ON COMPLETION PRESERVE DISABLE COMMENT 'c' DO DELETE FROM t").unwrap().program;
        assert_eq!(
            e.attributes.get("every").map(String::as_str),
            Some("1 HOUR")
        );
        assert_eq!(
            e.attributes.get("starts").map(String::as_str),
            Some("2030-01-01 00:00:00")
        );
        assert_eq!(
            e.attributes.get("status").map(String::as_str),
            Some("disabled")
        );
        assert_eq!(e.body, "DELETE FROM t");
        let at = program(
            "CREATE EVENT e2 ON SCHEDULE AT CURRENT_TIMESTAMP + INTERVAL 1 DAY DO SELECT 1",
        )
        .unwrap()
        .program;
        assert_eq!(at.attributes.get("at").map(String::as_str), Some("?"));
    }

    #[test]
    fn types_as_the_catalog_spells_them() {
        for (written, shown) in [
            ("INT", "int(11)"),
            ("INTEGER(5) ZEROFILL", "int(5) unsigned zerofill"),
            ("BOOL", "tinyint(1)"),
            ("DEC", "decimal(10,0)"),
            ("float(30)", "double"),
            ("CHAR", "char(1)"),
            ("ENUM('x','Y')", "enum('x','Y')"),
            ("TEXT", "text"),
            ("DATETIME(3)", "datetime(3)"),
            ("bigint unsigned", "bigint(20) unsigned"),
        ] {
            assert_eq!(canonical_type(written), shown, "{written}");
        }
    }
}
