//! Hazards: what a step can do to data, locks and availability, with stable codes.

use crate::diff::Change;
use crate::model::QName;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum HazardCode {
    /// Rows or values are lost (drop table/column, narrowing type change).
    #[serde(rename = "data-loss")]
    DataLoss,
    /// The table is rewritten or copied; time grows with its size.
    #[serde(rename = "table-rewrite")]
    TableRewrite,
    /// Takes a lock that blocks reads and writes on the table while it runs.
    #[serde(rename = "access-exclusive-lock")]
    AccessExclusiveLock,
    /// Blocks writes to the table while an index builds.
    #[serde(rename = "blocks-writes")]
    BlocksWrites,
    /// Runs outside the plan's transaction; a failure after it cannot roll it back.
    #[serde(rename = "not-transactional")]
    NotTransactional,
    /// Fails if existing rows violate the new rule.
    #[serde(rename = "may-fail")]
    MayFail,
    /// MySQL: waits for, then holds, the table's metadata lock; queries queue behind it.
    #[serde(rename = "metadata-lock")]
    MetadataLock,
    /// MySQL: the table is rebuilt in place (ALGORITHM=INPLACE); reads and writes go on.
    #[serde(rename = "inplace-rebuild")]
    InplaceRebuild,
    /// A NOT NULL column without a default added to a table that already has rows.
    #[serde(rename = "not-null-without-default")]
    NotNullWithoutDefault,
    /// PostgreSQL: `CREATE`/`DROP INDEX` without `CONCURRENTLY` on an existing table.
    #[serde(rename = "index-not-concurrent")]
    IndexNotConcurrent,
    /// A table or column rename; application versions still running use the old name.
    #[serde(rename = "rename-breaks-clients")]
    RenameBreaksClients,
    /// PostgreSQL: a FOREIGN KEY or CHECK added to an existing table without NOT VALID.
    #[serde(rename = "constraint-not-valid")]
    ConstraintNotValid,
    /// PostgreSQL: UNIQUE or PRIMARY KEY added to an existing table without `USING INDEX`.
    #[serde(rename = "unique-without-index")]
    UniqueWithoutIndex,
    /// PostgreSQL: SET NOT NULL without a validated `CHECK (c IS NOT NULL)`.
    #[serde(rename = "set-not-null-scan")]
    SetNotNullScan,
    /// Lint only, PostgreSQL: CONCURRENTLY in a migration that runs inside a transaction.
    #[serde(rename = "concurrent-in-transaction")]
    ConcurrentInTransaction,
    /// Lint only, PostgreSQL: the migration switches lock_timeout off.
    #[serde(rename = "lock-timeout-off")]
    LockTimeoutOff,
}

