//! `sqlshift health`: reachability, latency, server version and how the migrations stand
//! (see `migrate::health`). Exit 0 healthy, 1 degraded, 2 unreachable; a bad configuration
//! is 2 as well (the caller maps it).

use super::settings::Settings;
use super::{Failure, HealthArgs, ListFormat, Status};
use crate::migrate::files;
use crate::migrate::health::{self, Health, Verdict};

pub async fn run(settings: &Settings, args: HealthArgs) -> Result<Status, Failure> {
    let resolved = settings.resolve(&args.target, false)?;
    let m = settings.migrations()?;
    let dialect = crate::dialect::dialect_for_url(&resolved.url)?;
    let path = files::dialect_dir(&m.root, dialect.name(), &m.targets);
    let loaded = if m.targets.iter().any(|t| t == dialect.name()) {
        files::require_dir(&path)
            .and_then(|()| files::load(&path))
            .map_err(|e| e.to_string())
    } else {
        Err(format!(
            "the project's migrations target {}, not {}",
            m.targets.join(", "),
            dialect.name()
        ))
    };
    let req = health::Request {
        url: &resolved.url,
        table: &m.table,
        directory: path.display().to_string(),
        dir: loaded.as_ref().map_err(Clone::clone),
        timeout: resolved.catalog_timeout,
    };
    let h = health::check(&req).await;
    match args.format {
        ListFormat::Json => {
            let v = serde_json::to_string_pretty(&serde_json::json!({"version": 1, "health": h}))
                .map_err(|e| Failure::error(format!("cannot write the report as JSON: {e}")))?;
            println!("{v}");
        }
        ListFormat::Text => print!("{}", text(&h)),
    }
    Ok(match h.status {
        Verdict::Healthy => Status::Success,
        Verdict::Degraded => Status::FOUND,
        Verdict::Unreachable => Status::Error,
    })
}

/// The report as lines for a terminal.
pub fn text(h: &Health) -> String {
    let mut out = format!(
        "{} ({}): {}\n",
        h.database,
        h.dialect,
        match h.status {
            Verdict::Healthy => "healthy",
            Verdict::Degraded => "degraded",
            Verdict::Unreachable => "unreachable",
        }
    );
    if let Some(v) = &h.server_version {
        out.push_str(&format!("  server:          {v}\n"));
    }
    if let (Some(l), Some(c)) = (h.latency_ms, h.connect_ms) {
        out.push_str(&format!(
            "  latency:         {l} ms (connecting took {c} ms)\n"
        ));
    }
    if h.reachable {
        out.push_str(&format!(
            "  tracking table:  {}{}\n",
            h.tracking_table,
            if h.tracking_table_exists {
                ""
            } else {
                " (not created yet: no migration has run)"
            }
        ));
    }
    if let Some(c) = &h.migrations {
        out.push_str(&format!(
            "  migrations:      {} applied, {} pending, {} changed, {} missing ({})\n",
            c.applied, c.pending, c.changed, c.missing, h.directory
        ));
    }
    if let Some(l) = &h.lock {
        let who = match &l.holder {
            None => "free".to_string(),
            Some(hd) if hd.session.is_none() => {
                "held (SQLite does not say by whom: a migration, an apply or another writer)"
                    .to_string()
            }
            Some(hd) => {
                let mut parts = Vec::new();
                if let Some(u) = &hd.user {
                    parts.push(format!("user {u}"));
                }
                if let Some(c) = &hd.client {
                    parts.push(format!("from {c}"));
                }
                if let Some(a) = &hd.application {
                    parts.push(format!("application {a}"));
                }
                if let Some(s) = hd.session_seconds {
                    parts.push(format!("session {s}s"));
                }
                format!(
                    "held by session {}{}",
                    hd.session.unwrap_or_default(),
                    if parts.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", parts.join(", "))
                    }
                )
            }
        };
        out.push_str(&format!("  migration lock:  {who}\n"));
    }
    for p in &h.problems {
        out.push_str(&format!("  problem: {p}\n"));
    }
    out
}
