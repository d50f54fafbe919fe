//! SQLite SQL for each change. Changes SQLite cannot do in place never reach here: the
//! lowering step turned them into table rebuilds.

use super::super::ansi;
use super::super::writer::quote_ident;
use super::rebuild;
use crate::diff::Change;
use crate::model::{Column, DataType, Table};

pub fn type_name(t: &DataType) -> &'static str {
    match t {
        DataType::Integer | DataType::SmallInt | DataType::BigInt | DataType::Boolean => "INTEGER",
        DataType::Double | DataType::Real => "REAL",
        DataType::Numeric(_) => "NUMERIC",
        DataType::Bytes => "BLOB",
        _ => "TEXT",
    }
}

fn is_literal(sql: &str) -> bool {
    let s = sql.trim();
    s.starts_with('\'') && s.ends_with('\'')
        || s.parse::<f64>().is_ok()
        || matches!(
            s.to_ascii_uppercase().as_str(),
            "NULL" | "TRUE" | "FALSE" | "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME"
        )
}

pub fn column_def(t: &Table, c: &Column) -> String {
    // In a STRICT table the only type with NUMERIC affinity is ANY (and NUMERIC is refused).
    let ty = match &c.data_type {
        DataType::Numeric(_) if t.strict => "ANY",
        other => type_name(other),
    };
    let mut s = format!("{} {}", quote_ident(&c.name), ty);
    let inline_pk = inline_pk(t).is_some_and(|pk| pk == c.name);
    if inline_pk {
        s.push_str(" PRIMARY KEY");
        if c.autoincrement {
            s.push_str(" AUTOINCREMENT");
        }
    }
    // The rowid alias is never NULL (a NULL asks for the next rowid), and SQLite's own
    // spelling of it, `INTEGER PRIMARY KEY`, declares no NOT NULL.
    if !c.nullable && (!inline_pk || c.not_null_written) {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        if is_literal(&d.sql) {
            s.push_str(&format!(" DEFAULT {}", d.sql));
        } else {
            s.push_str(&format!(" DEFAULT ({})", d.sql));
        }
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr.sql,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    }
    s
}

/// A single INTEGER primary key is written on its column so it stays the rowid alias.
fn inline_pk(t: &Table) -> Option<&str> {
    let pk = t.primary_key.as_ref()?;
    match pk.columns.as_slice() {
        [one]
            if t.column(one)
                .is_some_and(|c| c.data_type == DataType::Integer) =>
        {
            Some(one)
        }
        _ => None,
    }
}

pub fn create_table(t: &Table, name: &str) -> Vec<String> {
    let mut lines: Vec<String> = t.columns.iter().map(|c| column_def(t, c)).collect();
    if let Some(pk) = &t.primary_key {
        if inline_pk(t).is_none() {
            lines.push(format!("PRIMARY KEY ({})", ansi::columns(&pk.columns)));
        }
    }
    // Unique and foreign-key names are always the generated ones on SQLite (see normalize).
    lines.extend(t.uniques.iter().map(ansi::unique_body));
    lines.extend(t.checks.iter().map(ansi::check));
    lines.extend(t.foreign_keys.iter().map(ansi::foreign_key_body));
    let options: Vec<&str> = [(t.strict, "STRICT"), (t.without_rowid, "WITHOUT ROWID")]
        .into_iter()
        .filter_map(|(set, o)| set.then_some(o))
        .collect();
    let mut out = vec![format!(
        "CREATE TABLE {} (\n  {}\n){}",
        name,
        lines.join(",\n  "),
        if options.is_empty() {
            String::new()
        } else {
            format!(" {}", options.join(", "))
        }
    )];
    out.extend(
        t.indexes
            .iter()
            .map(|i| ansi::create_index(&t.name, i, false)),
    );
    out
}

pub fn render(change: &Change) -> Vec<String> {
    use Change::*;
    match change {
        CreateTable(t) => create_table(t, &ansi::qname(&t.name)),
        DropTable(t) => vec![format!("DROP TABLE {}", ansi::qname(&t.name))],
        RenameTable { from, to } => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            ansi::qname(from),
            quote_ident(&to.name)
        )],
        RebuildTable { from, to } => rebuild::render(from, to),
        AddColumn { table, column, .. } => {
            let t = Table::new(table.clone());
            vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                ansi::qname(table),
                column_def(&t, column)
            )]
        }
        RenameColumn { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            ansi::qname(table),
            quote_ident(from),
            quote_ident(to)
        )],
        CreateIndex { table, index } => vec![ansi::create_index(table, index, false)],
        DropIndex { index, .. } => vec![format!("DROP INDEX {}", quote_ident(&index.name))],
        CreateView(v) => vec![format!(
            "CREATE VIEW {} AS {}",
            ansi::qname(&v.name),
            v.query.sql
        )],
        DropView(v) => vec![format!("DROP VIEW {}", ansi::qname(&v.name))],
        // Lowered into rebuilds, or removed by normalization: SQLite has no such objects.
        DropColumn { .. }
        | AlterColumn { .. }
        | AddPrimaryKey { .. }
        | DropPrimaryKey { .. }
        | AddUnique { .. }
        | DropUnique { .. }
        | AddCheck { .. }
        | DropCheck { .. }
        | AddForeignKey { .. }
        | DropForeignKey { .. }
        | RenameConstraint { .. }
        | RenameIndex { .. }
        | CreateSchema(_)
        | DropSchema(_)
        | CreateExtension(_)
        | DropExtension(_)
        | CreateEnum(_)
        | DropEnum(_)
        | AddEnumValue { .. }
        | RebuildEnum { .. }
        | CreateSequence(_)
        | DropSequence(_)
        | AlterSequence { .. }
        | SetComment { .. }
        | MoveColumn { .. }
        | SetTableOptions { .. } => {
            vec![format!("-- sqlshift: {} has no SQLite form", change.kind())]
        }
    }
}
