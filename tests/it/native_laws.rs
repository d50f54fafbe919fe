//! Laws 6–8 (adoption, native twin, inspect round trip), with 1 (convergence), 2 (round
//! trip to empty) and 3 (determinism) alongside, over every schema file written for a
//! dialect: the conformance cases (`fixtures/conformance/<dialect>/`), the whole-file corpus
//! (`fixtures/corpus/<dialect>/`) and the `from.sql`/`to.sql` of every fixture case that
//! the dialect's own client loads.
//!
//! Each file is loaded by the server's own client (the *native* database) and built by
//! `sqlshift apply` from empty (the *twin*); the two are compared by the server's own view
//! of them (`native::view`), not by sqlshift's introspection.
//!
//! A law that does not hold yet for a file is listed in `fixtures/conformance/known-gaps.txt`
//! with the issue that will make it hold; a listed gap that holds is a failure too, so the
//! list stays true. A fixture case whose files use sqlshift's portable spelling, which a
//! dialect's own client does not read, lists that dialect in its `not-native` file (a line
//! `postgres` for both files, `postgres to.sql` for one); the test checks that the client
//! really refuses it.

use crate::native::{self, Native};
use crate::support::{bin, repo, TestDb};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One file checked on one dialect: `id` names it in failures and in known-gaps.txt.
struct Subject {
    id: String,
    path: PathBuf,
    /// A fixture case's `sqlshift.yaml` (privileges and owners managed), run with it.
    config: Option<PathBuf>,
}

type Laws = BTreeMap<u8, Result<(), String>>;

const LAW_NAMES: [(u8, &str); 6] = [
    (1, "convergence"),
    (2, "round trip to empty"),
    (3, "determinism"),
    (6, "adoption"),
    (7, "native twin"),
    (8, "inspect round trip"),
];

fn rel(p: &Path) -> String {
    p.strip_prefix(repo().join("fixtures"))
        .unwrap_or(p)
        .display()
        .to_string()
}

fn sql_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn subjects_in(dir: &str, d: Native) -> Vec<Subject> {
    sql_files(&repo().join("fixtures").join(dir).join(d.name()))
        .into_iter()
        .map(|path| Subject {
            id: format!("{} {}", d.name(), rel(&path)),
            path,
            config: None,
        })
        .collect()
}

/// Whether `file` has a line naming dialect `d`, alone or followed by `which`.
fn listed(file: &Path, d: Native, which: &str) -> bool {
    std::fs::read_to_string(file)
        .map(|t| {
            t.lines().any(|l| {
                let l = l.trim();
                l == d.name() || l == format!("{} {which}", d.name())
            })
        })
        .unwrap_or(false)
}

/// The fixture cases' files that `d`'s own client reads; and the check that the ones a
/// case declares not native really are refused by it.
fn case_subjects(d: Native) -> (Vec<Subject>, Vec<String>) {
    let root = repo().join("fixtures/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        if dir.join("dialects").exists() && !listed(&dir.join("dialects"), d, "") {
            continue;
        }
        for f in ["from.sql", "to.sql"] {
            let path = dir.join(f);
            let not_native = listed(&dir.join("not-native"), d, f);
            if not_native {
                let Some(db) = d.fresh() else { continue };
                if native::load(d, &db, &path).is_ok() {
                    errors.push(format!(
                        "{} {}: listed in not-native, but {}'s own client loads it: take it off the list",
                        d.name(),
                        rel(&path),
                        d.name()
                    ));
                }
                continue;
            }
            let config = dir.join("sqlshift.yaml");
            out.push(Subject {
                id: format!("{} {}", d.name(), rel(&path)),
                path,
                config: config.exists().then_some(config),
            });
        }
    }
    (out, errors)
}

fn ok_no_changes(what: &str, (code, out, err): (i32, String, String)) -> Result<(), String> {
    if code == 0 && out.contains("No changes.") {
        Ok(())
    } else {
        Err(format!("{what}: exit {code}\n{out}{err}"))
    }
}

