//! Resolves command-line flags and `sqlshift.yaml` into the settings a command runs with.

use super::{Failure, Target};
use crate::config::{parse_duration, Config, DEFAULT_URL};
use crate::dialect::{ExecOptions, RenderOptions};
use crate::migrate::tracking;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Every step waits at most this long for a table lock unless `lock_timeout` says
/// otherwise: a step stuck behind a long transaction would otherwise queue every query on
/// the table behind its own lock request.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Tries after a lock timeout before a plan fails.
pub const DEFAULT_LOCK_RETRIES: u32 = 3;

pub struct Settings {
    pub config: Config,
    pub config_path: String,
    /// PostgreSQL privileges and owners the configuration manages (`privileges`, `owner`).
    pub access: crate::model::Access,
    /// `--verbose`: list what is summarised otherwise.
    pub verbose: bool,
}

/// Where a command connects and how it behaves there.
pub struct Resolved {
    pub url: String,
    pub exec: ExecOptions,
    pub render: RenderOptions,
    pub allow_destructive: bool,
    /// How long `migrate up`/`down` wait for another runner's lock.
    pub migrate_lock_timeout: Duration,
    /// How long one catalog query may run or wait for a lock.
    pub catalog_timeout: Duration,
    /// The privileges and owners an introspection keeps.
    pub access: crate::model::Access,
}

impl Resolved {
    /// Connects to the resolved URL with the resolved catalog timeout.
    pub async fn connect(&self) -> Result<crate::dialect::Connection, Failure> {
        Ok(crate::source::connect(&self.url)
            .await?
            .with_catalog_timeout(self.catalog_timeout)
            .with_access(self.access.clone()))
    }

    /// Connects for a run that changes the database, retrying transient failures
    /// (`lock_retries` times, from `lock_retry_backoff`; each retry is logged).
    pub async fn connect_retrying(&self) -> Result<crate::dialect::Connection, Failure> {
        Ok(crate::dialect::connect_retrying(
            &self.url,
            self.exec.lock_retries,
            self.exec.lock_retry_backoff,
        )
        .await?
        .with_catalog_timeout(self.catalog_timeout))
    }
}

/// The migration settings: folder, tracking table, target dialects.
pub struct MigrateSettings {
    pub root: PathBuf,
    pub table: String,
    /// Canonical dialect names, in config order.
    pub targets: Vec<String>,
}

impl Settings {
    pub fn load(path: Option<&Path>) -> Result<Settings, Failure> {
        let (config, config_path) = Config::load(path)?;
        let access = config.access(&config_path)?;
        Ok(Settings {
            config,
            config_path,
            access,
            verbose: false,
        })
    }

    pub fn schema_paths(&self, flags: &[PathBuf]) -> Vec<PathBuf> {
        if !flags.is_empty() {
            flags.to_vec()
        } else if !self.config.schema.is_empty() {
            self.config.schema.clone()
        } else {
            vec![PathBuf::from("schema")]
        }
    }

    pub fn resolve(&self, target: &Target, allow_flag: bool) -> Result<Resolved, Failure> {
        let c = &self.config;
        let env_name = target.env.clone().or_else(|| c.default_env.clone());
        let env = match &env_name {
            Some(n) => Some(c.environment(n, &self.config_path)?),
            None => None,
        };
        let url = match (&target.url, env) {
            (Some(u), _) => u.clone(),
            (None, Some(e)) => match &e.url_error {
                Some(why) => return Err(Failure::refused(why.clone())),
                None => e.url.clone(),
            },
            (None, None) => DEFAULT_URL.to_string(),
        };
        let migrate_lock_timeout = self
            .duration(
                env_name.as_deref(),
                "migrate_lock_timeout",
                env.and_then(|e| e.migrate_lock_timeout.clone()),
                c.migrate_lock_timeout.clone(),
            )?
            .unwrap_or(Duration::from_secs(60));
        let catalog_timeout = self
            .duration(
                env_name.as_deref(),
                "catalog_timeout",
                env.and_then(|e| e.catalog_timeout.clone()),
                c.catalog_timeout.clone(),
            )?
            .unwrap_or(crate::dialect::DEFAULT_CATALOG_TIMEOUT);
        // Sent to the server as milliseconds, so a spelling PostgreSQL reads differently
        // (`1m` is not a minute there) or not at all never reaches it.
        let as_ms = |d: Option<Duration>| d.map(|d| format!("{}ms", d.as_millis()));
        let lock_timeout = self
            .duration(
                env_name.as_deref(),
                "lock_timeout",
                env.and_then(|e| e.lock_timeout.clone()),
                c.lock_timeout.clone(),
            )?
            .unwrap_or(DEFAULT_LOCK_TIMEOUT);
        let lock_retry_backoff = self
            .duration(
                env_name.as_deref(),
                "lock_retry_backoff",
                env.and_then(|e| e.lock_retry_backoff.clone()),
                c.lock_retry_backoff.clone(),
            )?
            .unwrap_or(Duration::from_secs(1));
        Ok(Resolved {
            url,
            exec: ExecOptions {
                // `0` switches the timeout off, as PostgreSQL reads it.
                lock_timeout: as_ms(Some(lock_timeout)),
                statement_timeout: as_ms(self.duration(
                    env_name.as_deref(),
                    "statement_timeout",
                    env.and_then(|e| e.statement_timeout.clone()),
                    c.statement_timeout.clone(),
                )?),
                lock_wait: migrate_lock_timeout,
                lock_retries: env
                    .and_then(|e| e.lock_retries)
                    .or(c.lock_retries)
                    .unwrap_or(DEFAULT_LOCK_RETRIES),
                lock_retry_backoff,
                expect: None,
            },
            render: self.render_options(),
            allow_destructive: allow_flag
                || env
                    .and_then(|e| e.allow_destructive)
                    .unwrap_or(c.allow_destructive),
            migrate_lock_timeout,
            catalog_timeout,
            access: self.access.clone(),
        })
    }

