//! Reading a PostgreSQL database: the fixed set of catalog queries in `queries`, joined in
//! memory. Index, view and expression texts are parsed by the same parser as schema files.

use super::memo::Memo;
use super::queries as q;
use crate::dialect::connection::describe;
use crate::model::{
    default_multirange, Attribute, Check, Column, CompositeType, DataType, Domain, DomainCheck,
    EnumType, FkAction, ForeignKey, Generated, Identity, IdentityOptions, IndexRef, PartitionOf,
    PrimaryKey, QName, RangeType, Schema, Sequence, Table, Unique, Unmanaged, View,
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
    // Timestamps with time zone print in the session's zone (partition bounds, defaults);
    // read in UTC, they compare with a file's values brought to UTC.
    sqlx::raw_sql(&format!(
        "SET statement_timeout = {ms}; SET lock_timeout = {ms}; SET TimeZone = 'UTC'"
    ))
    .execute(&mut *conn)
    .await
    .map(|_| ())
    .map_err(|e| describe(&e))
}

/// Puts the session's timeouts back: the same connection runs the plan, with its own.
async fn unbound(conn: &mut PgConnection) {
    let _ = sqlx::raw_sql("RESET statement_timeout; RESET lock_timeout; RESET TimeZone")
        .execute(&mut *conn)
        .await;
}

pub(super) fn get<'r, T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>>(
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
    domains: Vec<PgRow>,
    composites: Vec<PgRow>,
    ranges: Vec<PgRow>,
    sequences: Vec<PgRow>,
    tables: Vec<PgRow>,
    columns: Vec<PgRow>,
    constraints: Vec<PgRow>,
    indexes: Vec<PgRow>,
    views: Vec<PgRow>,
    routines: Vec<PgRow>,
    triggers: Vec<PgRow>,
    unmanaged: Vec<PgRow>,
    /// Row-level security and policies; owners and privileges (see `security.rs`).
    policies: Vec<PgRow>,
    access: Vec<PgRow>,
}

async fn open(url: &str, limit: Duration) -> Option<PgConnection> {
    let mut c = super::open(url).await.ok()?;
    bound(&mut c, limit).await.ok()?;
    Some(c)
}

