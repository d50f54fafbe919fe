//! PostgreSQL online mode (issue 12), on tables holding rows while a second connection
//! writes to them: each scenario's plan (statements, hazards, locks, where it runs) is
//! snapshot-tested, applied while the writer runs, and must leave the rows intact and
//! re-plan empty; the longest wait the writer saw is printed (`-- --nocapture`). Other
//! tests prove the lock each form takes from a second connection, the retry after a lock
//! timeout, and that a failed concurrent build leaves no INVALID index.

use crate::support::{self, TestDb};
use sqlshift::dialect::ExecOptions;
use sqlshift::plan::Plan;
use sqlx::Connection as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const SEED_ROWS: i64 = 20_000;
const LOCK_TIMEOUT: Duration = Duration::from_secs(2);

const BASE: &str = "CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (id int NOT NULL, parent_id int, email text, code int, note text);
CREATE INDEX child_email_idx ON child (email);
";

const SEED: &str = "INSERT INTO parent SELECT g FROM generate_series(1, 100) g;
INSERT INTO child SELECT g, g % 100 + 1, 'e' || g, g, 'seed' FROM generate_series(1, 20000) g;";

/// (name, from, to): each changes one thing of `BASE`.
fn scenarios() -> Vec<(&'static str, String, String)> {
    let child = |cols: &str, rest: &str| {
        format!("CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child ({cols});\n{rest}")
    };
    let cols = "id int NOT NULL, parent_id int, email text, code int, note text";
    let email_idx = "CREATE INDEX child_email_idx ON child (email);";
    let fk =
        "id int NOT NULL, parent_id int REFERENCES parent (id), email text, code int, note text";
    vec![
        ("add_foreign_key", BASE.into(), child(fk, email_idx)),
        (
            "add_check",
            BASE.into(),
            child(&format!("{cols}, CHECK (code > 0)"), email_idx),
        ),
        (
            "add_unique",
            BASE.into(),
            child(&format!("{cols}, UNIQUE (code)"), email_idx),
        ),
        (
            "add_primary_key",
            BASE.into(),
            child(&format!("{cols}, PRIMARY KEY (id)"), email_idx),
        ),
        (
            "set_not_null",
            BASE.into(),
            child(
                "id int NOT NULL, parent_id int, email text NOT NULL, code int, note text",
                email_idx,
            ),
        ),
        (
            "change_foreign_key_action",
            child(fk, email_idx),
            child(
                "id int NOT NULL, parent_id int REFERENCES parent (id) ON DELETE CASCADE, email text, code int, note text",
                email_idx,
            ),
        ),
        (
            "replace_index",
            BASE.into(),
            child(cols, "CREATE INDEX child_email_idx ON child (lower(email));"),
        ),
        (
            "add_index",
            BASE.into(),
            child(cols, &format!("{email_idx}\nCREATE INDEX child_code_idx ON child (code);")),
        ),
        ("drop_index", BASE.into(), child(cols, "")),
        (
            "type_change",
            BASE.into(),
            child(
                "id int NOT NULL, parent_id int, email text, code bigint, note text",
                email_idx,
            ),
        ),
    ]
}

/// The plan as the snapshots show it: the fixture form, the locks of each step, and where
/// each step runs.
fn snapshot(plan: &Plan) -> String {
    let mut out = crate::fixtures::snapshot_text(plan);
    for (i, s) in plan.steps.iter().enumerate() {
        for l in &s.locks {
            out.push_str(&format!("-- lock {}: {l}\n", i + 1));
        }
    }
    let outside: Vec<String> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.transactional)
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    out.push_str(&format!(
        "-- outside the transaction: {}\n",
        outside.join(", ")
    ));
    out
}

fn exec_options() -> ExecOptions {
    ExecOptions {
        lock_timeout: Some(format!("{}ms", LOCK_TIMEOUT.as_millis())),
        lock_retries: 3,
        lock_retry_backoff: Duration::from_millis(100),
        ..ExecOptions::default()
    }
}

