//! PostgreSQL partitioning clauses: `PARTITION BY …` (cut from the statement before
//! sqlparser reads it, as its expression parser cannot read an operator class), a
//! partition's bound, and `ALTER INDEX … ATTACH PARTITION`. The catalog's texts
//! (`pg_get_partkeydef`, `pg_get_expr(relpartbound)`) are read by the same functions.

use super::split::Piece;
use crate::model::{PartitionBound, PartitionKey};
use sqlparser::ast::{self, ForValues, PartitionBoundValue};

/// `PARTITION BY RANGE|LIST|HASH (…)` as PostgreSQL writes it (not MySQL's, which lists
/// its partitions or counts them): the statement with the clause blanked out (positions
/// kept), and the clause's text after `PARTITION BY`.
pub fn cut_partition_by(piece: &Piece) -> Option<(Piece, String)> {
    use super::binary_attr::Tok;
    let text = &piece.text;
    let (toks, k) = partition_by_at(text)?;
    let word = |k: usize| match toks.get(k) {
        Some((Tok::Word, s, e)) => text[*s..*e].to_ascii_lowercase(),
        _ => String::new(),
    };
    if !matches!(word(k + 2).as_str(), "range" | "list" | "hash") {
        return None;
    }
    // The key's parentheses, then nothing MySQL would add.
    let open = k + 3;
    if !matches!(toks.get(open), Some((Tok::Open, _, _))) {
        return None;
    }
    let mut d = 0i32;
    let mut end = None;
    for (j, (t, _, e)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Open => d += 1,
            Tok::Close => {
                d -= 1;
                if d == 0 {
                    end = Some((j, *e));
                    break;
                }
            }
            _ => {}
        }
    }
    let (j, end) = end?;
    if word(j + 1) == "partitions"
        || word(j + 1) == "subpartition"
        || matches!(toks.get(j + 1), Some((Tok::Open, _, _)))
    {
        return None;
    }
    let start = toks[k].1;
    let clause = &text[start..end];
    let after_by = clause
        .split_once(char::is_whitespace)
        .map(|(_, r)| r.trim_start())
        .and_then(|r| r.split_once(char::is_whitespace))
        .map(|(_, r)| r.trim().to_string())?;
    let blank: String = clause
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    let mut blanked = text.clone();
    blanked.replace_range(start..end, &blank);
    Some((
        Piece {
            text: blanked,
            ..piece.clone()
        },
        after_by,
    ))
}

/// A `CREATE TABLE`'s tokens and the index of the `PARTITION` of a `PARTITION BY` after
/// its column list (PostgreSQL's or MySQL's clause), if it has one.
pub(super) fn partition_by_at(text: &str) -> Option<(super::binary_attr::Tokens, usize)> {
    use super::binary_attr::{tokens, Tok};
    let toks = tokens(text);
    let word = |k: usize| match toks.get(k) {
        Some((Tok::Word, s, e)) => text[*s..*e].to_ascii_lowercase(),
        _ => String::new(),
    };
    if word(0) != "create" || !(1..4).any(|k| word(k) == "table") {
        return None;
    }
    let mut depth = 0i32;
    let mut closed = false;
    for (k, (tok, _, _)) in toks.iter().enumerate() {
        match tok {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth -= 1;
                closed |= depth == 0;
            }
            // After the column list, or after `PARTITION OF p DEFAULT` (a partition without
            // column entries, itself partitioned).
            Tok::Word
                if depth == 0
                    && (closed || (k > 0 && word(k - 1) == "default"))
                    && word(k) == "partition"
                    && word(k + 1) == "by" =>
            {
                return Some((toks, k));
            }
            _ => {}
        }
    }
    None
}

/// `RANGE (a, (lower(b)) COLLATE "C", c text_pattern_ops)`: the strategy and the key's
/// parts, read as an index's columns are.
pub fn partition_key(text: &str) -> Result<PartitionKey, String> {
    let text = text.trim();
    let open = text
        .find('(')
        .ok_or_else(|| format!("cannot read the partition key `{text}`"))?;
    let (strategy, rest) = text.split_at(open);
    let strategy = strategy.trim().to_ascii_uppercase();
    if !matches!(strategy.as_str(), "RANGE" | "LIST" | "HASH") {
        return Err(format!(
            "partition strategy `{strategy}` is not RANGE, LIST or HASH"
        ));
    }
    let rest = rest.trim();
    if !rest.starts_with('(') || !rest.ends_with(')') {
        return Err(format!("cannot read the partition key `{text}`"));
    }
    let (_, index) = super::index_definition(&format!("CREATE INDEX k ON t {rest}"))
        .map_err(|e| format!("cannot read the partition key `{text}`: {e}"))?;
    Ok(PartitionKey {
        strategy,
        parts: index.parts,
    })
}

