//! `sqlshift serve`: the HTTP API, a second front door beside `cli/` over the same library
//! code: the same tracking table, the same migrator under the same migration lock (so a
//! command-line run and an API run exclude each other), the same health check.
//!
//! Only this folder sees the HTTP crate (axum). The command line resolves the settings and
//! hands a [`Config`] to [`serve`]. Every endpoint except `GET /v1/health` needs a bearer
//! token; `POST` endpoints also need a server not started read-only. A migrate or rollback
//! runs in its own task, so a client that hangs up does not cancel it, and shutdown (SIGTERM
//! or Ctrl-C) waits for it: it finishes or rolls back, never stops half-way.

mod auth;
mod engine;
mod error;
mod handlers;
mod metrics;
pub mod openapi;

pub use auth::Token;

use crate::dialect::RenderOptions;
use crate::migrate::Options;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest request body accepted; anything longer is answered 413.
pub const BODY_LIMIT: usize = 16 * 1024;

/// Everything the service needs, resolved from `sqlshift.yaml` and the flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database URL as configured, password included (never logged or answered).
    pub url: String,
    /// The migrations folder for the database's dialect.
    pub migrations: PathBuf,
    /// The schema files, for `GET /v1/plan?source=schema` and `GET /v1/drift?against=schema`.
    pub schema: Vec<PathBuf>,
    /// The scratch server for replaying migrations (`dev_urls` of the dialect).
    pub dev_url: Option<String>,
    /// The migrator's settings: tracking table, timeouts, `applied_by`.
    pub migrator: Options,
    pub render: RenderOptions,
    /// Bound on one health check or catalog read.
    pub catalog_timeout: Duration,
    pub tokens: Vec<Token>,
    pub read_only: bool,
    pub listen: SocketAddr,
    /// How long `POST /v1/migrate` and `/v1/rollback` wait for a migration lock held by
    /// another runner before answering 409.
    pub lock_wait: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("refusing to start: no API token is configured; set SQLSHIFT_API_TOKEN or `service.tokens` in sqlshift.yaml, or start with --read-only")]
    NoToken,
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("the server stopped: {0}")]
    Serve(String),
}

/// The migrate or rollback running now, for the 409 answer to a second one.
struct Running {
    what: &'static str,
    by: String,
    since: Instant,
}

pub(crate) struct AppState {
    cfg: Config,
    engine: engine::Engine,
    tokens: auth::Tokens,
    metrics: metrics::Metrics,
    /// Held while a migrate or rollback runs; shutdown waits for it.
    write: Arc<tokio::sync::Mutex<()>>,
    running: std::sync::Mutex<Option<Running>>,
}

/// Who called: the name of the token presented (`anonymous` on a read-only server without
/// tokens), and the client's address, as the audit trail records them.
#[derive(Clone)]
pub(crate) struct Caller(pub String, pub String);

type Shared = Arc<AppState>;

/// The routes, with authentication, the read-only switch and the body limit.
fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/v1/status", get(handlers::status))
        .route("/v1/history", get(handlers::history))
        .route("/v1/drift", get(handlers::drift))
        .route("/v1/plan", get(handlers::plan))
        .route("/v1/migrate", post(handlers::migrate))
        .route("/v1/rollback", post(handlers::rollback))
        .route("/v1/openapi.json", get(handlers::openapi))
        .route("/metrics", get(handlers::metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorize));
    Router::new()
        .route("/v1/health", get(handlers::health))
        .merge(api)
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}

/// Checks the bearer token (401), then refuses writes on a read-only server (403).
async fn authorize(State(state): State<Shared>, mut req: Request, next: Next) -> Response {
    let caller = if state.tokens.is_empty() {
        // Only a read-only server starts without tokens.
        "anonymous".to_string()
    } else {
        let header = req
            .headers()
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let Some(presented) = header.and_then(auth::bearer) else {
            return ApiError::unauthorized("missing `Authorization: Bearer <token>`")
                .into_response();
        };
        match state.tokens.check(presented) {
            Some(name) => name.to_string(),
            None => return ApiError::unauthorized("the token is not valid").into_response(),
        }
    };
    if state.cfg.read_only && req.method() == Method::POST {
        return ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "read_only",
            "this server was started with --read-only: migrate and rollback are refused",
        )
        .into_response();
    }
    let origin = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.to_string())
        .unwrap_or_else(|| "unknown".into());
    req.extensions_mut().insert(Caller(caller, origin));
    next.run(req).await
}

/// Serves until SIGTERM or Ctrl-C, then waits for a running migrate or rollback to end.
/// `ready` is called with the address once the socket listens.
pub async fn serve(cfg: Config, ready: impl FnOnce(SocketAddr)) -> Result<(), ServiceError> {
    if cfg.tokens.is_empty() && !cfg.read_only {
        return Err(ServiceError::NoToken);
    }
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .map_err(|e| ServiceError::Bind {
            addr: cfg.listen,
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| ServiceError::Bind {
        addr: cfg.listen,
        reason: e.to_string(),
    })?;
    let engine = engine::Engine::start().map_err(|e| ServiceError::Serve(e.to_string()))?;
    let state = Arc::new(AppState {
        engine,
        tokens: auth::Tokens::new(&cfg.tokens),
        cfg,
        metrics: metrics::Metrics::new(),
        write: Arc::new(tokio::sync::Mutex::new(())),
        running: std::sync::Mutex::new(None),
    });
    ready(addr);
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // A migration whose client went away is still running in its task: let it end.
    let _ = state.write.lock().await;
    served.map_err(|e| ServiceError::Serve(e.to_string()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
