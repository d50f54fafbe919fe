//! `generate`: from the schema edit to verified up/down migration files, per dialect.
//!
//! For each target dialect: replay the existing migrations on an empty scratch database,
//! diff `schema/` against that state, render the up plan and its reverse (the plan from
//! the desired schema back to the replayed one, with rename hints inverted), then verify
//! on the scratch database — up converges on `schema/`, down gives the replayed state
//! back, up applies again — before anything is written. Files of every dialect are
//! written only when every dialect verified.

use super::files::{self, Direction, Migration};
use super::migrator::Options;
use super::replay::{self, Scratch};
use super::MigrateError;
use crate::dialect::{self, Dialect, RenderOptions};
use crate::model::Schema;
use crate::plan::{self, HazardCode, Plan};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Everything `generate` needs, resolved from flags and config.
pub struct Request<'a> {
    pub name: &'a str,
    pub schema_paths: &'a [PathBuf],
    /// The migrations root (`migrations/`).
    pub root: &'a Path,
    /// The dialects the project targets (decides the folder layout).
    pub targets: &'a [String],
    /// The dialects to generate for now (a subset of `targets`).
    pub dialects: Vec<&'static dyn Dialect>,
    /// Dev server URLs per dialect, where scratch databases are created.
    pub dev_urls: &'a BTreeMap<String, String>,
    pub render: RenderOptions,
    /// PostgreSQL privileges and owners the configuration manages.
    pub access: crate::model::Access,
    pub migrator: Options,
    pub now: SystemTime,
}

/// What happened for one dialect.
#[derive(Debug, Clone)]
pub enum Outcome {
    NoChanges {
        dialect: &'static str,
        dir: PathBuf,
    },
    Written {
        dialect: &'static str,
        up: PathBuf,
        down: PathBuf,
        steps: usize,
        destructive: usize,
        /// Data the down migration cannot bring back.
        irreversible: Vec<String>,
        /// Type mappings that lose meaning, as listed in the header.
        notes: Vec<String>,
    },
}

/// A rendered migration pair, not written yet.
struct Rendered {
    dir: PathBuf,
    up_name: String,
    up: String,
    down_name: String,
    down: String,
    steps: usize,
    destructive: usize,
    irreversible: Vec<String>,
    notes: Vec<String>,
}

