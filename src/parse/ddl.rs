//! Statement-by-statement conversion of sqlparser's AST into the model.

use super::expr::{canonical_expr, canonical_query};
use super::types::map_type;
use super::{Loc, ParseError};
use crate::model::{
    generated_name, Check, Column, DataType, EnumType, Expr, FkAction, ForeignKey, Generated,
    Identity, Index, IndexKey, IndexPart, KeyRef, PrimaryKey, QName, Schema, Sequence, Table,
    Unique, Unnamed, View,
};
use sqlparser::ast::{
    self, ColumnOption, CommentObject, CreateIndex, CreateTable, GeneratedAs,
    GeneratedExpressionMode, ObjectName, ObjectNamePart, Query, ReferentialAction, SchemaName,
    SequenceOptions, Statement, TableConstraint, UserDefinedTypeRepresentation, Visit, Visitor,
};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

mod comment;
mod view;

pub use comment::constraint_comment;
pub use view::ViewClauses;

/// The most bytes a generated name may have (PostgreSQL's NAMEDATALEN - 1).
pub const MAX_NAME: usize = 63;

/// `-- sqlshift:renamed-from NAME` comments, by line.
pub struct Annotations {
    by_line: BTreeMap<u64, (String, bool, Cell<bool>)>,
}

const RENAMED_FROM: &str = "sqlshift:renamed-from";

