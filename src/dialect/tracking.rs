//! The tracking table's SQL, run once for every dialect: creating it, telling whether it
//! exists, reading its rows into [`TrackingRow`]s, inserting the row of an applied
//! migration and deleting the row of a reverted one.
//!
//! Only the spelling differs between dialects (column types, placeholders, quoting, how
//! `applied_at` is formatted as UTC text): each dialect's `migrate.rs` holds a
//! [`Spelling`], and the code here is generic over the sqlx driver, so a fix to how rows
//! are read or written lands in all three at once.

use super::connection::describe;
use super::migrate::TrackingRow;
use super::DbError;
use std::marker::PhantomData;

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
}

impl Spelling {
    /// A template with `{table}` replaced by the quoted name.
    pub fn sql(&self, template: &str, table: &str) -> String {
        template.replace("{table}", &(self.quote)(table))
    }
}

/// The tracking table of one dialect's driver `DB`.
pub(crate) struct Tracking<'a, DB> {
    spelling: &'a Spelling,
    table: &'a str,
    _db: PhantomData<DB>,
}

impl<'a, DB> Tracking<'a, DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: for<'q> sqlx::Encode<'q, DB> + for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    String: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB>,
    for<'r> &'r str: sqlx::ColumnIndex<DB::Row>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    pub fn new(spelling: &'a Spelling, table: &'a str) -> Self {
        Tracking {
            spelling,
            table,
            _db: PhantomData,
        }
    }

    fn sql(&self, template: &str) -> String {
        self.spelling.sql(template, self.table)
    }

    /// Creates the table if it does not exist.
    pub async fn ensure(&self, conn: &mut DB::Connection) -> Result<(), sqlx::Error> {
        sqlx::raw_sql(&self.sql(self.spelling.create))
            .execute(&mut *conn)
            .await
            .map(|_| ())
    }

    pub async fn exists(&self, conn: &mut DB::Connection) -> Result<bool, sqlx::Error> {
        let name = (self.spelling.exists_arg)(self.table);
        let n: i64 = sqlx::query_scalar::<DB, i64>(self.spelling.exists)
            .bind(name.as_str())
            .fetch_one(&mut *conn)
            .await?;
        Ok(n != 0)
    }

    /// The rows `select` returns (the spelling's, or a dialect's variant of it).
    pub async fn rows_with(
        &self,
        conn: &mut DB::Connection,
        select: &str,
    ) -> Result<Vec<TrackingRow>, DbError> {
        let table = self.table;
        let rows = sqlx::query::<DB>(select)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| DbError::Apply(describe(&e)))?;
        let get = |e: sqlx::Error| {
            DbError::Apply(format!(
                "cannot read tracking table {table}: {}",
                describe(&e)
            ))
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            use sqlx::Row as _;
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

    /// The rows in version order, or `None` when the table does not exist.
    pub async fn rows(
        &self,
        conn: &mut DB::Connection,
    ) -> Result<Option<Vec<TrackingRow>>, DbError> {
        if !self
            .exists(conn)
            .await
            .map_err(|e| DbError::Apply(describe(&e)))?
        {
            return Ok(None);
        }
        self.rows_with(conn, &self.sql(self.spelling.select))
            .await
            .map(Some)
    }

    /// Writes what a migration did: its row for an applied one, no row for a reverted one.
    pub async fn record(
        &self,
        conn: &mut DB::Connection,
        record: &super::migrate::Record<'_>,
        ms: i64,
    ) -> Result<(), sqlx::Error> {
        use super::migrate::Record;
        match record {
            Record::Applied {
                version,
                name,
                checksum,
                down_sql,
                applied_by,
            } => {
                sqlx::query::<DB>(&self.sql(self.spelling.insert))
                    .bind(*version)
                    .bind(*name)
                    .bind(*checksum)
                    .bind(ms)
                    .bind(*down_sql)
                    .bind(*applied_by)
                    .execute(&mut *conn)
                    .await?;
            }
            Record::Reverted { version } => {
                sqlx::query::<DB>(&self.sql(self.spelling.delete))
                    .bind(*version)
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok(())
    }
}
