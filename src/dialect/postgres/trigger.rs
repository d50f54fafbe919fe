//! PostgreSQL SQL for triggers and rules, and reading them from the catalog. A trigger or
//! rule is created from its own statement (the file's text, or `pg_get_triggerdef` /
//! `pg_get_ruledef`), never re-spelled; its firing state and comment follow it.

use super::super::ansi::qname;
use super::super::writer::{quote_ident, quote_literal};
use crate::model::{Firing, QName, Rule, Schema, Trigger, Unmanaged};

/// `COMMENT ON TRIGGER | RULE name ON table IS …`.
pub fn comment(rule: bool, table: &QName, name: &str, text: &Option<String>) -> String {
    format!(
        "COMMENT ON {} {} ON {} IS {}",
        if rule { "RULE" } else { "TRIGGER" },
        quote_ident(name),
        qname(table),
        text.as_deref().map_or("NULL".to_string(), quote_literal)
    )
}

/// `ALTER TABLE t ENABLE [REPLICA | ALWAYS] | DISABLE TRIGGER | RULE name`.
pub fn firing(rule: bool, table: &QName, name: &str, to: Firing) -> String {
    format!(
        "ALTER TABLE {} {} {} {}",
        qname(table),
        to.words(),
        if rule { "RULE" } else { "TRIGGER" },
        quote_ident(name)
    )
}

/// The trigger's statement, its firing state where it is not the default, and its comment.
pub fn create_trigger(t: &Trigger) -> Vec<String> {
    let mut out = vec![t.sql.clone()];
    if t.firing != Firing::Origin {
        out.push(firing(false, &t.table, &t.name, t.firing));
    }
    if t.comment.is_some() {
        out.push(comment(false, &t.table, &t.name, &t.comment));
    }
    out
}

/// `CREATE OR REPLACE TRIGGER`, which sets the trigger firing on origin again: its state
/// is set after it (its comment stays).
pub fn replace_trigger(t: &Trigger) -> Vec<String> {
    let mut out = vec![super::routine::or_replace_sql(&t.sql)];
    if t.firing != Firing::Origin {
        out.push(firing(false, &t.table, &t.name, t.firing));
    }
    out
}

pub fn drop_trigger(t: &Trigger) -> String {
    format!(
        "DROP TRIGGER {} ON {}",
        quote_ident(&t.name),
        qname(&t.table)
    )
}

pub fn create_rule(r: &Rule) -> Vec<String> {
    let mut out = vec![r.sql.clone()];
    if r.firing != Firing::Origin {
        out.push(firing(true, &r.table, &r.name, r.firing));
    }
    if r.comment.is_some() {
        out.push(comment(true, &r.table, &r.name, &r.comment));
    }
    out
}

/// `CREATE OR REPLACE RULE` keeps the rule's firing state and comment.
pub fn replace_rule(r: &Rule) -> Vec<String> {
    vec![super::routine::or_replace_sql(&r.sql)]
}

pub fn drop_rule(r: &Rule) -> String {
    format!("DROP RULE {} ON {}", quote_ident(&r.name), qname(&r.table))
}

/// Reads the triggers-and-rules query. One definition that cannot be read, and one on a
/// relation sqlshift leaves alone, is left alone by name.
pub fn read(rows: &[sqlx::postgres::PgRow], s: &mut Schema) -> Result<(), String> {
    use super::introspect::get;
    for r in rows {
        let kind: String = get(r, "kind")?;
        let table = QName::new(get::<String>(r, "schema")?, get::<String>(r, "table_name")?);
        let name: String = get(r, "name")?;
        let def: String = get(r, "definition")?;
        let firing = Firing::from_code(&get::<String>(r, "firing")?).unwrap_or_default();
        let comment: Option<String> = get(r, "comment")?;
        let unmanaged = |why: String| Unmanaged {
            kind: kind.clone(),
            name: format!("{name} on {table} ({why})"),
        };
        if !(s.tables.contains_key(&table) || s.views.contains_key(&table)) {
            s.unmanaged
                .push(unmanaged("its table is not managed".into()));
            continue;
        }
        if kind == "rule" {
            match crate::parse::rule_statement(&def) {
                Ok(mut rule) => {
                    rule.firing = firing;
                    rule.comment = comment;
                    s.rules.insert(rule.key(), rule);
                }
                Err(e) => s.unmanaged.push(unmanaged(format!("cannot read: {e}"))),
            }
        } else {
            match crate::parse::trigger_statement(&def) {
                Ok(mut t) => {
                    t.firing = firing;
                    t.comment = comment;
                    s.triggers.insert(t.key(), t);
                }
                Err(e) => s.unmanaged.push(unmanaged(format!("cannot read: {e}"))),
            }
        }
    }
    Ok(())
}
