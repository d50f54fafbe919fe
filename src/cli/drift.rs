//! `sqlshift drift`: does the live database still match what the repository says? Compares
//! it with `schema/` or with the state the migration files produce (replayed on a scratch
//! database), and prints the difference as text, JSON or GitHub annotations.
//!
//! Exit status: 0 no drift, 1 drift found, 2 any error (connection, bad input, bad config).
//! The caller maps every failure of this command to 2.

use super::printer::{self, Style};
use super::settings::Settings;
use super::{plan, Against, DriftArgs, DriftFormat, Failure, Status};
use crate::drift::migrations::MigrationIssue;
use crate::drift::{self, Ignore, Report};
use crate::migrate::files;
use crate::migrate::migrator;
use crate::migrate::tracking::State;
use crate::model::Schema;
use serde::Serialize;
use std::fmt::Write as _;

/// Everything a drift report prints.
struct Outcome {
    database: String,
    dialect: &'static str,
    against: Against,
    expected: String,
    report: Report,
    migrations: Vec<MigrationIssue>,
    /// Type mappings and other notes about reading the schemas.
    warnings: Vec<String>,
    /// Objects in the database sqlshift does not manage (drift it cannot compare).
    unmanaged: Vec<String>,
}

impl Outcome {
    fn drifted(&self) -> bool {
        !self.report.is_clean() || !self.migrations.is_empty()
    }
}

pub async fn run(settings: &Settings, args: DriftArgs) -> Result<Status, Failure> {
    let resolved = settings.resolve(&args.target, false)?;
    let dialect = crate::dialect::dialect_for_url(&resolved.url)?;
    let rules = &settings.config.drift.ignore;
    let ignore = Ignore::new(
        rules.names.clone(),
        rules.schemas.clone(),
        rules.kinds.clone(),
    )
    .map_err(|e| Failure::error(format!("{}: {e}", settings.config_path)))?;

    // Expected-state input is checked before connecting: a bad schema file or a tampered
    // migrations folder is reported without touching the database.
    let mut warnings = Vec::new();
    let (files_schema, dir, expected_label) = match args.against {
        Against::Schema => {
            let paths = settings.schema_paths(&args.schema);
            let loaded = crate::source::load_files_access(&paths, dialect, &settings.access)?;
            warnings.extend(loaded.notes);
            let label = paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ");
            (Some(loaded.schema), None, label)
        }
        Against::Migrations => {
            let m = settings.migrations()?;
            if !m.targets.iter().any(|t| t == dialect.name()) {
                return Err(Failure::error(format!(
                    "{} is a {} database, but the project's migrations target {}",
                    crate::dialect::redact_url(&resolved.url),
                    dialect.name(),
                    m.targets.join(", ")
                )));
            }
            let path = files::dialect_dir(&m.root, dialect.name(), &m.targets);
            let dir = files::load(&path)?;
            let label = format!("the migrations in {}", path.display());
            (None, Some(dir), label)
        }
    };

    let mut conn = resolved.connect().await?;
    let mut live = plan::live_schema(settings, &mut conn).await?;
    let unmanaged = printer::unmanaged_warnings(&live);

    let mut issues = Vec::new();
    let mut expected = match (files_schema, &dir) {
        (Some(s), _) => s,
        (None, Some(dir)) => {
            let table = settings.tracking_table().to_string();
            let rows = migrator::applied(&mut conn, &table).await?;
            issues = drift::migrations::issues(dir, &rows);
            let dev_urls = settings.dev_urls();
            let dev_url = dev_urls.get(dialect.name()).map(String::as_str);
            drift::migrations::replayed(dialect, dir, &table, dev_url).await?
        }
        (None, None) => Schema::default(),
    };
    ignore.apply(&mut live);
    ignore.apply(&mut expected);
    let report = drift::compare(&live, &expected, dialect, &resolved.render);
    warnings.extend(report.repair.warnings.iter().cloned());
    let mut seen = std::collections::BTreeSet::new();
    warnings.retain(|w| seen.insert(w.clone()));
    let outcome = Outcome {
        database: conn.url().to_string(),
        dialect: dialect.name(),
        against: args.against,
        expected: expected_label,
        report,
        migrations: issues,
        warnings,
        unmanaged,
    };
    match args.format {
        DriftFormat::Text => {
            printer::warn_all(&outcome.warnings);
            printer::warn_all(&outcome.unmanaged);
            print!("{}", text(&outcome, Style::stdout()));
        }
        DriftFormat::Json => {
            printer::warn_all(&outcome.warnings);
            printer::warn_all(&outcome.unmanaged);
            let v = serde_json::to_string_pretty(&json(&outcome))
                .map_err(|e| Failure::error(format!("cannot write the report as JSON: {e}")))?;
            println!("{v}");
        }
        DriftFormat::Github => {
            // Type-mapping notes are not the pull request's business: stderr only.
            printer::warn_all(&outcome.warnings);
            print!("{}", github(&outcome));
            print!("{}", text(&outcome, Style::PLAIN));
            if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
                append(std::path::Path::new(&path), &markdown(&outcome))?;
            }
        }
    }
    Ok(if outcome.drifted() {
        Status::FOUND
    } else {
        Status::Success
    })
}

