//! MySQL/MariaDB triggers, procedures, functions and events: read from the catalog in four
//! queries (whatever their number), compared in the canonical parts the file reader gives
//! (`parse::mysql_program`), and created or dropped.
//!
//! The catalog side is turned back into a `CREATE` statement and read by the same reader
//! as a schema file, so both sides meet in one form. What a file cannot state the same way
//! is settled against the live database (`reconcile`): the `sql_mode` a program was made
//! in is kept only where it is not the server's own, character sets and collations only
//! where they are not the database's, and a time an event's schedule computes (`STARTS
//! CURRENT_TIMESTAMP`) is the one the server fixed.

use super::types::{literal, quote};
use crate::model::{Program, ProgramKind, ProgramParam, Schema, Unmanaged};
use crate::parse::mysql_program;
use sqlx::mysql::MySqlRow;
use std::collections::BTreeMap;

/// `Schema::defaults` entry: the server's global `sql_mode`.
pub const SQL_MODE: &str = "sql_mode";

/// The rows of the four program queries.
pub struct Rows {
    pub routines: Vec<MySqlRow>,
    pub parameters: Vec<MySqlRow>,
    pub triggers: Vec<MySqlRow>,
    pub events: Vec<MySqlRow>,
}

type Text = fn(&MySqlRow, &str) -> Result<Option<String>, String>;

/// Reads the rows into `s.programs`; one that cannot be read is left alone, by name.
pub fn read(rows: &Rows, s: &mut Schema, text: Text) -> Result<(), String> {
    let req =
        |r: &MySqlRow, c: &str| -> Result<String, String> { Ok(text(r, c)?.unwrap_or_default()) };
    let mut params: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for r in &rows.parameters {
        let key = (req(r, "kind")?.to_uppercase(), req(r, "name")?);
        let mut p = format!(
            "{} {} {}",
            req(r, "param_mode")?,
            quote(&req(r, "param")?),
            req(r, "data_type")?
        );
        charset_clause(
            &mut p,
            text(r, "charset")?,
            text(r, "collation")?,
            &s.defaults,
        );
        params
            .entry(key)
            .or_default()
            .push(p.trim_start().to_string());
    }
    let add =
        |s: &mut Schema, r: &MySqlRow, kind: &str, name: String, stmt: Result<String, String>| {
            let read = stmt.and_then(|t| mysql_program::program(&t).map(|r| r.program));
            match read {
                Ok(mut p) => {
                    if let Some(mode) = text(r, "sql_mode").ok().flatten() {
                        p.attributes.insert("sql_mode".into(), mode);
                    }
                    s.programs.insert(p.key(), p);
                }
                Err(e) => s.unmanaged.push(Unmanaged {
                    kind: kind.to_string(),
                    name: format!("{name} (cannot read: {e})"),
                }),
            }
        };
    for r in &rows.routines {
        let name = req(r, "name")?;
        let kind = req(r, "kind")?.to_uppercase();
        let noun = kind.to_lowercase();
        let body = text(r, "body")?;
        let stmt = match (kind.as_str(), body) {
            (_, None) => Err("its body is not shown to this user (it needs the SHOW_ROUTINE privilege or to be the definer)".into()),
            ("PROCEDURE" | "FUNCTION", Some(body)) if !aggregate(&body) => {
                routine_statement(r, &kind, &name, &body, &params, text, &s.defaults)
            }
            _ => {
                s.unmanaged.push(Unmanaged {
                    kind: noun,
                    name,
                });
                continue;
            }
        };
        add(s, r, &noun, name, stmt);
    }
    let mut groups: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for r in &rows.triggers {
        let name = req(r, "name")?;
        let table = req(r, "table_name")?;
        let (timing, event) = (req(r, "timing")?, req(r, "event")?);
        let stmt = format!(
            "CREATE TRIGGER {} {timing} {event} ON {} FOR EACH ROW {}",
            quote(&name),
            quote(&table),
            req(r, "body")?
        );
        groups
            .entry((table.to_lowercase(), timing, event))
            .or_default()
            .push(name.clone());
        add(s, r, "trigger", name, Ok(stmt));
    }
    for names in groups.values() {
        for (key, position, before) in crate::parse::place_triggers(names) {
            if let Some(p) = s.programs.get_mut(&key) {
                crate::parse::place_trigger(p, position, before);
            }
        }
    }
    for r in &rows.events {
        let name = req(r, "name")?;
        let stmt = event_statement(r, &name, text);
        add(s, r, "event", name, stmt);
    }
    let defaults = s.defaults.clone();
    settle(s, &defaults);
    Ok(())
}

/// MariaDB's `CREATE AGGREGATE FUNCTION` (its body fetches the group's rows): not managed.
fn aggregate(body: &str) -> bool {
    body.to_ascii_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .contains("FETCH GROUP NEXT ROW")
}

