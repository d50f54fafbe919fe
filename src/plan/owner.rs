//! The top-level object a change belongs to: the table an index, column or constraint
//! lives on, the type, sequence, view, schema or extension itself. Plans are shown grouped
//! by it, and drift reports one entry per owner.

use crate::diff::{Change, CommentTarget};
use crate::model::Schema;
use std::fmt;

/// A top-level schema object: its kind (`table`, `view`, `materialized view`, `type`,
/// `sequence`, `schema`, `extension`) and qualified name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Owner {
    pub kind: &'static str,
    pub name: String,
}

impl Owner {
    pub fn new(kind: &'static str, name: impl fmt::Display) -> Owner {
        Owner {
            kind,
            name: name.to_string(),
        }
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

fn view_kind(materialized: bool) -> &'static str {
    if materialized {
        "materialized view"
    } else {
        "view"
    }
}

/// The object `change` belongs to.
pub fn owner(change: &Change) -> Owner {
    use Change::*;
    match change {
        CreateSchema(s) | DropSchema(s) => Owner::new("schema", s),
        CreateExtension(s) | DropExtension(s) => Owner::new("extension", s),
        CreateEnum(e) | DropEnum(e) => Owner::new("type", &e.name),
        AddEnumValue { name, .. } => Owner::new("type", name),
        RebuildEnum { to, .. } => Owner::new("type", &to.name),
        CreateDomain(d) | DropDomain(d) => Owner::new("domain", &d.name),
        AlterDomain { to, .. } | RebuildDomain { to, .. } => Owner::new("domain", &to.name),
        CreateComposite(t) | DropComposite(t) => Owner::new("type", &t.name),
        AlterComposite { to, .. } => Owner::new("type", &to.name),
        CreateRange(r) | DropRange(r) => Owner::new("type", &r.name),
        RebuildRange { to, .. } => Owner::new("type", &to.name),
        CreateSequence(s) | DropSequence(s) => Owner::new("sequence", &s.name),
        AlterSequence { to, .. } => Owner::new("sequence", &to.name),
        CreateRoutine(r) | DropRoutine(r) | ReplaceRoutine { to: r, .. } => {
            Owner::new(r.kind.noun(), r.key())
        }
        CreateProgram(p) | DropProgram(p) | ReplaceProgram { to: p, .. } => {
            Owner::new(p.kind.noun(), &p.name)
        }
        CreateView(v) | DropView(v) => Owner::new(view_kind(v.materialized), &v.name),
        SetViewOptions {
            view, materialized, ..
        } => Owner::new(view_kind(*materialized), view),
        SetComment { target, .. } => match target {
            CommentTarget::View(v) => Owner::new("view", v),
            CommentTarget::MaterializedView(v) => Owner::new("materialized view", v),
            CommentTarget::Sequence(s) => Owner::new("sequence", s),
            CommentTarget::Type(e) => Owner::new("type", e),
            CommentTarget::Domain(d) => Owner::new("domain", d),
            CommentTarget::Schema(s) => Owner::new("schema", s),
            // A column or index of a view says `table`: see [`of_views`].
            CommentTarget::Table(t)
            | CommentTarget::Column(t, _)
            | CommentTarget::Index(t, _)
            | CommentTarget::Constraint(t, _) => Owner::new("table", t),
            CommentTarget::Trigger(k) | CommentTarget::Rule(k) => Owner::new("table", &k.table),
        },
        Security(c) => security_owner(c),
        other => match other.table() {
            Some(t) => Owner::new("table", t),
            // Every remaining variant names a table; keep a readable fallback anyway.
            None => Owner::new(
                "object",
                other.objects().first().cloned().unwrap_or_default(),
            ),
        },
    }
}

/// Steps on a view's columns and indexes are owned by the view: a change names only the
/// relation, so the view's kind comes from the schema that has it.
pub fn of_views(steps: &mut [crate::plan::Step], from: &Schema, to: &Schema) {
    let views: std::collections::BTreeMap<String, &'static str> = from
        .views
        .values()
        .chain(to.views.values())
        .map(|v| (v.name.to_string(), view_kind(v.materialized)))
        .collect();
    for s in steps {
        if s.owner.kind != "table" {
            continue;
        }
        if let Some(kind) = views.get(&s.owner.name) {
            s.owner.kind = kind;
        }
    }
}

/// The table a rename came from, for changes that move an object to a new name.
pub fn renamed_from(change: &Change) -> Option<Owner> {
    match change {
        Change::RenameTable { from, .. } => Some(Owner::new("table", from)),
        _ => None,
    }
}

/// A policy or row-security change belongs to its table; a privilege or owner change to
/// its object (a column's to the table), default privileges to the schema or database.
fn security_owner(c: &crate::diff::SecurityChange) -> Owner {
    use crate::diff::SecurityChange as S;
    use crate::model::SecurableKind as K;
    match c {
        S::SetPrivileges { object, .. } | S::SetOwner { object, .. } => match object.kind {
            K::Schema => Owner::new("schema", &object.name.name),
            K::Table | K::Column => Owner::new("table", &object.name),
            K::Function | K::Procedure => {
                let args: Vec<String> = object.args.iter().map(|a| a.to_string()).collect();
                Owner::new(
                    object.kind.noun(),
                    format!("{}({})", object.name, args.join(", ")),
                )
            }
            k => Owner::new(k.noun(), &object.name),
        },
        S::SetDefaultPrivileges { schema, .. } => match schema {
            Some(s) => Owner::new("schema", s),
            None => Owner::new("default privileges", "*"),
        },
        other => match other.table() {
            Some(t) => Owner::new("table", t),
            None => Owner::new("table", ""),
        },
    }
}
