//! Literals and identifiers mean on the server what they mean in the schema file (issue 8,
//! items 1 and 8), on all three dialects: a property test over strings and names made of
//! quotes, backslashes, `;`, `--`, `/*`, `$$`, control characters and non-ASCII text.
//!
//! Each case applies a schema file with the value as a column default, in a CHECK, in a
//! view and as a column comment, and the name as a column (referenced by the CHECK and the
//! view), then asks the server itself: the default a new row gets, which rows the CHECKs
//! refuse, what the view returns, the comment in the server's catalog. Planning again must
//! give no steps (sqlshift reads back what it wrote). Cases per dialect:
//! `SQLSHIFT_FUZZ_CASES` (default 12 on the servers, 24 on SQLite).

use crate::support::{self, TestDb};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use sqlshift::dialect::Connection;

/// Characters that change meaning between dialects or end a statement early.
const TRICKY: &[char] = &[
    '\'', '"', '`', '\\', ';', '-', '/', '*', '$', ' ', 'a', 'Z', '%', '_', '(', ')', '#', '?',
    'é', '中', '\t', '\n', '\r', '\u{1}', '\u{1a}', '😀',
];

fn literal() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "$$",
        "--",
        "/*",
        "*/",
        "\\'",
        "''",
        "\\\\",
        "'); DROP TABLE victim; --",
        "\\0",
    ]);
    let piece = prop_oneof![
        3 => prop::sample::select(TRICKY).prop_map(String::from),
        1 => pieces.prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

/// A column name: no control characters, no leading or trailing space (MySQL refuses
/// those), short enough for every dialect.
fn name() -> impl Strategy<Value = String> {
    let chars: Vec<char> = TRICKY
        .iter()
        .copied()
        .filter(|c| !c.is_control() && *c != '😀')
        .collect();
    prop::collection::vec(prop::sample::select(chars), 0..8)
        .prop_map(|v| format!("c{}x", v.into_iter().collect::<String>()))
}

fn schema_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn schema_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The test's own quoting for its read-back queries, independent of sqlshift's.
fn ident_for(conn: &Connection, s: &str) -> String {
    match conn {
        Connection::Mysql(..) => format!("`{}`", s.replace('`', "``")),
        _ => schema_ident(s),
    }
}

fn placeholders(conn: &Connection, sql: &str) -> String {
    if !matches!(conn, Connection::Postgres(..)) {
        return sql.to_string();
    }
    let mut out = String::new();
    let mut n = 0;
    let mut quoted = false;
    for c in sql.chars() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == '?' && !quoted {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// One text value (or NULL) from a query with text parameters.
pub async fn one(
    conn: &mut Connection,
    sql: &str,
    args: &[&str],
) -> Result<Option<String>, String> {
    let sql = placeholders(conn, sql);
    macro_rules! run {
        ($c:expr) => {{
            let mut q = sqlx::query_scalar::<_, Option<String>>(&sql);
            for a in args {
                q = q.bind(*a);
            }
            q.fetch_one($c).await.map_err(|e| e.to_string())
        }};
    }
    match conn {
        Connection::Sqlite(c, _) => run!(c),
        Connection::Postgres(c, _) => run!(c),
        Connection::Mysql(c, _) => run!(c),
    }
}

/// Runs one statement with text parameters.
pub async fn exec(conn: &mut Connection, sql: &str, args: &[&str]) -> Result<(), String> {
    let sql = placeholders(conn, sql);
    macro_rules! run {
        ($c:expr) => {{
            let mut q = sqlx::query(&sql);
            for a in args {
                q = q.bind(*a);
            }
            q.execute($c).await.map(|_| ()).map_err(|e| e.to_string())
        }};
    }
    match conn {
        Connection::Sqlite(c, _) => run!(c),
        Connection::Postgres(c, _) => run!(c),
        Connection::Mysql(c, _) => run!(c),
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if ok {
        Ok(())
    } else {
        Err(TestCaseError::fail(what()))
    }
}

async fn case(conn: &mut Connection, value: &str, col: &str) -> Result<(), TestCaseError> {
    let d = conn.dialect();
    let mysql = matches!(conn, Connection::Mysql(..));
    // Known limit: MariaDB's information_schema prints characters outside the BMP as `?`
    // (its catalog is utf8mb3), so they cannot be read back from there.
    let value: String = if mysql {
        value.chars().filter(|c| c.len_utf8() < 4).collect()
    } else {
        value.to_string()
    };
    let value = value.as_str();
    let comment = value.to_string();
    let (l, i) = (schema_literal(value), schema_ident(col));
    let file = format!(
        "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  {i} TEXT DEFAULT {l},\n  b VARCHAR(100) CHECK (b <> {l}),\n  CONSTRAINT named_col CHECK ({i} <> 'forbidden')\n);\n\
         COMMENT ON COLUMN t.{i} IS {c};\n\
         CREATE VIEW v AS SELECT id, {l} AS {i} FROM t;\n",
        c = schema_literal(&comment)
    );
    // An enum value too, where every dialect can hold it: PostgreSQL labels are 1-63
    // bytes, MySQL drops trailing spaces from ENUM values and keeps '' as its error value.
    let with_enum = !value.is_empty()
        && value.len() <= 60
        && !value.ends_with(' ')
        && !value.eq_ignore_ascii_case("plain");
    let file = if with_enum {
        file.replacen(
            "CREATE TABLE t (\n  id INTEGER PRIMARY KEY,",
            &format!("CREATE TYPE mood AS ENUM ('plain', {l});\nCREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  m mood,"),
            1,
        )
    } else {
        file
    };
    let victim = "CREATE TABLE victim (id INTEGER PRIMARY KEY)";
    conn.run_script("DROP VIEW IF EXISTS v").await.ok();
    conn.run_script("DROP TABLE IF EXISTS t").await.ok();
    conn.run_script("DROP TABLE IF EXISTS victim").await.ok();
    if !mysql {
        conn.run_script("DROP TYPE IF EXISTS mood").await.ok();
    }
    conn.run_script(victim)
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let parsed = sqlshift::parse::parse_sql("fuzz.sql", &format!("{file}{victim};\n"))
        .map_err(|e| TestCaseError::fail(format!("parse: {e}\n{file}")))?;
    let mut notes = Vec::new();
    let want = sqlshift::dialect::prepare(parsed, d, &mut notes);
    let plan = support::plan_against(conn, &want).await;
    conn.execute(&plan, &Default::default())
        .await
        .map_err(|e| TestCaseError::fail(format!("apply: {e}\n{}", plan.sql())))?;

    let qc = ident_for(conn, col);
    exec(conn, "INSERT INTO t (id) VALUES (1)", &[])
        .await
        .map_err(|e| TestCaseError::fail(format!("insert: {e}\n{}", plan.sql())))?;
    let got = one(conn, &format!("SELECT {qc} FROM t WHERE id = 1"), &[]).await;
    check(
        got.as_ref().ok().and_then(|g| g.as_deref()) == Some(value),
        || {
            format!(
                "default: stored {got:?}, the file says {value:?}\n{}",
                plan.sql()
            )
        },
    )?;
    let refused = exec(conn, "INSERT INTO t (id, b) VALUES (2, ?)", &[value]).await;
    check(refused.is_err(), || {
        format!("CHECK (b <> {l}) let the value itself in\n{}", plan.sql())
    })?;
    let other = format!("{value}!");
    let allowed = exec(conn, "INSERT INTO t (id, b) VALUES (3, ?)", &[&other]).await;
    check(allowed.is_ok(), || {
        format!(
            "CHECK (b <> {l}) refused another value: {allowed:?}\n{}",
            plan.sql()
        )
    })?;
    let named = exec(
        conn,
        &format!("INSERT INTO t (id, {qc}) VALUES (4, 'forbidden')"),
        &[],
    )
    .await;
    check(named.is_err(), || {
        format!(
            "CHECK ({i} <> 'forbidden') did not read the column\n{}",
            plan.sql()
        )
    })?;
    if with_enum {
        let param = if matches!(conn, Connection::Postgres(..)) {
            "CAST(? AS mood)"
        } else {
            "?"
        };
        let put = exec(
            conn,
            &format!("INSERT INTO t (id, m) VALUES (5, {param})"),
            &[value],
        )
        .await;
        check(put.is_ok(), || {
            format!("enum refused its own value: {put:?}\n{}", plan.sql())
        })?;
        let sql = if mysql {
            "SELECT CAST(m AS CHAR) FROM t WHERE id = 5"
        } else {
            "SELECT CAST(m AS TEXT) FROM t WHERE id = 5"
        };
        let got = one(conn, sql, &[]).await;
        check(
            got.as_ref().ok().and_then(|g| g.as_deref()) == Some(value),
            || {
                format!(
                    "enum: stored {got:?}, the file says {value:?}\n{}",
                    plan.sql()
                )
            },
        )?;
        let bad = exec(
            conn,
            "INSERT INTO t (id, m) VALUES (6, ?)",
            &[&format!("{value}!")],
        )
        .await;
        check(bad.is_err(), || {
            format!("enum took a value it does not have\n{}", plan.sql())
        })?;
    }
    let view = one(conn, &format!("SELECT {qc} FROM v WHERE id = 1"), &[]).await;
    check(
        view.as_ref().ok().and_then(|g| g.as_deref()) == Some(value),
        || {
            format!(
                "view: returned {view:?}, the file says {value:?}\n{}",
                plan.sql()
            )
        },
    )?;
    let stored_comment = match conn {
        Connection::Mysql(..) => {
            one(
                conn,
                "SELECT COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 't' AND COLUMN_NAME = ?",
                &[col],
            )
            .await
        }
        Connection::Postgres(..) => {
            one(
                conn,
                "SELECT col_description('t'::regclass, attnum) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = ?",
                &[col],
            )
            .await
        }
        // SQLite has no comments.
        Connection::Sqlite(..) => Ok(Some(comment.clone()).filter(|c| !c.is_empty())),
    };
    // An empty comment is no comment (MySQL shows it as '').
    let want_comment = if comment.is_empty() && mysql {
        Some(String::new())
    } else {
        Some(comment.clone()).filter(|c| !c.is_empty())
    };
    check(stored_comment.as_ref() == Ok(&want_comment), || {
        format!(
            "comment: stored {stored_comment:?}, the file says {comment:?}\n{}",
            plan.sql()
        )
    })?;
    let victim_left = conn.count_rows("victim").await;
    check(victim_left.is_ok(), || {
        format!("table victim is gone\n{}", plan.sql())
    })?;
    let again = support::plan_against(conn, &want).await;
    check(again.steps.is_empty(), || {
        format!(
            "no convergence: after\n{}\nplanning again gives\n{}",
            plan.sql(),
            again.sql()
        )
    })?;
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("SQLSHIFT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn fuzz(db: Option<TestDb>, default_cases: u32) {
    let Some(db) = db else { return };
    let rt = support::rt();
    let conn = std::cell::RefCell::new(rt.block_on(db.connect()));
    let mut runner = TestRunner::new(Config {
        cases: cases(default_cases),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let result = runner.run(&(literal(), name()), |(value, col)| {
        rt.block_on(case(&mut conn.borrow_mut(), &value, &col))
    });
    if let Err(e) = result {
        panic!("{}: {e}", db.dialect().name());
    }
}

#[test]
fn literals_and_names_survive_the_trip_sqlite() {
    fuzz(Some(support::sqlite_db()), 24);
}

#[test]
fn literals_and_names_survive_the_trip_postgres() {
    let db = support::rt().block_on(support::pg_db());
    fuzz(db, 12);
}

#[test]
fn literals_and_names_survive_the_trip_mysql() {
    let db = support::rt().block_on(support::mysql_db());
    fuzz(db, 12);
}
