//! SQLite SQL for each change. Changes SQLite cannot do in place never reach here: the
//! lowering step turned them into table rebuilds.

use super::super::ansi;
use super::super::writer::quote_ident;
use super::rebuild;
use crate::diff::Change;
use crate::model::{Column, DataType, KeyRef, Table};

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

/// Text that is one parenthesized group already (`(datetime('now'))`, not `(a) + (b)`):
/// SQLite keeps a default's text as written, so it is not wrapped twice.
fn parenthesized(sql: &str) -> bool {
    if !sql.starts_with('(') || !sql.ends_with(')') {
        return false;
    }
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, ch) in sql.char_indices() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(ch),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 && i + 1 < sql.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// `0x10` reaches the model as the hex string `X'10'` (MySQL's meaning). In SQLite it is
/// the integer 16, and an INTEGER column is where a file writes it: there it is written
/// back as a hex integer (at most 16 digits, SQLite's 64 bits), not as a blob.
fn hex_integer(c: &Column, sql: &str) -> Option<String> {
    let digits = sql
        .strip_prefix(['X', 'x'])?
        .strip_prefix('\'')?
        .strip_suffix('\'')?;
    let fits =
        !digits.is_empty() && digits.len() <= 16 && digits.chars().all(|ch| ch.is_ascii_hexdigit());
    (fits && c.data_type == DataType::Integer).then(|| format!("0x{digits}"))
}

pub fn column_def(t: &Table, c: &Column) -> String {
    let ty = match (&c.declared, &c.data_type) {
        (Some(declared), _) => declared.as_str(),
        // In a STRICT table the only type with NUMERIC affinity is ANY (and NUMERIC is refused).
        (None, DataType::Numeric(_)) if t.strict => "ANY",
        (None, other) => type_name(other),
    };
    let mut s = quote_ident(&c.name);
    if !ty.is_empty() {
        s.push(' ');
        s.push_str(ty);
    }
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {}", coll.to_ascii_uppercase()));
    }
    let inline_pk = inline_pk(t).is_some_and(|pk| pk == c.name);
    if inline_pk {
        s.push_str(" PRIMARY KEY");
        if t.primary_key.as_ref().is_some_and(|p| p.desc) {
            s.push_str(" DESC");
        }
        if c.autoincrement {
            s.push_str(" AUTOINCREMENT");
        }
    }
    let in_key = t
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.contains(&c.name));
    // A key column is NOT NULL only where the file says so: SQLite's PRIMARY KEY allows
    // NULL (the rowid alias never holds one, WITHOUT ROWID makes its key NOT NULL itself).
    if !c.nullable && (!in_key || c.not_null_written) {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        let sql = d.sql.trim();
        if let Some(n) = hex_integer(c, sql) {
            s.push_str(&format!(" DEFAULT {n}"));
        } else if is_literal(sql) || parenthesized(sql) {
            // SQLite stores a default's text and shows it back: a boolean keeps the
            // spelling the file gave it (see `parse::ddl::spelled_boolean`).
            s.push_str(&format!(" DEFAULT {sql}"));
        } else {
            s.push_str(&format!(" DEFAULT ({sql})"));
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

/// A single INTEGER primary key is written on its column so it stays the rowid alias;
/// only the type spelled `INTEGER` makes one (`INT PRIMARY KEY` is an ordinary key). So is
/// a key whose order was written there (`PRIMARY KEY DESC`, which only a column takes).
fn inline_pk(t: &Table) -> Option<&str> {
    let pk = t.primary_key.as_ref()?;
    match pk.columns.as_slice() {
        [one] if pk.desc || t.column(one).is_some_and(is_rowid_type) => Some(one),
        _ => None,
    }
}

/// The column's type is SQLite's `INTEGER`, the one type a rowid alias can have.
pub fn is_rowid_type(c: &Column) -> bool {
    match &c.declared {
        Some(d) => d.eq_ignore_ascii_case("INTEGER"),
        None => c.data_type == DataType::Integer,
    }
}

pub fn create_table(t: &Table, name: &str) -> Vec<String> {
    let mut lines: Vec<String> = t.columns.iter().map(|c| column_def(t, c)).collect();
    // Keys in the order the file declared them: SQLite numbers autoindexes and foreign
    // keys by it. Unique and foreign-key names are always the generated ones (see
    // normalize), so a key missing from the order keeps its place by name, after the rest.
    let pk = t
        .primary_key
        .as_ref()
        .filter(|_| inline_pk(t).is_none())
        .map(|pk| format!("PRIMARY KEY ({})", ansi::columns(&pk.columns)));
    let mut keys: Vec<(usize, String)> = Vec::new();
    let position = |k: &KeyRef| {
        t.declared_keys
            .iter()
            .position(|d| d == k)
            .unwrap_or(usize::MAX)
    };
    if let Some(pk) = pk {
        keys.push((position(&KeyRef::PrimaryKey), pk));
    }
    for u in &t.uniques {
        keys.push((
            position(&KeyRef::Unique(u.name.clone())),
            ansi::unique_body(u),
        ));
    }
    let fks: Vec<(usize, String)> = t
        .foreign_keys
        .iter()
        .map(|f| {
            (
                position(&KeyRef::ForeignKey(f.name.clone())),
                ansi::foreign_key_body(f),
            )
        })
        .collect();
    keys.sort_by_key(|(p, _)| *p);
    lines.extend(keys.into_iter().map(|(_, k)| k));
    lines.extend(t.checks.iter().map(ansi::check));
    let mut fks = fks;
    fks.sort_by_key(|(p, _)| *p);
    lines.extend(fks.into_iter().map(|(_, f)| f));
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
        CreateRoutine(_) | DropRoutine(_) | ReplaceRoutine { .. } | Security(_) => {
            vec![format!("-- sqlshift: {} has no SQLite form", change.kind())]
        }
        CreateProgram(p) => super::trigger::create(p),
        DropProgram(p) => vec![super::trigger::drop(p)],
        ReplaceProgram { from, to } => {
            let mut out = vec![super::trigger::drop(from)];
            out.extend(super::trigger::create(to));
            out
        }
        // PostgreSQL's triggers and rules (normalization takes them off this dialect's schema).
        CreateTrigger(_)
        | DropTrigger(_)
        | ReplaceTrigger { .. }
        | CreateRule(_)
        | DropRule(_)
        | ReplaceRule { .. }
        | SetFiring { .. } => {
            vec![format!("-- sqlshift: {} has no SQLite form", change.kind())]
        }
        CreateTable(t) => create_table(t, &ansi::qname(&t.name)),
        DropTable(t) => vec![format!("DROP TABLE {}", ansi::qname(&t.name))],
        RenameTable { from, to, .. } => vec![format!(
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
        RenameColumn {
            table, from, to, ..
        } => vec![format!(
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
        | AddExclusion { .. }
        | DropExclusion { .. }
        | RenameConstraint { .. }
        | ValidateConstraint { .. }
        | RenameIndex { .. }
        | ReplaceIndex { .. }
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
        | SetComment { .. }
        | SetViewOptions { .. }
        | SetLogged { .. }
        | SetStorage { .. }
        // PostgreSQL's partitions and inheritance; normalization leaves such tables out here.
        | SetPartitionOf { .. }
        | SetInherits { .. }
        | Refuse { .. }
        | MoveColumn { .. }
        | SetTableOptions { .. } => {
            vec![format!("-- sqlshift: {} has no SQLite form", change.kind())]
        }
    }
}
