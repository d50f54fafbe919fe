//! Reading a PostgreSQL database: the fixed set of catalog queries in `queries`, joined in
//! memory. Index, view and expression texts are parsed by the same parser as schema files.

use super::queries as q;
use crate::dialect::connection::describe;
use crate::model::{
    Check, Column, DataType, EnumType, FkAction, ForeignKey, Generated, Identity, PrimaryKey,
    QName, Schema, Sequence, Table, Unique, Unmanaged, View,
};
use crate::parse;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use std::collections::BTreeMap;
use std::time::Duration;

async fn fetch(conn: &mut PgConnection, sql: &str) -> Result<Vec<PgRow>, String> {
    sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| match &e {
            // 57014: query_canceled, which is what statement_timeout raises.
            sqlx::Error::Database(db) if db.code().as_deref() == Some("57014") => format!(
                "reading the {} catalog timed out (catalog_timeout; another session may hold a lock on an object it reads): {}",
                q::what(sql),
                describe(&e)
            ),
            _ => format!("reading the {} catalog: {}", q::what(sql), describe(&e)),
        })
}

/// Bounds every catalog read of a session: a lock held elsewhere fails the read after
/// `limit` (the `catalog_timeout` setting) instead of waiting forever.
async fn bound(conn: &mut PgConnection, limit: Duration) -> Result<(), String> {
    let ms = limit.as_millis().max(1);
    sqlx::raw_sql(&format!(
        "SET statement_timeout = {ms}; SET lock_timeout = {ms}"
    ))
    .execute(&mut *conn)
    .await
    .map(|_| ())
    .map_err(|e| describe(&e))
}

/// Puts the session's timeouts back: the same connection runs the plan, with its own.
async fn unbound(conn: &mut PgConnection) {
    let _ = sqlx::raw_sql("RESET statement_timeout; RESET lock_timeout")
        .execute(&mut *conn)
        .await;
}

