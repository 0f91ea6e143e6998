//! What every handler shares: the store, the knowledge base, metrics, the password-hashing gate
//! and configuration. The process keeps no other state: sessions, throttles and the audit trail
//! are in the database, so several instances can serve one PostgreSQL.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use discpath_kb::KnowledgeBase;
use discpath_store::Store;

use crate::StartError;
use crate::auth::PasswordGate;
use crate::cds::{CdsClients, CdsSettings};
use crate::gate::Gate;
use crate::metrics::Metrics;
use crate::pages::{Instruments, Seal};
use crate::throttles::Limits;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`.
    pub database: String,
    /// How long a login session lasts.
    pub session_lifetime: Duration,
    /// A login session unused for this long is over (the clinic's pages: 30 minutes).
    pub session_idle: Duration,
    /// Mark the session cookie `Secure` (keep on; browsers accept it on http://localhost too).
    pub secure_cookies: bool,
    /// Largest JSON request body, in bytes.
    pub body_limit: usize,
    /// Largest uploaded MRI report, in bytes.
    pub upload_limit: usize,
    /// Origins (`https://clinic.example`) trusted for cross-origin form posts.
    pub trusted_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (else the peer address is the
    /// client's).
    pub trusted_proxies: Vec<IpAddr>,
    /// The bearer token that `/metrics` requires; without one, only loopback clients may read it.
    pub metrics_token: Option<String>,
    /// How long a client may take to send a request's headers, and how long an idle keep-alive
    /// connection stays open.
    pub header_read_timeout: Duration,
    /// How long a shutdown waits for requests in flight before closing their connections.
    pub shutdown_grace: Duration,
    /// How long an API token lasts.
    pub token_lifetime: Duration,
    /// Password hashes computed at once (each takes 19 MiB for tens of milliseconds).
    pub hashing_slots: usize,
    /// How long a login waits for a hashing slot before it is answered 503.
    pub hashing_wait: Duration,
    /// Public-form posts whose bodies are read at once (each up to the upload limit).
    pub upload_slots: usize,
    /// Throttles of logins and of the public form.
    pub limits: Limits,
    /// The secret that signs a self-assessment's answers between its steps. Instances that
    /// serve one clinic behind a load balancer share it; without one, each process draws its
    /// own at start (answers in progress do not survive a restart).
    pub form_secret: Option<Vec<u8>>,
    /// A directory with a clinic's licensed questionnaire texts (`en.toml`, `es.toml`, the
    /// shape of `crates/discpath-web/instruments/`); without one, the shipped texts, labelled
    /// "not the validated wording".
    pub instrument_texts: Option<PathBuf>,
    /// The CDS Hooks services' trusted EHRs (none: every call is refused 401).
    pub cds: Option<CdsSettings>,
}

impl Default for ServeConfig {
    /// The defaults of `discpath serve`.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: "sqlite://discpath.sqlite3".to_owned(),
            session_lifetime: Duration::from_secs(8 * 3600),
            session_idle: Duration::from_secs(30 * 60),
            secure_cookies: true,
            body_limit: 1 << 20,
            upload_limit: 10 << 20,
            trusted_origins: Vec::new(),
            trusted_proxies: Vec::new(),
            metrics_token: None,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
            token_lifetime: Duration::from_secs(90 * 86_400),
            hashing_slots: std::thread::available_parallelism().map_or(2, usize::from),
            hashing_wait: Duration::from_secs(2),
            upload_slots: 8,
            limits: Limits::default(),
            form_secret: None,
            instrument_texts: None,
            cds: None,
        }
    }
}

/// The shared state.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Inner>);

pub(crate) struct Inner {
    pub store: Store,
    pub kb: KnowledgeBase,
    pub metrics: Metrics,
    pub passwords: PasswordGate,
    pub uploads: Gate,
    /// What the patients' pages need beyond the knowledge base.
    pub pages: PagesState,
    /// The EHRs trusted to call the CDS Hooks services.
    pub cds: CdsClients,
    pub config: ServeConfig,
}

/// The patients' pages' own state: the seal of the self-assessment's answers and the
/// questionnaires' texts.
pub(crate) struct PagesState {
    pub seal: Seal,
    pub instruments: Instruments,
}

impl AppState {
    pub(crate) fn new(
        store: Store,
        kb: KnowledgeBase,
        config: ServeConfig,
        pages: PagesState,
        cds: CdsClients,
    ) -> Self {
        let passwords = PasswordGate::new(config.hashing_slots, config.hashing_wait);
        let uploads = Gate::new(config.upload_slots, UPLOAD_WAIT);
        let metrics = Metrics::new();
        Self(Arc::new(Inner { store, kb, metrics, passwords, uploads, pages, cds, config }))
    }
}

impl PagesState {
    /// The seal of the configured secret (else of one drawn now) and the questionnaire texts
    /// configured (else the shipped ones).
    pub(crate) fn new(config: &ServeConfig) -> Result<Self, StartError> {
        let secret = match &config.form_secret {
            Some(secret) => secret.clone(),
            None => {
                let mut secret = vec![0; 32];
                getrandom::fill(&mut secret).map_err(|e| StartError::Secret(e.to_string()))?;
                secret
            }
        };
        let instruments = Instruments::load(config.instrument_texts.as_deref())
            .map_err(StartError::Instruments)?;
        Ok(Self { seal: Seal::new(&secret), instruments })
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// How long a public-form post waits for an upload slot before it is answered 503.
const UPLOAD_WAIT: Duration = Duration::from_secs(10);

/// The current instant, as stored.
pub(crate) fn now() -> String {
    discpath_store::timestamp(jiff::Timestamp::now())
}

/// Today's date in UTC (what follow-up states are reckoned on).
pub(crate) fn today() -> jiff::civil::Date {
    jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The stored instant `before` ago.
pub(crate) fn ago(before: Duration) -> String {
    let before = jiff::SignedDuration::try_from(before).unwrap_or(jiff::SignedDuration::MAX);
    discpath_store::timestamp(
        jiff::Timestamp::now().saturating_sub(before).unwrap_or(jiff::Timestamp::MIN),
    )
}

/// The stored instant `after` from now.
pub(crate) fn from_now(after: Duration) -> String {
    let after = jiff::SignedDuration::try_from(after).unwrap_or(jiff::SignedDuration::MAX);
    discpath_store::timestamp(
        jiff::Timestamp::now().saturating_add(after).unwrap_or(jiff::Timestamp::MAX),
    )
}