    /// How plans render, from `online` and `concurrent_indexes`: the same for `plan`,
    /// `apply`, `diff` and `generate`.
    pub fn render_options(&self) -> RenderOptions {
        RenderOptions {
            concurrent_indexes: self.config.concurrent_indexes,
            online: self.config.online.unwrap_or(true),
            definer: self.config.mysql_definer.clone(),
            ..Default::default()
        }
    }

    /// A duration setting: the environment's value, else the top-level one; a value that
    /// is not a duration is an error naming its key.
    fn duration(
        &self,
        env_name: Option<&str>,
        key: &str,
        in_env: Option<String>,
        top: Option<String>,
    ) -> Result<Option<Duration>, Failure> {
        let (key, value) = match (in_env, env_name) {
            (Some(v), Some(env)) => (format!("environments.{env}.{key}"), v),
            _ => match top {
                Some(v) => (key.to_string(), v),
                None => return Ok(None),
            },
        };
        parse_duration(&value).map(Some).ok_or_else(|| {
            Failure::refused(format!(
                "{}: `{key}: {value}` is not a duration; write e.g. 30s, 2min or 500ms",
                self.config_path
            ))
        })
    }

    /// The tracking table's name (checked by [`Settings::migrations`]).
    pub fn tracking_table(&self) -> &str {
        self.config
            .tracking_table
            .as_deref()
            .unwrap_or(tracking::DEFAULT_TABLE)
    }

    pub fn migrations(&self) -> Result<MigrateSettings, Failure> {
        let c = &self.config;
        let table = self.tracking_table().to_string();
        tracking::check_table_name(&table)?;
        let mut targets = Vec::new();
        for name in &c.dialects {
            let d = crate::dialect::dialect_by_name(name).ok_or_else(|| {
                Failure::refused(format!(
                    "{}: `dialects` lists `{name}`: use sqlite, postgres or mysql",
                    self.config_path
                ))
            })?;
            if !targets.iter().any(|t: &String| t == d.name()) {
                targets.push(d.name().to_string());
            }
        }
        if targets.is_empty() {
            let url = self
                .resolve(
                    &Target {
                        env: None,
                        url: None,
                    },
                    false,
                )?
                .url;
            targets.push(crate::dialect::dialect_for_url(&url)?.name().to_string());
        }
        for name in c.dev_urls.keys() {
            if crate::dialect::dialect_by_name(name).is_none() {
                return Err(Failure::refused(format!(
                    "{}: `dev_urls` has `{name}`: use a server dialect name (postgres or mysql)",
                    self.config_path
                )));
            }
        }
        Ok(MigrateSettings {
            root: c
                .migrations
                .clone()
                .unwrap_or_else(|| PathBuf::from("migrations")),
            table,
            targets,
        })
    }

    /// Dev server URLs keyed by canonical dialect name.
    pub fn dev_urls(&self) -> std::collections::BTreeMap<String, String> {
        self.config
            .dev_urls
            .iter()
            .filter_map(|(k, v)| {
                crate::dialect::dialect_by_name(k).map(|d| (d.name().to_string(), v.clone()))
            })
            .collect()
    }
}
