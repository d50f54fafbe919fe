//! PostgreSQL triggers and rules: `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER`, `CREATE [OR
//! REPLACE] RULE`, `ALTER TABLE … ENABLE [REPLICA | ALWAYS] | DISABLE TRIGGER | RULE`,
//! `COMMENT ON TRIGGER | RULE` and `DROP TRIGGER | RULE` into the model's [`Trigger`] and
//! [`Rule`]. The same reader takes a file's statement and the catalog's
//! (`pg_get_triggerdef`, `pg_get_ruledef`), so both sides meet in one canonical form.

use super::ddl::{ident, qname, Builder};
use super::routine::{fold, Cursor};
use super::{Loc, ParseError};
use crate::model::{Calls, Firing, OnTable, QName, Rule, Trigger};
use sqlparser::ast::{self, Statement, Visit};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Token, Tokenizer};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

/// The statements this module reads, from their leading words ([`super::kind::leading_words`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Trigger,
    Rule,
    /// `COMMENT ON TRIGGER | RULE`.
    Comment,
    /// `ALTER TABLE … ENABLE | DISABLE … TRIGGER | RULE` (read only when every action of
    /// the statement is one).
    Firing,
    /// `DROP TRIGGER | RULE`.
    Drop,
}

pub fn what(words: &[String]) -> Option<What> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let object = match w.as_slice() {
        ["CREATE", "OR", "REPLACE", "CONSTRAINT", o, ..]
        | ["CREATE", "OR", "REPLACE", o, ..]
        | ["CREATE", "CONSTRAINT", o, ..]
        | ["CREATE", o, ..] => *o,
        ["COMMENT", "ON", "TRIGGER" | "RULE", ..] => return Some(What::Comment),
        ["DROP", "TRIGGER" | "RULE", ..] => return Some(What::Drop),
        ["ALTER", "TABLE", rest @ ..] => {
            let toggles = rest.iter().any(|x| matches!(*x, "ENABLE" | "DISABLE"));
            let object = rest.iter().any(|x| matches!(*x, "TRIGGER" | "RULE"));
            return (toggles && object).then_some(What::Firing);
        }
        _ => return None,
    };
    match object {
        "TRIGGER" => Some(What::Trigger),
        "RULE" => Some(What::Rule),
        _ => None,
    }
}

/// Triggers' and rules' locations, and what is checked once every statement is read.
#[derive(Debug, Default)]
pub struct Pending {
    locs: BTreeMap<(bool, OnTable), Loc>,
}

/// Reads `CREATE TRIGGER`. The text is kept as the trigger's `sql`.
pub fn trigger(text: &str) -> Result<Trigger, String> {
    let text = text.trim().trim_end_matches(';').trim_end();
    // sqlparser reads a trigger function's arguments as a declaration's; they are literal
    // strings, read here, and the statement is given to sqlparser without them.
    let (args, without) = function_args(text)?;
    let st = Parser::parse_sql(&PostgreSqlDialect {}, &without).map_err(|e| e.to_string())?;
    let ct = match st.into_iter().next() {
        Some(Statement::CreateTrigger(ct)) => ct,
        _ => return Err("not a CREATE TRIGGER statement".into()),
    };
    let name = match ct.name.0.as_slice() {
        [ast::ObjectNamePart::Identifier(i)] => ident(i),
        _ => return Err(format!("a trigger's name is not qualified: `{}`", ct.name)),
    };
    let timing = match ct.period {
        Some(ast::TriggerPeriod::Before) => "before",
        Some(ast::TriggerPeriod::After) => "after",
        Some(ast::TriggerPeriod::InsteadOf) => "instead of",
        _ => return Err("a trigger fires BEFORE, AFTER or INSTEAD OF its event".into()),
    };
    let mut events = Vec::new();
    let mut columns = Vec::new();
    for e in &ct.events {
        match e {
            ast::TriggerEvent::Insert => events.push("insert"),
            ast::TriggerEvent::Delete => events.push("delete"),
            ast::TriggerEvent::Update(cols) => {
                events.push("update");
                columns.extend(cols.iter().map(ident));
            }
            ast::TriggerEvent::Truncate => events.push("truncate"),
        }
    }
    let order = ["insert", "delete", "update", "truncate"];
    events.sort_by_key(|e| order.iter().position(|o| o == e));
    events.dedup();
    columns.sort();
    columns.dedup();
    let for_each_row = matches!(
        ct.trigger_object,
        Some(ast::TriggerObjectKind::For(ast::TriggerObject::Row))
            | Some(ast::TriggerObjectKind::ForEach(ast::TriggerObject::Row))
    );
    let referencing = ct
        .referencing
        .iter()
        .map(|r| {
            let which = match r.refer_type {
                ast::TriggerReferencingType::OldTable => "old",
                ast::TriggerReferencingType::NewTable => "new",
            };
            (which.to_string(), qname(&r.transition_relation_name).name)
        })
        .collect();
    let Some(exec) = &ct.exec_body else {
        return Err("a trigger needs EXECUTE FUNCTION".into());
    };
    let (deferrable, initially_deferred) = match &ct.characteristics {
        Some(c) => {
            let deferred = c.initially == Some(ast::DeferrableInitial::Deferred);
            (c.deferrable.unwrap_or(false) || deferred, deferred)
        }
        None => (false, false),
    };
    Ok(Trigger {
        table: qname(&ct.table_name),
        name,
        constraint: ct.is_constraint,
        timing: timing.into(),
        events: events.into_iter().map(String::from).collect(),
        columns,
        for_each_row,
        referencing,
        when: ct.condition.as_ref().map(super::ddl::expr),
        from: ct.referenced_table_name.as_ref().map(qname),
        deferrable,
        initially_deferred,
        function: qname(&exec.func_desc.name),
        args,
        firing: Firing::Origin,
        comment: None,
        sql: text.to_string(),
    })
}

