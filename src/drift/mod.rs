//! Drift: how a live database differs from the state the repository expects (the schema
//! files, or what the migration files produce), as data a report can print.
//!
//! Pure: both schemas are given (the tracking table already hidden); [`compare`] applies
//! nothing. Objects are top-level ([`Owner`]: a table with its columns, keys, indexes and
//! comments; a view; a type; …). An object is `added` when only the database has it,
//! `removed` when only the expected state has it, `changed` when both have it and they
//! differ. Each object carries what differs, its canonical DDL on both sides, and the
//! repair is the ordinary plan from the database to the expected state.

pub mod ignore;
pub mod migrations;

pub use ignore::Ignore;

use crate::dialect::{Dialect, RenderOptions};
use crate::diff::Change;
use crate::model::{Column, Expr, Schema};
use crate::plan::{self, Owner, Plan};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where an object stands relative to the expected state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// In the database, not in the expected state (created by hand).
    Added,
    /// In the expected state, not in the database (dropped by hand, or never created).
    Removed,
    /// In both, different.
    Changed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        }
    }
}

/// One difference inside an object, said from the database's side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `extra` (only the database has it), `missing` (only the expected state has it) or
    /// `different`.
    pub what: &'static str,
    /// The member or object, e.g. `column public.users.nickname`.
    pub object: String,
    /// For `different`: what differs, database value first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A top-level object that drifted.
#[derive(Debug, Clone)]
pub struct Drifted {
    pub owner: Owner,
    pub status: Status,
    pub differences: Vec<Difference>,
    /// Canonical DDL of the object in the database (`None` when it has none).
    pub before: Option<String>,
    /// Canonical DDL of the object in the expected state (`None` when it has none).
    pub after: Option<String>,
}

/// The result of comparing a database with its expected state.
#[derive(Debug, Clone)]
pub struct Report {
    /// Drifted objects, sorted by kind and name.
    pub objects: Vec<Drifted>,
    /// The plan from the database to the expected state.
    pub repair: Plan,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.objects.is_empty()
    }

    /// `(added, removed, changed)` per object kind, sorted by kind.
    pub fn counts_by_kind(&self) -> BTreeMap<&'static str, [usize; 3]> {
        let mut m: BTreeMap<&'static str, [usize; 3]> = BTreeMap::new();
        for o in &self.objects {
            let e = m.entry(o.owner.kind).or_default();
            e[o.status as usize] += 1;
        }
        m
    }

    /// `(added, removed, changed)` over all kinds.
    pub fn counts(&self) -> [usize; 3] {
        let mut c = [0; 3];
        for o in &self.objects {
            c[o.status as usize] += 1;
        }
        c
    }

    /// A unified diff per drifted object of its canonical DDL, database first, each with
    /// its own header, in object order: the diff reads object by object.
    pub fn unified_diff(&self) -> String {
        let mut out = String::new();
        for o in &self.objects {
            let before = o.before.as_deref().unwrap_or("");
            let after = o.after.as_deref().unwrap_or("");
            let side = |present: bool, label: &str| {
                if present {
                    format!("{label}: {}", o.owner)
                } else {
                    format!("{label}: {} (absent)", o.owner)
                }
            };
            out.push_str(
                &similar::TextDiff::from_lines(before, after)
                    .unified_diff()
                    .context_radius(3)
                    .header(
                        &side(o.before.is_some(), "database"),
                        &side(o.after.is_some(), "expected"),
                    )
                    .to_string(),
            );
        }
        out
    }
}

/// Compares `live` with `expected` (both normalized for `dialect`, ignore rules applied).
pub fn compare(
    live: &Schema,
    expected: &Schema,
    dialect: &dyn Dialect,
    opts: &RenderOptions,
) -> Report {
    let repair = plan::plan(live, expected, dialect, opts);
    // The expected side as the plan sees it (with what only the live database knows),
    // and spelled like the database wherever the two are equal, so the DDL of an object
    // differs only where the object does.
    let mut want = expected.clone();
    if !live.defaults.is_empty() && want.defaults.is_empty() {
        let mut notes = Vec::new();
        dialect.reconcile(live, &mut want, &mut notes);
    }
    harmonize(live, &mut want);
    let changes = crate::diff::diff(live, &want);
    let before = plan::object_sql(live, dialect);
    let after = plan::object_sql(&want, dialect);

    let mut by_owner: BTreeMap<Owner, Vec<Difference>> = BTreeMap::new();
    for c in &changes {
        let d = describe(c);
        by_owner.entry(plan::owner(c)).or_default().push(d.clone());
        if let Some(from) = plan::renamed_from(c) {
            by_owner.entry(from).or_default().push(d);
        }
    }
    // A view that reads a changed table is dropped and re-created by the plan; that is
    // not drift of the view itself.
    let recreated_only = |owner: &Owner| {
        let mine: Vec<&Change> = changes
            .iter()
            .filter(|c| plan::owner(c) == *owner)
            .collect();
        matches!(
            mine.as_slice(),
            [Change::DropView(a), Change::CreateView(b)] | [Change::CreateView(b), Change::DropView(a)]
                if a == b
        )
    };
    let objects = by_owner
        .into_iter()
        .filter(|(owner, _)| !recreated_only(owner))
        .map(|(owner, differences)| {
            let b = before.get(&owner).cloned();
            let a = after.get(&owner).cloned();
            let status = match (&b, &a) {
                (Some(_), None) => Status::Added,
                (None, Some(_)) => Status::Removed,
                _ => Status::Changed,
            };
            Drifted {
                owner,
                status,
                differences,
                before: b,
                after: a,
            }
        })
        .collect();
    Report { objects, repair }
}

