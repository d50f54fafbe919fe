//! Ordering changes into steps and attaching hazards.
//!
//! Every change declares which objects it creates, drops, and needs (before or after the
//! change). Those become edges of a petgraph `DiGraph`; a topological sort with a stable
//! tie-break (phase, then object name) gives the order, so equal input gives equal output.
//! Foreign-key cycles are broken by moving the keys out of `CREATE TABLE` (or ahead of
//! `DROP TABLE`) into their own steps.

pub mod file;
mod hazard;
pub mod json;
pub mod lock;
mod names;
mod order;
mod owner;
mod security;

pub use hazard::{Hazard, HazardCode};
pub use lock::{Lock, LockMode, Work};
pub use owner::{owner, renamed_from, Owner};

use crate::dialect::{Dialect, RenderOptions};
use crate::diff::Change;
use crate::model::{QName, Schema};
use serde::Serialize;

/// One step of a plan: a change, the SQL that performs it, and what can go wrong.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub kind: &'static str,
    pub objects: Vec<String>,
    pub sql: Vec<String>,
    pub hazards: Vec<Hazard>,
    /// The locks the step takes on tables that exist before the plan runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<Lock>,
    /// False when the step must run outside a transaction (e.g. `CREATE INDEX CONCURRENTLY`).
    pub transactional: bool,
    /// Indexes (qualified, quoted) the step builds outside a transaction: a failed build
    /// leaves them INVALID, and the executor drops them again.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<String>,
    /// The changes this step performs: one, or several a dialect combined into one statement.
    #[serde(skip)]
    pub changes: Vec<Change>,
    /// The top-level object the step belongs to (`table public.users`): plans are shown
    /// grouped by it.
    #[serde(skip)]
    pub owner: Owner,
}

impl Step {
    pub fn is_destructive(&self) -> bool {
        self.hazards.iter().any(|h| h.code == HazardCode::DataLoss)
    }

    /// The lock of this step that weighs most on the application.
    pub fn longest_lock(&self) -> Option<&Lock> {
        Lock::longest(&self.locks)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub dialect: &'static str,
    pub steps: Vec<Step>,
    /// Things the user should know that are not steps (type mappings, unmanaged objects).
    pub warnings: Vec<String>,
}

impl Plan {
    /// The lock of the plan that weighs most on the application, with its step (from 1).
    pub fn longest_lock(&self) -> Option<(usize, &Lock)> {
        let mut best: Option<(usize, &Lock)> = None;
        for (i, s) in self.steps.iter().enumerate() {
            if let Some(l) = s.longest_lock() {
                if best.is_none_or(|(_, b)| l.weight() > b.weight()) {
                    best = Some((i + 1, l));
                }
            }
        }
        best
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    pub fn destructive_steps(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.is_destructive())
    }

    /// All SQL of the plan as one script.
    pub fn sql(&self) -> String {
        let mut out = String::new();
        for s in &self.steps {
            for stmt in &s.sql {
                out.push_str(stmt);
                out.push_str(";\n");
            }
        }
        out
    }
}

/// Diff two normalized schemas and plan the result for `dialect`.
/// Takes the objects a live side could not read out of both sides: a plan must neither
/// create them again nor change what it cannot see.
fn leave_unreadable<'a>(
    from: std::borrow::Cow<'a, Schema>,
    to: std::borrow::Cow<'a, Schema>,
    notes: &mut Vec<String>,
) -> (std::borrow::Cow<'a, Schema>, std::borrow::Cow<'a, Schema>) {
    if from.unreadable.is_empty() && to.unreadable.is_empty() {
        return (from, to);
    }
    let names: Vec<(QName, String)> = from
        .unreadable
        .iter()
        .chain(to.unreadable.iter())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (mut from, mut to) = (from.into_owned(), to.into_owned());
    for (name, why) in names {
        let mut found = false;
        // A schema file may name it unqualified: that is the default schema's.
        let same = |k: &QName| k.same_relation(&name);
        for side in [&mut from, &mut to] {
            let before = side.tables.len() + side.views.len();
            side.tables.retain(|k, _| !same(k));
            side.views.retain(|k, _| !same(k));
            found |= side.tables.len() + side.views.len() != before;
        }
        if found {
            notes.push(format!("{name} is left as it is in the database: {why}"));
        }
    }
    (std::borrow::Cow::Owned(from), std::borrow::Cow::Owned(to))
}

