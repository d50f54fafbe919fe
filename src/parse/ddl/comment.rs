//! `COMMENT ON …` for what is not a table or a table's column: views, materialized views
//! and their columns, indexes, constraints, sequences, enum types and schemas.
//!
//! Comments on indexes, constraints and sequences are settled once every statement is read:
//! unnamed constraints get their names, and serial columns take in their sequences, only
//! then. A comment on an object sqlshift does not manage (an exclusion constraint, a
//! domain, a serial column's own sequence, a partition's index) is left alone and said so.

use super::{err, ident, qname, Builder};
use crate::model::QName;
use crate::parse::{Loc, ParseError};
use sqlparser::ast::{CommentObject, ObjectName, ObjectNamePart};

/// A comment whose object is looked up once every statement is read.
#[derive(Debug, Clone)]
enum Deferred {
    Index(QName),
    Constraint { table: QName, name: String },
    Sequence(QName),
}

/// Comments left alone: what kind, where, and the object they name.
pub type LeftAlone = Vec<(&'static str, Loc, String)>;

/// Comments waiting for [`Builder::settle_comments`].
#[derive(Debug, Default)]
pub struct Pending(Vec<(Deferred, Option<String>, Loc)>);

/// True when `a` names `b`'s schema-qualified object (an unqualified name stands for the
/// default schema, whichever it is).
fn same_schema(a: &QName, b: &QName) -> bool {
    a.schema == b.schema || a.schema.is_empty() || b.schema.is_empty()
}

impl Builder {
    /// Comments on objects other than tables and table columns; `None` for those, which
    /// the caller handles.
    pub(super) fn comment_elsewhere(
        &mut self,
        kind: &CommentObject,
        name: &ObjectName,
        text: &Option<String>,
        loc: &Loc,
    ) -> Option<Result<(), ParseError>> {
        let q = qname(name);
        let text = text.clone();
        let done = match kind {
            CommentObject::Table => return None,
            CommentObject::Column => {
                let mut parts = name.0.clone();
                let col = match parts.pop()? {
                    ObjectNamePart::Identifier(i) => ident(&i),
                    ObjectNamePart::Function(f) => ident(&f.name),
                };
                let rel = qname(&ObjectName(parts));
                let v = self.schema.views.get_mut(&rel)?;
                match text {
                    Some(t) => v.column_comments.insert(col, t),
                    None => v.column_comments.remove(&col),
                };
                Ok(())
            }
            CommentObject::View | CommentObject::MaterializedView => {
                let materialized = matches!(kind, CommentObject::MaterializedView);
                match self
                    .schema
                    .views
                    .iter_mut()
                    .find(|(k, _)| k.same_relation(&q))
                {
                    Some((_, v)) if v.materialized == materialized => {
                        v.comment = text;
                        Ok(())
                    }
                    Some(_) => Err(err(
                        loc,
                        format!(
                            "`{q}` is {}a materialized view: write COMMENT ON {}VIEW",
                            if materialized { "not " } else { "" },
                            if materialized { "" } else { "MATERIALIZED " }
                        ),
                    )),
                    None => Err(err(
                        loc,
                        format!("view `{q}` is not defined (define it before this statement)"),
                    )),
                }
            }
            CommentObject::Type | CommentObject::Domain => {
                let s = &mut self.schema;
                if let Some((_, e)) = s.enums.iter_mut().find(|(k, _)| k.same_relation(&q)) {
                    e.comment = text;
                    return Some(Ok(()));
                }
                // PostgreSQL takes either word for a domain, or a composite or range type.
                let other = s
                    .composites
                    .keys()
                    .chain(s.ranges.keys())
                    .chain(s.domains.keys())
                    .find(|k| k.same_relation(&q))
                    .cloned();
                match other {
                    Some(k) => {
                        match text {
                            Some(t) => s.type_comments.insert(k, t),
                            None => s.type_comments.remove(&k),
                        };
                    }
                    None => self.ignored.push(("unmanaged type comment", loc.clone())),
                }
                Ok(())
            }
            CommentObject::Schema => {
                if self.schema.schemas.contains(&q.name) {
                    match text {
                        Some(t) => self.schema.schema_comments.insert(q.name, t),
                        None => self.schema.schema_comments.remove(&q.name),
                    };
                    Ok(())
                } else if q.name == "public" {
                    self.ignored.push(("default schema comment", loc.clone()));
                    Ok(())
                } else {
                    Err(err(
                        loc,
                        format!(
                            "schema `{}` is not defined (define it before this statement)",
                            q.name
                        ),
                    ))
                }
            }
            CommentObject::Index => {
                self.comments
                    .0
                    .push((Deferred::Index(q), text, loc.clone()));
                Ok(())
            }
            CommentObject::Sequence => {
                self.comments
                    .0
                    .push((Deferred::Sequence(q), text, loc.clone()));
                Ok(())
            }
            _ => return None,
        };
        Some(done)
    }

    /// `COMMENT ON CONSTRAINT name ON table IS …`.
    pub fn constraint_comment(&mut self, c: ConstraintComment, loc: &Loc) {
        self.comments.0.push((
            Deferred::Constraint {
                table: c.table,
                name: c.name,
            },
            c.text,
            loc.clone(),
        ));
    }

    /// Attaches the deferred comments to their objects, now that every name is known.
    /// Returns the ones left alone, with why.
    pub(super) fn settle_comments(&mut self) -> LeftAlone {
        let mut left = Vec::new();
        for (target, text, loc) in std::mem::take(&mut self.comments.0) {
            let found = match &target {
                Deferred::Index(q) => self.index_comment(q, &text),
                Deferred::Constraint { table, name } => {
                    match self
                        .schema
                        .tables
                        .iter_mut()
                        .find(|(k, _)| k.same_relation(table))
                    {
                        Some((_, t)) => {
                            let exists = t.primary_key.iter().any(|p| p.name == *name)
                                || t.uniques.iter().any(|u| u.name == *name)
                                || t.checks.iter().any(|c| c.name == *name)
                                || t.foreign_keys.iter().any(|f| f.name == *name);
                            if exists {
                                match &text {
                                    Some(s) => {
                                        t.constraint_comments.insert(name.clone(), s.clone())
                                    }
                                    None => t.constraint_comments.remove(name),
                                };
                            }
                            exists
                        }
                        None => false,
                    }
                }
                Deferred::Sequence(q) => {
                    match self
                        .schema
                        .sequences
                        .iter_mut()
                        .find(|(k, _)| k.same_relation(q))
                    {
                        Some((_, s)) => {
                            s.comment = text.clone();
                            true
                        }
                        None => false,
                    }
                }
            };
            if !found {
                let (kind, object) = match target {
                    // The index behind a key, a partition's index.
                    Deferred::Index(q) => ("unmanaged index comment", format!("index {q}")),
                    // An exclusion constraint, a constraint of a table left alone.
                    Deferred::Constraint { table, name } => (
                        "unmanaged constraint comment",
                        format!("constraint {name} on {table}"),
                    ),
                    // A serial or identity column's own sequence.
                    Deferred::Sequence(q) => {
                        ("unmanaged sequence comment", format!("sequence {q}"))
                    }
                };
                left.push((kind, loc, format!("COMMENT ON {object}")));
            }
        }
        left
    }

    /// Sets the comment of index `q` of a table or materialized view; false when there is
    /// no such index.
    fn index_comment(&mut self, q: &QName, text: &Option<String>) -> bool {
        let tables = self
            .schema
            .tables
            .iter_mut()
            .filter(|(k, _)| same_schema(k, q))
            .flat_map(|(_, t)| t.indexes.iter_mut());
        let views = self
            .schema
            .views
            .iter_mut()
            .filter(|(k, _)| same_schema(k, q))
            .flat_map(|(_, v)| v.indexes.iter_mut());
        match tables.chain(views).find(|i| i.name == q.name) {
            Some(i) => {
                i.comment = text.clone();
                true
            }
            None => false,
        }
    }
}

/// A parsed `COMMENT ON CONSTRAINT name ON table IS 'text' | NULL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintComment {
    pub name: String,
    pub table: QName,
    pub text: Option<String>,
}

