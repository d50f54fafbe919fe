//! Where a schema comes from: SQL files and folders, or a live database URL.

use crate::dialect::{self, Connection, DbError, Dialect};
use crate::model::Schema;
use crate::parse::{self, ParseError};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub enum Source {
    Files(Vec<PathBuf>),
    Url(String),
}

impl Source {
    /// A URL if it has a scheme sqlshift knows, otherwise a path.
    pub fn from_arg(s: &str) -> Source {
        if s.starts_with("sqlite:") || s.contains("://") {
            Source::Url(s.to_string())
        } else {
            Source::Files(vec![PathBuf::from(s)])
        }
    }

    pub fn dialect(&self) -> Option<Result<&'static dyn Dialect, DbError>> {
        match self {
            Source::Url(u) => Some(dialect::dialect_for_url(u)),
            Source::Files(_) => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A loaded schema plus what normalization had to say about it.
pub struct Loaded {
    pub schema: Schema,
    pub notes: Vec<String>,
    /// Statements of the files that sqlshift recognised and left alone.
    pub skipped: Vec<parse::Skipped>,
}

/// One line for the statements left alone, grouped by kind: "2 functions, 1 trigger".
pub fn skipped_note(skipped: &[parse::Skipped]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in skipped {
        *counts.entry(s.kind).or_default() += 1;
    }
    let mut groups: Vec<(&str, usize)> = counts.into_iter().collect();
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = groups
        .iter()
        .map(|(k, n)| match n {
            1 => format!("1 {k}"),
            n => format!("{n} {}", plural(k)),
        })
        .collect();
    Some(format!(
        "not managed in the schema files, left as they are: {} (run with --verbose to list them)",
        list.join(", ")
    ))
}

/// Each statement left alone, for `--verbose`.
pub fn skipped_list(skipped: &[parse::Skipped]) -> Vec<String> {
    skipped
        .iter()
        .map(|s| format!("not managed: {}: {}: {}", s.loc, s.kind, s.summary))
        .collect()
}

fn plural(kind: &str) -> String {
    match kind {
        "query" => "queries".into(),
        "transaction control" => "transaction control statements".into(),
        "table lock" => "table locks".into(),
        "statement on an unmanaged table" => "statements on unmanaged tables".into(),
        "object with a clause not managed yet" => "objects with a clause not managed yet".into(),
        "privilege on an unmanaged object" => "privileges on unmanaged objects".into(),
        "default privilege on unmanaged objects" => {
            "default privileges on unmanaged objects".into()
        }
        "owner of an unmanaged object" => "owners of unmanaged objects".into(),
        "privilege of a role not in privileges.roles" => {
            "privileges of roles not in privileges.roles".into()
        }
        k if k.ends_with("ss") || k.ends_with('x') => format!("{k}es"),
        k if k.ends_with('y') && !k.ends_with("ey") => format!("{}ies", &k[..k.len() - 1]),
        k => format!("{k}s"),
    }
}

/// Parses files and normalizes them for `dialect`.
pub fn load_files(paths: &[PathBuf], dialect: &dyn Dialect) -> Result<Loaded, ParseError> {
    load_files_access(paths, dialect, &crate::model::Access::default())
}

/// [`load_files`], reading the privileges and owners `access` manages.
pub fn load_files_access(
    paths: &[PathBuf],
    dialect: &dyn Dialect,
    access: &crate::model::Access,
) -> Result<Loaded, ParseError> {
    let sources = parse::read_sources(paths)?;
    let target = parse::Target::of(dialect.name());
    let (parsed, skipped) = parse::parse_schema_access(&sources, true, target, access)?;
    let mut notes = Vec::new();
    let schema = dialect::prepare(parsed, dialect, &mut notes);
    dialect::check_name_lengths(&schema, dialect, &sources)?;
    notes.extend(skipped_note(&skipped));
    Ok(Loaded {
        schema,
        notes,
        skipped,
    })
}

pub async fn load(source: &Source, dialect: &dyn Dialect) -> Result<Loaded, SourceError> {
    load_access(source, dialect, &crate::model::Access::default()).await
}

/// [`load`], keeping the privileges and owners `access` manages.
pub async fn load_access(
    source: &Source,
    dialect: &dyn Dialect,
    access: &crate::model::Access,
) -> Result<Loaded, SourceError> {
    match source {
        Source::Files(p) => Ok(load_files_access(p, dialect, access)?),
        Source::Url(u) => {
            let mut conn = dialect::connect(u).await?.with_access(access.clone());
            let schema = conn.introspect().await?;
            Ok(Loaded {
                schema,
                notes: Vec::new(),
                skipped: Vec::new(),
            })
        }
    }
}

pub async fn connect(url: &str) -> Result<Connection, DbError> {
    dialect::connect(url).await
}
