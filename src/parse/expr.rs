//! Expression normalization: the canonical form two spellings of one expression share.
//!
//! PostgreSQL hands back `(price > (0)::numeric)` for what a user wrote as `price > 0`,
//! `= ANY (ARRAY[...])` for `IN (...)`, and qualifies every column in a view. Both the
//! parsed file and the catalog text go through [`canonical`], so equal meaning gives equal
//! strings. [`portable`] only drops PostgreSQL-only casts, for dialects that lack `::`.

use super::types::map_type;
use sqlparser::ast::{
    self, BinaryOperator, CastKind, Expr, Ident, ObjectName, ObjectNamePart, Query, Select,
    SelectItem, SetExpr, TableFactor, UnaryOperator, Value, VisitMut, VisitorMut,
};
use std::ops::ControlFlow;

/// Canonical text of an expression.
pub fn canonical_expr(mut e: Expr) -> String {
    let _ = e.visit(&mut Canon);
    e.to_string()
}

/// Puts any statement or part of one (a rule's actions) in canonical form, as
/// [`canonical_expr`] does an expression.
pub(super) fn canonicalize<T: VisitMut>(node: &mut T) {
    let _ = node.visit(&mut Canon);
}

/// Canonical text of a view query.
pub fn canonical_query(mut q: Query) -> String {
    let _ = q.visit(&mut Canon);
    unshadow_aliases(&mut q);
    q.to_string()
}

