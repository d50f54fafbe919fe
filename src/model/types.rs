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
        precision: Option<u32>,
    },
    Timestamp {
        tz: bool,
        precision: Option<u32>,
    },
    Interval,
    Uuid,
    Json,
    Jsonb,
    /// A user-defined type (an enum, a domain, a composite or range type) or an
    /// extension's type.
    Named(QName),
    /// A built-in type sqlshift passes through by name (`inet`, `money`, …).
    Other(String),
    Array(Box<DataType>),
    /// MySQL integer sizes and modifiers.
    TinyInt,
    MediumInt,
    Unsigned(Box<DataType>),
    /// MySQL's inline `ENUM('a', …)` and `SET('a', …)` column types.
    InlineEnum(Vec<String>),
    Set(Vec<String>),
    Year,
    Binary(Option<u32>),
    VarBinary(Option<u32>),
    Bit(Option<u32>),
    /// `TINYTEXT`/`MEDIUMTEXT`/`LONGTEXT` (plain `TEXT` is [`DataType::Text`]).
    SizedText(Size),
    /// `TINYBLOB`/`BLOB`/`MEDIUMBLOB`/`LONGBLOB`.
    SizedBlob(Size),
    /// MySQL's `FLOAT(M,D)` and `DOUBLE(M,D)`: values are rounded to `decimals` digits
    /// after the point, `digits` in all.
    FloatDigits {
        double: bool,
        digits: u32,
        decimals: u32,
    },
    /// MySQL's `ZEROFILL` (which makes the type UNSIGNED) on the type inside: values are
    /// shown padded with zeros, an integer to its display width (the second value, MySQL's
    /// default filled in; `None` for other types).
    Zerofill(Box<DataType>, Option<u32>),
}

/// The size classes of MySQL's text and blob types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Size {
    Tiny,
    Regular,
    Medium,
    Long,
}

impl Size {
    pub fn prefix(self) -> &'static str {
        match self {
            Size::Tiny => "tiny",
            Size::Regular => "",
            Size::Medium => "medium",
            Size::Long => "long",
        }
    }
}

impl DataType {
    /// True when a change from `self` to `to` may not keep every value.
    pub fn is_narrowing_to(&self, to: &DataType) -> bool {
        use DataType::*;
        let rank = |t: &DataType| match t {
            TinyInt => Some(0),
            SmallInt => Some(1),
            MediumInt => Some(2),
            Integer => Some(3),
            BigInt => Some(4),
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
            (InlineEnum(a), InlineEnum(b)) | (Set(a), Set(b)) => a.iter().any(|v| !b.contains(v)),
            (SizedText(a), SizedText(b)) | (SizedBlob(a), SizedBlob(b)) => (*b as u8) < (*a as u8),
            (SizedText(_), Text) => false,
            (Text | Varchar(_) | Char(_), SizedText(Size::Long)) => false,
            (VarBinary(Some(a)), VarBinary(Some(b))) => b < a,
            (Unsigned(a), Unsigned(b)) | (Zerofill(a, _), Zerofill(b, _)) => a.is_narrowing_to(b),
            (
                FloatDigits {
                    double: d1,
                    digits: m1,
                    decimals: s1,
                },
                FloatDigits {
                    double: d2,
                    digits: m2,
                    decimals: s2,
                },
            ) => (*d1 && !d2) || s2 < s1 || m2.saturating_sub(*s2) < m1.saturating_sub(*s1),
            (FloatDigits { double: false, .. }, Real | Double)
            | (FloatDigits { double: true, .. }, Double) => false,
            // Negative values do not fit an unsigned type.
            (a, Unsigned(_)) if rank(a).is_some() => true,
            (Unsigned(a), b) if rank(b).is_some() => rank(b) <= rank(a),
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
            Time { tz, precision } => {
                f.write_str(if *tz { "timetz" } else { "time" })?;
                if let Some(p) = precision {
                    write!(f, "({p})")?;
                }
                Ok(())
            }
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
            TinyInt => f.write_str("tinyint"),
            MediumInt => f.write_str("mediumint"),
            Unsigned(inner) => write!(f, "{inner} unsigned"),
            InlineEnum(v) | Set(v) => {
                f.write_str(if matches!(self, InlineEnum(_)) {
                    "enum("
                } else {
                    "set("
                })?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "'{}'", x.replace('\'', "''"))?;
                }
                f.write_str(")")
            }
            Year => f.write_str("year"),
            Binary(n) | VarBinary(n) | Bit(n) => {
                f.write_str(match self {
                    Binary(_) => "binary",
                    VarBinary(_) => "varbinary",
                    _ => "bit",
                })?;
                match n {
                    Some(n) => write!(f, "({n})"),
                    None => Ok(()),
                }
            }
            SizedText(s) => write!(f, "{}text", s.prefix()),
            SizedBlob(s) => write!(f, "{}blob", s.prefix()),
            FloatDigits {
                double,
                digits,
                decimals,
            } => write!(
                f,
                "{}({digits},{decimals})",
                if *double { "double" } else { "float" }
            ),
            Zerofill(inner, width) => {
                write!(f, "{inner}")?;
                if let Some(w) = width {
                    write!(f, "({w})")?;
                }
                f.write_str(" unsigned zerofill")
            }
        }
    }
}