pub async fn generate(req: &Request<'_>) -> Result<Vec<Outcome>, MigrateError> {
    files::check_name(req.name)?;
    // Every folder is checked against its sum before anything else happens.
    let mut dirs = Vec::new();
    for d in &req.dialects {
        let path = files::dialect_dir(req.root, d.name(), req.targets);
        dirs.push(files::load(&path)?);
    }
    let newest = dirs.iter().filter_map(|d| d.newest()).max();
    let version = files::next_version(req.now, newest);
    let sources = crate::parse::read_sources(req.schema_paths)?;
    // A file for one dialect is read by its rules; one shared by several, by none's.
    let target = match req.dialects.as_slice() {
        [only] => crate::parse::Target::of(only.name()),
        _ => crate::parse::Target::Any,
    };
    let (raw, _) = crate::parse::parse_schema_access(&sources, true, target, &req.access)?;
    for d in &req.dialects {
        crate::dialect::check_name_lengths(&raw, *d, &sources)?;
    }

    let mut rendered: Vec<(&'static str, PathBuf, Option<Rendered>)> = Vec::new();
    for (d, dir) in req.dialects.iter().zip(&dirs) {
        let dev_url = req.dev_urls.get(d.name()).map(String::as_str);
        let mut scratch = Scratch::create(*d, dev_url).await?;
        scratch.set_access(&req.access);
        let result = for_dialect(&mut scratch, dir, &raw, version, req).await;
        scratch.destroy().await;
        rendered.push((d.name(), dir.path.clone(), result?));
    }

    let mut out = Vec::new();
    for (dialect, dir, r) in rendered {
        match r {
            None => out.push(Outcome::NoChanges { dialect, dir }),
            Some(r) => {
                files::write_files(
                    &r.dir,
                    &[
                        (r.up_name.clone(), r.up.clone()),
                        (r.down_name.clone(), r.down.clone()),
                    ],
                )?;
                out.push(Outcome::Written {
                    dialect,
                    up: r.dir.join(&r.up_name),
                    down: r.dir.join(&r.down_name),
                    steps: r.steps,
                    destructive: r.destructive,
                    irreversible: r.irreversible,
                    notes: r.notes,
                });
            }
        }
    }
    Ok(out)
}

async fn for_dialect(
    scratch: &mut Scratch,
    dir: &files::Directory,
    raw: &Schema,
    version: i64,
    req: &Request<'_>,
) -> Result<Option<Rendered>, MigrateError> {
    let d = scratch.dialect();
    let opts = &req.migrator;
    let replayed = replay::replay(scratch, dir, opts).await?;
    let mut all_notes = Vec::new();
    let desired = dialect::prepare(raw.clone(), d, &mut all_notes);
    let up = plan::plan(&replayed, &desired, d, &req.render);
    if up.is_empty() {
        return Ok(None);
    }
    let down = reverse_plan(&replayed, &desired, d, &req.render);
    let notes = if dir.migrations.is_empty() {
        all_notes
    } else {
        mapping_notes(raw, &up, d)
    };
    let irreversible: Vec<String> = up
        .steps
        .iter()
        .flat_map(|s| s.hazards.iter())
        .filter(|h| h.code == HazardCode::DataLoss)
        .map(|h| h.message.clone())
        .collect();
    // What the up migration loses data in: its objects, and the tables they belong to.
    let lost_objects: BTreeSet<String> = up
        .destructive_steps()
        .flat_map(|s| {
            s.objects.iter().cloned().chain(
                s.changes
                    .iter()
                    .filter_map(|c| c.table())
                    .map(|t| format!("table {t}")),
            )
        })
        .collect();
    let up_name = files::file_name(version, req.name, Direction::Up);
    let down_name = files::file_name(version, req.name, Direction::Down);
    let header = Header {
        name: req.name,
        version,
        dialect: d.name(),
        notes: &notes,
        irreversible: &irreversible,
    };
    let history: Vec<crate::lint::LintFile> = dir
        .migrations
        .iter()
        .map(|m| crate::lint::LintFile {
            name: m.up_file.clone(),
            text: m.up_sql.clone(),
        })
        .collect();
    let up_text = crate::lint::accept(
        &history,
        Some(d.name()),
        &render_file(&header, Direction::Up, &up, &down_name, &BTreeSet::new()),
    );
    let down_text = render_file(&header, Direction::Down, &down, &up_name, &lost_objects);

    let migration = Migration::from_texts(
        version,
        req.name,
        dir.path.join(&up_name).display().to_string(),
        up_text.as_bytes(),
        Some(down_text.as_bytes()),
    )?;
    verify(scratch, dir, migration, &replayed, &desired, req).await?;
    Ok(Some(Rendered {
        dir: dir.path.clone(),
        up_name,
        up: up_text,
        down_name,
        down: down_text,
        steps: up.steps.len(),
        destructive: up.destructive_steps().count(),
        irreversible,
        notes,
    }))
}

/// The plan from the desired schema back to the replayed one. The desired side's
/// `renamed-from` hints are turned around and put on the replayed side, so a rename is
/// reverted as a rename, not as a drop and an add.
pub fn reverse_plan(
    replayed: &Schema,
    desired: &Schema,
    d: &dyn Dialect,
    render: &RenderOptions,
) -> Plan {
    let mut back_to = replayed.clone();
    let mut from = desired.clone();
    for change in crate::diff::diff(replayed, desired) {
        match change {
            crate::diff::Change::RenameTable {
                from: old,
                to,
                sequences,
            } => {
                if let Some(t) = back_to.tables.get_mut(&old) {
                    t.renamed_from = Some(to.name.clone());
                }
                // The up migration renames the table's sequences (PostgreSQL): the way
                // back starts from their new names, and renames them back.
                if let (Some(r), Some(t)) = (replayed.tables.get(&old), from.tables.get_mut(&to)) {
                    for c in &mut t.columns {
                        let was = c.renamed_from.as_deref().unwrap_or(&c.name);
                        let Some(mut seq) = r.column(was).and_then(|rc| rc.sequence.clone()) else {
                            continue;
                        };
                        if let Some((_, new)) = sequences.iter().find(|(s, _)| *s == seq) {
                            seq.name = new.clone();
                        }
                        c.sequence = Some(seq);
                    }
                }
            }
            crate::diff::Change::RenameColumn {
                table,
                from: was,
                to,
                sequences,
            } => {
                // `table` is the new name; the replayed table may still have the old one.
                let old_table = desired
                    .tables
                    .get(&table)
                    .and_then(|t| t.renamed_from.clone())
                    .map(|old| crate::model::QName::new(table.schema.clone(), old))
                    .filter(|q| back_to.tables.contains_key(q))
                    .unwrap_or(table.clone());
                // As for a table: the way back starts from the sequence's new name.
                if let Some((seq, new)) = sequences.first() {
                    if let Some(c) = from.tables.get_mut(&table).and_then(|t| t.column_mut(&to)) {
                        c.sequence =
                            Some(crate::model::QName::new(seq.schema.clone(), new.clone()));
                    }
                }
                if let Some(c) = back_to
                    .tables
                    .get_mut(&old_table)
                    .and_then(|t| t.column_mut(&was))
                {
                    c.renamed_from = Some(to);
                }
            }
            _ => {}
        }
    }
    for (name, t) in from.tables.iter_mut() {
        // What the up migration leaves in the database besides the schema (SQLite triggers,
        // which a rebuild re-creates as stored): the replayed table's, when the up
        // migration renames neither the table nor its columns (a rename rewrites them).
        if t.renamed_from.is_none() && t.columns.iter().all(|c| c.renamed_from.is_none()) {
            if let Some(r) = replayed.tables.get(name) {
                t.attached = r.attached.clone();
            }
        }
        t.renamed_from = None;
        for c in &mut t.columns {
            c.renamed_from = None;
        }
    }
    plan::plan(&from, &back_to, d, render)
}

/// Type-mapping notes for the objects this migration touches (the first migration of a
/// folder lists them all).
fn mapping_notes(raw: &Schema, up: &Plan, d: &dyn Dialect) -> Vec<String> {
    let mut touched: BTreeSet<String> = BTreeSet::new();
    for c in up.steps.iter().flat_map(|s| &s.changes) {
        if let Some(t) = c.table() {
            touched.insert(t.name.clone());
        }
        if let crate::diff::Change::CreateView(v) | crate::diff::Change::DropView(v) = c {
            touched.insert(v.name.name.clone());
        }
    }
    let mut sub = raw.clone();
    sub.tables.retain(|k, _| touched.contains(&k.name));
    sub.views.retain(|k, _| touched.contains(&k.name));
    sub.schemas.clear();
    sub.extensions.clear();
    sub.sequences.clear();
    let mut notes = Vec::new();
    dialect::prepare(sub, d, &mut notes);
    notes
}

struct Header<'a> {
    name: &'a str,
    version: i64,
    dialect: &'a str,
    notes: &'a [String],
    irreversible: &'a [String],
}

