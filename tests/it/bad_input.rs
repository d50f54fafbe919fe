//! Bad input gives a clear message and a documented exit code, never a panic.

use crate::support::bin as run_in;

fn with_schema(sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(dir.path().join("schema/app.sql"), sql).expect("write");
    dir
}

fn plan_err(sql: &str) -> (i32, String) {
    let dir = with_schema(sql);
    let (code, _, err) = run_in(dir.path(), &["plan", "--url", "sqlite::memory:"]);
    (code, err)
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let (code, err) = plan_err(
        "CREATE TABLE a (id INTEGER);\n\nCREATE TABLE b (\n  id INTEGER,,\n  x TEXT\n);\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("schema/app.sql:4:14"), "{err}");
    assert!(err.contains("syntax error"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_type_is_an_error() {
    let (code, err) = plan_err("CREATE TABLE a (id INTEGER, v frobnicate);\n");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unknown type `frobnicate`"), "{err}");
    assert!(err.contains("schema/app.sql:1:1"), "{err}");
}

#[test]
fn foreign_key_to_missing_table_is_an_error() {
    let (code, err) =
        plan_err("CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b (id));\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("references table `b`, which is not defined"),
        "{err}"
    );
}

#[test]
fn duplicate_table_is_an_error() {
    let (code, err) = plan_err("CREATE TABLE a (id INTEGER);\nCREATE TABLE a (id INTEGER);\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("schema/app.sql:2:1") && err.contains("defined twice"),
        "{err}"
    );
}

#[test]
fn unmanaged_statements_are_reported_once_grouped_never_an_error() {
    let sql = "SET client_encoding = 'UTF8';\nCREATE TABLE a (id INTEGER);\nCREATE FUNCTION f() RETURNS integer AS $$ SELECT 1; $$ LANGUAGE sql;\nCREATE FUNCTION g() RETURNS integer AS $$ SELECT 2 $$ LANGUAGE sql;\nGRANT SELECT ON a TO PUBLIC;\n";
    let dir = with_schema(sql);
    let (code, out, err) = run_in(dir.path(), &["plan", "--url", "sqlite::memory:"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("not managed in the schema files, left as they are: 2 functions, 1 SET statement, 1 privilege"),
        "{err}"
    );
    assert!(out.contains("create table"), "{out}");
    let (code, _, err) = run_in(
        dir.path(),
        &["plan", "--verbose", "--url", "sqlite::memory:"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("not managed: schema/app.sql:3:1: function: CREATE FUNCTION f()"),
        "{err}"
    );
}

#[test]
fn every_unreadable_statement_is_reported_at_once() {
    let (code, err) = plan_err(
        "CREATE TABLE a (id INTEGER,,);\nCREATE TABLE b (id frobnicate);\nCRATE TABLE c (id INTEGER);\nCREATE TABLE d (id INTEGER);\n",
    );
    assert_eq!(code, 1, "{err}");
    for want in [
        "schema/app.sql:1:28: syntax error",
        "unknown type `frobnicate`",
        "schema/app.sql:3:1: `CRATE` does not start a SQL statement",
        "3 errors",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
}

#[test]
fn unterminated_quotes_are_named_with_their_line() {
    for (sql, want) in [
        (
            "CREATE TABLE a (id INTEGER DEFAULT 'x);\n",
            "app.sql:1:36: unterminated string",
        ),
        (
            "CREATE FUNCTION f() AS $body$ SELECT 1;\n",
            "app.sql:1:24: unterminated dollar-quoted string",
        ),
    ] {
        let (code, err) = plan_err(sql);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(want), "{want}: {err}");
    }
}

#[test]
fn dangling_rename_annotation_is_an_error() {
    let (code, err) = plan_err("CREATE TABLE a (id INTEGER);\n-- sqlshift:renamed-from old\n\nCREATE INDEX a_id_idx ON a (id);\n");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("schema/app.sql:2:1") && err.contains("renamed-from old"),
        "{err}"
    );
}

#[test]
fn unreachable_server_is_exit_2_with_redacted_url() {
    let dir = with_schema("CREATE TABLE a (id INTEGER);\n");
    let (code, _, err) = run_in(
        dir.path(),
        &[
            "plan",
            "--url",
            "postgres://someone:hunter2@127.0.0.1:1/nothing",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot connect to postgres://someone:****@127.0.0.1:1/nothing"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn rejected_login_is_exit_2_and_never_shows_the_password() {
    let dir = with_schema("CREATE TABLE a (id INTEGER);\n");
    let admin = crate::support::pg_admin_url();
    let Some(rest) = admin
        .strip_prefix("postgres://")
        .and_then(|r| r.split_once('@').map(|(_, h)| h.to_string()))
    else {
        return;
    };
    let url = format!("postgres://no_such_role_sqlshift:wrong-pass@{rest}");
    let (code, _, err) = run_in(dir.path(), &["plan", "--url", &url]);
    if err.contains("Connection refused")
        && std::env::var("SQLSHIFT_REQUIRE_SERVERS").as_deref() != Ok("1")
    {
        return;
    }
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no_such_role_sqlshift:****@"), "{err}");
    assert!(!err.contains("wrong-pass"), "{err}");
}

#[test]
fn unknown_url_scheme_is_refused() {
    let dir = with_schema("CREATE TABLE a (id INTEGER);\n");
    let (code, _, err) = run_in(dir.path(), &["plan", "--url", "oracle://x"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[test]
fn bad_config_names_the_key() {
    let dir = with_schema("CREATE TABLE a (id INTEGER);\n");
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        "environments:\n  dev:\n    uri: sqlite://x.db\n",
    )
    .expect("write");
    let (code, _, err) = run_in(dir.path(), &["plan", "--env", "dev"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unknown field `uri`"), "{err}");
    assert!(err.contains("sqlshift.yaml"), "{err}");
}

#[test]
fn missing_schema_folder_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = run_in(dir.path(), &["plan", "--url", "sqlite::memory:"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("schema"), "{err}");
}

#[test]
fn a_table_that_cannot_be_read_is_named_once_not_by_every_statement_after_it() {
    let (code, err) = plan_err(
        "CREATE TABLE film (id INTEGER PRIMARY KEY, body TEXT DEFAULT);\nCREATE INDEX film_body ON film (body);\nCREATE TABLE actor (id INTEGER PRIMARY KEY, film_id INTEGER REFERENCES film (id));\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("schema/app.sql:1:") && err.contains("(in table `film`)"),
        "{err}"
    );
    assert!(!err.contains("not defined"), "no follow-on errors: {err}");
}

/// A `DELIMITER` never set back would make the rest of the file one statement, of which
/// only the first would be read: it is an error naming the DELIMITER's line, and so is a
/// statement with another one behind it.
#[test]
fn a_delimiter_never_reset_is_an_error_not_a_lost_table() {
    let (code, err) = plan_err(
        "CREATE TABLE a (id INTEGER);\nDELIMITER ;;\nCREATE TABLE b (id INTEGER);\nCREATE TABLE c (id INTEGER);;\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("schema/app.sql:2:1") && err.contains("never set back"),
        "{err}"
    );
    let (code, err) = plan_err(
        "DELIMITER ;;\nCREATE TABLE b (id INTEGER);\nCREATE TABLE c (id INTEGER);;\nDELIMITER ;\n",
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("schema/app.sql:3:1") && err.contains("after the statement"),
        "{err}"
    );
}
