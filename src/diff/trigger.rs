//! Triggers and rules (PostgreSQL). A changed trigger is replaced in place (`CREATE OR
//! REPLACE TRIGGER`) unless either side is a constraint trigger, which PostgreSQL only
//! drops and creates; a changed rule is replaced in place. Each is created again after
//! anything that drops it along: its table or view created again, the function it
//! executes (or its `WHEN`, or a rule's action, calls) dropped, a column it names
//! retyped; and dropped on its own before its table or view is, so the plan never drops
//! what it needs first. A trigger or rule on a relation sqlshift leaves alone is left alone.

use super::dependents::Dropped;
use super::{Change, CommentTarget};
use crate::model::{Dependent, Firing, OnTable, QName, Rule, Schema, Trigger};
use std::collections::{BTreeMap, BTreeSet};

/// What the other changes do to the relations triggers and rules live on.
struct Around {
    /// Tables renamed: old name → new name.
    renamed: BTreeMap<QName, QName>,
    /// Relations dropped and created again (or rebuilt): their triggers and rules go.
    recreated: BTreeSet<QName>,
    /// Tables whose columns change type, name or existence.
    reshaped: BTreeSet<QName>,
    dropped: Dropped,
}

impl Around {
    fn of(out: &[Change]) -> Around {
        let mut a = Around {
            renamed: BTreeMap::new(),
            recreated: BTreeSet::new(),
            reshaped: BTreeSet::new(),
            dropped: Dropped::of(out),
        };
        for c in out {
            match c {
                Change::RenameTable { from, to, .. } => {
                    a.renamed.insert(from.clone(), to.clone());
                }
                Change::DropTable(t) => {
                    a.recreated.insert(t.name.clone());
                }
                Change::DropView(v) => {
                    a.recreated.insert(v.name.clone());
                }
                Change::RebuildTable { to, .. } => {
                    a.recreated.insert(to.name.clone());
                }
                _ => {}
            }
            a.reshaped.extend(c.reshaped_tables().into_iter().cloned());
        }
        a
    }

    /// The relation's name after the plan (a renamed table's new name).
    fn now<'a>(&'a self, q: &'a QName) -> &'a QName {
        self.renamed.get(q).unwrap_or(q)
    }
}

fn exists(s: &Schema, q: &QName) -> bool {
    s.tables.contains_key(q) || s.views.contains_key(q)
}

pub(super) fn triggers_and_rules(from: &Schema, to: &Schema, out: &mut Vec<Change>) {
    let none = |s: &Schema| s.triggers.is_empty() && s.rules.is_empty();
    if none(from) && none(to) {
        return;
    }
    let around = Around::of(out);
    triggers(from, to, &around, out);
    rules(from, to, &around, out);
}

fn triggers(from: &Schema, to: &Schema, around: &Around, out: &mut Vec<Change>) {
    // The live triggers under the names of their tables after the plan.
    let moved: BTreeMap<OnTable, Trigger> = from
        .triggers
        .values()
        .filter(|t| exists(from, &t.table))
        .map(|t| {
            let mut t = t.clone();
            t.table = around.now(&t.table).clone();
            (t.key(), t)
        })
        .collect();
    for (key, t) in &to.triggers {
        if !exists(to, &t.table) {
            continue;
        }
        let Some(old) = moved.get(key) else {
            out.push(Change::CreateTrigger(t.clone()));
            continue;
        };
        let goes = around.recreated.contains(&t.table)
            || around.dropped.hits(
                &Dependent::Trigger(old.table.clone(), old.name.clone()),
                old.calls(),
            )
            || (old.reads_columns() && around.reshaped.contains(&t.table))
            || old
                .from
                .as_ref()
                .is_some_and(|f| around.recreated.contains(f));
        let changed = !old.same_definition(t);
        if goes || (changed && (old.constraint || t.constraint)) {
            out.push(Change::DropTrigger(old.clone()));
            out.push(Change::CreateTrigger(t.clone()));
            continue;
        }
        if changed {
            // Replacing sets it firing on origin again; its comment stays.
            out.push(Change::ReplaceTrigger {
                from: old.clone(),
                to: t.clone(),
            });
        } else if old.firing != t.firing {
            out.push(set_firing(key, false, old.firing, t.firing));
        }
        comment(
            out,
            CommentTarget::Trigger(key.clone()),
            &old.comment,
            &t.comment,
        );
    }
    // Dropped on their own even where their table or view goes: first, so that nothing
    // they need (a function, a table a rule writes) is dropped while they still exist.
    for (key, old) in &moved {
        if !to.triggers.contains_key(key) {
            out.push(Change::DropTrigger(old.clone()));
        }
    }
}

fn rules(from: &Schema, to: &Schema, around: &Around, out: &mut Vec<Change>) {
    let moved: BTreeMap<OnTable, Rule> = from
        .rules
        .values()
        .filter(|r| exists(from, &r.table))
        .map(|r| {
            let mut r = r.clone();
            r.table = around.now(&r.table).clone();
            (r.key(), r)
        })
        .collect();
    for (key, r) in &to.rules {
        if !exists(to, &r.table) {
            continue;
        }
        let Some(old) = moved.get(key) else {
            out.push(Change::CreateRule(r.clone()));
            continue;
        };
        // A rule names columns of its table and of what its actions read or write:
        // PostgreSQL refuses to retype them, or drop them, while it exists.
        let touched = |q: &QName| around.reshaped.contains(q) || around.recreated.contains(q);
        let goes = around.dropped.hits(
            &Dependent::Rule(old.table.clone(), old.name.clone()),
            old.calls.0.iter().cloned(),
        ) || touched(&r.table)
            || old.depends_on.iter().any(|d| touched(around.now(d)));
        if goes {
            out.push(Change::DropRule(old.clone()));
            out.push(Change::CreateRule(r.clone()));
            continue;
        }
        if !old.same_definition(r) {
            out.push(Change::ReplaceRule {
                from: old.clone(),
                to: r.clone(),
            });
        }
        if old.firing != r.firing {
            out.push(set_firing(key, true, old.firing, r.firing));
        }
        comment(
            out,
            CommentTarget::Rule(key.clone()),
            &old.comment,
            &r.comment,
        );
    }
    for (key, old) in &moved {
        if !to.rules.contains_key(key) {
            out.push(Change::DropRule(old.clone()));
        }
    }
}

fn set_firing(key: &OnTable, rule: bool, from: Firing, to: Firing) -> Change {
    Change::SetFiring {
        table: key.table.clone(),
        name: key.name.clone(),
        rule,
        from,
        to,
    }
}

fn comment(
    out: &mut Vec<Change>,
    target: CommentTarget,
    from: &Option<String>,
    to: &Option<String>,
) {
    if from != to {
        out.push(Change::SetComment {
            target,
            from: from.clone(),
            to: to.clone(),
        });
    }
}
