//! SQL expressions as the model keeps them: the text to write, and a canonical form to compare.

use serde::Serialize;

/// An expression (default, check, index key, predicate, view query).
///
/// `sql` is the text as one side spelled it and is what gets rendered; `canon` is the
/// normalized form that both a parsed file and a catalog produce for the same expression,
/// and is the only thing equality looks at.
#[derive(Debug, Clone, Eq, Serialize)]
pub struct Expr {
    pub sql: String,
    #[serde(skip)]
    pub canon: String,
}

impl Expr {
    pub fn new(sql: impl Into<String>, canon: impl Into<String>) -> Self {
        Expr {
            sql: sql.into(),
            canon: canon.into(),
        }
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.canon == other.canon
    }
}
