//! PostgreSQL triggers and rules: what is compared (the definition as the server stores
//! it, its firing state, its comment), and the statement that creates one.

use super::{Calls, Expr, QName};
use serde::{Serialize, Serializer};
use std::collections::BTreeSet;
use std::fmt;

/// A trigger or rule is named within its table (or view): the key a schema holds it by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OnTable {
    pub table: QName,
    pub name: String,
}

impl OnTable {
    pub fn new(table: QName, name: impl Into<String>) -> Self {
        OnTable {
            table,
            name: name.into(),
        }
    }
}

/// `name ON table`, as `COMMENT ON TRIGGER` names it.
impl fmt::Display for OnTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} on {}", self.name, self.table)
    }
}

/// Written as text so it can key a JSON object.
impl Serialize for OnTable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// When a trigger or rule fires (`pg_trigger.tgenabled`, `pg_rewrite.ev_enabled`), set by
/// `ALTER TABLE … ENABLE [REPLICA | ALWAYS] | DISABLE TRIGGER | RULE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Firing {
    /// `O`: in the origin and local session replication roles (the default).
    #[default]
    Origin,
    /// `D`: never.
    Disabled,
    /// `R`: only when the session replication role is `replica`.
    Replica,
    /// `A`: always.
    Always,
}

impl Firing {
    /// From the catalog's one-letter code.
    pub fn from_code(c: &str) -> Option<Firing> {
        match c {
            "O" => Some(Firing::Origin),
            "D" => Some(Firing::Disabled),
            "R" => Some(Firing::Replica),
            "A" => Some(Firing::Always),
            _ => None,
        }
    }

    /// The `ALTER TABLE` action's words before `TRIGGER`/`RULE`.
    pub fn words(self) -> &'static str {
        match self {
            Firing::Origin => "ENABLE",
            Firing::Disabled => "DISABLE",
            Firing::Replica => "ENABLE REPLICA",
            Firing::Always => "ENABLE ALWAYS",
        }
    }
}

/// A trigger (`CREATE [CONSTRAINT] TRIGGER`), in the canonical form a file's statement and
/// `pg_get_triggerdef` share.
#[derive(Debug, Clone, Serialize)]
pub struct Trigger {
    /// The table or view it is on.
    pub table: QName,
    pub name: String,
    /// `CREATE CONSTRAINT TRIGGER`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub constraint: bool,
    /// `before`, `after` or `instead of`.
    pub timing: String,
    /// `insert`, `delete`, `update`, `truncate`, in that order (as PostgreSQL prints them).
    pub events: Vec<String>,
    /// `UPDATE OF` columns, sorted (their order changes nothing).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// `FOR EACH ROW` (else `FOR EACH STATEMENT`).
    pub for_each_row: bool,
    /// `REFERENCING OLD TABLE AS a NEW TABLE AS b`: (`old`|`new`, name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub referencing: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Expr>,
    /// A constraint trigger's `FROM` table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<QName>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    pub function: QName,
    /// The arguments, as the strings PostgreSQL passes (`1` and `'1'` are one argument).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    pub firing: Firing,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The statement that creates it: the file's own text, or `pg_get_triggerdef`.
    #[serde(skip)]
    pub sql: String,
}

/// Everything but how the statement was spelled.
impl PartialEq for Trigger {
    fn eq(&self, o: &Self) -> bool {
        self.same_definition(o) && self.firing == o.firing && self.comment == o.comment
    }
}

impl Trigger {
    pub fn key(&self) -> OnTable {
        OnTable::new(self.table.clone(), self.name.clone())
    }

    /// Everything `CREATE TRIGGER` says (its firing state and comment left out).
    pub fn same_definition(&self, o: &Self) -> bool {
        self.table == o.table
            && self.name == o.name
            && self.constraint == o.constraint
            && self.timing == o.timing
            && self.events == o.events
            && self.columns == o.columns
            && self.for_each_row == o.for_each_row
            && self.referencing == o.referencing
            && self.when == o.when
            && self.from == o.from
            && self.deferrable == o.deferrable
            && self.initially_deferred == o.initially_deferred
            && self.function == o.function
            && self.args == o.args
    }

    /// The functions it needs: the one it executes, and those its `WHEN` calls.
    pub fn calls(&self) -> BTreeSet<QName> {
        let mut out: BTreeSet<QName> = self.when.iter().flat_map(Expr::calls).collect();
        out.insert(self.function.clone());
        out
    }

    /// True when it names columns of its table (`UPDATE OF`, `WHEN`): PostgreSQL refuses
    /// to change such a column's type while the trigger exists.
    pub fn reads_columns(&self) -> bool {
        !self.columns.is_empty() || self.when.is_some()
    }
}

/// A rule (`CREATE RULE`) other than a view's own `_RETURN`.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// The table or view it is on.
    pub table: QName,
    pub name: String,
    /// `ON event WHERE … DO [ALSO|INSTEAD] actions`, canonical.
    pub definition: String,
    pub firing: Firing,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Relations its condition and actions read or write: created before it, and its
    /// re-creation follows theirs.
    #[serde(skip)]
    pub depends_on: BTreeSet<QName>,
    /// Functions its condition and actions call.
    #[serde(skip)]
    pub calls: Calls,
    /// The statement that creates it: the file's own text, or `pg_get_ruledef`.
    #[serde(skip)]
    pub sql: String,
}

/// Everything but how the statement was spelled.
impl PartialEq for Rule {
    fn eq(&self, o: &Self) -> bool {
        self.same_definition(o) && self.firing == o.firing && self.comment == o.comment
    }
}

impl Rule {
    pub fn key(&self) -> OnTable {
        OnTable::new(self.table.clone(), self.name.clone())
    }

    pub fn same_definition(&self, o: &Self) -> bool {
        self.table == o.table && self.name == o.name && self.definition == o.definition
    }
}
