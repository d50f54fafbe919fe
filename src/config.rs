//! `sqlshift.yaml`: schema path, environments, timeouts, safety switches, and the
//! migration settings (folder, tracking table, target dialects, dev servers). Values may
//! use `${VAR}` (or `${VAR:-default}`) so secrets stay in the environment, not the file.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "sqlshift.yaml";
pub const DEFAULT_URL: &str = "sqlite://dev.db";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Schema files or folders; default `schema/`. One path or a list.
    #[serde(default, deserialize_with = "one_or_many")]
    pub schema: Vec<PathBuf>,
    /// The migrations folder; default `migrations/`.
    #[serde(default)]
    pub migrations: Option<PathBuf>,
    /// The tracking table (`table` or `schema.table`); default `schema_migrations`.
    #[serde(default)]
    pub tracking_table: Option<String>,
    /// Dialects `generate` writes migrations for. With more than one, each gets its own
    /// folder (`migrations/<dialect>/`). Default: the dialect of the default environment.
    #[serde(default)]
    pub dialects: Vec<String>,
    /// Per server dialect, a URL where `generate` may create and drop scratch databases
    /// (`dev_urls: { postgres: postgres://postgres@localhost/postgres }`).
    #[serde(default)]
    pub dev_urls: BTreeMap<String, String>,
    /// How long `migrate up`/`down` wait for another runner's lock; default `1min`.
    #[serde(default)]
    pub migrate_lock_timeout: Option<String>,
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// Environment used when neither `--env` nor `--url` is given.
    #[serde(default)]
    pub default_env: Option<String>,
    #[serde(default)]
    pub lock_timeout: Option<String>,
    #[serde(default)]
    pub statement_timeout: Option<String>,
    /// How long one catalog query may run or wait for a lock; default `30s`.
    #[serde(default)]
    pub catalog_timeout: Option<String>,
    #[serde(default)]
    pub allow_destructive: bool,
    /// PostgreSQL: build and drop indexes with CONCURRENTLY, outside the transaction
    /// (online mode does so anyway).
    #[serde(default)]
    pub concurrent_indexes: bool,
    /// PostgreSQL online mode: changes to existing tables take their least-locking form
    /// (NOT VALID + VALIDATE, concurrent unique indexes, NOT NULL through a check, index
    /// replacement). Default on; `online: false` writes the plain forms.
    #[serde(default)]
    pub online: Option<bool>,
    /// MySQL/MariaDB: the account triggers, routines and events are created for
    /// (`DEFINER = app@'%'`); default: the connected user (no DEFINER clause is sent).
    /// Never compared: a program's definer is not part of its definition.
    #[serde(default)]
    pub mysql_definer: Option<String>,
    /// How many times a step that timed out waiting for a lock is tried again; default 3.
    #[serde(default)]
    pub lock_retries: Option<u32>,
    /// The wait before the first retry, doubled for each next one; default `1s`.
    #[serde(default)]
    pub lock_retry_backoff: Option<String>,
    /// `sqlshift drift` settings.
    #[serde(default)]
    pub drift: DriftConfig,
    /// PostgreSQL GRANT/REVOKE and default privileges: off unless `manage: true`.
    #[serde(default)]
    pub privileges: PrivilegesConfig,
    /// PostgreSQL `OWNER TO`: off unless `manage: true`.
    #[serde(default)]
    pub owner: OwnerConfig,
    /// `sqlshift serve` settings.
    #[serde(default)]
    pub service: ServiceConfig,
}

/// `service:` in sqlshift.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// `host:port` to listen on; default `127.0.0.1:8080`.
    #[serde(default)]
    pub listen: Option<String>,
    /// API tokens by name (`ci: ${CI_API_TOKEN}`); the name is what the audit trail records.
    #[serde(default)]
    pub tokens: BTreeMap<String, String>,
    /// Serve reads only: `POST` endpoints answer 403.
    #[serde(default)]
    pub read_only: bool,
    /// How long an API migrate or rollback waits for a lock held elsewhere before
    /// answering 409; default `0s`.
    #[serde(default)]
    pub lock_wait: Option<String>,
}

