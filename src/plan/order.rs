//! Dependency ordering of changes with petgraph, and foreign-key cycle breaking.

use crate::diff::Change;
use crate::model::{DataType, QName, Table};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// An object a change creates, drops or needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Schema(String),
    Type(QName),
    Seq(QName),
    /// A table or view (they share a namespace).
    Rel(QName),
    /// The set of columns of a relation, as views and expressions see it.
    Shape(QName),
    Column(QName, String),
    Constraint(QName, String),
    Index(QName, String),
    /// Where a column sits (MySQL): placing a column after another waits for that one.
    Place(QName, String),
    /// A unique key over these columns, which foreign keys can reference.
    UniqueCols(QName, Vec<String>),
    /// A function, procedure or aggregate, by name (all overloads at once).
    Routine(QName),
    /// A MySQL or SQLite stored program, by `Program::key`.
    Program(String),
    /// Every routine of a name, whatever its schema: what an unqualified call may mean.
    RoutineNamed(String),
    Trigger(QName, String),
    Rule(QName, String),
}

#[derive(Default)]
struct Deps {
    creates: Vec<Key>,
    drops: Vec<Key>,
    needs_new: Vec<Key>,
    needs_old: Vec<Key>,
}

fn types_of(t: &DataType, out: &mut Vec<Key>) {
    match t {
        DataType::Named(q) => out.push(Key::Type(q.clone())),
        DataType::Array(inner) => types_of(inner, out),
        _ => {}
    }
}

