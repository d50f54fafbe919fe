//! `diff(from, to)`: the semantic edits that turn one schema into another. Pure.
//!
//! Renames are planned only where the desired side carries a `renamed-from` hint; an
//! unhinted rename is a drop plus an add, and the drop carries a data-loss hazard.

mod change;
mod dependents;
mod domain;
mod inherited;
mod partition;
mod program;
pub use program::program_difference;
mod routine;
mod security;
mod table;
mod trigger;
mod types;

pub use change::{Change, CommentTarget, Position, SecurityChange};
pub(crate) use table::rename_column;

use crate::model::{generated_name, QName, Schema, Table, View};
use std::collections::BTreeSet;

/// Lists the changes from `from` to `to`. Both must be normalized for the same dialect.
pub fn diff(from: &Schema, to: &Schema) -> Vec<Change> {
    let (from, to) = inherited::leave_inherited(
        std::borrow::Cow::Borrowed(from),
        std::borrow::Cow::Borrowed(to),
    );
    let (from, to) = (from.as_ref(), to.as_ref());
    let mut out = Vec::new();
    for s in to.schemas.difference(&from.schemas) {
        out.push(Change::CreateSchema(s.clone()));
    }
    for s in from.schemas.difference(&to.schemas) {
        out.push(Change::DropSchema(s.clone()));
    }
    for s in &to.schemas {
        // A new schema has no comment yet.
        let was = from
            .schemas
            .contains(s)
            .then(|| from.schema_comments.get(s))
            .flatten();
        let want = to.schema_comments.get(s);
        if was != want {
            out.push(Change::SetComment {
                target: CommentTarget::Schema(s.clone()),
                from: was.cloned(),
                to: want.cloned(),
            });
        }
    }
    for e in to.extensions.difference(&from.extensions) {
        out.push(Change::CreateExtension(e.clone()));
    }
    for e in from.extensions.difference(&to.extensions) {
        out.push(Change::DropExtension(e.clone()));
    }
    enums(from, to, &mut out);
    domain::domains(from, to, &mut out);
    types::composites(from, to, &mut out);
    types::ranges(from, to, &mut out);
    types::comments(from, to, &mut out);
    routine::routines(from, to, &mut out);
    program::programs(from, to, &mut out);
    for (name, s) in &to.sequences {
        match from.sequences.get(name) {
            None => out.push(Change::CreateSequence(s.clone())),
            Some(old) => {
                if !old.same_options(s) {
                    out.push(Change::AlterSequence {
                        from: old.clone(),
                        to: s.clone(),
                    });
                }
                if old.comment != s.comment {
                    out.push(Change::SetComment {
                        target: CommentTarget::Sequence(name.clone()),
                        from: old.comment.clone(),
                        to: s.comment.clone(),
                    });
                }
            }
        }
    }
    for (name, s) in &from.sequences {
        if !to.sequences.contains_key(name) {
            out.push(Change::DropSequence(s.clone()));
        }
    }

    // Tables, with hinted renames resolved first.
    let mut renamed_away = BTreeSet::new();
    for (name, t) in &to.tables {
        let old = match from.tables.get(name) {
            Some(old) => Some(std::borrow::Cow::Borrowed(old)),
            None => t.renamed_from.as_ref().and_then(|old_name| {
                let key = crate::model::QName::new(name.schema.clone(), old_name.clone());
                let old = from.tables.get(&key)?;
                if to.tables.contains_key(&key) {
                    return None;
                }
                renamed_away.insert(key.clone());
                let mut moved = old.clone();
                moved.name = name.clone();
                let sequences = follow_rename(&mut moved, &key);
                out.push(Change::RenameTable {
                    from: key,
                    to: name.clone(),
                    sequences,
                });
                Some(std::borrow::Cow::Owned(moved))
            }),
        };
        match old {
            None => create_table(t, &mut out),
            Some(old) => {
                partition::placement(&old, t, &mut out);
                match partition::after_parents(from, to, &old) {
                    Some(passed) => table::diff_table(&passed, t, &mut out),
                    None => table::diff_table(&old, t, &mut out),
                }
            }
        }
    }
    for (name, t) in &from.tables {
        if !to.tables.contains_key(name) && !renamed_away.contains(name) {
            out.push(Change::DropTable(t.clone()));
        }
    }
    dependents::around_dropped_routines(from, to, &mut out);
    views(from, to, &mut out);
    security::security(from, to, &mut out);
    trigger::triggers_and_rules(from, to, &mut out);
    out
}

