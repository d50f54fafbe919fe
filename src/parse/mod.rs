//! `schema/*.sql` → [`Schema`], with sqlparser. Errors carry file, line and column.
//!
//! The same code reads SQL that databases hand back (SQLite's stored `CREATE` statements,
//! PostgreSQL's `pg_get_indexdef`), so a parsed file and an introspected database meet in
//! one representation.

pub mod binary_attr;
mod ddl;
mod domain;
mod expr;
mod keywords;
pub mod kind;
pub mod mysql_program;
mod mysql_spelling;
mod partition;
mod postgres;
mod programs;
mod recursive_view;
mod requote;
mod routine;
mod security;
pub mod split;
mod sqlite;
pub mod sqlite_trigger;
pub mod statement;
mod tablespace;
mod trigger;
mod typed_literal;
mod types;
mod usertype;
mod view_star;

pub use expr::{canonical_expr, canonical_query, portable, portable_query};
pub use keywords::{quote_all_keep_alias_case, quote_keywords};
pub use partition::{partition_bound, partition_key};
pub use postgres::{exclusion_definition, exclusion_name_words, qualified_collation};
pub use programs::{canonical_mode, place as place_trigger, place_triggers};
pub use requote::{from_mysql, requote, standard_literal, Quoting};
pub use typed_literal::{boolean, hex_bits, stored_text};
pub use types::map_type;
pub use view_star::expand_view_stars;

use crate::model::{self, Schema};
use sqlparser::ast::Statement;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a problem is: file, line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: String,
    pub line: u64,
    pub col: u64,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("{loc}: {message}")]
    At { loc: Loc, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("no .sql files found in {0}")]
    Empty(String),
    /// A statement sqlshift reads but cannot represent one clause of: the object it
    /// describes is left alone on both sides, as a catalog object it cannot read is.
    #[error("{loc}: {object}: {reason}")]
    NotManaged {
        loc: Loc,
        object: crate::model::QName,
        reason: String,
    },
    /// Several problems, each a line that starts with its location.
    #[error("{}", .0.join("\n"))]
    Many(Vec<String>),
}

impl ParseError {
    fn at(file: &str, line: u64, col: u64, message: impl Into<String>) -> Self {
        ParseError::At {
            loc: Loc {
                file: file.to_string(),
                line,
                col,
            },
            message: message.into(),
        }
    }
}

/// One SQL source: a name for messages and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

/// Reads a `.sql` file, or every `*.sql` under a folder sorted by path.
pub fn read_sources(paths: &[PathBuf]) -> Result<Vec<SourceFile>, ParseError> {
    let mut files = Vec::new();
    for p in paths {
        let mut found = Vec::new();
        collect(p, &mut found)?;
        if found.is_empty() {
            return Err(ParseError::Empty(p.display().to_string()));
        }
        found.sort();
        for f in found {
            let text = std::fs::read_to_string(&f).map_err(|source| ParseError::Io {
                path: f.display().to_string(),
                source,
            })?;
            // Editors on Windows start UTF-8 files with a byte order mark; it is not SQL.
            let text = match text.strip_prefix('\u{feff}') {
                Some(rest) => rest.to_string(),
                None => text,
            };
            files.push(SourceFile {
                name: f.display().to_string(),
                text,
            });
        }
    }
    Ok(files)
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), ParseError> {
    let io = |source| ParseError::Io {
        path: p.display().to_string(),
        source,
    };
    let meta = std::fs::metadata(p).map_err(io)?;
    if meta.is_file() {
        out.push(p.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(p).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
    Ok(())
}

/// Whose rules a file is read by. A file written for a dialect means what that dialect
/// means: a MySQL file's `'a \\ b'` is `a \ b` (a backslash escapes in MySQL strings) and
/// its `"x"` a string; elsewhere a backslash is an ordinary character. With no target
/// (`Any`), each statement is read by the first of several dialects that reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    #[default]
    Any,
    Postgres,
    Mysql,
    Sqlite,
}

impl Target {
    /// The target of a dialect by its name (`postgres`, `mysql`, `sqlite`).
    pub fn of(dialect: &str) -> Target {
        match dialect {
            "postgres" => Target::Postgres,
            "mysql" => Target::Mysql,
            "sqlite" => Target::Sqlite,
            _ => Target::Any,
        }
    }

    fn mysql_spellings(self) -> bool {
        matches!(self, Target::Any | Target::Mysql)
    }

    fn sqlite_spellings(self) -> bool {
        matches!(self, Target::Any | Target::Sqlite)
    }

    fn postgres_spellings(self) -> bool {
        matches!(self, Target::Any | Target::Postgres)
    }
}

/// A statement of a schema file that sqlshift recognised and left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// What kind of statement it is ("function", "SET statement").
    pub kind: &'static str,
    pub loc: Loc,
    /// The statement's first line, for `--verbose` listings.
    pub summary: String,
}

/// Parses sources into one schema and checks it is self-consistent.
pub fn parse_schema(sources: &[SourceFile]) -> Result<Schema, ParseError> {
    parse_schema_report(sources, true, Target::Any).map(|(s, _)| s)
}

/// Like [`parse_schema`], read by `target`'s rules; `validate: false` accepts dangling
/// references, as a live database (SQLite) may hold them.
pub fn parse_schema_with(
    sources: &[SourceFile],
    validate: bool,
    target: Target,
) -> Result<Schema, ParseError> {
    parse_schema_report(sources, validate, target).map(|(s, _)| s)
}

