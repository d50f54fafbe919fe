//! MySQL SQL for each change. Table-addressed changes render as `ALTER TABLE t <clause>`
//! so that `combine` can join a table's clauses into one statement.

use super::types::{expr_sql, literal as quote_literal, quote, type_sql};
use crate::diff::{Change, CommentTarget, Position};
use crate::model::{Check, Column, FkAction, ForeignKey, Index, IndexKey, QName, Table, Unique};

pub fn name(q: &QName) -> String {
    quote(&q.name)
}

fn cols(c: &[String]) -> String {
    c.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
}

/// Types are spelled natively, also for `inspect`: a MySQL file reads TIMESTAMP as MySQL's
/// own type, so what `inspect` writes loads with the `mariadb` client as it is.
pub fn column_def(c: &Column) -> String {
    let ty = type_sql(&c.data_type);
    let mut s = format!("{} {ty}", quote(&c.name));
    if let Some(cs) = &c.charset {
        s.push_str(&format!(" CHARACTER SET {cs}"));
    }
    if let Some(co) = &c.collation {
        s.push_str(&format!(" COLLATE {co}"));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            expr_sql(&g.expr.sql),
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
        if !c.nullable {
            s.push_str(" NOT NULL");
        }
    } else {
        s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
        if let Some(d) = &c.default {
            s.push_str(&format!(" DEFAULT {}", default_sql(&expr_sql(&d.sql))));
        }
        if let Some(u) = &c.on_update {
            s.push_str(&format!(" ON UPDATE {}", expr_sql(&u.sql)));
        }
        if c.autoincrement {
            s.push_str(" AUTO_INCREMENT");
        }
    }
    if let Some(cm) = &c.comment {
        s.push_str(&format!(" COMMENT {}", quote_literal(cm)));
    }
    if let Some(k) = &c.check {
        s.push_str(&format!(" CHECK ({})", expr_sql(&k.sql)));
    }
    s
}

/// Literals and CURRENT_TIMESTAMP stand bare; any other expression is parenthesized.
fn default_sql(sql: &str) -> String {
    let s = sql.trim();
    let upper = s.to_ascii_uppercase();
    let bare = s.starts_with('\'')
        || s.parse::<f64>().is_ok()
        || matches!(upper.as_str(), "NULL" | "TRUE" | "FALSE")
        || upper.starts_with("CURRENT_TIMESTAMP")
        || upper == "NOW()";
    if bare || (s.starts_with('(') && s.ends_with(')')) {
        s.to_string()
    } else {
        format!("({s})")
    }
}

