//! PostgreSQL functions, procedures and aggregates ("routines"): what is compared, and the
//! statement that creates one.

use super::{DataType, Expr, QName};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutineKind {
    Function,
    Procedure,
    Aggregate,
}

impl RoutineKind {
    /// The SQL word (`FUNCTION`, `PROCEDURE`, `AGGREGATE`).
    pub fn word(self) -> &'static str {
        match self {
            RoutineKind::Function => "FUNCTION",
            RoutineKind::Procedure => "PROCEDURE",
            RoutineKind::Aggregate => "AGGREGATE",
        }
    }

    /// The lower-case name used in messages and owners.
    pub fn noun(self) -> &'static str {
        match self {
            RoutineKind::Function => "function",
            RoutineKind::Procedure => "procedure",
            RoutineKind::Aggregate => "aggregate",
        }
    }
}

/// One argument. Type modifiers are not kept: PostgreSQL drops them (`numeric(10,2)` is
/// stored as `numeric`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoutineArg {
    /// `in` (also for aggregates' direct arguments), `out`, `inout`, `variadic`, `order by`
    /// (an ordered-set aggregate's aggregated arguments).
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub data_type: DataType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Expr>,
}

impl RoutineArg {
    /// Part of the routine's identity (what `DROP FUNCTION` names).
    pub fn is_input(&self) -> bool {
        self.mode != "out"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Returns {
    /// A procedure.
    Nothing,
    Type(DataType),
    SetOf(DataType),
    Table(Vec<(String, DataType)>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Routine {
    pub name: QName,
    pub kind: RoutineKind,
    pub args: Vec<RoutineArg>,
    pub returns: Returns,
    /// Lower case (`sql`, `plpgsql`, `c`); empty for an aggregate.
    pub language: String,
    /// Everything else that is part of the definition, each in one canonical spelling
    /// (`immutable`, `strict`, `security definer`, `cost 5`, `set search_path=public`,
    /// an aggregate's `sfunc=f` …), sorted; a default value is left out.
    pub attributes: Vec<String>,
    /// The body as PostgreSQL keeps it: a quoted body verbatim (as `prosrc`), an SQL-standard
    /// body (`RETURN …`, `BEGIN ATOMIC … END`) in canonical form.
    pub body: String,
    /// The statement that creates it: the file's own text, or `pg_get_functiondef`.
    #[serde(skip)]
    pub sql: String,
    /// The argument list that identifies it, as written (for `DROP`).
    #[serde(skip)]
    pub identity_sql: String,
    /// Functions it needs to exist first (an aggregate's support functions), by name.
    #[serde(skip)]
    pub needs: BTreeSet<QName>,
    /// What depends on it in the database it was read from (`pg_depend`): what must go
    /// before it is dropped. `None` where that is not known (a schema file's routine).
    #[serde(skip)]
    pub dependents: Option<Vec<Dependent>>,
}

/// An object that depends on a routine, as the catalog's `pg_depend` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dependent {
    View(QName),
    /// A column's default or generation expression: (table, column).
    Default(QName, String),
    /// A table's check or exclusion constraint: (table, constraint).
    Constraint(QName, String),
    /// An index (named within its schema).
    Index(QName),
    Trigger(QName, String),
    Rule(QName, String),
    Routine(QName),
    /// A domain's default (no name) or one of its checks.
    Domain(QName, Option<String>),
    /// Anything else, as the server describes it (a policy, an operator …).
    Other(String),
}

impl std::fmt::Display for Dependent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dependent::View(v) => write!(f, "view {v}"),
            Dependent::Default(t, c) => write!(f, "the default of {t}.{c}"),
            Dependent::Constraint(t, c) => write!(f, "constraint {c} on {t}"),
            Dependent::Index(i) => write!(f, "index {i}"),
            Dependent::Trigger(t, n) => write!(f, "trigger {n} on {t}"),
            Dependent::Rule(t, n) => write!(f, "rule {n} on {t}"),
            Dependent::Routine(r) => write!(f, "function {r}"),
            Dependent::Domain(d, None) => write!(f, "the default of domain {d}"),
            Dependent::Domain(d, Some(c)) => write!(f, "check {c} of domain {d}"),
            Dependent::Other(what) => f.write_str(what),
        }
    }
}

impl PartialEq for Routine {
    fn eq(&self, o: &Self) -> bool {
        self.same_signature(o)
            && self.language == o.language
            && self.attributes == o.attributes
            && self.body == o.body
    }
}

impl Routine {
    /// The key a schema holds it by: name and input argument types, as PostgreSQL tells
    /// overloads apart.
    pub fn key(&self) -> String {
        let types: Vec<String> = self
            .args
            .iter()
            .filter(|a| a.is_input())
            .map(|a| a.data_type.to_string())
            .collect();
        format!("{}({})", self.name, types.join(", "))
    }

    /// Same kind, arguments (names, modes, types, defaults) and result: what `CREATE OR
    /// REPLACE` cannot change, or (defaults) may not remove.
    pub fn same_signature(&self, o: &Self) -> bool {
        self.name == o.name
            && self.kind == o.kind
            && self.args == o.args
            && self.returns == o.returns
    }

    /// All the data types it names.
    pub fn types(&self) -> Vec<&DataType> {
        let mut out: Vec<&DataType> = self.args.iter().map(|a| &a.data_type).collect();
        match &self.returns {
            Returns::Nothing => {}
            Returns::Type(t) | Returns::SetOf(t) => out.push(t),
            Returns::Table(cols) => out.extend(cols.iter().map(|(_, t)| t)),
        }
        out
    }

    pub fn types_mut(&mut self) -> Vec<&mut DataType> {
        let mut out: Vec<&mut DataType> = self.args.iter_mut().map(|a| &mut a.data_type).collect();
        match &mut self.returns {
            Returns::Nothing => {}
            Returns::Type(t) | Returns::SetOf(t) => out.push(t),
            Returns::Table(cols) => out.extend(cols.iter_mut().map(|(_, t)| t)),
        }
        out
    }

    pub fn security_definer(&self) -> bool {
        self.attributes.iter().any(|a| a == "security definer")
    }
}
