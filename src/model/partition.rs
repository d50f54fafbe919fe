//! PostgreSQL partitioning: a partitioned table's key, a partition's parent and bound.

use super::{IndexPart, QName};
use serde::Serialize;
use std::fmt;

/// `PARTITION BY RANGE|LIST|HASH (part, …)`: how rows are routed to partitions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionKey {
    /// `RANGE`, `LIST` or `HASH`.
    pub strategy: String,
    /// Columns or expressions, with a collation or operator class where not the default.
    pub parts: Vec<IndexPart>,
}

/// A partition's parent and the values it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionOf {
    pub parent: QName,
    pub bound: PartitionBound,
}

/// `FOR VALUES …` or `DEFAULT`. Values are SQL text as PostgreSQL prints them for the
/// key's type (`'2025-01-01'`, `7`, `'-1'`, `NULL`, `MINVALUE`): a schema file's values
/// are brought to that form by the normalizer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PartitionBound {
    Default,
    In(Vec<String>),
    Range { from: Vec<String>, to: Vec<String> },
    Hash { modulus: u64, remainder: u64 },
}

impl fmt::Display for PartitionBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionBound::Default => f.write_str("DEFAULT"),
            PartitionBound::In(v) => write!(f, "FOR VALUES IN ({})", v.join(", ")),
            PartitionBound::Range { from, to } => write!(
                f,
                "FOR VALUES FROM ({}) TO ({})",
                from.join(", "),
                to.join(", ")
            ),
            PartitionBound::Hash { modulus, remainder } => write!(
                f,
                "FOR VALUES WITH (MODULUS {modulus}, REMAINDER {remainder})"
            ),
        }
    }
}

/// An index by its table and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IndexRef {
    pub table: QName,
    pub name: String,
}