/// One migration file: directive (if needed), header comment, then each step with its
/// number, objects and SQL. `lost` names objects whose data the up migration dropped
/// (flagged where the down migration re-creates them).
fn render_file(
    h: &Header<'_>,
    direction: Direction,
    plan: &Plan,
    other_file: &str,
    lost: &BTreeSet<String>,
) -> String {
    let mut out = String::new();
    let outside: Vec<String> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.transactional)
        .map(|(i, s)| format!("step {} ({})", i + 1, s.objects.join(", ")))
        .collect();
    if !outside.is_empty() {
        out.push_str(super::script::NO_TRANSACTION);
        out.push('\n');
    }
    let (dir_word, relation) = match direction {
        Direction::Up => ("up", "reverted by"),
        Direction::Down => ("down", "reverts"),
    };
    out.push_str(&format!(
        "-- sqlshift migration\n--   name:      {}\n--   version:   {}\n--   dialect:   {}\n--   direction: {dir_word} ({relation} {other_file})\n--   steps:     {}\n",
        h.name,
        h.version,
        h.dialect,
        plan.steps.len()
    ));
    let hazards: Vec<String> = plan
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.hazards
                .iter()
                .map(move |hz| format!("step {}: {}: {}", i + 1, hz.code.as_str(), hz.message))
        })
        .collect();
    push_list(&mut out, "hazards", &hazards);
    push_list(&mut out, "type mappings that lose meaning", h.notes);
    for msg in h.irreversible {
        match direction {
            Direction::Up => out.push_str(&format!(
                "-- WARNING: not reversible: {msg}; the down migration cannot bring them back\n"
            )),
            Direction::Down => out.push_str(&format!(
                "-- WARNING: not a faithful reverse: the up migration {msg}; this file re-creates the structure only\n"
            )),
        }
    }
    if !outside.is_empty() {
        out.push_str(&format!(
            "-- Runs outside a transaction, because {} cannot run inside one: if a statement fails, the statements before it stay applied.\n",
            outside.join(", ")
        ));
    }
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&format!(
            "\n-- {}. {} ({})\n",
            i + 1,
            s.objects.join(", "),
            s.kind.replace('_', " ")
        ));
        for hz in s
            .hazards
            .iter()
            .filter(|hz| hz.code == HazardCode::DataLoss)
        {
            out.push_str(&format!("-- WARNING: data-loss: {}\n", hz.message));
        }
        let touches_lost = s.objects.iter().any(|o| lost.contains(o))
            || s.changes
                .iter()
                .filter_map(|c| c.table())
                .any(|t| lost.contains(&format!("table {t}")));
        if direction == Direction::Down && touches_lost && !s.is_destructive() {
            out.push_str(
                "-- WARNING: re-creates what the up migration dropped, without the data it held\n",
            );
        }
        for stmt in &s.sql {
            out.push_str(stmt);
            out.push_str(";\n");
        }
    }
    out
}

