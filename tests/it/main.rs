//! All integration tests in one binary, a module per area.
//!
//! Server-backed tests use PostgreSQL at `SQLSHIFT_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached they are
//! skipped with a notice, unless `SQLSHIFT_REQUIRE_SERVERS=1` (CI), where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod adopt;
mod audit;
mod bad_input;
mod baseline;
mod cli;
mod concurrency;
mod drift;
mod fixtures;
mod health;
mod kill9;
mod lint;
mod literals;
mod locks;
mod messages;
mod migrate;
mod names;
mod native;
mod native_laws;
mod online;
mod partitions;
mod pg_sequences;
mod pg_triggers;
mod programs;
mod property;
mod retries;
mod review;
mod safety;
mod safety_mysql;
mod safety_sqlite;
mod secrets;
mod service;
mod support;
mod user_types;
