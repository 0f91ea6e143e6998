//! Sessions (login, logout), API tokens, users and the audit trail.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_store::accounts::{self, ApiToken, User};
use discpath_store::audit::{self, AuditEvent, AuditRecord, Position};
use discpath_store::new_id;
use discpath_store::throttle;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{self, Caller, Permission, Role, SESSION_COOKIE, TOKEN_PREFIX};
use crate::client::ClientAddress;
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Page, PageQuery, Path, Query, bad_cursor};
use crate::state::{AppState, from_now, now};
use crate::throttles;

/// The shortest password accepted.
const MIN_PASSWORD: usize = 12;
/// The longest API token lifetime a caller may ask for, in days.
const MAX_TOKEN_DAYS: i64 = 365;

fn user_json(user: &User) -> Value {
    json!({
        "user_id": user.user_id, "clinic_id": user.clinic_id, "email": user.email,
        "name": user.name, "role": user.role, "disabled": user.disabled != 0,
    })
}

/// `POST /api/v1/session`: logs in with e-mail and password and sets the session cookie.
///
/// Throttled per account and per client address before the password is checked: the check and
/// the count are one statement per key in the database, so concurrent attempts (on any number of
/// instances) cannot pass more than the limit lets through, and a refused attempt is neither
/// checked nor counted. A success takes back the account's attempts counted up to its own,
/// never later ones; the client's count keeps its failures. Every attempt is in the audit trail
/// — in the account's clinic when the e-mail is known, so its administrator sees it.
pub(crate) async fn login(
    State(state): State<AppState>,
    request_id: RequestId,
    ClientAddress(client): ClientAddress,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let mut fields = Fields::new(&body, &["email", "password"]);
    let email = fields.email("email", true);
    let password = fields.text("password", true, 1024);
    fields.finish()?;
    let (email, password) = (email.unwrap_or_default(), password.unwrap_or_default());
    let limits = &state.config.limits;
    let account_key = throttles::key("login-account", &email);
    let client_key = throttles::key("login-client", &client.to_string());

    let mut tx = state.store.begin().await?;
    let user = accounts::user_by_email(&mut tx, &email).await?;
    let admitted = async {
        let account = throttles::admit(&mut tx, &account_key, &limits.login_account, 1).await?;
        throttles::admit(&mut tx, &client_key, &limits.login_client, 1).await?;
        Ok::<_, ApiError>(account)
    }
    .await;
    let (at, attempt) = (now(), LoginAttempt { user: user.as_ref(), request_id: &request_id });
    let counted = match admitted {
        Ok(counted) => {
            tx.commit().await?;
            counted
        }
        Err(refusal) => {
            // Nothing counted is kept; the refusal is audited in a transaction of its own.
            drop(tx);
            return Err(attempt.refused(&state, &at, refusal).await);
        }
    };
    let enabled = user.as_ref().filter(|u| u.disabled == 0);
    let matched =
        match state.passwords.verify(password, enabled.map(|u| u.password_hash.clone())).await {
            Ok(matched) => matched,
            Err(busy) => return Err(attempt.refused(&state, &at, busy).await),
        };
    let Some(user) = enabled.filter(|_| matched) else {
        return Err(attempt.refused(&state, &at, ApiError::Unauthenticated).await);
    };

    let mut tx = state.store.begin().await?;
    throttle::forgive(&mut tx, &account_key, &limits.login_account, counted).await?;
    throttle::forgive(&mut tx, &client_key, &limits.login_client, 1).await?;
    let token = auth::new_secret("")?;
    let expires = from_now(state.config.session_lifetime);
    accounts::create_session(&mut tx, &auth::secret_hash(&token), user, &at, &expires).await?;
    let event = attempt.event(&at, "ok");
    audit::append(&mut tx, &event).await?;
    tx.commit().await?;
    let cookie = session_cookie(&state, &token, state.config.session_lifetime.as_secs());
    let mut response =
        Json(json!({ "user": user_json(user), "expires_at": expires })).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
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

/// `GET /api/v1/session`: who is logged in.
pub(crate) async fn current(caller: Caller) -> Json<Value> {
    Json(json!({ "user": user_json(&caller.user) }))
}

/// `DELETE /api/v1/session`: logs out — ends the session and clears the cookie, or, called with
/// an API token, revokes that token.
pub(crate) async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let token = auth::cookie(&headers, SESSION_COOKIE);
    audited(&state, Actor::User(&caller), "session.delete", &request_id, async |tx, subject| {
        if let Some(token_id) = &caller.token_id {
            subject.resource = Some(token_id.clone());
            accounts::revoke_token(tx, &caller.user, token_id, &now()).await?;
        } else if let Some(token) = token {
            accounts::end_session(tx, &auth::secret_hash(token), &now()).await?;
        }
        Ok(())
    })
    .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(response)
}

