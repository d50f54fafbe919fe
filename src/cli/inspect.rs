//! `sqlshift inspect`: the live schema as SQL sqlshift reads back, or as JSON.

use super::settings::Settings;
use super::{printer, Failure, InspectArgs, InspectFormat, Status};
use crate::dialect::RenderOptions;
use crate::model::Schema;

pub async fn run(settings: &Settings, args: InspectArgs) -> Result<Status, Failure> {
    let resolved = settings.resolve(&args.target, false)?;
    let mut conn = crate::source::connect(&resolved.url).await?;
    let live = conn.introspect().await?;
    printer::warn_all(&printer::unmanaged_warnings(&live));
    match args.format {
        InspectFormat::Sql => print!("{}", to_sql(&live, conn.dialect())),
        InspectFormat::Json => {
            let json = serde_json::to_string_pretty(&live)
                .map_err(|e| Failure::error(format!("cannot write the schema as JSON: {e}")))?;
            println!("{json}");
        }
    }
    Ok(Status::Success)
}

/// The schema as the SQL that creates it from nothing, one object per block.
pub fn to_sql(schema: &Schema, dialect: &dyn crate::dialect::Dialect) -> String {
    let plan = crate::plan::plan(
        &Schema::default(),
        schema,
        dialect,
        &RenderOptions::default(),
    );
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
