//! Issue 8 on MySQL/MariaDB: literals that cannot inject, values sqlshift can read back,
//! catalog reads that neither scan other databases nor wait forever, a lost connection
//! reported as such, and `migrate up` that survives kill -9 and concurrent runners.

use crate::literals::{exec, one};
use crate::support::{self, bin_env, TestDb};
use sqlshift::dialect::Connection;
use std::path::Path;
use std::time::{Duration, Instant};

fn db() -> Option<TestDb> {
    support::rt().block_on(support::mysql_db())
}

#[test]
fn a_backslash_literal_cannot_drop_another_table() {
    let Some(db) = db() else { return };
    support::rt().block_on(async {
        let mut c = db.connect().await;
        c.run_script("CREATE TABLE victim (id INTEGER PRIMARY KEY); INSERT INTO victim VALUES (1)")
            .await
            .unwrap();
        // In the schema language a backslash is a character: `'x\'` ends the string. (Read as
        // a MySQL file it escapes the quote, and the file drops `victim`, as the `mariadb`
        // client would; the values here are what sqlshift must never let out.)
        let file = "CREATE TABLE victim (id INTEGER PRIMARY KEY);\nCREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'x\\', b TEXT DEFAULT ' ); DROP TABLE victim; -- ');";
        let want = support::desired_portable(file, c.dialect());
        let plan = support::plan_against(&mut c, &want).await;
        let _ = c.execute(&plan, &Default::default()).await;
        assert_eq!(c.count_rows("victim").await.unwrap(), 1, "{}", plan.sql());
        exec(&mut c, "INSERT INTO t (id) VALUES (1)", &[]).await.unwrap();
        assert_eq!(one(&mut c, "SELECT a FROM t", &[]).await.unwrap().as_deref(), Some("x\\"));
        assert_eq!(
            one(&mut c, "SELECT b FROM t", &[]).await.unwrap().as_deref(),
            Some(" ); DROP TABLE victim; -- ")
        );
        assert!(support::plan_against(&mut c, &want).await.steps.is_empty());
    });
}

#[test]
fn a_double_quoted_name_in_a_check_is_a_column_on_mysql() {
    let Some(db) = db() else { return };
    support::rt().block_on(async {
        let mut c = db.connect().await;
        let file =
            "CREATE TABLE t (id INTEGER PRIMARY KEY, \"order\" INTEGER, CHECK (\"order\" > 0));";
        let want = support::desired(file, c.dialect());
        support::apply(&mut c, &want).await;
        exec(&mut c, "INSERT INTO t (id, `order`) VALUES (1, 5)", &[])
            .await
            .unwrap();
        assert!(
            exec(&mut c, "INSERT INTO t (id, `order`) VALUES (2, -5)", &[])
                .await
                .is_err()
        );
        assert!(support::plan_against(&mut c, &want).await.steps.is_empty());
    });
}

#[test]
fn a_default_with_a_quote_reads_back_on_mariadb() {
    let Some(db) = db() else { return };
    support::rt().block_on(async {
        let mut c = db.connect().await;
        let file = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT DEFAULT 'it''s', b VARCHAR(20) DEFAULT 'a\\b\tc' CHECK (b <> 'x''y'));";
        let want = support::desired(file, c.dialect());
        support::apply(&mut c, &want).await;
        let live = c.introspect().await.expect("a value sqlshift wrote, sqlshift reads");
        assert!(support::same(&live, &want), "{}", support::describe_diff(&live, &want));
    });
}

/// Runs `f` on another connection to the same server while the test goes on.
fn background(url: &str, sql: &'static str) -> std::thread::JoinHandle<()> {
    let url = url.to_string();
    std::thread::spawn(move || {
        support::rt().block_on(async move {
            let mut c = sqlshift::dialect::connect(&url).await.unwrap();
            let _ = c.run_script(sql).await;
        })
    })
}