/// The arguments of `EXECUTE FUNCTION f(…)` as the strings PostgreSQL passes (a number as
/// written, a name folded), and the statement with an empty argument list.
fn function_args(text: &str) -> Result<(Vec<String>, String), String> {
    let toks = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    let toks: Vec<_> = toks
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let word = |i: usize, w: &str| matches!(toks.get(i).map(|t| &t.token), Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    let Some(exec) = (0..toks.len())
        .rev()
        .find(|&i| word(i, "EXECUTE") && (word(i + 1, "FUNCTION") || word(i + 1, "PROCEDURE")))
    else {
        return Ok((Vec::new(), text.to_string()));
    };
    let Some(open) = (exec..toks.len()).find(|&i| toks[i].token == Token::LParen) else {
        return Err("expected `(` after the trigger's function".into());
    };
    let mut args = Vec::new();
    let mut close = None;
    for (i, t) in toks.iter().enumerate().skip(open + 1) {
        match &t.token {
            Token::RParen => {
                close = Some(i);
                break;
            }
            Token::Comma => {}
            Token::SingleQuotedString(s)
            | Token::EscapedStringLiteral(s)
            | Token::NationalStringLiteral(s) => args.push(s.clone()),
            Token::DollarQuotedString(s) => args.push(s.value.clone()),
            Token::Number(n, _) => args.push(n.clone()),
            Token::Word(w) => args.push(fold(w)),
            other => return Err(format!("unexpected `{other}` in the trigger's arguments")),
        }
    }
    let Some(close) = close else {
        return Err("unbalanced parentheses".into());
    };
    let from = byte_at(text, toks[open].span.start);
    let to = byte_at(text, toks[close].span.start) + 1;
    Ok((args, format!("{}(){}", &text[..from], &text[to..])))
}

/// The byte offset of a tokenizer location (1-based line, column in characters).
fn byte_at(text: &str, at: Location) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(at.line.saturating_sub(1) as usize)
        .map(str::len)
        .sum();
    text[line_start..]
        .char_indices()
        .nth(at.column.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| line_start + i)
}

