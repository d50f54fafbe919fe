//! `sqlshift drift` on live databases: each kind of drift detected with exit 1 and the
//! documented JSON, an unchanged database clean with exit 0, errors with exit 2, the
//! migrations comparison (a migration applied out of band, one applied but missing from
//! the repository), ignore rules, and snapshots of the text, JSON and GitHub reports.

use crate::support::{self, TestDb};
use serde_json::Value;
use std::path::{Path, PathBuf};

use crate::support::repo;

pub use crate::support::{bin, bin_env};

/// A project folder with a copy of the example schema.
pub fn example_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("schema");
    std::fs::create_dir(&dest).unwrap();
    for e in std::fs::read_dir(repo().join("schema")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dest.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn run_sql(url: &str, sql: &str) {
    support::rt().block_on(async {
        let mut c = sqlshift::dialect::connect(url).await.unwrap();
        c.run_script(sql)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    });
}

fn drift_json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut a = vec!["drift", "--format", "json"];
    a.extend_from_slice(args);
    let (code, out, err) = bin(dir, &a);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}\n{err}"));
    (code, v)
}

/// A change made to the database by hand, and what drift must say about it.
struct Case {
    what: &'static str,
    sql: String,
    table: String,
    status: &'static str,
    difference: &'static str,
    member: String,
}

fn cases(dialect: &str) -> Vec<Case> {
    let q = |t: &str| {
        if dialect == "postgres" {
            format!("public.{t}")
        } else {
            t.to_string()
        }
    };
    let drop_index = match dialect {
        "mysql" => "DROP INDEX audit_log_occurred_at_idx ON audit_log",
        _ => "DROP INDEX audit_log_occurred_at_idx",
    };
    // SQLite cannot ALTER a default: rebuild the table by hand, the way people do.
    let change_default = match dialect {
        "sqlite" => "PRAGMA foreign_keys = OFF;
            CREATE TABLE roles_new (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, description TEXT DEFAULT 'none', UNIQUE (name));
            INSERT INTO roles_new SELECT * FROM roles;
            DROP TABLE roles;
            ALTER TABLE roles_new RENAME TO roles;"
            .to_string(),
        _ => "ALTER TABLE roles ALTER COLUMN description SET DEFAULT 'none'".to_string(),
    };
    vec![
        Case {
            what: "an added column",
            sql: "ALTER TABLE users ADD COLUMN nickname TEXT".into(),
            table: q("users"),
            status: "changed",
            difference: "extra",
            member: format!("column {}.nickname", q("users")),
        },
        Case {
            what: "a dropped index",
            sql: drop_index.into(),
            table: q("audit_log"),
            status: "changed",
            difference: "missing",
            member: format!("index {}.audit_log_occurred_at_idx", q("audit_log")),
        },
        Case {
            what: "a changed default",
            sql: change_default,
            table: q("roles"),
            status: "changed",
            difference: "different",
            member: format!("column {}.description", q("roles")),
        },
        Case {
            what: "a table created by hand",
            sql: "CREATE TABLE hand_made (id INTEGER PRIMARY KEY)".into(),
            table: q("hand_made"),
            status: "added",
            difference: "extra",
            member: format!("table {}", q("hand_made")),
        },
    ]
}

