//! The dialect-neutral schema model: plain data, sorted maps, no I/O.
//!
//! Everything sqlshift compares is a value of these types. Both sides of a diff are
//! normalized by the target dialect before they meet, so equality here means "the same
//! schema" for that dialect.

mod calls;
mod expr;
mod names;
mod partition;
mod program;
mod routine;
pub mod security;
mod trigger;
mod types;

pub use calls::{calls_in, may_call};
pub use expr::Expr;
pub use names::{generated_name, QName};
pub use partition::{IndexRef, PartitionBound, PartitionKey, PartitionOf};
pub use program::{Program, ProgramKind, ProgramParam};
pub use routine::{Dependent, Returns, Routine, RoutineArg, RoutineKind};
pub use security::{
    Access, DefaultObjects, DefaultPrivileges, Grants, ObjectPrivileges, Owned, Policy, Privs,
    RowSecurity, Securable, SecurableKind, Security,
};
pub use trigger::{Firing, OnTable, Rule, Trigger};
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
    /// PostgreSQL domains (`CREATE DOMAIN`); other dialects map their columns to the base type.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub domains: BTreeMap<QName, Domain>,
    /// PostgreSQL composite types (`CREATE TYPE t AS (…)`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub composites: BTreeMap<QName, CompositeType>,
    /// PostgreSQL range types (`CREATE TYPE t AS RANGE (…)`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<QName, RangeType>,
    pub sequences: BTreeMap<QName, Sequence>,
    pub tables: BTreeMap<QName, Table>,
    pub views: BTreeMap<QName, View>,
    /// PostgreSQL functions, procedures and aggregates, by [`Routine::key`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub routines: BTreeMap<String, Routine>,
    /// PostgreSQL row-level security, policies, and (when managed) privileges and owners.
    #[serde(skip_serializing_if = "Security::is_empty")]
    pub security: Security,
    /// MySQL/MariaDB triggers, procedures, functions and events and SQLite triggers, by
    /// [`Program::key`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub programs: BTreeMap<String, Program>,
    /// PostgreSQL triggers (not the internal ones behind foreign keys), by table and name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<OnTable, Trigger>,
    /// PostgreSQL rules (not a view's own `_RETURN`), by table and name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<OnTable, Rule>,
    /// Comments on the namespaces in `schemas`, by namespace (PostgreSQL `COMMENT ON SCHEMA`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub schema_comments: BTreeMap<String, String>,
    /// Comments on composite types, range types and domains, by name (PostgreSQL `COMMENT
    /// ON TYPE` / `COMMENT ON DOMAIN`; the names share one namespace). Kept apart from the
    /// types so a comment never reads as a change of the type itself.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub type_comments: BTreeMap<QName, String>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A PostgreSQL domain: a base type with a default, NOT NULL and checks over `VALUE`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Domain {
    pub name: QName,
    pub data_type: DataType,
    /// `COLLATE`, where it differs from the base type's; the schema is empty for a
    /// collation found through the search path (`pg_catalog`, `public`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<QName>,
    pub default: Option<Expr>,
    pub not_null: bool,
    /// Sorted by name.
    pub checks: Vec<DomainCheck>,
}

impl Domain {
    pub fn new(name: QName, data_type: DataType) -> Self {
        Domain {
            name,
            data_type,
            collation: None,
            default: None,
            not_null: false,
            checks: Vec::new(),
        }
    }

    /// True when the domain can only be changed by creating it again: PostgreSQL alters
    /// neither the base type nor the collation of a domain.
    pub fn same_base(&self, other: &Domain) -> bool {
        self.data_type == other.data_type && self.collation == other.collation
    }

    /// The checks of `to` that this domain lacks or has with another expression.
    pub fn checks_added_in<'a>(&'a self, to: &'a Domain) -> impl Iterator<Item = &'a DomainCheck> {
        to.checks.iter().filter(|c| !self.checks.contains(c))
    }

    /// The checks of this domain that `to` lacks or has with another expression.
    pub fn checks_dropped_in<'a>(
        &'a self,
        to: &'a Domain,
    ) -> impl Iterator<Item = &'a DomainCheck> {
        self.checks.iter().filter(|c| !to.checks.contains(c))
    }
}

/// A composite type: attributes in order (the order is the value's).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompositeType {
    pub name: QName,
    pub attributes: Vec<Attribute>,
}

