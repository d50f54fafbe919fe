//! What kind of statement a piece of a schema file is, from its leading words alone, so a
//! statement sqlshift does not manage is recognised (and left alone) even where the SQL
//! parser could not read it.

/// How a schema file's statement is treated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Describes an object sqlshift manages: parsed into the model.
    Managed,
    /// Recognised and left alone; the label names the kind in reports ("function").
    Unmanaged(&'static str),
    /// Not a statement of any SQL dialect sqlshift knows.
    Unknown(String),
}

/// The leading words of a statement, upper-cased, with comments skipped and MySQL's
/// conditional comments (`/*!50003 CREATE*/`) read as the text they hold.
pub fn leading_words(text: &str, max: usize) -> Vec<String> {
    // Reads only as far as the words asked for: a statement can be long.
    let mut words = Vec::new();
    let mut word = String::new();
    let bytes = text.as_bytes();
    let at = |i: usize| bytes.get(i).copied();
    let mut i = 0;
    let push = |word: &mut String, words: &mut Vec<String>| {
        if !word.is_empty() {
            words.push(word.to_ascii_uppercase());
            word.clear();
        }
    };
    while words.len() < max {
        let Some(c) = text.get(i..).and_then(|t| t.chars().next()) else {
            break;
        };
        if c == '/' && at(i + 1) == Some(b'*') {
            push(&mut word, &mut words);
            if at(i + 2) == Some(b'!') {
                // Conditional comment: skip the marker and version, keep the text.
                i += 3;
                while at(i).is_some_and(|b| b.is_ascii_digit()) {
                    i += 1;
                }
                continue;
            }
            i = match text[i + 2..].find("*/") {
                Some(end) => i + 2 + end + 2,
                None => text.len(),
            };
            continue;
        }
        if c == '*' && at(i + 1) == Some(b'/') {
            push(&mut word, &mut words);
            i += 2;
            continue;
        }
        if c == '-' && at(i + 1) == Some(b'-') {
            push(&mut word, &mut words);
            i = text[i..].find('\n').map_or(text.len(), |end| i + end);
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else if matches!(c, '\'' | '"' | '`') {
            // A quoted name or value ends the run of keywords worth reading.
            push(&mut word, &mut words);
            words.push(c.to_string());
            i = text[i + 1..].find(c).map_or(text.len(), |end| i + 1 + end);
        } else {
            push(&mut word, &mut words);
            if c == '\\' || c == '=' || c == '(' {
                words.push(c.to_string());
            }
        }
        i += c.len_utf8();
    }
    push(&mut word, &mut words);
    words.truncate(max);
    words
}

/// True for `COMMENT ON CONSTRAINT c ON table …` (which sqlparser does not read).
/// `w`: the statement's first three words ([`leading_words`]).
pub fn comment_on_constraint(w: &[String]) -> bool {
    w.len() >= 3 && w[0] == "COMMENT" && w[1] == "ON" && w[2] == "CONSTRAINT"
}

/// The kind of a statement, from its leading words.
pub fn classify(text: &str) -> Kind {
    classify_words(text).0
}

/// [`classify`], with the statement's first words (up to 12), for checks of its own.
pub fn classify_words(text: &str) -> (Kind, Vec<String>) {
    let w = leading_words(text, 12);
    (classify_by(text, &w), w)
}

fn classify_by(text: &str, w: &[String]) -> Kind {
    let word = |k: usize| w.get(k).map(String::as_str).unwrap_or("");
    match word(0) {
        "CREATE" => match create_kind(&w[1..]) {
            // Partitions and inheriting tables are left alone in the catalog too.
            Kind::Managed if partition_of(text) => Kind::Unmanaged("partition"),
            Kind::Managed if inherits(text) => Kind::Unmanaged("inheriting table"),
            other => other,
        },
        "ALTER" => alter_kind(text, w),
        "COMMENT" if word(1) == "ON" => match word(2) {
            "TABLE" | "COLUMN" | "VIEW" | "INDEX" | "SEQUENCE" | "TYPE" | "DOMAIN" => Kind::Managed,
            "MATERIALIZED" if word(3) == "VIEW" => Kind::Managed,
            // The default schema is not managed, nor is its comment.
            "SCHEMA" if word(3) != "PUBLIC" => Kind::Managed,
            "CONSTRAINT" if word(4) == "ON" && word(5) != "DOMAIN" => Kind::Managed,
            _ => Kind::Unmanaged("comment"),
        },
        "SET" | "RESET" => Kind::Unmanaged("SET statement"),
        "SELECT" | "WITH" | "VALUES" | "CALL" | "DO" => Kind::Unmanaged("query"),
        "GRANT" | "REVOKE" => Kind::Unmanaged("privilege"),
        "LOCK" | "UNLOCK" => Kind::Unmanaged("table lock"),
        "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "END" | "SAVEPOINT" | "RELEASE" => {
            Kind::Unmanaged("transaction control")
        }
        "PRAGMA" => Kind::Unmanaged("PRAGMA"),
        "DROP" => Kind::Unmanaged("DROP statement"),
        "INSERT" | "UPDATE" | "DELETE" | "COPY" | "REPLACE" | "TRUNCATE" | "MERGE" => {
            Kind::Unmanaged("data statement")
        }
        "USE" | "\\" => Kind::Unmanaged("client command"),
        "ANALYZE" | "ANALYSE" | "VACUUM" | "CLUSTER" | "REINDEX" | "CHECKPOINT" | "OPTIMIZE"
        | "FLUSH" | "REFRESH" | "DISCARD" | "NOTIFY" | "LISTEN" | "SECURITY" | "IMPORT"
        | "DECLARE" | "PREPARE" | "EXECUTE" | "DEALLOCATE" | "LOAD" | "CHECK" | "REPAIR"
        | "SHOW" | "EXPLAIN" | "DESCRIBE" | "DELIMITER" => Kind::Unmanaged("maintenance statement"),
        other => Kind::Unknown(other.to_string()),
    }
}

