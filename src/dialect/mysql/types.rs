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
        Zerofill(inner, width) => format!(
            "{}{} unsigned zerofill",
            type_sql(inner),
            width.map(|w| format!("({w})")).unwrap_or_default()
        ),
        other => other.to_string(),
    }
}

/// MySQL's `ZEROFILL` and `FLOAT(M,D)`/`DOUBLE(M,D)`, which the canonical reading of a type
/// spelling leaves out. `spelling` is the type as a file writes it or as `COLUMN_TYPE`
/// shows it; `parsed` is what the canonical reading made of it.
pub fn native_digits(spelling: &str, parsed: DataType) -> DataType {
    use DataType::*;
    let lower = spelling.to_ascii_lowercase();
    let (head, args): (&str, Vec<Option<u32>>) = match lower.find('(') {
        Some(at) => {
            let close = lower[at..].find(')').map_or(lower.len(), |c| at + c);
            let args = lower[at + 1..close]
                .split(',')
                .map(|a| a.trim().parse().ok())
                .collect();
            (&lower[..at], args)
        }
        None => (&lower, Vec::new()),
    };
    let zerofill = lower.split_whitespace().any(|w| w == "zerofill");
    let base: Vec<&str> = head
        .split_whitespace()
        .filter(|w| !matches!(*w, "unsigned" | "signed" | "zerofill"))
        .collect();
    let base = base.join(" ");
    let (mut ty, unsigned) = match parsed {
        Unsigned(inner) => (*inner, true),
        t => (t, false),
    };
    if let ("float" | "double" | "double precision" | "real", [Some(m), Some(d)]) =
        (base.as_str(), args.as_slice())
    {
        ty = FloatDigits {
            double: base != "float",
            digits: *m,
            decimals: *d,
        };
    }
    if !zerofill {
        return if unsigned { Unsigned(Box::new(ty)) } else { ty };
    }
    if ty == Boolean {
        ty = TinyInt;
    }
    // MySQL's display width of an unsigned integer type, when none is written.
    let default_width = match ty {
        TinyInt => Some(3),
        SmallInt => Some(5),
        MediumInt => Some(8),
        Integer => Some(10),
        BigInt => Some(20),
        _ => None,
    };
    let width = default_width.map(|w| args.first().copied().flatten().unwrap_or(w));
    Zerofill(Box::new(ty), width)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zerofill_and_float_digits_read_from_either_spelling() {
        let read = |s: &str| {
            let parsed = crate::parse::data_type(s).unwrap_or(DataType::Text);
            type_sql(&native_digits(s, parsed))
        };
        // As a file writes them, and as COLUMN_TYPE shows them: one type.
        assert_eq!(read("INT(6) UNSIGNED ZEROFILL"), "int(6) unsigned zerofill");
        assert_eq!(read("int(6) unsigned zerofill"), "int(6) unsigned zerofill");
        assert_eq!(read("INTEGER ZEROFILL"), "int(10) unsigned zerofill");
        assert_eq!(
            read("DECIMAL(6,2) ZEROFILL"),
            "decimal(6,2) unsigned zerofill"
        );
        assert_eq!(read("FLOAT(7,3)"), "float(7,3)");
        assert_eq!(read("DOUBLE(12,4) UNSIGNED"), "double(12,4) unsigned");
        assert_eq!(read("REAL(8,2)"), "double(8,2)");
        assert_eq!(read("INT(11) UNSIGNED"), "int unsigned");
    }
}
