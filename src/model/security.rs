//! PostgreSQL access control: row-level security and policies (always managed), and the
//! opt-in parts (privileges, default privileges, owners), which only a schema read under
//! an [`Access`] that manages them carries.

use super::{DataType, Expr, QName};
use serde::{Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// What of a database's access control sqlshift manages (from `sqlshift.yaml`). Off by
/// default: GRANT/REVOKE and OWNER TO are then left alone on both sides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// The roles whose privileges are compared and changed (`public` for PUBLIC), or
    /// `None` when privileges are not managed.
    pub privilege_roles: Option<BTreeSet<String>>,
    /// Owners of tables, views, sequences, functions, types and schemas are managed.
    pub owners: bool,
}

impl Access {
    pub fn manages_role(&self, role: &str) -> bool {
        self.privilege_roles
            .as_ref()
            .is_some_and(|r| r.contains(role))
    }
}

/// Everything about who may do what; part of [`super::Schema`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct Security {
    /// Tables with row-level security on or forced (a table with neither is absent).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub row_security: BTreeMap<QName, RowSecurity>,
    /// Policies by [`Policy::key`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub policies: BTreeMap<String, Policy>,
    /// Privileges of the managed roles on each object, by [`Securable::key`]. An object
    /// whose managed roles hold nothing is absent.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub privileges: BTreeMap<String, ObjectPrivileges>,
    /// `ALTER DEFAULT PRIVILEGES` entries by [`DefaultPrivileges::key`]: what the managed
    /// roles get on objects created later (global entries as they differ from the built-in
    /// defaults).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub default_privileges: BTreeMap<String, DefaultPrivileges>,
    /// Owners by [`Securable::key`] (when owners are managed).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<String, Owned>,
    /// The roles whose privileges this side holds ([`Security::scope`]): how a diff
    /// knows which grantees of a new object's built-in share to compare.
    #[serde(skip)]
    pub scoped: Option<BTreeSet<String>>,
}

/// How the schema was scoped is no part of it.
impl PartialEq for Security {
    fn eq(&self, o: &Self) -> bool {
        self.row_security == o.row_security
            && self.policies == o.policies
            && self.privileges == o.privileges
            && self.default_privileges == o.default_privileges
            && self.owners == o.owners
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RowSecurity {
    /// `ENABLE ROW LEVEL SECURITY` (`relrowsecurity`).
    pub enabled: bool,
    /// `FORCE ROW LEVEL SECURITY` (`relforcerowsecurity`): the owner is subject too.
    pub forced: bool,
}

/// A row-level security policy, as `pg_policy` keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Policy {
    pub table: QName,
    pub name: String,
    /// `AS PERMISSIVE` (the default) or `AS RESTRICTIVE`.
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// Role names, sorted; `public` alone for PUBLIC (PostgreSQL keeps nothing else beside
    /// it). `current_user` stands for the role that creates the policy until the live
    /// side names it.
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Policy {
    pub fn key(&self) -> String {
        format!("{} {}", self.table, self.name)
    }

    /// What `ALTER POLICY` can change: roles and expressions, as long as neither
    /// expression is removed (there is no `ALTER POLICY … USING` to nothing).
    pub fn alterable_to(&self, to: &Policy) -> bool {
        self.permissive == to.permissive
            && self.command == to.command
            && (self.using.is_none() || to.using.is_some())
            && (self.check.is_none() || to.check.is_some())
    }
}

/// The pseudo-role a file names with `CURRENT_USER`, `CURRENT_ROLE` or `SESSION_USER`
/// (and the role `ALTER DEFAULT PRIVILEGES` without `FOR ROLE` is about).
pub const CURRENT_USER: &str = "current_user";
/// PUBLIC, as a grantee and in a policy's roles.
pub const PUBLIC: &str = "public";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecurableKind {
    Schema,
    /// Tables, views, materialized views (`GRANT … ON TABLE`).
    Table,
    Sequence,
    Function,
    Procedure,
    /// Enum, composite and range types and domains (`GRANT … ON TYPE`).
    Type,
    /// One column of a table or view (`GRANT SELECT (c) ON t`).
    Column,
}

impl SecurableKind {
    /// The word after `ON` in `GRANT` and after `ALTER` in `OWNER TO`.
    pub fn word(self) -> &'static str {
        match self {
            SecurableKind::Schema => "SCHEMA",
            SecurableKind::Table | SecurableKind::Column => "TABLE",
            SecurableKind::Sequence => "SEQUENCE",
            SecurableKind::Function => "FUNCTION",
            SecurableKind::Procedure => "PROCEDURE",
            SecurableKind::Type => "TYPE",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            SecurableKind::Schema => "schema",
            SecurableKind::Table => "table",
            SecurableKind::Sequence => "sequence",
            SecurableKind::Function => "function",
            SecurableKind::Procedure => "procedure",
            SecurableKind::Type => "type",
            SecurableKind::Column => "column",
        }
    }

    /// What PUBLIC holds on a new object of this kind before any GRANT or REVOKE.
    pub fn public_default(self) -> &'static [&'static str] {
        match self {
            SecurableKind::Function | SecurableKind::Procedure => &["EXECUTE"],
            SecurableKind::Type => &["USAGE"],
            _ => &[],
        }
    }
}

