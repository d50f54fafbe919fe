//! Versioned migrations on live SQLite and PostgreSQL: generate → migrate up → down → up
//! over every fixture case, concurrent runners, failures halfway, and what each kind of
//! tampering with the migrations folder does. Also keeps the repository's own
//! `migrations/` honest: verified against its sum and replaying to `schema/`.

use crate::support::{self, TestDb};
use sqlshift::dialect::{self, Dialect, RenderOptions};
use sqlshift::migrate::generate::{self, Outcome, Request};
use sqlshift::migrate::{files, migrator, replay, tracking, DownTarget, Options, Quiet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::repo;

const TABLE: &str = "schema_migrations";

fn opts() -> Options {
    let mut o = Options::new(TABLE);
    o.applied_by = "test@host".into();
    o
}

fn dev_urls() -> BTreeMap<String, String> {
    BTreeMap::from([
        ("postgres".to_string(), support::pg_admin_url()),
        ("mysql".to_string(), support::mysql_admin_url()),
    ])
}

/// Generates a migration named `name` for one dialect from `schema_sql`, in `root`.
async fn generate_one(
    root: &Path,
    d: &'static dyn Dialect,
    name: &str,
    schema_sql: &str,
) -> Result<Vec<Outcome>, String> {
    generate_access(root, d, name, schema_sql, &Default::default()).await
}

/// [`generate_one`] managing the privileges and owners `access` names.
async fn generate_access(
    root: &Path,
    d: &'static dyn Dialect,
    name: &str,
    schema_sql: &str,
    access: &sqlshift::model::Access,
) -> Result<Vec<Outcome>, String> {
    let schema_dir = root.join("schema");
    std::fs::create_dir_all(&schema_dir).unwrap();
    std::fs::write(schema_dir.join("schema.sql"), schema_sql).unwrap();
    let targets = vec![d.name().to_string()];
    let urls = dev_urls();
    let paths = vec![schema_dir];
    let req = Request {
        name,
        schema_paths: &paths,
        root: &root.join("migrations"),
        targets: &targets,
        dialects: vec![d],
        dev_urls: &urls,
        render: RenderOptions::default(),
        access: access.clone(),
        migrator: opts(),
        now: std::time::SystemTime::now(),
    };
    generate::generate(&req).await.map_err(|e| e.to_string())
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("fixtures/cases"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn applies_to(case: &Path, dialect: &str) -> bool {
    match std::fs::read_to_string(case.join("dialects")) {
        Ok(list) => list.lines().any(|l| l.trim() == dialect),
        Err(_) => true,
    }
}

/// The live schema without the tracking table, keeping what `access` manages.
async fn live_access(db: &TestDb, access: &sqlshift::model::Access) -> sqlshift::model::Schema {
    let mut c = db.connect().await.with_access(access.clone());
    let mut s = c.introspect().await.unwrap();
    tracking::hide(&mut s, TABLE, db.dialect());
    s
}

async fn converged(db: &TestDb, sql: &str) -> Result<(), String> {
    converged_access(db, sql, &Default::default()).await
}

async fn converged_access(
    db: &TestDb,
    sql: &str,
    access: &sqlshift::model::Access,
) -> Result<(), String> {
    let want = support::desired_access(sql, db.dialect(), access);
    let have = live_access(db, access).await;
    let plan = sqlshift::plan::plan(&have, &want, db.dialect(), &RenderOptions::default());
    if plan.is_empty() {
        Ok(())
    } else {
        Err(plan.sql())
    }
}

async fn run_case(case: &Path, db: &TestDb) -> Result<(), String> {
    let d = db.dialect();
    let name = case.file_name().unwrap().to_string_lossy().into_owned();
    let from = std::fs::read_to_string(case.join("from.sql")).unwrap();
    let to = std::fs::read_to_string(case.join("to.sql")).unwrap();
    let project = tempfile::tempdir().unwrap();
    let access = support::case_access(case);
    let first = generate_access(project.path(), d, "from", &from, &access)
        .await
        .map_err(|e| format!("{name}: generate from.sql: {e}"))?;
    let written = |o: &[Outcome]| usize::from(matches!(o.first(), Some(Outcome::Written { .. })));
    let second = generate_access(project.path(), d, "to", &to, &access)
        .await
        .map_err(|e| format!("{name}: generate to.sql: {e}"))?;
    let changed = written(&second) == 1;
    // Law: what generate writes lints without error-level findings.
    let groups = sqlshift::lint::collect(&project.path().join("migrations"), Some(d.name()))
        .map_err(|e| e.to_string())?;
    let errors: Vec<String> = sqlshift::lint::lint(&groups)
        .into_iter()
        .filter(|f| f.severity == sqlshift::lint::Severity::Error)
        .map(|f| {
            format!(
                "{}:{}: {}: {}",
                f.file.rsplit('/').next().unwrap_or_default(),
                f.line,
                f.code,
                f.message
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "{name}: lint finds errors in the generated migrations:\n{}",
            errors.join("\n")
        ));
    }
    // Not yet on MySQL: lint does not track a column's nullability or a FLOAT's
    // precision there, so it cannot tell which MODIFY COLUMN copies or may fail.
    if changed && d.name() != "mysql" {
        codes_agree(&groups).map_err(|e| format!("{name}: {e}"))?;
    }
    let dir = files::load(&project.path().join("migrations")).map_err(|e| e.to_string())?;
    assert_eq!(
        dir.migrations.len(),
        written(&first) + written(&second),
        "{name}"
    );

    let conn = db.connect().await;
    let (_, report) = migrator::up(conn, &dir, &opts(), None, &mut Quiet)
        .await
        .map_err(|e| format!("{name}: migrate up: {e}"))?;
    assert_eq!(report.ran.len(), dir.migrations.len());
    converged_access(db, &to, &access).await.map_err(|rest| {
        format!("{name}: after migrate up, plan against to.sql is not empty:\n{rest}")
    })?;
    if !changed {
        return Ok(());
    }
    let conn = db.connect().await;
    migrator::down(conn, &opts(), DownTarget::Steps(1), &mut Quiet)
        .await
        .map_err(|e| format!("{name}: migrate down: {e}"))?;
    converged_access(db, &from, &access).await.map_err(|rest| {
        format!("{name}: after migrate down 1, plan against from.sql is not empty:\n{rest}")
    })?;
    let conn = db.connect().await;
    let (_, report) = migrator::up(conn, &dir, &opts(), None, &mut Quiet)
        .await
        .map_err(|e| format!("{name}: migrate up again: {e}"))?;
    assert_eq!(report.ran.len(), 1);
    converged_access(db, &to, &access)
        .await
        .map_err(|rest| format!("{name}: after up again, plan is not empty:\n{rest}"))?;
    Ok(())
}

/// Codes only plans give: how sqlshift runs a step, which a file cannot say.
const PLAN_ONLY: &[&str] = &[
    "not-transactional",
    "metadata-lock",
    "inplace-rebuild",
    "blocks-writes",
    // What a policy or row-level security change does to who reaches which rows: lint
    // has no model of policies.
    "widens-access",
    "hides-rows",
];
/// Codes only lint gives: what a hand-written file can get wrong that a plan never does.
const LINT_ONLY: &[&str] = &[
    "concurrent-in-transaction",
    "lock-timeout-off",
    "unchecked",
    "unused-allow",
];

/// Steps that re-create a user type under its own name and convert its columns: lint
/// does not model type definitions (enum values, domain checks, range subtypes), so it
/// cannot tell what the conversion loses or rewrites; the plan alone judges them.
const REBUILT_TYPES: &[&str] = &["(rebuild enum)", "(rebuild domain)", "(rebuild range)"];

/// Law (issue 12): lint codes map to the plan's hazard codes one to one. The newest
/// migration's header lists each step's hazards as the plan gave them; lint's findings on
/// the same step's statements (allowed ones included) must carry the same codes.
fn codes_agree(groups: &[sqlshift::lint::Group]) -> Result<(), String> {
    let mut ups: Vec<PathBuf> = Vec::new();
    for g in groups {
        for f in &g.files {
            ups.push(PathBuf::from(&f.name));
        }
    }
    ups.sort();
    let newest = ups.last().ok_or("no migration")?.clone();
    let text = std::fs::read_to_string(&newest).map_err(|e| e.to_string())?;
    let mut planned: BTreeMap<usize, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let mut rebuilt: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line
            .strip_prefix("--   step ")
            .or_else(|| line.strip_prefix("--     step "))
        {
            let mut parts = rest.splitn(3, ": ");
            let (Some(n), Some(code)) = (parts.next(), parts.next()) else {
                continue;
            };
            if let Ok(n) = n.parse::<usize>() {
                if !PLAN_ONLY.contains(&code) {
                    planned.entry(n).or_default().insert(code.to_string());
                }
            }
        } else if let Some(rest) = line.strip_prefix("-- ") {
            if let Some((n, _)) = rest.split_once(". ") {
                if let Ok(n) = n.parse::<usize>() {
                    starts.push((i + 1, n));
                    if REBUILT_TYPES.iter().any(|k| rest.ends_with(k)) {
                        rebuilt.insert(n);
                    }
                }
            }
        }
    }
    // Lint again with every allow line blanked (same line numbers), so allowed findings
    // count too.
    let allow = format!("-- {}", sqlshift::lint::ALLOW);
    let bare: String = text
        .lines()
        .map(|l| {
            if l.starts_with(&allow) {
                "--\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let mut groups = groups.to_vec();
    for g in &mut groups {
        for f in &mut g.files {
            if Path::new(&f.name) == newest {
                f.text = bare.clone();
            }
        }
    }
    let step_of = |line: usize| {
        starts
            .iter()
            .rev()
            .find(|(l, _)| *l <= line)
            .map(|(_, n)| *n)
    };
    // Steps lint cannot model (every statement a kind it has no rule for: ATTACH
    // PARTITION, ALTER DOMAIN, DROP FUNCTION, …) are left out of the comparison.
    let dialect = groups.first().and_then(|g| g.dialect);
    let mut opaque: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    let mut known: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for stmt in sqlshift::migrate::script::split(&text) {
        let Some(n) = step_of(stmt.line) else {
            continue;
        };
        match sqlshift::parse::statement::statement_ops(&stmt.sql, dialect) {
            Ok(ops)
                if ops
                    .iter()
                    .any(|o| !matches!(o, sqlshift::parse::statement::Op::Other)) =>
            {
                known.insert(n);
            }
            _ => {
                opaque.insert(n);
            }
        }
    }
    opaque.retain(|n| !known.contains(n));
    opaque.extend(rebuilt);
    let mut linted: BTreeMap<usize, std::collections::BTreeSet<String>> = BTreeMap::new();
    for f in sqlshift::lint::lint(&groups) {
        if Path::new(&f.file) != newest || LINT_ONLY.contains(&f.code) {
            continue;
        }
        if let Some(n) = step_of(f.line) {
            linted.entry(n).or_default().insert(f.code.to_string());
        }
    }
    let steps: std::collections::BTreeSet<usize> =
        planned.keys().chain(linted.keys()).copied().collect();
    let mut problems = Vec::new();
    for n in steps.into_iter().filter(|n| !opaque.contains(n)) {
        let (p, l) = (
            planned.get(&n).cloned().unwrap_or_default(),
            linted.get(&n).cloned().unwrap_or_default(),
        );
        if p != l {
            problems.push(format!("step {n}: plan says {p:?}, lint says {l:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "plan and lint codes differ in {}:\n{}\n{text}",
            newest.display(),
            problems.join("\n")
        ))
    }
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
        match rt.block_on(run_case(&case, &db)) {
            Ok(()) => ran += 1,
            Err(e) => failures.push(e),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(ran > 0);
}

#[test]
fn every_fixture_generates_and_migrates_up_down_up_on_sqlite() {
    run_all("sqlite", || Some(support::sqlite_db()));
}

#[test]
fn every_fixture_generates_and_migrates_up_down_up_on_postgres() {
    let rt = support::rt();
    if rt.block_on(support::pg_db()).is_none() {
        return;
    }
    run_all("postgres", || rt.block_on(support::pg_db()));
}

#[test]
fn every_fixture_generates_and_migrates_up_down_up_on_mysql() {
    let rt = support::rt();
    if rt.block_on(support::mysql_db()).is_none() {
        return;
    }
    run_all("mysql", || rt.block_on(support::mysql_db()));
}

/// The generated files for the renames case, version redacted: renames up, inverse
/// renames down, no drop anywhere.
#[test]
fn renames_are_reverted_as_renames() {
    let rt = support::rt();
    rt.block_on(async {
        let case = repo().join("fixtures/cases/renames");
        let from = std::fs::read_to_string(case.join("from.sql")).unwrap();
        let to = std::fs::read_to_string(case.join("to.sql")).unwrap();
        for db in support::all_dbs().await {
            let d = db.dialect();
            let project = tempfile::tempdir().unwrap();
            generate_one(project.path(), d, "from", &from)
                .await
                .unwrap();
            let out = generate_one(project.path(), d, "rename", &to)
                .await
                .unwrap();
            let Some(Outcome::Written { up, down, .. }) = out.first() else {
                panic!("{}: nothing generated", d.name())
            };
            let up_text = std::fs::read_to_string(up).unwrap();
            let down_text = std::fs::read_to_string(down).unwrap();
            // MySQL spells it `RENAME TABLE a TO b` and quotes with backticks.
            let (up_plain, down_plain) = (up_text.replace('`', ""), down_text.replace('`', ""));
            assert!(
                up_plain.contains("customers TO clients") || up_plain.contains("RENAME TO clients"),
                "{up_text}"
            );
            assert!(
                down_plain.contains("clients TO customers")
                    || down_plain.contains("RENAME TO customers"),
                "{down_text}"
            );
            assert!(
                down_plain.contains("RENAME COLUMN email TO mail"),
                "{down_text}"
            );
            assert!(!down_text.contains("DROP"), "{down_text}");
            let redact = |s: &str| redact_versions(s);
            insta::assert_snapshot!(format!("renames_up__{}", d.name()), redact(&up_text));
            insta::assert_snapshot!(format!("renames_down__{}", d.name()), redact(&down_text));
            // And it runs: up, down, up on the real database.
            let dir = files::load(&project.path().join("migrations")).unwrap();
            let (_, _) = migrator::up(db.connect().await, &dir, &opts(), None, &mut Quiet)
                .await
                .unwrap();
            migrator::down(
                db.connect().await,
                &opts(),
                DownTarget::Steps(1),
                &mut Quiet,
            )
            .await
            .unwrap();
            converged(&db, &from).await.unwrap();
        }
    });
}

/// Replaces 14-digit versions with a placeholder.
fn redact_versions(s: &str) -> String {
    let re = regex::Regex::new(r"\d{14}").unwrap();
    re.replace_all(s, "[VERSION]").into_owned()
}

/// Replaces times, durations and temp paths in command output.
fn redact_output(s: &str, dir: &Path) -> String {
    let s = s.replace(&dir.display().to_string(), "[DIR]");
    let s = redact_versions(&s);
    let s = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
        .unwrap()
        .replace_all(&s, "[TIME]")
        .into_owned();
    regex::Regex::new(r"\(\d+ ms\)")
        .unwrap()
        .replace_all(&s, "([MS] ms)")
        .into_owned()
}

use crate::support::bin;

/// A project with the example schema and a config targeting `dialect`.
fn project(dialect: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("schema");
    std::fs::create_dir(&dest).unwrap();
    for e in std::fs::read_dir(repo().join("schema")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dest.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        format!(
            "dialects: [{dialect}]\ndev_urls:\n  postgres: {}\n  mysql: {}\nmigrate_lock_timeout: 2min\n",
            support::pg_admin_url(),
            support::mysql_admin_url()
        ),
    )
    .unwrap();
    dir
}

/// Writes a hand-written migration through `migrate new`, then fills in its SQL.
fn hand_written(dir: &Path, name: &str, up: &str, down: &str) -> (PathBuf, PathBuf) {
    let (code, out, err) = bin(dir, &["migrate", "new", name]);
    assert_eq!(code, 0, "{out}{err}");
    let mig = dir.join("migrations");
    let find = |suffix: &str| {
        std::fs::read_dir(&mig)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .ends_with(&format!("_{name}.{suffix}.sql"))
            })
            .unwrap()
    };
    let (u, d) = (find("up"), find("down"));
    std::fs::write(&u, up).unwrap();
    std::fs::write(&d, down).unwrap();
    let (code, out, err) = bin(dir, &["migrate", "hash"]);
    assert_eq!(code, 0, "{out}{err}");
    (u, d)
}

/// Spawns eight `migrate up` processes at once against the same database: each migration
/// is applied exactly once, by one of them.
fn concurrent_up(url: &str, dialect: &str, busy: &str) {
    let p = project(dialect);
    let (code, _, err) = bin(p.path(), &["generate", "init"]);
    assert_eq!(code, 0, "{err}");
    for i in 0..4 {
        hand_written(
            p.path(),
            &format!("step{i}"),
            &format!("{busy}\nCREATE TABLE extra{i} (id INTEGER PRIMARY KEY);\n"),
            &format!("DROP TABLE extra{i};\n"),
        );
    }
    let spawn = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("sqlshift"))
            .current_dir(p.path())
            .args(["migrate", "up", "--yes", "--url", url])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let runners: Vec<_> = (0..8).map(|_| spawn()).collect();
    let outputs: Vec<_> = runners
        .into_iter()
        .map(|r| r.wait_with_output().unwrap())
        .collect();
    for o in &outputs {
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let applied = |o: &std::process::Output| {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| l.starts_with("applied "))
            .count()
    };
    assert_eq!(
        outputs.iter().map(applied).sum::<usize>(),
        5,
        "every migration applied exactly once"
    );
    let rt = support::rt();
    let rows = rt.block_on(async {
        let mut c = dialect::connect(url).await.unwrap();
        migrator::applied(&mut c, TABLE).await.unwrap()
    });
    assert_eq!(rows.len(), 5);
    let (code, out, _) = bin(p.path(), &["plan", "--url", url]);
    assert_eq!(code, 0);
    assert!(out.contains("extra3"), "{out}");
    assert!(
        !out.contains(TABLE),
        "the tracking table is not part of the plan: {out}"
    );
}

#[test]
fn eight_concurrent_runners_apply_each_migration_once_on_postgres() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    concurrent_up(&db.url, "postgres", "SELECT pg_sleep(0.3);");
}

#[test]
fn eight_concurrent_runners_apply_each_migration_once_on_mysql() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::mysql_db()) else {
        return;
    };
    concurrent_up(&db.url, "mysql", "DO SLEEP(0.3);");
}

#[test]
fn eight_concurrent_runners_apply_each_migration_once_on_sqlite() {
    let db = support::sqlite_db();
    concurrent_up(
        &db.url,
        "sqlite",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) FROM c;",
    );
}

