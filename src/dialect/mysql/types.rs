//! MySQL spellings of canonical types and identifier quoting.

use crate::model::DataType;

/// Backticks around every identifier, as `SHOW CREATE TABLE` writes them.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal as MySQL reads it with its default `sql_mode`: a backslash starts an
/// escape there, so it is doubled; a quote is doubled (which also holds under
/// `NO_BACKSLASH_ESCAPES`, and sqlshift's sessions turn that mode off; see `open`).
pub fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An expression kept in the schema language (`Expr::sql`), spelled for MySQL: string
/// literals re-escaped, quoted identifiers in backticks, comments dropped.
pub fn expr_sql(sql: &str) -> String {
    let q = crate::parse::Quoting {
        literal: &literal,
        ident: &quote,
    };
    // A bare name may be a MySQL keyword (`key`, `value`, `type`): every bare name is
    // quoted, as MySQL itself prints views.
    let sql = crate::parse::quote_all_keep_alias_case(sql);
    // `Expr::sql` always comes out of a parse, so it tokenizes; should it not, an
    // expression that cannot run is safer than passing text through.
    crate::parse::requote(&sql, &q).unwrap_or_else(|_| "(sqlshift: unreadable expression)".into())
}

pub fn type_sql(t: &DataType) -> String {
    use DataType::*;
    match t {
        InlineEnum(v) | Set(v) => format!(
            "{}({})",
            if matches!(t, InlineEnum(_)) {
                "enum"
            } else {
                "set"
            },
            v.iter().map(|x| literal(x)).collect::<Vec<_>>().join(",")
        ),
        Integer => "int".into(),
        // In a MySQL file FLOAT is MySQL's 4-byte type (see `normalize::native_meaning`).
        Real => "float".into(),
        Double => "double".into(),
        Numeric(Some((p, s))) => format!("decimal({p},{})", s.unwrap_or(0)),
        Numeric(None) => "decimal(65,30)".into(),
        Boolean => "tinyint(1)".into(),
        Varchar(None) => "text".into(),
        Char(n) => format!("char({})", n.unwrap_or(1)),
        Bytes => "longblob".into(),
        Time { precision, .. } => match precision {
            Some(p) => format!("time({p})"),
            None => "time".into(),
        },
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