/// A new table. A partitioned table's indexes, and a partition's indexes attached to its
/// parent's, are created after it as steps of their own: after the partitions are
/// attached (an index made on the parent first would be built on each of them with a name
/// of the server's choosing), and after the parent index they attach to.
fn create_table(t: &Table, out: &mut Vec<Change>) {
    let apart = |i: &crate::model::Index| t.partition_by.is_some() || i.attached_to.is_some();
    if !t.indexes.iter().any(apart) {
        out.push(Change::CreateTable(t.clone()));
        return;
    }
    let mut created = t.clone();
    let (later, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut created.indexes)
        .into_iter()
        .partition(|i| apart(i));
    created.indexes = kept;
    out.push(Change::CreateTable(created));
    for index in later {
        out.push(Change::CreateIndex {
            table: t.name.clone(),
            index,
        });
    }
}

/// The sequences of `moved`'s serial and identity columns that carry the name the server
/// gave them after the table's old name: a table created under the new name would have
/// them named after it, so they are renamed with the table. A sequence named otherwise was
/// named on purpose and keeps its name. Updates the moved columns to the new names.
fn follow_rename(moved: &mut Table, old: &QName) -> Vec<(QName, String)> {
    let mut out = Vec::new();
    for c in &mut moved.columns {
        let Some(seq) = &mut c.sequence else { continue };
        let was = generated_name(&old.name, &[&c.name], "seq", SEQUENCE_NAME_LIMIT);
        let new = generated_name(&moved.name.name, &[&c.name], "seq", SEQUENCE_NAME_LIMIT);
        if seq.name == was && was != new {
            out.push((seq.clone(), new.clone()));
            seq.name = new;
        }
    }
    out
}

/// Like [`follow_rename`], for a column of `t` renamed from `old` to `new`: its sequence
/// named after the old column name is renamed after the new one.
pub(super) fn follow_column_rename(t: &mut Table, old: &str, new: &str) -> Vec<(QName, String)> {
    let table = t.name.name.clone();
    let Some(seq) = t.column_mut(old).and_then(|c| c.sequence.as_mut()) else {
        return Vec::new();
    };
    let was = generated_name(&table, &[old], "seq", SEQUENCE_NAME_LIMIT);
    let now = generated_name(&table, &[new], "seq", SEQUENCE_NAME_LIMIT);
    if seq.name != was || was == now {
        return Vec::new();
    }
    let renamed = vec![(seq.clone(), now.clone())];
    seq.name = now;
    renamed
}

/// Only PostgreSQL reports a column's sequence; its names are at most 63 bytes.
const SEQUENCE_NAME_LIMIT: usize = 63;

fn enums(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, e) in &to.enums {
        let Some(old) = from.enums.get(name) else {
            out.push(Change::CreateEnum(e.clone()));
            continue;
        };
        let mut it = e.values.iter();
        let appended_only = old.values.iter().all(|v| it.any(|n| n == v));
        // A rebuilt type is created with its comment.
        if appended_only && old.comment != e.comment {
            out.push(Change::SetComment {
                target: CommentTarget::Type(name.clone()),
                from: old.comment.clone(),
                to: e.comment.clone(),
            });
        }
        if old.values == e.values {
            continue;
        }
        if appended_only {
            for (i, v) in e.values.iter().enumerate() {
                if old.values.contains(v) {
                    continue;
                }
                let after = e.values[..i]
                    .iter()
                    .rev()
                    .find(|p| old.values.contains(p))
                    .cloned();
                let before = e.values[i + 1..]
                    .iter()
                    .find(|p| old.values.contains(p))
                    .cloned();
                out.push(Change::AddEnumValue {
                    name: name.clone(),
                    value: v.clone(),
                    before: if after.is_none() { before } else { None },
                    after,
                });
            }
        } else {
            let usages = enum_usages(from, to, name);
            out.push(Change::RebuildEnum {
                from: old.clone(),
                to: e.clone(),
                usages,
            });
        }
    }
    for (name, e) in &from.enums {
        if !to.enums.contains_key(name) {
            out.push(Change::DropEnum(e.clone()));
        }
    }
}

/// The user-defined type a column type names, directly or as an array's element.
fn named(t: &crate::model::DataType) -> Option<&QName> {
    match t {
        crate::model::DataType::Named(q) => Some(q),
        crate::model::DataType::Array(inner) => named(inner),
        _ => None,
    }
}

