//! Reading each access-control statement into an event of the [`Recorder`].

use super::cursor::{parse_one, tokens, Cursor};
use super::privileges::existing;
use super::{fold, Event, PrivilegeChange, Read, Recorder, Target};
use crate::model::security::{CURRENT_USER, PUBLIC};
use crate::model::{DefaultObjects, Policy, QName, Schema, Securable, SecurableKind};
use crate::parse::Loc;
use sqlparser::tokenizer::Token;

/// A policy's roles as PostgreSQL keeps them: sorted, PUBLIC alone.
fn policy_roles(mut roles: Vec<String>) -> Vec<String> {
    if roles.is_empty() || roles.iter().any(|r| r == PUBLIC) {
        return vec![PUBLIC.into()];
    }
    roles.sort();
    roles.dedup();
    roles
}

fn owner_role(o: &sqlparser::ast::Owner) -> String {
    use sqlparser::ast::Owner;
    match o {
        Owner::Ident(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("public") => {
            PUBLIC.into()
        }
        Owner::Ident(i) if i.quote_style.is_some() => i.value.clone(),
        Owner::Ident(i) => i.value.to_lowercase(),
        Owner::CurrentRole | Owner::CurrentUser | Owner::SessionUser => CURRENT_USER.into(),
    }
}

impl Recorder {
    pub(super) fn create_policy(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
        use sqlparser::ast::{CreatePolicyCommand as C, CreatePolicyType, Statement};
        let Statement::CreatePolicy(p) = parse_one(text)? else {
            return Err("expected CREATE POLICY".into());
        };
        let command = match p.command.unwrap_or(C::All) {
            C::All => "ALL",
            C::Select => "SELECT",
            C::Insert => "INSERT",
            C::Update => "UPDATE",
            C::Delete => "DELETE",
        };
        let policy = Policy {
            table: crate::parse::ddl::qname(&p.table_name),
            name: fold(&p.name),
            permissive: p.policy_type != Some(CreatePolicyType::Restrictive),
            command: command.into(),
            roles: policy_roles(p.to.unwrap_or_default().iter().map(owner_role).collect()),
            using: p.using.as_ref().map(crate::parse::ddl::expr),
            check: p.with_check.as_ref().map(crate::parse::ddl::expr),
            comment: None,
        };
        self.push(Event::Policy(policy), loc)
    }

    pub(super) fn alter_policy(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
        use sqlparser::ast::{AlterPolicyOperation as Op, Statement};
        let Statement::AlterPolicy(p) = parse_one(text)? else {
            return Err("expected ALTER POLICY".into());
        };
        let (rename, roles, using, check) = match p.operation {
            Op::Rename { new_name } => (Some(fold(&new_name)), None, None, None),
            Op::Apply {
                to,
                using,
                with_check,
            } => (
                None,
                to.map(|t| policy_roles(t.iter().map(owner_role).collect())),
                using.as_ref().map(crate::parse::ddl::expr),
                with_check.as_ref().map(crate::parse::ddl::expr),
            ),
        };
        self.push(
            Event::AlterPolicy {
                table: crate::parse::ddl::qname(&p.table_name),
                name: fold(&p.name),
                rename,
                roles,
                using,
                check,
            },
            loc,
        )
    }

    /// `COMMENT ON POLICY name ON table IS 'text' | NULL`.
    pub(super) fn policy_comment(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
        let mut c = Cursor {
            toks: tokens(text)?,
            i: 0,
        };
        c.word("COMMENT")?;
        c.word("ON")?;
        c.word("POLICY")?;
        let name = c.ident()?;
        c.word("ON")?;
        let table = c.name()?;
        c.word("IS")?;
        let comment = match c.toks.get(c.i).cloned() {
            Some(Token::SingleQuotedString(s) | Token::EscapedStringLiteral(s)) => Some(s),
            Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("NULL") => None,
            _ => return Err(format!("expected a string at `{}`", c.head())),
        };
        c.i += 1;
        c.end()?;
        self.push(
            Event::PolicyComment {
                table,
                name,
                comment,
            },
            loc,
        )
    }

    /// `ALTER TABLE [IF EXISTS] [ONLY] t {ENABLE | DISABLE | FORCE | NO FORCE} ROW LEVEL
    /// SECURITY [, …]`.
    pub(super) fn row_security(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
        let mut c = Cursor {
            toks: tokens(text)?,
            i: 0,
        };
        c.word("ALTER")?;
        c.word("TABLE")?;
        c.eat_all(&["IF", "EXISTS"]);
        c.eat("ONLY");
        let table = c.name()?;
        loop {
            let action = if c.eat("ENABLE") {
                "enable"
            } else if c.eat("DISABLE") {
                "disable"
            } else if c.eat("FORCE") {
                "force"
            } else if c.eat_all(&["NO", "FORCE"]) {
                "no force"
            } else {
                return Err(format!(
                    "only row level security is read in this ALTER TABLE, not `{}`; write other changes in their own statement",
                    c.head()
                ));
            };
            c.word("ROW")?;
            c.word("LEVEL")?;
            c.word("SECURITY")?;
            self.record(
                Event::RowSecurity {
                    table: table.clone(),
                    action,
                },
                loc,
            );
            if !c.comma() {
                break;
            }
        }
        c.end()?;
        Ok(Read::Done)
    }

    /// `GRANT privileges ON objects TO roles [WITH GRANT OPTION] [GRANTED BY r]` and
    /// `REVOKE [GRANT OPTION FOR] privileges ON objects FROM roles [CASCADE | RESTRICT]`.
    pub(super) fn grant(&mut self, text: &str, loc: &Loc, schema: &Schema) -> Result<Read, String> {
        let mut c = Cursor {
            toks: tokens(text)?,
            i: 0,
        };
        let grant = c.eat("GRANT");
        if !grant {
            c.word("REVOKE")?;
        }
        let option_for = !grant && c.eat_all(&["GRANT", "OPTION", "FOR"]);
        let privileges = privilege_list(&mut c)?;
        if !c.eat("ON") {
            // GRANT role TO role: membership, not a privilege on an object.
            return Ok(Read::LeftAlone("role membership"));
        }
        let Some(target) = target(&mut c)? else {
            return Ok(Read::LeftAlone("privilege on an unmanaged object"));
        };
        c.word(if grant { "TO" } else { "FROM" })?;
        let grantees = c.roles()?;
        let option = if grant {
            c.eat_all(&["WITH", "GRANT", "OPTION"])
        } else {
            option_for
        };
        if c.eat_all(&["GRANTED", "BY"]) {
            c.role()?;
        }
        if !grant && !c.eat("CASCADE") {
            c.eat("RESTRICT");
        }
        c.end()?;
        // Only `ALL … IN SCHEMA` needs to know which objects exist at this point.
        let existing = match target {
            Target::AllIn(..) => existing(schema),
            _ => Default::default(),
        };
        self.push(
            Event::Privileges {
                change: PrivilegeChange {
                    grant,
                    option,
                    privileges,
                    grantees,
                },
                target,
                existing,
            },
            loc,
        )
    }

    /// `ALTER DEFAULT PRIVILEGES [FOR ROLE r, …] [IN SCHEMA s, …] GRANT … | REVOKE …`.
    pub(super) fn defaults(
        &mut self,
        text: &str,
        loc: &Loc,
        schema: &Schema,
    ) -> Result<Read, String> {
        let mut c = Cursor {
            toks: tokens(text)?,
            i: 0,
        };
        c.word("ALTER")?;
        c.word("DEFAULT")?;
        c.word("PRIVILEGES")?;
        let mut roles = vec![CURRENT_USER.to_string()];
        let mut schemas = Vec::new();
        loop {
            if c.eat("FOR") {
                if !c.eat("ROLE") {
                    c.word("USER")?;
                }
                roles = c.roles()?;
            } else if c.eat_all(&["IN", "SCHEMA"]) {
                schemas.push(c.ident()?);
                while c.comma() {
                    schemas.push(c.ident()?);
                }
            } else {
                break;
            }
        }
        let grant = c.eat("GRANT");
        if !grant {
            c.word("REVOKE")?;
        }
        let option_for = !grant && c.eat_all(&["GRANT", "OPTION", "FOR"]);
        let privileges = privilege_list(&mut c)?;
        c.word("ON")?;
        let objects = match c.upper().as_deref() {
            Some("TABLES") => DefaultObjects::Tables,
            Some("SEQUENCES") => DefaultObjects::Sequences,
            Some("FUNCTIONS" | "ROUTINES") => DefaultObjects::Functions,
            Some("TYPES") => DefaultObjects::Types,
            Some("SCHEMAS") => DefaultObjects::Schemas,
            _ => return Ok(Read::LeftAlone("default privilege on unmanaged objects")),
        };
        c.i += 1;
        c.word(if grant { "TO" } else { "FROM" })?;
        let grantees = c.roles()?;
        let option = if grant {
            c.eat_all(&["WITH", "GRANT", "OPTION"])
        } else {
            option_for
        };
        if !grant && !c.eat("CASCADE") {
            c.eat("RESTRICT");
        }
        c.end()?;
        let existing = existing(schema);
        for role in roles {
            self.record(
                Event::Defaults {
                    change: PrivilegeChange {
                        grant,
                        option,
                        privileges: privileges.clone(),
                        grantees: grantees.clone(),
                    },
                    role,
                    schemas: schemas.clone(),
                    objects,
                    existing: existing.clone(),
                },
                loc,
            );
        }
        Ok(Read::Done)
    }

    /// `ALTER TABLE | VIEW | MATERIALIZED VIEW | SEQUENCE | FUNCTION | PROCEDURE | AGGREGATE
    /// | TYPE | DOMAIN | SCHEMA name OWNER TO role`; `None` for another object's owner.
    pub(super) fn owner(&mut self, text: &str, loc: &Loc) -> Result<Option<Read>, String> {
        let mut c = Cursor {
            toks: tokens(text)?,
            i: 0,
        };
        c.word("ALTER")?;
        let kind = match c.upper().as_deref() {
            Some("TABLE" | "VIEW") => None,
            Some("MATERIALIZED") => {
                c.i += 1;
                None
            }
            Some("SEQUENCE") => Some(SecurableKind::Sequence),
            Some("FUNCTION" | "AGGREGATE") => Some(SecurableKind::Function),
            Some("PROCEDURE") => Some(SecurableKind::Procedure),
            Some("ROUTINE") => Some(SecurableKind::Function),
            Some("TYPE" | "DOMAIN") => Some(SecurableKind::Type),
            Some("SCHEMA") => Some(SecurableKind::Schema),
            _ => return Ok(None),
        };
        c.i += 1;
        c.eat_all(&["IF", "EXISTS"]);
        c.eat("ONLY");
        let object = match kind {
            None => Target::Relation(c.name()?, None),
            Some(SecurableKind::Schema) => {
                let s = c.ident()?;
                Target::Object(Securable::new(SecurableKind::Schema, QName::new("", s)))
            }
            Some(k @ (SecurableKind::Function | SecurableKind::Procedure)) => routine(&mut c, k)?,
            Some(k) => Target::Object(Securable::new(k, c.name()?)),
        };
        if !c.eat_all(&["OWNER", "TO"]) {
            return Ok(None);
        }
        let owner = c.role()?;
        c.end()?;
        self.push(Event::Owner { object, owner }, loc).map(Some)
    }
}

/// The comma-separated privileges before `ON`, each with its column list.
fn privilege_list(c: &mut Cursor) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut out = Vec::new();
    loop {
        let mut word = match c.upper() {
            Some(w) => w,
            None => return Err(format!("expected a privilege at `{}`", c.head())),
        };
        c.i += 1;
        if word == "ALL" {
            c.eat("PRIVILEGES");
        }
        if word == "TEMP" {
            word = "TEMPORARY".into();
        }
        let mut cols = Vec::new();
        if c.peek() == Some(&Token::LParen) {
            let inner = c.parens()?;
            let mut ic = Cursor { toks: inner, i: 0 };
            cols.push(ic.ident()?);
            while ic.comma() {
                cols.push(ic.ident()?);
            }
            ic.end()?;
        }
        out.push((word, cols));
        if !c.comma() {
            break;
        }
    }
    Ok(out)
}

