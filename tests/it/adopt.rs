//! Adopting real databases and files (issue 9): what sqlshift does not manage never stops a
//! run, and one unreadable catalog object never fails the whole database.

use crate::support::{self, bin};

#[test]
fn an_unreadable_postgres_object_is_left_alone_and_everything_else_is_read() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    rt.block_on(async {
        let mut conn = db.connect().await;
        conn.run_script(
            "CREATE TABLE ok (id int PRIMARY KEY);
             CREATE TABLE parent (id int);
             CREATE TABLE cov (id int, a int, b int, x xml DEFAULT xmlelement(name foo, 'bar'));
             INSERT INTO cov VALUES (1, 2, 3);",
        )
        .await
        .expect("native schema");
    });
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(
        dir.path().join("schema/app.sql"),
        "CREATE TABLE ok (id int PRIMARY KEY, note text);\nCREATE TABLE parent (id int);\nCREATE TABLE cov (id int PRIMARY KEY, a int);\n",
    )
    .expect("schema");
    let (code, out, err) = bin(dir.path(), &["inspect", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("CREATE TABLE public.ok"), "{out}");
    assert!(!out.contains("public.cov"), "{out}");
    assert!(
        err.contains("not managed: table public.cov") && err.contains("XMLELEMENT"),
        "{err}"
    );
    let (code, out, err) = bin(
        dir.path(),
        &["apply", "--yes", "--allow-destructive", "--url", &db.url],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("note"), "the readable table is planned: {out}");
    assert!(
        !out.contains("cov"),
        "the unreadable one is not touched: {out}"
    );
    assert!(err.contains("public.cov is left as it is"), "{err}");
    let rows = rt.block_on(async {
        let mut conn = db.connect().await;
        conn.scalar_i64("SELECT count(*) FROM cov WHERE b = 3")
            .await
            .expect("cov is intact")
    });
    assert_eq!(rows, 1);
}

#[test]
fn dump_boilerplate_is_reported_not_refused() {
    let dump = r#"--
-- PostgreSQL database dump
--
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE OR REPLACE PROCEDURAL LANGUAGE plpgsql;
CREATE FUNCTION public.touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated := now(); -- a ; inside a dollar quote
    RETURN NEW;
END
$$;
ALTER FUNCTION public.touch() OWNER TO postgres;
CREATE TABLE public.item (
    id integer NOT NULL,
    updated timestamp without time zone
);
ALTER TABLE public.item OWNER TO postgres;
CREATE TRIGGER touch BEFORE UPDATE ON public.item FOR EACH ROW EXECUTE FUNCTION public.touch();
COMMENT ON FUNCTION public.touch() IS 'keeps updated; current';
GRANT ALL ON TABLE public.item TO PUBLIC;
"#;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(dir.path().join("schema/dump.sql"), dump).expect("schema");
    let (code, out, err) = bin(dir.path(), &["plan", "--url", "sqlite::memory:"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("item"), "{out}");
    assert!(
        err.contains("not managed in the schema files, left as they are:")
            && err.contains("1 function")
            && err.contains("1 trigger")
            && err.contains("2 owner changes")
            && err.contains("1 SET statement")
            && err.contains("1 language"),
        "{err}"
    );
    let mysql = "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\nDROP TABLE IF EXISTS `a`;\n# a hash comment\nCREATE TABLE `a` (`id` int NOT NULL, PRIMARY KEY (`id`)) ENGINE=InnoDB;\nLOCK TABLES `a` WRITE;\nUNLOCK TABLES;\nDELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN\n  SET NEW.id = NEW.id + 1;\nEND ;;\nDELIMITER ;\n";
    std::fs::write(dir.path().join("schema/dump.sql"), mysql).expect("schema");
    let (code, out, err) = bin(dir.path(), &["plan", "--url", "sqlite::memory:"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("2 table locks")
            && err.contains("1 trigger")
            && err.contains("1 DROP statement"),
        "{err}"
    );
}

/// Loads a corpus file with `psql` into a fresh database, then plans the same file against
/// it: the run must read the whole file (exit 0). Returns the number of planned steps.
fn corpus_plan_on_postgres(file: &str, has_unmanaged: bool) -> Option<usize> {
    corpus_plan_with(file, has_unmanaged, None).map(|(steps, _)| steps)
}

/// [`corpus_plan_on_postgres`] with a `sqlshift.yaml`; also returns the run's warnings.
fn corpus_plan_with(
    file: &str,
    has_unmanaged: bool,
    config: Option<&str>,
) -> Option<(usize, String)> {
    let rt = support::rt();
    let db = rt.block_on(support::pg_db())?;
    let path = support::repo().join("fixtures/corpus/postgres").join(file);
    let load = std::process::Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url, "-f"])
        .arg(&path)
        .output()
        .expect("psql (the server's own client) must be installed");
    assert!(
        load.status.success(),
        "psql could not load {file}: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(c) = config {
        std::fs::write(dir.path().join("sqlshift.yaml"), c).expect("config");
    }
    let schema = path.display().to_string();
    let (code, out, err) = bin(
        dir.path(),
        &[
            "plan", "--url", &db.url, "--schema", &schema, "--format", "json",
        ],
    );
    assert_eq!(code, 0, "{file}: {err}");
    assert_eq!(
        err.contains("not managed in the schema files"),
        has_unmanaged,
        "{file}: {err}"
    );
    let plan: serde_json::Value = serde_json::from_str(&out).expect("plan JSON");
    let steps = plan["steps"].as_array().map_or(0, Vec::len);
    eprintln!("corpus postgres/{file}: plan against the psql-loaded database: {steps} step(s)");
    Some((steps, err))
}

