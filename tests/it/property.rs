//! Property test: random schemas and random edits, planned and applied on a live
//! database, must converge (plan after apply is empty) and round-trip (B→A gives A back).
//!
//! Cases per dialect: `SQLSHIFT_PROPTEST_CASES` (default 200).

use crate::support;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const TYPES: &[(&str, &str)] = &[
    ("INTEGER", "7"),
    ("BIGINT", "0"),
    ("TEXT", "'x'"),
    ("VARCHAR(30)", "'abc'"),
    ("BOOLEAN", "TRUE"),
    ("NUMERIC(10, 2)", "1.50"),
    ("TIMESTAMPTZ", "CURRENT_TIMESTAMP"),
    ("DATE", "'2024-01-01'"),
];

#[derive(Debug, Clone)]
struct Col {
    name: usize,
    ty: usize,
    nullable: bool,
    default: bool,
    unique: bool,
}

#[derive(Debug, Clone)]
struct Tab {
    cols: Vec<Col>,
    index_on: Option<usize>,
    fk_to_prev: bool,
    check: bool,
}

fn col() -> impl Strategy<Value = Col> {
    (
        0..5usize,
        0..TYPES.len(),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(name, ty, nullable, default, unique)| Col {
            name,
            ty,
            nullable,
            default,
            unique,
        })
}

fn tab() -> impl Strategy<Value = Tab> {
    (
        prop::collection::vec(col(), 1..5),
        prop::option::of(0..5usize),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(cols, index_on, fk_to_prev, check)| Tab {
            cols,
            index_on,
            fk_to_prev,
            check,
        })
}

fn schema() -> impl Strategy<Value = (Vec<Option<Tab>>, bool)> {
    (
        prop::collection::vec(prop::option::weighted(0.8, tab()), 3),
        any::<bool>(),
    )
}

fn to_sql((tables, view): &(Vec<Option<Tab>>, bool)) -> String {
    let mut sql = String::new();
    let mut present = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let Some(t) = t else { continue };
        let mut lines = vec!["id INTEGER PRIMARY KEY".to_string()];
        let mut names = Vec::new();
        for c in &t.cols {
            if names.contains(&c.name) {
                continue;
            }
            names.push(c.name);
            let (ty, default) = TYPES[c.ty];
            let mut l = format!("c{} {ty}", c.name);
            if !c.nullable {
                l.push_str(" NOT NULL");
            }
            if c.default || !c.nullable {
                l.push_str(&format!(" DEFAULT {default}"));
            }
            if c.unique {
                l.push_str(" UNIQUE");
            }
            lines.push(l);
        }
        if t.fk_to_prev {
            if let Some(prev) = present.last() {
                lines.push(format!(
                    "ref_id INTEGER REFERENCES t{prev} (id) ON DELETE CASCADE"
                ));
            }
        }
        if t.check {
            lines.push("CHECK (id >= 0)".into());
        }
        sql.push_str(&format!(
            "CREATE TABLE t{i} (\n  {}\n);\n",
            lines.join(",\n  ")
        ));
        if let Some(ix) = t.index_on {
            if names.contains(&ix) {
                sql.push_str(&format!("CREATE INDEX t{i}_c{ix}_idx ON t{i} (c{ix});\n"));
            }
        }
        present.push(i);
    }
    if *view {
        if let Some(first) = present.first() {
            sql.push_str(&format!(
                "CREATE VIEW v{first} AS SELECT id FROM t{first} WHERE id > 0;\n"
            ));
        }
    }
    sql
}

fn cases() -> u32 {
    std::env::var("SQLSHIFT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}

async fn check(db: &support::TestDb, a_sql: &str, b_sql: &str) -> Result<(), TestCaseError> {
    let d = db.dialect();
    let (a, b) = (support::desired(a_sql, d), support::desired(b_sql, d));
    let mut conn = db.connect().await;
    match d.name() {
        "postgres" => conn
            .run_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            .await
            .map_err(|e| TestCaseError::fail(e.to_string()))?,
        "mysql" => {
            // Drop whatever the previous case left, children first.
            let live = conn
                .introspect()
                .await
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut sql = String::from("SET FOREIGN_KEY_CHECKS = 0;");
            for v in live.views.keys() {
                sql.push_str(&format!("DROP VIEW `{}`;", v.name));
            }
            for t in live.tables.keys() {
                sql.push_str(&format!("DROP TABLE `{}`;", t.name));
            }
            sql.push_str("SET FOREIGN_KEY_CHECKS = 1;");
            conn.run_script(&sql)
                .await
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        _ => {}
    }
    support::apply(&mut conn, &a).await;
    let left = support::plan_against(&mut conn, &a).await;
    prop_assert!(
        left.is_empty(),
        "A did not converge:\n{a_sql}\nremaining:\n{}",
        left.sql()
    );
    let snapshot_a = conn
        .introspect()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let forward = support::apply(&mut conn, &b).await;
    let left = support::plan_against(&mut conn, &b).await;
    prop_assert!(
        left.is_empty(),
        "A→B did not converge\nA:\n{a_sql}\nB:\n{b_sql}\nplan:\n{}\nremaining:\n{}",
        forward.sql(),
        left.sql()
    );
    support::apply(&mut conn, &a).await;
    let back = conn
        .introspect()
        .await
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        support::same(&snapshot_a, &back),
        "B→A did not give A back\nA:\n{a_sql}\nB:\n{b_sql}\n{}",
        support::describe_diff(&snapshot_a, &back)
    );
    Ok(())
}

fn run(make: impl Fn() -> Option<support::TestDb>) {
    let Some(db) = make() else { return };
    let rt = support::rt();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(schema(), schema()), |(a, b)| {
        let (a_sql, b_sql) = (to_sql(&a), to_sql(&b));
        let db = if db.dialect().name() == "sqlite" {
            support::sqlite_db()
        } else {
            support::TestDb::reuse(&db)
        };
        rt.block_on(check(&db, &a_sql, &b_sql))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn random_edits_converge_on_sqlite() {
    run(|| Some(support::sqlite_db()));
}

#[test]
fn random_edits_converge_on_mysql() {
    let rt = support::rt();
    run(|| rt.block_on(support::mysql_db()));
}

#[test]
fn random_edits_converge_on_postgres() {
    let rt = support::rt();
    run(|| rt.block_on(support::pg_db()));
}
