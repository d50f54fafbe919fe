//! PostgreSQL: schemas, enums, domains, sequences, extensions, comments, transactional DDL.

mod domain;
mod execute;
mod identity;
mod introspect;
mod locks;
mod memo;
pub(crate) mod migrate;
mod normalize;
mod online;
mod opclass;
mod partition;
pub mod queries;
mod render;
mod routine;
mod security;
mod trigger;
pub(crate) mod types;
mod usertype;

pub use execute::execute;
pub use introspect::introspect;

use std::str::FromStr;

/// Connects to PostgreSQL. Catalog queries over thousands of tables look expensive to the
/// planner, which would JIT-compile them: slower than running them. Switched off at
/// connect time, so it costs no statement.
pub async fn open(url: &str) -> Result<sqlx::PgConnection, sqlx::Error> {
    use sqlx::ConnectOptions;
    // The application name shows in pg_stat_activity, and in `health` for a session that
    // holds the migration lock; a URL's own `application_name` wins.
    let opts = sqlx::postgres::PgConnectOptions::from_str(url)?;
    let opts = if url.contains("application_name=") {
        opts
    } else {
        opts.application_name("sqlshift")
    };
    opts.options([("jit", "off")]).connect().await
}

use super::{Capabilities, Dialect, ExecOptions, RenderOptions};
use crate::diff::Change;
use crate::model::Schema;
use crate::plan::{Hazard, HazardCode};