#[test]
fn corpus_chinook_adopts_on_postgres_with_no_changes() {
    if let Some(steps) = corpus_plan_on_postgres("chinook.sql", false) {
        assert_eq!(steps, 0);
    }
}

#[test]
fn corpus_sakila_and_pagila_read_whole_on_postgres() {
    if let Some(steps) = corpus_plan_on_postgres("sakila.sql", true) {
        assert_eq!(steps, 0, "sakila");
    }
    if let Some(steps) = corpus_plan_on_postgres("pagila.sql", true) {
        assert_eq!(steps, 0, "pagila");
    }
}

/// Pagila's and Sakila's GRANT/REVOKE lines (on the `public` schema) are reported, never
/// a stopped run: as not managed with privileges off, as on an object not managed with
/// privileges and owners on; and with both on, every other owner and privilege (PUBLIC's
/// EXECUTE on the functions, USAGE on the types) adopts with no changes.
#[test]
fn corpus_grants_are_reported_with_privileges_off_and_on() {
    for file in ["pagila.sql", "sakila.sql"] {
        let Some((steps, err)) = corpus_plan_with(file, true, None) else {
            return;
        };
        assert_eq!(steps, 0, "{file}");
        assert!(
            err.contains(" privileges") && err.contains("owner changes"),
            "{file}: {err}"
        );
        let config = "privileges:\n  manage: true\n  roles: [PUBLIC, pgrls_reader]\nowner:\n  manage: true\n";
        let Some((steps, err)) = corpus_plan_with(file, true, Some(config)) else {
            return;
        };
        assert_eq!(steps, 0, "{file} with privileges and owners managed: {err}");
        assert!(
            err.contains("privileges on unmanaged objects")
                && (file != "pagila.sql" || err.contains("owner of an unmanaged object")),
            "{file}: {err}"
        );
    }
}

/// pg_dump's serial idiom (sequence, `OWNED BY`, default set by `ALTER TABLE … ALTER
/// COLUMN`), as in a Rails `structure.sql`, adopts with no changes; and a psql-built
/// database planned from the same file is left as it is.
#[test]
fn the_pg_dump_serial_idiom_adopts_with_no_changes() {
    let dump = "SET statement_timeout = 0;
CREATE TABLE public.accounts (
    id bigint NOT NULL,
    email character varying NOT NULL
);
CREATE SEQUENCE public.accounts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE public.accounts_id_seq OWNED BY public.accounts.id;
ALTER TABLE ONLY public.accounts ALTER COLUMN id SET DEFAULT nextval('public.accounts_id_seq'::regclass);
ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
CREATE SEQUENCE public.tickets START WITH 100;
CREATE TABLE public.orders (
    id integer DEFAULT nextval('public.tickets'::regclass) NOT NULL,
    note text
);
ALTER TABLE ONLY public.orders ALTER COLUMN note SET NOT NULL;
";
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    rt.block_on(async {
        let mut conn = db.connect().await;
        conn.run_script(dump).await.expect("native load");
    });
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(dir.path().join("schema/structure.sql"), dump).expect("schema");
    let (code, out, err) = bin(dir.path(), &["plan", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}{err}");
    // …and sqlshift builds the same from empty: it converges.
    let empty = rt.block_on(support::pg_db()).expect("second database");
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", &empty.url]);
    assert_eq!(code, 0, "{out}{err}");
    let (_, out, err) = bin(dir.path(), &["plan", "--url", &empty.url]);
    assert!(out.contains("No changes."), "{out}{err}");
}

/// Plans a corpus file against the database its dialect's own client built from it.
fn corpus_plan(url: &str, file: &std::path::Path) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = file.display().to_string();
    let (code, out, err) = bin(
        dir.path(),
        &[
            "plan", "--url", url, "--schema", &schema, "--format", "json",
        ],
    );
    assert_eq!(code, 0, "{schema}: {err}");
    let plan: serde_json::Value = serde_json::from_str(&out).expect("plan JSON");
    let steps = plan["steps"].as_array().map_or(0, Vec::len);
    eprintln!("corpus {schema}: plan against the natively loaded database: {steps} step(s)");
    steps
}