/// Reads `CREATE RULE`. The text is kept as the rule's `sql`.
pub fn rule(text: &str) -> Result<Rule, String> {
    let text = text.trim().trim_end_matches(';').trim_end();
    let st = Parser::parse_sql(&PostgreSqlDialect {}, text).map_err(|e| e.to_string())?;
    let mut cr = match st.into_iter().next() {
        Some(Statement::CreateRule(cr)) => cr,
        _ => return Err("not a CREATE RULE statement".into()),
    };
    let table = qname(&cr.table_name);
    let name = ident(&cr.name);
    // Relations and functions the condition and the actions name.
    let mut found = Found::default();
    let _ = cr.condition.visit(&mut found);
    let _ = cr.action.visit(&mut found);
    // The canonical definition: name, `OR REPLACE` and the default `ALSO` aside.
    cr.or_replace = false;
    cr.name = ast::Ident::new("_");
    cr.do_kind.get_or_insert(ast::CreateRuleDoKind::Also);
    super::expr::canonicalize(&mut cr);
    match &mut cr.action {
        ast::CreateRuleAction::Nothing => {}
        ast::CreateRuleAction::Statement(s) => unqualify_target(s),
        ast::CreateRuleAction::Statements(list) => list.iter_mut().for_each(unqualify_target),
    }
    let definition = cr.to_string();
    let definition = definition
        .strip_prefix("CREATE RULE _ AS ")
        .unwrap_or(&definition)
        .to_string();
    Ok(Rule {
        table,
        name,
        definition,
        firing: Firing::Origin,
        comment: None,
        depends_on: found
            .relations
            .into_iter()
            .filter(|r| !(r.schema.is_empty() && matches!(r.name.as_str(), "new" | "old")))
            .collect(),
        calls: Calls(found.calls),
        sql: text.to_string(),
    })
}

#[derive(Default)]
struct Found {
    relations: BTreeSet<QName>,
    calls: BTreeSet<QName>,
}

impl ast::Visitor for Found {
    type Break = ();
    fn pre_visit_relation(&mut self, r: &ast::ObjectName) -> ControlFlow<()> {
        self.relations.insert(qname(r));
        ControlFlow::Continue(())
    }
    fn pre_visit_expr(&mut self, e: &ast::Expr) -> ControlFlow<()> {
        if let ast::Expr::Function(f) = e {
            self.calls.insert(qname(&f.name));
        }
        ControlFlow::Continue(())
    }
}

/// PostgreSQL qualifies the columns of an action's own table (`u.id` for `id` in `UPDATE u
/// SET … WHERE id = …`): such a qualifier is left out on both sides.
fn unqualify_target(s: &mut Statement) {
    let mut own: Vec<String> = Vec::new();
    let mut add = |t: &ast::TableFactor| {
        if let ast::TableFactor::Table { name, alias, .. } = t {
            own.push(qname(name).name);
            if let Some(a) = alias {
                own.push(ident(&a.name));
            }
        }
    };
    match s {
        Statement::Update(u) => add(&u.table.relation),
        Statement::Delete(d) => {
            let (ast::FromTable::WithFromKeyword(from) | ast::FromTable::WithoutKeyword(from)) =
                &d.from;
            from.iter().for_each(|t| add(&t.relation));
        }
        Statement::Insert(i) => {
            if let ast::TableObject::TableName(n) = &i.table {
                own.push(qname(n).name);
            }
            if let Some(a) = &i.table_alias {
                own.push(ident(&a.alias));
            }
        }
        _ => return,
    }
    let _ = ast::visit_expressions_mut(s, |e| {
        if let ast::Expr::CompoundIdentifier(parts) = e {
            if parts.len() == 2 && own.contains(&parts[0].value) {
                *e = ast::Expr::Identifier(parts[1].clone());
            }
        }
        ControlFlow::<()>::Continue(())
    });
}

/// One action of `ALTER TABLE … ENABLE | DISABLE`: whether it is on a rule, the name (or
/// `ALL`/`USER` for every trigger) and the firing it sets.
type Toggle = (bool, String, Firing);