/// PostgreSQL renames an alias that shadows one of an enclosing query (`fc` in a subquery
/// becomes `fc_1`) when it prints a view. An alias `x_N` is compared as `x` when `x` is an
/// alias in the same view, so the stored text and the file's compare equal.
fn unshadow_aliases(q: &mut Query) {
    struct Aliases(std::collections::BTreeSet<String>);
    impl ast::Visitor for Aliases {
        type Break = ();
        fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { alias: Some(a), .. } = tf {
                self.0.insert(a.name.value.clone());
            }
            ControlFlow::Continue(())
        }
    }
    let mut all = Aliases(Default::default());
    let _ = ast::Visit::visit(&*q, &mut all);
    let renames: std::collections::BTreeMap<String, String> = all
        .0
        .iter()
        .filter_map(|a| {
            let (base, n) = a.rsplit_once('_')?;
            (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) && all.0.contains(base))
                .then(|| (a.clone(), base.to_string()))
        })
        .collect();
    if renames.is_empty() {
        return;
    }
    struct Rename(std::collections::BTreeMap<String, String>);
    impl VisitorMut for Rename {
        type Break = ();
        fn pre_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<()> {
            if let TableFactor::Table { alias: Some(a), .. } = tf {
                if let Some(b) = self.0.get(&a.name.value) {
                    a.name.value = b.clone();
                }
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
            if let Expr::CompoundIdentifier(parts) = e {
                if parts.len() == 2 {
                    if let Some(b) = self.0.get(&parts[0].value) {
                        parts[0].value = b.clone();
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = q.visit(&mut Rename(renames));
}

/// The expression with literal casts removed and `::` turned into `CAST`, keeping spelling.
pub fn portable(mut e: Expr) -> String {
    let _ = e.visit(&mut Portable);
    super::requote::lossless(&e)
}

pub fn portable_query(mut q: Query) -> String {
    let _ = q.visit(&mut Portable);
    super::requote::lossless(&q)
}

struct Canon;
struct Portable;

fn is_numeric_type(t: &str) -> bool {
    matches!(
        t,
        "smallint" | "integer" | "bigint" | "real" | "double precision"
    ) || t.starts_with("numeric")
}

fn is_texty(t: &str) -> bool {
    t == "text" || t.starts_with("varchar") || t.starts_with("char")
}

fn literal_of(e: &Expr) -> Option<Value> {
    match e {
        Expr::Value(v) => Some(v.value.clone()),
        Expr::Nested(inner) => literal_of(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match literal_of(expr)? {
            Value::Number(n, l) => Some(Value::Number(format!("-{n}"), l)),
            _ => None,
        },
        _ => None,
    }
}

/// Replaces a cast whose value does not depend on the cast (a literal, or a column cast to
/// text or a number, as PostgreSQL casts operands implicitly) by its operand.
fn strip_cast(e: &mut Expr) -> bool {
    let Expr::Cast {
        expr, data_type, ..
    } = e
    else {
        return false;
    };
    let ty = map_type(&data_type.to_string())
        .map(|(t, _)| t.to_string())
        .unwrap_or_else(|_| data_type.to_string().to_lowercase());
    if let Some(mut v) = literal_of(expr) {
        let bare = ty.trim_matches('"');
        if let Value::SingleQuotedString(s) = &v {
            if is_numeric_type(&ty) && s.parse::<f64>().is_ok() {
                v = Value::Number(s.clone(), false);
            } else if bare == "boolean" || bare == "bool" {
                if let Some(b) = super::typed_literal::boolean(s) {
                    v = Value::Boolean(b);
                }
            } else if bare.starts_with("bit") || bare.starts_with("varbit") {
                // `'0101'::bit` is the bit-string constant `B'0101'`.
                v = Value::SingleQuotedByteStringLiteral(s.clone());
            } else if let Some(stored) = super::typed_literal::stored_text(bare, s) {
                v = Value::SingleQuotedString(stored);
            }
        } else if let Value::HexStringLiteral(h) = &v {
            if bare.starts_with("bit") || bare.starts_with("varbit") {
                if let Some(bits) = super::typed_literal::hex_bits(h) {
                    v = Value::SingleQuotedByteStringLiteral(bits);
                }
            }
        }
        *e = Expr::Value(v.into());
        return true;
    }
    // `ARRAY['a', 'b']::text[]`: PostgreSQL casts each element instead, and prints them so.
    if let Expr::Array(arr) = &**expr {
        if ty.ends_with("[]") && arr.elem.iter().all(|x| literal_of(x).is_some()) {
            *e = (**expr).clone();
            return true;
        }
    }
    // PostgreSQL adds these itself (`price * (qty)::numeric` for `price * qty`).
    if (is_texty(&ty) || is_numeric_type(&ty))
        && matches!(
            **expr,
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Nested(_)
        )
    {
        let mut inner = (**expr).clone();
        while let Expr::Nested(x) = inner {
            inner = *x;
        }
        if matches!(inner, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
            *e = inner;
            return true;
        }
    }
    false
}

fn is_atomic(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Identifier(_)
            | Expr::CompoundIdentifier(_)
            | Expr::Value(_)
            | Expr::Function(_)
            | Expr::Nested(_)
            | Expr::Cast { .. }
            | Expr::Array(_)
    )
}

fn wrap(e: &mut Expr) {
    if !is_atomic(e) {
        let inner = std::mem::replace(e, Expr::Value(Value::Null.into()));
        *e = Expr::Nested(Box::new(inner));
    }
}

fn fold_ident(i: &mut Ident) {
    if i.quote_style.is_none() {
        i.value = i.value.to_lowercase();
    }
    i.quote_style = None;
}

fn fold_object_name(n: &mut ObjectName) {
    for part in &mut n.0 {
        if let ObjectNamePart::Identifier(i) = part {
            fold_ident(i);
        }
    }
    // The default namespace is implied; drop it so `public.users` equals `users`.
    if n.0.len() == 2 {
        if let ObjectNamePart::Identifier(first) = &n.0[0] {
            if first.value == "public" || first.value == "main" {
                n.0.remove(0);
            }
        }
    }
}

impl VisitorMut for Canon {
    type Break = ();

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        loop {
            match e {
                Expr::Nested(inner) => {
                    let inner = std::mem::replace(&mut **inner, Expr::Value(Value::Null.into()));
                    *e = inner;
                }
                // `DATE '2024-01-01'` is the constant `'2024-01-01'::date`.
                Expr::TypedString(ts) if !ts.uses_odbc_syntax => {
                    *e = Expr::Cast {
                        kind: CastKind::DoubleColon,
                        expr: Box::new(Expr::Value(ts.value.clone())),
                        data_type: ts.data_type.clone(),
                        format: None,
                    };
                }
                // PostgreSQL's `INTERVAL '2 days'` (no unit after it: MySQL's
                // `INTERVAL 3 DAY` is date arithmetic, kept as written).
                Expr::Interval(iv)
                    if iv.leading_field.is_none()
                        && iv.last_field.is_none()
                        && matches!(&*iv.value, Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_))) =>
                {
                    *e = Expr::Cast {
                        kind: CastKind::DoubleColon,
                        expr: iv.value.clone(),
                        data_type: ast::DataType::Interval {
                            fields: None,
                            precision: None,
                        },
                        format: None,
                    };
                }
                Expr::Cast { .. } => {
                    if !strip_cast(e) {
                        if let Expr::Cast {
                            kind, data_type, ..
                        } = e
                        {
                            *kind = CastKind::DoubleColon;
                            let name = map_type(&data_type.to_string())
                                .map(|(t, _)| t.to_string())
                                .unwrap_or_else(|_| data_type.to_string().to_lowercase());
                            *data_type = ast::DataType::Custom(
                                ObjectName::from(vec![Ident::new(name)]),
                                vec![],
                            );
                        }
                        break;
                    }
                }
                _ => break,
            }
        }
        match e {
            Expr::Value(v) => {
                if let Value::Number(n, l) = &v.value {
                    v.value = Value::Number(canonical_number(n), *l);
                }
            }
            Expr::Identifier(i) => fold_ident(i),
            Expr::CompoundIdentifier(parts) => parts.iter_mut().for_each(fold_ident),
            Expr::Function(f) => {
                fold_object_name(&mut f.name);
                // `now()`, `current_timestamp()` and `CURRENT_TIMESTAMP` are one value.
                let name = f.name.to_string();
                let no_args = match &f.args {
                    ast::FunctionArguments::None => true,
                    ast::FunctionArguments::List(l) => l.args.is_empty(),
                    ast::FunctionArguments::Subquery(_) => false,
                };
                if no_args && (name == "now" || name == "current_timestamp") {
                    f.name = ObjectName::from(vec![Ident::new("current_timestamp")]);
                    f.args = ast::FunctionArguments::None;
                }
                if let ast::FunctionArguments::List(l) = &mut f.args {
                    for c in &mut l.clauses {
                        if let ast::FunctionArgumentClause::OrderBy(keys) = c {
                            keys.iter_mut().for_each(implicit_asc);
                        }
                    }
                }
                f.within_group.iter_mut().for_each(implicit_asc);
            }
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => {
                if let Expr::Value(v) = &**expr {
                    if let Value::Number(n, l) = &v.value {
                        *e = Expr::Value(Value::Number(format!("-{n}"), *l).into());
                    }
                }
            }
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => {
                if let Expr::Array(arr) = &**right {
                    *e = Expr::In {
                        expr: left.clone(),
                        target: ast::InTarget::List(arr.elem.clone()),
                        negated: false,
                        global: false,
                    };
                }
            }
            Expr::AllOp {
                left,
                compare_op: BinaryOperator::NotEq,
                right,
            } => {
                if let Expr::Array(arr) = &**right {
                    *e = Expr::In {
                        expr: left.clone(),
                        target: ast::InTarget::List(arr.elem.clone()),
                        negated: true,
                        global: false,
                    };
                }
            }
            Expr::Between {
                expr,
                negated: false,
                low,
                high,
            } => {
                let mut ge = Expr::BinaryOp {
                    left: expr.clone(),
                    op: BinaryOperator::GtEq,
                    right: low.clone(),
                };
                let mut le = Expr::BinaryOp {
                    left: expr.clone(),
                    op: BinaryOperator::LtEq,
                    right: high.clone(),
                };
                wrap_operands(&mut ge);
                wrap_operands(&mut le);
                *e = Expr::BinaryOp {
                    left: Box::new(Expr::Nested(Box::new(ge))),
                    op: BinaryOperator::And,
                    right: Box::new(Expr::Nested(Box::new(le))),
                };
            }
            Expr::BinaryOp { left, op, right } => {
                let like = match op {
                    BinaryOperator::PGLikeMatch => Some((false, false)),
                    BinaryOperator::PGNotLikeMatch => Some((true, false)),
                    BinaryOperator::PGILikeMatch => Some((false, true)),
                    BinaryOperator::PGNotILikeMatch => Some((true, true)),
                    _ => None,
                };
                if let Some((negated, insensitive)) = like {
                    let (expr, pattern) = (left.clone(), right.clone());
                    *e = if insensitive {
                        Expr::ILike {
                            negated,
                            any: false,
                            expr,
                            pattern,
                            escape_char: None,
                        }
                    } else {
                        Expr::Like {
                            negated,
                            any: false,
                            expr,
                            pattern,
                            escape_char: None,
                        }
                    };
                } else if matches!(op, BinaryOperator::And | BinaryOperator::Or) {
                    flatten_chain(e);
                } else {
                    wrap_operands(e);
                }
            }
            Expr::UnaryOp { expr, .. } => wrap(expr),
            _ => {}
        }
        single_in(e);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        let only = canon_body(q.body.as_mut());
        if let (Some(rel), Some(order_by)) = (only, &mut q.order_by) {
            let _ = order_by.visit(&mut StripQualifier(rel));
        }
        if let Some(ast::OrderBy {
            kind: ast::OrderByKind::Expressions(keys),
            ..
        }) = &mut q.order_by
        {
            keys.iter_mut().for_each(implicit_asc);
            // MariaDB stores `ORDER BY total` (an output column) as the expression it names.
            if let SetExpr::Select(select) = q.body.as_ref() {
                for key in keys.iter_mut() {
                    if let Expr::Identifier(i) = &key.expr {
                        let named = select.projection.iter().find_map(|item| match item {
                            SelectItem::ExprWithAlias { expr, alias } if alias.value == i.value => {
                                Some(expr.clone())
                            }
                            _ => None,
                        });
                        if let Some(e) = named {
                            key.expr = e;
                        }
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, n: &mut ObjectName) -> ControlFlow<()> {
        fold_object_name(n);
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, tf: &mut TableFactor) -> ControlFlow<()> {
        match tf {
            TableFactor::Table { alias: Some(a), .. } => {
                fold_ident(&mut a.name);
                // `users u` and `users AS u` are one alias.
                a.explicit = true;
            }
            TableFactor::Derived { alias: Some(a), .. } => {
                fold_ident(&mut a.name);
                a.explicit = true;
            }
            TableFactor::Function { alias: Some(a), .. }
            | TableFactor::UNNEST { alias: Some(a), .. }
            | TableFactor::NestedJoin { alias: Some(a), .. } => a.explicit = true,
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// `ORDER BY x ASC` is `ORDER BY x`; MariaDB writes the ASC out (also inside
/// `group_concat`), PostgreSQL leaves it out.
fn implicit_asc(key: &mut ast::OrderByExpr) {
    if key.options.sort == Some(ast::OrderBySort::Asc) {
        key.options.sort = None;
    }
}

/// `x IN (v)` with one value is stored as `x = v` (`NOT IN` as `x <> v`).
fn single_in(e: &mut Expr) {
    if let Expr::In {
        expr,
        target: ast::InTarget::List(list),
        negated,
        ..
    } = e
    {
        if list.len() == 1 {
            let mut cmp = Expr::BinaryOp {
                left: expr.clone(),
                op: if *negated {
                    BinaryOperator::NotEq
                } else {
                    BinaryOperator::Eq
                },
                right: Box::new(list[0].clone()),
            };
            wrap_operands(&mut cmp);
            *e = cmp;
        }
    }
}

/// `1.50` and `1.5`, `0.00` and `0`, `000042` and `42` (a MySQL ZEROFILL column's default)
/// are the same number.
fn canonical_number(n: &str) -> String {
    let n = n.trim_start_matches('+');
    let leading = n.len() - n.trim_start_matches('0').len();
    let n = if leading > 0 && n.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let rest = &n[leading..];
        if rest.is_empty() || rest.starts_with('.') {
            &n[leading - 1..]
        } else {
            rest
        }
    } else {
        n
    };
    if n.contains('.') && !n.contains(['e', 'E']) {
        let t = n.trim_end_matches('0').trim_end_matches('.');
        if t.is_empty() || t == "-" {
            "0".to_string()
        } else {
            t.to_string()
        }
    } else {
        n.to_string()
    }
}

/// In a condition, `x <> 0` is how MySQL stores a bare truth test `x`.
fn strip_ne_zero(e: &mut Expr) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And | BinaryOperator::Or,
            right,
        } => {
            strip_ne_zero(left);
            strip_ne_zero(right);
        }
        Expr::Nested(inner) => strip_ne_zero(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => strip_ne_zero(expr),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::NotEq,
            right,
        } if matches!(&**right, Expr::Value(v) if matches!(&v.value, Value::Number(n, _) if n == "0"))
            && matches!(&**left, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) =>
        {
            let inner = std::mem::replace(&mut **left, Expr::Value(Value::Null.into()));
            *e = inner;
        }
        _ => {}
    }
}

/// `a AND (b AND c)` and `(a AND b) AND c` are one condition: rebuild AND/OR chains
/// left-deep so both print alike.
fn flatten_chain(e: &mut Expr) {
    let Expr::BinaryOp { op, .. } = e else { return };
    let op = op.clone();
    fn collect(e: Expr, op: &BinaryOperator, out: &mut Vec<Expr>) {
        match e {
            Expr::BinaryOp { left, op: o, right } if &o == op => {
                collect(*left, op, out);
                collect(*right, op, out);
            }
            Expr::Nested(inner) if matches!(&*inner, Expr::BinaryOp { op: o, .. } if o == op) => {
                collect(*inner, op, out)
            }
            other => out.push(other),
        }
    }
    let whole = std::mem::replace(e, Expr::Value(Value::Null.into()));
    let mut parts = Vec::new();
    collect(whole, &op, &mut parts);
    let mut iter = parts.into_iter().map(|mut p| {
        wrap(&mut p);
        p
    });
    let Some(mut acc) = iter.next() else { return };
    for next in iter {
        acc = Expr::BinaryOp {
            left: Box::new(acc),
            op: op.clone(),
            right: Box::new(next),
        };
    }
    *e = acc;
}

fn wrap_operands(e: &mut Expr) {
    if let Expr::BinaryOp { left, right, .. } = e {
        wrap(left);
        wrap(right);
    }
}

/// [`canon_select`] on a query body: on each branch of a `UNION` (a recursive view's is
/// one), with the only relation of a plain SELECT returned.
fn canon_body(body: &mut SetExpr) -> Option<String> {
    match body {
        SetExpr::Select(select) => canon_select(select),
        SetExpr::SetOperation { left, right, .. } => {
            canon_body(left);
            canon_body(right);
            None
        }
        _ => None,
    }
}

/// View-level rules: unnest parenthesized joins, drop qualifiers that name the only
/// relation, drop aliases that repeat the name the column would get anyway. Returns that
/// only relation, whose qualifier the query's ORDER BY drops too.
fn canon_select(select: &mut Select) -> Option<String> {
    // `GROUP BY 1` names the first output column; PostgreSQL stores and prints the
    // expression itself (in parentheses).
    if let ast::GroupByExpr::Expressions(items, _) = &mut select.group_by {
        for item in items.iter_mut() {
            if let Expr::Value(v) = &*item {
                if let Value::Number(n, _) = &v.value {
                    let picked = n.parse::<usize>().ok().and_then(|k| {
                        match select.projection.get(k.checked_sub(1)?)? {
                            SelectItem::UnnamedExpr(e)
                            | SelectItem::ExprWithAlias { expr: e, .. } => Some(e.clone()),
                            _ => None,
                        }
                    });
                    if let Some(e) = picked {
                        *item = e;
                    }
                }
            }
            while let Expr::Nested(inner) = item {
                *item = (**inner).clone();
            }
        }
    }
    if let Some(w) = &mut select.selection {
        strip_ne_zero(w);
    }
    if let Some(h) = &mut select.having {
        strip_ne_zero(h);
    }
    for twj in &mut select.from {
        while let TableFactor::NestedJoin {
            table_with_joins,
            alias: None,
        } = &twj.relation
        {
            let inner = (**table_with_joins).clone();
            let mut joins = inner.joins;
            joins.append(&mut twj.joins);
            twj.relation = inner.relation;
            twj.joins = joins;
        }
        for j in &mut twj.joins {
            use ast::JoinOperator as J;
            match &mut j.join_operator {
                J::Join(ast::JoinConstraint::On(c))
                | J::Inner(ast::JoinConstraint::On(c))
                | J::Left(ast::JoinConstraint::On(c))
                | J::LeftOuter(ast::JoinConstraint::On(c))
                | J::Right(ast::JoinConstraint::On(c))
                | J::RightOuter(ast::JoinConstraint::On(c))
                | J::FullOuter(ast::JoinConstraint::On(c)) => strip_ne_zero(c),
                _ => {}
            }
            j.join_operator = match j.join_operator.clone() {
                J::Join(c) | J::Inner(c) => J::Inner(c),
                J::LeftOuter(c) | J::Left(c) => J::Left(c),
                J::RightOuter(c) | J::Right(c) => J::Right(c),
                other => other,
            };
        }
        if let TableFactor::Table { alias: Some(a), .. } = &mut twj.relation {
            fold_ident(&mut a.name);
            a.explicit = true;
        }
    }
    let only = match select.from.as_slice() {
        [one] if one.joins.is_empty() => match &one.relation {
            TableFactor::Table { name, alias, .. } => Some(match alias {
                Some(a) => a.name.value.clone(),
                None => name
                    .0
                    .last()
                    .map(|p| match p {
                        ObjectNamePart::Identifier(i) => i.value.clone(),
                        ObjectNamePart::Function(f) => f.name.value.clone(),
                    })
                    .unwrap_or_default(),
            }),
            _ => None,
        },
        _ => None,
    };
    if let Some(rel) = &only {
        let mut strip = StripQualifier(rel.clone());
        let _ = select.projection.visit(&mut strip);
        let _ = select.selection.visit(&mut strip);
        let _ = select.group_by.visit(&mut strip);
        let _ = select.having.visit(&mut strip);
    }
    for item in &mut select.projection {
        if let SelectItem::ExprWithAlias { expr, alias } = item {
            let natural = match expr {
                Expr::Identifier(i) => Some(i.value.clone()),
                Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
                Expr::Function(f) => f.name.0.last().map(|p| p.to_string()),
                _ => None,
            };
            fold_ident(alias);
            // PostgreSQL names a literal or an operator expression `?column?`, and prints
            // the name when the query is the first branch of a recursive CTE.
            let unnamed = alias.value == "?column?"
                && matches!(
                    expr,
                    Expr::Value(_) | Expr::BinaryOp { .. } | Expr::UnaryOp { .. } | Expr::Nested(_)
                );
            if unnamed || natural.as_deref() == Some(alias.value.as_str()) {
                *item = SelectItem::UnnamedExpr(expr.clone());
            }
        }
    }
    only
}

struct StripQualifier(String);

impl VisitorMut for StripQualifier {
    type Break = ();
    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if let Expr::CompoundIdentifier(parts) = e {
            if parts.len() == 2 && parts[0].value == self.0 {
                *e = Expr::Identifier(parts[1].clone());
            }
        }
        ControlFlow::Continue(())
    }
}

impl VisitorMut for Portable {
    type Break = ();
    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        if let Expr::Cast { .. } = e {
            if literal_of(match e {
                Expr::Cast { expr, .. } => expr,
                _ => return ControlFlow::Continue(()),
            })
            .is_some()
            {
                strip_cast(e);
            } else if let Expr::Cast { kind, .. } = e {
                *kind = CastKind::Cast;
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use crate::parse::view_query;

    fn canon(sql: &str) -> String {
        view_query(sql)
            .map(|(e, _, _)| e.canon)
            .unwrap_or_else(|e| e)
    }

    #[test]
    fn mysql_stored_view_matches_the_written_one() {
        let written = "SELECT u.id AS user_id, u.email, count(o.id) AS order_count, coalesce(sum(o.total_amount), 0) AS total_spent FROM users u LEFT JOIN orders o ON o.user_id = u.id AND o.status = 'paid' WHERE u.is_active GROUP BY u.id, u.email";
        let stored = "select `u`.`id` AS `user_id`,`u`.`email` AS `email`,count(`o`.`id`) AS `order_count`,coalesce(sum(`o`.`total_amount`),0) AS `total_spent` from (`users` `u` left join `orders` `o` on(`o`.`user_id` = `u`.`id` and `o`.`status` = 'paid')) where `u`.`is_active` <> 0 group by `u`.`id`,`u`.`email`";
        assert_eq!(canon(written), canon(stored));
    }

    #[test]
    fn numbers_compare_by_value_not_spelling() {
        for (a, b) in [
            ("42", "000042"),
            ("3.5", "0003.50"),
            ("0", "0.00"),
            ("0", "000"),
            ("0.5", "00.50"),
        ] {
            assert_eq!(
                super::canonical_number(a),
                super::canonical_number(b),
                "{a} {b}"
            );
        }
        assert_ne!(
            super::canonical_number("42"),
            super::canonical_number("420")
        );
    }

    #[test]
    fn postgres_stored_view_matches_the_written_one() {
        let written = "SELECT id, name FROM accounts WHERE active AND balance BETWEEN 1 AND 10";
        let stored = " SELECT accounts.id,\n    accounts.name\n   FROM accounts\n  WHERE accounts.active AND accounts.balance >= 1::numeric AND accounts.balance <= 10::numeric;";
        assert_eq!(canon(written), canon(stored));
    }

    #[test]
    fn a_stored_recursive_view_matches_the_written_one() {
        // `CREATE RECURSIVE VIEW chain (id, depth) AS …` as pg_get_viewdef prints it.
        let stored = "WITH RECURSIVE chain(id, depth) AS (\n SELECT staff.id,\n 0 AS \"?column?\"\n FROM staff\n WHERE staff.boss IS NULL\n UNION ALL\n SELECT s.id,\n c.depth + 1\n FROM staff s\n JOIN chain c ON s.boss = c.id\n )\n SELECT chain.id,\n chain.depth\n FROM chain;";
        let written = "WITH RECURSIVE chain (id, depth) AS (SELECT id, 0 FROM staff WHERE boss IS NULL UNION ALL SELECT s.id, c.depth + 1 FROM staff s JOIN chain c ON s.boss = c.id) SELECT id, depth FROM chain";
        assert_eq!(canon(written), canon(stored));
    }
}
