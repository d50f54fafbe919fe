//! `CREATE DOMAIN` and `ALTER DOMAIN`, read with sqlparser's pieces: its own `CREATE
//! DOMAIN` requires `AS`, takes only a one-word collation and no `NOT NULL`/`NULL`.
//!
//! PostgreSQL 15's grammar: `CREATE DOMAIN name [AS] type` followed, in any order, by
//! `COLLATE c`, `DEFAULT expr` and `[CONSTRAINT n] {NOT NULL | NULL | CHECK (expr)}`, which
//! is how a column's options are read; so they are read as column options.

use sqlparser::ast::{ColumnOption, DataType, Expr, Ident, ObjectName};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};

/// One domain statement of a schema file.
pub enum Statement {
    Create {
        name: ObjectName,
        data_type: DataType,
        /// Each option with the name its `CONSTRAINT` clause gave it.
        options: Vec<(Option<Ident>, ColumnOption)>,
    },
    Alter {
        name: ObjectName,
        op: Box<Alter>,
    },
}

/// The `ALTER DOMAIN` forms a schema file (or pg_dump) uses to describe a domain.
pub enum Alter {
    SetDefault(Expr),
    DropDefault,
    SetNotNull,
    DropNotNull,
    AddCheck {
        name: Option<Ident>,
        expr: Expr,
        not_valid: bool,
    },
    DropConstraint {
        name: Ident,
        if_exists: bool,
    },
    ValidateConstraint(Ident),
    RenameConstraint {
        from: Ident,
        to: Ident,
    },
}

/// True when the statement's leading words are `CREATE DOMAIN` or `ALTER DOMAIN`.
pub fn is_domain_statement(words: &[String]) -> bool {
    matches!(
        (
            words.first().map(String::as_str),
            words.get(1).map(String::as_str)
        ),
        (Some("CREATE" | "ALTER"), Some("DOMAIN"))
    )
}

/// Reads one domain statement; the caller has checked its leading words.
pub fn statement(p: &mut Parser) -> Result<Statement, ParserError> {
    if p.parse_keywords(&[Keyword::CREATE, Keyword::DOMAIN]) {
        create(p)
    } else {
        p.expect_keywords(&[Keyword::ALTER, Keyword::DOMAIN])?;
        let name = p.parse_object_name(false)?;
        let op = Box::new(alter(p)?);
        Ok(Statement::Alter { name, op })
    }
}

fn create(p: &mut Parser) -> Result<Statement, ParserError> {
    let name = p.parse_object_name(false)?;
    let _ = p.parse_keyword(Keyword::AS);
    let data_type = p.parse_data_type()?;
    let mut options = Vec::new();
    loop {
        let named = if p.parse_keyword(Keyword::CONSTRAINT) {
            Some(p.parse_identifier()?)
        } else {
            None
        };
        match p.parse_optional_column_option()? {
            Some(o) => options.push((named, o)),
            None if named.is_some() => {
                return p.expected(
                    "NOT NULL, NULL or CHECK after CONSTRAINT name",
                    p.peek_token(),
                )
            }
            None => break,
        }
    }
    Ok(Statement::Create {
        name,
        data_type,
        options,
    })
}

fn alter(p: &mut Parser) -> Result<Alter, ParserError> {
    if p.parse_keywords(&[Keyword::SET, Keyword::DEFAULT]) {
        return Ok(Alter::SetDefault(p.parse_expr()?));
    }
    if p.parse_keywords(&[Keyword::DROP, Keyword::DEFAULT]) {
        return Ok(Alter::DropDefault);
    }
    if p.parse_keywords(&[Keyword::SET, Keyword::NOT, Keyword::NULL]) {
        return Ok(Alter::SetNotNull);
    }
    if p.parse_keywords(&[Keyword::DROP, Keyword::NOT, Keyword::NULL]) {
        return Ok(Alter::DropNotNull);
    }
    if p.parse_keyword(Keyword::ADD) {
        let name = if p.parse_keyword(Keyword::CONSTRAINT) {
            Some(p.parse_identifier()?)
        } else {
            None
        };
        p.expect_keyword_is(Keyword::CHECK)?;
        p.expect_token(&sqlparser::tokenizer::Token::LParen)?;
        let expr = p.parse_expr()?;
        p.expect_token(&sqlparser::tokenizer::Token::RParen)?;
        let not_valid = p.parse_keywords(&[Keyword::NOT, Keyword::VALID]);
        return Ok(Alter::AddCheck {
            name,
            expr,
            not_valid,
        });
    }
    if p.parse_keywords(&[Keyword::DROP, Keyword::CONSTRAINT]) {
        let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
        let name = p.parse_identifier()?;
        let _ = p.parse_one_of_keywords(&[Keyword::RESTRICT, Keyword::CASCADE]);
        return Ok(Alter::DropConstraint { name, if_exists });
    }
    if p.parse_keywords(&[Keyword::VALIDATE, Keyword::CONSTRAINT]) {
        return Ok(Alter::ValidateConstraint(p.parse_identifier()?));
    }
    if p.parse_keywords(&[Keyword::RENAME, Keyword::CONSTRAINT]) {
        let from = p.parse_identifier()?;
        p.expect_keyword_is(Keyword::TO)?;
        let to = p.parse_identifier()?;
        return Ok(Alter::RenameConstraint { from, to });
    }
    p.expected(
        "SET DEFAULT, DROP DEFAULT, SET NOT NULL, DROP NOT NULL, ADD CONSTRAINT, DROP CONSTRAINT, VALIDATE CONSTRAINT or RENAME CONSTRAINT (a domain's name and schema are written in its CREATE DOMAIN)",
        p.peek_token(),
    )
}