/// Reads `COMMENT ON CONSTRAINT name ON table IS …` (which sqlparser does not read), or
/// `None` when `text` is another statement. A comment on a domain's constraint is not this.
pub fn constraint_comment(text: &str, loc: &Loc) -> Option<Result<ConstraintComment, ParseError>> {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::keywords::Keyword;
    use sqlparser::parser::{Parser, ParserError};
    use sqlparser::tokenizer::Token;
    let dialect = PostgreSqlDialect {};
    let mut p = Parser::new(&dialect).try_with_sql(text).ok()?;
    if !p.parse_keywords(&[Keyword::COMMENT, Keyword::ON, Keyword::CONSTRAINT]) {
        return None;
    }
    let read = |p: &mut Parser| -> Result<Option<ConstraintComment>, ParserError> {
        let name = ident(&p.parse_identifier()?);
        p.expect_keyword_is(Keyword::ON)?;
        if p.peek_keyword(Keyword::DOMAIN) {
            return Ok(None);
        }
        let table = qname(&p.parse_object_name(false)?);
        p.expect_keyword_is(Keyword::IS)?;
        let text = if p.parse_keyword(Keyword::NULL) {
            None
        } else {
            // An empty comment is no comment, as PostgreSQL keeps it.
            Some(p.parse_comment_value()?).filter(|t| !t.is_empty())
        };
        while p.consume_token(&Token::SemiColon) {}
        let next = p.peek_token();
        if next.token == Token::EOF {
            Ok(Some(ConstraintComment { name, table, text }))
        } else {
            p.expected("the end of the statement", next)
        }
    };
    read(&mut p)
        .map_err(|e| {
            err(
                loc,
                format!(
                    "syntax error: {}",
                    e.to_string().trim_start_matches("sql parser error: ")
                ),
            )
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use crate::model::QName;
    use crate::parse::{parse_schema_report, SourceFile, Target};

    fn parse(sql: &str) -> (crate::model::Schema, Vec<crate::parse::Skipped>) {
        parse_schema_report(
            &[SourceFile {
                name: "t.sql".into(),
                text: sql.into(),
            }],
            true,
            Target::Postgres,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn comments_reach_every_object() {
        let (s, skipped) = parse(
            "CREATE SCHEMA app; COMMENT ON SCHEMA app IS 'a';
             CREATE TYPE app.e AS ENUM ('x'); COMMENT ON TYPE app.e IS 'e';
             CREATE SEQUENCE s; COMMENT ON SEQUENCE s IS 's';
             CREATE TABLE t (id int PRIMARY KEY, n int CHECK (n > 0));
             COMMENT ON CONSTRAINT t_n_check ON t IS 'positive';
             COMMENT ON CONSTRAINT \"t_pkey\" ON public.t IS 'key';
             CREATE INDEX t_n ON t (n); COMMENT ON INDEX t_n IS 'by n';
             CREATE MATERIALIZED VIEW m AS SELECT n FROM t;
             CREATE INDEX ON m (n); COMMENT ON INDEX m_n_idx IS 'm by n';
             COMMENT ON MATERIALIZED VIEW m IS 'mat'; COMMENT ON COLUMN m.n IS 'the n';
             CREATE VIEW v AS SELECT id FROM t; COMMENT ON VIEW v IS 'view';",
        );
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(s.schema_comments.get("app").map(String::as_str), Some("a"));
        let e = &s.enums[&QName::new("app", "e")];
        assert_eq!(e.comment.as_deref(), Some("e"));
        assert_eq!(
            s.sequences[&QName::new("", "s")].comment.as_deref(),
            Some("s")
        );
        let t = &s.tables[&QName::new("", "t")];
        assert_eq!(t.constraint_comments.len(), 2);
        assert_eq!(t.indexes[0].comment.as_deref(), Some("by n"));
        let m = &s.views[&QName::new("", "m")];
        assert_eq!(m.comment.as_deref(), Some("mat"));
        assert_eq!(m.indexes[0].name, "m_n_idx");
        assert_eq!(m.indexes[0].comment.as_deref(), Some("m by n"));
        assert_eq!(
            m.column_comments.get("n").map(String::as_str),
            Some("the n")
        );
        assert_eq!(
            s.views[&QName::new("", "v")].comment.as_deref(),
            Some("view")
        );
    }

    #[test]
    fn comments_on_objects_left_alone_are_said_so() {
        let (s, skipped) = parse(
            "CREATE TABLE t (id serial PRIMARY KEY);
             COMMENT ON SEQUENCE t_id_seq IS 'own';
             COMMENT ON INDEX t_pkey IS 'the key index';
             COMMENT ON CONSTRAINT t_nope ON t IS 'no such';
             COMMENT ON SCHEMA public IS 'standard';
             COMMENT ON CONSTRAINT c ON DOMAIN d IS 'domain';",
        );
        let kinds: Vec<&str> = skipped.iter().map(|k| k.kind).collect();
        assert_eq!(
            kinds,
            [
                "comment",
                "comment",
                "unmanaged sequence comment",
                "unmanaged index comment",
                "unmanaged constraint comment",
            ]
        );
        assert!(s.tables.values().all(|t| t.constraint_comments.is_empty()));
    }

    #[test]
    fn a_comment_on_a_missing_view_is_an_error() {
        let e = parse_schema_report(
            &[SourceFile {
                name: "t.sql".into(),
                text: "CREATE TABLE t (id int); CREATE VIEW v AS SELECT id FROM t;
                       COMMENT ON MATERIALIZED VIEW v IS 'x';"
                    .into(),
            }],
            true,
            Target::Postgres,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("COMMENT ON VIEW"), "{e}");
    }
}
