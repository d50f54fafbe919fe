//! PostgreSQL SQL for domains: `CREATE DOMAIN`, `ALTER DOMAIN`, and re-creating a domain
//! whose base type or collation changes.

use super::super::ansi::qname;
use super::super::writer::quote_ident;
use super::types::type_sql;
use crate::model::{Column, Domain, DomainCheck, QName};

fn check_clause(c: &DomainCheck) -> String {
    format!("CONSTRAINT {} CHECK ({})", quote_ident(&c.name), c.expr.sql)
}

/// `ALTER DOMAIN … ADD CONSTRAINT`, `NOT VALID` where the schema says so.
fn add_check(domain: &QName, c: &DomainCheck) -> String {
    format!(
        "ALTER DOMAIN {} ADD {}{}",
        qname(domain),
        check_clause(c),
        if c.not_valid { " NOT VALID" } else { "" }
    )
}

/// The statements that create `d`: one `CREATE DOMAIN`, and an `ALTER DOMAIN … ADD
/// CONSTRAINT … NOT VALID` for each check added without validation (as pg_dump writes it).
pub fn create(d: &Domain) -> Vec<String> {
    let mut s = format!(
        "CREATE DOMAIN {} AS {}",
        qname(&d.name),
        type_sql(&d.data_type)
    );
    if let Some(c) = &d.collation {
        s.push_str(&format!(" COLLATE {}", qname(c)));
    }
    if let Some(e) = &d.default {
        s.push_str(&format!(" DEFAULT {}", e.sql));
    }
    if d.not_null {
        s.push_str(" NOT NULL");
    }
    for c in d.checks.iter().filter(|c| !c.not_valid) {
        s.push(' ');
        s.push_str(&check_clause(c));
    }
    let mut out = vec![s];
    out.extend(
        d.checks
            .iter()
            .filter(|c| c.not_valid)
            .map(|c| add_check(&d.name, c)),
    );
    out
}

pub fn drop(name: &QName) -> String {
    format!("DROP DOMAIN {}", qname(name))
}

/// Checks go first (a changed one is dropped and added again), then the default, then
/// NOT NULL.
pub fn alter(from: &Domain, to: &Domain) -> Vec<String> {
    let name = qname(&to.name);
    let mut out: Vec<String> = from
        .checks_dropped_in(to)
        .map(|c| {
            format!(
                "ALTER DOMAIN {name} DROP CONSTRAINT {}",
                quote_ident(&c.name)
            )
        })
        .collect();
    out.extend(from.checks_added_in(to).map(|c| add_check(&to.name, c)));
    if from.default != to.default {
        out.push(match &to.default {
            Some(e) => format!("ALTER DOMAIN {name} SET DEFAULT {}", e.sql),
            None => format!("ALTER DOMAIN {name} DROP DEFAULT"),
        });
    }
    if from.not_null != to.not_null {
        out.push(format!(
            "ALTER DOMAIN {name} {} NOT NULL",
            if to.not_null { "SET" } else { "DROP" }
        ));
    }
    out
}

/// The old domains are renamed out of the way (the domains over them and the columns keep
/// pointing at them), the new ones created, every column converted, and the old ones
/// dropped, the outermost first.
pub fn rebuild(to: &Domain, dependents: &[Domain], usages: &[(QName, Column)]) -> Vec<String> {
    let group: Vec<&Domain> = std::iter::once(to).chain(dependents).collect();
    let old = |d: &Domain| format!("{}_sqlshift_old", d.name.name);
    let mut out: Vec<String> = group
        .iter()
        .map(|d| {
            format!(
                "ALTER DOMAIN {} RENAME TO {}",
                qname(&d.name),
                quote_ident(&old(d))
            )
        })
        .collect();
    for d in &group {
        out.extend(create(d));
    }
    for (table, col) in usages {
        out.push(super::render::convert_column(table, col, |c, ty| {
            format!("{c}::{ty}")
        }));
    }
    for d in group.iter().rev() {
        out.push(drop(&QName::new(d.name.schema.clone(), old(d))));
    }
    out
}
