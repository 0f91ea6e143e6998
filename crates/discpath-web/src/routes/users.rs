//! The clinic's users (administrators): listed, created, changed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use discpath_store::accounts::{self, User};
use discpath_store::{Tx, new_id};
use serde_json::Value;

use super::accounts::user_json;
use crate::audited::{Actor, RequestId, Subject, audited};
use crate::auth::{Caller, Permission, Role};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Path};
use crate::state::{AppState, now};

/// The shortest password accepted.
pub(crate) const MIN_PASSWORD: usize = 12;

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
        let user = new_user(tx, &state, &caller, subject, &body).await?;
        Ok((StatusCode::CREATED, Json(user_json(&user))))
    })
    .await
}

/// Creates a user of the caller's clinic from `{email, name, role, password}` (the work of the
/// API and of the administration page).
pub(crate) async fn new_user(
    tx: &mut Tx,
    state: &AppState,
    caller: &Caller,
    subject: &mut Subject,
    body: &Value,
) -> Result<User, ApiError> {
    caller.require(Permission::ManageUsers)?;
    let mut fields = Fields::new(body, &["email", "name", "role", "password"]);
    let email = fields.email("email", true);
    let name = fields.text("name", true, 200);
    let role = fields.one_of("role", true, &Role::ALL.map(Role::as_str));
    let password = password_field(&mut fields, "password", true);
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
        totp_secret: None,
        totp_pending: None,
        totp_last_step: 0,
    };
    subject.resource = Some(user.user_id.clone());
    // E-mails are logins, unique across the installation. The refusal is the same whichever
    // clinic holds the address, and names no account.
    accounts::create_user(tx, &user).await.map_err(|e| match e {
        discpath_store::StoreError::Conflict(_) => {
            ApiError::invalid("email", "cannot be used for a new account; choose another address")
        }
        other => other.into(),
    })?;
    Ok(user)
}

fn password_field(fields: &mut Fields<'_>, key: &str, required: bool) -> Option<String> {
    let password = fields.text(key, required, 1024)?;
    if password.chars().count() < MIN_PASSWORD {
        fields.reject(key, format!("expected at least {MIN_PASSWORD} characters"));
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
        let user = change_user(tx, &state, &caller, subject, &user_id, &body).await?;
        Ok(Json(user_json(&user)))
    })
    .await
}

/// Changes a user of the caller's clinic from `{name?, role?, disabled?, password?}`: an
/// administrator cannot disable or demote themselves; a new password or disabling ends every
/// session and token (the work of the API and of the administration page).
pub(crate) async fn change_user(
    tx: &mut Tx,
    state: &AppState,
    caller: &Caller,
    subject: &mut Subject,
    user_id: &str,
    body: &Value,
) -> Result<User, ApiError> {
    caller.require(Permission::ManageUsers)?;
    subject.resource = Some(user_id.to_owned());
    let mut fields = Fields::new(body, &["name", "role", "disabled", "password"]);
    let name = fields.text("name", false, 200);
    let role = fields.one_of("role", false, &Role::ALL.map(Role::as_str));
    let password = password_field(&mut fields, "password", false);
    let disabled = fields.boolean("disabled");
    fields.finish()?;
    let mut user =
        accounts::user(tx, caller.clinic(), user_id).await?.ok_or(ApiError::NotFound("user"))?;
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
    Ok(user)
}

/// `PATCH /api/v1/account/password` `{current_password, new_password}` (any user): changes the
/// caller's own password, which ends every session and token of theirs.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    change_own_password(&state, &caller, &request_id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes the caller's own password from `{current_password, new_password}` (12 characters or
/// more, not the current one), audited, refusals too. The passwords are checked and hashed
/// before the transaction opens, so no transaction waits for argon2id. The work of the API and
/// of the account page.
pub(crate) async fn change_own_password(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    body: &Value,
) -> Result<(), ApiError> {
    let checked = async {
        let mut fields = Fields::new(body, &["current_password", "new_password"]);
        let current = fields.text("current_password", true, 1024);
        let new = password_field(&mut fields, "new_password", true);
        if new.is_some() && new == current {
            fields.reject("new_password", "is the current password: choose a new one");
        }
        fields.finish()?;
        let (current, new) = (current.unwrap_or_default(), new.unwrap_or_default());
        if !state.passwords.verify(current, Some(caller.user.password_hash.clone())).await? {
            return Err(ApiError::invalid("current_password", "is not your current password"));
        }
        state.passwords.hash(new).await
    }
    .await;
    audited(state, Actor::User(caller), "account.password", request_id, async |tx, subject| {
        let password_hash = checked?;
        subject.resource = Some(caller.user.user_id.clone());
        let user = User { password_hash, ..caller.user.clone() };
        accounts::update_user(tx, &user).await?;
        accounts::end_credentials(tx, &user, &now()).await?;
        Ok(())
    })
    .await
}
