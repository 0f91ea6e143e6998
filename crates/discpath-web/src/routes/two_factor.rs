//! The caller's own second factor (`crate::totp`): set it up, confirm it with a first code,
//! remove it with a current code. Any signed-in user, for their own account only; every change
//! audited (`account.totp_*`). The work of the API and of the account page.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use discpath_store::accounts;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::input::{Fields, JsonBody};
use crate::state::AppState;
use crate::totp;

/// A second factor being set up: its secret, shown once, and its `otpauth://` address.
pub(crate) struct Pending {
    pub secret: String,
    pub address: String,
}

/// Starts setting up the caller's second factor: a new secret, pending until confirmed (a
/// second start replaces it). Refused (409) while one is set up.
pub(crate) async fn start(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
) -> Result<Pending, ApiError> {
    audited(state, Actor::User(caller), "account.totp_start", request_id, async |tx, subject| {
        subject.resource = Some(caller.user.user_id.clone());
        if caller.user.has_totp() {
            return Err(ApiError::Conflict(
                "two-factor sign-in is already set up: remove it first to set up another".into(),
            ));
        }
        let secret = totp::new_secret()?;
        accounts::set_totp(tx, &caller.user, None, Some(&secret)).await?;
        let address = totp::address(&secret, &caller.user.email);
        Ok(Pending { secret, address })
    })
    .await
}

/// The `code` of a body, checked against `secret` and spent (the step cannot be used again).
async fn code_checked(
    tx: &mut discpath_store::Tx,
    caller: &Caller,
    secret: &str,
    body: &Value,
) -> Result<(), ApiError> {
    let mut fields = Fields::new(body, &["code"]);
    let code = fields.text("code", false, 16);
    fields.finish()?;
    totp::verify(tx, &caller.user, secret, code.as_deref()).await
}

/// Confirms the pending second factor with `{code}`, a code the app shows for it: from then
/// on the caller signs in with a code. Refused (409) when nothing is pending.
pub(crate) async fn confirm(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    body: &Value,
) -> Result<(), ApiError> {
    audited(state, Actor::User(caller), "account.totp_confirm", request_id, async |tx, subject| {
        subject.resource = Some(caller.user.user_id.clone());
        let Some(pending) = caller.user.totp_pending.as_deref() else {
            return Err(ApiError::Conflict("no two-factor set-up is pending: start one".into()));
        };
        code_checked(tx, caller, pending, body).await?;
        accounts::set_totp(tx, &caller.user, Some(pending), None).await?;
        Ok(())
    })
    .await
}

/// Removes the caller's second factor, with `{code}`, a current code (so a session left open
/// cannot remove it). Refused (409) when none is set up, and for an administrator of a clinic
/// that requires it.
pub(crate) async fn remove(
    state: &AppState,
    caller: &Caller,
    request_id: &RequestId,
    body: &Value,
) -> Result<(), ApiError> {
    audited(state, Actor::User(caller), "account.totp_remove", request_id, async |tx, subject| {
        subject.resource = Some(caller.user.user_id.clone());
        let Some(secret) = caller.user.totp_secret.as_deref() else {
            return Err(ApiError::Conflict("two-factor sign-in is not set up".into()));
        };
        let clinic =
            accounts::clinic(tx, caller.clinic()).await?.ok_or(ApiError::NotFound("clinic"))?;
        if clinic.admin_totp_required != 0 && caller.role == crate::auth::Role::Admin {
            return Err(ApiError::Conflict(
                "your clinic requires administrators to sign in with a second factor".into(),
            ));
        }
        code_checked(tx, caller, secret, body).await?;
        accounts::set_totp(tx, &caller.user, None, None).await?;
        Ok(())
    })
    .await
}

/// `POST /api/v1/account/totp`: starts setting up two-factor sign-in; `201 {secret, address}`
/// (shown once).
pub(crate) async fn start_route(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let pending = start(&state, &caller, &request_id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "secret": pending.secret, "address": pending.address }))))
}

/// `POST /api/v1/account/totp/confirm` `{code}`: confirms it; 204.
pub(crate) async fn confirm_route(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    confirm(&state, &caller, &request_id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/v1/account/totp/remove` `{code}`: removes it; 204.
pub(crate) async fn remove_route(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    remove(&state, &caller, &request_id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}