/// How `ALTER TYPE` turns one composite type into another: attributes dropped, added (at
/// the end, in order) and changed in place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompositeEdit<'a> {
    pub drop: Vec<&'a str>,
    pub add: Vec<&'a Attribute>,
    pub alter: Vec<&'a Attribute>,
}

impl CompositeType {
    /// `ADD ATTRIBUTE` only appends: the attributes of `to` that keep their place are the
    /// longest start of `to` found in this type in the same order; the rest are dropped
    /// (where they exist) and added again after them.
    pub fn edit_to<'a>(&'a self, to: &'a CompositeType) -> CompositeEdit<'a> {
        let old = |n: &str| self.attributes.iter().find(|a| a.name == n);
        let kept_order: Vec<&str> = self
            .attributes
            .iter()
            .filter(|a| to.attributes.iter().any(|b| b.name == a.name))
            .map(|a| a.name.as_str())
            .collect();
        let keep = to
            .attributes
            .iter()
            .zip(&kept_order)
            .take_while(|(a, k)| a.name == **k)
            .count();
        let mut edit = CompositeEdit::default();
        let re_added: Vec<&str> = to.attributes[keep..]
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        for a in &self.attributes {
            let gone = !to.attributes.iter().any(|b| b.name == a.name);
            if gone || re_added.contains(&a.name.as_str()) {
                edit.drop.push(&a.name);
            }
        }
        edit.add = to.attributes[keep..].iter().collect();
        edit.alter = to.attributes[..keep]
            .iter()
            .filter(|a| old(&a.name).is_some_and(|o| o != *a))
            .collect();
        edit
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    pub name: String,
    pub data_type: DataType,
    /// `COLLATE`, where it differs from the type's own (schema empty as for domains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<QName>,
}

/// A range type. Names of functions, operator classes and collations in `pg_catalog` or
/// `public` are kept without their schema, as a file names them through the search path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeType {
    pub name: QName,
    pub subtype: DataType,
    /// Only when it is not the subtype's default operator class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype_opclass: Option<QName>,
    /// Only when it is not the subtype's default collation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<QName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canonical: Option<QName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtype_diff: Option<QName>,
    /// Only when it is not the name PostgreSQL derives (see [`RangeType::multirange_name`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multirange: Option<QName>,
}

impl RangeType {
    /// The multirange type that comes with the range: named in the definition, or the
    /// name PostgreSQL derives (`floatrange` → `floatmultirange`, `ts` → `ts_multirange`).
    pub fn multirange_name(&self) -> QName {
        if let Some(m) = &self.multirange {
            return m.clone();
        }
        QName::new(
            self.name.schema.clone(),
            default_multirange(&self.name.name),
        )
    }
}

/// PostgreSQL's `makeMultirangeTypeName`: "multi" before the first "range", else
/// "_multirange" appended.
pub fn default_multirange(range: &str) -> String {
    match range.find("range") {
        Some(at) => format!("{}multi{}", &range[..at], &range[at..]),
        None => format!("{range}_multirange"),
    }
}

/// A domain's `CHECK`, over the keyword `VALUE`.
#[derive(Debug, Clone, Serialize)]
pub struct DomainCheck {
    pub name: String,
    pub expr: Expr,
    /// Added `NOT VALID` (values stored before it was added are not checked). Written as
    /// the file says; not compared, as for table checks.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
}

