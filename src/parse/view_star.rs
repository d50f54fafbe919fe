//! A view as PostgreSQL and MySQL store it, where that depends on the columns of the
//! relations it reads: `SELECT *` is stored expanded into the column list, NATURAL joins
//! as USING (or ON) lists, and every column of a multi-relation SELECT qualified with its
//! relation. A view file is compared as that stored form, computed from the columns the
//! desired schema declares. SQLite stores the text as written and never calls this.

use super::ddl::{ident, qname, view_expr};
use crate::model::{QName, Schema};
use sqlparser::ast::{
    self, Expr, Ident, JoinConstraint, JoinOperator, Query, Select, SelectItem, SetExpr,
    TableFactor, VisitMut, VisitorMut,
};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// Expands `*` in every view of `s` whose relations' columns are known. A view whose star
/// cannot be expanded (it reads a relation the schema does not define, or a join whose
/// merged columns the server computes) is returned with why, for the caller to leave alone.
///
/// `using_as_on`: the server stores a USING (or NATURAL) join as the ON condition it
/// stands for (MariaDB does), not as a USING list (PostgreSQL).
pub fn expand_view_stars(s: &mut Schema, using_as_on: bool) -> Vec<(QName, String)> {
    let starred: Vec<QName> = s
        .views
        .iter()
        .filter(|(_, v)| {
            // A cheap look first: most views have neither a star nor a second relation.
            let c = v.query.canon.to_ascii_lowercase();
            c.contains('*')
                || c.contains("join")
                || c.split(" from ").skip(1).any(|rest| rest.contains(','))
        })
        .map(|(n, _)| n.clone())
        .collect();
    let mut refused = Vec::new();
    let mut outputs: BTreeMap<QName, Vec<String>> = BTreeMap::new();
    for name in starred {
        match expanded(s, &name, &mut outputs, 0, using_as_on) {
            Ok(Some(q)) => {
                let (query, depends_on, _) = view_expr(q);
                if let Some(v) = s.views.get_mut(&name) {
                    // The file's text is what gets run; only the comparison changes.
                    v.query.canon = query.canon;
                    v.depends_on = depends_on;
                }
            }
            Ok(None) => {}
            Err(why) => refused.push((name, why)),
        }
    }
    refused
}

/// The view's query with its stars expanded, or `None` when it has none.
fn expanded(
    s: &Schema,
    view: &QName,
    outputs: &mut BTreeMap<QName, Vec<String>>,
    depth: usize,
    using_as_on: bool,
) -> Result<Option<Query>, String> {
    let Some(v) = s.views.get(view) else {
        return Ok(None);
    };
    if depth > 32 {
        return Err("its `*` reads views nested too deeply".into());
    }
    let mut q = super::view_ast(&v.query.sql)?;
    // `count(*)` and `a * b` are not stars; a NATURAL join is expanded too.
    if !has_star(&mut q, using_as_on) {
        return Ok(None);
    }
    // Columns of the views this one reads, themselves expanded first.
    let mut known: Vec<(QName, Vec<String>)> = Vec::new();
    for dep in &v.depends_on {
        if let Some(t) = s.tables.iter().find(|(n, _)| n.same_relation(dep)) {
            known.push((
                t.0.clone(),
                t.1.columns.iter().map(|c| c.name.clone()).collect(),
            ));
        } else if let Some((n, _)) = s.views.iter().find(|(n, _)| n.same_relation(dep)) {
            let n = n.clone();
            if !outputs.contains_key(&n) {
                let cols = match expanded(s, &n, outputs, depth + 1, using_as_on)? {
                    Some(inner) => output_names(&inner),
                    None => output_names(&super::view_ast(&s.views[&n].query.sql)?),
                };
                match cols {
                    Some(c) => outputs.insert(n.clone(), c),
                    None => {
                        return Err(format!(
                            "its `*` reads view {n}, whose column names are not plain"
                        ))
                    }
                };
            }
            known.push((n.clone(), outputs[&n].clone()));
        }
    }
    let mut star = Star {
        known,
        ctes: Vec::new(),
        using_as_on,
        error: None,
        changed: false,
    };
    // A CTE is a relation of the query: its columns are its own query's output.
    if let Some(with) = &mut q.with {
        for cte in &mut with.cte_tables {
            let _ = cte.query.visit(&mut star);
            let mut cols = output_names(&cte.query);
            if let Some(c) = &mut cols {
                for (slot, alias) in c.iter_mut().zip(&cte.alias.columns) {
                    *slot = ident(&alias.name);
                }
            }
            if let Some(cols) = cols {
                star.ctes.push((ident(&cte.alias.name), cols));
            }
        }
    }
    let _ = q.visit(&mut star);
    if let Some(e) = star.error {
        return Err(e);
    }
    Ok(star.changed.then_some(q))
}