/// Each case on one database: detected (exit 1, the right JSON), then repaired by the
/// report's own plan (`apply`), after which drift is clean again (exit 0, empty list).
fn each_case_is_detected(db: &TestDb) {
    let d = db.dialect().name();
    let p = example_project();
    let url = db.url.as_str();
    let (code, out, err) = bin(p.path(), &["apply", "--yes", "--url", url]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, v) = drift_json(p.path(), &["--url", url]);
    assert_eq!(code, 0, "{d}: unchanged database: {v:#}");
    assert_eq!(v["drifted"], false);
    assert_eq!(v["drift"], serde_json::json!([]));
    assert_eq!(v["repair"]["steps"], serde_json::json!([]));

    for case in cases(d) {
        run_sql(url, &case.sql);
        let (code, v) = drift_json(p.path(), &["--url", url]);
        assert_eq!(code, 1, "{d}: {}: {v:#}", case.what);
        assert_eq!(v["version"], 1);
        assert_eq!(v["drifted"], true);
        assert_eq!(v["dialect"], d);
        let drift = v["drift"].as_array().unwrap();
        assert_eq!(drift.len(), 1, "{d}: {}: {v:#}", case.what);
        let o = &drift[0];
        assert_eq!(o["kind"], "table", "{d}: {}", case.what);
        assert_eq!(o["name"], case.table.as_str(), "{d}: {}", case.what);
        assert_eq!(o["status"], case.status, "{d}: {}", case.what);
        let changes = o["changes"].as_array().unwrap();
        assert!(
            changes
                .iter()
                .any(|c| c["what"] == case.difference && c["object"] == case.member.as_str()),
            "{d}: {}: {o:#}",
            case.what
        );
        if case.difference == "different" {
            assert!(
                changes[0]["detail"].as_str().unwrap().contains("default"),
                "{o:#}"
            );
        }
        assert!(o["before"].is_string(), "{o:#}");
        assert_eq!(o["after"].is_string(), case.status == "changed", "{o:#}");
        assert_ne!(o["before"], o["after"]);
        assert!(!v["repair"]["steps"].as_array().unwrap().is_empty());

        let (code, out, err) = bin(
            p.path(),
            &["apply", "--yes", "--allow-destructive", "--url", url],
        );
        assert_eq!(code, 0, "{d}: repairing {}: {out}{err}", case.what);
        let (code, v) = drift_json(p.path(), &["--url", url]);
        assert_eq!(code, 0, "{d}: after repairing {}: {v:#}", case.what);
        assert_eq!(v["drift"], serde_json::json!([]));
    }
}

#[test]
fn sqlite_each_kind_of_drift_is_detected_and_repaired() {
    each_case_is_detected(&support::sqlite_db());
}

#[test]
fn postgres_each_kind_of_drift_is_detected_and_repaired() {
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    each_case_is_detected(&db);
}

#[test]
fn mysql_each_kind_of_drift_is_detected_and_repaired() {
    let Some(db) = support::rt().block_on(support::mysql_db()) else {
        return;
    };
    each_case_is_detected(&db);
}

