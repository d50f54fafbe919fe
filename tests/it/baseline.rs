//! `migrate baseline` (issue 14, item 5) on SQLite, PostgreSQL and MariaDB: a database
//! built outside the migrations is recorded at a version only when it matches what the
//! migrations up to that version produce; nothing runs, and `migrate up` goes on from there.

use crate::support::{self, bin, migrations_project, version, TestDb};
use serde_json::Value;

const USERS: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n";

fn adopts(db: &TestDb) {
    let p = migrations_project(
        &db.url,
        &[
            ("users", USERS, "DROP TABLE users;\n"),
            (
                "orders",
                "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);\n",
                "DROP TABLE orders;\n",
            ),
        ],
    );
    let v1 = version(1).to_string();
    let rt = support::rt();
    let mut c = rt.block_on(db.connect());

    // The database lacks what migration 1 creates: refused, nothing recorded.
    let (code, _, err) = bin(p.path(), &["migrate", "baseline", &v1, "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not match"), "{err}");
    assert!(err.contains("removed table"), "{err}");
    assert!(err.contains("Nothing was recorded"), "{err}");
    let (code, _, err) = bin(p.path(), &["migrate", "baseline", "42", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no migration"), "{err}");

    // Built by hand (as an adopted database is), with a row in it.
    rt.block_on(c.run_script(USERS)).unwrap();
    rt.block_on(c.run_script("INSERT INTO users (id, name) VALUES (1, 'ann')"))
        .unwrap();
    let (code, out, err) = bin(p.path(), &["migrate", "baseline", &v1, "--dry-run"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Dry run: nothing was recorded."), "{out}");
    let (code, out, err) = bin(p.path(), &["migrate", "baseline", &v1, "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("{v1}_users")), "{out}");
    let (_, out, _) = bin(p.path(), &["migrate", "status", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["applied"], 1, "{v:#}");
    assert_eq!(v["summary"]["pending"], 1);
    // Nothing ran: the row is still there; then `up` goes on with the next one.
    assert_eq!(rt.block_on(c.count_rows("users")).unwrap(), 1);
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("_orders"), "{out}");
    // Once newer migrations are applied, an older baseline is refused.
    let (code, _, err) = bin(p.path(), &["migrate", "baseline", &v1, "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("newer migrations are already applied"),
        "{err}"
    );
    // The baseline is in the audit trail.
    let (_, out, _) = bin(
        p.path(),
        &["migrate", "history", "--audit", "--format", "json"],
    );
    let t: Value = serde_json::from_str(&out).unwrap();
    let ops: Vec<&str> = t["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["baseline", "migrate"], "{t:#}");
    assert_eq!(t["entries"][0]["request"], format!("baseline {v1}"));
}

#[test]
fn sqlite_baseline() {
    adopts(&support::sqlite_db());
}

#[test]
fn postgres_baseline() {
    let rt = support::rt();
    if let Some(db) = rt.block_on(support::pg_db()) {
        adopts(&db);
    }
}

#[test]
fn mysql_baseline() {
    let rt = support::rt();
    if let Some(db) = rt.block_on(support::mysql_db()) {
        adopts(&db);
    }
}
