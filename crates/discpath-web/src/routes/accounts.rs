//! Sessions (login, logout), API tokens, users and the audit trail.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_store::accounts::{self, ApiToken, User};
use discpath_store::audit::{self, AuditEvent, AuditRecord, Position};
use discpath_store::{new_id, timestamp};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{self, Caller, Permission, Role, SESSION_COOKIE, TOKEN_PREFIX};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Page, PageQuery, bad_cursor};
use crate::state::{AppState, now};

/// Failed logins allowed per e-mail within [`FAILURE_WINDOW`] before logins are refused.
const MAX_FAILURES: i64 = 10;
/// The window over which failed logins count.
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// The shortest password accepted.
const MIN_PASSWORD: usize = 12;

fn user_json(user: &User) -> Value {
    json!({
        "user_id": user.user_id, "clinic_id": user.clinic_id, "email": user.email,
        "name": user.name, "role": user.role, "disabled": user.disabled != 0,
    })
}

/// `POST /api/v1/session`: logs in with e-mail and password and sets the session cookie.
pub(crate) async fn login(
    State(state): State<AppState>,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let mut fields = Fields::new(&body, &["email", "password"]);
    let email = fields.email("email", true);
    let password = fields.text("password", true, 1024);
    fields.finish()?;
    let (email, password) = (email.unwrap_or_default(), password.unwrap_or_default());
    let now_at = jiff::Timestamp::now();
    let since =
        timestamp(now_at - jiff::SignedDuration::try_from(FAILURE_WINDOW).unwrap_or_default());

    let mut tx = state.store.begin().await?;
    let failures = accounts::login_failures_since(&mut tx, &email, &since).await?;
    let user = accounts::user_by_email(&mut tx, &email).await?.filter(|u| u.disabled == 0);
    tx.commit().await?;
    let blocked = failures >= MAX_FAILURES;
    // The password is checked even when blocked, so that timing does not reveal the block.
    let matched =
        auth::verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await;

    let mut tx = state.store.begin().await?;
    let at = now();
    let (Some(user), true, false) = (user, matched, blocked) else {
        accounts::record_login_failure(&mut tx, &email, &at).await?;
        let event = AuditEvent {
            at: &at,
            clinic_id: None,
            actor: "anonymous",
            action: "session.create",
            patient_id: None,
            resource: None,
            outcome: "denied",
            request_id: request_id.0.as_deref(),
        };
        audit::append(&mut tx, &event).await?;
        tx.commit().await?;
        return Err(if blocked { ApiError::TooManyRequests } else { ApiError::Unauthenticated });
    };
    accounts::clear_login_failures(&mut tx, &email).await?;
    let token = auth::new_secret("")?;
    let expires = timestamp(
        now_at + jiff::SignedDuration::try_from(state.config.session_lifetime).unwrap_or_default(),
    );
    accounts::create_session(&mut tx, &auth::secret_hash(&token), &user, &at, &expires).await?;
    let event = AuditEvent {
        at: &at,
        clinic_id: Some(&user.clinic_id),
        actor: &user.user_id,
        action: "session.create",
        patient_id: None,
        resource: None,
        outcome: "ok",
        request_id: request_id.0.as_deref(),
    };
    audit::append(&mut tx, &event).await?;
    tx.commit().await?;
    let cookie = session_cookie(&state, &token, state.config.session_lifetime.as_secs());
    let mut response =
        Json(json!({ "user": user_json(&user), "expires_at": expires })).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
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

/// `DELETE /api/v1/session`: logs out (ends the session and clears the cookie).
pub(crate) async fn logout(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let token = auth::cookie(&headers, SESSION_COOKIE);
    audited(&state, Actor::User(&caller), "session.delete", &request_id, async |tx, _| {
        if let Some(token) = token {
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

/// `POST /api/v1/tokens` `{name}`: a new API token for the caller; its secret is shown once.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut fields = Fields::new(&body, &["name"]);
    let name = fields.text("name", true, 100);
    fields.finish()?;
    let secret = auth::new_secret(TOKEN_PREFIX)?;
    let token = ApiToken {
        token_id: new_id(),
        name: name.unwrap_or_default(),
        created_at: now(),
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
        Json(json!({ "token_id": token.token_id, "name": token.name, "token": secret })),
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
        let password_hash =
            auth::hash_password(password.unwrap_or_default()).await.map_err(ApiError::Internal)?;
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
        accounts::create_user(tx, &user).await.map_err(|e| match e {
            discpath_store::StoreError::Conflict(_) => {
                ApiError::Conflict(format!("{} already has an account", user.email))
            }
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
        if let Some(password) = password {
            user.password_hash = auth::hash_password(password).await.map_err(ApiError::Internal)?;
        }
        user.name = name.unwrap_or(user.name);
        user.role = role.unwrap_or(user.role);
        user.disabled = disabled.map_or(user.disabled, i64::from);
        accounts::update_user(tx, &user).await?;
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