impl PartialEq for DomainCheck {
    fn eq(&self, other: &DomainCheck) -> bool {
        self.name == other.name && self.expr == other.expr
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Sequence {
    /// True when two sequences have the same options (the comment left out).
    pub fn same_options(&self, other: &Sequence) -> bool {
        let Sequence {
            name,
            data_type,
            start,
            increment,
            min_value,
            max_value,
            cache,
            cycle,
            comment: _,
        } = self;
        (
            name, data_type, start, increment, min_value, max_value, cache, cycle,
        ) == (
            &other.name,
            &other.data_type,
            &other.start,
            &other.increment,
            &other.min_value,
            &other.max_value,
            &other.cache,
            &other.cycle,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub name: QName,
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub uniques: Vec<Unique>,
    pub checks: Vec<Check>,
    pub foreign_keys: Vec<ForeignKey>,
    /// PostgreSQL exclusion constraints (`EXCLUDE USING gist (…)`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    pub indexes: Vec<Index>,
    pub comment: Option<String>,
    /// Comments on the primary key, unique, check and foreign-key constraints, by
    /// constraint name (PostgreSQL `COMMENT ON CONSTRAINT`; names are unique per table).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub constraint_comments: BTreeMap<String, String>,
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
    /// PostgreSQL `CREATE UNLOGGED TABLE` (`pg_class.relpersistence` `u`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unlogged: bool,
    /// PostgreSQL storage parameters (`WITH (fillfactor = 80, toast.autovacuum_enabled =
    /// off)`), lower-case name (`toast.` before a TOAST table's own) and unquoted value as
    /// PostgreSQL stores them in `reloptions`, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<(String, String)>,
    /// Live side: PostgreSQL made no TOAST table for this table (no column can need one),
    /// so it keeps no `toast.` parameters, as it drops those of such a `CREATE TABLE`.
    /// Never compared.
    #[serde(skip)]
    pub no_toast: bool,
    /// `-- sqlshift:renamed-from old` on the table; only ever set on the desired side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// PostgreSQL `PARTITION BY …`: the table is partitioned and holds no rows itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<Box<PartitionKey>>,
    /// PostgreSQL: the table is a partition of another (`PARTITION OF` / `ATTACH PARTITION`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<Box<PartitionOf>>,
    /// PostgreSQL `INHERITS (a, b)`, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<QName>,
    /// Names of the constraints and indexes a live table got from its parent rather than
    /// from a statement of its own: keys and foreign keys cloned onto a partition, indexes
    /// attached to a parent's index, checks inherited. A schema file that does not declare
    /// one leaves it alone (it comes and goes with the parent's); one it declares is
    /// compared by name. Only set on the live side; never compared.
    #[serde(skip)]
    pub inherited_members: BTreeSet<String>,
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
            exclusions: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            constraint_comments: BTreeMap::new(),
            engine: None,
            charset: None,
            collation: None,
            row_format: None,
            key_block_size: None,
            without_rowid: false,
            strict: false,
            unlogged: false,
            storage: Vec::new(),
            no_toast: false,
            renamed_from: None,
            partition_by: None,
            partition_of: None,
            inherits: Vec::new(),
            inherited_members: BTreeSet::new(),
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

    /// The parents whose columns this table has: its partitioned table, or the tables it
    /// inherits from.
    pub fn parents(&self) -> impl Iterator<Item = &QName> {
        self.partition_of
            .iter()
            .map(|p| &p.parent)
            .chain(self.inherits.iter())
    }

    /// Keeps constraint and index lists sorted by name so output is deterministic.
    pub fn sort_members(&mut self) {
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

/// The options of an identity column's sequence (PostgreSQL). `None` is the server's
/// default for the column's type; the dialect's normalizer clears every value that equals
/// it, so two spellings of the same sequence compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IdentityOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<i64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cycle: bool,
}

impl IdentityOptions {
    pub fn is_default(&self) -> bool {
        *self == IdentityOptions::default()
    }
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
    /// The identity's sequence options; only meaningful with `identity`.
    #[serde(skip_serializing_if = "IdentityOptions::is_default")]
    pub identity_options: IdentityOptions,
    /// The sequence a serial or identity column draws from, as the catalog names it. Only
    /// set on the live side; never compared (the name follows from the table and column
    /// unless the database was built otherwise).
    #[serde(skip)]
    pub sequence: Option<QName>,
    /// SQLite `AUTOINCREMENT` on an `INTEGER PRIMARY KEY`.
    pub autoincrement: bool,
    pub generated: Option<Generated>,
    pub comment: Option<String>,
    /// MySQL: character set and collation where they differ from the table's. PostgreSQL:
    /// the collation where it differs from the type's default: the bare name of a
    /// collation in `pg_catalog` (`C`, `en-US-x-icu`), else the quoted qualified name
    /// (`"s"."c"`).
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
    /// PostgreSQL: the column comes from the table's parents and is not declared by the
    /// table's own `CREATE TABLE` (`attislocal` false). How a new partition or inheriting
    /// table is created; never compared (the column is the same either way).
    #[serde(skip)]
    pub inherited: bool,
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
            identity_options: _,
            sequence: _,
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
            inherited: _,
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
            identity_options: IdentityOptions::default(),
            sequence: None,
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
            inherited: false,
        }
    }

    /// True when two columns have the same definition (ignoring name and rename hint).
    pub fn same_definition(&self, other: &Column) -> bool {
        self.data_type == other.data_type
            && self.nullable == other.nullable
            && self.default == other.default
            && self.serial == other.serial
            && self.identity == other.identity
            && self.identity_options == other.identity_options
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
    /// PostgreSQL's `DEFERRABLE [INITIALLY DEFERRED]`: checked at commit when deferred.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
}

impl Unique {
    /// Everything but the name.
    pub fn same_definition(&self, other: &Unique) -> bool {
        self.columns == other.columns
            && self.nulls_not_distinct == other.nulls_not_distinct
            && self.deferrable == other.deferrable
            && self.initially_deferred == other.initially_deferred
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub expr: Expr,
    /// PostgreSQL's `NO INHERIT`: the check does not pass to inheriting tables.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_inherit: bool,
    /// PostgreSQL's `NOT VALID`: existing rows were never checked.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
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
    /// PostgreSQL's `NOT VALID`: existing rows were never checked.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
}

impl ForeignKey {
    /// Everything but the name and whether it was validated.
    pub fn same_definition(&self, other: &ForeignKey) -> bool {
        self.columns == other.columns
            && self.ref_table == other.ref_table
            && self.ref_columns == other.ref_columns
            && self.on_delete == other.on_delete
            && self.on_update == other.on_update
            && self.deferrable == other.deferrable
            && self.initially_deferred == other.initially_deferred
            && self.match_full == other.match_full
    }
}

/// An exclusion constraint (PostgreSQL): no two rows may have every element compare true
/// under its operator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    pub name: String,
    /// The index access method (`gist`, `btree`, …), lower case.
    pub method: String,
    pub elements: Vec<ExclusionElement>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    pub predicate: Option<Expr>,
    pub deferrable: bool,
    pub initially_deferred: bool,
}

impl Exclusion {
    /// Everything but the name.
    pub fn same_definition(&self, other: &Exclusion) -> bool {
        self.method == other.method
            && self.elements == other.elements
            && self.include == other.include
            && self.predicate == other.predicate
            && self.deferrable == other.deferrable
            && self.initially_deferred == other.initially_deferred
    }
}

/// One `key WITH operator` of an exclusion constraint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExclusionElement {
    pub part: IndexPart,
    /// The operator as written (`=`, `&&`, `OPERATOR(pg_catalog.=)`).
    pub operator: String,
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
    /// The index's comment (PostgreSQL `COMMENT ON INDEX`, MySQL's index `COMMENT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MySQL's `USING BTREE|HASH` (lower case) as the schema file wrote it. `SHOW CREATE
    /// TABLE` shows it, but no catalog table does (information_schema has the index's real
    /// type only, which for InnoDB is always BTREE): it is written when the index is
    /// created and never compared.
    #[serde(skip)]
    pub using: Option<String>,
    /// PostgreSQL `CREATE INDEX … ON ONLY parent`: the partitioned table's index is made
    /// without building one on each partition (they are attached one by one). How the
    /// index is created; never compared.
    #[serde(skip)]
    pub only: bool,
    /// PostgreSQL: the partitioned table's index this partition's index is attached to
    /// (`ALTER INDEX parent_index ATTACH PARTITION this`). Never compared: PostgreSQL
    /// attaches an equal index itself when the parent's is made or the table attached.
    #[serde(skip)]
    pub attached_to: Option<IndexRef>,
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
            only: _,
            attached_to: _,
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
    /// Everything the index is, but its name, comment and how `USING` was spelled: two
    /// indexes alike so are one index (possibly renamed).
    pub fn same_definition(&self, other: &Index) -> bool {
        self.unique == other.unique
            && self.parts == other.parts
            && self.predicate == other.predicate
            && self.method == other.method
            && self.nulls_not_distinct == other.nulls_not_distinct
            && self.include == other.include
            && self.with == other.with
    }

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
    /// Functions the query calls, by name: created before the view, dropped after it.
    #[serde(skip)]
    pub calls: Calls,
    pub comment: Option<String>,
    /// PostgreSQL view options as written (`security_barrier`, `security_invoker`, and
    /// `check_option` = `local`/`cascaded` for `WITH … CHECK OPTION`; storage parameters
    /// of a materialized view), lower-case name and unquoted value, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<(String, String)>,
    /// Indexes of a materialized view.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Comments on the view's columns, by column name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub column_comments: BTreeMap<String, String>,
    /// A materialized view created `WITH NO DATA` (from a file), or not populated (from a
    /// catalog). How a new materialized view is created, and kept when one is re-created;
    /// never compared: refreshing a view changes no schema.
    #[serde(skip)]
    pub with_no_data: bool,
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

/// Names of the functions an expression calls: for ordering only, so never part of an
/// object's equality (a catalog may spell the same query with other calls).
#[derive(Debug, Clone, Default)]
pub struct Calls(pub BTreeSet<QName>);

impl PartialEq for Calls {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl View {
    pub fn new(name: QName, materialized: bool, query: Expr, depends_on: BTreeSet<QName>) -> Self {
        View {
            name,
            materialized,
            query,
            depends_on,
            calls: Calls::default(),
            comment: None,
            options: Vec::new(),
            indexes: Vec::new(),
            column_comments: BTreeMap::new(),
            with_no_data: false,
            check_option: None,
            algorithm: None,
            security: None,
        }
    }

    /// The value of option `name`, if set.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// True when both views set the same options to the same values, in any order and
    /// whatever the spelling of a boolean (`on`, `true`, `1` …, as PostgreSQL reads them).
    pub fn same_options(&self, other: &View) -> bool {
        same_options(&self.options, &other.options)
    }
}

/// True when both lists set the same options (view options, storage parameters) to the
/// same values, in any order and whatever the spelling of a boolean or number.
pub fn same_options(a: &[(String, String)], b: &[(String, String)]) -> bool {
    let canon = |o: &[(String, String)]| -> BTreeMap<String, String> {
        o.iter()
            .map(|(k, val)| (k.clone(), option_value(val)))
            .collect()
    };
    canon(a) == canon(b)
}

/// An option value as PostgreSQL compares it: a boolean in any of its spellings becomes
/// `true`/`false`, a number its value (`80`, `'80.0'`; `.2`, `2e-1`), anything else is
/// compared as lower-case text.
pub fn option_value(v: &str) -> String {
    let l = v.trim().to_ascii_lowercase();
    let prefix_of = |word: &str| !l.is_empty() && word.starts_with(l.as_str());
    let numeric = l.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+'));
    if l == "on" || l == "1" || prefix_of("true") || prefix_of("yes") {
        "true".into()
    } else if l == "off" || l == "0" || prefix_of("false") || prefix_of("no") {
        "false".into()
    } else if let Some(n) = numeric.then(|| l.parse::<f64>().ok()).flatten() {
        n.to_string()
    } else {
        l
    }
}

impl View {
    /// The view is of the same kind, with the same MySQL options (check option,
    /// algorithm, security): else it is created again.
    pub fn same_kind_and_mysql_options(&self, other: &View) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn composite(attrs: &[(&str, DataType)]) -> CompositeType {
        CompositeType {
            name: QName::new("public", "t"),
            attributes: attrs
                .iter()
                .map(|(n, t)| Attribute {
                    name: n.to_string(),
                    data_type: t.clone(),
                    collation: None,
                })
                .collect(),
        }
    }

    #[test]
    fn composite_edits_append_and_keep_what_stays_in_place() {
        use DataType::{BigInt, Integer, Text};
        let from = composite(&[("a", Integer), ("b", Text), ("c", Integer)]);
        let added = composite(&[("a", BigInt), ("b", Text), ("c", Integer), ("d", Text)]);
        let e = from.edit_to(&added);
        assert!(e.drop.is_empty());
        assert_eq!(
            e.add.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["d"]
        );
        assert_eq!(
            e.alter.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["a"]
        );
        // `b` dropped; `c` keeps its place after `a`.
        let dropped = composite(&[("a", Integer), ("c", Integer)]);
        let e = from.edit_to(&dropped);
        assert_eq!(e.drop, ["b"]);
        assert!(e.add.is_empty() && e.alter.is_empty());
        // `c` moved before `b`: both go and come back in the new order.
        let moved = composite(&[("a", Integer), ("c", Integer), ("b", Text)]);
        let e = from.edit_to(&moved);
        assert_eq!(e.drop, ["b", "c"]);
        assert_eq!(
            e.add.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["c", "b"]
        );
        // A new attribute before an existing one moves that one too.
        let inserted = composite(&[("a", Integer), ("x", Text), ("b", Text), ("c", Integer)]);
        let e = from.edit_to(&inserted);
        assert_eq!(e.drop, ["b", "c"]);
        assert_eq!(
            e.add.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["x", "b", "c"]
        );
    }

    #[test]
    fn multirange_names_are_derived_like_postgres() {
        assert_eq!(default_multirange("floatrange"), "floatmultirange");
        assert_eq!(default_multirange("rangeoftext"), "multirangeoftext");
        assert_eq!(default_multirange("span"), "span_multirange");
    }
}
