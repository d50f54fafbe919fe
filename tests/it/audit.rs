//! The audit trail (issue 14, item 7) on SQLite, PostgreSQL and MariaDB: every migrate,
//! rollback and apply from the command line, success or failure, is a row of the audit
//! table with who, from where, which sqlshift, what ran, how long and the outcome;
//! `migrate history --audit` shows it; plans never see the table.

use crate::support::{self, bin, migrations_project, version, TestDb};
use serde_json::Value;

fn trail(dir: &std::path::Path) -> Vec<Value> {
    let (code, out, err) = bin(dir, &["migrate", "history", "--audit", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["audit_table"], "schema_migrations_audit");
    v["entries"].as_array().unwrap().clone()
}

fn records_every_run(db: &TestDb) {
    let p = migrations_project(
        &db.url,
        &[
            (
                "users",
                "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
                "DROP TABLE users;\n",
            ),
            // Fails on its first statement, so no dialect keeps any of it.
            (
                "broken",
                "INSERT INTO no_such_table VALUES (1);\n",
                "SELECT 1;\n",
            ),
        ],
    );
    let (code, out, _) = bin(p.path(), &["migrate", "history", "--audit"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Nothing recorded"), "{out}");
    let first = version(1).to_string();
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--to", &first]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, _) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 1, "the broken migration fails");
    let (code, out, err) = bin(p.path(), &["migrate", "down", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");

    let t = trail(p.path());
    assert_eq!(t.len(), 3, "{t:#?}");
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    for e in &t {
        assert!(
            e["actor"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{user}@")),
            "{e}"
        );
        assert_eq!(e["origin"], "cli");
        assert_eq!(e["sqlshift_version"], env!("CARGO_PKG_VERSION"));
        assert!(e["at"].as_str().unwrap().ends_with('Z'), "{e}");
        assert!(e["duration_ms"].as_i64().unwrap() >= 0);
    }
    assert_eq!(t[0]["operation"], "migrate");
    assert_eq!(t[0]["request"], format!("up to {first}"));
    assert_eq!(t[0]["outcome"], "success");
    assert_eq!(t[0]["ran"], format!("{first}_users"));
    assert_eq!(t[1]["operation"], "migrate");
    assert_eq!(t[1]["outcome"], "failure");
    assert!(
        t[1]["error"].as_str().unwrap().contains("_broken failed"),
        "{}",
        t[1]
    );
    assert_eq!(t[2]["operation"], "rollback");
    assert_eq!(t[2]["request"], "down steps 1");
    assert_eq!(t[2]["ran"], format!("{first}_users"));

    // apply is recorded too, and the audit table never shows up in a plan.
    std::fs::create_dir(p.path().join("schema")).unwrap();
    std::fs::write(
        p.path().join("schema/s.sql"),
        "CREATE TABLE things (id INTEGER PRIMARY KEY);\n",
    )
    .unwrap();
    let (code, out, err) = bin(p.path(), &["apply", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = bin(p.path(), &["plan"]);
    assert_eq!((code, out.as_str()), (0, "No changes.\n"));
    let (_, out, _) = bin(p.path(), &["inspect"]);
    assert!(!out.contains("audit"), "{out}");
    let t = trail(p.path());
    assert_eq!(t.len(), 4);
    assert_eq!(t[3]["operation"], "apply");
    assert_eq!(t[3]["outcome"], "success");
    assert!(t[3]["ran"].as_str().unwrap().contains("things"), "{}", t[3]);
    let (_, out, _) = bin(p.path(), &["migrate", "history", "--audit"]);
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        out.lines().nth(1).unwrap().contains("migrate   failure"),
        "{out}"
    );
}

#[test]
fn sqlite_audit_trail() {
    records_every_run(&support::sqlite_db());
}

#[test]
fn postgres_audit_trail() {
    let rt = support::rt();
    if let Some(db) = rt.block_on(support::pg_db()) {
        records_every_run(&db);
    }
}

#[test]
fn mysql_audit_trail() {
    let rt = support::rt();
    if let Some(db) = rt.block_on(support::mysql_db()) {
        records_every_run(&db);
    }
}