#[test]
fn a_migration_failing_halfway_on_postgres_leaves_no_trace() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    let p = project("postgres");
    hand_written(
        p.path(),
        "good",
        "CREATE TABLE good (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE good;\n",
    );
    let (bad_up, _) = hand_written(
        p.path(),
        "bad",
        "-- creates a table, then fails\nCREATE TABLE half (id INTEGER PRIMARY KEY);\nINSERT INTO half VALUES (1);\nINSERT INTO missing_table VALUES (1);\n",
        "DROP TABLE half;\n",
    );
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &db.url]);
    assert_eq!(code, 1, "{out}\n{err}");
    let file = bad_up.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        err.contains(&format!("{file}:4: statement 3 of 3 failed")),
        "{err}"
    );
    assert!(err.contains("INSERT INTO missing_table"), "{err}");
    assert!(err.contains("rolled back"), "{err}");
    assert!(
        err.contains("the 1 migration(s) before it were applied and recorded"),
        "{err}"
    );
    let (schema, rows) = rt.block_on(async {
        let mut c = db.connect().await;
        (
            c.introspect().await.unwrap(),
            migrator::applied(&mut c, TABLE).await.unwrap(),
        )
    });
    let names: Vec<String> = schema.tables.keys().map(|k| k.name.clone()).collect();
    // The audit table records the failed run (see tests/it/audit.rs).
    assert_eq!(
        names,
        vec!["good", TABLE, "schema_migrations_audit"],
        "no trace of `half`"
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "good");
    assert_eq!(rows[0].applied_by, rows[0].applied_by.trim());
    assert!(rows[0].applied_by.contains('@'));
}

