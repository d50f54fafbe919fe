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
//! - `pg introspect`: `Connection::introspect` on a fresh connection to a database holding
//!   the schema (connecting is not timed);
//! - `diff`: `diff::diff(live, desired)` with ~10% of the live tables edited (a column
//!   missing, a default changed) so that diff has work;
//! - `plan+render`: `plan::plan(live, desired, Postgres)` on the same pair (includes its
//!   own diff, ordering and rendering);
//! - `plan from empty`: the full create script (how the database is loaded), for reference.
//!
//! Plus, at N = 1 000: the whole `sqlshift plan` pipeline against live PostgreSQL (connect +
//! introspect + parse/prepare + plan) and SQLite introspection of an on-disk database.
//!
//! Environment:
//! - `SQLSHIFT_TEST_PG`: admin URL (default `postgres://postgres@127.0.0.1:5432/postgres`);
//!   the bench creates and drops databases `sqlshift_bench_<n>`. If PostgreSQL cannot be
//!   reached the live phases are skipped and diff/plan run on the parsed schema.
//! - `SQLSHIFT_BENCH_MAX_N`: largest N to run (default 10000).

use anyhow::{anyhow, bail, Context, Result};
use sqlshift::dialect::postgres::{queries::QUERY_COUNT, Postgres};
use sqlshift::dialect::sqlite::Sqlite;
use sqlshift::dialect::{connect, prepare, Connection, Dialect};
use sqlshift::model::{Expr, Schema};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const SIZES: [usize; 3] = [100, 1_000, 10_000];
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Statements per transaction when loading a schema: one transaction for 10 000 tables
/// would exhaust PostgreSQL's lock table (`max_locks_per_transaction`).
const LOAD_BATCH: usize = 2_000;

fn main() -> Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("building the tokio runtime")?;
    let max_n = match std::env::var("SQLSHIFT_BENCH_MAX_N") {
        Ok(v) => v
            .trim()
            .parse::<usize>()
            .with_context(|| format!("SQLSHIFT_BENCH_MAX_N={v:?} is not a number"))?,
        Err(_) => 10_000,
    };
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

    let mut report = Report::default();
    for &n in &sizes {
        let runs = if n >= 10_000 { 2 } else { 5 };
        let text = schema_sql(n);
        println!(
            "\nN = {n}: {} KiB of schema SQL, {runs} runs per phase",
            text.len() / 1024
        );

        let (desired, t) = measure(runs, || parse_prepare(&text, &Postgres))?;
        report.add("parse+prepare", n, runs, t);
        if desired.tables.len() != n {
            bail!("parsed {} tables, expected {n}", desired.tables.len());
        }
        let (create, t) = measure(runs, || {
            Ok(sqlshift::plan::plan(
                &Schema::default(),
                &desired,
                &Postgres,
                &Default::default(),
            ))
        })?;
        report.add("plan from empty", n, runs, t);

        let mut live = None;
        if let Some(p) = pg.as_mut() {
            match rt.block_on(p.bench(n, runs, &text, &create, &mut report)) {
                Ok(l) => live = Some(l),
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
                if drift.is_empty() {
                    println!(
                        "  convergence: introspected schema equals the parsed one (0 changes)"
                    );
                } else {
                    println!(
                        "  convergence: {} changes between introspected and parsed schema, e.g.:",
                        drift.len()
                    );
                    for c in drift.iter().take(5) {
                        println!("    {} {}", c.kind(), c.objects().join(", "));
                    }
                }
                l
            }
            None => desired.clone(),
        };
        let live = edit_tenth(live);

        let (changes, t) = measure(runs, || Ok(sqlshift::diff::diff(&live, &desired)))?;
        report.add("diff", n, runs, t);
        let (plan, t) = measure(runs, || {
            Ok(sqlshift::plan::plan(
                &live,
                &desired,
                &Postgres,
                &Default::default(),
            ))
        })?;
        report.add("plan+render", n, runs, t);
        println!(
            "  diff of edited live vs desired: {} changes, {} plan steps, {} KiB SQL",
            changes.len(),
            plan.steps.len(),
            plan.sql().len() / 1024
        );
    }

    if let Some(mut p) = pg.take() {
        rt.block_on(p.drop_all());
    }

    let sqlite_n = 1_000.min(max_n);
    match rt.block_on(sqlite_bench(sqlite_n, 5, &mut report)) {
        Ok(()) => {}
        Err(e) => println!("skipping SQLite bench: {e:#}"),
    }

    report.print();
    Ok(())
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
    /// Databases created so far, dropped at the end.
    dbs: Vec<String>,
}

