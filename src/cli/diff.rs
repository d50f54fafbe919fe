//! `sqlshift diff`: compare any two sources without touching either.

use super::settings::Settings;
use super::{printer, DiffArgs, Failure, Status};
use crate::source::{self, Source};

pub async fn run(settings: &Settings, args: DiffArgs) -> Result<Status, Failure> {
    let from = Source::from_arg(&args.from);
    let to = Source::from_arg(&args.to);
    let dialect = match (from.dialect(), to.dialect(), &args.dialect) {
        (_, _, Some(name)) => crate::dialect::dialect_by_name(name).ok_or_else(|| {
            Failure::refused(format!("unknown dialect `{name}`: use postgres or sqlite"))
        })?,
        (Some(d), _, None) | (None, Some(d), None) => d?,
        (None, None, None) => &crate::dialect::postgres::Postgres,
    };
    let mut a = source::load_access(&from, dialect, &settings.access).await?;
    let mut b = source::load_access(&to, dialect, &settings.access).await?;
    // The migration tracking table is sqlshift's bookkeeping, not schema.
    for (src, loaded) in [(&from, &mut a), (&to, &mut b)] {
        if matches!(src, Source::Url(_)) {
            crate::migrate::tracking::hide(&mut loaded.schema, settings.tracking_table(), dialect);
        }
    }
    // The same rendering settings as `plan` (online mode, concurrent indexes).
    let mut plan = crate::plan::plan(&a.schema, &b.schema, dialect, &settings.render_options());
    plan.warnings.extend(a.notes);
    plan.warnings.extend(b.notes);
    printer::warn_all(&plan.warnings);
    printer::print_plan(
        &plan,
        &format!(
            "{} -> {}",
            crate::dialect::redact_url(&args.from),
            crate::dialect::redact_url(&args.to)
        ),
        args.format,
        &[],
    );
    Ok(Status::Success)
}