fn deps(c: &Change, fk_needs_target: bool) -> Deps {
    use Change::*;
    use Key::*;
    let mut d = Deps::default();
    let cols = |t: &QName, cs: &[String]| {
        cs.iter()
            .map(|c| Column(t.clone(), c.clone()))
            .collect::<Vec<_>>()
    };
    match c {
        CreateSchema(s) => d.creates.push(Schema(s.clone())),
        DropSchema(s) => d.drops.push(Schema(s.clone())),
        CreateExtension(_) | DropExtension(_) => {}
        CreateEnum(e) => {
            d.creates.push(Type(e.name.clone()));
            d.needs_new.push(Schema(e.name.schema.clone()));
        }
        DropEnum(e) => d.drops.push(Type(e.name.clone())),
        AddEnumValue { name, .. } => d.creates.push(Type(name.clone())),
        RebuildEnum { to, usages, .. } => {
            d.drops.push(Type(to.name.clone()));
            d.creates.push(Type(to.name.clone()));
            for (t, col) in usages {
                d.drops.push(Shape(t.clone()));
                d.creates.push(Shape(t.clone()));
                d.needs_new.push(Column(t.clone(), col.name.clone()));
            }
        }
        CreateDomain(dom) => {
            d.creates.push(Type(dom.name.clone()));
            d.needs_new.push(Schema(dom.name.schema.clone()));
            types_of(&dom.data_type, &mut d.needs_new);
        }
        DropDomain(dom) => {
            d.drops.push(Type(dom.name.clone()));
            types_of(&dom.data_type, &mut d.needs_old);
        }
        AlterDomain { to, .. } => d.needs_new.push(Type(to.name.clone())),
        RebuildDomain {
            from,
            to,
            dependents,
            usages,
        } => {
            for dom in std::iter::once(to).chain(dependents) {
                d.drops.push(Type(dom.name.clone()));
                d.creates.push(Type(dom.name.clone()));
            }
            types_of(&to.data_type, &mut d.needs_new);
            types_of(&from.data_type, &mut d.needs_old);
            for (t, col) in usages {
                d.drops.push(Shape(t.clone()));
                d.creates.push(Shape(t.clone()));
                d.needs_new.push(Column(t.clone(), col.name.clone()));
            }
        }
        CreateComposite(t) => {
            d.creates.push(Type(t.name.clone()));
            d.needs_new.push(Schema(t.name.schema.clone()));
            for a in &t.attributes {
                types_of(&a.data_type, &mut d.needs_new);
            }
        }
        DropComposite(t) => {
            d.drops.push(Type(t.name.clone()));
            for a in &t.attributes {
                types_of(&a.data_type, &mut d.needs_old);
            }
        }
        AlterComposite { from, to } => {
            d.needs_new.push(Type(to.name.clone()));
            for a in &to.attributes {
                types_of(&a.data_type, &mut d.needs_new);
            }
            for a in &from.attributes {
                types_of(&a.data_type, &mut d.needs_old);
            }
        }
        CreateRange(r) => {
            d.creates
                .extend([Type(r.name.clone()), Type(r.multirange_name())]);
            d.needs_new.push(Schema(r.name.schema.clone()));
            types_of(&r.subtype, &mut d.needs_new);
        }
        DropRange(r) => {
            d.drops
                .extend([Type(r.name.clone()), Type(r.multirange_name())]);
            types_of(&r.subtype, &mut d.needs_old);
        }
        RebuildRange { from, to, usages } => {
            d.drops
                .extend([Type(from.name.clone()), Type(from.multirange_name())]);
            d.creates
                .extend([Type(to.name.clone()), Type(to.multirange_name())]);
            types_of(&to.subtype, &mut d.needs_new);
            types_of(&from.subtype, &mut d.needs_old);
            for (t, col) in usages {
                d.drops.push(Shape(t.clone()));
                d.creates.push(Shape(t.clone()));
                d.needs_new.push(Column(t.clone(), col.name.clone()));
            }
        }
        CreateSequence(s) => {
            d.creates.push(Seq(s.name.clone()));
            d.needs_new.push(Schema(s.name.schema.clone()));
        }
        DropSequence(s) => d.drops.push(Seq(s.name.clone())),
        AlterSequence { .. } => {}
        CreateTable(t) => {
            let n = &t.name;
            d.creates.extend([Rel(n.clone()), Shape(n.clone())]);
            d.creates
                .extend(t.columns.iter().map(|c| Column(n.clone(), c.name.clone())));
            d.needs_new.push(Schema(n.schema.clone()));
            for c in &t.columns {
                types_of(&c.data_type, &mut d.needs_new);
            }
            table_members(t, &mut d.creates);
            // A partition or inheriting table is made from its parent's columns.
            for p in t.parents() {
                d.needs_new.extend([Rel(p.clone()), Shape(p.clone())]);
            }
            if fk_needs_target {
                for fk in &t.foreign_keys {
                    if fk.ref_table != *n {
                        d.needs_new.push(Rel(fk.ref_table.clone()));
                        d.needs_new
                            .push(UniqueCols(fk.ref_table.clone(), fk.ref_columns.clone()));
                    }
                }
            }
        }
        DropTable(t) => {
            let n = &t.name;
            d.drops.extend([Rel(n.clone()), Shape(n.clone())]);
            d.drops
                .extend(t.columns.iter().map(|c| Column(n.clone(), c.name.clone())));
            table_members(t, &mut d.drops);
            for c in &t.columns {
                types_of(&c.data_type, &mut d.needs_old);
            }
            // Dropping a parent drops its partitions: they go first, on their own.
            for p in t.parents() {
                d.needs_old.push(Rel(p.clone()));
            }
            for fk in &t.foreign_keys {
                if fk.ref_table != *n {
                    d.needs_old.push(Rel(fk.ref_table.clone()));
                    d.needs_old
                        .push(UniqueCols(fk.ref_table.clone(), fk.ref_columns.clone()));
                }
            }
        }
        RenameTable { from, to, .. } => {
            d.drops.extend([Rel(from.clone()), Shape(from.clone())]);
            d.creates.extend([Rel(to.clone()), Shape(to.clone())]);
        }
        RebuildTable { from, to } => {
            d.drops.push(Shape(from.name.clone()));
            d.creates.push(Shape(to.name.clone()));
            d.needs_new.push(Rel(to.name.clone()));
            d.creates.extend(
                to.columns
                    .iter()
                    .map(|c| Column(to.name.clone(), c.name.clone())),
            );
            d.drops.extend(
                from.columns
                    .iter()
                    .filter(|c| to.column(&c.name).is_none())
                    .map(|c| Column(from.name.clone(), c.name.clone())),
            );
            for c in &to.columns {
                types_of(&c.data_type, &mut d.needs_new);
            }
        }
        AddColumn {
            table,
            column,
            position,
        } => {
            d.creates.push(Place(table.clone(), column.name.clone()));
            if let Some(crate::diff::Position::After(p)) = position {
                d.needs_new.push(Place(table.clone(), p.clone()));
            }
            d.creates.push(Column(table.clone(), column.name.clone()));
            d.creates.push(Shape(table.clone()));
            d.needs_new.push(Rel(table.clone()));
            types_of(&column.data_type, &mut d.needs_new);
        }
        DropColumn { table, column } => {
            d.drops.push(Column(table.clone(), column.name.clone()));
            d.drops.push(Shape(table.clone()));
            types_of(&column.data_type, &mut d.needs_old);
        }
        RenameColumn {
            table, from, to, ..
        } => {
            d.drops
                .extend([Column(table.clone(), from.clone()), Shape(table.clone())]);
            d.creates
                .extend([Column(table.clone(), to.clone()), Shape(table.clone())]);
            d.needs_new.push(Rel(table.clone()));
        }
        MoveColumn {
            table,
            from,
            to,
            position,
        } => {
            d.creates.push(Place(table.clone(), to.name.clone()));
            if let crate::diff::Position::After(p) = position {
                d.needs_new.push(Place(table.clone(), p.clone()));
            }
            d.drops.push(Shape(table.clone()));
            d.creates.push(Shape(table.clone()));
            d.needs_new.push(Column(table.clone(), to.name.clone()));
            types_of(&to.data_type, &mut d.needs_new);
            types_of(&from.data_type, &mut d.needs_old);
        }
        SetTableOptions { table, .. } => {
            d.drops.push(Shape(table.clone()));
            d.creates.push(Shape(table.clone()));
        }
        SetLogged { table, .. } | SetStorage { table, .. } => d.needs_new.push(Rel(table.clone())),
        AlterColumn { table, from, to } => {
            d.drops.push(Shape(table.clone()));
            d.creates.push(Shape(table.clone()));
            d.needs_new.push(Rel(table.clone()));
            d.needs_new.push(Column(table.clone(), to.name.clone()));
            types_of(&to.data_type, &mut d.needs_new);
            types_of(&from.data_type, &mut d.needs_old);
        }
        AddPrimaryKey { table, pk } => {
            d.creates.push(Constraint(table.clone(), pk.name.clone()));
            d.creates
                .push(UniqueCols(table.clone(), pk.columns.clone()));
            d.needs_new.extend(cols(table, &pk.columns));
        }
        DropPrimaryKey { table, pk } => {
            d.drops.push(Constraint(table.clone(), pk.name.clone()));
            d.drops.push(UniqueCols(table.clone(), pk.columns.clone()));
            d.needs_old.extend(cols(table, &pk.columns));
        }
        AddUnique { table, unique } => {
            d.creates
                .push(Constraint(table.clone(), unique.name.clone()));
            d.creates
                .push(UniqueCols(table.clone(), unique.columns.clone()));
            d.needs_new.extend(cols(table, &unique.columns));
        }
        DropUnique { table, unique } => {
            d.drops.push(Constraint(table.clone(), unique.name.clone()));
            d.drops
                .push(UniqueCols(table.clone(), unique.columns.clone()));
            d.needs_old.extend(cols(table, &unique.columns));
        }
        AddCheck { table, check } => {
            d.creates
                .push(Constraint(table.clone(), check.name.clone()));
            d.needs_new.push(Shape(table.clone()));
        }
        DropCheck { table, check } => {
            d.drops.push(Constraint(table.clone(), check.name.clone()));
            d.needs_old.push(Shape(table.clone()));
        }
        AddForeignKey { table, fk } => {
            d.creates.push(Constraint(table.clone(), fk.name.clone()));
            d.needs_new.extend(cols(table, &fk.columns));
            d.needs_new.push(Rel(fk.ref_table.clone()));
            d.needs_new
                .push(UniqueCols(fk.ref_table.clone(), fk.ref_columns.clone()));
            d.needs_new.extend(cols(&fk.ref_table, &fk.ref_columns));
        }
        DropForeignKey { table, fk } => {
            d.drops.push(Constraint(table.clone(), fk.name.clone()));
            d.needs_old.extend(cols(table, &fk.columns));
            d.needs_old.push(Rel(table.clone()));
            d.needs_old.push(Rel(fk.ref_table.clone()));
            d.needs_old
                .push(UniqueCols(fk.ref_table.clone(), fk.ref_columns.clone()));
        }
        AddExclusion { table, exclusion } => {
            d.creates
                .push(Constraint(table.clone(), exclusion.name.clone()));
            d.needs_new.push(Shape(table.clone()));
            d.needs_new.extend(exclusion_columns(table, exclusion));
        }
        DropExclusion { table, exclusion } => {
            d.drops
                .push(Constraint(table.clone(), exclusion.name.clone()));
            d.needs_old.push(Shape(table.clone()));
            d.needs_old.extend(exclusion_columns(table, exclusion));
        }
        RenameConstraint { table, from, to } => {
            d.drops.push(Constraint(table.clone(), from.clone()));
            d.creates.push(Constraint(table.clone(), to.clone()));
        }
        ValidateConstraint { table, name } => {
            d.needs_new.push(Constraint(table.clone(), name.clone()));
        }
        CreateIndex { table, index } => {
            d.creates.push(Index(table.clone(), index.name.clone()));
            if let Some(a) = &index.attached_to {
                d.needs_new.push(Index(a.table.clone(), a.name.clone()));
            }
            if index.unique && index.predicate.is_none() {
                d.creates.push(UniqueCols(
                    table.clone(),
                    index.columns().map(str::to_string).collect(),
                ));
            }
            d.needs_new.push(Rel(table.clone()));
            d.needs_new.push(Shape(table.clone()));
            d.needs_new.extend(
                index
                    .columns()
                    .map(|c| Column(table.clone(), c.to_string())),
            );
        }
        DropIndex { table, index } => {
            d.drops.push(Index(table.clone(), index.name.clone()));
            if index.unique && index.predicate.is_none() {
                d.drops.push(UniqueCols(
                    table.clone(),
                    index.columns().map(str::to_string).collect(),
                ));
            }
            d.needs_old.push(Shape(table.clone()));
            d.needs_old.extend(
                index
                    .columns()
                    .map(|c| Column(table.clone(), c.to_string())),
            );
        }
        RenameIndex { table, from, to } => {
            d.drops.push(Index(table.clone(), from.clone()));
            d.creates.push(Index(table.clone(), to.clone()));
        }
        ReplaceIndex {
            table, from, to, ..
        } => {
            // The index is modified in place: it exists before and after.
            d.drops.push(Index(table.clone(), from.name.clone()));
            d.creates.push(Index(table.clone(), to.name.clone()));
            d.needs_new.push(Shape(table.clone()));
            d.needs_old
                .extend(from.columns().map(|c| Column(table.clone(), c.to_string())));
            d.needs_new
                .extend(to.columns().map(|c| Column(table.clone(), c.to_string())));
            for (i, side) in [(from, &mut d.drops), (to, &mut d.creates)] {
                if i.unique && i.predicate.is_none() {
                    side.push(UniqueCols(
                        table.clone(),
                        i.columns().map(str::to_string).collect(),
                    ));
                }
            }
        }
        CreateRoutine(r) => {
            d.creates.push(Routine(r.name.clone()));
            d.creates.push(RoutineNamed(r.name.name.clone()));
            d.needs_new.push(Schema(r.name.schema.clone()));
            routine_needs(r, &mut d.needs_new);
        }
        DropRoutine(r) => {
            d.drops.push(Routine(r.name.clone()));
            d.drops.push(RoutineNamed(r.name.name.clone()));
            routine_needs(r, &mut d.needs_old);
        }
        ReplaceRoutine { to, .. } => {
            d.needs_new.push(Routine(to.name.clone()));
            routine_needs(to, &mut d.needs_new);
        }
        CreateProgram(p) | ReplaceProgram { to: p, .. } => {
            d.creates.push(Program(p.key()));
            d.needs_new
                .extend(p.needs.iter().map(|k| Program(k.clone())));
            if let Some(t) = &p.table {
                d.needs_new.extend([Rel(t.clone()), Shape(t.clone())]);
            }
        }
        DropProgram(p) => {
            d.drops.push(Program(p.key()));
            if let Some(t) = &p.table {
                d.needs_old.push(Rel(t.clone()));
            }
        }
        CreateView(v) => {
            d.needs_new
                .extend(v.calls.0.iter().map(|f| Routine(f.clone())));
            d.creates.push(Rel(v.name.clone()));
            d.creates.push(Shape(v.name.clone()));
            d.creates.extend(
                v.indexes
                    .iter()
                    .map(|i| Index(v.name.clone(), i.name.clone())),
            );
            d.needs_new.push(Schema(v.name.schema.clone()));
            for dep in &v.depends_on {
                d.needs_new.push(Rel(dep.clone()));
                d.needs_new.push(Shape(dep.clone()));
            }
        }
        DropView(v) => {
            d.needs_old
                .extend(v.calls.0.iter().map(|f| Routine(f.clone())));
            d.drops.push(Rel(v.name.clone()));
            d.drops.push(Shape(v.name.clone()));
            d.drops.extend(
                v.indexes
                    .iter()
                    .map(|i| Index(v.name.clone(), i.name.clone())),
            );
            for dep in &v.depends_on {
                d.needs_old.push(Rel(dep.clone()));
                d.needs_old.push(Shape(dep.clone()));
            }
        }
        SetViewOptions { view, .. } => d.needs_new.push(Rel(view.clone())),
        CreateTrigger(_)
        | DropTrigger(_)
        | ReplaceTrigger { .. }
        | CreateRule(_)
        | DropRule(_)
        | ReplaceRule { .. }
        | SetFiring { .. } => procedural_deps(c, &mut d),
        SetPartitionOf { table, from, to } => {
            // A table joins a parent with the parent's columns.
            d.needs_new
                .extend([Rel(table.clone()), Shape(table.clone())]);
            if let Some(p) = to {
                d.needs_new
                    .extend([Rel(p.parent.clone()), Shape(p.parent.clone())]);
            }
            if let Some(p) = from {
                d.needs_old.push(Rel(p.parent.clone()));
            }
        }
        SetInherits { table, add, remove } => {
            d.needs_new.push(Rel(table.clone()));
            if add.is_empty() {
                // Before the columns the parent gave are dropped.
                d.needs_old.push(Shape(table.clone()));
            } else {
                d.needs_new.push(Shape(table.clone()));
            }
            for p in add {
                d.needs_new.extend([Rel(p.clone()), Shape(p.clone())]);
            }
            for p in remove {
                d.needs_old.push(Rel(p.clone()));
            }
        }
        Refuse { .. } => {}
        Security(c) => security_needs(c, &mut d),
        SetComment { target, .. } => {
            use crate::diff::CommentTarget as T;
            match target {
                T::Table(t) | T::View(t) | T::MaterializedView(t) => {
                    d.needs_new.push(Rel(t.clone()))
                }
                T::Column(t, c) => d.needs_new.push(Column(t.clone(), c.clone())),
                T::Index(t, i) => d.needs_new.push(Index(t.clone(), i.clone())),
                T::Constraint(t, c) => d.needs_new.push(Constraint(t.clone(), c.clone())),
                T::Sequence(s) => d.needs_new.push(Seq(s.clone())),
                T::Type(e) | T::Domain(e) => d.needs_new.push(Type(e.clone())),
                T::Schema(s) => d.needs_new.push(Schema(s.clone())),
                T::Trigger(k) => d.needs_new.push(Trigger(k.table.clone(), k.name.clone())),
                T::Rule(k) => d.needs_new.push(Rule(k.table.clone(), k.name.clone())),
            }
        }
    }
    // Everything addressed by a table's (new) name runs after the rename that creates it.
    if !matches!(c, CreateTable(_) | DropTable(_) | RenameTable { .. }) {
        if let Some(t) = c.table() {
            d.needs_new.push(Rel(t.clone()));
        }
    }
    d
}

