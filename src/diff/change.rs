//! One value per schema edit. Renderers match on every variant without a catch-all, so a
//! new variant does not compile until each dialect handles it.

use crate::model::{
    Check, Column, CompositeType, Domain, EnumType, Exclusion, Firing, ForeignKey, Index, OnTable,
    PartitionOf, PrimaryKey, Program, QName, RangeType, Routine, Rule, Sequence, Table, Trigger,
    Unique, View,
};
use serde::Serialize;

pub use super::security::SecurityChange;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentTarget {
    Table(QName),
    /// A column of a table, or of a view.
    Column(QName, String),
    View(QName),
    MaterializedView(QName),
    /// An index of a table or materialized view: (relation, index name).
    Index(QName, String),
    /// A constraint of a table: (table, constraint name).
    Constraint(QName, String),
    Sequence(QName),
    /// An enum, composite or range type.
    Type(QName),
    Domain(QName),
    Schema(String),
    /// A trigger (PostgreSQL `COMMENT ON TRIGGER`).
    Trigger(OnTable),
    /// A rule (PostgreSQL `COMMENT ON RULE`).
    Rule(OnTable),
}

impl CommentTarget {
    /// The object, as plans and drift reports name it.
    pub fn object(&self) -> String {
        match self {
            CommentTarget::Table(t) => format!("table {t}"),
            CommentTarget::Column(t, c) => format!("column {t}.{c}"),
            CommentTarget::View(v) => format!("view {v}"),
            CommentTarget::MaterializedView(v) => format!("materialized view {v}"),
            CommentTarget::Index(t, i) => format!("index {t}.{i}"),
            CommentTarget::Constraint(t, c) => format!("constraint {t}.{c}"),
            CommentTarget::Sequence(s) => format!("sequence {s}"),
            CommentTarget::Type(e) => format!("type {e}"),
            CommentTarget::Domain(d) => format!("domain {d}"),
            CommentTarget::Schema(s) => format!("schema {s}"),
            CommentTarget::Trigger(k) => format!("trigger {k}"),
            CommentTarget::Rule(k) => format!("rule {k}"),
        }
    }
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
    CreateDomain(Domain),
    DropDomain(Domain),
    /// A domain's default, NOT NULL or checks change; its base type stays.
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    /// A domain's base type or collation changes, which PostgreSQL cannot alter: the
    /// domain is created again, with the domains over it (`dependents`, each after the
    /// one it is over), and the columns of any of them (`usages`) converted.
    RebuildDomain {
        from: Domain,
        to: Domain,
        dependents: Vec<Domain>,
        usages: Vec<(QName, Column)>,
    },
    CreateComposite(CompositeType),
    DropComposite(CompositeType),
    /// Attributes dropped, added or retyped (`ALTER TYPE … ATTRIBUTE`); see
    /// [`CompositeType::edit_to`].
    AlterComposite {
        from: CompositeType,
        to: CompositeType,
    },
    CreateRange(RangeType),
    DropRange(RangeType),
    /// PostgreSQL alters nothing of a range type: it is created again (with its multirange
    /// type) and the columns of either converted through text.
    RebuildRange {
        from: RangeType,
        to: RangeType,
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
        /// Sequences of serial and identity columns named after the old table, with the
        /// names a table of the new name gives them (PostgreSQL): renamed along with it.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        sequences: Vec<(QName, String)>,
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
    /// PostgreSQL `ALTER TABLE … SET UNLOGGED` (`unlogged`) or `SET LOGGED`.
    SetLogged {
        table: QName,
        unlogged: bool,
    },
    /// PostgreSQL storage parameters (`fillfactor`, `toast.autovacuum_enabled`, …) changed
    /// in place: `ALTER TABLE … SET (…)` / `RESET (…)`.
    SetStorage {
        table: QName,
        from: Vec<(String, String)>,
        to: Vec<(String, String)>,
    },
    DropColumn {
        table: QName,
        column: Column,
    },
    RenameColumn {
        table: QName,
        from: String,
        to: String,
        /// Sequences named after the column (PostgreSQL's `t_col_seq`), renamed with it
        /// (see [`RenameTable`](Change::RenameTable)'s).
        sequences: Vec<(QName, String)>,
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
    AddExclusion {
        table: QName,
        exclusion: Exclusion,
    },
    DropExclusion {
        table: QName,
        exclusion: Exclusion,
    },
    RenameConstraint {
        table: QName,
        from: String,
        to: String,
    },
    /// Checks the existing rows against a `NOT VALID` check or foreign key.
    ValidateConstraint {
        table: QName,
        name: String,
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
    /// An index whose definition changes, replaced without a moment without it: the new
    /// one is built under a temporary name, the old one dropped, the new one renamed
    /// (PostgreSQL online mode; other dialects drop and create).
    ReplaceIndex {
        table: QName,
        from: Index,
        to: Index,
        temp: String,
    },
    CreateRoutine(Routine),
    DropRoutine(Routine),
    /// `CREATE OR REPLACE`: the body or an attribute changes, the signature does not.
    ReplaceRoutine {
        from: Routine,
        to: Routine,
    },
    /// A MySQL trigger, procedure, function or event, or a SQLite trigger.
    CreateProgram(Program),
    DropProgram(Program),
    /// Dropped and created again in one step: neither server alters a body in place.
    ReplaceProgram {
        from: Program,
        to: Program,
    },
    /// A trigger, created with its firing state and comment.
    CreateTrigger(Trigger),
    DropTrigger(Trigger),
    /// `CREATE OR REPLACE TRIGGER` (PostgreSQL 14+): another definition of a trigger that is
    /// no constraint trigger, in place.
    ReplaceTrigger {
        from: Trigger,
        to: Trigger,
    },
    /// A rule, created with its firing state and comment.
    CreateRule(Rule),
    DropRule(Rule),
    /// `CREATE OR REPLACE RULE`.
    ReplaceRule {
        from: Rule,
        to: Rule,
    },
    /// `ALTER TABLE … ENABLE [REPLICA | ALWAYS] | DISABLE TRIGGER | RULE name`.
    SetFiring {
        table: QName,
        name: String,
        rule: bool,
        from: Firing,
        to: Firing,
    },
    CreateView(View),
    DropView(View),
    /// PostgreSQL view options (`security_barrier`, `check_option`, …) changed in place.
    SetViewOptions {
        view: QName,
        materialized: bool,
        from: Vec<(String, String)>,
        to: Vec<(String, String)>,
    },
    SetComment {
        target: CommentTarget,
        from: Option<String>,
        to: Option<String>,
    },
    /// PostgreSQL: a table becomes a partition, stops being one, or moves to another bound
    /// (`DETACH PARTITION` then `ATTACH PARTITION`).
    SetPartitionOf {
        table: QName,
        from: Option<PartitionOf>,
        to: Option<PartitionOf>,
    },
    /// PostgreSQL: `ALTER TABLE … INHERIT parent` / `NO INHERIT parent`.
    SetInherits {
        table: QName,
        add: Vec<QName>,
        remove: Vec<QName>,
    },
    /// A change sqlshift will not make, with why: it cannot be done in place without
    /// moving the rows (a partitioned table's key), and doing it otherwise would lose them.
    /// A plan holding one is refused before anything runs.
    Refuse {
        table: QName,
        reason: String,
    },
    /// Row-level security, policies, privileges and owners (PostgreSQL).
    Security(SecurityChange),
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
            CreateDomain(_) => "create_domain",
            DropDomain(_) => "drop_domain",
            AlterDomain { .. } => "alter_domain",
            RebuildDomain { .. } => "rebuild_domain",
            CreateComposite(_) => "create_composite",
            DropComposite(_) => "drop_composite",
            AlterComposite { .. } => "alter_composite",
            CreateRange(_) => "create_range",
            DropRange(_) => "drop_range",
            RebuildRange { .. } => "rebuild_range",
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
            SetLogged { .. } => "set_persistence",
            SetStorage { .. } => "set_storage",
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
            AddExclusion { .. } => "add_exclusion",
            DropExclusion { .. } => "drop_exclusion",
            RenameConstraint { .. } => "rename_constraint",
            ValidateConstraint { .. } => "validate_constraint",
            CreateIndex { .. } => "create_index",
            DropIndex { .. } => "drop_index",
            RenameIndex { .. } => "rename_index",
            ReplaceIndex { .. } => "replace_index",
            CreateRoutine(_) => "create_routine",
            DropRoutine(_) => "drop_routine",
            ReplaceRoutine { .. } => "replace_routine",
            CreateProgram(_) => "create_program",
            DropProgram(_) => "drop_program",
            ReplaceProgram { .. } => "replace_program",
            CreateTrigger(_) => "create_trigger",
            DropTrigger(_) => "drop_trigger",
            ReplaceTrigger { .. } => "replace_trigger",
            CreateRule(_) => "create_rule",
            DropRule(_) => "drop_rule",
            ReplaceRule { .. } => "replace_rule",
            SetFiring { .. } => "set_firing",
            CreateView(_) => "create_view",
            DropView(_) => "drop_view",
            SetViewOptions { .. } => "set_view_options",
            SetComment { .. } => "set_comment",
            SetPartitionOf { .. } => "set_partition_of",
            SetInherits { .. } => "set_inherits",
            Refuse { .. } => "refused",
            Security(c) => c.kind(),
        }
    }

    /// The table this change belongs to, if any.
    pub fn table(&self) -> Option<&QName> {
        use Change::*;
        match self {
            CreateTable(t) | DropTable(t) => Some(&t.name),
            CreateTrigger(t) | DropTrigger(t) | ReplaceTrigger { to: t, .. } => Some(&t.table),
            CreateRule(r) | DropRule(r) | ReplaceRule { to: r, .. } => Some(&r.table),
            RenameTable { to, .. } => Some(to),
            RebuildTable { to, .. } => Some(&to.name),
            AddColumn { table, .. }
            | MoveColumn { table, .. }
            | SetTableOptions { table, .. }
            | SetLogged { table, .. }
            | SetStorage { table, .. }
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
            | AddExclusion { table, .. }
            | DropExclusion { table, .. }
            | RenameConstraint { table, .. }
            | ValidateConstraint { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | RenameIndex { table, .. }
            | ReplaceIndex { table, .. }
            | SetPartitionOf { table, .. }
            | SetInherits { table, .. }
            | SetFiring { table, .. }
            | Refuse { table, .. } => Some(table),
            Security(c) => c.table(),
            SetComment {
                target:
                    CommentTarget::Table(t)
                    | CommentTarget::Column(t, _)
                    | CommentTarget::Index(t, _)
                    | CommentTarget::Constraint(t, _),
                ..
            } => Some(t),
            SetComment {
                target: CommentTarget::Trigger(k) | CommentTarget::Rule(k),
                ..
            } => Some(&k.table),
            _ => None,
        }
    }

    /// Tables whose columns this change reshapes, so that views reading them must be
    /// re-created: a column dropped, renamed or of another type. A column's default, NOT
    /// NULL, identity or comment, or a key, check or index, changes no view.
    pub fn reshaped_tables(&self) -> Vec<&QName> {
        use Change::*;
        match self {
            RenameTable { from, .. } => vec![from],
            RebuildTable { from, .. } => vec![&from.name],
            AlterColumn { table, from, to }
            | MoveColumn {
                table, from, to, ..
            } => {
                if reshapes(from, to) {
                    vec![table]
                } else {
                    Vec::new()
                }
            }
            DropColumn { table, .. }
            | RenameColumn { table, .. }
            | SetTableOptions { table, .. } => vec![table],
            RebuildEnum { usages, .. }
            | RebuildDomain { usages, .. }
            | RebuildRange { usages, .. } => usages.iter().map(|(t, _)| t).collect(),
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
            CreateDomain(d) | DropDomain(d) => vec![format!("domain {}", d.name)],
            AlterDomain { to, .. } => vec![format!("domain {}", to.name)],
            RebuildDomain {
                to,
                dependents,
                usages,
                ..
            } => std::iter::once(format!("domain {}", to.name))
                .chain(dependents.iter().map(|d| format!("domain {}", d.name)))
                .chain(usages.iter().map(|(t, c)| format!("column {t}.{}", c.name)))
                .collect(),
            CreateComposite(t) | DropComposite(t) => vec![format!("type {}", t.name)],
            AlterComposite { to, .. } => vec![format!("type {}", to.name)],
            CreateRange(r) | DropRange(r) => vec![format!("type {}", r.name)],
            RebuildRange { to, usages, .. } => std::iter::once(format!("type {}", to.name))
                .chain(usages.iter().map(|(t, c)| format!("column {t}.{}", c.name)))
                .collect(),
            CreateSequence(s) | DropSequence(s) => vec![format!("sequence {}", s.name)],
            AlterSequence { to, .. } => vec![format!("sequence {}", to.name)],
            CreateTable(t) | DropTable(t) => vec![format!("table {}", t.name)],
            RenameTable {
                from,
                to,
                sequences,
            } => [format!("table {from}"), format!("table {to}")]
                .into_iter()
                .chain(sequences.iter().map(|(s, _)| format!("sequence {s}")))
                .collect(),
            RebuildTable { to, .. } => vec![format!("table {}", to.name)],
            AddColumn { table, column, .. } | DropColumn { table, column } => {
                vec![format!("column {table}.{}", column.name)]
            }
            MoveColumn { table, to, .. } => vec![format!("column {table}.{}", to.name)],
            SetTableOptions { table, .. } | SetLogged { table, .. } | SetStorage { table, .. } => {
                vec![format!("table {table}")]
            }
            AlterColumn { table, to, .. } => vec![format!("column {table}.{}", to.name)],
            RenameColumn {
                table,
                from,
                to,
                sequences,
            } => [
                format!("column {table}.{from}"),
                format!("column {table}.{to}"),
            ]
            .into_iter()
            .chain(sequences.iter().map(|(s, _)| format!("sequence {s}")))
            .collect(),
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
            AddExclusion { table, exclusion } | DropExclusion { table, exclusion } => {
                vec![format!("constraint {table}.{}", exclusion.name)]
            }
            RenameConstraint { table, from, to } => vec![
                format!("constraint {table}.{from}"),
                format!("constraint {table}.{to}"),
            ],
            ValidateConstraint { table, name } => vec![format!("constraint {table}.{name}")],
            CreateIndex { table, index } | DropIndex { table, index } => {
                vec![format!("index {table}.{}", index.name)]
            }
            ReplaceIndex { table, to, .. } => vec![format!("index {table}.{}", to.name)],
            RenameIndex { table, from, to } => {
                vec![
                    format!("index {table}.{from}"),
                    format!("index {table}.{to}"),
                ]
            }
            CreateRoutine(r) | DropRoutine(r) | ReplaceRoutine { to: r, .. } => {
                vec![format!("{} {}", r.kind.noun(), r.key())]
            }
            CreateProgram(p) | DropProgram(p) | ReplaceProgram { to: p, .. } => {
                vec![format!("{} {}", p.kind.noun(), p.name)]
            }
            CreateTrigger(t) | DropTrigger(t) | ReplaceTrigger { to: t, .. } => {
                vec![format!("trigger {}", t.key())]
            }
            CreateRule(r) | DropRule(r) | ReplaceRule { to: r, .. } => {
                vec![format!("rule {}", r.key())]
            }
            SetFiring {
                table, name, rule, ..
            } => vec![format!(
                "{} {name} on {table}",
                if *rule { "rule" } else { "trigger" }
            )],
            CreateView(v) | DropView(v) => vec![view_object(&v.name, v.materialized)],
            SetViewOptions {
                view, materialized, ..
            } => vec![view_object(view, *materialized)],
            SetComment { target, .. } => vec![target.object()],
            SetPartitionOf { table, .. } | SetInherits { table, .. } | Refuse { table, .. } => {
                vec![format!("table {table}")]
            }
            Security(c) => c.objects(),
        }
    }
}

fn view_object(name: &QName, materialized: bool) -> String {
    if materialized {
        format!("materialized view {name}")
    } else {
        format!("view {name}")
    }
}

/// A column change a view reading the column sees: its type (or collation, character set,
/// generation expression, which PostgreSQL changes by re-typing or re-creating the column).
fn reshapes(from: &Column, to: &Column) -> bool {
    from.data_type != to.data_type
        || from.collation != to.collation
        || from.charset != to.charset
        || from.generated != to.generated
}
