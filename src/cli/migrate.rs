//! `sqlshift migrate …`: apply, revert, list and check versioned migrations. Every
//! command checks the migration files against `sqlshift.sum` before it connects.

use super::generate::select_dialects;
use super::settings::{MigrateSettings, Resolved, Settings};
use super::{
    Failure, ListFormat, MigrateBaselineArgs, MigrateCommand, MigrateDownArgs, MigrateHistoryArgs,
    MigrateListArgs, MigrateNewArgs, MigrateUpArgs, Status, Target,
};
use crate::dialect::migrate::TrackingRow;
use crate::dialect::Connection;
use crate::migrate::files::{self, Direction, Directory};
use crate::migrate::migrator::{self, DownTarget, Options, Progress};
use crate::migrate::tracking;
use crate::migrate::{audit, report};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal, Write};

pub async fn run(settings: &Settings, cmd: MigrateCommand) -> Result<Status, Failure> {
    match cmd {
        MigrateCommand::Up(a) => up(settings, a).await,
        MigrateCommand::Down(a) => down(settings, a).await,
        MigrateCommand::Status(a) => status(settings, a).await,
        MigrateCommand::History(a) => history(settings, a).await,
        MigrateCommand::Baseline(a) => baseline(settings, a).await,
        MigrateCommand::Verify => verify(settings),
        MigrateCommand::Hash => hash(settings),
        MigrateCommand::New(a) => new(settings, a),
    }
}

/// The target database, its folder (checked against the sum) and a connection.
struct Opened {
    resolved: Resolved,
    m: MigrateSettings,
    dir: Directory,
    conn: Connection,
}

impl Opened {
    fn options(&self) -> Options {
        let mut o = Options::new(&self.m.table);
        o.lock_timeout = self.resolved.migrate_lock_timeout;
        o.exec = self.resolved.exec.clone();
        o
    }
}

/// Opens the target; `run` retries a connection that fails transiently (`up`, `down`).
async fn open(settings: &Settings, target: &Target, run: bool) -> Result<Opened, Failure> {
    let resolved = settings.resolve(target, false)?;
    let dialect = crate::dialect::dialect_for_url(&resolved.url)?;
    let m = settings.migrations()?;
    if !m.targets.iter().any(|t| t == dialect.name()) {
        return Err(Failure::refused(format!(
            "{} is a {} database, but the project targets {}: add {} to `dialects:` in sqlshift.yaml and generate its migrations",
            crate::dialect::redact_url(&resolved.url),
            dialect.name(),
            m.targets.join(", "),
            dialect.name()
        )));
    }
    let path = files::dialect_dir(&m.root, dialect.name(), &m.targets);
    files::require_dir(&path)?;
    // Before connecting: a tampered folder must not reach a database.
    let dir = files::load(&path)?;
    let conn = if run {
        resolved.connect_retrying().await?
    } else {
        resolved.connect().await?
    };
    Ok(Opened {
        resolved,
        m,
        dir,
        conn,
    })
}

/// Asks on a terminal; without one, `--yes` is required.
fn confirm(question: &str, yes: bool) -> Result<bool, Failure> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::refused(
            "refusing to run without confirmation: standard input is not a terminal; pass --yes",
        ));
    }
    print!("{question} [y/N] ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Prints each migration as it finishes, with a progress bar on a terminal when more
/// than a few run.
struct Bar {
    bar: Option<ProgressBar>,
    verb: &'static str,
}

impl Bar {
    fn new(verb: &'static str) -> Bar {
        Bar { bar: None, verb }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| println!("{text}")),
            None => println!("{text}"),
        }
    }
}