/// What a routine's signature names (types, and tables by their row type) and the
/// functions an aggregate is made of.
fn routine_needs(r: &crate::model::Routine, out: &mut Vec<Key>) {
    for t in r.types() {
        types_of(t, out);
        if let DataType::Named(q) = t {
            out.push(Key::Rel(q.clone()));
        }
    }
    out.extend(r.needs.iter().map(|f| Key::Routine(f.clone())));
}

/// Keys of the routines `calls` may mean (see [`crate::model::calls_in`]).
fn call_keys(calls: impl IntoIterator<Item = QName>, out: &mut Vec<Key>) {
    for c in calls {
        out.push(if c.schema.is_empty() {
            Key::RoutineNamed(c.name)
        } else {
            Key::Routine(c)
        });
    }
}

/// Calls of `to` that `from` does not make, and the other way round: what a change of an
/// expression needs created before it, and what must outlive it.
fn call_change(
    from: std::collections::BTreeSet<QName>,
    to: std::collections::BTreeSet<QName>,
    d: &mut Deps,
) {
    call_keys(to.difference(&from).cloned(), &mut d.needs_new);
    call_keys(from.difference(&to).cloned(), &mut d.needs_old);
}

/// What the expressions of a change call: a default, check, index or domain that calls a
/// function is created after it and dropped before it (read only when the plan creates or
/// drops a routine, the only time it orders anything).
fn call_deps(c: &Change, d: &mut Deps) {
    use Change::*;
    match c {
        CreateTable(t) => call_keys(t.calls(), &mut d.needs_new),
        DropTable(t) => call_keys(t.calls(), &mut d.needs_old),
        RebuildTable { from, to } => call_change(from.calls(), to.calls(), d),
        AddColumn { column, .. } => call_keys(column.calls(), &mut d.needs_new),
        DropColumn { column, .. } => call_keys(column.calls(), &mut d.needs_old),
        AlterColumn { from, to, .. } | MoveColumn { from, to, .. } => {
            call_change(from.calls(), to.calls(), d)
        }
        AddCheck { check, .. } => call_keys(check.expr.calls(), &mut d.needs_new),
        DropCheck { check, .. } => call_keys(check.expr.calls(), &mut d.needs_old),
        AddExclusion { exclusion, .. } => call_keys(exclusion.calls(), &mut d.needs_new),
        DropExclusion { exclusion, .. } => call_keys(exclusion.calls(), &mut d.needs_old),
        CreateIndex { index, .. } => call_keys(index.calls(), &mut d.needs_new),
        DropIndex { index, .. } => call_keys(index.calls(), &mut d.needs_old),
        ReplaceIndex { from, to, .. } => call_change(from.calls(), to.calls(), d),
        CreateDomain(dom) => call_keys(dom.calls(), &mut d.needs_new),
        DropDomain(dom) => call_keys(dom.calls(), &mut d.needs_old),
        AlterDomain { from, to } | RebuildDomain { from, to, .. } => {
            call_change(from.calls(), to.calls(), d)
        }
        _ => {}
    }
}

