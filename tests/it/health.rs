//! `sqlshift health` and `sqlshift info` (issue 14, item 2) on live SQLite, PostgreSQL and
//! MariaDB: each verdict with its exit code, the migration lock and who holds it, a
//! migration left part-way, and secrets never shown.

use crate::support::{self, bin, bin_env, migrations_project, TestDb};
use serde_json::Value;
use std::time::Duration;

const MIGRATIONS: &[(&str, &str, &str)] = &[
    (
        "users",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n",
        "DROP TABLE users;\n",
    ),
    (
        "orders",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);\n",
        "DROP TABLE orders;\n",
    ),
];

fn health_json(dir: &std::path::Path) -> (i32, Value) {
    let (code, out, err) = bin(dir, &["health", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v["health"].clone())
}

fn verdicts(db: &TestDb) {
    let p = migrations_project(&db.url, MIGRATIONS);
    let (code, h) = health_json(p.path());
    assert_eq!(code, 1, "{h:#}");
    assert_eq!(h["status"], "degraded");
    assert_eq!(h["reachable"], true);
    assert_eq!(h["tracking_table_exists"], false);
    assert_eq!(h["migrations"]["pending"], 2, "{h:#}");
    assert!(h["server_version"].as_str().unwrap().len() > 3, "{h:#}");
    assert!(h["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(h["lock"]["held"], false);

    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, h) = health_json(p.path());
    assert_eq!(code, 0, "{h:#}");
    assert_eq!(h["status"], "healthy");
    assert_eq!(h["migrations"]["applied"], 2);
    assert_eq!(h["problems"].as_array().unwrap().len(), 0);
    let (code, out, _) = bin(p.path(), &["health"]);
    assert_eq!(code, 0);
    assert!(out.contains(": healthy\n"), "{out}");
    assert!(out.contains("2 applied, 0 pending"), "{out}");

    // An applied migration edited afterwards (and re-hashed, so the folder is consistent):
    // the tracking table's checksum no longer matches the file.
    let up = p
        .path()
        .join(format!("migrations/{}_orders.up.sql", support::version(2)));
    std::fs::write(&up, "CREATE TABLE orders (id INTEGER PRIMARY KEY);\n").unwrap();
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, h) = health_json(p.path());
    assert_eq!(code, 1, "{h:#}");
    assert_eq!(h["migrations"]["changed"], 1);
    assert!(
        h["problems"][0]
            .as_str()
            .unwrap()
            .contains("was edited after it was applied"),
        "{h:#}"
    );

    // The folder no longer matches its sum: degraded, and the database is still read.
    std::fs::write(&up, "CREATE TABLE orders (id BIGINT PRIMARY KEY);\n").unwrap();
    let (code, h) = health_json(p.path());
    assert_eq!(code, 1, "{h:#}");
    assert_eq!(h["reachable"], true);
    assert!(
        h["problems"][0]
            .as_str()
            .unwrap()
            .starts_with("migrations folder:"),
        "{h:#}"
    );
}

/// While a session holds the migration lock, health says so (and who, where the server
/// tells); afterwards the lock is free again.
fn lock_holder(db: &TestDb) {
    let p = migrations_project(&db.url, MIGRATIONS);
    let rt = support::rt();
    let mut holder = rt.block_on(db.connect());
    let session = match db.dialect().name() {
        "postgres" => Some(
            rt.block_on(holder.scalar_i64("SELECT pg_backend_pid()::int8"))
                .unwrap(),
        ),
        "mysql" => Some(
            rt.block_on(holder.scalar_i64("SELECT CAST(CONNECTION_ID() AS SIGNED)"))
                .unwrap(),
        ),
        _ => None,
    };
    assert!(rt
        .block_on(holder.migration_lock("schema_migrations", Duration::from_secs(5)))
        .unwrap());
    let (code, h) = health_json(p.path());
    assert_eq!(h["lock"]["held"], true, "{h:#}");
    assert_eq!(h["lock"]["holder"]["session"].as_i64(), session, "{h:#}");
    if session.is_some() {
        assert!(h["lock"]["holder"]["user"].is_string(), "{h:#}");
    }
    assert_eq!(code, 1, "pending migrations: {h:#}");
    let (_, out, _) = bin(p.path(), &["health"]);
    assert!(out.contains("migration lock:  held"), "{out}");
    rt.block_on(holder.migration_unlock("schema_migrations"))
        .unwrap();
    let (_, h) = health_json(p.path());
    assert_eq!(h["lock"]["held"], false, "{h:#}");
}

#[test]
fn sqlite_health_verdicts_and_lock() {
    let db = support::sqlite_db();
    verdicts(&db);
    lock_holder(&support::sqlite_db());
}

#[test]
fn postgres_health_verdicts_and_lock() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    verdicts(&db);
    let db2 = rt.block_on(support::pg_db()).unwrap();
    lock_holder(&db2);
}

