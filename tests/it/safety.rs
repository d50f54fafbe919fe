//! Nothing half-done and no silent loss, on live databases.

use crate::support;
use sqlshift::dialect::ExecOptions;

const BEFORE: &str = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL);";
/// The second step (a unique constraint over duplicate data) fails after the first ran.
const AFTER: &str =
    "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, nick TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY);";

#[test]
fn a_failing_statement_leaves_the_database_unchanged() {
    let rt = support::rt();
    rt.block_on(async {
        for db in support::transactional_dbs().await {
            let d = db.dialect();
            let mut conn = db.connect().await;
            support::apply(&mut conn, &support::desired(BEFORE, d)).await;
            conn.run_script("INSERT INTO accounts (id, email) VALUES (1, 'a@x'), (2, 'a@x')")
                .await
                .expect("seed");
            let before = conn.introspect().await.expect("introspect");
            // One transaction holds the whole plan only without online mode, whose
            // concurrent builds commit on their own (tests/it/online.rs).
            let plan =
                support::plan_with(&mut conn, &support::desired(AFTER, d), &support::offline())
                    .await;
            assert!(plan.steps.len() >= 2, "{}", plan.sql());
            let err = conn
                .execute(&plan, &ExecOptions::default())
                .await
                .expect_err("the unique constraint must fail on duplicate rows");
            let msg = err.to_string();
            assert!(msg.contains("nothing was applied"), "{msg}");
            assert!(msg.contains("statement:"), "{msg}");
            let after = conn.introspect().await.expect("introspect");
            assert!(
                support::same(&before, &after),
                "{} changed the schema: {}",
                d.name(),
                support::describe_diff(&before, &after)
            );
            assert_eq!(conn.count_rows("accounts").await.expect("count"), 2);
        }
    });
}

#[test]
fn destructive_steps_carry_a_data_loss_hazard() {
    let rt = support::rt();
    rt.block_on(async {
        for db in support::all_dbs().await {
            let d = db.dialect();
            let mut conn = db.connect().await;
            support::apply(&mut conn, &support::desired(AFTER, d)).await;
            let plan = support::plan_against(&mut conn, &support::desired(BEFORE, d)).await;
            let destructive: Vec<String> = plan
                .destructive_steps()
                .flat_map(|s| s.hazards.iter().map(|h| h.message.clone()))
                .collect();
            assert!(
                destructive.iter().any(|o| o.contains("audit")),
                "{}: {destructive:?}",
                d.name()
            );
            assert!(
                destructive.iter().any(|o| o.contains("nick")),
                "{}: {destructive:?}",
                d.name()
            );
        }
    });
}

#[test]
fn postgres_lock_timeout_is_applied_inside_the_transaction() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let mut conn = db.connect().await;
        let d = db.dialect();
        let plan = support::plan_against(&mut conn, &support::desired(BEFORE, d)).await;
        let opts = ExecOptions {
            lock_timeout: Some("not-a-duration".into()),
            ..ExecOptions::default()
        };
        let err = conn
            .execute(&plan, &opts)
            .await
            .expect_err("an invalid lock_timeout is rejected by the server");
        assert!(err.to_string().contains("lock_timeout"), "{err}");
        let live = conn.introspect().await.expect("introspect");
        assert!(live.tables.is_empty());
    });
}

#[test]
fn postgres_concurrent_indexes_run_outside_the_transaction() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let mut conn = db.connect().await;
        let d = db.dialect();
        support::apply(&mut conn, &support::desired(BEFORE, d)).await;
        let want = support::desired(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL, nick TEXT);
             CREATE INDEX accounts_email_idx ON accounts (email);",
            d,
        );
        let live = conn.introspect().await.expect("introspect");
        let opts = sqlshift::dialect::RenderOptions {
            concurrent_indexes: true,
            online: false,
            ..Default::default()
        };
        let plan = sqlshift::plan::plan(&live, &want, d, &opts);
        let index_step = plan
            .steps
            .iter()
            .find(|s| s.kind == "create_index")
            .expect("index step");
        assert!(!index_step.transactional);
        assert!(
            index_step.sql[0].starts_with("CREATE INDEX CONCURRENTLY"),
            "{}",
            index_step.sql[0]
        );
        assert!(index_step
            .hazards
            .iter()
            .any(|h| h.code.as_str() == "not-transactional"));
        assert!(
            plan.steps.iter().any(|s| s.transactional),
            "the column is added in a transaction"
        );
        conn.execute(&plan, &ExecOptions::default())
            .await
            .expect("apply");
        assert!(support::plan_against(&mut conn, &want).await.is_empty());
    });
}