struct Star {
    known: Vec<(QName, Vec<String>)>,
    /// The view's CTEs by name, with their columns.
    ctes: Vec<(String, Vec<String>)>,
    using_as_on: bool,
    error: Option<String>,
    changed: bool,
}

impl VisitorMut for Star {
    type Break = ();

    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        let mut outcome = Ok(());
        visit_selects(&mut q.body, &mut |select| {
            if outcome.is_ok() {
                outcome = self.expand(select);
            }
        });
        // The ORDER BY of a single SELECT sees its FROM list too (an output column's name
        // stays as it is: it names no relation's column, or the server reads it so).
        if let (Some(order), SetExpr::Select(select)) = (&mut q.order_by, q.body.as_mut()) {
            if select
                .projection
                .iter()
                .all(|p| !matches!(p, SelectItem::ExprWithAlias { .. }))
                && needs_sources(select, self.using_as_on)
            {
                if let Ok((_, sources)) = self.sources(select) {
                    if sources.len() > 1 {
                        let mut qualify = Qualify {
                            sources: &sources,
                            depth: 0,
                            changed: false,
                        };
                        if let ast::OrderByKind::Expressions(keys) = &mut order.kind {
                            for k in keys {
                                let _ = k.expr.visit(&mut qualify);
                            }
                        }
                        self.changed |= qualify.changed;
                    }
                }
            }
        }
        match outcome {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }
}

struct Qualify<'a> {
    sources: &'a [Source],
    depth: usize,
    changed: bool,
}

impl VisitorMut for Qualify<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _: &mut Query) -> ControlFlow<()> {
        self.depth -= 1;
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        if let Expr::Identifier(i) = e {
            let name = ident(i);
            let mut owners = self.sources.iter().filter(|s| s.columns.contains(&name));
            if let (Some(owner), None) = (owners.next(), owners.next()) {
                *e = column_expr(&owner.qualifier, &name);
                self.changed = true;
            }
        }
        ControlFlow::Continue(())
    }
}

/// A SELECT whose FROM list the server rewrites or qualifies columns against.
fn needs_sources(select: &Select, using_as_on: bool) -> bool {
    select.from.len() > 1
        || select.from.iter().any(|t| !t.joins.is_empty())
        || has_natural(select)
        || (using_as_on && has_using(select))
}

fn constraint_mut(op: &mut JoinOperator) -> Option<&mut JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c) => Some(c),
        _ => None,
    }
}

fn has_natural(select: &Select) -> bool {
    select.from.iter().any(|twj| {
        twj.joins.iter().any(|j| {
            matches!(
                &j.join_operator,
                JoinOperator::Join(JoinConstraint::Natural)
                    | JoinOperator::Inner(JoinConstraint::Natural)
                    | JoinOperator::Left(JoinConstraint::Natural)
                    | JoinOperator::LeftOuter(JoinConstraint::Natural)
                    | JoinOperator::Right(JoinConstraint::Natural)
                    | JoinOperator::RightOuter(JoinConstraint::Natural)
                    | JoinOperator::FullOuter(JoinConstraint::Natural)
            )
        })
    })
}

fn has_using(select: &Select) -> bool {
    select.from.iter().any(|twj| {
        twj.joins.iter().any(|j| {
            let mut op = j.join_operator.clone();
            matches!(constraint_mut(&mut op), Some(JoinConstraint::Using(_)))
        })
    })
}

fn has_star(q: &mut Query, using_as_on: bool) -> bool {
    struct Find(bool, bool);
    impl VisitorMut for Find {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            visit_selects(&mut q.body, &mut |s| {
                self.0 |= needs_sources(s, self.1)
                    || s.projection.iter().any(|p| {
                        matches!(
                            p,
                            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
                        )
                    })
            });
            ControlFlow::Continue(())
        }
    }
    let mut f = Find(false, using_as_on);
    let _ = q.visit(&mut f);
    f.0
}

fn visit_selects(body: &mut SetExpr, f: &mut dyn FnMut(&mut Select)) {
    match body {
        SetExpr::Select(s) => f(s),
        SetExpr::SetOperation { left, right, .. } => {
            visit_selects(left, f);
            visit_selects(right, f);
        }
        _ => {}
    }
}

/// One relation of a FROM list: the name that qualifies its columns, and the columns.
struct Source {
    qualifier: String,
    columns: Vec<String>,
}

