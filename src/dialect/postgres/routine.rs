//! PostgreSQL SQL for functions, procedures and aggregates. A routine is created from its
//! own statement (the file's text, or the catalog's definition), never re-spelled.

use super::super::ansi::qname;
use crate::model::Routine;

/// The statement as `CREATE OR REPLACE` (aggregates too: PostgreSQL 12+ accepts it).
pub fn or_replace(r: &Routine) -> String {
    let sql = r.sql.trim_start();
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
            Ok(routine) => {
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