impl HazardCode {
    pub fn as_str(self) -> &'static str {
        match self {
            HazardCode::DataLoss => "data-loss",
            HazardCode::TableRewrite => "table-rewrite",
            HazardCode::AccessExclusiveLock => "access-exclusive-lock",
            HazardCode::BlocksWrites => "blocks-writes",
            HazardCode::NotTransactional => "not-transactional",
            HazardCode::MayFail => "may-fail",
            HazardCode::MetadataLock => "metadata-lock",
            HazardCode::InplaceRebuild => "inplace-rebuild",
            HazardCode::NotNullWithoutDefault => "not-null-without-default",
            HazardCode::IndexNotConcurrent => "index-not-concurrent",
            HazardCode::RenameBreaksClients => "rename-breaks-clients",
            HazardCode::ConstraintNotValid => "constraint-not-valid",
            HazardCode::UniqueWithoutIndex => "unique-without-index",
            HazardCode::SetNotNullScan => "set-not-null-scan",
            HazardCode::ConcurrentInTransaction => "concurrent-in-transaction",
            HazardCode::LockTimeoutOff => "lock-timeout-off",
        }
    }

    /// Every code, in documentation order.
    pub const ALL: [HazardCode; 16] = [
        HazardCode::DataLoss,
        HazardCode::TableRewrite,
        HazardCode::AccessExclusiveLock,
        HazardCode::BlocksWrites,
        HazardCode::NotTransactional,
        HazardCode::MayFail,
        HazardCode::MetadataLock,
        HazardCode::InplaceRebuild,
        HazardCode::NotNullWithoutDefault,
        HazardCode::IndexNotConcurrent,
        HazardCode::RenameBreaksClients,
        HazardCode::ConstraintNotValid,
        HazardCode::UniqueWithoutIndex,
        HazardCode::SetNotNullScan,
        HazardCode::ConcurrentInTransaction,
        HazardCode::LockTimeoutOff,
    ];

    /// The code a stable name stands for (plan files, `-- sqlshift:allow CODE`).
    pub fn parse(s: &str) -> Option<HazardCode> {
        HazardCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// One line saying what the code means, shown next to every hazard in plan output.
    pub fn explanation(self) -> &'static str {
        match self {
            HazardCode::DataLoss => "rows or values are lost; refused without --allow-destructive",
            HazardCode::TableRewrite => {
                "the table is rewritten or copied; time grows with its size"
            }
            HazardCode::AccessExclusiveLock => "reads and writes on the table wait while it runs",
            HazardCode::BlocksWrites => "writes to the table wait while it runs",
            HazardCode::NotTransactional => {
                "runs outside the transaction; a later failure cannot undo it"
            }
            HazardCode::MayFail => "fails if existing rows break the new rule",
            HazardCode::MetadataLock => {
                "waits for the table's metadata lock; queries queue behind it"
            }
            HazardCode::InplaceRebuild => {
                "the table is rebuilt in place; reads and writes continue"
            }
            HazardCode::NotNullWithoutDefault => {
                "fails on a table with rows: they have no value for the column"
            }
            HazardCode::IndexNotConcurrent => {
                "writes to the table wait while the index builds; use CONCURRENTLY"
            }
            HazardCode::RenameBreaksClients => {
                "application versions still running use the old name and fail"
            }
            HazardCode::ConstraintNotValid => {
                "writes wait while every row is checked; add it NOT VALID, then VALIDATE"
            }
            HazardCode::UniqueWithoutIndex => {
                "reads and writes wait while the index builds; build it CONCURRENTLY, then USING INDEX"
            }
            HazardCode::SetNotNullScan => {
                "reads and writes wait while every row is scanned; prove it with a validated CHECK first"
            }
            HazardCode::ConcurrentInTransaction => {
                "CONCURRENTLY cannot run inside a transaction block; the migration fails"
            }
            HazardCode::LockTimeoutOff => {
                "a step waiting for a lock queues every query on the table behind it, without limit"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hazard {
    pub code: HazardCode,
    pub message: String,
    /// The longest lock of the step the hazard belongs to (PostgreSQL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<super::Lock>,
}

impl Hazard {
    pub fn new(code: HazardCode, message: impl Into<String>) -> Self {
        Hazard {
            code,
            message: message.into(),
            lock: None,
        }
    }
}

/// Hazards every dialect shares. `created` holds the tables the plan creates: empty, so
/// nothing added to them can fail on existing rows.
pub fn generic(change: &Change, created: &BTreeSet<QName>) -> Vec<Hazard> {
    use Change::*;
    use HazardCode::*;
    let mut h = Vec::new();
    if change.table().is_some_and(|t| created.contains(t)) {
        return h;
    }
    match change {
        RenameTable { from, to, .. } => h.push(Hazard::new(
            RenameBreaksClients,
            format!("renames table {from} to {to}; application versions still running query {from}"),
        )),
        RenameColumn { table, from, to, .. } => h.push(Hazard::new(
            RenameBreaksClients,
            format!("renames column {table}.{from} to {to}; application versions still running use {from}"),
        )),
        DropTable(t) => h.push(Hazard::new(DataLoss, format!("drops table {} and all its rows", t.name))),
        DropRoutine(r) => h.push(Hazard::new(
            MayFail,
            format!(
                "drops {} {}; fails while an object sqlshift does not re-create (a trigger, a default, another function) still uses it",
                r.kind.noun(),
                r.key()
            ),
        )),
        ReplaceRoutine { to, .. } if to.security_definer() => h.push(Hazard::new(
            MayFail,
            format!(
                "replaces SECURITY DEFINER {} {}: the new body runs with its owner's rights",
                to.kind.noun(),
                to.key()
            ),
        )),
        DropColumn { table, column } => h.push(Hazard::new(
            DataLoss,
            format!("drops column {table}.{} and its values", column.name),
        )),
                AlterColumn { table, from, to } | MoveColumn { table, from, to, .. } => {
            if from.data_type != to.data_type && from.data_type.is_narrowing_to(&to.data_type) {
                h.push(Hazard::new(
                    DataLoss,
                    format!(
                        "changes {table}.{} from {} to {}, which may not hold every existing value",
                        to.name, from.data_type, to.data_type
                    ),
                ));
            }
            if from.nullable && !to.nullable {
                h.push(Hazard::new(
                    MayFail,
                    format!("sets {table}.{} NOT NULL; fails if any row holds NULL", to.name),
                ));
            }
        }
        AddColumn { table, column, .. } if !column.nullable && column.default.is_none() && column.generated.is_none() && !column.serial && column.identity.is_none() => {
            h.push(Hazard::new(
                NotNullWithoutDefault,
                format!("adds NOT NULL column {table}.{} without a default; fails if the table has rows", column.name),
            ))
        }
        AddUnique { table, unique } => h.push(Hazard::new(
            MayFail,
            format!("adds unique constraint {} on {table}; fails if existing rows repeat a value", unique.name),
        )),
        AddPrimaryKey { table, .. } => h.push(Hazard::new(
            MayFail,
            format!("adds a primary key to {table}; fails on duplicate or NULL values"),
        )),
        AddCheck { table, check } if !check.not_valid => h.push(Hazard::new(
            MayFail,
            format!("adds check {} on {table}; fails if existing rows violate it", check.name),
        )),
        ValidateConstraint { table, name } => h.push(Hazard::new(
            MayFail,
            format!("validates {name} on {table}; fails if existing rows violate it (writes go on meanwhile)"),
        )),
        AddExclusion { table, exclusion } => h.push(Hazard::new(
            MayFail,
            format!("adds exclusion constraint {} on {table}; fails if existing rows conflict", exclusion.name),
        )),
        AddForeignKey { table, fk } if !fk.not_valid => h.push(Hazard::new(
            MayFail,
            format!("adds foreign key {} on {table}; fails if existing rows have no match", fk.name),
        )),
        CreateIndex { table, index } if index.unique => h.push(Hazard::new(
            MayFail,
            format!("creates unique index {} on {table}; fails if existing rows repeat a value", index.name),
        )),
        RebuildEnum { from, to, .. } => {
            let removed: Vec<&String> = from.values.iter().filter(|v| !to.values.contains(v)).collect();
            if !removed.is_empty() {
                h.push(Hazard::new(
                    DataLoss,
                    format!(
                        "removes value(s) {} from {}; rows holding them make the conversion fail",
                        removed.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", "),
                        to.name
                    ),
                ));
            }
        }
        AlterDomain { from, to } => {
            if to.not_null && !from.not_null {
                h.push(Hazard::new(
                    MayFail,
                    format!("sets domain {} NOT NULL; fails if a column of it holds NULL", to.name),
                ));
            }
            for c in from.checks_added_in(to).filter(|c| !c.not_valid) {
                h.push(Hazard::new(
                    MayFail,
                    format!("adds check {} on domain {}; fails if a stored value violates it", c.name, to.name),
                ));
            }
        }
        RebuildDomain { from, to, usages, .. } => {
            if from.data_type.is_narrowing_to(&to.data_type) {
                h.push(Hazard::new(
                    DataLoss,
                    format!(
                        "changes domain {} from {} to {}, which may not hold every existing value",
                        to.name, from.data_type, to.data_type
                    ),
                ));
            }
            if !usages.is_empty() {
                h.push(Hazard::new(
                    MayFail,
                    format!("converts the columns of domain {}; fails if a value breaks its new definition", to.name),
                ));
            }
        }
        AlterComposite { from, to } => {
            let edit = from.edit_to(to);
            if !edit.drop.is_empty() {
                h.push(Hazard::new(
                    DataLoss,
                    format!(
                        "drops attribute(s) {} of type {}; their values in columns of the type are lost",
                        edit.drop.join(", "),
                        to.name
                    ),
                ));
            }
            if !edit.alter.is_empty() {
                h.push(Hazard::new(
                    MayFail,
                    format!("changes attribute types of {}; PostgreSQL refuses while a table column uses the type", to.name),
                ));
            }
        }
        RebuildRange { to, usages, .. } if !usages.is_empty() => h.push(Hazard::new(
            MayFail,
            format!("converts the columns of range type {} through text; fails if a value does not fit the new definition", to.name),
        )),
        RebuildTable { from, to } => {
            let lost: Vec<&str> = from
                .columns
                .iter()
                .filter(|c| !to.columns.iter().any(|n| n.name == c.name || n.renamed_from.as_deref() == Some(&c.name)))
                .map(|c| c.name.as_str())
                .collect();
            if !lost.is_empty() {
                h.push(Hazard::new(
                    DataLoss,
                    format!("drops column(s) {} of {} and their values", lost.join(", "), to.name),
                ));
            }
            for c in &to.columns {
                let copied = from.column(&c.name).is_some()
                    || c.renamed_from.as_ref().is_some_and(|o| from.column(o).is_some());
                if !copied && !c.nullable && c.default.is_none() && c.generated.is_none() {
                    h.push(Hazard::new(
                        MayFail,
                        format!("adds NOT NULL column {}.{} without a default; fails if the table has rows", to.name, c.name),
                    ));
                }
            }
            h.push(Hazard::new(TableRewrite, format!("re-creates {} and copies every row", to.name)));
        }
        DropView(v) if v.materialized => h.push(Hazard::new(
            AccessExclusiveLock,
            format!("drops materialized view {}; it is rebuilt from its query when re-created", v.name),
        )),
        _ => {}
    }
    h
}
