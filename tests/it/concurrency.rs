//! Concurrent runs (issue 8, item 2): a plan is only applied to the database state it was
//! planned from, and concurrent `apply` runners lose no row a client writes meanwhile.

use crate::support::{self, TestDb};
use sqlshift::dialect::{DbError, ExecOptions, Expected};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const BEFORE: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);";
/// On SQLite the CHECK makes this a table rebuild, the case that lost rows.
const AFTER: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, note VARCHAR(40) DEFAULT 'none', CHECK (v >= 0));";

#[test]
fn a_plan_is_not_run_on_a_database_that_changed_after_planning() {
    let rt = support::rt();
    rt.block_on(async {
        for db in support::all_dbs().await {
            let d = db.dialect();
            let mut conn = db.connect().await;
            support::apply(&mut conn, &support::desired(BEFORE, d)).await;
            let live = conn.introspect().await.expect("introspect");
            let plan = support::plan_against(&mut conn, &support::desired(AFTER, d)).await;
            assert!(!plan.is_empty());
            // Another run changes the schema between planning and applying.
            conn.run_script("ALTER TABLE items ADD COLUMN other INTEGER")
                .await
                .expect("concurrent change");
            let opts = ExecOptions {
                expect: Some(Expected {
                    fingerprint: sqlshift::plan::fingerprint(&live),
                    hidden_table: None,
                }),
                ..ExecOptions::default()
            };
            let err = conn
                .execute(&plan, &opts)
                .await
                .expect_err("a stale plan must not run");
            assert!(
                matches!(err, DbError::Changed { .. }),
                "{}: {err}",
                d.name()
            );
            assert!(err.to_string().contains("nothing was applied"), "{err}");
            let after = conn.introspect().await.expect("introspect");
            let items = after
                .tables
                .values()
                .find(|t| t.name.name == "items")
                .expect("items");
            let cols: Vec<&str> = items.columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(cols, ["id", "v", "other"], "{}: untouched", d.name());
        }
    });
}

