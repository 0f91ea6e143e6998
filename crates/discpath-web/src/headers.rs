//! Headers on the way in and out: the request id a client may send (kept only when it is a
//! UUID, else replaced), and the security headers every response carries.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The request-id header.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Drops a client's `x-request-id` unless it is a UUID (36 characters): anything else — a
/// 20,000-character value, a patient's name — would be copied into the audit trail and the
/// log. The request-id layer then makes a new one.
pub(crate) async fn sanitize_request_id(mut request: Request, next: Next) -> Response {
    let acceptable = request.headers().get(&REQUEST_ID).is_none_or(|value| {
        value.len() == 36 && value.to_str().is_ok_and(|text| uuid::Uuid::try_parse(text).is_ok())
    });
    if !acceptable {
        request.headers_mut().remove(&REQUEST_ID);
    }
    next.run(request).await
}

/// Adds the security headers to every response (where a handler has not set its own):
/// `nosniff`, no referrer, no framing (CSP `frame-ancestors 'none'`, and nothing else loads:
/// the API serves no pages), `Cache-Control: no-store` (responses carry patient data), and HSTS
/// when the cookies are `Secure`.
pub(crate) async fn security_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CACHE_CONTROL, "no-store");
    if state.config.secure_cookies {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}
