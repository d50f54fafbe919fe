//! The dialect boundary: capabilities, normalization, rendering, and live connections.
//!
//! Nothing outside a dialect's folder knows its catalog queries or SQL spelling. The sync
//! half is the [`Dialect`] trait; the async half (connect, introspect, execute) is the
//! [`Connection`] enum, which dispatches to each dialect's folder.

mod ansi;
mod connection;
pub mod migrate;
pub mod mysql;
mod names;
mod normalize;
pub mod postgres;
pub mod sqlite;
mod tracking;
mod url;
mod writer;

pub use connection::{
    connect, connect_retrying, Connection, DbError, ExecOptions, Expected, DEFAULT_CATALOG_TIMEOUT,
};
pub use names::NameLimit;
pub use normalize::{
    drop_mysql_attributes, drop_postgres_clauses, drop_postgres_types, drop_sqlite_options,
    enum_check, expand_view_stars, inline_domains, portable_type, resolve_names,
};
pub use url::{encode_userinfo, redact_url};
pub use writer::{quote_ident, quote_literal};

use crate::diff::Change;
use crate::model::Schema;
use crate::plan::Hazard;

/// What a dialect can do natively.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Capabilities {
    /// DDL can run inside a transaction and roll back.
    pub transactional_ddl: bool,
    /// `CREATE TABLE` with a foreign key needs the referenced table to exist already.
    pub fk_needs_target: bool,
    /// Order changes table by table (so they can be combined into one ALTER TABLE).
    pub group_by_table: bool,
    /// What `migrate` and `apply` lock, so two runners never apply the same change.
    pub migration_lock: &'static str,
    /// A migration file may opt out of its transaction (`-- sqlshift:no-transaction`).
    pub no_transaction_migrations: bool,
}

/// Settings that change the SQL a plan renders.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// PostgreSQL: build indexes with `CONCURRENTLY` (outside the transaction).
    pub concurrent_indexes: bool,
    /// PostgreSQL online mode (on unless `online: false`): each change to a table that
    /// already exists takes its least-locking form (see `dialect/postgres/online.rs`).
    pub online: bool,
    /// Writing `inspect` output: where a dialect's type name means something else in
    /// sqlshift's schema language (MySQL's TIMESTAMP), use the schema language's name.
    pub inspect: bool,
    /// Tables whose indexes and keys take the plain form, never `CONCURRENTLY`: PostgreSQL
    /// partitioned tables (it refuses a concurrent build there) and tables the plan
    /// creates (empty). Filled in by the planner from the plan's two schemas.
    pub plain_on: std::collections::BTreeSet<crate::model::QName>,
    /// MySQL: the `DEFINER` stored programs are created with (`mysql_definer`), as the
    /// config writes it (`app@%`, `'app'@'%'`); `None` sends none (the connected user).
    pub definer: Option<String>,
    /// Tables and views the plan creates: nobody else sees them until it commits, so
    /// their locks are not worth a reader's attention.
    pub created: std::collections::BTreeSet<crate::model::QName>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            concurrent_indexes: false,
            online: true,
            inspect: false,
            plain_on: Default::default(),
            definer: None,
            created: Default::default(),
        }
    }
}

impl RenderOptions {
    /// Indexes on existing tables are built and dropped `CONCURRENTLY`: asked for, or
    /// part of online mode.
    pub fn concurrently(&self) -> bool {
        self.concurrent_indexes || self.online
    }

    /// [`concurrently`](Self::concurrently), for an index on `table`.
    pub fn concurrently_on(&self, table: &crate::model::QName) -> bool {
        self.concurrently() && !self.plain_on.contains(table)
    }

    /// Online mode, for a change to `table`.
    pub fn online_on(&self, table: &crate::model::QName) -> bool {
        self.online && !self.plain_on.contains(table)
    }
}

