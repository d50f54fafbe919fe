//! PostgreSQL access-control statements of a schema file: `CREATE`/`ALTER POLICY`,
//! `COMMENT ON POLICY` and `ALTER TABLE … ROW LEVEL SECURITY` (always read), and, when
//! `sqlshift.yaml` manages them, `GRANT`/`REVOKE`, `ALTER DEFAULT PRIVILEGES` and
//! `ALTER … OWNER TO`.
//!
//! Privileges are worked out as `psql` running the file would leave them: each object
//! starts with what PUBLIC holds on a new one (EXECUTE on functions, USAGE on types), gains
//! what the default privileges in force when it was created grant (those without `FOR
//! ROLE`: the role that applies the file creates the objects), then every GRANT and REVOKE
//! in file order.

use super::{Loc, ParseError};
use crate::model::security::{CURRENT_USER, PUBLIC};
use crate::model::{
    Access, DataType, DefaultObjects, DefaultPrivileges, Grants, ObjectPrivileges, Owned, Policy,
    QName, Schema, Securable, SecurableKind,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::{BTreeMap, BTreeSet};

/// What one statement was.
pub(super) enum Read {
    /// Read into the recorder.
    Done,
    /// Recognised and left alone, with the kind to report it as.
    LeftAlone(&'static str),
}

/// The access-control statements of the files, in order, applied once every object is
/// known ([`Recorder::finish`]).
#[derive(Default)]
pub(super) struct Recorder {
    events: Vec<(Event, Loc)>,
}

enum Event {
    Policy(Policy),
    AlterPolicy {
        table: QName,
        name: String,
        rename: Option<String>,
        roles: Option<Vec<String>>,
        using: Option<crate::model::Expr>,
        check: Option<crate::model::Expr>,
    },
    PolicyComment {
        table: QName,
        name: String,
        comment: Option<String>,
    },
    RowSecurity {
        table: QName,
        action: &'static str,
    },
    /// GRANT or REVOKE on objects; `existing` is what the files had created so far, for
    /// `ALL TABLES IN SCHEMA` and for knowing when later objects were created.
    Privileges {
        change: PrivilegeChange,
        target: Target,
        existing: BTreeSet<String>,
    },
    Defaults {
        change: PrivilegeChange,
        role: String,
        schemas: Vec<String>,
        objects: DefaultObjects,
        existing: BTreeSet<String>,
    },
    Owner {
        object: Target,
        owner: String,
    },
}

/// What a GRANT or REVOKE gives or takes.
struct PrivilegeChange {
    grant: bool,
    /// `WITH GRANT OPTION` (grant) or `GRANT OPTION FOR` (revoke).
    option: bool,
    /// Privilege words, `ALL` for all of the object's kind; with the columns they are for.
    privileges: Vec<(String, Vec<String>)>,
    grantees: Vec<String>,
}

/// The objects a GRANT names.
enum Target {
    /// `ON [TABLE] t`: a table, view or sequence, told apart once all are known.
    Relation(QName, Option<SecurableKind>),
    Object(Securable),
    /// A function or procedure named without its arguments.
    Routine(SecurableKind, QName),
    /// `ON ALL TABLES | SEQUENCES | FUNCTIONS | PROCEDURES | ROUTINES IN SCHEMA s`.
    AllIn(Vec<SecurableKind>, String),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let toks = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .map_err(|e| e.to_string())?;
    let mut toks: Vec<Token> = toks
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    while toks.last() == Some(&Token::SemiColon) {
        toks.pop();
    }
    Ok(toks)
}

struct Cursor {
    toks: Vec<Token>,
    i: usize,
}

impl Cursor {
    fn upper(&self) -> Option<String> {
        match self.toks.get(self.i) {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }
    fn is(&self, w: &str) -> bool {
        self.upper().as_deref() == Some(w)
    }
    fn eat(&mut self, w: &str) -> bool {
        let yes = self.is(w);
        if yes {
            self.i += 1;
        }
        yes
    }
    fn eat_all(&mut self, ws: &[&str]) -> bool {
        let save = self.i;
        for w in ws {
            if !self.eat(w) {
                self.i = save;
                return false;
            }
        }
        true
    }
    fn word(&mut self, w: &str) -> Result<(), String> {
        if self.eat(w) {
            Ok(())
        } else {
            Err(format!("expected {w} at `{}`", self.head()))
        }
    }
    fn head(&self) -> String {
        self.toks
            .iter()
            .skip(self.i)
            .take(4)
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }
    fn done(&self) -> bool {
        self.i >= self.toks.len()
    }
    fn end(&self) -> Result<(), String> {
        if self.done() {
            Ok(())
        } else {
            Err(format!("unexpected `{}`", self.head()))
        }
    }
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i)
    }
    fn ident(&mut self) -> Result<String, String> {
        match self.toks.get(self.i) {
            Some(Token::Word(w)) => {
                self.i += 1;
                Ok(match w.quote_style {
                    Some(_) => w.value.clone(),
                    None => w.value.to_lowercase(),
                })
            }
            _ => Err(format!("expected a name at `{}`", self.head())),
        }
    }
    fn name(&mut self) -> Result<QName, String> {
        let mut parts = vec![self.ident()?];
        while self.peek() == Some(&Token::Period) {
            self.i += 1;
            parts.push(self.ident()?);
        }
        let name = parts.pop().unwrap_or_default();
        Ok(QName::new(parts.pop().unwrap_or_default(), name))
    }
    /// The tokens inside the parenthesis that starts here.
    fn parens(&mut self) -> Result<Vec<Token>, String> {
        if self.peek() != Some(&Token::LParen) {
            return Err(format!("expected `(` at `{}`", self.head()));
        }
        let start = self.i + 1;
        let mut depth = 0usize;
        while let Some(t) = self.toks.get(self.i) {
            self.i += 1;
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.toks[start..self.i - 1].to_vec());
                    }
                }
                _ => {}
            }
        }
        Err("unbalanced parentheses".into())
    }
    fn comma(&mut self) -> bool {
        if self.peek() == Some(&Token::Comma) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// A role: a name, `PUBLIC`, or the current role under any of its names.
    fn role(&mut self) -> Result<String, String> {
        self.eat("GROUP");
        match self.upper().as_deref() {
            Some("PUBLIC") => {
                self.i += 1;
                Ok(PUBLIC.into())
            }
            Some("CURRENT_USER" | "CURRENT_ROLE" | "SESSION_USER") => {
                self.i += 1;
                Ok(CURRENT_USER.into())
            }
            _ => self.ident(),
        }
    }
    fn roles(&mut self) -> Result<Vec<String>, String> {
        let mut out = vec![self.role()?];
        while self.comma() {
            out.push(self.role()?);
        }
        Ok(out)
    }
}

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

