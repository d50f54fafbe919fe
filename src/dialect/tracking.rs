//! The tracking table's SQL, run once for every dialect: creating it, telling whether it
//! exists, reading its rows into [`TrackingRow`]s, inserting the row of an applied
//! migration and deleting the row of a reverted one.
//!
//! Only the spelling differs between dialects (column types, placeholders, quoting, how
//! `applied_at` is formatted as UTC text): each dialect's `migrate.rs` holds a
//! [`Spelling`] and runs its statements on its own connection type; the statements, the
//! order values are bound in and the decoding of rows are here, generic over the sqlx
//! driver, so a fix to how rows are read or written lands in all three at once. (Only
//! synchronous code is generic: an `async fn` generic over the driver's executor cannot be
//! proven `Send`, which the service needs.)

use super::connection::describe;
use super::migrate::TrackingRow;
use super::migrate::{AuditRow, Record};
use super::DbError;

/// How one dialect writes the tracking table's statements. `{table}` stands for the
/// quoted table name.
pub(crate) struct Spelling {
    /// `CREATE TABLE IF NOT EXISTS {table} (…)`.
    pub create: &'static str,
    /// Returns one BIGINT, non-zero when the table exists; binds [`Spelling::exists_arg`].
    pub exists: &'static str,
    /// What [`Spelling::exists`] binds for a configured table name.
    pub exists_arg: fn(&str) -> String,
    /// Every applied row, in version order, with the columns of [`TrackingRow`] and
    /// `applied_at` as `YYYY-MM-DDTHH:MM:SSZ`.
    pub select: &'static str,
    /// Binds version, name, checksum, execution_time_ms, down_sql, applied_by.
    pub insert: &'static str,
    /// Binds version.
    pub delete: &'static str,
    /// Quotes a `table` or `schema.table` name for this dialect.
    pub quote: fn(&str) -> String,
    /// The audit table (`{table}` is its quoted name): created if missing, one row
    /// inserted per operation, read newest first.
    pub audit_create: &'static str,
    /// Binds operation, actor, origin, sqlshift_version, request, ran, duration_ms,
    /// outcome, error.
    pub audit_insert: &'static str,
    /// Every row with the columns of [`AuditRow`], `at` as `YYYY-MM-DDTHH:MM:SSZ`, oldest
    /// first.
    pub audit_select: &'static str,
}

impl Spelling {
    /// A template with `{table}` replaced by the quoted name.
    pub fn sql(&self, template: &str, table: &str) -> String {
        template.replace("{table}", &(self.quote)(table))
    }
}

/// The rows a select returned, as tracking rows.
pub(crate) fn decode<R>(rows: &[R], table: &str) -> Result<Vec<TrackingRow>, DbError>
where
    R: sqlx::Row,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let get = |e: sqlx::Error| {
        DbError::Apply(format!(
            "cannot read tracking table {table}: {}",
            describe(&e)
        ))
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(TrackingRow {
            version: r.try_get("version").map_err(get)?,
            name: r.try_get("name").map_err(get)?,
            checksum: r.try_get("checksum").map_err(get)?,
            applied_at: r
                .try_get::<Option<String>, _>("applied_at")
                .map_err(get)?
                .unwrap_or_default(),
            execution_time_ms: r.try_get("execution_time_ms").map_err(get)?,
            down_sql: r.try_get("down_sql").map_err(get)?,
            applied_by: r.try_get("applied_by").map_err(get)?,
        });
    }
    Ok(out)
}

/// The audit rows a select returned.
pub(crate) fn decode_audit<R>(rows: &[R], table: &str) -> Result<Vec<AuditRow>, DbError>
where
    R: sqlx::Row,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    i64: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let get = |e: sqlx::Error| {
        DbError::Apply(format!("cannot read audit table {table}: {}", describe(&e)))
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(AuditRow {
            at: r
                .try_get::<Option<String>, _>("at")
                .map_err(get)?
                .unwrap_or_default(),
            operation: r.try_get("operation").map_err(get)?,
            actor: r.try_get("actor").map_err(get)?,
            origin: r.try_get("origin").map_err(get)?,
            sqlshift_version: r.try_get("sqlshift_version").map_err(get)?,
            request: r.try_get("request").map_err(get)?,
            ran: r.try_get("ran").map_err(get)?,
            duration_ms: r.try_get("duration_ms").map_err(get)?,
            outcome: r.try_get("outcome").map_err(get)?,
            error: r.try_get("error").map_err(get)?,
        });
    }
    Ok(out)
}