/// `privileges:` in sqlshift.yaml. Roles live outside one database, so sqlshift only
/// compares and changes the privileges of the roles listed here (never creates a role).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivilegesConfig {
    #[serde(default)]
    pub manage: bool,
    /// Role names as PostgreSQL keeps them (case matters); `PUBLIC` for PUBLIC.
    #[serde(default)]
    pub roles: Vec<String>,
}

/// `owner:` in sqlshift.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerConfig {
    #[serde(default)]
    pub manage: bool,
}

/// `drift:` in sqlshift.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftConfig {
    /// Objects `drift` does not compare.
    #[serde(default)]
    pub ignore: IgnoreConfig,
}

/// `drift.ignore`: object name patterns, schemas and object kinds left out of drift.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreConfig {
    /// Glob patterns (`*`, `?`) matched against bare and qualified object names.
    #[serde(default)]
    pub names: Vec<String>,
    /// Schemas (namespaces) whose objects are ignored.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Object kinds: table, view, materialized_view, type, sequence, schema, extension,
    /// index, unique, check, foreign_key, comment, policy (with row-level security),
    /// privilege, owner.
    #[serde(default)]
    pub kinds: Vec<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(p) => vec![p],
        OneOrMany::Many(v) => v,
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub url: String,
    /// Why `url` could not be expanded (an unset variable). Reported only when a command
    /// uses this URL, so `--url` still overrides an environment whose variable is unset.
    #[serde(skip)]
    pub url_error: Option<String>,
    #[serde(default)]
    pub lock_timeout: Option<String>,
    #[serde(default)]
    pub statement_timeout: Option<String>,
    #[serde(default)]
    pub allow_destructive: Option<bool>,
    #[serde(default)]
    pub migrate_lock_timeout: Option<String>,
    #[serde(default)]
    pub catalog_timeout: Option<String>,
    #[serde(default)]
    pub lock_retries: Option<u32>,
    #[serde(default)]
    pub lock_retry_backoff: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: `{key}` uses `${{}}`, which names no variable; write `${{VAR}}` (or `${{VAR:-default}}`)")]
    EmptyVar { path: String, key: String },
    #[error("{path}: `{key}` uses ${{{var}}}, but {var} is not set in the environment")]
    MissingVar {
        path: String,
        key: String,
        var: String,
    },
    #[error("unknown environment `{name}`; {path} defines: {known}")]
    UnknownEnv {
        name: String,
        path: String,
        known: String,
    },
}