/// Parses sources into one schema, with the statements it recognised but does not manage.
/// Every statement is read: a run reports all problems at once, not only the first.
pub fn parse_schema_report(
    sources: &[SourceFile],
    validate: bool,
    target: Target,
) -> Result<(Schema, Vec<Skipped>), ParseError> {
    parse_schema_access(sources, validate, target, &model::Access::default())
}

/// [`parse_schema_report`], reading the privileges and owners `access` manages (GRANT,
/// REVOKE, ALTER DEFAULT PRIVILEGES, OWNER TO); otherwise they are left alone, reported.
pub fn parse_schema_access(
    sources: &[SourceFile],
    validate: bool,
    target: Target,
    access: &model::Access,
) -> Result<(Schema, Vec<Skipped>), ParseError> {
    let mut b = ddl::Builder::default();
    let mut access_control = security::Recorder::default();
    b.validate = validate;
    b.target = target;
    // SQLite keeps an unquoted name as written (and compares names without case).
    let _case = ddl::CaseRule::set(target != Target::Sqlite);
    let mut skipped = Vec::new();
    let mut errors: Vec<ParseError> = Vec::new();
    // Tables left alone (partitions, inheriting tables): statements about them are too.
    let mut left_alone: std::collections::BTreeSet<String> = Default::default();
    let mut unreadable: std::collections::BTreeSet<String> = Default::default();
    let mut virtual_tables: Vec<String> = Vec::new();
    let mut programs = programs::Programs::new(target == Target::Sqlite);
    for src in sources {
        let annotations = ddl::Annotations::scan(&src.text);
        let pieces = match split::split_for(&src.text, target) {
            Ok(p) => p,
            Err(e) => {
                errors.push(ParseError::at(&src.name, e.line, e.col, e.message));
                continue;
            }
        };
        for piece in pieces {
            let loc = Loc {
                file: src.name.clone(),
                line: piece.line,
                col: piece.col,
            };
            // With its first words, for the statements sqlparser does not read.
            let (kind, head) = kind::classify_words(&piece.text);
            let kind = match kind {
                kind::Kind::Managed => sqlite_internal(&piece.text, &head, &virtual_tables)
                    .map_or(kind::Kind::Managed, kind::Kind::Unmanaged),
                // PostgreSQL's partitions and inheriting tables are managed; a MySQL or
                // SQLite file has none (the catalogs there have no such tables either).
                kind::Kind::Unmanaged("partition" | "inheriting table")
                    if target.postgres_spellings() =>
                {
                    kind::Kind::Managed
                }
                other => other,
            };
            if target.postgres_spellings() {
                let read = access_control.read(&head, &piece.text, &loc, access, &b.schema);
                if let Some(read) = read {
                    match read {
                        Ok(security::Read::Done) => {}
                        Ok(security::Read::LeftAlone(kind)) => skipped.push(Skipped {
                            kind,
                            loc,
                            summary: summary(&piece.text),
                        }),
                        Err(e) => errors.push(e),
                    }
                    continue;
                }
            }
            let alter_index = head.len() > 1 && head[0] == "ALTER" && head[1] == "INDEX";
            if alter_index && target.postgres_spellings() {
                if let Some((parent, child)) = partition::index_attachment(&piece.text) {
                    b.attach_index(&parent, &child, &loc);
                    continue;
                }
            }
            if target == Target::Mysql && mysql_program::is_program_statement(&head) {
                match mysql_program::program(&piece.text) {
                    Ok(read) => programs.add(read, loc),
                    Err(message) if message.starts_with("aggregate") => skipped.push(Skipped {
                        kind: "aggregate function",
                        loc,
                        summary: summary(&piece.text),
                    }),
                    // Another dialect's function or trigger (a PostgreSQL dump applied to
                    // MySQL) is left alone, as its other statements are.
                    Err(message) if message.starts_with(mysql_program::NOT_MYSQL) => {
                        skipped.push(Skipped {
                            kind: match kind {
                                kind::Kind::Unmanaged(k) => k,
                                _ => "function",
                            },
                            loc,
                            summary: summary(&piece.text),
                        })
                    }
                    Err(message) => errors.push(ParseError::At { loc, message }),
                }
                continue;
            }
            if target == Target::Sqlite && kind == kind::Kind::Unmanaged("trigger") {
                let not_kept = if sqlite_trigger::is_temporary(&head) {
                    Some("temporary trigger")
                } else if !sqlite_trigger::is_sqlite_trigger(&piece.text) {
                    Some("trigger")
                } else {
                    None
                };
                if let Some(kind) = not_kept {
                    skipped.push(Skipped {
                        kind,
                        loc,
                        summary: summary(&piece.text),
                    });
                    continue;
                }
                match sqlite_trigger::trigger(&piece.text) {
                    Ok(program) => programs.add(
                        mysql_program::Read {
                            program,
                            order: None,
                            definer: None,
                        },
                        loc,
                    ),
                    Err(message) => errors.push(ParseError::At { loc, message }),
                }
                continue;
            }
            if target == Target::Mysql && kind == kind::Kind::Unmanaged("SET statement") {
                programs.set_statement(&piece.text);
            }
            if matches!(target, Target::Postgres | Target::Any)
                && routine::is_routine_statement(&head)
            {
                match routine::routine(&piece.text) {
                    Ok(r) => {
                        if let Err(e) = b.add_routine(r, &loc) {
                            errors.push(e);
                        }
                    }
                    Err(message) if target == Target::Postgres => {
                        errors.push(ParseError::At { loc, message })
                    }
                    // Without a dialect, another dialect's routine is left alone.
                    Err(_) => skipped.push(Skipped {
                        kind: "function",
                        loc,
                        summary: summary(&piece.text),
                    }),
                }
                continue;
            }
            if target.postgres_spellings() {
                if let Some(w) = trigger::what(&head) {
                    match b.procedural(w, &piece.text, &loc) {
                        // A DROP goes on to be reported as the statement it is.
                        Ok(()) if w == trigger::What::Drop => {}
                        Ok(()) => continue,
                        // An ALTER TABLE that does more than switch triggers or rules.
                        Err(_)
                            if w == trigger::What::Firing
                                && trigger::firing(&piece.text).is_none() => {}
                        Err(e) if target == Target::Postgres => {
                            errors.push(e);
                            continue;
                        }
                        // Without a dialect, another dialect's trigger is left alone.
                        Err(_) => {}
                    }
                }
            }
            let domain_statement =
                kind == kind::Kind::Managed && domain::is_domain_statement(&head);
            if domain_statement {
                if let Err(e) = domain_at(&piece, &src.name).and_then(|st| b.add_domain(st, &loc)) {
                    errors.push(e);
                }
                continue;
            }
            match kind {
                kind::Kind::Managed if kind::comment_on_constraint(&head) => {
                    match ddl::constraint_comment(&piece.text, &loc) {
                        Some(Ok(c)) => b.constraint_comment(c, &loc),
                        Some(Err(e)) => errors.push(e),
                        None => skipped.push(Skipped {
                            kind: "comment",
                            loc,
                            summary: summary(&piece.text),
                        }),
                    }
                }
                kind::Kind::Managed => match statement_at(&piece, &src.name, target).map(|(stmt, cut)| {
                    for what in cut.ignored {
                        b.ignored.push((what, loc.clone()));
                    }
                    b.partitioned = cut.partitioned;
                    b.tablespace = cut.tablespace;
                    b.partition_by = cut.partition_by;
                    b.index_only = cut.index_only;
                    if target == Target::Sqlite {
                        b.statement = Some(piece.clone());
                    }
                    (stmt, cut.view)
                }) {
                    Ok((stmt, _)) if about_one_of(&stmt, &left_alone) => skipped.push(Skipped {
                        kind: "statement on an unmanaged table",
                        loc,
                        summary: summary(&piece.text),
                    }),
                    Ok((stmt, clauses)) => {
                        let view = match &stmt {
                            Statement::CreateView(cv) => Some(ddl::qname(&cv.name)),
                            _ => None,
                        };
                        match b.add(stmt, &loc, &annotations) {
                            Ok(()) => {
                                if let Some(view) = view {
                                    b.view_clauses(&view, clauses);
                                }
                            }
                            Err(ParseError::NotManaged { object, reason, .. }) => {
                                left_alone.insert(object.name.clone());
                                skipped.push(Skipped {
                                    kind: "object with a clause not managed yet",
                                    loc: loc.clone(),
                                    summary: format!("{object}: {reason}"),
                                });
                                b.not_managed.insert(object, reason);
                            }
                            Err(e) => errors.push(e),
                        }
                        for (kind, loc) in b.ignored.drain(..) {
                            skipped.push(Skipped {
                                kind,
                                loc,
                                summary: summary(&piece.text),
                            });
                        }
                    }
                    Err(e) => {
                        // Later statements about this table would only repeat the error.
                        let table = kind::created_name(&piece.text, "TABLE");
                        errors.push(match (e, &table) {
                            (ParseError::At { loc, message }, Some(t)) => ParseError::At {
                                loc,
                                message: format!("{message} (in table `{t}`)"),
                            },
                            (e, _) => e,
                        });
                        unreadable.extend(table);
                    }
                },
                kind::Kind::Unmanaged(kind) => {
                    match kind {
                        "virtual table" => {
                            virtual_tables.extend(kind::created_name(&piece.text, "TABLE"))
                        }
                        "partition" | "inheriting table" => {
                            left_alone.extend(kind::created_name(&piece.text, "TABLE"));
                            left_alone.extend(kind::attached_partition(&piece.text));
                        }
                        "DROP statement" => b.drop_created(&piece.text),
                        "type" => b.user_types.extend(kind::created_name(&piece.text, "TYPE")),
                        "ALTER statement" => {
                            if let Some((seq, table, column)) = kind::owned_by(&piece.text) {
                                b.sequence_owned_by(&seq, &table, &column);
                            }
                        }
                        _ => {}
                    }
                    skipped.push(Skipped {
                        kind,
                        loc,
                        summary: summary(&piece.text),
                    })
                }
                kind::Kind::Unknown(word) => errors.push(ParseError::At {
                    loc,
                    message: format!(
                        "`{}` does not start a SQL statement sqlshift recognises (is the file SQL, and is the previous statement ended with `;`?)",
                        if word.is_empty() { summary(&piece.text) } else { word }
                    ),
                }),
            }
        }
        if let Err(e) = annotations.check_all_used(&src.name) {
            errors.push(e);
        }
    }
    // pg_dump creates a partition as a plain table and attaches it afterwards.
    b.leave_alone(&left_alone);
    match b.finish() {
        Err(e) => errors.push(e),
        Ok((mut schema, left)) if errors.is_empty() => {
            errors.extend(programs.finish(&mut schema, validate));
            if let Err(e) = access_control.finish(&mut schema, access, &mut skipped) {
                errors.extend(e);
            }
            if !errors.is_empty() {
                return Err(gather(errors));
            }
            skipped.extend(left.into_iter().map(|(kind, loc, summary)| Skipped {
                kind,
                loc,
                summary,
            }));
            return Ok((schema, skipped));
        }
        Ok(_) => {}
    }
    errors.retain(|e| !follows_from(e, &unreadable));
    Err(gather(errors))
}