fn run_ok(what: &str, (code, out, err): (i32, String, String)) -> Result<String, String> {
    if code == 0 {
        Ok(out)
    } else {
        Err(format!("{what}: exit {code}\n{out}{err}"))
    }
}

/// Runs every law on one file. `None` when the dialect's server is unreachable.
fn check(d: Native, s: &Subject) -> Option<Laws> {
    let mut laws = Laws::new();
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let file = s.path.display().to_string();
    // `plan`, `apply` and `inspect` run in `dir`, where they find the case's settings.
    let access = match &s.config {
        Some(c) => {
            std::fs::copy(c, dir.join("sqlshift.yaml")).expect("copy sqlshift.yaml");
            true
        }
        None => false,
    };
    let nat = d.fresh()?;
    if let Err(e) = native::load(d, &nat, &s.path) {
        let msg = format!("the file does not load with {}'s own client: {e}", d.name());
        for (n, _) in LAW_NAMES {
            laws.insert(n, Err(msg.clone()));
        }
        return Some(laws);
    }
    let plan =
        |db: &TestDb, schema: &str| bin(dir, &["plan", "--url", &db.url, "--schema", schema]);

    // Adoption from the file, and from the server's own dump of what it built.
    let adopted = ok_no_changes("plan against the native load", plan(&nat, &file)).and_then(|()| {
        let text = native::dump(d, &nat)?;
        let path = dir.join("dump.sql");
        std::fs::write(&path, &text).map_err(|e| e.to_string())?;
        ok_no_changes(
            "the server's own dump of the native load, planned against it",
            plan(&nat, &path.display().to_string()),
        )
    });
    laws.insert(6, adopted);

    let twin = d.fresh()?;
    let first = plan(&twin, &file);
    let second = plan(&twin, &file);
    laws.insert(
        3,
        if first.0 == 0 && first == second {
            Ok(())
        } else {
            Err(format!(
                "two plans from empty differ or fail:\n{}{}\n---\n{}{}",
                first.1, first.2, second.1, second.2
            ))
        },
    );
    let applied = run_ok(
        "apply from empty",
        bin(
            dir,
            &["apply", "--yes", "--url", &twin.url, "--schema", &file],
        ),
    );
    match applied {
        Err(e) => {
            laws.insert(1, Err(e.clone()));
            laws.insert(7, Err(e.clone()));
            laws.insert(2, Err(e));
        }
        Ok(_) => {
            laws.insert(1, ok_no_changes("plan after apply", plan(&twin, &file)));
            laws.insert(
                7,
                same_view(d, &nat, &twin, "native load", "sqlshift apply", access),
            );
            let empty = dir.join("empty.sql");
            std::fs::write(&empty, "").expect("empty schema file");
            let back = run_ok(
                "apply of an empty schema",
                bin(
                    dir,
                    &[
                        "apply",
                        "--yes",
                        "--allow-destructive",
                        "--url",
                        &twin.url,
                        "--schema",
                        &empty.display().to_string(),
                    ],
                ),
            );
            laws.insert(
                2,
                back.and_then(|_| {
                    let blank = d.fresh().ok_or("server gone")?;
                    same_view(
                        d,
                        &blank,
                        &twin,
                        "empty database",
                        "after dropping all",
                        access,
                    )
                }),
            );
        }
    }

    laws.insert(8, inspect_round_trip(d, &nat, dir));
    Some(laws)
}

fn same_view(
    d: Native,
    a: &TestDb,
    b: &TestDb,
    an: &str,
    bn: &str,
    access: bool,
) -> Result<(), String> {
    let va = native::view_access(d, a, access)?;
    let vb = native::view_access(d, b, access)?;
    if va == vb {
        Ok(())
    } else {
        Err(native::diff(&va, &vb, an, bn))
    }
}

