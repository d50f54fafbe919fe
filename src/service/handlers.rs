//! The endpoints. Each opens its own connection, loads the migrations folder (checked
//! against `sqlshift.sum`, as every `migrate` command does) and calls the library; none
//! of them decides anything the command line would decide differently.

use super::error::ApiError;
use super::{Caller, Running, Shared};
use crate::dialect::{self, Connection, Dialect};
use crate::drift;
use crate::migrate::files::{self, Directory};
use crate::migrate::health::{self, Verdict};
use crate::migrate::{migrator, report, tracking, DownTarget, Quiet};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Instant;

type ApiResult = Result<Response, ApiError>;

fn dialect_of(s: &Shared) -> Result<&'static dyn Dialect, ApiError> {
    Ok(dialect::dialect_for_url(&s.cfg.url)?)
}

fn load_dir(s: &Shared) -> Result<Directory, crate::migrate::MigrateError> {
    files::require_dir(&s.cfg.migrations)?;
    files::load(&s.cfg.migrations)
}

async fn connect(s: &Shared) -> Result<Connection, ApiError> {
    Ok(dialect::connect(&s.cfg.url)
        .await?
        .with_catalog_timeout(s.cfg.catalog_timeout))
}

/// For a migrate or rollback: transient connection failures are retried.
async fn connect_retrying(s: &Shared) -> Result<Connection, ApiError> {
    let exec = &s.cfg.migrator.exec;
    Ok(
        dialect::connect_retrying(&s.cfg.url, exec.lock_retries, exec.lock_retry_backoff)
            .await?
            .with_catalog_timeout(s.cfg.catalog_timeout),
    )
}

fn table(s: &Shared) -> &str {
    &s.cfg.migrator.table
}

/// A query string that does not parse is a 400 with a JSON body, like every other error.
fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// A body that does not parse is a 400 (413 when over the limit), with a JSON body. It
/// must be a JSON object: serde would otherwise read a struct from an array too.
fn body<T: serde::de::DeserializeOwned>(
    b: Result<Json<Value>, JsonRejection>,
) -> Result<T, ApiError> {
    let v = b.map(|Json(v)| v).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", e.body_text())
        } else {
            ApiError::bad_request(e.body_text())
        }
    })?;
    if !v.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    serde_json::from_value(v).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

pub async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such endpoint; see GET /v1/openapi.json",
    )
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::DOCUMENT,
    )
        .into_response()
}

