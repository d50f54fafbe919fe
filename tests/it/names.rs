//! Names as written (issue 8): identifiers longer than the server keeps are refused
//! (item 3), and quoted names in rename annotations are honoured (item 11).

use crate::support::{self, bin};

fn project(sql: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(dir.path().join("schema/app.sql"), sql).expect("write");
    dir
}

#[test]
fn names_longer_than_postgres_keeps_are_refused_with_the_truncated_spelling() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    let long = format!("orders_{}", "x".repeat(60)); // 67 bytes
    let twin_a = format!("{}_alpha", "e".repeat(63));
    let twin_b = format!("{}_beta", "e".repeat(63));
    let sql = format!(
        "CREATE TABLE {long} (id INTEGER PRIMARY KEY);\nCREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  {twin_a} INTEGER,\n  {twin_b} INTEGER\n);\n"
    );
    let dir = project(&sql);
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", &db.url]);
    assert_eq!(code, 1, "{out}{err}");
    let cut = &long[..63];
    assert!(
        err.contains("schema/app.sql:1:14")
            && err.contains(&format!("table name `{long}` is 67 bytes"))
            && err.contains("63 bytes")
            && err.contains(&format!("only `{cut}`")),
        "{err}"
    );
    assert!(
        err.contains("schema/app.sql:4:3")
            && err.contains(&format!("`{twin_b}` truncate(s) to the same name")),
        "{err}"
    );
    let live = rt.block_on(async { db.connect().await.introspect().await.expect("introspect") });
    assert!(live.tables.is_empty(), "nothing was created");
    // A name of exactly 63 bytes is kept as written and converges.
    let dir = project(&format!("CREATE TABLE {cut} (id INTEGER PRIMARY KEY);\n"));
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = bin(dir.path(), &["plan", "--url", &db.url]);
    assert_eq!(code, 0);
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn names_longer_than_mysql_allows_are_refused_by_name() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::mysql_db()) else {
        return;
    };
    let col = "c".repeat(65);
    let dir = project(&format!(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, {col} INTEGER);\n"
    ));
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", &db.url]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(&format!("column name `{col}` of t is 65 characters"))
            && err.contains("64 characters"),
        "{err}"
    );
}

#[test]
fn long_names_are_fine_on_sqlite() {
    let db = support::sqlite_db();
    let long = "n".repeat(100);
    let dir = project(&format!("CREATE TABLE {long} (id INTEGER PRIMARY KEY);\n"));
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, _) = bin(dir.path(), &["plan", "--url", &db.url]);
    assert!(out.contains("No changes."), "{out}");
}

#[test]
fn quoted_names_in_rename_annotations_are_honoured() {
    let before = "CREATE TABLE \"my table\" (\n  id INTEGER PRIMARY KEY,\n  \"col with space\" TEXT,\n  \"dq\"\"inside\" TEXT\n);\n";
    let after = "-- sqlshift:renamed-from \"my table\"\nCREATE TABLE \"your table\" (\n  id INTEGER PRIMARY KEY,\n  \"new name\" TEXT, -- sqlshift:renamed-from \"col with space\"\n  -- sqlshift:renamed-from \"dq\"\"inside\"\n  plain TEXT\n);\n";
    let rt = support::rt();
    rt.block_on(async {
        for db in support::all_dbs().await {
            let d = db.dialect();
            let mut conn = db.connect().await;
            support::apply(&mut conn, &support::desired(before, d)).await;
            let q = |n: &str| d.quote_ident(n);
            conn.run_script(&format!(
                "INSERT INTO {} (id, {}, {}) VALUES (1, 'kept', 'also kept')",
                q("my table"),
                q("col with space"),
                q("dq\"inside")
            ))
            .await
            .expect("seed");
            let plan = support::plan_against(&mut conn, &support::desired(after, d)).await;
            assert!(
                plan.destructive_steps().next().is_none(),
                "{}: renames, not drop + add:\n{}",
                d.name(),
                plan.sql()
            );
            conn.execute(&plan, &Default::default())
                .await
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", d.name(), plan.sql()));
            let n = conn
                .scalar_i64(&format!(
                    "SELECT count(*) FROM {} WHERE {} = 'kept' AND plain = 'also kept'",
                    q("your table"),
                    q("new name")
                ))
                .await
                .expect("read");
            assert_eq!(n, 1, "{}: data kept through the renames", d.name());
            let again = support::plan_against(&mut conn, &support::desired(after, d)).await;
            assert!(again.is_empty(), "{}: {}", d.name(), again.sql());
        }
    });
}