/// Gives `want` the live database's spelling of every expression the two compare equal.
fn harmonize(live: &Schema, want: &mut Schema) {
    fn same(from: &Option<Expr>, to: &mut Option<Expr>) {
        if let (Some(f), Some(t)) = (from, to.as_mut()) {
            if f == t {
                t.sql.clone_from(&f.sql);
            }
        }
    }
    fn column(from: &Column, to: &mut Column) {
        same(&from.default, &mut to.default);
        same(&from.on_update, &mut to.on_update);
        if let (Some(f), Some(t)) = (&from.generated, to.generated.as_mut()) {
            if f.expr == t.expr {
                t.expr.sql.clone_from(&f.expr.sql);
            }
        }
    }
    for (name, t) in want.tables.iter_mut() {
        let Some(l) = live.tables.get(name) else {
            continue;
        };
        for c in &mut t.columns {
            if let Some(lc) = l.column(&c.name) {
                column(lc, c);
            }
        }
        for ch in &mut t.checks {
            if let Some(lc) = l.checks.iter().find(|x| x.name == ch.name) {
                if lc.expr == ch.expr {
                    ch.expr.sql.clone_from(&lc.expr.sql);
                }
            }
        }
        for i in &mut t.indexes {
            if let Some(li) = l.indexes.iter().find(|x| x.name == i.name) {
                if li == i {
                    *i = li.clone();
                }
            }
        }
    }
    for (name, v) in want.views.iter_mut() {
        if let Some(lv) = live.views.get(name) {
            if lv.query == v.query {
                v.query.sql.clone_from(&lv.query.sql);
            }
        }
    }
}

fn first(c: &Change) -> String {
    c.objects().into_iter().next().unwrap_or_default()
}

fn show(e: &Option<Expr>, absent: &str) -> String {
    match e {
        Some(e) => e.sql.clone(),
        None => absent.to_string(),
    }
}

fn opt(s: &Option<String>, absent: &str) -> String {
    match s {
        Some(s) => format!("'{s}'"),
        None => absent.to_string(),
    }
}

/// What differs between two versions of a column, database first.
fn column_detail(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    let pair =
        |what: &str, a: String, b: String| format!("{what} {a} in the database, {b} expected");
    if from.data_type != to.data_type {
        parts.push(pair(
            "type",
            from.data_type.to_string(),
            to.data_type.to_string(),
        ));
    }
    if from.nullable != to.nullable {
        let n = |b: bool| if b { "NULL" } else { "NOT NULL" }.to_string();
        parts.push(format!(
            "{} in the database, {} expected",
            n(from.nullable),
            n(to.nullable)
        ));
    }
    if from.default != to.default {
        let d = |e: &Option<Expr>| match e {
            Some(e) => format!("default {}", e.sql),
            None => "no default".to_string(),
        };
        parts.push(format!(
            "{} in the database, {} expected",
            d(&from.default),
            d(&to.default)
        ));
    }
    if from.identity != to.identity
        || from.identity_options != to.identity_options
        || from.serial != to.serial
        || from.autoincrement != to.autoincrement
    {
        parts.push("identity/serial differs".to_string());
    }
    if from.generated != to.generated {
        parts.push(pair(
            "generated",
            show(&from.generated.as_ref().map(|g| g.expr.clone()), "none"),
            show(&to.generated.as_ref().map(|g| g.expr.clone()), "none"),
        ));
    }
    if from.comment != to.comment {
        parts.push(pair(
            "comment",
            opt(&from.comment, "none"),
            opt(&to.comment, "none"),
        ));
    }
    if from.charset != to.charset || from.collation != to.collation {
        parts.push(pair(
            "character set/collation",
            format!(
                "{}/{}",
                opt(&from.charset, "default"),
                opt(&from.collation, "default")
            ),
            format!(
                "{}/{}",
                opt(&to.charset, "default"),
                opt(&to.collation, "default")
            ),
        ));
    }
    if from.on_update != to.on_update {
        parts.push(pair(
            "on update",
            show(&from.on_update, "none"),
            show(&to.on_update, "none"),
        ));
    }
    if from.check != to.check {
        parts.push(pair(
            "column check",
            show(&from.check, "none"),
            show(&to.check, "none"),
        ));
    }
    if parts.is_empty() {
        "definition differs".to_string()
    } else {
        parts.join("; ")
    }
}

