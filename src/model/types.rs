//! Canonical column types. Dialects map these to and from their own spellings.

use super::QName;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum DataType {
    SmallInt,
    Integer,
    BigInt,
    Real,
    Double,
    /// `numeric(precision, scale)`; `None` for unconstrained.
    Numeric(Option<(u32, Option<u32>)>),
    Boolean,
    Text,
    Varchar(Option<u32>),
    Char(Option<u32>),
    Bytes,
    Date,
    Time {
        tz: bool,
    },
    Timestamp {
        tz: bool,
        precision: Option<u32>,
    },
    Interval,
    Uuid,
    Json,
    Jsonb,
    /// A user-defined type (an enum) or an extension's type.
    Named(QName),
    /// A built-in type sqlshift passes through by name (`inet`, `money`, …).
    Other(String),
    Array(Box<DataType>),
}

impl DataType {
    /// True when a change from `self` to `to` may not keep every value.
    pub fn is_narrowing_to(&self, to: &DataType) -> bool {
        use DataType::*;
        let rank = |t: &DataType| match t {
            SmallInt => Some(1),
            Integer => Some(2),
            BigInt => Some(3),
            _ => None,
        };
        match (self, to) {
            (a, b) if a == b => false,
            (a, b) if rank(a).is_some() && rank(b).is_some() => rank(a) > rank(b),
            (Real, Double) | (SmallInt | Integer, Numeric(None) | Double) => false,
            (Varchar(Some(a)), Varchar(Some(b))) | (Char(Some(a)), Char(Some(b))) => b < a,
            (Varchar(_) | Char(_), Text) | (Varchar(Some(_)), Varchar(None)) => false,
            (Numeric(Some((p1, s1))), Numeric(Some((p2, s2)))) => {
                p2 < p1 || s2.unwrap_or(0) < s1.unwrap_or(0)
            }
            (Numeric(Some(_)), Numeric(None)) => false,
            (Timestamp { .. }, Timestamp { .. }) => false,
            (Json, Jsonb) | (Jsonb, Json) => false,
            _ => true,
        }
    }
}

/// Canonical (PostgreSQL-flavoured) spelling, used in messages and JSON.
impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DataType::*;
        match self {
            SmallInt => f.write_str("smallint"),
            Integer => f.write_str("integer"),
            BigInt => f.write_str("bigint"),
            Real => f.write_str("real"),
            Double => f.write_str("double precision"),
            Numeric(None) => f.write_str("numeric"),
            Numeric(Some((p, None))) => write!(f, "numeric({p})"),
            Numeric(Some((p, Some(s)))) => write!(f, "numeric({p},{s})"),
            Boolean => f.write_str("boolean"),
            Text => f.write_str("text"),
            Varchar(None) => f.write_str("varchar"),
            Varchar(Some(n)) => write!(f, "varchar({n})"),
            Char(None) => f.write_str("char"),
            Char(Some(n)) => write!(f, "char({n})"),
            Bytes => f.write_str("bytea"),
            Date => f.write_str("date"),
            Time { tz: false } => f.write_str("time"),
            Time { tz: true } => f.write_str("timetz"),
            Timestamp { tz, precision } => {
                f.write_str(if *tz { "timestamptz" } else { "timestamp" })?;
                if let Some(p) = precision {
                    write!(f, "({p})")?;
                }
                Ok(())
            }
            Interval => f.write_str("interval"),
            Uuid => f.write_str("uuid"),
            Json => f.write_str("json"),
            Jsonb => f.write_str("jsonb"),
            Named(q) => write!(f, "{q}"),
            Other(s) => f.write_str(s),
            Array(inner) => write!(f, "{inner}[]"),
        }
    }
}
