//! One value per schema edit. Renderers match on every variant without a catch-all, so a
//! new variant does not compile until each dialect handles it.

use crate::model::{
    Check, Column, EnumType, ForeignKey, Index, PrimaryKey, QName, Sequence, Table, Unique, View,
};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentTarget {
    Table(QName),
    Column(QName, String),
    View(QName),
}

/// Where a column goes, for dialects where column order is part of the table (MySQL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    First,
    After(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    CreateSchema(String),
    DropSchema(String),
    CreateExtension(String),
    DropExtension(String),
    CreateEnum(EnumType),
    DropEnum(EnumType),
    AddEnumValue {
        name: QName,
        value: String,
        before: Option<String>,
        after: Option<String>,
    },
    /// Removing or reordering enum values: a new type, columns converted, old type dropped.
    RebuildEnum {
        from: EnumType,
        to: EnumType,
        usages: Vec<(QName, Column)>,
    },
    CreateSequence(Sequence),
    DropSequence(Sequence),
    AlterSequence {
        from: Sequence,
        to: Sequence,
    },
    CreateTable(Table),
    DropTable(Table),
    RenameTable {
        from: QName,
        to: QName,
    },
    /// A table re-created with its rows copied, for dialects that cannot ALTER in place.
    RebuildTable {
        from: Table,
        to: Table,
    },
    AddColumn {
        table: QName,
        column: Column,
        /// `None` appends; dialects without column order ignore it.
        position: Option<Position>,
    },
    /// Moves a column (and applies any change to its definition at the same time).
    MoveColumn {
        table: QName,
        from: Column,
        to: Column,
        position: Position,
    },
    /// MySQL table options; each `Some` is a value to set.
    SetTableOptions {
        table: QName,
        engine: Option<String>,
        charset: Option<String>,
        collation: Option<String>,
        /// `default` and `0` put the server's default back.
        row_format: Option<String>,
        key_block_size: Option<u32>,
    },
    DropColumn {
        table: QName,
        column: Column,
    },
    RenameColumn {
        table: QName,
        from: String,
        to: String,
    },
    AlterColumn {
        table: QName,
        from: Column,
        to: Column,
    },
    AddPrimaryKey {
        table: QName,
        pk: PrimaryKey,
    },
    DropPrimaryKey {
        table: QName,
        pk: PrimaryKey,
    },
    AddUnique {
        table: QName,
        unique: Unique,
    },
    DropUnique {
        table: QName,
        unique: Unique,
    },
    AddCheck {
        table: QName,
        check: Check,
    },
    DropCheck {
        table: QName,
        check: Check,
    },
    AddForeignKey {
        table: QName,
        fk: ForeignKey,
    },
    DropForeignKey {
        table: QName,
        fk: ForeignKey,
    },
    RenameConstraint {
        table: QName,
        from: String,
        to: String,
    },
    CreateIndex {
        table: QName,
        index: Index,
    },
    DropIndex {
        table: QName,
        index: Index,
    },
    RenameIndex {
        table: QName,
        from: String,
        to: String,
    },
    CreateView(View),
    DropView(View),
    SetComment {
        target: CommentTarget,
        from: Option<String>,
        to: Option<String>,
    },
}

