//! sqlshift: declarative schema diff and migrations.
//!
//! One pipeline: a source (SQL files or a live database) becomes a [`model::Schema`]; the
//! target dialect normalizes both sides; [`diff`] lists semantic changes; [`plan`] orders
//! them into steps with hazards; the dialect renders SQL; a sink prints, writes or runs it.
//! [`migrate`] turns the same plans into versioned migration files and applies them with a
//! tracking table. [`drift`] reports how a live database differs from what the repository
//! expects; [`lint`] checks migration files for the same hazards plans flag. [`service`]
//! serves the migration commands over HTTP (`sqlshift serve`).

pub mod cli;
pub mod config;
pub mod dialect;
pub mod diff;
pub mod drift;
pub mod lint;
pub mod migrate;
pub mod model;
pub mod parse;
pub mod plan;
pub mod service;
pub mod source;
