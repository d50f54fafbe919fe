//! Reading a SQLite database: one query over `sqlite_master`, its statements parsed by the
//! same parser as schema files.

use super::queries;
use crate::model::{Schema, Unmanaged};
use crate::parse::{parse_schema_with, SourceFile, Target};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Row};
use std::str::FromStr;

/// Opens (creating if missing) the database file a `sqlite:` URL names.
pub async fn open(url: &str) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .foreign_keys(true)
        .connect()
        .await
}

pub async fn introspect(conn: &mut SqliteConnection) -> Result<Schema, String> {
    let rows = sqlx::query(queries::OBJECTS)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| super::super::connection::describe(&e))?;
    let mut objects = Vec::new();
    for r in rows {
        let kind: String = r.try_get("type").map_err(|e| e.to_string())?;
        let name: String = r.try_get("name").map_err(|e| e.to_string())?;
        let table: String = r.try_get("tbl_name").map_err(|e| e.to_string())?;
        let text: String = r.try_get("sql").map_err(|e| e.to_string())?;
        objects.push((kind, name, table, text));
    }
    let mut unmanaged = Vec::new();
    // Virtual tables (FTS, R*Tree …) keep their data in shadow tables named after them.
    let virtuals: Vec<String> = objects
        .iter()
        .filter(|(k, _, _, sql)| {
            k == "table"
                && sql
                    .trim_start()
                    .to_ascii_uppercase()
                    .starts_with("CREATE VIRTUAL")
        })
        .map(|(_, n, _, _)| n.clone())
        .collect();
    let mut skipped_tables: Vec<String> = Vec::new();
    // Triggers are not managed, but a table rebuild drops them with the table and must
    // re-create them exactly as stored.
    let mut triggers: Vec<(String, String)> = Vec::new();
    let mut programs = Vec::new();
    let mut sql = String::new();
    for (kind, name, table, text) in &objects {
        let readable = || {
            parse_schema_with(
                &[SourceFile {
                    name: name.clone(),
                    text: text.clone(),
                }],
                false,
                Target::Sqlite,
            )
            .is_ok()
        };
        let shadow = virtuals.iter().find(|v| name.starts_with(&format!("{v}_")));
        match kind.as_str() {
            "table" if virtuals.contains(name) => {
                unmanaged.push(Unmanaged {
                    kind: "virtual table".into(),
                    name: name.clone(),
                });
                skipped_tables.push(name.clone());
            }
            "table" if shadow.is_some() => {
                let v = shadow.cloned().unwrap_or_default();
                unmanaged.push(Unmanaged {
                    kind: format!("shadow table of {v}"),
                    name: name.clone(),
                });
                skipped_tables.push(name.clone());
            }
            "table" | "view" if !readable() => {
                unmanaged.push(Unmanaged {
                    kind: format!("{kind} (SQL sqlshift cannot read)"),
                    name: name.clone(),
                });
                skipped_tables.push(name.clone());
            }
            "index" if skipped_tables.contains(table) => {
                unmanaged.push(Unmanaged {
                    kind: "index".into(),
                    name: name.clone(),
                });
            }
            "table" | "index" | "view" => {
                sql.push_str(text);
                sql.push_str(";\n");
            }
            "trigger" => {
                triggers.push((table.clone(), text.clone()));
                match crate::parse::sqlite_trigger::trigger(text) {
                    Ok(p) => programs.push(p),
                    Err(e) => unmanaged.push(Unmanaged {
                        kind: "trigger".into(),
                        name: format!("{name} (cannot read: {e})"),
                    }),
                }
            }
            other => unmanaged.push(Unmanaged {
                kind: other.to_string(),
                name: name.clone(),
            }),
        }
    }
    let mut schema = parse_schema_with(
        &[SourceFile {
            name: "sqlite_master".into(),
            text: sql,
        }],
        false,
        Target::Sqlite,
    )
    .map_err(|e| format!("cannot read a stored statement: {e}"))?;
    schema.unmanaged = unmanaged;
    for p in programs {
        schema.programs.insert(super::trigger::key(&p), p);
    }
    // Marks the schema as a live one, which the desired side is reconciled with (names
    // that differ only in case, see `names`).
    schema.defaults.insert("flavor".into(), "sqlite".into());
    // Only the spelling is taken from here, so a failing read keeps the parser's.
    if let Ok(rows) = sqlx::query(queries::DECLARED_TYPES)
        .fetch_all(&mut *conn)
        .await
    {
        // SQLite compares names case-insensitively; the parser folds unquoted ones. One
        // lookup per row, not a scan of every table (16,000 rows at 1,000 tables).
        let by_name: std::collections::HashMap<String, crate::model::QName> = schema
            .tables
            .keys()
            .map(|k| (k.name.to_ascii_lowercase(), k.clone()))
            .collect();
        for r in rows {
            let (Ok(table), Ok(column), Ok(declared)) = (
                r.try_get::<String, _>("tbl"),
                r.try_get::<String, _>("col"),
                r.try_get::<String, _>("type"),
            ) else {
                continue;
            };
            let column = by_name
                .get(&table.to_ascii_lowercase())
                .and_then(|k| schema.tables.get_mut(k))
                .and_then(|t| {
                    t.columns
                        .iter_mut()
                        .find(|c| c.name.eq_ignore_ascii_case(&column))
                });
            if let Some(c) = column {
                c.declared = Some(declared);
            }
        }
    }
    for (table, text) in triggers {
        // SQLite compares table names case-insensitively.
        if let Some(t) = schema
            .tables
            .values_mut()
            .find(|t| t.name.name.eq_ignore_ascii_case(&table))
        {
            t.attached.push(text);
        }
    }
    Ok(schema)
}