/// An object privileges and owners are about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Securable {
    pub kind: SecurableKind,
    /// The object (a schema's name is `name.name`, with an empty `schema`).
    pub name: QName,
    /// A function's or procedure's input argument types.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<DataType>,
    /// A column privilege's column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl Securable {
    pub fn new(kind: SecurableKind, name: QName) -> Self {
        Securable {
            kind,
            name,
            args: Vec::new(),
            column: None,
        }
    }

    pub fn key(&self) -> String {
        self.to_string()
    }

    /// A function, procedure or aggregate (`GRANT … ON FUNCTION` takes an aggregate too),
    /// by its input argument types.
    pub fn of_routine(r: &super::Routine) -> Self {
        let kind = match r.kind {
            super::RoutineKind::Procedure => SecurableKind::Procedure,
            _ => SecurableKind::Function,
        };
        let mut o = Securable::new(kind, r.name.clone());
        o.args = r
            .args
            .iter()
            .filter(|a| a.is_input() && a.mode != "order by")
            .map(|a| a.data_type.clone())
            .collect();
        o
    }

    /// The object a column belongs to (itself for any other kind).
    pub fn relation(&self) -> Securable {
        match self.kind {
            SecurableKind::Column => Securable::new(SecurableKind::Table, self.name.clone()),
            _ => self.clone(),
        }
    }
}

impl fmt::Display for Securable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.noun(), self.name)?;
        if matches!(
            self.kind,
            SecurableKind::Function | SecurableKind::Procedure
        ) {
            let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
            write!(f, "({})", args.join(", "))?;
        }
        if let Some(c) = &self.column {
            write!(f, ".{c}")?;
        }
        Ok(())
    }
}

/// Privilege keyword (`SELECT`, `EXECUTE`, …) → granted WITH GRANT OPTION.
pub type Privs = BTreeMap<String, bool>;

/// Grantee (`public` for PUBLIC) → what it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants(pub BTreeMap<String, Privs>);

impl Serialize for Grants {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Grants {
    pub fn grant(&mut self, grantee: &str, privilege: &str, option: bool) {
        let held = self.0.entry(grantee.to_string()).or_default();
        let o = held.entry(privilege.to_string()).or_insert(false);
        *o |= option;
    }

    /// `REVOKE` (`option_only`: `REVOKE GRANT OPTION FOR`, which keeps the privilege).
    pub fn revoke(&mut self, grantee: &str, privilege: &str, option_only: bool) {
        if let Some(held) = self.0.get_mut(grantee) {
            if option_only {
                if let Some(o) = held.get_mut(privilege) {
                    *o = false;
                }
            } else {
                held.remove(privilege);
            }
            if held.is_empty() {
                self.0.remove(grantee);
            }
        }
    }

    /// Only the grantees `keep` says yes to.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.0.retain(|g, p| keep(g) && !p.is_empty());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectPrivileges {
    pub object: Securable,
    pub grants: Grants,
}

/// The kind of object an `ALTER DEFAULT PRIVILEGES` entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DefaultObjects {
    Tables,
    Sequences,
    Functions,
    Types,
    Schemas,
}

impl DefaultObjects {
    pub fn word(self) -> &'static str {
        match self {
            DefaultObjects::Tables => "TABLES",
            DefaultObjects::Sequences => "SEQUENCES",
            DefaultObjects::Functions => "FUNCTIONS",
            DefaultObjects::Types => "TYPES",
            DefaultObjects::Schemas => "SCHEMAS",
        }
    }

    /// The objects the entry applies to when they are created.
    pub fn covers(self, kind: SecurableKind) -> bool {
        matches!(
            (self, kind),
            (DefaultObjects::Tables, SecurableKind::Table)
                | (DefaultObjects::Sequences, SecurableKind::Sequence)
                | (
                    DefaultObjects::Functions,
                    SecurableKind::Function | SecurableKind::Procedure
                )
                | (DefaultObjects::Types, SecurableKind::Type)
                | (DefaultObjects::Schemas, SecurableKind::Schema)
        )
    }

    /// What PUBLIC holds when no global entry says otherwise.
    pub fn public_default(self) -> &'static [&'static str] {
        match self {
            DefaultObjects::Functions => &["EXECUTE"],
            DefaultObjects::Types => &["USAGE"],
            _ => &[],
        }
    }
}

/// One `pg_default_acl` entry: what objects `role` creates (in `schema`, or anywhere)
/// grant to the managed roles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DefaultPrivileges {
    /// The creating role (`FOR ROLE`); [`CURRENT_USER`] until the live side names it.
    pub role: String,
    /// `IN SCHEMA`; `None` for the global entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub objects: DefaultObjects,
    /// Global entries hold the built-in defaults too (PUBLIC's EXECUTE on functions), as
    /// PostgreSQL keeps them; per-schema entries only add.
    pub grants: Grants,
}

