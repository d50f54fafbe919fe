//! Type spellings → canonical [`DataType`]. Works on the printed type so that catalog
//! strings (`character varying(20)`) and parsed types go through one path.

use crate::model::{DataType, QName, Size};

/// Built-in PostgreSQL types sqlshift passes through by name.
const PASSTHROUGH: &[&str] = &[
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "money",
    "xml",
    "tsvector",
    "tsquery",
    "point",
    "line",
    "box",
    "circle",
    "polygon",
    "path",
    "bit",
    "oid",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "citext",
    "hstore",
    "lseg",
    "name",
    "pg_lsn",
    "pg_snapshot",
    "txid_snapshot",
    "jsonpath",
    "regclass",
    "regtype",
    "regproc",
    "regprocedure",
    "regnamespace",
    "regrole",
    "tid",
    "xid",
    "xid8",
    "cid",
    "int4multirange",
    "int8multirange",
    "nummultirange",
    "tsmultirange",
    "tstzmultirange",
    "datemultirange",
];

/// Maps a type spelling to the canonical type; the flag is true for `serial` types.
pub fn map_type(spelling: &str) -> Result<(DataType, bool), String> {
    let s = spelling.trim();
    // `int[]`, `int[3][3]`, `int ARRAY[3]`, `int ARRAY`: PostgreSQL keeps neither the
    // sizes nor the number of dimensions, so all are one array type.
    if let Some(inner) = array_element(s) {
        let (t, _) = map_type(inner)?;
        return Ok(match t {
            DataType::Array(_) => (t, false),
            t => (DataType::Array(Box::new(t)), false),
        });
    }
    let lower = s.to_lowercase();
    for suffix in [" zerofill", " unsigned"] {
        if let Some(inner) = lower.strip_suffix(suffix) {
            let (t, serial) = map_type(inner)?;
            return Ok(match t {
                DataType::Unsigned(_) => (t, serial),
                other => (DataType::Unsigned(Box::new(other)), serial),
            });
        }
    }
    for (prefix, set) in [("enum(", false), ("set(", true)] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            // Values keep their case: take them from the original spelling.
            let body = &s[prefix.len()..s.len().saturating_sub(1)];
            let _ = rest;
            let values = quoted_list(body)
                .ok_or_else(|| format!("cannot read the values of `{spelling}`"))?;
            return Ok((
                if set {
                    DataType::Set(values)
                } else {
                    DataType::InlineEnum(values)
                },
                false,
            ));
        }
    }
    // `interval(3)`, `interval day to second(2)`: the fields and precision, as the
    // catalog prints them.
    if let Some(fields) = lower.strip_prefix("interval") {
        let fields = fields.split_whitespace().collect::<Vec<_>>().join(" ");
        if !fields.is_empty() {
            let fields = fields
                .replace(" (", "(")
                .replace("( ", "(")
                .replace(" )", ")");
            let sep = if fields.starts_with('(') { "" } else { " " };
            return Ok((DataType::Other(format!("interval{sep}{fields}")), false));
        }
    }
    let (base, args, rest) = split_args(&lower);
    let base = base.trim();
    let with_tz = rest.contains("with time zone") && !rest.contains("without");
    let n = |i: usize| args.get(i).and_then(|a| a.trim().parse::<u32>().ok());
    let t = match base {
        "smallint" | "int2" => DataType::SmallInt,
        "smallserial" | "serial2" => return Ok((DataType::SmallInt, true)),
        "int" | "integer" | "int4" => DataType::Integer,
        "mediumint" | "middleint" | "int3" => DataType::MediumInt,
        "int1" => DataType::TinyInt,
        "serial" | "serial4" => return Ok((DataType::Integer, true)),
        "bigint" | "int8" => DataType::BigInt,
        "bigserial" | "serial8" => return Ok((DataType::BigInt, true)),
        "tinyint" if args.first().map(String::as_str) == Some("1") => DataType::Boolean,
        "tinyint" => DataType::TinyInt,
        "year" => DataType::Year,
        "binary" => DataType::Binary(n(0).or(Some(1))),
        "varbinary" => DataType::VarBinary(n(0)),
        "bit" if n(0).is_some() || args.is_empty() => DataType::Bit(n(0).or(Some(1))),
        "tinytext" => DataType::SizedText(Size::Tiny),
        "mediumtext" => DataType::SizedText(Size::Medium),
        "longtext" => DataType::SizedText(Size::Long),
        "tinyblob" => DataType::SizedBlob(Size::Tiny),
        "mediumblob" => DataType::SizedBlob(Size::Medium),
        "longblob" => DataType::SizedBlob(Size::Long),
        "real" | "float4" => DataType::Real,
        "double precision" | "double" | "float8" => DataType::Double,
        "float" => match n(0) {
            Some(p) if p <= 24 => DataType::Real,
            _ => DataType::Double,
        },
        "numeric" | "decimal" | "dec" | "fixed" => match n(0) {
            // `numeric(p)` is `numeric(p,0)` in every dialect that has it.
            Some(p) => DataType::Numeric(Some((p, n(1).or(Some(0))))),
            None => DataType::Numeric(None),
        },
        "boolean" | "bool" => DataType::Boolean,
        "text" | "clob" | "string" => DataType::Text,
        "varchar" | "character varying" | "nvarchar" | "varying character" => {
            DataType::Varchar(n(0))
        }
        "char" | "character" | "nchar" | "bpchar" => DataType::Char(n(0).or(Some(1))),
        "bytea" => DataType::Bytes,
        "blob" => DataType::SizedBlob(Size::Regular),
        "date" => DataType::Date,
        "time" => DataType::Time {
            tz: with_tz,
            precision: n(0),
        },
        "timetz" => DataType::Time {
            tz: true,
            precision: n(0),
        },
        "timestamp" | "datetime" => DataType::Timestamp {
            tz: with_tz,
            precision: n(0),
        },
        "timestamptz" => DataType::Timestamp {
            tz: true,
            precision: n(0),
        },
        "interval" => DataType::Interval,
        "uuid" => DataType::Uuid,
        "json" => DataType::Json,
        "jsonb" => DataType::Jsonb,
        "\"char\"" => DataType::Other("\"char\"".into()),
        // The catalog's spelling of `varbit`.
        "bit varying" | "varbit" => DataType::Other(match n(0) {
            Some(len) => format!("bit varying({len})"),
            None => "bit varying".into(),
        }),
        b if PASSTHROUGH.contains(&b) => {
            if args.is_empty() {
                DataType::Other(b.to_string())
            } else {
                DataType::Other(format!("{b}({})", args.join(",")))
            }
        }
        "" => return Err(format!("missing type in `{spelling}`")),
        // A type with a modifier that sqlshift does not know (an extension's, such as
        // PostGIS `geometry(Polygon,4326)`): kept as the catalog prints it, lower-cased,
        // for the server to judge.
        b if !args.is_empty() => DataType::Other(format!(
            "{}({})",
            b,
            args.iter()
                .map(|a| a.trim().to_string())
                .collect::<Vec<_>>()
                .join(",")
        )),
        _ => DataType::Named(named(s)),
    };
    Ok((t, false))
}

