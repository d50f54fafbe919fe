//! Stored programs of MySQL/MariaDB (triggers, procedures, functions, events) and SQLite
//! triggers: objects whose definition is a statement the server keeps as text. Each dialect
//! reads both a file's statement and its catalog into the same canonical parts, so two
//! programs are equal when the server would show them alike.

use super::QName;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgramKind {
    Trigger,
    Procedure,
    Function,
    Event,
}

impl ProgramKind {
    /// The SQL word (`TRIGGER`, `PROCEDURE`, `FUNCTION`, `EVENT`).
    pub fn word(self) -> &'static str {
        match self {
            ProgramKind::Trigger => "TRIGGER",
            ProgramKind::Procedure => "PROCEDURE",
            ProgramKind::Function => "FUNCTION",
            ProgramKind::Event => "EVENT",
        }
    }

    /// The lower-case name used in messages and owners.
    pub fn noun(self) -> &'static str {
        match self {
            ProgramKind::Trigger => "trigger",
            ProgramKind::Procedure => "procedure",
            ProgramKind::Function => "function",
            ProgramKind::Event => "event",
        }
    }
}

/// A parameter of a procedure or function (or a function's result, with an empty mode and
/// name), in the dialect's canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramParam {
    /// `in`, `out`, `inout`; empty for a function's result.
    pub mode: String,
    pub name: String,
    /// The type as the catalog spells it, lower case (`int(11)`, `decimal(10,2) unsigned`).
    pub data_type: String,
    /// Only where it is not the database's default (the dialect decides, see `reconcile`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Program {
    pub kind: ProgramKind,
    /// As written (MySQL trigger names keep their case; the key folds the others).
    pub name: String,
    /// The table or view a trigger is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<QName>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ProgramParam>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returns: Option<ProgramParam>,
    /// Everything else that is part of the definition, each in one canonical spelling
    /// (`timing` = `before`, `event` = `insert`, `sql data access` = `reads sql data`,
    /// `schedule` = `every 1 hour starts 2030-01-01 00:00:00`, `sql_mode` = …).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// The body (or, for SQLite, the whole statement) with comments taken out and blanks
    /// outside quotes folded to one space: the text the server keeps, compared.
    pub body: String,
    /// The statement that creates it, as the dialect runs it: no `DELIMITER`, no
    /// `DEFINER`, comments taken out as the server's own client takes them out.
    #[serde(skip)]
    pub sql: String,
    /// Programs to create before it, by [`Program::key`]: the routines its body calls and,
    /// for a trigger, the one that fires before it. Never compared.
    #[serde(skip)]
    pub needs: BTreeSet<String>,
    /// A trigger's place among the triggers of its table that fire on the same timing and
    /// event (1 first); 0 where the dialect does not order them. Compared by the diff
    /// over each group, not here.
    #[serde(skip)]
    pub position: u32,
}

impl PartialEq for Program {
    fn eq(&self, o: &Self) -> bool {
        self.kind == o.kind
            && self.name == o.name
            && self.table == o.table
            && self.params == o.params
            && self.returns == o.returns
            && self.attributes == o.attributes
            && self.body == o.body
    }
}

impl Program {
    pub fn new(kind: ProgramKind, name: impl Into<String>) -> Self {
        Program {
            kind,
            name: name.into(),
            table: None,
            params: Vec::new(),
            returns: None,
            attributes: BTreeMap::new(),
            body: String::new(),
            sql: String::new(),
            needs: BTreeSet::new(),
            position: 0,
        }
    }

    /// The key a schema holds it by: kind and name; routine and event names fold case
    /// (MySQL compares them so), trigger names keep it unless `fold` (SQLite).
    pub fn key(&self) -> String {
        Self::key_of(self.kind, &self.name, false)
    }

    pub fn key_of(kind: ProgramKind, name: &str, fold_triggers: bool) -> String {
        let name = if kind != ProgramKind::Trigger || fold_triggers {
            name.to_lowercase()
        } else {
            name.to_string()
        };
        format!("{} {name}", kind.noun())
    }

    /// The triggers that fire together in an order: same table, timing and event.
    pub fn trigger_group(&self) -> Option<(QName, String, String)> {
        let table = self.table.clone()?;
        let attr = |k: &str| self.attributes.get(k).cloned().unwrap_or_default();
        Some((table, attr("timing"), attr("event")))
    }
}