/// `ON …`: `None` for an object kind sqlshift does not manage (DATABASE, LANGUAGE, …).
fn target(c: &mut Cursor) -> Result<Option<Target>, String> {
    let kind = match c.upper().as_deref() {
        Some("TABLE") => Some(SecurableKind::Table),
        Some("SEQUENCE") => Some(SecurableKind::Sequence),
        Some("SCHEMA") => Some(SecurableKind::Schema),
        Some("FUNCTION") => Some(SecurableKind::Function),
        Some("PROCEDURE") => Some(SecurableKind::Procedure),
        Some("ROUTINE") => Some(SecurableKind::Function),
        Some("TYPE" | "DOMAIN") => Some(SecurableKind::Type),
        Some("ALL") => {
            c.i += 1;
            let kinds = match c.upper().as_deref() {
                Some("TABLES") => vec![SecurableKind::Table],
                Some("SEQUENCES") => vec![SecurableKind::Sequence],
                Some("FUNCTIONS") => vec![SecurableKind::Function],
                Some("PROCEDURES") => vec![SecurableKind::Procedure],
                Some("ROUTINES") => vec![SecurableKind::Function, SecurableKind::Procedure],
                _ => {
                    return Err(format!(
                        "expected TABLES, SEQUENCES, FUNCTIONS, PROCEDURES or ROUTINES at `{}`",
                        c.head()
                    ))
                }
            };
            c.i += 1;
            c.word("IN")?;
            c.word("SCHEMA")?;
            let s = c.ident()?;
            if c.comma() {
                return Err("name one schema per `ALL … IN SCHEMA` statement".into());
            }
            return Ok(Some(Target::AllIn(kinds, s)));
        }
        Some("DATABASE" | "LANGUAGE" | "LARGE" | "TABLESPACE" | "FOREIGN" | "PARAMETER") => {
            c.i = c.toks.len();
            return Ok(None);
        }
        _ => None,
    };
    if kind.is_some() {
        c.i += 1;
    }
    let t = match kind {
        None => Target::Relation(c.name()?, None),
        Some(SecurableKind::Table) => Target::Relation(c.name()?, Some(SecurableKind::Table)),
        Some(SecurableKind::Sequence) => Target::Relation(c.name()?, Some(SecurableKind::Sequence)),
        Some(SecurableKind::Schema) => Target::Object(Securable::new(
            SecurableKind::Schema,
            QName::new("", c.ident()?),
        )),
        Some(k @ (SecurableKind::Function | SecurableKind::Procedure)) => routine(c, k)?,
        Some(k) => Target::Object(Securable::new(k, c.name()?)),
    };
    if c.comma() {
        return Err("name one object per GRANT or REVOKE statement".into());
    }
    Ok(Some(t))
}

fn routine(c: &mut Cursor, kind: SecurableKind) -> Result<Target, String> {
    let name = c.name()?;
    if c.peek() != Some(&Token::LParen) {
        return Ok(Target::Routine(kind, name));
    }
    let inner = c.parens()?;
    let mut o = Securable::new(kind, name);
    o.args = crate::parse::routine::input_types(&inner)?;
    Ok(Target::Object(o))
}