/// The element type of an array spelling, if `s` is one.
fn array_element(s: &str) -> Option<&str> {
    let t = s.trim_end();
    if let Some(open) = t.strip_suffix(']').and_then(|r| r.rfind('[')) {
        let dims = &t[open + 1..t.len() - 1];
        if dims
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace())
        {
            let inner = t[..open].trim_end();
            return Some(
                inner
                    .strip_suffix("ARRAY")
                    .or_else(|| inner.strip_suffix("array"))
                    .map_or(inner, str::trim_end),
            );
        }
    }
    let upper = t.to_ascii_uppercase();
    if upper.ends_with(" ARRAY") {
        return Some(t[..t.len() - 6].trim_end());
    }
    None
}

/// `'a', 'b''c'` → [`a`, `b'c`].
fn quoted_list(body: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        match chars.next() {
            None => return Some(out),
            Some('\'') => {}
            Some(_) => return None,
        }
        let mut v = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                c => v.push(c),
            }
        }
        out.push(v);
    }
}

/// A possibly qualified, possibly quoted user type name.
pub(super) fn named(s: &str) -> QName {
    let parts: Vec<String> = split_qualified(s)
        .into_iter()
        .map(
            |p| match p.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
                Some(q) => q.replace("\"\"", "\""),
                None => p.to_lowercase(),
            },
        )
        .collect();
    match parts.as_slice() {
        [schema, name] => QName::new(schema.clone(), name.clone()),
        _ => QName::new("", parts.last().cloned().unwrap_or_default()),
    }
}

