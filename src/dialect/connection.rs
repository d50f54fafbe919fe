//! Live connections: connect (with the URL redacted in every message), introspect, execute.

use super::url::redact_url;
use super::{mysql, postgres, sqlite, Dialect};
use crate::model::Schema;
use crate::plan::Plan;
use sqlx::{MySqlConnection, PgConnection, SqliteConnection};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL `{0}`: use sqlite://PATH, sqlite::memory:, postgres:// or postgresql://")]
    Scheme(String),
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("cannot read the schema of {url}: {reason}")]
    Introspect { url: String, reason: String },
    /// A statement failed; for transactional plans nothing was applied.
    #[error("{0}")]
    Apply(String),
    /// The database is no longer in the state the plan was made from: another run (or
    /// anything else) changed it between planning and taking the apply lock.
    #[error("{url} changed after this plan was made (another run applied changes while this one waited for the lock): nothing was applied\n  planned from: {planned}\n  now:          {now}")]
    Changed {
        url: String,
        planned: String,
        now: String,
    },
    /// Another runner held the apply lock for longer than this run would wait.
    #[error("timed out after {waited:?} waiting for the apply lock on {url}: another `sqlshift apply` is running there; nothing was applied. Try again when it has finished (or raise migrate_lock_timeout)")]
    LockTimeout { url: String, waited: Duration },
    /// The connection died under a statement (killed, server gone, network): an error,
    /// not a refusal of the user's request. The message says what had run.
    #[error("{0}")]
    Lost(String),
}

impl DbError {
    /// Failures the database reported about the user's request, as opposed to reaching it.
    pub fn is_refusal(&self) -> bool {
        matches!(self, DbError::Apply(_) | DbError::Changed { .. })
    }
}

/// Settings for running a plan.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    /// PostgreSQL `lock_timeout`, e.g. `5s`.
    pub lock_timeout: Option<String>,
    /// PostgreSQL `statement_timeout`, e.g. `5min`.
    pub statement_timeout: Option<String>,
    /// How long to wait for another run's apply lock.
    pub lock_wait: Duration,
    /// PostgreSQL: how many times a step that timed out waiting for a table lock is tried
    /// again before the plan fails.
    pub lock_retries: u32,
    /// The wait before the first retry; each further retry waits twice as long.
    pub lock_retry_backoff: Duration,
    /// The state the plan was made from. Checked after the apply lock is taken, so a plan
    /// never runs on a database that changed while this run waited.
    pub expect: Option<Expected>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            lock_timeout: None,
            statement_timeout: None,
            lock_wait: Duration::from_secs(60),
            lock_retries: 0,
            lock_retry_backoff: Duration::from_secs(1),
            expect: None,
        }
    }
}

/// The live state a plan was made from, as [`crate::plan::fingerprint`] of the schema the
/// planner saw (introspected, with the tracking table hidden).
#[derive(Debug, Clone)]
pub struct Expected {
    pub fingerprint: String,
    /// The tracking table the planner left out of the live schema.
    pub hidden_table: Option<String>,
}

impl Expected {
    /// Compares a schema read under the apply lock with the one the plan was made from.
    pub(crate) fn verify(
        &self,
        read: Result<Schema, String>,
        dialect: &dyn Dialect,
        url: &str,
    ) -> Result<(), DbError> {
        let mut schema = read.map_err(|reason| DbError::Introspect {
            url: url.to_string(),
            reason,
        })?;
        settle(&mut schema, dialect);
        if let Some(t) = &self.hidden_table {
            crate::migrate::tracking::hide(&mut schema, t, dialect);
        }
        let now = crate::plan::fingerprint(&schema);
        if now == self.fingerprint {
            Ok(())
        } else {
            Err(DbError::Changed {
                url: url.to_string(),
                planned: self.fingerprint.clone(),
                now,
            })
        }
    }
}

/// What every introspected schema goes through before anything compares it.
fn settle(schema: &mut Schema, dialect: &dyn Dialect) {
    super::resolve_names(
        schema,
        dialect.default_schema(),
        !dialect.keeps_omitted_fk_columns(),
    );
    let mut notes = Vec::new();
    dialect.normalize(schema, &mut notes);
    super::forget_spelling(schema, dialect);
}

pub enum Connection {
    Sqlite(SqliteConnection, Endpoint),
    Postgres(PgConnection, Endpoint),
    Mysql(MySqlConnection, Endpoint),
}

/// Where a connection goes: the URL as shown (password redacted) and as used.
pub struct Endpoint {
    pub(crate) shown: String,
    /// Kept to open helper connections (parallel catalog queries); never printed.
    pub(crate) secret: String,
    /// How long one catalog query may run or wait for a lock.
    pub(crate) catalog_timeout: Duration,
    /// The privileges and owners an introspection keeps (none unless configured).
    pub(crate) access: crate::model::Access,
}

/// The catalog read bound when the configuration sets none.
pub const DEFAULT_CATALOG_TIMEOUT: Duration = Duration::from_secs(30);

