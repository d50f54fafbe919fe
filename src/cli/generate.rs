//! `sqlshift generate NAME`: versioned, verified up/down migrations from the schema edit,
//! one pair per target dialect.

use super::settings::Settings;
use super::{Failure, GenerateArgs, Status};
use crate::dialect::Dialect;
use crate::migrate::generate::{self, Outcome, Request};
use crate::migrate::Options;

/// The dialects a command works on: the `--dialect` flags (each must be a target), else
/// every target.
pub fn select_dialects(
    targets: &[String],
    flags: &[String],
) -> Result<Vec<&'static dyn Dialect>, Failure> {
    let names: Vec<String> = if flags.is_empty() {
        targets.to_vec()
    } else {
        flags.to_vec()
    };
    let mut out: Vec<&'static dyn Dialect> = Vec::new();
    for n in names {
        let d = crate::dialect::dialect_by_name(&n).ok_or_else(|| {
            Failure::refused(format!("unknown dialect `{n}`: use sqlite or postgres"))
        })?;
        if !targets.iter().any(|t| t == d.name()) {
            return Err(Failure::refused(format!(
                "the project does not target {}: add it to `dialects:` in sqlshift.yaml (targets now: {})",
                d.name(),
                targets.join(", ")
            )));
        }
        if !out.iter().any(|o| o.name() == d.name()) {
            out.push(d);
        }
    }
    Ok(out)
}

pub async fn run(settings: &Settings, args: GenerateArgs) -> Result<Status, Failure> {
    let m = settings.migrations()?;
    let dialects = select_dialects(&m.targets, &args.dialects)?;
    let schema_paths = settings.schema_paths(&args.schema);
    let dev_urls = settings.dev_urls();
    let req = Request {
        name: &args.name,
        schema_paths: &schema_paths,
        root: &m.root,
        targets: &m.targets,
        dialects,
        dev_urls: &dev_urls,
        render: settings.render_options(),
        access: settings.access.clone(),
        migrator: Options::new(&m.table),
        now: std::time::SystemTime::now(),
    };
    let outcomes = generate::generate(&req).await?;
    let mut wrote = false;
    for o in &outcomes {
        match o {
            Outcome::NoChanges { dialect, dir } => {
                println!(
                    "{dialect}: no changes: {} already matches the schema; nothing written",
                    dir.display()
                );
            }
            Outcome::Written {
                dialect,
                up,
                down,
                steps,
                destructive,
                irreversible,
                notes,
            } => {
                wrote = true;
                println!(
                    "{dialect}: wrote {} and {} ({steps} step{}, {destructive} destructive)",
                    up.display(),
                    down.display(),
                    if *steps == 1 { "" } else { "s" }
                );
                for n in notes {
                    eprintln!("warning: {n}");
                }
                for i in irreversible {
                    eprintln!("warning: {dialect}: not reversible: {i}");
                }
            }
        }
    }
    if wrote {
        println!(
            "Verified on a scratch database: up converges on the schema, down restores the previous state.\nReview the files, then run `sqlshift migrate up`."
        );
    } else {
        println!("No changes.");
    }
    Ok(Status::Success)
}
