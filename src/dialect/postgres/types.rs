//! PostgreSQL spellings of canonical types.

use super::super::ansi;
use crate::model::{Column, DataType};

pub fn type_sql(t: &DataType) -> String {
    match t {
        DataType::Named(q) => ansi::qname(q),
        DataType::Array(inner) => format!("{}[]", type_sql(inner)),
        DataType::Timestamp { tz, precision } => {
            let p = precision.map(|p| format!("({p})")).unwrap_or_default();
            format!(
                "timestamp{p} {}",
                if *tz {
                    "with time zone"
                } else {
                    "without time zone"
                }
            )
        }
        DataType::Time { tz, precision } => format!(
            "time{} {}",
            precision.map(|p| format!("({p})")).unwrap_or_default(),
            if *tz {
                "with time zone"
            } else {
                "without time zone"
            }
        ),
        other => other.to_string(),
    }
}

/// The type as written in a column definition: serial columns use the serial pseudo-types.
pub fn column_type_sql(c: &Column) -> String {
    if c.serial {
        match c.data_type {
            DataType::SmallInt => return "smallserial".into(),
            DataType::Integer => return "serial".into(),
            DataType::BigInt => return "bigserial".into(),
            _ => {}
        }
    }
    type_sql(&c.data_type)
}

/// True when PostgreSQL changes the type without rewriting the table.
pub fn binary_coercible(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    match (from, to) {
        (Varchar(Some(a)), Varchar(Some(b))) => b >= a,
        (Varchar(_), Varchar(None)) | (Varchar(_), Text) | (Text, Varchar(None)) => true,
        (Numeric(Some((p1, s1))), Numeric(Some((p2, s2)))) => s1 == s2 && p2 >= p1,
        (Numeric(_), Numeric(None)) => true,
        _ => false,
    }
}

/// The `USING` expression converting `col` to `to`: a direct cast where PostgreSQL has
/// one, otherwise through text (every type has text input/output), so the statement is
/// always valid and only values that cannot convert make it fail.
pub fn conversion(col: &str, from: &DataType, to: &DataType) -> String {
    use DataType::*;
    let numeric =
        |t: &DataType| matches!(t, SmallInt | Integer | BigInt | Real | Double | Numeric(_));
    let texty = |t: &DataType| matches!(t, Text | Varchar(_) | Char(_));
    let temporal = |t: &DataType| matches!(t, Date | Timestamp { .. });
    let direct = (numeric(from) && numeric(to))
        || texty(from)
        || texty(to)
        || (temporal(from) && temporal(to))
        || matches!(
            (from, to),
            (Json | Jsonb, Json | Jsonb) | (Integer, Boolean) | (Boolean, Integer)
        );
    let ty = type_sql(to);
    if direct {
        format!("{col}::{ty}")
    } else {
        format!("{col}::text::{ty}")
    }
}
