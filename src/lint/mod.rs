//! `sqlshift lint`: migration files, generated or hand-written, checked for the hazards
//! plans flag, with the same codes.
//!
//! Files are read folder by folder in path (so version) order; each folder is one
//! dialect's history. A small model of the tables the folder has created so far tells
//! whether a statement touches a table that already has rows (one created by an earlier
//! file) or one created in the same file (empty, so adding a NOT NULL column or an index
//! to it is harmless), and what type a column had before a type change.
//!
//! `-- sqlshift:allow CODE` (several codes separated by commas or spaces) on the comment
//! lines directly above a statement suppresses one finding of each code for that statement.

use crate::migrate::script;
use crate::model::{DataType, QName};
use crate::parse::statement::{statement_ops, ConstraintKind, Op};
use crate::plan::HazardCode;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The directive that suppresses a finding.
pub const ALLOW: &str = "sqlshift:allow";
/// Code of an allow comment that suppressed nothing (a typo, or a fixed statement).
pub const UNUSED_ALLOW: &str = "unused-allow";
/// Code of a statement sqlparser could not read, so no rule could check it.
pub const UNCHECKED: &str = "unchecked";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub file: String,
    pub line: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}: no .sql files to lint (down files are not linted)")]
    Empty(String),
}

/// One file to lint: its name for messages and its text.
#[derive(Debug, Clone)]
pub struct LintFile {
    pub name: String,
    pub text: String,
}

/// Files of one folder (one migration history), in path order, with its dialect.
#[derive(Debug, Clone)]
pub struct Group {
    pub dialect: Option<&'static str>,
    pub files: Vec<LintFile>,
}

/// Collects what to lint under `path`: the file itself, or every `*.sql` in the folder
/// and its subfolders except `*.down.sql`, grouped by folder. A folder named after a
/// dialect (`postgres/`, `sqlite/`, `mysql/`) is that dialect; otherwise `dialect`.
pub fn collect(path: &Path, dialect: Option<&'static str>) -> Result<Vec<Group>, LintError> {
    let io = |p: &Path| {
        let shown = p.display().to_string();
        move |source| LintError::Io {
            path: shown,
            source,
        }
    };
    let meta = std::fs::metadata(path).map_err(io(path))?;
    let mut found: Vec<PathBuf> = Vec::new();
    if meta.is_file() {
        found.push(path.to_path_buf());
    } else {
        walk(path, &mut found).map_err(io(path))?;
        found.retain(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n.ends_with(".sql") && !n.ends_with(".down.sql")
        });
    }
    if found.is_empty() {
        return Err(LintError::Empty(path.display().to_string()));
    }
    found.sort();
    let mut groups: BTreeMap<PathBuf, Group> = BTreeMap::new();
    for f in found {
        let text = std::fs::read(&f).map_err(io(&f))?;
        let text = String::from_utf8_lossy(&crate::migrate::sum::normalize(&text)).into_owned();
        let folder = f.parent().map(Path::to_path_buf).unwrap_or_default();
        let d = folder
            .components()
            .rev()
            .find_map(|c| crate::dialect::dialect_by_name(&c.as_os_str().to_string_lossy()))
            .map(|d| d.name())
            .or(dialect);
        groups
            .entry(folder)
            .or_insert_with(|| Group {
                dialect: d,
                files: Vec::new(),
            })
            .files
            .push(LintFile {
                name: f.display().to_string(),
                text,
            });
    }
    Ok(groups.into_values().collect())
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// What the folder's earlier statements created: tables and their column types.
#[derive(Default)]
struct State {
    tables: BTreeMap<String, BTreeMap<String, Option<DataType>>>,
    /// PostgreSQL partitioned tables: no index is built CONCURRENTLY on one, and no
    /// foreign key is added NOT VALID, so the plain forms are the only ones (a warning).
    partitioned: BTreeSet<String>,
    /// Tables created by the file being linted (still empty while it runs).
    new: BTreeSet<String>,
    /// Indexes the folder created, by name (schema-qualified key), with their table.
    indexes: BTreeMap<String, String>,
    /// `(table, constraint)` → column of a `CHECK (column IS NOT NULL)` not yet validated.
    unvalidated: BTreeMap<(String, String), String>,
    /// `(table, column)` proved NOT NULL by a validated check (so SET NOT NULL needs no scan).
    proved: BTreeSet<(String, String)>,
    /// The file being linted runs inside a transaction (no `-- sqlshift:no-transaction`).
    in_transaction: bool,
    /// Tables the file rebuilds: the table a table it creates is later renamed to, with
    /// that new table (SQLite's documented rebuild: create, copy, drop, rename).
    replaced: BTreeMap<String, String>,
}

