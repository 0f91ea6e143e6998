//! Health, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::json;

use crate::client::ClientAddress;
use crate::error::ApiError;
use crate::state::AppState;

/// Liveness: the process answers.
pub(crate) async fn health() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database answers and the knowledge base is loaded.
pub(crate) async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    let kb = json!({ "name": state.kb.name, "version": state.kb.version, "hash": state.kb.hash });
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready", "kb": kb }))),
        Err(error) => {
            tracing::warn!(%error, "database not ready");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "database unavailable" })))
        }
    }
}

/// Prometheus metrics (they show failed logins and evaluations by pathway): with a configured
/// metrics token, for callers that send it; else for loopback clients only.
pub(crate) async fn metrics(
    State(state): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let allowed = match &state.config.metrics_token {
        Some(token) => crate::auth::bearer(&headers)
            .is_some_and(|sent| constant_time_eq(sent.as_bytes(), token.as_bytes())),
        None => client.is_loopback(),
    };
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    ))
}

/// Compares two secrets in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
