//! Who is calling, and what their role allows.
//!
//! A caller authenticates with a session cookie (after `POST /api/v1/session`) or an API token
//! (`Authorization: Bearer dpt_…`). Both are random 256-bit secrets; the database keeps only
//! their sha256. Passwords are argon2id PHC strings (OWASP parameters: 19 MiB, 2 passes),
//! hashed through a [`PasswordGate`] that bounds how many hashes (and their memory) run at once.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use discpath_store::accounts::{self, SessionClock, User};
use sha2::{Digest as _, Sha256};

use crate::error::ApiError;
use crate::gate::Gate;
use crate::state::{AppState, ago, now};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "discpath_session";
/// A session used again within this is not marked used again (one write per burst).
const SESSION_TOUCH: Duration = Duration::from_secs(60);
/// The prefix of API tokens (so that a leaked one is easy to recognise and scan for).
pub(crate) const TOKEN_PREFIX: &str = "dpt_";

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages the clinic's accounts and reads the audit trail; sees no patient data.
    Admin,
    /// Reviews recommendations, decides, plans care.
    Clinician,
    /// Registers patients, runs intake, books sessions, records follow-ups.
    Coordinator,
}

/// Something a role may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read patients, episodes, assessments, care plans and responses.
    ReadPatients,
    /// Create and change patients and episodes.
    WritePatients,
    /// Submit assessments.
    Assess,
    /// Accept or override a recommendation.
    Decide,
    /// Create care plans and record session status.
    PlanCare,
    /// Record follow-up questionnaires.
    RecordFollowUps,
    /// Read and manage consultation requests.
    HandleConsultations,
    /// Manage the clinic's users.
    ManageUsers,
    /// Set the clinic's public-page address, display name and emergency number.
    ManageClinic,
    /// Read the audit trail.
    ReadAudit,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 3] = [Self::Admin, Self::Clinician, Self::Coordinator];

    /// Parses a role code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|role| role.as_str() == code)
    }

    /// The role's code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Clinician => "clinician",
            Self::Coordinator => "coordinator",
        }
    }

    /// Whether the role has a permission.
    pub const fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Self::Admin => matches!(permission, P::ManageUsers | P::ManageClinic | P::ReadAudit),
            Self::Clinician => matches!(
                permission,
                P::ReadPatients
                    | P::WritePatients
                    | P::Assess
                    | P::Decide
                    | P::PlanCare
                    | P::RecordFollowUps
                    | P::HandleConsultations
            ),
            Self::Coordinator => matches!(
                permission,
                P::ReadPatients
                    | P::WritePatients
                    | P::Assess
                    | P::PlanCare
                    | P::RecordFollowUps
                    | P::HandleConsultations
            ),
        }
    }
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub user: User,
    pub role: Role,
    /// The API token it authenticated with (none: a session cookie).
    pub token_id: Option<String>,
    /// Whether the caller is an administrator who must set up a second factor first (their
    /// clinic requires one): then no permission is granted.
    pub second_factor_missing: bool,
}