/// `sqlite3 .schema` prints what SQLite made itself: `sqlite_sequence` and the shadow
/// tables of a virtual table (`docs_fts_data` for FTS5, `places_node` for R*Tree …), which
/// no schema may create. The catalog side leaves them out too.
fn sqlite_internal(text: &str, head: &[String], virtual_tables: &[String]) -> Option<&'static str> {
    let name = kind::created_name_in(text, head, "TABLE")?;
    if name.starts_with("sqlite_") {
        return Some("SQLite internal table");
    }
    const SHADOW: &[&str] = &[
        "data", "idx", "content", "docsize", "config", "segments", "segdir", "stat", "node",
        "rowid", "parent",
    ];
    virtual_tables
        .iter()
        .any(|v| {
            name.strip_prefix(v.as_str())
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|suffix| SHADOW.contains(&suffix))
        })
        .then_some("shadow table of a virtual table")
}

/// An error that only says a table is missing whose own statement already failed.
fn follows_from(e: &ParseError, unreadable: &std::collections::BTreeSet<String>) -> bool {
    let msg = e.to_string();
    msg.contains("not defined")
        && unreadable
            .iter()
            .any(|t| msg.contains(&format!("`{t}`")) || msg.contains(&format!(".{t}`")))
}

/// An index, constraint or comment on a table that is left alone.
fn about_one_of(stmt: &Statement, tables: &std::collections::BTreeSet<String>) -> bool {
    if tables.is_empty() {
        return false;
    }
    let last = |n: &sqlparser::ast::ObjectName| {
        n.0.last()
            .and_then(|p| p.as_ident())
            .map(ddl::ident)
            .unwrap_or_default()
    };
    match stmt {
        Statement::CreateIndex(ci) => tables.contains(&last(&ci.table_name)),
        Statement::AlterTable(at) => tables.contains(&last(&at.name)),
        _ => false,
    }
}

