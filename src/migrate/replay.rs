//! Scratch databases and replaying a migrations folder on one: the "current" state that
//! `generate` diffs `schema/` against, and where it verifies what it generated.
//!
//! SQLite: `sqlite::memory:`, alive as long as its one connection. Servers: a throwaway
//! database `sqlshift_scratch_<pid>_<n>` created through the configured dev URL and
//! dropped afterwards ([`Scratch::destroy`] must be called on every path; the caller
//! keeps the work in a separate function so an error cannot skip it).

use super::files::Directory;
use super::migrator::{self, DownTarget, Options, Quiet};
use super::tracking;
use super::MigrateError;
use crate::dialect::{self, Connection, Dialect};
use crate::model::Schema;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// An empty database of one dialect that exists only for one `generate`.
pub struct Scratch {
    conn: Option<Connection>,
    url: String,
    dialect: &'static dyn Dialect,
    /// Server databases: the admin URL and the database to drop.
    server: Option<(String, String)>,
}

impl Scratch {
    /// Creates the scratch database. `dev_url` is required for server dialects.
    pub async fn create(
        dialect: &'static dyn Dialect,
        dev_url: Option<&str>,
    ) -> Result<Scratch, MigrateError> {
        if dialect.name() == "sqlite" {
            let url = "sqlite::memory:".to_string();
            let conn = dialect::connect(&url).await?;
            return Ok(Scratch {
                conn: Some(conn),
                url,
                dialect,
                server: None,
            });
        }
        let admin = dev_url.ok_or(MigrateError::NoDevUrl {
            dialect: dialect.name(),
        })?;
        let name = format!(
            "sqlshift_scratch_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut url = url::Url::parse(admin).map_err(|e| MigrateError::BadDevUrl {
            dialect: dialect.name(),
            reason: e.to_string(),
        })?;
        url.set_path(&format!("/{name}"));
        let url = url.to_string();
        let mut admin_conn = dialect::connect(admin).await?;
        // Left over from a run that was killed before it could clean up.
        admin_conn.drop_database(&name).await?;
        admin_conn
            .create_database(&name)
            .await
            .map_err(|e| MigrateError::Scratch {
                dialect: dialect.name(),
                reason: format!(
                    "cannot create the scratch database {name} on {}: {e}",
                    dialect::redact_url(admin)
                ),
            })?;
        let mut scratch = Scratch {
            conn: None,
            url: url.clone(),
            dialect,
            server: Some((admin.to_string(), name)),
        };
        match dialect::connect(&url).await {
            Ok(c) => {
                scratch.conn = Some(c);
                Ok(scratch)
            }
            Err(e) => {
                scratch.destroy().await;
                Err(e.into())
            }
        }
    }

    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    fn take(&mut self) -> Result<Connection, MigrateError> {
        self.conn.take().ok_or(MigrateError::Scratch {
            dialect: self.dialect.name(),
            reason: "the scratch database was lost after an earlier failure".into(),
        })
    }

    /// Applies the folder's pending migrations.
    pub async fn up(&mut self, dir: &Directory, opts: &Options) -> Result<(), MigrateError> {
        let conn = self.take()?;
        let (conn, _) = migrator::up(conn, dir, opts, None, &mut Quiet).await?;
        self.conn = Some(conn);
        Ok(())
    }

    /// Reverts the newest `steps` migrations with their stored down SQL.
    pub async fn down(&mut self, steps: usize, opts: &Options) -> Result<(), MigrateError> {
        let conn = self.take()?;
        let (conn, _) = migrator::down(conn, opts, DownTarget::Steps(steps), &mut Quiet).await?;
        self.conn = Some(conn);
        Ok(())
    }

    /// Keeps the privileges and owners `access` manages in [`Scratch::schema`].
    pub fn set_access(&mut self, access: &crate::model::Access) {
        if let Some(c) = self.conn.take() {
            self.conn = Some(c.with_access(access.clone()));
        }
    }

    /// The scratch database's schema, without the tracking table.
    pub async fn schema(&mut self, table: &str) -> Result<Schema, MigrateError> {
        let mut conn = self.take()?;
        let result = conn.introspect().await;
        self.conn = Some(conn);
        let mut schema = result?;
        tracking::hide(&mut schema, table, self.dialect);
        Ok(schema)
    }

    /// Drops a server scratch database (SQLite's vanishes with its connection).
    pub async fn destroy(mut self) {
        drop(self.conn.take());
        if let Some((admin, name)) = self.server.take() {
            if let Ok(mut c) = dialect::connect(&admin).await {
                let _ = c.drop_database(&name).await;
            }
        }
    }

    pub fn url(&self) -> String {
        dialect::redact_url(&self.url)
    }
}

/// Replays every migration of `dir` on the scratch database and returns the schema they
/// produce.
pub async fn replay(
    scratch: &mut Scratch,
    dir: &Directory,
    opts: &Options,
) -> Result<Schema, MigrateError> {
    scratch.up(dir, opts).await.map_err(|e| match e {
        MigrateError::Failed { .. } | MigrateError::NoTransactionUnsupported { .. } => {
            MigrateError::Replay {
                dir: dir.path.display().to_string(),
                reason: e.to_string(),
            }
        }
        other => other,
    })?;
    scratch.schema(&opts.table).await
}