impl Caller {
    /// Refuses the request unless the caller's role has the permission (and, for an
    /// administrator of a clinic that requires it, a second factor is set up).
    pub(crate) fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.second_factor_missing {
            Err(ApiError::SecondFactorRequired)
        } else if self.role.allows(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The caller's clinic.
    pub(crate) fn clinic(&self) -> &str {
        &self.user.clinic_id
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (user, token_id) = match bearer(&parts.headers) {
            Some(token) => accounts::token_user(&state.store, &secret_hash(token), &now())
                .await?
                .map(|(user, token_id)| (user, Some(token_id)))
                .ok_or(ApiError::Unauthenticated)?,
            None => {
                let token =
                    cookie(&parts.headers, SESSION_COOKIE).ok_or(ApiError::Unauthenticated)?;
                let (now, idle_since) = (now(), ago(state.config.session_idle));
                let touch_before = ago(SESSION_TOUCH);
                let clock = SessionClock {
                    now: &now,
                    idle_since: &idle_since,
                    touch_before: &touch_before,
                };
                let user = accounts::session_user(&state.store, &secret_hash(token), clock).await?;
                (user.ok_or(ApiError::Unauthenticated)?, None)
            }
        };
        let role = Role::parse(&user.role).ok_or_else(|| {
            ApiError::Internal(format!("user {} has an unknown role", user.user_id))
        })?;
        let second_factor_missing = role == Role::Admin
            && !user.has_totp()
            && accounts::admin_totp_required(&state.store, &user.clinic_id).await?;
        Ok(Self { user, role, token_id, second_factor_missing })
    }
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}

/// A cookie's value.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A new random secret (256 bits, base64url) with a prefix.
pub(crate) fn new_secret(prefix: &str) -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

/// What the database stores of a secret.
pub(crate) fn secret_hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Bounds the password hashes computed at once: each argon2id hash needs 19 MiB for tens of
/// milliseconds, so a flood of logins would otherwise take the memory of one per request. Hashes
/// run on a few threads of their own, one per slot, and each thread checks passwords in one
/// block of memory it keeps (allocating and freeing 19 MiB per login leaves the allocator holding
/// several such blocks per thread). A caller waits briefly for a slot, then is answered 503 with
/// `Retry-After`.
pub(crate) struct PasswordGate {
    slots: Gate,
    jobs: std::sync::mpsc::Sender<Job>,
}

/// Work for a hashing thread, given that thread's argon2 memory.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

impl PasswordGate {
    pub(crate) fn new(slots: usize, wait: Duration) -> Self {
        let slots = slots.max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..slots {
            let queue = Arc::clone(&queue);
            let spawned =
                std::thread::Builder::new().name(format!("password-{n}")).spawn(move || {
                    let mut memory = Vec::new();
                    // Ends when the gate (the sender) is dropped.
                    loop {
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut memory),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password-hashing thread");
            }
        }
        Self { slots: Gate::new(slots, wait), jobs }
    }

    /// Runs `work` on a hashing thread once a slot is free. The slot goes with the work, not
    /// with the request: a client that gives up does not free it while its hash still runs.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let slot = self.slots.slot().await?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _slot = slot;
            let _ = done.send(work(memory));
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::Internal("the password-hashing threads stopped".to_owned()))?;
        result.await.map_err(|_| ApiError::Internal("password hashing failed".to_owned()))
    }

    /// Hashes a new password.
    pub(crate) async fn hash(&self, password: String) -> Result<String, ApiError> {
        self.run(move |_| hash(&password)).await?.map_err(ApiError::Internal)
    }

    /// Checks a password against a stored hash; an unknown user is checked against a fixed hash
    /// so that the answer takes as long either way.
    pub(crate) async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, ApiError> {
        self.run(move |memory| verify(memory, &password, stored.as_deref())).await
    }
}

/// Hashes a password with argon2id (on a blocking thread: it takes tens of milliseconds).
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash(&password)).await.map_err(|e| e.to_string())?
}

fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| e.to_string())
}

/// Checks `password` against a stored PHC string, computing the argon2id hash in `memory`
/// (grown once to the parameters' size and kept); an unknown user (`None`) is checked against a
/// fixed hash, so that the answer takes as long either way.
fn verify(memory: &mut Vec<Block>, password: &str, stored: Option<&str>) -> bool {
    /// The hash of a password nobody has (compared against when the e-mail is unknown).
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Z2u0dCCbNyg8C6lYQJbbZ0hRgvF9cdVhUsSO6kYeL8I";
    let Ok(hash) = PasswordHash::new(stored.unwrap_or(DUMMY)) else { return false };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else { return false };
    let (Ok(params), Ok(algorithm)) =
        (Params::try_from(&hash), Algorithm::try_from(hash.algorithm.as_str()))
    else {
        return false;
    };
    let version = hash.version.map_or(Ok(Version::default()), Version::try_from);
    let Ok(version) = version else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::new());
    }
    let mut computed = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    let hashed = argon2
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            &mut computed,
            &mut memory[..blocks],
        )
        .is_ok();
    // `Output` compares in constant time.
    let matched = hashed && Output::new(&computed).is_ok_and(|computed| computed == *expected);
    stored.is_some() && matched
}
