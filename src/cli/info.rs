//! `sqlshift info`: the version, the configuration as resolved (every URL with its password
//! redacted), the dialect and what it can do, and the paths sqlshift reads and writes.
//! Connects to nothing.

use super::settings::Settings;
use super::{Failure, InfoArgs, ListFormat, Status};
use crate::dialect::{dialect_for_url, redact_url};
use crate::migrate::files;
use serde_json::{json, Value};

pub fn run(settings: &Settings, args: InfoArgs) -> Result<Status, Failure> {
    let v = collect(settings, &args)?;
    match args.format {
        ListFormat::Json => {
            let text = serde_json::to_string_pretty(&v)
                .map_err(|e| Failure::error(format!("cannot write the report as JSON: {e}")))?;
            println!("{text}");
        }
        ListFormat::Text => {
            println!("sqlshift {}", env!("CARGO_PKG_VERSION"));
            for section in ["config", "database", "paths", "migrations", "execution"] {
                let mut one = serde_json::Map::new();
                one.insert(section.into(), v[section].clone());
                print!("{}", text(&Value::Object(one), ""));
            }
        }
    }
    Ok(Status::Success)
}

fn collect(settings: &Settings, args: &InfoArgs) -> Result<Value, Failure> {
    let c = &settings.config;
    let resolved = settings.resolve(&args.target, false)?;
    let m = settings.migrations()?;
    let dialect = dialect_for_url(&resolved.url)?;
    let env = args.target.env.clone().or_else(|| c.default_env.clone());
    let found = std::path::Path::new(&settings.config_path).is_file();
    let secs = |d: std::time::Duration| format!("{}s", d.as_secs_f64());
    let environments: serde_json::Map<String, Value> = c
        .environments
        .iter()
        .map(|(name, e)| {
            let url = match &e.url_error {
                Some(why) => format!("(not usable: {why})"),
                None => redact_url(&e.url),
            };
            (name.clone(), Value::String(url))
        })
        .collect();
    let dev_urls: serde_json::Map<String, Value> = settings
        .dev_urls()
        .into_iter()
        .map(|(k, v)| (k, Value::String(redact_url(&v))))
        .collect();
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    Ok(json!({
        "version": 1,
        "sqlshift": env!("CARGO_PKG_VERSION"),
        "config": {
            "file": settings.config_path,
            "found": found,
            "environment": env,
            "environments": environments,
        },
        "database": {
            "url": redact_url(&resolved.url),
            "dialect": dialect.name(),
            "capabilities": dialect.caps(),
            "default_schema": dialect.default_schema(),
        },
        "paths": {
            "working_directory": cwd,
            "schema": settings.schema_paths(&[]).iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "migrations": files::dialect_dir(&m.root, dialect.name(), &m.targets).display().to_string(),
        },
        "migrations": {
            "tracking_table": m.table,
            "dialects": m.targets,
            "dev_urls": dev_urls,
            "migrate_lock_timeout": secs(resolved.migrate_lock_timeout),
        },
        "execution": {
            "lock_timeout": resolved.exec.lock_timeout,
            "statement_timeout": resolved.exec.statement_timeout,
            "catalog_timeout": secs(resolved.catalog_timeout),
            "lock_retries": resolved.exec.lock_retries,
            "lock_retry_backoff": secs(resolved.exec.lock_retry_backoff),
            "allow_destructive": resolved.allow_destructive,
            "online": resolved.render.online,
            "concurrent_indexes": resolved.render.concurrent_indexes,
        },
    }))
}

/// Nested keys as indented `key: value` lines; lists on one line.
fn text(v: &Value, indent: &str) -> String {
    let mut out = String::new();
    if let Value::Object(map) = v {
        for (k, val) in map {
            match val {
                Value::Object(inner) if inner.is_empty() => {
                    out.push_str(&format!("{indent}{k}: (none)\n"))
                }
                Value::Object(_) => {
                    out.push_str(&format!("{indent}{k}:\n"));
                    out.push_str(&text(val, &format!("{indent}  ")));
                }
                other => out.push_str(&format!("{indent}{k}: {}\n", scalar(other))),
            }
        }
    }
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "(none)".into(),
        Value::String(s) if s.is_empty() => "(none)".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(scalar).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
