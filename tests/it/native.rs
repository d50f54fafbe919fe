//! The servers' own clients, for laws 6–8: `psql`/`pg_dump`, `mariadb` and `sqlite3` load a
//! file and show a database the way the server sees it, independently of sqlshift's
//! introspection (which is what laws 6–8 check).

use crate::support::{self, TestDb};
use std::path::Path;
use std::process::{Command, Output, Stdio};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Native {
    Postgres,
    Mysql,
    Sqlite,
}

impl Native {
    pub fn name(self) -> &'static str {
        match self {
            Native::Postgres => "postgres",
            Native::Mysql => "mysql",
            Native::Sqlite => "sqlite",
        }
    }

    /// A fresh, empty database of this dialect (`None` when its server is unreachable and
    /// servers are not required).
    pub fn fresh(self) -> Option<TestDb> {
        match self {
            Native::Sqlite => Some(support::sqlite_db()),
            Native::Postgres => support::rt().block_on(support::pg_db()),
            Native::Mysql => support::rt().block_on(support::mysql_db()),
        }
    }
}

/// The parts of a `mysql://user:pass@host:port/db` URL the `mariadb` client takes as options.
struct MyUrl {
    user: String,
    password: Option<String>,
    host: String,
    port: String,
    db: String,
}

fn my_url(url: &str) -> MyUrl {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (auth, hostpath) = rest.rsplit_once('@').unwrap_or(("root", rest));
    let (user, password) = match auth.split_once(':') {
        Some((u, p)) => (u.to_string(), Some(p.to_string())),
        None => (auth.to_string(), None),
    };
    let (hostport, db) = hostpath.split_once('/').unwrap_or((hostpath, ""));
    let db = db.split('?').next().unwrap_or("").to_string();
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, "3306"));
    MyUrl {
        user,
        password,
        host: host.to_string(),
        port: port.to_string(),
        db,
    }
}

fn mariadb(url: &str) -> Command {
    let u = my_url(url);
    let mut c = Command::new("mariadb");
    c.args(["--user", &u.user, "--host", &u.host, "--port", &u.port])
        .arg("--default-character-set=utf8mb4")
        .arg(&u.db);
    // The password goes through the environment, never the command line.
    if let Some(p) = u.password {
        c.env("MYSQL_PWD", p);
    }
    c
}

fn sqlite_path(url: &str) -> String {
    url.trim_start_matches("sqlite://").to_string()
}

fn run(mut c: Command, what: &str, stdin: Option<&Path>) -> Result<Output, String> {
    if let Some(p) = stdin {
        let f = std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
        c.stdin(Stdio::from(f));
    } else {
        c.stdin(Stdio::null());
    }
    let out = c
        .output()
        .map_err(|e| format!("{what} (the server's own client) must be installed: {e}"))?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Loads `file` into `db` with the dialect's own client, stopping at the first error.
pub fn load(d: Native, db: &TestDb, file: &Path) -> Result<(), String> {
    match d {
        Native::Postgres => {
            let mut c = Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &db.url, "-f"])
                .arg(file);
            run(c, "psql", None).map(drop)
        }
        Native::Mysql => run(mariadb(&db.url), "mariadb", Some(file)).map(drop),
        Native::Sqlite => {
            let mut c = Command::new("sqlite3");
            c.args(["-bail", &sqlite_path(&db.url)]);
            run(c, "sqlite3", Some(file)).map(drop)
        }
    }
}