fn parse_one(text: &str) -> Result<sqlparser::ast::Statement, String> {
    let mut stmts = sqlparser::parser::Parser::parse_sql(&PostgreSqlDialect {}, text)
        .map_err(|e| e.to_string())?;
    match (stmts.pop(), stmts.is_empty()) {
        (Some(s), true) => Ok(s),
        _ => Err("expected one statement".into()),
    }
}

impl Recorder {
    /// Reads the statement if it is one of this module's; `None` when it is not.
    pub(super) fn read(
        &mut self,
        words: &[String],
        text: &str,
        loc: &Loc,
        access: &Access,
        schema: &Schema,
    ) -> Option<Result<Read, ParseError>> {
        let w = |k: usize| words.get(k).map(String::as_str).unwrap_or("");
        let privileges = access.privilege_roles.is_some();
        let result = match (w(0), w(1), w(2)) {
            ("CREATE", "POLICY", _) => self.create_policy(text, loc),
            ("ALTER", "POLICY", _) => self.alter_policy(text, loc),
            ("COMMENT", "ON", "POLICY") => self.policy_comment(text, loc),
            ("ALTER", "TABLE", _)
                if words.len() > 3 && text.to_ascii_uppercase().contains("ROW LEVEL SECURITY") =>
            {
                self.row_security(text, loc)
            }
            ("GRANT" | "REVOKE", _, _) if privileges => self.grant(text, loc, schema),
            ("ALTER", "DEFAULT", "PRIVILEGES") if privileges => self.defaults(text, loc, schema),
            ("ALTER", _, _) if access.owners && words.iter().any(|x| x == "OWNER") => {
                match self.owner(text, loc) {
                    Ok(None) => return None,
                    Ok(Some(r)) => Ok(r),
                    Err(e) => Err(e),
                }
            }
            _ => return None,
        };
        Some(result.map_err(|message| ParseError::At {
            loc: loc.clone(),
            message,
        }))
    }