/// ` CHARSET x COLLATE y`, each only where it is not the database's default.
fn charset_clause(
    out: &mut String,
    charset: Option<String>,
    collation: Option<String>,
    defaults: &BTreeMap<String, String>,
) {
    let mut p = ProgramParam {
        mode: String::new(),
        name: String::new(),
        data_type: String::new(),
        charset: charset.filter(|c| !c.is_empty()).map(|c| c.to_lowercase()),
        collation: collation
            .filter(|c| !c.is_empty())
            .map(|c| c.to_lowercase()),
    };
    settle_param(&mut p, defaults);
    let (charset, collation) = (p.charset, p.collation);
    if let Some(c) = charset {
        out.push_str(&format!(" CHARSET {c}"));
    }
    if let Some(c) = collation {
        out.push_str(&format!(" COLLATE {c}"));
    }
}

fn routine_statement(
    r: &MySqlRow,
    kind: &str,
    name: &str,
    body: &str,
    params: &BTreeMap<(String, String), Vec<String>>,
    text: Text,
    defaults: &BTreeMap<String, String>,
) -> Result<String, String> {
    let req = |c: &str| -> Result<String, String> { Ok(text(r, c)?.unwrap_or_default()) };
    let list = params
        .get(&(kind.to_string(), name.to_string()))
        .map(|p| {
            if kind == "FUNCTION" {
                // A function's parameters are IN; MariaDB 10.8+ shows OUT/INOUT ones too.
                p.iter()
                    .map(|x| x.strip_prefix("IN ").unwrap_or(x).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            } else {
                p.join(", ")
            }
        })
        .unwrap_or_default();
    let mut stmt = format!("CREATE {kind} {}({list})", quote(name));
    if kind == "FUNCTION" {
        stmt.push_str(&format!(" RETURNS {}", req("return_type")?));
        charset_clause(
            &mut stmt,
            text(r, "charset")?,
            text(r, "collation")?,
            defaults,
        );
    }
    if req("is_deterministic")? == "YES" {
        stmt.push_str("\n    DETERMINISTIC");
    }
    let access = req("data_access")?;
    if !access.is_empty() && access != "CONTAINS SQL" {
        stmt.push_str(&format!("\n    {access}"));
    }
    if req("security_type")? == "INVOKER" {
        stmt.push_str("\n    SQL SECURITY INVOKER");
    }
    let comment = req("comment")?;
    if !comment.is_empty() {
        stmt.push_str(&format!("\n    COMMENT {}", literal(&comment)));
    }
    Ok(format!("{stmt}\n{body}"))
}

fn event_statement(r: &MySqlRow, name: &str, text: Text) -> Result<String, String> {
    let req = |c: &str| -> Result<String, String> { Ok(text(r, c)?.unwrap_or_default()) };
    let mut stmt = format!("CREATE EVENT {} ON SCHEDULE ", quote(name));
    if req("event_type")? == "ONE TIME" {
        stmt.push_str(&format!("AT {}", literal(&req("execute_at")?)));
    } else {
        // A compound interval is shown quoted already (`'1:30'`).
        let value = req("interval_value")?;
        let value = value.trim_matches('\'');
        stmt.push_str(&format!(
            "EVERY {} {}",
            literal(value),
            req("interval_field")?
        ));
        if let Some(s) = text(r, "starts")?.filter(|s| !s.is_empty()) {
            stmt.push_str(&format!(" STARTS {}", literal(&s)));
        }
        if let Some(e) = text(r, "ends")?.filter(|s| !s.is_empty()) {
            stmt.push_str(&format!(" ENDS {}", literal(&e)));
        }
    }
    stmt.push_str(&format!(" ON COMPLETION {}", req("on_completion")?));
    stmt.push_str(match req("status")?.as_str() {
        "DISABLED" => " DISABLE",
        "SLAVESIDE_DISABLED" => " DISABLE ON SLAVE",
        _ => " ENABLE",
    });
    let comment = req("comment")?;
    if !comment.is_empty() {
        stmt.push_str(&format!(" COMMENT {}", literal(&comment)));
    }
    Ok(format!("{stmt} DO {}", req("body")?))
}

/// Brings programs to the form both sides share: the `sql_mode` kept only where it is not
/// the server's, character sets and collations only where they are not the database's
/// (`defaults`, as `introspect` keeps them).
pub fn settle(s: &mut Schema, defaults: &BTreeMap<String, String>) {
    let mariadb = defaults.get(super::introspect::FLAVOR).map(String::as_str) == Some("mariadb");
    let server_mode = defaults.get(SQL_MODE).map(|m| expand_mode(m, mariadb));
    for p in s.programs.values_mut() {
        if let (Some(mode), Some(server)) = (p.attributes.get("sql_mode"), &server_mode) {
            let mode = expand_mode(mode, mariadb);
            if mode == *server {
                p.attributes.remove("sql_mode");
            } else {
                p.attributes.insert("sql_mode".into(), mode);
            }
        }
        for param in p.params.iter_mut().chain(p.returns.as_mut()) {
            settle_param(param, defaults);
        }
    }
}

/// A parameter's character set and collation, kept only where they are not the
/// database's (or, for another character set, not that set's default collation).
fn settle_param(p: &mut ProgramParam, defaults: &BTreeMap<String, String>) {
    use super::introspect::{CHARSET, COLLATION, DEFAULT_COLLATION};
    let db_charset = defaults.get(CHARSET).cloned().unwrap_or_default();
    let db_collation = defaults.get(COLLATION).cloned().unwrap_or_default();
    let cs = p.charset.clone().or_else(|| {
        p.collation
            .as_ref()
            .and_then(|c| c.split('_').next().map(str::to_string))
    });
    let cs = cs.unwrap_or_else(|| db_charset.clone());
    let default = if cs == db_charset {
        Some(db_collation)
    } else {
        defaults.get(&format!("{DEFAULT_COLLATION}{cs}")).cloned()
    };
    if p.collation.is_some() && p.collation == default {
        p.collation = None;
    }
    if p.charset.as_deref() == Some(db_charset.as_str()) && p.collation.is_none() {
        p.charset = None;
    }
}

/// A `sql_mode` as a set, in one order, with each combination mode (`TRADITIONAL`,
/// `ANSI`, …) followed by the modes it sets, as the server shows it once set.
fn expand_mode(mode: &str, mariadb: bool) -> String {
    let mut set = std::collections::BTreeSet::new();
    for m in crate::parse::canonical_mode(mode)
        .split(',')
        .filter(|m| !m.is_empty())
    {
        let parts: &[&str] = match (m, mariadb) {
            ("TRADITIONAL", true) => &[
                "STRICT_TRANS_TABLES",
                "STRICT_ALL_TABLES",
                "NO_ZERO_IN_DATE",
                "NO_ZERO_DATE",
                "ERROR_FOR_DIVISION_BY_ZERO",
                "NO_AUTO_CREATE_USER",
                "NO_ENGINE_SUBSTITUTION",
            ],
            ("TRADITIONAL", false) => &[
                "STRICT_TRANS_TABLES",
                "STRICT_ALL_TABLES",
                "NO_ZERO_IN_DATE",
                "NO_ZERO_DATE",
                "ERROR_FOR_DIVISION_BY_ZERO",
            ],
            ("ANSI", true) => &[
                "REAL_AS_FLOAT",
                "PIPES_AS_CONCAT",
                "ANSI_QUOTES",
                "IGNORE_SPACE",
            ],
            ("ANSI", false) => &[
                "REAL_AS_FLOAT",
                "PIPES_AS_CONCAT",
                "ANSI_QUOTES",
                "IGNORE_SPACE",
                "ONLY_FULL_GROUP_BY",
            ],
            ("ORACLE", _) => &[
                "PIPES_AS_CONCAT",
                "ANSI_QUOTES",
                "IGNORE_SPACE",
                "NO_KEY_OPTIONS",
                "NO_TABLE_OPTIONS",
                "NO_FIELD_OPTIONS",
                "NO_AUTO_CREATE_USER",
                "SIMULTANEOUS_ASSIGNMENT",
            ],
            ("MSSQL" | "DB2" | "POSTGRESQL", _) => &[
                "PIPES_AS_CONCAT",
                "ANSI_QUOTES",
                "IGNORE_SPACE",
                "NO_KEY_OPTIONS",
                "NO_TABLE_OPTIONS",
                "NO_FIELD_OPTIONS",
            ],
            ("MAXDB", _) => &[
                "PIPES_AS_CONCAT",
                "ANSI_QUOTES",
                "IGNORE_SPACE",
                "NO_KEY_OPTIONS",
                "NO_TABLE_OPTIONS",
                "NO_FIELD_OPTIONS",
                "NO_AUTO_CREATE_USER",
            ],
            ("MYSQL323" | "MYSQL40", _) => &["HIGH_NOT_PRECEDENCE"],
            _ => &[],
        };
        set.insert(m.to_string());
        set.extend(parts.iter().map(|p| p.to_string()));
    }
    set.into_iter().collect::<Vec<_>>().join(",")
}

/// The desired side against the live one (see the module doc): settled with the live
/// database's defaults, and an event's computed times taken from the live event.
pub fn reconcile(live: &Schema, desired: &mut Schema) {
    settle(desired, &live.defaults);
    for (key, p) in desired.programs.iter_mut() {
        for attr in ["at", "starts", "ends"] {
            if p.attributes.get(attr).map(String::as_str) != Some("?") {
                continue;
            }
            match live.programs.get(key).and_then(|l| l.attributes.get(attr)) {
                Some(v) => {
                    p.attributes.insert(attr.into(), v.clone());
                }
                None => {
                    p.attributes.remove(attr);
                }
            }
        }
    }
}

/// The statements that create `p`: its own, inside `SET sql_mode` when it was made in a
/// mode other than the server's. For `inspect`, in a `DELIMITER` block, so the output
/// loads with the `mariadb` client.
pub fn create(p: &Program, inspect: bool, definer: Option<&str>) -> Vec<String> {
    let sql = match definer.filter(|_| !inspect).map(definer_sql) {
        Some(d) => p
            .sql
            .replacen("CREATE ", &format!("CREATE DEFINER = {d} "), 1),
        None => p.sql.clone(),
    };
    let p = &Program { sql, ..p.clone() };
    let stmt = if inspect {
        let delimiter = ["$$", ";;", "//"]
            .into_iter()
            .find(|d| !p.sql.contains(d))
            .unwrap_or("$$");
        // `schema_sql` ends each statement with `;`: the block's last line is `DELIMITER ;`.
        format!("DELIMITER {delimiter}\n{}{delimiter}\nDELIMITER ", p.sql)
    } else {
        p.sql.clone()
    };
    match p.attributes.get("sql_mode") {
        Some(mode) => vec![
            "SET @sqlshift_sql_mode = @@SESSION.sql_mode".into(),
            format!("SET SESSION sql_mode = {}", literal(mode)),
            stmt,
            "SET SESSION sql_mode = @sqlshift_sql_mode".into(),
        ],
        None => vec![stmt],
    }
}

/// `app@%`, `'app'@'%'` or `` `app`@`%` `` as `` `app`@`%` `` (each part re-quoted from
/// its value); `CURRENT_USER` as is.
fn definer_sql(d: &str) -> String {
    let d = d.trim();
    if d.eq_ignore_ascii_case("CURRENT_USER") || d.eq_ignore_ascii_case("CURRENT_USER()") {
        return "CURRENT_USER".into();
    }
    let unquote = |s: &str| {
        let s = s.trim();
        match s.chars().next() {
            Some(q @ ('\'' | '"' | '`')) if s.len() >= 2 && s.ends_with(q) => {
                s[1..s.len() - 1].replace(&format!("{q}{q}"), &q.to_string())
            }
            _ => s.to_string(),
        }
    };
    // The `@` between user and host: the last one outside quotes.
    let mut at = None;
    let mut open = None;
    for (i, c) in d.char_indices() {
        match (open, c) {
            (Some(q), x) if x == q => open = None,
            (None, '\'' | '"' | '`') => open = Some(c),
            (None, '@') => at = Some(i),
            _ => {}
        }
    }
    match at {
        Some(i) => format!(
            "{}@{}",
            quote(&unquote(&d[..i])),
            quote(&unquote(&d[i + 1..]))
        ),
        None => quote(&unquote(d)),
    }
}

pub fn drop(p: &Program) -> String {
    format!("DROP {} IF EXISTS {}", p.kind.word(), quote(&p.name))
}

/// What a program names in messages.
pub fn describe(p: &Program) -> String {
    match (&p.table, p.kind) {
        (Some(t), ProgramKind::Trigger) => format!("trigger {} on {}", p.name, t),
        _ => format!("{} {}", p.kind.noun(), p.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definers_are_requoted_from_their_values() {
        assert_eq!(definer_sql("app@%"), "`app`@`%`");
        assert_eq!(definer_sql("'app'@'10.0.%'"), "`app`@`10.0.%`");
        assert_eq!(definer_sql("`we``ird`@`h`"), "`we``ird`@`h`");
        assert_eq!(definer_sql("current_user()"), "CURRENT_USER");
        let mut p = Program::new(ProgramKind::Procedure, "p");
        p.sql = "CREATE PROCEDURE p() SELECT 1".into();
        assert_eq!(
            create(&p, false, Some("app@%")),
            ["CREATE DEFINER = `app`@`%` PROCEDURE p() SELECT 1"]
        );
        p.attributes.insert("sql_mode".into(), "ANSI".into());
        let inspect = create(&p, true, Some("app@%"));
        assert_eq!(inspect[1], "SET SESSION sql_mode = 'ANSI'");
        assert_eq!(
            inspect[2],
            "DELIMITER $$\nCREATE PROCEDURE p() SELECT 1$$\nDELIMITER "
        );
    }

    #[test]
    fn sql_modes_compare_as_sets() {
        assert_eq!(
            expand_mode("traditional", true),
            expand_mode("STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,TRADITIONAL,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION", true)
        );
        assert_ne!(expand_mode("ANSI", true), expand_mode("", true));
    }
}