impl Config {
    /// Reads `path` if it exists; a missing default file means the defaults.
    pub fn load(path: Option<&Path>) -> Result<(Config, String), ConfigError> {
        let (path, required) = match path {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(FILE_NAME), false),
        };
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Config::default(), shown))
            }
            Err(e) => {
                return Err(ConfigError::Read {
                    path: shown,
                    reason: e.to_string(),
                })
            }
        };
        let mut cfg = Self::parse(&text, &shown)?;
        cfg.interpolate(&shown, &|v| std::env::var(v).ok())?;
        Ok((cfg, shown))
    }

    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        // A UTF-8 byte order mark (Windows editors) is not YAML content.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_yaml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    fn interpolate(
        &mut self,
        path: &str,
        get: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        let fix = |key: String, value: &mut String| -> Result<(), ConfigError> {
            *value = expand(value, get).map_err(|var| {
                if var.trim().is_empty() {
                    ConfigError::EmptyVar {
                        path: path.to_string(),
                        key,
                    }
                } else {
                    ConfigError::MissingVar {
                        path: path.to_string(),
                        key,
                        var,
                    }
                }
            })?;
            Ok(())
        };
        for (name, env) in &mut self.environments {
            match fix(format!("environments.{name}.url"), &mut env.url) {
                Err(e @ ConfigError::MissingVar { .. }) => env.url_error = Some(e.to_string()),
                other => other?,
            }
            if let Some(v) = &mut env.lock_timeout {
                fix(format!("environments.{name}.lock_timeout"), v)?;
            }
            if let Some(v) = &mut env.statement_timeout {
                fix(format!("environments.{name}.statement_timeout"), v)?;
            }
            if let Some(v) = &mut env.lock_retry_backoff {
                fix(format!("environments.{name}.lock_retry_backoff"), v)?;
            }
            if let Some(v) = &mut env.migrate_lock_timeout {
                fix(format!("environments.{name}.migrate_lock_timeout"), v)?;
            }
            if let Some(v) = &mut env.catalog_timeout {
                fix(format!("environments.{name}.catalog_timeout"), v)?;
            }
        }
        if let Some(v) = &mut self.lock_timeout {
            fix("lock_timeout".into(), v)?;
        }
        if let Some(v) = &mut self.lock_retry_backoff {
            fix("lock_retry_backoff".into(), v)?;
        }
        if let Some(v) = &mut self.migrate_lock_timeout {
            fix("migrate_lock_timeout".into(), v)?;
        }
        for (name, url) in &mut self.dev_urls {
            fix(format!("dev_urls.{name}"), url)?;
        }
        if let Some(v) = &mut self.statement_timeout {
            fix("statement_timeout".into(), v)?;
        }
        if let Some(v) = &mut self.catalog_timeout {
            fix("catalog_timeout".into(), v)?;
        }
        for (name, token) in &mut self.service.tokens {
            fix(format!("service.tokens.{name}"), token)?;
        }
        if let Some(v) = &mut self.service.listen {
            fix("service.listen".into(), v)?;
        }
        Ok(())
    }

    /// What of PostgreSQL's access control the configuration manages; a list that cannot
    /// be used is an error naming its key.
    pub fn access(&self, path: &str) -> Result<crate::model::Access, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_string(),
            message,
        };
        let p = &self.privileges;
        let mut roles = std::collections::BTreeSet::new();
        for r in &p.roles {
            if r.trim().is_empty() {
                return Err(invalid(
                    "`privileges.roles` has an empty role name".to_string(),
                ));
            }
            roles.insert(if r.eq_ignore_ascii_case("public") {
                crate::model::security::PUBLIC.to_string()
            } else {
                r.clone()
            });
        }
        if p.manage && roles.is_empty() {
            return Err(invalid(
                "`privileges.manage` is true but `privileges.roles` lists no role: list the roles whose privileges sqlshift may change (e.g. `roles: [app_ro, app_rw]`)".to_string(),
            ));
        }
        if !p.manage && !roles.is_empty() {
            return Err(invalid(
                "`privileges.roles` is set but `privileges.manage` is not true: add `manage: true` to manage these roles' privileges, or remove the list".to_string(),
            ));
        }
        Ok(crate::model::Access {
            privilege_roles: p.manage.then_some(roles),
            owners: self.owner.manage,
        })
    }

    pub fn environment(&self, name: &str, path: &str) -> Result<&Environment, ConfigError> {
        self.environments
            .get(name)
            .ok_or_else(|| ConfigError::UnknownEnv {
                name: name.to_string(),
                path: path.to_string(),
                known: if self.environments.is_empty() {
                    "no environments".to_string()
                } else {
                    self.environments
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })
    }
}

/// Reads a duration such as `500ms`, `5s`, `2min` or `1h`.
pub fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "sec" => n,
        "min" | "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    std::time::Duration::try_from_secs_f64(secs).ok()
}

