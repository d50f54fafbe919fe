//! `sqlshift plan`: what would run, in order, with hazards. Touches nothing.

use super::printer;
use super::settings::{Resolved, Settings};
use super::{Failure, PlanArgs, Status};
use crate::dialect::Connection;
use crate::plan::Plan;
use crate::source;
use std::path::PathBuf;

/// Connects, reads both sides and plans; shared with `apply`.
pub async fn prepare(
    settings: &Settings,
    target: &super::Target,
    schema: &[PathBuf],
    allow_flag: bool,
) -> Result<(Plan, Resolved, Connection), Failure> {
    let resolved = settings.resolve(target, allow_flag)?;
    let dialect = crate::dialect::dialect_for_url(&resolved.url)?;
    let desired = source::load_files(&settings.schema_paths(schema), dialect)?;
    let mut conn = source::connect(&resolved.url).await?;
    let mut live = conn.introspect().await?;
    // A database that `migrate up` manages keeps its tracking table; no plan may drop it.
    crate::migrate::tracking::hide(&mut live, settings.tracking_table(), dialect);
    let mut plan = crate::plan::plan(&live, &desired.schema, dialect, &resolved.render);
    plan.warnings.extend(desired.notes);
    plan.warnings.extend(printer::unmanaged_warnings(&live));
    Ok((plan, resolved, conn))
}

pub async fn run(settings: &Settings, args: PlanArgs) -> Result<Status, Failure> {
    let (plan, resolved, conn) =
        prepare(settings, &args.target, &args.schema, args.allow_destructive).await?;
    printer::warn_all(&plan.warnings);
    printer::print_plan(&plan, conn.url(), args.format);
    let _ = resolved;
    Ok(Status::Success)
}