impl Change {
    /// A short stable name of the operation, used in JSON and as a sort key.
    pub fn kind(&self) -> &'static str {
        use Change::*;
        match self {
            CreateSchema(_) => "create_schema",
            DropSchema(_) => "drop_schema",
            CreateExtension(_) => "create_extension",
            DropExtension(_) => "drop_extension",
            CreateEnum(_) => "create_enum",
            DropEnum(_) => "drop_enum",
            AddEnumValue { .. } => "add_enum_value",
            RebuildEnum { .. } => "rebuild_enum",
            CreateSequence(_) => "create_sequence",
            DropSequence(_) => "drop_sequence",
            AlterSequence { .. } => "alter_sequence",
            CreateTable(_) => "create_table",
            DropTable(_) => "drop_table",
            RenameTable { .. } => "rename_table",
            RebuildTable { .. } => "rebuild_table",
            AddColumn { .. } => "add_column",
            MoveColumn { .. } => "move_column",
            SetTableOptions { .. } => "set_table_options",
            DropColumn { .. } => "drop_column",
            RenameColumn { .. } => "rename_column",
            AlterColumn { .. } => "alter_column",
            AddPrimaryKey { .. } => "add_primary_key",
            DropPrimaryKey { .. } => "drop_primary_key",
            AddUnique { .. } => "add_unique",
            DropUnique { .. } => "drop_unique",
            AddCheck { .. } => "add_check",
            DropCheck { .. } => "drop_check",
            AddForeignKey { .. } => "add_foreign_key",
            DropForeignKey { .. } => "drop_foreign_key",
            RenameConstraint { .. } => "rename_constraint",
            CreateIndex { .. } => "create_index",
            DropIndex { .. } => "drop_index",
            RenameIndex { .. } => "rename_index",
            CreateView(_) => "create_view",
            DropView(_) => "drop_view",
            SetComment { .. } => "set_comment",
        }
    }

    /// The table this change belongs to, if any.
    pub fn table(&self) -> Option<&QName> {
        use Change::*;
        match self {
            CreateTable(t) | DropTable(t) => Some(&t.name),
            RenameTable { to, .. } => Some(to),
            RebuildTable { to, .. } => Some(&to.name),
            AddColumn { table, .. }
            | MoveColumn { table, .. }
            | SetTableOptions { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | RenameConstraint { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | RenameIndex { table, .. } => Some(table),
            SetComment {
                target: CommentTarget::Table(t) | CommentTarget::Column(t, _),
                ..
            } => Some(t),
            _ => None,
        }
    }

    /// Tables whose columns this change alters (views reading them must be re-created).
    pub fn reshaped_tables(&self) -> Vec<&QName> {
        use Change::*;
        match self {
            RenameTable { from, .. } => vec![from],
            RebuildTable { from, .. } => vec![&from.name],
            DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | MoveColumn { table, .. }
            | SetTableOptions { table, .. } => vec![table],
            RebuildEnum { usages, .. } => usages.iter().map(|(t, _)| t).collect(),
            _ => Vec::new(),
        }
    }

    /// Human-readable names of the objects the change touches.
    pub fn objects(&self) -> Vec<String> {
        use Change::*;
        match self {
            CreateSchema(s) | DropSchema(s) => vec![format!("schema {s}")],
            CreateExtension(s) | DropExtension(s) => vec![format!("extension {s}")],
            CreateEnum(e) | DropEnum(e) => vec![format!("type {}", e.name)],
            AddEnumValue { name, .. } => vec![format!("type {name}")],
            RebuildEnum { to, usages, .. } => std::iter::once(format!("type {}", to.name))
                .chain(usages.iter().map(|(t, c)| format!("column {t}.{}", c.name)))
                .collect(),
            CreateSequence(s) | DropSequence(s) => vec![format!("sequence {}", s.name)],
            AlterSequence { to, .. } => vec![format!("sequence {}", to.name)],
            CreateTable(t) | DropTable(t) => vec![format!("table {}", t.name)],
            RenameTable { from, to } => vec![format!("table {from}"), format!("table {to}")],
            RebuildTable { to, .. } => vec![format!("table {}", to.name)],
            AddColumn { table, column, .. } | DropColumn { table, column } => {
                vec![format!("column {table}.{}", column.name)]
            }
            MoveColumn { table, to, .. } => vec![format!("column {table}.{}", to.name)],
            SetTableOptions { table, .. } => vec![format!("table {table}")],
            AlterColumn { table, to, .. } => vec![format!("column {table}.{}", to.name)],
            RenameColumn { table, from, to } => vec![
                format!("column {table}.{from}"),
                format!("column {table}.{to}"),
            ],
            AddPrimaryKey { table, pk } | DropPrimaryKey { table, pk } => {
                vec![format!("constraint {table}.{}", pk.name)]
            }
            AddUnique { table, unique } | DropUnique { table, unique } => {
                vec![format!("constraint {table}.{}", unique.name)]
            }
            AddCheck { table, check } | DropCheck { table, check } => {
                vec![format!("constraint {table}.{}", check.name)]
            }
            AddForeignKey { table, fk } | DropForeignKey { table, fk } => {
                vec![format!("constraint {table}.{}", fk.name)]
            }
            RenameConstraint { table, from, to } => vec![
                format!("constraint {table}.{from}"),
                format!("constraint {table}.{to}"),
            ],
            CreateIndex { table, index } | DropIndex { table, index } => {
                vec![format!("index {table}.{}", index.name)]
            }
            RenameIndex { table, from, to } => {
                vec![
                    format!("index {table}.{from}"),
                    format!("index {table}.{to}"),
                ]
            }
            CreateView(v) | DropView(v) => vec![format!(
                "{} {}",
                if v.materialized {
                    "materialized view"
                } else {
                    "view"
                },
                v.name
            )],
            SetComment { target, .. } => vec![match target {
                CommentTarget::Table(t) => format!("table {t}"),
                CommentTarget::Column(t, c) => format!("column {t}.{c}"),
                CommentTarget::View(v) => format!("view {v}"),
            }],
        }
    }
}