fn inspect_round_trip(d: Native, nat: &TestDb, dir: &Path) -> Result<(), String> {
    let out = run_ok("inspect", bin(dir, &["inspect", "--url", &nat.url]))?;
    let path = dir.join("inspect.sql");
    std::fs::write(&path, &out).map_err(|e| e.to_string())?;
    let loaded = d.fresh().ok_or("server gone")?;
    native::load(d, &loaded, &path)
        .map_err(|e| format!("inspect output does not load natively: {e}\n{out}"))?;
    let schema = path.display().to_string();
    ok_no_changes(
        "inspect output planned against the database it came from",
        bin(dir, &["plan", "--url", &nat.url, "--schema", &schema]),
    )
}

/// `fixtures/conformance/known-gaps.txt`: `<dialect> <file> law<N> #<issue>: reason`.
fn known_gaps() -> BTreeMap<(String, u8), String> {
    let path = repo().join("fixtures/conformance/known-gaps.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.splitn(4, ' ').collect();
        let law = words
            .get(2)
            .and_then(|w| w.strip_prefix("law"))
            .and_then(|n| n.parse::<u8>().ok());
        match (words.first(), words.get(1), law, words.get(3)) {
            (Some(d), Some(f), Some(n), Some(why)) if why.starts_with('#') => {
                out.insert((format!("{d} {f}"), n), why.to_string());
            }
            _ => panic!(
                "{}:{}: expected `<dialect> <file> law<N> #<issue>: reason`, got `{line}`",
                path.display(),
                i + 1
            ),
        }
    }
    out
}

fn run(d: Native, mut subjects: Vec<Subject>, mut failures: Vec<String>) {
    // Policies and grants of the PostgreSQL files name the test roles.
    let _roles = (d == Native::Postgres).then(crate::support::pg_roles);
    assert!(!subjects.is_empty(), "no {} file to check", d.name());
    // While working on a few files: `SQLSHIFT_LAWS_ONLY=21_triggers cargo test …`.
    if let Ok(only) = std::env::var("SQLSHIFT_LAWS_ONLY") {
        subjects.retain(|s| s.id.contains(&only));
        failures.clear();
    }
    let gaps = known_gaps();
    let mut held = 0;
    let mut gapped = 0;
    for s in &subjects {
        let Some(laws) = check(d, s) else { return };
        for (n, result) in laws {
            let gap = gaps.get(&(s.id.clone(), n));
            let law = LAW_NAMES
                .iter()
                .find(|(k, _)| *k == n)
                .map_or("", |(_, v)| v);
            match (result, gap) {
                (Ok(()), None) => held += 1,
                (Err(_), Some(_)) => gapped += 1,
                (Ok(()), Some(why)) => failures.push(format!(
                    "{} law {n} ({law}) holds now: take it off known-gaps.txt ({why})",
                    s.id
                )),
                (Err(e), None) => failures.push(format!("{} law {n} ({law}):\n{e}", s.id)),
            }
        }
    }
    eprintln!(
        "{}: {} file(s), {held} law checks hold, {gapped} known gap(s)",
        d.name(),
        subjects.len()
    );
    assert!(
        failures.is_empty(),
        "{} failure(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn conformance(d: Native) {
    run(d, subjects_in("conformance", d), Vec::new());
}

fn corpus(d: Native) {
    run(d, subjects_in("corpus", d), Vec::new());
}

fn cases(d: Native) {
    let (subjects, errors) = case_subjects(d);
    run(d, subjects, errors);
}

#[test]
fn native_laws_postgres_conformance() {
    conformance(Native::Postgres);
}

#[test]
fn native_laws_postgres_corpus() {
    corpus(Native::Postgres);
}

#[test]
fn native_laws_postgres_cases() {
    cases(Native::Postgres);
}

#[test]
fn native_laws_mysql_conformance() {
    conformance(Native::Mysql);
}

#[test]
fn native_laws_mysql_corpus() {
    corpus(Native::Mysql);
}

#[test]
fn native_laws_mysql_cases() {
    cases(Native::Mysql);
}

#[test]
fn native_laws_sqlite_conformance() {
    conformance(Native::Sqlite);
}

#[test]
fn native_laws_sqlite_corpus() {
    corpus(Native::Sqlite);
}

#[test]
fn native_laws_sqlite_cases() {
    cases(Native::Sqlite);
}