impl Annotations {
    pub fn scan(text: &str) -> Self {
        let mut by_line = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let Some(pos) = line.find("--") else { continue };
            let comment = line[pos + 2..].trim();
            if let Some(rest) = comment.strip_prefix(RENAMED_FROM) {
                let alone = line[..pos].trim().is_empty();
                by_line.insert(
                    i as u64 + 1,
                    (annotated_name(rest), alone, Cell::new(false)),
                );
            }
        }
        Annotations { by_line }
    }

    /// The annotation on `line`, or alone on the line just above it.
    fn lookup(&self, line: u64) -> Option<String> {
        let hit = self.by_line.get(&line).or_else(|| {
            self.by_line
                .get(&line.saturating_sub(1))
                .filter(|(_, alone, _)| *alone)
        })?;
        hit.2.set(true);
        Some(hit.0.clone())
    }

    pub fn check_all_used(&self, file: &str) -> Result<(), ParseError> {
        for (line, (name, _, used)) in &self.by_line {
            if !used.get() {
                return Err(ParseError::at(
                    file,
                    *line,
                    1,
                    format!(
                        "`-- {RENAMED_FROM} {name}` is not on (or directly above) a CREATE TABLE name or a column definition"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// The name after `renamed-from`: a quoted identifier (`"a b"`, `"dq""inside"`,
/// `` `x` ``, `[x]`) as written, with doubled quotes collapsed; a bare word folded to lower
/// case like any unquoted identifier.
fn annotated_name(rest: &str) -> String {
    let rest = rest.trim_start();
    let close = match rest.chars().next() {
        Some('"') => '"',
        Some('`') => '`',
        Some('[') => ']',
        _ => return rest.split_whitespace().next().unwrap_or("").to_lowercase(),
    };
    let mut name = String::new();
    let mut chars = rest[1..].chars().peekable();
    while let Some(c) = chars.next() {
        if c == close {
            if close != ']' && chars.peek() == Some(&close) {
                chars.next();
            } else {
                break;
            }
        }
        name.push(c);
    }
    name
}

pub(super) fn ident(i: &ast::Ident) -> String {
    if i.quote_style.is_some() || !folds() {
        i.value.clone()
    } else {
        i.value.to_lowercase()
    }
}

/// The last part of a type's spelling, unquoted and lower-cased.
pub(super) fn bare_name(spelled: &str) -> String {
    spelled
        .rsplit('.')
        .next()
        .unwrap_or("")
        .trim_matches('"')
        .to_lowercase()
}

/// The parts of a dotted name, each folded as an identifier.
pub(super) fn name_parts(n: &ObjectName) -> Vec<String> {
    n.0.iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => ident(i),
            ObjectNamePart::Function(f) => ident(&f.name),
        })
        .collect()
}

pub(super) fn qname(n: &ObjectName) -> QName {
    let parts = name_parts(n);
    match parts.as_slice() {
        [s, t] => QName::new(s.clone(), t.clone()),
        [.., d, s, t] if d.is_empty() => QName::new(s.clone(), t.clone()),
        _ => QName::new("", parts.last().cloned().unwrap_or_default()),
    }
}

pub(super) fn expr(e: &ast::Expr) -> Expr {
    Expr::new(super::requote::lossless(e), canonical_expr(e.clone()))
}

fn not_managed(loc: &Loc, object: QName, reason: impl Into<String>) -> ParseError {
    ParseError::NotManaged {
        loc: loc.clone(),
        object,
        reason: reason.into(),
    }
}

fn err(loc: &Loc, message: impl Into<String>) -> ParseError {
    ParseError::At {
        loc: loc.clone(),
        message: message.into(),
    }
}

fn action(a: &Option<ReferentialAction>) -> FkAction {
    match a {
        None | Some(ReferentialAction::NoAction) => FkAction::NoAction,
        Some(ReferentialAction::Restrict) => FkAction::Restrict,
        Some(ReferentialAction::Cascade) => FkAction::Cascade,
        Some(ReferentialAction::SetNull) => FkAction::SetNull,
        Some(ReferentialAction::SetDefault) => FkAction::SetDefault,
    }
}

fn is_full(m: &Option<ast::ConstraintReferenceMatchKind>) -> bool {
    matches!(m, Some(ast::ConstraintReferenceMatchKind::Full))
}

pub(super) fn deferral(c: &Option<ast::ConstraintCharacteristics>) -> (bool, bool) {
    match c {
        Some(c) => (
            c.deferrable.unwrap_or(false),
            matches!(c.initially, Some(ast::DeferrableInitial::Deferred)),
        ),
        None => (false, false),
    }
}

/// Collects statements into a schema, remembering where each object was declared.
#[derive(Default)]
pub struct Builder {
    pub(super) schema: Schema,
    locs: BTreeMap<QName, Loc>,
    /// Foreign keys and indexes are checked once every table is known.
    pending_checks: Vec<(QName, Loc)>,
    pub validate: bool,
    /// Types the files define other than enums (domains, composite and range types), by
    /// bare name as the parser folds it: a column of such a type keeps it by name, even
    /// where the name is a built-in type's (`year`).
    pub user_types: std::collections::BTreeSet<String>,
    /// Sequence (bare name) → the table and column that own it (`OWNED BY`).
    owned_sequences: BTreeMap<String, (String, String)>,
    /// Objects left alone because a clause of theirs is not managed yet, and why.
    pub not_managed: BTreeMap<QName, String>,
    /// Clauses read but not managed (SQLite conflict clauses), to be reported with the
    /// statement's location; the caller drains it after each statement.
    pub ignored: Vec<(&'static str, Loc)>,
    /// Comments attached once every statement is read.
    comments: comment::Pending,
    /// The dialect whose file this is.
    pub target: super::Target,
    /// The statement being added had MySQL's partitioning clause, cut for it to be read
    /// (see `parse::Cut`).
    pub partitioned: bool,
    /// The statement being added had PostgreSQL's `TABLESPACE name`, cut for it to be read.
    pub tablespace: Option<String>,
    /// The statement being added had PostgreSQL's `PARTITION BY`, cut for it to be read:
    /// the words after `PARTITION BY`.
    pub partition_by: Option<String>,
    /// The statement being added was `CREATE INDEX … ON ONLY t`.
    pub index_only: bool,
    /// `ALTER INDEX parent ATTACH PARTITION child`, resolved once every index is known.
    index_attachments: Vec<(QName, QName, Loc)>,
    /// The text of the statement being added, where its spelling matters (SQLite stores a
    /// default's text as written).
    pub statement: Option<super::split::Piece>,
    /// Triggers and rules, checked once every table is known.
    pub(super) procedural: super::trigger::Pending,
}

thread_local! {
    static FOLD: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Whether unquoted names fold to lower case (PostgreSQL, MySQL and the schema language) or
/// keep their spelling (SQLite, which compares names without case and keeps them as
/// written), for the duration of one parse: the guard puts the previous rule back.
pub(super) struct CaseRule(bool);

impl CaseRule {
    pub(super) fn set(fold: bool) -> CaseRule {
        CaseRule(FOLD.with(|f| f.replace(fold)))
    }
}

impl Drop for CaseRule {
    fn drop(&mut self) {
        FOLD.with(|f| f.set(self.0));
    }
}

fn folds() -> bool {
    FOLD.with(|f| f.get())
}

/// `TRUE`/`FALSE` as the statement spells it: SQLite shows a default's text as written,
/// and a parsed boolean keeps no letter case.
fn spelled_boolean(piece: &super::split::Piece, e: &ast::Expr) -> Option<String> {
    let ast::Expr::Value(v) = e else { return None };
    if !matches!(v.value, ast::Value::Boolean(_)) {
        return None;
    }
    let at = v.span.start;
    let line = usize::try_from(at.line.checked_sub(piece.line)?).ok()?;
    let text = piece.text.lines().nth(line)?;
    let col = if line == 0 {
        at.column.checked_sub(piece.col)?
    } else {
        at.column.checked_sub(1)?
    };
    let word: String = text
        .chars()
        .skip(usize::try_from(col).ok()?)
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let same = word.eq_ignore_ascii_case(&v.value.to_string());
    same.then_some(word)
}

/// The sequence a `nextval('[schema.]name'::regclass)` default draws from (bare name).
fn nextval_target(sql: &str) -> Option<String> {
    let lower = sql.trim().to_ascii_lowercase();
    let rest = lower.strip_prefix("nextval(")?;
    let rest = rest.trim_start().strip_prefix('\'')?;
    let name = &rest[..rest.find('\'')?];
    let bare = name.rsplit('.').next()?.trim_matches('"');
    Some(bare.to_string())
}

impl Builder {
    /// Drops the tables (by bare name) that turned out to be partitions: sqlshift leaves
    /// them alone, as it does in the catalog.
    pub fn leave_alone(&mut self, names: &std::collections::BTreeSet<String>) {
        if !names.is_empty() {
            self.schema.tables.retain(|q, _| !names.contains(&q.name));
            self.schema.views.retain(|q, _| !names.contains(&q.name));
        }
    }

    /// `DROP TABLE|VIEW [IF EXISTS] x` after the files created `x`: the native client drops
    /// it, so it is gone from the schema too, in file order. mysqldump writes a stand-in for
    /// every view (a table or a `SELECT 1 AS c` view), drops it and creates the real view.
    /// Any other DROP is left alone, as a statement about objects the files do not create.
    pub fn drop_created(&mut self, sql: &str) {
        use sqlparser::dialect::{GenericDialect, MySqlDialect};
        let parsed = sqlparser::parser::Parser::parse_sql(&GenericDialect {}, sql)
            .or_else(|_| sqlparser::parser::Parser::parse_sql(&MySqlDialect {}, sql));
        let Ok(statements) = parsed else {
            return;
        };
        for st in statements {
            let Statement::Drop {
                object_type, names, ..
            } = st
            else {
                continue;
            };
            for n in &names {
                let n = qname(n);
                let gone = match object_type {
                    ast::ObjectType::Table => {
                        let k = self.schema.tables.keys().find(|k| k.same_relation(&n));
                        k.cloned()
                            .and_then(|k| self.schema.tables.remove(&k).map(|_| k))
                    }
                    ast::ObjectType::View | ast::ObjectType::MaterializedView => {
                        let k = self.schema.views.keys().find(|k| k.same_relation(&n));
                        k.cloned()
                            .and_then(|k| self.schema.views.remove(&k).map(|_| k))
                    }
                    _ => None,
                };
                if let Some(k) = gone {
                    self.locs.remove(&k);
                    self.pending_checks.retain(|(p, _)| *p != k);
                }
            }
        }
    }

    fn is_not_managed(&self, name: &QName) -> bool {
        self.schema.unreadable.keys().any(|k| k.same_relation(name))
    }

    /// `CREATE SEQUENCE s … ; ALTER SEQUENCE s OWNED BY t.c; … c … DEFAULT nextval('s')`:
    /// what `serial` is made of, and what a catalog reads back as a serial column. Such a
    /// column becomes `serial` and its sequence is no separate object.
    fn fold_serials(&mut self) {
        if self.owned_sequences.is_empty() {
            return;
        }
        let mut folded = Vec::new();
        for t in self.schema.tables.values_mut() {
            for c in &mut t.columns {
                let Some(d) = &c.default else { continue };
                let Some(seq) = nextval_target(&d.sql) else {
                    continue;
                };
                let owner = self.owned_sequences.get(&seq);
                let owned_here = owner.is_some_and(|(tab, col)| {
                    tab.eq_ignore_ascii_case(&t.name.name) && col.eq_ignore_ascii_case(&c.name)
                });
                let exists = self
                    .schema
                    .sequences
                    .keys()
                    .any(|k| k.name.eq_ignore_ascii_case(&seq));
                if owned_here && exists && c.identity.is_none() {
                    c.serial = true;
                    c.default = None;
                    folded.push(seq);
                }
            }
        }
        self.schema
            .sequences
            .retain(|k, _| !folded.contains(&k.name.to_ascii_lowercase()));
    }

    /// Records `ALTER INDEX parent ATTACH PARTITION child` (names as written).
    pub fn attach_index(&mut self, parent: &str, child: &str, loc: &Loc) {
        let name = |n: &str| -> QName {
            let parts: Vec<ast::Ident> = n.split('.').map(ast::Ident::from).collect();
            let parts = parts
                .into_iter()
                .map(
                    |i| match i.value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                        Some(q) => ast::Ident::with_quote('"', q.replace("\"\"", "\"")),
                        None => i,
                    },
                )
                .map(ObjectNamePart::Identifier)
                .collect();
            qname(&ObjectName(parts))
        };
        self.index_attachments
            .push((name(parent), name(child), loc.clone()));
    }

    /// The index attachments, once every index is known: a partition's index records the
    /// parent's it belongs to. An attachment of a key's index (pg_dump writes those too)
    /// changes nothing: a partition's keys are compared by name.
    fn resolve_index_attachments(&mut self) -> Result<(), ParseError> {
        let find = |s: &Schema, n: &QName| -> Option<(QName, bool)> {
            s.tables.iter().find_map(|(k, t)| {
                let same_schema =
                    n.schema.is_empty() || k.schema.is_empty() || n.schema == k.schema;
                if !same_schema {
                    return None;
                }
                if t.indexes.iter().any(|i| i.name == n.name) {
                    return Some((k.clone(), true));
                }
                let key = t.primary_key.iter().any(|p| p.name == n.name)
                    || t.uniques.iter().any(|u| u.name == n.name);
                key.then(|| (k.clone(), false))
            })
        };
        for (parent, child, loc) in std::mem::take(&mut self.index_attachments) {
            let missing = |n: &QName| err(&loc, format!("index `{n}` is not defined"));
            let (ptable, _) = find(&self.schema, &parent).ok_or_else(|| missing(&parent))?;
            let (ctable, is_index) = find(&self.schema, &child).ok_or_else(|| missing(&child))?;
            if !is_index {
                continue;
            }
            if let Some(i) = self
                .schema
                .tables
                .get_mut(&ctable)
                .and_then(|t| t.indexes.iter_mut().find(|i| i.name == child.name))
            {
                i.attached_to = Some(crate::model::IndexRef {
                    table: ptable,
                    name: parent.name.clone(),
                });
            }
        }
        Ok(())
    }

    /// The tables made from `table`'s columns (partitions, inheriting tables), at any depth.
    fn descendants(&self, table: &QName) -> Vec<QName> {
        let mut out: Vec<QName> = Vec::new();
        let mut todo = vec![table.clone()];
        while let Some(p) = todo.pop() {
            for (k, t) in &self.schema.tables {
                if t.parents().any(|q| q.same_relation(&p)) && !out.contains(k) {
                    out.push(k.clone());
                    todo.push(k.clone());
                }
            }
        }
        out
    }

    /// Records `ALTER SEQUENCE s OWNED BY t.c` (bare names, as unquoted names fold).
    pub fn sequence_owned_by(&mut self, sequence: &str, table: &str, column: &str) {
        self.owned_sequences.insert(
            sequence.to_ascii_lowercase(),
            (table.to_string(), column.to_string()),
        );
    }

    /// True when `name` is a materialized view defined so far.
    pub fn is_materialized_view(&self, name: &ObjectName) -> bool {
        let q = qname(name);
        self.schema
            .views
            .iter()
            .any(|(k, v)| v.materialized && k.same_relation(&q))
    }

    pub fn add(&mut self, stmt: Statement, loc: &Loc, ann: &Annotations) -> Result<(), ParseError> {
        if let Some(ts) = self.tablespace.take() {
            let placed = match &stmt {
                Statement::CreateTable(ct) => Some(&ct.name),
                Statement::CreateIndex(ci) => Some(&ci.table_name),
                Statement::CreateView(cv) => Some(&cv.name),
                Statement::AlterTable(at) => Some(&at.name),
                _ => None,
            };
            if let Some(object) = placed {
                tablespace(&qname(object), &ts, loc)?;
            }
        }
        match stmt {
            Statement::CreateTable(ct) => self.create_table(&ct, loc, ann),
            Statement::CreateIndex(ci) => {
                let (table, index) = index_from(&ci, loc)?;
                if self.is_materialized_view(&ci.table_name) {
                    return self.view_index(&table, index, loc);
                }
                let only = std::mem::take(&mut self.index_only);
                let t = self.table_mut(&table, loc)?;
                let unnamed = index.name.is_empty();
                let mut index = name_index(t, index);
                index.only = only;
                if unnamed {
                    t.generated_names.insert(index.name.clone());
                }
                if t.indexes.iter().any(|i| i.name == index.name) {
                    return Err(err(loc, format!("index `{}` is defined twice", index.name)));
                }
                t.indexes.push(index);
                Ok(())
            }
            Statement::CreateView(ast::CreateView {
                materialized,
                name,
                columns,
                mut query,
                options,
                params,
                ..
            }) => {
                if !columns.is_empty() && !alias_view_columns(&mut query, &columns) {
                    return Err(not_managed(
                        loc,
                        qname(&name),
                        "a view column list over a SELECT with `*` or another number of columns is not managed yet",
                    ));
                }
                let name = qname(&name);
                if self.schema.relation_exists(&name) {
                    return Err(err(loc, format!("`{name}` is defined twice")));
                }
                let (query, depends_on, calls) = view_expr(*query);
                let mut view = View::new(name.clone(), materialized, query, depends_on);
                view.calls = crate::model::Calls(calls);
                view.options = view::options(&options, &view.name, loc)?;
                self.locs.insert(name.clone(), loc.clone());
                view.algorithm = params
                    .as_ref()
                    .and_then(|p| p.algorithm.as_ref())
                    .map(|a| a.to_string().to_ascii_lowercase());
                view.security = params
                    .as_ref()
                    .and_then(|p| p.security.as_ref())
                    .map(|a| a.to_string().to_ascii_lowercase());
                self.schema.views.insert(name, view);
                Ok(())
            }
            Statement::CreateType {
                name,
                representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
            } => {
                let name = qname(&name);
                let values = labels.iter().map(|l| l.value.clone()).collect();
                if self.schema.enums.contains_key(&name)
                    || self.schema.domains.contains_key(&name)
                    || self.schema.composites.contains_key(&name)
                    || self.schema.ranges.contains_key(&name)
                {
                    return Err(err(loc, format!("type `{name}` is defined twice")));
                }
                self.schema.enums.insert(
                    name.clone(),
                    EnumType {
                        name,
                        values,
                        comment: None,
                    },
                );
                Ok(())
            }
            Statement::CreateType {
                name,
                representation: Some(UserDefinedTypeRepresentation::Composite { attributes }),
            } => self.create_composite(&name, &attributes, loc),
            Statement::CreateType {
                name,
                representation: Some(UserDefinedTypeRepresentation::Range { options }),
            } => self.create_range(&name, &options, loc),
            Statement::CreateSequence {
                name,
                sequence_options,
                temporary: false,
                ..
            } => {
                let name = qname(&name);
                let seq = sequence(name.clone(), &sequence_options, loc)?;
                for o in &sequence_options {
                    if let SequenceOptions::OwnedBy(Some(owner)) = o {
                        let parts: Vec<String> = owner
                            .0
                            .iter()
                            .filter_map(|p| p.as_ident().map(ident))
                            .collect();
                        if let [.., table, column] = parts.as_slice() {
                            self.sequence_owned_by(&name.name, table, column);
                        }
                    }
                }
                self.schema.sequences.insert(name, seq);
                Ok(())
            }
            Statement::CreateSchema {
                schema_name: SchemaName::Simple(n),
                ..
            } => {
                self.schema.schemas.insert(qname(&n).name);
                Ok(())
            }
            Statement::CreateExtension(ast::CreateExtension { name, .. }) => {
                self.schema.extensions.insert(ident(&name));
                Ok(())
            }
            Statement::Comment {
                object_type,
                object_name,
                comment,
                ..
            } => self.comment(object_type, &object_name, comment, loc),
            Statement::AlterTable(ast::AlterTable {
                name,
                operations,
                only,
                ..
            }) => {
                let table = qname(&name);
                for op in operations {
                    match op {
                        // pg_dump's spelling of a partition: created as a table, attached.
                        ast::AlterTableOperation::AttachPartitionOf {
                            partition,
                            for_values,
                        } => {
                            let parent = self.table_mut(&table, loc)?;
                            if parent.partition_by.is_none() {
                                return Err(err(
                                    loc,
                                    format!("`{table}` is not partitioned (it has no PARTITION BY)"),
                                ));
                            }
                            let parent = parent.name.clone();
                            let child = self.table_mut(&qname(&partition), loc)?;
                            child.partition_of = Some(Box::new(crate::model::PartitionOf {
                                parent,
                                bound: super::partition::bound(&for_values),
                            }));
                        }
                        ast::AlterTableOperation::DetachPartitionOf { partition, .. } => {
                            self.table_mut(&qname(&partition), loc)?.partition_of = None;
                        }
                        ast::AlterTableOperation::AddConstraint {
                            constraint,
                            not_valid,
                        } => {
                            let t = self.table_mut(&table, loc)?;
                            let (checks, fks) = (t.checks.len(), t.foreign_keys.len());
                            add_constraint(t, &constraint, loc)?;
                            if not_valid {
                                t.checks[checks..].iter_mut().for_each(|c| c.not_valid = true);
                                t.foreign_keys[fks..]
                                    .iter_mut()
                                    .for_each(|f| f.not_valid = true);
                            }
                        }
                        ast::AlterTableOperation::ValidateConstraint { name } => {
                            let t = self.table_mut(&table, loc)?;
                            let name = ident(&name);
                            t.checks
                                .iter_mut()
                                .filter(|c| c.name == name)
                                .for_each(|c| c.not_valid = false);
                            t.foreign_keys
                                .iter_mut()
                                .filter(|f| f.name == name)
                                .for_each(|f| f.not_valid = false);
                        }
                        // pg_dump's serial idiom and `structure.sql` set column defaults and
                        // NOT NULL after the CREATE TABLE: folded into the column.
                        ast::AlterTableOperation::AlterColumn { column_name, op } => {
                            let col = ident(&column_name);
                            // Without ONLY a default or NOT NULL passes down to the
                            // partitions and inheriting tables, as PostgreSQL does it.
                            let recurses = !only
                                && matches!(
                                    op,
                                    ast::AlterColumnOperation::SetDefault { .. }
                                        | ast::AlterColumnOperation::DropDefault
                                        | ast::AlterColumnOperation::SetNotNull
                                        | ast::AlterColumnOperation::DropNotNull
                                );
                            if recurses {
                                let key = self.table_mut(&table, loc)?.name.clone();
                                for d in self.descendants(&key) {
                                    let Some(c) = self
                                        .schema
                                        .tables
                                        .get_mut(&d)
                                        .and_then(|t| t.column_mut(&col))
                                    else {
                                        continue;
                                    };
                                    match &op {
                                        ast::AlterColumnOperation::SetDefault { value } => {
                                            c.default = Some(expr(value))
                                        }
                                        ast::AlterColumnOperation::DropDefault => c.default = None,
                                        ast::AlterColumnOperation::SetNotNull => c.nullable = false,
                                        _ => c.nullable = true,
                                    }
                                }
                            }
                            let t = self.table_mut(&table, loc)?;
                            let tname = t.name.clone();
                            let c = t.column_mut(&col).ok_or_else(|| {
                                err(loc, format!("column `{col}` is not defined in `{tname}`"))
                            })?;
                            match op {
                                ast::AlterColumnOperation::SetDefault { value } => {
                                    c.default = Some(expr(&value))
                                }
                                ast::AlterColumnOperation::DropDefault => c.default = None,
                                ast::AlterColumnOperation::SetNotNull => {
                                    c.nullable = false;
                                    c.not_null_written = true;
                                }
                                ast::AlterColumnOperation::DropNotNull => {
                                    c.nullable = true;
                                    c.not_null_written = false;
                                }
                                // pg_dump's spelling of an identity column.
                                ast::AlterColumnOperation::AddGenerated {
                                    generated_as,
                                    sequence_options,
                                } => {
                                    c.identity = Some(match generated_as {
                                        Some(GeneratedAs::ByDefault) => Identity::ByDefault,
                                        _ => Identity::Always,
                                    });
                                    if let Some(opts) = sequence_options {
                                        c.identity_options = super::postgres::identity_options(
                                            &opts,
                                        )
                                        .map_err(|m| err(loc, m))?;
                                    }
                                    c.nullable = false;
                                }
                                other => {
                                    return Err(err(loc, format!(
                                        "unsupported statement: `ALTER TABLE … ALTER COLUMN {col} {}`; write the column as it should be in the CREATE TABLE",
                                        first_words(&other.to_string())
                                    )))
                                }
                            }
                        }
                        other => {
                            return Err(err(loc, format!(
                                "unsupported statement: `ALTER TABLE … {}`; the schema files describe the desired state, so write it into the CREATE TABLE (only ALTER TABLE … ADD CONSTRAINT is accepted)",
                                first_words(&other.to_string())
                            )))
                        }
                    }
                }
                Ok(())
            }
            other => Err(err(
                loc,
                format!(
                    "unsupported statement: `{}`; sqlshift manages tables, views, indexes, enum types, domains, sequences, schemas, extensions and comments",
                    first_words(&other.to_string())
                ),
            )),
        }
    }

    fn table_mut(&mut self, name: &QName, loc: &Loc) -> Result<&mut Table, ParseError> {
        // Where names keep their case, they still match without it.
        let key = match self.schema.tables.contains_key(name) || folds() {
            true => name.clone(),
            false => self
                .schema
                .tables
                .keys()
                .find(|k| k.schema == name.schema && k.name.eq_ignore_ascii_case(&name.name))
                .cloned()
                .unwrap_or_else(|| name.clone()),
        };
        self.schema.tables.get_mut(&key).ok_or_else(|| {
            err(
                loc,
                format!("table `{name}` is not defined (define it before this statement)"),
            )
        })
    }

    fn comment(
        &mut self,
        kind: CommentObject,
        name: &ObjectName,
        text: Option<String>,
        loc: &Loc,
    ) -> Result<(), ParseError> {
        // An empty comment is no comment: PostgreSQL drops it, MySQL shows none.
        let text = text.filter(|t| !t.is_empty());
        if let Some(done) = self.comment_elsewhere(&kind, name, &text, loc) {
            return done;
        }
        match kind {
            CommentObject::Table => {
                let q = qname(name);
                if let Some(v) = self.schema.views.get_mut(&q) {
                    v.comment = text;
                } else {
                    self.table_mut(&q, loc)?.comment = text;
                }
                Ok(())
            }
            CommentObject::Column => {
                let mut parts = name.0.clone();
                let col = parts
                    .pop()
                    .map(|p| match p {
                        ObjectNamePart::Identifier(i) => ident(&i),
                        ObjectNamePart::Function(f) => ident(&f.name),
                    })
                    .unwrap_or_default();
                let t = self.table_mut(&qname(&ObjectName(parts)), loc)?;
                let tname = t.name.clone();
                let c = t.column_mut(&col).ok_or_else(|| {
                    err(loc, format!("column `{col}` is not defined in `{tname}`"))
                })?;
                c.comment = text;
                Ok(())
            }
            other => Err(err(
                loc,
                format!("unsupported statement: `COMMENT ON {other}`"),
            )),
        }
    }

    fn create_table(
        &mut self,
        ct: &CreateTable,
        loc: &Loc,
        ann: &Annotations,
    ) -> Result<(), ParseError> {
        let name = qname(&ct.name);
        if ct.query.is_some() || ct.like.is_some() || ct.clone.is_some() {
            return Err(err(
                loc,
                "CREATE TABLE … AS / LIKE / CLONE is not supported; list the columns",
            ));
        }
        if ct.temporary {
            return Err(err(loc, "temporary tables are not part of a schema"));
        }
        let partition_clause = self.partition_by.take();
        if ct.partition_by.is_some() || std::mem::take(&mut self.partitioned) {
            return Err(not_managed(
                loc,
                name,
                "a partitioned table with this PARTITION BY clause (MySQL's) is not managed yet",
            ));
        }
        if self.schema.relation_exists(&name) {
            let first = self
                .locs
                .get(&name)
                .map(|l| format!(" (first defined at {l})"))
                .unwrap_or_default();
            return Err(err(loc, format!("`{name}` is defined twice{first}")));
        }
        let mut t = Table::new(name.clone());
        t.unlogged = ct.unlogged;
        for o in &ct.sqlite_table_options.options {
            match o {
                ast::SqliteTableOption::WithoutRowid => t.without_rowid = true,
                ast::SqliteTableOption::Strict => t.strict = true,
            }
        }
        let name_line = match ct.name.0.last() {
            Some(ObjectNamePart::Identifier(i)) => i.span.start.line,
            _ => loc.line,
        };
        t.renamed_from = ann.lookup(name_line);
        for cd in &ct.columns {
            let cloc = Loc {
                file: loc.file.clone(),
                line: cd.name.span.start.line,
                col: cd.name.span.start.column,
            };
            let cname = ident(&cd.name);
            if t.column(&cname).is_some() {
                return Err(err(
                    &cloc,
                    format!("column `{cname}` is defined twice in `{name}`"),
                ));
            }
            let spelled = cd.data_type.to_string();
            let bare = bare_name(&spelled);
            let sqlite_words = spelled.strip_prefix('[').and_then(|t| t.strip_suffix(']'));
            let (ty, serial) = if let Some(t) = self.user_type(&cd.data_type) {
                (t, false)
            } else if matches!(cd.data_type, ast::DataType::Unspecified) {
                // SQLite: a column without a type (BLOB affinity).
                (DataType::Other(String::new()), false)
            } else if let Some(words) = sqlite_words {
                // SQLite's multi-word type names (see parse::sqlite), kept as written.
                (DataType::Other(words.to_string()), false)
            } else if bare == "any" {
                // A STRICT table's column that takes any value.
                (DataType::Other("ANY".into()), false)
            } else {
                map_type(&spelled).map_err(|m| err(&cloc, m))?
            };
            let mut col = Column::new(&cname, ty);
            col.declared = Some(spelled.clone());
            col.serial = serial;
            col.renamed_from = ann.lookup(cd.name.span.start.line);
            for opt in &cd.options {
                let cons_name = opt.name.as_ref().map(ident);
                match &opt.option {
                    ColumnOption::Null => col.nullable = true,
                    ColumnOption::NotNull => {
                        col.nullable = false;
                        col.not_null_written = true;
                    }
                    ColumnOption::Default(e) => {
                        let mut d = expr(e);
                        if let Some(word) =
                            self.statement.as_ref().and_then(|p| spelled_boolean(p, e))
                        {
                            d.sql = word;
                        }
                        col.default = Some(d);
                    }
                    ColumnOption::PrimaryKey(_) => {
                        if t.primary_key.is_some() {
                            return Err(err(
                                &cloc,
                                format!("table `{name}` has more than one primary key"),
                            ));
                        }
                        t.primary_key = Some(PrimaryKey {
                            name: cons_name.unwrap_or_default(),
                            columns: vec![cname.clone()],
                            desc: false,
                        });
                        t.declared_keys.push(KeyRef::PrimaryKey);
                    }
                    ColumnOption::Unique(u) => {
                        let (deferrable, initially_deferred) = deferral(&u.characteristics);
                        t.uniques.push(Unique {
                            name: cons_name.unwrap_or_default(),
                            columns: vec![cname.clone()],
                            nulls_not_distinct: matches!(
                                u.nulls_distinct,
                                ast::NullsDistinctOption::NotDistinct
                            ),
                            deferrable,
                            initially_deferred,
                        });
                        t.declared_keys.push(KeyRef::Unique(String::new()));
                    }
                    ColumnOption::ForeignKey(ast::ForeignKeyConstraint {
                        foreign_table,
                        referred_columns,
                        on_delete,
                        on_update,
                        characteristics,
                        match_kind,
                        ..
                    }) => {
                        let (deferrable, initially_deferred) = deferral(characteristics);
                        t.declared_keys.push(KeyRef::ForeignKey(String::new()));
                        t.foreign_keys.push(ForeignKey {
                            not_valid: false,
                            name: cons_name.unwrap_or_default(),
                            columns: vec![cname.clone()],
                            ref_table: qname(foreign_table),
                            ref_columns: referred_columns.iter().map(ident).collect(),
                            on_delete: action(on_delete),
                            on_update: action(on_update),
                            deferrable,
                            initially_deferred,
                            unspecified: (on_delete.is_none(), on_update.is_none()),
                            match_full: is_full(match_kind),
                        })
                    }
                    ColumnOption::Check(c) => t.checks.push(Check {
                        not_valid: false,
                        name: cons_name.unwrap_or_else(|| format!("\u{0}{cname}")),
                        expr: expr(&c.expr),
                        no_inherit: c.no_inherit,
                    }),
                    ColumnOption::Generated {
                        generated_as,
                        generation_expr: Some(e),
                        generation_expr_mode,
                        ..
                    } => {
                        col.generated = Some(Generated {
                            expr: expr(e),
                            stored: matches!(
                                generation_expr_mode,
                                Some(GeneratedExpressionMode::Stored)
                            ) || matches!(generated_as, GeneratedAs::ExpStored),
                        })
                    }
                    ColumnOption::Generated {
                        generated_as,
                        generation_expr: None,
                        sequence_options,
                        ..
                    } => {
                        if let Some(opts) = sequence_options {
                            col.identity_options = super::postgres::identity_options(opts)
                                .map_err(|m| err(&cloc, m))?;
                        }
                        col.identity = Some(match generated_as {
                            GeneratedAs::ByDefault => Identity::ByDefault,
                            _ => Identity::Always,
                        })
                    }
                    ColumnOption::Comment(c) => {
                        col.comment = Some(c.clone()).filter(|c| !c.is_empty())
                    }
                    ColumnOption::CharacterSet(n) => {
                        col.charset = Some(n.to_string().to_lowercase())
                    }
                    ColumnOption::Collation(n) => {
                        col.collation = Some(super::postgres::collation_name(n))
                    }
                    ColumnOption::OnUpdate(e) => col.on_update = Some(expr(e)),
                    // SQLite's conflict clause on a column constraint, and the sort order of
                    // a column's PRIMARY KEY: read, not managed, reported.
                    ColumnOption::OnConflict(_) => self
                        .ignored
                        .push(("SQLite conflict clause (ON CONFLICT)", cloc.clone())),
                    ColumnOption::DialectSpecific(tokens)
                        if tokens.len() == 1
                            && t.primary_key
                                .as_ref()
                                .is_some_and(|p| p.columns == [cname.clone()])
                            && ["ASC", "DESC"]
                                .iter()
                                .any(|o| tokens[0].to_string().eq_ignore_ascii_case(o)) =>
                    {
                        if let Some(pk) = &mut t.primary_key {
                            pk.desc = tokens[0].to_string().eq_ignore_ascii_case("DESC");
                        }
                    }
                    ColumnOption::DialectSpecific(tokens)
                        if tokens.len() == 1
                            && (tokens[0].to_string().eq_ignore_ascii_case("AUTOINCREMENT")
                                || tokens[0]
                                    .to_string()
                                    .eq_ignore_ascii_case("AUTO_INCREMENT")) =>
                    {
                        col.autoincrement = true
                    }
                    other => {
                        return Err(err(
                            &cloc,
                            format!("unsupported column option `{other}` on `{name}.{cname}`"),
                        ))
                    }
                }
            }
            t.columns.push(col);
        }
        for c in &ct.constraints {
            add_constraint(&mut t, c, loc)?;
        }
        if let Some(clause) = partition_clause {
            t.partition_by = Some(Box::new(
                super::partition::partition_key(&clause)
                    .map_err(|m| err(loc, format!("`{name}`: {m}")))?,
            ));
        }
        self.inherit_columns(&mut t, ct, loc)?;
        table_options(&mut t, ct, loc, self.target, &mut self.ignored)?;
        self.locs.insert(name.clone(), loc.clone());
        self.pending_checks.push((name.clone(), loc.clone()));
        self.schema.tables.insert(name, t);
        Ok(())
    }

    /// A partition's or inheriting table's columns: its parents' first (copied as
    /// PostgreSQL copies them: type, default, NOT NULL, generation), then its own. A
    /// partition's column entries only give a column a default or NOT NULL; an inheriting
    /// table's entry of an inherited column merges with it.
    fn inherit_columns(
        &mut self,
        t: &mut Table,
        ct: &CreateTable,
        loc: &Loc,
    ) -> Result<(), ParseError> {
        let parents: Vec<ObjectName> = match (&ct.partition_of, &ct.inherits) {
            (Some(p), _) => vec![p.clone()],
            (None, Some(list)) => list.clone(),
            (None, None) => return Ok(()),
        };
        let mut inherited: Vec<Column> = Vec::new();
        let mut parent_names = Vec::new();
        for p in &parents {
            let parent = self.table_mut(&qname(p), loc)?;
            parent_names.push(parent.name.clone());
            if ct.partition_of.is_some() && parent.partition_by.is_none() {
                let pn = parent.name.clone();
                return Err(err(
                    loc,
                    format!("`{pn}` is not partitioned (it has no PARTITION BY)"),
                ));
            }
            let parent = parent.clone();
            for c in &parent.columns {
                let copy = inherited_column(&parent, c);
                match inherited.iter_mut().find(|i| i.name == c.name) {
                    Some(i) if i.data_type != copy.data_type => {
                        return Err(err(
                            loc,
                            format!("inherited column `{}` has a type conflict", c.name),
                        ))
                    }
                    Some(i) => {
                        i.nullable &= copy.nullable;
                        i.default = i.default.take().or(copy.default);
                    }
                    None => inherited.push(copy),
                }
            }
        }
        let own = std::mem::take(&mut t.columns);
        if let Some(p) = &ct.partition_of {
            // Column entries of `PARTITION OF`: options only.
            for c in &own {
                let Some(i) = inherited.iter_mut().find(|i| i.name == c.name) else {
                    return Err(err(
                        loc,
                        format!("column `{}` is not a column of `{}`", c.name, qname(p)),
                    ));
                };
                if c.default.is_some() {
                    i.default.clone_from(&c.default);
                }
                if !c.nullable {
                    i.nullable = false;
                }
            }
            t.columns = inherited;
            let bound = ct
                .for_values
                .as_ref()
                .map(super::partition::bound)
                .unwrap_or(crate::model::PartitionBound::Default);
            t.partition_of = Some(Box::new(crate::model::PartitionOf {
                parent: parent_names.swap_remove(0),
                bound,
            }));
            return Ok(());
        }
        for c in own {
            match inherited.iter_mut().find(|i| i.name == c.name) {
                Some(i) => {
                    if i.data_type != c.data_type {
                        return Err(err(
                            loc,
                            format!("column `{}` has a type conflict with its parent's", c.name),
                        ));
                    }
                    let nullable = i.nullable && c.nullable;
                    let default = c.default.clone().or(i.default.take());
                    *i = Column {
                        nullable,
                        default,
                        inherited: false,
                        ..c
                    };
                }
                None => inherited.push(c),
            }
        }
        t.columns = inherited;
        t.inherits = parent_names;
        Ok(())
    }

    /// Names what the user left unnamed and checks references, then hands over the schema.
    /// The schema, with the comments it left alone (see [`Builder::settle_comments`]).
    pub fn finish(mut self) -> Result<(Schema, comment::LeftAlone), ParseError> {
        self.resolve_index_attachments()?;
        self.fold_serials();
        let not_managed = std::mem::take(&mut self.not_managed);
        self.schema.unreadable.extend(not_managed);
        if !folds() {
            match_spellings(&mut self.schema);
        }
        for t in self.schema.tables.values_mut() {
            name_constraints(t);
        }
        let mut left = self.settle_comments();
        left.extend(self.settle_procedural()?);
        if !self.validate {
            return Ok((self.schema, left));
        }
        for (name, loc) in &self.pending_checks {
            let Some(t) = self.schema.tables.get(name) else {
                continue;
            };
            validate_table(&self.schema, t, loc, &self.user_types)?;
        }
        for (name, v) in &self.schema.views {
            for dep in &v.depends_on {
                let found = self.schema.relation_exists(dep)
                    || self
                        .schema
                        .tables
                        .keys()
                        .chain(self.schema.views.keys())
                        .any(|k| k.same_relation(dep))
                    || self.is_not_managed(dep);
                if !found {
                    let loc = self.locs.get(name).cloned().unwrap_or(Loc {
                        file: "schema".into(),
                        line: 1,
                        col: 1,
                    });
                    return Err(err(
                        &loc,
                        format!("view `{name}` reads `{dep}`, which is not defined in the schema"),
                    ));
                }
            }
        }
        Ok((self.schema, left))
    }
}

/// A parent's column as a partition or inheriting table gets it: type, collation,
/// default, NOT NULL (also a primary key's) and generation; a serial's default is the
/// `nextval` of its sequence, which stays the parent's.
fn inherited_column(parent: &Table, c: &Column) -> Column {
    let mut copy = c.clone();
    copy.inherited = true;
    copy.comment = None;
    copy.renamed_from = None;
    copy.identity = None;
    copy.identity_options = Default::default();
    copy.sequence = None;
    copy.not_null_written = false;
    if parent
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.contains(&c.name))
    {
        copy.nullable = false;
    }
    if c.serial {
        copy.serial = false;
        copy.nullable = false;
        let seq = crate::model::generated_name(&parent.name.name, &[&c.name], "seq", 63);
        let seq = match parent.name.schema.as_str() {
            "" | "public" => seq,
            s => format!("{s}.{seq}"),
        };
        let sql = format!("nextval('{}'::regclass)", seq.replace('\'', "''"));
        copy.default = super::expr(&sql).ok();
    }
    copy
}

/// Where unquoted names keep their case (SQLite), a table's own key, index or view
/// dependency written in another case than the declaration (a key on `ID` for column `Id`)
/// takes the declared spelling: the database compares names without case. A foreign key's
/// target is left as written (SQLite stores it so).
fn match_spellings(s: &mut Schema) {
    let tables: Vec<QName> = s.tables.keys().cloned().collect();
    let declared = |n: &QName| -> Option<QName> {
        tables
            .iter()
            .find(|k| k.schema == n.schema && k.name.eq_ignore_ascii_case(&n.name))
            .cloned()
    };
    let columns: BTreeMap<QName, Vec<String>> = s
        .tables
        .iter()
        .map(|(k, t)| {
            (
                k.clone(),
                t.columns.iter().map(|c| c.name.clone()).collect(),
            )
        })
        .collect();
    let fix = |table: &QName, names: &mut Vec<String>| {
        let Some(cols) = columns.get(table) else {
            return;
        };
        for n in names.iter_mut() {
            if let Some(c) = cols.iter().find(|c| c.eq_ignore_ascii_case(n)) {
                n.clone_from(c);
            }
        }
    };
    for (k, t) in s.tables.iter_mut() {
        if let Some(pk) = &mut t.primary_key {
            fix(k, &mut pk.columns);
        }
        for u in &mut t.uniques {
            fix(k, &mut u.columns);
        }
        // A foreign key's target stays as written: SQLite keeps it so.
        for f in &mut t.foreign_keys {
            fix(k, &mut f.columns);
        }
        for i in &mut t.indexes {
            for p in &mut i.parts {
                if let IndexKey::Column(c) = &mut p.key {
                    let mut one = vec![c.clone()];
                    fix(k, &mut one);
                    *c = one.swap_remove(0);
                }
            }
        }
    }
    for v in s.views.values_mut() {
        v.depends_on = std::mem::take(&mut v.depends_on)
            .into_iter()
            .map(|d| declared(&d).unwrap_or(d))
            .collect();
    }
}

/// `CREATE VIEW v (a, b) AS SELECT x, y …` names the view's columns as `SELECT x AS a, y AS
/// b` does, which is how the view is kept; the first SELECT of a compound query names them.
/// False when that SELECT has `*` or another number of columns.
fn alias_view_columns(query: &mut Query, columns: &[ast::ViewColumnDef]) -> bool {
    let mut body = query.body.as_mut();
    let select = loop {
        match body {
            ast::SetExpr::Select(s) => break s,
            ast::SetExpr::SetOperation { left, .. } => body = left.as_mut(),
            _ => return false,
        }
    };
    if select.projection.len() != columns.len() {
        return false;
    }
    for (item, col) in select.projection.iter_mut().zip(columns) {
        let alias = col.name.clone();
        *item = match std::mem::replace(item, ast::SelectItem::Wildcard(Default::default())) {
            ast::SelectItem::UnnamedExpr(expr) | ast::SelectItem::ExprWithAlias { expr, .. } => {
                ast::SelectItem::ExprWithAlias { expr, alias }
            }
            _ => return false,
        };
    }
    true
}

fn validate_table(
    schema: &Schema,
    t: &Table,
    loc: &Loc,
    user_types: &std::collections::BTreeSet<String>,
) -> Result<(), ParseError> {
    let name = &t.name;
    let has_col = |c: &str| t.column(c).is_some();
    let check_cols = |cols: &[String], what: &str| -> Result<(), ParseError> {
        for c in cols {
            if !has_col(c) {
                return Err(err(
                    loc,
                    format!("{what} on `{name}` names column `{c}`, which `{name}` does not have"),
                ));
            }
        }
        Ok(())
    };
    if let Some(pk) = &t.primary_key {
        check_cols(&pk.columns, "the primary key")?;
    }
    for u in &t.uniques {
        check_cols(&u.columns, &format!("unique constraint `{}`", u.name))?;
    }
    for i in &t.indexes {
        let cols: Vec<String> = i.columns().map(str::to_string).collect();
        check_cols(&cols, &format!("index `{}`", i.name))?;
    }
    for fk in &t.foreign_keys {
        check_cols(&fk.columns, &format!("foreign key `{}`", fk.name))?;
        // Exact key first (a map lookup); only an unqualified name needs the scan.
        if schema
            .unreadable
            .keys()
            .any(|k| k.same_relation(&fk.ref_table))
        {
            continue;
        }
        let target = schema
            .tables
            .get(&fk.ref_table)
            .or_else(|| {
                schema
                    .tables
                    .iter()
                    .find(|(k, _)| {
                        k.same_relation(&fk.ref_table)
                            || (!folds()
                                && k.schema == fk.ref_table.schema
                                && k.name.eq_ignore_ascii_case(&fk.ref_table.name))
                    })
                    .map(|(_, v)| v)
            })
            .ok_or_else(|| err(loc, format!("foreign key `{}` on `{name}` references table `{}`, which is not defined in the schema", fk.name, fk.ref_table)))?;
        let ref_cols = if fk.ref_columns.is_empty() {
            target
                .primary_key
                .as_ref()
                .map(|p| p.columns.clone())
                .unwrap_or_default()
        } else {
            fk.ref_columns.clone()
        };
        for c in &ref_cols {
            let found = target.column(c).is_some()
                || (!folds()
                    && target
                        .columns
                        .iter()
                        .any(|x| x.name.eq_ignore_ascii_case(c)));
            if !found {
                return Err(err(
                    loc,
                    format!(
                        "foreign key `{}` on `{name}` references `{}.{c}`, which does not exist",
                        fk.name, fk.ref_table
                    ),
                ));
            }
        }
        if ref_cols.len() != fk.columns.len() {
            return Err(err(
                loc,
                format!(
                    "foreign key `{}` on `{name}` has {} columns but references {}",
                    fk.name,
                    fk.columns.len(),
                    ref_cols.len()
                ),
            ));
        }
    }
    for c in &t.columns {
        check_type(schema, &c.data_type, user_types)
            .map_err(|m| err(loc, format!("column `{name}.{}`: {m}", c.name)))?;
    }
    Ok(())
}

fn check_type(
    schema: &Schema,
    ty: &DataType,
    user_types: &std::collections::BTreeSet<String>,
) -> Result<(), String> {
    match ty {
        DataType::Array(inner) => check_type(schema, inner, user_types),
        DataType::Named(q) => {
            if schema.enums.keys().any(|k| k.same_relation(q))
                || schema.domains.keys().any(|k| k.same_relation(q))
                || schema.composites.keys().any(|k| k.same_relation(q))
                || schema.ranges.keys().any(|k| k.same_relation(q))
                || !schema.extensions.is_empty()
                || user_types.contains(&q.name)
            {
                Ok(())
            } else {
                Err(format!(
                    "unknown type `{q}` (not a built-in type, and no CREATE TYPE defines it)"
                ))
            }
        }
        _ => Ok(()),
    }
}

/// `TABLESPACE name` on a table, index or materialized view: PostgreSQL's default
/// tablespace is where sqlshift builds everything, so it is accepted; any other would be
/// silently built in the default one, so the object is left alone, named.
pub(crate) fn tablespace(object: &QName, name: &str, loc: &Loc) -> Result<(), ParseError> {
    if name.eq_ignore_ascii_case("pg_default") {
        return Ok(());
    }
    Err(not_managed(
        loc,
        object.clone(),
        format!("it is in tablespace {name}; tablespaces other than pg_default are not managed"),
    ))
}

/// MySQL table options: `ENGINE`, `DEFAULT CHARSET`, `COLLATE`, `COMMENT`.
fn table_options(
    t: &mut Table,
    ct: &CreateTable,
    loc: &Loc,
    target: super::Target,
    ignored: &mut Vec<(&'static str, Loc)>,
) -> Result<(), ParseError> {
    let opts = match &ct.table_options {
        ast::CreateTableOptions::None => return Ok(()),
        ast::CreateTableOptions::Plain(o) | ast::CreateTableOptions::TableProperties(o) => o,
        // PostgreSQL storage parameters; `oids = false` is accepted and kept by no
        // server since 12, so it is no parameter.
        with @ ast::CreateTableOptions::With(_) => {
            t.storage = view::options(with, &t.name, loc)?;
            t.storage
                .retain(|(k, v)| !(k == "oids" && crate::model::option_value(v) == "false"));
            return Ok(());
        }
        ast::CreateTableOptions::Options(_) => {
            ignored.push(("table option", loc.clone()));
            return Ok(());
        }
    };
    let text = |e: &ast::Expr| match e {
        ast::Expr::Identifier(i) => i.value.to_lowercase(),
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                s.to_lowercase()
            }
            other => other.to_string().to_lowercase(),
        },
        other => other.to_string().to_lowercase(),
    };
    for o in opts {
        match o {
            ast::SqlOption::NamedParenthesizedList(l)
                if l.key.value.eq_ignore_ascii_case("ENGINE") =>
            {
                t.engine = l.name.as_ref().map(|n| n.value.to_lowercase());
            }
            ast::SqlOption::KeyValue { key, value } => {
                match key
                    .to_string()
                    .to_ascii_uppercase()
                    .replace('_', " ")
                    .as_str()
                {
                    "ENGINE" => t.engine = Some(text(value)),
                    "DEFAULT CHARSET" | "CHARSET" | "DEFAULT CHARACTER SET" | "CHARACTER SET" => {
                        t.charset = Some(text(value))
                    }
                    "COLLATE" | "DEFAULT COLLATE" => t.collation = Some(text(value)),
                    "ROW FORMAT" => t.row_format = Some(text(value)),
                    "KEY BLOCK SIZE" => match text(value).parse() {
                        Ok(n) => t.key_block_size = Some(n),
                        Err(_) => ignored.push(("table option", loc.clone())),
                    },
                    // The next value of the counter (mysqldump writes it) is data, not
                    // schema: the database keeps its own.
                    "AUTO INCREMENT" => {}
                    "COMMENT" => {
                        t.comment = Some(match value {
                            ast::Expr::Value(v) => match &v.value {
                                ast::Value::SingleQuotedString(s) => s.clone(),
                                other => other.to_string(),
                            },
                            other => other.to_string(),
                        })
                    }
                    _ => ignored.push(("table option", loc.clone())),
                }
            }
            // MySQL's general tablespaces are another thing, left alone as before.
            ast::SqlOption::TableSpace(ts) if target != super::Target::Mysql => {
                tablespace(&t.name, &ts.name, loc)?
            }
            ast::SqlOption::Comment(c) => {
                t.comment = Some(match c {
                    ast::CommentDef::WithEq(s) | ast::CommentDef::WithoutEq(s) => s.clone(),
                })
                .filter(|c| !c.is_empty())
            }
            _ => ignored.push(("table option", loc.clone())),
        }
    }
    Ok(())
}

fn add_constraint(t: &mut Table, c: &TableConstraint, loc: &Loc) -> Result<(), ParseError> {
    let cols = |cs: &[ast::IndexColumn]| -> Result<Vec<String>, ParseError> {
        cs.iter()
            .map(|ic| match &ic.column.expr {
                ast::Expr::Identifier(i) => Ok(ident(i)),
                other => Err(err(
                    loc,
                    format!("constraint columns must be plain columns, found `{other}`"),
                )),
            })
            .collect()
    };
    match c {
        TableConstraint::PrimaryKey(ast::PrimaryKeyConstraint { name, columns, .. }) => {
            if t.primary_key.is_some() {
                return Err(err(
                    loc,
                    format!("table `{}` has more than one primary key", t.name),
                ));
            }
            t.primary_key = Some(PrimaryKey {
                name: name.as_ref().map(ident).unwrap_or_default(),
                columns: cols(columns)?,
                desc: false,
            });
            t.declared_keys.push(KeyRef::PrimaryKey);
        }
        TableConstraint::Unique(ast::UniqueConstraint {
            name,
            index_name,
            index_type,
            columns,
            nulls_distinct,
            index_options,
            characteristics,
            ..
        }) => {
            let (deferrable, initially_deferred) = deferral(characteristics);
            let (using, comment) = mysql_index_options(index_type, index_options);
            let name = name
                .as_ref()
                .or(index_name.as_ref())
                .map(ident)
                .unwrap_or_default();
            let plain = comment.is_none()
                && columns.iter().all(|c| {
                    matches!(c.column.expr, ast::Expr::Identifier(_))
                        && !matches!(c.column.options.sort, Some(ast::OrderBySort::Desc))
                });
            if plain {
                t.uniques.push(Unique {
                    name,
                    columns: cols(columns)?,
                    nulls_not_distinct: matches!(
                        nulls_distinct,
                        ast::NullsDistinctOption::NotDistinct
                    ),
                    deferrable,
                    initially_deferred,
                });
                t.declared_keys.push(KeyRef::Unique(String::new()));
            } else {
                // Prefix lengths, DESC or a comment: a unique index rather than a plain
                // constraint.
                push_key(t, name, true, columns, None);
                if let Some(k) = t.indexes.last_mut() {
                    (k.using, k.comment) = (using, comment);
                }
            }
        }
        TableConstraint::Index(ast::IndexConstraint {
            name,
            index_type,
            columns,
            index_options,
            ..
        }) => {
            let (using, comment) = mysql_index_options(index_type, index_options);
            let method = using.clone().filter(|m| m != "btree");
            push_key(
                t,
                name.as_ref().map(ident).unwrap_or_default(),
                false,
                columns,
                method,
            );
            if let Some(k) = t.indexes.last_mut() {
                (k.using, k.comment) = (using, comment);
            }
        }
        TableConstraint::FulltextOrSpatial(ast::FullTextOrSpatialConstraint {
            fulltext,
            opt_index_name,
            columns,
            ..
        }) => {
            let method = Some(if *fulltext { "fulltext" } else { "spatial" }.to_string());
            push_key(
                t,
                opt_index_name.as_ref().map(ident).unwrap_or_default(),
                false,
                columns,
                method,
            );
        }
        TableConstraint::ForeignKey(ast::ForeignKeyConstraint {
            name,
            index_name,
            columns,
            foreign_table,
            referred_columns,
            on_delete,
            on_update,
            characteristics,
            match_kind,
            ..
        }) => {
            let (deferrable, initially_deferred) = deferral(characteristics);
            t.declared_keys.push(KeyRef::ForeignKey(String::new()));
            t.foreign_keys.push(ForeignKey {
                not_valid: false,
                // MariaDB names an unnamed constraint after its index name, when given
                // (`FOREIGN KEY fk_x (…)`).
                name: name
                    .as_ref()
                    .or(index_name.as_ref())
                    .map(ident)
                    .unwrap_or_default(),
                columns: columns.iter().map(ident).collect(),
                ref_table: qname(foreign_table),
                ref_columns: referred_columns.iter().map(ident).collect(),
                on_delete: action(on_delete),
                on_update: action(on_update),
                deferrable,
                initially_deferred,
                unspecified: (on_delete.is_none(), on_update.is_none()),
                match_full: is_full(match_kind),
            })
        }
        TableConstraint::Check(ast::CheckConstraint {
            name,
            expr: e,
            no_inherit,
            ..
        }) => t.checks.push(Check {
            not_valid: false,
            name: name.as_ref().map(ident).unwrap_or_default(),
            expr: expr(e),
            no_inherit: *no_inherit,
        }),
        TableConstraint::PrimaryKeyUsingIndex(_) | TableConstraint::UniqueUsingIndex(_) => {
            return Err(not_managed(
                loc,
                t.name.clone(),
                "a constraint `USING INDEX` is not managed yet",
            ))
        }
        TableConstraint::Exclude(x) => t.exclusions.push(super::postgres::exclusion(x)),
    }
    Ok(())
}

/// A MySQL `KEY` inside `CREATE TABLE`; unnamed ones get MySQL's name for them: the first
/// column, suffixed `_2`, `_3` … if taken.
fn push_key(
    t: &mut Table,
    name: String,
    unique: bool,
    columns: &[ast::IndexColumn],
    method: Option<String>,
) {
    let mut index = Index {
        name,
        unique,
        parts: columns.iter().map(index_part).collect(),
        predicate: None,
        method,
        nulls_not_distinct: false,
        include: Vec::new(),
        with: Vec::new(),
        comment: None,
        using: None,
        only: false,
        attached_to: None,
    };
    if index.name.is_empty() {
        let base = match index.parts.first().map(|p| &p.key) {
            Some(IndexKey::Column(c)) => c.clone(),
            _ => "functional_index".to_string(),
        };
        let taken = |n: &str| t.indexes.iter().any(|i| i.name == n);
        index.name = if taken(&base) {
            (2..)
                .map(|k| format!("{base}_{k}"))
                .find(|n| !taken(n))
                .unwrap_or(base)
        } else {
            base
        };
    }
    t.indexes.push(index);
}

/// Gives unnamed constraints the names PostgreSQL would give them.
fn name_constraints(t: &mut Table) {
    let table = t.name.name.clone();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let pick = |cols: &[&str], label: &str, used: &mut BTreeSet<String>| {
        let mut n = 0;
        loop {
            let l = if n == 0 {
                label.to_string()
            } else {
                format!("{label}{n}")
            };
            let candidate = generated_name(&table, cols, &l, MAX_NAME);
            if used.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    };
    // Explicit names first, so generated ones avoid them.
    if let Some(pk) = &t.primary_key {
        if !pk.name.is_empty() {
            used.insert(pk.name.clone());
        }
    }
    for n in t
        .uniques
        .iter()
        .map(|u| &u.name)
        .chain(t.foreign_keys.iter().map(|f| &f.name))
        .chain(t.checks.iter().map(|c| &c.name))
        .chain(t.exclusions.iter().map(|x| &x.name))
    {
        if !n.is_empty() && !n.starts_with('\u{0}') {
            used.insert(n.clone());
        }
    }
    if let Some(pk) = &mut t.primary_key {
        if pk.name.is_empty() {
            pk.name = pick(&[], "pkey", &mut used);
        }
    }
    let mut unnamed = Vec::new();
    let mut generated = |name: &str, column: Option<String>| {
        unnamed.push(Unnamed {
            name: name.to_string(),
            column,
        })
    };
    for u in &mut t.uniques {
        if u.name.is_empty() {
            let cols: Vec<&str> = u.columns.iter().map(String::as_str).collect();
            u.name = pick(&cols, "key", &mut used);
            generated(&u.name, None);
        }
    }
    for f in &mut t.foreign_keys {
        if f.name.is_empty() {
            let cols: Vec<&str> = f.columns.iter().map(String::as_str).collect();
            f.name = pick(&cols, "fkey", &mut used);
            generated(&f.name, None);
        }
    }
    for x in &mut t.exclusions {
        if x.name.is_empty() {
            let words = super::postgres::exclusion_name_words(x);
            let cols: Vec<&str> = words.iter().map(String::as_str).collect();
            x.name = pick(&cols, "excl", &mut used);
            // Not in `unnamed`: only PostgreSQL has them, and names them so.
            t.generated_names.insert(x.name.clone());
        }
    }
    for c in &mut t.checks {
        if let Some(col) = c.name.strip_prefix('\u{0}') {
            let col = col.to_string();
            c.name = pick(&[&col], "check", &mut used);
            generated(&c.name, Some(col));
        } else if c.name.is_empty() {
            let only = only_column(&c.expr.canon);
            let cols: Vec<&str> = only.iter().map(String::as_str).collect();
            c.name = pick(&cols, "check", &mut used);
            generated(&c.name, None);
        }
    }
    t.generated_names
        .extend(unnamed.iter().map(|u| u.name.clone()));
    t.unnamed.extend(unnamed);
    // The member lists are still in declaration order here; the sort below loses it.
    let mut uniques = t.uniques.iter().map(|u| u.name.clone());
    let mut fks = t.foreign_keys.iter().map(|f| f.name.clone());
    t.declared_keys = std::mem::take(&mut t.declared_keys)
        .into_iter()
        .filter_map(|k| match k {
            KeyRef::PrimaryKey => t.primary_key.as_ref().map(|_| KeyRef::PrimaryKey),
            KeyRef::Unique(_) => uniques.next().map(KeyRef::Unique),
            KeyRef::ForeignKey(_) => fks.next().map(KeyRef::ForeignKey),
        })
        .collect();
    if let Some(pk) = &t.primary_key {
        for col in &pk.columns {
            if let Some(c) = t.columns.iter_mut().find(|c| &c.name == col) {
                c.nullable = false;
            }
        }
    }
    // Members stay in the order they were declared: MySQL shows them so, and builds a
    // table's keys in that order. Each dialect's normalizer decides whether to sort.
}

/// The column an expression mentions when it mentions exactly one: PostgreSQL names an
/// unnamed check after it (`t_c_check`), and after the table alone otherwise (`t_check`).
fn only_column(canon: &str) -> Option<String> {
    let dialect = sqlparser::dialect::GenericDialect {};
    let e = sqlparser::parser::Parser::new(&dialect)
        .try_with_sql(canon)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    struct Columns(std::collections::BTreeSet<String>);
    impl Visitor for Columns {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
            if let ast::Expr::Identifier(i) = e {
                self.0.insert(ident(i));
            }
            ControlFlow::Continue(())
        }
    }
    let mut f = Columns(Default::default());
    let _ = e.visit(&mut f);
    match f.0.len() {
        1 => f.0.pop_first(),
        _ => None,
    }
}

fn name_index(t: &Table, index: Index) -> Index {
    name_index_of(&t.name.name, index)
}

/// Gives an unnamed index of relation `rel` the name PostgreSQL would give it.
fn name_index_of(rel: &str, mut index: Index) -> Index {
    if index.name.is_empty() {
        let cols: Vec<String> = index
            .parts
            .iter()
            .map(|p| match &p.key {
                IndexKey::Column(c) => c.clone(),
                IndexKey::Expr(_) => "expr".to_string(),
            })
            .collect();
        let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
        index.name = generated_name(rel, &cols, "idx", MAX_NAME);
    }
    index
}

/// One key part: a column (with an optional MySQL prefix length) or an expression.
pub(super) fn index_part(ic: &ast::IndexColumn) -> IndexPart {
    let mut length = None;
    let key = match &ic.column.expr {
        ast::Expr::Identifier(i) => IndexKey::Column(ident(i)),
        ast::Expr::Nested(inner) => match &**inner {
            ast::Expr::Identifier(i) => IndexKey::Column(ident(i)),
            other => IndexKey::Expr(expr(other)),
        },
        // `name(10)`: MySQL's prefix length, which parses like a call.
        ast::Expr::Function(f) if prefix_length(f).is_some() => {
            length = prefix_length(f);
            IndexKey::Column(
                f.name
                    .0
                    .last()
                    .map(|p| match p {
                        ObjectNamePart::Identifier(i) => ident(i),
                        ObjectNamePart::Function(f) => ident(&f.name),
                    })
                    .unwrap_or_default(),
            )
        }
        other => IndexKey::Expr(expr(other)),
    };
    let desc = matches!(ic.column.options.sort, Some(ast::OrderBySort::Desc));
    // NULLS LAST is the default for ASC and NULLS FIRST for DESC: keep only deviations.
    let nulls_first = match ic.column.options.nulls_first {
        Some(nf) if nf != desc => Some(nf),
        _ => None,
    };
    IndexPart {
        key,
        desc,
        nulls_first,
        // pg_dump qualifies an extension's operator class (`public.gin_trgm_ops`); the
        // catalog prints it bare where the schema is on the search path.
        opclass: ic.operator_class.as_ref().map(|o| {
            let o = o.to_string();
            match o.strip_prefix("public.") {
                Some(bare) => bare.to_string(),
                None => o,
            }
        }),
        length,
    }
}

fn prefix_length(f: &ast::Function) -> Option<u32> {
    if f.name.0.len() != 1 {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v)))] => {
            match &v.value {
                ast::Value::Number(n, _) => n.parse().ok(),
                _ => None,
            }
        }
        _ => None,
    }
}

