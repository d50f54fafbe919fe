//! Issue 8 ("Safety first"), the SQLite items and the plans that never converged: table
//! rebuilds keep triggers and AUTOINCREMENT counters, keyword identifiers and
//! `CURRENT_TIMESTAMP(p)` render as valid SQLite, MySQL-isms converge in one apply, and the
//! SQLite migration lock waits as long as configured.

use crate::support;
use sqlshift::dialect::{self, Dialect};
use sqlx::{ConnectOptions as _, Connection as _, Row};

/// A raw connection to a SQLite test database, for what sqlshift does not manage.
async fn raw(url: &str) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(url)
        .await
        .expect("open sqlite")
}

async fn scalar_i64(c: &mut sqlx::SqliteConnection, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&mut *c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn master(c: &mut sqlx::SqliteConnection, kind: &str) -> Vec<(String, String)> {
    sqlx::query("SELECT name, sql FROM sqlite_master WHERE type = ? ORDER BY name")
        .bind(kind)
        .fetch_all(&mut *c)
        .await
        .expect("sqlite_master")
        .iter()
        .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
        .collect()
}

/// Desired schema with its normalization notes.
fn desired_noted(sql: &str, d: &dyn Dialect) -> (sqlshift::model::Schema, Vec<String>) {
    let parsed = sqlshift::parse::parse_sql("test.sql", sql).unwrap_or_else(|e| panic!("{e}"));
    let mut notes = Vec::new();
    let s = dialect::prepare(parsed, d, &mut notes);
    (s, notes)
}

/// Applies `sql` to the database, then asserts that planning again finds nothing to do.
async fn converges(db: &support::TestDb, sql: &str) -> Vec<String> {
    let d = db.dialect();
    let (want, notes) = desired_noted(sql, d);
    let mut conn = db.connect().await;
    support::apply(&mut conn, &want).await;
    let again = support::plan_against(&mut conn, &want).await;
    let live = conn.introspect().await.expect("introspect");
    assert!(
        again.is_empty(),
        "{}: a second apply of\n{sql}\nwould run:\n{}\ndiff: {}",
        d.name(),
        again.sql(),
        support::describe_diff(&live, &want)
    );
    notes
}

const SHOP_V1: &str = "
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, qty INTEGER);
CREATE INDEX items_name ON items (name);
CREATE TABLE log (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id), msg TEXT);
CREATE VIEW item_names AS SELECT name FROM items;
CREATE VIEW item_log AS SELECT i.id, l.msg FROM items AS i JOIN log AS l ON l.item_id = i.id;";

/// `qty` becomes NOT NULL with a default: SQLite can only do that by rebuilding `items`.
const SHOP_V2: &str = "
CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 0);
CREATE INDEX items_name ON items (name);
CREATE TABLE log (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items (id), msg TEXT);
CREATE VIEW item_names AS SELECT name FROM items;
CREATE VIEW item_log AS SELECT i.id, l.msg FROM items AS i JOIN log AS l ON l.item_id = i.id;";

/// Triggers: two on `items`, one on `log` that names `items`. Made by hand after rows are
/// in (so the seed logs nothing); the desired schema after the rebuild has them too.
const TRIGGERS: &str = "
CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
  INSERT INTO log (item_id, msg) VALUES (new.id, 'insert');
END;
CREATE TRIGGER items_au AFTER UPDATE OF qty ON items BEGIN
  INSERT INTO log (item_id, msg) VALUES (new.id, 'update');
END;
CREATE TRIGGER log_ai AFTER INSERT ON log WHEN new.msg = 'touch' BEGIN
  UPDATE items SET qty = coalesce(qty, 0) + 1 WHERE id = new.item_id;
END;";

