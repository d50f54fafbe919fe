//! The thread the library's database work runs on. The engine's futures (introspection,
//! the migrator) are not `Send` (rustc cannot prove it through sqlx's executor bounds), and
//! axum needs `Send` handlers; so each handler hands its work to this thread, which runs
//! every job as a local task of its own single-threaded runtime, and awaits the answer.
//!
//! A job runs to its end even when the handler waiting for it is dropped (its client hung
//! up): a migration is never cancelled half-way by a closed connection.

use super::error::ApiError;
use axum::http::StatusCode;
use std::future::Future;
use std::pin::Pin;

type Job = Box<dyn FnOnce() -> Pin<Box<dyn Future<Output = ()>>> + Send>;

pub struct Engine {
    jobs: tokio::sync::mpsc::UnboundedSender<Job>,
}

impl Engine {
    /// Starts the thread.
    pub fn start() -> std::io::Result<Engine> {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("sqlshift-engine".into())
            .spawn(move || {
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt, async move {
                    while let Some(job) = rx.recv().await {
                        tokio::task::spawn_local(job());
                    }
                });
            })?;
        Ok(Engine { jobs: tx })
    }

    /// Runs `work` on the engine thread and returns what it returns.
    pub async fn run<T, F, Fut>(&self, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T> + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            Box::pin(async move {
                let _ = tx.send(work().await);
            })
        });
        let gone = || {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the engine thread stopped",
            )
        };
        self.jobs.send(job).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())
    }
}