/// Writes a migration pair with a chosen version (as another branch or a hand would).
fn write_pair(dir: &Path, version: i64, name: &str, up: &str, down: &str) -> PathBuf {
    let mig = dir.join("migrations");
    std::fs::create_dir_all(&mig).unwrap();
    let up_path = mig.join(format!("{version}_{name}.up.sql"));
    std::fs::write(&up_path, up).unwrap();
    std::fs::write(mig.join(format!("{version}_{name}.down.sql")), down).unwrap();
    up_path
}

/// A project with two applied migrations (versions 20240101000000 and 20240103000000)
/// on a SQLite file; returns the project, the database URL and the up files.
fn applied_project() -> (tempfile::TempDir, String, PathBuf, PathBuf) {
    let p = project("sqlite");
    let url = format!("sqlite://{}", p.path().join("app.db").display());
    let a = write_pair(
        p.path(),
        20240101000000,
        "first",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE a;\n",
    );
    let b = write_pair(
        p.path(),
        20240103000000,
        "second",
        "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE b;\n",
    );
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    (p, url, a, b)
}

#[test]
fn a_tampered_migration_is_refused_before_connecting_then_by_checksum() {
    let (p, url, first, _) = applied_project();
    std::fs::write(&first, "CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);\n").unwrap();
    let (code, _, err) = bin(p.path(), &["migrate", "verify"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("_first.up.sql: changed since sqlshift.sum was written"),
        "{err}"
    );
    assert!(err.contains("sqlshift migrate hash"), "{err}");
    assert!(
        !err.contains("_second.up.sql: changed"),
        "only the edited file is named: {err}"
    );
    // Every migrate command checks the sum before it connects: a bad URL is never reached.
    let (code, _, err) = bin(
        p.path(),
        &[
            "migrate",
            "up",
            "--yes",
            "--url",
            "sqlite:///nonexistent/dir/x.db",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("changed since sqlshift.sum"), "{err}");
    // After `migrate hash` the sum agrees, but the database knows what was applied.
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("applied migration(s) no longer match their files"),
        "{err}"
    );
    let (code, out, _) = bin(p.path(), &["migrate", "status", "--url", &url]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("status_after_tampering", redact_output(&out, p.path()));
}

#[test]
fn a_missing_migration_file_is_refused() {
    let (p, url, first, _) = applied_project();
    std::fs::remove_file(&first).unwrap();
    std::fs::remove_file(first.to_string_lossy().replace(".up.sql", ".down.sql")).unwrap();
    let (code, _, err) = bin(p.path(), &["migrate", "status", "--url", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("_first.up.sql: listed in sqlshift.sum but missing"),
        "{err}"
    );
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("applied migration(s) with no file"), "{err}");
    assert!(err.contains("_first"), "{err}");
    let (code, out, _) = bin(p.path(), &["migrate", "status", "--url", &url]);
    assert_eq!(code, 1);
    assert!(out.contains("missing"), "{out}");
}

#[test]
fn reordered_migration_files_are_refused() {
    let (p, url, first, second) = applied_project();
    assert!(first.exists() && second.exists());
    // Swap the two versions: the files keep their names but change places.
    let version = |f: &Path| f.file_name().unwrap().to_string_lossy()[..14].to_string();
    let (va, vb) = (version(&first), version(&second));
    let mig = p.path().join("migrations");
    for e in std::fs::read_dir(&mig).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let renamed = if name.starts_with(&va) {
            name.replacen(&va, &vb, 1).replace("_first", "_first_moved")
        } else if name.starts_with(&vb) {
            name.replacen(&vb, &va, 1)
        } else {
            continue;
        };
        std::fs::rename(&path, mig.join(renamed)).unwrap();
    }
    let (code, _, err) = bin(p.path(), &["migrate", "verify"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("listed in sqlshift.sum but missing"), "{err}");
    assert!(err.contains("not listed in sqlshift.sum"), "{err}");
    // Even with the sum rewritten, the database refuses: applied versions changed files.
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no longer match their files"), "{err}");
}

#[test]
fn a_crlf_only_edit_is_not_a_change() {
    let (p, url, first, _) = applied_project();
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    let (code, out, err) = bin(p.path(), &["migrate", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("No pending migrations"), "{out}");
    let (code, out, _) = bin(p.path(), &["migrate", "status", "--url", &url]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("2 applied, 0 pending, 0 changed, 0 missing"),
        "{out}"
    );
}

#[test]
fn a_merged_out_of_order_migration_is_applied_with_a_warning() {
    let (p, url, _, _) = applied_project();
    // Another branch added a migration whose version sits between the two applied ones,
    // and both branches rewrote sqlshift.sum: git leaves conflict markers in it.
    let mig = p.path().join("migrations");
    let ours = std::fs::read_to_string(mig.join("sqlshift.sum")).unwrap();
    write_pair(
        p.path(),
        20240102000000,
        "from_branch",
        "CREATE TABLE branch (id INTEGER PRIMARY KEY);\n",
        "DROP TABLE branch;\n",
    );
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let theirs = std::fs::read_to_string(mig.join("sqlshift.sum")).unwrap();
    std::fs::write(
        mig.join("sqlshift.sum"),
        format!("<<<<<<< HEAD\n{ours}=======\n{theirs}>>>>>>> branch\n"),
    )
    .unwrap();
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("git merge conflict markers"), "{err}");
    assert!(err.contains("sqlshift generate"), "{err}");
    insta::assert_snapshot!("sum_conflict_message", redact_output(&err, p.path()));
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let (code, out, _) = bin(p.path(), &["migrate", "status", "--url", &url]);
    assert_eq!(code, 0);
    assert!(out.contains("pending (out of order)"), "{out}");
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("20240102000000_from_branch is older than the newest applied migration 20240103000000_second"),
        "{err}"
    );
    assert!(err.contains("applying it now, out of order"), "{err}");
    assert!(out.contains("applied 20240102000000_from_branch"), "{out}");
    let (_, out, _) = bin(p.path(), &["migrate", "status", "--url", &url]);
    assert!(out.contains("3 applied, 0 pending"), "{out}");
}

#[test]
fn generate_without_changes_writes_nothing() {
    let p = project("sqlite");
    let (code, out, err) = bin(p.path(), &["generate", "init"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("wrote"), "{out}");
    let before: Vec<_> = std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .collect();
    let (code, out, err) = bin(p.path(), &["generate", "again"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("no changes"), "{out}");
    assert!(out.ends_with("No changes.\n"), "{out}");
    let after: Vec<_> = std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .collect();
    assert_eq!(before.len(), after.len());
}

#[test]
fn a_migration_failing_verification_is_not_written() {
    let p = tempfile::tempdir().unwrap();
    let schema = p.path().join("schema");
    std::fs::create_dir(&schema).unwrap();
    std::fs::write(
        schema.join("s.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);",
    )
    .unwrap();
    assert_eq!(bin(p.path(), &["generate", "init"]).0, 0);
    // A hand-written data migration leaves a row the next schema edit cannot hold.
    hand_written(
        p.path(),
        "seed",
        "INSERT INTO t (id, name) VALUES (1, NULL);\n",
        "DELETE FROM t WHERE id = 1;\n",
    );
    std::fs::write(
        schema.join("s.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    )
    .unwrap();
    let before = std::fs::read_dir(p.path().join("migrations"))
        .unwrap()
        .count();
    let sum_before = std::fs::read(p.path().join("migrations/sqlshift.sum")).unwrap();
    let (code, out, err) = bin(p.path(), &["generate", "name_required"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("failed verification"), "{err}");
    assert!(err.contains("NOT NULL constraint failed"), "{err}");
    assert!(err.contains("Nothing was written"), "{err}");
    assert_eq!(
        std::fs::read_dir(p.path().join("migrations"))
            .unwrap()
            .count(),
        before
    );
    assert_eq!(
        std::fs::read(p.path().join("migrations/sqlshift.sum")).unwrap(),
        sum_before
    );
}

#[test]
fn generate_flags_what_the_down_migration_cannot_restore() {
    let p = project("sqlite");
    assert_eq!(bin(p.path(), &["generate", "init"]).0, 0);
    let accounts = p.path().join("schema/02_accounts.sql");
    // Drop a column: roles.description.
    let text = std::fs::read_to_string(&accounts).unwrap();
    std::fs::write(
        &accounts,
        text.replace(
            "    name        VARCHAR(64) NOT NULL UNIQUE,\n    description TEXT\n",
            "    name        VARCHAR(64) NOT NULL UNIQUE\n",
        ),
    )
    .unwrap();
    let (code, out, err) = bin(p.path(), &["generate", "drop_description"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 destructive"), "{out}");
    assert!(err.contains("not reversible"), "{err}");
    let mig = p.path().join("migrations");
    let read = |suffix: &str| {
        std::fs::read_dir(&mig)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.to_string_lossy().ends_with(suffix))
            .map(|f| std::fs::read_to_string(f).unwrap())
            .unwrap()
    };
    let up = read("_drop_description.up.sql");
    let down = read("_drop_description.down.sql");
    assert!(up.contains("-- WARNING: not reversible"), "{up}");
    assert!(
        down.contains("-- WARNING: not a faithful reverse"),
        "{down}"
    );
    assert!(down.contains("without the data it held"), "{down}");
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = bin(p.path(), &["migrate", "down", "--yes"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("loses data"), "{out}");
}

#[test]
fn sqlite_refuses_the_no_transaction_directive() {
    let p = project("sqlite");
    hand_written(
        p.path(),
        "vacuum",
        "-- sqlshift:no-transaction\nVACUUM;\n",
        "SELECT 1;\n",
    );
    let (code, _, err) = bin(p.path(), &["migrate", "up", "--yes"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("starts with `-- sqlshift:no-transaction`"),
        "{err}"
    );
}

#[test]
fn no_transaction_migrations_run_in_autocommit_on_postgres() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    let p = project("postgres");
    hand_written(
        p.path(),
        "table",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER);\n",
        "DROP TABLE t;\n",
    );
    hand_written(
        p.path(),
        "index",
        "-- sqlshift:no-transaction\nCREATE INDEX CONCURRENTLY t_n_idx ON t (n);\n",
        "-- sqlshift:no-transaction\nDROP INDEX CONCURRENTLY t_n_idx;\n",
    );
    let (code, out, err) = bin(p.path(), &["migrate", "up", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = bin(p.path(), &["migrate", "down", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = bin(
        p.path(),
        &["migrate", "history", "--url", &db.url, "--format", "json"],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["applied"].as_array().map(|a| a.len()), Some(1));
}

#[test]
fn migrate_down_runs_the_stored_down_sql_and_to_version_stops_there() {
    let (p, url, first, second) = applied_project();
    // The file changing later does not matter to down: it runs what was stored.
    let down_second = second.to_string_lossy().replace(".up.sql", ".down.sql");
    std::fs::write(&down_second, "SELECT broken syntax here;\n").unwrap();
    assert_eq!(bin(p.path(), &["migrate", "hash"]).0, 0);
    let va = &first.file_name().unwrap().to_string_lossy()[..14];
    let (code, out, err) = bin(
        p.path(),
        &["migrate", "down", "--yes", "--url", &url, "--to", va],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Reverted 1 migration(s)."), "{out}");
    let (_, out, _) = bin(p.path(), &["migrate", "history", "--url", &url]);
    assert!(out.contains("first") && !out.contains("second"), "{out}");
    let (code, out, _) = bin(
        p.path(),
        &["migrate", "history", "--url", &url, "--format", "json"],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["applied"][0]["applied_by"],
        serde_json::json!(v["applied"][0]["applied_by"])
    );
    assert!(v["applied"][0]["execution_time_ms"].as_i64().is_some());
}

/// Pinned: a checkout with CRLF line ends and a BOM (`fixtures/sum/crlf_bom`, kept
/// byte-exact by .gitattributes) hashes like the LF original (`fixtures/sum/lf`).
#[test]
fn sum_fixtures_pin_bom_and_crlf_handling() {
    let root = repo().join("fixtures/sum");
    for d in ["lf", "crlf_bom"] {
        files::verify(&root.join(d)).unwrap_or_else(|e| panic!("{d}: {e}"));
    }
    let crlf = std::fs::read(root.join("crlf_bom/20240101000000_first.up.sql")).unwrap();
    assert!(crlf.starts_with(b"\xEF\xBB\xBF") && crlf.windows(2).any(|w| w == b"\r\n"));
    let read = |d: &str| std::fs::read_to_string(root.join(d).join("sqlshift.sum")).unwrap();
    assert_eq!(read("lf"), read("crlf_bom"));
    assert!(read("lf").starts_with(
        "sqlshift-sum v1 total 899f51a354d39a197cab35a022371922ae9fcb7e2c395d7162ec9cc6f2a71796\n"
    ));
    let a = files::load(&root.join("lf")).unwrap();
    let b = files::load(&root.join("crlf_bom")).unwrap();
    let sums = |d: &files::Directory| -> Vec<String> {
        d.migrations.iter().map(|m| m.checksum.clone()).collect()
    };
    assert_eq!(sums(&a), sums(&b));
    assert_eq!(
        a.migrations[0].checksum,
        "4d783107e79dae22a3e6e71c6ff1b5b2a0c55632e74f46b1bf10de11f8d45a27"
    );
    // The statements read the same too.
    assert_eq!(
        a.migrations[0].up_statements(),
        b.migrations[0].up_statements()
    );
}

/// CI: the repository's own migrations verify against their sums and replay to `schema/`.
#[test]
fn the_repository_migrations_verify_and_replay_to_schema() {
    let (code, out, err) = bin(&repo(), &["migrate", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("migrations/sqlite:"), "{out}");
    assert!(out.contains("migrations/postgres:"), "{out}");
    assert!(out.contains("migrations/mysql:"), "{out}");
    let rt = support::rt();
    rt.block_on(async {
        let mut checked = 0;
        for d in [
            &dialect::sqlite::Sqlite as &'static dyn Dialect,
            &dialect::postgres::Postgres,
            &dialect::mysql::Mysql,
        ] {
            if d.name() == "postgres" && support::pg_db().await.is_none() {
                continue;
            }
            if d.name() == "mysql" && support::mysql_db().await.is_none() {
                continue;
            }
            let dir = files::load(&repo().join("migrations").join(d.name())).unwrap();
            assert!(!dir.migrations.is_empty());
            let admin = if d.name() == "mysql" {
                support::mysql_admin_url()
            } else {
                support::pg_admin_url()
            };
            let mut scratch = replay::Scratch::create(d, Some(&admin)).await.unwrap();
            let result = replay::replay(&mut scratch, &dir, &opts()).await;
            scratch.destroy().await;
            let replayed = result.unwrap();
            let desired = sqlshift::source::load_files(&[repo().join("schema")], d)
                .unwrap()
                .schema;
            let plan = sqlshift::plan::plan(&replayed, &desired, d, &RenderOptions::default());
            assert!(
                plan.is_empty(),
                "migrations/{} do not replay to schema/: run `sqlshift generate NAME`:\n{}",
                d.name(),
                plan.sql()
            );
            checked += 1;
        }
        assert!(checked >= 1);
    });
}

/// `migrate up` on PostgreSQL retries a migration whose statement timed out waiting for a
/// lock, with backoff, like `apply` (issue 12): in a transaction from its start, outside
/// one from the statement that timed out. Without retries the same wait fails it.
#[test]
fn issue12_migrate_up_retries_a_lock_timeout_with_backoff() {
    use sqlx::Connection as _;
    use std::time::{Duration, Instant};
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let mut setup = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql("CREATE TABLE busy (id int)")
            .execute(&mut setup)
            .await
            .unwrap();
        // Holds a lock `ALTER TABLE` waits for, for `ms`.
        let hold = |ms: u64| {
            let url = db.url.clone();
            async move {
                let mut h = sqlx::PgConnection::connect(&url).await.expect("holder");
                sqlx::raw_sql("BEGIN; SELECT count(*) FROM busy")
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
        // The folder holding the first `n` of `files`.
        let dir = |files: &[(i64, &str)]| files::Directory {
            path: PathBuf::from("migrations"),
            migrations: files
                .iter()
                .map(|(version, up)| {
                    files::Migration::from_texts(
                        *version,
                        "busy",
                        format!("migrations/{version}_busy.up.sql"),
                        up.as_bytes(),
                        None,
                    )
                    .unwrap()
                })
                .collect(),
        };
        let with = |retries: u32| {
            let mut o = opts();
            o.exec.lock_timeout = Some("200ms".into());
            o.exec.lock_retries = retries;
            o.exec.lock_retry_backoff = Duration::from_millis(150);
            o
        };
        let files = [
            (1, "ALTER TABLE busy ADD COLUMN a int;\n"),
            (
                2,
                "-- sqlshift:no-transaction\nALTER TABLE busy ADD COLUMN b int;\n",
            ),
        ];
        for n in 1..=files.len() {
            let version = files[n - 1].0;
            let d = dir(&files[..n]);
            let run = async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                migrator::up(db.connect().await, &d, &with(0), None, &mut Quiet).await
            };
            let (failed, ()) = tokio::join!(run, hold(1000));
            let msg = failed.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(msg.contains("lock timeout"), "{version}: {msg}");

            let start = Instant::now();
            let run = async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                migrator::up(db.connect().await, &d, &with(4), None, &mut Quiet).await
            };
            let (applied, ()) = tokio::join!(run, hold(1000));
            let (_, report) = applied
                .unwrap_or_else(|e| panic!("{version}: retries should outlast the holder: {e}"));
            assert_eq!(report.ran.len(), 1, "{version}");
            assert!(start.elapsed() >= Duration::from_millis(1000), "{version}");
        }
    });
}