use super::ddl::{expr, ident, qname, Builder};
use super::{Loc, ParseError};
use crate::model::{self, generated_name, Domain, DomainCheck, QName};

fn err(loc: &Loc, message: impl Into<String>) -> ParseError {
    ParseError::At {
        loc: loc.clone(),
        message: message.into(),
    }
}

/// The name PostgreSQL gives an unnamed check of `domain`: `domain_check`, then
/// `domain_check1`, … past the names it already has.
fn check_name(domain: &Domain) -> String {
    let taken = |n: &str| domain.checks.iter().any(|c| c.name == n);
    let mut name = generated_name(&domain.name.name, &[], "check", super::ddl::MAX_NAME);
    let mut n = 1;
    while taken(&name) {
        name = generated_name(
            &domain.name.name,
            &[],
            &format!("check{n}"),
            super::ddl::MAX_NAME,
        );
        n += 1;
    }
    name
}

fn add_check(
    d: &mut Domain,
    name: Option<&Ident>,
    e: &Expr,
    not_valid: bool,
    loc: &Loc,
) -> Result<(), ParseError> {
    let name = name.map(ident).unwrap_or_else(|| check_name(d));
    if d.checks.iter().any(|c| c.name == name) {
        return Err(err(
            loc,
            format!(
                "constraint `{name}` is defined twice on domain `{}`",
                d.name
            ),
        ));
    }
    d.checks.push(DomainCheck {
        name,
        expr: expr(e),
        not_valid,
    });
    d.checks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

/// A collation (operator class, function) as a file names it; one in `pg_catalog` (where
/// the built-in ones live) or `public` is found through the search path, and the catalog
/// side reads it without its schema.
pub(super) fn searched_name(n: &ObjectName) -> QName {
    let q = qname(n);
    if matches!(q.schema.as_str(), "pg_catalog" | "public") {
        QName::new("", q.name)
    } else {
        q
    }
}

impl Builder {
    pub fn add_domain(&mut self, st: Statement, loc: &Loc) -> Result<(), ParseError> {
        match st {
            Statement::Create {
                name,
                data_type,
                options,
            } => self.create_domain(&name, &data_type, &options, loc),
            Statement::Alter { name, op } => {
                let q = qname(&name);
                let d = self.domain_mut(&q).ok_or_else(|| {
                    err(
                        loc,
                        format!("domain `{q}` is not defined (define it before this statement)"),
                    )
                })?;
                alter_domain(d, *op, loc)
            }
        }
    }

    fn create_domain(
        &mut self,
        name: &ObjectName,
        data_type: &DataType,
        options: &[(Option<Ident>, ColumnOption)],
        loc: &Loc,
    ) -> Result<(), ParseError> {
        let q = qname(name);
        self.new_type(&q, loc)?;
        let ty = self
            .type_of(data_type)
            .map_err(|m| err(loc, format!("domain `{q}`: {m}")))?;
        let mut d = Domain::new(q.clone(), ty);
        let mut null = false;
        for (cons, option) in options {
            match option {
                ColumnOption::NotNull => d.not_null = true,
                ColumnOption::Null => null = true,
                ColumnOption::Default(e) if d.default.is_none() => d.default = Some(expr(e)),
                ColumnOption::Default(_) => {
                    return Err(err(loc, format!("domain `{q}` has more than one DEFAULT")))
                }
                ColumnOption::Check(c) if c.no_inherit => {
                    return Err(err(
                        loc,
                        format!("domain `{q}`: a domain's CHECK cannot be NO INHERIT"),
                    ))
                }
                ColumnOption::Check(c) => add_check(&mut d, cons.as_ref(), &c.expr, false, loc)?,
                ColumnOption::Collation(n) => d.collation = Some(searched_name(n)),
                other => {
                    return Err(err(
                        loc,
                        format!(
                            "domain `{q}`: `{other}` is not a domain constraint (a domain takes COLLATE, DEFAULT, NOT NULL, NULL and CHECK)"
                        ),
                    ))
                }
            }
        }
        if null && d.not_null {
            return Err(err(loc, format!("domain `{q}` is both NULL and NOT NULL")));
        }
        self.user_types.insert(q.name.clone());
        self.schema.domains.insert(q, d);
        Ok(())
    }

    /// The type a domain, attribute or range is declared over: a type the files define,
    /// or a built-in one (a serial pseudo-type is no type there).
    pub(super) fn type_of(&self, t: &DataType) -> Result<model::DataType, String> {
        if let Some(t) = self.user_type(t) {
            return Ok(t);
        }
        match super::types::map_type(&t.to_string())? {
            (_, true) => Err(format!(
                "{t} is not a type here (use an integer type and a default)"
            )),
            (t, false) => Ok(t),
        }
    }

    /// A domain declared so far; an unqualified name finds one in any schema.
    fn domain_mut(&mut self, q: &QName) -> Option<&mut Domain> {
        let key = self
            .schema
            .domains
            .keys()
            .find(|k| *k == q)
            .or_else(|| self.schema.domains.keys().find(|k| k.same_relation(q)))?
            .clone();
        self.schema.domains.get_mut(&key)
    }

    /// The type a column or domain is declared with, when it names a type the files
    /// define without an enum (a domain, a composite or range type), as element or whole.
    pub(super) fn user_type(&self, t: &DataType) -> Option<model::DataType> {
        use sqlparser::ast::ArrayElemTypeDef as A;
        if self.user_types.is_empty() {
            return None;
        }
        match t {
            DataType::Array(
                A::SquareBracket(inner, _) | A::AngleBracket(inner) | A::Qualified(inner, _),
            ) => self
                .user_type(inner)
                .map(|t| model::DataType::Array(Box::new(t))),
            DataType::Custom(n, args) if args.is_empty() => {
                let q = qname(n);
                self.user_types
                    .contains(&q.name)
                    .then_some(model::DataType::Named(q))
            }
            other => {
                // A built-in type's name (`year`, `date`) given to a domain.
                let spelled = other.to_string();
                self.user_types
                    .contains(&super::ddl::bare_name(&spelled))
                    .then(|| model::DataType::Named(super::types::named(&spelled)))
            }
        }
    }
}

fn alter_domain(d: &mut Domain, op: Alter, loc: &Loc) -> Result<(), ParseError> {
    let missing =
        |d: &Domain, n: &str| err(loc, format!("domain `{}` has no constraint `{n}`", d.name));
    match op {
        Alter::SetDefault(e) => d.default = Some(expr(&e)),
        Alter::DropDefault => d.default = None,
        Alter::SetNotNull => d.not_null = true,
        Alter::DropNotNull => d.not_null = false,
        Alter::AddCheck {
            name,
            expr: e,
            not_valid,
        } => add_check(d, name.as_ref(), &e, not_valid, loc)?,
        Alter::DropConstraint { name, if_exists } => {
            let n = ident(&name);
            let before = d.checks.len();
            d.checks.retain(|c| c.name != n);
            if before == d.checks.len() && !if_exists {
                return Err(missing(d, &n));
            }
        }
        Alter::ValidateConstraint(name) => {
            let n = ident(&name);
            match d.checks.iter_mut().find(|c| c.name == n) {
                Some(c) => c.not_valid = false,
                None => return Err(missing(d, &n)),
            }
        }
        Alter::RenameConstraint { from, to } => {
            let (from, to) = (ident(&from), ident(&to));
            if d.checks.iter().any(|c| c.name == to) {
                return Err(err(
                    loc,
                    format!("constraint `{to}` is defined twice on domain `{}`", d.name),
                ));
            }
            match d.checks.iter_mut().find(|c| c.name == from) {
                Some(c) => c.name = to,
                None => return Err(missing(d, &from)),
            }
            d.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
    Ok(())
}