fn append(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Failure::error(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .map_err(|e| Failure::error(format!("cannot write {}: {e}", path.display())))
}

fn counts_line(r: &Report) -> String {
    let [a, rm, c] = r.counts();
    format!("{a} added, {rm} removed, {c} changed")
}

fn against_name(a: Against) -> &'static str {
    match a {
        Against::Schema => "schema",
        Against::Migrations => "migrations",
    }
}

/// The unified diff of the drifted objects' canonical DDL, object by object.
fn unified(o: &Outcome) -> String {
    o.report.unified_diff()
}

fn text(o: &Outcome, style: Style) -> String {
    let mut out = String::new();
    if !o.drifted() {
        let _ = writeln!(
            out,
            "No drift: {} matches {} ({}).",
            o.database, o.expected, o.dialect
        );
        return out;
    }
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "Drift: {} does not match {} ({})",
            o.database, o.expected, o.dialect
        ))
    );
    if !o.report.is_clean() {
        let _ = writeln!(out, "  objects: {}", counts_line(&o.report));
        for (kind, [a, r, c]) in o.report.counts_by_kind() {
            let _ = writeln!(out, "    {kind}: {a} added, {r} removed, {c} changed");
        }
    }
    if !o.migrations.is_empty() {
        let _ = writeln!(
            out,
            "  migrations: {} not in step with the files",
            o.migrations.len()
        );
        out.push_str("\nMigrations\n");
        for m in &o.migrations {
            let _ = writeln!(out, "  {:<22} {}", m.state.as_str(), m.message);
        }
    }
    if o.report.is_clean() {
        return out;
    }
    out.push_str("\nObjects (added: only in the database; removed: only expected)\n");
    for d in &o.report.objects {
        let status = format!("{:<8}", d.status.as_str());
        let status = match d.status {
            drift::Status::Added => style.green(&status),
            drift::Status::Removed => style.red(&status),
            drift::Status::Changed => style.yellow(&status),
        };
        let _ = writeln!(out, "  {status} {}", d.owner);
        for x in &d.differences {
            let _ = match &x.detail {
                Some(detail) => writeln!(out, "             {:<9} {}: {detail}", x.what, x.object),
                None => writeln!(out, "             {:<9} {}", x.what, x.object),
            };
        }
    }
    out.push('\n');
    for line in unified(o).lines() {
        let painted = if line.starts_with("+++") || line.starts_with("---") {
            style.bold(line)
        } else if line.starts_with('+') {
            style.green(line)
        } else if line.starts_with('-') {
            style.red(line)
        } else if line.starts_with("@@") {
            style.cyan(line)
        } else {
            line.to_string()
        };
        out.push_str(&painted);
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\nRepair: the plan from the database to {}",
        o.expected
    );
    out.push_str(&printer::plan_text(&o.report.repair, &o.database, style));
    out
}

#[derive(Serialize)]
struct KindCounts {
    added: usize,
    removed: usize,
    changed: usize,
}

#[derive(Serialize)]
struct JsonSummary {
    added: usize,
    removed: usize,
    changed: usize,
    by_kind: std::collections::BTreeMap<&'static str, KindCounts>,
    migrations: usize,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    kind: &'static str,
    name: &'a str,
    status: &'static str,
    changes: &'a [drift::Difference],
    before: &'a Option<String>,
    after: &'a Option<String>,
}

#[derive(Serialize)]
struct JsonRepair {
    summary: crate::plan::file::Summary,
    steps: Vec<crate::plan::file::FileStep>,
}

/// The JSON report, version 1 (documented in the README): keys in this order.
#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    database: &'a str,
    dialect: &'static str,
    against: &'static str,
    expected: &'a str,
    drifted: bool,
    summary: JsonSummary,
    drift: Vec<JsonObject<'a>>,
    migrations: &'a [MigrationIssue],
    repair: JsonRepair,
    warnings: Vec<&'a String>,
}

