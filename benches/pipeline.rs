//! Pipeline benchmark: parse, introspect, diff and plan at 100, 1 000 and 10 000 tables.
//!
//! Run with `cargo bench --bench pipeline`. A plain `main` harness (medians over a few runs,
//! `std::time::Instant`): the phases of interest take milliseconds to seconds and need a live
//! database, which criterion's sampling model does not fit well.
//!
//! Each generated table has 16 columns of assorted types, a primary key, a foreign key to an
//! earlier table, a check constraint and three indexes (plain, unique, partial).
//!
//! Phases, measured separately for each N:
//! - `parse+prepare`: `parse::parse_sql` then `dialect::prepare` for PostgreSQL;
//! - `plan from empty`: the full create script (how the bench database is loaded);
//! - `pg introspect`: `Connection::introspect` on a fresh connection to a database holding
//!   the schema (connecting is not timed), plus the time of each catalog query on its own;
//! - `diff`: `diff::diff(live, desired)` with ~10% of the live tables edited (a column
//!   missing, a default changed) so that diff has work;
//! - `plan+render`: `plan::plan(live, desired, Postgres)` on the same pair (includes its
//!   own diff, ordering and rendering).
//!
//! Plus, at N = 1 000: the whole `sqlshift plan` pipeline against live PostgreSQL (connect +
//! introspect + parse/prepare + plan, which diffs) and SQLite introspection of an on-disk
//! database. The number of catalog queries per introspection is checked against
//! `queries::QUERY_COUNT` with `pg_stat_database.xact_commit` (one commit per query, less
//! the commits the measurement itself causes).
//!
//! Runs per phase: 5 for N <= 1 000, 2 for N = 10 000, fewer once a phase has used
//! [`PHASE_BUDGET`]; the table shows how many ran.
//!
//! Environment:
//! - `SQLSHIFT_TEST_PG`: admin URL (default `postgres://postgres@127.0.0.1:5432/postgres`);
//!   the bench creates and drops databases `sqlshift_bench_<n>`. If PostgreSQL cannot be
//!   reached the live phases are skipped and diff/plan run on the parsed schema.
//! - `SQLSHIFT_BENCH_MAX_N`: largest N to run (default 10000).
//! - `SQLSHIFT_BENCH_STATEMENT_TIMEOUT`: seconds any one catalog query may take on the bench
//!   databases before it is cancelled and the phase reported as timed out (default 120).
//! - `SQLSHIFT_BENCH_TRIGGERS=1`: each PostgreSQL table also gets a trigger function of its
//!   own and a trigger calling it (1 000 functions and 1 000 triggers at N = 1 000).

use anyhow::{anyhow, bail, Context, Result};
use sqlshift::dialect::postgres::{queries, queries::QUERY_COUNT, Postgres};
use sqlshift::dialect::sqlite::Sqlite;
use sqlshift::dialect::{connect, prepare, Connection, Dialect};
use sqlshift::model::{Expr, Schema};
use sqlshift::plan::Plan;
use std::fmt::Write as _;
use std::future::Future;
use std::time::{Duration, Instant};

const SIZES: [usize; 3] = [100, 1_000, 10_000];
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Statements per transaction when loading a schema: one transaction for 10 000 tables
/// would exhaust PostgreSQL's lock table (`max_locks_per_transaction`).
const LOAD_BATCH: usize = 2_000;
/// A phase stops repeating once its runs have taken this long (at least one run).
const PHASE_BUDGET: Duration = Duration::from_secs(30);

