//! The locks a PostgreSQL plan says each step takes (issue 12) are the ones the server
//! grants: every transactional step runs in a transaction left open while `pg_locks` is
//! read, and the strongest mode on each existing table must be the one the step names;
//! no table may be locked more strongly than a plain write would without the step saying
//! so. Steps that run outside a transaction (CONCURRENTLY) cannot be held open this way:
//! `tests/it/online.rs` watches those from a second connection.

use crate::support::{self, TestDb};
use sqlshift::dialect::RenderOptions;
use sqlshift::plan::{LockMode, Plan};
use sqlx::Connection as _;
use std::collections::BTreeMap;

const BASE: &str = "CREATE TABLE parent (id int PRIMARY KEY, name text);
CREATE TABLE child (id int NOT NULL, parent_id int REFERENCES parent (id), email text, code int, note text) WITH (fillfactor = 90);
CREATE INDEX child_email_idx ON child (email);
CREATE VIEW child_emails AS SELECT id, email FROM child;
CREATE TABLE log (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE log_2025 PARTITION OF log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE base (id int);
CREATE TABLE loose (id int, at date);
";

/// (name, desired schema): each changes a few things of `BASE`.
fn scenarios() -> Vec<(&'static str, String)> {
    let edit = |from: &str, to: &str| {
        assert!(BASE.contains(from), "{from}");
        BASE.replacen(from, to, 1)
    };
    let child = "child (id int NOT NULL, parent_id int REFERENCES parent (id), email text, code int, note text)";
    let with_child = |cols: &str| edit(child, &format!("child ({cols})"));
    vec![
        (
            "add_columns",
            with_child("id int NOT NULL, parent_id int REFERENCES parent (id), email text, code int, note text, a int, b int DEFAULT 1, c float8 DEFAULT random()"),
        ),
        (
            "drop_and_retype_columns",
            with_child("id int NOT NULL, parent_id int REFERENCES parent (id), email varchar(200), code bigint"),
        ),
        (
            "defaults_and_not_null",
            with_child("id int NOT NULL, parent_id int REFERENCES parent (id), email text NOT NULL, code int DEFAULT 0, note text"),
        ),
        (
            "add_check_and_unique",
            with_child("id int NOT NULL, parent_id int REFERENCES parent (id), email text, code int CHECK (code > 0) UNIQUE, note text"),
        ),
        (
            "add_primary_key",
            with_child("id int PRIMARY KEY, parent_id int REFERENCES parent (id), email text, code int, note text"),
        ),
        (
            "foreign_keys",
            with_child("id int NOT NULL, parent_id int REFERENCES parent (id) ON DELETE CASCADE, email text, code int REFERENCES parent (id), note text"),
        ),
        (
            "drop_foreign_key",
            with_child("id int NOT NULL, parent_id int, email text, code int, note text"),
        ),
        (
            "indexes",
            edit(
                "CREATE INDEX child_email_idx ON child (email);",
                "CREATE INDEX child_code_idx ON child (code);",
            ),
        ),
        (
            "storage_and_comments",
            edit("WITH (fillfactor = 90)", "WITH (fillfactor = 70, autovacuum_enabled = false)")
                + "COMMENT ON TABLE child IS 'kids';\nCOMMENT ON COLUMN child.email IS 'mail';\n",
        ),
        (
            "storage_strong",
            edit("WITH (fillfactor = 90)", "WITH (fillfactor = 90, user_catalog_table = true)"),
        ),
        ("unlogged", edit("CREATE TABLE loose", "CREATE UNLOGGED TABLE loose")),
        (
            "views",
            edit(
                "CREATE VIEW child_emails AS SELECT id, email FROM child;",
                "CREATE VIEW child_emails WITH (security_barrier) AS SELECT id, email FROM child;",
            ),
        ),
        (
            "drop_view",
            edit("CREATE VIEW child_emails AS SELECT id, email FROM child;", ""),
        ),
        (
            "attach_partition",
            edit(
                "CREATE TABLE loose (id int, at date);",
                "CREATE TABLE loose PARTITION OF log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
            ),
        ),
        (
            "detach_partition",
            edit(
                "CREATE TABLE log_2025 PARTITION OF log FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
                "CREATE TABLE log_2025 (id int, at date);",
            ),
        ),
        (
            "renames",
            edit(
                "CREATE TABLE loose (id int, at date);",
                "CREATE TABLE loose2 ( -- sqlshift:renamed-from loose\n id int,\n -- sqlshift:renamed-from at\n day date);",
            ),
        ),
        (
            "inherits",
            edit(
                "CREATE TABLE loose (id int, at date);",
                "CREATE TABLE loose (id int, at date) INHERITS (base);",
            ),
        ),
        (
            "drop_table",
            edit("CREATE TABLE loose (id int, at date);", ""),
        ),
    ]
}

/// The tables and views of the public schema by oid, as names the plan uses.
async fn relations(conn: &mut sqlx::PgConnection) -> BTreeMap<u32, String> {
    let rows: Vec<(sqlx::postgres::types::Oid, String)> = sqlx::query_as(
        "SELECT c.oid, n.nspname || '.' || c.relname FROM pg_class c \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')",
    )
    .fetch_all(conn)
    .await
    .expect("pg_class");
    rows.into_iter().map(|(o, n)| (o.0, n)).collect()
}

/// The strongest mode the open transaction holds on each of `known` (the relations that
/// existed before the step: one it drops is gone from the catalog by now).
async fn held(
    conn: &mut sqlx::PgConnection,
    pid: i32,
    known: &BTreeMap<u32, String>,
) -> BTreeMap<String, LockMode> {
    let rows: Vec<(sqlx::postgres::types::Oid, String)> = sqlx::query_as(
        "SELECT relation, mode FROM pg_locks \
         WHERE pid = $1 AND granted AND locktype = 'relation'",
    )
    .bind(pid)
    .fetch_all(conn)
    .await
    .expect("pg_locks");
    let mut out: BTreeMap<String, LockMode> = BTreeMap::new();
    for (oid, mode) in rows {
        let Some(rel) = known.get(&oid.0).cloned() else {
            continue;
        };
        let m = LockMode::parse_pg(&mode).unwrap_or_else(|| panic!("unknown mode {mode}"));
        let e = out.entry(rel).or_insert(m);
        *e = (*e).max(m);
    }
    out
}

/// Runs `plan` step by step; each transactional step's locks are read while its
/// transaction is open and compared with what the step says. Returns the problems.
async fn check(db: &TestDb, plan: &Plan, created: &[String]) -> Vec<String> {
    let mut c = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut c)
        .await
        .expect("pid");
    let mut problems = Vec::new();
    for (i, step) in plan.steps.iter().enumerate() {
        let sql = step.sql.join(";\n");
        if !step.transactional {
            for stmt in &step.sql {
                sqlx::raw_sql(stmt).execute(&mut c).await.expect("step");
            }
            continue;
        }
        let known = relations(&mut c).await;
        sqlx::raw_sql(&format!("BEGIN;\n{sql}"))
            .execute(&mut c)
            .await
            .unwrap_or_else(|e| panic!("step {}: {e}\n{sql}", i + 1));
        let got = held(&mut c, pid, &known).await;
        sqlx::raw_sql("COMMIT")
            .execute(&mut c)
            .await
            .expect("commit");
        let mut said: BTreeMap<String, LockMode> = BTreeMap::new();
        for l in &step.locks {
            let e = said.entry(l.table.clone()).or_insert(l.mode);
            *e = (*e).max(l.mode);
        }
        // A view an earlier step dropped is re-created new here (in the plan's single
        // transaction the old one is still locked).
        for (table, mode) in said.iter().filter(|(t, _)| known.values().any(|k| k == *t)) {
            if got.get(table) != Some(mode) {
                problems.push(format!(
                    "step {} ({}): says {} on {table}, the server holds {:?}\n{sql}",
                    i + 1,
                    step.kind,
                    mode.as_str(),
                    got.get(table).map(|m| m.as_str())
                ));
            }
        }
        for (table, mode) in &got {
            let unsaid = !said.contains_key(table)
                && *mode > LockMode::RowExclusive
                && !created.contains(table);
            if unsaid {
                problems.push(format!(
                    "step {} ({}): takes {} on {table} and does not say so\n{sql}",
                    i + 1,
                    step.kind,
                    mode.as_str()
                ));
            }
        }
    }
    problems
}