/// Connects to the database a URL names, within 10 seconds.
pub async fn connect(url: &str) -> Result<Connection, DbError> {
    connect_once(url).await.map_err(|(e, _)| e)
}

/// One try to connect; the error says whether it is transient.
async fn connect_once(url: &str) -> Result<Connection, (DbError, bool)> {
    let dialect = super::dialect_for_url(url).map_err(|e| (e, false))?;
    let shown = redact_url(url);
    let url = &super::url::encode_userinfo(url);
    let endpoint = Endpoint {
        shown: shown.clone(),
        secret: url.to_string(),
        catalog_timeout: DEFAULT_CATALOG_TIMEOUT,
        access: Default::default(),
    };
    Ok(match dialect.name() {
        "sqlite" => Connection::Sqlite(within(&shown, sqlite::open(url)).await?, endpoint),
        "mysql" => Connection::Mysql(within(&shown, mysql::open(url)).await?, endpoint),
        _ => Connection::Postgres(within(&shown, postgres::open(url)).await?, endpoint),
    })
}

/// Connects like [`connect`], trying again `retries` times when the failure is transient
/// (the server refused or reset the connection, did not answer in time, is starting up or
/// has no connection slot free), waiting `backoff` and twice as long each next time; each
/// retry is logged. A failure that is not transient (a wrong password, an unknown
/// database) is never retried.
pub async fn connect_retrying(
    url: &str,
    retries: u32,
    backoff: Duration,
) -> Result<Connection, DbError> {
    let mut wait = backoff;
    let mut tries = 0;
    loop {
        match connect_once(url).await {
            Ok(c) => return Ok(c),
            Err((e, transient)) if transient && tries < retries => {
                tries += 1;
                super::log_retry(&format!(
                    "{e} (a transient failure): trying again in {}ms (retry {tries} of {retries})",
                    wait.as_millis()
                ));
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
            }
            Err((e, _)) => return Err(e),
        }
    }
}

/// Whether a failure to connect may pass by itself.
fn transient_connect(e: &sqlx::Error) -> bool {
    use std::io::ErrorKind::*;
    match e {
        sqlx::Error::Io(io) => matches!(
            io.kind(),
            ConnectionRefused | ConnectionReset | ConnectionAborted | TimedOut | NotConnected
        ),
        sqlx::Error::PoolTimedOut => true,
        // PostgreSQL starting up or out of connection slots; MySQL out of connections.
        sqlx::Error::Database(db) => {
            matches!(
                db.code().as_deref(),
                Some("57P03" | "53300" | "1040" | "08004")
            )
        }
        _ => false,
    }
}

/// Waits at most 10 seconds for a dialect's `open`, naming the (redacted) URL on failure.
async fn within<C>(
    shown: &str,
    open: impl std::future::Future<Output = Result<C, sqlx::Error>>,
) -> Result<C, (DbError, bool)> {
    let fail = |reason: String| DbError::Connect {
        url: shown.to_string(),
        reason,
    };
    match tokio::time::timeout(Duration::from_secs(10), open).await {
        Err(_) => Err((fail("timed out after 10s".into()), true)),
        // Not "connection lost": there was no connection yet.
        Ok(Err(e)) => Err((fail(server_reason(&e)), transient_connect(&e))),
        Ok(Ok(c)) => Ok(c),
    }
}

/// A readable reason for a driver error, with the server's message where there is one.
pub fn describe(e: &sqlx::Error) -> String {
    let reason = server_reason(e);
    if is_connection_lost(e) {
        format!("connection lost: {reason}")
    } else {
        reason
    }
}

/// The server's message where there is one, else the driver's.
fn server_reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

/// True when the error means the session is gone (killed by `KILL`, server restart,
/// network), rather than a statement the server refused.
pub fn is_connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        // MySQL/MariaDB: 1927 connection killed, 2006 server gone, 2013 lost during
        // query; PostgreSQL: class 57P (operator intervention: terminated, shutdown).
        sqlx::Error::Database(db) => {
            matches!(
                db.code().as_deref(),
                Some("1927" | "2006" | "2013" | "57P01" | "57P02" | "57P03" | "70100")
            ) || db.message().contains("Connection was killed")
        }
        _ => false,
    }
}

/// A driver error as a [`DbError`]: a lost connection is [`DbError::Lost`].
pub fn db_error(e: &sqlx::Error, message: String) -> DbError {
    if is_connection_lost(e) {
        DbError::Lost(message)
    } else {
        DbError::Apply(message)
    }
}

