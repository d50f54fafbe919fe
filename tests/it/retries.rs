//! Retries of transient failures (issue 14, item 6): a migration that fails with a
//! serialization failure or a deadlock is tried again from its start, with backoff, up to
//! `lock_retries` times, each retry logged; a connection refused is retried the same way;
//! a failure that is not transient (an error in the SQL, an unknown database) never is.

use crate::support::{self, bin, migrations_project};

/// A migration whose first `fail` runs raise `errcode` (a sequence counts the runs: it is
/// not rolled back with the transaction), then succeed.
fn flaky(errcode: &str, fail: i64) -> String {
    format!(
        "DO $$ BEGIN IF nextval('svc_runs') <= {fail} THEN RAISE EXCEPTION 'simulated' USING ERRCODE = '{errcode}'; END IF; END $$;\nCREATE TABLE done (id int);\n"
    )
}

fn project(url: &str, up: &str, retries: u32) -> tempfile::TempDir {
    let p = migrations_project(url, &[("flaky", up, "DROP TABLE done;\n")]);
    let cfg = p.path().join("sqlshift.yaml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(&format!(
        "lock_retries: {retries}\nlock_retry_backoff: 10ms\n"
    ));
    std::fs::write(&cfg, text).unwrap();
    p
}

fn runs(db: &support::TestDb) -> i64 {
    let rt = support::rt();
    let mut c = rt.block_on(db.connect());
    rt.block_on(c.scalar_i64("SELECT last_value FROM svc_runs"))
        .unwrap()
}

fn retry_lines(err: &str) -> usize {
    err.lines()
        .filter(|l| l.contains("(a transient failure): trying again"))
        .count()
}

#[test]
fn postgres_transient_failures_are_retried_and_others_are_not() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    let mut c = rt.block_on(db.connect());
    rt.block_on(c.run_script("CREATE SEQUENCE svc_runs"))
        .unwrap();

    // Two serialization failures, three retries allowed: applied on the third run.
    let p = project(&db.url, &flaky("40001", 2), 3);
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(retry_lines(&err), 2, "{err}");
    assert!(
        err.contains("retry 1 of 3") && err.contains("retry 2 of 3"),
        "{err}"
    );
    assert_eq!(runs(&db), 3);
    assert_eq!(rt.block_on(c.count_rows("done")).unwrap(), 0);

    // Deadlocks beyond the retries allowed: refused, saying how often it was tried.
    let db2 = rt.block_on(support::pg_db()).unwrap();
    let mut c2 = rt.block_on(db2.connect());
    rt.block_on(c2.run_script("CREATE SEQUENCE svc_runs"))
        .unwrap();
    let p = project(&db2.url, &flaky("40P01", 5), 1);
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(retry_lines(&err), 1, "{err}");
    assert!(err.contains("tried 2 times"), "{err}");
    assert_eq!(runs(&db2), 2);

    // Not transient: run once, never retried.
    let db3 = rt.block_on(support::pg_db()).unwrap();
    let mut c3 = rt.block_on(db3.connect());
    rt.block_on(c3.run_script("CREATE SEQUENCE svc_runs"))
        .unwrap();
    let p = project(&db3.url, &flaky("22012", 5), 3);
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(retry_lines(&err), 0, "{err}");
    assert_eq!(runs(&db3), 1);
}

#[test]
fn a_refused_connection_is_retried_an_unknown_database_is_not() {
    let dir = migrations_project(
        "postgres://postgres@127.0.0.1:1/nothing",
        &[("a", "SELECT 1;\n", "SELECT 1;\n")],
    );
    let cfg = dir.path().join("sqlshift.yaml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("lock_retries: 2\nlock_retry_backoff: 10ms\n");
    std::fs::write(&cfg, text).unwrap();
    let (code, _, err) = bin(dir.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(retry_lines(&err), 2, "{err}");
    assert!(err.contains("Connection refused"), "{err}");

    let rt = support::rt();
    if rt.block_on(support::pg_db()).is_none() {
        return;
    }
    let admin = support::pg_admin_url();
    let missing = format!(
        "{}/svc_no_such_database",
        &admin[..admin.rfind('/').unwrap()]
    );
    let (code, _, err) = bin(dir.path(), &["migrate", "up", "--yes", "--url", &missing]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(retry_lines(&err), 0, "{err}");
    assert!(err.contains("does not exist"), "{err}");
}