async fn scalar(c: &mut sqlx::PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Inserts rows one by one until `stop`; returns (rows written, longest single wait).
async fn writer(url: &str, stop: &AtomicBool) -> (i64, Duration) {
    let mut c = sqlx::PgConnection::connect(url).await.expect("writer");
    let (mut n, mut longest) = (0i64, Duration::ZERO);
    while !stop.load(Ordering::SeqCst) {
        let id = SEED_ROWS + 1 + n;
        let start = Instant::now();
        sqlx::query(
            "INSERT INTO child (id, parent_id, email, code, note) VALUES ($1, 1, 'w' || $1, $1, 'writer')",
        )
        .bind(id as i32)
        .execute(&mut c)
        .await
        .unwrap_or_else(|e| panic!("writer insert {id}: {e}"));
        longest = longest.max(start.elapsed());
        n += 1;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    (n, longest)
}

async fn run_scenario(db: &TestDb, from: &str, to: &str) -> (Plan, Duration) {
    let d = db.dialect();
    let mut conn = db.connect().await;
    support::apply(&mut conn, &support::desired(from, d)).await;
    conn.run_script(SEED).await.expect("seed");
    let want = support::desired(to, d);
    let plan = support::plan_against(&mut conn, &want).await;
    let stop = AtomicBool::new(false);
    let apply = async {
        // Let the writer start first.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let r = conn.execute(&plan, &exec_options()).await;
        stop.store(true, Ordering::SeqCst);
        r
    };
    let (applied, (written, longest)) = tokio::join!(apply, writer(&db.url, &stop));
    applied.unwrap_or_else(|e| panic!("apply: {e}\n{}", plan.sql()));
    assert!(written > 0, "the writer wrote nothing");
    let again = support::plan_against(&mut conn, &want).await;
    assert!(again.is_empty(), "not converged:\n{}", again.sql());
    let mut c = sqlx::PgConnection::connect(&db.url).await.expect("check");
    assert_eq!(
        scalar(&mut c, "SELECT count(*) FROM child").await,
        SEED_ROWS + written
    );
    assert_eq!(
        scalar(
            &mut c,
            "SELECT sum(id::bigint + code::bigint)::bigint FROM child WHERE note = 'seed'"
        )
        .await,
        SEED_ROWS * (SEED_ROWS + 1),
        "seeded rows changed"
    );
    assert_eq!(
        scalar(&mut c, "SELECT count(*) FROM pg_index WHERE NOT indisvalid").await,
        0,
        "an INVALID index was left"
    );
    (plan, longest)
}

#[test]
fn issue12_online_scenarios_keep_writes_going() {
    let rt = support::rt();
    rt.block_on(async {
        for (name, from, to) in scenarios() {
            let Some(db) = support::pg_db().await else {
                return;
            };
            let (plan, longest) = run_scenario(&db, &from, &to).await;
            println!("{name}: longest writer wait {longest:?}");
            assert!(
                longest < LOCK_TIMEOUT,
                "{name}: the writer waited {longest:?}, longer than lock_timeout"
            );
            insta::assert_snapshot!(format!("online_{name}"), snapshot(&plan));
        }
    });
}

/// Runs `stmt` in a transaction left open on `a`; returns the lock modes `a` then holds on
/// `child`, and whether an insert from another connection got through meanwhile.
async fn locks_while_open(url: &str, stmt: &str) -> (Vec<String>, bool) {
    let mut a = sqlx::PgConnection::connect(url).await.expect("a");
    let mut b = sqlx::PgConnection::connect(url).await.expect("b");
    sqlx::raw_sql("BEGIN").execute(&mut a).await.expect("begin");
    sqlx::raw_sql(stmt)
        .execute(&mut a)
        .await
        .expect("statement");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut a)
        .await
        .expect("pid");
    let modes: Vec<String> = sqlx::query_scalar(
        "SELECT mode FROM pg_locks WHERE pid = $1 AND relation = 'child'::regclass AND granted ORDER BY mode",
    )
    .bind(pid)
    .fetch_all(&mut b)
    .await
    .expect("pg_locks");
    sqlx::raw_sql("SET lock_timeout = '300ms'")
        .execute(&mut b)
        .await
        .expect("set");
    let wrote = sqlx::raw_sql(
        "INSERT INTO child (id, parent_id, email, code, note) VALUES (99999, 1, 'x', 1, 'probe')",
    )
    .execute(&mut b)
    .await
    .is_ok();
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut a)
        .await
        .expect("rollback");
    (modes, wrote)
}