fn create_kind(w: &[String]) -> Kind {
    let mut k = 0;
    let at = |k: usize| w.get(k).map(String::as_str).unwrap_or("");
    // Modifiers before the object word.
    loop {
        match at(k) {
            "OR" if matches!(at(k + 1), "REPLACE" | "ALTER") => k += 2,
            "TEMP" | "TEMPORARY" | "UNLOGGED" | "GLOBAL" | "LOCAL" | "UNIQUE" | "TRUSTED"
            | "PROCEDURAL" | "CONSTRAINT" | "DEFAULT" | "RECURSIVE" | "FULLTEXT" | "SPATIAL"
            | "ONLINE" | "OFFLINE" => k += 1,
            "DEFINER" | "ALGORITHM" => {
                // DEFINER = `u`@`h` / ALGORITHM = MERGE: skip to the next plain keyword.
                k += 1;
                while matches!(at(k), "=" | "`" | "'" | "\"" | "CURRENT_USER")
                    || (k < w.len() && at(k).chars().all(|c| c.is_ascii_digit()))
                {
                    k += 1;
                }
                if !is_object_word(at(k)) && !at(k).is_empty() && at(k) != "SQL" {
                    k += 1;
                }
            }
            "SQL" if at(k + 1) == "SECURITY" => k += 3,
            _ => break,
        }
    }
    match at(k) {
        "TABLE" => Kind::Managed,
        "INDEX" => Kind::Managed,
        "VIEW" => Kind::Managed,
        "MATERIALIZED" => Kind::Managed,
        "SEQUENCE" => Kind::Managed,
        "SCHEMA" => Kind::Managed,
        "EXTENSION" => Kind::Managed,
        "TYPE" => {
            // Enum, composite and range types are managed; base and shell types are not.
            let as_what = w.iter().position(|x| x == "AS").and_then(|i| w.get(i + 1));
            match as_what.map(String::as_str) {
                Some("ENUM" | "RANGE" | "(") => Kind::Managed,
                _ => Kind::Unmanaged("type"),
            }
        }
        "VIRTUAL" => Kind::Unmanaged("virtual table"),
        "DOMAIN" => Kind::Managed,
        "FUNCTION" => Kind::Unmanaged("function"),
        "PROCEDURE" => Kind::Unmanaged("procedure"),
        "TRIGGER" => Kind::Unmanaged("trigger"),
        "EVENT" => {
            if at(k + 1) == "TRIGGER" {
                Kind::Unmanaged("event trigger")
            } else {
                Kind::Unmanaged("event")
            }
        }
        "AGGREGATE" => Kind::Unmanaged("aggregate"),
        "OPERATOR" => Kind::Unmanaged("operator"),
        "LANGUAGE" => Kind::Unmanaged("language"),
        "RULE" => Kind::Unmanaged("rule"),
        "POLICY" => Kind::Unmanaged("policy"),
        "ROLE" | "USER" | "GROUP" => Kind::Unmanaged("role"),
        "DATABASE" => Kind::Unmanaged("database"),
        "CAST" => Kind::Unmanaged("cast"),
        "COLLATION" => Kind::Unmanaged("collation"),
        "CONVERSION" => Kind::Unmanaged("conversion"),
        "TEXT" => Kind::Unmanaged("text search object"),
        "FOREIGN" | "SERVER" => Kind::Unmanaged("foreign data object"),
        "STATISTICS" => Kind::Unmanaged("statistics object"),
        "TABLESPACE" => Kind::Unmanaged("tablespace"),
        "ACCESS" => Kind::Unmanaged("access method"),
        "TRANSFORM" => Kind::Unmanaged("transform"),
        "PUBLICATION" | "SUBSCRIPTION" => Kind::Unmanaged("replication object"),
        "SYNONYM" | "PACKAGE" | "LOGFILE" => Kind::Unmanaged("other object"),
        other => Kind::Unknown(format!("CREATE {other}")),
    }
}