/// The schema as the server's own dump tool writes it (`pg_dump --schema-only`,
/// `mysqldump --no-data`, `sqlite3 .schema`): what a user adopting a database starts from.
pub fn dump(d: Native, db: &TestDb) -> Result<String, String> {
    let out = match d {
        Native::Postgres => {
            let mut c = Command::new("pg_dump");
            c.args(["--schema-only", "-d", &db.url]);
            run(c, "pg_dump", None)?
        }
        Native::Mysql => {
            let u = my_url(&db.url);
            let mut c = Command::new("mysqldump");
            // Routines and events are dumped only when asked for (triggers always are).
            c.args([
                "--no-data",
                "--routines",
                "--events",
                "--user",
                &u.user,
                "--host",
                &u.host,
                "--port",
                &u.port,
            ])
            .arg(&u.db);
            if let Some(p) = u.password {
                c.env("MYSQL_PWD", p);
            }
            run(c, "mysqldump", None)?
        }
        Native::Sqlite => {
            let mut c = Command::new("sqlite3");
            c.args([&sqlite_path(&db.url), ".schema"]);
            run(c, "sqlite3", None)?
        }
    };
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The database as the server's own tools show it, normalized only where two equal
/// databases legitimately differ (names of the databases, counters, random keys).
pub fn view(d: Native, db: &TestDb) -> Result<String, String> {
    view_access(d, db, false)
}

/// [`view`]; `access`: privileges and owners are compared too (PostgreSQL).
pub fn view_access(d: Native, db: &TestDb, access: bool) -> Result<String, String> {
    match d {
        Native::Postgres => pg_view(db, access),
        Native::Mysql => my_view(db),
        Native::Sqlite => sqlite_view(db),
    }
}

/// `pg_dump --schema-only`, statement by statement, sorted, with what sqlshift does not
/// manage (event triggers, grants where the test does not manage them …) taken out on both
/// sides alike. Functions, procedures, aggregates, triggers and rules (with their firing
/// state and comments), row-level security and policies are kept: they are managed on
/// PostgreSQL; so are grants, default privileges and owners where the test manages them
/// (`access`).
fn pg_view(db: &TestDb, access: bool) -> Result<String, String> {
    let mut c = Command::new("pg_dump");
    // sqlshift's audit table (every `apply` writes one) is bookkeeping, left out as plans
    // leave it out.
    c.args([
        "--schema-only",
        "--exclude-table=schema_migrations_audit",
        "-d",
        &db.url,
    ]);
    if !access {
        c.args(["--no-owner", "--no-privileges"]);
    }
    let out = run(c, "pg_dump", None)?;
    let text = String::from_utf8_lossy(&out.stdout);
    let kept: String = text
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n");
    let pieces =
        sqlshift::parse::split::split(&kept).map_err(|e| format!("pg_dump output: {e:?}"))?;
    let mut stmts: Vec<String> = pieces
        .into_iter()
        .map(|p| strip_comment_lines(&p.text))
        .filter(|s| !s.is_empty())
        .filter(|s| {
            let routine = [
                "CREATE FUNCTION ",
                "CREATE PROCEDURE ",
                "CREATE AGGREGATE ",
                "CREATE TRIGGER ",
                "CREATE CONSTRAINT TRIGGER ",
                "CREATE RULE ",
                "COMMENT ON TRIGGER ",
                "COMMENT ON RULE ",
            ]
            .iter()
            .any(|k| s.starts_with(k))
                || (s.starts_with("ALTER TABLE ")
                    && (s.contains(" ENABLE ") || s.contains(" DISABLE "))
                    && (s.contains(" TRIGGER ") || s.contains(" RULE ")));
            let security = s.starts_with("CREATE POLICY ")
                || s.starts_with("COMMENT ON POLICY ")
                || (s.starts_with("ALTER TABLE ") && s.ends_with(" ROW LEVEL SECURITY"))
                || (access
                    && (s.starts_with("GRANT ")
                        || s.starts_with("REVOKE ")
                        || s.starts_with("ALTER DEFAULT PRIVILEGES ")
                        || s.contains(" OWNER TO ")));
            !s.starts_with("SET ")
                && !s.starts_with("SELECT pg_catalog.set_config")
                && (routine
                    || security
                    || matches!(
                        sqlshift::parse::kind::classify(s),
                        sqlshift::parse::kind::Kind::Managed
                            // Managed on PostgreSQL (classify alone knows no dialect).
                            | sqlshift::parse::kind::Kind::Unmanaged(
                                "partition" | "inheriting table"
                            )
                    ))
        })
        .collect();
    stmts.sort();
    Ok(stmts.join(";\n") + ";\n")
}

fn strip_comment_lines(s: &str) -> String {
    s.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn my_query(db: &TestDb, sql: &str) -> Result<String, String> {
    let mut c = mariadb(&db.url);
    c.args(["--batch", "--raw", "--skip-column-names", "-e", sql]);
    let out = run(c, "mariadb", None)?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `SHOW CREATE TABLE` / `SHOW CREATE VIEW` of every object, with the table's next
/// AUTO_INCREMENT value, the view's definer and the database's own name taken out; then
/// the stored programs: `SHOW CREATE PROCEDURE | FUNCTION | EVENT` with their `sql_mode`
/// (and an event's time zone), and each trigger as `information_schema.TRIGGERS` has it
/// (table, timing, event, its place among its table's triggers, body, `sql_mode`). The
/// definer is taken out (sqlshift makes programs as the connected user), and so are the
/// client character set and collation a program was made with (the `mariadb` client and
/// sqlshift connect with different ones; both send UTF-8).
fn my_view(db: &TestDb) -> Result<String, String> {
    let list = my_query(
        db,
        "SELECT table_name, table_type FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_name <> 'schema_migrations_audit' \
         ORDER BY table_name",
    )?;
    let dbname = my_url(&db.url).db;
    let mut out = String::new();
    for line in list.lines() {
        let Some((name, kind)) = line.split_once('\t') else {
            continue;
        };
        let quoted = format!("`{}`", name.replace('`', "``"));
        let stmt = if kind == "VIEW" {
            format!("SHOW CREATE VIEW {quoted}")
        } else {
            format!("SHOW CREATE TABLE {quoted}")
        };
        let shown = my_query(db, &stmt)?;
        // Columns: name, the statement, and for views two charset columns.
        let body = shown.split_once('\t').map_or(shown.as_str(), |(_, b)| b);
        let body = if kind == "VIEW" {
            body.split('\t').next().unwrap_or(body)
        } else {
            body
        };
        out.push_str(&normalize_my(body.trim_end(), &dbname));
        out.push_str(";\n");
    }
    out.push_str(&my_programs(db, &dbname)?);
    Ok(out)
}

fn my_programs(db: &TestDb, dbname: &str) -> Result<String, String> {
    let mut out = String::new();
    let list = my_query(
        db,
        "SELECT ROUTINE_TYPE, ROUTINE_NAME, 0 FROM information_schema.ROUTINES \
         WHERE ROUTINE_SCHEMA = DATABASE() \
         UNION ALL SELECT 'EVENT', EVENT_NAME, STARTS = CREATED FROM information_schema.EVENTS \
         WHERE EVENT_SCHEMA = DATABASE() ORDER BY 1, 2",
    )?;
    for line in list.lines() {
        let mut cols = line.split('\t');
        let (Some(kind), Some(name), clock) = (cols.next(), cols.next(), cols.next()) else {
            continue;
        };
        let quoted = format!("`{}`", name.replace('`', "``"));
        let shown = my_query(db, &format!("SHOW CREATE {kind} {quoted}"))?;
        // Name, sql_mode, [time_zone,] the statement, then three character set columns.
        let mut cols: Vec<&str> = shown.trim_end_matches('\n').split('\t').collect();
        cols.truncate(cols.len().saturating_sub(3));
        let body = cols.get(1..).map(|c| c.join("\t")).unwrap_or_default();
        let mut body = without_definer(&body.replace(&format!("`{dbname}`."), ""));
        // An event made without STARTS starts when it was made: the clock, not the file.
        if clock == Some("1") {
            if let Some(at) = body.find(" STARTS '") {
                let end = body[at + 9..]
                    .find('\'')
                    .map_or(body.len(), |e| at + 9 + e + 1);
                body.replace_range(at..end, " STARTS (when made)");
            }
        }
        out.push_str(&format!("{kind} {body}\n"));
    }
    out.push_str(&my_query(
        db,
        "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, \
         ACTION_STATEMENT, SQL_MODE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
         ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
    )?);
    Ok(out)
}

/// `CREATE DEFINER=`u`@`h` PROCEDURE …` without its definer.
fn without_definer(s: &str) -> String {
    let Some(i) = s.find(" DEFINER=") else {
        return s.to_string();
    };
    let rest = &s[i + " DEFINER=".len()..];
    // `user`@`host`: two backquoted parts and the `@` between them.
    let mut end = 0;
    let mut quotes = 0;
    for (k, c) in rest.char_indices() {
        if c == '`' {
            quotes += 1;
        }
        if c == ' ' && quotes % 2 == 0 {
            end = k;
            break;
        }
    }
    format!("{}{}", &s[..i], &rest[end..])
}

fn normalize_my(sql: &str, dbname: &str) -> String {
    let mut s = sql.replace(&format!("`{dbname}`."), "");
    if let Some(i) = s.find(" AUTO_INCREMENT=") {
        let end = s[i + 16..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(s.len(), |j| i + 16 + j);
        s.replace_range(i..end, "");
    }
    if let Some(i) = s.find(" DEFINER=") {
        if let Some(j) = s[i..].find(" SQL SECURITY") {
            s.replace_range(i..i + j, "");
        }
    }
    s
}

/// SQLite's own description of the schema: the object list, and per table or view its
/// columns, indexes and foreign keys as the pragmas report them. A column's type is
/// compared by the affinity SQLite derives from it (§3.1 of SQLite's datatype
/// documentation); keeping the declared spelling is the SQLite fidelity issue's work.
fn sqlite_view(db: &TestDb) -> Result<String, String> {
    let path = sqlite_path(&db.url);
    // Virtual tables and their shadow tables are not managed; `sqlite_sequence` stays once
    // made (SQLite never drops it), so AUTOINCREMENT is read from each table's own SQL.
    let q = "\
CREATE TEMP VIEW managed AS SELECT m.type, m.name, m.tbl_name, m.sql FROM sqlite_schema m
 WHERE m.name NOT LIKE 'sqlite_%' AND m.tbl_name <> 'schema_migrations_audit'
   AND NOT EXISTS (SELECT 1 FROM pragma_table_list l WHERE l.schema = 'main'
                   AND l.name = m.tbl_name AND l.type IN ('virtual', 'shadow'));
SELECT 'object', type, name, tbl_name FROM managed ORDER BY type, name;
SELECT 'table', l.name, l.type, l.ncol, l.wr, l.strict,
       instr(upper(m.sql), 'AUTOINCREMENT') > 0 AS autoinc
  FROM pragma_table_list l JOIN managed m ON m.name = l.name
 WHERE l.schema = 'main' ORDER BY l.name;
SELECT 'column', m.name, c.cid, c.name, '@' || c.type || '@', c.\"notnull\", c.dflt_value, c.pk, c.hidden
  FROM managed m JOIN pragma_table_xinfo(m.name) c
 WHERE m.type IN ('table', 'view') ORDER BY m.name, c.cid;
SELECT 'index', m.name, l.name, l.\"unique\", l.origin, l.partial
  FROM managed m JOIN pragma_index_list(m.name) l
 WHERE m.type = 'table' ORDER BY m.name, l.name;
SELECT 'index column', l.name, x.seqno, x.cid, x.name, x.\"desc\", x.coll, x.key
  FROM managed m JOIN pragma_index_list(m.name) l JOIN pragma_index_xinfo(l.name) x
 WHERE m.type = 'table' ORDER BY m.name, l.name, x.seqno;
SELECT 'trigger', name, tbl_name, sql FROM managed WHERE type = 'trigger' ORDER BY name;
SELECT 'foreign key', m.name, f.id, f.seq, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete, f.match
  FROM managed m JOIN pragma_foreign_key_list(m.name) f
 WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq;
";
    let mut c = Command::new("sqlite3");
    c.args(["-bail", "-separator", " | ", &path, q]);
    let out = run(c, "sqlite3", None)?;
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .map(|l| match (l.find('@'), l.rfind('@')) {
            (Some(a), Some(b)) if a < b => {
                format!("{}{}{}", &l[..a], affinity(&l[a + 1..b]), &l[b + 1..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

/// SQLite's rules for a declared type's affinity, in their documented order.
fn affinity(declared: &str) -> &'static str {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        "INTEGER"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "TEXT"
    } else if t.contains("BLOB") || t.trim().is_empty() {
        "BLOB"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "REAL"
    } else {
        "NUMERIC"
    }
}

/// A unified diff of two views, for a failure message.
pub fn diff(a: &str, b: &str, a_name: &str, b_name: &str) -> String {
    similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(2)
        .header(a_name, b_name)
        .to_string()
}