impl Pg {
    /// Loads the schema into `sqlshift_bench_<n>`, times introspection (and at N = 1 000
    /// the whole plan pipeline), and returns the introspected schema.
    async fn bench(
        &mut self,
        n: usize,
        runs: usize,
        text: &str,
        create: &sqlshift::plan::Plan,
        report: &mut Report,
    ) -> Result<Schema> {
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

        let mut times = Vec::with_capacity(runs);
        let mut live = Schema::default();
        for _ in 0..runs {
            let mut conn = connect(&url).await?;
            let t = Instant::now();
            live = conn.introspect().await?;
            times.push(t.elapsed());
        }
        report.add("pg introspect", n, runs, times);
        if live.tables.len() != n {
            bail!(
                "introspection found {} tables, expected {n}",
                live.tables.len()
            );
        }

        match self.count_queries(&url, &db).await {
            Ok((cold, warm)) => {
                println!(
                    "  catalog queries per introspection: QUERY_COUNT = {QUERY_COUNT}; pg_stat_database xact_commit delta: {warm} (warm connection), {cold} (fresh connection, includes statement preparation)"
                );
                report.queries.push((n, cold, warm));
            }
            Err(e) => println!("  could not read pg_stat_database: {e:#}"),
        }

        if n == 1_000 {
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                let t = Instant::now();
                let mut conn = connect(&url).await?;
                let live = conn.introspect().await?;
                let desired = parse_prepare(text, &Postgres)?;
                let plan = sqlshift::plan::plan(&live, &desired, &Postgres, &Default::default());
                times.push(t.elapsed());
                if !plan.is_empty() {
                    println!(
                        "  note: the total-pipeline plan is not empty ({} steps)",
                        plan.steps.len()
                    );
                }
            }
            report.add("total plan vs live PG", n, runs, times);
        }
        Ok(live)
    }

    /// Transactions committed in `db` during one introspection, from `pg_stat_database`
    /// (read on the admin connection, which is in another database). Backends flush their
    /// statistics at most once a second, hence the pauses.
    async fn count_queries(&mut self, url: &str, db: &str) -> Result<(i64, i64)> {
        let mut conn = connect(url).await?;
        let cold = self.xacts_during(db, &mut conn).await?;
        let warm = self.xacts_during(db, &mut conn).await?;
        Ok((cold, warm))
    }

    async fn xacts_during(&mut self, db: &str, conn: &mut Connection) -> Result<i64> {
        let pause = Duration::from_millis(1_300);
        tokio::time::sleep(pause).await;
        let before = self.xact_commit(db).await?;
        conn.introspect().await?;
        tokio::time::sleep(pause).await;
        let after = self.xact_commit(db).await?;
        Ok(after - before)
    }

    async fn xact_commit(&mut self, db: &str) -> Result<i64> {
        let Connection::Postgres(c, _) = &mut self.admin else {
            bail!("admin connection is not PostgreSQL");
        };
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

/// The admin URL with its database replaced by `db`.
fn db_url(admin: &str, db: &str) -> Result<String> {
    let mut u = url::Url::parse(admin)
        .with_context(|| format!("parsing {}", sqlshift::dialect::redact_url(admin)))?;
    u.set_path(&format!("/{db}"));
    Ok(u.to_string())
}

/// Runs a plan's SQL in batches of [`LOAD_BATCH`] statements, one transaction each.
async fn load(conn: &mut Connection, plan: &sqlshift::plan::Plan) -> Result<()> {
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

    let mut times = Vec::with_capacity(runs);
    let mut live = Schema::default();
    for _ in 0..runs {
        let mut conn = connect(&url).await?;
        let t = Instant::now();
        live = conn.introspect().await?;
        times.push(t.elapsed());
    }
    report.add("sqlite introspect", n, runs, times);
    let drift = sqlshift::diff::diff(&live, &desired);
    println!(
        "  SQLite convergence: {} changes between introspected and parsed schema",
        drift.len()
    );
    for c in drift.iter().take(5) {
        println!("    {} {}", c.kind(), c.objects().join(", "));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Measuring and reporting

/// Runs `f` `runs` times; returns the last result and every duration.
fn measure<T>(runs: usize, mut f: impl FnMut() -> Result<T>) -> Result<(T, Vec<Duration>)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f()?;
        times.push(t.elapsed());
        last = Some(v);
    }
    let v = last.ok_or_else(|| anyhow!("measure called with zero runs"))?;
    Ok((v, times))
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

#[derive(Default)]
struct Report {
    /// (phase, n, runs, median)
    rows: Vec<(&'static str, usize, usize, Duration)>,
    /// (n, xact delta on a fresh connection, on a warm one)
    queries: Vec<(usize, i64, i64)>,
}

impl Report {
    fn add(&mut self, phase: &'static str, n: usize, runs: usize, times: Vec<Duration>) {
        let m = median(times);
        println!("  {phase:<22} median {}", fmt_dur(m));
        self.rows.push((phase, n, runs, m));
    }

    fn get(&self, phase: &str, n: usize) -> Option<Duration> {
        self.rows
            .iter()
            .find(|r| r.0 == phase && r.1 == n)
            .map(|r| r.3)
    }

    fn print(&self) {
        println!("\n=== medians ===");
        println!(
            "{:<24} {:>7} {:>5} {:>12} {:>14}",
            "phase", "N", "runs", "median", "per table"
        );
        let mut phases: Vec<&str> = Vec::new();
        for r in &self.rows {
            if !phases.contains(&r.0) {
                phases.push(r.0);
            }
        }
        for p in &phases {
            for r in self.rows.iter().filter(|r| r.0 == *p) {
                let per = r.3 / u32::try_from(r.1).unwrap_or(u32::MAX);
                println!(
                    "{:<24} {:>7} {:>5} {:>12} {:>14}",
                    r.0,
                    r.1,
                    r.2,
                    fmt_dur(r.3),
                    fmt_dur(per)
                );
            }
        }

        println!("\n=== linearity: time(10000) / time(1000) (10.0 = linear) ===");
        let mut any = false;
        for p in &phases {
            if let (Some(a), Some(b)) = (self.get(p, 1_000), self.get(p, 10_000)) {
                any = true;
                println!(
                    "{:<24} {:>6.1}",
                    p,
                    b.as_secs_f64() / a.as_secs_f64().max(f64::MIN_POSITIVE)
                );
            }
        }
        if !any {
            println!("(needs N = 1000 and N = 10000; SQLSHIFT_BENCH_MAX_N limits the sizes)");
        }

        println!("\n=== summary ===");
        match self.get("total plan vs live PG", 1_000) {
            Some(t) => println!(
                "total plan against live PostgreSQL, N = 1000 (connect + introspect + parse/prepare + plan): {} (target < 0.3 s: {})",
                fmt_dur(t),
                if t.as_secs_f64() < 0.3 { "met" } else { "MISSED" }
            ),
            None => println!("total plan against live PostgreSQL, N = 1000: not measured"),
        }
        print!(
            "catalog queries per PostgreSQL introspection: {QUERY_COUNT} (queries::QUERY_COUNT)"
        );
        if self.queries.is_empty() {
            println!();
        } else {
            let seen: Vec<String> = self
                .queries
                .iter()
                .map(|(n, _, w)| format!("N={n}: {w}"))
                .collect();
            println!(
                "; measured xact_commit delta on a warm connection: {}",
                seen.join(", ")
            );
        }
    }
}