/// The tables a file replaces by a table it creates and renames to the old name.
fn replacements(
    parsed: &[(crate::dialect::migrate::Statement, Result<Vec<Op>, String>)],
    dialect: Option<&str>,
) -> BTreeMap<String, String> {
    let mut created = BTreeSet::new();
    let mut out = BTreeMap::new();
    for op in parsed.iter().filter_map(|(_, o)| o.as_ref().ok()).flatten() {
        match op {
            Op::CreateTable { table, .. } => {
                created.insert(key(table, dialect));
            }
            Op::RenameTable { from, to } if created.contains(&key(from, dialect)) => {
                out.insert(key(to, dialect), key(from, dialect));
            }
            _ => {}
        }
    }
    out
}

/// Lints every group; findings in file and line order.
pub fn lint(groups: &[Group]) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in groups {
        let mut state = State::default();
        for f in &g.files {
            lint_file(f, g.dialect, &mut state, &mut out);
        }
    }
    out
}

fn key(q: &QName, dialect: Option<&str>) -> String {
    let default = match dialect {
        Some("postgres") => "public",
        _ => "",
    };
    let schema = if q.schema.is_empty() {
        default
    } else {
        &q.schema
    };
    if schema.is_empty() {
        q.name.clone()
    } else {
        format!("{schema}.{}", q.name)
    }
}

/// The allow codes written on the comment lines directly above `line` (1-based).
fn allows_above(lines: &[&str], line: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut l = line.saturating_sub(1);
    while l >= 1 {
        let text = lines.get(l - 1).map(|s| s.trim()).unwrap_or_default();
        let Some(comment) = text.strip_prefix("--") else {
            break;
        };
        if let Some(rest) = comment.trim().strip_prefix(ALLOW) {
            for code in rest.split(|c: char| c == ',' || c.is_whitespace()) {
                if !code.is_empty() {
                    out.push((l, code.to_string()));
                }
            }
        }
        l -= 1;
    }
    out
}

fn lint_file(
    f: &LintFile,
    dialect: Option<&'static str>,
    state: &mut State,
    out: &mut Vec<Finding>,
) {
    state.new.clear();
    state.in_transaction = !script::no_transaction(&f.text);
    let lines: Vec<&str> = f.text.lines().collect();
    let parsed: Vec<_> = script::split(&f.text)
        .into_iter()
        .map(|stmt| {
            let ops = statement_ops(&stmt.sql, dialect);
            (stmt, ops)
        })
        .collect();
    state.replaced = replacements(&parsed, dialect);
    for (stmt, ops) in parsed {
        let mut found: Vec<(Severity, HazardCode, String)> = Vec::new();
        match ops {
            Ok(ops) => {
                for op in ops {
                    check(&op, dialect, state, &mut found);
                }
            }
            Err(e) => {
                out.push(Finding {
                    file: f.name.clone(),
                    line: stmt.line,
                    severity: Severity::Warning,
                    code: UNCHECKED,
                    message: format!("not checked: sqlparser cannot read this statement ({e})"),
                });
                continue;
            }
        }
        let mut allows = allows_above(&lines, stmt.line);
        for (severity, code, message) in found {
            if let Some(i) = allows.iter().position(|(_, c)| c == code.as_str()) {
                allows.remove(i);
                continue;
            }
            out.push(Finding {
                file: f.name.clone(),
                line: stmt.line,
                severity,
                code: code.as_str(),
                message,
            });
        }
        for (line, code) in allows {
            let why = if HazardCode::parse(&code).is_some() {
                format!("`{ALLOW} {code}` suppresses nothing: the statement below has no {code} finding; remove it")
            } else {
                format!("`{ALLOW} {code}`: unknown code `{code}`")
            };
            out.push(Finding {
                file: f.name.clone(),
                line,
                severity: Severity::Warning,
                code: UNUSED_ALLOW,
                message: why,
            });
        }
    }
}