/// Triggers and rules: on their table or view (a trigger's `UPDATE OF` columns, a rule's
/// relations too), after the functions they call; dropped before any of those goes.
fn procedural_deps(c: &Change, d: &mut Deps) {
    use Change::*;
    use Key::*;
    let on = |t: &crate::model::Trigger, out: &mut Vec<Key>| {
        out.extend([Rel(t.table.clone()), Shape(t.table.clone())]);
        out.extend(t.columns.iter().map(|c| Column(t.table.clone(), c.clone())));
        out.extend(t.from.iter().map(|f| Rel(f.clone())));
    };
    let reads = |r: &crate::model::Rule, out: &mut Vec<Key>| {
        for q in std::iter::once(&r.table).chain(&r.depends_on) {
            out.extend([Rel(q.clone()), Shape(q.clone())]);
        }
    };
    match c {
        CreateTrigger(t) => {
            d.creates.push(Trigger(t.table.clone(), t.name.clone()));
            on(t, &mut d.needs_new);
            call_keys(t.calls(), &mut d.needs_new);
        }
        DropTrigger(t) => {
            d.drops.push(Trigger(t.table.clone(), t.name.clone()));
            on(t, &mut d.needs_old);
            call_keys(t.calls(), &mut d.needs_old);
        }
        ReplaceTrigger { from, to } => {
            on(to, &mut d.needs_new);
            d.needs_old.extend(
                from.columns
                    .iter()
                    .filter(|c| !to.columns.contains(c))
                    .map(|c| Column(from.table.clone(), c.clone())),
            );
            call_change(from.calls(), to.calls(), d);
        }
        CreateRule(r) => {
            d.creates.push(Rule(r.table.clone(), r.name.clone()));
            reads(r, &mut d.needs_new);
            call_keys(r.calls.0.iter().cloned(), &mut d.needs_new);
        }
        DropRule(r) => {
            d.drops.push(Rule(r.table.clone(), r.name.clone()));
            reads(r, &mut d.needs_old);
            call_keys(r.calls.0.iter().cloned(), &mut d.needs_old);
        }
        ReplaceRule { from, to } => {
            reads(to, &mut d.needs_new);
            d.needs_old.extend(
                from.depends_on
                    .iter()
                    .filter(|q| !to.depends_on.contains(q))
                    .map(|q| Rel(q.clone())),
            );
            call_change(
                from.calls.0.iter().cloned().collect(),
                to.calls.0.iter().cloned().collect(),
                d,
            );
        }
        SetFiring {
            table, name, rule, ..
        } => {
            d.needs_new.push(Rel(table.clone()));
            d.needs_new.push(if *rule {
                Rule(table.clone(), name.clone())
            } else {
                Trigger(table.clone(), name.clone())
            });
        }
        _ => {}
    }
}