pub struct Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn name_limit(&self) -> Option<super::NameLimit> {
        Some(super::NameLimit::Bytes(63))
    }

    fn caps(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            fk_needs_target: true,
            group_by_table: false,
            migration_lock: "a session advisory lock keyed on the tracking table",
            no_transaction_migrations: true,
        }
    }

    fn default_schema(&self) -> &'static str {
        "public"
    }

    fn normalize(&self, schema: &mut Schema, notes: &mut Vec<String>) {
        normalize::normalize(schema, notes)
    }

    fn reconcile(&self, live: &Schema, desired: &mut Schema, _notes: &mut Vec<String>) {
        security::name_current_user(live, desired);
    }

    fn render(&self, change: &Change, opts: &RenderOptions) -> Vec<String> {
        render::render(change, opts)
    }

    fn hazards(&self, change: &Change, opts: &RenderOptions) -> Vec<Hazard> {
        use Change::*;
        use HazardCode::*;
        let mut h = Vec::new();
        match change {
            AlterColumn { table, from, to } => {
                let rewrite = from.data_type != to.data_type
                    && !types::binary_coercible(&from.data_type, &to.data_type);
                // The step's lock (ACCESS EXCLUSIVE while rewriting) says what waits.
                if rewrite {
                    h.push(Hazard::new(
                        TableRewrite,
                        format!(
                            "changing the type of {table}.{} rewrites the table",
                            to.name
                        ),
                    ));
                }
                // Not a rewrite (the stored values stay), but the same lock, and every
                // index on the column is rebuilt.
                if from.collation != to.collation && !rewrite {
                    h.push(Hazard::new(
                        AccessExclusiveLock,
                        format!(
                            "changing the collation of {table}.{} locks {table} against reads and writes and rebuilds the indexes on the column",
                            to.name
                        ),
                    ));
                }
                if online::not_null_via_check(from, to, opts) {
                    h.push(Hazard::new(
                        NotTransactional,
                        format!(
                            "{table}.{} is proved NOT NULL by a check validated in its own transaction (SHARE UPDATE EXCLUSIVE; reads and writes go on); SET NOT NULL then needs no scan",
                            to.name
                        ),
                    ));
                } else if from.nullable && !to.nullable {
                    h.push(Hazard::new(
                        SetNotNullScan,
                        format!("SET NOT NULL scans all of {table} under an ACCESS EXCLUSIVE lock"),
                    ));
                }
                if from.generated != to.generated && to.generated.is_some() {
                    h.push(Hazard::new(
                        TableRewrite,
                        format!("{table}.{} is re-created as a generated column", to.name),
                    ));
                    if from.generated.is_none() {
                        h.push(Hazard::new(DataLoss, format!("the stored values of {table}.{} are replaced by the generation expression", to.name)));
                    }
                }
            }
            SetLogged { table, unlogged } => {
                let to = if *unlogged { "UNLOGGED" } else { "LOGGED" };
                h.push(Hazard::new(
                    TableRewrite,
                    format!("SET {to} rewrites {table} and its indexes"),
                ));
            }
            AddColumn { table, column, .. } => {
                let volatile = locks::add_column_rewrites(column);
                if volatile {
                    h.push(Hazard::new(
                        TableRewrite,
                        format!(
                            "adding {table}.{} computes a value for every row (table rewrite)",
                            column.name
                        ),
                    ));
                }
            }
            CreateIndex { table, .. } if !opts.created.contains(table) => {
                if opts.concurrently_on(table) {
                    h.push(Hazard::new(NotTransactional, "CREATE INDEX CONCURRENTLY runs outside the transaction (SHARE UPDATE EXCLUSIVE; reads and writes go on); a failed build's INVALID index is dropped again"));
                } else {
                    let why = if opts.concurrently() {
                        " (PostgreSQL cannot build one CONCURRENTLY on a partitioned table)"
                    } else {
                        ""
                    };
                    h.push(Hazard::new(
                        IndexNotConcurrent,
                        format!("writes to {table} wait while the index builds{why}"),
                    ));
                }
            }
            AddEnumValue { name, .. } => h.push(Hazard::new(
                NotTransactional,
                format!(
                    "the new value of {name} is committed on its own so later steps can use it"
                ),
            )),
            DropIndex { table, .. } if opts.concurrently_on(table) => h.push(Hazard::new(
                NotTransactional,
                "DROP INDEX CONCURRENTLY runs outside the transaction",
            )),
            DropIndex { table, .. } => h.push(Hazard::new(
                IndexNotConcurrent,
                format!("reads and writes to {table} wait until the index is gone"),
            )),
            ReplaceIndex { table, to, temp, .. } => h.push(Hazard::new(
                NotTransactional,
                format!("the new {} is built CONCURRENTLY as {temp} on {table}, the old one dropped CONCURRENTLY, the new one renamed; outside the transaction, reads and writes go on", to.name),
            )),
            ValidateConstraint { table, .. } if opts.online => h.push(Hazard::new(
                NotTransactional,
                format!("validated in its own transaction under SHARE UPDATE EXCLUSIVE: reads and writes to {table} go on"),
            )),
            // PostgreSQL has no NOT VALID foreign key on a partitioned table.
            AddForeignKey { table, fk } if !fk.not_valid && !opts.created.contains(table) => {
                let code = if opts.plain_on.contains(table) { BlocksWrites } else { ConstraintNotValid };
                h.push(Hazard::new(
                    code,
                    format!("writes to {table} wait while existing rows are validated"),
                ))
            }
            AddCheck { table, check } if !check.not_valid && !opts.created.contains(table) => h.push(Hazard::new(
                ConstraintNotValid,
                format!("reads and writes to {table} wait while existing rows are validated"),
            )),
            AddExclusion { table, .. } => h.push(Hazard::new(
                AccessExclusiveLock,
                format!("{table} is locked while the exclusion constraint's index builds and checks every row"),
            )),
            AddPrimaryKey { table, .. } | AddUnique { table, .. } if opts.online_on(table) => h.push(Hazard::new(
                NotTransactional,
                format!("the unique index is built CONCURRENTLY (reads and writes to {table} go on), then attached with USING INDEX; outside the transaction, and a failed build's INVALID index is dropped again"),
            )),
            AddPrimaryKey { table, .. } | AddUnique { table, .. } if !opts.created.contains(table) => {
                let code = if opts.plain_on.contains(table) { AccessExclusiveLock } else { UniqueWithoutIndex };
                h.push(Hazard::new(
                    code,
                    format!("{table} is locked while the unique index builds"),
                ))
            }
            RebuildEnum { usages, .. } => {
                for (t, c) in usages {
                    h.push(Hazard::new(
                        TableRewrite,
                        format!(
                            "{t}.{} is converted to the new type (table rewrite)",
                            c.name
                        ),
                    ));
                }
            }
            RebuildDomain { usages, .. } => {
                for (t, c) in usages {
                    h.push(Hazard::new(
                        TableRewrite,
                        format!(
                            "{t}.{} is converted to the new domain (table rewrite)",
                            c.name
                        ),
                    ));
                }
            }
            RebuildRange { usages, .. } => {
                for (t, c) in usages {
                    h.push(Hazard::new(
                        TableRewrite,
                        format!(
                            "{t}.{} is converted to the new range type (table rewrite)",
                            c.name
                        ),
                    ));
                }
            }
            AlterDomain { from, to } => {
                let validates = (to.not_null && !from.not_null)
                    || from.checks_added_in(to).any(|c| !c.not_valid);
                if validates {
                    h.push(Hazard::new(
                        BlocksWrites,
                        format!(
                            "writes to the tables with columns of domain {} wait while their values are checked",
                            to.name
                        ),
                    ));
                }
            }
            SetPartitionOf { table, from, to } => {
                if let Some(f) = from {
                    h.push(Hazard::new(
                        AccessExclusiveLock,
                        format!("detaching {table} locks it and {} while it runs", f.parent),
                    ));
                }
                if let Some(p) = to {
                    h.push(Hazard::new(
                        MayFail,
                        format!(
                            "attaching {table} to {} scans its rows under lock to check they fit {}; a row that does not fails the step",
                            p.parent, p.bound
                        ),
                    ));
                }
            }
            ReplaceTrigger { to, .. } => h.push(Hazard::new(
                BlocksWrites,
                format!(
                    "CREATE OR REPLACE TRIGGER {} (PostgreSQL 14 or later) replaces it in place, never absent; writes to {} wait for its SHARE ROW EXCLUSIVE lock",
                    to.name, to.table
                ),
            )),
            CreateView(v) if v.materialized && !v.with_no_data => h.push(Hazard::new(
                BlocksWrites,
                format!("materialized view {} runs its query to fill itself", v.name),
            )),
            _ => {}
        }
        h
    }

    fn locks(&self, change: &Change, opts: &RenderOptions) -> Vec<crate::plan::Lock> {
        locks::locks(change, opts)
    }

    fn transactional(&self, change: &Change, opts: &RenderOptions) -> bool {
        match change {
            // A value added inside a transaction cannot be used until it commits, and the
            // same plan may well set it as a default.
            Change::AddEnumValue { .. } => false,
            Change::CreateIndex { table, .. } | Change::DropIndex { table, .. } => {
                !opts.concurrently_on(table)
            }
            Change::ReplaceIndex { .. } => false,
            Change::AddUnique { table, .. } | Change::AddPrimaryKey { table, .. } => {
                !opts.online_on(table)
            }
            // Its own transaction: the strong lock of the ADD … NOT VALID before it is
            // released first, and its SHARE UPDATE EXCLUSIVE lock right after.
            Change::ValidateConstraint { .. } => !opts.online,
            Change::AlterColumn { from, to, .. } | Change::MoveColumn { from, to, .. } => {
                !online::not_null_via_check(from, to, opts)
            }
            _ => true,
        }
    }

    fn online(&self, changes: Vec<Change>, from: &Schema, opts: &RenderOptions) -> Vec<Change> {
        online::rewrite(changes, from, opts)
    }

    fn concurrent_builds(&self, change: &Change, opts: &RenderOptions) -> Vec<String> {
        use super::ansi::sibling;
        match change {
            Change::CreateIndex { table, index } if opts.concurrently_on(table) => {
                vec![sibling(table, &index.name)]
            }
            Change::AddUnique { table, unique } if opts.online_on(table) => {
                vec![sibling(table, &unique.name)]
            }
            Change::AddPrimaryKey { table, pk } if opts.online_on(table) => {
                vec![sibling(table, &pk.name)]
            }
            Change::ReplaceIndex { table, temp, .. } => vec![sibling(table, temp)],
            _ => Vec::new(),
        }
    }

    fn session_sql(&self, exec: &ExecOptions) -> Vec<String> {
        execute::session_settings(exec)
    }
}
