//! `sqlshift apply`: plan, refuse destructive steps unless allowed, confirm, execute.

use super::{plan, printer, Failure, Status};
use super::{settings::Settings, ApplyArgs, PlanFormat};
use std::io::{BufRead, IsTerminal, Write};

pub async fn run(settings: &Settings, args: ApplyArgs) -> Result<Status, Failure> {
    let (plan, resolved, mut conn) =
        plan::prepare(settings, &args.target, &args.schema, args.allow_destructive).await?;
    printer::warn_all(&plan.warnings);
    printer::print_plan(&plan, conn.url(), PlanFormat::Text);
    if plan.is_empty() {
        return Ok(Status::Success);
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
        return Ok(Status::Success);
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
            return Ok(Status::Refused);
        }
    }
    conn.execute(&plan, &resolved.exec).await?;
    println!("\nApplied {} step(s).", plan.steps.len());
    Ok(Status::Success)
}