/// One error as it is; several as one error listing each.
fn gather(mut errors: Vec<ParseError>) -> ParseError {
    if errors.len() == 1 {
        if let Some(e) = errors.pop() {
            return e;
        }
    }
    let n = errors.len();
    let mut lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    lines.push(format!("{n} errors; nothing was changed"));
    ParseError::Many(lines)
}

/// A statement's first line, shortened.
fn summary(text: &str) -> String {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if first.chars().count() > 80 {
        let cut: String = first.chars().take(77).collect();
        format!("{cut}...")
    } else {
        first.to_string()
    }
}

/// Parses one statement of a file, with token positions as in the whole file, so
/// errors and annotations point at the right line and column.
///
/// The schema language is read with sqlparser's generic dialect, a MySQL file with its
/// MySQL one. A statement that cannot be read so is tried as PostgreSQL (a column named
/// `fulltext`), SQLite (`[bracketed]` names) and MySQL read it; a dialect whose string
/// literals mean something else than the target's (MySQL's backslash escapes) only when
/// the statement has no backslash. The error, when all fail, is the first one.
/// With the statement, the clauses that had to be cut for it to be read (see [`Cut`]).
fn statement_at(
    piece: &split::Piece,
    file: &str,
    target: Target,
) -> Result<(Statement, Cut), ParseError> {
    use sqlparser::dialect::{MySqlDialect, PostgreSqlDialect, SQLiteDialect};
    // Each rewrite below first looks for its words here: most statements need none.
    let lower = piece.text.to_ascii_lowercase();
    let tail = lower.trim_end();
    let mut cut = Cut::default();
    let mut piece = if tail.ends_with("option") || tail.ends_with("*/") {
        let (p, option) = without_check_option(piece);
        cut.view.check_option = option;
        p
    } else {
        piece.clone()
    };
    if tail.ends_with("data") {
        let (p, no_data) = without_data_clause(&piece);
        piece = p;
        cut.view.no_data = no_data;
    }
    if lower.contains("partition") {
        let pg = match target.postgres_spellings() {
            true => partition::cut_partition_by(&piece),
            false => None,
        };
        if let Some((p, clause)) = pg {
            piece = p;
            cut.partition_by = Some(clause);
        } else if target.mysql_spellings() {
            if let Some(p) = without_partitions(&piece) {
                piece = p;
                cut.partitioned = true;
            }
        }
    }
    if target != Target::Mysql && lower.contains("tablespace") {
        if let Some((p, name)) = tablespace::cut(&piece) {
            piece = p;
            cut.tablespace = Some(name);
        }
    }
    if lower.contains("only") {
        (piece, cut.index_only) = without_only_on_index(&piece);
    }
    if lower.contains("recursive") {
        if let Some(text) = recursive_view::rewrite(&piece.text) {
            piece.text = text;
        }
    }
    if lower.contains("sequence name") {
        piece = without_sequence_name(&piece);
    }
    if target.mysql_spellings() && lower.contains("binary") {
        if let Some(text) = binary_attr::rewrite(&piece.text) {
            piece.text = text;
        }
    }
    let mysql_words = [
        "charset",
        "long",
        "national",
        "nchar",
        "persistent",
        "fulltext",
        "spatial",
        "real",
    ];
    if target.mysql_spellings() && mysql_words.iter().any(|w| lower.contains(w)) {
        if let Some(text) = mysql_spelling::rewrite(&piece.text) {
            piece.text = text;
        }
    }
    let piece = &piece;
    // A backslash in a string is where MySQL's strings and everyone else's part ways: there
    // the target's rules come first, and a dialect with the other rules is tried only if
    // the statement's strings read the same by both.
    let agree = || !piece.text.contains('\\') || strings_agree(&piece.text);
    let portable: [&dyn sqlparser::dialect::Dialect; 3] =
        [&GenericDialect {}, &PostgreSqlDialect {}, &SQLiteDialect {}];
    let mut dialects: Vec<&dyn sqlparser::dialect::Dialect> = Vec::new();
    match target {
        Target::Mysql if !agree() => dialects.push(&MySqlDialect {}),
        // MySQL's escapes (`'it\'s'`, as mysqldump writes them) last, for a file of no
        // known dialect, or where they change nothing.
        Target::Any | Target::Mysql => {
            dialects.extend(portable);
            dialects.push(&MySqlDialect {});
        }
        Target::Postgres | Target::Sqlite => {
            dialects.extend(portable);
            if agree() {
                dialects.push(&MySqlDialect {});
            }
        }
    }
    let mut first = None;
    for dialect in dialects {
        match statement_in(piece, file, dialect) {
            Ok(s) => {
                return Ok((s, cut));
            }
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    let first =
        first.unwrap_or_else(|| ParseError::at(file, piece.line, piece.col, "syntax error"));
    // Last, SQLite's own spellings (multi-word type names, table-constraint conflict
    // clauses) in a form sqlparser reads; the error stays the one for the text as written.
    let rewritten = if target.sqlite_spellings() {
        sqlite::rewrite(&piece.text)
    } else {
        None
    };
    if let Some(r) = rewritten {
        let again = split::Piece {
            text: r.text,
            ..piece.clone()
        };
        for dialect in [
            &SQLiteDialect {} as &dyn sqlparser::dialect::Dialect,
            &GenericDialect {},
        ] {
            if let Ok(s) = statement_in(&again, file, dialect) {
                cut.ignored.extend(std::iter::repeat_n(
                    "SQLite conflict clause (ON CONFLICT)",
                    r.conflict_clauses,
                ));
                return Ok((s, cut));
            }
        }
    }
    Err(first)
}

/// True when `text`'s string literals have the same values by MySQL's rules (a backslash
/// escapes) as by the standard ones (it is a character).
fn strings_agree(text: &str) -> bool {
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::tokenizer::Tokenizer;
    let strings = |dialect: &dyn sqlparser::dialect::Dialect| {
        Tokenizer::new(dialect, text).tokenize().ok().map(|tokens| {
            tokens
                .into_iter()
                .filter_map(|t| match t {
                    Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => Some(s),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    };
    let mysql = strings(&MySqlDialect {});
    mysql.is_some() && mysql == strings(&GenericDialect {})
}

/// `CREATE TABLE … PARTITION BY RANGE (…) (PARTITION p0 VALUES LESS THAN (…), …)` without
/// its partitioning clause, which sqlparser does not read; `None` when it has none.
fn without_partitions(piece: &split::Piece) -> Option<split::Piece> {
    let unwrapped = without_conditional_markers(&piece.text);
    let text = unwrapped.as_deref().unwrap_or(&piece.text);
    let (toks, k) = partition::partition_by_at(text)?;
    let start = toks[k].1;
    Some(split::Piece {
        text: text[..start].trim_end().to_string(),
        ..piece.clone()
    })
}

/// `… AS IDENTITY (SEQUENCE NAME s …)`: pg_dump names the identity's sequence, which is
/// the column's own and not compared; sqlparser does not read the option. It is blanked out
/// (positions kept).
fn without_sequence_name(piece: &split::Piece) -> split::Piece {
    let upper = piece.text.to_ascii_uppercase();
    if !upper.contains("IDENTITY") {
        return piece.clone();
    }
    let Some(at) = upper.find("SEQUENCE NAME") else {
        return piece.clone();
    };
    let after = at + "SEQUENCE NAME".len();
    let rest = &piece.text[after..];
    let lead = rest.len() - rest.trim_start().len();
    let mut end = after + lead;
    let mut quoted = false;
    for (i, ch) in piece.text[end..].char_indices() {
        match ch {
            '"' => quoted = !quoted,
            c if !quoted && (c.is_whitespace() || c == ',' || c == ')') => {
                end += i;
                break;
            }
            _ => {}
        }
    }
    let mut text = piece.text.clone();
    let blank: String = text[at..end]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    text.replace_range(at..end, &blank);
    split::Piece {
        text,
        ..piece.clone()
    }
}

/// `CREATE INDEX … ON ONLY t`: pg_dump's spelling for a partitioned table's own index,
/// made without building one on each partition. sqlparser does not read it; it is blanked
/// out (not removed) so that positions in error messages stay right, and said with `true`.
fn without_only_on_index(piece: &split::Piece) -> (split::Piece, bool) {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, ch) in piece.text.char_indices() {
        match (ch.is_whitespace() || ch == '(', start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
        if spans.len() > 12 {
            break;
        }
    }
    let word = |k: usize| {
        spans
            .get(k)
            .map(|&(a, b)| piece.text[a..b].to_ascii_uppercase())
            .unwrap_or_default()
    };
    if word(0) != "CREATE" || !(word(1) == "INDEX" || word(2) == "INDEX") {
        return (piece.clone(), false);
    }
    for k in 2..spans.len().saturating_sub(1) {
        if word(k) == "ON" && word(k + 1) == "ONLY" {
            let (a, b) = spans[k + 1];
            let mut text = piece.text.clone();
            text.replace_range(a..b, &" ".repeat(b - a));
            let cut = split::Piece {
                text,
                ..piece.clone()
            };
            return (cut, true);
        }
    }
    (piece.clone(), false)
}

/// Clauses cut from a statement so that sqlparser reads it: the ones left as they are
/// (SQLite conflict clauses after a table constraint), and a view's CHECK OPTION and
/// `WITH [NO] DATA`, which the builder applies to the view.
#[derive(Debug, Default)]
struct Cut {
    ignored: Vec<&'static str>,
    view: ddl::ViewClauses,
    /// A MySQL table's `PARTITION BY …` clause (also in a mysqldump `/*!50100 … */`):
    /// the table is left alone, as MySQL's partitioned tables are not managed yet.
    partitioned: bool,
    /// PostgreSQL's `TABLESPACE name` (see [`tablespace::cut`]).
    tablespace: Option<String>,
    /// A PostgreSQL table's `PARTITION BY` clause, after those words.
    partition_by: Option<String>,
    /// `CREATE INDEX … ON ONLY t`.
    index_only: bool,
}

/// `CREATE VIEW … WITH [CASCADED | LOCAL] CHECK OPTION`, which sqlparser does not read: the
/// statement without it, and `local` or `cascaded` (the default) when it was there.
fn without_check_option(piece: &split::Piece) -> (split::Piece, Option<&'static str>) {
    // mysqldump writes a view inside conditional comments, the CHECK OPTION in one of its
    // own (`/*!50001 VIEW v AS … */ /*!50002 WITH CASCADED CHECK OPTION */`); MySQL runs
    // their text, so the view is read as that text.
    let unwrapped = without_conditional_markers(&piece.text);
    let t = unwrapped.as_deref().unwrap_or(&piece.text).trim_end();
    let upper = t.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let view = words.first() == Some(&"CREATE") && words.iter().take(8).any(|w| *w == "VIEW");
    let (tail, kind) = match words.as_slice() {
        [.., "WITH", "LOCAL", "CHECK", "OPTION"] => (4, "local"),
        [.., "WITH", "CASCADED", "CHECK", "OPTION"] => (4, "cascaded"),
        [.., "WITH", "CHECK", "OPTION"] => (3, "cascaded"),
        _ => (0, ""),
    };
    if !view || tail == 0 {
        return (piece.clone(), None);
    }
    let mut at = t.len();
    for _ in 0..tail {
        at = upper[..at]
            .trim_end()
            .rfind(char::is_whitespace)
            .map_or(0, |i| i);
    }
    (
        split::Piece {
            text: t[..at].trim_end().to_string(),
            ..piece.clone()
        },
        Some(kind),
    )
}

/// `text` with the markers of its `/*!NNNNN … */` conditional comments blanked out (same
/// length, so positions hold), or `None` when it has none. Quoted text is left alone.
pub(crate) fn without_conditional_markers(text: &str) -> Option<String> {
    if !text.contains("/*!") {
        return None;
    }
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let (mut i, mut open) = (0, 0usize);
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' && q != b'`' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'*') && b.get(i + 2) == Some(&b'!') => {
                let mut end = i + 3;
                while end < b.len() && b[end].is_ascii_digit() {
                    end += 1;
                }
                out[i..end].fill(b' ');
                open += 1;
                i = end;
            }
            b'*' if open > 0 && b.get(i + 1) == Some(&b'/') => {
                out[i..i + 2].fill(b' ');
                open -= 1;
                i += 2;
            }
            _ => i += 1,
        }
    }
    // Only ASCII bytes were replaced, by ASCII spaces: the text is still UTF-8.
    String::from_utf8(out).ok()
}

/// `CREATE MATERIALIZED VIEW … WITH [NO] DATA`, which sqlparser does not read: the
/// statement without it, and whether it said `WITH NO DATA`. Whether the view is filled is
/// not part of its definition (see `View::with_no_data`).
fn without_data_clause(piece: &split::Piece) -> (split::Piece, bool) {
    let t = piece.text.trim_end();
    let upper = t.to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let materialized = words.len() > 3 && words[0] == "CREATE" && words.contains(&"MATERIALIZED");
    let (cut, no_data) = match words.as_slice() {
        [.., "WITH", "NO", "DATA"] if materialized => (upper.rfind("WITH"), true),
        [.., "WITH", "DATA"] if materialized => (upper.rfind("WITH"), false),
        _ => (None, false),
    };
    match cut {
        Some(at) => (
            split::Piece {
                text: t[..at].trim_end().to_string(),
                ..piece.clone()
            },
            no_data,
        ),
        None => (piece.clone(), false),
    }
}

fn statement_in(
    piece: &split::Piece,
    file: &str,
    dialect: &dyn sqlparser::dialect::Dialect,
) -> Result<Statement, ParseError> {
    read_in(piece, file, dialect, |p| p.parse_statement())
}

/// A domain statement, read as the generic dialect reads it or else as PostgreSQL does;
/// the error, when both fail, is the generic one.
fn domain_at(piece: &split::Piece, file: &str) -> Result<domain::Statement, ParseError> {
    read_in(piece, file, &GenericDialect {}, domain::statement).or_else(|first| {
        read_in(
            piece,
            file,
            &sqlparser::dialect::PostgreSqlDialect {},
            domain::statement,
        )
        .map_err(|_| first)
    })
}

/// Runs `read` over the whole piece, with token positions as in the file; the piece must
/// hold nothing after what `read` takes but semicolons.
fn read_in<T>(
    piece: &split::Piece,
    file: &str,
    dialect: &dyn sqlparser::dialect::Dialect,
    read: impl FnOnce(&mut Parser) -> Result<T, ParserError>,
) -> Result<T, ParseError> {
    use sqlparser::tokenizer::{Location, Tokenizer};
    let shift = |l: Location| {
        if l.line == 0 {
            l
        } else if l.line == 1 {
            Location::new(piece.line, piece.col + l.column - 1)
        } else {
            Location::new(piece.line + l.line - 1, l.column)
        }
    };
    // Tokenizer errors count from the statement's start; parser errors carry the
    // (already shifted) token positions.
    let syntax = |msg: String, relative: bool| {
        let (line, col) = location_of(&msg);
        let at = if relative {
            shift(Location::new(line, col))
        } else {
            Location::new(line, col)
        };
        let msg = msg
            .trim_start_matches("sql parser error: ")
            .split(" at Line: ")
            .next()
            .unwrap_or_default()
            .to_string();
        ParseError::at(file, at.line, at.column, format!("syntax error: {msg}"))
    };
    let mut tokens = Tokenizer::new(dialect, &piece.text)
        .tokenize_with_location()
        .map_err(|e| syntax(e.to_string(), true))?;
    for t in &mut tokens {
        t.span.start = shift(t.span.start);
        t.span.end = shift(t.span.end);
    }
    let mut parser = Parser::new(dialect).with_tokens_with_locations(tokens);
    let stmt = read(&mut parser).map_err(|e| syntax(e.to_string(), false))?;
    while parser.consume_token(&Token::SemiColon) {}
    let after = parser.peek_token();
    if after.token != Token::EOF {
        return Err(ParseError::at(
            file,
            after.span.start.line,
            after.span.start.column,
            format!(
                "syntax error: unexpected `{}` after the statement (a statement not ended with the delimiter?)",
                after.token
            ),
        ));
    }
    Ok(stmt)
}

/// Parses SQL text (one name for messages) into a schema.
pub fn parse_sql(name: &str, text: &str) -> Result<Schema, ParseError> {
    parse_schema(&[SourceFile {
        name: name.to_string(),
        text: text.to_string(),
    }])
}

fn statements(file: &str, text: &str) -> Result<Vec<(Statement, Loc)>, ParseError> {
    let dialect = GenericDialect {};
    let syntax = |e: ParserError| {
        let msg = e.to_string();
        let (line, col) = location_of(&msg);
        let msg = msg
            .trim_start_matches("sql parser error: ")
            .split(" at Line: ")
            .next()
            .unwrap_or_default()
            .to_string();
        ParseError::at(file, line, col, format!("syntax error: {msg}"))
    };
    let mut parser = Parser::new(&dialect).try_with_sql(text).map_err(syntax)?;
    let mut out = Vec::new();
    loop {
        while parser.consume_token(&Token::SemiColon) {}
        let next = parser.peek_token();
        if next.token == Token::EOF {
            break;
        }
        let loc = Loc {
            file: file.to_string(),
            line: next.span.start.line,
            col: next.span.start.column,
        };
        let stmt = parser.parse_statement().map_err(syntax)?;
        let after = parser.peek_token();
        if after.token != Token::SemiColon && after.token != Token::EOF {
            return Err(ParseError::at(
                file,
                after.span.start.line,
                after.span.start.column,
                format!("syntax error: expected `;` but found `{}`", after.token),
            ));
        }
        out.push((stmt, loc));
    }
    Ok(out)
}

fn location_of(msg: &str) -> (u64, u64) {
    let num_after = |key: &str| {
        msg.split(key)
            .nth(1)
            .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
    };
    (
        num_after("Line: ").unwrap_or(1),
        num_after("Column: ").unwrap_or(1),
    )
}

/// Parses one expression (a catalog's default or check text).
pub fn expr(text: &str) -> Result<model::Expr, String> {
    let dialect = GenericDialect {};
    let e = Parser::new(&dialect)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("cannot read expression `{text}`: {e}"))?;
    Ok(model::Expr::new(text.trim(), canonical_expr(e)))
}

/// A domain's check (over `VALUE`) as a check on `column`: how a dialect without domains
/// keeps it on each column of the domain.
pub fn value_as_column(text: &str, column: &str) -> Result<model::Expr, String> {
    use sqlparser::ast::{visit_expressions_mut, Expr, Ident};
    let dialect = GenericDialect {};
    let mut e = Parser::new(&dialect)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("cannot read expression `{text}`: {e}"))?;
    let _ = visit_expressions_mut(&mut e, |x| {
        if let Expr::Identifier(i) = x {
            if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("value") {
                *i = Ident::with_quote('"', column);
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    Ok(model::Expr::new(requote::lossless(&e), canonical_expr(e)))
}

/// Parses one `CREATE INDEX` statement (as `pg_get_indexdef` prints it).
pub fn index_definition(text: &str) -> Result<(model::QName, model::Index), String> {
    let piece = split::Piece {
        text: text.to_string(),
        line: 1,
        col: 1,
    };
    let (piece, only) = without_only_on_index(&piece);
    let stmts = statements("catalog", &piece.text).map_err(|e| e.to_string())?;
    match stmts.into_iter().next() {
        Some((Statement::CreateIndex(ci), loc)) => ddl::index_from(&ci, &loc)
            .map(|(t, mut i)| {
                i.only = only;
                (t, i)
            })
            .map_err(|e| e.to_string()),
        _ => Err(format!("not an index definition: {text}")),
    }
}

/// Parses a view body (`SELECT …`) into the model's query expression and its dependencies.
pub fn view_query(
    text: &str,
) -> Result<
    (
        model::Expr,
        std::collections::BTreeSet<model::QName>,
        std::collections::BTreeSet<model::QName>,
    ),
    String,
> {
    Ok(ddl::view_expr(view_ast(text)?))
}

/// The syntax tree of a view body.
fn view_ast(text: &str) -> Result<sqlparser::ast::Query, String> {
    use sqlparser::dialect::PostgreSqlDialect;
    let text = text.trim().trim_end_matches(';');
    // The whole text must be read: a dialect that stops early (the generic one at
    // PostgreSQL's jsonb `?` operator) would silently cut the query short.
    let whole = |dialect: &dyn sqlparser::dialect::Dialect| {
        let mut p = Parser::new(dialect).try_with_sql(text)?;
        let q = p.parse_query()?;
        match p.peek_token().token {
            sqlparser::tokenizer::Token::EOF => Ok(q),
            t => Err(sqlparser::parser::ParserError::ParserError(format!(
                "unexpected `{t}` after the query"
            ))),
        }
    };
    let q = whole(&GenericDialect {})
        .or_else(|first| whole(&PostgreSqlDialect {}).map_err(|_| first))
        .map_err(|e| format!("cannot read view query: {e}"))?;
    Ok(*q)
}

/// Reads a `CREATE FUNCTION | PROCEDURE | AGGREGATE` statement (a file's or the catalog's).
pub fn routine_statement(text: &str) -> Result<model::Routine, String> {
    routine::routine(text)
}

/// The input argument types of a routine's argument list (`pg_get_function_identity_arguments`).
pub fn routine_input_types(args: &str) -> Result<Vec<model::DataType>, String> {
    use sqlparser::tokenizer::Tokenizer;
    let toks: Vec<Token> = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, args)
        .tokenize()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    routine::input_types(&toks)
}

/// Reads a `CREATE TRIGGER` statement (a file's or `pg_get_triggerdef`).
pub fn trigger_statement(text: &str) -> Result<model::Trigger, String> {
    trigger::trigger(text)
}

/// Reads a `CREATE RULE` statement (a file's or `pg_get_ruledef`).
pub fn rule_statement(text: &str) -> Result<model::Rule, String> {
    trigger::rule(text)
}

/// Maps a catalog type spelling.
pub fn data_type(text: &str) -> Result<model::DataType, String> {
    map_type(text).map(|(t, _)| t)
}

/// Rewrites an expression or query with PostgreSQL-only casts removed, keeping spelling.
pub fn to_portable(sql: &str) -> String {
    let dialect = GenericDialect {};
    let whole_expr = Parser::new(&dialect).try_with_sql(sql).and_then(|mut p| {
        let e = p.parse_expr()?;
        if p.peek_token().token == Token::EOF {
            Ok(Some(e))
        } else {
            Ok(None)
        }
    });
    if let Ok(Some(e)) = whole_expr {
        return portable(e);
    }
    match Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
    {
        Ok(q) => portable_query(*q),
        Err(_) => sql.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_of(sql: &str, target: Target) -> String {
        let sources = [SourceFile {
            name: "t.sql".into(),
            text: sql.into(),
        }];
        let schema = parse_schema_with(&sources, true, target).unwrap_or_else(|e| panic!("{e}"));
        let t = schema.tables.values().next().expect("a table");
        t.columns[0]
            .default
            .as_ref()
            .expect("a default")
            .sql
            .clone()
    }

    #[test]
    fn a_file_is_read_by_its_dialects_string_rules() {
        let sql = r"CREATE TABLE t (a VARCHAR(20) DEFAULT 'a \\ b');";
        // MySQL: the backslash escapes the one after it.
        assert_eq!(default_of(sql, Target::Mysql), r"'a \ b'");
        // Standard SQL: both are characters.
        assert_eq!(default_of(sql, Target::Postgres), r"'a \\ b'");
        assert_eq!(default_of(sql, Target::Sqlite), r"'a \\ b'");
        assert_eq!(default_of(sql, Target::Any), r"'a \\ b'");
        // Where MySQL keeps the backslash (`\%`), a "quoted" name is still a name.
        let plain = r#"CREATE TABLE "t" (a VARCHAR(20) DEFAULT '50\%');"#;
        assert_eq!(default_of(plain, Target::Mysql), r"'50\%'");
    }

    #[test]
    fn an_object_in_another_tablespace_is_left_alone_by_name() {
        let sql = "CREATE TABLE a (id int, b text) WITH (fillfactor = 70, toast.autovacuum_enabled = off) TABLESPACE pg_default;
            CREATE UNLOGGED TABLE b (id int) TABLESPACE fast;
            CREATE TABLE c (id int);
            CREATE INDEX c_id ON c (id) TABLESPACE fast;";
        let sources = [SourceFile {
            name: "t.sql".into(),
            text: sql.into(),
        }];
        let s =
            parse_schema_with(&sources, true, Target::Postgres).unwrap_or_else(|e| panic!("{e}"));
        let a = &s.tables[&model::QName::new("", "a")];
        assert_eq!(
            a.storage,
            [
                ("fillfactor".to_string(), "70".to_string()),
                ("toast.autovacuum_enabled".to_string(), "off".to_string())
            ]
        );
        for name in ["b", "c"] {
            let why = &s.unreadable[&model::QName::new("", name)];
            assert!(why.contains("tablespace fast"), "{why}");
        }
    }

    #[test]
    fn mysql_spellings_are_rewritten_only_for_mysql() {
        let sql = "CREATE TABLE t (a VARCHAR(20) BINARY);";
        let sources = [SourceFile {
            name: "t.sql".into(),
            text: sql.into(),
        }];
        assert!(parse_schema_with(&sources, true, Target::Mysql).is_ok());
        assert!(parse_schema_with(&sources, true, Target::Postgres).is_err());
    }
}