impl Progress for Bar {
    fn begin(&mut self, count: usize) {
        if count > 3 && std::io::stderr().is_terminal() {
            let b = ProgressBar::new(count as u64);
            if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
                b.set_style(style);
            }
            self.bar = Some(b);
        }
    }
    fn start(&mut self, id: &str) {
        if let Some(b) = &self.bar {
            b.set_message(id.to_string());
        }
    }
    fn done(&mut self, id: &str, ms: i64) {
        self.line(&format!("{} {id} ({ms} ms)", self.verb));
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    fn warn(&mut self, message: &str) {
        match &self.bar {
            Some(b) => b.suspend(|| eprintln!("warning: {message}")),
            None => eprintln!("warning: {message}"),
        }
    }
    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

async fn up(settings: &Settings, args: MigrateUpArgs) -> Result<Status, Failure> {
    let mut o = open(settings, &args.target, true).await?;
    let opts = o.options();
    let rows = migrator::applied(&mut o.conn, &opts.table).await?;
    let pending = migrator::select_up(&o.dir, &rows, args.to)?;
    let url = o.conn.url().to_string();
    if pending.is_empty() {
        println!("No pending migrations: {url} is up to date.");
        return Ok(Status::Success);
    }
    println!(
        "{} pending migration(s) for {url} (from {}):",
        pending.len(),
        o.dir.path.display()
    );
    for m in &pending {
        let note = if rows.iter().any(|r| r.version > m.version) {
            "  (older than the newest applied migration)"
        } else {
            ""
        };
        println!("  {}{note}", m.id());
    }
    if args.dry_run {
        println!("Dry run: nothing was applied.");
        return Ok(Status::Success);
    }
    if !confirm(&format!("Apply them to {url}?"), args.yes)? {
        println!("Cancelled: nothing was applied.");
        return Ok(Status::Refused);
    }
    let mut bar = Bar::new("applied");
    let started = std::time::Instant::now();
    let result = migrator::up(o.conn, &o.dir, &opts, args.to, &mut bar)
        .await
        .map(|(_, r)| r);
    let request = match args.to {
        Some(v) => format!("up to {v}"),
        None => "up".into(),
    };
    let row = audit::run_row("migrate", &audit::Actor::cli(), request, started, &result);
    if audit::recorded(&result) {
        record_audit(&o.resolved.url, &opts.table, &row).await;
    }
    let report = result?;
    if report.ran.is_empty() {
        println!("Nothing to apply: another runner applied them first.");
    } else {
        println!("Applied {} migration(s).", report.ran.len());
    }
    Ok(Status::Success)
}

async fn down(settings: &Settings, args: MigrateDownArgs) -> Result<Status, Failure> {
    let mut o = open(settings, &args.target, true).await?;
    let opts = o.options();
    let target = match (args.to, args.steps) {
        (Some(v), _) => DownTarget::To(v),
        (None, n) => DownTarget::Steps(n.unwrap_or(1)),
    };
    let rows = migrator::applied(&mut o.conn, &opts.table).await?;
    let chosen = migrator::select_down(&rows, target)?;
    let url = o.conn.url().to_string();
    if chosen.is_empty() {
        println!("Nothing to revert on {url}.");
        return Ok(Status::Success);
    }
    println!(
        "{} migration(s) to revert on {url}, newest first, with the down SQL stored when each was applied:",
        chosen.len()
    );
    for r in &chosen {
        let lossy = r
            .down_sql
            .as_deref()
            .is_some_and(|s| s.contains("-- WARNING:"));
        println!(
            "  {}_{}{}",
            r.version,
            r.name,
            if lossy {
                "  (loses data: see the `-- WARNING:` lines of its down SQL)"
            } else {
                ""
            }
        );
    }
    if args.dry_run {
        println!("Dry run: nothing was reverted.");
        return Ok(Status::Success);
    }
    if !confirm(&format!("Revert them on {url}?"), args.yes)? {
        println!("Cancelled: nothing was reverted.");
        return Ok(Status::Refused);
    }
    let mut bar = Bar::new("reverted");
    let started = std::time::Instant::now();
    let result = migrator::down(o.conn, &opts, target, &mut bar)
        .await
        .map(|(_, r)| r);
    let row = audit::run_row(
        "rollback",
        &audit::Actor::cli(),
        audit::request_of(target),
        started,
        &result,
    );
    if audit::recorded(&result) {
        record_audit(&o.resolved.url, &opts.table, &row).await;
    }
    let report = result?;
    println!("Reverted {} migration(s).", report.ran.len());
    Ok(Status::Success)
}

/// Writes an audit row; a row that cannot be written is a warning, never a failure.
pub async fn record_audit(url: &str, table: &str, row: &crate::dialect::migrate::AuditRow) {
    if let Err(e) = audit::write(url, table, row).await {
        eprintln!("warning: could not record this run in the audit table: {e}");
    }
}

/// `migrate baseline VERSION`: the database must already be what the migrations up to
/// VERSION produce (compared as `drift --against migrations` compares, on a scratch
/// database); then their rows are recorded without running anything.
async fn baseline(settings: &Settings, args: MigrateBaselineArgs) -> Result<Status, Failure> {
    let mut o = open(settings, &args.target, true).await?;
    let opts = o.options();
    let v = args.version;
    if o.dir.get(v).is_none() {
        return Err(crate::migrate::MigrateError::UnknownVersion {
            version: v,
            dir: o.dir.path.display().to_string(),
        }
        .into());
    }
    let rows = migrator::applied(&mut o.conn, &opts.table).await?;
    let newer: Vec<String> = rows
        .iter()
        .filter(|r| r.version > v)
        .map(|r| format!("{}_{}", r.version, r.name))
        .collect();
    if !newer.is_empty() {
        return Err(Failure::refused(format!(
            "refusing to baseline {} at {v}: newer migrations are already applied: {}",
            o.conn.url(),
            newer.join(", ")
        )));
    }
    let upto = Directory {
        path: o.dir.path.clone(),
        migrations: o
            .dir
            .migrations
            .iter()
            .filter(|m| m.version <= v)
            .cloned()
            .collect(),
    };
    let dialect = o.conn.dialect();
    let dev_urls = settings.dev_urls();
    let expected = crate::drift::migrations::replayed(
        dialect,
        &upto,
        &opts.table,
        dev_urls.get(dialect.name()).map(String::as_str),
    )
    .await?;
    let live = super::plan::live_schema(settings, &mut o.conn).await?;
    let report = crate::drift::compare(&live, &expected, dialect, &o.resolved.render);
    if !report.is_clean() {
        let list: Vec<String> = report
            .objects
            .iter()
            .map(|d| format!("  {} {}", d.status.as_str(), d.owner))
            .collect();
        return Err(Failure::refused(format!(
            "refusing to baseline {} at {v}: the database does not match what the migrations up to {v} produce (`sqlshift drift --against migrations` shows the same; added: only in the database, removed: only in the migrations):\n{}\nNothing was recorded.",
            o.conn.url(),
            list.join("\n")
        )));
    }
    let pending = migrator::select_up(&upto, &rows, None)?;
    let url = o.conn.url().to_string();
    if pending.is_empty() {
        println!("Nothing to record: {url} already records every migration up to {v}.");
        return Ok(Status::Success);
    }
    println!(
        "{url} matches the migrations up to {v}; {} migration(s) to record as applied, without running them:",
        pending.len()
    );
    for m in &pending {
        println!("  {}", m.id());
    }
    if args.dry_run {
        println!("Dry run: nothing was recorded.");
        return Ok(Status::Success);
    }
    if !confirm(&format!("Record them in {url}?"), args.yes)? {
        println!("Cancelled: nothing was recorded.");
        return Ok(Status::Refused);
    }
    let started = std::time::Instant::now();
    let mut bar = Bar::new("recorded");
    let result = migrator::baseline(o.conn, &upto, &opts, &mut bar)
        .await
        .map(|(_, r)| r);
    let row = audit::run_row(
        "baseline",
        &audit::Actor::cli(),
        format!("baseline {v}"),
        started,
        &result,
    );
    if audit::recorded(&result) {
        record_audit(&o.resolved.url, &opts.table, &row).await;
    }
    let report = result?;
    println!(
        "Recorded {} migration(s); the database is at {v}.",
        report.ran.len()
    );
    Ok(Status::Success)
}

async fn status(settings: &Settings, args: MigrateListArgs) -> Result<Status, Failure> {
    let mut o = open(settings, &args.target, false).await?;
    let rows = migrator::applied(&mut o.conn, &o.m.table).await?;
    let entries = tracking::reconcile(&o.dir, &rows);
    let (applied, pending, changed, missing) = report::counts(&entries);
    match args.format {
        ListFormat::Json => {
            println!(
                "{:#}",
                report::status_json(
                    o.conn.url(),
                    o.conn.dialect().name(),
                    &o.dir,
                    &o.m.table,
                    &rows
                )
            );
        }
        ListFormat::Text => {
            println!(
                "Migrations in {} for {} (tracking table {}):",
                o.dir.path.display(),
                o.conn.url(),
                o.m.table
            );
            if entries.is_empty() {
                println!("  (none)");
            }
            let width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0);
            for e in &entries {
                let when = e
                    .row
                    .map(|r| format!("  {}", r.applied_at))
                    .unwrap_or_default();
                println!(
                    "  {}  {:width$}  {}{when}",
                    e.version,
                    e.name,
                    e.state.as_str()
                );
            }
            println!("{applied} applied, {pending} pending, {changed} changed, {missing} missing");
        }
    }
    Ok(if changed + missing > 0 {
        Status::Refused
    } else {
        Status::Success
    })
}