#[test]
fn issue12_every_step_names_the_lock_the_server_takes() {
    let rt = support::rt();
    rt.block_on(async {
        let mut problems = Vec::new();
        let mut checked = 0;
        for (name, to) in scenarios() {
            for (mode, opts) in [
                ("online", RenderOptions::default()),
                ("offline", support::offline()),
            ] {
                let Some(db) = support::pg_db().await else {
                    return;
                };
                let d = db.dialect();
                let mut conn = db.connect().await;
                support::apply(&mut conn, &support::desired(BASE, d)).await;
                let want = support::desired(&to, d);
                let plan = support::plan_with(&mut conn, &want, &opts).await;
                assert!(!plan.is_empty(), "{name}: nothing to do");
                let live = conn.introspect().await.expect("introspect");
                let created: Vec<String> = want
                    .tables
                    .keys()
                    .chain(want.views.keys())
                    .filter(|t| !live.tables.contains_key(*t) && !live.views.contains_key(*t))
                    .map(|t| t.to_string())
                    .collect();
                checked += plan.steps.iter().filter(|s| s.transactional).count();
                for p in check(&db, &plan, &created).await {
                    problems.push(format!("{name} ({mode}): {p}"));
                }
                let again = support::plan_with(&mut conn, &want, &opts).await;
                assert!(
                    again.is_empty(),
                    "{name} ({mode}): not converged\n{}",
                    again.sql()
                );
            }
        }
        assert!(checked > 40, "only {checked} steps checked");
        assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    });
}

#[test]
fn issue12_the_plan_names_its_longest_lock() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let d = db.dialect();
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(BASE, d)).await;
        let to = BASE
            .replace("code int, note text)", "code bigint, note text)")
            .replace("CREATE INDEX child_email_idx ON child (email);", "CREATE INDEX child_code_idx ON child (code);");
        let plan = support::plan_against(&mut conn, &support::desired(&to, d)).await;
        let (step, lock) = plan.longest_lock().expect("a lock");
        assert_eq!(plan.steps[step - 1].kind, "alter_column", "{}", plan.sql());
        assert_eq!(
            lock.to_string(),
            "ACCESS EXCLUSIVE on public.child, while the table is rewritten (reads and writes wait)"
        );
        let text = sqlshift::cli::printer::plan_text(&plan, "db", sqlshift::cli::printer::Style::PLAIN);
        assert!(
            text.contains(&format!("Longest lock: {lock}, step {step}")),
            "{text}"
        );
        assert!(text.contains("lock: SHARE UPDATE EXCLUSIVE on public.child, while an index builds (reads and writes go on)"), "{text}");
        let hazard = plan.steps[step - 1]
            .hazards
            .iter()
            .find(|h| h.code.as_str() == "table-rewrite")
            .expect("rewrite hazard");
        assert_eq!(hazard.lock.as_ref(), Some(lock));
    });
}