#[test]
fn mysql_health_verdicts_lock_and_a_migration_left_part_way() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::mysql_db()) else {
        return;
    };
    verdicts(&db);
    let db2 = rt.block_on(support::mysql_db()).unwrap();
    lock_holder(&db2);

    // A migration whose second statement fails leaves the first applied and recorded as
    // part-way: health names it and says how to finish it.
    let db3 = rt.block_on(support::mysql_db()).unwrap();
    let p = migrations_project(
        &db3.url,
        &[(
            "two_steps",
            "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE a (id INT PRIMARY KEY);\n",
            "DROP TABLE a;\n",
        )],
    );
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 1, "{err}");
    let (code, h) = health_json(p.path());
    assert_eq!(code, 1, "{h:#}");
    assert_eq!(h["in_progress"][0]["statements_done"], 1, "{h:#}");
    assert_eq!(h["in_progress"][0]["direction"], "up");
    let problems = h["problems"].to_string();
    assert!(
        problems.contains("was interrupted while being applied"),
        "{problems}"
    );
    assert!(
        !problems.contains("is pending"),
        "not reported twice: {problems}"
    );
}

#[test]
fn unreachable_is_exit_2_and_never_shows_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bin(
        dir.path(),
        &["health", "--url", "postgres://app:hunter2@127.0.0.1:1/db"],
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains(": unreachable"), "{out}");
    assert!(out.contains("app:****@"), "{out}");
    assert!(!out.contains("hunter2") && !err.contains("hunter2"));
    // A bad configuration is an error too, not "degraded".
    std::fs::write(dir.path().join("sqlshift.yaml"), "nonsense_key: 1\n").unwrap();
    assert_eq!(bin(dir.path(), &["health"]).0, 2);
}

#[test]
fn info_shows_resolved_settings_with_secrets_redacted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        "default_env: prod\nenvironments:\n  prod:\n    url: ${PROD_URL}\n    lock_timeout: 2s\n  other:\n    url: ${UNSET_FOR_INFO_TEST}\ndialects: [postgres]\ndev_urls:\n  postgres: postgres://dev:devpass@127.0.0.1/postgres\n",
    )
    .unwrap();
    let env = [("PROD_URL", "postgres://app:s3cr3t@db.internal:5432/app")];
    let (code, out, err) = bin_env(dir.path(), &["info", "--format", "json"], &env);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("s3cr3t") && !out.contains("devpass"), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sqlshift"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        v["database"]["url"],
        "postgres://app:****@db.internal:5432/app"
    );
    assert_eq!(v["database"]["dialect"], "postgres");
    assert_eq!(v["database"]["capabilities"]["transactional_ddl"], true);
    assert_eq!(v["config"]["environment"], "prod");
    assert_eq!(v["execution"]["lock_timeout"], "2000ms");
    assert!(v["config"]["environments"]["other"]
        .as_str()
        .unwrap()
        .contains("UNSET_FOR_INFO_TEST is not set"));
    assert_eq!(v["paths"]["migrations"], "migrations");
    let (code, out, _) = bin_env(dir.path(), &["info"], &env);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(&format!("sqlshift {}\n", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(
        out.contains("url: postgres://app:****@db.internal:5432/app"),
        "{out}"
    );
    assert!(!out.contains("s3cr3t"));
}
