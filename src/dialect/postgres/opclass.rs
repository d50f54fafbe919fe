//! PostgreSQL's default operator classes: `pg_get_indexdef` leaves out an index column's
//! operator class when it is the default for the column's type and the index's access
//! method, so a file that names the default (`(name text_ops)`) must compare equal to it.

use crate::model::{DataType, IndexKey, Table};

/// The default operator class of `method` for a column of type `t` (the rows of
/// `pg_opclass` with `opcdefault`), for the built-in types sqlshift models.
fn default_opclass(method: &str, t: &DataType) -> Option<&'static str> {
    use DataType::*;
    let btree_like = matches!(method, "btree" | "hash");
    Some(match (method, t) {
        (_, Array(_)) if btree_like || method == "gin" => "array_ops",
        (_, SmallInt) if btree_like => "int2_ops",
        (_, Integer) if btree_like => "int4_ops",
        (_, BigInt) if btree_like => "int8_ops",
        (_, Real) if btree_like => "float4_ops",
        (_, Double) if btree_like => "float8_ops",
        (_, Numeric(_)) if btree_like => "numeric_ops",
        (_, Boolean) if btree_like => "bool_ops",
        // varchar has no operator class of its own: it uses text's (binary coercible).
        (_, Text | Varchar(_)) if btree_like || method == "spgist" => "text_ops",
        (_, Char(_)) if btree_like => "bpchar_ops",
        (_, Bytes) if btree_like => "bytea_ops",
        (_, Date) if btree_like => "date_ops",
        (_, Time { tz: false, .. }) if btree_like => "time_ops",
        (_, Time { tz: true, .. }) if btree_like => "timetz_ops",
        (_, Timestamp { tz: false, .. }) if btree_like => "timestamp_ops",
        (_, Timestamp { tz: true, .. }) if btree_like => "timestamptz_ops",
        (_, Interval) if btree_like => "interval_ops",
        (_, Uuid) if btree_like => "uuid_ops",
        (_, Jsonb) if btree_like || method == "gin" => "jsonb_ops",
        ("btree", Bit(_)) => "bit_ops",
        _ => return None,
    })
}

/// Drops operator classes that are the default for their column, as the catalog does.
pub fn drop_default_opclasses(t: &mut Table) {
    let columns = &t.columns;
    for index in &mut t.indexes {
        let method = index
            .method
            .as_deref()
            .unwrap_or("btree")
            .to_ascii_lowercase();
        for part in &mut index.parts {
            let (Some(op), IndexKey::Column(name)) = (&part.opclass, &part.key) else {
                continue;
            };
            let Some(col) = columns.iter().find(|c| &c.name == name) else {
                continue;
            };
            if default_opclass(&method, &col.data_type) == Some(op.to_ascii_lowercase().as_str()) {
                part.opclass = None;
            }
        }
    }
}
