//! Logging in and out with a session cookie: one piece for the JSON API
//! (`POST`/`DELETE /api/v1/session`) and the clinic's pages (`/clinic/login`, `/clinic/logout`).

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use discpath_store::accounts::{self, User};
use discpath_store::audit::{self, AuditEvent};
use discpath_store::throttle;

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{self, Caller, SESSION_COOKIE};
use crate::error::ApiError;
use crate::state::{AppState, from_now, now};
use crate::throttles;

/// A new session.
pub(crate) struct SignedIn {
    /// Its user.
    pub user: User,
    /// When it ends at the latest (it ends sooner when left idle).
    pub expires_at: String,
    /// The `Set-Cookie` header that carries it.
    pub cookie: HeaderValue,
}

/// Logs in with e-mail and password, and the code of the second factor when the user has one
/// (`totp::verify`: a missing or wrong code is refused naming `code`, and counts as a failed
/// attempt, so guessing codes is throttled like guessing passwords).
///
/// Throttled per account and per client address before the password is checked: the check and
/// the count are one statement per key in the database, so concurrent attempts (on any number of
/// instances) cannot pass more than the limit lets through, and a refused attempt is neither
/// checked nor counted. A success takes back the account's attempts counted up to its own,
/// never later ones; the client's count keeps its failures. Every attempt is in the audit trail
/// — in the account's clinic when the e-mail is known, so its administrator sees it.
pub(crate) async fn sign_in(
    state: &AppState,
    request_id: &RequestId,
    client: std::net::IpAddr,
    email: &str,
    password: String,
    code: Option<&str>,
) -> Result<SignedIn, ApiError> {
    let limits = &state.config.limits;
    let account_key = throttles::key("login-account", email);
    let client_key = throttles::key("login-client", &client.to_string());

    let mut tx = state.store.begin().await?;
    let user = accounts::user_by_email(&mut tx, email).await?;
    let admitted = async {
        let account = throttles::admit(&mut tx, &account_key, &limits.login_account, 1).await?;
        throttles::admit(&mut tx, &client_key, &limits.login_client, 1).await?;
        Ok::<_, ApiError>(account)
    }
    .await;
    let (at, attempt) = (now(), LoginAttempt { user: user.as_ref(), request_id });
    let counted = match admitted {
        Ok(counted) => {
            tx.commit().await?;
            counted
        }
        Err(refusal) => {
            // Nothing counted is kept; the refusal is audited in a transaction of its own.
            drop(tx);
            return Err(attempt.refused(state, &at, refusal).await);
        }
    };
    let enabled = user.as_ref().filter(|u| u.disabled == 0);
    let matched =
        match state.passwords.verify(password, enabled.map(|u| u.password_hash.clone())).await {
            Ok(matched) => matched,
            Err(busy) => return Err(attempt.refused(state, &at, busy).await),
        };
    let Some(user) = enabled.filter(|_| matched) else {
        return Err(attempt.refused(state, &at, ApiError::Unauthenticated).await);
    };

    let mut tx = state.store.begin().await?;
    if let Some(secret) = &user.totp_secret
        && let Err(refusal) = crate::totp::verify(&mut tx, user, secret, code).await
    {
        drop(tx);
        return Err(attempt.refused(state, &at, refusal).await);
    }
    throttle::forgive(&mut tx, &account_key, &limits.login_account, counted).await?;
    throttle::forgive(&mut tx, &client_key, &limits.login_client, 1).await?;
    let token = auth::new_secret("")?;
    let expires_at = from_now(state.config.session_lifetime);
    accounts::create_session(&mut tx, &auth::secret_hash(&token), user, &at, &expires_at).await?;
    let event = attempt.event(&at, "ok");
    audit::append(&mut tx, &event).await?;
    tx.commit().await?;
    let cookie = session_cookie(state, &token, state.config.session_lifetime.as_secs());
    Ok(SignedIn { user: user.clone(), expires_at, cookie })
}

/// Logs out: ends the request's session, or, called with an API token, revokes that token;
/// audited. Sets the header that clears the cookie on `response`.
pub(crate) async fn sign_out(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    headers: &HeaderMap,
    response: &mut Response,
) -> Result<(), ApiError> {
    let token = auth::cookie(headers, SESSION_COOKIE);
    audited(state, Actor::User(caller), "session.delete", request_id, async |tx, subject| {
        if let Some(token_id) = &caller.token_id {
            subject.resource = Some(token_id.clone());
            accounts::revoke_token(tx, &caller.user, token_id, &now()).await?;
        } else if let Some(token) = token {
            accounts::end_session(tx, &auth::secret_hash(token), &now()).await?;
        }
        Ok(())
    })
    .await?;
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(state, "", 0));
    Ok(())
}

/// A login attempt, for its audit record.
struct LoginAttempt<'a> {
    user: Option<&'a User>,
    request_id: &'a RequestId,
}

impl LoginAttempt<'_> {
    /// The audit event: in the account's clinic, naming the account, when the e-mail is known;
    /// the actor is the user only when the login succeeded.
    fn event<'e>(&'e self, at: &'e str, outcome: &'e str) -> AuditEvent<'e> {
        let account = self.user.map(|u| u.user_id.as_str());
        AuditEvent {
            at,
            clinic_id: self.user.map(|u| u.clinic_id.as_str()),
            actor: account.filter(|_| outcome == "ok").unwrap_or("anonymous"),
            action: "session.create",
            patient_id: None,
            resource: account,
            outcome,
            request_id: self.request_id.0.as_deref(),
        }
    }

    /// Records a refused attempt and returns the refusal.
    async fn refused(&self, state: &AppState, at: &str, refusal: ApiError) -> ApiError {
        let recorded = async {
            let mut tx = state.store.begin().await?;
            audit::append(&mut tx, &self.event(at, refusal.outcome())).await?;
            tx.commit().await
        };
        match recorded.await {
            Ok(()) => refusal,
            Err(error) => error.into(),
        }
    }
}

fn session_cookie(state: &AppState, token: &str, max_age: u64) -> HeaderValue {
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let text = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