#[test]
fn corpus_chinook_adopts_on_sqlite_with_no_changes() {
    let db = support::sqlite_db();
    let path = support::repo().join("fixtures/corpus/sqlite/chinook.sql");
    let file = db.url.trim_start_matches("sqlite://").to_string();
    let load = std::process::Command::new("sqlite3")
        .arg(&file)
        .stdin(std::fs::File::open(&path).expect("corpus file"))
        .output()
        .expect("sqlite3 (SQLite's own client) must be installed");
    assert!(
        load.status.success() && load.stderr.is_empty(),
        "sqlite3: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    assert_eq!(corpus_plan(&db.url, &path), 0);
}

/// Loads a MySQL corpus file with `mariadb` and returns the steps planned against it.
fn corpus_on_mariadb(file: &str) -> Option<usize> {
    let rt = support::rt();
    let db = rt.block_on(support::mysql_db())?;
    let path = support::repo().join("fixtures/corpus/mysql").join(file);
    let name = db.url.rsplit('/').next().unwrap_or_default().to_string();
    let load = std::process::Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "--protocol=tcp", &name])
        .stdin(std::fs::File::open(&path).expect("corpus file"))
        .output()
        .expect("mariadb (the server's own client) must be installed");
    assert!(
        load.status.success(),
        "mariadb: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    Some(corpus_plan(&db.url, &path))
}

#[test]
fn corpus_chinook_adopts_on_mariadb_with_no_changes() {
    if let Some(steps) = corpus_on_mariadb("chinook.sql") {
        assert_eq!(steps, 0, "chinook on MariaDB");
    }
}

/// Sakila's views (`AS ID`, `_utf8' '`, `ORDER BY` an output column, `group_concat(… ORDER
/// BY …)`) compare equal to what MariaDB stores for them.
#[test]
fn corpus_sakila_adopts_on_mariadb_with_no_changes() {
    if let Some(steps) = corpus_on_mariadb("sakila.sql") {
        assert_eq!(steps, 0, "sakila on MariaDB");
    }
}

/// Issue 9 item 4: names that are keywords somewhere read, apply, converge and come back
/// through `inspect` on every dialect.
#[test]
fn keywords_as_names_round_trip_on_every_dialect() {
    keyword_names_round_trip(QUOTED_KEYWORD_NAMES);
    // Unquoted, as PostgreSQL and dump files allow for non-reserved words.
    keyword_names_round_trip(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, key VARCHAR(50), fulltext TEXT, index INTEGER, sort INTEGER, value TEXT, type TEXT, position INTEGER, status TEXT, comment TEXT);\nCREATE INDEX item_key ON item (key, position);\nCREATE VIEW item_values AS SELECT id, key, value, type FROM item;\n",
    );
}

const QUOTED_KEYWORD_NAMES: &str = r#"CREATE TABLE "user" (
  id INTEGER PRIMARY KEY,
  "key" VARCHAR(50),
  "fulltext" TEXT,
  "index" INTEGER,
  "sort" INTEGER,
  "order" INTEGER,
  "value" TEXT,
  "type" TEXT,
  "position" INTEGER,
  "select" TEXT,
  "check" INTEGER CHECK ("check" > 0)
);
CREATE INDEX "order" ON "user" ("order", "key");
CREATE VIEW "group" AS SELECT id, "order", "value" FROM "user";
"#;