pub fn plan(from: &Schema, to: &Schema, dialect: &dyn Dialect, opts: &RenderOptions) -> Plan {
    // Whichever side came from a live database carries its defaults; the other side is
    // reconciled with them (the desired side usually, the `from` side of a down plan).
    let mut notes = Vec::new();
    let (from, to) = match (from.defaults.is_empty(), to.defaults.is_empty()) {
        (false, true) => {
            let mut t = to.clone();
            dialect.reconcile(from, &mut t, &mut notes);
            (std::borrow::Cow::Borrowed(from), std::borrow::Cow::Owned(t))
        }
        (true, false) => {
            let mut f = from.clone();
            dialect.reconcile(to, &mut f, &mut notes);
            (std::borrow::Cow::Owned(f), std::borrow::Cow::Borrowed(to))
        }
        _ => (
            std::borrow::Cow::Borrowed(from),
            std::borrow::Cow::Borrowed(to),
        ),
    };
    // Only a parsed schema carries the names sqlshift generated; the other side is live.
    let generated = |s: &Schema| s.tables.values().any(|t| !t.generated_names.is_empty());
    let (from, to) = match (generated(&from), generated(&to)) {
        (false, true) => {
            let renames = names::live_names(&from, &to);
            if renames.is_empty() {
                (from, to)
            } else {
                let mut t = to.into_owned();
                names::apply(&mut t, renames);
                (from, std::borrow::Cow::Owned(t))
            }
        }
        (true, false) => {
            let renames = names::live_names(&to, &from);
            if renames.is_empty() {
                (from, to)
            } else {
                let mut f = from.into_owned();
                names::apply(&mut f, renames);
                (std::borrow::Cow::Owned(f), to)
            }
        }
        _ => (from, to),
    };
    let (from, to) = leave_unreadable(from, to, &mut notes);
    let changes = crate::diff::diff(&from, &to);
    let changes = dialect.lower(changes, &from, &to);
    let opts = &with_plain_tables(opts, &from, &to, &changes);
    let changes = dialect.online(changes, &from, opts);
    let mut plan = plan_changes(changes, dialect, opts);
    if !from.views.is_empty() || !to.views.is_empty() {
        owner::of_views(&mut plan.steps, &from, &to);
    }
    notes.append(&mut plan.warnings);
    plan.warnings = notes;
    plan
}

/// `opts` with the tables whose indexes and keys take the plain form (see
/// [`RenderOptions::plain_on`]): partitioned on either side, or created by `changes`.
fn with_plain_tables(
    opts: &RenderOptions,
    from: &Schema,
    to: &Schema,
    changes: &[Change],
) -> RenderOptions {
    let partitioned = |s: &Schema| {
        s.tables
            .values()
            .filter(|t| t.partition_by.is_some())
            .map(|t| t.name.clone())
            .collect::<Vec<_>>()
    };
    let created = changes.iter().filter_map(|c| match c {
        Change::CreateTable(t) => Some(t.name.clone()),
        Change::CreateView(v) if !from.views.contains_key(&v.name) => Some(v.name.clone()),
        _ => None,
    });
    let mut opts = opts.clone();
    opts.plain_on.extend(partitioned(from));
    opts.plain_on.extend(partitioned(to));
    opts.created.extend(created);
    opts.plain_on.extend(opts.created.iter().cloned());
    opts
}

