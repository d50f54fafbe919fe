//! `sqlshift lint`: every finding code against its fixtures (`fixtures/lint/<code>/`:
//! positive, negative, allowed), exit codes, output formats, the repository's own
//! migrations, and the README documenting every code.

use std::path::Path;

use crate::support::repo;

fn lint(dir: &Path, args: &[&str]) -> (i32, String, String) {
    crate::support::bin(dir, &[&["lint"], args].concat())
}

/// The codes of the findings in a folder, linted as PostgreSQL, with the exit code.
fn codes(folder: &Path) -> (i32, Vec<(String, String)>) {
    let (code, out, err) = lint(
        &repo(),
        &[
            folder.to_str().unwrap(),
            "--dialect",
            "postgres",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let found = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (code, found)
}

fn fixture_codes() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(repo().join("fixtures/lint"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The codes lint reports: hazards plans share, lint-only hazards, and its own two.
const LINT_CODES: &[&str] = &[
    "access-exclusive-lock",
    "concurrent-in-transaction",
    "constraint-not-valid",
    "data-loss",
    "index-not-concurrent",
    "lock-timeout-off",
    "may-fail",
    "not-null-without-default",
    "rename-breaks-clients",
    "set-not-null-scan",
    "table-rewrite",
    "unchecked",
    "unique-without-index",
    "unused-allow",
];

#[test]
fn every_lint_code_has_positive_and_negative_fixtures() {
    assert_eq!(fixture_codes(), LINT_CODES);
    for code in LINT_CODES {
        let base = repo().join("fixtures/lint").join(code);
        let (exit, found) = codes(&base.join("positive"));
        let hits: Vec<&(String, String)> = found.iter().filter(|(c, _)| c == code).collect();
        assert!(
            !hits.is_empty(),
            "{code}: positive fixture has no {code} finding: {found:?}"
        );
        let errors = found.iter().any(|(_, s)| s == "error");
        assert_eq!(
            exit,
            i32::from(errors),
            "{code}: exit 1 exactly when an error exists: {found:?}"
        );

        let (exit, found) = codes(&base.join("negative"));
        assert!(
            found.iter().all(|(c, _)| c != code),
            "{code}: negative fixture has a {code} finding: {found:?}"
        );
        assert_eq!(exit, i32::from(found.iter().any(|(_, s)| s == "error")));

        let allowed = base.join("allowed");
        if allowed.exists() {
            let (exit, found) = codes(&allowed);
            assert!(
                found.iter().all(|(c, _)| c != code && c != "unused-allow"),
                "{code}: allow comments must suppress every {code} finding and be used: {found:?}"
            );
            assert_eq!(exit, 0, "{code}: {found:?}");
        } else {
            assert!(
                matches!(*code, "unused-allow" | "unchecked"),
                "{code}: hazard codes need an allowed/ fixture"
            );
        }
    }
}

#[test]
fn errors_exit_1_warnings_alone_exit_0() {
    let base = repo().join("fixtures/lint");
    assert_eq!(codes(&base.join("data-loss/positive")).0, 1);
    let (exit, found) = codes(&base.join("may-fail/positive"));
    assert!(found.iter().all(|(_, s)| s == "warning"), "{found:?}");
    assert_eq!(exit, 0);
}

#[test]
fn text_output_names_file_line_and_code() {
    let (code, out, _) = lint(
        &repo(),
        &["fixtures/lint/data-loss/positive", "--dialect", "postgres"],
    );
    assert_eq!(code, 1);
    insta::assert_snapshot!("lint_text_data_loss", out);
}

#[test]
fn index_builds_are_only_flagged_on_postgres() {
    let folder = repo().join("fixtures/lint/index-not-concurrent/positive");
    let (code, out, _) = lint(&repo(), &[folder.to_str().unwrap(), "--dialect", "sqlite"]);
    assert_eq!(code, 0, "{out}");
    // A folder named after a dialect is that dialect, whatever --dialect says.
    let dir = tempfile::tempdir().unwrap();
    let pg = dir.path().join("migrations/postgres");
    std::fs::create_dir_all(&pg).unwrap();
    for f in ["001_base.up.sql", "002_change.up.sql"] {
        std::fs::copy(folder.join(f), pg.join(f)).unwrap();
    }
    let (code, out, _) = lint(dir.path(), &["migrations", "--dialect", "sqlite"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[index-not-concurrent]"), "{out}");
}

#[test]
fn default_path_is_the_configured_migrations_folder_and_down_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("db")).unwrap();
    std::fs::write(dir.path().join("sqlshift.yaml"), "migrations: db\n").unwrap();
    std::fs::write(
        dir.path().join("db/20250101000000_a.up.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("db/20250101000000_a.down.sql"),
        "DROP TABLE t;\n",
    )
    .unwrap();
    let (code, out, err) = lint(dir.path(), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "No findings in 1 file.\n");
}

#[test]
fn the_repositorys_migrations_lint_clean() {
    let (code, out, err) = lint(&repo(), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("No findings"), "{out}");
}

#[test]
fn bad_input_exits_2() {
    let (code, _, err) = lint(&repo(), &["fixtures/lint/no-such-folder"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = lint(&repo(), &["fixtures/lint", "--dialect", "oracle"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown dialect `oracle`"), "{err}");
}

#[test]
fn readme_documents_every_code() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    for code in sqlshift::plan::HazardCode::ALL
        .iter()
        .map(|c| c.as_str())
        .chain(LINT_CODES.iter().copied())
    {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "README does not document `{code}`"
        );
    }
}