impl DefaultPrivileges {
    pub fn key(&self) -> String {
        format!(
            "{} {} {}",
            self.role,
            self.schema.as_deref().unwrap_or("*"),
            self.objects.word()
        )
    }

    /// The entry PostgreSQL behaves as when it has none.
    pub fn builtin(role: &str, schema: Option<&str>, objects: DefaultObjects) -> Self {
        let mut grants = Grants::default();
        if schema.is_none() {
            for p in objects.public_default() {
                grants.grant(PUBLIC, p, false);
            }
        }
        DefaultPrivileges {
            role: role.to_string(),
            schema: schema.map(str::to_string),
            objects,
            grants,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Owned {
    pub object: Securable,
    pub owner: String,
}

impl Security {
    pub fn is_empty(&self) -> bool {
        self == &Security::default()
    }

    /// Puts unqualified names into the default namespace and re-keys every map.
    pub fn resolve_names(&mut self, fix: &dyn Fn(&mut QName), fix_type: &dyn Fn(&mut DataType)) {
        let fix_obj = |o: &mut Securable| {
            if o.kind != SecurableKind::Schema {
                fix(&mut o.name);
            }
            for a in &mut o.args {
                fix_type(a);
            }
        };
        self.row_security = std::mem::take(&mut self.row_security)
            .into_iter()
            .map(|(mut q, r)| {
                fix(&mut q);
                (q, r)
            })
            .collect();
        self.policies = std::mem::take(&mut self.policies)
            .into_values()
            .map(|mut p| {
                fix(&mut p.table);
                (p.key(), p)
            })
            .collect();
        self.privileges = std::mem::take(&mut self.privileges)
            .into_values()
            .map(|mut p| {
                fix_obj(&mut p.object);
                (p.object.key(), p)
            })
            .collect();
        self.owners = std::mem::take(&mut self.owners)
            .into_values()
            .map(|mut o| {
                fix_obj(&mut o.object);
                (o.object.key(), o)
            })
            .collect();
    }

    /// Names the role a file means by `CURRENT_USER` (the one that applies it).
    pub fn name_current_user(&mut self, role: &str) {
        let name = |r: &mut String| {
            if r == CURRENT_USER {
                *r = role.to_string();
            }
        };
        for p in self.policies.values_mut() {
            p.roles.iter_mut().for_each(name);
            p.roles.sort();
            p.roles.dedup();
        }
        let rename = |g: &mut Grants| {
            if let Some(p) = g.0.remove(CURRENT_USER) {
                let held = g.0.entry(role.to_string()).or_default();
                for (k, o) in p {
                    *held.entry(k).or_insert(false) |= o;
                }
            }
        };
        for p in self.privileges.values_mut() {
            rename(&mut p.grants);
        }
        self.default_privileges = std::mem::take(&mut self.default_privileges)
            .into_values()
            .map(|mut d| {
                name(&mut d.role);
                rename(&mut d.grants);
                (d.key(), d)
            })
            .collect();
        for o in self.owners.values_mut() {
            name(&mut o.owner);
        }
        if let Some(roles) = self.scoped.clone() {
            self.retain_roles(&roles, Some(role));
        }
    }

    /// Keeps only what `access` manages: the privileges of its roles, owners if managed.
    pub fn scope(&mut self, access: &Access) {
        self.scoped = access.privilege_roles.clone();
        match &access.privilege_roles {
            None => {
                self.privileges.clear();
                self.default_privileges.clear();
            }
            Some(roles) => self.retain_roles(&roles.clone(), None),
        }
        if !access.owners {
            self.owners.clear();
        }
    }

    /// Only the privileges of `roles` (and of a still unnamed current user). An object's
    /// owner holds its privileges implicitly, so they are never compared: the owner is the
    /// one named, else `creator` (who creates what the files do not give an owner).
    fn retain_roles(&mut self, roles: &BTreeSet<String>, creator: Option<&str>) {
        let owners: BTreeMap<String, String> = self
            .owners
            .iter()
            .map(|(k, o)| (k.clone(), o.owner.clone()))
            .collect();
        for (k, p) in self.privileges.iter_mut() {
            let owner = owners
                .get(&p.object.relation().key())
                .or(owners.get(k))
                .map(String::as_str)
                .or(creator);
            p.grants.retain(|g| {
                (roles.contains(g) || g == CURRENT_USER) && owner.is_none_or(|o| o != g)
            });
        }
        self.privileges.retain(|_, p| !p.grants.is_empty());
        for d in self.default_privileges.values_mut() {
            let role = d.role.clone();
            d.grants
                .retain(|g| (roles.contains(g) || g == CURRENT_USER) && g != role);
        }
        // An entry that now says what the built-in defaults say is no entry.
        self.default_privileges.retain(|_, d| {
            let mut builtin = DefaultPrivileges::builtin(&d.role, d.schema.as_deref(), d.objects);
            builtin.grants.retain(|g| roles.contains(g));
            d.grants != builtin.grants
        });
    }
}
