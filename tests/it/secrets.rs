//! Passwords never reach output (issue 8, item 6), whatever characters they hold, through
//! `--url` and through `${VAR}` in sqlshift.yaml, on every command that connects.

use crate::support::{self, bin_env};

/// Every URL-special character, around a marker that must never be printed.
const PASSWORD: &str = "Zq7#se/cr?et@pa:ss%w&rd=+;[x] 'q\"`\\$!Zq7";
/// Fragments of the password; none may appear in any output.
const FRAGMENTS: &[&str] = &["Zq7", "se/cr", "cr?et", "et@pa", "ss%w", "rd=+"];

fn with_password(admin: &str) -> String {
    // admin is scheme://user@host/db (no password): put one in.
    let (scheme, rest) = admin.split_once("://").expect("scheme");
    let (user, host) = rest.split_once('@').expect("user@host");
    format!("{scheme}://{user}:{PASSWORD}@{host}")
}

fn assert_hidden(what: &str, out: &str, err: &str) {
    for f in FRAGMENTS {
        assert!(
            !out.contains(f) && !err.contains(f),
            "{what} printed part of the password ({f}):\nstdout: {out}\nstderr: {err}"
        );
    }
}

fn commands_never_print_the_password(url: &str, expect_connect: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("schema");
    std::fs::write(
        dir.path().join("schema/t.sql"),
        "CREATE TABLE t (id INTEGER PRIMARY KEY);",
    )
    .expect("schema file");
    std::fs::write(
        dir.path().join("sqlshift.yaml"),
        "environments:\n  prod:\n    url: ${SECRET_DB_URL}\n",
    )
    .expect("config");
    let runs: Vec<Vec<&str>> = vec![
        vec!["plan", "--url", url],
        vec!["plan", "--env", "prod"],
        vec!["plan", "--env", "prod", "--format", "json"],
        vec!["apply", "--env", "prod", "--dry-run", "--yes"],
        vec!["inspect", "--env", "prod"],
        vec!["drift", "--env", "prod"],
        vec!["drift", "--env", "prod", "--format", "json"],
        vec!["migrate", "status", "--env", "prod"],
        vec!["diff", "--from", url, "--to", "schema"],
        vec!["diff", "--from", "schema", "--to", url],
        vec!["plan", "--env", "prod", "--out", "plan.json"],
    ];
    let mut connected = 0;
    for args in runs {
        let (code, out, err) = bin_env(dir.path(), &args, &[("SECRET_DB_URL", url)]);
        assert_hidden(&args.join(" "), &out, &err);
        assert!(
            out.contains("****") || err.contains("****") || code == 0,
            "{out}{err}"
        );
        if code != 2 {
            connected += 1;
        }
    }
    if let Ok(plan_file) = std::fs::read_to_string(dir.path().join("plan.json")) {
        assert_hidden("the plan file", &plan_file, "");
    }
    if expect_connect {
        assert!(connected > 0, "the encoded password must still connect");
    }
}

#[test]
fn postgres_passwords_with_special_characters_are_never_printed() {
    // Trust authentication accepts any password, so the runs also show that such a
    // password reaches the server intact enough to connect.
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    commands_never_print_the_password(&with_password(&db.url), true);
}

#[test]
fn mysql_passwords_with_special_characters_are_never_printed() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::mysql_db()) else {
        return;
    };
    // root has no password: the server refuses this one, and says so without it.
    commands_never_print_the_password(&with_password(&db.url), false);
}

#[test]
fn unparseable_urls_with_passwords_are_redacted() {
    let dir = tempfile::tempdir().expect("tempdir");
    for url in [
        format!("postgres://app:{PASSWORD}@"),
        format!("mysql://app:{PASSWORD}@:notaport/db"),
        format!("postgresql://app:{PASSWORD}@[::1/db"),
        format!("oracle://app:{PASSWORD}@host/db"),
    ] {
        let (code, out, err) = bin_env(dir.path(), &["plan", "--url", &url], &[]);
        assert_ne!(code, 0);
        assert_hidden(&url, &out, &err);
    }
}