fn keyword_names_round_trip(sql: &str) {
    let rt = support::rt();
    rt.block_on(async {
        for db in support::all_dbs().await {
            let d = db.dialect();
            let mut conn = db.connect().await;
            let want = support::desired(sql, d);
            support::apply(&mut conn, &want).await;
            let again = support::plan_against(&mut conn, &want).await;
            assert!(again.is_empty(), "{}: {}", d.name(), again.sql());
            let dir = tempfile::tempdir().expect("tempdir");
            let (code, out, err) = bin(dir.path(), &["inspect", "--url", &db.url]);
            assert_eq!(code, 0, "{}: {err}", d.name());
            let back = sqlshift::parse::parse_sql("inspect.sql", &out).unwrap_or_else(|e| {
                panic!("{}: inspect output must read back: {e}\n{out}", d.name())
            });
            let mut notes = Vec::new();
            let back = sqlshift::dialect::prepare(back, d, &mut notes);
            let live = conn.introspect().await.expect("introspect");
            assert!(
                support::same(&live, &back),
                "{}: {}",
                d.name(),
                support::describe_diff(&live, &back)
            );
        }
    });
}

/// A constraint or index the schema file leaves unnamed matches a live one of the same
/// definition whatever the live one is called (another tool, a person or an older sqlshift
/// named it): nothing is renamed, dropped or re-added for a name the file never gave.
#[test]
fn unnamed_constraints_in_the_file_keep_the_live_names() {
    let rt = support::rt();
    let file = "CREATE TABLE team (id integer PRIMARY KEY, code text NOT NULL UNIQUE);
CREATE TABLE player (
    id integer PRIMARY KEY,
    team_id integer REFERENCES team (id) ON DELETE CASCADE,
    age integer CHECK (age > 0),
    UNIQUE (team_id, age)
);
CREATE INDEX ON player (age);
";
    let native = [
        (
            true,
            "CREATE TABLE team (id integer PRIMARY KEY, code text NOT NULL CONSTRAINT uq_team_code UNIQUE);
CREATE TABLE player (
    id integer PRIMARY KEY,
    team_id integer CONSTRAINT fk_player_team REFERENCES team (id) ON DELETE CASCADE,
    age integer CONSTRAINT ck_age CHECK (age > 0),
    CONSTRAINT uq_team_age UNIQUE (team_id, age)
);
CREATE INDEX ix_player_age ON player (age);",
        ),
        (
            false,
            "CREATE TABLE team (id integer PRIMARY KEY, code varchar(20) NOT NULL, CONSTRAINT team_code_key UNIQUE (code));
CREATE TABLE player (
    id integer PRIMARY KEY,
    team_id integer,
    age integer,
    CONSTRAINT player_age_check CHECK (age > 0),
    CONSTRAINT player_team_id_age_key UNIQUE (team_id, age),
    CONSTRAINT player_team_id_fkey FOREIGN KEY (team_id) REFERENCES team (id) ON DELETE CASCADE
);
CREATE INDEX player_age_idx ON player (age);",
        ),
    ];
    for (postgres, sql) in native {
        let db = if postgres {
            rt.block_on(support::pg_db())
        } else {
            rt.block_on(support::mysql_db())
        };
        let Some(db) = db else {
            continue;
        };
        rt.block_on(async {
            let mut conn = db.connect().await;
            conn.run_script(sql).await.expect("native schema");
        });
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
        let file = if db.url.starts_with("mysql") {
            file.replace("code text", "code varchar(20)")
        } else {
            file.to_string()
        };
        std::fs::write(dir.path().join("schema/app.sql"), file).expect("schema");
        let (code, out, err) = bin(dir.path(), &["plan", "--url", &db.url]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("No changes."), "{}: {out}{err}", db.url);
    }
}

