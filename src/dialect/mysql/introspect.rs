//! Reading a MySQL or MariaDB database through `information_schema`, in the fixed set of
//! queries in `queries`, with the two servers' differences handled here: MariaDB quotes
//! defaults (`'abc'`, `NULL`, `current_timestamp()`), keeps JSON as LONGTEXT with a
//! `json_valid` check, and names check constraints' tables itself.

use super::queries as q;
use crate::dialect::connection::describe;
use crate::model::{
    Check, Column, DataType, FkAction, ForeignKey, Generated, Index, IndexKey, IndexPart,
    PrimaryKey, QName, Schema, Table, Unmanaged, View,
};
use crate::parse;
use sqlx::mysql::MySqlRow;
use sqlx::{MySqlConnection, Row};
use std::collections::BTreeMap;

/// How long one catalog read may take (and wait for a lock), in whole seconds (the
/// server's unit for lock waits), at least 1.
fn seconds(d: std::time::Duration) -> u64 {
    d.as_secs().max(1)
}

/// Runs one catalog query; a timeout names what was being read.
async fn fetch(
    conn: &mut MySqlConnection,
    sql: &str,
    limit: std::time::Duration,
) -> Result<Vec<MySqlRow>, String> {
    sqlx::query(sql).fetch_all(&mut *conn).await.map_err(|e| {
        let timed_out = match &e {
            sqlx::Error::Database(db) => {
                // MariaDB max_statement_time, lock_wait_timeout, MySQL max_execution_time.
                matches!(db.code().as_deref(), Some("1969" | "1205" | "3024" | "70100"))
            }
            _ => false,
        };
        let what = q::what(sql);
        if timed_out {
            format!(
                "reading {what} from information_schema did not finish within {}s (a lock held by another session?): {}",
                seconds(limit),
                describe(&e)
            )
        } else {
            format!("reading {what} from information_schema: {}", describe(&e))
        }
    })
}

/// Bounds every catalog read of this session (statement time and metadata-lock waits),
/// returning the statement that puts the previous limits back.
async fn bound_reads(
    conn: &mut MySqlConnection,
    limit: std::time::Duration,
) -> Result<String, String> {
    let secs = seconds(limit);
    let row = sqlx::query(
        "SELECT VERSION() AS version, CAST(@@SESSION.lock_wait_timeout AS SIGNED) AS lock_wait",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| describe(&e))?;
    let version: String = row.try_get("version").map_err(|e| e.to_string())?;
    let lock_wait: i64 = row.try_get("lock_wait").map_err(|e| e.to_string())?;
    let (set, restore) = if version.to_ascii_lowercase().contains("mariadb") {
        let prev: f64 = sqlx::query_scalar("SELECT CAST(@@SESSION.max_statement_time AS DOUBLE)")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| describe(&e))?;
        (
            format!("SET SESSION max_statement_time = {secs}, lock_wait_timeout = {secs}"),
            format!("SET SESSION max_statement_time = {prev}, lock_wait_timeout = {lock_wait}"),
        )
    } else {
        let prev: i64 = sqlx::query_scalar("SELECT CAST(@@SESSION.max_execution_time AS SIGNED)")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| describe(&e))?;
        (
            format!(
                "SET SESSION max_execution_time = {}, lock_wait_timeout = {secs}",
                secs * 1000
            ),
            format!("SET SESSION max_execution_time = {prev}, lock_wait_timeout = {lock_wait}"),
        )
    };
    sqlx::raw_sql(&set)
        .execute(&mut *conn)
        .await
        .map_err(|e| describe(&e))?;
    Ok(restore)
}

fn text(row: &MySqlRow, col: &str) -> Result<Option<String>, String> {
    if let Ok(v) = row.try_get::<Option<String>, _>(col) {
        return Ok(v);
    }
    // Some catalog columns come back as binary strings.
    row.try_get::<Option<Vec<u8>>, _>(col)
        .map(|v| v.map(|b| String::from_utf8_lossy(&b).into_owned()))
        .map_err(|e| format!("catalog column {col}: {e}"))
}

fn req(row: &MySqlRow, col: &str) -> Result<String, String> {
    Ok(text(row, col)?.unwrap_or_default())
}

fn action(rule: &str) -> FkAction {
    match rule {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "NO ACTION" => FkAction::NoAction,
        _ => FkAction::Restrict,
    }
}

/// The collation of MariaDB's JSON (LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin).
pub const JSON_COLLATION: &str = "utf8mb4_bin";