fn split_qualified(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for ch in s.chars() {
        match ch {
            '.' if !quoted => parts.push(String::new()),
            _ => {
                if ch == '"' {
                    quoted = !quoted;
                }
                if let Some(p) = parts.last_mut() {
                    p.push(ch);
                }
            }
        }
    }
    parts
}

/// `numeric(12, 2) with x` → (`numeric`, [`12`, `2`], ` with x`).
fn split_args(s: &str) -> (String, Vec<String>, String) {
    match (s.find('('), s.find(')')) {
        (Some(open), Some(close)) if close > open => {
            let base = format!("{}{}", &s[..open], "");
            let args = s[open + 1..close]
                .split(',')
                .map(|a| a.trim().to_string())
                .collect();
            let rest = s[close + 1..].to_string();
            // `timestamp(3) with time zone` and `character varying(20)` keep words after
            let base = base.trim().to_string();
            (base, args, rest)
        }
        _ => {
            for suffix in [" with time zone", " without time zone"] {
                if let Some(b) = s.strip_suffix(suffix) {
                    return (b.to_string(), vec![], suffix.to_string());
                }
            }
            (s.to_string(), vec![], String::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's spelling and the catalog's (`format_type`) of one type meet.
    #[test]
    fn file_and_catalog_spellings_meet() {
        for (file, catalog) in [
            ("GEOMETRY(Polygon, 4326)", "geometry(Polygon,4326)"),
            ("INTERVAL DAY TO SECOND(2)", "interval day to second(2)"),
            ("bit varying(16)", "varbit(16)"),
            ("integer ARRAY[3]", "integer[]"),
            ("text[][]", "text[]"),
            ("decimal(5)", "numeric(5,0)"),
            ("time(3)", "time(3) without time zone"),
        ] {
            let a = map_type(file).map(|(t, _)| t);
            let b = map_type(catalog).map(|(t, _)| t);
            assert!(a.is_ok() && a == b, "{file}: {a:?} vs {catalog}: {b:?}");
        }
    }

    #[test]
    fn aliases_map_to_one_type() {
        for s in ["int", "INTEGER", "int4"] {
            assert_eq!(map_type(s).ok(), Some((DataType::Integer, false)));
        }
        assert_eq!(
            map_type("character varying(20)").ok(),
            Some((DataType::Varchar(Some(20)), false))
        );
        assert_eq!(
            map_type("timestamp(3) with time zone").ok(),
            Some((
                DataType::Timestamp {
                    tz: true,
                    precision: Some(3)
                },
                false
            ))
        );
        assert_eq!(map_type("bigserial").ok(), Some((DataType::BigInt, true)));
        assert_eq!(
            map_type("text[]").ok(),
            Some((DataType::Array(Box::new(DataType::Text)), false))
        );
        assert_eq!(
            map_type("int(11) unsigned").ok(),
            Some((DataType::Unsigned(Box::new(DataType::Integer)), false))
        );
        assert_eq!(
            map_type("tinyint(1)").ok(),
            Some((DataType::Boolean, false))
        );
        assert_eq!(
            map_type("ENUM('a', 'it''s')").ok(),
            Some((DataType::InlineEnum(vec!["a".into(), "it's".into()]), false))
        );
        assert_eq!(
            map_type("mediumtext").ok(),
            Some((DataType::SizedText(Size::Medium), false))
        );
        assert_eq!(
            map_type("app.\"Status\"").ok(),
            Some((DataType::Named(QName::new("app", "Status")), false))
        );
    }
}
