//! The top-level object a change belongs to: the table an index, column or constraint
//! lives on, the type, sequence, view, schema or extension itself. Plans are shown grouped
//! by it, and drift reports one entry per owner.

use crate::diff::{Change, CommentTarget};
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
        CreateView(v) | DropView(v) => Owner::new(view_kind(v.materialized), &v.name),
        SetComment {
            target: CommentTarget::View(v),
            ..
        } => Owner::new("view", v),
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

/// The table a rename came from, for changes that move an object to a new name.
pub fn renamed_from(change: &Change) -> Option<Owner> {
    match change {
        Change::RenameTable { from, .. } => Some(Owner::new("table", from)),
        _ => None,
    }
}