#[test]
fn issue8_sqlite_rebuild_keeps_rows_triggers_indexes_views_and_the_autoincrement_counter() {
    let rt = support::rt();
    rt.block_on(async {
        let db = support::sqlite_db();
        let d = db.dialect();
        let mut conn = db.connect().await;
        support::apply(&mut conn, &support::desired(SHOP_V1, d)).await;
        let mut c = raw(&db.url).await;
        sqlx::raw_sql(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10)
             INSERT INTO items (name, qty) SELECT 'item' || x, x FROM n;
             DELETE FROM items WHERE id > 8;
             UPDATE sqlite_sequence SET seq = 10000 WHERE name = 'items';",
        )
        .execute(&mut c)
        .await
        .expect("seed");
        sqlx::raw_sql(TRIGGERS).execute(&mut c).await.expect("triggers");
        let triggers_before = master(&mut c, "trigger").await;
        let views_before = master(&mut c, "view").await;
        let rows_before: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, name, qty FROM items ORDER BY id")
                .fetch_all(&mut c)
                .await
                .expect("rows");
        drop(c);

        let want = support::desired(&format!("{SHOP_V2}\n{TRIGGERS}"), d);
        let plan = support::plan_against(&mut conn, &want).await;
        assert!(
            plan.steps.iter().any(|s| s.kind == "rebuild_table"),
            "{}",
            plan.sql()
        );
        assert!(
            !plan.steps.iter().any(|s| s.kind.ends_with("_program")),
            "the rebuild brings the unchanged triggers back itself:\n{}",
            plan.sql()
        );
        conn.execute(&plan, &dialect::ExecOptions::default())
            .await
            .unwrap_or_else(|e| panic!("rebuild failed: {e}\n{}", plan.sql()));
        assert!(support::plan_against(&mut conn, &want).await.is_empty());

        let mut c = raw(&db.url).await;
        let rows_after: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, name, qty FROM items ORDER BY id")
                .fetch_all(&mut c)
                .await
                .expect("rows");
        assert_eq!(rows_before, rows_after, "every row kept");
        assert_eq!(
            scalar_i64(&mut c, "SELECT seq FROM sqlite_sequence WHERE name = 'items'").await,
            10000,
            "the AUTOINCREMENT counter is carried over"
        );
        assert_eq!(triggers_before, master(&mut c, "trigger").await);
        assert_eq!(views_before, master(&mut c, "view").await);
        let indexes: Vec<String> = master(&mut c, "index")
            .await
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(indexes, vec!["items_name".to_string()]);
        assert!(sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut c)
            .await
            .expect("fk check")
            .is_empty());

        // The triggers still fire, and the next id continues after the counter.
        let logged = scalar_i64(&mut c, "SELECT count(*) FROM log").await;
        sqlx::raw_sql("INSERT INTO items (name) VALUES ('new')")
            .execute(&mut c)
            .await
            .expect("insert");
        assert_eq!(
            scalar_i64(&mut c, "SELECT max(id) FROM items").await,
            10001,
            "no id is reused"
        );
        sqlx::raw_sql("UPDATE items SET qty = 5 WHERE id = 1; INSERT INTO log (item_id, msg) VALUES (2, 'touch');")
            .execute(&mut c)
            .await
            .expect("fire triggers");
        assert_eq!(
            scalar_i64(&mut c, "SELECT count(*) FROM log").await,
            logged + 4,
            "items_ai, items_au, the touch row, and items_au again for log_ai's update"
        );
        assert_eq!(
            scalar_i64(&mut c, "SELECT qty FROM items WHERE id = 2").await,
            3,
            "log_ai updated items"
        );
        assert_eq!(
            scalar_i64(&mut c, "SELECT count(*) FROM item_log").await,
            scalar_i64(&mut c, "SELECT count(*) FROM log").await
        );
        assert_eq!(scalar_i64(&mut c, "SELECT count(*) FROM item_names").await, 9);
    });
}

#[test]
fn issue8_sqlite_rebuild_that_would_break_a_trigger_fails_and_changes_nothing() {
    let rt = support::rt();
    rt.block_on(async {
        let db = support::sqlite_db();
        let d = db.dialect();
        let mut conn = db.connect().await;
        let v1 = "CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, note TEXT);
                  CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);";
        support::apply(&mut conn, &support::desired(v1, d)).await;
        conn.run_script(
            "INSERT INTO items (id, qty, note) VALUES (1, 1, 'a');
             CREATE TRIGGER items_note AFTER INSERT ON items BEGIN
               INSERT INTO log (msg) VALUES (new.note);
             END",
        )
        .await
        .expect("seed");
        let before = conn.introspect().await.expect("introspect");
        // Dropping `note` (and a change that needs a rebuild) would leave `items_note`,
        // which the schema keeps, naming a column that is gone.
        let v2 = "CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL DEFAULT 0);
                  CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
                  CREATE TRIGGER items_note AFTER INSERT ON items BEGIN
               INSERT INTO log (msg) VALUES (new.note);
             END;";
        let plan = support::plan_against(&mut conn, &support::desired(v2, d)).await;
        let err = conn
            .execute(&plan, &dialect::ExecOptions::default())
            .await
            .expect_err("the trigger no longer compiles");
        let msg = err.to_string();
        assert!(msg.contains("new.note"), "{msg}");
        assert!(msg.contains("nothing was applied"), "{msg}");
        let after = conn.introspect().await.expect("introspect");
        assert!(
            support::same(&before, &after),
            "{}",
            support::describe_diff(&before, &after)
        );
        let mut c = raw(&db.url).await;
        assert_eq!(master(&mut c, "trigger").await.len(), 1);
        sqlx::raw_sql("INSERT INTO items (id, qty, note) VALUES (2, 2, 'b')")
            .execute(&mut c)
            .await
            .expect("the trigger still fires");
        assert_eq!(scalar_i64(&mut c, "SELECT count(*) FROM log").await, 1);
    });
}

