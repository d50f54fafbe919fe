//! The dialect-neutral schema model: plain data, sorted maps, no I/O.
//!
//! Everything sqlshift compares is a value of these types. Both sides of a diff are
//! normalized by the target dialect before they meet, so equality here means "the same
//! schema" for that dialect.

mod expr;
mod names;
mod types;

pub use expr::Expr;
pub use names::{generated_name, QName};
pub use types::{DataType, Size};

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A whole database schema (or the desired state of one).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Schema {
    /// Namespaces other than the dialect's default one.
    pub schemas: BTreeSet<String>,
    pub extensions: BTreeSet<String>,
    pub enums: BTreeMap<QName, EnumType>,
    pub sequences: BTreeMap<QName, Sequence>,
    pub tables: BTreeMap<QName, Table>,
    pub views: BTreeMap<QName, View>,
    /// Objects found in a database that sqlshift does not manage; reported, never dropped.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<Unmanaged>,
    /// Database-level facts a dialect read from the live database (MySQL's default
    /// character set, server flavour); not part of the schema itself.
    #[serde(skip)]
    pub defaults: BTreeMap<String, String>,
    /// Tables and views of a live database whose catalog entry could not be read, with
    /// why. They are left alone: never created, altered or dropped by a plan.
    #[serde(skip)]
    pub unreadable: BTreeMap<QName, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Unmanaged {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnumType {
    pub name: QName,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sequence {
    pub name: QName,
    pub data_type: DataType,
    pub start: i64,
    pub increment: i64,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: i64,
    pub cycle: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: QName,
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub uniques: Vec<Unique>,
    pub checks: Vec<Check>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    /// MySQL table options; `None` means the database's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// MySQL `ROW_FORMAT` (lower case) and `KEY_BLOCK_SIZE` as the file states them;
    /// `None` means the server's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_block_size: Option<u32>,
    /// SQLite table options (`WITHOUT ROWID`, `STRICT`); other dialects drop them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub without_rowid: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// `-- sqlshift:renamed-from old` on the table; only ever set on the desired side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// Objects sqlshift does not manage that live and die with this table (SQLite
    /// triggers), as the database stores their SQL, so a table rebuild can re-create them.
    /// Only ever set on the live side; never compared.
    #[serde(skip)]
    pub attached: Vec<String>,
    /// Constraints the schema file left unnamed, with the names the parser gave them, in
    /// the order they were declared: a dialect that names them its own way (MySQL) renames
    /// these. Only set on a parsed schema; `dialect::prepare` clears it.
    #[serde(skip)]
    pub unnamed: Vec<Unnamed>,
    /// Names sqlshift gave keys, checks and indexes the schema file left unnamed. A live
    /// database may know the same constraint by another name (another tool named it, or an
    /// older sqlshift): the plan then keeps the live name. Only set on a parsed schema;
    /// never compared.
    #[serde(skip)]
    pub generated_names: std::collections::BTreeSet<String>,
    /// The primary key, unique constraints and foreign keys in the order the CREATE TABLE
    /// declared them (the member lists are sorted by name). SQLite numbers autoindexes
    /// and foreign keys in that order, so a table it creates or rebuilds declares them in
    /// it. Never compared.
    #[serde(skip)]
    pub declared_keys: Vec<KeyRef>,
}

/// One key of a table, by kind and name, for [`Table::declared_keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    PrimaryKey,
    Unique(String),
    ForeignKey(String),
}

/// A constraint the schema file did not name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unnamed {
    /// The name the parser generated.
    pub name: String,
    /// For a check declared on a column, that column.
    pub column: Option<String>,
}

impl Table {
    pub fn new(name: QName) -> Self {
        Table {
            name,
            columns: Vec::new(),
            primary_key: None,
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            engine: None,
            charset: None,
            collation: None,
            row_format: None,
            key_block_size: None,
            without_rowid: false,
            strict: false,
            renamed_from: None,
            attached: Vec::new(),
            unnamed: Vec::new(),
            generated_names: Default::default(),
            declared_keys: Vec::new(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// Keeps constraint and index lists sorted by name so output is deterministic.
    pub fn sort_members(&mut self) {
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generated {
    pub expr: Expr,
    pub stored: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    pub default: Option<Expr>,
    /// `SERIAL`/`BIGSERIAL`: an owned sequence feeding the default.
    pub serial: bool,
    pub identity: Option<Identity>,
    /// SQLite `AUTOINCREMENT` on an `INTEGER PRIMARY KEY`.
    pub autoincrement: bool,
    pub generated: Option<Generated>,
    pub comment: Option<String>,
    /// MySQL: character set and collation where they differ from the table's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// MySQL: `ON UPDATE CURRENT_TIMESTAMP`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_update: Option<Expr>,
    /// MariaDB: the unnamed `CHECK` written in the column definition. MariaDB keeps it as
    /// part of the column (at most one, never named): `MODIFY COLUMN` replaces it and
    /// `DROP CONSTRAINT` cannot reach it. Other dialects keep every check in
    /// [`Table::checks`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The type as a schema file (or a catalog's stored SQL) spelled it. A dialect whose own
    /// type of that name means something else than the canonical type (MySQL's `TIMESTAMP`,
    /// `FLOAT`, `NVARCHAR`) reads it from here; `dialect::prepare` clears it unless the
    /// dialect writes it back (SQLite). Never compared.
    #[serde(skip)]
    pub declared: Option<String>,
    /// `NOT NULL` is written on the column itself, not implied by its primary key. Never
    /// compared: SQLite's rowid alias is never NULL either way, but its catalog shows
    /// which spelling made it, so a rebuilt or new table keeps the file's.
    #[serde(skip)]
    pub not_null_written: bool,
}

/// Everything but how `NOT NULL` was spelled (see `not_null_written`).
impl PartialEq for Column {
    fn eq(&self, other: &Column) -> bool {
        let Column {
            name,
            data_type: _,
            nullable: _,
            default: _,
            serial: _,
            identity: _,
            autoincrement: _,
            generated: _,
            comment: _,
            charset: _,
            collation: _,
            on_update: _,
            check: _,
            renamed_from,
            not_null_written: _,
            declared: _,
        } = self;
        *name == other.name && *renamed_from == other.renamed_from && self.same_definition(other)
    }
}

impl Column {
    pub fn new(name: &str, data_type: DataType) -> Self {
        Column {
            name: name.to_string(),
            data_type,
            nullable: true,
            default: None,
            serial: false,
            identity: None,
            autoincrement: false,
            generated: None,
            comment: None,
            charset: None,
            collation: None,
            on_update: None,
            check: None,
            renamed_from: None,
            declared: None,
            not_null_written: false,
        }
    }

    /// True when two columns have the same definition (ignoring name and rename hint).
    pub fn same_definition(&self, other: &Column) -> bool {
        self.data_type == other.data_type
            && self.nullable == other.nullable
            && self.default == other.default
            && self.serial == other.serial
            && self.identity == other.identity
            && self.autoincrement == other.autoincrement
            && self.generated == other.generated
            && self.comment == other.comment
            && self.charset == other.charset
            && self.collation == other.collation
            && self.on_update == other.on_update
            && self.check == other.check
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<String>,
    /// SQLite's `PRIMARY KEY DESC` on a column: the key's index runs in descending order,
    /// and an `INTEGER` key written so is an ordinary key, not the rowid alias.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub desc: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unique {
    pub name: String,
    pub columns: Vec<String>,
    /// PostgreSQL 15's `NULLS NOT DISTINCT`: two NULLs count as equal.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub expr: Expr,
    /// PostgreSQL's `NO INHERIT`: the check does not pass to inheriting tables.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_inherit: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: QName,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// `MATCH FULL`: a key with some NULL columns must be all NULL (PostgreSQL; MySQL and
    /// SQLite read the clause and ignore it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub match_full: bool,
    /// `ON DELETE` / `ON UPDATE` left out in the schema file, so the dialect's default
    /// applies (RESTRICT on MySQL, which tells it apart from NO ACTION). Only set on a
    /// parsed schema; `dialect::prepare` clears it.
    #[serde(skip)]
    pub unspecified: (bool, bool),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum IndexKey {
    Column(String),
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexPart {
    pub key: IndexKey,
    pub desc: bool,
    /// `Some(true)` for an explicit NULLS FIRST that differs from the default.
    pub nulls_first: Option<bool>,
    pub opclass: Option<String>,
    /// MySQL prefix length: `name(10)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    pub predicate: Option<Expr>,
    /// Access method (`btree`, `gin`, MySQL `fulltext`/`spatial`, …); `None` means the
    /// dialect default.
    pub method: Option<String>,
    /// PostgreSQL 15's `NULLS NOT DISTINCT` on a unique index.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
    /// PostgreSQL's covering columns (`INCLUDE (…)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// PostgreSQL storage parameters (`WITH (fillfactor = 70)`), as lower-case name and
    /// unquoted value, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<(String, String)>,
    /// MySQL's index `COMMENT`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MySQL's `USING BTREE|HASH` (lower case) as the schema file wrote it. `SHOW CREATE
    /// TABLE` shows it, but no catalog table does (information_schema has the index's real
    /// type only, which for InnoDB is always BTREE): it is written when the index is
    /// created and never compared.
    #[serde(skip)]
    pub using: Option<String>,
}

/// Everything but how `USING` was spelled (see `using`).
impl PartialEq for Index {
    fn eq(&self, other: &Index) -> bool {
        let Index {
            name,
            unique,
            parts,
            predicate,
            method,
            nulls_not_distinct,
            include,
            with,
            comment,
            using: _,
        } = self;
        *name == other.name
            && *unique == other.unique
            && *parts == other.parts
            && *predicate == other.predicate
            && *method == other.method
            && *nulls_not_distinct == other.nulls_not_distinct
            && *include == other.include
            && *with == other.with
            && *comment == other.comment
    }
}

impl Index {
    /// Plain column names the index covers (expressions are left out).
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match &p.key {
            IndexKey::Column(c) => Some(c.as_str()),
            IndexKey::Expr(_) => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct View {
    pub name: QName,
    pub materialized: bool,
    pub query: Expr,
    /// Tables and views the query reads; used to order drops and re-creates.
    pub depends_on: BTreeSet<QName>,
    pub comment: Option<String>,
    /// `WITH CASCADED|LOCAL CHECK OPTION` (`cascaded`, `local`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_option: Option<String>,
    /// MySQL's `ALGORITHM` (`merge`, `temptable`) and `SQL SECURITY` (`invoker`), lower
    /// case; `None` is the server's default (`UNDEFINED`, `DEFINER`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security: Option<String>,
}

impl View {
    /// The view's options (everything but its query, dependencies and comment) are equal.
    pub fn same_options(&self, other: &View) -> bool {
        self.materialized == other.materialized
            && self.check_option == other.check_option
            && self.algorithm == other.algorithm
            && self.security == other.security
    }
}

impl Schema {
    /// All object names, for duplicate detection and messages.
    pub fn relation_exists(&self, name: &QName) -> bool {
        self.tables.contains_key(name) || self.views.contains_key(name)
    }
}