fn get<'r, T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(
    row: &'r PgRow,
    col: &str,
) -> Result<T, String> {
    row.try_get(col)
        .map_err(|e| format!("catalog column {col}: {e}"))
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

/// The catalog rows, fetched before any is interpreted.
struct Rows {
    schemas: Vec<PgRow>,
    extensions: Vec<PgRow>,
    enums: Vec<PgRow>,
    sequences: Vec<PgRow>,
    tables: Vec<PgRow>,
    columns: Vec<PgRow>,
    constraints: Vec<PgRow>,
    indexes: Vec<PgRow>,
    views: Vec<PgRow>,
    unmanaged: Vec<PgRow>,
}

async fn open(url: &str, limit: Duration) -> Option<PgConnection> {
    let mut c = super::open(url).await.ok()?;
    bound(&mut c, limit).await.ok()?;
    Some(c)
}

/// Runs the catalog queries: the three big ones on two extra connections when `url` allows
/// opening them (the server works on them in parallel), everything on `conn` otherwise.
async fn fetch_all(
    conn: &mut PgConnection,
    url: Option<&str>,
    limit: Duration,
) -> Result<Rows, String> {
    let (mut b, mut c) = match url {
        Some(u) => tokio::join!(open(u, limit), open(u, limit)),
        None => (None, None),
    };
    let main = async {
        Ok::<_, String>((
            fetch(conn, q::SCHEMAS).await?,
            fetch(conn, q::EXTENSIONS).await?,
            fetch(conn, q::ENUMS).await?,
            fetch(conn, q::SEQUENCES).await?,
            fetch(conn, q::TABLES).await?,
            fetch(conn, q::VIEWS).await?,
            fetch(conn, q::UNMANAGED).await?,
        ))
    };
    let columns = async {
        match b.as_mut() {
            Some(b) => Some(fetch(b, q::COLUMNS).await),
            None => None,
        }
    };
    let keys = async {
        match c.as_mut() {
            Some(c) => Some((fetch(c, q::CONSTRAINTS).await, fetch(c, q::INDEXES).await)),
            None => None,
        }
    };
    let (main, columns, keys) = tokio::join!(main, columns, keys);
    let (schemas, extensions, enums, sequences, tables, views, unmanaged) = main?;
    let columns = match columns {
        Some(r) => r?,
        None => fetch(conn, q::COLUMNS).await?,
    };
    let (constraints, indexes) = match keys {
        Some((a, b)) => (a?, b?),
        None => (
            fetch(conn, q::CONSTRAINTS).await?,
            fetch(conn, q::INDEXES).await?,
        ),
    };
    Ok(Rows {
        schemas,
        extensions,
        enums,
        sequences,
        tables,
        columns,
        constraints,
        indexes,
        views,
        unmanaged,
    })
}

pub async fn introspect(
    conn: &mut PgConnection,
    url: Option<&str>,
    limit: Duration,
) -> Result<Schema, String> {
    bound(conn, limit).await?;
    let rows = fetch_all(conn, url, limit).await;
    unbound(conn).await;
    let rows = rows?;
    let mut s = Schema::default();
    for r in rows.schemas {
        s.schemas.insert(get(&r, "name")?);
    }
    for r in rows.extensions {
        s.extensions.insert(get(&r, "name")?);
    }
    for r in rows.enums {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        s.enums.insert(
            name.clone(),
            EnumType {
                name,
                values: get(&r, "labels")?,
            },
        );
    }
    // One object sqlshift cannot interpret is left alone, by name; the rest is read.
    let mut bad: BTreeMap<QName, String> = BTreeMap::new();
    for r in rows.sequences {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        let ty: String = get(&r, "data_type")?;
        let data_type = match parse::data_type(&ty) {
            Ok(t) => t,
            Err(e) => {
                s.unmanaged.push(Unmanaged {
                    kind: "sequence".into(),
                    name: format!("{name} (cannot read: {e})"),
                });
                continue;
            }
        };
        s.sequences.insert(
            name.clone(),
            Sequence {
                name,
                data_type,
                start: get(&r, "seqstart")?,
                increment: get(&r, "seqincrement")?,
                min_value: Some(get(&r, "seqmin")?),
                max_value: Some(get(&r, "seqmax")?),
                cache: get(&r, "seqcache")?,
                cycle: get(&r, "seqcycle")?,
            },
        );
    }
    for r in rows.tables {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        let mut t = Table::new(name.clone());
        t.comment = get(&r, "comment")?;
        if get::<bool>(&r, "inherits")? {
            bad.insert(
                name.clone(),
                "it inherits from another table; table inheritance is not managed yet".into(),
            );
        }
        if get::<String>(&r, "relkind")? == "p" {
            bad.insert(
                name.clone(),
                "a partitioned table (PARTITION BY) is not managed yet".into(),
            );
        }
        if get::<String>(&r, "persistence")? == "u" {
            bad.insert(name.clone(), "an UNLOGGED table is not managed yet".into());
        }
        s.tables.insert(name, t);
    }
    for r in rows.columns {
        let table = QName::new(
            get::<String>(&r, "schema")?,
            get::<String>(&r, "table_name")?,
        );
        match column(&r) {
            Ok(col) => {
                if let Some(t) = s.tables.get_mut(&table) {
                    t.columns.push(col);
                }
            }
            Err(e) => {
                let col: String = get(&r, "name")?;
                bad.entry(table)
                    .or_insert(format!("its definition cannot be read: column {col}: {e}"));
            }
        }
    }
    for r in rows.constraints {
        let table = QName::new(
            get::<String>(&r, "schema")?,
            get::<String>(&r, "table_name")?,
        );
        let Some(t) = s.tables.get_mut(&table) else {
            continue;
        };
        let name: String = get(&r, "name")?;
        let columns: Vec<String> = get(&r, "columns")?;
        match get::<String>(&r, "kind")?.as_str() {
            "p" => {
                t.primary_key = Some(PrimaryKey {
                    name,
                    columns,
                    desc: false,
                })
            }
            "u" => t.uniques.push(Unique {
                name,
                columns,
                nulls_not_distinct: get(&r, "nulls_not_distinct")?,
            }),
            "f" => t.foreign_keys.push(ForeignKey {
                name,
                columns,
                ref_table: QName::new(
                    get::<Option<String>>(&r, "ref_schema")?.unwrap_or_default(),
                    get::<Option<String>>(&r, "ref_table")?.unwrap_or_default(),
                ),
                ref_columns: get(&r, "ref_columns")?,
                on_delete: action(&get::<String>(&r, "on_delete")?),
                on_update: action(&get::<String>(&r, "on_update")?),
                deferrable: get(&r, "deferrable")?,
                initially_deferred: get(&r, "deferred")?,
                unspecified: (false, false),
                match_full: get::<String>(&r, "match_type")? == "f",
            }),
            _ => {
                let def: String = get::<Option<String>>(&r, "definition")?.unwrap_or_default();
                let body = def
                    .trim()
                    .strip_prefix("CHECK ")
                    .unwrap_or(&def)
                    .trim_end_matches(" NOT VALID");
                let (body, no_inherit) = match body.strip_suffix(" NO INHERIT") {
                    Some(b) => (b, true),
                    None => (body, false),
                };
                match parse::expr(body) {
                    Ok(expr) => t.checks.push(Check {
                        name,
                        expr,
                        no_inherit,
                    }),
                    Err(e) => {
                        bad.entry(table)
                            .or_insert(format!("its definition cannot be read: check {name}: {e}"));
                    }
                }
            }
        }
    }
    for r in rows.indexes {
        let table = QName::new(
            get::<String>(&r, "schema")?,
            get::<String>(&r, "table_name")?,
        );
        let def: String = get(&r, "definition")?;
        let Some(t) = s.tables.get_mut(&table) else {
            continue;
        };
        match parse::index_definition(&def) {
            Ok((_, index)) => t.indexes.push(index),
            Err(e) => {
                bad.entry(table)
                    .or_insert(format!("its definition cannot be read: index: {e}"));
            }
        }
    }
    for r in rows.views {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        let def: String = get(&r, "definition")?;
        let (query, depends_on) = match parse::view_query(&def) {
            Ok(q) => q,
            Err(e) => {
                bad.insert(name, format!("its definition cannot be read: {e}"));
                continue;
            }
        };
        let materialized = get::<String>(&r, "kind")? == "m";
        s.views.insert(
            name.clone(),
            View {
                name,
                materialized,
                query,
                depends_on,
                comment: None,
                check_option: None,
                algorithm: None,
                security: None,
            },
        );
    }
    for r in rows.unmanaged {
        s.unmanaged.push(Unmanaged {
            kind: get(&r, "kind")?,
            name: get(&r, "name")?,
        });
    }
    for (name, why) in bad {
        let kind = if s.tables.remove(&name).is_some() {
            "table"
        } else {
            "view"
        };
        s.unmanaged.push(Unmanaged {
            kind: kind.into(),
            name: format!("{name} ({why})"),
        });
        s.unreadable.insert(name, why);
    }
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    Ok(s)
}

fn column(r: &PgRow) -> Result<Column, String> {
    let name: String = get(r, "name")?;
    let typtype: String = get(r, "typtype")?;
    let elem_typtype: Option<String> = get(r, "elem_typtype")?;
    // Enum types, and domains (kept by name: sqlshift does not manage their definition).
    let data_type = if typtype == "e" || typtype == "d" {
        DataType::Named(QName::new(
            get::<String>(r, "type_schema")?,
            get::<String>(r, "type_name")?,
        ))
    } else if elem_typtype.as_deref() == Some("e") {
        DataType::Array(Box::new(DataType::Named(QName::new(
            get::<Option<String>>(r, "elem_schema")?.unwrap_or_default(),
            get::<Option<String>>(r, "elem_name")?.unwrap_or_default(),
        ))))
    } else {
        let spelled: String = get(r, "data_type")?;
        parse::data_type(&spelled)?
    };
    let mut c = Column::new(&name, data_type);
    c.nullable = !get::<bool>(r, "not_null")?;
    c.comment = get(r, "comment")?;
    let default: Option<String> = get(r, "default_expr")?;
    let identity: String = get(r, "identity")?;
    let generated: String = get(r, "generated")?;
    let owned: Option<String> = get(r, "owned_sequence")?;
    c.identity = match identity.as_str() {
        "a" => Some(Identity::Always),
        "d" => Some(Identity::ByDefault),
        _ => None,
    };
    if generated == "s" {
        if let Some(d) = &default {
            c.generated = Some(Generated {
                expr: parse::expr(d)?,
                stored: true,
            });
        }
    } else if let Some(d) = default {
        let is_serial = c.identity.is_none()
            && owned
                .as_ref()
                .is_some_and(|seq| d.starts_with("nextval(") && d.contains(seq.as_str()));
        if is_serial {
            c.serial = true;
        } else {
            c.default = Some(parse::expr(&d)?);
        }
    }
    Ok(c)
}