/// Columns whose type names (directly or as an array's element) a type `uses` picks, before
/// and after: what re-creating the type must convert. Each with its desired definition.
fn columns_using(
    from: &Schema,
    to: &Schema,
    uses: impl Fn(&QName) -> bool,
) -> Vec<(QName, crate::model::Column)> {
    let picks = |c: &crate::model::Column| named(&c.data_type).is_some_and(&uses);
    let mut out = Vec::new();
    for (tname, t) in &from.tables {
        let Some(new_t) = to.tables.get(tname) else {
            continue;
        };
        for c in t.columns.iter().filter(|c| picks(c)) {
            if let Some(target) = new_t.column(&c.name).filter(|n| picks(n)) {
                out.push((tname.clone(), target.clone()));
            }
        }
    }
    out
}

/// Columns that hold the enum before and after, which a rebuild must convert.
fn enum_usages(
    from: &Schema,
    to: &Schema,
    name: &crate::model::QName,
) -> Vec<(crate::model::QName, crate::model::Column)> {
    let uses = |t: &Table, c: &str| {
        t.column(c).is_some_and(|col| match &col.data_type {
            crate::model::DataType::Named(q) => q == name,
            crate::model::DataType::Array(inner) => {
                matches!(&**inner, crate::model::DataType::Named(q) if q == name)
            }
            _ => false,
        })
    };
    let mut out = Vec::new();
    for (tname, t) in &from.tables {
        let Some(new_t) = to.tables.get(tname) else {
            continue;
        };
        for c in &t.columns {
            if uses(t, &c.name) && uses(new_t, &c.name) {
                // The desired column: its default must be valid for the new type.
                if let Some(target) = new_t.column(&c.name) {
                    out.push((tname.clone(), target.clone()));
                }
            }
        }
    }
    out
}

fn views(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, v) in &to.views {
        match from.views.get(name) {
            None => out.push(Change::CreateView(v.clone())),
            Some(old) if old.query != v.query || !old.same_kind_and_mysql_options(v) => {
                out.push(Change::DropView(old.clone()));
                out.push(Change::CreateView(recreation(old, v)));
            }
            Some(_) => {}
        }
    }
    for (name, v) in &from.views {
        if !to.views.contains_key(name) {
            out.push(Change::DropView(v.clone()));
        }
    }
    add_view_recreations(out, from, to);
    // A re-created view comes with its options, comments and indexes; the others change
    // in place.
    let dropped: BTreeSet<&QName> = out
        .iter()
        .filter_map(|c| match c {
            Change::DropView(v) => Some(&v.name),
            _ => None,
        })
        .collect();
    let kept: Vec<(&View, &View)> = to
        .views
        .iter()
        .filter(|(name, _)| !dropped.contains(name))
        .filter_map(|(name, v)| Some((from.views.get(name)?, v)))
        .collect();
    for (old, v) in kept {
        view_in_place(old, v, out);
    }
}

/// The view `new` as it is created again in place of `old`: a materialized view keeps
/// whether it was filled (see `View::with_no_data`).
fn recreation(old: &View, new: &View) -> View {
    let mut v = new.clone();
    v.with_no_data = old.with_no_data;
    v
}

/// What changes in a view that is not re-created: options, comments, indexes.
fn view_in_place(old: &View, v: &View, out: &mut Vec<Change>) {
    let name = &v.name;
    if !old.same_options(v) {
        out.push(Change::SetViewOptions {
            view: name.clone(),
            materialized: v.materialized,
            from: old.options.clone(),
            to: v.options.clone(),
        });
    }
    if old.comment != v.comment {
        out.push(Change::SetComment {
            target: if v.materialized {
                CommentTarget::MaterializedView(name.clone())
            } else {
                CommentTarget::View(name.clone())
            },
            from: old.comment.clone(),
            to: v.comment.clone(),
        });
    }
    let columns: BTreeSet<&String> = old
        .column_comments
        .keys()
        .chain(v.column_comments.keys())
        .collect();
    for col in columns {
        let (a, b) = (old.column_comments.get(col), v.column_comments.get(col));
        if a != b {
            out.push(Change::SetComment {
                target: CommentTarget::Column(name.clone(), col.clone()),
                from: a.cloned(),
                to: b.cloned(),
            });
        }
    }
    table::indexes(name, &old.indexes, &v.indexes, out);
}