/// `CREATE TABLE … INHERITS (parent)`.
fn inherits(text: &str) -> bool {
    text.as_bytes()
        .windows(8)
        .rposition(|w| w.eq_ignore_ascii_case(b"INHERITS"))
        .is_some_and(|i| text[i + 8..].trim_start().starts_with('('))
}

/// The object a `CREATE <object>` statement names (`object` is `TABLE`, `DOMAIN`, `TYPE`),
/// as an unquoted name would fold (lower case) or as quoted; the schema is left out.
pub fn created_name(text: &str, object: &str) -> Option<String> {
    created_name_in(text, &leading_words(text, 6), object)
}

/// [`created_name`], given the statement's first words ([`leading_words`]).
pub fn created_name_in(text: &str, words: &[String], object: &str) -> Option<String> {
    let words = &words[..words.len().min(6)];
    if words.first().map(String::as_str) != Some("CREATE") || !words.iter().any(|w| w == object) {
        return None;
    }
    let at = text
        .as_bytes()
        .windows(object.len())
        .position(|w| w.eq_ignore_ascii_case(object.as_bytes()))?
        + object.len();
    let mut rest = text[at..].trim_start();
    for skip in ["IF NOT EXISTS", "ONLY"] {
        if rest
            .get(..skip.len())
            .is_some_and(|r| r.eq_ignore_ascii_case(skip))
        {
            rest = rest[skip.len()..].trim_start();
        }
    }
    let name: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '(')
        .collect();
    folded_last(&name)
}

/// The last part of a possibly qualified name, as the parser folds it: quoted as written,
/// bare lower-cased.
fn folded_last(name: &str) -> Option<String> {
    let last = name.rsplit('.').next()?;
    Some(
        match last.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
            Some(q) => q.to_string(),
            None => last.trim_matches(['`', '[', ']', '\'']).to_lowercase(),
        },
    )
}

/// The table `ALTER TABLE … ATTACH PARTITION name …` makes a partition, folded like
/// [`created_name`].
pub fn attached_partition(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    let at = upper.find("ATTACH PARTITION")? + "ATTACH PARTITION".len();
    let name: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '(')
        .collect();
    folded_last(&name)
}