#[test]
fn a_lock_in_another_database_does_not_block_introspection() {
    let (Some(db), Some(other)) = (db(), db()) else {
        return;
    };
    let busy = background(&other.url, "CREATE TABLE slow AS SELECT SLEEP(4) AS s");
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    support::rt().block_on(async {
        let mut c = db.connect().await;
        c.introspect().await.unwrap();
    });
    let took = started.elapsed();
    busy.join().unwrap();
    assert!(
        took < Duration::from_secs(2),
        "introspection waited {took:?}"
    );
}

#[test]
fn a_blocked_catalog_read_times_out_with_a_clear_error() {
    let Some(db) = db() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sqlshift.yaml"), "catalog_timeout: 1s\n").unwrap();
    let busy = background(&db.url, "CREATE TABLE slow AS SELECT SLEEP(8) AS s");
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let (code, out, err) = bin_env(dir.path(), &["inspect", "--url", &db.url], &[]);
    let took = started.elapsed();
    busy.join().unwrap();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("did not finish within 1s"), "{err}");
    assert!(err.contains("reading the "), "{err}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[test]
fn a_killed_connection_is_exit_2_connection_lost() {
    let Some(db) = db() else { return };
    let dir = tempfile::tempdir().unwrap();
    support::rt().block_on(async {
        let mut c = db.connect().await;
        c.run_script("CREATE TABLE a (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
    });
    std::fs::write(
        dir.path().join("s.sql"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY, b INTEGER);\n",
    )
    .unwrap();
    // Another session reads `a` in an open transaction, so apply's ALTER waits for the
    // metadata lock; meanwhile its connection is killed from a third session.
    let blocker = background(
        &db.url,
        "BEGIN; SELECT COUNT(*) FROM a; DO SLEEP(6); COMMIT",
    );
    let url = db.url.clone();
    let killer = std::thread::spawn(move || {
        support::rt().block_on(async move {
            let mut c = sqlshift::dialect::connect(&url).await.unwrap();
            let db_name = url.rsplit('/').next().unwrap().to_string();
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let id = one(
                    &mut c,
                    "SELECT CAST(MAX(ID) AS CHAR) FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID() AND INFO LIKE 'ALTER TABLE%'",
                    &[&db_name],
                )
                .await
                .unwrap();
                if let Some(id) = id {
                    c.run_script(&format!("KILL {id}")).await.unwrap();
                    return true;
                }
            }
            false
        })
    });
    let (code, out, err) = bin_env(
        dir.path(),
        &["apply", "--url", &db.url, "--schema", "s.sql", "--yes"],
        &[],
    );
    assert!(killer.join().unwrap(), "the ALTER was never seen waiting");
    blocker.join().unwrap();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("connection lost"), "{err}");
}

// ---- migrate up under kill -9 and concurrency ----

const MIGRATIONS: usize = 4;

/// A project with `MIGRATIONS` migrations of several statements each: DDL on the table a
/// concurrent client writes to, a data statement (a marker row per migration, so a
/// re-run shows as a duplicate) and short sleeps so a kill lands inside a migration.
fn migrations_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir(&mig).unwrap();
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        "dialects: [mysql]\nmigrate_lock_timeout: 2min\n",
    )
    .unwrap();
    for i in 0..MIGRATIONS {
        let up = format!(
            "CREATE TABLE t{i} (id INT PRIMARY KEY);\nDO SLEEP(0.05);\nALTER TABLE app ADD COLUMN c{i} INT NULL;\nINSERT INTO marks (m) VALUES ('m{i}');\nDO SLEEP(0.05);\nALTER TABLE t{i} ADD COLUMN v INT NULL;\nCREATE INDEX app_c{i} ON app (c{i});\n"
        );
        let down = format!("DROP INDEX app_c{i} ON app;\nDELETE FROM marks WHERE m = 'm{i}';\nALTER TABLE app DROP COLUMN c{i};\nDROP TABLE t{i};\n");
        std::fs::write(mig.join(format!("2024010100000{i}_m{i}.up.sql")), up).unwrap();
        std::fs::write(mig.join(format!("2024010100000{i}_m{i}.down.sql")), down).unwrap();
    }
    let (code, out, err) = bin_env(dir.path(), &["migrate", "hash"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    dir
}

fn spawn_up(dir: &Path, url: &str) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("sqlshift"))
        .current_dir(dir)
        .args(["migrate", "up", "--yes", "--url", url])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

