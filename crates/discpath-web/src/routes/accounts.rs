//! Sessions (login, logout), API tokens, users and the audit trail.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_store::accounts::{self, ApiToken, User};
use discpath_store::audit::{self, AuditRecord, Position};
use discpath_store::new_id;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{self, Caller, Permission, Role, TOKEN_PREFIX};
use crate::client::ClientAddress;
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Page, PageQuery, Path, Query, bad_cursor};
use crate::sessions;
use crate::state::{AppState, from_now, now};

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

/// `POST /api/v1/session`: logs in with e-mail and password and sets the session cookie
/// (throttled and audited: [`sessions::sign_in`]).
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
    let signed_in = sessions::sign_in(
        &state,
        &request_id,
        client,
        &email.unwrap_or_default(),
        password.unwrap_or_default(),
    )
    .await?;
    let body = json!({ "user": user_json(&signed_in.user), "expires_at": signed_in.expires_at });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(header::SET_COOKIE, signed_in.cookie);
    Ok(response)
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
    let mut response = StatusCode::NO_CONTENT.into_response();
    sessions::sign_out(&state, &caller, &request_id, &headers, &mut response).await?;
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
