//! Whole command-line runs: the README's demo, confirmation, refusals, formats, inspect.

use assert_cmd::Command;

use crate::support::repo;

use crate::support::bin as sqlshift;

/// A project folder holding a copy of the example schema.
fn example_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("schema");
    std::fs::create_dir(&dest).expect("mkdir");
    for e in std::fs::read_dir(repo().join("schema")).expect("schema/") {
        let p = e.expect("entry").path();
        if let Some(name) = p.file_name() {
            std::fs::copy(&p, dest.join(name)).expect("copy");
        }
    }
    dir
}

#[test]
fn readme_demo_apply_then_plan_reports_no_changes_on_sqlite() {
    let dir = example_project();
    let (code, out, err) = sqlshift(dir.path(), &["apply", "--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Applied"), "{out}");
    assert!(dir.path().join("dev.db").exists());
    let (code, out, err) = sqlshift(dir.path(), &["plan"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n");
}

#[test]
fn apply_without_terminal_or_yes_refuses() {
    let dir = example_project();
    let (code, out, err) = sqlshift(dir.path(), &["apply"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("pass --yes"), "{err}");
    let (_, out, _) = sqlshift(dir.path(), &["plan"]);
    assert!(
        out.starts_with("Plan for sqlite://dev.db"),
        "nothing may have been applied: {out}"
    );
}

#[test]
fn dry_run_prints_and_changes_nothing() {
    let dir = example_project();
    let (code, out, _) = sqlshift(dir.path(), &["apply", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(out.contains("Dry run: nothing was applied."), "{out}");
    let (_, out, _) = sqlshift(dir.path(), &["plan", "--format", "sql"]);
    assert!(out.contains("CREATE TABLE users"), "{out}");
}

#[test]
fn destructive_steps_are_refused_unless_allowed() {
    let dir = example_project();
    assert_eq!(sqlshift(dir.path(), &["apply", "--yes"]).0, 0);
    std::fs::remove_file(dir.path().join("schema/03_orders.sql")).expect("rm");
    let (code, _, err) = sqlshift(dir.path(), &["apply", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("refusing to run"), "{err}");
    assert!(err.contains("table orders (drop table)"), "{err}");
    assert!(err.contains("table audit_log (drop table)"), "{err}");
    let (code, out, err) = sqlshift(dir.path(), &["apply", "--yes", "--allow-destructive"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(sqlshift(dir.path(), &["plan"]).1, "No changes.\n");
}

#[test]
fn allow_destructive_from_config() {
    let dir = example_project();
    assert_eq!(sqlshift(dir.path(), &["apply", "--yes"]).0, 0);
    std::fs::remove_file(dir.path().join("schema/03_orders.sql")).expect("rm");
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        "allow_destructive: true\n",
    )
    .expect("write");
    let (code, out, err) = sqlshift(dir.path(), &["apply", "--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn plan_output_is_byte_identical_across_runs() {
    let dir = example_project();
    let a = sqlshift(dir.path(), &["plan", "--format", "sql"]);
    let b = sqlshift(dir.path(), &["plan", "--format", "sql"]);
    assert_eq!(a.0, 0);
    assert_eq!(a.1, b.1);
    let c = sqlshift(dir.path(), &["plan", "--format", "json"]);
    let d = sqlshift(dir.path(), &["plan", "--format", "json"]);
    assert_eq!(c.1, d.1);
}

#[test]
fn json_plan_has_the_documented_shape() {
    let dir = example_project();
    let (code, out, _) = sqlshift(dir.path(), &["plan", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["dialect"], "sqlite");
    assert_eq!(v["target"], "sqlite://dev.db");
    let steps = v["steps"].as_array().expect("steps");
    assert_eq!(v["summary"]["steps"].as_u64(), Some(steps.len() as u64));
    let first = &steps[0];
    for key in [
        "index",
        "kind",
        "objects",
        "sql",
        "hazards",
        "transactional",
    ] {
        assert!(first.get(key).is_some(), "missing {key} in {first}");
    }
    assert!(v["warnings"].as_array().is_some_and(|w| w
        .iter()
        .any(|x| x.as_str().is_some_and(|s| s.contains("BOOLEAN")))));
}

#[test]
fn inspect_output_reads_back_as_the_same_schema() {
    let dir = example_project();
    assert_eq!(sqlshift(dir.path(), &["apply", "--yes"]).0, 0);
    let (code, sql, err) = sqlshift(dir.path(), &["inspect"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.path().join("inspected.sql"), &sql).expect("write");
    let (code, out, err) = sqlshift(
        dir.path(),
        &["diff", "--from", "sqlite://dev.db", "--to", "inspected.sql"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n", "{sql}");
    let (code, json, _) = sqlshift(dir.path(), &["inspect", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert!(
        v["tables"].as_object().is_some_and(|t| t.len() == 5),
        "{json}"
    );
}

#[test]
fn diff_between_two_files_needs_no_database() {
    let dir = example_project();
    std::fs::write(
        dir.path().join("a.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY);",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("b.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);",
    )
    .expect("write");
    let (code, out, err) = sqlshift(
        dir.path(),
        &[
            "diff", "--from", "a.sql", "--to", "b.sql", "--format", "sql",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ALTER TABLE public.t ADD COLUMN name text;\n");
    let (_, out, _) = sqlshift(
        dir.path(),
        &[
            "diff",
            "--from",
            "a.sql",
            "--to",
            "b.sql",
            "--dialect",
            "sqlite",
            "--format",
            "sql",
        ],
    );
    assert_eq!(out, "ALTER TABLE t ADD COLUMN name TEXT;\n");
    assert!(!dir.path().join("dev.db").exists());
}

#[test]
fn environments_come_from_config_with_variables() {
    let dir = example_project();
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        "environments:\n  local:\n    url: sqlite://${SQLSHIFT_DB_NAME_FOR_TEST}.db\n",
    )
    .expect("write");
    let out = Command::cargo_bin("sqlshift")
        .expect("binary")
        .current_dir(dir.path())
        .env("SQLSHIFT_DB_NAME_FOR_TEST", "local")
        .args(["apply", "--env", "local", "--yes"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("local.db").exists());
    let (code, _, err) = sqlshift(dir.path(), &["plan", "--env", "local"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("SQLSHIFT_DB_NAME_FOR_TEST is not set"),
        "{err}"
    );
    let (code, _, err) = sqlshift(dir.path(), &["plan", "--env", "prod"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn postgres_demo_converges_and_lists_unmanaged_objects() {
    let rt = crate::support::rt();
    let Some(db) = rt.block_on(crate::support::pg_db()) else {
        return;
    };
    let dir = example_project();
    let (code, out, err) = sqlshift(dir.path(), &["apply", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}\n{err}");
    rt.block_on(async {
        let mut c = db.connect().await;
        // Functions and policies are managed now (issue 13); a key's index comment is not.
        c.run_script(
            "CREATE POLICY own ON users USING (true); COMMENT ON INDEX users_pkey IS 'the key'",
        )
        .await
        .expect("policy");
    });
    let (code, out, err) = sqlshift(dir.path(), &["plan", "--url", &db.url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("DROP POLICY own ON public.users;"), "{out}");
    assert!(
        err.contains("not managed: comment on the index of a constraint public.users_pkey"),
        "{err}"
    );
    rt.block_on(async {
        let mut c = db.connect().await;
        c.run_script("DROP POLICY own ON users")
            .await
            .expect("drop");
    });
    let (code, out, err) = sqlshift(dir.path(), &["plan", "--url", &db.url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n", "{err}");
    let (code, sql, _) = sqlshift(dir.path(), &["inspect", "--url", &db.url]);
    assert_eq!(code, 0);
    std::fs::write(dir.path().join("pg.sql"), &sql).expect("write");
    let (code, out, err) = sqlshift(dir.path(), &["diff", "--from", &db.url, "--to", "pg.sql"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n", "{sql}");
}

#[test]
fn sqlite_objects_sqlshift_cannot_manage_are_listed_not_dropped() {
    let dir = example_project();
    assert_eq!(sqlshift(dir.path(), &["apply", "--yes"]).0, 0);
    let rt = crate::support::rt();
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("dev.db").display());
        let mut c = sqlshift::dialect::connect(&url).await.expect("connect");
        c.run_script("CREATE VIRTUAL TABLE docs USING fts5(body);")
            .await
            .expect("setup");
    });
    let (code, out, err) = sqlshift(dir.path(), &["plan"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n", "{err}");
    assert!(err.contains("not managed: virtual table docs"), "{err}");
    assert!(
        err.contains("not managed: shadow table of docs docs_data"),
        "{err}"
    );
    // Triggers are managed: one the schema files do not have is dropped by a plan.
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.path().join("dev.db").display());
        let mut c = sqlshift::dialect::connect(&url).await.expect("connect");
        c.run_script("CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END;")
            .await
            .expect("trigger");
    });
    let (code, out, err) = sqlshift(dir.path(), &["plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("DROP TRIGGER IF EXISTS users_touch"),
        "{out}{err}"
    );
}

#[test]
fn mysql_demo_converges_reads_back_and_lists_unmanaged_objects() {
    let rt = crate::support::rt();
    let Some(db) = rt.block_on(crate::support::mysql_db()) else {
        return;
    };
    let dir = example_project();
    let (code, out, err) = sqlshift(dir.path(), &["apply", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("mysql: partial index orders_open_idx covers every row"),
        "{err}"
    );
    rt.block_on(async {
        let mut c = db.connect().await;
        c.run_script("CREATE SEQUENCE touch")
            .await
            .expect("sequence");
    });
    let (code, out, err) = sqlshift(dir.path(), &["plan", "--url", &db.url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n", "{err}");
    assert!(err.contains("not managed: sequence touch"), "{err}");
    let (code, sql, _) = sqlshift(dir.path(), &["inspect", "--url", &db.url]);
    assert_eq!(code, 0);
    std::fs::write(dir.path().join("my.sql"), &sql).expect("write");
    let (code, out, err) = sqlshift(dir.path(), &["diff", "--from", &db.url, "--to", "my.sql"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n", "{sql}");
}
