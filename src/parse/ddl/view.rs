//! What a view carries besides its query: PostgreSQL view options (`WITH (…)` and the
//! trailing `WITH [LOCAL | CASCADED] CHECK OPTION`), `WITH [NO] DATA`, and the indexes of a
//! materialized view.

use super::{err, ident, name_index_of, not_managed, Builder};
use crate::model::{Index, QName};
use crate::parse::{Loc, ParseError};
use sqlparser::ast::{self, CreateTableOptions, SqlOption};

/// The clauses cut from a `CREATE VIEW` before sqlparser read it (it reads neither).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ViewClauses {
    /// `WITH CHECK OPTION` (`cascaded`, the default) or `WITH LOCAL CHECK OPTION`.
    pub check_option: Option<&'static str>,
    /// `WITH NO DATA` on a materialized view.
    pub no_data: bool,
}

/// `WITH (security_barrier, check_option = local, fillfactor = '70')` of a view, or a
/// table's storage parameters: lower-case names (`toast.x` for a namespaced one) and
/// unquoted values in the order written, a name alone meaning `true`, as PostgreSQL stores
/// them in `pg_class.reloptions`.
pub(super) fn options(
    opts: &CreateTableOptions,
    view: &QName,
    loc: &Loc,
) -> Result<Vec<(String, String)>, ParseError> {
    let list = match opts {
        CreateTableOptions::None => return Ok(Vec::new()),
        CreateTableOptions::With(list) => list,
        other => {
            return Err(not_managed(
                loc,
                view.clone(),
                format!("the option `{other}` is not managed"),
            ))
        }
    };
    let key = |n: &ast::ObjectName| -> String {
        n.0.iter()
            .map(|p| match p {
                ast::ObjectNamePart::Identifier(i) => ident(i),
                ast::ObjectNamePart::Function(f) => ident(&f.name),
            })
            .collect::<Vec<_>>()
            .join(".")
    };
    let mut out = Vec::new();
    for o in list {
        let (k, v) = match o {
            SqlOption::Ident(name) => (key(name), "true".to_string()),
            SqlOption::KeyValue { key: name, value } => (key(name), option_value(value)),
            other => {
                return Err(not_managed(
                    loc,
                    view.clone(),
                    format!("the option `{other}` is not managed"),
                ))
            }
        };
        out.retain(|(name, _): &(String, String)| *name != k);
        out.push((k, v));
    }
    Ok(out)
}

/// An option value as PostgreSQL keeps it: a string's text, a word or boolean lower-case.
fn option_value(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => s.clone(),
            ast::Value::Boolean(b) => b.to_string(),
            other => other.to_string(),
        },
        ast::Expr::Identifier(i) => ident(i),
        // PostgreSQL's grammar reads `+3` as the number 3 (`-3` keeps its sign).
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Plus,
            expr,
        } => option_value(expr),
        other => other.to_string().to_lowercase(),
    }
}

impl Builder {
    /// Applies the clauses cut from the `CREATE VIEW` just added.
    pub fn view_clauses(&mut self, name: &QName, clauses: ViewClauses) {
        let Some(v) = self.schema.views.get_mut(name) else {
            return;
        };
        if let Some(kind) = clauses.check_option {
            // PostgreSQL keeps it as a view option, MySQL as a property of the view: each
            // dialect's normalization keeps its own form.
            v.options.retain(|(k, _)| k != "check_option");
            v.options.push(("check_option".into(), kind.into()));
            v.check_option = Some(kind.into());
        }
        v.with_no_data = v.materialized && clauses.no_data;
    }

    /// `CREATE INDEX … ON matview`: an index of a materialized view.
    pub(super) fn view_index(
        &mut self,
        view: &QName,
        index: Index,
        loc: &Loc,
    ) -> Result<(), ParseError> {
        let Some(v) = self
            .schema
            .views
            .iter_mut()
            .find(|(k, v)| v.materialized && k.same_relation(view))
            .map(|(_, v)| v)
        else {
            return Err(err(
                loc,
                format!("materialized view `{view}` is not defined"),
            ));
        };
        let index = name_index_of(&v.name.name, index);
        if v.indexes.iter().any(|i| i.name == index.name) {
            return Err(err(loc, format!("index `{}` is defined twice", index.name)));
        }
        v.indexes.push(index);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::QName;

    fn view(sql: &str) -> crate::model::View {
        let s = crate::parse::parse_sql("t.sql", &format!("CREATE TABLE t (id int, n int); {sql}"))
            .unwrap_or_else(|e| panic!("{e}"));
        s.views.into_values().next().expect("a view")
    }

    #[test]
    fn options_are_kept_as_postgres_stores_them() {
        let v = view("CREATE VIEW v WITH (security_barrier, security_invoker = ON, \"check_option\" = 'local') AS SELECT id FROM t");
        assert_eq!(
            v.options,
            [
                ("security_barrier".to_string(), "true".to_string()),
                ("security_invoker".to_string(), "on".to_string()),
                ("check_option".to_string(), "local".to_string()),
            ]
        );
        let w = view("CREATE VIEW v WITH (security_barrier = true, security_invoker = 'on') AS SELECT id FROM t WITH LOCAL CHECK OPTION");
        assert!(v.same_options(&w));
        assert_eq!(w.option("check_option"), Some("local"));
        let c = view("CREATE VIEW v AS SELECT id FROM t WITH CHECK OPTION");
        assert_eq!(c.option("check_option"), Some("cascaded"));
    }

    #[test]
    fn with_no_data_and_indexes_of_a_materialized_view() {
        let m = view(
            "CREATE MATERIALIZED VIEW m WITH (fillfactor = '70') AS SELECT n FROM t WITH NO DATA;
             CREATE UNIQUE INDEX m_n ON public.m (n);",
        );
        assert!(m.with_no_data);
        assert_eq!(m.options, [("fillfactor".to_string(), "70".to_string())]);
        assert_eq!(m.indexes.len(), 1);
        assert_eq!(m.name, QName::new("", "m"));
        assert!(!view("CREATE MATERIALIZED VIEW m AS SELECT n FROM t WITH DATA").with_no_data);
    }
}