/// Database-level facts later steps need, kept in `Schema::defaults`.
pub const FLAVOR: &str = "flavor";
pub const CHARSET: &str = "charset";
pub const COLLATION: &str = "collation";
pub const ENGINE: &str = "engine";
/// Prefix of `default_collation:<charset>` entries.
pub const DEFAULT_COLLATION: &str = "default_collation:";

/// Reads the connected database's schema, every catalog read bounded in time (see
/// `limit`, the `catalog_timeout` setting); the session's own limits are put back
/// afterwards, so statements that run later on the connection (DDL) are not cut short.
pub async fn introspect(
    conn: &mut MySqlConnection,
    limit: std::time::Duration,
) -> Result<Schema, String> {
    let restore = bound_reads(conn, limit).await?;
    let result = read(conn, limit).await;
    let restored = sqlx::raw_sql(&restore).execute(&mut *conn).await;
    let schema = result?;
    restored.map_err(|e| describe(&e))?;
    Ok(schema)
}

async fn read(conn: &mut MySqlConnection, limit: std::time::Duration) -> Result<Schema, String> {
    let mut s = Schema::default();
    let db = fetch(conn, q::DATABASE, limit).await?;
    let db = db.first().ok_or(
        "the connection has no current database; add one to the URL (mysql://host/DATABASE)",
    )?;
    let version = req(db, "version")?;
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    s.defaults.insert(
        FLAVOR.into(),
        if mariadb { "mariadb" } else { "mysql" }.into(),
    );
    s.defaults
        .insert(CHARSET.into(), req(db, "charset")?.to_lowercase());
    s.defaults
        .insert(COLLATION.into(), req(db, "collation")?.to_lowercase());
    s.defaults
        .insert(ENGINE.into(), req(db, "engine")?.to_lowercase());
    s.defaults
        .insert(super::program::SQL_MODE.into(), req(db, "sql_mode")?);
    for r in fetch(conn, q::DEFAULT_COLLATIONS, limit).await? {
        s.defaults.insert(
            format!("{DEFAULT_COLLATION}{}", req(&r, "charset")?.to_lowercase()),
            req(&r, "collation")?.to_lowercase(),
        );
    }
    for r in fetch(conn, q::TABLES, limit).await? {
        let name = QName::new("", req(&r, "name")?);
        let mut t = Table::new(name.clone());
        t.engine = text(&r, "engine")?.map(|e| e.to_lowercase());
        t.collation = text(&r, "collation")?.map(|e| e.to_lowercase());
        t.charset = text(&r, "charset")?.map(|e| e.to_lowercase());
        t.comment = text(&r, "comment")?.filter(|c| !c.is_empty());
        let options = text(&r, "create_options")?.unwrap_or_default();
        // A partitioned table is left alone, by name, on both sides (never flattened into
        // a plain one by `inspect`, never dropped by a plan).
        if options
            .split_whitespace()
            .any(|o| o.eq_ignore_ascii_case("partitioned"))
        {
            let why = "a partitioned table (PARTITION BY) is not managed yet".to_string();
            s.unmanaged.push(Unmanaged {
                kind: "table".into(),
                name: format!("{name} ({why})"),
            });
            s.unreadable.insert(name, why);
            continue;
        }
        // Only the options a CREATE or ALTER stated: `row_format=COMPRESSED key_block_size=8`.
        for option in options.split_whitespace() {
            let Some((key, value)) = option.split_once('=') else {
                continue;
            };
            match key.to_ascii_lowercase().as_str() {
                "row_format" => t.row_format = Some(value.to_ascii_lowercase()),
                "key_block_size" => t.key_block_size = value.parse().ok(),
                _ => {}
            }
        }
        s.tables.insert(name, t);
    }
    for r in fetch(conn, q::COLUMNS, limit).await? {
        let table = QName::new("", req(&r, "table_name")?);
        let Some(t) = s.tables.get_mut(&table) else {
            continue;
        };
        let c = column(&r, mariadb)?;
        t.columns.push(c);
    }
    indexes(conn, &mut s, mariadb, limit).await?;
    let mut fks: BTreeMap<(String, String), ForeignKey> = BTreeMap::new();
    for r in fetch(conn, q::FOREIGN_KEYS, limit).await? {
        let table = req(&r, "table_name")?;
        let name = req(&r, "name")?;
        let fk = fks
            .entry((table, name.clone()))
            .or_insert_with(|| ForeignKey {
                not_valid: false,
                name,
                columns: Vec::new(),
                ref_table: QName::new("", ""),
                ref_columns: Vec::new(),
                on_delete: FkAction::NoAction,
                on_update: FkAction::NoAction,
                deferrable: false,
                initially_deferred: false,
                unspecified: (false, false),
                match_full: false,
            });
        fk.columns.push(req(&r, "column_name")?);
        fk.ref_columns.push(req(&r, "ref_column")?);
        fk.ref_table = QName::new("", req(&r, "ref_table")?);
        fk.on_delete = action(&req(&r, "on_delete")?);
        fk.on_update = action(&req(&r, "on_update")?);
    }
    for ((table, _), fk) in fks {
        if let Some(t) = s.tables.get_mut(&QName::new("", table)) {
            t.foreign_keys.push(fk);
        }
    }
    let checks = fetch(
        conn,
        if mariadb {
            q::CHECKS_MARIADB
        } else {
            q::CHECKS_MYSQL
        },
        limit,
    )
    .await?;
    for r in checks {
        let table = QName::new("", req(&r, "table_name")?);
        let Some(t) = s.tables.get_mut(&table) else {
            continue;
        };
        let name = req(&r, "name")?;
        let clause = req(&r, "clause")?;
        let column_level = req(&r, "level")? == "Column";
        if let Some(col) = t.column_mut(&name) {
            // MariaDB keeps JSON as LONGTEXT in utf8mb4_bin guarded by `json_valid(col)` (a
            // LONGTEXT with that check in another collation is what the file wrote).
            let expected = format!("json_valid(`{name}`)");
            if clause.trim() == expected
                && matches!(col.data_type, DataType::SizedText(_))
                && col.collation.as_deref() == Some(JSON_COLLATION)
            {
                col.data_type = DataType::Json;
                col.charset = None;
                col.collation = None;
                continue;
            }
            if column_level {
                col.check = Some(catalog_expr(&clause)?);
                continue;
            }
        }
        t.checks.push(Check {
            not_valid: false,
            name,
            expr: catalog_expr(&clause)?,
            no_inherit: false,
        });
    }

    let current: Option<String> = sqlx::query_scalar::<_, Option<String>>("SELECT DATABASE()")
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| describe(&e))?;
    let qualifier = current
        .map(|d| format!("`{}`.", d.replace('`', "``")))
        .unwrap_or_default();
    let views = if mariadb { q::VIEWS } else { q::VIEWS_MYSQL };
    for r in fetch(conn, views, limit).await? {
        let name = QName::new("", req(&r, "name")?);
        let def = req(&r, "definition")?.replace(&qualifier, "");
        let (query, depends_on, _) = parse::view_query(&parse::from_mysql(&def)?)?;
        // The server's defaults are `None`, as in a file that does not state them.
        let option = |col: &str, default: &str| -> Result<Option<String>, String> {
            Ok(text(&r, col)?
                .map(|v| v.to_ascii_lowercase())
                .filter(|v| v != default))
        };
        let mut view = View::new(name.clone(), false, query, depends_on);
        view.check_option = option("check_option", "none")?;
        view.algorithm = option("algorithm", "undefined")?;
        view.security = option("security", "definer")?;
        s.views.insert(name, view);
    }
    let programs = super::program::Rows {
        routines: fetch(conn, q::ROUTINES, limit).await?,
        parameters: fetch(conn, q::PARAMETERS, limit).await?,
        triggers: fetch(conn, q::TRIGGERS, limit).await?,
        events: fetch(conn, q::EVENTS, limit).await?,
    };
    super::program::read(&programs, &mut s, text)?;
    for r in fetch(conn, q::UNMANAGED, limit).await? {
        s.unmanaged.push(Unmanaged {
            kind: req(&r, "kind")?,
            name: req(&r, "name")?,
        });
    }
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    Ok(s)
}

