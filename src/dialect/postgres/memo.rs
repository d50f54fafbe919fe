//! What one introspection has already read, kept so that the same catalog text is parsed
//! once: real schemas repeat the same defaults (`0`, `now()`), checks, types and index
//! shapes across tables, and parsing them is most of the client's share of introspection.

use crate::model::{DataType, Expr, Index};
use crate::parse;
use std::collections::HashMap;

#[derive(Default)]
pub struct Memo {
    exprs: HashMap<String, Expr>,
    types: HashMap<String, DataType>,
    /// Index definitions by their shape: the text after the index and table names.
    indexes: HashMap<String, Index>,
}

impl Memo {
    /// [`parse::expr`], once per distinct text.
    pub fn expr(&mut self, text: &str) -> Result<Expr, String> {
        if let Some(e) = self.exprs.get(text) {
            return Ok(e.clone());
        }
        let e = parse::expr(text)?;
        self.exprs.insert(text.to_string(), e.clone());
        Ok(e)
    }

    /// [`parse::data_type`] of a `format_type` spelling, once per distinct spelling.
    pub fn data_type(&mut self, spelled: &str) -> Result<DataType, String> {
        if let Some(t) = self.types.get(spelled) {
            return Ok(t.clone());
        }
        let t = parse::data_type(spelled)?;
        self.types.insert(spelled.to_string(), t.clone());
        Ok(t)
    }

    /// An index as `pg_get_indexdef` prints it. Indexes that differ only in their own and
    /// their table's names share one parse; text not in `pg_get_indexdef`'s shape is parsed
    /// on its own.
    pub fn index(&mut self, def: &str) -> Result<Index, String> {
        let Some((name, shape)) = shape(def) else {
            return parse::index_definition(def).map(|(_, i)| i);
        };
        if let Some(i) = self.indexes.get(&shape) {
            let mut i = i.clone();
            i.name = name;
            return Ok(i);
        }
        let (_, index) = parse::index_definition(def)?;
        if index.name == name {
            self.indexes.insert(shape, index.clone());
        }
        Ok(index)
    }
}

/// `CREATE [UNIQUE] INDEX name ON [ONLY] schema.table USING …`: the index's name, and the
/// text with both names taken out (what every index of that shape has in common).
fn shape(def: &str) -> Option<(String, String)> {
    let (unique, rest) = match def.strip_prefix("CREATE UNIQUE INDEX ") {
        Some(r) => (true, r),
        None => (false, def.strip_prefix("CREATE INDEX ")?),
    };
    let (name, rest) = ident(rest)?;
    let rest = rest.strip_prefix(" ON ")?;
    let (only, rest) = match rest.strip_prefix("ONLY ") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let (_, rest) = ident(rest)?;
    let rest = rest.strip_prefix('.')?;
    let (_, rest) = ident(rest)?;
    let tail = rest.strip_prefix(' ')?;
    if !tail.starts_with("USING ") {
        return None;
    }
    Some((name, format!("{unique} {only} {tail}")))
}

/// One identifier as `quote_ident` prints it: bare, or in double quotes with `""` for a
/// quote. Its value and the text after it.
fn ident(text: &str) -> Option<(String, &str)> {
    if let Some(quoted) = text.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '"' {
                value.push(c);
                continue;
            }
            if quoted[i + 1..].starts_with('"') {
                value.push('"');
                chars.next();
                continue;
            }
            return Some((value, &quoted[i + 1..]));
        }
        return None;
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(text.len());
    (end > 0).then(|| (text[..end].to_string(), &text[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_take_out_both_names() {
        let (name, a) = shape("CREATE INDEX t1_a_idx ON public.t1 USING btree (a)").unwrap();
        assert_eq!(name, "t1_a_idx");
        let (name, b) =
            shape(r#"CREATE INDEX "Odd "" name" ON "my schema"."T2" USING btree (a)"#).unwrap();
        assert_eq!(name, "Odd \" name");
        assert_eq!(a, b);
        let (_, u) = shape("CREATE UNIQUE INDEX x ON ONLY s.t USING btree (a)").unwrap();
        assert_ne!(a, u);
        assert!(shape("CREATE INDEX x ON t USING btree (a)").is_none());
    }

    #[test]
    fn a_shared_shape_keeps_each_name() {
        let mut m = Memo::default();
        let a = m
            .index("CREATE INDEX a_idx ON public.a USING btree (x DESC)")
            .unwrap();
        let b = m
            .index(r#"CREATE INDEX "B_idx" ON public.b USING btree (x DESC)"#)
            .unwrap();
        assert_eq!((a.name.as_str(), b.name.as_str()), ("a_idx", "B_idx"));
        assert_eq!(format!("{:?}", a.parts), format!("{:?}", b.parts));
        assert_eq!(m.indexes.len(), 1);
    }
}