/// Runs the catalog queries: COLUMNS and INDEXES on two extra connections when `url` allows
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
            fetch(conn, q::DOMAINS).await?,
            fetch(conn, q::COMPOSITES).await?,
            fetch(conn, q::RANGES).await?,
            fetch(conn, q::SEQUENCES).await?,
            fetch(conn, q::TABLES).await?,
            fetch(conn, q::VIEWS).await?,
            fetch(conn, q::ROUTINES).await?,
            fetch(conn, q::TRIGGERS).await?,
            fetch(conn, q::UNMANAGED).await?,
            // Here, not with INDEXES: the small queries before it take about as long as
            // the two big ones on the other connections (1,000 tables: ~50 ms + ~55 ms,
            // COLUMNS ~120 ms, INDEXES ~85 ms).
            fetch(conn, q::CONSTRAINTS).await?,
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
            Some(c) => Some(
                async {
                    Ok::<_, String>((
                        fetch(c, q::INDEXES).await?,
                        fetch(c, q::POLICIES).await?,
                        fetch(c, q::ACCESS).await?,
                    ))
                }
                .await,
            ),
            None => None,
        }
    };
    let (main, columns, keys) = tokio::join!(main, columns, keys);
    let (
        schemas,
        extensions,
        enums,
        domains,
        composites,
        ranges,
        sequences,
        tables,
        views,
        routines,
        triggers,
        unmanaged,
        constraints,
    ) = main?;
    let columns = match columns {
        Some(r) => r?,
        None => fetch(conn, q::COLUMNS).await?,
    };
    let (indexes, policies, access) = match keys {
        Some(r) => r?,
        None => (
            fetch(conn, q::INDEXES).await?,
            fetch(conn, q::POLICIES).await?,
            fetch(conn, q::ACCESS).await?,
        ),
    };
    Ok(Rows {
        schemas,
        extensions,
        enums,
        domains,
        composites,
        ranges,
        sequences,
        tables,
        columns,
        constraints,
        indexes,
        views,
        routines,
        triggers,
        unmanaged,
        policies,
        access,
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
    let mut memo = Memo::default();
    for r in rows.schemas {
        let name: String = get(&r, "name")?;
        if let Some(c) = get::<Option<String>>(&r, "comment")? {
            s.schema_comments.insert(name.clone(), c);
        }
        s.schemas.insert(name);
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
                comment: get(&r, "comment")?,
            },
        );
    }
    for r in rows.domains {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        match domain(&r, name.clone(), &mut memo) {
            Ok(d) => {
                if let Some(c) = get::<Option<String>>(&r, "comment")? {
                    s.type_comments.insert(name.clone(), c);
                }
                s.domains.insert(name, d);
            }
            Err(e) => s.unmanaged.push(Unmanaged {
                kind: "domain".into(),
                name: format!("{name} (cannot read: {e})"),
            }),
        }
    }
    user_types(&rows.composites, &rows.ranges, &mut s, &mut memo)?;
    // One object sqlshift cannot interpret is left alone, by name; the rest is read.
    let mut bad: BTreeMap<QName, String> = BTreeMap::new();
    for r in rows.sequences {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        let ty: String = get(&r, "data_type")?;
        let data_type = match memo.data_type(&ty) {
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
                comment: get(&r, "comment")?,
            },
        );
    }
    for r in rows.tables {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        let mut t = Table::new(name.clone());
        t.comment = get(&r, "comment")?;
        if let Err(e) = partitioning(&r, &mut t) {
            bad.insert(name.clone(), format!("its definition cannot be read: {e}"));
        }
        t.unlogged = get::<String>(&r, "persistence")? == "u";
        t.storage = options(&r)?;
        t.no_toast = get(&r, "no_toast")?;
        if let Some(ts) = get::<Option<String>>(&r, "tablespace")? {
            bad.insert(name.clone(), not_default_tablespace("it is", &ts));
        }
        s.tables.insert(name, t);
    }
    for r in rows.columns {
        let table = QName::new(
            get::<String>(&r, "schema")?,
            get::<String>(&r, "table_name")?,
        );
        match column(&r, &mut memo) {
            Ok(mut col) => {
                col.inherited = get(&r, "inherited")?;
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
        if let Some(c) = get::<Option<String>>(&r, "comment")? {
            t.constraint_comments.insert(name.clone(), c);
        }
        if get::<bool>(&r, "inherited")? {
            t.inherited_members.insert(name.clone());
        }
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
                deferrable: get(&r, "deferrable")?,
                initially_deferred: get(&r, "deferred")?,
            }),
            "f" => t.foreign_keys.push(ForeignKey {
                not_valid: !get::<bool>(&r, "validated")?,
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
            "x" => {
                let def: String = get::<Option<String>>(&r, "definition")?.unwrap_or_default();
                match parse::exclusion_definition(&name, &def) {
                    Ok(x) => t.exclusions.push(x),
                    Err(e) => {
                        bad.entry(table).or_insert(format!(
                            "its definition cannot be read: exclusion constraint {name}: {e}"
                        ));
                    }
                }
            }
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
                match memo.expr(body) {
                    Ok(expr) => t.checks.push(Check {
                        not_valid: !get::<bool>(&r, "validated")?,
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
    // Indexes of materialized views, read once the views are.
    let mut view_indexes = Vec::new();
    for r in rows.indexes {
        let table = QName::new(
            get::<String>(&r, "schema")?,
            get::<String>(&r, "table_name")?,
        );
        let def: String = get(&r, "definition")?;
        let comment: Option<String> = get(&r, "comment")?;
        if let Some(ts) = get::<Option<String>>(&r, "tablespace")? {
            let index: String = get(&r, "name")?;
            bad.entry(table.clone()).or_insert(not_default_tablespace(
                &format!("its index {index} is"),
                &ts,
            ));
        }
        if get::<String>(&r, "relkind")? == "m" {
            view_indexes.push((table, def, comment));
            continue;
        }
        let Some(t) = s.tables.get_mut(&table) else {
            continue;
        };
        match memo.index(&def) {
            Ok(mut index) => {
                index.comment = comment;
                // Made ON ONLY a partitioned table and not yet on every partition.
                index.only = get::<String>(&r, "relkind")? == "p" && !get::<bool>(&r, "valid")?;
                if let Some([schema, table, name]) =
                    get::<Option<Vec<String>>>(&r, "parent_index")?.as_deref()
                {
                    index.attached_to = Some(IndexRef {
                        table: QName::new(schema.clone(), table.clone()),
                        name: name.clone(),
                    });
                    t.inherited_members.insert(index.name.clone());
                }
                t.indexes.push(index)
            }
            Err(e) => {
                bad.entry(table)
                    .or_insert(format!("its definition cannot be read: index: {e}"));
            }
        }
    }
    for r in rows.views {
        let name = QName::new(get::<String>(&r, "schema")?, get::<String>(&r, "name")?);
        let def: String = get(&r, "definition")?;
        let (query, depends_on, calls) = match parse::view_query(&def) {
            Ok(q) => q,
            Err(e) => {
                bad.insert(name, format!("its definition cannot be read: {e}"));
                continue;
            }
        };
        let materialized = get::<String>(&r, "kind")? == "m";
        let mut v = View::new(name.clone(), materialized, query, depends_on);
        v.calls = crate::model::Calls(calls);
        v.comment = get(&r, "comment")?;
        v.with_no_data = materialized && !get::<bool>(&r, "populated")?;
        v.options = options(&r)?;
        if let Some(ts) = get::<Option<String>>(&r, "tablespace")? {
            bad.insert(name.clone(), not_default_tablespace("it is", &ts));
        }
        let columns: Vec<String> = get(&r, "commented_columns")?;
        let comments: Vec<String> = get(&r, "column_comments")?;
        v.column_comments = columns.into_iter().zip(comments).collect();
        s.views.insert(name, v);
    }
    for (view, def, comment) in view_indexes {
        let Some(v) = s.views.get_mut(&view) else {
            continue;
        };
        match memo.index(&def) {
            Ok(mut index) => {
                index.comment = comment;
                v.indexes.push(index);
            }
            Err(e) => {
                bad.entry(view)
                    .or_insert(format!("its definition cannot be read: index: {e}"));
            }
        }
    }
    super::routine::read(&rows.routines, &mut s)?;
    super::security::read_policies(&rows.policies, &mut s)?;
    super::security::read_access(&rows.access, &mut s)?;
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
    // Once the relations left alone are known: their triggers and rules are too.
    super::trigger::read(&rows.triggers, &mut s)?;
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    Ok(s)
}

/// A partitioned table's key, a partition's parent and bound, an inheriting table's
/// parents.
fn partitioning(r: &PgRow, t: &mut Table) -> Result<(), String> {
    if let Some(key) = get::<Option<String>>(r, "partition_key")? {
        t.partition_by = Some(Box::new(parse::partition_key(&key)?));
    }
    let schemas: Vec<String> = get(r, "parent_schemas")?;
    let names: Vec<String> = get(r, "parent_names")?;
    let mut parents: Vec<QName> = schemas
        .into_iter()
        .zip(names)
        .map(|(s, n)| QName::new(s, n))
        .collect();
    match get::<Option<String>>(r, "partition_bound")? {
        Some(bound) if !parents.is_empty() => {
            t.partition_of = Some(Box::new(PartitionOf {
                parent: parents.swap_remove(0),
                bound: parse::partition_bound(&bound)?,
            }));
        }
        _ => t.inherits = parents,
    }
    Ok(())
}

/// A type the database's users defined (enum, domain, composite or range type), which is
/// kept by its name: `format_type` would print a bare name that may read as a built-in
/// type (a domain called `year`).
fn user_defined(typtype: &str, schema: &str) -> bool {
    match typtype {
        "e" | "d" => true,
        "c" | "r" | "m" => !matches!(schema, "pg_catalog" | "information_schema"),
        _ => false,
    }
}

/// The type a row describes in the columns `typtype`, `type_schema`, `type_name`, the
/// same for an array's element (`elem_…`), and `data_type` (`format_type`).
fn row_type(r: &PgRow, memo: &mut Memo) -> Result<DataType, String> {
    let typtype: String = get(r, "typtype")?;
    let schema: String = get(r, "type_schema")?;
    let elem_typtype: Option<String> = get(r, "elem_typtype")?;
    let elem_schema: Option<String> = get(r, "elem_schema")?;
    if user_defined(&typtype, &schema) {
        return Ok(DataType::Named(QName::new(
            schema,
            get::<String>(r, "type_name")?,
        )));
    }
    if let (Some(t), Some(s)) = (&elem_typtype, &elem_schema) {
        if user_defined(t, s) {
            return Ok(DataType::Array(Box::new(DataType::Named(QName::new(
                s.clone(),
                get::<Option<String>>(r, "elem_name")?.unwrap_or_default(),
            )))));
        }
    }
    let spelled: String = get(r, "data_type")?;
    memo.data_type(&spelled)
}

/// A name found through the search path (`pg_catalog`, `public`) is kept without its
/// schema, as a file writes it.
fn searched(schema: Option<String>, name: Option<String>) -> Option<QName> {
    let name = name?;
    let schema = schema.unwrap_or_default();
    let schema = if matches!(schema.as_str(), "pg_catalog" | "public") {
        String::new()
    } else {
        schema
    };
    Some(QName::new(schema, name))
}

/// Composite and range types; one that cannot be read is named as not managed.
fn user_types(
    composites: &[PgRow],
    ranges: &[PgRow],
    s: &mut Schema,
    memo: &mut Memo,
) -> Result<(), String> {
    let mut unreadable = Vec::new();
    for r in composites {
        let name = QName::new(get::<String>(r, "schema")?, get::<String>(r, "name")?);
        let t = s
            .composites
            .entry(name.clone())
            .or_insert_with(|| CompositeType {
                name: name.clone(),
                attributes: Vec::new(),
            });
        if let Some(c) = get::<Option<String>>(r, "comment")? {
            s.type_comments.insert(name.clone(), c);
        }
        let Some(attr) = get::<Option<String>>(r, "attribute")? else {
            continue;
        };
        match row_type(r, memo) {
            Ok(data_type) => t.attributes.push(Attribute {
                name: attr,
                data_type,
                collation: searched(get(r, "collation_schema")?, get(r, "collation")?),
            }),
            Err(e) => unreadable.push((name, format!("attribute {attr}: {e}"))),
        }
    }
    for r in ranges {
        let name = QName::new(get::<String>(r, "schema")?, get::<String>(r, "name")?);
        let subtype = match row_type(r, memo) {
            Ok(t) => t,
            Err(e) => {
                unreadable.push((name, format!("subtype: {e}")));
                continue;
            }
        };
        if let Some(c) = get::<Option<String>>(r, "comment")? {
            s.type_comments.insert(name.clone(), c);
        }
        // The name PostgreSQL derives is no choice of the schema's: kept as `None`.
        let derived = QName::new(name.schema.clone(), default_multirange(&name.name));
        let multirange = get::<Option<String>>(r, "multirange")?
            .map(|m| Ok::<_, String>(QName::new(get::<String>(r, "multirange_schema")?, m)))
            .transpose()?
            .filter(|m| *m != derived);
        s.ranges.insert(
            name.clone(),
            RangeType {
                name,
                subtype,
                subtype_opclass: searched(get(r, "opclass_schema")?, get(r, "opclass")?),
                collation: searched(get(r, "collation_schema")?, get(r, "collation")?),
                canonical: searched(get(r, "canonical_schema")?, get(r, "canonical")?),
                subtype_diff: searched(get(r, "subtype_diff_schema")?, get(r, "subtype_diff")?),
                multirange,
            },
        );
    }
    for (name, why) in unreadable {
        s.composites.remove(&name);
        s.ranges.remove(&name);
        s.type_comments.remove(&name);
        s.unmanaged.push(Unmanaged {
            kind: "type".into(),
            name: format!("{name} (cannot read: {why})"),
        });
    }
    Ok(())
}

fn domain(r: &PgRow, name: QName, memo: &mut Memo) -> Result<Domain, String> {
    let mut d = Domain::new(name, row_type(r, memo)?);
    d.not_null = get(r, "not_null")?;
    d.default = get::<Option<String>>(r, "default_expr")?
        .map(|e| memo.expr(&e))
        .transpose()?;
    d.collation = searched(get(r, "collation_schema")?, get(r, "collation")?);
    let names: Vec<String> = get(r, "check_names")?;
    let defs: Vec<String> = get(r, "check_defs")?;
    for (name, def) in names.into_iter().zip(defs) {
        let body = def.trim().strip_prefix("CHECK ").unwrap_or(&def);
        let (body, not_valid) = match body.strip_suffix(" NOT VALID") {
            Some(b) => (b, true),
            None => (body, false),
        };
        // `CHECK (expr)`: the parentheses are the clause's, not the expression's.
        let body = body
            .strip_prefix('(')
            .and_then(|b| b.strip_suffix(')'))
            .unwrap_or(body);
        d.checks.push(DomainCheck {
            expr: memo.expr(body).map_err(|e| format!("check {name}: {e}"))?,
            name,
            not_valid,
        });
    }
    Ok(d)
}

fn column(r: &PgRow, memo: &mut Memo) -> Result<Column, String> {
    let name: String = get(r, "name")?;
    let mut c = Column::new(&name, row_type(r, memo)?);
    c.nullable = !get::<bool>(r, "not_null")?;
    c.comment = get(r, "comment")?;
    if let Some(coll) = get::<Option<String>>(r, "collation")? {
        let schema: String = get::<Option<String>>(r, "collation_schema")?.unwrap_or_default();
        c.collation = Some(if schema == "pg_catalog" {
            coll
        } else {
            parse::qualified_collation(&[schema, coll])
        });
    }
    let default: Option<String> = get(r, "default_expr")?;
    let identity: String = get(r, "identity")?;
    let generated: String = get(r, "generated")?;
    let owned: Option<Vec<Option<String>>> = get(r, "owned_sequence")?;
    let (owned, owned_schema) = match owned.as_deref() {
        Some([Some(name), schema]) => (Some(name.clone()), schema.clone()),
        _ => (None, None),
    };
    c.identity = match identity.as_str() {
        "a" => Some(Identity::Always),
        "d" => Some(Identity::ByDefault),
        _ => None,
    };
    if let Some(seq) = &owned {
        let schema = match owned_schema {
            Some(s) => s,
            None => get(r, "schema")?,
        };
        c.sequence = Some(QName::new(schema, seq.clone()));
    }
    if let Some(&[start, increment, min, max, cache, cycle]) =
        get::<Option<Vec<i64>>>(r, "identity_sequence")?.as_deref()
    {
        c.identity_options = IdentityOptions {
            start: Some(start),
            increment: Some(increment),
            min_value: Some(min),
            max_value: Some(max),
            cache: Some(cache),
            cycle: cycle != 0,
        };
    }
    if generated == "s" {
        if let Some(d) = &default {
            c.generated = Some(Generated {
                expr: memo.expr(d)?,
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
            c.default = Some(memo.expr(&d)?);
        }
    }
    Ok(c)
}

/// A relation's `options` column (see `queries::relation_options`) as name and value.
fn options(r: &PgRow) -> Result<Vec<(String, String)>, String> {
    Ok(get::<Vec<String>>(r, "options")?
        .into_iter()
        .map(|o| match o.split_once('=') {
            Some((k, val)) => (k.to_string(), val.to_string()),
            None => (o, String::new()),
        })
        .collect())
}

/// Why an object placed in a tablespace other than the database's default is left alone
/// (the file side says the same, see `parse::ddl::tablespace`).
fn not_default_tablespace(what: &str, ts: &str) -> String {
    format!("{what} in tablespace {ts}; tablespaces other than pg_default are not managed")
}