/// `ALTER SEQUENCE [schema.]s OWNED BY [schema.]t.c`: (s, t, c), unquoted names folded.
pub fn owned_by(text: &str) -> Option<(String, String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    if upper.first().map(String::as_str) != Some("ALTER")
        || upper.get(1).map(String::as_str) != Some("SEQUENCE")
    {
        return None;
    }
    let fold = |s: &str| match s.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        Some(q) => q.to_string(),
        None => s.to_lowercase(),
    };
    let at = upper.windows(2).position(|w| w == ["OWNED", "BY"])?;
    let mut seq_word = words.get(2)?.to_string();
    if upper.get(2).map(String::as_str) == Some("IF") {
        seq_word = words.get(4)?.to_string();
    }
    let seq = fold(seq_word.rsplit('.').next()?);
    let target: Vec<&str> = words
        .get(at + 2)?
        .trim_end_matches(';')
        .split('.')
        .collect();
    match target.as_slice() {
        [.., t, c] => Some((seq, fold(t), fold(c))),
        _ => None,
    }
}

/// `CREATE TABLE … PARTITION OF parent …`.
fn partition_of(text: &str) -> bool {
    // The words `PARTITION OF`, each standing alone between blanks.
    let bytes = text.as_bytes();
    let alone = |from: usize, to: usize| {
        (from == 0 || bytes[from - 1].is_ascii_whitespace())
            && bytes.get(to).is_none_or(|b| b.is_ascii_whitespace())
    };
    bytes
        .windows(9)
        .enumerate()
        .filter(|(i, w)| w.eq_ignore_ascii_case(b"PARTITION") && alone(*i, i + 9))
        .any(|(i, _)| {
            let rest = text[i + 9..].trim_start();
            let at = text.len() - rest.len();
            rest.get(..2).is_some_and(|w| w.eq_ignore_ascii_case("OF")) && alone(at, at + 2)
        })
}

fn is_object_word(w: &str) -> bool {
    matches!(
        w,
        "TABLE" | "VIEW" | "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT" | "INDEX"
    )
}

