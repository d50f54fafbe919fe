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
}

/// Parses files and normalizes them for `dialect`.
pub fn load_files(paths: &[PathBuf], dialect: &dyn Dialect) -> Result<Loaded, ParseError> {
    let sources = parse::read_sources(paths)?;
    let parsed = parse::parse_schema(&sources)?;
    let mut notes = Vec::new();
    let schema = dialect::prepare(parsed, dialect, &mut notes);
    dialect::check_name_lengths(&schema, dialect, &sources)?;
    Ok(Loaded { schema, notes })
}

pub async fn load(source: &Source, dialect: &dyn Dialect) -> Result<Loaded, SourceError> {
    match source {
        Source::Files(p) => Ok(load_files(p, dialect)?),
        Source::Url(u) => {
            let mut conn = dialect::connect(u).await?;
            let schema = conn.introspect().await?;
            Ok(Loaded {
                schema,
                notes: Vec::new(),
            })
        }
    }
}

pub async fn connect(url: &str) -> Result<Connection, DbError> {
    dialect::connect(url).await
}