/// Views that read a table whose columns change (or a view being re-created) must be
/// dropped before the change and created again after it, even if their query is the same.
pub fn add_view_recreations(out: &mut Vec<Change>, from: &Schema, to: &Schema) {
    let mut recreated: BTreeSet<QName> = out
        .iter()
        .filter_map(|c| match c {
            Change::DropView(v) => Some(v.name.clone()),
            _ => None,
        })
        .collect();
    let mut touched: BTreeSet<QName> = out
        .iter()
        .flat_map(|c| c.reshaped_tables())
        .cloned()
        .collect();
    touched.extend(recreated.iter().cloned());
    // A parent's column changes reach its partitions and children, and the views reading
    // them.
    loop {
        let below: Vec<QName> = from
            .tables
            .values()
            .filter(|t| !touched.contains(&t.name) && t.parents().any(|p| touched.contains(p)))
            .map(|t| t.name.clone())
            .collect();
        if below.is_empty() {
            break;
        }
        touched.extend(below);
    }
    // A function dropped (and maybe created again) takes the views that call it along.
    let dropped_routines = dependents::Dropped::of(out);
    loop {
        let mut added = false;
        for (name, v) in &to.views {
            if recreated.contains(name) {
                continue;
            }
            let Some(old) = from.views.get(name) else {
                continue;
            };
            if old.depends_on.iter().any(|d| touched.contains(d))
                || dropped_routines.hits(
                    &crate::model::Dependent::View(name.clone()),
                    old.calls.0.iter().cloned(),
                )
            {
                out.push(Change::DropView(old.clone()));
                out.push(Change::CreateView(recreation(old, v)));
                recreated.insert(name.clone());
                touched.insert(name.clone());
                added = true;
            }
        }
        if !added {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{diff, Change, CommentTarget};
    use crate::model::Schema;

    fn schema(sql: &str) -> Schema {
        let s = crate::parse::parse_sql("test.sql", sql).expect("parses");
        crate::dialect::prepare(s, &crate::dialect::postgres::Postgres, &mut Vec::new())
    }

    fn view_changes(changes: &[Change]) -> Vec<&'static str> {
        changes
            .iter()
            .filter(|c| matches!(c, Change::CreateView(_) | Change::DropView(_)))
            .map(Change::kind)
            .collect()
    }

    const VIEWS: &str = "CREATE VIEW v AS SELECT id, n FROM t;
        CREATE MATERIALIZED VIEW m AS SELECT n, count(*) AS c FROM t GROUP BY n;
        CREATE UNIQUE INDEX m_n ON m (n);
        COMMENT ON MATERIALIZED VIEW m IS 'counts';";

    #[test]
    fn a_default_nullability_check_or_index_change_rebuilds_no_view() {
        let from = schema(&format!(
            "CREATE TABLE t (id int PRIMARY KEY, n int DEFAULT 1, x text); {VIEWS}"
        ));
        let to = schema(&format!(
            "CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 2 CHECK (n > 0), x text);
             CREATE INDEX t_n ON t (n); COMMENT ON COLUMN t.n IS 'n'; {VIEWS}"
        ));
        let changes = diff(&from, &to);
        assert!(changes
            .iter()
            .any(|c| matches!(c, Change::AlterColumn { .. })));
        assert_eq!(view_changes(&changes), Vec::<&str>::new());
    }

    #[test]
    fn a_type_change_rebuilds_the_views_with_their_indexes_and_comments() {
        let from = schema(&format!(
            "CREATE TABLE t (id int PRIMARY KEY, n int, x text); {VIEWS}"
        ));
        let to = schema(&format!(
            "CREATE TABLE t (id int PRIMARY KEY, n bigint, x text); {VIEWS}"
        ));
        let changes = diff(&from, &to);
        assert_eq!(
            view_changes(&changes),
            ["drop_view", "create_view", "drop_view", "create_view"]
        );
        let m = changes.iter().find_map(|c| match c {
            Change::CreateView(v) if v.materialized => Some(v),
            _ => None,
        });
        let m = m.expect("the materialized view is created again");
        assert_eq!(m.indexes.len(), 1);
        assert_eq!(m.comment.as_deref(), Some("counts"));
        // Its index and comment come with the view, not as changes of their own.
        assert!(!changes.iter().any(|c| matches!(
            c,
            Change::CreateIndex { .. }
                | Change::SetComment {
                    target: CommentTarget::MaterializedView(_),
                    ..
                }
        )));
    }

    #[test]
    fn a_rebuilt_materialized_view_keeps_whether_it_was_filled() {
        let mut from = schema(&format!(
            "CREATE TABLE t (id int PRIMARY KEY, n int); {VIEWS}"
        ));
        let to = schema(&format!(
            "CREATE TABLE t (id int PRIMARY KEY, n bigint); {VIEWS}"
        ));
        for v in from.views.values_mut() {
            v.with_no_data = true;
        }
        let changes = diff(&from, &to);
        assert!(changes.iter().any(|c| matches!(
            c,
            Change::CreateView(v) if v.materialized && v.with_no_data
        )));
        // Whether a view is filled is not compared.
        assert!(diff(
            &from,
            &schema(&format!(
                "CREATE TABLE t (id int PRIMARY KEY, n int); {VIEWS}"
            ))
        )
        .is_empty());
    }
}