/// Writes rows until told to stop: inserts with fresh ids, and updates of `note` (which
/// exists only once an apply has run). Returns the ids inserted and, per updated id, the
/// last note value the server acknowledged.
async fn client(url: String, stop: Arc<AtomicBool>) -> (Vec<i64>, Vec<(i64, String)>) {
    let mut conn = sqlshift::dialect::connect(&url).await.expect("client");
    let mut inserted = Vec::new();
    let mut notes: std::collections::BTreeMap<i64, String> = Default::default();
    let mut k: i64 = 0;
    while !stop.load(Ordering::SeqCst) {
        k += 1;
        let id = 100_000 + k;
        if conn
            .run_script(&format!("INSERT INTO items (id, v) VALUES ({id}, {k})"))
            .await
            .is_ok()
        {
            inserted.push(id);
        }
        let target = 1 + k % 50;
        let note = format!("n{k}");
        if conn
            .run_script(&format!(
                "UPDATE items SET note = '{note}' WHERE id = {target}"
            ))
            .await
            .is_ok()
        {
            notes.insert(target, note);
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    (inserted, notes.into_iter().collect())
}

fn four_concurrent_applies(db: &TestDb) {
    let rt = support::rt();
    let d = db.dialect();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("schema dir");
    std::fs::write(dir.path().join("schema/items.sql"), AFTER).expect("schema file");
    rt.block_on(async {
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(BEFORE, d)).await;
        let rows: Vec<String> = (1..=20_000).map(|i| format!("({i}, {i})")).collect();
        for chunk in rows.chunks(1000) {
            conn.run_script(&format!(
                "INSERT INTO items (id, v) VALUES {}",
                chunk.join(", ")
            ))
            .await
            .expect("seed");
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (url, stop) = (db.url.clone(), stop.clone());
        std::thread::spawn(move || support::rt().block_on(client(url, stop)))
    };
    let runners: Vec<_> = (0..4)
        .map(|_| {
            Command::new(assert_cmd::cargo::cargo_bin("sqlshift"))
                .current_dir(dir.path())
                .args(["apply", "--yes", "--url", &db.url])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn sqlshift")
        })
        .collect();
    let outputs: Vec<_> = runners
        .into_iter()
        .map(|r| r.wait_with_output().expect("wait"))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    let (inserted, notes) = writer.join().expect("client thread");
    let (mut applied, mut waited) = (0, 0);
    for o in &outputs {
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert_eq!(o.status.code(), Some(0), "{}: {out}\n{err}", d.name());
        if out.contains("Applied ") {
            applied += 1;
        } else {
            // The others waited for the lock; they say why they had nothing left to do.
            // A runner that planned after the winner finished just has no changes.
            assert!(out.contains("No changes"), "{}: {out}\n{err}", d.name());
            if err.contains("changed after this plan was made") {
                assert!(out.contains("another run applied them"), "{out}");
                waited += 1;
            }
        }
    }
    assert_eq!(
        applied,
        1,
        "{}: exactly one runner applies the plan",
        d.name()
    );
    eprintln!(
        "{}: 4 concurrent applies: 1 applied, {waited} re-planned after waiting for the lock",
        d.name()
    );
    assert!(!notes.is_empty(), "{}: the client updated rows", d.name());
    rt.block_on(async {
        let mut conn = db.connect().await;
        let plan = support::plan_against(&mut conn, &support::desired(AFTER, d)).await;
        assert!(plan.is_empty(), "{}: converged: {}", d.name(), plan.sql());
        let expected = 20_000 + inserted.len() as i64;
        assert_eq!(
            conn.count_rows("items").await.expect("count"),
            expected,
            "{}: no inserted row lost",
            d.name()
        );
        for (id, note) in &notes {
            let check = format!("SELECT count(*) FROM items WHERE id = {id} AND note = '{note}'");
            let n = conn.scalar_i64(&check).await.expect("read note");
            assert_eq!(
                n,
                1,
                "{}: the update of row {id} to {note} was lost",
                d.name()
            );
        }
    });
}

#[test]
fn four_concurrent_applies_lose_no_rows_on_sqlite() {
    four_concurrent_applies(&support::sqlite_db());
}

#[test]
fn four_concurrent_applies_lose_no_rows_on_postgres() {
    let rt = support::rt();
    if let Some(db) = rt.block_on(support::pg_db()) {
        four_concurrent_applies(&db);
    }
}

#[test]
fn four_concurrent_applies_lose_no_rows_on_mysql() {
    let rt = support::rt();
    if let Some(db) = rt.block_on(support::mysql_db()) {
        four_concurrent_applies(&db);
    }
}

#[test]
fn apply_waits_for_the_lock_only_as_long_as_configured() {
    let rt = support::rt();
    rt.block_on(async {
        for db in support::all_dbs().await {
            let d = db.dialect();
            let dir = tempfile::tempdir().expect("tempdir");
            std::fs::create_dir(dir.path().join("schema")).expect("schema dir");
            std::fs::write(dir.path().join("schema/items.sql"), BEFORE).expect("schema");
            std::fs::write(
                dir.path().join("sqlshift.yaml"),
                "migrate_lock_timeout: 1s\n",
            )
            .expect("config");
            let mut holder = db.connect().await;
            let take = match d.name() {
                "sqlite" => "BEGIN IMMEDIATE".to_string(),
                "postgres" => "SELECT pg_advisory_lock(8318549229658793588)".to_string(),
                _ => {
                    let name = crate::safety::lock_name(&db.url).await;
                    format!("DO GET_LOCK('{name}', 0)")
                }
            };
            holder.run_script(&take).await.expect("hold the lock");
            let started = std::time::Instant::now();
            let (code, out, err) = support::bin(dir.path(), &["apply", "--yes", "--url", &db.url]);
            let waited = started.elapsed();
            assert_eq!(code, 2, "{}: {out}{err}", d.name());
            assert!(
                err.contains("waiting for the apply lock") && err.contains("nothing was applied"),
                "{}: {err}",
                d.name()
            );
            assert!(
                waited >= std::time::Duration::from_millis(900)
                    && waited < std::time::Duration::from_secs(5),
                "{}: waited {waited:?} for a 1s lock timeout",
                d.name()
            );
            drop(holder);
        }
    });
}
