//! `sqlshift serve` (issue 14, item 1): the real binary on a loopback port against live
//! SQLite, PostgreSQL and MariaDB databases, driven over HTTP: every endpoint, 401 without
//! or with a wrong token, 403 read-only, 409 on concurrent migrates (two API calls, and an
//! API call against a lock another runner holds), 400 on bad input, 413 on a large body,
//! SIGTERM during a migration, and schemathesis against the OpenAPI document.

use crate::support::{self, migrations_project, version, TestDb};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "t0ken-for-tests";

/// A running `sqlshift serve`, killed when dropped.
struct Server {
    child: Child,
    base: String,
    agent: ureq::Agent,
}

impl Server {
    fn start(dir: &std::path::Path, token: Option<&str>, args: &[&str]) -> Server {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("sqlshift"));
        c.current_dir(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("SQLSHIFT_API_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(t) = token {
            c.env("SQLSHIFT_API_TOKEN", t);
        }
        let mut child = c.spawn().expect("start sqlshift serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("first line");
        let addr = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Server {
            child,
            base: format!("http://{addr}"),
            agent,
        }
    }

    fn get(&self, path: &str, token: Option<&str>) -> (u16, String) {
        let mut r = self.agent.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            r = r.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = r.call().expect("GET");
        let code = resp.status().as_u16();
        (code, resp.body_mut().read_to_string().expect("body"))
    }

    fn get_json(&self, path: &str) -> (u16, Value) {
        let (code, text) = self.get(path, Some(TOKEN));
        (
            code,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }

    fn post(&self, path: &str, token: Option<&str>, body: &str) -> (u16, Value) {
        let mut r = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", "application/json");
        if let Some(t) = token {
            r = r.header("Authorization", format!("Bearer {t}"));
        }
        let mut resp = r.send(body).expect("POST");
        let code = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().expect("body");
        (
            code,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }

    fn terminate(&mut self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(ok.success());
    }

    /// Waits for the process to exit; its exit code.
    fn wait(&mut self, within: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn error_code(v: &Value) -> &str {
    v["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error body: {v}"))
}

/// A statement that takes a second or more on each dialect.
fn slow(dialect: &str) -> &'static str {
    match dialect {
        "postgres" => "SELECT pg_sleep(2);\n",
        "mysql" => "SELECT SLEEP(2);\n",
        _ => "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000000) SELECT count(*) FROM c;\n",
    }
}

const USERS: (&str, &str, &str) = (
    "users",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n",
    "DROP TABLE users;\n",
);
const ORDERS: (&str, &str, &str) = (
    "orders",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);\n",
    "DROP TABLE orders;\n",
);

fn endpoints(db: &TestDb) {
    let d = db.dialect().name();
    let p = migrations_project(&db.url, &[USERS, ORDERS]);
    std::fs::create_dir(p.path().join("schema")).unwrap();
    std::fs::write(
        p.path().join("schema/s.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\nCREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER);\n",
    )
    .unwrap();
    let s = Server::start(p.path(), Some(TOKEN), &[]);

    // health needs no token; everything else does.
    let (code, text) = s.get("/v1/health", None);
    assert_eq!(code, 200, "{text}");
    let h: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(h["health"]["status"], "degraded");
    assert_eq!(h["health"]["migrations"]["pending"], 2);
    for path in [
        "/v1/status",
        "/v1/history",
        "/v1/drift",
        "/v1/plan",
        "/v1/openapi.json",
        "/metrics",
    ] {
        let (code, text) = s.get(path, None);
        assert_eq!(code, 401, "{path}: {text}");
        assert!(text.contains("\"unauthorized\""), "{text}");
        let (code, _) = s.get(path, Some("wrong-token"));
        assert_eq!(code, 401, "{path} with a wrong token");
        let (code, _) = s.get(path, Some(&TOKEN[..TOKEN.len() - 1]));
        assert_eq!(code, 401, "{path} with a prefix of the token");
    }
    let (code, v) = s.post("/v1/migrate", None, "{}");
    assert_eq!((code, error_code(&v)), (401, "unauthorized"));
    let (code, v) = s.post("/v1/migrate", Some("nope"), "{}");
    assert_eq!((code, error_code(&v)), (401, "unauthorized"));

    let (code, v) = s.get_json("/v1/status");
    assert_eq!(code, 200);
    assert_eq!(v["summary"]["pending"], 2, "{v:#}");
    assert_eq!(v["dialect"], d);
    let (code, v) = s.get_json("/v1/plan");
    assert_eq!(code, 200);
    assert_eq!(v["pending"][0]["name"], "users");
    assert!(v["pending"][0]["sql"]
        .as_str()
        .unwrap()
        .contains("CREATE TABLE users"));

    // Bad input: 400 with a JSON body, never 500; nothing runs.
    for body in [
        "not json",
        "[1, 2]",
        "{\"target_version\": -1}",
        "{\"target_version\": 0}",
        "{\"target_version\": \"abc\"}",
        "{\"target_version\": 12345}",
        "{\"unknown\": true}",
        "{\"dry_run\": \"yes\"}",
    ] {
        let (code, v) = s.post("/v1/migrate", Some(TOKEN), body);
        assert_eq!((code, error_code(&v)), (400, "bad_request"), "{body}: {v}");
    }
    let (code, v) = s.get_json("/v1/drift?against=elsewhere");
    assert_eq!((code, error_code(&v)), (400, "bad_request"));
    let big = format!("{{\"dry_run\": false, \"x\": \"{}\"}}", "a".repeat(20_000));
    let (code, v) = s.post("/v1/migrate", Some(TOKEN), &big);
    assert_eq!((code, error_code(&v)), (413, "too_large"));
    let (code, v) = s.get_json("/v1/status");
    assert_eq!((code, &v["summary"]["applied"]), (200, &json!(0)));

    // Dry run, then apply the first, then the rest.
    let (code, v) = s.post("/v1/migrate", Some(TOKEN), "{\"dry_run\": true}");
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["migrations"].as_array().unwrap().len(), 2);
    let first = version(1);
    let (code, v) = s.post(
        "/v1/migrate",
        Some(TOKEN),
        &format!("{{\"target_version\": {first}}}"),
    );
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["migrations"][0]["version"], first.to_string());
    assert_eq!(v["migrations"].as_array().unwrap().len(), 1);
    let (code, v) = s.post("/v1/migrate", Some(TOKEN), "{}");
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["migrations"][0]["name"], "orders");
    let (_, v) = s.get_json("/v1/history");
    assert_eq!(v["applied"].as_array().unwrap().len(), 2, "{v:#}");
    let (code, v) = s.get_json("/v1/drift");
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["drifted"], false, "{v:#}");
    let (code, v) = s.get_json("/v1/drift?against=schema");
    assert_eq!((code, &v["drifted"]), (200, &json!(false)), "{v:#}");
    let (code, v) = s.get_json("/v1/plan?source=schema");
    assert_eq!(code, 200);
    assert_eq!(v["summary"]["steps"], 0, "{v:#}");

    // Rollback: one version alone only when it is the newest; bad targets are 400.
    let (code, v) = s.post(
        "/v1/rollback",
        Some(TOKEN),
        &format!("{{\"version\": {first}}}"),
    );
    assert_eq!((code, error_code(&v)), (400, "bad_request"), "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("orders"),
        "{v}"
    );
    let (code, v) = s.post(
        "/v1/rollback",
        Some(TOKEN),
        "{\"version\": 1, \"steps\": 1}",
    );
    assert_eq!((code, error_code(&v)), (400, "bad_request"));
    let (code, v) = s.post("/v1/rollback", Some(TOKEN), "{\"version\": 999}");
    assert_eq!((code, error_code(&v)), (400, "bad_request"));
    let (code, v) = s.post(
        "/v1/rollback",
        Some(TOKEN),
        "{\"steps\": 1, \"dry_run\": true}",
    );
    assert_eq!(code, 200);
    assert_eq!(v["migrations"][0]["name"], "orders");
    let (code, v) = s.post("/v1/rollback", Some(TOKEN), "{}");
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["migrations"][0]["name"], "orders");
    let (_, v) = s.get_json("/v1/status");
    assert_eq!(v["summary"]["applied"], 1);
    // Each run is in the audit trail under the token's name and the client's address.
    let (code, out, err) = support::bin(
        p.path(),
        &["migrate", "history", "--audit", "--format", "json"],
    );
    assert_eq!(code, 0, "{out}{err}");
    let trail: Value = serde_json::from_str(&out).unwrap();
    let entries = trail["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{trail:#}");
    for e in entries {
        assert_eq!(e["actor"], "SQLSHIFT_API_TOKEN");
        assert!(
            e["origin"].as_str().unwrap().starts_with("127.0.0.1:"),
            "{e}"
        );
    }
    assert_eq!(entries[2]["operation"], "rollback");

    // Metrics count what this server did, and read the pending count now.
    let (code, text) = s.get("/metrics", Some(TOKEN));
    assert_eq!(code, 200);
    for line in [
        "sqlshift_up 1",
        "sqlshift_migrations_applied_total 2",
        "sqlshift_migrations_reverted_total 1",
        "sqlshift_migrations_failed_total 0",
        "sqlshift_migrations_pending 1",
        "sqlshift_drift_detected 0",
        "# TYPE sqlshift_lock_wait_seconds gauge",
        "# TYPE sqlshift_last_migration_duration_seconds gauge",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
    }
    let (code, text) = s.get("/v1/openapi.json", Some(TOKEN));
    assert_eq!(code, 200);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let (code, v) = s.get_json("/v1/nothing-here");
    assert_eq!((code, error_code(&v)), (404, "not_found"));

    // A failing migration: 422, counted, nothing of it applied where DDL is transactional.
    support::add_migrations(
        p.path(),
        3,
        &[(
            "broken",
            "CREATE TABLE t3 (id INTEGER PRIMARY KEY);\nCREATE TABLE t3 (id INTEGER PRIMARY KEY);\n",
            "DROP TABLE t3;\n",
        )],
    );
    let (code, v) = s.post("/v1/migrate", Some(TOKEN), "{}");
    assert_eq!((code, error_code(&v)), (422, "migration_failed"), "{v}");
    let (_, text) = s.get("/metrics", Some(TOKEN));
    assert!(
        text.lines()
            .any(|l| l == "sqlshift_migrations_failed_total 1"),
        "{text}"
    );
    assert!(!text.contains(TOKEN));
}

