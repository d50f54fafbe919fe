//! PostgreSQL SQL for functions, procedures and aggregates. A routine is created from its
//! own statement (the file's text, or the catalog's definition), never re-spelled.

use super::super::ansi::qname;
use crate::model::{Dependent, QName, Routine};

/// The statement as `CREATE OR REPLACE` (aggregates too: PostgreSQL 12+ accepts it).
pub fn or_replace(r: &Routine) -> String {
    or_replace_sql(&r.sql)
}

/// A `CREATE …` statement as `CREATE OR REPLACE …` (routines, triggers, rules).
pub fn or_replace_sql(sql: &str) -> String {
    let sql = sql.trim_start();
    let head: String = sql.chars().take(6).collect();
    let rest = &sql[head.len()..];
    let after = rest.trim_start();
    if head.eq_ignore_ascii_case("CREATE")
        && !after.get(..2).is_some_and(|w| w.eq_ignore_ascii_case("OR"))
    {
        format!("CREATE OR REPLACE {after}")
    } else {
        sql.to_string()
    }
}

pub fn drop(r: &Routine) -> String {
    format!(
        "DROP {} {}({})",
        r.kind.word(),
        qname(&r.name),
        r.identity_sql
    )
}

/// Reads the routines query. One definition that cannot be read is left alone, by name.
pub fn read(rows: &[sqlx::postgres::PgRow], s: &mut crate::model::Schema) -> Result<(), String> {
    use super::introspect::get;
    for r in rows {
        let def: String = get(r, "definition")?;
        match crate::parse::routine_statement(&def) {
            Ok(mut routine) => {
                let deps: Vec<String> = get(r, "dependents")?;
                routine.dependents = Some(deps.iter().map(String::as_str).map(dependent).collect());
                s.routines.insert(routine.key(), routine);
            }
            Err(e) => s.unmanaged.push(crate::model::Unmanaged {
                kind: "function".into(),
                name: format!(
                    "{}.{}({}) (cannot read: {e})",
                    get::<String>(r, "schema")?,
                    get::<String>(r, "name")?,
                    get::<String>(r, "identity")?
                ),
            }),
        }
    }
    Ok(())
}

/// One entry of the routines query's `dependents`: `pg_identify_object_as_address`'s type,
/// names and arguments, as `type US name US name … RS arg US arg …`.
fn dependent(entry: &str) -> Dependent {
    let (head, args) = entry.split_once('\u{1e}').unwrap_or((entry, ""));
    let mut parts = head.split('\u{1f}');
    let kind = parts.next().unwrap_or_default();
    let names: Vec<&str> = parts.collect();
    let args: Vec<&str> = args.split('\u{1f}').filter(|a| !a.is_empty()).collect();
    let q = |s: &str, n: &str| QName::new(s, n);
    match (kind, names.as_slice(), args.as_slice()) {
        ("rule", [s, rel, "_RETURN"], _) => Dependent::View(q(s, rel)),
        ("rule", [s, rel, name], _) => Dependent::Rule(q(s, rel), name.to_string()),
        ("default value", [s, t, c], _) => Dependent::Default(q(s, t), c.to_string()),
        ("table constraint", [s, t, c], _) => Dependent::Constraint(q(s, t), c.to_string()),
        ("domain constraint", [d], [c]) => Dependent::Domain(qualified(d), Some(c.to_string())),
        ("type" | "domain", [d], _) => Dependent::Domain(qualified(d), None),
        ("index", [s, i], _) => Dependent::Index(q(s, i)),
        ("trigger", [s, t, name], _) => Dependent::Trigger(q(s, t), name.to_string()),
        ("function" | "procedure" | "aggregate", [s, f], _) => Dependent::Routine(q(s, f)),
        _ => Dependent::Other(format!("{kind} {}", names.join("."))),
    }
}

/// `schema.name` as `format_type_be_qualified` writes it (each part quoted where needed).
fn qualified(text: &str) -> QName {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    let name = parts.pop().unwrap_or_default();
    QName::new(parts.pop().unwrap_or_default(), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependents_are_read_from_object_addresses() {
        let us = '\u{1f}';
        let rs = '\u{1e}';
        assert_eq!(
            dependent(&format!("rule{us}public{us}v{us}_RETURN{rs}")),
            Dependent::View(QName::new("public", "v"))
        );
        assert_eq!(
            dependent(&format!("domain constraint{us}s.\"Odd.d\"{rs}d_check")),
            Dependent::Domain(QName::new("s", "Odd.d"), Some("d_check".into()))
        );
        assert_eq!(
            dependent(&format!("policy{us}public{us}t{us}p{rs}")),
            Dependent::Other("policy public.t.p".into())
        );
    }
}