/// `ALTER TABLE … ADD CONSTRAINT …` (and the column edits the builder folds in) are
/// managed; ownership, statistics, triggers, replication and storage settings are not.
fn alter_kind(text: &str, w: &[String]) -> Kind {
    let at = |k: usize| w.get(k).map(String::as_str).unwrap_or("");
    if text.to_ascii_uppercase().contains(" OWNER TO ") {
        return Kind::Unmanaged("owner change");
    }
    match at(1) {
        "TABLE" => {
            let upper = text.to_ascii_uppercase();
            let has = |s: &str| upper.contains(s);
            if has(" ATTACH PARTITION ") || has(" DETACH PARTITION ") {
                Kind::Unmanaged("partition")
            } else if has("ENABLE ")
                || has("DISABLE ")
                || has("REPLICA IDENTITY")
                || has(" SET STATISTICS ")
                || has(" CLUSTER ON ")
                || has(" SET STORAGE ")
                || has(" SET COMPRESSION ")
                || has(" OF ")
                || has("ROW LEVEL SECURITY")
            {
                Kind::Unmanaged("table setting")
            } else {
                Kind::Managed
            }
        }
        // A domain's default, NOT NULL and checks (pg_dump adds a NOT VALID check so).
        "DOMAIN" => Kind::Managed,
        "SEQUENCE" | "FUNCTION" | "PROCEDURE" | "SCHEMA" | "TYPE" | "INDEX" | "VIEW"
        | "MATERIALIZED" | "AGGREGATE" | "LANGUAGE" | "PROCEDURAL" | "OPERATOR" | "TRIGGER"
        | "EVENT" | "DATABASE" | "ROLE" | "USER" | "DEFAULT" | "EXTENSION" | "PUBLICATION"
        | "SUBSCRIPTION" | "POLICY" | "RULE" | "SERVER" | "TEXT" | "FOREIGN" | "COLLATION"
        | "CONVERSION" | "STATISTICS" | "TABLESPACE" | "LARGE" | "SYSTEM" => {
            Kind::Unmanaged("ALTER statement")
        }
        _ => Kind::Unknown(format!("ALTER {}", at(1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_words_skip_comments_and_stop_early() {
        assert_eq!(
            leading_words("/*/ DROP */ create -- x\n/*!40101 TABLE*/ `t` (a int)", 12),
            ["CREATE", "TABLE", "`", "(", "A", "INT"]
        );
        assert_eq!(leading_words("CREATE TABLE é_1 (", 2), ["CREATE", "TABLE"]);
        assert_eq!(leading_words("SELECT 'unterminated", 5), ["SELECT", "'"]);
    }

    #[test]
    fn dump_statements_are_recognised() {
        for (sql, kind) in [
            ("SET statement_timeout = 0", "SET statement"),
            ("SELECT pg_catalog.set_config('search_path', '', false)", "query"),
            ("ALTER TABLE public.film OWNER TO postgres", "owner change"),
            ("GRANT ALL ON SCHEMA public TO PUBLIC", "privilege"),
            ("CREATE OR REPLACE PROCEDURAL LANGUAGE plpgsql", "language"),
            ("CREATE FUNCTION f() RETURNS int AS $$ select 1 $$ LANGUAGE sql", "function"),
            ("CREATE DOMAIN year AS integer", "?managed"),
            ("ALTER DOMAIN public.year OWNER TO postgres", "owner change"),
            ("ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID", "?managed"),
            ("CREATE TYPE mpaa AS ENUM ('G')", "?managed"),
            ("CREATE TYPE pair AS (a int, b int)", "?managed"),
            ("CREATE TYPE floatrange AS RANGE (subtype = float8)", "?managed"),
            ("CREATE TYPE box2d (INPUT = box2d_in, OUTPUT = box2d_out)", "type"),
            ("CREATE TYPE shell", "type"),
            ("COMMENT ON FUNCTION f() IS 'x'", "comment"),
            ("/*!40101 SET NAMES utf8 */", "SET statement"),
            ("/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t", "trigger"),
            ("CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN END", "procedure"),
            ("CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW v AS SELECT 1", "?managed"),
            ("LOCK TABLES `a` WRITE", "table lock"),
            ("PRAGMA foreign_keys = ON", "PRAGMA"),
            ("DROP TABLE IF EXISTS a", "DROP statement"),
            ("CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END", "trigger"),
            ("CREATE UNIQUE INDEX i ON t (a)", "?managed"),
            ("CREATE TEMP TABLE x (a int)", "?managed"),
            ("ALTER TABLE ONLY t ADD CONSTRAINT p PRIMARY KEY (id)", "?managed"),
            ("CREATE VIRTUAL TABLE f USING fts5(a)", "virtual table"),
        ] {
            match classify(sql) {
                Kind::Managed => assert_eq!(kind, "?managed", "{sql}"),
                Kind::Unmanaged(label) => assert_eq!(label, kind, "{sql}"),
                Kind::Unknown(w) => panic!("{sql}: unknown {w}"),
            }
        }
        assert!(matches!(
            classify("CRATE TABLE a (id int)"),
            Kind::Unknown(_)
        ));
    }

    #[test]
    fn names_of_created_and_attached_tables() {
        assert_eq!(
            created_name("CREATE TABLE IF NOT EXISTS public.\"Odd\" (a int)", "TABLE"),
            Some("Odd".into())
        );
        assert_eq!(
            created_name("CREATE UNLOGGED TABLE Films(a int)", "TABLE"),
            Some("films".into())
        );
        assert_eq!(
            created_name("CREATE VIEW tables_v AS SELECT 1", "TABLE"),
            None
        );
        assert_eq!(
            created_name("CREATE DOMAIN public.year AS integer", "DOMAIN"),
            Some("year".into())
        );
        assert_eq!(
            attached_partition(
                "ALTER TABLE ONLY public.p ATTACH PARTITION public.p_2022 FOR VALUES FROM (1) TO (2)"
            ),
            Some("p_2022".into())
        );
    }
}