/// `GET /api/v1/tokens`: the caller's API tokens.
pub(crate) async fn list_tokens(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    let mut tx = state.store.begin().await?;
    let tokens = accounts::tokens(&mut tx, &caller.user).await?;
    tx.commit().await?;
    Ok(Json(tokens))
}

/// `POST /api/v1/tokens` `{name, expires_in_days?}`: a new API token for the caller (valid for
/// 90 days unless asked otherwise, 1–365); its secret and expiry are shown once.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut fields = Fields::new(&body, &["name", "expires_in_days"]);
    let name = fields.text("name", true, 100);
    let days = fields.integer("expires_in_days", 1, MAX_TOKEN_DAYS);
    fields.finish()?;
    let lifetime = days.map_or(state.config.token_lifetime, |days| {
        std::time::Duration::from_secs(u64::try_from(days).unwrap_or(1) * 86_400)
    });
    let secret = auth::new_secret(TOKEN_PREFIX)?;
    let token = ApiToken {
        token_id: new_id(),
        name: name.unwrap_or_default(),
        created_at: now(),
        expires_at: from_now(lifetime),
        revoked_at: None,
    };
    audited(&state, Actor::User(&caller), "token.create", &request_id, async |tx, subject| {
        subject.resource = Some(token.token_id.clone());
        accounts::create_token(tx, &token, &auth::secret_hash(&secret), &caller.user).await?;
        Ok(())
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "token_id": token.token_id, "name": token.name, "token": secret,
            "created_at": token.created_at, "expires_at": token.expires_at,
        })),
    ))
}

/// `DELETE /api/v1/tokens/{token_id}`: revokes one of the caller's tokens.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(token_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    audited(&state, Actor::User(&caller), "token.revoke", &request_id, async |tx, subject| {
        subject.resource = Some(token_id.clone());
        if accounts::revoke_token(tx, &caller.user, &token_id, &now()).await? {
            Ok(StatusCode::NO_CONTENT)
        } else {
            Err(ApiError::NotFound("token"))
        }
    })
    .await
}

/// `GET /api/v1/users` (admin).
pub(crate) async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
) -> Result<Json<Vec<Value>>, ApiError> {
    audited(&state, Actor::User(&caller), "user.list", &request_id, async |tx, _| {
        caller.require(Permission::ManageUsers)?;
        Ok(Json(accounts::users(tx, caller.clinic()).await?.iter().map(user_json).collect()))
    })
    .await
}

/// `POST /api/v1/users` `{email, name, role, password}` (admin).
pub(crate) async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    audited(&state, Actor::User(&caller), "user.create", &request_id, async |tx, subject| {
        caller.require(Permission::ManageUsers)?;
        let mut fields = Fields::new(&body, &["email", "name", "role", "password"]);
        let email = fields.email("email", true);
        let name = fields.text("name", true, 200);
        let role = fields.one_of("role", true, &Role::ALL.map(Role::as_str));
        let password = password_field(&mut fields, true);
        fields.finish()?;
        let password_hash = state.passwords.hash(password.unwrap_or_default()).await?;
        let user = User {
            user_id: new_id(),
            clinic_id: caller.clinic().to_owned(),
            email: email.unwrap_or_default(),
            name: name.unwrap_or_default(),
            role: role.unwrap_or_default(),
            password_hash,
            disabled: 0,
            created_at: now(),
        };
        subject.resource = Some(user.user_id.clone());
        // E-mails are logins, unique across the installation. The refusal is the same whichever
        // clinic holds the address, and names no account.
        accounts::create_user(tx, &user).await.map_err(|e| match e {
            discpath_store::StoreError::Conflict(_) => ApiError::invalid(
                "email",
                "cannot be used for a new account; choose another address",
            ),
            other => other.into(),
        })?;
        Ok((StatusCode::CREATED, Json(user_json(&user))))
    })
    .await
}