#[test]
fn two_postgres_applies_do_not_interleave() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let d = db.dialect();
        let want = support::desired(AFTER, d);
        let (mut a, mut b) = (db.connect().await, db.connect().await);
        let plan_a = support::plan_against(&mut a, &want).await;
        let plan_b = support::plan_against(&mut b, &want).await;
        let opts = ExecOptions::default();
        let (ra, rb) = tokio::join!(a.execute(&plan_a, &opts), b.execute(&plan_b, &opts));
        // One runs, the other waits for the lock and then fails on the existing tables,
        // rolling back whole; the schema is exactly the desired one either way.
        assert!(ra.is_ok() != rb.is_ok(), "{ra:?} / {rb:?}");
        assert!(support::plan_against(&mut a, &want).await.is_empty());
    });
}

/// MySQL orders a plan table by table: `audit` is created before `users` fails.
const MY_BEFORE: &str = "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL);";
const MY_AFTER: &str =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE);
CREATE TABLE audit (id INTEGER PRIMARY KEY);";

#[test]
fn mysql_failure_halfway_names_what_ran_and_a_second_apply_converges() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::mysql_db().await else {
            return;
        };
        let d = db.dialect();
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(MY_BEFORE, d)).await;
        conn.run_script("INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'a@x')")
            .await
            .expect("seed");
        let want = support::desired(MY_AFTER, d);
        let plan = support::plan_against(&mut conn, &want).await;
        let err = conn
            .execute(&plan, &ExecOptions::default())
            .await
            .expect_err("duplicate emails");
        let msg = err.to_string();
        assert!(msg.contains("ran and stay applied"), "{msg}");
        assert!(msg.contains("ok: CREATE TABLE `audit`"), "{msg}");
        assert!(msg.contains("failed: ALTER TABLE `users`"), "{msg}");
        assert!(msg.contains("run `sqlshift apply` again"), "{msg}");
        // The audit table was created before the failure and stays.
        let live = conn.introspect().await.expect("introspect");
        assert!(live.tables.keys().any(|t| t.name == "audit"));
        conn.run_script("UPDATE users SET email = 'b@x' WHERE id = 2")
            .await
            .expect("fix data");
        let second = support::apply(&mut conn, &want).await;
        assert!(
            !second.is_empty()
                && second
                    .steps
                    .iter()
                    .all(|s| !s.sql.join(" ").contains("CREATE TABLE `audit`"))
        );
        assert!(support::plan_against(&mut conn, &want).await.is_empty());
    });
}

#[test]
fn mysql_apply_waits_for_the_lock_and_says_who_holds_it() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::mysql_db().await else {
            return;
        };
        let d = db.dialect();
        let mut holder = db.connect().await;
        let lock = lock_name(&db.url).await;
        holder
            .run_script(&format!("DO GET_LOCK('{lock}', 0)"))
            .await
            .expect("take lock");
        let mut conn = db.connect().await;
        let plan = support::plan_against(&mut conn, &support::desired(BEFORE, d)).await;
        let opts = ExecOptions {
            lock_wait: std::time::Duration::from_secs(1),
            ..ExecOptions::default()
        };
        let err = conn.execute(&plan, &opts).await.expect_err("lock is held");
        assert!(
            err.to_string().contains("waiting for the apply lock")
                && err
                    .to_string()
                    .contains("another `sqlshift apply` is running"),
            "{err}"
        );
        assert!(conn
            .introspect()
            .await
            .expect("introspect")
            .tables
            .is_empty());
        holder
            .run_script(&format!("DO RELEASE_LOCK('{lock}')"))
            .await
            .expect("release");
        conn.execute(&plan, &opts)
            .await
            .expect("applies once the lock is free");
    });
}

/// The name sqlshift's MySQL apply lock has for the database at `url`.
pub async fn lock_name(url: &str) -> String {
    let db = url.rsplit('/').next().unwrap_or_default();
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("apply:{db}").as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("sqlshift_apply_{hex}")
}

/// Issue 8 item 7 / issue 9 item 3 on PostgreSQL: a view locked by another session blocks
/// `pg_get_viewdef`; the read stops after `catalog_timeout` and names what it was reading.
#[test]
fn a_blocked_postgres_catalog_read_times_out_and_names_the_catalog() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    let mut holder = rt.block_on(async {
        let mut c = db.connect().await;
        c.run_script("CREATE TABLE t (id int PRIMARY KEY); CREATE VIEW v AS SELECT id FROM t;")
            .await
            .expect("schema");
        c.run_script("BEGIN; LOCK TABLE v IN ACCESS EXCLUSIVE MODE;")
            .await
            .expect("lock the view");
        c
    });
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("sqlshift.yaml"), "catalog_timeout: 1s\n").expect("config");
    let started = std::time::Instant::now();
    let (code, out, err) = support::bin(dir.path(), &["inspect", "--url", &db.url]);
    let took = started.elapsed();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("reading the views catalog timed out"), "{err}");
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    rt.block_on(async { holder.run_script("ROLLBACK").await.expect("release") });
}