/// One change from the database to the expected state, said as drift.
pub fn describe(c: &Change) -> Difference {
    use Change::*;
    let missing = || Difference {
        what: "missing",
        object: first(c),
        detail: None,
    };
    let extra = || Difference {
        what: "extra",
        object: first(c),
        detail: None,
    };
    let different = |object: String, detail: String| Difference {
        what: "different",
        object,
        detail: Some(detail),
    };
    match c {
        CreateSchema(_)
        | CreateExtension(_)
        | CreateEnum(_)
        | CreateDomain(_)
        | CreateComposite(_)
        | CreateRange(_)
        | CreateSequence(_)
        | CreateTable(_)
        | AddColumn { .. }
        | AddPrimaryKey { .. }
        | AddUnique { .. }
        | AddCheck { .. }
        | AddForeignKey { .. }
        | AddExclusion { .. }
        | CreateIndex { .. }
        | CreateRoutine(_)
        | CreateProgram(_)
        | CreateTrigger(_)
        | CreateRule(_)
        | CreateView(_) => missing(),
        DropSchema(_)
        | DropExtension(_)
        | DropEnum(_)
        | DropDomain(_)
        | DropComposite(_)
        | DropRange(_)
        | DropSequence(_)
        | DropTable(_)
        | DropColumn { .. }
        | DropPrimaryKey { .. }
        | DropUnique { .. }
        | DropCheck { .. }
        | DropForeignKey { .. }
        | DropExclusion { .. }
        | DropIndex { .. }
        | DropRoutine(_)
        | DropProgram(_)
        | DropTrigger(_)
        | DropRule(_)
        | DropView(_) => extra(),
        ReplaceProgram { from, to } => {
            different(first(c), crate::diff::program_difference(from, to))
        }
        ReplaceRoutine { .. } | ReplaceTrigger { .. } | ReplaceRule { .. } => {
            different(first(c), "definition differs".to_string())
        }
        SetFiring { from, to, .. } => different(
            first(c),
            format!(
                "{} in the database, {} expected",
                from.words().to_lowercase(),
                to.words().to_lowercase()
            ),
        ),
        Security(crate::diff::SecurityChange::CreatePolicy { .. }) => missing(),
        Security(crate::diff::SecurityChange::DropPolicy(_)) => extra(),
        Security(s) => different(first(c), security_detail(s)),
        AddEnumValue { value, .. } => different(first(c), format!("value '{value}' is missing")),
        RebuildEnum { from, to, .. } => different(
            format!("type {}", to.name),
            format!(
                "values ({}) in the database, ({}) expected",
                from.values
                    .iter()
                    .map(|v| format!("'{v}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
                to.values
                    .iter()
                    .map(|v| format!("'{v}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        AlterDomain { from, to } => different(first(c), domain_detail(from, to)),
        RebuildDomain { from, to, .. } => different(
            format!("domain {}", to.name),
            format!(
                "over {} in the database, {} expected",
                domain_base(from),
                domain_base(to)
            ),
        ),
        AlterComposite { .. } => different(first(c), "attributes differ".to_string()),
        RebuildRange { .. } => different(first(c), "range definition differs".to_string()),
        AlterSequence { .. } => different(first(c), "options differ".to_string()),
        RenameTable { from, to, .. } => different(
            format!("table {to}"),
            format!("named {from} in the database, {to} expected"),
        ),
        RebuildTable { .. } | ReplaceIndex { .. } => {
            different(first(c), "definition differs".to_string())
        }
        AlterColumn { from, to, .. } => different(first(c), column_detail(from, to)),
        MoveColumn { from, to, .. } => {
            let mut d = "position differs".to_string();
            if !from.same_definition(to) {
                d = format!("{d}; {}", column_detail(from, to));
            }
            different(first(c), d)
        }
        SetTableOptions { .. } => different(first(c), "table options differ".to_string()),
        SetPartitionOf { from, to, .. } => {
            let place = |p: &Option<crate::model::PartitionOf>| match p {
                Some(p) => format!("a partition of {} {}", p.parent, p.bound),
                None => "not a partition".to_string(),
            };
            different(
                first(c),
                format!("{} in the database, {} expected", place(from), place(to)),
            )
        }
        SetInherits { add, remove, .. } => {
            let names = |v: &[crate::model::QName]| {
                v.iter()
                    .map(|q| q.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut d = Vec::new();
            if !add.is_empty() {
                d.push(format!("does not inherit from {}", names(add)));
            }
            if !remove.is_empty() {
                d.push(format!("inherits from {}, not expected", names(remove)));
            }
            different(first(c), d.join("; "))
        }
        Refuse { reason, .. } => different(first(c), reason.clone()),
        RenameColumn {
            table, from, to, ..
        }
        | RenameConstraint { table, from, to }
        | RenameIndex { table, from, to } => different(
            first(c),
            format!("named {table}.{from} in the database, {table}.{to} expected"),
        ),
        ValidateConstraint { table, name } => different(
            first(c),
            format!("{table}.{name} is NOT VALID in the database, validated expected"),
        ),
        SetLogged { unlogged, .. } => different(
            first(c),
            if *unlogged {
                "logged in the database, UNLOGGED expected".to_string()
            } else {
                "UNLOGGED in the database, logged expected".to_string()
            },
        ),
        SetViewOptions { from, to, .. } | SetStorage { from, to, .. } => {
            let list = |o: &[(String, String)]| {
                if o.is_empty() {
                    "none".to_string()
                } else {
                    o.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            };
            different(
                first(c),
                format!(
                    "options {} in the database, {} expected",
                    list(from),
                    list(to)
                ),
            )
        }
        SetComment { target, from, to } => different(
            target.object(),
            format!(
                "comment {} in the database, {} expected",
                opt(from, "none"),
                opt(to, "none")
            ),
        ),
    }
}

/// A domain's base type and collation, for messages.
fn domain_base(d: &crate::model::Domain) -> String {
    match &d.collation {
        Some(c) => format!("{} COLLATE {c}", d.data_type),
        None => d.data_type.to_string(),
    }
}

/// What differs between two definitions of one domain.
fn domain_detail(from: &crate::model::Domain, to: &crate::model::Domain) -> String {
    let mut parts = Vec::new();
    if from.default != to.default {
        parts.push(format!(
            "default {} in the database, {} expected",
            show(&from.default, "none"),
            show(&to.default, "none")
        ));
    }
    if from.not_null != to.not_null {
        parts.push(if to.not_null {
            "NOT NULL expected".to_string()
        } else {
            "NOT NULL in the database only".to_string()
        });
    }
    for c in &to.checks {
        match from.checks.iter().find(|o| o.name == c.name) {
            None => parts.push(format!("check {} is missing", c.name)),
            Some(o) if o != c => parts.push(format!("check {} differs", c.name)),
            Some(_) => {}
        }
    }
    for c in &from.checks {
        if !to.checks.iter().any(|n| n.name == c.name) {
            parts.push(format!("check {} is not expected", c.name));
        }
    }
    parts.join("; ")
}

/// How a drift report states an access-control difference.
fn security_detail(c: &crate::diff::SecurityChange) -> String {
    use crate::diff::SecurityChange as S;
    let list = |p: &crate::model::Privs| {
        if p.is_empty() {
            "nothing".to_string()
        } else {
            p.iter()
                .map(|(k, o)| {
                    if *o {
                        format!("{k} (with grant option)")
                    } else {
                        k.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    match c {
        S::CreatePolicy { .. } => "missing".to_string(),
        S::DropPolicy(_) => "extra".to_string(),
        S::AlterPolicy { .. } => "definition differs".to_string(),
        S::SetRowSecurity { from, to, .. } => format!(
            "row level security {} in the database, {} expected",
            row_security_words(from),
            row_security_words(to)
        ),
        S::SetPrivileges { from, to, .. } | S::SetDefaultPrivileges { from, to, .. } => {
            format!(
                "holds {} in the database, {} expected",
                list(from),
                list(to)
            )
        }
        S::SetOwner { from, to, .. } => format!(
            "owned by {} in the database, {to} expected",
            from.as_deref().unwrap_or("another role")
        ),
    }
}

fn row_security_words(r: &crate::model::RowSecurity) -> &'static str {
    match (r.enabled, r.forced) {
        (false, false) => "off",
        (true, false) => "on",
        (true, true) => "on and forced",
        (false, true) => "forced but off",
    }
}
