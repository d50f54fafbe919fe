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
use crate::parse::statement::{statement_ops, Op};
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
    /// Tables created by the file being linted (still empty while it runs).
    new: BTreeSet<String>,
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
    let lines: Vec<&str> = f.text.lines().collect();
    for stmt in script::split(&f.text) {
        let mut found: Vec<(Severity, HazardCode, String)> = Vec::new();
        match statement_ops(&stmt.sql, dialect == Some("mysql")) {
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
    match op {
        Op::CreateTable { table, columns } => {
            let t = k(table);
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
            if !state.new.contains(&t) {
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
                    (Some(_), Some(_)) => {}
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
        Op::AddUnique { table, name } => {
            let t = k(table);
            if !state.new.contains(&t) {
                found.push((
                    Warning,
                    MayFail,
                    format!(
                        "adds unique constraint {}on {t}; fails if existing rows repeat a value",
                        name.as_ref().map(|n| format!("{n} ")).unwrap_or_default()
                    ),
                ));
            }
        }
        Op::CreateIndex {
            table,
            name,
            unique,
            concurrently,
        } => {
            let t = k(table);
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
                if dialect == Some("postgres") && !concurrently {
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
        lint(&[g]).into_iter().map(|f| (f.line, f.code)).collect()
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
}