    fn push(&mut self, e: Event, loc: &Loc) -> Result<Read, String> {
        self.events.push((e, loc.clone()));
        Ok(Read::Done)
    }

    fn create_policy(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
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
            table: super::ddl::qname(&p.table_name),
            name: fold(&p.name),
            permissive: p.policy_type != Some(CreatePolicyType::Restrictive),
            command: command.into(),
            roles: policy_roles(p.to.unwrap_or_default().iter().map(owner_role).collect()),
            using: p.using.as_ref().map(super::ddl::expr),
            check: p.with_check.as_ref().map(super::ddl::expr),
            comment: None,
        };
        self.push(Event::Policy(policy), loc)
    }

    fn alter_policy(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
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
                using.as_ref().map(super::ddl::expr),
                with_check.as_ref().map(super::ddl::expr),
            ),
        };
        self.push(
            Event::AlterPolicy {
                table: super::ddl::qname(&p.table_name),
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
    fn policy_comment(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
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
    fn row_security(&mut self, text: &str, loc: &Loc) -> Result<Read, String> {
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
            self.events.push((
                Event::RowSecurity {
                    table: table.clone(),
                    action,
                },
                loc.clone(),
            ));
            if !c.comma() {
                break;
            }
        }
        c.end()?;
        Ok(Read::Done)
    }

    /// `GRANT privileges ON objects TO roles [WITH GRANT OPTION] [GRANTED BY r]` and
    /// `REVOKE [GRANT OPTION FOR] privileges ON objects FROM roles [CASCADE | RESTRICT]`.
    fn grant(&mut self, text: &str, loc: &Loc, schema: &Schema) -> Result<Read, String> {
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
            return Ok(Read::LeftAlone("privilege on an object not managed"));
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
        let existing = existing(schema);
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
    fn defaults(&mut self, text: &str, loc: &Loc, schema: &Schema) -> Result<Read, String> {
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
            _ => return Ok(Read::LeftAlone("default privilege on objects not managed")),
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
            self.events.push((
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
                loc.clone(),
            ));
        }
        Ok(Read::Done)
    }

    /// `ALTER TABLE | VIEW | MATERIALIZED VIEW | SEQUENCE | FUNCTION | PROCEDURE | AGGREGATE
    /// | TYPE | DOMAIN | SCHEMA name OWNER TO role`; `None` for another object's owner.
    fn owner(&mut self, text: &str, loc: &Loc) -> Result<Option<Read>, String> {
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

    /// Applies the statements to the schema the files describe.
    pub(super) fn finish(
        self,
        schema: &mut Schema,
        access: &Access,
        skipped: &mut Vec<super::Skipped>,
    ) -> Result<(), Vec<ParseError>> {
        let mut errors = Vec::new();
        let objects = securables(schema);
        let mut acls: BTreeMap<String, ObjectPrivileges> = BTreeMap::new();
        // The default privileges in force, and the objects whose privileges have started
        // (from the defaults in force when they were created).
        let mut defaults: BTreeMap<String, DefaultPrivileges> = BTreeMap::new();
        let mut started: BTreeSet<String> = BTreeSet::new();
        let err = |loc: &Loc, message: String| ParseError::At {
            loc: loc.clone(),
            message,
        };
        for (event, loc) in self.events {
            match event {
                Event::Policy(p) => {
                    let key = pg_policy_key(&p.table, &p.name);
                    if schema.security.policies.contains_key(&key) {
                        errors.push(err(&loc, format!("policy `{}` is defined twice", p.name)));
                    } else {
                        schema.security.policies.insert(key, p);
                    }
                }
                Event::AlterPolicy {
                    table,
                    name,
                    rename,
                    roles,
                    using,
                    check,
                } => {
                    let key = pg_policy_key(&table, &name);
                    let Some(mut p) = schema.security.policies.remove(&key) else {
                        errors.push(err(&loc, format!("ALTER POLICY: no policy `{name}` on `{table}` before it")));
                        continue;
                    };
                    if let Some(n) = rename {
                        p.name = n;
                    }
                    if let Some(r) = roles {
                        p.roles = r;
                    }
                    if using.is_some() {
                        p.using = using;
                    }
                    if check.is_some() {
                        p.check = check;
                    }
                    schema
                        .security
                        .policies
                        .insert(pg_policy_key(&p.table, &p.name), p);
                }
                Event::PolicyComment {
                    table,
                    name,
                    comment,
                } => match schema.security.policies.get_mut(&pg_policy_key(&table, &name)) {
                    Some(p) => p.comment = comment.filter(|c| !c.is_empty()),
                    None => errors.push(err(
                        &loc,
                        format!("COMMENT ON POLICY: no policy `{name}` on `{table}` before it"),
                    )),
                },
                Event::RowSecurity { table, action } => {
                    let r = schema
                        .security
                        .row_security
                        .entry(pg(&table))
                        .or_default();
                    match action {
                        "enable" => r.enabled = true,
                        "disable" => r.enabled = false,
                        "force" => r.forced = true,
                        _ => r.forced = false,
                    }
                }
                Event::Privileges {
                    change,
                    target,
                    existing,
                } => {
                    // Objects created before this statement start from the defaults in
                    // force now (those created before an earlier one have started).
                    for (key, o) in &objects {
                        if existing.contains(key) && started.insert(key.clone()) {
                            acls.insert(key.clone(), new_object(o, &defaults));
                        }
                    }
                    let targets = match resolve_target(&target, &objects, &existing) {
                        Ok(t) => t,
                        Err(Some(m)) => {
                            errors.push(err(&loc, m));
                            continue;
                        }
                        Err(None) => {
                            skipped.push(super::Skipped {
                                kind: "privilege on an object not managed",
                                loc: loc.clone(),
                                summary: String::new(),
                            });
                            continue;
                        }
                    };
                    for t in targets {
                        if let Err(m) = apply(&mut acls, &t, &change) {
                            errors.push(err(&loc, m));
                        }
                    }
                }
                Event::Defaults {
                    change,
                    role,
                    schemas,
                    objects: kind,
                    existing,
                } => {
                    for (key, o) in &objects {
                        if existing.contains(key) && started.insert(key.clone()) {
                            acls.insert(key.clone(), new_object(o, &defaults));
                        }
                    }
                    let scopes: Vec<Option<String>> = if schemas.is_empty() {
                        vec![None]
                    } else {
                        schemas.into_iter().map(Some).collect()
                    };
                    for s in scopes {
                        let builtin = DefaultPrivileges::builtin(&role, s.as_deref(), kind);
                        let entry = defaults.entry(builtin.key()).or_insert(builtin);
                        if let Err(m) = change_grants(&mut entry.grants, &change, &|p| {
                            default_privileges_of(kind, p)
                        }) {
                            errors.push(err(&loc, m));
                        }
                    }
                }
                Event::Owner { object, owner } => {
                    let found = match resolve_target(&object, &objects, &BTreeSet::new()) {
                        Ok(mut t) if t.len() == 1 => t.pop(),
                        _ => None,
                    };
                    match found {
                        Some(o) => {
                            schema
                                .security
                                .owners
                                .insert(o.key(), Owned { object: o, owner });
                        }
                        None => skipped.push(super::Skipped {
                            kind: "owner change",
                            loc: loc.clone(),
                            summary: String::new(),
                        }),
                    }
                }
            }
        }
        // Objects no GRANT came after start from the defaults in force at the end.
        for (key, o) in &objects {
            if started.insert(key.clone()) {
                acls.insert(key.clone(), new_object(o, &defaults));
            }
        }
        // An object the files give no owner is owned by the role that creates it.
        if access.owners {
            for (key, o) in &objects {
                schema
                    .security
                    .owners
                    .entry(key.clone())
                    .or_insert_with(|| Owned {
                        object: o.clone(),
                        owner: CURRENT_USER.into(),
                    });
            }
        }
        schema.security.privileges = acls.into_iter().filter(|(_, p)| !p.grants.is_empty()).collect();
        schema.security.default_privileges = defaults;
        schema.security.row_security.retain(|_, r| r.enabled || r.forced);
        schema.security.policies = std::mem::take(&mut schema.security.policies)
            .into_values()
            .map(|mut p| {
                p.table = pg(&p.table);
                (p.key(), p)
            })
            .collect();
        schema.security.scope(access);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

fn fold(i: &sqlparser::ast::Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    }
}

/// A name as PostgreSQL resolves an unqualified one (the default schema).
fn pg(q: &QName) -> QName {
    if q.schema.is_empty() {
        QName::new("public", q.name.clone())
    } else {
        q.clone()
    }
}

fn pg_type(t: &DataType) -> DataType {
    match t {
        DataType::Named(q) => DataType::Named(pg(q)),
        DataType::Array(inner) => DataType::Array(Box::new(pg_type(inner))),
        other => other.clone(),
    }
}

fn pg_policy_key(table: &QName, name: &str) -> String {
    format!("{} {name}", pg(table))
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
                _ => return Err(format!("expected TABLES, SEQUENCES, FUNCTIONS, PROCEDURES or ROUTINES at `{}`", c.head())),
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
        Some(
            "DATABASE" | "LANGUAGE" | "LARGE" | "TABLESPACE" | "FOREIGN" | "PARAMETER",
        ) => {
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
        Some(SecurableKind::Sequence) => {
            Target::Relation(c.name()?, Some(SecurableKind::Sequence))
        }
        Some(SecurableKind::Schema) => {
            Target::Object(Securable::new(SecurableKind::Schema, QName::new("", c.ident()?)))
        }
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
    o.args = super::routine::input_types(&inner)?;
    Ok(Target::Object(o))
}

/// The objects the files create, by key, with every name qualified as PostgreSQL would.
fn securables(s: &Schema) -> BTreeMap<String, Securable> {
    let mut out = BTreeMap::new();
    let mut add = |o: Securable| {
        out.insert(o.key(), o);
    };
    for name in s.schemas.iter() {
        add(Securable::new(SecurableKind::Schema, QName::new("", name.clone())));
    }
    for q in s.tables.keys().chain(s.views.keys()) {
        add(Securable::new(SecurableKind::Table, pg(q)));
    }
    for q in s.sequences.keys() {
        add(Securable::new(SecurableKind::Sequence, pg(q)));
    }
    for q in s
        .enums
        .keys()
        .chain(s.domains.keys())
        .chain(s.composites.keys())
        .chain(s.ranges.keys())
    {
        add(Securable::new(SecurableKind::Type, pg(q)));
    }
    for r in s.routines.values() {
        add(routine_securable(r));
    }
    out
}

fn routine_securable(r: &crate::model::Routine) -> Securable {
    let mut o = Securable::of_routine(r);
    o.name = pg(&o.name);
    o.args = o.args.iter().map(pg_type).collect();
    o
}

/// The object keys the files have created so far.
fn existing(s: &Schema) -> BTreeSet<String> {
    securables(s).into_keys().collect()
}

/// What a new object's privileges start as: PUBLIC's built-in share, then the default
/// privileges in force for the role that creates it.
fn new_object(o: &Securable, defaults: &BTreeMap<String, DefaultPrivileges>) -> ObjectPrivileges {
    let mut grants = Grants::default();
    let applies = |d: &DefaultPrivileges| d.role == CURRENT_USER && d.objects.covers(o.kind);
    let global = defaults
        .values()
        .find(|d| applies(d) && d.schema.is_none());
    match global {
        Some(d) => grants = d.grants.clone(),
        None => {
            for p in o.kind.public_default() {
                grants.grant(PUBLIC, p, false);
            }
        }
    }
    for d in defaults.values().filter(|d| {
        applies(d) && d.schema.is_some() && d.schema.as_deref() == Some(o.name.schema.as_str())
    }) {
        for (g, privs) in &d.grants.0 {
            for (p, opt) in privs {
                grants.grant(g, p, *opt);
            }
        }
    }
    ObjectPrivileges {
        object: o.clone(),
        grants,
    }
}

/// The objects a target names among those the files create (`existing` so far, for `ALL
/// … IN SCHEMA`). `Err(None)`: an object sqlshift does not manage.
fn resolve_target(
    t: &Target,
    objects: &BTreeMap<String, Securable>,
    existing: &BTreeSet<String>,
) -> Result<Vec<Securable>, Option<String>> {
    match t {
        Target::Relation(q, kind) => {
            let q = pg(q);
            for k in [SecurableKind::Table, SecurableKind::Sequence] {
                let o = Securable::new(k, q.clone());
                if objects.contains_key(&o.key()) {
                    if *kind == Some(SecurableKind::Sequence) && k == SecurableKind::Table {
                        return Err(Some(format!("`{q}` is not a sequence")));
                    }
                    return Ok(vec![o]);
                }
            }
            Err(None)
        }
        Target::Object(o) => {
            let mut o = o.clone();
            if o.kind != SecurableKind::Schema {
                o.name = pg(&o.name);
            }
            o.args = o.args.iter().map(pg_type).collect();
            if objects.contains_key(&o.key()) {
                return Ok(vec![o]);
            }
            // A procedure named as a function (`ROUTINE`) or the other way round.
            let other = match o.kind {
                SecurableKind::Function => Some(SecurableKind::Procedure),
                _ => None,
            };
            if let Some(k) = other {
                let mut p = o.clone();
                p.kind = k;
                if objects.contains_key(&p.key()) {
                    return Ok(vec![p]);
                }
            }
            Err(None)
        }
        Target::Routine(kind, q) => {
            let q = pg(q);
            let found: Vec<&Securable> = objects
                .values()
                .filter(|o| {
                    o.name == q
                        && (o.kind == *kind
                            || (*kind == SecurableKind::Function
                                && o.kind == SecurableKind::Procedure))
                })
                .collect();
            match found.as_slice() {
                [one] => Ok(vec![(*one).clone()]),
                [] => Err(None),
                _ => Err(Some(format!(
                    "`{q}` names several functions: give the argument types"
                ))),
            }
        }
        Target::AllIn(kinds, s) => Ok(objects
            .iter()
            .filter(|(k, o)| existing.contains(*k) && kinds.contains(&o.kind) && o.name.schema == *s)
            .map(|(_, o)| o.clone())
            .collect()),
    }
}

/// The privileges `ALL` stands for, and the ones an object of `kind` can have.
pub fn all_privileges(kind: SecurableKind) -> &'static [&'static str] {
    match kind {
        SecurableKind::Table => &[
            "SELECT",
            "INSERT",
            "UPDATE",
            "DELETE",
            "TRUNCATE",
            "REFERENCES",
            "TRIGGER",
        ],
        SecurableKind::Column => &["SELECT", "INSERT", "UPDATE", "REFERENCES"],
        SecurableKind::Sequence => &["USAGE", "SELECT", "UPDATE"],
        SecurableKind::Schema => &["USAGE", "CREATE"],
        SecurableKind::Function | SecurableKind::Procedure => &["EXECUTE"],
        SecurableKind::Type => &["USAGE"],
    }
}

fn default_privileges_of(kind: DefaultObjects, p: &str) -> Result<Vec<String>, String> {
    let k = match kind {
        DefaultObjects::Tables => SecurableKind::Table,
        DefaultObjects::Sequences => SecurableKind::Sequence,
        DefaultObjects::Functions => SecurableKind::Function,
        DefaultObjects::Types => SecurableKind::Type,
        DefaultObjects::Schemas => SecurableKind::Schema,
    };
    privileges_of(k, p)
}

fn privileges_of(kind: SecurableKind, p: &str) -> Result<Vec<String>, String> {
    let all = all_privileges(kind);
    if p == "ALL" {
        return Ok(all.iter().map(|s| s.to_string()).collect());
    }
    if all.contains(&p) {
        Ok(vec![p.to_string()])
    } else {
        Err(format!(
            "privilege {p} does not apply to a {}",
            kind.noun()
        ))
    }
}

fn change_grants(
    grants: &mut Grants,
    change: &PrivilegeChange,
    expand: &dyn Fn(&str) -> Result<Vec<String>, String>,
) -> Result<(), String> {
    for (p, cols) in &change.privileges {
        if !cols.is_empty() {
            return Err("column privileges are not default privileges".into());
        }
        for p in expand(p)? {
            for g in &change.grantees {
                if change.grant {
                    grants.grant(g, &p, change.option);
                } else {
                    grants.revoke(g, &p, change.option);
                }
            }
        }
    }
    Ok(())
}

/// One GRANT or REVOKE on one object (column privileges on its columns).
fn apply(
    acls: &mut BTreeMap<String, ObjectPrivileges>,
    o: &Securable,
    change: &PrivilegeChange,
) -> Result<(), String> {
    for (p, cols) in &change.privileges {
        if cols.is_empty() {
            // A sequence takes the table words it has (`GRANT SELECT ON TABLE seq`).
            let words = privileges_of(o.kind, p)?;
            let entry = acls.entry(o.key()).or_insert_with(|| ObjectPrivileges {
                object: o.clone(),
                grants: Grants::default(),
            });
            for w in &words {
                for g in &change.grantees {
                    if change.grant {
                        entry.grants.grant(g, w, change.option);
                    } else {
                        entry.grants.revoke(g, w, change.option);
                    }
                }
            }
            // REVOKE on a table takes the same privileges off each of its columns.
            if !change.grant && o.kind == SecurableKind::Table {
                let prefix = format!("column {}.", o.name);
                for (k, col) in acls.iter_mut().filter(|(k, _)| k.starts_with(&prefix)) {
                    let _ = k;
                    for w in &words {
                        for g in &change.grantees {
                            col.grants.revoke(g, w, change.option);
                        }
                    }
                }
            }
            continue;
        }
        if o.kind != SecurableKind::Table {
            return Err(format!("column privileges are for tables and views, not a {}", o.kind.noun()));
        }
        for c in cols {
            let mut col = Securable::new(SecurableKind::Column, o.name.clone());
            col.column = Some(c.clone());
            let words = privileges_of(SecurableKind::Column, p)?;
            let entry = acls.entry(col.key()).or_insert_with(|| ObjectPrivileges {
                object: col.clone(),
                grants: Grants::default(),
            });
            for w in &words {
                for g in &change.grantees {
                    if change.grant {
                        entry.grants.grant(g, w, change.option);
                    } else {
                        entry.grants.revoke(g, w, change.option);
                    }
                }
            }
        }
    }
    Ok(())
}