/// Binds an audit row's values to [`Spelling::audit_insert`].
pub(crate) fn bind_audit<'q, DB>(
    q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    row: &'q AuditRow,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB>,
{
    q.bind(row.operation.as_str())
        .bind(row.actor.as_str())
        .bind(row.origin.as_str())
        .bind(row.sqlshift_version.as_str())
        .bind(row.request.as_str())
        .bind(row.ran.as_str())
        .bind(row.duration_ms)
        .bind(row.outcome.as_str())
        .bind(row.error.as_deref())
}

impl Spelling {
    /// The statement that records what a migration did: its row for an applied one
    /// ([`Spelling::insert`]), no row for a reverted one ([`Spelling::delete`]). Bind
    /// its values with [`bind_record`].
    pub fn record_sql(&self, record: &Record<'_>, table: &str) -> String {
        match record {
            Record::Applied { .. } => self.sql(self.insert, table),
            Record::Reverted { .. } => self.sql(self.delete, table),
        }
    }
}

/// Binds a record's values to the statement [`Spelling::record_sql`] gave, in the order
/// every dialect's spelling takes them.
pub(crate) fn bind_record<'q, DB>(
    q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    record: &Record<'q>,
    ms: i64,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB>,
{
    match record {
        Record::Applied {
            version,
            name,
            checksum,
            down_sql,
            applied_by,
        } => q
            .bind(*version)
            .bind(*name)
            .bind(*checksum)
            .bind(ms)
            .bind(*down_sql)
            .bind(*applied_by),
        Record::Reverted { version } => q.bind(*version),
    }
}

/// The tracking-table functions of one dialect's `migrate.rs` over its own connection
/// type: `ensure`, `exists`, `rows`, `rows_with` and `record`. A macro rather than generic
/// `async fn`s, for the reason in the module doc.
macro_rules! functions {
    ($conn:ty, $spelling:expr) => {
        /// Creates the tracking table if it does not exist.
        pub async fn ensure(conn: &mut $conn, table: &str) -> Result<(), DbError> {
            sqlx::raw_sql(&$spelling.sql($spelling.create, table))
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            Ok(())
        }

        /// Whether the tracking table exists.
        async fn exists(conn: &mut $conn, table: &str) -> Result<bool, DbError> {
            let n: i64 = sqlx::query_scalar($spelling.exists)
                .bind(($spelling.exists_arg)(table))
                .fetch_one(&mut *conn)
                .await
                .map_err(db_err)?;
            Ok(n != 0)
        }

        /// The rows `select` returns.
        async fn rows_with(
            conn: &mut $conn,
            table: &str,
            select: &str,
        ) -> Result<Vec<TrackingRow>, DbError> {
            let rows = sqlx::query(select)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_err)?;
            $crate::dialect::tracking::decode(&rows, table)
        }

        /// Writes what a migration did (see `Spelling::record_sql`).
        async fn write_record(
            conn: &mut $conn,
            table: &str,
            record: &Record<'_>,
            ms: i64,
        ) -> Result<(), sqlx::Error> {
            let sql = $spelling.record_sql(record, table);
            $crate::dialect::tracking::bind_record(sqlx::query(&sql), record, ms)
                .execute(&mut *conn)
                .await
                .map(|_| ())
        }

        /// Appends one row to the audit table, creating it first if needed.
        pub async fn audit_write(
            conn: &mut $conn,
            table: &str,
            row: &$crate::dialect::migrate::AuditRow,
        ) -> Result<(), DbError> {
            sqlx::raw_sql(&$spelling.sql($spelling.audit_create, table))
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            let sql = $spelling.sql($spelling.audit_insert, table);
            $crate::dialect::tracking::bind_audit(sqlx::query(&sql), row)
                .execute(&mut *conn)
                .await
                .map_err(db_err)?;
            Ok(())
        }

        /// The audit table's rows, oldest first, or `None` when it does not exist.
        pub async fn audit_rows(
            conn: &mut $conn,
            table: &str,
        ) -> Result<Option<Vec<$crate::dialect::migrate::AuditRow>>, DbError> {
            if !exists(conn, table).await? {
                return Ok(None);
            }
            let rows = sqlx::query(&$spelling.sql($spelling.audit_select, table))
                .fetch_all(&mut *conn)
                .await
                .map_err(db_err)?;
            $crate::dialect::tracking::decode_audit(&rows, table).map(Some)
        }
    };
}

pub(crate) use functions;
