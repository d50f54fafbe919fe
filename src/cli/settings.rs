//! Resolves command-line flags and `sqlshift.yaml` into the settings a command runs with.

use super::{Failure, Target};
use crate::config::{Config, DEFAULT_URL};
use crate::dialect::{ExecOptions, RenderOptions};
use std::path::{Path, PathBuf};

pub struct Settings {
    pub config: Config,
    pub config_path: String,
}

/// Where a command connects and how it behaves there.
pub struct Resolved {
    pub url: String,
    pub exec: ExecOptions,
    pub render: RenderOptions,
    pub allow_destructive: bool,
}

impl Settings {
    pub fn load(path: Option<&Path>) -> Result<Settings, Failure> {
        let (config, config_path) = Config::load(path)?;
        Ok(Settings {
            config,
            config_path,
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
        let url = target
            .url
            .clone()
            .or_else(|| env.map(|e| e.url.clone()))
            .unwrap_or_else(|| DEFAULT_URL.to_string());
        Ok(Resolved {
            url,
            exec: ExecOptions {
                lock_timeout: env
                    .and_then(|e| e.lock_timeout.clone())
                    .or_else(|| c.lock_timeout.clone()),
                statement_timeout: env
                    .and_then(|e| e.statement_timeout.clone())
                    .or_else(|| c.statement_timeout.clone()),
            },
            render: RenderOptions {
                concurrent_indexes: c.concurrent_indexes,
                inspect: false,
            },
            allow_destructive: allow_flag
                || env
                    .and_then(|e| e.allow_destructive)
                    .unwrap_or(c.allow_destructive),
        })
    }
}