#[test]
fn issue8_sqlite_rebuild_with_renames_keeps_triggers_under_the_new_names() {
    let rt = support::rt();
    rt.block_on(async {
        let db = support::sqlite_db();
        let d = db.dialect();
        let mut conn = db.connect().await;
        let v1 = "CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER, note TEXT);
                  CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);";
        support::apply(&mut conn, &support::desired(v1, d)).await;
        conn.run_script(
            "INSERT INTO items (id, qty, note) VALUES (1, 1, 'a');
             CREATE TRIGGER items_ins AFTER INSERT ON items BEGIN
               INSERT INTO log (msg) VALUES ('ins ' || new.note);
             END;
             CREATE TRIGGER items_upd AFTER UPDATE OF note ON items BEGIN
               INSERT INTO log (msg) VALUES ('upd ' || (SELECT count(*) FROM items));
             END",
        )
        .await
        .expect("seed");
        // The table and a column are renamed, and a change needs a rebuild; the schema
        // writes the triggers with the new names.
        let v2 = "-- sqlshift:renamed-from items
                  CREATE TABLE goods (
                    id INTEGER PRIMARY KEY,
                    qty INTEGER NOT NULL DEFAULT 0,
                    -- sqlshift:renamed-from note
                    remark TEXT
                  );
                  CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
                  CREATE TRIGGER items_ins AFTER INSERT ON goods BEGIN
                    INSERT INTO log (msg) VALUES ('ins ' || new.remark);
                  END;
                  CREATE TRIGGER items_upd AFTER UPDATE OF remark ON goods BEGIN
                    INSERT INTO log (msg) VALUES ('upd ' || (SELECT count(*) FROM goods));
                  END;";
        let want = support::desired(v2, d);
        let plan = support::apply(&mut conn, &want).await;
        assert!(
            plan.steps.iter().any(|s| s.kind == "rebuild_table"),
            "{}",
            plan.sql()
        );
        assert!(support::plan_against(&mut conn, &want).await.is_empty());
        let mut c = raw(&db.url).await;
        let triggers = master(&mut c, "trigger").await;
        assert_eq!(triggers.len(), 2, "{triggers:?}");
        for (_, sql) in &triggers {
            assert!(
                sql.contains("goods") && !sql.contains("items ") && !sql.contains("items)"),
                "{sql}"
            );
            assert!(!sql.contains("note"), "{sql}");
        }
        sqlx::raw_sql(
            "INSERT INTO goods (id, qty, remark) VALUES (2, 2, 'b');
             UPDATE goods SET remark = 'c' WHERE id = 1;",
        )
        .execute(&mut c)
        .await
        .expect("the triggers fire");
        let msgs: Vec<String> = sqlx::query_scalar("SELECT msg FROM log ORDER BY id")
            .fetch_all(&mut c)
            .await
            .expect("log");
        assert_eq!(msgs, vec!["ins b".to_string(), "upd 2".to_string()]);
    });
}