pub fn index_from(ci: &CreateIndex, loc: &Loc) -> Result<(QName, Index), ParseError> {
    let mut with = Vec::new();
    for param in &ci.with {
        match param {
            ast::Expr::BinaryOp {
                left,
                op: ast::BinaryOperator::Eq,
                right,
            } => {
                let value = match right.as_ref() {
                    ast::Expr::Value(v) => match &v.value {
                        ast::Value::SingleQuotedString(s) => s.clone(),
                        other => other.to_string(),
                    },
                    other => other.to_string(),
                };
                with.push((left.to_string().to_lowercase(), value.to_lowercase()));
            }
            _ => {
                return Err(not_managed(
                    loc,
                    qname(&ci.table_name),
                    format!("the index storage parameter `{param}` is not managed yet"),
                ))
            }
        }
    }
    let parts = ci.columns.iter().map(index_part).collect();
    let (using, comment) = mysql_index_options(&ci.using, &ci.index_options);
    let method = using.clone().filter(|m| m != "btree");
    let name = ci.name.as_ref().map(|n| qname(n).name).unwrap_or_default();
    Ok((
        qname(&ci.table_name),
        Index {
            name,
            unique: ci.unique,
            parts,
            predicate: ci.predicate.as_ref().map(expr),
            method,
            nulls_not_distinct: ci.nulls_distinct == Some(false),
            include: ci.include.iter().map(ident).collect(),
            with,
            comment,
            using,
            only: false,
            attached_to: None,
        },
    ))
}