fn password_field(fields: &mut Fields<'_>, required: bool) -> Option<String> {
    let password = fields.text("password", required, 1024)?;
    if password.chars().count() < MIN_PASSWORD {
        fields.reject("password", format!("expected at least {MIN_PASSWORD} characters"));
        return None;
    }
    Some(password)
}

/// `PATCH /api/v1/users/{user_id}` `{name?, role?, disabled?, password?}` (admin).
pub(crate) async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(user_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    audited(&state, Actor::User(&caller), "user.update", &request_id, async |tx, subject| {
        caller.require(Permission::ManageUsers)?;
        subject.resource = Some(user_id.clone());
        let mut fields = Fields::new(&body, &["name", "role", "disabled", "password"]);
        let name = fields.text("name", false, 200);
        let role = fields.one_of("role", false, &Role::ALL.map(Role::as_str));
        let password = password_field(&mut fields, false);
        let disabled = fields.boolean("disabled");
        fields.finish()?;
        let mut user = accounts::user(tx, caller.clinic(), &user_id)
            .await?
            .ok_or(ApiError::NotFound("user"))?;
        let demoted = role.as_deref().is_some_and(|r| r != Role::Admin.as_str());
        if user.user_id == caller.user.user_id && (disabled == Some(true) || demoted) {
            return Err(ApiError::Conflict(
                "an administrator cannot disable or demote their own account".to_owned(),
            ));
        }
        let new_password = password.is_some();
        if let Some(password) = password {
            user.password_hash = state.passwords.hash(password).await?;
        }
        let disabling = disabled == Some(true) && user.disabled == 0;
        user.name = name.unwrap_or(user.name);
        user.role = role.unwrap_or(user.role);
        user.disabled = disabled.map_or(user.disabled, i64::from);
        accounts::update_user(tx, &user).await?;
        // A new password or a disabled account ends every session and token: nothing issued
        // before survives, not even if the account is enabled again.
        if new_password || disabling {
            accounts::end_credentials(tx, &user, &now()).await?;
        }
        Ok(Json(user_json(&user)))
    })
    .await
}

/// `?patient_id=` of the audit trail.
#[derive(Debug, Deserialize)]
pub(crate) struct AuditFilter {
    patient_id: Option<String>,
}

/// `GET /api/v1/audit?patient_id=&limit=&cursor=`: the clinic's audit trail (admin), oldest
/// first.
pub(crate) async fn audit_records(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Query(page): Query<PageQuery>,
    Query(filter): Query<AuditFilter>,
) -> Result<Json<Page<AuditRecord>>, ApiError> {
    audited(&state, Actor::User(&caller), "audit.read", &request_id, async |tx, _| {
        caller.require(Permission::ReadAudit)?;
        let (limit, after) = page.parse()?;
        let after = after.as_deref().map(audit_position).transpose()?;
        let patient_id = filter.patient_id.as_deref();
        let items = audit::records(tx, caller.clinic(), patient_id, after.as_ref(), limit).await?;
        Ok(Json(Page::new(items, limit, |r| format!("{} {} {}", r.at, r.chain, r.seq).into())))
    })
    .await
}

/// The position an audit cursor names (`{at} {chain} {seq}`).
fn audit_position(key: &str) -> Result<Position, ApiError> {
    let mut parts = key.splitn(3, ' ');
    match (parts.next(), parts.next(), parts.next().and_then(|seq| seq.parse().ok())) {
        (Some(at), Some(chain), Some(seq)) => {
            Ok(Position { at: at.to_owned(), chain: chain.to_owned(), seq })
        }
        _ => Err(bad_cursor()),
    }
}