/// `ALTER TABLE t ENABLE|DISABLE … TRIGGER|RULE name, …`: the table and its actions.
/// `None` when an action of the statement is something else.
pub fn firing(text: &str) -> Option<(QName, Vec<Toggle>)> {
    let st = Parser::parse_sql(&PostgreSqlDialect {}, text).ok()?;
    let Some(Statement::AlterTable(at)) = st.into_iter().next() else {
        return None;
    };
    let mut out = Vec::new();
    for op in &at.operations {
        use ast::AlterTableOperation as A;
        let (rule, name, f) = match op {
            A::EnableTrigger { name } => (false, name, Firing::Origin),
            A::DisableTrigger { name } => (false, name, Firing::Disabled),
            A::EnableReplicaTrigger { name } => (false, name, Firing::Replica),
            A::EnableAlwaysTrigger { name } => (false, name, Firing::Always),
            A::EnableRule { name } => (true, name, Firing::Origin),
            A::DisableRule { name } => (true, name, Firing::Disabled),
            A::EnableReplicaRule { name } => (true, name, Firing::Replica),
            A::EnableAlwaysRule { name } => (true, name, Firing::Always),
            _ => return None,
        };
        let every = !rule
            && name.quote_style.is_none()
            && matches!(name.value.to_ascii_uppercase().as_str(), "ALL" | "USER");
        let name = if every {
            name.value.to_ascii_uppercase()
        } else {
            ident(name)
        };
        out.push((rule, name, f));
    }
    Some((qname(&at.name), out))
}

/// `COMMENT ON TRIGGER | RULE name ON table IS '…' | NULL`: whether a rule, the object,
/// and the comment.
pub fn comment(text: &str) -> Result<(bool, OnTable, Option<String>), String> {
    let toks = tokens(text)?;
    let mut c = Cursor::new(&toks);
    c.word("COMMENT")?;
    c.word("ON")?;
    let rule = c.eat("RULE");
    if !rule {
        c.word("TRIGGER")?;
    }
    let name = c.ident()?;
    c.word("ON")?;
    let table = c.name()?;
    c.word("IS")?;
    let comment = match c.peek() {
        Some(Token::SingleQuotedString(s))
        | Some(Token::EscapedStringLiteral(s))
        | Some(Token::NationalStringLiteral(s)) => Some(s.clone()),
        Some(Token::DollarQuotedString(s)) => Some(s.value.clone()),
        Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("NULL") => None,
        _ => return Err("expected a string or NULL after IS".into()),
    };
    Ok((rule, OnTable::new(table, name), comment))
}

/// `DROP TRIGGER | RULE [IF EXISTS] name ON table …`: whether a rule, and the object.
pub fn dropped(text: &str) -> Option<(bool, OnTable)> {
    let toks = tokens(text).ok()?;
    let mut c = Cursor::new(&toks);
    c.word("DROP").ok()?;
    let rule = c.eat("RULE");
    if !rule {
        c.word("TRIGGER").ok()?;
    }
    if c.eat("IF") {
        c.word("EXISTS").ok()?;
    }
    let name = c.ident().ok()?;
    c.word("ON").ok()?;
    Some((rule, OnTable::new(c.name().ok()?, name)))
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    Ok(Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect())
}

impl Builder {
    /// Reads one statement of [`what`]'s kinds into the schema.
    pub(super) fn procedural(&mut self, w: What, text: &str, loc: &Loc) -> Result<(), ParseError> {
        let at = |message: String| ParseError::At {
            loc: loc.clone(),
            message,
        };
        match w {
            What::Trigger => {
                let t =
                    trigger(text).map_err(|e| at(format!("cannot read CREATE TRIGGER: {e}")))?;
                let replace = or_replace(text);
                self.add_on_table(false, t.key(), loc, replace)?;
                self.schema.triggers.insert(t.key(), t);
            }
            What::Rule => {
                let r = rule(text).map_err(|e| at(format!("cannot read CREATE RULE: {e}")))?;
                let replace = or_replace(text);
                self.add_on_table(true, r.key(), loc, replace)?;
                self.schema.rules.insert(r.key(), r);
            }
            What::Comment => {
                let (rule, key, comment) =
                    comment(text).map_err(|e| at(format!("cannot read COMMENT ON: {e}")))?;
                match self.find(rule, &key) {
                    Some(k) if rule => {
                        self.schema
                            .rules
                            .entry(k)
                            .and_modify(|r| r.comment = comment);
                    }
                    Some(k) => {
                        self.schema
                            .triggers
                            .entry(k)
                            .and_modify(|t| t.comment = comment);
                    }
                    None => return Err(at(undefined(rule, &key))),
                }
            }
            What::Firing => {
                let Some((table, actions)) = firing(text) else {
                    return Err(at("cannot read ALTER TABLE … ENABLE | DISABLE".into()));
                };
                for (rule, name, f) in actions {
                    if name == "ALL" || name == "USER" {
                        for t in self.schema.triggers.values_mut() {
                            if t.table.same_relation(&table) {
                                t.firing = f;
                            }
                        }
                        continue;
                    }
                    let key = OnTable::new(table.clone(), name);
                    match self.find(rule, &key) {
                        Some(k) if rule => {
                            self.schema.rules.entry(k).and_modify(|r| r.firing = f);
                        }
                        Some(k) => {
                            self.schema.triggers.entry(k).and_modify(|t| t.firing = f);
                        }
                        None => return Err(at(undefined(rule, &key))),
                    }
                }
            }
            What::Drop => {
                if let Some((rule, key)) = dropped(text) {
                    if let Some(k) = self.find(rule, &key) {
                        if rule {
                            self.schema.rules.remove(&k);
                        } else {
                            self.schema.triggers.remove(&k);
                        }
                        self.procedural.locs.remove(&(rule, k));
                    }
                }
            }
        }
        Ok(())
    }