#[test]
fn issue8_sqlite_generated_up_and_down_rebuilds_keep_triggers() {
    let (p, url) = sqlite_project("");
    let mig = p.path().join("migrations");
    std::fs::write(
        mig.join("20240101000001_trigger.up.sql"),
        "CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN INSERT INTO log (msg) VALUES ('ins'); END;
",
    )
    .unwrap();
    std::fs::write(
        mig.join("20240101000001_trigger.down.sql"),
        "DROP TRIGGER a_ins;\nDROP TABLE log;\n",
    )
    .unwrap();
    let schema = p.path().join("schema");
    std::fs::create_dir_all(&schema).unwrap();
    // `a` gains a CHECK: a rebuild, up and down; the trigger stays.
    std::fs::write(
        schema.join("schema.sql"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY, CHECK (id > 0));
CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
CREATE TRIGGER a_ins AFTER INSERT ON a BEGIN INSERT INTO log (msg) VALUES ('ins'); END;
",
    )
    .unwrap();
    let (code, out, err) = support::bin(p.path(), &["migrate", "hash"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = support::bin(p.path(), &["generate", "qty"]);
    assert_eq!(code, 0, "{out}{err}");
    let read = |suffix: &str| {
        let path = std::fs::read_dir(&mig)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|f| f.to_string_lossy().ends_with(&format!("_qty.{suffix}.sql")))
            .unwrap();
        std::fs::read_to_string(path).unwrap()
    };
    assert!(
        read("up").contains("CREATE TRIGGER a_ins"),
        "{}",
        read("up")
    );
    assert!(
        read("down").contains("CREATE TRIGGER a_ins"),
        "{}",
        read("down")
    );
    let rt = support::rt();
    let triggers = |url: &str| {
        rt.block_on(async {
            let mut c = raw(url).await;
            master(&mut c, "trigger").await.len()
        })
    };
    for args in [
        &["migrate", "up", "--yes", "--url", &url][..],
        &["migrate", "down", "--yes", "--url", &url][..],
    ] {
        let (code, out, err) = support::bin(p.path(), args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        assert_eq!(triggers(&url), 1, "after {args:?}");
    }
}

/// Every keyword of sqlite.org/lang_keywords.html (SQLite 3.45).
const SQLITE_KEYWORDS: &[&str] = &[
    "abort",
    "action",
    "add",
    "after",
    "all",
    "alter",
    "always",
    "analyze",
    "and",
    "as",
    "asc",
    "attach",
    "autoincrement",
    "before",
    "begin",
    "between",
    "by",
    "cascade",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "commit",
    "conflict",
    "constraint",
    "create",
    "cross",
    "current",
    "current_date",
    "current_time",
    "current_timestamp",
    "database",
    "default",
    "deferrable",
    "deferred",
    "delete",
    "desc",
    "detach",
    "distinct",
    "do",
    "drop",
    "each",
    "else",
    "end",
    "escape",
    "except",
    "exclude",
    "exclusive",
    "exists",
    "explain",
    "fail",
    "filter",
    "first",
    "following",
    "for",
    "foreign",
    "from",
    "full",
    "generated",
    "glob",
    "group",
    "groups",
    "having",
    "if",
    "ignore",
    "immediate",
    "in",
    "index",
    "indexed",
    "initially",
    "inner",
    "insert",
    "instead",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "last",
    "left",
    "like",
    "limit",
    "match",
    "materialized",
    "natural",
    "no",
    "not",
    "nothing",
    "notnull",
    "null",
    "nulls",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "others",
    "outer",
    "over",
    "partition",
    "plan",
    "pragma",
    "preceding",
    "primary",
    "query",
    "raise",
    "range",
    "recursive",
    "references",
    "regexp",
    "reindex",
    "release",
    "rename",
    "replace",
    "restrict",
    "returning",
    "right",
    "rollback",
    "row",
    "rows",
    "savepoint",
    "select",
    "set",
    "table",
    "temp",
    "temporary",
    "then",
    "ties",
    "to",
    "transaction",
    "trigger",
    "unbounded",
    "union",
    "unique",
    "update",
    "using",
    "vacuum",
    "values",
    "view",
    "virtual",
    "when",
    "where",
    "window",
    "with",
    "without",
];

#[test]
fn issue8_sqlite_identifiers_that_are_keywords_are_quoted() {
    let rt = support::rt();
    rt.block_on(async {
        let db = support::sqlite_db();
        // Every keyword as a column name (quoted in the file, as any dialect needs), and
        // `nothing` bare where PostgreSQL reads it as a plain name.
        let cols: Vec<String> = SQLITE_KEYWORDS
            .iter()
            .filter(|k| **k != "nothing")
            .map(|k| format!("\"{k}\" TEXT"))
            .collect();
        let sql = format!(
            "CREATE TABLE kw (id INTEGER PRIMARY KEY, nothing TEXT, {}, CHECK (nothing <> 'x'));
             CREATE INDEX kw_nothing ON kw (nothing);
             CREATE INDEX kw_lower ON kw (lower(nothing)) WHERE nothing IS NOT NULL;
             CREATE TABLE \"order\" (id INTEGER PRIMARY KEY, kw_id INTEGER REFERENCES kw (id), nothing INTEGER DEFAULT 1);
             CREATE VIEW kw_view AS SELECT nothing, \"group\", lower(nothing) AS plan FROM kw AS action;
             CREATE VIEW kw_alias AS SELECT id AS nothing FROM \"order\";",
            cols.join(", ")
        );
        converges(&db, &sql).await;
        // And a rebuild of both tables (a column added with an expression default).
        let sql2 = sql
            .replace("nothing TEXT,", "nothing TEXT, added TEXT DEFAULT (lower('A')),")
            .replace("nothing INTEGER DEFAULT 1", "nothing INTEGER NOT NULL DEFAULT 1");
        converges(&db, &sql2).await;
        let mut c = raw(&db.url).await;
        sqlx::raw_sql("INSERT INTO kw (id, \"nothing\") VALUES (1, 'a'); INSERT INTO \"order\" (id, kw_id) VALUES (1, 1);")
            .execute(&mut c)
            .await
            .expect("insert");
        assert_eq!(scalar_i64(&mut c, "SELECT count(*) FROM kw_view").await, 1);
    });
}

#[test]
fn issue8_sqlite_current_timestamp_with_precision_is_mapped_and_converges() {
    let rt = support::rt();
    rt.block_on(async {
        let db = support::sqlite_db();
        let notes = converges(
            &db,
            "CREATE TABLE ev (id INTEGER PRIMARY KEY,
               at6 TIMESTAMP DEFAULT CURRENT_TIMESTAMP(6),
               at0 TIMESTAMP DEFAULT CURRENT_TIMESTAMP(0),
               at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);",
        )
        .await;
        assert!(
            notes
                .iter()
                .any(|n| n.contains("ev.at6") && n.contains("CURRENT_TIMESTAMP(6)")),
            "the mapping is said: {notes:?}"
        );
        // Adding such a column later (a rebuild) works too.
        converges(
            &db,
            "CREATE TABLE ev (id INTEGER PRIMARY KEY,
               at6 TIMESTAMP DEFAULT CURRENT_TIMESTAMP(6),
               at0 TIMESTAMP DEFAULT CURRENT_TIMESTAMP(0),
               at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
               at3 TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP(3));",
        )
        .await;
        let mut c = raw(&db.url).await;
        sqlx::raw_sql("INSERT INTO ev (id) VALUES (1)")
            .execute(&mut c)
            .await
            .expect("insert");
        let (at6, at0, at): (String, String, String) =
            sqlx::query_as("SELECT at6, at0, at FROM ev")
                .fetch_one(&mut c)
                .await
                .expect("row");
        // 'YYYY-MM-DD HH:MM:SS.SSS': fractional seconds where the file asked for them.
        assert_eq!(at6.len(), 23, "{at6}");
        assert_eq!(at6.as_bytes()[19], b'.', "{at6}");
        assert_eq!(at0.len(), 19, "{at0}");
        assert_eq!(at.len(), 19, "{at}");
    });
}

