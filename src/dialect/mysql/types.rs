//! MySQL spellings of canonical types and identifier quoting.

use crate::model::DataType;

/// Backticks around every identifier, as `SHOW CREATE TABLE` writes them.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

pub fn type_sql(t: &DataType) -> String {
    use DataType::*;
    match t {
        Integer => "int".into(),
        // FLOAT4 is MySQL's FLOAT; plain FLOAT would read back as DOUBLE PRECISION.
        Real => "float4".into(),
        Double => "double".into(),
        Numeric(Some((p, s))) => format!("decimal({p},{})", s.unwrap_or(0)),
        Numeric(None) => "decimal(65,30)".into(),
        Boolean => "tinyint(1)".into(),
        Varchar(None) => "text".into(),
        Char(n) => format!("char({})", n.unwrap_or(1)),
        Bytes => "longblob".into(),
        Time { .. } => "time".into(),
        Timestamp { tz, precision } => {
            let base = if *tz { "timestamp" } else { "datetime" };
            match precision {
                Some(p) => format!("{base}({p})"),
                None => base.into(),
            }
        }
        Json | Jsonb => "json".into(),
        Uuid => "char(36)".into(),
        Array(_) => "json".into(),
        Unsigned(inner) => format!("{} unsigned", type_sql(inner)),
        other => other.to_string(),
    }
}

/// True when MySQL can change the type in place (no table copy): widening a VARCHAR
/// within the same length-byte class, or only changing ENUM/SET by appending values.
pub fn in_place(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    match (from, to) {
        (Varchar(Some(a)), Varchar(Some(b))) => b >= a && ((*a < 64) == (*b < 64)),
        (InlineEnum(a), InlineEnum(b)) | (Set(a), Set(b)) => b.starts_with(a),
        _ => from == to,
    }
}
