//! Sessions (login, logout) and API tokens; users are in `users`, the audit trail in `audit`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_store::accounts::{self, ApiToken, User};
use discpath_store::new_id;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{self, Caller, TOKEN_PREFIX};
use crate::client::ClientAddress;
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Path};
use crate::sessions;
use crate::state::{AppState, from_now, now};

/// The longest API token lifetime a caller may ask for, in days.
const MAX_TOKEN_DAYS: i64 = 365;

/// A user as the API shows it (never the password hash).
pub(crate) fn user_json(user: &User) -> Value {
    json!({
        "user_id": user.user_id, "clinic_id": user.clinic_id, "email": user.email,
        "name": user.name, "role": user.role, "disabled": user.disabled != 0,
    })
}

/// `POST /api/v1/session` `{email, password, code?}`: logs in with e-mail and password (and the
/// second factor's code, for a user who has set one up) and sets the session cookie
/// (throttled and audited: [`sessions::sign_in`]).
pub(crate) async fn login(
    State(state): State<AppState>,
    request_id: RequestId,
    ClientAddress(client): ClientAddress,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let mut fields = Fields::new(&body, &["email", "password", "code"]);
    let email = fields.email("email", true);
    let password = fields.text("password", true, 1024);
    let code = fields.text("code", false, 16);
    fields.finish()?;
    let signed_in = sessions::sign_in(
        &state,
        &request_id,
        client,
        &email.unwrap_or_default(),
        password.unwrap_or_default(),
        code.as_deref(),
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