/// Order given changes and render them.
pub fn plan_changes(changes: Vec<Change>, dialect: &dyn Dialect, opts: &RenderOptions) -> Plan {
    let caps = dialect.caps();
    let ordered = order::order(changes, caps.fk_needs_target, caps.group_by_table);
    let steps = ordered
        .into_iter()
        .map(|change| {
            let mut hazards = hazard::generic(&change, &opts.created);
            // A table the plan creates is empty and unseen: what is added to it risks nothing.
            let on_created = !matches!(change, Change::CreateTable(_))
                && change.table().is_some_and(|t| opts.created.contains(t));
            for h in dialect
                .hazards(&change, opts)
                .into_iter()
                .filter(|_| !on_created)
            {
                if !hazards.iter().any(|x| x.code == h.code) {
                    hazards.push(h);
                }
            }
            let locks = dialect.locks(&change, opts);
            // A hazard happens under the step's lock: the reader of one sees the other.
            if let Some(l) = Lock::longest(&locks) {
                for h in &mut hazards {
                    h.lock = Some(l.clone());
                }
            }
            Step {
                locks,
                owner: owner::owner(&change),
                kind: change.kind(),
                objects: change.objects(),
                sql: dialect.render(&change, opts),
                hazards,
                transactional: dialect.transactional(&change, opts),
                builds: dialect.concurrent_builds(&change, opts),
                changes: vec![change],
            }
        })
        .collect();
    let mut steps = dialect.combine(steps);
    hazard::trigger_recreations(&mut steps, caps.transactional_ddl);
    let mut warnings = Vec::new();
    if !caps.transactional_ddl && !steps.is_empty() {
        warnings.push(format!(
            "{}: DDL is not transactional: each statement commits on its own, and a failure leaves the statements before it applied (the error lists them)",
            dialect.name()
        ));
    }
    Plan {
        dialect: dialect.name(),
        steps,
        warnings,
    }
}

/// A whole schema as the SQL that creates it from nothing, one object per block: what
/// `inspect` prints, and what the parser reads back.
pub fn schema_sql(schema: &Schema, dialect: &dyn Dialect) -> String {
    let opts = RenderOptions {
        inspect: true,
        ..RenderOptions::default()
    };
    let plan = plan(&Schema::default(), schema, dialect, &opts);
    let mut out = String::new();
    for s in &plan.steps {
        for stmt in &s.sql {
            out.push_str(stmt);
            out.push_str(";\n");
        }
        out.push('\n');
    }
    out
}

/// A whole schema as canonical DDL, one block per top-level object (a table with its
/// indexes, foreign keys and comments; a view; a type; …), keyed and so sorted by object.
/// Deterministic: the same schema gives the same text. Drift reports diff these blocks.
pub fn object_sql(
    schema: &Schema,
    dialect: &dyn Dialect,
) -> std::collections::BTreeMap<Owner, String> {
    let opts = RenderOptions {
        inspect: true,
        ..RenderOptions::default()
    };
    let plan = plan(&Schema::default(), schema, dialect, &opts);
    let mut out: std::collections::BTreeMap<Owner, String> = Default::default();
    for s in &plan.steps {
        let block = out.entry(s.owner.clone()).or_default();
        for stmt in &s.sql {
            block.push_str(stmt);
            block.push_str(";\n");
        }
    }
    out
}

/// SHA-256 of a schema's canonical serialization (the model as JSON: sorted maps, sorted
/// members), written `sha256:<hex>`. Objects sqlshift does not manage are left out, so
/// only what plans compare can change it.
pub fn fingerprint(schema: &Schema) -> String {
    use sha2::{Digest, Sha256};
    let mut s = schema.clone();
    s.unmanaged.clear();
    for t in s.tables.values_mut() {
        t.sort_members();
    }
    // The model is plain data with string map keys (QName serializes as a string), which
    // serde_json always writes.
    let text = serde_json::to_string(&s).unwrap_or_default();
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
