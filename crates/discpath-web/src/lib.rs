//! The discpath service: the JSON API under `/api/v1`, accounts and roles, the audit trail, and
//! operations endpoints (`/healthz`, `/readyz`, `/metrics`).
//!
//! Reading order: [`Application`] (build: connect and migrate the store, bind; run until a
//! shutdown signal), `server` (connections: timeouts, bounded shutdown), then `routes` (every
//! route with the access it requires), `auth` (sessions, tokens, roles, the password-hashing
//! gate), `audited` (each request one transaction with its audit record), `input` (request
//! bodies, validation, pagination), `throttles` (login and form limits), `client` (the client's
//! address behind trusted proxies) and `headers` (request-id hygiene, security headers).
//!
//! This is the only crate that knows HTTP. Handlers parse, call the engine and the store, and
//! answer; the engine stays pure and the store holds all state.

mod audited;
mod auth;
mod calendar;
mod cds;
mod client;
mod consultation;
pub mod demo;
mod error;
mod gate;
mod headers;
mod input;
mod metrics;
mod pages;
mod routes;
mod server;
mod sessions;
mod state;
mod summary;
mod throttles;
mod totp;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use discpath_kb::KnowledgeBase;
use discpath_store::{Store, StoreError};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::{CsrfLayer, ProtectionError};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use auth::{Permission, Role, hash_password};
pub use cds::{CdsClientSettings, CdsSettings};
pub use error::ApiError;
pub use routes::{Access, RouteSpec, route_table};
pub use state::ServeConfig;
pub use throttles::Limits;

use crate::state::AppState;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The trusted origins are not valid origins.
    #[error("invalid trusted origin: {0}")]
    Origin(String),
    /// The system gave no randomness for the form secret.
    #[error("cannot draw the form secret: {0}")]
    Secret(String),
    /// The questionnaire texts given could not be used.
    #[error("instrument_texts: {0}")]
    Instruments(String),
    /// The CDS Hooks settings could not be used (an unknown clinic, a JWKS that does not parse).
    #[error("cds: {0}")]
    Cds(String),
}

/// A built service, bound to its address, not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Store,
    address: SocketAddr,
    policy: server::ConnectionPolicy,
    throttle_retention_ms: i64,
}

impl Application {
    /// Connects to (and migrates) the database and binds the listener.
    pub async fn build(config: ServeConfig, kb: KnowledgeBase) -> Result<Self, StartError> {
        let store = Store::connect(&config.database).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Bind { address: config.listen, source })?;
        let address = listener
            .local_addr()
            .map_err(|source| StartError::Bind { address: config.listen, source })?;
        let policy = server::ConnectionPolicy {
            header_read_timeout: config.header_read_timeout,
            shutdown_grace: config.shutdown_grace,
        };
        let throttle_retention_ms = config.limits.longest_window_ms();
        let pages = state::PagesState::new(&config)?;
        let cds = cds::CdsClients::load(config.cds.as_ref()).map_err(StartError::Cds)?;
        let router = router(AppState::new(store.clone(), kb, config, pages, cds))?;
        Ok(Self { listener, router, store, address, policy, throttle_retention_ms })
    }

    /// The address it listens on (with the actual port when the configured one was 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The store it uses.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight (for at most
    /// the grace period) and closes the database.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let sweeper = tokio::spawn(sweep(self.store.clone(), self.throttle_retention_ms));
        server::serve(self.listener, self.router, self.policy, shutdown).await;
        sweeper.abort();
        self.store.close().await;
    }
}

/// Deletes, every ten minutes, throttle rows whose windows have long ended (a flood of logins for
/// random e-mails leaves one row each) and the CDS Hooks JWT ids whose tokens have expired (they
/// can no longer be replayed).
async fn sweep(store: Store, retention_ms: i64) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        let purged = async {
            let mut tx = store.begin().await?;
            let purged =
                discpath_store::throttle::purge(&mut tx, throttles::now_ms() - retention_ms)
                    .await?;
            discpath_store::accounts::purge_jwt_ids(&mut tx, &state::now()).await?;
            tx.commit().await?;
            Ok::<_, StoreError>(purged)
        };
        if let Err(error) = purged.await {
            tracing::warn!(%error, "cannot purge old throttle rows and JWT ids");
        }
    }
}

/// Requests that take longer are answered 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

fn router(state: AppState) -> Result<Router, StartError> {
    let mut csrf = CsrfLayer::new()
        .with_insecure_bypass(|method, uri| {
            // The public consultation form carries no credentials, so there is nothing to forge.
            method == axum::http::Method::POST && uri.path().starts_with("/api/v1/clinics/")
        })
        // Refusals get the API's error shape.
        .with_rejection_response(|_: ProtectionError| ApiError::CrossSite.into_response());
    for origin in &state.config.trusted_origins {
        csrf = csrf.add_trusted_origin(origin).map_err(|e| StartError::Origin(e.to_string()))?;
    }
    let upload_limit = state.config.upload_limit + 64 * 1024;
    let (routes, _) = routes::routes();
    Ok(routes
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(upload_limit))
        .layer(csrf)
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::Internal("a handler panicked".to_owned()).into_response()
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    // The route template, never the raw path: paths and queries can carry identifiers
                    // and search terms (patient names).
                    let route = request
                        .extensions()
                        .get::<axum::extract::MatchedPath>()
                        .map_or("unmatched", axum::extract::MatchedPath::as_str);
                    let request_id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    let method = metrics::method_label(request.method());
                    tracing::info_span!("request", method, route, request_id)
                })
                // One access-log line per request: status and latency, inside the span above.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(axum::middleware::from_fn_with_state(state.clone(), headers::security_headers))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(headers::sanitize_request_id))
        .with_state(state))
}