async fn health_work(s: Shared) -> Response {
    let dir = load_dir(&s).map_err(|e| e.to_string());
    let req = health::Request {
        url: &s.cfg.url,
        table: table(&s),
        directory: s.cfg.migrations.display().to_string(),
        dir: dir.as_ref().map_err(Clone::clone),
        timeout: s.cfg.catalog_timeout,
    };
    let h = health::check(&req).await;
    let code = if h.status == Verdict::Unreachable {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (code, Json(json!({"version": 1, "health": h}))).into_response()
}

async fn status_work(s: Shared) -> ApiResult {
    let dir = load_dir(&s)?;
    let mut conn = connect(&s).await?;
    let rows = migrator::applied(&mut conn, table(&s)).await?;
    let v = report::status_json(conn.url(), conn.dialect().name(), &dir, table(&s), &rows);
    Ok(Json(v).into_response())
}

async fn history_work(s: Shared) -> ApiResult {
    let mut conn = connect(&s).await?;
    let rows = migrator::applied(&mut conn, table(&s)).await?;
    Ok(Json(report::history_json(conn.url(), table(&s), &rows)).into_response())
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    #[default]
    Migrations,
    Schema,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriftQuery {
    #[serde(default)]
    against: Against,
}

/// The live schema as plans see it: without the tracking table.
async fn live(s: &Shared, conn: &mut Connection) -> Result<crate::model::Schema, ApiError> {
    let mut live = conn.introspect().await?;
    tracking::hide(&mut live, table(s), conn.dialect());
    Ok(live)
}

async fn drift_work(s: Shared, q: DriftQuery) -> ApiResult {
    let d = dialect_of(&s)?;
    let mut conn = connect(&s).await?;
    let live = live(&s, &mut conn).await?;
    let (expected, issues) = match q.against {
        Against::Schema => (
            crate::source::load_files(&s.cfg.schema, d)?.schema,
            Vec::new(),
        ),
        Against::Migrations => {
            let dir = load_dir(&s)?;
            let rows = migrator::applied(&mut conn, table(&s)).await?;
            let issues = drift::migrations::issues(&dir, &rows);
            let expected =
                drift::migrations::replayed(d, &dir, table(&s), s.cfg.dev_url.as_deref()).await?;
            (expected, issues)
        }
    };
    let r = drift::compare(&live, &expected, d, &s.cfg.render);
    let drifted = !r.is_clean() || !issues.is_empty();
    s.metrics.drift.store(i64::from(drifted), Ordering::Relaxed);
    let [added, removed, changed] = r.counts();
    let objects: Vec<Value> = r
        .objects
        .iter()
        .map(|o| {
            json!({
                "kind": o.owner.kind,
                "name": o.owner.name,
                "status": o.status.as_str(),
                "differences": o.differences,
            })
        })
        .collect();
    Ok(Json(json!({
        "version": 1,
        "database": conn.url(),
        "dialect": d.name(),
        "against": match q.against { Against::Schema => "schema", Against::Migrations => "migrations" },
        "drifted": drifted,
        "summary": {"added": added, "removed": removed, "changed": changed, "migrations": issues.len()},
        "objects": objects,
        "migrations": issues,
        "repair": crate::plan::json::plan_json(&r.repair, conn.url()),
    }))
    .into_response())
}

#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    #[default]
    Migrations,
    Schema,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    #[serde(default)]
    source: Source,
}

/// The pending migrations with their SQL, or the declarative plan from the database to
/// the schema files.
async fn plan_work(s: Shared, q: PlanQuery) -> ApiResult {
    let d = dialect_of(&s)?;
    match q.source {
        Source::Schema => {
            let desired = crate::source::load_files(&s.cfg.schema, d)?;
            let mut conn = connect(&s).await?;
            let live = live(&s, &mut conn).await?;
            let mut p = crate::plan::plan(&live, &desired.schema, d, &s.cfg.render);
            p.warnings.extend(desired.notes);
            let mut v = crate::plan::json::plan_json(&p, conn.url());
            v["source"] = json!("schema");
            Ok(Json(v).into_response())
        }
        Source::Migrations => {
            let dir = load_dir(&s)?;
            let mut conn = connect(&s).await?;
            let rows = migrator::applied(&mut conn, table(&s)).await?;
            let pending = migrator::select_up(&dir, &rows, None)?;
            let list: Vec<Value> = pending
                .iter()
                .map(|m| {
                    json!({
                        "version": m.version.to_string(),
                        "name": m.name,
                        "file": m.up_file,
                        "sql": m.up_sql,
                    })
                })
                .collect();
            Ok(Json(json!({
                "version": 1,
                "source": "migrations",
                "target": conn.url(),
                "dialect": d.name(),
                "pending": list,
            }))
            .into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrateBody {
    /// Apply up to and including this version (default: all pending).
    #[serde(default)]
    target_version: Option<i64>,
    #[serde(default)]
    dry_run: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackBody {
    /// Revert exactly this migration.
    #[serde(default)]
    version: Option<i64>,
    /// Revert the newest N (default 1).
    #[serde(default)]
    steps: Option<u32>,
    /// Revert every migration newer than this version (0: all).
    #[serde(default)]
    to_version: Option<i64>,
    #[serde(default)]
    dry_run: bool,
}

fn check_version(what: &str, v: i64, allow_zero: bool) -> Result<(), ApiError> {
    if v < 0 || (v == 0 && !allow_zero) {
        return Err(ApiError::bad_request(format!(
            "`{what}`: {v} is not a migration version (versions are positive, e.g. 20261202101500)"
        )));
    }
    Ok(())
}

/// Takes the service's own write slot, or answers 409 naming what runs.
fn claim(
    s: &Shared,
    what: &'static str,
    caller: &Caller,
) -> Result<tokio::sync::OwnedMutexGuard<()>, ApiError> {
    let guard = s.write.clone().try_lock_owned().map_err(|_| {
        let running = s.running.lock().ok().and_then(|r| {
            r.as_ref()
                .map(|r| format!("{} by token `{}`, running for {}s", r.what, r.by, r.since.elapsed().as_secs()))
        });
        ApiError::new(
            StatusCode::CONFLICT,
            "locked",
            format!(
                "another migration run holds the migration lock on this server: {}; try again when it has finished",
                running.unwrap_or_else(|| "a migrate or rollback".into())
            ),
        )
    })?;
    if let Ok(mut r) = s.running.lock() {
        *r = Some(Running {
            what,
            by: caller.0.clone(),
            since: Instant::now(),
        });
    }
    Ok(guard)
}

/// Who holds the migration lock, for a 409 when another process (a command-line run, or
/// another service) holds it.
async fn lock_conflict(s: &Shared, e: crate::migrate::MigrateError) -> ApiError {
    let mut err = ApiError::from(e);
    if err.status != StatusCode::CONFLICT {
        return err;
    }
    if let Ok(mut c) = connect(s).await {
        if let Ok(Some(h)) = c.migration_lock_holder(table(s)).await {
            let who = match (h.session, &h.user, &h.client) {
                (Some(id), Some(u), Some(c)) => format!("session {id} (user {u} from {c})"),
                (Some(id), _, _) => format!("session {id}"),
                _ => "another connection".to_string(),
            };
            err.message = format!(
                "the migration lock is held by {who}: another `sqlshift migrate` is running; try again when it has finished"
            );
        }
    }
    err
}

/// What a dry run would do.
fn dry_run(target: &str, list: Vec<Value>) -> Response {
    Json(json!({"version": 1, "dry_run": true, "target": target, "migrations": list, "warnings": []}))
        .into_response()
}

/// Counts a finished migrate or rollback, frees the write slot and answers.
async fn answer(
    s: &Shared,
    guard: tokio::sync::OwnedMutexGuard<()>,
    started: Instant,
    result: Result<migrator::Report, crate::migrate::MigrateError>,
    (operation, request, caller): (&str, String, &Caller),
    target: String,
) -> ApiResult {
    record(s, started, &result, operation == "rollback");
    let actor = crate::migrate::audit::Actor {
        name: caller.0.clone(),
        origin: caller.1.clone(),
    };
    let row = crate::migrate::audit::run_row(operation, &actor, request, started, &result);
    // Still under the service's write slot, so the trail keeps the order things ran in.
    if crate::migrate::audit::recorded(&result) {
        if let Err(e) = crate::migrate::audit::write(&s.cfg.url, table(s), &row).await {
            eprintln!("warning: could not record this {operation} in the audit table: {e}");
        }
    }
    release(s, guard);
    match result {
        Ok(r) => Ok(Json(json!({
            "version": 1,
            "dry_run": false,
            "target": target,
            "migrations": ran_json(&r.ran),
            "warnings": r.warnings,
        }))
        .into_response()),
        Err(e) => Err(lock_conflict(s, e).await),
    }
}

/// Ends the service's write slot.
fn release(s: &Shared, guard: tokio::sync::OwnedMutexGuard<()>) {
    if let Ok(mut r) = s.running.lock() {
        *r = None;
    }
    drop(guard);
}

fn ran_json(ran: &[(String, i64)]) -> Vec<Value> {
    ran.iter()
        .map(|(id, ms)| {
            let (v, name) = id.split_once('_').unwrap_or((id.as_str(), ""));
            json!({"version": v, "name": name, "execution_time_ms": ms})
        })
        .collect()
}

fn record(
    s: &Shared,
    started: Instant,
    result: &Result<migrator::Report, crate::migrate::MigrateError>,
    reverting: bool,
) {
    let m = &s.metrics;
    let ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    m.last_duration_ms.store(ms, Ordering::Relaxed);
    match result {
        Ok(r) => {
            let n = r.ran.len() as u64;
            if reverting {
                m.reverted.fetch_add(n, Ordering::Relaxed);
            } else {
                m.applied.fetch_add(n, Ordering::Relaxed);
            }
            let wait = i64::try_from(r.lock_wait.as_millis()).unwrap_or(i64::MAX);
            m.last_lock_wait_ms.store(wait, Ordering::Relaxed);
            m.lock_wait_ms_total
                .fetch_add(u64::try_from(wait).unwrap_or(0), Ordering::Relaxed);
        }
        Err(_) => {
            m.failed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn migrate_work(s: Shared, caller: Caller, b: MigrateBody) -> ApiResult {
    if let Some(v) = b.target_version {
        check_version("target_version", v, false)?;
    }
    let dir = load_dir(&s)?;
    let mut conn = connect_retrying(&s).await?;
    let rows = migrator::applied(&mut conn, table(&s)).await?;
    let pending = migrator::select_up(&dir, &rows, b.target_version)?;
    if b.dry_run {
        let list: Vec<Value> = pending
            .iter()
            .map(|m| json!({"version": m.version.to_string(), "name": m.name}))
            .collect();
        return Ok(dry_run(conn.url(), list));
    }
    let guard = claim(&s, "migrate", &caller)?;
    let target = conn.url().to_string();
    let mut opts = s.cfg.migrator.clone();
    opts.lock_timeout = s.cfg.lock_wait;
    let to = b.target_version;
    let started = Instant::now();
    let result = migrator::up(conn, &dir, &opts, to, &mut Quiet)
        .await
        .map(|(_, r)| r);
    let request = match to {
        Some(v) => format!("up to {v}"),
        None => "up".into(),
    };
    answer(
        &s,
        guard,
        started,
        result,
        ("migrate", request, &caller),
        target,
    )
    .await
}

async fn rollback_work(s: Shared, caller: Caller, b: RollbackBody) -> ApiResult {
    let target = match (b.version, b.steps, b.to_version) {
        (Some(v), None, None) => {
            check_version("version", v, false)?;
            DownTarget::Only(v)
        }
        (None, Some(n), None) => DownTarget::Steps(n as usize),
        (None, None, Some(v)) => {
            check_version("to_version", v, true)?;
            DownTarget::To(v)
        }
        (None, None, None) => DownTarget::Steps(1),
        _ => {
            return Err(ApiError::bad_request(
                "give at most one of `version`, `steps` and `to_version`",
            ))
        }
    };
    let mut conn = connect_retrying(&s).await?;
    let rows = migrator::applied(&mut conn, table(&s)).await?;
    let chosen = migrator::select_down(&rows, target)?;
    if b.dry_run {
        let list: Vec<Value> = chosen
            .iter()
            .map(|r| json!({"version": r.version.to_string(), "name": r.name}))
            .collect();
        return Ok(dry_run(conn.url(), list));
    }
    let guard = claim(&s, "rollback", &caller)?;
    let url = conn.url().to_string();
    let mut opts = s.cfg.migrator.clone();
    opts.lock_timeout = s.cfg.lock_wait;
    let started = Instant::now();
    let result = migrator::down(conn, &opts, target, &mut Quiet)
        .await
        .map(|(_, r)| r);
    let request = crate::migrate::audit::request_of(target);
    answer(
        &s,
        guard,
        started,
        result,
        ("rollback", request, &caller),
        url,
    )
    .await
}

async fn metrics_work(s: Shared) -> Response {
    let pending = async {
        let dir = load_dir(&s).ok()?;
        let mut conn = connect(&s).await.ok()?;
        let rows = migrator::applied(&mut conn, table(&s)).await.ok()?;
        let entries = tracking::reconcile(&dir, &rows);
        Some(report::counts(&entries).1)
    };
    let up = async {
        match connect(&s).await {
            Ok(mut c) => c.server_version().await.is_ok(),
            Err(_) => false,
        }
    };
    let (pending, up) = tokio::join!(pending, up);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        s.metrics.render(up, pending),
    )
        .into_response()
}

// The handlers: each parses its input here and runs its work on the engine thread.

pub async fn health(State(s): State<Shared>) -> Response {
    let e = s.clone();
    e.engine
        .run(move || health_work(s))
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

pub async fn status(State(s): State<Shared>) -> ApiResult {
    let e = s.clone();
    e.engine.run(move || status_work(s)).await?
}

pub async fn history(State(s): State<Shared>) -> ApiResult {
    let e = s.clone();
    e.engine.run(move || history_work(s)).await?
}

pub async fn drift(
    State(s): State<Shared>,
    q: Result<Query<DriftQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let e = s.clone();
    e.engine.run(move || drift_work(s, q)).await?
}

pub async fn plan(
    State(s): State<Shared>,
    q: Result<Query<PlanQuery>, QueryRejection>,
) -> ApiResult {
    let q = query(q)?;
    let e = s.clone();
    e.engine.run(move || plan_work(s, q)).await?
}

pub async fn migrate(
    State(s): State<Shared>,
    Extension(caller): Extension<Caller>,
    b: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let b: MigrateBody = body(b)?;
    let e = s.clone();
    e.engine.run(move || migrate_work(s, caller, b)).await?
}

pub async fn rollback(
    State(s): State<Shared>,
    Extension(caller): Extension<Caller>,
    b: Result<Json<Value>, JsonRejection>,
) -> ApiResult {
    let b: RollbackBody = body(b)?;
    let e = s.clone();
    e.engine.run(move || rollback_work(s, caller, b)).await?
}

pub async fn metrics(State(s): State<Shared>) -> Response {
    let e = s.clone();
    e.engine
        .run(move || metrics_work(s))
        .await
        .unwrap_or_else(IntoResponse::into_response)
}