/// The plain columns an exclusion constraint's elements and INCLUDE list name.
fn exclusion_columns(table: &QName, x: &crate::model::Exclusion) -> Vec<Key> {
    let keys = x.elements.iter().filter_map(|e| match &e.part.key {
        crate::model::IndexKey::Column(c) => Some(c),
        crate::model::IndexKey::Expr(_) => None,
    });
    keys.chain(&x.include)
        .map(|c| Key::Column(table.clone(), c.clone()))
        .collect()
}

fn table_members(t: &Table, out: &mut Vec<Key>) {
    let n = &t.name;
    if let Some(pk) = &t.primary_key {
        out.push(Key::Constraint(n.clone(), pk.name.clone()));
        out.push(Key::UniqueCols(n.clone(), pk.columns.clone()));
    }
    for u in &t.uniques {
        out.push(Key::Constraint(n.clone(), u.name.clone()));
        out.push(Key::UniqueCols(n.clone(), u.columns.clone()));
    }
    for c in &t.checks {
        out.push(Key::Constraint(n.clone(), c.name.clone()));
    }
    for f in &t.foreign_keys {
        out.push(Key::Constraint(n.clone(), f.name.clone()));
    }
    for x in &t.exclusions {
        out.push(Key::Constraint(n.clone(), x.name.clone()));
    }
    for i in &t.indexes {
        out.push(Key::Index(n.clone(), i.name.clone()));
        if i.unique && i.predicate.is_none() {
            out.push(Key::UniqueCols(
                n.clone(),
                i.columns().map(str::to_string).collect(),
            ));
        }
    }
}

