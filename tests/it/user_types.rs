//! PostgreSQL domains, composite and range types: the file's grammar read into the model
//! (names PostgreSQL gives unnamed checks, clauses in any order, `ALTER DOMAIN` folded in),
//! the errors such a statement can have, and what dialects without them make of them: a
//! domain is its base type with its default, NOT NULL and checks on each column, which the
//! server enforces; composite and range types are said once and their columns are text.

use crate::support::{self, TestDb};
use sqlshift::model::{DataType, QName};
use sqlshift::parse::parse_sql;

fn domain(sql: &str, name: &str) -> sqlshift::model::Domain {
    let s = parse_sql("test.sql", sql).unwrap_or_else(|e| panic!("parse: {e}"));
    s.domains
        .values()
        .find(|d| d.name.name == name)
        .cloned()
        .unwrap_or_else(|| panic!("no domain {name}"))
}

fn check_names(d: &sqlshift::model::Domain) -> Vec<&str> {
    d.checks.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn the_create_domain_grammar_is_read_in_any_order() {
    let d = domain(
        "CREATE DOMAIN ordered integer CHECK (VALUE > 0) DEFAULT 1 NOT NULL CHECK (VALUE < 9) CONSTRAINT named CHECK (VALUE <> 5);",
        "ordered",
    );
    assert_eq!(d.data_type, DataType::Integer);
    assert!(d.not_null);
    assert_eq!(d.default.as_ref().map(|e| e.sql.as_str()), Some("1"));
    // PostgreSQL's names: `<domain>_check`, then numbered.
    assert_eq!(
        check_names(&d),
        ["named", "ordered_check", "ordered_check1"]
    );

    let d = domain(
        "CREATE DOMAIN code AS varchar(10) COLLATE pg_catalog.\"C\" NULL;",
        "code",
    );
    assert_eq!(d.collation, Some(QName::new("", "C")));
    assert!(!d.not_null);
    assert_eq!(d.data_type, DataType::Varchar(Some(10)));
}

#[test]
fn a_domain_over_a_domain_or_an_array_keeps_the_name() {
    let sql = "CREATE DOMAIN year AS integer; CREATE DOMAIN late AS year; \
               CREATE DOMAIN years AS year[]; CREATE TABLE t (a year, b year[], c years);";
    let s = parse_sql("test.sql", sql).expect("parse");
    let year = DataType::Named(QName::new("", "year"));
    assert_eq!(domain(sql, "late").data_type, year);
    assert_eq!(
        domain(sql, "years").data_type,
        DataType::Array(Box::new(year.clone()))
    );
    let t = s.tables.values().next().expect("table");
    assert_eq!(t.columns[0].data_type, year);
    assert_eq!(t.columns[1].data_type, DataType::Array(Box::new(year)));
    assert_eq!(
        t.columns[2].data_type,
        DataType::Named(QName::new("", "years"))
    );
}

#[test]
fn alter_domain_statements_are_folded_into_the_domain() {
    let d = domain(
        "CREATE DOMAIN d AS int DEFAULT 1 CHECK (VALUE > 0) CONSTRAINT gone CHECK (VALUE <> 3);
         ALTER DOMAIN d ADD CONSTRAINT later CHECK (VALUE < 100) NOT VALID;
         ALTER DOMAIN d ADD CHECK (VALUE <> 7);
         ALTER DOMAIN d DROP CONSTRAINT gone;
         ALTER DOMAIN d DROP CONSTRAINT IF EXISTS never;
         ALTER DOMAIN d RENAME CONSTRAINT d_check TO positive;
         ALTER DOMAIN d DROP DEFAULT;
         ALTER DOMAIN d SET NOT NULL;
         ALTER DOMAIN public.d OWNER TO postgres;",
        "d",
    );
    assert_eq!(check_names(&d), ["d_check1", "later", "positive"]);
    assert!(d.checks.iter().any(|c| c.name == "later" && c.not_valid));
    assert!(d.default.is_none());
    assert!(d.not_null);
    let d = domain(
        "CREATE DOMAIN d AS int; ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID; \
         ALTER DOMAIN d VALIDATE CONSTRAINT c;",
        "d",
    );
    assert!(!d.checks[0].not_valid);
}

#[test]
fn domain_statements_that_cannot_hold_are_errors_that_say_why() {
    for (sql, says) in [
        (
            "CREATE DOMAIN d AS int NULL NOT NULL;",
            "both NULL and NOT NULL",
        ),
        (
            "CREATE DOMAIN d AS int DEFAULT 1 DEFAULT 2;",
            "more than one DEFAULT",
        ),
        (
            "CREATE DOMAIN d AS int CHECK (VALUE > 0) NO INHERIT;",
            "NO INHERIT",
        ),
        (
            "CREATE DOMAIN d AS int PRIMARY KEY;",
            "is not a domain constraint",
        ),
        ("CREATE DOMAIN d AS serial;", "serial is not a type here"),
        (
            "CREATE DOMAIN d AS int CONSTRAINT c CHECK (VALUE > 0) CONSTRAINT c CHECK (VALUE < 9);",
            "defined twice",
        ),
        (
            "CREATE DOMAIN d AS int; CREATE DOMAIN d AS text;",
            "defined twice",
        ),
        ("ALTER DOMAIN nowhere SET NOT NULL;", "is not defined"),
        (
            "CREATE DOMAIN d AS int; ALTER DOMAIN d DROP CONSTRAINT c;",
            "has no constraint `c`",
        ),
        (
            "CREATE DOMAIN d AS int; ALTER DOMAIN d RENAME TO e;",
            "written in its CREATE DOMAIN",
        ),
    ] {
        let e = parse_sql("test.sql", sql).expect_err(sql).to_string();
        assert!(e.contains(says), "{sql}: {e}");
        assert!(e.starts_with("test.sql:1:"), "{sql}: {e}");
    }
}

/// A schema with domains on a dialect without them: each column takes the base type and
/// the domain's rules, which the server then enforces.
const PORTABLE: &str = "
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE DOMAIN smallpos AS posint DEFAULT 5 NOT NULL CHECK (VALUE < 1000);
CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE TABLE t (
    id posint PRIMARY KEY,
    s smallpos,
    born year,
    tags posint[]
);
";

async fn domains_become_column_rules(db: &TestDb) {
    let want = support::desired(PORTABLE, db.dialect());
    let t = want.tables.values().next().expect("table");
    let s = t.column("s").expect("s");
    assert!(!s.nullable && s.default.is_some(), "{s:?}");
    // `year` is the domain's base type here, not MySQL's YEAR.
    assert_eq!(t.column("born").expect("born").data_type, DataType::Integer);
    assert_eq!(t.checks.len(), 4, "{:?}", t.checks);
    let mut conn = db.connect().await;
    support::apply(&mut conn, &want).await;
    assert!(support::plan_against(&mut conn, &want).await.is_empty());
    conn.run_script("INSERT INTO t (id, born) VALUES (1, 1999)")
        .await
        .expect("a row the domains allow");
    for bad in [
        "INSERT INTO t (id, born) VALUES (0, 1999)",
        "INSERT INTO t (id, s) VALUES (2, 5000)",
        "INSERT INTO t (id, s) VALUES (3, NULL)",
        "INSERT INTO t (id, born) VALUES (4, 1800)",
    ] {
        assert!(conn.run_script(bad).await.is_err(), "{bad} was accepted");
    }
}

#[test]
fn sqlite_keeps_a_domain_as_its_base_type_and_rules() {
    let db = support::sqlite_db();
    support::rt().block_on(domains_become_column_rules(&db));
}

#[test]
fn mysql_keeps_a_domain_as_its_base_type_and_rules() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::mysql_db()) else {
        return;
    };
    rt.block_on(domains_become_column_rules(&db));
}

