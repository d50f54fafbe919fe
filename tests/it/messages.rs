//! Issue 8, items 9 and 10: files sqlshift must refuse or accept as written, and messages
//! that name what is wrong.

use crate::support::{bin, bin_env};
use std::path::Path;

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(
        dir.path().join("schema/app.sql"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("sqlshift.yaml"), config).expect("config");
    dir
}

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("app.db").display())
}

#[test]
fn a_latin1_migration_is_refused_not_applied_with_replacement_characters() {
    let dir = project("");
    let url = sqlite_url(dir.path());
    let (code, out, err) = bin(dir.path(), &["migrate", "new", "cafe"]);
    assert_eq!(code, 0, "{out}{err}");
    let up = std::fs::read_dir(dir.path().join("migrations"))
        .expect("migrations")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().ends_with("_cafe.up.sql"))
        .expect("up file");
    // 'café' in Latin-1: the é is the single byte 0xE9.
    let mut sql = b"CREATE TABLE menu (name TEXT DEFAULT 'caf".to_vec();
    sql.extend_from_slice(&[0xE9]);
    sql.extend_from_slice(b"');\n");
    std::fs::write(&up, sql).expect("write latin-1");
    // Neither recorded in the sum nor run.
    for args in [
        vec!["migrate", "hash"],
        vec!["migrate", "up", "--yes", "--url", &url],
    ] {
        let (code, out, err) = bin(dir.path(), &args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(
            err.contains("_cafe.up.sql:1:42: not UTF-8") || err.contains("sqlshift.sum"),
            "{args:?}: {err}"
        );
    }
    let (_, out, _) = bin(dir.path(), &["inspect", "--url", &url]);
    assert!(!out.contains("menu"), "nothing ran: {out}");
}

#[test]
fn a_byte_order_mark_is_accepted_in_schema_files_and_the_config() {
    let dir = project("\u{feff}schema: schema\nallow_destructive: false\n");
    std::fs::write(
        dir.path().join("schema/app.sql"),
        "\u{feff}CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    )
    .expect("write");
    let url = sqlite_url(dir.path());
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = bin(dir.path(), &["plan", "--url", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn a_timeout_that_is_not_a_duration_names_its_key() {
    for (config, key) in [
        ("lock_timeout: abc\n", "`lock_timeout: abc`"),
        ("statement_timeout: 5 parsecs\n", "`statement_timeout: 5 parsecs`"),
        (
            "environments:\n  dev:\n    url: sqlite://x.db\n    lock_timeout: soon\ndefault_env: dev\n",
            "`environments.dev.lock_timeout: soon`",
        ),
    ] {
        let dir = project(config);
        let (code, out, err) = bin(dir.path(), &["plan"]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            err.contains(key) && err.contains("not a duration"),
            "{config}: {err}"
        );
    }
}

#[test]
fn unknown_dialects_list_every_dialect() {
    let dir = project("dialects: [oracle]\n");
    let (code, out, err) = bin(dir.path(), &["migrate", "verify"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        err.contains("oracle") && err.contains("mysql") && err.contains("postgres"),
        "{err}"
    );
}

#[test]
fn variables_in_the_config_are_named_when_missing_or_empty() {
    let dir = project("environments:\n  prod:\n    url: ${SQLSHIFT_TEST_UNSET_URL}\n");
    let (code, out, err) = bin(dir.path(), &["plan", "--env", "prod"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("SQLSHIFT_TEST_UNSET_URL is not set") && err.contains("environments.prod.url"),
        "{err}"
    );
    let dir = project("environments:\n  prod:\n    url: sqlite://${}\n");
    let (code, out, err) = bin(dir.path(), &["plan", "--env", "prod"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("`environments.prod.url` uses `${}`"), "{err}");
}

#[test]
fn url_overrides_an_environment_whose_variable_is_unset() {
    let dir = project(
        "environments:\n  prod:\n    url: ${SQLSHIFT_TEST_UNSET_URL}\n    lock_timeout: 2s\ndefault_env: prod\n",
    );
    let url = sqlite_url(dir.path());
    let (code, out, err) = bin_env(dir.path(), &["plan", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("create table"), "{out}");
}

#[test]
fn a_missing_migrations_folder_is_said_to_be_missing() {
    let dir = project("migrations: db/migrations\n");
    let url = sqlite_url(dir.path());
    for args in [
        vec!["migrate", "up", "--yes", "--url", &url],
        vec!["migrate", "status", "--url", &url],
        vec!["migrate", "verify"],
    ] {
        let (code, out, err) = bin(dir.path(), &args);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(
            err.contains("`db/migrations` does not exist"),
            "{args:?}: {err}"
        );
    }
}
