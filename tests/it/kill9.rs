//! Fault tests (issue 8): the `sqlshift` binary is killed with SIGKILL at random moments
//! during `apply` and `migrate up`, on SQLite and PostgreSQL. Afterwards the database must
//! be exactly as before or as after (schema compared by introspection, rows by count and
//! checksums), no row lost, and the next run must complete. Each test prints its seed and
//! the outcome of every trial (`cargo test kill9 -- --nocapture`).

use crate::support::{self, TestDb};
use sqlshift::model::Schema;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRIALS: usize = 10;

/// Rows in the table being rebuilt or rewritten: enough that the work takes a while.
const ROWS: i64 = 60_000;

/// Rows the migrations fill and update (each migration updates every row).
const MIGRATION_ROWS: i64 = 10_000;

/// A small xorshift generator: the seed is printed, so a failing run can be repeated with
/// `SQLSHIFT_KILL9_SEED`.
struct Rng(u64);

impl Rng {
    fn new() -> Rng {
        let seed = std::env::var("SQLSHIFT_KILL9_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            })
            | 1;
        eprintln!("kill9 seed: {seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// One integer from the database (sqlx directly: sqlshift's connection runs no queries).
async fn scalar(url: &str, sql: &str) -> i64 {
    use sqlx::{ConnectOptions as _, Connection as _};
    if url.starts_with("sqlite:") {
        // A run killed before it opened the file leaves no file: an empty database.
        let mut c = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
            .expect("sqlite url")
            .create_if_missing(true)
            .connect()
            .await
            .expect("open");
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.expect("open");
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut c)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

async fn table_exists(url: &str, table: &str) -> bool {
    let sql = if url.starts_with("sqlite:") {
        format!("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'")
    } else {
        format!(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = '{table}'"
        )
    };
    scalar(url, &sql).await > 0
}

/// Waits until no other session works in the PostgreSQL database: a killed client's
/// backend finishes (and rolls back) its statement on its own.
async fn settle(url: &str) {
    if url.starts_with("sqlite:") {
        return;
    }
    let start = Instant::now();
    while scalar(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .await
        > 0
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the killed run's session did not end"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Starts `sqlshift` and kills it with SIGKILL after `delay`; true when it was still
/// running at that moment.
fn run_and_kill(dir: &Path, args: &[&str], delay: Duration) -> bool {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("sqlshift"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sqlshift");
    std::thread::sleep(delay);
    let running = child.try_wait().expect("try_wait").is_none();
    // `Child::kill` is SIGKILL on Unix: no destructor, no rollback, no unlock.
    let _ = child.kill();
    let _ = child.wait();
    running
}

/// Runs `sqlshift` to the end; returns how long it took.
fn run(dir: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let (code, out, err) = support::bin(dir, args);
    assert_eq!(code, 0, "sqlshift {args:?}:\n{out}{err}");
    start.elapsed()
}

#[derive(Default, Debug)]
struct Outcomes {
    before: usize,
    after: usize,
    finished_before_kill: usize,
}

// ---------------------------------------------------------------------------------------
// apply

const APPLY_V1: &str = "CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER, payload TEXT);
CREATE TABLE side (id INTEGER PRIMARY KEY, big_id INTEGER REFERENCES big (id));
";

/// From V1: `n` changes type and becomes NOT NULL with a default, and gains an index
/// (a twelve-step rebuild on SQLite, a table rewrite on PostgreSQL); back again from V2.
const APPLY_V2: &str =
    "CREATE TABLE big (id INTEGER PRIMARY KEY, n BIGINT NOT NULL DEFAULT 0, payload TEXT);
CREATE INDEX big_payload ON big (payload);
CREATE TABLE side (id INTEGER PRIMARY KEY, big_id INTEGER REFERENCES big (id));
";

fn seed_sql(url: &str) -> String {
    if url.starts_with("sqlite:") {
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {ROWS})
             INSERT INTO big (id, n, payload) SELECT x, x % 7, printf('%040d', x) FROM c;
             INSERT INTO side (id, big_id) SELECT id, id FROM big WHERE id % 100 = 0;"
        )
    } else {
        format!(
            "INSERT INTO big (id, n, payload) SELECT x, x % 7, lpad(x::text, 40, '0') FROM generate_series(1, {ROWS}) AS x;
             INSERT INTO side (id, big_id) SELECT id, id FROM big WHERE id % 100 = 0;"
        )
    }
}

/// Row count and checksums of both tables.
async fn rows(url: &str) -> [i64; 4] {
    [
        scalar(url, "SELECT count(*) FROM big").await,
        scalar(url, "SELECT CAST(sum(id + n) AS BIGINT) FROM big").await,
        scalar(url, "SELECT count(*) FROM big WHERE payload IS NULL").await,
        scalar(url, "SELECT CAST(sum(big_id) AS BIGINT) FROM side").await,
    ]
}

fn write_schema(dir: &Path, sql: &str) {
    std::fs::write(dir.join("schema").join("schema.sql"), sql).expect("write schema");
}

fn kill_apply(db: &TestDb) {
    let rt = support::rt();
    let d = db.dialect();
    let v1 = support::desired(APPLY_V1, d);
    let v2 = support::desired(APPLY_V2, d);
    let p = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(p.path().join("schema")).expect("schema dir");
    // Before or after holds for a plan in one transaction; online mode commits its
    // concurrent index builds on their own (and says where it stopped).
    std::fs::write(p.path().join("sqlshift.yaml"), "online: false\n").expect("config");
    let args = [
        "apply",
        "--yes",
        "--allow-destructive",
        "--url",
        &db.url,
        "--schema",
        "schema",
    ];
    write_schema(p.path(), APPLY_V1);
    run(p.path(), &args);
    rt.block_on(async {
        let mut c = db.connect().await;
        c.run_script(&seed_sql(&db.url)).await.expect("seed");
    });
    let expected_rows = rt.block_on(rows(&db.url));
    // The first change runs to the end: it measures how long one takes.
    write_schema(p.path(), APPLY_V2);
    let full = run(p.path(), &args);
    let mut rng = Rng::new();
    let mut outcomes = Outcomes::default();
    let mut at_v2 = true;
    for trial in 0..TRIALS {
        let (from, to, to_sql) = if at_v2 {
            (&v2, &v1, APPLY_V1)
        } else {
            (&v1, &v2, APPLY_V2)
        };
        write_schema(p.path(), to_sql);
        let delay = Duration::from_millis(rng.below(full.as_millis() as u64 + 1));
        let was_running = run_and_kill(p.path(), &args, delay);
        let live: Schema = rt.block_on(async {
            settle(&db.url).await;
            let mut s = db.connect().await.introspect().await.expect("introspect");
            // `apply` records itself in the audit table, which plans leave out.
            sqlshift::migrate::tracking::hide(&mut s, "schema_migrations", db.dialect());
            s
        });
        let state = if support::same(&live, from) {
            "before"
        } else if support::same(&live, to) {
            "after"
        } else {
            panic!(
                "trial {trial} (kill after {delay:?}): the schema is neither before nor after:\n{}",
                support::describe_diff(&live, to)
            );
        };
        assert_eq!(
            rt.block_on(rows(&db.url)),
            expected_rows,
            "trial {trial} (kill after {delay:?}, {state}): rows changed"
        );
        if db.url.starts_with("sqlite:") {
            let ok = rt.block_on(async {
                use sqlx::Connection as _;
                let mut c = sqlx::SqliteConnection::connect(&db.url)
                    .await
                    .expect("open");
                sqlx::query_scalar::<_, String>("PRAGMA integrity_check")
                    .fetch_one(&mut c)
                    .await
                    .expect("integrity_check")
            });
            assert_eq!(ok, "ok", "trial {trial}");
        }
        match (was_running, state) {
            (false, _) => outcomes.finished_before_kill += 1,
            (true, "before") => outcomes.before += 1,
            _ => outcomes.after += 1,
        }
        eprintln!(
            "{} apply trial {trial}: killed after {delay:?} (a full run takes {full:?}): {}",
            d.name(),
            if was_running {
                state
            } else {
                "had already finished"
            }
        );
        // The next run completes and converges.
        run(p.path(), &args);
        rt.block_on(async {
            let mut c = db.connect().await;
            let again = support::plan_against(&mut c, to).await;
            assert!(again.is_empty(), "trial {trial}: {}", again.sql());
        });
        assert_eq!(rt.block_on(rows(&db.url)), expected_rows, "trial {trial}");
        at_v2 = !at_v2;
    }
    eprintln!("{} apply kill -9: {TRIALS} trials, {outcomes:?}", d.name());
    assert!(
        outcomes.before + outcomes.after > 0,
        "no kill landed while apply ran: {outcomes:?}"
    );
}

#[test]
fn issue8_kill9_during_apply_on_sqlite_leaves_before_or_after() {
    kill_apply(&support::sqlite_db());
}

#[test]
fn issue8_kill9_during_apply_on_postgres_leaves_before_or_after() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    kill_apply(&db);
}

// ---------------------------------------------------------------------------------------
// migrate up

const MIGRATIONS: usize = 4;

/// Migration k (1-based): the first creates and fills `big`; each later one creates `mK`
/// and adds one to every `n`, so after k migrations every `n` is k - 1.
fn migrations(dir: &Path, url: &str) {
    let mig = dir.join("migrations");
    std::fs::create_dir_all(&mig).expect("migrations dir");
    let fill = if url.starts_with("sqlite:") {
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {MIGRATION_ROWS})
INSERT INTO big (id, n, payload) SELECT x, 0, printf('%040d', x) FROM c;"
        )
    } else {
        format!(
            "INSERT INTO big (id, n, payload) SELECT x, 0, lpad(x::text, 40, '0') FROM generate_series(1, {MIGRATION_ROWS}) AS x;"
        )
    };
    for k in 1..=MIGRATIONS {
        let (up, down) = if k == 1 {
            (
                format!("CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, payload TEXT);\n{fill}\n"),
                "DROP TABLE big;\n".to_string(),
            )
        } else {
            let mut up =
                format!("CREATE TABLE m{k} (id INTEGER PRIMARY KEY);\nUPDATE big SET n = n + 1;\n");
            let mut down = format!("UPDATE big SET n = n - 1;\nDROP TABLE m{k};\n");
            if k == 2 {
                up.push_str("CREATE INDEX big_n ON big (n, payload);\n");
                down.insert_str(0, "DROP INDEX big_n;\n");
            }
            if k == MIGRATIONS {
                up.push_str("DROP INDEX big_n;\n");
                down.insert_str(0, "CREATE INDEX big_n ON big (n, payload);\n");
            }
            (up, down)
        };
        let version = 20240101000000i64 + k as i64;
        std::fs::write(mig.join(format!("{version}_step{k}.up.sql")), up).expect("up");
        std::fs::write(mig.join(format!("{version}_step{k}.down.sql")), down).expect("down");
    }
    let (code, out, err) = support::bin(dir, &["migrate", "hash"]);
    assert_eq!(code, 0, "{out}{err}");
}

/// How many migrations the database holds, checked against what it records: the
/// recorded versions are the first k, exactly the objects of those k exist, and every row
/// is there with k - 1 added to it.
async fn applied_prefix(url: &str) -> usize {
    let recorded = if table_exists(url, "schema_migrations").await {
        scalar(url, "SELECT count(*) FROM schema_migrations").await as usize
    } else {
        0
    };
    if recorded > 0 {
        assert_eq!(
            scalar(
                url,
                "SELECT CAST(max(version) AS BIGINT) FROM schema_migrations"
            )
            .await,
            20240101000000 + recorded as i64,
            "the recorded versions are a prefix"
        );
    }
    assert_eq!(
        table_exists(url, "big").await,
        recorded >= 1,
        "big ({recorded} recorded)"
    );
    for k in 2..=MIGRATIONS {
        assert_eq!(
            table_exists(url, &format!("m{k}")).await,
            recorded >= k,
            "m{k} ({recorded} recorded)"
        );
    }
    if recorded >= 1 {
        assert_eq!(
            scalar(url, "SELECT count(*) FROM big").await,
            MIGRATION_ROWS,
            "no row lost"
        );
        assert_eq!(
            scalar(
                url,
                &format!("SELECT count(*) FROM big WHERE n <> {}", recorded - 1)
            )
            .await,
            0,
            "every update of the recorded migrations, and no other, is in the rows"
        );
    }
    let index = if url.starts_with("sqlite:") {
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'big_n'"
    } else {
        "SELECT count(*) FROM pg_indexes WHERE indexname = 'big_n'"
    };
    assert_eq!(
        scalar(url, index).await == 1,
        (2..MIGRATIONS).contains(&recorded),
        "big_n ({recorded} recorded)"
    );
    recorded
}

fn kill_migrate(dialect: &str, make: impl Fn() -> Option<TestDb>) {
    let rt = support::rt();
    let Some(first) = make() else {
        return;
    };
    let p = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        format!("dialects: [{dialect}]\nmigrate_lock_timeout: 30s\n"),
    )
    .expect("config");
    migrations(p.path(), &first.url);
    let full = {
        let args = ["migrate", "up", "--yes", "--url", &first.url];
        let took = run(p.path(), &args);
        assert_eq!(rt.block_on(applied_prefix(&first.url)), MIGRATIONS);
        took
    };
    drop(first);
    let mut rng = Rng::new();
    let mut outcomes = Outcomes::default();
    let mut partial = 0;
    for trial in 0..TRIALS {
        let db = make().expect("database");
        let args = ["migrate", "up", "--yes", "--url", &db.url];
        let delay = Duration::from_millis(rng.below(full.as_millis() as u64 + 1));
        let was_running = run_and_kill(p.path(), &args, delay);
        let k = rt.block_on(async {
            settle(&db.url).await;
            applied_prefix(&db.url).await
        });
        match (was_running, k) {
            (false, _) => outcomes.finished_before_kill += 1,
            (true, 0) => outcomes.before += 1,
            (true, k) if k == MIGRATIONS => outcomes.after += 1,
            _ => partial += 1,
        }
        eprintln!(
            "{dialect} migrate up trial {trial}: killed after {delay:?} (a full run takes {full:?}): {}",
            if was_running {
                format!("{k} of {MIGRATIONS} migrations applied")
            } else {
                "had already finished".to_string()
            }
        );
        run(p.path(), &args);
        assert_eq!(
            rt.block_on(applied_prefix(&db.url)),
            MIGRATIONS,
            "trial {trial}: the next run completes"
        );
    }
    eprintln!(
        "{dialect} migrate up kill -9: {TRIALS} trials, {outcomes:?}, stopped between migrations: {partial}"
    );
    assert!(
        outcomes.before + outcomes.after + partial > 0,
        "no kill landed while migrate up ran"
    );
    if dialect == "sqlite" {
        // One transaction for the whole run: nothing in between.
        assert_eq!(partial, 0);
    }
}

#[test]
fn issue8_kill9_during_migrate_up_on_sqlite_leaves_whole_migrations() {
    kill_migrate("sqlite", || Some(support::sqlite_db()));
}

#[test]
fn issue8_kill9_during_migrate_up_on_postgres_leaves_whole_migrations() {
    let rt = support::rt();
    kill_migrate("postgres", || rt.block_on(support::pg_db()));
}