fn check(
    op: &Op,
    dialect: Option<&str>,
    state: &mut State,
    found: &mut Vec<(Severity, HazardCode, String)>,
) {
    use HazardCode::*;
    use Severity::*;
    let k = |q: &QName| key(q, dialect);
    let pg = dialect == Some("postgres");
    let mysql = dialect == Some("mysql");
    match op {
        Op::CreateTable {
            table,
            columns,
            partitioned,
        } => {
            let t = k(table);
            if *partitioned {
                state.partitioned.insert(t.clone());
            }
            state.tables.insert(
                t.clone(),
                columns
                    .iter()
                    .map(|c| (c.name.clone(), c.data_type.clone()))
                    .collect(),
            );
            state.new.insert(t);
        }
        Op::DropTable { table } => {
            let t = k(table);
            if let Some(new) = state.replaced.get(&t).filter(|_| !state.new.contains(&t)) {
                // A rebuild: the rows live on in `new`; only columns it lacks are lost.
                let kept = state.tables.get(new);
                let lost: Vec<&str> = state
                    .tables
                    .get(&t)
                    .into_iter()
                    .flat_map(|c| c.keys())
                    .filter(|c| !kept.is_some_and(|k| k.contains_key(*c)))
                    .map(String::as_str)
                    .collect();
                if !lost.is_empty() {
                    found.push((
                        Error,
                        DataLoss,
                        format!("rebuilds {t} as {new} without column(s) {}; their values are lost", lost.join(", ")),
                    ));
                }
                found.push((
                    Warning,
                    TableRewrite,
                    format!("rebuilds {t} as {new}: every row is copied, and the database is locked for writes meanwhile"),
                ));
            } else if !state.new.contains(&t) {
                found.push((Error, DataLoss, format!("drops table {t} and all its rows")));
            }
            state.tables.remove(&t);
            state.new.remove(&t);
        }
        Op::AddColumn { table, column } => {
            let t = k(table);
            if !state.new.contains(&t) && column.not_null && !column.has_default && !column.filled {
                found.push((
                    Error,
                    NotNullWithoutDefault,
                    format!(
                        "adds NOT NULL column {t}.{} without a default; fails if the table has rows (add it nullable, backfill, then set NOT NULL; or give it a default)",
                        column.name
                    ),
                ));
            }
            if pg && !state.new.contains(&t) {
                if let Some(why) = &column.rewrites {
                    found.push((
                        Error,
                        TableRewrite,
                        format!("adds {t}.{} with {why}: every row gets its own value, so {t} is rewritten under an ACCESS EXCLUSIVE lock (add it without, backfill in batches, then set the default)", column.name),
                    ));
                } else if let Some(f) = &column.unknown_default_call {
                    found.push((
                        Warning,
                        TableRewrite,
                        format!("adds {t}.{} with a default that calls {f}: if that function is VOLATILE, {t} is rewritten under an ACCESS EXCLUSIVE lock", column.name),
                    ));
                }
            }
            state
                .tables
                .entry(t)
                .or_default()
                .insert(column.name.clone(), column.data_type.clone());
        }
        Op::DropColumn { table, column } => {
            let t = k(table);
            if !state.new.contains(&t) {
                found.push((
                    Error,
                    DataLoss,
                    format!("drops column {t}.{column} and its values"),
                ));
            }
            if let Some(cols) = state.tables.get_mut(&t) {
                cols.remove(column);
            }
        }
        Op::AlterType {
            table,
            column,
            to,
            spelled,
            using,
        } => {
            let t = k(table);
            let old = state
                .tables
                .get(&t)
                .and_then(|c| c.get(column))
                .cloned()
                .flatten();
            if !state.new.contains(&t) {
                match (&old, to) {
                    (Some(a), Some(b)) if a.is_narrowing_to(b) => found.push((
                        Error,
                        DataLoss,
                        format!("changes {t}.{column} from {a} to {b}, which may not hold every existing value"),
                    )),
                    (Some(a), Some(b)) if pg && a != b && !crate::dialect::postgres::types::binary_coercible(a, b) => found.push((
                        Error,
                        TableRewrite,
                        format!("changes {t}.{column} from {a} to {b}, which rewrites {t} and its indexes under an ACCESS EXCLUSIVE lock (add a new column, backfill it in batches, switch over)"),
                    )),
                    (Some(a), Some(b)) if mysql && a != b && !crate::dialect::mysql::types::in_place(a, b) => found.push((
                        Warning,
                        TableRewrite,
                        format!("changes {t}.{column} from {a} to {b}, which copies {t} (ALGORITHM=COPY): writes wait until it ends"),
                    )),
                    (Some(_), Some(_)) => {}
                    _ if pg && *using => found.push((
                        Warning,
                        TableRewrite,
                        format!("changes the type of {t}.{column} to {spelled} with USING; unless the old type converts without one, {t} is rewritten under an ACCESS EXCLUSIVE lock"),
                    )),
                    _ => found.push((
                        Warning,
                        DataLoss,
                        format!("changes the type of {t}.{column} to {spelled}; the old type is not known from these files, so check that it does not narrow"),
                    )),
                }
            }
            if let Some(cols) = state.tables.get_mut(&t) {
                cols.insert(column.clone(), to.clone());
            }
        }
        Op::AddUnique {
            table,
            name,
            primary,
            using_index,
        } => {
            let t = k(table);
            let n = name.as_ref().map(|n| format!("{n} ")).unwrap_or_default();
            let what = if *primary { "primary key" } else { "unique constraint" };
            if !state.new.contains(&t) && !using_index {
                found.push((
                    Warning,
                    MayFail,
                    format!("adds {what} {n}on {t}; fails if existing rows repeat a value"),
                ));
                if pg && state.partitioned.contains(&t) {
                    found.push((
                        Warning,
                        AccessExclusiveLock,
                        format!("adds {what} {n}on partitioned table {t}: reads and writes wait (ACCESS EXCLUSIVE) while its index builds; PostgreSQL cannot build it CONCURRENTLY there"),
                    ));
                } else if pg {
                    found.push((
                        Error,
                        UniqueWithoutIndex,
                        format!("adds {what} {n}on {t}, which builds its index under an ACCESS EXCLUSIVE lock; build it with CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … {} USING INDEX", if *primary { "PRIMARY KEY" } else { "UNIQUE" }),
                    ));
                }
            }
        }
        Op::AddConstraint {
            table,
            name,
            kind,
            not_valid,
        } => {
            let t = k(table);
            let n = name.as_ref().map(|n| format!("{n} ")).unwrap_or_default();
            let existing = !state.new.contains(&t);
            match kind {
                ConstraintKind::Exclusion if existing && pg => {
                    found.push((
                        Warning,
                        MayFail,
                        format!("adds exclusion constraint {n}on {t}; fails if existing rows conflict"),
                    ));
                    found.push((
                        Warning,
                        AccessExclusiveLock,
                        format!("adds exclusion constraint {n}on {t}: reads and writes wait (ACCESS EXCLUSIVE) while its index builds and every row is checked; PostgreSQL has no online form"),
                    ));
                }
                ConstraintKind::Exclusion => {}
                ConstraintKind::ForeignKey | ConstraintKind::Check { .. } => {
                    let what = if *kind == ConstraintKind::ForeignKey { "foreign key" } else { "check" };
                    let fk_on_partitioned = *kind == ConstraintKind::ForeignKey
                        && state.partitioned.contains(&t);
                    if existing && !not_valid {
                        found.push((
                            Warning,
                            MayFail,
                            format!("adds {what} {n}on {t}; fails if existing rows break it"),
                        ));
                    }
                    if existing && mysql {
                        found.push((
                            Warning,
                            TableRewrite,
                            format!("adds {what} {n}on {t}, which copies {t} to check every row (ALGORITHM=COPY): writes wait until it ends"),
                        ));
                    }
                    if existing && pg && !not_valid && !fk_on_partitioned {
                        found.push((
                            Error,
                            ConstraintNotValid,
                            format!("adds {what} {n}on {t} without NOT VALID: writes to {t} wait (SHARE ROW EXCLUSIVE) while every row is checked; add it NOT VALID, then VALIDATE CONSTRAINT in its own transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on)"),
                        ));
                    }
                    if let (ConstraintKind::Check { not_null_of: Some(c) }, Some(name)) = (kind, name) {
                        if *not_valid {
                            state.unvalidated.insert((t.clone(), name.clone()), c.clone());
                        } else {
                            state.proved.insert((t.clone(), c.clone()));
                        }
                    }
                }
            }
        }
        Op::ValidateConstraint { table, name } => {
            let t = k(table);
            if !state.new.contains(&t) {
                found.push((
                    Warning,
                    MayFail,
                    format!("validates {name} on {t}; fails if existing rows break it"),
                ));
            }
            if let Some(c) = state.unvalidated.remove(&(t.clone(), name.clone())) {
                state.proved.insert((t, c));
            }
        }
        Op::SetNotNull { table, column } => {
            let t = k(table);
            if !state.new.contains(&t) {
                found.push((
                    Warning,
                    MayFail,
                    format!("sets {t}.{column} NOT NULL; fails if any row holds NULL"),
                ));
            }
            if pg && !state.new.contains(&t) && !state.proved.contains(&(t.clone(), column.clone())) {
                found.push((
                    Error,
                    SetNotNullScan,
                    format!("sets {t}.{column} NOT NULL, which scans every row under an ACCESS EXCLUSIVE lock; first ADD CONSTRAINT … CHECK ({column} IS NOT NULL) NOT VALID and VALIDATE it, then SET NOT NULL needs no scan (PostgreSQL 12+), then drop the check"),
                ));
            }
        }
        Op::DropIndex {
            names,
            concurrently,
        } => {
            let keys: Vec<String> = names.iter().map(k).collect();
            let on_new = !keys.is_empty()
                && keys.iter().all(|i| {
                    state.indexes.get(i).is_some_and(|t| state.new.contains(t))
                });
            let on_partitioned = keys.iter().any(|i| {
                state
                    .indexes
                    .get(i)
                    .is_some_and(|t| state.partitioned.contains(t))
            });
            if pg && !concurrently && !on_new && on_partitioned {
                found.push((
                    Warning,
                    IndexNotConcurrent,
                    format!("drops index {} of a partitioned table, which PostgreSQL cannot do CONCURRENTLY: reads and writes to it wait (ACCESS EXCLUSIVE) until it is gone", keys.join(", ")),
                ));
            } else if pg && !concurrently && !on_new {
                found.push((
                    Error,
                    IndexNotConcurrent,
                    format!("drops index {} without CONCURRENTLY; reads and writes to its table wait (ACCESS EXCLUSIVE) until it is gone (use DROP INDEX CONCURRENTLY in a `-- sqlshift:no-transaction` migration)", keys.join(", ")),
                ));
            }
            if pg && *concurrently {
                concurrent_in_tx(state, "DROP INDEX CONCURRENTLY", found);
            }
            for i in &keys {
                state.indexes.remove(i);
            }
        }
        Op::Reindex if pg => found.push((
            Error,
            IndexNotConcurrent,
            "REINDEX without CONCURRENTLY: writes wait while each index is rebuilt, and reads that use it wait too (use REINDEX … CONCURRENTLY, PostgreSQL 12+)".into(),
        )),
        Op::Reindex => {}
        Op::Rewrite { table, what } if pg => {
            let on = table.as_ref().map(|t| format!(" {}", k(t))).unwrap_or_default();
            found.push((
                Error,
                TableRewrite,
                format!("{what} rewrites{on} under an ACCESS EXCLUSIVE lock: reads and writes wait until it ends (pg_repack rebuilds a table online)"),
            ))
        }
        Op::Rewrite { table, what } if mysql => {
            let on = table.as_ref().map(|t| format!(" {}", k(t))).unwrap_or_default();
            found.push((
                Warning,
                TableRewrite,
                format!("{what} copies the table{on} (ALGORITHM=COPY): writes wait until it ends"),
            ))
        }
        Op::Rewrite { .. } => {}
        Op::RefreshBlocking { view } if pg => found.push((
            Warning,
            AccessExclusiveLock,
            format!("REFRESH MATERIALIZED VIEW {} without CONCURRENTLY: reads of the view wait (ACCESS EXCLUSIVE) until it is rebuilt (CONCURRENTLY needs a unique index on it)", k(view)),
        )),
        Op::RefreshBlocking { .. } => {}
        Op::LockTimeoutOff if pg => found.push((
            Error,
            LockTimeoutOff,
            "switches lock_timeout off: a later statement waiting for a table lock queues every query on the table behind it, without limit (keep the lock_timeout `sqlshift migrate` sets, or SET a short one)".into(),
        )),
        Op::LockTimeoutOff => {}
        Op::CreateIndex {
            table,
            name,
            unique,
            concurrently,
        } => {
            let t = k(table);
            if let Some(n) = name {
                let q = QName {
                    schema: table.schema.clone(),
                    name: n.clone(),
                };
                state.indexes.insert(k(&q), t.clone());
            }
            if pg && *concurrently {
                concurrent_in_tx(state, "CREATE INDEX CONCURRENTLY", found);
            }
            if !state.new.contains(&t) {
                let n = name.as_ref().map(|n| format!("{n} ")).unwrap_or_default();
                if *unique {
                    found.push((
                        Warning,
                        MayFail,
                        format!(
                            "creates unique index {n}on {t}; fails if existing rows repeat a value"
                        ),
                    ));
                }
                if pg && !concurrently && state.partitioned.contains(&t) {
                    found.push((
                        Warning,
                        IndexNotConcurrent,
                        format!("builds index {n}on partitioned table {t}, which PostgreSQL cannot do CONCURRENTLY: writes to {t} wait until it is built (to avoid it: CREATE INDEX … ON ONLY {t}, build each partition's index CONCURRENTLY, then ALTER INDEX … ATTACH PARTITION each)"),
                    ));
                } else if pg && !concurrently {
                    found.push((
                        Error,
                        IndexNotConcurrent,
                        format!("builds index {n}on {t} without CONCURRENTLY; writes to {t} wait until it is built (use CREATE INDEX CONCURRENTLY in a `-- sqlshift:no-transaction` migration)"),
                    ));
                }
            }
        }
        Op::RenameTable { from, to } => {
            let (f, t) = (k(from), k(to));
            if !state.new.contains(&f) {
                found.push((
                    Error,
                    RenameBreaksClients,
                    format!("renames table {f} to {t}; application versions still running query {f} and fail (add the new table or a view first, switch the application, then drop the old name)"),
                ));
            }
            if let Some(cols) = state.tables.remove(&f) {
                state.tables.insert(t.clone(), cols);
            }
            if state.new.remove(&f) {
                state.new.insert(t);
            }
        }
        Op::RenameColumn { table, from, to } => {
            let t = k(table);
            if !state.new.contains(&t) {
                found.push((
                    Error,
                    RenameBreaksClients,
                    format!("renames column {t}.{from} to {to}; application versions still running use {from} and fail (add the new column, write both, switch readers, then drop the old one)"),
                ));
            }
            if let Some(cols) = state.tables.get_mut(&t) {
                if let Some(ty) = cols.remove(from) {
                    cols.insert(to.clone(), ty);
                }
            }
        }
        Op::Other => {}
    }
}

