//! Reviewable plans: the grouped, explained plan text (and its colours), plan files
//! (`plan --out` → review → `apply --plan`, refused when the database changed underneath
//! or the file is for another database), and `graph`.

use crate::drift::{bin, bin_env, example_project};
use crate::support::{self, TestDb};
use serde_json::Value;
use std::path::Path;

fn run_sql(url: &str, sql: &str) {
    support::rt().block_on(async {
        let mut c = sqlshift::dialect::connect(url).await.unwrap();
        c.run_script(sql).await.unwrap();
    });
}

#[test]
fn plan_text_groups_steps_by_object_and_explains_hazards() {
    let p = example_project();
    assert_eq!(bin(p.path(), &["apply", "--yes"]).0, 0);
    // Drop a table, change a column of another, add an index: several objects, a
    // destructive step and hazards with explanations.
    let schema = p.path().join("schema");
    std::fs::remove_file(schema.join("03_orders.sql")).unwrap();
    let accounts = std::fs::read_to_string(schema.join("02_accounts.sql")).unwrap();
    std::fs::write(
        schema.join("02_accounts.sql"),
        accounts.replace(
            "description TEXT\n",
            "description TEXT,\n    code TEXT NOT NULL\n",
        ) + "\nCREATE UNIQUE INDEX users_display_name_key ON users (display_name);\n",
    )
    .unwrap();
    let (code, out, err) = bin(p.path(), &["plan"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("Plan for sqlite://dev.db (sqlite): "),
        "{out}"
    );
    assert!(!out.contains('\x1b'));
    insta::assert_snapshot!("plan_text_grouped", out);

    // Colour only when asked for (or on a terminal), and never with NO_COLOR.
    let (_, forced, _) = bin_env(p.path(), &["plan"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\x1b[31m"), "{forced}");
    let (_, plain, _) = bin_env(
        p.path(),
        &["plan"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert_eq!(plain, out);
    // The other formats are untouched by colour.
    let (_, sql, _) = bin_env(
        p.path(),
        &["plan", "--format", "sql"],
        &[("CLICOLOR_FORCE", "1")],
    );
    assert!(!sql.contains('\x1b'));
}

fn read_plan(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// plan --out, then apply --plan on the unchanged database: exactly the file's steps run,
/// and the database then matches the schema.
fn plan_file_applies_exactly(db: &TestDb) {
    let p = example_project();
    let url = db.url.as_str();
    let (code, out, err) = bin(p.path(), &["plan", "--url", url, "--out", "plan.json"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("wrote plan.json"), "{err}");
    let file = read_plan(&p.path().join("plan.json"));
    assert_eq!(file["version"], 1);
    assert_eq!(file["kind"], "sqlshift-plan");
    assert_eq!(file["dialect"], db.dialect().name());
    for side in ["source", "target"] {
        let fp = file["fingerprints"][side].as_str().unwrap();
        assert!(fp.starts_with("sha256:") && fp.len() == 71, "{fp}");
    }
    let steps = file["steps"].as_array().unwrap().len();
    assert!(steps > 0);
    // The plan file is deterministic.
    let (_, _, _) = bin(p.path(), &["plan", "--url", url, "--out", "again.json"]);
    assert_eq!(
        std::fs::read_to_string(p.path().join("plan.json")).unwrap(),
        std::fs::read_to_string(p.path().join("again.json")).unwrap()
    );

    // The schema files change after review: apply --plan still runs the reviewed steps.
    std::fs::remove_file(p.path().join("schema/03_orders.sql")).unwrap();
    let (code, out, err) = bin(
        p.path(),
        &["apply", "--plan", "plan.json", "--yes", "--url", url],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("Applied {steps} step(s).")), "{out}");
    // …which is the full example schema, so against the original files nothing is left.
    let q = example_project();
    let (code, out, err) = bin(q.path(), &["plan", "--url", url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "No changes.\n");

    // Applied once, the same file no longer matches the database: refused, nothing runs.
    let (code, _, err) = bin(
        p.path(),
        &["apply", "--plan", "plan.json", "--yes", "--url", url],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("changed since the plan was made"), "{err}");
}

#[test]
fn sqlite_plan_file_applies_exactly() {
    plan_file_applies_exactly(&support::sqlite_db());
}

#[test]
fn postgres_plan_file_applies_exactly() {
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    plan_file_applies_exactly(&db);
}

/// A plan file applied after the database changed underneath is refused, and the
/// database is left as it was.
fn plan_file_refused_after_change(db: &TestDb) {
    let p = example_project();
    let url = db.url.as_str();
    assert_eq!(bin(p.path(), &["apply", "--yes", "--url", url]).0, 0);
    std::fs::write(
        p.path().join("schema/04_tags.sql"),
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    )
    .unwrap();
    let (code, _, err) = bin(p.path(), &["plan", "--url", url, "--out", "plan.json"]);
    assert_eq!(code, 0, "{err}");
    run_sql(url, "CREATE TABLE sneaky (id INTEGER PRIMARY KEY)");
    let (code, out, err) = bin(
        p.path(),
        &["apply", "--plan", "plan.json", "--yes", "--url", url],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("refusing to apply plan.json"), "{err}");
    assert!(err.contains("changed since the plan was made"), "{err}");
    assert!(err.contains("planned from: sha256:"), "{err}");
    assert!(!out.contains("Applied"), "{out}");
    // Nothing ran: the planned table is still missing.
    let (_, sql, _) = bin(p.path(), &["plan", "--url", url, "--format", "sql"]);
    assert!(
        sql.contains("CREATE TABLE") && sql.contains("tags"),
        "{sql}"
    );
}

#[test]
fn sqlite_plan_file_refused_after_the_database_changed() {
    plan_file_refused_after_change(&support::sqlite_db());
}

#[test]
fn postgres_plan_file_refused_after_the_database_changed() {
    let Some(db) = support::rt().block_on(support::pg_db()) else {
        return;
    };
    plan_file_refused_after_change(&db);
}

#[test]
fn plan_files_are_checked_before_anything_runs() {
    let p = example_project();
    assert_eq!(bin(p.path(), &["apply", "--yes"]).0, 0);
    std::fs::remove_file(p.path().join("schema/03_orders.sql")).unwrap();
    let (code, _, err) = bin(p.path(), &["plan", "--out", "plan.json"]);
    assert_eq!(code, 0, "{err}");

    // For another database.
    let other = support::sqlite_db();
    let (code, _, err) = bin(
        p.path(),
        &["apply", "--plan", "plan.json", "--yes", "--url", &other.url],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("was planned for sqlite://dev.db"), "{err}");

    // Destructive steps still need permission.
    let (code, _, err) = bin(p.path(), &["apply", "--plan", "plan.json", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("without --allow-destructive"), "{err}");

    // Edited into something that is not a plan.
    let text = std::fs::read_to_string(p.path().join("plan.json")).unwrap();
    std::fs::write(
        p.path().join("bad.json"),
        text.replace("\"drop_table\"", "\"drop_everything\""),
    )
    .unwrap();
    let (code, _, err) = bin(p.path(), &["apply", "--plan", "bad.json", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unknown kind `drop_everything`"), "{err}");
    std::fs::write(p.path().join("bad.json"), "{\"version\": 1}").unwrap();
    let (code, _, err) = bin(p.path(), &["apply", "--plan", "bad.json", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not a sqlshift plan file"), "{err}");
    // --plan and --schema do not mix.
    let (code, _, _) = bin(
        p.path(),
        &["apply", "--plan", "plan.json", "--schema", "schema"],
    );
    assert_eq!(code, 2);

    let (code, out, err) = bin(
        p.path(),
        &[
            "apply",
            "--plan",
            "plan.json",
            "--yes",
            "--allow-destructive",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(bin(p.path(), &["plan"]).1, "No changes.\n");
}

#[test]
fn graph_is_deterministic_in_both_formats() {
    let p = example_project();
    let (code, mermaid, err) = bin(p.path(), &["graph"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("graph_mermaid", mermaid);
    let (code, dot, _) = bin(
        p.path(),
        &["graph", "--format", "dot", "--dialect", "postgres"],
    );
    assert_eq!(code, 0);
    insta::assert_snapshot!("graph_dot_postgres", dot);
    assert_eq!(bin(p.path(), &["graph"]).1, mermaid);
    // No database was touched.
    assert!(!p.path().join("dev.db").exists());
    // From a live database, the same graph.
    assert_eq!(bin(p.path(), &["apply", "--yes"]).0, 0);
    let (code, live, _) = bin(p.path(), &["graph", "--url", "sqlite://dev.db"]);
    assert_eq!(code, 0);
    assert_eq!(live, mermaid);
}
