//! The table locks each PostgreSQL step takes, as the ALTER TABLE, CREATE INDEX and
//! DROP INDEX reference pages give them (PostgreSQL 12+), and how long it holds them.
//! `tests/it/locks.rs` checks every transactional step against `pg_locks`.
//!
//! Only tables and views that exist before the plan runs are listed: one the plan creates
//! is invisible to other sessions until the plan commits.

use super::online;
use super::types;
use crate::dialect::RenderOptions;
use crate::diff::{Change, CommentTarget};
use crate::model::{Column, QName, View};
use crate::plan::lock::{Lock, LockMode, LockMode::*, Work, Work::*};

/// The locks `change` takes on tables that exist before the plan.
pub fn locks(change: &Change, opts: &RenderOptions) -> Vec<Lock> {
    let mut out = Vec::new();
    let mut on = |table: &QName, mode: LockMode, work: Work| {
        if !opts.created.contains(table) {
            let l = Lock::new(table, mode, work);
            if !out.contains(&l) {
                out.push(l);
            }
        }
    };
    use Change::*;
    match change {
        DropTable(t) => on(&t.name, AccessExclusive, Brief),
        RenameTable { from, .. } => on(from, AccessExclusive, Brief),
        AddColumn { table, column, .. } => {
            let work = if add_column_rewrites(column) {
                Rewrite
            } else {
                Brief
            };
            on(table, AccessExclusive, work)
        }
        SetLogged { table, .. } => on(table, AccessExclusive, Rewrite),
        SetStorage { table, from, to } => {
            let changed = to
                .iter()
                .filter(|p| !from.contains(p))
                .chain(from.iter().filter(|(k, _)| !to.iter().any(|(t, _)| t == k)));
            let mode = if changed.map(|(k, _)| k).all(|k| storage_param_online(k)) {
                ShareUpdateExclusive
            } else {
                AccessExclusive
            };
            on(table, mode, Brief)
        }
        DropColumn { table, .. } | RenameColumn { table, .. } => on(table, AccessExclusive, Brief),
        AlterColumn { table, from, to } => {
            let work = alter_column_work(from, to, opts);
            on(table, AccessExclusive, work);
            if online::not_null_via_check(from, to, opts) {
                on(table, ShareUpdateExclusive, Scan);
            }
        }
        AddPrimaryKey { table, .. } | AddUnique { table, .. } => {
            if opts.online_on(table) {
                on(table, ShareUpdateExclusive, Build);
                on(table, AccessExclusive, Brief);
            } else {
                on(table, AccessExclusive, Build);
            }
        }
        AddExclusion { table, .. } => on(table, AccessExclusive, Build),
        AddCheck { table, check } => on(
            table,
            AccessExclusive,
            if check.not_valid { Brief } else { Scan },
        ),
        AddForeignKey { table, fk } => {
            let work = if fk.not_valid { Brief } else { Scan };
            on(table, ShareRowExclusive, work);
            on(&fk.ref_table, ShareRowExclusive, Brief);
        }
        // The key's triggers on the referenced table go with it.
        DropForeignKey { table, fk } => {
            on(table, AccessExclusive, Brief);
            on(&fk.ref_table, AccessExclusive, Brief);
        }
        DropPrimaryKey { table, .. }
        | DropUnique { table, .. }
        | DropCheck { table, .. }
        | DropExclusion { table, .. }
        | RenameConstraint { table, .. } => on(table, AccessExclusive, Brief),
        ValidateConstraint { table, .. } => on(table, ShareUpdateExclusive, Scan),
        CreateIndex { table, .. } => {
            if opts.concurrently_on(table) {
                on(table, ShareUpdateExclusive, Build)
            } else {
                on(table, Share, Build)
            }
        }
        DropIndex { table, .. } => {
            if opts.concurrently_on(table) {
                on(table, ShareUpdateExclusive, Brief)
            } else {
                on(table, AccessExclusive, Brief)
            }
        }
        RenameIndex { table, .. } => on(table, ShareUpdateExclusive, Brief),
        ReplaceIndex { table, .. } => on(table, ShareUpdateExclusive, Build),
        // A view of the same name that existed is replaced (or was dropped just before).
        DropView(View { name, .. }) | CreateView(View { name, .. }) => {
            on(name, AccessExclusive, Brief)
        }
        SetViewOptions { view, .. } => on(view, AccessExclusive, Brief),
        SetComment {
            target:
                CommentTarget::Table(t)
                | CommentTarget::Column(t, _)
                | CommentTarget::View(t)
                | CommentTarget::MaterializedView(t)
                | CommentTarget::Constraint(t, _),
            ..
        } => on(t, ShareUpdateExclusive, Brief),
        SetPartitionOf { table, from, to } => {
            if let Some(f) = from {
                on(&f.parent, AccessExclusive, Brief);
                on(table, AccessExclusive, Brief);
            }
            if let Some(p) = to {
                on(&p.parent, ShareUpdateExclusive, Brief);
                on(table, AccessExclusive, Scan);
            }
        }
        SetInherits { table, add, remove } => {
            on(table, AccessExclusive, Brief);
            for parent in add.iter().chain(remove) {
                on(parent, ShareUpdateExclusive, Brief);
            }
        }
        RebuildEnum { usages, .. } | RebuildDomain { usages, .. } | RebuildRange { usages, .. } => {
            for (t, _) in usages {
                on(t, AccessExclusive, Rewrite);
            }
        }
        _ => {}
    }
    out
}

/// Adding the column computes a value for every row, so the table is rewritten: a
/// volatile default, a serial or identity column, a stored generated column.
pub fn add_column_rewrites(column: &Column) -> bool {
    column.serial
        || column.identity.is_some()
        || column.generated.is_some()
        || column.default.as_ref().is_some_and(|d| {
            let s = d.canon.to_ascii_lowercase();
            ["random(", "uuid", "clock_timestamp", "nextval", "timeofday"]
                .iter()
                .any(|f| s.contains(f))
        })
}

/// How long an ALTER COLUMN holds its ACCESS EXCLUSIVE lock.
fn alter_column_work(from: &Column, to: &Column, opts: &RenderOptions) -> Work {
    let retyped = from.data_type != to.data_type;
    if (retyped && !types::binary_coercible(&from.data_type, &to.data_type))
        || (from.generated != to.generated && to.generated.is_some())
    {
        Rewrite
    } else if from.collation != to.collation {
        // The values stay; every index on the column is rebuilt.
        Build
    } else if from.nullable && !to.nullable && !online::not_null_via_check(from, to, opts) {
        Scan
    } else {
        Brief
    }
}

/// Storage parameters `ALTER TABLE … SET/RESET` changes under SHARE UPDATE EXCLUSIVE
/// (the rest take ACCESS EXCLUSIVE).
fn storage_param_online(key: &str) -> bool {
    let key = key.strip_prefix("toast.").unwrap_or(key);
    key.starts_with("autovacuum_")
        || matches!(
            key,
            "fillfactor"
                | "toast_tuple_target"
                | "parallel_workers"
                | "log_autovacuum_min_duration"
        )
}
