//! `sqlshift plan`: what would run, in order, with hazards. Touches nothing, except the
//! plan file `--out` writes for `apply --plan`.

use super::printer;
use super::settings::{Resolved, Settings};
use super::{Failure, PlanArgs, Status};
use crate::dialect::Connection;
use crate::plan::file::{Fingerprints, PlanFile};
use crate::plan::Plan;
use crate::source;
use std::path::PathBuf;

/// A plan with where it runs and the schemas it was planned between.
pub struct Prepared {
    pub plan: Plan,
    pub resolved: Resolved,
    pub conn: Connection,
    pub live: crate::model::Schema,
    pub desired: crate::model::Schema,
}

impl Prepared {
    /// Fingerprints of both schemas, for a plan file (computed only when one is written).
    pub fn fingerprints(&self) -> Fingerprints {
        Fingerprints {
            source: crate::plan::fingerprint(&self.live),
            target: crate::plan::fingerprint(&self.desired),
        }
    }
}

/// The live schema as plans see it: introspected, without the tracking table.
pub async fn live_schema(
    settings: &Settings,
    conn: &mut Connection,
) -> Result<crate::model::Schema, Failure> {
    let mut live = conn.introspect().await?;
    // A database that `migrate up` manages keeps its tracking table; no plan may drop it.
    let table = settings.tracking_table();
    crate::migrate::tracking::hide(&mut live, table, conn.dialect());
    let key = crate::migrate::tracking::qname(table, conn.dialect());
    if live.tables.contains_key(&key) {
        super::printer::warn_all(&[format!(
            "table {key} is not sqlshift's tracking table (its columns differ): it is part of the schema, and `migrate` will not write to it; set `tracking_table` in sqlshift.yaml to give sqlshift's another name"
        )]);
    }
    Ok(live)
}

/// Connects, reads both sides and plans; shared with `apply`.
pub async fn prepare(
    settings: &Settings,
    target: &super::Target,
    schema: &[PathBuf],
    allow_flag: bool,
) -> Result<Prepared, Failure> {
    let resolved = settings.resolve(target, allow_flag)?;
    let dialect = crate::dialect::dialect_for_url(&resolved.url)?;
    // Parse the files on a blocking thread while the database is read: the two overlap.
    let paths = settings.schema_paths(schema);
    let access = settings.access.clone();
    let parsing =
        tokio::task::spawn_blocking(move || source::load_files_access(&paths, dialect, &access));
    let reading = async {
        let mut conn = resolved.connect().await?;
        let live = live_schema(settings, &mut conn).await?;
        Ok::<_, Failure>((conn, live))
    };
    let (parsed, read) = tokio::join!(parsing, reading);
    let desired =
        parsed.map_err(|e| Failure::error(format!("parsing the schema files stopped: {e}")))??;
    let (conn, live) = read?;
    let mut plan = crate::plan::plan(&live, &desired.schema, dialect, &resolved.render);
    plan.warnings.extend(desired.notes);
    if settings.verbose {
        plan.warnings.extend(source::skipped_list(&desired.skipped));
    }
    plan.warnings.extend(printer::unmanaged_warnings(&live));
    Ok(Prepared {
        plan,
        resolved,
        conn,
        live,
        desired: desired.schema,
    })
}

pub async fn run(settings: &Settings, args: PlanArgs) -> Result<Status, Failure> {
    let p = prepare(settings, &args.target, &args.schema, args.allow_destructive).await?;
    printer::warn_all(&p.plan.warnings);
    let session = p.conn.dialect().session_sql(&p.resolved.exec);
    printer::print_plan(&p.plan, p.conn.url(), args.format, &session);
    if let Some(out) = &args.out {
        let file = PlanFile::new(&p.plan, p.conn.url(), p.fingerprints());
        std::fs::write(out, file.to_json()).map_err(|e| {
            Failure::refused(format!("cannot write the plan file {}: {e}", out.display()))
        })?;
        printer::note(&format!(
            "wrote {} ({}); review it, then run `sqlshift apply --plan {}`",
            out.display(),
            match p.plan.steps.len() {
                1 => "1 step".to_string(),
                n => format!("{n} steps"),
            },
            out.display()
        ));
    }
    Ok(Status::Success)
}
