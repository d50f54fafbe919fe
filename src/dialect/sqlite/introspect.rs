//! Reading a SQLite database: one query over `sqlite_master`, its statements parsed by the
//! same parser as schema files.

use super::queries;
use crate::model::{Schema, Unmanaged};
use crate::parse::{parse_schema_with, SourceFile};
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
    let mut sql = String::new();
    let mut unmanaged = Vec::new();
    for r in rows {
        let kind: String = r.try_get("type").map_err(|e| e.to_string())?;
        let name: String = r.try_get("name").map_err(|e| e.to_string())?;
        let text: String = r.try_get("sql").map_err(|e| e.to_string())?;
        match kind.as_str() {
            "table" | "index" | "view" => {
                sql.push_str(&text);
                sql.push_str(";\n");
            }
            other => unmanaged.push(Unmanaged {
                kind: other.to_string(),
                name,
            }),
        }
    }
    let mut schema = parse_schema_with(
        &[SourceFile {
            name: "sqlite_master".into(),
            text: sql,
        }],
        false,
    )
    .map_err(|e| format!("cannot read a stored statement: {e}"))?;
    schema.unmanaged = unmanaged;
    Ok(schema)
}
