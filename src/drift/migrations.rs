//! Drift against the migrations: the schema the folder's migrations produce (replayed on
//! a scratch database) and the migrations whose tracking rows and files disagree.

use crate::dialect::migrate::TrackingRow;
use crate::dialect::Dialect;
use crate::migrate::files::Directory;
use crate::migrate::replay::{self, Scratch};
use crate::migrate::tracking::{self, State};
use crate::migrate::{MigrateError, Options};
use crate::model::Schema;
use serde::Serialize;

/// A migration whose tracking row and file disagree (`--against migrations`).
#[derive(Debug, Clone, Serialize)]
pub struct MigrationIssue {
    pub version: i64,
    pub name: String,
    /// `missing` (applied, no file), `changed` (applied, file edited since),
    /// `pending`, `pending_out_of_order`.
    pub state: State,
    pub message: String,
}

/// The schema the folder's migrations produce, on a scratch database that is always
/// dropped (`dev_url` names the server for PostgreSQL and MySQL).
pub async fn replayed(
    dialect: &'static dyn Dialect,
    dir: &Directory,
    table: &str,
    dev_url: Option<&str>,
) -> Result<Schema, MigrateError> {
    let mut scratch = Scratch::create(dialect, dev_url).await?;
    let result = replay::replay(&mut scratch, dir, &Options::new(table)).await;
    scratch.destroy().await;
    result
}

/// Every migration that is not applied as its file says.
pub fn issues(dir: &Directory, rows: &[TrackingRow]) -> Vec<MigrationIssue> {
    tracking::reconcile(dir, rows)
        .into_iter()
        .filter(|e| e.state != State::Applied)
        .map(|e| {
            let id = format!("{}_{}", e.version, e.name);
            let message = match e.state {
                State::Missing => format!(
                    "{id} is applied to the database but has no file in {}",
                    dir.path.display()
                ),
                State::Changed => format!("{id} was edited after it was applied"),
                State::Pending => format!("{id} is not applied to the database"),
                State::PendingOutOfOrder => {
                    format!("{id} is not applied, and is older than the newest applied migration")
                }
                State::Applied => String::new(),
            };
            MigrationIssue {
                version: e.version,
                name: e.name,
                state: e.state,
                message,
            }
        })
        .collect()
}