async fn history(settings: &Settings, args: MigrateHistoryArgs) -> Result<Status, Failure> {
    let mut o = open(settings, &args.target, false).await?;
    if args.audit {
        return audit_trail(&mut o, args.format).await;
    }
    let rows: Vec<TrackingRow> = migrator::applied(&mut o.conn, &o.m.table).await?;
    match args.format {
        ListFormat::Json => {
            println!(
                "{:#}",
                report::history_json(o.conn.url(), &o.m.table, &rows)
            );
        }
        ListFormat::Text => {
            let rows = report::sorted_history(&rows);
            if rows.is_empty() {
                println!("No migrations applied to {}.", o.conn.url());
                return Ok(Status::Success);
            }
            let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(4).max(4);
            println!(
                "{:14}  {:width$}  {:20}  {:>8}  applied by",
                "version", "name", "applied at (UTC)", "ms"
            );
            for r in &rows {
                println!(
                    "{:14}  {:width$}  {:20}  {:>8}  {}",
                    r.version, r.name, r.applied_at, r.execution_time_ms, r.applied_by
                );
            }
        }
    }
    Ok(Status::Success)
}

async fn audit_trail(o: &mut Opened, format: ListFormat) -> Result<Status, Failure> {
    let rows = audit::rows(&mut o.conn, &o.m.table).await?;
    match format {
        ListFormat::Json => println!(
            "{:#}",
            serde_json::json!({
                "version": 1,
                "target": o.conn.url(),
                "audit_table": audit::table(&o.m.table),
                "entries": rows,
            })
        ),
        ListFormat::Text => {
            if rows.is_empty() {
                println!("Nothing recorded in the audit trail of {}.", o.conn.url());
                return Ok(Status::Success);
            }
            for r in &rows {
                println!(
                    "{}  {:8}  {:8}  {}  from {}  sqlshift {}  {} ms  {}{}",
                    r.at,
                    r.operation,
                    r.outcome,
                    r.actor,
                    r.origin,
                    r.sqlshift_version,
                    r.duration_ms,
                    r.request,
                    match (&r.error, r.ran.is_empty()) {
                        (Some(e), _) => format!(": {}", e.lines().next().unwrap_or_default()),
                        (None, true) => String::new(),
                        (None, false) => format!(": {}", r.ran),
                    }
                );
            }
        }
    }
    Ok(Status::Success)
}