fn read_only(db: &TestDb) {
    let p = migrations_project(&db.url, &[USERS]);
    // Without a token the server refuses to start, unless read-only.
    let out = Command::new(assert_cmd::cargo::cargo_bin("sqlshift"))
        .current_dir(p.path())
        .env_remove("SQLSHIFT_API_TOKEN")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no API token is configured"));
    let s = Server::start(p.path(), None, &["--read-only"]);
    let (code, text) = s.get("/v1/status", None);
    assert_eq!(code, 200, "{text}");
    for path in ["/v1/migrate", "/v1/rollback"] {
        let (code, v) = s.post(path, None, "{}");
        assert_eq!((code, error_code(&v)), (403, "read_only"), "{path}");
    }
    drop(s);
    // With a token and read-only: the token first (401), then 403.
    let s = Server::start(p.path(), Some(TOKEN), &["--read-only"]);
    assert_eq!(s.post("/v1/migrate", None, "{}").0, 401);
    let (code, v) = s.post("/v1/migrate", Some(TOKEN), "{}");
    assert_eq!((code, error_code(&v)), (403, "read_only"));
    let (_, v) = s.get_json("/v1/status");
    assert_eq!(v["summary"]["applied"], 0, "nothing ran");
}

/// Two migrates at once: one runs, the other answers 409 naming who runs. A lock held by
/// another runner (as `sqlshift migrate` holds it) is a 409 too.
fn conflicts(db: &TestDb) {
    let d = db.dialect().name();
    let p = migrations_project(&db.url, &[("slow", slow(d), "SELECT 1;\n"), USERS]);
    let s = std::sync::Arc::new(Server::start(p.path(), Some(TOKEN), &[]));
    let s2 = s.clone();
    let first = std::thread::spawn(move || s2.post("/v1/migrate", Some(TOKEN), "{}"));
    std::thread::sleep(Duration::from_millis(400));
    let (code, v) = s.post("/v1/migrate", Some(TOKEN), "{}");
    assert_eq!((code, error_code(&v)), (409, "locked"), "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("migrate by token `SQLSHIFT_API_TOKEN`"),
        "{message}"
    );
    let (code, v) = first.join().unwrap();
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["migrations"].as_array().unwrap().len(), 2);

    // Another runner holds the migration lock.
    let rt = support::rt();
    let mut holder = rt.block_on(db.connect());
    assert!(rt
        .block_on(holder.migration_lock("schema_migrations", Duration::from_secs(5)))
        .unwrap());
    let (code, v) = s.post("/v1/rollback", Some(TOKEN), "{}");
    assert_eq!((code, error_code(&v)), (409, "locked"), "{v}");
    if d != "sqlite" {
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("the migration lock is held by session"),
            "{message}"
        );
    }
    rt.block_on(holder.migration_unlock("schema_migrations"))
        .unwrap();
    let (code, v) = s.post("/v1/rollback", Some(TOKEN), "{}");
    assert_eq!(code, 200, "{v}");
}