impl Star {
    fn expand(&mut self, select: &mut Select) -> Result<(), String> {
        let has_star = select.projection.iter().any(|p| {
            matches!(
                p,
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..)
            )
        });
        if !has_star && !needs_sources(select, self.using_as_on) {
            return Ok(());
        }
        let (all, sources) = match self.sources(select) {
            Ok(found) => found,
            // Without a star, an unknown relation only means the columns stay as written.
            Err(_) if !has_star => return Ok(()),
            Err(e) => return Err(e),
        };
        if sources.len() > 1 {
            self.qualify(select, &sources);
        }
        if !has_star {
            return Ok(());
        }
        let mut items = Vec::new();
        for item in std::mem::take(&mut select.projection) {
            match item {
                SelectItem::Wildcard(opts) if is_plain(&opts) => {
                    items.extend(all.iter().map(|(q, c)| column(q, c)));
                    self.changed = true;
                }
                SelectItem::QualifiedWildcard(
                    ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                    opts,
                ) if is_plain(&opts) => {
                    let qualifier =
                        n.0.last()
                            .and_then(|p| p.as_ident())
                            .map(ident)
                            .unwrap_or_default();
                    let Some(src) = sources.iter().find(|s| s.qualifier == qualifier) else {
                        return Err(format!("its `{n}.*` names no relation of its FROM list"));
                    };
                    items.extend(src.columns.iter().map(|c| column(&src.qualifier, c)));
                    self.changed = true;
                }
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    return Err(
                        "its `*` has options (EXCLUDE, REPLACE, …) the server does not have".into(),
                    )
                }
                other => items.push(other),
            }
        }
        select.projection = items;
        Ok(())
    }

    /// The relations of the FROM list and the columns `*` stands for, in order, each with
    /// the relation that qualifies it. Rewrites NATURAL (and, where the server does,
    /// USING) joins to what the server stores.
    #[allow(clippy::type_complexity)]
    fn sources(
        &mut self,
        select: &mut Select,
    ) -> Result<(Vec<(String, String)>, Vec<Source>), String> {
        // The columns `*` stands for, in order, each with the relation that qualifies it.
        let mut all: Vec<(String, String)> = Vec::new();
        let mut sources: Vec<Source> = Vec::new();
        for twj in &mut select.from {
            let first = self.source(&twj.relation)?;
            let mut group: Vec<(String, String)> = first
                .columns
                .iter()
                .map(|c| (first.qualifier.clone(), c.clone()))
                .collect();
            sources.push(first);
            for join in &mut twj.joins {
                let right = self.source(&join.relation)?;
                let merged = merged_columns(&join.join_operator, &group, &right)?;
                // The server stores NATURAL as the USING list it stands for, or both as
                // the ON condition they stand for.
                if let Some(c) = constraint_mut(&mut join.join_operator) {
                    let merging = matches!(c, JoinConstraint::Natural | JoinConstraint::Using(_));
                    if merging && self.using_as_on {
                        let eqs = merged.iter().map(|m| {
                            let owner = group
                                .iter()
                                .find(|(_, col)| col == m)
                                .map(|(q, _)| q.clone())
                                .unwrap_or_default();
                            Expr::BinaryOp {
                                left: Box::new(column_expr(&owner, m)),
                                op: ast::BinaryOperator::Eq,
                                right: Box::new(column_expr(&right.qualifier, m)),
                            }
                        });
                        let on = eqs.reduce(|a, b| Expr::BinaryOp {
                            left: Box::new(a),
                            op: ast::BinaryOperator::And,
                            right: Box::new(b),
                        });
                        if let Some(on) = on {
                            *c = JoinConstraint::On(on);
                            self.changed = true;
                        }
                    } else if matches!(c, JoinConstraint::Natural) {
                        *c = JoinConstraint::Using(
                            merged
                                .iter()
                                .map(|m| ast::ObjectName::from(vec![Ident::new(m.clone())]))
                                .collect(),
                        );
                        self.changed = true;
                    }
                }
                let mut next: Vec<(String, String)> = Vec::new();
                for m in &merged {
                    if let Some(pos) = group.iter().position(|(_, c)| c == m) {
                        next.push(group.remove(pos));
                    }
                }
                next.append(&mut group);
                next.extend(
                    right
                        .columns
                        .iter()
                        .filter(|c| !merged.contains(c))
                        .map(|c| (right.qualifier.clone(), c.clone())),
                );
                group = next;
                sources.push(right);
            }
            all.extend(group);
        }
        Ok((all, sources))
    }

    /// Qualifies each bare column of a multi-relation SELECT with the one relation that
    /// has it, as the server prints a stored view (subqueries are their own scope).
    fn qualify(&mut self, select: &mut Select, sources: &[Source]) {
        let mut q = Qualify {
            sources,
            depth: 0,
            changed: false,
        };
        for item in &mut select.projection {
            match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    let _ = e.visit(&mut q);
                }
                _ => {}
            }
        }
        if let Some(e) = &mut select.selection {
            let _ = e.visit(&mut q);
        }
        if let Some(e) = &mut select.having {
            let _ = e.visit(&mut q);
        }
        if let ast::GroupByExpr::Expressions(items, _) = &mut select.group_by {
            for e in items {
                let _ = e.visit(&mut q);
            }
        }
        for twj in &mut select.from {
            for join in &mut twj.joins {
                if let Some(JoinConstraint::On(e)) = constraint_mut(&mut join.join_operator) {
                    let _ = e.visit(&mut q);
                }
            }
        }
        self.changed |= q.changed;
    }

    fn source(&self, tf: &TableFactor) -> Result<Source, String> {
        match tf {
            TableFactor::Table {
                name,
                alias,
                args: None,
                ..
            } => {
                let q = qname(name);
                let cte = (name.0.len() == 1)
                    .then(|| self.ctes.iter().find(|(n, _)| *n == q.name))
                    .flatten()
                    .map(|(_, cols)| cols);
                let table = self
                    .known
                    .iter()
                    .find(|(n, _)| n.same_relation(&q))
                    .map(|(_, c)| c);
                let Some(cols) = cte.or(table) else {
                    return Err(format!(
                        "its `*` reads {q}, which the schema files do not define, so its columns are unknown"
                    ));
                };
                let qualifier = match alias {
                    Some(a) => ident(&a.name),
                    None => q.name.clone(),
                };
                Ok(Source {
                    qualifier,
                    columns: renamed(cols, alias.as_ref()),
                })
            }
            TableFactor::Derived {
                subquery,
                alias: Some(alias),
                ..
            } => {
                let Some(cols) = output_names(subquery) else {
                    return Err("its `*` reads a subquery whose column names are not plain".into());
                };
                Ok(Source {
                    qualifier: ident(&alias.name),
                    columns: renamed(&cols, Some(alias)),
                })
            }
            _ => Err("its `*` reads a relation whose columns sqlshift cannot list".into()),
        }
    }
}