const MYSQL_OPTIONS: &str = "CREATE TABLE opts (id INTEGER PRIMARY KEY, name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin)
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE opts2 (id INTEGER PRIMARY KEY) ENGINE=MyISAM DEFAULT CHARSET=latin1;";

#[test]
fn issue8_mysql_table_options_converge_on_sqlite() {
    let rt = support::rt();
    rt.block_on(async {
        let notes = converges(&support::sqlite_db(), MYSQL_OPTIONS).await;
        assert!(notes.iter().any(|n| n.contains("MySQL-only")), "{notes:?}");
    });
}

#[test]
fn issue8_mysql_table_options_converge_on_postgres() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        let notes = converges(&db, MYSQL_OPTIONS).await;
        assert!(notes.iter().any(|n| n.contains("MySQL-only")), "{notes:?}");
    });
}

#[test]
fn issue8_sqlite_autoincrement_off_an_integer_key_converges_and_is_named() {
    let rt = support::rt();
    rt.block_on(async {
        let db = support::sqlite_db();
        let notes = converges(
            &db,
            "CREATE TABLE tk (id TEXT PRIMARY KEY AUTOINCREMENT, x TEXT);
             CREATE TABLE nk (id INTEGER, n INTEGER AUTO_INCREMENT, PRIMARY KEY (id));
             CREATE TABLE ck (a INTEGER AUTO_INCREMENT, b INTEGER, PRIMARY KEY (a, b));
             CREATE TABLE ok (id INTEGER PRIMARY KEY AUTOINCREMENT);",
        )
        .await;
        for col in ["tk.id", "nk.n", "ck.a"] {
            assert!(
                notes.iter().any(|n| n.contains(col)),
                "{col} is named: {notes:?}"
            );
        }
        assert!(!notes.iter().any(|n| n.contains("ok.id")), "{notes:?}");
        let mut c = raw(&db.url).await;
        let ok: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'ok'")
            .fetch_one(&mut c)
            .await
            .expect("ok");
        assert!(ok.contains("AUTOINCREMENT"), "{ok}");
    });
}

