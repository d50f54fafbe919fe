//! PostgreSQL.
use super::{Capabilities, Dialect, RenderOptions};
use crate::diff::Change;
use crate::model::Schema;
use crate::plan::Hazard;
pub struct Postgres;
pub async fn introspect(_c: &mut sqlx::PgConnection) -> Result<Schema, String> { Err("todo".into()) }
pub async fn execute(_c: &mut sqlx::PgConnection, _p: &crate::plan::Plan, _o: &super::ExecOptions) -> Result<(), super::DbError> { Err(super::DbError::Apply("todo".into())) }
impl Dialect for Postgres {
    fn name(&self) -> &'static str { "postgres" }
    fn caps(&self) -> Capabilities { Capabilities { transactional_ddl: true, fk_needs_target: true } }
    fn default_schema(&self) -> &'static str { "public" }
    fn normalize(&self, _s: &mut Schema, _n: &mut Vec<String>) {}
    fn render(&self, _c: &Change, _o: &RenderOptions) -> Vec<String> { vec![] }
    fn hazards(&self, _c: &Change, _o: &RenderOptions) -> Vec<Hazard> { vec![] }
}
