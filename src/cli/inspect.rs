//! `sqlshift inspect`: the live schema as SQL sqlshift reads back, or as JSON.

use super::settings::Settings;
use super::{printer, Failure, InspectArgs, InspectFormat, Status};

pub async fn run(settings: &Settings, args: InspectArgs) -> Result<Status, Failure> {
    let resolved = settings.resolve(&args.target, false)?;
    let mut conn = resolved.connect().await?;
    let mut live = conn.introspect().await?;
    crate::migrate::tracking::hide(&mut live, settings.tracking_table(), conn.dialect());
    printer::warn_all(&printer::unmanaged_warnings(&live));
    match args.format {
        InspectFormat::Sql => print!("{}", crate::plan::schema_sql(&live, conn.dialect())),
        InspectFormat::Json => {
            let json = serde_json::to_string_pretty(&live)
                .map_err(|e| Failure::error(format!("cannot write the schema as JSON: {e}")))?;
            println!("{json}");
        }
    }
    Ok(Status::Success)
}
