//! PostgreSQL online mode: each change to a table that already holds rows takes the form
//! that holds the strongest lock for the shortest time (the forms of stripe's
//! pg-schema-diff, squawk and strong_migrations).
//!
//! - A CHECK or FOREIGN KEY is added `NOT VALID` (a brief lock, no scan), then
//!   `VALIDATE CONSTRAINT` scans the rows in its own transaction under SHARE UPDATE
//!   EXCLUSIVE, which lets reads and writes go on. A key whose action changes is re-added
//!   the same way.
//! - A UNIQUE or PRIMARY KEY constraint takes over a unique index built `CONCURRENTLY`
//!   (`ADD CONSTRAINT … USING INDEX`), so ACCESS EXCLUSIVE is held only to attach it.
//! - `SET NOT NULL` is proved by a `CHECK (c IS NOT NULL)` validated beforehand
//!   (PostgreSQL 12+ then skips its own scan under ACCESS EXCLUSIVE); the check is dropped.
//! - An index whose definition changes is built anew under a temporary name, the old one
//!   dropped concurrently, the new one renamed: the table is never without it.
//!
//! Tables the same plan creates are empty: their keys keep the plain form.

use crate::dialect::ansi::{self, qname};
use crate::dialect::writer::quote_ident;
use crate::dialect::RenderOptions;
use crate::diff::Change;
use crate::model::{generated_name, Column, Index, IndexKey, IndexPart, QName, Schema, Unique};
use std::collections::BTreeSet;

/// Rewrites `changes` into their online forms (see the module doc); `from` is the live side.
pub fn rewrite(changes: Vec<Change>, from: &Schema, opts: &RenderOptions) -> Vec<Change> {
    if !opts.online {
        return changes;
    }
    let created: BTreeSet<QName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(t) => Some(t.name.clone()),
            _ => None,
        })
        .collect();
    let replaced = replaced_indexes(&changes, from, opts);
    let mut out = Vec::with_capacity(changes.len());
    for change in changes {
        match change {
            Change::AddCheck { table, mut check }
                if !check.not_valid && !created.contains(&table) =>
            {
                check.not_valid = true;
                let name = check.name.clone();
                out.push(Change::AddCheck {
                    table: table.clone(),
                    check,
                });
                out.push(Change::ValidateConstraint { table, name });
            }
            // PostgreSQL has no NOT VALID foreign key on a partitioned table.
            Change::AddForeignKey { table, mut fk }
                if !fk.not_valid && !created.contains(&table) && opts.online_on(&table) =>
            {
                fk.not_valid = true;
                let name = fk.name.clone();
                out.push(Change::AddForeignKey {
                    table: table.clone(),
                    fk,
                });
                out.push(Change::ValidateConstraint { table, name });
            }
            Change::DropIndex { table, index }
                if replaced.contains(&(table.clone(), index.name.clone())) =>
            {
                // Taken up by the ReplaceIndex made from its CreateIndex.
                let _ = (table, index);
            }
            Change::CreateIndex { table, index }
                if replaced.contains(&(table.clone(), index.name.clone())) =>
            {
                let old = from_index(from, &table, &index.name);
                match old {
                    Some(old) => out.push(Change::ReplaceIndex {
                        temp: temp_index_name(&index.name),
                        table,
                        from: old,
                        to: index,
                    }),
                    None => out.push(Change::CreateIndex { table, index }),
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Indexes dropped and created again under the same name (a definition change) whose
/// temporary name is free.
fn replaced_indexes(
    changes: &[Change],
    from: &Schema,
    opts: &RenderOptions,
) -> BTreeSet<(QName, String)> {
    let dropped: BTreeSet<(&QName, &str)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropIndex { table, index } => Some((table, index.name.as_str())),
            _ => None,
        })
        .collect();
    // An index that calls a function the plan drops must go before it, and its
    // replacement come after the function is created again: no overlap is possible.
    let routines: Vec<&QName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropRoutine(r) => Some(&r.name),
            _ => None,
        })
        .collect();
    let calls_dropped = |i: &Index| {
        i.calls()
            .iter()
            .any(|c| routines.iter().any(|r| crate::model::may_call(c, r)))
    };
    changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateIndex { table, index }
                if dropped.contains(&(table, index.name.as_str()))
                    && opts.concurrently_on(table)
                    && !name_taken(from, table, &temp_index_name(&index.name))
                    && from_index(from, table, &index.name)
                        .is_some_and(|old| routines.is_empty() || !calls_dropped(&old)) =>
            {
                Some((table.clone(), index.name.clone()))
            }
            _ => None,
        })
        .collect()
}

fn from_index(from: &Schema, rel: &QName, name: &str) -> Option<Index> {
    let indexes = match from.tables.get(rel) {
        Some(t) => &t.indexes,
        None => &from.views.get(rel)?.indexes,
    };
    indexes.iter().find(|i| i.name == name).cloned()
}

