//! MySQL and MariaDB: non-transactional DDL run statement by statement, column order,
//! table options, inline ENUM/SET, and one ALTER TABLE per table where MySQL allows it.

pub(crate) mod execute;
mod introspect;
mod lower;
pub mod migrate;
mod normalize;
mod program;
pub mod queries;
mod render;
pub mod types;

pub use execute::execute;
pub use introspect::introspect;

/// Connects to MySQL or MariaDB. sqlx speaks the protocol to both but knows only `mysql://`.
///
/// The session's `sql_mode` loses `NO_BACKSLASH_ESCAPES` if the server sets it: sqlshift
/// writes string literals for MySQL's default mode (a backslash is doubled), as the
/// `mariadb`/`mysql` clients and `mysqldump` files expect, so what the server stores is
/// what the schema file says whatever the server's global mode.
pub async fn open(url: &str) -> Result<sqlx::MySqlConnection, sqlx::Error> {
    use sqlx::Connection as _;
    let url = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_string(),
    };
    // sqlx adds PIPES_AS_CONCAT and NO_ENGINE_SUBSTITUTION to the session's sql_mode, asks
    // for IGNORE_SPACE in its handshake, and sets the time zone to UTC: a trigger or
    // routine made in that session would keep that mode (`||` meaning CONCAT), and an
    // event's times would be read in UTC. The session takes the server's own mode and
    // time zone instead, as the `mariadb` client's does.
    let options = <sqlx::mysql::MySqlConnectOptions as std::str::FromStr>::from_str(&url)?
        .pipes_as_concat(false)
        .no_engine_substitution(false)
        .timezone(None);
    let mut conn = sqlx::MySqlConnection::connect_with(&options).await?;
    let (session, global): (String, String) =
        sqlx::query_as("SELECT CAST(@@SESSION.sql_mode AS CHAR), CAST(@@GLOBAL.sql_mode AS CHAR)")
            .fetch_one(&mut conn)
            .await?;
    let kept: Vec<&str> = global
        .split(',')
        .filter(|m| !m.eq_ignore_ascii_case("NO_BACKSLASH_ESCAPES"))
        .collect();
    let kept = kept.join(",");
    if kept != session {
        sqlx::query("SET SESSION sql_mode = ?")
            .bind(kept)
            .execute(&mut conn)
            .await?;
    }
    Ok(conn)
}

use super::{Capabilities, Dialect, RenderOptions};
use crate::diff::Change;
use crate::model::{IndexKey, Schema};
use crate::plan::{Hazard, HazardCode, Step};

pub struct Mysql;

/// InnoDB refuses to drop and re-add a constraint or index of the same name in one
/// statement (the primary key excepted); such an add starts a new statement.
fn re_adds(batch: &[Change], next: &[Change]) -> bool {
    use Change::*;
    let dropped: Vec<&str> = batch
        .iter()
        .filter_map(|c| match c {
            DropForeignKey { fk, .. } => Some(fk.name.as_str()),
            DropCheck { check, .. } => Some(check.name.as_str()),
            DropUnique { unique, .. } => Some(unique.name.as_str()),
            DropIndex { index, .. } => Some(index.name.as_str()),
            _ => None,
        })
        .collect();
    next.iter().any(|c| match c {
        AddForeignKey { fk, .. } => dropped.contains(&fk.name.as_str()),
        AddCheck { check, .. } => dropped.contains(&check.name.as_str()),
        AddUnique { unique, .. } => dropped.contains(&unique.name.as_str()),
        CreateIndex { index, .. } => dropped.contains(&index.name.as_str()),
        _ => false,
    })
}