    /// The key a trigger (or rule) written as `key` is held by: the file may qualify its
    /// table in one statement and not in another.
    fn find(&self, rule: bool, key: &OnTable) -> Option<OnTable> {
        let same = |k: &OnTable| k.name == key.name && k.table.same_relation(&key.table);
        if rule {
            self.schema.rules.keys().find(|k| same(k)).cloned()
        } else {
            self.schema.triggers.keys().find(|k| same(k)).cloned()
        }
    }

    fn add_on_table(
        &mut self,
        rule: bool,
        key: OnTable,
        loc: &Loc,
        replace: bool,
    ) -> Result<(), ParseError> {
        if let Some(old) = self.find(rule, &key) {
            if !replace {
                return Err(ParseError::At {
                    loc: loc.clone(),
                    message: format!(
                        "{} `{}` on `{}` is defined twice",
                        if rule { "rule" } else { "trigger" },
                        key.name,
                        key.table
                    ),
                });
            }
            if rule {
                self.schema.rules.remove(&old);
            } else {
                self.schema.triggers.remove(&old);
            }
        }
        self.procedural.locs.insert((rule, key), loc.clone());
        Ok(())
    }

    /// Once every statement is read: a trigger or rule on a table left alone is left alone
    /// too (and said so); one on a table the schema does not define is an error.
    pub(super) fn settle_procedural(
        &mut self,
    ) -> Result<Vec<(&'static str, Loc, String)>, ParseError> {
        let mut left = Vec::new();
        let locs = std::mem::take(&mut self.procedural.locs);
        let exists = |s: &crate::model::Schema, q: &QName| {
            s.tables
                .keys()
                .chain(s.views.keys())
                .any(|k| k.same_relation(q))
        };
        for ((rule, key), loc) in locs {
            let what = if rule { "rule" } else { "trigger" };
            if self.not_managed.keys().any(|k| k.same_relation(&key.table)) {
                if rule {
                    self.schema.rules.remove(&key);
                } else {
                    self.schema.triggers.remove(&key);
                }
                left.push((
                    if rule {
                        "rule on an object left alone"
                    } else {
                        "trigger on an object left alone"
                    },
                    loc,
                    format!("{what} {} on {}", key.name, key.table),
                ));
                continue;
            }
            if !self.validate {
                continue;
            }
            let mut needed = vec![key.table.clone()];
            if let Some(from) = self.schema.triggers.get(&key).and_then(|t| t.from.clone()) {
                needed.push(from);
            }
            if let Some(missing) = needed.into_iter().find(|q| !exists(&self.schema, q)) {
                return Err(ParseError::At {
                    loc,
                    message: format!(
                        "{what} `{}` is on `{}`, but `{missing}` is not defined in the schema",
                        key.name, key.table
                    ),
                });
            }
        }
        Ok(left)
    }
}

fn undefined(rule: bool, key: &OnTable) -> String {
    format!(
        "{} `{}` on `{}` is not defined (define it before this statement)",
        if rule { "rule" } else { "trigger" },
        key.name,
        key.table
    )
}