fn index_parts(i: &Index) -> String {
    i.parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => quote(c),
                IndexKey::Expr(e) => format!("({})", expr_sql(&e.sql)),
            };
            if let Some(l) = p.length {
                s.push_str(&format!("({l})"));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn index_clause(i: &Index) -> String {
    let kind = match (i.method.as_deref(), i.unique) {
        (Some("fulltext"), _) => "FULLTEXT KEY",
        (Some("spatial"), _) => "SPATIAL KEY",
        (_, true) => "UNIQUE KEY",
        _ => "KEY",
    };
    let mut s = format!("{kind} {} ({})", quote(&i.name), index_parts(i));
    if let Some(u @ ("btree" | "hash")) = i.using.as_deref() {
        s.push_str(&format!(" USING {}", u.to_ascii_uppercase()));
    }
    if let Some(c) = &i.comment {
        s.push_str(&format!(" COMMENT {}", quote_literal(c)));
    }
    s
}

fn unique_clause(u: &Unique) -> String {
    format!("UNIQUE KEY {} ({})", quote(&u.name), cols(&u.columns))
}

fn check_clause(c: &Check) -> String {
    format!(
        "CONSTRAINT {} CHECK ({})",
        quote(&c.name),
        expr_sql(&c.expr.sql)
    )
}

fn fk_clause(fk: &ForeignKey) -> String {
    let mut s = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote(&fk.name),
        cols(&fk.columns),
        name(&fk.ref_table),
        cols(&fk.ref_columns)
    );
    if fk.on_delete != FkAction::Restrict {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != FkAction::Restrict {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    s
}

pub fn create_table(t: &Table) -> String {
    let mut lines: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(pk) = &t.primary_key {
        lines.push(format!("PRIMARY KEY ({})", cols(&pk.columns)));
    }
    lines.extend(t.uniques.iter().map(unique_clause));
    lines.extend(t.indexes.iter().map(index_clause));
    lines.extend(t.checks.iter().map(check_clause));
    lines.extend(t.foreign_keys.iter().map(fk_clause));
    let mut s = format!(
        "CREATE TABLE {} (\n  {}\n)",
        name(&t.name),
        lines.join(",\n  ")
    );
    if let Some(e) = &t.engine {
        s.push_str(&format!(" ENGINE={e}"));
    }
    if let Some(c) = &t.charset {
        s.push_str(&format!(" DEFAULT CHARSET={c}"));
    }
    if let Some(c) = &t.collation {
        s.push_str(&format!(" COLLATE={c}"));
    }
    if let Some(c) = &t.comment {
        s.push_str(&format!(" COMMENT={}", quote_literal(c)));
    }
    s.push_str(&row_options(&t.row_format, t.key_block_size));
    s
}

/// ` ROW_FORMAT=… KEY_BLOCK_SIZE=…`, as SHOW CREATE TABLE writes them.
fn row_options(row_format: &Option<String>, key_block_size: Option<u32>) -> String {
    let mut s = String::new();
    if let Some(r) = row_format {
        s.push_str(&format!(" ROW_FORMAT={}", r.to_ascii_uppercase()));
    }
    if let Some(k) = key_block_size {
        s.push_str(&format!(" KEY_BLOCK_SIZE={k}"));
    }
    s
}

fn alter(table: &QName, clause: String) -> Vec<String> {
    vec![format!("ALTER TABLE {} {clause}", name(table))]
}

fn position(p: &Option<Position>) -> String {
    match p {
        None => String::new(),
        Some(Position::First) => " FIRST".into(),
        Some(Position::After(c)) => format!(" AFTER {}", quote(c)),
    }
}

pub fn render(change: &Change) -> Vec<String> {
    use Change::*;
    match change {
        // Stored programs are rendered in `program` (see `Mysql::render`).
        CreateProgram(_) | DropProgram(_) | ReplaceProgram { .. } => Vec::new(),
        CreateRoutine(_) | DropRoutine(_) | ReplaceRoutine { .. } | Security(_) => {
            vec![format!("-- sqlshift: {} has no MySQL form", change.kind())]
        }
        // PostgreSQL's triggers and rules (normalization takes them off this dialect's schema).
        CreateTrigger(_)
        | DropTrigger(_)
        | ReplaceTrigger { .. }
        | CreateRule(_)
        | DropRule(_)
        | ReplaceRule { .. }
        | SetFiring { .. } => {
            vec![format!("-- sqlshift: {} has no MySQL form", change.kind())]
        }
        CreateTable(t) => vec![create_table(t)],
        DropTable(t) => vec![format!("DROP TABLE {}", name(&t.name))],
        RenameTable { from, to, .. } => {
            vec![format!("RENAME TABLE {} TO {}", name(from), name(to))]
        }
        AddColumn {
            table,
            column,
            position: p,
        } => alter(
            table,
            format!("ADD COLUMN {}{}", column_def(column), position(p)),
        ),
        MoveColumn {
            table,
            to,
            position: p,
            ..
        } => alter(
            table,
            format!(
                "MODIFY COLUMN {}{}",
                column_def(to),
                position(&Some(p.clone()))
            ),
        ),
        DropColumn { table, column } => {
            alter(table, format!("DROP COLUMN {}", quote(&column.name)))
        }
        RenameColumn {
            table, from, to, ..
        } => alter(
            table,
            format!("RENAME COLUMN {} TO {}", quote(from), quote(to)),
        ),
        AlterColumn { table, to, .. } => alter(table, format!("MODIFY COLUMN {}", column_def(to))),
        SetTableOptions {
            table,
            engine,
            charset,
            collation,
            row_format,
            key_block_size,
        } => {
            let mut clauses = Vec::new();
            let rows = row_options(row_format, *key_block_size);
            if !rows.is_empty() {
                clauses.push(rows.trim_start().to_string());
            }
            if let Some(e) = engine {
                clauses.push(format!("ENGINE={e}"));
            }
            match (charset, collation) {
                (Some(cs), Some(co)) => {
                    clauses.push(format!("CONVERT TO CHARACTER SET {cs} COLLATE {co}"))
                }
                (Some(cs), None) => clauses.push(format!("CONVERT TO CHARACTER SET {cs}")),
                (None, Some(co)) => clauses.push(format!(
                    "CONVERT TO CHARACTER SET {} COLLATE {co}",
                    co.split('_').next().unwrap_or(co)
                )),
                (None, None) => {}
            }
            alter(table, clauses.join(", "))
        }
        AddPrimaryKey { table, pk } => {
            alter(table, format!("ADD PRIMARY KEY ({})", cols(&pk.columns)))
        }
        DropPrimaryKey { table, .. } => alter(table, "DROP PRIMARY KEY".into()),
        AddUnique { table, unique } => alter(table, format!("ADD {}", unique_clause(unique))),
        DropUnique { table, unique } => alter(table, format!("DROP INDEX {}", quote(&unique.name))),
        AddCheck { table, check } => alter(table, format!("ADD {}", check_clause(check))),
        DropCheck { table, check } => {
            alter(table, format!("DROP CONSTRAINT {}", quote(&check.name)))
        }
        AddForeignKey { table, fk } => alter(table, format!("ADD {}", fk_clause(fk))),
        DropForeignKey { table, fk } => {
            alter(table, format!("DROP FOREIGN KEY {}", quote(&fk.name)))
        }
        // Normalization clears NOT VALID (MySQL has none), so this is never planned.
        ValidateConstraint { .. } => Vec::new(),
        // Lowering leaves only unique keys here (checks and foreign keys are re-created).
        RenameConstraint { table, from, to } | RenameIndex { table, from, to } => alter(
            table,
            format!("RENAME INDEX {} TO {}", quote(from), quote(to)),
        ),
        CreateIndex { table, index } => alter(table, format!("ADD {}", index_clause(index))),
        DropIndex { table, index } => alter(table, format!("DROP INDEX {}", quote(&index.name))),
        // Planned by PostgreSQL's online mode only.
        ReplaceIndex {
            table, from, to, ..
        } => alter(
            table,
            format!("DROP INDEX {}, ADD {}", quote(&from.name), index_clause(to)),
        ),
        CreateView(v) => {
            let mut s = String::from("CREATE ");
            if let Some(a) = &v.algorithm {
                s.push_str(&format!("ALGORITHM={} ", a.to_ascii_uppercase()));
            }
            if let Some(x) = &v.security {
                s.push_str(&format!("SQL SECURITY {} ", x.to_ascii_uppercase()));
            }
            s.push_str(&format!(
                "VIEW {} AS {}",
                name(&v.name),
                expr_sql(&v.query.sql)
            ));
            if let Some(c) = &v.check_option {
                s.push_str(&format!(" WITH {} CHECK OPTION", c.to_ascii_uppercase()));
            }
            vec![s]
        }
        DropView(v) => vec![format!("DROP VIEW {}", name(&v.name))],
        SetComment {
            target: CommentTarget::Table(t),
            to,
            ..
        } => alter(
            t,
            format!("COMMENT = {}", quote_literal(to.as_deref().unwrap_or(""))),
        ),
        // Column comments are lowered into MODIFY COLUMN; the rest never differ on MySQL
        // because normalization maps them away.
        SetComment { .. }
        | RebuildTable { .. }
        | CreateSchema(_)
        | DropSchema(_)
        | CreateExtension(_)
        | DropExtension(_)
        | CreateEnum(_)
        | DropEnum(_)
        | AddEnumValue { .. }
        | RebuildEnum { .. }
        | CreateDomain(_)
        | DropDomain(_)
        | AlterDomain { .. }
        | RebuildDomain { .. }
        | CreateComposite(_)
        | DropComposite(_)
        | AlterComposite { .. }
        | CreateRange(_)
        | DropRange(_)
        | RebuildRange { .. }
        | CreateSequence(_)
        | DropSequence(_)
        | AlterSequence { .. }
        | SetViewOptions { .. }
        | SetLogged { .. }
        | SetStorage { .. }
        // PostgreSQL's partitions and inheritance; normalization leaves such tables out here.
        | SetPartitionOf { .. }
        | SetInherits { .. }
        | Refuse { .. }
        | AddExclusion { .. }
        | DropExclusion { .. } => {
            vec![format!("-- sqlshift: {} has no MySQL form", change.kind())]
        }
    }
}