/// An expression as MySQL prints it (backslash escapes in strings, backquoted names), read
/// into the schema language the model keeps.
fn catalog_expr(text: &str) -> Result<crate::model::Expr, String> {
    parse::expr(&parse::from_mysql(text)?)
}

fn column(r: &MySqlRow, mariadb: bool) -> Result<Column, String> {
    let name = req(r, "name")?;
    let data_type = req(r, "data_type")?.to_lowercase();
    let column_type = req(r, "column_type")?;
    // ENUM and SET values are printed with MySQL's escapes (a backslash doubled).
    let mut ty = parse::data_type(&parse::from_mysql(&column_type)?)?;
    // FLOAT is MySQL's 4-byte type, whatever its precision.
    if data_type == "float" {
        ty = match ty {
            DataType::Unsigned(_) => DataType::Unsigned(Box::new(DataType::Real)),
            _ => DataType::Real,
        };
    }
    let mut ty = super::types::native_digits(&column_type, ty);
    // In MySQL, TIMESTAMP is the zone-aware type and DATETIME the plain one.
    if data_type == "timestamp" {
        if let DataType::Timestamp { precision, .. } = ty {
            ty = DataType::Timestamp {
                tz: true,
                precision,
            };
        }
    }
    let mut c = Column::new(&name, ty);
    c.nullable = req(r, "nullable")? == "YES";
    c.charset = text(r, "charset")?.map(|v| v.to_lowercase());
    c.collation = text(r, "collation")?.map(|v| v.to_lowercase());
    c.comment = text(r, "comment")?.filter(|v| !v.is_empty());
    let extra = req(r, "extra")?.to_lowercase();
    c.autoincrement = extra.contains("auto_increment");
    if let Some(pos) = extra.find("on update ") {
        let expr = extra[pos + "on update ".len()..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string();
        c.on_update = Some(catalog_expr(&expr)?);
    }
    let generation = text(r, "generation")?.filter(|g| !g.is_empty());
    if extra.contains("generated")
        || extra.contains("virtual")
        || extra.contains("stored")
        || extra.contains("persistent")
    {
        if let Some(g) = generation {
            c.generated = Some(Generated {
                expr: catalog_expr(&g)?,
                stored: extra.contains("stored") || extra.contains("persistent"),
            });
        }
    } else if let Some(d) = text(r, "default_expr")? {
        let d = d.trim().to_string();
        let numeric = matches!(
            c.data_type,
            DataType::TinyInt
                | DataType::SmallInt
                | DataType::MediumInt
                | DataType::Integer
                | DataType::BigInt
                | DataType::Numeric(_)
                | DataType::Real
                | DataType::Double
                | DataType::Boolean
                | DataType::Unsigned(_)
                | DataType::Zerofill(..)
                | DataType::FloatDigits { .. }
                | DataType::Bit(_)
        );
        // MariaDB reports defaults as SQL; MySQL 8 reports literals unquoted.
        let as_sql = mariadb
            || extra.contains("default_generated")
            || d.eq_ignore_ascii_case("NULL")
            || numeric;
        if as_sql {
            if !d.eq_ignore_ascii_case("NULL") {
                c.default = Some(catalog_expr(&d)?);
            }
        } else {
            c.default = Some(parse::expr(&parse::standard_literal(&d))?);
        }
    }
    Ok(c)
}

async fn indexes(
    conn: &mut MySqlConnection,
    s: &mut Schema,
    mariadb: bool,
    limit: std::time::Duration,
) -> Result<(), String> {
    let rows = fetch(
        conn,
        if mariadb {
            q::INDEXES
        } else {
            q::INDEXES_MYSQL
        },
        limit,
    )
    .await?;
    let mut found: BTreeMap<(String, String), Index> = BTreeMap::new();
    for r in rows {
        let table = req(&r, "table_name")?;
        let name = req(&r, "name")?;
        let non_unique: i64 = r.try_get("non_unique").map_err(|e| e.to_string())?;
        let kind = req(&r, "index_type")?.to_lowercase();
        let entry = found.entry((table, name.clone())).or_insert_with(|| Index {
            name,
            unique: non_unique == 0,
            parts: Vec::new(),
            predicate: None,
            method: match kind.as_str() {
                "fulltext" | "spatial" => Some(kind.clone()),
                _ => None,
            },
            nulls_not_distinct: false,
            include: Vec::new(),
            with: Vec::new(),
            comment: None,
            using: None,
            only: false,
            attached_to: None,
        });
        if entry.comment.is_none() {
            entry.comment = text(&r, "index_comment")?.filter(|c| !c.is_empty());
        }
        let length: Option<i64> = r.try_get("sub_part").map_err(|e| e.to_string())?;
        let key = match text(&r, "column_name")? {
            Some(col) => IndexKey::Column(col),
            None => {
                let e = if mariadb {
                    None
                } else {
                    text(&r, "expression")?
                };
                IndexKey::Expr(catalog_expr(&e.unwrap_or_default())?)
            }
        };
        entry.parts.push(IndexPart {
            key,
            desc: text(&r, "collation")?.as_deref() == Some("D"),
            nulls_first: None,
            opclass: None,
            length: length.and_then(|l| u32::try_from(l).ok()),
        });
    }
    for ((table, name), index) in found {
        let Some(t) = s.tables.get_mut(&QName::new("", table)) else {
            continue;
        };
        if name == "PRIMARY" {
            t.primary_key = Some(PrimaryKey {
                name,
                columns: index.columns().map(str::to_string).collect(),
                desc: false,
            });
        } else {
            t.indexes.push(index);
        }
    }
    Ok(())
}