/// CONCURRENTLY fails inside a transaction block: the file must run outside one.
fn concurrent_in_tx(state: &State, what: &str, found: &mut Vec<(Severity, HazardCode, String)>) {
    if state.in_transaction {
        found.push((
            Severity::Error,
            HazardCode::ConcurrentInTransaction,
            format!("{what} cannot run inside a transaction block, and this migration runs in one; start the file with `{}`", script::NO_TRANSACTION),
        ));
    }
}

/// `new` (a migration `generate` wrote after `history`, in the same folder) with an
/// allow line above each statement lint reports an error on: generate writes only what
/// the user asked for and permitted (`--allow-destructive`, a rename hint, `online:
/// false`), so the file says which hazard that acceptance covers, and lints clean.
pub fn accept(history: &[LintFile], dialect: Option<&'static str>, new: &str) -> String {
    let mut files = history.to_vec();
    let name = "\0new".to_string();
    files.push(LintFile {
        name: name.clone(),
        text: new.to_string(),
    });
    let mut by_line: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
    for f in lint(&[Group { dialect, files }]) {
        if f.file == name && f.severity == Severity::Error {
            by_line.entry(f.line).or_default().push(f);
        }
    }
    if by_line.is_empty() {
        return new.to_string();
    }
    let mut out = String::with_capacity(new.len());
    for (i, line) in new.split_inclusive('\n').enumerate() {
        if let Some(found) = by_line.get(&(i + 1)) {
            for f in found {
                out.push_str(&format!("-- accepted: {}\n", f.message));
            }
            let codes: Vec<&str> = found.iter().map(|f| f.code).collect();
            out.push_str(&format!("-- {ALLOW} {}\n", codes.join(" ")));
        }
        out.push_str(line);
    }
    out
}