/// Expands `${VAR}` and `${VAR:-default}`; the error is the missing variable's name.
pub fn expand(s: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let inner = &after[..end];
        let (var, default) = match inner.split_once(":-") {
            Some((v, d)) => (v, Some(d)),
            None => (inner, None),
        };
        match get(var).or_else(|| default.map(str::to_string)) {
            Some(v) => out.push_str(&v),
            None => return Err(var.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_variables_and_defaults() {
        let get = |v: &str| (v == "PW").then(|| "s3cret".to_string());
        assert_eq!(
            expand("postgres://u:${PW}@h/db", &get).ok(),
            Some("postgres://u:s3cret@h/db".into())
        );
        assert_eq!(
            expand("${HOST:-localhost}", &get).ok(),
            Some("localhost".into())
        );
        assert_eq!(expand("${NOPE}", &get), Err("NOPE".into()));
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = Config::parse("schemas: [x]\n", "sqlshift.yaml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("unknown field `schemas`"), "{e}");
    }

    #[test]
    fn migration_keys_parse() {
        let c = Config::parse(
            "migrations: db/migrations\ntracking_table: ops.migrations\ndialects: [sqlite, postgres]\ndev_urls:\n  postgres: postgres://localhost/postgres\nmigrate_lock_timeout: 30s\n",
            "f",
        )
        .unwrap_or_default();
        assert_eq!(c.dialects, vec!["sqlite", "postgres"]);
        assert_eq!(c.dev_urls.len(), 1);
        assert_eq!(c.migrate_lock_timeout.as_deref(), Some("30s"));
        assert_eq!(
            parse_duration("30s"),
            Some(std::time::Duration::from_secs(30))
        );
        assert_eq!(
            parse_duration("2min"),
            Some(std::time::Duration::from_secs(120))
        );
        assert_eq!(
            parse_duration("250ms"),
            Some(std::time::Duration::from_millis(250))
        );
        assert_eq!(parse_duration("30"), None);
    }

    #[test]
    fn drift_ignore_rules_parse() {
        let c = Config::parse(
            "drift:\n  ignore:\n    names: [\"tmp_*\"]\n    schemas: [audit]\n    kinds: [comment]\n",
            "f",
        )
        .unwrap_or_default();
        assert_eq!(c.drift.ignore.names, vec!["tmp_*"]);
        assert_eq!(c.drift.ignore.schemas, vec!["audit"]);
        assert_eq!(c.drift.ignore.kinds, vec!["comment"]);
        let e = Config::parse("drift:\n  ignored: {}\n", "f")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("unknown field `ignored`"), "{e}");
    }

    #[test]
    fn access_keys_parse_and_are_checked() {
        let c = Config::parse(
            "privileges:\n  manage: true\n  roles: [app_ro, \"App RW\", PUBLIC]\nowner:\n  manage: true\n",
            "f",
        )
        .unwrap_or_default();
        let a = c.access("f").unwrap_or_default();
        let roles: Vec<&str> = a
            .privilege_roles
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        assert_eq!(roles, ["App RW", "app_ro", "public"]);
        assert!(a.owners);
        let off = Config::parse("", "f").unwrap_or_default().access("f");
        assert_eq!(off.ok(), Some(crate::model::Access::default()));
        let e = Config::parse("privileges:\n  manage: true\n", "f")
            .unwrap_or_default()
            .access("f")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("`privileges.roles` lists no role"), "{e}");
        let e = Config::parse("privileges:\n  roles: [a]\n", "f")
            .unwrap_or_default()
            .access("f")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("`privileges.manage` is not true"), "{e}");
        let e = Config::parse("privileges:\n  role: [a]\n", "f")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("unknown field `role`"), "{e}");
    }

    #[test]
    fn schema_is_one_path_or_a_list() {
        let one = Config::parse("schema: db/schema\n", "f")
            .map(|c| c.schema)
            .unwrap_or_default();
        assert_eq!(one, vec![PathBuf::from("db/schema")]);
        let many = Config::parse("schema: [a.sql, b]\n", "f")
            .map(|c| c.schema)
            .unwrap_or_default();
        assert_eq!(many.len(), 2);
    }

    #[test]
    fn missing_variable_names_key() {
        let mut c = Config::parse(
            "environments:\n  prod:\n    url: postgres://${DB_URL_FOR_TEST_X}\n",
            "f",
        )
        .unwrap_or_default();
        // An environment's URL fails only when used (so `--url` can override it).
        assert!(c.interpolate("f", &|_| None).is_ok());
        let e = c.environments["prod"].url_error.clone().unwrap_or_default();
        assert!(
            e.contains("environments.prod.url") && e.contains("DB_URL_FOR_TEST_X"),
            "{e}"
        );
        let mut c = Config::parse("lock_timeout: ${}\n", "f").unwrap_or_default();
        let e = c
            .interpolate("f", &|_| None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("`lock_timeout` uses `${}`"), "{e}");
        let mut c = Config::parse("lock_timeout: ${LT_UNSET_X}\n", "f").unwrap_or_default();
        let e = c
            .interpolate("f", &|_| None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("LT_UNSET_X is not set"), "{e}");
    }
}
