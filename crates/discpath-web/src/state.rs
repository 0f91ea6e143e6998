//! What every handler shares: the store, the knowledge base, metrics and configuration. The
//! process keeps no other state: sessions, login-failure counts and the audit trail are in the
//! database, so several instances can serve one PostgreSQL.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use discpath_kb::KnowledgeBase;
use discpath_store::Store;

use crate::metrics::Metrics;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`.
    pub database: String,
    /// How long a login session lasts.
    pub session_lifetime: Duration,
    /// Mark the session cookie `Secure` (keep on; browsers accept it on http://localhost too).
    pub secure_cookies: bool,
    /// Largest JSON request body, in bytes.
    pub body_limit: usize,
    /// Largest uploaded MRI report, in bytes.
    pub upload_limit: usize,
    /// Origins (`https://clinic.example`) trusted for cross-origin form posts.
    pub trusted_origins: Vec<String>,
}

/// The shared state.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Inner>);

pub(crate) struct Inner {
    pub store: Store,
    pub kb: KnowledgeBase,
    pub metrics: Metrics,
    pub config: ServeConfig,
}

impl AppState {
    pub(crate) fn new(store: Store, kb: KnowledgeBase, config: ServeConfig) -> Self {
        Self(Arc::new(Inner { store, kb, metrics: Metrics::new(), config }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The current instant, as stored.
pub(crate) fn now() -> String {
    discpath_store::timestamp(jiff::Timestamp::now())
}