/// The number of error-level findings.
pub fn errors(findings: &[Finding]) -> usize {
    findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dialect: Option<&'static str>, files: &[&str]) -> Vec<(usize, &'static str)> {
        findings(dialect, files)
            .into_iter()
            .map(|(line, code, _)| (line, code))
            .collect()
    }

    /// Line, code and whether it is an error, for each finding.
    fn findings(dialect: Option<&'static str>, files: &[&str]) -> Vec<(usize, &'static str, bool)> {
        let g = Group {
            dialect,
            files: files
                .iter()
                .enumerate()
                .map(|(i, t)| LintFile {
                    name: format!("{i}.up.sql"),
                    text: t.to_string(),
                })
                .collect(),
        };
        lint(&[g])
            .into_iter()
            .map(|f| (f.line, f.code, f.severity == Severity::Error))
            .collect()
    }

    #[test]
    fn a_table_created_in_the_same_file_is_empty() {
        let f = run(
            Some("postgres"),
            &["CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN a INT NOT NULL;\nCREATE INDEX t_a ON t (a);\nDROP TABLE t;\n"],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn a_partitioned_table_has_only_the_plain_forms() {
        let f = findings(Some("postgres"), &[
            "CREATE TABLE r (id INT PRIMARY KEY);\nCREATE TABLE m (id INT, r INT, at DATE) PARTITION BY RANGE (at);\nCREATE INDEX m_at ON m (at);",
            "CREATE INDEX m_r ON m (r);\nALTER TABLE m ADD CONSTRAINT m_u UNIQUE (id, at);\nALTER TABLE m ADD CONSTRAINT m_fk FOREIGN KEY (r) REFERENCES r (id);\nDROP INDEX m_at;\nCREATE INDEX r_x ON r (id);",
        ]);
        assert_eq!(
            f,
            vec![
                (1, "index-not-concurrent", false),
                (2, "may-fail", false),
                (2, "access-exclusive-lock", false),
                (3, "may-fail", false),
                (4, "index-not-concurrent", false),
                (5, "index-not-concurrent", true),
            ]
        );
    }

    #[test]
    fn existing_tables_are_populated() {
        let f = run(
            Some("postgres"),
            &[
                "CREATE TABLE t (id INT, name VARCHAR(50));",
                "ALTER TABLE t ADD COLUMN a INT NOT NULL;\nCREATE INDEX t_a ON t (a);\nALTER TABLE t ALTER COLUMN name TYPE VARCHAR(10);\nALTER TABLE t ALTER COLUMN name TYPE TEXT;\n",
            ],
        );
        assert_eq!(
            f,
            vec![
                (1, "not-null-without-default"),
                (2, "index-not-concurrent"),
                (3, "data-loss")
            ]
        );
    }

    #[test]
    fn allow_suppresses_one_finding_and_unused_allows_are_reported() {
        let f = run(
            None,
            &["-- sqlshift:allow data-loss\nDROP TABLE a;\n-- sqlshift:allow data-loss\nCREATE TABLE b (id INT);\nDROP TABLE c;\n"],
        );
        assert_eq!(f, vec![(3, "unused-allow"), (5, "data-loss")]);
    }

    const BASE: &str = "CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (id int NOT NULL, parent_id int, email text, code int, note text);\nCREATE INDEX child_email_idx ON child (email);\nCREATE MATERIALIZED VIEW mv AS SELECT 1;\nCREATE TABLE v (s varchar(10));\n";

    /// Each unsafe PostgreSQL statement against a table with rows, with the code it gets.
    #[test]
    fn postgres_online_rules() {
        let cases: &[(&str, &[&str])] = &[
            ("ALTER TABLE child ADD CONSTRAINT fk FOREIGN KEY (parent_id) REFERENCES parent (id);", &["may-fail", "constraint-not-valid"]),
            ("ALTER TABLE child ADD CONSTRAINT c CHECK (code > 0);", &["may-fail", "constraint-not-valid"]),
            ("ALTER TABLE child ADD CONSTRAINT u UNIQUE (code);", &["may-fail", "unique-without-index"]),
            ("ALTER TABLE child ADD PRIMARY KEY (id);", &["may-fail", "unique-without-index"]),
            ("ALTER TABLE child ALTER COLUMN email SET NOT NULL;", &["may-fail", "set-not-null-scan"]),
            ("DROP INDEX child_email_idx;", &["index-not-concurrent"]),
            ("DROP INDEX CONCURRENTLY child_email_idx;", &["concurrent-in-transaction"]),
            ("CREATE INDEX CONCURRENTLY i ON child (code);", &["concurrent-in-transaction"]),
            ("REINDEX TABLE child;", &["index-not-concurrent"]),
            ("ALTER TABLE child ALTER COLUMN code TYPE bigint;", &["table-rewrite"]),
            ("ALTER TABLE child ADD COLUMN u uuid DEFAULT gen_random_uuid();", &["table-rewrite"]),
            ("ALTER TABLE child ADD COLUMN s bigserial;", &["table-rewrite"]),
            ("ALTER TABLE child ADD COLUMN g int GENERATED ALWAYS AS (code * 2) STORED;", &["table-rewrite"]),
            ("ALTER TABLE child ADD COLUMN f int DEFAULT my_func();", &["table-rewrite"]),
            ("VACUUM FULL child;", &["table-rewrite"]),
            ("VACUUM (FULL, ANALYZE) child;", &["table-rewrite"]),
            ("CLUSTER child USING child_email_idx;", &["table-rewrite"]),
            ("ALTER TABLE child SET UNLOGGED;", &["table-rewrite"]),
            ("REFRESH MATERIALIZED VIEW mv;", &["access-exclusive-lock"]),
            ("SET lock_timeout = 0;", &["lock-timeout-off"]),
            ("RESET lock_timeout;", &["lock-timeout-off"]),
            ("RESET ALL;", &["lock-timeout-off"]),
        ];
        for (sql, want) in cases {
            let got: Vec<&str> = run(Some("postgres"), &[BASE, sql])
                .into_iter()
                .map(|(_, c)| c)
                .collect();
            assert_eq!(&got, want, "{sql}");
        }
    }

    /// The online forms of the same changes (sqlshift's own output) lint clean, but for the
    /// may-fail warning a unique index on rows keeps (duplicates make it fail).
    #[test]
    fn online_forms_lint_clean() {
        let safe = [
            "ALTER TABLE public.child ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.parent (id) NOT VALID;\nALTER TABLE public.child VALIDATE CONSTRAINT child_parent_id_fkey;\n",
            "-- sqlshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY child_code_key ON public.child (code);\nALTER TABLE public.child ADD CONSTRAINT child_code_key UNIQUE USING INDEX child_code_key;\nCREATE UNIQUE INDEX CONCURRENTLY child_pkey ON public.child (id);\nALTER TABLE public.child ADD CONSTRAINT child_pkey PRIMARY KEY USING INDEX child_pkey;\n",
            "ALTER TABLE public.child ADD CONSTRAINT child_email_sqlshift_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE public.child VALIDATE CONSTRAINT child_email_sqlshift_not_null;\nALTER TABLE public.child ALTER COLUMN email SET NOT NULL;\nALTER TABLE public.child DROP CONSTRAINT child_email_sqlshift_not_null;\n",
            "-- sqlshift:no-transaction\nCREATE INDEX CONCURRENTLY child_email_idx_sqlshift_new ON public.child ((lower(email)));\nDROP INDEX CONCURRENTLY public.child_email_idx;\nALTER INDEX public.child_email_idx_sqlshift_new RENAME TO child_email_idx;\nALTER TABLE public.child RENAME CONSTRAINT a TO b;\nREINDEX INDEX CONCURRENTLY child_email_idx;\n",
            "ALTER TABLE v ALTER COLUMN s TYPE varchar(20);\nALTER TABLE v ALTER COLUMN s TYPE text USING s::text;\nALTER TABLE child ALTER COLUMN note TYPE text USING note::text;\nALTER TABLE child ADD COLUMN t timestamptz DEFAULT now();\nSET lock_timeout = '2s';\nREFRESH MATERIALIZED VIEW CONCURRENTLY mv;\n",
        ];
        for sql in safe {
            let mut f = run(Some("postgres"), &[BASE, sql]);
            f.retain(|(_, c)| *c != "may-fail");
            assert!(f.is_empty(), "{sql}\n{f:?}");
        }
    }

    /// SQLite's rebuild (create, copy, drop, rename) keeps the rows: its DROP TABLE is no
    /// loss, unless the new table lacks a column of the old one.
    #[test]
    fn a_rebuild_drops_only_the_columns_it_leaves_out() {
        let base = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);";
        let rebuild = |cols: &str| {
            format!("CREATE TABLE \"_sqlshift_new_t\" ({cols});\nINSERT INTO \"_sqlshift_new_t\" (id, a) SELECT id, a FROM t;\nDROP TABLE t;\nALTER TABLE \"_sqlshift_new_t\" RENAME TO t;\n")
        };
        let kept = rebuild("id INTEGER PRIMARY KEY, a TEXT NOT NULL, b TEXT");
        assert_eq!(
            run(Some("sqlite"), &[base, &kept]),
            vec![(3, "table-rewrite")]
        );
        let lost = rebuild("id INTEGER PRIMARY KEY, a TEXT");
        assert_eq!(
            run(Some("sqlite"), &[base, &lost]),
            vec![(3, "data-loss"), (3, "table-rewrite")]
        );
        // Renaming a table created here to a name nothing dropped is no rebuild.
        assert_eq!(
            run(
                Some("sqlite"),
                &[
                    base,
                    "DROP TABLE t;\nCREATE TABLE u (id INT);\nALTER TABLE u RENAME TO v;"
                ]
            ),
            vec![(1, "data-loss")]
        );
    }

    #[test]
    fn accept_writes_an_allow_line_above_each_error_and_then_lints_clean() {
        let history = vec![LintFile {
            name: "1.up.sql".into(),
            text: "CREATE TABLE t (id INT, a INT);".into(),
        }];
        let new = "-- 1. column t.a (drop column)\nALTER TABLE t DROP COLUMN a;\n";
        let out = accept(&history, Some("postgres"), new);
        assert_eq!(out, "-- 1. column t.a (drop column)\n-- accepted: drops column public.t.a and its values\n-- sqlshift:allow data-loss\nALTER TABLE t DROP COLUMN a;\n");
        let mut files = history.clone();
        files.push(LintFile {
            name: "2.up.sql".into(),
            text: out,
        });
        assert!(lint(&[Group {
            dialect: Some("postgres"),
            files
        }])
        .is_empty());
    }
}
