//! Normalization steps every dialect shares: resolving unqualified names.

use crate::model::{DataType, QName, Schema};
use std::collections::BTreeMap;

fn fix(q: &mut QName, default: &str) {
    if q.schema.is_empty() {
        q.schema = default.to_string();
    }
}

fn fix_type(t: &mut DataType, default: &str) {
    match t {
        DataType::Named(q) => fix(q, default),
        DataType::Array(inner) => fix_type(inner, default),
        _ => {}
    }
}

/// Puts unqualified names into the default namespace, fills omitted foreign-key target
/// columns with the target's primary key, and re-keys every map.
pub fn resolve_names(s: &mut Schema, default: &str) {
    let tables = std::mem::take(&mut s.tables);
    for (_, mut t) in tables {
        fix(&mut t.name, default);
        for c in &mut t.columns {
            fix_type(&mut c.data_type, default);
        }
        for f in &mut t.foreign_keys {
            fix(&mut f.ref_table, default);
        }
        s.tables.insert(t.name.clone(), t);
    }
    let pks: BTreeMap<QName, Vec<String>> = s
        .tables
        .iter()
        .filter_map(|(k, t)| {
            t.primary_key
                .as_ref()
                .map(|p| (k.clone(), p.columns.clone()))
        })
        .collect();
    for t in s.tables.values_mut() {
        for f in &mut t.foreign_keys {
            if f.ref_columns.is_empty() {
                if let Some(cols) = pks.get(&f.ref_table) {
                    f.ref_columns = cols.clone();
                }
            }
        }
    }
    let views = std::mem::take(&mut s.views);
    for (_, mut v) in views {
        fix(&mut v.name, default);
        v.depends_on = v
            .depends_on
            .into_iter()
            .map(|mut d| {
                fix(&mut d, default);
                d
            })
            .collect();
        s.views.insert(v.name.clone(), v);
    }
    let enums = std::mem::take(&mut s.enums);
    for (_, mut e) in enums {
        fix(&mut e.name, default);
        s.enums.insert(e.name.clone(), e);
    }
    let seqs = std::mem::take(&mut s.sequences);
    for (_, mut q) in seqs {
        fix(&mut q.name, default);
        s.sequences.insert(q.name.clone(), q);
    }
    if !default.is_empty() {
        s.schemas.remove(default);
    }
}
