//! SQLite's WAL checkpoints, off the request path.
//!
//! By default SQLite checkpoints inside the commit that grows the write-ahead log past 1000 pages:
//! that request — and, on the one connection, every request queued behind it — waits while the
//! log is copied into the database and flushed to disk, about once a second at 500 writes/s.
//! Instead a connection of its own checkpoints every [`INTERVAL`] in `PASSIVE` mode, which never
//! blocks the writer. A passive checkpoint cannot restart the log while writes keep coming, so
//! the request connection keeps a far larger automatic checkpoint ([`AUTOCHECKPOINT_PAGES`]) as a
//! backstop: by then the background has copied nearly everything, the writer's own checkpoint
//! has little left to do, and the log starts over — it never grows past about 40 MB.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::any::AnyConnectOptions;
use sqlx::{ConnectOptions as _, Connection as _, Executor as _};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::StoreError;

/// How often the log is checkpointed in the background.
const INTERVAL: Duration = Duration::from_millis(250);

/// The request connection's automatic checkpoint, in pages (4 KiB each).
pub(crate) const AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// The background checkpointing task.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    stop: Arc<Notify>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Opens a connection to the database and starts checkpointing.
    pub(crate) async fn start(options: &AnyConnectOptions) -> Result<Self, StoreError> {
        let mut connection = options.connect().await?;
        let stop = Arc::new(Notify::new());
        let stopped = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut interval = tokio::time::interval(INTERVAL);
            loop {
                tokio::select! {
                    _ = interval.tick() => {
                        if let Err(error) = connection.execute("pragma wal_checkpoint(passive)").await {
                            tracing::warn!(%error, "checkpoint failed");
                        }
                    }
                    () = stopped.notified() => break,
                }
            }
            if let Err(error) = connection.close().await {
                tracing::warn!(%error, "closing the checkpoint connection failed");
            }
        });
        Ok(Self { stop, task: Mutex::new(Some(task)) })
    }

    /// Stops checkpointing (the last connection to close checkpoints what is left).
    pub(crate) async fn stop(&self) {
        self.stop.notify_one();
        let task = self.task.lock().ok().and_then(|mut task| task.take());
        if let Some(task) = task {
            // A task that panicked has nothing left to clean up.
            let _ = task.await;
        }
    }
}
