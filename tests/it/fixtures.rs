//! The laws over every fixture case under `fixtures/cases/`, on live SQLite and PostgreSQL:
//! convergence (plan after apply is empty), round trip (A→B→A gives A back), determinism
//! (two plans, same bytes), no row lost where nothing destructive is planned, and a
//! snapshot of the rendered SQL per dialect.
//!
//! A case is a folder with `from.sql` and `to.sql`, optionally `dialects` (the dialects
//! it applies to, one per line; default all), `seed.sql` (rows inserted after `from`), and
//! `to-check.sql` / `from-check.sql`: statements that must succeed once the database has
//! been migrated to `to`, and back to `from` (an insert that relies on a sequence
//! continuing after the seeded rows). A `sqlshift.yaml` in the folder says which
//! privileges and owners the case manages (`privileges`, `owner`), as the CLI reads it.

use crate::support::{self, TestDb};
use sqlshift::plan::Plan;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn applies_to(case: &Path, dialect: &str) -> bool {
    match std::fs::read_to_string(case.join("dialects")) {
        Ok(list) => list.lines().any(|l| l.trim() == dialect),
        Err(_) => true,
    }
}

/// The plan as the snapshot shows it: steps, hazard codes, SQL.
pub fn snapshot_text(plan: &Plan) -> String {
    if plan.steps.is_empty() {
        return "-- no changes\n".into();
    }
    let mut out = String::new();
    for (i, s) in plan.steps.iter().enumerate() {
        let mut codes: Vec<&str> = s.hazards.iter().map(|h| h.code.as_str()).collect();
        codes.dedup();
        codes.sort_unstable();
        codes.dedup();
        out.push_str(&format!(
            "-- {}. {} {}",
            i + 1,
            s.kind,
            s.objects.join(", ")
        ));
        if !codes.is_empty() {
            out.push_str(&format!(" [{}]", codes.join(", ")));
        }
        out.push('\n');
        for stmt in &s.sql {
            out.push_str(stmt);
            out.push_str(";\n");
        }
    }
    out
}

async fn table_counts(
    conn: &mut sqlshift::dialect::Connection,
    tables: &[String],
) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    let d = conn.dialect();
    for t in tables {
        // A PostgreSQL parent's count takes in its children's rows: each table counts its
        // own (`ONLY`), so a child that joins a parent moves no row.
        let n = if d.name() == "postgres" {
            let quoted: Vec<String> = t.split('.').map(|p| d.quote_ident(p)).collect();
            conn.scalar_i64(&format!("SELECT count(*) FROM ONLY {}", quoted.join(".")))
                .await
                .unwrap_or(-1)
        } else {
            conn.count_rows(t).await.unwrap_or(-1)
        };
        out.push((t.clone(), n));
    }
    out
}