/// Phase of a change kind: the first tie-breaker, which also reads naturally.
fn phase(c: &Change) -> u8 {
    use Change::*;
    match c {
        DropView(_) | DropTrigger(_) | DropRule(_) => 0,
        // Before tables: an SQL-standard body depends on the tables it reads.
        DropForeignKey { .. } | DropRoutine(_) | DropProgram(_) => 1,
        DropIndex { .. }
        | DropCheck { .. }
        | DropUnique { .. }
        | DropPrimaryKey { .. }
        | DropExclusion { .. } => 2,
        DropTable(_) => 3,
        DropColumn { .. } => 4,
        DropSequence(_) | DropEnum(_) | DropDomain(_) | DropComposite(_) | DropRange(_) => 5,
        DropExtension(_) | DropSchema(_) => 6,
        CreateSchema(_) => 10,
        CreateExtension(_) => 11,
        CreateEnum(_) | AddEnumValue { .. } | RebuildEnum { .. } => 12,
        CreateDomain(_) | AlterDomain { .. } | RebuildDomain { .. } => 12,
        CreateComposite(_) | AlterComposite { .. } | CreateRange(_) | RebuildRange { .. } => 12,
        CreateSequence(_) | AlterSequence { .. } => 13,
        RenameTable { .. } => 20,
        RenameColumn { .. } => 21,
        RebuildTable { .. } => 22,
        CreateTable(_) => 23,
        AddColumn { .. } => 24,
        SetTableOptions { .. } => 24,
        SetLogged { .. } | SetStorage { .. } => 24,
        SetPartitionOf { .. } | SetInherits { .. } => 24,
        Refuse { .. } => 50,
        MoveColumn { .. } => 26,
        AlterColumn { .. } => 25,
        RenameConstraint { .. } | RenameIndex { .. } => 30,
        ValidateConstraint { .. } => 32,
        AddPrimaryKey { .. } | AddUnique { .. } | AddCheck { .. } | AddExclusion { .. } => 31,
        CreateIndex { .. } | ReplaceIndex { .. } => 32,
        AddForeignKey { .. } => 33,
        // After tables: an SQL function's body is checked against them when created.
        CreateRoutine(_) | ReplaceRoutine { .. } => 34,
        CreateView(_) => 40,
        // Triggers after their tables and views (SQLite: INSTEAD OF on a view), routines
        // with the other routines.
        CreateProgram(p) | ReplaceProgram { to: p, .. } => {
            if p.table.is_some() || p.kind == crate::model::ProgramKind::Event {
                42
            } else {
                34
            }
        }
        SetViewOptions { .. } => 41,
        // After views: a trigger or rule may be on one.
        CreateTrigger(_) | ReplaceTrigger { .. } | CreateRule(_) | ReplaceRule { .. } => 42,
        SetFiring { .. } => 43,
        SetComment { .. } => 50,
        Security(c) => security_phase(c),
    }
}

