//! API errors: every failure is JSON `{"error": {"code", "message", "fields"}}` with the status
//! its code implies. A client's mistake is always a 4xx; only the server's own failures are 5xx,
//! and those never carry internal details.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_model::FieldError;
use discpath_store::StoreError;
use serde::Serialize;

/// A failed request.
#[derive(Debug)]
pub enum ApiError {
    /// 422: the input is invalid; each field at fault is named.
    Invalid(Vec<FieldError>),
    /// 401: no valid session or token.
    Unauthenticated,
    /// 403: the caller's role does not allow this.
    Forbidden,
    /// 403: the caller is an administrator of a clinic that requires a second factor, and has
    /// not set one up (their account's routes still answer).
    SecondFactorRequired,
    /// 403: a cross-site request that changes state (CSRF protection).
    CrossSite,
    /// 404: the named thing does not exist (in the caller's clinic).
    NotFound(&'static str),
    /// 409: the request conflicts with what is stored.
    Conflict(String),
    /// 413: the body is over the limit.
    PayloadTooLarge,
    /// 405: the route exists, but not with this method.
    MethodNotAllowed,
    /// 415: the body is not of the required type.
    UnsupportedMediaType(&'static str),
    /// 429: too many attempts; try again after `Retry-After`.
    TooManyRequests {
        /// Seconds until an attempt may pass.
        retry_after_secs: u64,
    },
    /// 503: the server is saturated (e.g. every password-hashing slot is busy); try again soon.
    Busy,
    /// 500: the server failed; the details are logged, not returned.
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    fields: &'a [FieldError],
}

impl ApiError {
    /// One invalid field.
    pub(crate) fn invalid(path: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError { path: path.to_owned(), message: message.into() }])
    }

    /// The status and stable code.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input"),
            Self::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Self::SecondFactorRequired => (StatusCode::FORBIDDEN, "second_factor_required"),
            Self::CrossSite => (StatusCode::FORBIDDEN, "cross_site_request"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            Self::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            Self::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    /// The outcome recorded in the audit trail.
    pub(crate) fn outcome(&self) -> &'static str {
        match self {
            Self::Invalid(_)
            | Self::PayloadTooLarge
            | Self::MethodNotAllowed
            | Self::UnsupportedMediaType(_) => "invalid",
            Self::Unauthenticated
            | Self::Forbidden
            | Self::SecondFactorRequired
            | Self::CrossSite => "denied",
            Self::TooManyRequests { .. } => "throttled",
            Self::Busy => "busy",
            Self::NotFound(_) => "not_found",
            Self::Conflict(_) => "conflict",
            Self::Internal(_) => "error",
        }
    }

    fn message(&self) -> String {
        match self {
            Self::Invalid(errors) => {
                let count = errors.len();
                format!(
                    "the input is invalid ({count} {})",
                    if count == 1 { "problem" } else { "problems" }
                )
            }
            Self::Unauthenticated => "log in, or send an API token".to_owned(),
            Self::Forbidden => "your role does not allow this".to_owned(),
            Self::SecondFactorRequired => "your clinic requires administrators to sign in with a \
                second factor: set it up first (POST /api/v1/account/totp)"
                .to_owned(),
            Self::CrossSite => "cross-site requests that change data are refused".to_owned(),
            Self::NotFound(what) => format!("{what} not found"),
            Self::Conflict(message) => message.clone(),
            Self::PayloadTooLarge => "the request body is too large".to_owned(),
            Self::MethodNotAllowed => "this route does not take this method (see Allow)".to_owned(),
            Self::UnsupportedMediaType(expected) => format!("the request body must be {expected}"),
            Self::TooManyRequests { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} s")
            }
            Self::Busy => "the server is busy; try again in a moment".to_owned(),
            Self::Internal(_) => "the server failed; the request was not completed".to_owned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let Self::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let fields: &[FieldError] = match &self {
            Self::Invalid(errors) => errors,
            _ => &[],
        };
        let body = Body { error: ErrorBody { code, message: self.message(), fields } };
        let mut response = (status, Json(body)).into_response();
        if matches!(self, Self::Unauthenticated) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        let retry_after = match self {
            Self::TooManyRequests { retry_after_secs } => Some(retry_after_secs),
            Self::Busy => Some(1),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(constraint) => {
                Self::Conflict(format!("a record with the same key exists ({constraint})"))
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<discpath_model::InvalidDocument> for ApiError {
    fn from(invalid: discpath_model::InvalidDocument) -> Self {
        Self::Invalid(invalid.errors)
    }
}