async fn seed(c: &mut Connection) {
    c.run_script("CREATE TABLE app (id INT AUTO_INCREMENT PRIMARY KEY, v INT); CREATE TABLE marks (m VARCHAR(10))")
        .await
        .unwrap();
}

/// Every migration applied once: recorded in full, its marker row once, its objects there.
async fn applied_once(c: &mut Connection) -> Result<(), String> {
    let rows = sqlshift::migrate::migrator::applied(c, "schema_migrations")
        .await
        .map_err(|e| e.to_string())?;
    if rows.len() != MIGRATIONS {
        return Err(format!("{} tracking rows", rows.len()));
    }
    let progress = one(
        c,
        "SELECT CAST(COUNT(*) AS CHAR) FROM schema_migrations WHERE progress IS NOT NULL",
        &[],
    )
    .await?;
    if progress.as_deref() != Some("0") {
        return Err(format!("{progress:?} rows still in progress"));
    }
    for i in 0..MIGRATIONS {
        let n = one(
            c,
            "SELECT CAST(COUNT(*) AS CHAR) FROM marks WHERE m = ?",
            &[&format!("m{i}")],
        )
        .await?;
        if n.as_deref() != Some("1") {
            return Err(format!("marker m{i} present {n:?} times"));
        }
        c.count_rows(&format!("t{i}"))
            .await
            .map_err(|e| e.to_string())?;
        one(
            c,
            &format!("SELECT CAST(COUNT(c{i}) AS CHAR) FROM app"),
            &[],
        )
        .await?;
    }
    Ok(())
}