fn verify(settings: &Settings) -> Result<Status, Failure> {
    let m = settings.migrations()?;
    let mut failures = Vec::new();
    for t in &m.targets {
        let path = files::dialect_dir(&m.root, t, &m.targets);
        match files::require_dir(&path).and_then(|()| files::load(&path)) {
            Ok(d) => println!(
                "{}: {} migration(s), sqlshift.sum ok",
                path.display(),
                d.migrations.len()
            ),
            Err(e) => failures.push(Failure::from(e)),
        }
    }
    match failures.into_iter().next() {
        Some(f) => Err(f),
        None => Ok(Status::Success),
    }
}

fn hash(settings: &Settings) -> Result<Status, Failure> {
    let m = settings.migrations()?;
    for t in &m.targets {
        let path = files::dialect_dir(&m.root, t, &m.targets);
        if !path.exists() {
            println!("{}: no migrations yet", path.display());
            continue;
        }
        let n = files::hash(&path)?;
        if n == 0 {
            println!("{}: no migrations yet", path.display());
            continue;
        }
        println!(
            "{}: recorded {n} file(s)",
            path.join(crate::migrate::sum::FILE_NAME).display()
        );
    }
    Ok(Status::Success)
}

fn new(settings: &Settings, args: MigrateNewArgs) -> Result<Status, Failure> {
    let m = settings.migrations()?;
    files::check_name(&args.name)?;
    let dialects = select_dialects(&m.targets, &args.dialects)?;
    let mut dirs = Vec::new();
    for d in &dialects {
        let path = files::dialect_dir(&m.root, d.name(), &m.targets);
        dirs.push((d.name(), files::load(&path)?));
    }
    let newest = dirs.iter().filter_map(|(_, d)| d.newest()).max();
    let version = files::next_version(std::time::SystemTime::now(), newest);
    for (dialect, dir) in &dirs {
        let up = files::file_name(version, &args.name, Direction::Up);
        let down = files::file_name(version, &args.name, Direction::Down);
        let header = |direction: &str, other: &str, what: &str| {
            format!(
                "-- sqlshift migration (hand-written)\n--   name:      {}\n--   version:   {version}\n--   dialect:   {dialect}\n--   direction: {direction} ({other})\n-- {what}\n-- Put `-- sqlshift:no-transaction` on the first line if a statement cannot run in a transaction.\n",
                args.name
            )
        };
        files::write_files(
            &dir.path,
            &[
                (
                    up.clone(),
                    header(
                        "up",
                        &format!("reverted by {down}"),
                        "Write the change here.",
                    ),
                ),
                (
                    down.clone(),
                    header(
                        "down",
                        &format!("reverts {up}"),
                        "Write the exact reverse of the up file here.",
                    ),
                ),
            ],
        )?;
        println!(
            "{dialect}: wrote {} and {}",
            dir.path.join(&up).display(),
            dir.path.join(&down).display()
        );
    }
    Ok(Status::Success)
}