fn push_list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        out.push_str(&format!("--   {title}: none\n"));
        return;
    }
    out.push_str(&format!("--   {title}:\n"));
    for i in items {
        out.push_str(&format!("--     {i}\n"));
    }
}

/// Up converges on the desired schema, down gives the replayed state back, up again.
async fn verify(
    scratch: &mut Scratch,
    dir: &files::Directory,
    migration: Migration,
    replayed: &Schema,
    desired: &Schema,
    req: &Request<'_>,
) -> Result<(), MigrateError> {
    let d = scratch.dialect();
    let opts = &req.migrator;
    let fail = |stage: &str, detail: String| MigrateError::Verify {
        dialect: d.name(),
        stage: stage.to_string(),
        detail,
    };
    // The statement that failed, without the advice meant for `migrate up`.
    let reason = |e: MigrateError| match e {
        MigrateError::Failed { detail, .. } => detail,
        other => other.to_string(),
    };
    let mut with_new = dir.clone();
    with_new.migrations.push(migration);
    for round in [
        "applying the up migration",
        "applying the up migration again after the down migration",
    ] {
        scratch
            .up(&with_new, opts)
            .await
            .map_err(|e| fail(round, reason(e)))?;
        let live = scratch.schema(&opts.table).await?;
        let rest = plan::plan(&live, desired, d, &req.render);
        if !rest.is_empty() {
            return Err(fail(
                round,
                format!(
                    "the schema does not converge on schema/ (convergence): planning again still gives\n{}",
                    rest.sql()
                ),
            ));
        }
        if round.ends_with("again after the down migration") {
            break;
        }
        scratch
            .down(1, opts)
            .await
            .map_err(|e| fail("applying the down migration", reason(e)))?;
        let back = scratch.schema(&opts.table).await?;
        let diff = crate::diff::diff(replayed, &back);
        if !diff.is_empty() {
            let rest = plan::plan(&back, replayed, d, &req.render);
            return Err(fail(
                "applying the down migration",
                format!(
                    "the schema is not the one before the up migration (round trip): it would take\n{}",
                    rest.sql()
                ),
            ));
        }
    }
    Ok(())
}