/// Policies go before the columns they read change and come back after views (their
/// expressions may call functions and read other tables); privileges and owners once
/// every object exists; default privileges last, so objects this plan creates get only
/// the grants it writes.
fn security_phase(c: &crate::diff::SecurityChange) -> u8 {
    use crate::diff::SecurityChange as S;
    match c {
        S::DropPolicy(_) => 0,
        S::SetRowSecurity { .. } => 42,
        S::CreatePolicy { .. } | S::AlterPolicy { .. } => 43,
        S::SetOwner { .. } => 55,
        S::SetPrivileges { .. } => 56,
        S::SetDefaultPrivileges { .. } => 57,
    }
}

fn security_needs(c: &crate::diff::SecurityChange, d: &mut Deps) {
    use crate::diff::SecurityChange as S;
    use crate::model::SecurableKind as K;
    match c {
        S::SetPrivileges { object, .. } | S::SetOwner { object, .. } => {
            let q = object.name.clone();
            d.needs_new.push(match object.kind {
                K::Schema => Key::Schema(q.name),
                K::Table => Key::Rel(q),
                K::Column => match &object.column {
                    Some(col) => Key::Column(q, col.clone()),
                    None => Key::Rel(q),
                },
                K::Sequence => Key::Seq(q),
                K::Type => Key::Type(q),
                K::Function | K::Procedure => Key::Routine(q),
            });
        }
        S::SetDefaultPrivileges {
            schema: Some(s), ..
        } => d.needs_new.push(Key::Schema(s.clone())),
        _ => {}
    }
}

fn sort_key(c: &Change) -> (u8, String) {
    (phase(c), c.objects().join(","))
}

fn build_graph(changes: &[Change], fk_needs_target: bool) -> DiGraph<usize, ()> {
    let mut g = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..changes.len()).map(|i| g.add_node(i)).collect();
    // Expressions are read for the functions they call only when a routine comes or goes.
    let routines = changes.iter().any(|c| {
        matches!(
            c,
            Change::CreateRoutine(_) | Change::DropRoutine(_) | Change::ReplaceRoutine { .. }
        )
    });
    let all: Vec<Deps> = changes
        .iter()
        .map(|c| {
            let mut d = deps(c, fk_needs_target);
            if routines {
                call_deps(c, &mut d);
            }
            d
        })
        .collect();
    let mut creators: BTreeMap<&Key, Vec<usize>> = BTreeMap::new();
    let mut droppers: BTreeMap<&Key, Vec<usize>> = BTreeMap::new();
    for (i, d) in all.iter().enumerate() {
        for k in &d.creates {
            creators.entry(k).or_default().push(i);
        }
        for k in &d.drops {
            droppers.entry(k).or_default().push(i);
        }
    }
    let mut edges = BTreeSet::new();
    // A change that both drops and creates a key modifies it (an ALTER COLUMN reshapes its
    // table). Drop-before-create is for replacing an object; a modification replaces
    // nothing, so it takes its place only through what others need before and after.
    let modifies = |i: usize, k: &Key| all[i].creates.contains(k) && all[i].drops.contains(k);
    for (k, ds) in &droppers {
        for &dr in ds {
            for &cr in creators.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                if dr != cr && !modifies(dr, k) && !modifies(cr, k) {
                    edges.insert((dr, cr));
                }
            }
        }
    }
    for (i, d) in all.iter().enumerate() {
        for k in &d.needs_new {
            for &cr in creators.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                if cr != i {
                    edges.insert((cr, i));
                }
            }
        }
        for k in &d.needs_old {
            for &dr in droppers.get(k).map(Vec::as_slice).unwrap_or(&[]) {
                if dr != i {
                    edges.insert((i, dr));
                }
            }
        }
    }
    for (a, b) in edges {
        g.add_edge(nodes[a], nodes[b], ());
    }
    g
}