/// The catalog queries one PostgreSQL introspection runs, timed one by one.
const CATALOG_QUERIES: [(&str, &str); 17] = [
    ("SCHEMAS", queries::SCHEMAS),
    ("EXTENSIONS", queries::EXTENSIONS),
    ("ENUMS", queries::ENUMS),
    ("DOMAINS", queries::DOMAINS),
    ("COMPOSITES", queries::COMPOSITES),
    ("RANGES", queries::RANGES),
    ("SEQUENCES", queries::SEQUENCES),
    ("TABLES", queries::TABLES),
    ("COLUMNS", queries::COLUMNS),
    ("CONSTRAINTS", queries::CONSTRAINTS),
    ("INDEXES", queries::INDEXES),
    ("VIEWS", queries::VIEWS),
    ("ROUTINES", queries::ROUTINES),
    ("TRIGGERS", queries::TRIGGERS),
    ("UNMANAGED", queries::UNMANAGED),
    ("POLICIES", queries::POLICIES),
    ("ACCESS", queries::ACCESS),
];

fn main() -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let max_n = env_number("SQLSHIFT_BENCH_MAX_N", 10_000)?;
    let timeout = env_number("SQLSHIFT_BENCH_STATEMENT_TIMEOUT", 120)?;
    let triggers = env_number("SQLSHIFT_BENCH_TRIGGERS", 0u8)? != 0;
    let sizes: Vec<usize> = SIZES.iter().copied().filter(|&n| n <= max_n).collect();
    if sizes.is_empty() {
        bail!("SQLSHIFT_BENCH_MAX_N={max_n} excludes every size ({SIZES:?})");
    }
    let admin_url =
        std::env::var("SQLSHIFT_TEST_PG").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_string());

    println!(
        "sqlshift pipeline bench: sizes {sizes:?}, PostgreSQL admin {}",
        sqlshift::dialect::redact_url(&admin_url)
    );
    let mut pg = match rt.block_on(connect(&admin_url)) {
        Ok(conn @ Connection::Postgres(..)) => Some(Pg {
            admin: conn,
            admin_url: admin_url.clone(),
            timeout_secs: timeout,
            dbs: Vec::new(),
        }),
        Ok(_) => {
            println!("skipping PostgreSQL benches: {admin_url} is not a PostgreSQL URL");
            None
        }
        Err(e) => {
            println!("skipping PostgreSQL benches: {e}");
            None
        }
    };
    if CATALOG_QUERIES.len() != QUERY_COUNT {
        println!(
            "note: queries::QUERY_COUNT is {QUERY_COUNT} but this bench times {} catalog queries; update CATALOG_QUERIES",
            CATALOG_QUERIES.len()
        );
    }

    let mut report = Report::default();
    for &n in &sizes {
        let runs = if n >= 10_000 { 2 } else { 5 };
        let mut text = schema_sql(n);
        if triggers {
            text.push_str(&triggers_sql(n));
        }
        println!(
            "\nN = {n}: {} KiB of schema SQL{}, up to {runs} runs per phase",
            text.len() / 1024,
            if triggers {
                format!(" ({n} trigger functions and {n} triggers)")
            } else {
                String::new()
            }
        );

        let desired = measure("parse+prepare", n, runs, &mut report, || {
            parse_prepare(&text, &Postgres)
        })?;
        if desired.tables.len() != n {
            bail!("parsed {} tables, expected {n}", desired.tables.len());
        }
        let create = measure("plan from empty", n, runs, &mut report, || {
            Ok(sqlshift::plan::plan(
                &Schema::default(),
                &desired,
                &Postgres,
                &Default::default(),
            ))
        })?;

        let mut live = None;
        if let Some(p) = pg.as_mut() {
            match rt.block_on(p.bench(n, runs, &text, &create, &mut report)) {
                Ok(l) => live = l,
                Err(e) => {
                    println!("skipping PostgreSQL benches: {e:#}");
                    if let Some(mut p) = pg.take() {
                        rt.block_on(p.drop_all());
                    }
                }
            }
        }
        let live = match live {
            Some(l) => {
                let drift = sqlshift::diff::diff(&l, &desired);
                print_convergence("PostgreSQL", &drift);
                l
            }
            None => {
                println!("  diff and plan below run against the parsed schema (no live one)");
                desired.clone()
            }
        };
        let live = edit_tenth(live);

        let changes = measure("diff", n, runs, &mut report, || {
            Ok(sqlshift::diff::diff(&live, &desired))
        })?;
        let plan = measure("plan+render", n, runs, &mut report, || {
            Ok(sqlshift::plan::plan(
                &live,
                &desired,
                &Postgres,
                &Default::default(),
            ))
        })?;
        println!(
            "  edited live vs desired: {} changes, {} plan steps, {} KiB of SQL",
            changes.len(),
            plan.steps.len(),
            plan.sql().len() / 1024
        );
    }

    if let Some(mut p) = pg.take() {
        rt.block_on(p.drop_all());
    }

    let sqlite_n = 1_000.min(max_n);
    if let Err(e) = rt.block_on(sqlite_bench(sqlite_n, 5, &mut report)) {
        println!("skipping SQLite bench: {e:#}");
    }

    let mysql_n = 1_000.min(max_n);
    if let Err(e) = rt.block_on(mysql_bench(mysql_n, 5, &mut report)) {
        println!("skipping MySQL bench: {e:#}");
    }

    report.print();
    Ok(())
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map_err(|_| anyhow!("{name}={v:?} is not a number")),
        Err(_) => Ok(default),
    }
}