pub trait Dialect: Sync {
    fn name(&self) -> &'static str;
    fn caps(&self) -> Capabilities;
    /// The namespace unqualified names live in (`public`), or "" where there are none.
    fn default_schema(&self) -> &'static str;
    /// An identifier as this dialect quotes it (double quotes where needed, by default).
    fn quote_ident(&self, name: &str) -> String {
        writer::quote_ident(name)
    }
    /// The longest identifier the server keeps as written; `None` for no practical limit.
    fn name_limit(&self) -> Option<NameLimit> {
        None
    }
    /// Brings a schema (parsed or introspected) to this dialect's canonical form; notes
    /// what had to be mapped or left out.
    fn normalize(&self, schema: &mut Schema, notes: &mut Vec<String>);
    /// Rewrites changes the dialect cannot do in place (SQLite: table rebuilds).
    fn lower(&self, changes: Vec<Change>, _from: &Schema, _to: &Schema) -> Vec<Change> {
        changes
    }
    /// Rewrites changes into the forms that lock least (PostgreSQL online mode); `from`
    /// is the live side, whose tables hold rows.
    fn online(&self, changes: Vec<Change>, _from: &Schema, _opts: &RenderOptions) -> Vec<Change> {
        changes
    }
    /// Indexes (qualified, quoted) a step builds outside a transaction: a failed build
    /// leaves them INVALID, and the executor drops them.
    fn concurrent_builds(&self, _change: &Change, _opts: &RenderOptions) -> Vec<String> {
        Vec::new()
    }
    /// The session settings a plan runs with (`SET lock_timeout = …`), printed ahead of
    /// its SQL so the script a reviewer reads is the one that runs.
    fn session_sql(&self, _exec: &ExecOptions) -> Vec<String> {
        Vec::new()
    }
    /// Adjusts the desired schema with facts only the live database knows (MySQL's
    /// default character set), before diffing.
    fn reconcile(&self, _live: &Schema, _desired: &mut Schema, _notes: &mut Vec<String>) {}
    fn render(&self, change: &Change, opts: &RenderOptions) -> Vec<String>;
    /// Merges adjacent steps the dialect can run as one statement.
    fn combine(&self, steps: Vec<crate::plan::Step>) -> Vec<crate::plan::Step> {
        steps
    }
    fn hazards(&self, change: &Change, opts: &RenderOptions) -> Vec<Hazard>;
    /// The table locks `change` takes on tables that exist before the plan.
    fn locks(&self, _change: &Change, _opts: &RenderOptions) -> Vec<crate::plan::Lock> {
        Vec::new()
    }
    fn transactional(&self, _change: &Change, _opts: &RenderOptions) -> bool {
        self.caps().transactional_ddl
    }
    /// The dialect writes a column's type as the schema file (or its catalog) declared it,
    /// so the normalized schema keeps `Column::declared` (SQLite, where the declared name is
    /// what the catalog shows and what decides the affinity).
    fn keeps_declared_types(&self) -> bool {
        false
    }

    /// A foreign key that names no target columns keeps naming none (SQLite stores none and
    /// finds the parent's primary key when it checks); elsewhere the target's primary key
    /// columns are filled in, as PostgreSQL and MySQL store them.
    fn keeps_omitted_fk_columns(&self) -> bool {
        false
    }
}

/// Logs a retry of a transient failure on stderr, as it happens (connections and
/// migrations retry on their own; the user must still see each retry).
pub(crate) fn log_retry(message: &str) {
    eprintln!("warning: {message}");
}

/// The dialect a URL names, from its scheme.
pub fn dialect_for_url(url: &str) -> Result<&'static dyn Dialect, DbError> {
    if url.starts_with("sqlite:") {
        Ok(&sqlite::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(&postgres::Postgres)
    } else if url.starts_with("mysql://") || url.starts_with("mariadb://") {
        Ok(&mysql::Mysql)
    } else {
        Err(DbError::Scheme(redact_url(url)))
    }
}

/// The dialect named on the command line (`--dialect`).
pub fn dialect_by_name(name: &str) -> Option<&'static dyn Dialect> {
    match name.to_ascii_lowercase().as_str() {
        "sqlite" => Some(&sqlite::Sqlite),
        "postgres" | "postgresql" | "pg" => Some(&postgres::Postgres),
        "mysql" | "mariadb" => Some(&mysql::Mysql),
        _ => None,
    }
}

/// Refuses names longer than `dialect` keeps, all of them in one error.
pub fn check_name_lengths(
    schema: &Schema,
    dialect: &dyn Dialect,
    sources: &[crate::parse::SourceFile],
) -> Result<(), crate::parse::ParseError> {
    let Some(limit) = dialect.name_limit() else {
        return Ok(());
    };
    let lines = names::too_long(schema, limit, dialect.name(), sources);
    if lines.is_empty() {
        Ok(())
    } else {
        Err(crate::parse::ParseError::Many(lines))
    }
}

/// Parses, then normalizes for `dialect`: the desired side of every command.
pub fn prepare(mut schema: Schema, dialect: &dyn Dialect, notes: &mut Vec<String>) -> Schema {
    resolve_names(
        &mut schema,
        dialect.default_schema(),
        !dialect.keeps_omitted_fk_columns(),
    );
    dialect.normalize(&mut schema, notes);
    forget_spelling(&mut schema, dialect);
    schema
}

/// Drops what the parser noted about how a file spelled things (declared type names,
/// unnamed constraints, left-out foreign-key actions): the normalizers have read it, and it
/// must not make two equal schemas compare different. A declared type name stays where the
/// dialect writes it back (it never takes part in a comparison: `Column` ignores it).
pub(crate) fn forget_spelling(schema: &mut Schema, dialect: &dyn Dialect) {
    let keep_types = dialect.keeps_declared_types();
    for t in schema.tables.values_mut() {
        t.unnamed.clear();
        for f in &mut t.foreign_keys {
            f.unspecified = (false, false);
        }
        if !keep_types {
            for c in &mut t.columns {
                c.declared = None;
            }
        }
    }
}