/// Orders changes so each runs after what it needs. Where the dialect requires a foreign
/// key's target to exist (`fk_required`), cycles are broken by splitting the keys out;
/// otherwise referenced tables still come first when they can, and a cycle simply drops
/// that preference.
pub fn order(mut changes: Vec<Change>, fk_required: bool, by_table: bool) -> Vec<Change> {
    if !fk_required {
        let g = build_graph(&changes, true);
        if !has_cycle(&g) {
            return toposort(changes, &g, by_table);
        }
        let g = build_graph(&changes, false);
        return toposort(changes, &g, by_table);
    }
    for _ in 0..4 {
        let g = build_graph(&changes, true);
        let cyclic: Vec<usize> = tarjan_scc(&g)
            .into_iter()
            .filter(|scc| scc.len() > 1)
            .flatten()
            .map(|n| g[n])
            .collect();
        if cyclic.is_empty() {
            return toposort(changes, &g, by_table);
        }
        changes = split_foreign_keys(changes, &cyclic);
    }
    let g = build_graph(&changes, true);
    toposort(changes, &g, by_table)
}

fn has_cycle(g: &DiGraph<usize, ()>) -> bool {
    tarjan_scc(g).iter().any(|scc| scc.len() > 1)
}

/// Moves the foreign keys of tables in a cycle into separate steps.
fn split_foreign_keys(changes: Vec<Change>, cyclic: &[usize]) -> Vec<Change> {
    let mut out = Vec::new();
    for (i, c) in changes.into_iter().enumerate() {
        if !cyclic.contains(&i) {
            out.push(c);
            continue;
        }
        match c {
            Change::CreateTable(mut t) => {
                let (own, other): (Vec<_>, Vec<_>) = t
                    .foreign_keys
                    .drain(..)
                    .partition(|f| f.ref_table == t.name);
                t.foreign_keys = own;
                let name = t.name.clone();
                out.push(Change::CreateTable(t));
                out.extend(other.into_iter().map(|fk| Change::AddForeignKey {
                    table: name.clone(),
                    fk,
                }));
            }
            Change::DropTable(mut t) => {
                let (own, other): (Vec<_>, Vec<_>) = t
                    .foreign_keys
                    .drain(..)
                    .partition(|f| f.ref_table == t.name);
                t.foreign_keys = own;
                let name = t.name.clone();
                out.extend(other.into_iter().map(|fk| Change::DropForeignKey {
                    table: name.clone(),
                    fk,
                }));
                out.push(Change::DropTable(t));
            }
            other => out.push(other),
        }
    }
    out
}

/// Kahn's algorithm; among ready changes the smallest (phase, name) goes first. Anything
/// left in a cycle that could not be broken follows in stable order.
fn toposort(changes: Vec<Change>, g: &DiGraph<usize, ()>, by_table: bool) -> Vec<Change> {
    let keys: Vec<(String, u8, String)> = changes
        .iter()
        .map(|c| {
            let (phase, name) = sort_key(c);
            let table = if by_table {
                c.table().map(|t| t.to_string()).unwrap_or_default()
            } else {
                String::new()
            };
            (table, phase, name)
        })
        .collect();
    let mut indeg: Vec<usize> = g
        .node_indices()
        .map(|n| {
            g.neighbors_directed(n, petgraph::Direction::Incoming)
                .count()
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<(String, u8, String, usize)>> = BinaryHeap::new();
    for (i, d) in indeg.iter().enumerate() {
        if *d == 0 {
            ready.push(Reverse((
                keys[i].0.clone(),
                keys[i].1,
                keys[i].2.clone(),
                i,
            )));
        }
    }
    let mut order = Vec::with_capacity(changes.len());
    let mut done = vec![false; changes.len()];
    while let Some(Reverse((_, _, _, i))) = ready.pop() {
        order.push(i);
        done[i] = true;
        for n in g.neighbors_directed(NodeIndex::new(i), petgraph::Direction::Outgoing) {
            let j = g[n];
            indeg[j] -= 1;
            if indeg[j] == 0 {
                ready.push(Reverse((
                    keys[j].0.clone(),
                    keys[j].1,
                    keys[j].2.clone(),
                    j,
                )));
            }
        }
    }
    let mut rest: Vec<usize> = (0..changes.len()).filter(|i| !done[*i]).collect();
    rest.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
    order.extend(rest);
    let mut slots: Vec<Option<Change>> = changes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
