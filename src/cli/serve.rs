//! `sqlshift serve`: resolves the settings as every other command does and hands them to
//! the service (`crate::service`), which owns everything HTTP.

use super::settings::Settings;
use super::{Failure, ServeArgs, Status};
use crate::config::parse_duration;
use crate::migrate::{files, Options};
use crate::service::{self, Token};
use std::io::Write as _;
use std::time::Duration;

/// The environment variable holding a token; its name is the token's name.
pub const TOKEN_VAR: &str = "SQLSHIFT_API_TOKEN";

pub async fn run(settings: &Settings, args: ServeArgs) -> Result<Status, Failure> {
    let c = &settings.config.service;
    let resolved = settings.resolve(&args.target, false)?;
    let dialect = crate::dialect::dialect_for_url(&resolved.url)?;
    let m = settings.migrations()?;
    let mut tokens = Vec::new();
    if let Some(t) = std::env::var(TOKEN_VAR).ok().filter(|t| !t.is_empty()) {
        tokens.push(Token {
            name: TOKEN_VAR.into(),
            secret: t,
        });
    }
    for (name, secret) in &c.tokens {
        if secret.is_empty() {
            return Err(Failure::refused(format!(
                "{}: service.tokens.{name} is empty",
                settings.config_path
            )));
        }
        tokens.push(Token {
            name: name.clone(),
            secret: secret.clone(),
        });
    }
    let listen = args
        .listen
        .or_else(|| c.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let listen = listen.parse().map_err(|_| {
        Failure::refused(format!(
            "`{listen}` is not an address to listen on: write host:port, e.g. 127.0.0.1:8080"
        ))
    })?;
    let lock_wait = match &c.lock_wait {
        None => Duration::ZERO,
        Some(v) => parse_duration(v).ok_or_else(|| {
            Failure::refused(format!(
                "{}: `service.lock_wait: {v}` is not a duration; write e.g. 0s or 30s",
                settings.config_path
            ))
        })?,
    };
    let mut migrator = Options::new(&m.table);
    migrator.lock_timeout = resolved.migrate_lock_timeout;
    migrator.exec = resolved.exec.clone();
    let cfg = service::Config {
        migrations: files::dialect_dir(&m.root, dialect.name(), &m.targets),
        schema: settings.schema_paths(&[]),
        dev_url: settings.dev_urls().get(dialect.name()).cloned(),
        migrator,
        render: resolved.render.clone(),
        catalog_timeout: resolved.catalog_timeout,
        tokens,
        read_only: args.read_only || c.read_only,
        listen,
        lock_wait,
        url: resolved.url.clone(),
    };
    let shown = crate::dialect::redact_url(&resolved.url);
    let read_only = cfg.read_only;
    // Written without `println!`: whoever started the server may have closed its output.
    service::serve(cfg, |addr| {
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "sqlshift serve: listening on http://{addr} for {shown}{}",
            if read_only { " (read-only)" } else { "" }
        );
        let _ = out.flush();
    })
    .await
    .map_err(|e| match e {
        service::ServiceError::NoToken => Failure::refused(e.to_string()),
        other => Failure::error(other.to_string()),
    })?;
    let _ = writeln!(std::io::stdout(), "sqlshift serve: stopped");
    Ok(Status::Success)
}