impl Dialect for Mysql {
    fn name(&self) -> &'static str {
        "mysql"
    }

    fn name_limit(&self) -> Option<super::NameLimit> {
        Some(super::NameLimit::Chars(64))
    }

    fn caps(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: false,
            fk_needs_target: true,
            group_by_table: true,
            migration_lock: "GET_LOCK named after the database and the tracking table",
            no_transaction_migrations: true,
        }
    }

    fn default_schema(&self) -> &'static str {
        ""
    }

    fn quote_ident(&self, name: &str) -> String {
        types::quote(name)
    }

    fn normalize(&self, schema: &mut Schema, notes: &mut Vec<String>) {
        normalize::normalize(schema, notes)
    }

    fn reconcile(&self, live: &Schema, desired: &mut Schema, notes: &mut Vec<String>) {
        program::reconcile(live, desired);
        desired.defaults = live.defaults.clone();
        normalize::strip_defaults(desired);
        if !normalize::is_mariadb(live) {
            normalize::column_checks_to_table(desired);
        }
        normalize::keep_live_table_checks(live, desired);
        if normalize::is_mariadb(live) {
            normalize::mariadb_json(desired);
            normalize::mariadb_generated_nullable(desired, notes);
            for t in desired.tables.values_mut() {
                let before = t.indexes.len();
                t.indexes
                    .retain(|i| i.parts.iter().all(|p| matches!(p.key, IndexKey::Column(_))));
                if t.indexes.len() != before {
                    let n = format!("mariadb: expression indexes on {} are left out (MariaDB has no functional key parts)", t.name);
                    if !notes.contains(&n) {
                        notes.push(n);
                    }
                }
            }
        }
    }

    fn lower(&self, changes: Vec<Change>, from: &Schema, to: &Schema) -> Vec<Change> {
        lower::lower(changes, from, to)
    }

    fn render(&self, change: &Change, opts: &RenderOptions) -> Vec<String> {
        match change {
            Change::CreateProgram(p) => program::create(p, opts.inspect, opts.definer.as_deref()),
            Change::DropProgram(p) => vec![program::drop(p)],
            Change::ReplaceProgram { from, to } => {
                let mut out = vec![program::drop(from)];
                out.extend(program::create(to, opts.inspect, opts.definer.as_deref()));
                out
            }
            _ => render::render(change),
        }
    }

    fn hazards(&self, change: &Change, _opts: &RenderOptions) -> Vec<Hazard> {
        use Change::*;
        use HazardCode::*;
        // That MySQL DDL is not transactional is said once per plan (see `plan_changes`),
        // not on every step.
        let mut h = Vec::new();
        match change {
            ReplaceProgram { to, .. } => h.push(Hazard::new(
                NotTransactional,
                format!(
                    "drops {} and creates it again: in between it does not exist ({})",
                    program::describe(to),
                    if to.kind == crate::model::ProgramKind::Trigger {
                        "rows written to its table then do not fire it"
                    } else {
                        "a call then fails"
                    }
                ),
            )),
            DropProgram(p) if p.kind != crate::model::ProgramKind::Trigger => h.push(Hazard::new(
                MayFail,
                format!(
                    "drops {}; triggers, events and routines that still call it fail when they run",
                    program::describe(p)
                ),
            )),
            _ => {}
        }
        let Some(table) = change.table() else {
            return h;
        };
        if !matches!(change, CreateTable(_) | DropTable(_) | RenameTable { .. }) {
            h.push(Hazard::new(
                MetadataLock,
                format!(
                    "waits for the metadata lock on {table}; queries on it queue behind the ALTER"
                ),
            ));
        }
        let copy = |what: String| {
            Hazard::new(
                TableRewrite,
                format!("ALGORITHM=COPY: {what}; writes to {table} wait"),
            )
        };
        let inplace = |what: String| {
            Hazard::new(
                InplaceRebuild,
                format!("ALGORITHM=INPLACE: {what} rebuilds {table}"),
            )
        };
        match change {
            AlterColumn { from, to, .. } | MoveColumn { from, to, .. } => {
                if !types::in_place(&from.data_type, &to.data_type)
                    || from.charset != to.charset
                    || from.collation != to.collation
                {
                    h.push(copy(format!(
                        "changing {}.{} copies the table",
                        table, to.name
                    )));
                } else if from.nullable && !to.nullable {
                    h.push(inplace(format!("NOT NULL on {}", to.name)));
                }
                if matches!(change, MoveColumn { .. }) {
                    h.push(inplace(format!("moving {}", to.name)));
                }
            }
            AddColumn {
                column,
                position: Some(_),
                ..
            } => h.push(inplace(format!("adding {} in the middle", column.name))),
            DropColumn { column, .. } => h.push(inplace(format!("dropping {}", column.name))),
            AddPrimaryKey { .. } | DropPrimaryKey { .. } => {
                h.push(inplace("changing the primary key".into()))
            }
            AddForeignKey { fk, .. } => h.push(copy(format!(
                "adding foreign key {} validates every row",
                fk.name
            ))),
            AddCheck { check, .. } => h.push(copy(format!(
                "adding check {} validates every row",
                check.name
            ))),
            SetTableOptions { .. } => {
                h.push(copy("changing table options converts every row".into()))
            }
            CreateIndex { index, .. } if index.method.as_deref() == Some("fulltext") => h.push(
                inplace(format!("the first FULLTEXT index ({})", index.name)),
            ),
            _ => {}
        }
        h
    }

    fn transactional(&self, _change: &Change, _opts: &RenderOptions) -> bool {
        false
    }

    /// Joins adjacent `ALTER TABLE t …` steps on one table into one statement, so the
    /// table is rebuilt once. Column renames stay alone (later clauses could not see
    /// them), and so do charset conversions (they would override a column set alongside).
    fn combine(&self, steps: Vec<Step>) -> Vec<Step> {
        let mut out: Vec<Step> = Vec::new();
        for step in steps {
            let prefix = |s: &Step| -> Option<String> {
                if s.sql.len() != 1
                    || s.changes.iter().any(|c| {
                        matches!(
                            c,
                            Change::RenameColumn { .. } | Change::SetTableOptions { .. }
                        )
                    })
                {
                    return None;
                }
                let t = s.changes.first()?.table()?;
                let p = format!("ALTER TABLE {} ", render::name(t));
                s.sql[0].starts_with(&p).then_some(p)
            };
            let merge = match (out.last(), prefix(&step)) {
                (Some(last), Some(p)) => {
                    prefix(last).as_deref() == Some(p.as_str())
                        && !re_adds(&last.changes, &step.changes)
                }
                _ => false,
            };
            if let (true, Some(last)) = (merge, out.last_mut()) {
                let p = prefix(&step).unwrap_or_default();
                let clause = step.sql[0][p.len()..].to_string();
                last.sql[0] = format!("{},\n  {clause}", last.sql[0]);
                last.kind = "alter_table";
                last.objects.extend(step.objects);
                for hz in step.hazards {
                    if !last.hazards.contains(&hz) {
                        last.hazards.push(hz);
                    }
                }
                last.changes.extend(step.changes);
            } else {
                out.push(step);
            }
        }
        out
    }
}
