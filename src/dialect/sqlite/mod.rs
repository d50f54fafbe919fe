//! SQLite: the embedded default. No namespaces, enums, sequences or comments; most table
//! changes go through the documented twelve-step rebuild.

mod execute;
mod introspect;
pub(crate) mod migrate;
mod names;
mod normalize;
pub(crate) mod queries;
mod rebuild;
mod render;
mod trigger;

pub use execute::execute;
pub use introspect::{introspect, open};

use super::{Capabilities, Dialect, RenderOptions};
use crate::diff::Change;
use crate::model::Schema;
use crate::plan::Hazard;

pub struct Sqlite;

impl Dialect for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn caps(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            fk_needs_target: false,
            group_by_table: false,
            migration_lock: "BEGIN IMMEDIATE: the write transaction every migration runs inside",
            no_transaction_migrations: false,
        }
    }

    fn default_schema(&self) -> &'static str {
        ""
    }

    fn normalize(&self, schema: &mut Schema, notes: &mut Vec<String>) {
        normalize::normalize(schema, notes)
    }

    fn reconcile(&self, live: &Schema, desired: &mut Schema, _notes: &mut Vec<String>) {
        names::live_spellings(live, desired);
    }

    fn lower(&self, changes: Vec<Change>, from: &Schema, to: &Schema) -> Vec<Change> {
        trigger::around(rebuild::lower(changes, from, to), from, to)
    }

    fn render(&self, change: &Change, _opts: &RenderOptions) -> Vec<String> {
        render::render(change)
    }

    fn hazards(&self, _change: &Change, _opts: &RenderOptions) -> Vec<Hazard> {
        Vec::new()
    }

    fn keeps_declared_types(&self) -> bool {
        true
    }

    fn keeps_omitted_fk_columns(&self) -> bool {
        true
    }
}