/// A bound as the catalog prints it (`FOR VALUES FROM ('a') TO ('b')`, `DEFAULT`).
pub fn partition_bound(text: &str) -> Result<PartitionBound, String> {
    let sql = format!("ALTER TABLE p ATTACH PARTITION c {text}");
    let dialect = sqlparser::dialect::PostgreSqlDialect {};
    let stmts = sqlparser::parser::Parser::parse_sql(&dialect, &sql)
        .map_err(|e| format!("cannot read the partition bound `{text}`: {e}"))?;
    match stmts.into_iter().next() {
        Some(ast::Statement::AlterTable(at)) => match at.operations.first() {
            Some(ast::AlterTableOperation::AttachPartitionOf { for_values, .. }) => {
                Ok(bound(for_values))
            }
            _ => Err(format!("cannot read the partition bound `{text}`")),
        },
        _ => Err(format!("cannot read the partition bound `{text}`")),
    }
}

/// The model's bound: values as SQL text, a literal's type name and casts left out (the
/// normalizer brings them to the key's type).
pub fn bound(v: &ForValues) -> PartitionBound {
    match v {
        ForValues::Default => PartitionBound::Default,
        ForValues::In(values) => PartitionBound::In(values.iter().map(value).collect()),
        ForValues::From { from, to } => PartitionBound::Range {
            from: from.iter().map(range_value).collect(),
            to: to.iter().map(range_value).collect(),
        },
        ForValues::With { modulus, remainder } => PartitionBound::Hash {
            modulus: *modulus,
            remainder: *remainder,
        },
    }
}

fn range_value(v: &PartitionBoundValue) -> String {
    match v {
        PartitionBoundValue::MinValue => "MINVALUE".into(),
        PartitionBoundValue::MaxValue => "MAXVALUE".into(),
        PartitionBoundValue::Expr(e) => value(e),
    }
}

fn value(e: &ast::Expr) -> String {
    use ast::{Expr, UnaryOperator, Value};
    let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::EscapedStringLiteral(s)
            | Value::NationalStringLiteral(s) => quoted(s),
            Value::Number(n, _) => n.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::Null => "NULL".into(),
            other => other.to_string(),
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            Expr::Value(v) if matches!(v.value, Value::Number(..)) => format!("-{}", v.value),
            _ => e.to_string(),
        },
        Expr::TypedString(ts) => value(&Expr::Value(ts.value.clone())),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => value(expr),
        other => other.to_string(),
    }
}

/// `ALTER INDEX [IF EXISTS] parent ATTACH PARTITION child`: the two names as written
/// (possibly qualified, quoted), or `None` for any other statement.
pub fn index_attachment(text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = text
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let mut k = 2;
    if upper.first()? != "ALTER" || upper.get(1)? != "INDEX" {
        return None;
    }
    if upper.get(2).map(String::as_str) == Some("IF") {
        k = 4;
    }
    if upper.get(k + 1)? != "ATTACH" || upper.get(k + 2)? != "PARTITION" || words.len() != k + 4 {
        return None;
    }
    Some((words[k].to_string(), words[k + 3].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_bounds_are_read() {
        let k = partition_key("RANGE (((a + 1)), b text_pattern_ops, lower(b))").expect("key");
        assert_eq!(k.strategy, "RANGE");
        assert_eq!(k.parts.len(), 3);
        assert_eq!(
            partition_bound("FOR VALUES FROM (MINVALUE) TO (0)").expect("bound"),
            PartitionBound::Range {
                from: vec!["MINVALUE".into()],
                to: vec!["0".into()]
            }
        );
        assert_eq!(
            partition_bound("FOR VALUES IN ('it''s', NULL, '-1')").expect("bound"),
            PartitionBound::In(vec!["'it''s'".into(), "NULL".into(), "'-1'".into()])
        );
        assert_eq!(
            partition_bound("FOR VALUES WITH (modulus 4, remainder 1)").expect("bound"),
            PartitionBound::Hash {
                modulus: 4,
                remainder: 1
            }
        );
        assert_eq!(
            partition_bound("DEFAULT").expect("bound"),
            PartitionBound::Default
        );
        assert_eq!(
            index_attachment("ALTER INDEX public.a ATTACH PARTITION public.b"),
            Some(("public.a".into(), "public.b".into()))
        );
    }

    #[test]
    fn only_postgres_partition_clauses_are_cut() {
        let piece = |t: &str| Piece {
            text: t.into(),
            line: 1,
            col: 1,
        };
        let (p, clause) =
            cut_partition_by(&piece("CREATE TABLE t (a int) PARTITION BY RANGE (a)")).expect("cut");
        assert_eq!(clause, "RANGE (a)");
        assert_eq!(p.text.trim_end(), "CREATE TABLE t (a int)");
        assert!(cut_partition_by(&piece(
            "CREATE TABLE t (a int) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10))"
        ))
        .is_none());
        assert!(cut_partition_by(&piece(
            "CREATE TABLE t (a int) PARTITION BY HASH (a) PARTITIONS 4"
        ))
        .is_none());
        assert!(cut_partition_by(&piece("CREATE TABLE t (a int) PARTITION BY KEY (a)")).is_none());
    }
}