/// A client inserting rows one by one until told to stop; returns how many succeeded.
fn writer(
    url: &str,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<i64> {
    let url = url.to_string();
    std::thread::spawn(move || {
        support::rt().block_on(async move {
            let mut c = sqlshift::dialect::connect(&url).await.unwrap();
            let mut ok = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if exec(&mut c, "INSERT INTO app (v) VALUES (1)", &[])
                    .await
                    .is_ok()
                {
                    ok += 1;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            ok
        })
    })
}

#[test]
fn migrate_up_killed_at_random_points_resumes_and_loses_no_row() {
    let trials: u64 = std::env::var("SQLSHIFT_KILL_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let dir = migrations_project();
    let mut seed_rng = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(7);
    let mut outcomes = Vec::new();
    for trial in 0..trials {
        let Some(db) = db() else { return };
        let rt = support::rt();
        rt.block_on(async {
            let mut c = db.connect().await;
            seed(&mut c).await;
        });
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let w = writer(&db.url, stop.clone());
        seed_rng = seed_rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(100 + (seed_rng >> 33) % 1200);
        let mut child = spawn_up(dir.path(), &db.url);
        std::thread::sleep(delay);
        let killed = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let _ = child.wait();
        let (partial_rows, progress) = rt.block_on(async {
            let mut c = db.connect().await;
            let n = one(&mut c, "SELECT CAST(COUNT(*) AS CHAR) FROM schema_migrations WHERE progress IS NULL", &[]).await.ok().flatten();
            let p = one(&mut c, "SELECT CAST(MAX(statements_done) AS CHAR) FROM schema_migrations WHERE progress IS NOT NULL", &[]).await.ok().flatten();
            (n, p)
        });
        let resumed = spawn_up(dir.path(), &db.url).wait_with_output().unwrap();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let written = w.join().unwrap();
        assert_eq!(
            resumed.status.code(),
            Some(0),
            "trial {trial} (killed after {delay:?}): {}{}",
            String::from_utf8_lossy(&resumed.stdout),
            String::from_utf8_lossy(&resumed.stderr)
        );
        rt.block_on(async {
            let mut c = db.connect().await;
            if let Err(e) = applied_once(&mut c).await {
                panic!("trial {trial} (killed after {delay:?}): {e}");
            }
            assert_eq!(
                c.count_rows("app").await.unwrap(),
                written,
                "trial {trial}: rows lost"
            );
        });
        outcomes.push(format!(
            "trial {trial}: kill after {delay:?} ({}), migrations complete before resume: {}, statements of the interrupted one recorded: {}, client rows kept: {written}",
            if killed { "mid-run" } else { "already finished" },
            partial_rows.unwrap_or_else(|| "none (table not created yet)".into()),
            progress.unwrap_or_else(|| "-".into())
        ));
    }
    eprintln!("{}", outcomes.join("\n"));
}

#[test]
fn eight_concurrent_migrate_up_runners_apply_each_migration_once() {
    let Some(db) = db() else { return };
    let dir = migrations_project();
    let rt = support::rt();
    rt.block_on(async {
        let mut c = db.connect().await;
        seed(&mut c).await;
    });
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let w = writer(&db.url, stop.clone());
    let children: Vec<_> = (0..8).map(|_| spawn_up(dir.path(), &db.url)).collect();
    let mut applied = 0;
    for ch in children {
        let o = ch.wait_with_output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout).to_string();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        applied += out.lines().filter(|l| l.starts_with("applied ")).count();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = w.join().unwrap();
    assert_eq!(
        applied, MIGRATIONS,
        "every migration applied by exactly one runner"
    );
    rt.block_on(async {
        let mut c = db.connect().await;
        applied_once(&mut c).await.unwrap();
        assert_eq!(c.count_rows("app").await.unwrap(), written);
    });
}

fn run_bin(dir: &Path, args: &[&str]) -> (i32, String, String) {
    bin_env(dir, args, &[])
}

#[test]
fn a_failed_migration_statement_is_recorded_and_the_fixed_file_continues() {
    let Some(db) = db() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir(&mig).unwrap();
    std::fs::write(dir.path().join("sqlshift.yaml"), "dialects: [mysql]\n").unwrap();
    let up = mig.join("20240101000000_two.up.sql");
    std::fs::write(&up, "CREATE TABLE a (id INT PRIMARY KEY);\nALTER TABLE a ADD COLUMN b INT NOT NULL DEFAULT 'not a number';\nCREATE TABLE c (id INT PRIMARY KEY);\n").unwrap();
    std::fs::write(
        mig.join("20240101000000_two.down.sql"),
        "DROP TABLE c;\nDROP TABLE a;\n",
    )
    .unwrap();
    assert_eq!(run_bin(dir.path(), &["migrate", "hash"]).0, 0);
    let (code, out, err) = run_bin(dir.path(), &["migrate", "up", "--yes", "--url", &db.url]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("statements 1-1 ran"), "{err}");
    assert!(err.contains("ran 1: CREATE TABLE a"), "{err}");
    assert!(err.contains("continues with statement 2"), "{err}");
    // The user fixes the failing statement and keeps the one that ran.
    std::fs::write(&up, "CREATE TABLE a (id INT PRIMARY KEY);\nALTER TABLE a ADD COLUMN b INT NOT NULL DEFAULT 0;\nCREATE TABLE c (id INT PRIMARY KEY);\n").unwrap();
    assert_eq!(run_bin(dir.path(), &["migrate", "hash"]).0, 0);
    let (code, out, err) = run_bin(dir.path(), &["migrate", "up", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    support::rt().block_on(async {
        let mut c = db.connect().await;
        c.count_rows("c").await.unwrap();
        let rows = sqlshift::migrate::migrator::applied(&mut c, "schema_migrations")
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
    });
    // Changing a statement that already ran is refused with the account, not re-run.
    let (code, out, err) = run_bin(dir.path(), &["migrate", "down", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_tracking_table_from_before_progress_keeps_working() {
    let Some(db) = db() else { return };
    let dir = migrations_project();
    support::rt().block_on(async {
        let mut c = db.connect().await;
        seed(&mut c).await;
        // The tracking table as sqlshift made it before per-statement progress.
        c.run_script("CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, execution_time_ms BIGINT NOT NULL, down_sql LONGTEXT NULL, applied_by VARCHAR(255) NOT NULL)")
            .await
            .unwrap();
    });
    for read in ["status", "history"] {
        let (code, out, err) = run_bin(dir.path(), &["migrate", read, "--url", &db.url]);
        assert!(code == 0 || code == 1, "{read}: {out}{err}");
        assert!(
            !err.contains("progress"),
            "{read} reads an old table as it is: {err}"
        );
    }
    let (code, out, err) = run_bin(dir.path(), &["migrate", "up", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    support::rt().block_on(async {
        let mut c = db.connect().await;
        applied_once(&mut c).await.unwrap();
    });
}

#[test]
fn migrate_down_killed_at_random_points_resumes() {
    let trials: u64 = std::env::var("SQLSHIFT_KILL_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4);
    let dir = migrations_project();
    let mut rng = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(11);
    let mut outcomes = Vec::new();
    for trial in 0..trials {
        let Some(db) = db() else { return };
        let rt = support::rt();
        rt.block_on(async {
            let mut c = db.connect().await;
            seed(&mut c).await;
        });
        let (code, out, err) = run_bin(dir.path(), &["migrate", "up", "--yes", "--url", &db.url]);
        assert_eq!(code, 0, "{out}{err}");
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay = Duration::from_millis(50 + (rng >> 33) % 600);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sqlshift"))
            .current_dir(dir.path())
            .args(["migrate", "down", "--to", "0", "--yes", "--url", &db.url])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let killed = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let _ = child.wait();
        let (code, out, err) = run_bin(
            dir.path(),
            &["migrate", "down", "--to", "0", "--yes", "--url", &db.url],
        );
        assert_eq!(
            code, 0,
            "trial {trial} (killed after {delay:?}): {out}{err}"
        );
        rt.block_on(async {
            let mut c = db.connect().await;
            let rows = one(
                &mut c,
                "SELECT CAST(COUNT(*) AS CHAR) FROM schema_migrations",
                &[],
            )
            .await
            .unwrap();
            assert_eq!(rows.as_deref(), Some("0"), "trial {trial}");
            assert_eq!(c.count_rows("marks").await.unwrap(), 0, "trial {trial}");
            for i in 0..MIGRATIONS {
                assert!(
                    c.count_rows(&format!("t{i}")).await.is_err(),
                    "trial {trial}: t{i} left"
                );
            }
        });
        outcomes.push(format!(
            "down trial {trial}: kill after {delay:?} ({})",
            if killed {
                "mid-run"
            } else {
                "already finished"
            }
        ));
    }
    eprintln!("{}", outcomes.join("\n"));
}

/// The server finishes a DDL statement whose client was killed; the next run must see that
/// it took effect (the definitions fingerprint changed) and go on after it.
#[test]
fn a_kill_during_a_ddl_statement_resumes_after_it() {
    let Some(db) = db() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("migrations");
    std::fs::create_dir(&mig).unwrap();
    std::fs::write(dir.path().join("sqlshift.yaml"), "dialects: [mysql]\n").unwrap();
    std::fs::write(
        mig.join("20240101000000_slow.up.sql"),
        "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE slow AS SELECT SLEEP(2) AS s;\nCREATE TABLE b (id INT PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(
        mig.join("20240101000000_slow.down.sql"),
        "DROP TABLE b;\nDROP TABLE slow;\nDROP TABLE a;\n",
    )
    .unwrap();
    assert_eq!(run_bin(dir.path(), &["migrate", "hash"]).0, 0);
    let mut child = spawn_up(dir.path(), &db.url);
    std::thread::sleep(Duration::from_millis(1200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before the kill"
    );
    child.kill().unwrap();
    let _ = child.wait();
    let (code, out, err) = run_bin(dir.path(), &["migrate", "up", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    support::rt().block_on(async {
        let mut c = db.connect().await;
        assert_eq!(
            c.count_rows("slow").await.unwrap(),
            1,
            "the slow statement ran once"
        );
        c.count_rows("b").await.unwrap();
        let rows = sqlshift::migrate::migrator::applied(&mut c, "schema_migrations")
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
    });
}