#[test]
fn issue12_validate_lets_writes_go_on_where_a_validating_add_does_not() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let d = db.dialect();
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(BASE, d)).await;
        conn.run_script(SEED).await.expect("seed");
        let to = BASE.replace(
            "note text)",
            "note text, CONSTRAINT child_code_check CHECK (code > 0))",
        );
        let want = support::desired(&to, d);
        let offline = support::plan_with(&mut conn, &want, &support::offline()).await;
        let (modes, wrote) = locks_while_open(&db.url, &offline.steps[0].sql[0]).await;
        assert_eq!(modes, ["AccessExclusiveLock"], "{}", offline.sql());
        assert!(!wrote, "a writer got past the validating ADD CONSTRAINT");

        let online = support::plan_against(&mut conn, &want).await;
        let kinds: Vec<&str> = online.steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds, ["add_check", "validate_constraint"]);
        assert!(
            !online.steps[1].transactional,
            "VALIDATE runs in its own transaction"
        );
        conn.run_script(&online.steps[0].sql[0])
            .await
            .expect("add NOT VALID");
        let (modes, wrote) = locks_while_open(&db.url, &online.steps[1].sql[0]).await;
        assert_eq!(modes, ["ShareUpdateExclusiveLock"]);
        assert!(wrote, "a writer waited for VALIDATE CONSTRAINT");
    });
}

#[test]
fn issue12_a_concurrent_unique_build_lets_writes_go_on() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let d = db.dialect();
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(BASE, d)).await;
        conn.run_script(SEED).await.expect("seed");
        let to = BASE.replace("note text)", "note text, UNIQUE (code))");
        let want = support::desired(&to, d);
        let plan = support::plan_against(&mut conn, &want).await;
        // An open transaction that wrote to the table: the concurrent build waits for it
        // to end, holding only SHARE UPDATE EXCLUSIVE meanwhile.
        let mut holder = sqlx::PgConnection::connect(&db.url).await.expect("holder");
        sqlx::raw_sql("BEGIN; INSERT INTO child (id, parent_id, email, code, note) VALUES (-1, 1, 'h', -1, 'holder')")
            .execute(&mut holder)
            .await
            .expect("hold");
        let mut probe = sqlx::PgConnection::connect(&db.url).await.expect("probe");
        let watch = async {
            let start = Instant::now();
            let modes: Vec<String> = loop {
                let m: Vec<String> = sqlx::query_scalar(
                    "SELECT l.mode FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
                     WHERE l.relation = 'child'::regclass AND l.granted AND a.query LIKE 'CREATE UNIQUE INDEX CONCURRENTLY%'",
                )
                .fetch_all(&mut probe)
                .await
                .expect("pg_locks");
                if !m.is_empty() || start.elapsed() > Duration::from_secs(10) {
                    break m;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            sqlx::raw_sql("SET lock_timeout = '500ms'")
                .execute(&mut probe)
                .await
                .expect("set");
            let wrote = sqlx::raw_sql(
                "INSERT INTO child (id, parent_id, email, code, note) VALUES (-2, 1, 'p', -2, 'probe')",
            )
            .execute(&mut probe)
            .await;
            sqlx::raw_sql("COMMIT").execute(&mut holder).await.expect("commit");
            (modes, wrote)
        };
        let opts = ExecOptions {
            lock_timeout: Some("20s".into()),
            ..ExecOptions::default()
        };
        let (applied, (modes, wrote)) = tokio::join!(conn.execute(&plan, &opts), watch);
        applied.unwrap_or_else(|e| panic!("apply: {e}\n{}", plan.sql()));
        assert_eq!(modes, ["ShareUpdateExclusiveLock"], "{}", plan.sql());
        wrote.expect("a writer got through while the unique index was built");
        assert!(support::plan_against(&mut conn, &want).await.is_empty());
    });
}

