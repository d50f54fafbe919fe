//! Composite and range types: created, dropped, altered (composites) or created again
//! (ranges, which PostgreSQL cannot alter); their comments and domains' comments.

use super::{Change, CommentTarget};
use crate::model::{QName, Schema};

pub(super) fn composites(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, t) in &to.composites {
        match from.composites.get(name) {
            None => out.push(Change::CreateComposite(t.clone())),
            Some(old) if old != t => out.push(Change::AlterComposite {
                from: old.clone(),
                to: t.clone(),
            }),
            Some(_) => {}
        }
    }
    for (name, t) in &from.composites {
        if !to.composites.contains_key(name) {
            out.push(Change::DropComposite(t.clone()));
        }
    }
}

pub(super) fn ranges(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    for (name, r) in &to.ranges {
        match from.ranges.get(name) {
            None => out.push(Change::CreateRange(r.clone())),
            Some(old) if old != r => {
                let names = [old.name.clone(), old.multirange_name()];
                out.push(Change::RebuildRange {
                    from: old.clone(),
                    to: r.clone(),
                    usages: super::columns_using(from, to, |q| names.contains(q)),
                })
            }
            Some(_) => {}
        }
    }
    for (name, r) in &from.ranges {
        if !to.ranges.contains_key(name) {
            out.push(Change::DropRange(r.clone()));
        }
    }
}

/// Comments on composite types, range types and domains (`Schema::type_comments`). A type
/// created, or created again (a rebuilt range or domain), starts without one.
pub(super) fn comments(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let mut rebuilt: Vec<&QName> = Vec::new();
    for c in out.iter() {
        match c {
            Change::RebuildRange { to, .. } => rebuilt.push(&to.name),
            Change::RebuildDomain { to, dependents, .. } => {
                rebuilt.push(&to.name);
                rebuilt.extend(dependents.iter().map(|d| &d.name));
            }
            _ => {}
        }
    }
    let mut changes = Vec::new();
    let names = to
        .composites
        .keys()
        .map(|k| (k, false))
        .chain(to.ranges.keys().map(|k| (k, false)))
        .chain(to.domains.keys().map(|k| (k, true)));
    for (name, domain) in names {
        let existed = if domain {
            from.domains.contains_key(name)
        } else {
            from.composites.contains_key(name) || from.ranges.contains_key(name)
        };
        let kept = existed && !rebuilt.contains(&name);
        let live = from.type_comments.get(name).filter(|_| kept);
        let wanted = to.type_comments.get(name);
        if live != wanted {
            changes.push(Change::SetComment {
                target: if domain {
                    CommentTarget::Domain(name.clone())
                } else {
                    CommentTarget::Type(name.clone())
                },
                from: live.cloned(),
                to: wanted.cloned(),
            });
        }
    }
    out.extend(changes);
}