/// Rails keeps its own `schema_migrations` (one `version` column), the name of sqlshift's
/// default tracking table: it is the application's table, planned like any other, and
/// the run says why and which key picks another name for sqlshift's.
#[test]
fn a_rails_schema_migrations_table_is_part_of_the_schema() {
    let db = support::sqlite_db();
    let file = "CREATE TABLE schema_migrations (version varchar NOT NULL PRIMARY KEY);\nCREATE TABLE users (id integer PRIMARY KEY);\n";
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(dir.path().join("schema/structure.sql"), file).expect("schema");
    let (code, out, err) = bin(dir.path(), &["apply", "--yes", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("schema_migrations"), "created: {out}");
    let (code, out, err) = bin(dir.path(), &["plan", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "{out}{err}");
    assert!(
        err.contains("not sqlshift's tracking table") && err.contains("tracking_table"),
        "{err}"
    );
}

/// Issue 11: SQLite keeps a column's declared type as written and compares columns by the
/// affinity it gives. A database an older sqlshift built (TEXT where the file says
/// VARCHAR(255)) adopts with no changes; DATETIME (NUMERIC affinity) against TEXT is a real
/// change; `inspect` prints the type as stored.
#[test]
fn sqlite_compares_declared_types_by_affinity() {
    let db = support::sqlite_db();
    let file = db.url.trim_start_matches("sqlite://").to_string();
    let older = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born TEXT, score INTEGER);";
    let load = std::process::Command::new("sqlite3")
        .args([&file, older])
        .output()
        .expect("sqlite3 (SQLite's own client) must be installed");
    assert!(load.status.success(), "{load:?}");
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = |schema: &str| {
        let path = dir.path().join("schema.sql");
        std::fs::write(&path, schema).expect("schema file");
        bin(
            dir.path(),
            &[
                "plan",
                "--url",
                &db.url,
                "--schema",
                &path.display().to_string(),
            ],
        )
    };

    let same_affinity = "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL, born CLOB, score BIGINT);";
    let (code, out, err) = plan(same_affinity);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No changes."), "same affinities: {out}{err}");

    let other_affinity = "CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(255) NOT NULL, born DATETIME, score BIGINT);";
    let (code, out, err) = plan(other_affinity);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("(rebuild table)") && out.contains("born DATETIME,"),
        "DATETIME is NUMERIC affinity, TEXT is not: {out}{err}"
    );

    let path = dir.path().join("schema.sql");
    std::fs::write(&path, other_affinity).expect("schema file");
    let (code, out, err) = bin(
        dir.path(),
        &[
            "apply",
            "--yes",
            "--url",
            &db.url,
            "--schema",
            &path.display().to_string(),
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = bin(dir.path(), &["inspect", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("name VARCHAR(255) NOT NULL") && out.contains("born DATETIME"),
        "inspect prints the declared types: {out}"
    );
}

/// A view written with `*` is compared as the server stores it (expanded); one whose star
/// reads a relation whose columns sqlshift cannot list (a set-returning function) is left
/// as it is, with why, and the rest of the plan goes ahead.
#[test]
fn a_star_view_that_cannot_be_expanded_is_left_alone_with_why() {
    let rt = support::rt();
    let Some(db) = rt.block_on(support::pg_db()) else {
        return;
    };
    rt.block_on(async {
        let mut conn = db.connect().await;
        conn.run_script(
            "CREATE TABLE books (id int PRIMARY KEY, title text);
             CREATE VIEW numbers AS SELECT * FROM generate_series(1, 3);
             CREATE VIEW all_books AS SELECT * FROM books;
             CREATE VIEW recent AS WITH r AS (SELECT id, title FROM books) SELECT * FROM r;",
        )
        .await
        .expect("native schema");
    });
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("schema")).expect("mkdir");
    std::fs::write(
        dir.path().join("schema/app.sql"),
        "CREATE TABLE books (id int PRIMARY KEY, title text, pages int);\nCREATE VIEW all_books AS SELECT * FROM books;\nCREATE VIEW numbers AS SELECT * FROM generate_series(1, 3);\nCREATE VIEW recent AS WITH r AS (SELECT id, title FROM books) SELECT * FROM r;\n",
    )
    .expect("schema");
    let (code, out, err) = bin(dir.path(), &["plan", "--url", &db.url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.contains("public.numbers is left as it is")
            && err.contains("reads a relation whose columns sqlshift cannot list"),
        "{err}"
    );
    assert!(!out.contains("public.numbers"), "{out}");
    assert!(
        !out.contains("public.recent"),
        "a CTE's columns are known: {out}"
    );
    // The new column changes what `*` stands for, so the stored view is re-created.
    assert!(out.contains("ADD COLUMN pages"), "{out}");
    assert!(out.contains("public.all_books"), "{out}");
}
