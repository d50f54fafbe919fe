//! Identity columns' sequences: the server's defaults for a column's type, the options a
//! column keeps (only those that differ), and the SQL that sets them.

use super::super::ansi::qname;
use super::super::writer::{quote_ident, quote_literal};
use crate::model::{Column, DataType, IdentityOptions, QName};

/// The default bounds PostgreSQL gives a sequence of this type and direction.
pub fn default_bounds(t: &DataType, increment: i64) -> (i64, i64) {
    let max = match t {
        DataType::SmallInt => i16::MAX as i64,
        DataType::Integer => i32::MAX as i64,
        _ => i64::MAX,
    };
    if increment > 0 {
        (1, max)
    } else {
        (-max - 1, -1)
    }
}

/// Every option of the column's identity sequence, defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
}

pub fn resolve(c: &Column) -> Resolved {
    let o = &c.identity_options;
    let increment = o.increment.unwrap_or(1);
    let (min, max) = default_bounds(&c.data_type, increment);
    let min = o.min_value.unwrap_or(min);
    let max = o.max_value.unwrap_or(max);
    Resolved {
        start: o.start.unwrap_or(if increment > 0 { min } else { max }),
        increment,
        min,
        max,
        cache: o.cache.unwrap_or(1),
        cycle: o.cycle,
    }
}

/// Clears every option that is the server's default, so a file's spelled-out defaults
/// (pg_dump writes `START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1`) and the
/// catalog's full set compare equal. A column without identity keeps none.
pub fn normalize(c: &mut Column) {
    if c.identity.is_none() {
        c.identity_options = IdentityOptions::default();
        return;
    }
    let r = resolve(c);
    let (min, max) = default_bounds(&c.data_type, r.increment);
    let o = &mut c.identity_options;
    o.increment = o.increment.filter(|&i| i != 1);
    o.min_value = o.min_value.filter(|&v| v != min);
    o.max_value = o.max_value.filter(|&v| v != max);
    let start = if r.increment > 0 { r.min } else { r.max };
    o.start = o.start.filter(|&s| s != start);
    o.cache = o.cache.filter(|&n| n != 1);
}

/// ` (START WITH 100 INCREMENT BY 5)` after `AS IDENTITY`; empty for the defaults.
pub fn options_clause(o: &IdentityOptions) -> String {
    let mut parts = Vec::new();
    if let Some(v) = o.start {
        parts.push(format!("START WITH {v}"));
    }
    if let Some(v) = o.increment {
        parts.push(format!("INCREMENT BY {v}"));
    }
    if let Some(v) = o.min_value {
        parts.push(format!("MINVALUE {v}"));
    }
    if let Some(v) = o.max_value {
        parts.push(format!("MAXVALUE {v}"));
    }
    if let Some(v) = o.cache {
        parts.push(format!("CACHE {v}"));
    }
    if o.cycle {
        parts.push("CYCLE".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(" "))
    }
}

/// `SET INCREMENT BY 5 SET START WITH 100 …` for what differs between two identities of
/// the same column, or `None`. `SET START` only changes what a later `RESTART` goes back
/// to, never the next value: a live sequence is not moved.
pub fn set_options(from: &Column, to: &Column) -> Option<String> {
    if from.identity_options == to.identity_options {
        return None;
    }
    let (a, b) = (&from.identity_options, &to.identity_options);
    let r = resolve(to);
    // Defaults follow the direction: a turned increment moves every bound.
    let turned = (resolve(from).increment > 0) != (r.increment > 0);
    let mut sets = Vec::new();
    if a.increment != b.increment {
        sets.push(format!("SET INCREMENT BY {}", r.increment));
    }
    if turned || a.min_value != b.min_value {
        sets.push(match b.min_value {
            Some(v) => format!("SET MINVALUE {v}"),
            None => "SET NO MINVALUE".into(),
        });
    }
    if turned || a.max_value != b.max_value {
        sets.push(match b.max_value {
            Some(v) => format!("SET MAXVALUE {v}"),
            None => "SET NO MAXVALUE".into(),
        });
    }
    if turned || a.start != b.start || a.min_value != b.min_value || a.max_value != b.max_value {
        sets.push(format!("SET START WITH {}", r.start));
    }
    if a.cache != b.cache {
        sets.push(format!("SET CACHE {}", r.cache));
    }
    if a.cycle != b.cycle {
        sets.push(if b.cycle { "SET CYCLE" } else { "SET NO CYCLE" }.into());
    }
    Some(sets.join(" "))
}

/// Moves a new identity past the values the column already holds, so the next insert
/// does not collide with an existing row: `setval` to the highest value in use (lowest,
/// for a descending sequence) when that is at or past the start. Nothing happens on an
/// empty table, and running it again changes nothing.
pub fn continue_after_rows(table: &QName, c: &Column) -> String {
    let r = resolve(c);
    let col = quote_ident(&c.name);
    let (agg, cmp) = if r.increment > 0 {
        ("max", ">=")
    } else {
        ("min", "<=")
    };
    format!(
        "SELECT setval(pg_get_serial_sequence({}, {}), {agg}({col})) FROM {} HAVING {agg}({col}) {cmp} {}",
        quote_literal(&qname(table)),
        quote_literal(&c.name),
        qname(table),
        r.start
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(ty: DataType, o: IdentityOptions) -> Column {
        let mut c = Column::new("id", ty);
        c.identity = Some(crate::model::Identity::ByDefault);
        c.identity_options = o;
        c
    }

    #[test]
    fn spelled_out_defaults_are_no_options() {
        let mut c = identity(
            DataType::Integer,
            IdentityOptions {
                start: Some(1),
                increment: Some(1),
                min_value: Some(1),
                max_value: Some(i32::MAX as i64),
                cache: Some(1),
                cycle: false,
            },
        );
        normalize(&mut c);
        assert!(c.identity_options.is_default());
    }

    #[test]
    fn a_descending_identity_starts_at_its_maximum() {
        let mut c = identity(
            DataType::SmallInt,
            IdentityOptions {
                start: Some(-1),
                increment: Some(-1),
                min_value: Some(i16::MIN as i64),
                ..Default::default()
            },
        );
        normalize(&mut c);
        assert_eq!(
            c.identity_options,
            IdentityOptions {
                increment: Some(-1),
                ..Default::default()
            }
        );
        assert!(continue_after_rows(&QName::new("public", "t"), &c).contains("min(id)"));
    }

    #[test]
    fn a_changed_start_sets_only_the_start() {
        let a = identity(DataType::BigInt, IdentityOptions::default());
        let b = identity(
            DataType::BigInt,
            IdentityOptions {
                start: Some(100),
                ..Default::default()
            },
        );
        assert_eq!(set_options(&a, &b).as_deref(), Some("SET START WITH 100"));
        assert_eq!(set_options(&b, &a).as_deref(), Some("SET START WITH 1"));
        assert_eq!(set_options(&a, &a), None);
    }
}