async fn run_case(case: &Path, db: &TestDb) -> Result<String, String> {
    let dialect = db.dialect();
    let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("case");
    let access = support::case_access(case);
    let from = support::desired_access(&read(&case.join("from.sql")), dialect, &access);
    let to = support::desired_access(&read(&case.join("to.sql")), dialect, &access);
    let mut conn = db.connect().await.with_access(access.clone());

    support::apply(&mut conn, &from).await;
    let again = support::plan_against(&mut conn, &from).await;
    if !again.is_empty() {
        return Err(format!(
            "{name}: not converged after applying from.sql:\n{}",
            again.sql()
        ));
    }
    let snapshot_a = conn.introspect().await.map_err(|e| e.to_string())?;
    let seeded: Vec<String> = if case.join("seed.sql").exists() {
        conn.run_script(&read(&case.join("seed.sql")))
            .await
            .map_err(|e| format!("{name}: seed: {e}"))?;
        snapshot_a.tables.keys().map(|k| k.to_string()).collect()
    } else {
        Vec::new()
    };
    let before = table_counts(&mut conn, &seeded).await;

    let forward = support::plan_against(&mut conn, &to).await;
    let forward_again = support::plan_against(&mut conn, &to).await;
    if forward.sql() != forward_again.sql() {
        return Err(format!(
            "{name}: two plans differ:\n{}\n---\n{}",
            forward.sql(),
            forward_again.sql()
        ));
    }
    conn.execute(&forward, &Default::default())
        .await
        .map_err(|e| format!("{name}: forward apply failed: {e}\n{}", forward.sql()))?;
    let after_b = support::plan_against(&mut conn, &to).await;
    if !after_b.is_empty() {
        return Err(format!(
            "{name}: not converged after forward plan:\n{}\nremaining:\n{}",
            forward.sql(),
            after_b.sql()
        ));
    }
    // `inspect` output reads back as the same schema.
    let live_b = conn.introspect().await.map_err(|e| e.to_string())?;
    let inspected = sqlshift::plan::schema_sql(&live_b, dialect);
    // Read as `plan --schema` reads a file for this dialect.
    let source = sqlshift::parse::SourceFile {
        name: "inspect.sql".into(),
        text: inspected.clone(),
    };
    let target = sqlshift::parse::Target::of(dialect.name());
    let (reread, _) = sqlshift::parse::parse_schema_access(&[source], true, target, &access)
        .map_err(|e| format!("{name}: inspect output does not parse: {e}\n{inspected}"))?;
    let reread = sqlshift::dialect::prepare(reread, dialect, &mut Vec::new());
    if !support::same(&live_b, &reread) {
        return Err(format!(
            "{name}: inspect output reads back differently:\n{inspected}\n{}",
            support::describe_diff(&live_b, &reread)
        ));
    }
    if forward.destructive_steps().count() == 0 {
        let after = table_counts(&mut conn, &seeded).await;
        for (t, n) in &before {
            if let Some((_, m)) = after.iter().find(|(u, _)| u == t) {
                if *m >= 0 && m != n {
                    return Err(format!(
                        "{name}: {t} had {n} rows before a non-destructive plan and {m} after"
                    ));
                }
            }
        }
    }

    check(&mut conn, case, "to-check.sql", &forward).await?;

    let backward = support::plan_against(&mut conn, &from).await;
    conn.execute(&backward, &Default::default())
        .await
        .map_err(|e| format!("{name}: backward apply failed: {e}\n{}", backward.sql()))?;
    check(&mut conn, case, "from-check.sql", &backward).await?;
    let snapshot_a2 = conn.introspect().await.map_err(|e| e.to_string())?;
    if !support::same(&snapshot_a, &snapshot_a2) {
        return Err(format!(
            "{name}: round trip A→B→A did not give A back:\n{}",
            support::describe_diff(&snapshot_a, &snapshot_a2)
        ));
    }
    Ok(format!(
        "-- forward (from.sql -> to.sql)\n{}\n-- backward (to.sql -> from.sql)\n{}",
        snapshot_text(&forward),
        snapshot_text(&backward)
    ))
}

/// Runs the case's `file` of statements, if it has one, on the migrated database.
async fn check(
    conn: &mut sqlshift::dialect::Connection,
    case: &Path,
    file: &str,
    plan: &Plan,
) -> Result<(), String> {
    let path = case.join(file);
    if !path.exists() {
        return Ok(());
    }
    conn.run_script(&read(&path)).await.map_err(|e| {
        format!(
            "{}: {file} failed after the plan:\n{}\n{e}",
            case.display(),
            plan.sql()
        )
    })
}

fn run_all(dialect_name: &str, make: impl Fn() -> Option<TestDb>) {
    let _roles = (dialect_name == "postgres").then(support::pg_roles);
    let rt = support::rt();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases() {
        if !applies_to(&case, dialect_name) {
            continue;
        }
        let Some(db) = make() else { return };
        let name = case
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("case")
            .to_string();
        match rt.block_on(run_case(&case, &db)) {
            Ok(text) => {
                ran += 1;
                let mut settings = insta::Settings::clone_current();
                settings.set_snapshot_path(
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/snapshots"),
                );
                settings.set_prepend_module_to_snapshot(false);
                settings.bind(|| insta::assert_snapshot!(format!("{name}__{dialect_name}"), text));
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(ran > 0, "no fixture case ran for {dialect_name}");
}

#[test]
fn laws_hold_for_every_fixture_on_sqlite() {
    run_all("sqlite", || Some(support::sqlite_db()));
}

#[test]
fn laws_hold_for_every_fixture_on_mysql() {
    let rt = support::rt();
    run_all("mysql", || rt.block_on(support::mysql_db()));
}

#[test]
fn laws_hold_for_every_fixture_on_postgres() {
    let rt = support::rt();
    run_all("postgres", || rt.block_on(support::pg_db()));
}