fn json(o: &Outcome) -> JsonReport<'_> {
    let [added, removed, changed] = o.report.counts();
    JsonReport {
        version: 1,
        database: &o.database,
        dialect: o.dialect,
        against: against_name(o.against),
        expected: &o.expected,
        drifted: o.drifted(),
        summary: JsonSummary {
            added,
            removed,
            changed,
            by_kind: o
                .report
                .counts_by_kind()
                .into_iter()
                .map(|(k, [added, removed, changed])| {
                    (
                        k,
                        KindCounts {
                            added,
                            removed,
                            changed,
                        },
                    )
                })
                .collect(),
            migrations: o.migrations.len(),
        },
        drift: o
            .report
            .objects
            .iter()
            .map(|d| JsonObject {
                kind: d.owner.kind,
                name: &d.owner.name,
                status: d.status.as_str(),
                changes: &d.differences,
                before: &d.before,
                after: &d.after,
            })
            .collect(),
        migrations: &o.migrations,
        repair: JsonRepair {
            summary: crate::plan::file::Summary {
                steps: o.report.repair.steps.len(),
                destructive: o.report.repair.destructive_steps().count(),
            },
            steps: crate::plan::file::steps(&o.report.repair),
        },
        warnings: o.warnings.iter().chain(&o.unmanaged).collect(),
    }
}

/// Escapes a workflow command's message (`%`, CR, LF).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn differences_line(d: &drift::Drifted) -> String {
    d.differences
        .iter()
        .map(|x| match &x.detail {
            Some(detail) => format!("{} {}: {detail}", x.what, x.object),
            None => format!("{} {}", x.what, x.object),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// GitHub Actions workflow commands: one annotation per drifted object and migration.
fn github(o: &Outcome) -> String {
    let mut out = String::new();
    if !o.drifted() {
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            gh_prop("No schema drift"),
            gh_data(&format!("{} matches {}", o.database, o.expected))
        );
        return out;
    }
    for m in &o.migrations {
        let level = match m.state {
            State::Missing | State::Changed => "error",
            _ => "warning",
        };
        let _ = writeln!(
            out,
            "::{level} title={}::{}",
            gh_prop(&format!(
                "Migration {}: {}_{}",
                m.state.as_str(),
                m.version,
                m.name
            )),
            gh_data(&m.message)
        );
    }
    for d in &o.report.objects {
        let _ = writeln!(
            out,
            "::error title={}::{}",
            gh_prop(&format!("Schema drift: {} {}", d.owner, d.status.as_str())),
            gh_data(&format!(
                "{} {}: {}",
                d.owner,
                d.status.as_str(),
                differences_line(d)
            ))
        );
    }
    for w in &o.unmanaged {
        let _ = writeln!(out, "::warning title=Not compared::{}", gh_data(w));
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

/// The markdown summary for `$GITHUB_STEP_SUMMARY`.
fn markdown(o: &Outcome) -> String {
    // A blank line first: the file may already hold other steps' text.
    let mut out = String::from("\n");
    if !o.drifted() {
        let _ = writeln!(
            out,
            "## No schema drift\n\n`{}` matches {} ({}).\n",
            o.database, o.expected, o.dialect
        );
        return out;
    }
    let _ = writeln!(out, "## Schema drift\n");
    let _ = writeln!(
        out,
        "`{}` does not match {} ({}): {}.\n",
        o.database,
        o.expected,
        o.dialect,
        counts_line(&o.report)
    );
    if !o.migrations.is_empty() {
        out.push_str("| migration | state |\n|---|---|\n");
        for m in &o.migrations {
            let _ = writeln!(out, "| `{}_{}` | {} |", m.version, m.name, m.state.as_str());
        }
        out.push('\n');
    }
    if !o.report.is_clean() {
        out.push_str("| object | status | what differs |\n|---|---|---|\n");
        for d in &o.report.objects {
            let _ = writeln!(
                out,
                "| {} `{}` | {} | {} |",
                d.owner.kind,
                md_cell(&d.owner.name),
                d.status.as_str(),
                md_cell(&differences_line(d))
            );
        }
        let _ = writeln!(
            out,
            "\n<details><summary>Diff (database → expected)</summary>\n\n```diff\n{}```\n\n</details>\n",
            unified(o)
        );
        let r = &o.report.repair;
        let _ = writeln!(
            out,
            "<details><summary>Repair SQL ({} steps, {} destructive)</summary>\n\n```sql\n{}```\n\n</details>\n",
            r.steps.len(),
            r.destructive_steps().count(),
            r.sql()
        );
    }
    out
}