/// `CREATE OR REPLACE …`.
fn or_replace(text: &str) -> bool {
    let w = super::kind::leading_words(text, 3);
    w.len() == 3 && w[1] == "OR" && w[2] == "REPLACE"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_trigger_and_the_catalogs_meet() {
        let file = trigger(
            "create trigger T1 before update of b, a or insert on w for each row \
             when (NEW.a > 0) execute procedure trf('x', 1, 2.50, Foo, \"Bar\", E'q\\'s')",
        )
        .expect("reads");
        let catalog = trigger(
            "CREATE TRIGGER t1 BEFORE INSERT OR UPDATE OF a, b ON public.w FOR EACH ROW \
             WHEN ((new.a > 0)) EXECUTE FUNCTION trf('x', '1', '2.50', 'foo', 'Bar', 'q''s')",
        )
        .expect("reads");
        assert_eq!(file.events, ["insert", "update"]);
        assert_eq!(file.columns, ["a", "b"]);
        assert_eq!(file.args, ["x", "1", "2.50", "foo", "Bar", "q's"]);
        assert_eq!(file.table, QName::new("", "w"));
        assert_eq!(catalog.table, QName::new("public", "w"));
        let mut file = file;
        file.table = catalog.table.clone();
        assert!(file.same_definition(&catalog));
    }

    #[test]
    fn constraint_triggers_and_transition_tables() {
        let t = trigger(
            "CREATE CONSTRAINT TRIGGER c AFTER INSERT ON w FROM u INITIALLY DEFERRED \
             FOR EACH ROW EXECUTE FUNCTION s.f()",
        )
        .expect("reads");
        assert!(t.constraint && t.deferrable && t.initially_deferred);
        assert_eq!(t.from, Some(QName::new("", "u")));
        assert_eq!(t.function, QName::new("s", "f"));
        let t = trigger(
            "CREATE TRIGGER r AFTER UPDATE ON w REFERENCING OLD TABLE oldtab NEW TABLE AS newtab \
             EXECUTE FUNCTION f()",
        )
        .expect("reads");
        assert!(!t.for_each_row);
        assert_eq!(
            t.referencing,
            [
                ("old".to_string(), "oldtab".to_string()),
                ("new".to_string(), "newtab".to_string())
            ]
        );
    }

    #[test]
    fn rules_compare_as_the_server_prints_them() {
        let file = rule(
            "CREATE RULE r1 AS ON INSERT TO w WHERE NEW.a > 5 DO INSTEAD \
             (INSERT INTO u (id) VALUES (NEW.id); UPDATE u SET id = id + 1 WHERE id = new.a)",
        )
        .expect("reads");
        let catalog = rule(
            "CREATE RULE r1 AS\n    ON INSERT TO public.w\n   WHERE (new.a > 5) DO INSTEAD ( INSERT INTO public.u (id)\n  VALUES (new.id);\n UPDATE public.u SET id = (u.id + 1)\n  WHERE (u.id = new.a);\n);",
        )
        .expect("reads");
        assert_eq!(file.definition, catalog.definition);
        assert!(file.depends_on.contains(&QName::new("", "u")));
        let also = rule("CREATE RULE n AS ON UPDATE TO w DO ALSO NOTIFY w_changed").expect("reads");
        let plain =
            rule("CREATE RULE n AS\n ON UPDATE TO public.w DO\n NOTIFY w_changed;").expect("reads");
        assert_eq!(also.definition, plain.definition);
    }

    #[test]
    fn firing_comments_and_drops() {
        let (t, actions) =
            firing("ALTER TABLE ONLY public.w ENABLE REPLICA TRIGGER t3, DISABLE RULE r")
                .expect("reads");
        assert_eq!(t, QName::new("public", "w"));
        assert_eq!(
            actions,
            [
                (false, "t3".to_string(), Firing::Replica),
                (true, "r".to_string(), Firing::Disabled)
            ]
        );
        assert!(firing("ALTER TABLE w DISABLE TRIGGER t, ADD COLUMN x int").is_none());
        let (rule, key, c) =
            comment("COMMENT ON TRIGGER \"T 1\" ON s.w IS 'it''s'").expect("reads");
        assert!(!rule);
        assert_eq!(key, OnTable::new(QName::new("s", "w"), "T 1"));
        assert_eq!(c.as_deref(), Some("it's"));
        assert_eq!(
            dropped("DROP TRIGGER IF EXISTS t ON w CASCADE"),
            Some((false, OnTable::new(QName::new("", "w"), "t")))
        );
    }
}