/// A relation name in the schema of `rel` already used by an index or constraint there.
fn name_taken(from: &Schema, rel: &QName, name: &str) -> bool {
    let same_schema = |q: &QName| q.schema == rel.schema;
    from.tables
        .iter()
        .filter(|(q, _)| same_schema(q))
        .any(|(q, t)| {
            q.name == name
                || t.indexes.iter().any(|i| i.name == name)
                || t.uniques.iter().any(|u| u.name == name)
                || t.primary_key.as_ref().is_some_and(|p| p.name == name)
                || t.exclusions.iter().any(|x| x.name == name)
        })
        || from
            .views
            .iter()
            .filter(|(q, _)| same_schema(q))
            .any(|(q, v)| q.name == name || v.indexes.iter().any(|i| i.name == name))
}

/// The name the new index is built under before it takes the old one's.
pub fn temp_index_name(name: &str) -> String {
    generated_name(name, &[], "sqlshift_new", 63)
}

/// The column gets NOT NULL through a validated check: nothing else about it changes
/// that PostgreSQL would do under its own scan or rewrite (type, collation, generation),
/// and no identity waits for the NOT NULL.
pub fn not_null_via_check(from: &Column, to: &Column, opts: &RenderOptions) -> bool {
    opts.online
        && from.nullable
        && !to.nullable
        && from.data_type == to.data_type
        && from.collation == to.collation
        && from.generated == to.generated
        && from.identity == to.identity
        && from.serial == to.serial
}

/// The temporary check that proves a column NOT NULL.
pub fn not_null_check_name(table: &QName, column: &str) -> String {
    generated_name(&table.name, &[column], "sqlshift_not_null", 63)
}

/// The statements around an `ALTER TABLE … SET NOT NULL` (`alter`) that make it online.
pub fn set_not_null(table: &QName, column: &str, alter: Vec<String>) -> Vec<String> {
    let t = qname(table);
    let check = quote_ident(&not_null_check_name(table, column));
    let mut out = vec![
        format!(
            "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({} IS NOT NULL) NOT VALID",
            quote_ident(column)
        ),
        format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}"),
    ];
    out.extend(alter);
    out.push(format!("ALTER TABLE {t} DROP CONSTRAINT {check}"));
    out
}

/// A UNIQUE or PRIMARY KEY constraint as a unique index built concurrently, then attached.
pub fn key_using_index(table: &QName, key: &Unique, primary: bool) -> Vec<String> {
    let index = key_index(key);
    let attrs = match (key.deferrable, key.initially_deferred) {
        (true, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        _ => "",
    };
    vec![
        ansi::create_index(table, &index, true),
        format!(
            "ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {}{attrs}",
            qname(table),
            quote_ident(&key.name),
            if primary { "PRIMARY KEY" } else { "UNIQUE" },
            quote_ident(&key.name),
        ),
    ]
}

/// The unique index a key constraint builds: plain columns, b-tree, ascending.
fn key_index(key: &Unique) -> Index {
    Index {
        name: key.name.clone(),
        unique: true,
        parts: key
            .columns
            .iter()
            .map(|c| IndexPart {
                key: IndexKey::Column(c.clone()),
                desc: false,
                nulls_first: None,
                opclass: None,
                length: None,
            })
            .collect(),
        predicate: None,
        method: None,
        nulls_not_distinct: key.nulls_not_distinct,
        include: Vec::new(),
        with: Vec::new(),
        comment: None,
        using: None,
        only: false,
        attached_to: None,
    }
}

/// A primary key as the unique key whose index it takes over.
pub fn primary_as_unique(pk: &crate::model::PrimaryKey) -> Unique {
    Unique {
        name: pk.name.clone(),
        columns: pk.columns.clone(),
        nulls_not_distinct: false,
        deferrable: false,
        initially_deferred: false,
    }
}

/// Build the new index under its temporary name, drop the old one, rename the new one.
pub fn replace_index(table: &QName, from: &Index, to: &Index, temp: &str) -> Vec<String> {
    let mut built = to.clone();
    built.name = temp.to_string();
    let mut out = super::render::create_index(table, &built, true);
    out.push(format!(
        "DROP INDEX CONCURRENTLY {}",
        ansi::sibling(table, &from.name)
    ));
    out.push(format!(
        "ALTER INDEX {} RENAME TO {}",
        ansi::sibling(table, temp),
        quote_ident(&to.name)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_fit_the_limit() {
        let long = "x".repeat(63);
        assert!(temp_index_name(&long).len() <= 63);
        assert_eq!(
            temp_index_name("users_email_idx"),
            "users_email_idx_sqlshift_new"
        );
        let t = QName::new("public", "users");
        assert_eq!(
            not_null_check_name(&t, "email"),
            "users_email_sqlshift_not_null"
        );
    }
}