#[test]
fn a_domain_says_once_what_it_becomes_on_a_dialect_without_domains() {
    let parsed = parse_sql("test.sql", PORTABLE).expect("parse");
    let mut notes = Vec::new();
    let d = sqlshift::dialect::dialect_by_name("sqlite").expect("sqlite");
    let _ = sqlshift::dialect::prepare(parsed, d, &mut notes);
    let about: Vec<&String> = notes.iter().filter(|n| n.contains("domain")).collect();
    assert_eq!(about.len(), 1, "{notes:?}");
    assert!(about[0].contains("`posint`") && about[0].contains("`year`"));
}

#[test]
fn composite_and_range_types_are_read_and_said_once_elsewhere() {
    let sql = "CREATE TYPE pair AS (a int, b text COLLATE pg_catalog.\"C\");
               CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = pg_catalog.float8mi);
               CREATE TABLE t (id int PRIMARY KEY, p pair, r floatrange, rs floatmultirange);";
    let s = parse_sql("test.sql", sql).expect("parse");
    let pair = s.composites.values().next().expect("pair");
    assert_eq!(pair.attributes[1].collation, Some(QName::new("", "C")));
    let r = s.ranges.values().next().expect("range");
    assert_eq!(r.subtype, DataType::Double);
    assert_eq!(r.subtype_diff, Some(QName::new("", "float8mi")));
    let t = s.tables.values().next().expect("table");
    assert_eq!(
        t.column("rs").expect("rs").data_type,
        DataType::Named(QName::new("", "floatmultirange"))
    );
    for dialect in ["sqlite", "mysql"] {
        let mut notes = Vec::new();
        let d = sqlshift::dialect::dialect_by_name(dialect).expect("dialect");
        let want = sqlshift::dialect::prepare(s.clone(), d, &mut notes);
        assert!(want.composites.is_empty() && want.ranges.is_empty());
        let about: Vec<&String> = notes.iter().filter(|n| n.contains("composite")).collect();
        assert_eq!(about.len(), 1, "{notes:?}");
        assert!(about[0].contains("`pair`") && about[0].contains("`floatrange`"));
    }
}

#[test]
fn a_type_name_defined_twice_is_an_error() {
    for sql in [
        "CREATE TYPE a AS (x int); CREATE DOMAIN a AS int;",
        "CREATE TYPE a AS RANGE (subtype = int4); CREATE TYPE a AS ENUM ('x');",
        "CREATE TYPE r AS RANGE (subtype = int4); CREATE TYPE rmulti AS (x int); CREATE TYPE rm AS RANGE (subtype = date, multirange_type_name = rmulti);",
        "CREATE TYPE floatrange AS RANGE (subtype = float8); CREATE TYPE floatmultirange AS (x int);",
    ] {
        let e = parse_sql("test.sql", sql).expect_err(sql).to_string();
        assert!(e.contains("is defined twice"), "{sql}: {e}");
    }
    let e = parse_sql(
        "test.sql",
        "CREATE TYPE r AS RANGE (subtype_diff = float8mi);",
    )
    .expect_err("no subtype")
    .to_string();
    assert!(e.contains("has no subtype"), "{e}");
}