/// SIGTERM while a migration runs: it finishes, its client gets the answer, the server
/// exits 0, and the migration is recorded whole.
fn sigterm(db: &TestDb) {
    let d = db.dialect().name();
    let p = migrations_project(
        &db.url,
        &[(
            "slow",
            &format!(
                "{}CREATE TABLE after_slow (id INTEGER PRIMARY KEY);\n",
                slow(d)
            ),
            "DROP TABLE after_slow;\n",
        )],
    );
    let mut s = Server::start(p.path(), Some(TOKEN), &[]);
    let (base, agent) = (s.base.clone(), s.agent.clone());
    let call = std::thread::spawn(move || {
        let mut r = agent
            .post(format!("{base}/v1/migrate"))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .header("Content-Type", "application/json")
            .send("{}")
            .expect("POST");
        (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
    });
    std::thread::sleep(Duration::from_millis(500));
    s.terminate();
    let (code, text) = call.join().unwrap();
    assert_eq!(code, 200, "{text}");
    assert_eq!(s.wait(Duration::from_secs(30)), Some(0));
    let (code, out, err) = support::bin(p.path(), &["migrate", "status", "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["applied"], 1, "{v:#}");
    let rt = support::rt();
    let mut c = rt.block_on(db.connect());
    assert_eq!(rt.block_on(c.count_rows("after_slow")).unwrap(), 0);
}

/// schemathesis (pinned in .ci/run) against the running server: every check, no failure.
fn schemathesis(db: &TestDb) {
    let found = Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var("SQLSHIFT_REQUIRE_SERVERS").ok().as_deref() != Some("1"),
            "schemathesis is required (SQLSHIFT_REQUIRE_SERVERS=1): pip install schemathesis (see .ci/run)"
        );
        eprintln!("SKIPPED: schemathesis is not installed");
        return;
    }
    let p = migrations_project(&db.url, &[USERS, ORDERS]);
    std::fs::create_dir(p.path().join("schema")).unwrap();
    std::fs::write(p.path().join("schema/s.sql"), USERS.1).unwrap();
    let s = Server::start(p.path(), Some(TOKEN), &[]);
    let out = Command::new("schemathesis")
        .arg("--config-file")
        .arg(support::repo().join(".ci/schemathesis.toml"))
        .args(["run", &format!("{}/v1/openapi.json", s.base)])
        .args(["-H", &format!("Authorization: Bearer {TOKEN}")])
        .args([
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--seed",
            "14",
            "--no-color",
        ])
        .output()
        .expect("run schemathesis");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("passed"), "{text}");
}

fn all(db: impl Fn() -> Option<TestDb>) {
    let Some(first) = db() else { return };
    endpoints(&first);
    read_only(&db().unwrap());
    conflicts(&db().unwrap());
    sigterm(&db().unwrap());
    schemathesis(&db().unwrap());
}

#[test]
fn sqlite_service() {
    all(|| Some(support::sqlite_db()));
}

#[test]
fn postgres_service() {
    let rt = support::rt();
    all(|| rt.block_on(support::pg_db()));
}

#[test]
fn mysql_service() {
    let rt = support::rt();
    all(|| rt.block_on(support::mysql_db()));
}
