//! SQLite `CREATE TRIGGER`, read from a schema file or from `sqlite_schema`. SQLite keeps
//! a trigger as the text it was written in, from its name on, after `CREATE TRIGGER ` (no
//! `TEMP`, no `IF NOT EXISTS`, no `main.`): that text is the trigger's definition, and
//! what sqlshift runs to create it.

use crate::model::{Program, ProgramKind, QName};

/// One word or quoted name of the statement, with where it starts and ends.
struct Word {
    text: String,
    /// Quoted (`"…"`, `[…]`, `` `…` ``, `'…'`): a name as written, never a keyword.
    quoted: bool,
    start: usize,
    end: usize,
}

/// The words of the head, up to `BEGIN` (the body is kept as text).
fn words(text: &str) -> Vec<Word> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
        } else if matches!(c, b'"' | b'`' | b'\'' | b'[') {
            let close = if c == b'[' { b']' } else { c };
            let start = i;
            let mut v = String::new();
            i += 1;
            while i < b.len() {
                if b[i] == close {
                    if close != b']' && b.get(i + 1) == Some(&close) {
                        v.push(close as char);
                        i += 2;
                        continue;
                    }
                    break;
                }
                let ch = text[i..].chars().next().unwrap_or(' ');
                v.push(ch);
                i += ch.len_utf8();
            }
            i += 1;
            out.push(Word {
                text: v,
                quoted: true,
                start,
                end: i.min(b.len()),
            });
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            let w = &text[start..i];
            let begin = w.eq_ignore_ascii_case("BEGIN");
            out.push(Word {
                text: w.to_string(),
                quoted: false,
                start,
                end: i,
            });
            if begin {
                break;
            }
        } else {
            out.push(Word {
                text: (c as char).to_string(),
                quoted: false,
                start: i,
                end: i + 1,
            });
            i += 1;
        }
    }
    out
}

/// True for `CREATE TEMP TRIGGER` (a connection's own, never stored in the database).
pub fn is_temporary(head: &[String]) -> bool {
    head.len() > 2 && head[0] == "CREATE" && matches!(head[1].as_str(), "TEMP" | "TEMPORARY")
}

/// True when `statement` is a trigger SQLite can hold: a `BEGIN … END` body of `INSERT`,
/// `UPDATE`, `DELETE` and `SELECT` statements. Another dialect's trigger in a SQLite file
/// (PostgreSQL's `EXECUTE FUNCTION f()`, MySQL's `SET NEW.x = …` from a dump) is not: it
/// is left alone, as any statement of another dialect.
pub fn is_sqlite_trigger(statement: &str) -> bool {
    let text = statement.trim().trim_end_matches(';').trim_end();
    let Some(begin) = words(text)
        .into_iter()
        .find(|w| !w.quoted && w.text.eq_ignore_ascii_case("BEGIN"))
    else {
        return false;
    };
    let body = &text[begin.end..];
    let mut pieces = Vec::new();
    let (mut start, mut quote) = (0, None::<char>);
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), d) if d == q || (q == '[' && d == ']') => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`' | '[') => quote = Some(c),
            (None, ';') => {
                pieces.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&body[start..]);
    pieces.iter().all(|p| {
        let first = words(p)
            .into_iter()
            .next()
            .map(|w| w.text.to_ascii_uppercase());
        matches!(
            first.as_deref(),
            None | Some(
                "INSERT" | "UPDATE" | "DELETE" | "SELECT" | "WITH" | "REPLACE" | "VALUES" | "END"
            )
        )
    })
}

/// Reads a `CREATE TRIGGER` statement.
pub fn trigger(statement: &str) -> Result<Program, String> {
    let text = statement.trim().trim_end_matches(';').trim_end();
    let w = words(text);
    let kw = |k: usize, s: &str| {
        w.get(k)
            .is_some_and(|x| !x.quoted && x.text.eq_ignore_ascii_case(s))
    };
    let mut k = 0;
    if !kw(0, "CREATE") {
        return Err("expected CREATE".into());
    }
    k += 1;
    if kw(k, "TEMP") || kw(k, "TEMPORARY") {
        k += 1;
    }
    if !kw(k, "TRIGGER") {
        return Err("expected TRIGGER".into());
    }
    k += 1;
    if kw(k, "IF") && kw(k + 1, "NOT") && kw(k + 2, "EXISTS") {
        k += 3;
    }
    if w.get(k + 1).is_some_and(|x| x.text == ".") {
        k += 2;
    }
    let name_word = w.get(k).ok_or("expected the trigger's name")?;
    let name = name_word.text.clone();
    let stored_from = name_word.start;
    k += 1;
    let mut timing = "before".to_string();
    if kw(k, "BEFORE") || kw(k, "AFTER") {
        timing = w[k].text.to_ascii_lowercase();
        k += 1;
    } else if kw(k, "INSTEAD") && kw(k + 1, "OF") {
        timing = "instead of".into();
        k += 2;
    }
    let event = if kw(k, "INSERT") || kw(k, "DELETE") || kw(k, "UPDATE") {
        w[k].text.to_ascii_lowercase()
    } else {
        return Err(format!(
            "expected INSERT, UPDATE or DELETE after the name of trigger `{name}`"
        ));
    };
    k += 1;
    while k < w.len() && !kw(k, "ON") {
        k += 1;
    }
    k += 1;
    if w.get(k + 1).is_some_and(|x| x.text == ".") {
        k += 2;
    }
    let table = w
        .get(k)
        .ok_or_else(|| format!("trigger `{name}` names no table (ON …)"))?;
    if !w
        .iter()
        .any(|x| !x.quoted && x.text.eq_ignore_ascii_case("BEGIN"))
    {
        return Err(format!("trigger `{name}` has no BEGIN … END body"));
    }
    let _ = table.end;
    let mut p = Program::new(ProgramKind::Trigger, name);
    p.table = Some(QName::new("", table.text.clone()));
    p.attributes.insert("timing".into(), timing);
    p.attributes.insert("event".into(), event);
    p.sql = format!("CREATE TRIGGER {}", &text[stored_from..]);
    p.body = super::mysql_program::fold_blanks(&p.sql, false);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_as_sqlite_keeps_it() {
        let p = trigger("create temp trigger if not exists main.\"q t\" instead of update of x on v\n  for each row when new.x > 1\nbegin\n  select 1;\nend;").unwrap();
        assert_eq!(p.name, "q t");
        assert_eq!(p.table, Some(QName::new("", "v")));
        assert_eq!(
            p.attributes.get("timing").map(String::as_str),
            Some("instead of")
        );
        assert_eq!(
            p.attributes.get("event").map(String::as_str),
            Some("update")
        );
        assert_eq!(
            p.sql,
            "CREATE TRIGGER \"q t\" instead of update of x on v\n  for each row when new.x > 1\nbegin\n  select 1;\nend"
        );
        assert!(trigger("CREATE TRIGGER t AFTER INSERT ON a SELECT 1").is_err());
        assert!(is_sqlite_trigger("CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET x = ';'; -- c\n  SELECT RAISE(IGNORE);\nEND"));
        assert!(!is_sqlite_trigger(
            "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.id = NEW.id + 1; END"
        ));
        assert!(!is_sqlite_trigger(
            "CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION f()"
        ));
    }
}