/// `FROM t AS x (a, b)` renames the first columns.
fn renamed(cols: &[String], alias: Option<&ast::TableAlias>) -> Vec<String> {
    let mut out = cols.to_vec();
    if let Some(a) = alias {
        for (slot, c) in out.iter_mut().zip(&a.columns) {
            *slot = ident(&c.name);
        }
    }
    out
}

/// The columns a join merges into one (USING, NATURAL), which `*` lists once, first,
/// with the left relation's qualifier.
fn merged_columns(
    op: &JoinOperator,
    left: &[(String, String)],
    right: &Source,
) -> Result<Vec<String>, String> {
    let (constraint, left_kept) = match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c) => (c, true),
        JoinOperator::Right(c) | JoinOperator::RightOuter(c) | JoinOperator::FullOuter(c) => {
            (c, false)
        }
        _ => return Ok(Vec::new()),
    };
    let merged: Vec<String> = match constraint {
        JoinConstraint::Using(cols) => cols
            .iter()
            .filter_map(|n| n.0.last().and_then(|p| p.as_ident()).map(ident))
            .collect(),
        JoinConstraint::Natural => left
            .iter()
            .map(|(_, c)| c.clone())
            .filter(|c| right.columns.contains(c))
            .collect(),
        _ => Vec::new(),
    };
    if !merged.is_empty() && !left_kept {
        return Err("its `*` reads a RIGHT or FULL join with USING or NATURAL, whose merged columns the server computes".into());
    }
    Ok(merged)
}

fn is_plain(o: &ast::WildcardAdditionalOptions) -> bool {
    o.opt_ilike.is_none()
        && o.opt_exclude.is_none()
        && o.opt_except.is_none()
        && o.opt_replace.is_none()
        && o.opt_rename.is_none()
}

fn column(qualifier: &str, name: &str) -> SelectItem {
    SelectItem::UnnamedExpr(column_expr(qualifier, name))
}

fn column_expr(qualifier: &str, name: &str) -> Expr {
    Expr::CompoundIdentifier(vec![
        Ident::with_quote('"', qualifier),
        Ident::with_quote('"', name),
    ])
}

/// The output column names of a query, when each is plain (a column, an alias, a
/// function's name, a cast of a column).
fn output_names(q: &Query) -> Option<Vec<String>> {
    let mut body = q.body.as_ref();
    while let SetExpr::SetOperation { left, .. } = body {
        body = left;
    }
    let SetExpr::Select(select) = body else {
        return None;
    };
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::ExprWithAlias { alias, .. } => Some(ident(alias)),
            SelectItem::UnnamedExpr(e) => expr_name(e),
            _ => None,
        })
        .collect()
}

fn expr_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(ident(i)),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident),
        Expr::Nested(inner) => expr_name(inner),
        Expr::Cast { expr, .. } => expr_name(expr),
        Expr::Function(f) => f.name.0.last().and_then(|p| p.as_ident()).map(ident),
        _ => None,
    }
}
