//! Test databases (a throwaway PostgreSQL database or SQLite file per test) and helpers.

use sqlshift::dialect::{self, Connection, Dialect, ExecOptions, RenderOptions};
use sqlshift::model::Schema;
use sqlshift::plan::Plan;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

pub fn pg_admin_url() -> String {
    std::env::var("SQLSHIFT_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn mysql_admin_url() -> String {
    std::env::var("SQLSHIFT_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

fn required() -> bool {
    std::env::var("SQLSHIFT_REQUIRE_SERVERS").is_ok_and(|v| v == "1")
}

/// Written straight to the terminal so the notice survives cargo's output capture.
fn notice(key: &'static str, msg: &str) {
    static SEEN: OnceLock<std::sync::Mutex<Vec<&'static str>>> = OnceLock::new();
    let seen = SEEN.get_or_init(|| std::sync::Mutex::new(Vec::new()));
    if let Ok(mut s) = seen.lock() {
        if !s.contains(&key) {
            s.push(key);
            let _ = writeln!(std::io::stderr(), "\nSKIPPED: {msg}\n");
        }
    }
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    /// For a server database: the admin URL it was created through, and its name.
    server: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn dialect(&self) -> &'static dyn Dialect {
        dialect::dialect_for_url(&self.url).expect("known scheme")
    }

    pub async fn connect(&self) -> Connection {
        dialect::connect(&self.url)
            .await
            .expect("connect to test database")
    }

    /// Another handle on the same database that does not drop it.
    pub fn reuse(other: &TestDb) -> TestDb {
        TestDb {
            url: other.url.clone(),
            server: None,
            _dir: None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.server.take() {
            // Drop runs inside the test's runtime; use a thread with its own.
            let _ = std::thread::spawn(move || {
                rt().block_on(async move {
                    if let Ok(mut c) = dialect::connect(&admin).await {
                        let _ = c.drop_database(&name).await;
                    }
                })
            })
            .join();
        }
    }
}

pub fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    TestDb {
        url,
        server: None,
        _dir: Some(dir),
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh database on the server at `admin`, or `None` (with a notice) when the server is
/// unreachable and servers are not required.
async fn server_db(what: &'static str, admin: String, env: &str) -> Option<TestDb> {
    let mut conn = match dialect::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            if required() {
                panic!("{what} is required (SQLSHIFT_REQUIRE_SERVERS=1) but unreachable: {e}");
            }
            notice(
                what,
                &format!("{what} tests: {e} (set SQLSHIFT_REQUIRE_SERVERS=1 to fail instead)"),
            );
            return None;
        }
    };
    let name = format!(
        "sqlshift_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    conn.create_database(&name)
        .await
        .expect("create test database");
    let url = match admin.rfind('/') {
        Some(i) => format!("{}/{name}", &admin[..i]),
        None => panic!("{env} must end in /DATABASE"),
    };
    Some(TestDb {
        url,
        server: Some((admin, name)),
        _dir: None,
    })
}

/// A fresh PostgreSQL database (see [`server_db`]).
pub async fn pg_db() -> Option<TestDb> {
    server_db("PostgreSQL", pg_admin_url(), "SQLSHIFT_TEST_PG").await
}

/// A fresh MySQL/MariaDB database (see [`server_db`]).
pub async fn mysql_db() -> Option<TestDb> {
    server_db("MySQL/MariaDB", mysql_admin_url(), "SQLSHIFT_TEST_MYSQL").await
}

/// Both dialects: SQLite always, PostgreSQL when reachable.
pub async fn all_dbs() -> Vec<TestDb> {
    let mut v = vec![sqlite_db()];
    if let Some(pg) = pg_db().await {
        v.push(pg);
    }
    if let Some(my) = mysql_db().await {
        v.push(my);
    }
    v
}

/// The dialects whose DDL runs in a transaction (a failure leaves nothing behind).
pub async fn transactional_dbs() -> Vec<TestDb> {
    let mut v = vec![sqlite_db()];
    if let Some(pg) = pg_db().await {
        v.push(pg);
    }
    v
}

/// Parses SQL text by `dialect`'s rules, as `plan --schema` does, and normalizes it.
pub fn desired(sql: &str, dialect: &dyn Dialect) -> Schema {
    let source = sqlshift::parse::SourceFile {
        name: "test.sql".into(),
        text: sql.into(),
    };
    let target = sqlshift::parse::Target::of(dialect.name());
    let parsed = sqlshift::parse::parse_schema_with(&[source], true, target)
        .unwrap_or_else(|e| panic!("parse: {e}"));
    let mut notes = Vec::new();
    dialect::prepare(parsed, dialect, &mut notes)
}

/// Parses SQL text in the schema language (no dialect's own string rules) and normalizes it
/// for `dialect`: a portable file applied to any dialect.
pub fn desired_portable(sql: &str, dialect: &dyn Dialect) -> Schema {
    let parsed =
        sqlshift::parse::parse_sql("test.sql", sql).unwrap_or_else(|e| panic!("parse: {e}"));
    let mut notes = Vec::new();
    dialect::prepare(parsed, dialect, &mut notes)
}

pub async fn plan_against(conn: &mut Connection, want: &Schema) -> Plan {
    plan_with(conn, want, &RenderOptions::default()).await
}

/// Plans from the live state to `want` with the given rendering settings.
pub async fn plan_with(conn: &mut Connection, want: &Schema, opts: &RenderOptions) -> Plan {
    let mut live = conn.introspect().await.expect("introspect");
    // As every command plans: without sqlshift's own tables (`apply` writes the audit one).
    sqlshift::migrate::tracking::hide(&mut live, "schema_migrations", conn.dialect());
    sqlshift::plan::plan(&live, want, conn.dialect(), opts)
}

/// Rendering without PostgreSQL's online mode: every step in one transaction.
pub fn offline() -> RenderOptions {
    RenderOptions {
        online: false,
        ..RenderOptions::default()
    }
}

/// Plans from the live state to `want` and runs it; returns the plan that ran.
pub async fn apply(conn: &mut Connection, want: &Schema) -> Plan {
    let plan = plan_against(conn, want).await;
    if let Err(e) = conn.execute(&plan, &ExecOptions::default()).await {
        panic!("apply failed: {e}\nplan:\n{}", plan.sql());
    }
    plan
}

/// True when two schemas have no differences for the dialect (column order aside).
pub fn same(a: &Schema, b: &Schema) -> bool {
    sqlshift::diff::diff(a, b).is_empty()
}

pub fn describe_diff(a: &Schema, b: &Schema) -> String {
    format!("{:#?}", sqlshift::diff::diff(a, b))
}

pub fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `sqlshift` binary in `dir` with extra environment; colour and GitHub summary
/// variables of the caller's environment are removed so output is stable.
pub fn bin_env(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut c = assert_cmd::Command::cargo_bin("sqlshift").expect("binary");
    c.current_dir(dir)
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("NO_COLOR")
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run sqlshift");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the `sqlshift` binary in `dir`: (exit code, stdout, stderr).
pub fn bin(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    bin_env(dir, args, &[])
}

/// The roles the PostgreSQL fixtures grant to and name in policies. Roles are
/// cluster-wide, so they are created while some test holds a [`PgRoles`] guard and
/// dropped when the last one lets go (the tests' databases, which hold grants to them,
/// are gone by then).
pub const PG_TEST_ROLES: [&str; 3] = ["pgrls_reader", "pgrls_writer", "pgrls_admin"];

static ROLE_HOLDERS: std::sync::Mutex<usize> = std::sync::Mutex::new(0);

/// Keeps [`PG_TEST_ROLES`] on the test server while it lives. Declare it before the test
/// databases, so they are dropped first.
pub struct PgRoles;

async fn pg_admin_script(sql: &str) -> Result<(), String> {
    let mut c = dialect::connect(&pg_admin_url())
        .await
        .map_err(|e| e.to_string())?;
    c.run_script(sql).await.map_err(|e| e.to_string())
}

/// Creates the test roles (if the server is reachable) and holds them.
pub fn pg_roles() -> PgRoles {
    let mut n = ROLE_HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
    if *n == 0 {
        let sql: String = PG_TEST_ROLES
            .iter()
            .map(|r| {
                format!(
                    "DO $$ BEGIN CREATE ROLE {r}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n"
                )
            })
            .collect();
        // Unreachable servers are reported by the tests that need them.
        let _ = std::thread::spawn(move || rt().block_on(pg_admin_script(&sql))).join();
    }
    *n += 1;
    PgRoles
}

impl Drop for PgRoles {
    fn drop(&mut self) {
        let mut n = ROLE_HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
        *n = n.saturating_sub(1);
        if *n == 0 {
            let sql: String = PG_TEST_ROLES
                .iter()
                .map(|r| format!("DROP ROLE IF EXISTS {r};\n"))
                .collect();
            // A role still used by a database another run left behind stays; the next
            // run finds it there.
            let _ = std::thread::spawn(move || rt().block_on(pg_admin_script(&sql))).join();
        }
    }
}

/// The privileges and owners a fixture folder's `sqlshift.yaml` manages (none without one).
pub fn case_access(dir: &std::path::Path) -> sqlshift::model::Access {
    let path = dir.join("sqlshift.yaml");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let shown = path.display().to_string();
            sqlshift::config::Config::parse(&text, &shown)
                .and_then(|c| c.access(&shown))
                .unwrap_or_else(|e| panic!("{e}"))
        }
        Err(_) => Default::default(),
    }
}

/// [`desired`], reading the privileges and owners `access` manages.
pub fn desired_access(
    sql: &str,
    dialect: &dyn Dialect,
    access: &sqlshift::model::Access,
) -> Schema {
    let source = sqlshift::parse::SourceFile {
        name: "test.sql".into(),
        text: sql.into(),
    };
    let target = sqlshift::parse::Target::of(dialect.name());
    let (parsed, _) = sqlshift::parse::parse_schema_access(&[source], true, target, access)
        .unwrap_or_else(|e| panic!("parse: {e}"));
    let mut notes = Vec::new();
    dialect::prepare(parsed, dialect, &mut notes)
}

/// Version of the `n`th (1-based) migration of [`migrations_project`].
pub fn version(n: usize) -> i64 {
    20260101000000 + n as i64
}

/// A project for one database: `sqlshift.yaml` with a `test` environment (the default)
/// at `url`, and a migrations folder holding `migrations` (`name`, up SQL, down SQL) as
/// versions [`version`]`(1)`, `(2)`, …, recorded in `sqlshift.sum`.
pub fn migrations_project(url: &str, migrations: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dialect::dialect_for_url(url).expect("known scheme").name();
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        format!(
            "dialects: [{d}]\ndefault_env: test\nenvironments:\n  test:\n    url: {url}\ndev_urls:\n  postgres: {}\n  mysql: {}\n",
            pg_admin_url(),
            mysql_admin_url()
        ),
    )
    .expect("config");
    add_migrations(dir.path(), 1, migrations);
    dir
}

/// Writes migrations numbered from `first` into the project's folder and hashes it.
pub fn add_migrations(project: &std::path::Path, first: usize, migrations: &[(&str, &str, &str)]) {
    let m = project.join("migrations");
    std::fs::create_dir_all(&m).expect("migrations folder");
    for (i, (name, up, down)) in migrations.iter().enumerate() {
        let v = version(first + i);
        std::fs::write(m.join(format!("{v}_{name}.up.sql")), up).expect("up file");
        std::fs::write(m.join(format!("{v}_{name}.down.sql")), down).expect("down file");
    }
    let (code, out, err) = bin(project, &["migrate", "hash"]);
    assert_eq!(code, 0, "{out}{err}");
}