/// An index's `USING` (lower case), written before or after its columns, and MySQL's
/// index `COMMENT`.
fn mysql_index_options(
    using: &Option<ast::IndexType>,
    options: &[ast::IndexOption],
) -> (Option<String>, Option<String>) {
    let mut using = using.as_ref().map(|u| u.to_string().to_lowercase());
    let mut comment = None;
    for o in options {
        match o {
            ast::IndexOption::Using(u) => using = Some(u.to_string().to_lowercase()),
            ast::IndexOption::Comment(c) => comment = Some(c.clone()),
        }
    }
    (using, comment)
}

/// A view query as a model expression plus the relations it reads.
pub fn view_expr(q: Query) -> (Expr, BTreeSet<QName>, BTreeSet<QName>) {
    let mut deps = BTreeSet::new();
    let mut calls = BTreeSet::new();
    let mut ctes = BTreeSet::new();
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            ctes.insert(ident(&cte.alias.name));
        }
    }
    // Relations, not set-returning functions (`FROM generate_series(1, 3)`).
    struct Relations<'a>(
        &'a BTreeSet<String>,
        &'a mut BTreeSet<QName>,
        &'a mut BTreeSet<QName>,
    );
    impl sqlparser::ast::Visitor for Relations<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
            if let ast::Expr::Function(f) = e {
                self.2.insert(qname(&f.name));
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_table_factor(&mut self, tf: &ast::TableFactor) -> ControlFlow<()> {
            if let ast::TableFactor::Table {
                name, args: None, ..
            } = tf
            {
                let n = qname(name);
                if !(n.schema.is_empty() && self.0.contains(&n.name)) {
                    self.1.insert(n);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = sqlparser::ast::Visit::visit(&q, &mut Relations(&ctes, &mut deps, &mut calls));
    let sql = super::requote::lossless(&q);
    (Expr::new(sql, canonical_query(q)), deps, calls)
}

fn sequence(name: QName, opts: &[SequenceOptions], loc: &Loc) -> Result<Sequence, ParseError> {
    let ty = opts.iter().find_map(|o| match o {
        SequenceOptions::DataType(t) => Some(t),
        _ => None,
    });
    let data_type = match ty {
        Some(t) => map_type(&t.to_string()).map_err(|m| err(loc, m))?.0,
        None => DataType::BigInt,
    };
    let num = |e: &ast::Expr| -> Result<i64, ParseError> {
        e.to_string().replace(' ', "").parse::<i64>().map_err(|_| {
            err(
                loc,
                format!("sequence option must be an integer, found `{e}`"),
            )
        })
    };
    let mut s = Sequence {
        name,
        data_type,
        start: 1,
        increment: 1,
        min_value: None,
        max_value: None,
        cache: 1,
        cycle: false,
        comment: None,
    };
    let mut start = None;
    for o in opts {
        match o {
            SequenceOptions::IncrementBy(e, _) => s.increment = num(e)?,
            SequenceOptions::MinValue(v) => s.min_value = v.as_ref().map(num).transpose()?,
            SequenceOptions::MaxValue(v) => s.max_value = v.as_ref().map(num).transpose()?,
            SequenceOptions::StartWith(e, _) => start = Some(num(e)?),
            SequenceOptions::Cache(e) => s.cache = num(e)?,
            SequenceOptions::Cycle(no) => s.cycle = !*no,
            // The type is read above; ownership (`OWNED BY`) is not part of the model.
            SequenceOptions::DataType(_) | SequenceOptions::OwnedBy(_) => {}
        }
    }
    s.start = start.unwrap_or(if s.increment > 0 {
        s.min_value.unwrap_or(1)
    } else {
        s.max_value.unwrap_or(-1)
    });
    Ok(s)
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}