impl Connection {
    pub fn dialect(&self) -> &'static dyn Dialect {
        match self {
            Connection::Sqlite(..) => &sqlite::Sqlite,
            Connection::Postgres(..) => &postgres::Postgres,
            Connection::Mysql(..) => &mysql::Mysql,
        }
    }

    /// Bounds each catalog query (and its lock waits) by `d` instead of the default.
    pub fn with_catalog_timeout(mut self, d: Duration) -> Self {
        match &mut self {
            Connection::Sqlite(_, e) | Connection::Postgres(_, e) | Connection::Mysql(_, e) => {
                e.catalog_timeout = d
            }
        }
        self
    }

    /// Keeps the privileges and owners `access` manages in what [`Connection::introspect`]
    /// reads (it reads none otherwise).
    pub fn with_access(mut self, access: crate::model::Access) -> Self {
        match &mut self {
            Connection::Sqlite(_, e) | Connection::Postgres(_, e) | Connection::Mysql(_, e) => {
                e.access = access
            }
        }
        self
    }

    fn access(&self) -> &crate::model::Access {
        match self {
            Connection::Sqlite(_, e) | Connection::Postgres(_, e) | Connection::Mysql(_, e) => {
                &e.access
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            Connection::Sqlite(_, u) | Connection::Postgres(_, u) | Connection::Mysql(_, u) => {
                &u.shown
            }
        }
    }

    /// Reads the live schema, normalized for this dialect, in a fixed number of queries.
    pub async fn introspect(&mut self) -> Result<Schema, DbError> {
        let url = self.url().to_string();
        let res = match self {
            Connection::Sqlite(c, _) => sqlite::introspect(c).await,
            Connection::Postgres(c, e) => {
                postgres::introspect(c, Some(&e.secret), e.catalog_timeout).await
            }
            Connection::Mysql(c, e) => mysql::introspect(c, e.catalog_timeout).await,
        };
        let mut schema = res.map_err(|reason| DbError::Introspect { url, reason })?;
        settle(&mut schema, self.dialect());
        schema.security.scope(self.access());
        Ok(schema)
    }

    /// Runs a plan under the apply lock: transactional steps in one transaction, the rest
    /// after it commits. With `opts.expect`, the live schema is read again once the lock is
    /// held and the plan runs only if it is still the state the plan was made from.
    pub async fn execute(&mut self, plan: &Plan, opts: &ExecOptions) -> Result<(), DbError> {
        let refused: Vec<String> = plan
            .steps
            .iter()
            .flat_map(|s| &s.changes)
            .filter_map(|c| match c {
                crate::diff::Change::Refuse { table, reason } => {
                    Some(format!("  table {table}: {reason}"))
                }
                _ => None,
            })
            .collect();
        if !refused.is_empty() {
            return Err(DbError::Apply(format!(
                "refusing to run this plan: it asks for what sqlshift will not do; nothing was applied:\n{}",
                refused.join("\n")
            )));
        }
        match self {
            Connection::Sqlite(c, e) => sqlite::execute(c, plan, opts, &e.shown).await,
            Connection::Postgres(c, e) => postgres::execute(c, plan, opts, e).await,
            Connection::Mysql(c, e) => mysql::execute(c, plan, opts, e).await,
        }
    }

    /// Counts the rows of a table (`schema.table` or `table`), for data-preservation checks.
    pub async fn count_rows(&mut self, table: &str) -> Result<i64, DbError> {
        let d = self.dialect();
        let quoted = table
            .split('.')
            .map(|p| d.quote_ident(p))
            .collect::<Vec<_>>()
            .join(".");
        self.scalar_i64(&format!("SELECT count(*) FROM {quoted}"))
            .await
    }

    /// The server's product and version (`PostgreSQL 15.8`, `10.11.6-MariaDB`,
    /// `SQLite 3.45.1`).
    pub async fn server_version(&mut self) -> Result<String, DbError> {
        let r = match self {
            Connection::Sqlite(c, _) => {
                sqlx::query_scalar::<_, String>(sqlite::queries::SERVER_VERSION)
                    .fetch_one(c)
                    .await
            }
            Connection::Postgres(c, _) => {
                sqlx::query_scalar::<_, String>(postgres::queries::SERVER_VERSION)
                    .fetch_one(c)
                    .await
            }
            Connection::Mysql(c, _) => {
                sqlx::query_scalar::<_, String>(mysql::queries::SERVER_VERSION)
                    .fetch_one(c)
                    .await
            }
        };
        r.map_err(|e| db_error(&e, describe(&e)))
    }

    /// Runs a query that returns one integer (data checks in tests and fixtures).
    pub async fn scalar_i64(&mut self, sql: &str) -> Result<i64, DbError> {
        let r = match self {
            Connection::Sqlite(c, _) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
            Connection::Postgres(c, _) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
            Connection::Mysql(c, _) => sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await,
        };
        r.map_err(|e| DbError::Apply(describe(&e)))
    }

    /// Runs raw SQL statements one by one (tests, fixtures).
    pub async fn run_script(&mut self, sql: &str) -> Result<(), DbError> {
        let r = match self {
            Connection::Sqlite(c, _) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Connection::Postgres(c, _) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Connection::Mysql(c, _) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
        };
        r.map_err(|e| DbError::Apply(describe(&e)))
    }
}