#[test]
fn issue8_postgres_primary_key_unique_converges_in_one_apply() {
    let rt = support::rt();
    rt.block_on(async {
        let Some(db) = support::pg_db().await else {
            return;
        };
        converges(
            &db,
            "CREATE TABLE pku (id INTEGER PRIMARY KEY UNIQUE, code TEXT);
             CREATE TABLE pku1 (id INTEGER UNIQUE PRIMARY KEY, code TEXT UNIQUE NOT NULL);",
        )
        .await;
        converges(
            &db,
            "CREATE TABLE pku2 (a INTEGER, b INTEGER, PRIMARY KEY (a, b), UNIQUE (a, b));
             CREATE TABLE pku3 (id INTEGER PRIMARY KEY, code TEXT UNIQUE, UNIQUE (code),
               CONSTRAINT zz UNIQUE (id, code), CONSTRAINT aa UNIQUE (id, code));",
        )
        .await;
    });
}

/// A SQLite project with one migration and `extra` in its `sqlshift.yaml`; returns the
/// project folder and the database URL.
fn sqlite_project(extra: &str) -> (tempfile::TempDir, String) {
    let p = tempfile::tempdir().unwrap();
    std::fs::write(
        p.path().join("sqlshift.yaml"),
        format!("dialects: [sqlite]\n{extra}"),
    )
    .unwrap();
    let mig = p.path().join("migrations");
    std::fs::create_dir_all(&mig).unwrap();
    std::fs::write(
        mig.join("20240101000000_first.up.sql"),
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    )
    .unwrap();
    std::fs::write(mig.join("20240101000000_first.down.sql"), "DROP TABLE a;\n").unwrap();
    let (code, out, err) = support::bin(p.path(), &["migrate", "hash"]);
    assert_eq!(code, 0, "{out}{err}");
    let url = format!("sqlite://{}", p.path().join("app.db").display());
    (p, url)
}

#[test]
fn issue8_sqlite_migrate_lock_timeout_waits_as_configured() {
    let rt = support::rt();
    let (p, url) = sqlite_project("migrate_lock_timeout: 1s\n");
    let mut holder = rt.block_on(async {
        let mut c = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(p.path().join("app.db"))
            .create_if_missing(true)
            .connect()
            .await
            .expect("open");
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut c)
            .await
            .expect("hold the write lock");
        c
    });
    let start = std::time::Instant::now();
    let (code, out, err) = support::bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    let waited = start.elapsed();
    assert_ne!(code, 0, "the lock is held: {out}{err}");
    assert!(err.contains("migration lock"), "{err}");
    assert!(
        waited > std::time::Duration::from_millis(800)
            && waited < std::time::Duration::from_secs(3),
        "waited {waited:?} for a 1s migrate_lock_timeout"
    );
    rt.block_on(async {
        sqlx::raw_sql("COMMIT")
            .execute(&mut holder)
            .await
            .expect("release");
    });
    let (code, out, err) = support::bin(p.path(), &["migrate", "up", "--yes", "--url", &url]);
    assert_eq!(code, 0, "applies once the lock is free: {out}{err}");
}