#[test]
fn errors_exit_2_not_1() {
    let p = example_project();
    // Unreachable servers.
    for url in [
        "postgres://postgres@127.0.0.1:1/none",
        "mysql://root@127.0.0.1:1/none",
    ] {
        let (code, _, err) = bin(p.path(), &["drift", "--url", url]);
        assert_eq!(code, 2, "{url}: {err}");
        assert!(err.contains("cannot connect"), "{err}");
    }
    // Bad input: an unknown environment, a URL scheme, a schema file, a config.
    let (code, _, err) = bin(p.path(), &["drift", "--env", "nope"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = bin(p.path(), &["drift", "--url", "oracle://x"]);
    assert_eq!(code, 2, "{err}");
    std::fs::write(p.path().join("bad.sql"), "CREATE TABLE (;").unwrap();
    let (code, _, err) = bin(p.path(), &["drift", "--schema", "bad.sql"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.sql:1"), "{err}");
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        "drift:\n  ignore:\n    kinds: [tables]\n",
    )
    .unwrap();
    let (code, _, err) = bin(p.path(), &["drift"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown kind `tables`"), "{err}");
    std::fs::write(p.path().join("sqlshift.yaml"), "drift:\n  ignored: {}\n").unwrap();
    let (code, _, err) = bin(p.path(), &["drift"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown field `ignored`"), "{err}");
    // Other commands keep their convention: a bad config refuses with 1.
    let (code, _, _) = bin(p.path(), &["plan"]);
    assert_eq!(code, 1);
    // No sqlite file was created by any of this.
    assert!(!p.path().join("dev.db").exists());
}

#[test]
fn ignore_rules_leave_objects_out_of_the_comparison() {
    let p = example_project();
    assert_eq!(bin(p.path(), &["apply", "--yes"]).0, 0);
    run_sql(
        &format!("sqlite://{}", p.path().join("dev.db").display()),
        "CREATE TABLE tmp_import (id INTEGER PRIMARY KEY);
         DROP INDEX audit_log_occurred_at_idx;",
    );
    let (code, v) = drift_json(p.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["drift"].as_array().unwrap().len(), 2, "{v:#}");
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        "drift:\n  ignore:\n    names: [\"tmp_*\"]\n",
    )
    .unwrap();
    let (code, v) = drift_json(p.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["drift"][0]["name"], "audit_log", "{v:#}");
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        "drift:\n  ignore:\n    names: [\"tmp_*\"]\n    kinds: [index]\n",
    )
    .unwrap();
    let (code, v) = drift_json(p.path(), &[]);
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn postgres_ignored_schemas_are_not_compared() {
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    let p = example_project();
    assert_eq!(bin(p.path(), &["apply", "--yes", "--url", &db.url]).0, 0);
    run_sql(
        &db.url,
        "CREATE SCHEMA scratchpad; CREATE TABLE scratchpad.notes (id int PRIMARY KEY);",
    );
    let (code, v) = drift_json(p.path(), &["--url", &db.url]);
    assert_eq!(code, 1);
    let kinds: Vec<&str> = v["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["schema", "table"], "{v:#}");
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        "drift:\n  ignore:\n    schemas: [scratchpad]\n",
    )
    .unwrap();
    let (code, v) = drift_json(p.path(), &["--url", &db.url]);
    assert_eq!(code, 0, "{v:#}");
}

/// A project targeting one dialect, with migrations generated from the example schema
/// and applied to `url`.
fn migrated_project(dialect: &str, url: &str) -> tempfile::TempDir {
    let p = example_project();
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        format!(
            "dialects: [{dialect}]\ndev_urls:\n  postgres: {}\n  mysql: {}\n",
            support::pg_admin_url(),
            support::mysql_admin_url()
        ),
    )
    .unwrap();
    let (code, out, err) = bin(p.path(), &["generate", "init"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", url]);
    assert_eq!(code, 0, "{out}{err}");
    p
}

/// Writes a hand-written migration and re-hashes the folder; returns the up file.
fn hand_written(dir: &Path, name: &str, up: &str, down: &str) -> PathBuf {
    let (code, out, err) = bin(dir, &["migrate", "new", name]);
    assert_eq!(code, 0, "{out}{err}");
    let mig = dir.join("migrations");
    let find = |suffix: &str| {
        std::fs::read_dir(&mig)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.to_string_lossy()
                    .ends_with(&format!("_{name}.{suffix}.sql"))
            })
            .unwrap()
    };
    let (u, d) = (find("up"), find("down"));
    std::fs::write(&u, up).unwrap();
    std::fs::write(&d, down).unwrap();
    assert_eq!(bin(dir, &["migrate", "hash"]).0, 0);
    u
}

fn down_of(up: &Path) -> PathBuf {
    PathBuf::from(up.to_string_lossy().replace(".up.sql", ".down.sql"))
}

fn against_migrations(db: &TestDb) {
    let d = db.dialect().name();
    let url = db.url.as_str();
    let p = migrated_project(d, url);
    // Up to date, tracking table and all: no drift against either expectation.
    let (code, v) = drift_json(p.path(), &["--url", url, "--against", "migrations"]);
    assert_eq!(code, 0, "{d}: {v:#}");
    assert_eq!(v["against"], "migrations");
    assert_eq!(v["migrations"], serde_json::json!([]));
    let (code, v) = drift_json(p.path(), &["--url", url]);
    assert_eq!(code, 0, "{d}: the tracking table is not drift: {v:#}");

    // A migration's SQL run by hand, out of band: the schema matches what the files
    // produce, but the tracking table says the migration is pending.
    let nick = hand_written(
        p.path(),
        "nickname",
        "ALTER TABLE users ADD COLUMN nickname TEXT;\n",
        "ALTER TABLE users DROP COLUMN nickname;\n",
    );
    run_sql(url, "ALTER TABLE users ADD COLUMN nickname TEXT");
    let (code, v) = drift_json(p.path(), &["--url", url, "--against", "migrations"]);
    assert_eq!(code, 1, "{d}: {v:#}");
    assert_eq!(v["drift"], serde_json::json!([]), "{d}: {v:#}");
    let m = v["migrations"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{v:#}");
    assert_eq!(m[0]["name"], "nickname");
    assert_eq!(m[0]["state"], "pending");
    assert_eq!(v["summary"]["migrations"], 1);

    // Undo it, then apply a migration from another checkout: the database has it, this
    // repository does not.
    run_sql(url, "ALTER TABLE users DROP COLUMN nickname");
    let other = hand_written(
        p.path(),
        "audit_extra",
        "CREATE TABLE audit_extra (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE audit_extra;\n",
    );
    for f in [nick.clone(), down_of(&nick)] {
        std::fs::remove_file(f).unwrap();
    }
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", url]);
    assert_eq!(code, 0, "{out}{err}");
    for f in [other.clone(), down_of(&other)] {
        std::fs::remove_file(f).unwrap();
    }
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, v) = drift_json(p.path(), &["--url", url, "--against", "migrations"]);
    assert_eq!(code, 1, "{d}: {v:#}");
    let m = v["migrations"].as_array().unwrap();
    assert_eq!(m.len(), 1, "{v:#}");
    assert_eq!(m[0]["name"], "audit_extra");
    assert_eq!(m[0]["state"], "missing");
    let drift = v["drift"].as_array().unwrap();
    assert_eq!(drift.len(), 1, "{v:#}");
    assert_eq!(drift[0]["status"], "added");
    assert!(drift[0]["name"].as_str().unwrap().ends_with("audit_extra"));
}

#[test]
fn sqlite_migration_applied_out_of_band_or_missing_from_the_repository() {
    against_migrations(&support::sqlite_db());
}

#[test]
fn postgres_migration_applied_out_of_band_or_missing_from_the_repository() {
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    against_migrations(&db);
}

/// The example project on its default database, drifted in four ways.
fn drifted_example() -> tempfile::TempDir {
    let p = example_project();
    assert_eq!(bin(p.path(), &["apply", "--yes"]).0, 0);
    let url = format!("sqlite://{}", p.path().join("dev.db").display());
    for case in cases("sqlite") {
        run_sql(&url, &case.sql);
    }
    p
}

fn redact(s: &str, dir: &Path) -> String {
    s.replace(&dir.display().to_string(), "[DIR]")
}

#[test]
fn text_report_snapshot() {
    let p = drifted_example();
    let (code, out, err) = bin(p.path(), &["drift"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    insta::assert_snapshot!("drift_text", redact(&out, p.path()));
    let (code, out, _) = bin_env(p.path(), &["drift"], &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(code, 1);
    assert!(out.contains("\x1b[31m-  nickname TEXT,\x1b[0m"), "{out}");
}

#[test]
fn json_report_snapshot() {
    let p = drifted_example();
    let (code, out, err) = bin(p.path(), &["drift", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("drift_json", redact(&out, p.path()));
    let a: Value = serde_json::from_str(&out).unwrap();
    let keys: Vec<&String> = a.as_object().unwrap().keys().collect();
    assert!(!keys.is_empty());
    // Byte-identical across runs.
    assert_eq!(bin(p.path(), &["drift", "--format", "json"]).1, out);
}

#[test]
fn github_report_snapshot_and_step_summary() {
    let p = drifted_example();
    let summary = p.path().join("summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let (code, out, err) = bin_env(
        p.path(),
        &["drift", "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(code, 1, "{err}");
    insta::assert_snapshot!("drift_github", redact(&out, p.path()));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("# earlier step\n"),
        "appended, not overwritten"
    );
    insta::assert_snapshot!("drift_github_step_summary", redact(&md, p.path()));
    // Without the variable nothing is written anywhere else.
    let (code, out, _) = bin(p.path(), &["drift", "--format", "github"]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("::error title=Schema drift%3A table"),
        "{out}"
    );
}

#[test]
fn clean_reports_in_every_format() {
    let p = example_project();
    assert_eq!(bin(p.path(), &["apply", "--yes"]).0, 0);
    let (code, out, _) = bin(p.path(), &["drift"]);
    assert_eq!(code, 0);
    assert_eq!(out, "No drift: sqlite://dev.db matches schema (sqlite).\n");
    let (code, out, _) = bin(p.path(), &["drift", "--format", "github"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("::notice title=No schema drift::sqlite://dev.db matches schema\n"),
        "{out}"
    );
    let (code, v) = drift_json(p.path(), &[]);
    assert_eq!(code, 0);
    assert_eq!(v["drift"], serde_json::json!([]));
    assert_eq!(v["summary"]["added"], 0);
}

/// Issue 13: a policy dropped by hand, row-level security switched off, and (managed) a
/// grant and an owner changed by hand are drift; each can be ignored by its kind.
#[test]
fn postgres_policies_privileges_and_owners_drift() {
    let _roles = support::pg_roles();
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    let p = tempfile::tempdir().unwrap();
    std::fs::create_dir(p.path().join("schema")).unwrap();
    std::fs::write(
        p.path().join("schema/s.sql"),
        "CREATE TABLE notes (id int PRIMARY KEY, author text NOT NULL);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON notes FOR SELECT TO pgrls_reader USING (author = current_user);
GRANT SELECT ON notes TO pgrls_reader;
",
    )
    .unwrap();
    let config = "privileges:\n  manage: true\n  roles: [pgrls_reader]\nowner:\n  manage: true\n";
    std::fs::write(p.path().join("sqlshift.yaml"), config).unwrap();
    assert_eq!(bin(p.path(), &["apply", "--yes", "--url", &db.url]).0, 0);
    let (code, v) = drift_json(p.path(), &["--url", &db.url]);
    assert_eq!(code, 0, "{v:#}");
    run_sql(
        &db.url,
        "DROP POLICY own ON notes; ALTER TABLE notes DISABLE ROW LEVEL SECURITY;
         REVOKE SELECT ON notes FROM pgrls_reader; ALTER TABLE notes OWNER TO pgrls_admin;",
    );
    let (code, v) = drift_json(p.path(), &["--url", &db.url]);
    assert_eq!(code, 1, "{v:#}");
    let text = v.to_string();
    for what in [
        "policy own on public.notes",
        "row level security off in the database, on expected",
        "table public.notes to pgrls_reader",
        "owned by pgrls_admin in the database, postgres expected",
    ] {
        assert!(text.contains(what), "{what}: {v:#}");
    }
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        format!("{config}drift:\n  ignore:\n    kinds: [policy, privilege, owner]\n"),
    )
    .unwrap();
    let (code, v) = drift_json(p.path(), &["--url", &db.url]);
    assert_eq!(code, 0, "{v:#}");
    // Without the opt-in, the grant and the owner are not compared at all.
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        "drift:\n  ignore:\n    kinds: [policy]\n",
    )
    .unwrap();
    let (code, v) = drift_json(p.path(), &["--url", &db.url]);
    assert_eq!(code, 0, "{v:#}");
}
