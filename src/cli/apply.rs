//! `sqlshift apply`: plan, refuse destructive steps unless allowed, confirm, execute. With
//! `--plan FILE`, run exactly the reviewed steps of a plan file instead, after checking
//! that the database is still the one it was planned on, in the state it was planned from.
//!
//! Either way the plan's source state is checked again once the apply lock is held: a run
//! that waited for another one never runs a stale plan. A planned run plans again (at most
//! [`REPLANS`] times); a plan file is refused.

use super::settings::{Resolved, Settings};
use super::{plan, printer, ApplyArgs, Failure, PlanFormat, Status};
use crate::dialect::{Connection, DbError, Expected};
use crate::plan::file::PlanFile;
use crate::plan::Plan;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

pub async fn run(settings: &Settings, args: ApplyArgs) -> Result<Status, Failure> {
    if let Some(path) = &args.plan {
        return from_file(settings, &args, path).await;
    }
    let p = plan::prepare(settings, &args.target, &args.schema, args.allow_destructive).await?;
    printer::warn_all(&p.plan.warnings);
    let (mut conn, resolved, desired) = (p.conn, p.resolved, p.desired);
    let (mut plan, mut live) = (p.plan, p.live);
    let dialect = conn.dialect();
    let mut replans = 0;
    loop {
        let expect = Expected {
            fingerprint: crate::plan::fingerprint(&live),
            hidden_table: Some(settings.tracking_table().to_string()),
        };
        match execute(
            plan,
            &resolved,
            &mut conn,
            &args,
            expect,
            settings.tracking_table(),
        )
        .await?
        {
            Ran::Done(status) => return Ok(status),
            Ran::Changed(e) if replans == REPLANS => return Err(e.into()),
            Ran::Changed(e) => printer::note(&format!("{e}; planning again")),
        }
        replans += 1;
        live = plan::live_schema(settings, &mut conn).await?;
        plan = crate::plan::plan(&live, &desired, dialect, &resolved.render);
        if plan.is_empty() {
            println!("No changes: the database already matches the schema files (another run applied them).");
            return Ok(Status::Success);
        }
    }
}

/// How many times a run plans again when the database changed while it waited.
const REPLANS: usize = 3;

/// How a run of [`execute`] ended.
enum Ran {
    Done(Status),
    /// The database was not in the plan's source state once the lock was held.
    Changed(DbError),
}

/// `apply --plan FILE`.
async fn from_file(settings: &Settings, args: &ApplyArgs, path: &Path) -> Result<Status, Failure> {
    let shown = path.display().to_string();
    let file = PlanFile::read(path).map_err(|e| Failure::refused(e.to_string()))?;
    let planned = file
        .to_plan(&shown)
        .map_err(|e| Failure::refused(e.to_string()))?;
    let resolved = settings.resolve(&args.target, args.allow_destructive)?;
    let dialect = crate::dialect::dialect_for_url(&resolved.url)?;
    let url = crate::dialect::redact_url(&resolved.url);
    if dialect.name() != planned.dialect || url != file.target {
        return Err(Failure::refused(format!(
            "{shown} was planned for {} ({}), not {url} ({}): plan again against this database with `sqlshift plan --out`",
            file.target,
            planned.dialect,
            dialect.name()
        )));
    }
    let mut conn = resolved.connect().await?;
    let live = plan::live_schema(settings, &mut conn).await?;
    let refuse_changed = |now: &str| {
        Failure::refused(format!(
            "refusing to apply {shown}: {url} changed since the plan was made\n  planned from: {}\n  now:          {now}\nThe reviewed steps may no longer be right for it. Plan again (`sqlshift plan --out {shown}`), review, and apply the new plan (if this plan was applied already, `sqlshift plan` shows what is left)",
            file.fingerprints.source
        ))
    };
    let now = crate::plan::fingerprint(&live);
    if now != file.fingerprints.source {
        return Err(refuse_changed(&now));
    }
    printer::warn_all(&planned.warnings);
    printer::note(&format!(
        "{shown}: the database matches the plan's source fingerprint; running its {} step(s) as reviewed",
        planned.steps.len()
    ));
    let expect = Expected {
        fingerprint: file.fingerprints.source.clone(),
        hidden_table: Some(settings.tracking_table().to_string()),
    };
    match execute(
        planned,
        &resolved,
        &mut conn,
        args,
        expect,
        settings.tracking_table(),
    )
    .await?
    {
        Ran::Done(status) => Ok(status),
        Ran::Changed(DbError::Changed { now, .. }) => Err(refuse_changed(&now)),
        Ran::Changed(e) => Err(e.into()),
    }
}

/// Prints the plan, refuses destructive steps without permission, confirms, runs it
/// under the apply lock if the database is still in the `expect`ed state.
async fn execute(
    plan: Plan,
    resolved: &Resolved,
    conn: &mut Connection,
    args: &ApplyArgs,
    expect: Expected,
    audit_table: &str,
) -> Result<Ran, Failure> {
    printer::print_plan(&plan, conn.url(), PlanFormat::Text, &[]);
    if plan.is_empty() {
        return Ok(Ran::Done(Status::Success));
    }
    let destructive: Vec<String> = plan
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_destructive())
        .map(|(i, s)| {
            format!(
                "  step {}: {} ({})",
                i + 1,
                s.objects.join(", "),
                s.kind.replace('_', " ")
            )
        })
        .collect();
    if !destructive.is_empty() && !resolved.allow_destructive {
        return Err(Failure::refused(format!(
            "refusing to run {} destructive step(s) without --allow-destructive (or allow_destructive: true in sqlshift.yaml):\n{}",
            destructive.len(),
            destructive.join("\n")
        )));
    }
    if args.dry_run {
        println!("\nDry run: nothing was applied.");
        return Ok(Ran::Done(Status::Success));
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::refused(
                "refusing to apply without confirmation: standard input is not a terminal; pass --yes to apply",
            ));
        }
        print!(
            "\nApply {} step(s) to {}? [y/N] ",
            plan.steps.len(),
            conn.url()
        );
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            println!("Cancelled: nothing was applied.");
            return Ok(Ran::Done(Status::Refused));
        }
    }
    let mut exec = resolved.exec.clone();
    exec.expect = Some(expect);
    let started = std::time::Instant::now();
    let result = conn.execute(&plan, &exec).await;
    // A plan re-made after another run changed the database is recorded when it runs; a
    // run that never got the lock changed nothing.
    if !matches!(
        result,
        Err(DbError::Changed { .. } | DbError::LockTimeout { .. })
    ) {
        let steps: Vec<String> = plan
            .steps
            .iter()
            .map(|s| format!("{} {}", s.kind, s.objects.join(" ")))
            .collect();
        let outcome = match &result {
            Ok(()) => Ok(steps.as_slice()),
            Err(e) => Err(e.to_string()),
        };
        let row = crate::migrate::audit::row(
            "apply",
            &crate::migrate::audit::Actor::cli(),
            format!("{} step(s)", plan.steps.len()),
            started,
            outcome.as_ref().map(|s| *s).map_err(String::as_str),
        );
        super::migrate::record_audit(&resolved.url, audit_table, &row).await;
    }
    match result {
        Err(e @ DbError::Changed { .. }) => return Ok(Ran::Changed(e)),
        other => other?,
    }
    println!("\nApplied {} step(s).", plan.steps.len());
    Ok(Ran::Done(Status::Success))
}