#[test]
fn issue12_a_lock_timeout_is_retried_with_backoff() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let d = db.dialect();
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(BASE, d)).await;
        let to = BASE.replace("note text)", "note text, CHECK (code > 0))");
        let want = support::desired(&to, d);
        let plan = support::plan_against(&mut conn, &want).await;
        let hold = |ms: u64| {
            let url = db.url.clone();
            async move {
                let mut h = sqlx::PgConnection::connect(&url).await.expect("holder");
                sqlx::raw_sql("BEGIN; SELECT count(*) FROM child")
                    .execute(&mut h)
                    .await
                    .expect("hold");
                tokio::time::sleep(Duration::from_millis(ms)).await;
                sqlx::raw_sql("COMMIT")
                    .execute(&mut h)
                    .await
                    .expect("commit");
            }
        };
        let quick = ExecOptions {
            lock_timeout: Some("200ms".into()),
            lock_retries: 0,
            ..ExecOptions::default()
        };
        let run = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            conn.execute(&plan, &quick).await
        };
        let (failed, ()) = tokio::join!(run, hold(1000));
        let msg = failed
            .expect_err("no retry: the lock timeout fails the plan")
            .to_string();
        assert!(
            msg.contains("lock timeout") && msg.contains("nothing was applied"),
            "{msg}"
        );
        assert!(!support::plan_against(&mut conn, &want).await.is_empty());

        let patient = ExecOptions {
            lock_timeout: Some("200ms".into()),
            lock_retries: 4,
            lock_retry_backoff: Duration::from_millis(150),
            ..ExecOptions::default()
        };
        let start = Instant::now();
        let run = async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            conn.execute(&plan, &patient).await
        };
        let (applied, ()) = tokio::join!(run, hold(1000));
        applied.unwrap_or_else(|e| panic!("retries should outlast the holder: {e}"));
        assert!(start.elapsed() >= Duration::from_millis(1000));
        assert!(support::plan_against(&mut conn, &want).await.is_empty());
    });
}

#[test]
fn issue12_a_failed_concurrent_build_leaves_no_invalid_index() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let d = db.dialect();
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(BASE, d)).await;
        conn.run_script("INSERT INTO child VALUES (1, 1, 'a', 7, 'x'), (2, 1, 'b', 7, 'x')")
            .await
            .expect("duplicates");
        let to = BASE.replace("note text)", "note text, UNIQUE (code))");
        let want = support::desired(&to, d);
        let plan = support::plan_against(&mut conn, &want).await;
        let err = conn
            .execute(&plan, &ExecOptions::default())
            .await
            .expect_err("duplicate codes")
            .to_string();
        assert!(
            err.contains("left index public.child_code_key INVALID: it was dropped again"),
            "{err}"
        );
        let mut c = sqlx::PgConnection::connect(&db.url).await.expect("check");
        assert_eq!(
            scalar(
                &mut c,
                "SELECT count(*) FROM pg_class WHERE relname = 'child_code_key'"
            )
            .await,
            0
        );
        conn.run_script("UPDATE child SET code = 8 WHERE id = 2")
            .await
            .expect("fix");
        let plan = support::plan_against(&mut conn, &want).await;
        conn.execute(&plan, &ExecOptions::default())
            .await
            .expect("applies once the rows are unique");
        assert!(support::plan_against(&mut conn, &want).await.is_empty());
    });
}

#[test]
fn issue12_plan_sql_prints_its_session_settings_and_diff_follows_the_config() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::write(p.join("from.sql"), BASE).expect("write");
    let to = BASE.replace("note text)", "note text, UNIQUE (code))");
    std::fs::write(p.join("to.sql"), &to).expect("write");
    std::fs::write(
        p.join("sqlshift.yaml"),
        "lock_timeout: 3s\nstatement_timeout: 1min\n",
    )
    .expect("config");
    rt.block_on(async {
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(BASE, db.dialect())).await;
    });
    let (code, out, err) = support::bin(
        p,
        &[
            "plan", "--url", &db.url, "--schema", "to.sql", "--format", "sql",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("SET lock_timeout = '3000ms';\nSET statement_timeout = '60000ms';\nCREATE UNIQUE INDEX CONCURRENTLY"),
        "{out}"
    );
    let diff = [
        "diff", "--from", "from.sql", "--to", "to.sql", "--format", "sql",
    ];
    let (code, out, err) = support::bin(p, &diff);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("UNIQUE USING INDEX child_code_key"), "{out}");
    std::fs::write(p.join("sqlshift.yaml"), "online: false\n").expect("config");
    let (code, out, err) = support::bin(p, &diff);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out, "ALTER TABLE public.child ADD CONSTRAINT child_code_key UNIQUE (code);\n",
        "{err}"
    );
}