fn print_convergence(what: &str, drift: &[sqlshift::diff::Change]) {
    if drift.is_empty() {
        println!("  {what} convergence: introspected schema equals the parsed one (0 changes)");
    } else {
        println!(
            "  {what} convergence: {} changes between introspected and parsed schema, e.g.:",
            drift.len()
        );
        for c in drift.iter().take(5) {
            println!("    {} {}", c.kind(), c.objects().join(", "));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Schema generation and editing

/// `n` tables as PostgreSQL-flavoured schema SQL.
fn schema_sql(n: usize) -> String {
    let mut s = String::with_capacity(n * 1_400);
    for i in 0..n {
        let t = table_name(i);
        // A foreign key to an earlier table (a binary tree, so fan-in stays small); the
        // first table points nowhere.
        let parent = if i == 0 {
            "BIGINT".to_string()
        } else {
            let action = ["CASCADE", "SET NULL", "RESTRICT"][i % 3];
            format!(
                "BIGINT REFERENCES {} (id) ON DELETE {action}",
                table_name((i - 1) / 2)
            )
        };
        let _ = write!(
            s,
            "CREATE TABLE {t} (
    id          BIGSERIAL PRIMARY KEY,
    parent_id   {parent},
    code        VARCHAR(64) NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    description TEXT,
    qty         INTEGER NOT NULL DEFAULT 0,
    priority    SMALLINT,
    amount      NUMERIC(12, 2) NOT NULL DEFAULT 0,
    ratio       DOUBLE PRECISION,
    score       REAL,
    is_active   BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP,
    born_on     DATE,
    external_id UUID,
    payload     JSONB NOT NULL DEFAULT '{{}}',
    CONSTRAINT {t}_qty_check CHECK (qty >= 0 AND amount >= 0)
);
CREATE INDEX {t}_parent_id_idx ON {t} (parent_id);
CREATE UNIQUE INDEX {t}_code_key_idx ON {t} (code, created_at DESC);
CREATE INDEX {t}_active_idx ON {t} (created_at) WHERE is_active;

"
        );
    }
    s
}

/// A trigger function per table and a trigger calling it (`SQLSHIFT_BENCH_TRIGGERS`).
fn triggers_sql(n: usize) -> String {
    let mut s = String::with_capacity(n * 300);
    for i in 0..n {
        let t = table_name(i);
        let _ = write!(
            s,
            "CREATE FUNCTION {t}_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER {t}_touch BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_touch();

"
        );
    }
    s
}

fn table_name(i: usize) -> String {
    format!("t{i:05}")
}

/// Edits every tenth table of `live`: drops column `score` (the plan adds it back) and
/// changes the default of `qty` (the plan sets it back).
fn edit_tenth(mut live: Schema) -> Schema {
    for (i, t) in live.tables.values_mut().enumerate() {
        if i % 10 != 0 {
            continue;
        }
        t.columns.retain(|c| c.name != "score");
        if let Some(c) = t.column_mut("qty") {
            c.default = Some(Expr::new("1", "1"));
        }
    }
    live
}

fn parse_prepare(text: &str, dialect: &dyn Dialect) -> Result<Schema> {
    let schema = sqlshift::parse::parse_sql("bench.sql", text)
        .map_err(|e| anyhow!("parsing the generated schema: {e}"))?;
    let mut notes = Vec::new();
    Ok(prepare(schema, dialect, &mut notes))
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

struct Pg {
    admin: Connection,
    admin_url: String,
    /// `statement_timeout` of the bench databases, in seconds.
    timeout_secs: u64,
    /// Databases created so far, dropped at the end.
    dbs: Vec<String>,
}

impl Pg {
    /// Loads the schema into `sqlshift_bench_<n>`, times each catalog query, introspection
    /// and (at N = 1 000) the whole plan pipeline. Returns the introspected schema, or
    /// `None` when introspection failed (timed out); the failure is in the report.
    async fn bench(
        &mut self,
        n: usize,
        runs: usize,
        text: &str,
        create: &Plan,
        report: &mut Report,
    ) -> Result<Option<Schema>> {
        let db = format!("sqlshift_bench_{n}");
        self.admin
            .run_script(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .await?;
        self.admin
            .run_script(&format!("CREATE DATABASE {db}"))
            .await?;
        self.dbs.push(db.clone());
        let url = db_url(&self.admin_url, &db)?;

        let started = Instant::now();
        let mut conn = connect(&url).await?;
        load(&mut conn, create)
            .await
            .context("loading the schema")?;
        drop(conn);
        println!(
            "  loaded {n} tables into {db} in {}",
            fmt_dur(started.elapsed())
        );
        // Set after loading: a load batch is one simple-protocol statement.
        self.admin
            .run_script(&format!(
                "ALTER DATABASE {db} SET statement_timeout = '{}s'",
                self.timeout_secs
            ))
            .await?;

        // Each catalog query once, on one connection: which query the time goes to.
        let mut conn = connect(&url).await?;
        let c = pg_conn(&mut conn)?;
        for (name, sql) in CATALOG_QUERIES {
            let t = Instant::now();
            let r = sqlx::query(sql).fetch_all(&mut *c).await;
            let elapsed = t.elapsed();
            match r {
                Ok(rows) => {
                    println!(
                        "    query {name:<12} {:>10}  ({} rows)",
                        fmt_dur(elapsed),
                        rows.len()
                    );
                    report.queries.push((name, n, Ok(elapsed)));
                }
                Err(e) => {
                    let reason = match &e {
                        sqlx::Error::Database(d) => d.message().to_string(),
                        other => other.to_string(),
                    };
                    println!(
                        "    query {name:<12} failed after {}: {reason}",
                        fmt_dur(elapsed)
                    );
                    report.queries.push((name, n, Err(elapsed)));
                }
            }
        }
        drop(conn);

        let mut introspect = Timer::new("pg introspect", n, runs);
        let mut live = None;
        while introspect.more() {
            let mut conn = connect(&url).await?;
            let r = introspect.time_async(conn.introspect()).await;
            match r {
                Ok(l) => live = Some(l),
                Err(e) => {
                    introspect.fail(report, &e.to_string());
                    return Ok(None);
                }
            }
        }
        introspect.done(report);
        let Some(live) = live else {
            bail!("introspection did not run");
        };
        if live.tables.len() != n {
            bail!(
                "introspection found {} tables, expected {n}",
                live.tables.len()
            );
        }

        match self.count_queries(&url, &db).await {
            Ok((cold, warm)) => {
                println!(
                    "  catalog queries per introspection: QUERY_COUNT = {QUERY_COUNT}; commits seen in pg_stat_database: {warm} on a warm connection, {cold} on a fresh one (statement preparation included)"
                );
                report.commits.push((n, warm));
            }
            Err(e) => println!("  could not count queries in pg_stat_database: {e:#}"),
        }

        if n == 1_000 {
            let mut total = Timer::new("total plan vs live PG", n, runs);
            while total.more() {
                let r = total
                    .time_async(async {
                        // As `sqlshift plan` does it: the files parse on a blocking thread
                        // while the database is read.
                        let owned = text.to_string();
                        let parsing =
                            tokio::task::spawn_blocking(move || parse_prepare(&owned, &Postgres));
                        let reading = async {
                            let mut conn = connect(&url).await?;
                            Ok::<_, anyhow::Error>(conn.introspect().await?)
                        };
                        let (parsed, live) = tokio::join!(parsing, reading);
                        let (desired, live) = (parsed??, live?);
                        Ok::<_, anyhow::Error>(sqlshift::plan::plan(
                            &live,
                            &desired,
                            &Postgres,
                            &Default::default(),
                        ))
                    })
                    .await;
                match r {
                    Ok(plan) if !plan.is_empty() => println!(
                        "  note: the total-pipeline plan is not empty ({} steps)",
                        plan.steps.len()
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        total.fail(report, &format!("{e:#}"));
                        return Ok(Some(live));
                    }
                }
            }
            total.done(report);
        }
        Ok(Some(live))
    }

    /// Commits in the bench database during one introspection, on a fresh and then on a
    /// warm connection, read from `pg_stat_database` on the admin connection (which is in
    /// another database). Every catalog query is one implicit transaction. The commits the
    /// measurement itself causes are taken from a window with no work in it; other backends
    /// (autovacuum) can only add commits, so each figure is the least of a few tries.
    async fn count_queries(&mut self, url: &str, db: &str) -> Result<(i64, i64)> {
        let mut conn = connect(url).await?;
        flush_stats(&mut conn).await?;
        let cold = self.commits_during(db, &mut conn, true).await?;
        let mut baseline = i64::MAX;
        for _ in 0..3 {
            baseline = baseline.min(self.commits_during(db, &mut conn, false).await?);
        }
        let started = Instant::now();
        let mut warm = i64::MAX;
        for _ in 0..3 {
            warm = warm.min(self.commits_during(db, &mut conn, true).await?);
            if started.elapsed() > PHASE_BUDGET {
                break;
            }
        }
        Ok((cold - baseline, warm - baseline))
    }

    /// Commits between two statistics flushes, with or without an introspection between.
    async fn commits_during(
        &mut self,
        db: &str,
        conn: &mut Connection,
        introspect: bool,
    ) -> Result<i64> {
        flush_stats(conn).await?;
        let before = self.xact_commit(db).await?;
        if introspect {
            conn.introspect().await?;
        }
        flush_stats(conn).await?;
        let after = self.xact_commit(db).await?;
        Ok(after - before)
    }

    async fn xact_commit(&mut self, db: &str) -> Result<i64> {
        let c = pg_conn(&mut self.admin)?;
        let v: i64 =
            sqlx::query_scalar("SELECT xact_commit FROM pg_stat_database WHERE datname = $1")
                .bind(db)
                .fetch_one(&mut *c)
                .await?;
        Ok(v)
    }

    async fn drop_all(&mut self) {
        for db in std::mem::take(&mut self.dbs) {
            match self
                .admin
                .run_script(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                .await
            {
                Ok(()) => println!("dropped database {db}"),
                Err(e) => println!("could not drop database {db}: {e}"),
            }
        }
    }
}

fn pg_conn(conn: &mut Connection) -> Result<&mut sqlx::PgConnection> {
    match conn {
        Connection::Postgres(c, _) => Ok(c),
        _ => bail!("not a PostgreSQL connection"),
    }
}

/// Makes the backend publish its pending statistics now (PostgreSQL 15+ otherwise waits up
/// to a second or more), then gives it a moment: the flush happens as the backend goes idle.
/// The statement reads a catalog table because a backend with no pending table statistics
/// skips the flush, commit counts included.
async fn flush_stats(conn: &mut Connection) -> Result<()> {
    let c = pg_conn(conn)?;
    sqlx::query("SELECT pg_stat_force_next_flush(), (SELECT count(*) FROM pg_namespace)")
        .execute(&mut *c)
        .await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    Ok(())
}

/// The admin URL with its database replaced by `db`.
fn db_url(admin: &str, db: &str) -> Result<String> {
    let mut u = url::Url::parse(admin)
        .with_context(|| format!("parsing {}", sqlshift::dialect::redact_url(admin)))?;
    u.set_path(&format!("/{db}"));
    Ok(u.to_string())
}

/// Runs a plan's SQL in batches of [`LOAD_BATCH`] statements, one transaction each.
async fn load(conn: &mut Connection, plan: &Plan) -> Result<()> {
    let mut batch = String::new();
    let mut count = 0;
    for stmt in plan.steps.iter().flat_map(|s| &s.sql) {
        batch.push_str(stmt);
        batch.push_str(";\n");
        count += 1;
        if count == LOAD_BATCH {
            conn.run_script(&batch).await?;
            batch.clear();
            count = 0;
        }
    }
    if !batch.is_empty() {
        conn.run_script(&batch).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// SQLite

async fn sqlite_bench(n: usize, runs: usize, report: &mut Report) -> Result<()> {
    let dir = tempfile::tempdir().context("creating a temporary directory")?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let desired = parse_prepare(&schema_sql(n), &Sqlite)?;
    let create = sqlshift::plan::plan(&Schema::default(), &desired, &Sqlite, &Default::default());
    let mut conn = connect(&url).await?;
    let started = Instant::now();
    conn.run_script(&format!("BEGIN;\n{}COMMIT;", create.sql()))
        .await
        .context("loading the SQLite schema")?;
    println!(
        "\nSQLite: loaded {n} tables into {url} in {}",
        fmt_dur(started.elapsed())
    );
    drop(conn);

    let mut timer = Timer::new("sqlite introspect", n, runs);
    let mut live = None;
    while timer.more() {
        let mut conn = connect(&url).await?;
        match timer.time_async(conn.introspect()).await {
            Ok(l) => live = Some(l),
            Err(e) => {
                timer.fail(report, &e.to_string());
                return Ok(());
            }
        }
    }
    timer.done(report);
    if let Some(live) = live {
        print_convergence("SQLite", &sqlshift::diff::diff(&live, &desired));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// MySQL / MariaDB

async fn mysql_bench(n: usize, runs: usize, report: &mut Report) -> Result<()> {
    use sqlshift::dialect::mysql::Mysql;
    let admin = std::env::var("SQLSHIFT_TEST_MYSQL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into());
    let db = format!("sqlshift_bench_mysql_{n}");
    let mut admin_conn = connect(&admin).await.context("connecting to MySQL")?;
    admin_conn
        .run_script(&format!(
            "DROP DATABASE IF EXISTS `{db}`; CREATE DATABASE `{db}`"
        ))
        .await?;
    let url = db_url(&admin, &db)?;
    let desired = parse_prepare(&schema_sql(n), &Mysql)?;
    let create = sqlshift::plan::plan(&Schema::default(), &desired, &Mysql, &Default::default());
    let mut conn = connect(&url).await?;
    let started = Instant::now();
    load(&mut conn, &create)
        .await
        .context("loading the MySQL schema")?;
    println!(
        "\nMySQL: loaded {n} tables into {} in {}",
        sqlshift::dialect::redact_url(&url),
        fmt_dur(started.elapsed())
    );
    drop(conn);

    let mut timer = Timer::new("mysql introspect", n, runs);
    let mut live = None;
    let mut failed = None;
    while timer.more() {
        let mut conn = connect(&url).await?;
        match timer.time_async(conn.introspect()).await {
            Ok(l) => live = Some(l),
            Err(e) => {
                failed = Some(e.to_string());
                break;
            }
        }
    }
    match failed {
        Some(e) => timer.fail(report, &e),
        None => timer.done(report),
    }
    if let Some(live) = &live {
        print_convergence("MySQL", &sqlshift::diff::diff(live, &desired));
    }
    let mut failed = None;
    let mut total = Timer::new("total plan vs live MySQL", n, runs);
    let text = schema_sql(n);
    while total.more() {
        let work = async {
            let mut conn = connect(&url).await?;
            let live = conn.introspect().await?;
            let want = parse_prepare(&text, &Mysql)?;
            Ok::<_, anyhow::Error>(sqlshift::plan::plan(
                &live,
                &want,
                &Mysql,
                &Default::default(),
            ))
        };
        if let Err(e) = total.time_async(work).await {
            failed = Some(format!("{e:#}"));
            break;
        }
    }
    match failed {
        Some(e) => total.fail(report, &e),
        None => total.done(report),
    }
    admin_conn
        .run_script(&format!("DROP DATABASE IF EXISTS `{db}`"))
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Measuring and reporting

/// Runs of one phase: at most `runs`, fewer once [`PHASE_BUDGET`] is used up.
struct Timer {
    phase: &'static str,
    n: usize,
    runs: usize,
    times: Vec<Duration>,
}

impl Timer {
    fn new(phase: &'static str, n: usize, runs: usize) -> Self {
        Timer {
            phase,
            n,
            runs,
            times: Vec::with_capacity(runs),
        }
    }

    fn more(&self) -> bool {
        self.times.len() < self.runs.max(1) && self.times.iter().sum::<Duration>() < PHASE_BUDGET
    }

    fn time<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let v = f();
        self.times.push(t.elapsed());
        v
    }

    async fn time_async<T>(&mut self, f: impl Future<Output = T>) -> T {
        let t = Instant::now();
        let v = f.await;
        self.times.push(t.elapsed());
        v
    }

    fn done(self, report: &mut Report) {
        let m = median(self.times.clone());
        println!(
            "  {:<22} median {:>10}  ({} runs)",
            self.phase,
            fmt_dur(m),
            self.times.len()
        );
        report.rows.push(Row {
            phase: self.phase,
            n: self.n,
            runs: self.times.len(),
            time: m,
            failed: None,
        });
    }

    /// Records the phase as failed; the last run's time is a lower bound.
    fn fail(self, report: &mut Report, reason: &str) {
        let t = self.times.last().copied().unwrap_or_default();
        println!("  {:<22} FAILED after {}: {reason}", self.phase, fmt_dur(t));
        report.rows.push(Row {
            phase: self.phase,
            n: self.n,
            runs: self.times.len(),
            time: t,
            failed: Some(reason.to_string()),
        });
    }
}

/// Times a synchronous phase; returns the last run's result.
fn measure<T>(
    phase: &'static str,
    n: usize,
    runs: usize,
    report: &mut Report,
    mut f: impl FnMut() -> Result<T>,
) -> Result<T> {
    let mut timer = Timer::new(phase, n, runs);
    let mut last = None;
    while timer.more() {
        last = Some(timer.time(&mut f)?);
    }
    timer.done(report);
    last.ok_or_else(|| anyhow!("{phase}: no run"))
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    match xs.len() {
        0 => Duration::ZERO,
        l if l % 2 == 1 => xs[l / 2],
        l => (xs[l / 2 - 1] + xs[l / 2]) / 2,
    }
}

fn fmt_dur(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

struct Row {
    phase: &'static str,
    n: usize,
    runs: usize,
    /// The median, or for a failed phase the time until it failed.
    time: Duration,
    failed: Option<String>,
}

#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    /// (query, n, time or time until it failed)
    queries: Vec<(&'static str, usize, Result<Duration, Duration>)>,
    /// (n, commits during one introspection on a warm connection)
    commits: Vec<(usize, i64)>,
}

impl Report {
    fn get(&self, phase: &str, n: usize) -> Option<&Row> {
        self.rows.iter().find(|r| r.phase == phase && r.n == n)
    }

    fn print(&self) {
        println!("\n=== medians ===");
        println!(
            "{:<24} {:>7} {:>5} {:>12} {:>12}",
            "phase", "N", "runs", "median", "per table"
        );
        let mut phases: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !phases.contains(&r.phase) {
                phases.push(r.phase);
            }
        }
        for p in &phases {
            for r in self.rows.iter().filter(|r| r.phase == *p) {
                let per = r.time / u32::try_from(r.n).unwrap_or(u32::MAX).max(1);
                let (mark, note) = match &r.failed {
                    Some(reason) => (">", format!("  FAILED: {reason}")),
                    None => ("", String::new()),
                };
                println!(
                    "{:<24} {:>7} {:>5} {:>12} {:>12}{note}",
                    r.phase,
                    r.n,
                    r.runs,
                    format!("{mark}{}", fmt_dur(r.time)),
                    format!("{mark}{}", fmt_dur(per)),
                );
            }
        }

        if !self.queries.is_empty() {
            println!("\n=== PostgreSQL catalog queries, one run each ===");
            let sizes: Vec<usize> = SIZES
                .iter()
                .copied()
                .filter(|n| self.queries.iter().any(|q| q.1 == *n))
                .collect();
            let mut head = format!("{:<14}", "query");
            for n in &sizes {
                let _ = write!(head, " {:>12}", format!("N={n}"));
            }
            println!("{head}");
            for (name, _) in CATALOG_QUERIES {
                let mut line = format!("{name:<14}");
                for n in &sizes {
                    let cell = match self.queries.iter().find(|q| q.0 == name && q.1 == *n) {
                        Some((_, _, Ok(t))) => fmt_dur(*t),
                        Some((_, _, Err(t))) => format!(">{} FAIL", fmt_dur(*t)),
                        None => "-".to_string(),
                    };
                    let _ = write!(line, " {cell:>12}");
                }
                println!("{line}");
            }
        }

        println!("\n=== linearity: time(10000) / time(1000) (10.0 = linear) ===");
        let mut any = false;
        for p in &phases {
            if let (Some(a), Some(b)) = (self.get(p, 1_000), self.get(p, 10_000)) {
                any = true;
                let ratio = b.time.as_secs_f64() / a.time.as_secs_f64().max(f64::MIN_POSITIVE);
                let mark = if b.failed.is_some() { ">" } else { "" };
                println!("{p:<24} {mark}{ratio:.1}");
            }
        }
        for (name, _) in CATALOG_QUERIES {
            let find = |n: usize| self.queries.iter().find(|q| q.0 == name && q.1 == n);
            if let (Some((_, _, Ok(a))), Some((_, _, b))) = (find(1_000), find(10_000)) {
                let (mark, b) = match b {
                    Ok(b) => ("", b),
                    Err(b) => (">", b),
                };
                let ratio = b.as_secs_f64() / a.as_secs_f64().max(f64::MIN_POSITIVE);
                println!("{:<24} {mark}{ratio:.1}", format!("query {name}"));
            }
        }
        if !any {
            println!("(needs N = 1000 and N = 10000; SQLSHIFT_BENCH_MAX_N limits the sizes)");
        }

        println!("\n=== summary ===");
        match self.get("total plan vs live PG", 1_000) {
            Some(r) if r.failed.is_none() => println!(
                "total plan against live PostgreSQL, N = 1000 (connect + introspect, overlapped with parse/prepare, + plan): {} (target < 0.3 s: {})",
                fmt_dur(r.time),
                if r.time.as_secs_f64() < 0.3 { "met" } else { "MISSED" }
            ),
            Some(r) => println!(
                "total plan against live PostgreSQL, N = 1000: failed after {}",
                fmt_dur(r.time)
            ),
            None => println!("total plan against live PostgreSQL, N = 1000: not measured"),
        }
        print!(
            "catalog queries per PostgreSQL introspection: {QUERY_COUNT} (queries::QUERY_COUNT)"
        );
        if self.commits.is_empty() {
            println!();
        } else {
            let seen: Vec<String> = self
                .commits
                .iter()
                .map(|(n, c)| format!("N={n}: {c}"))
                .collect();
            println!(
                "; commits per introspection in pg_stat_database: {}",
                seen.join(", ")
            );
        }
    }
}
