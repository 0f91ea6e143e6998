//! `/clinic/login` and `/clinic/logout`: the staff's session, through the same sign-in as the
//! JSON API (throttled per account and per client, every attempt audited).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{FormFields, Frame, Staff};
use crate::audited::RequestId;
use crate::auth::Role;
use crate::client::ClientAddress;
use crate::error::ApiError;
use crate::pages::i18n::{self, LangCodes as _};
use crate::sessions;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "clinic/login.html")]
struct LoginPage {
    frame: Frame,
    email: String,
    next: String,
    /// `(field, locale key)` of each problem, in page order.
    errors: Vec<(&'static str, &'static str)>,
    /// A notice above the form (logged out, session ended).
    notice: Option<&'static str>,
}

impl LoginPage {
    fn error(&self, name: &str) -> Option<&'static str> {
        self.errors.iter().find(|(field, _)| *field == name).map(|(_, key)| *key)
    }
}

/// `?next=` (where to go after logging in) and `?ended=` (why the form is shown again).
#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
    ended: Option<String>,
    lang: Option<String>,
}

/// Where to go after logging in: a clinic page, never another site.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| n.starts_with("/clinic/") && !n.contains("//") && !n.contains('\\'))
        .unwrap_or("/clinic/")
        .to_owned()
}

/// `GET /clinic/login`.
pub(crate) async fn form(Query(query): Query<LoginQuery>, headers: HeaderMap) -> Response {
    let lang = i18n::of_request(query.lang.as_deref(), &headers);
    let notice = match query.ended.as_deref() {
        Some("logout") => Some("clinic.login.logged_out"),
        Some("password") => Some("clinic.login.password_changed"),
        Some(_) => Some("clinic.login.expired"),
        None if query.next.is_some() => Some("clinic.login.expired"),
        None => None,
    };
    let page = LoginPage {
        frame: Frame {
            lang,
            tr: i18n::texts(lang),
            user: None,
            consultations: false,
            admin: false,
        },
        email: String::new(),
        next: safe_next(query.next.as_deref()),
        errors: Vec::new(),
        notice,
    };
    let switched = query.lang.as_deref().and_then(i18n::parse);
    crate::pages::html_in(StatusCode::OK, &page, switched)
}

/// `POST /clinic/login` `email, password, next`: logs in and goes to `next` (a clinic page).
pub(crate) async fn submit(
    State(state): State<AppState>,
    request_id: RequestId,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    form: FormFields,
) -> Response {
    let lang = i18n::of_request(Some(form.get("lang")).filter(|l| !l.is_empty()), &headers);
    let (email, password) = (form.get("email"), form.get("password"));
    let mut page = LoginPage {
        frame: Frame {
            lang,
            tr: i18n::texts(lang),
            user: None,
            consultations: false,
            admin: false,
        },
        email: email.to_owned(),
        next: safe_next(Some(form.get("next"))),
        errors: Vec::new(),
        notice: None,
    };
    if email.is_empty() {
        page.errors.push(("email", "clinic.login.email_missing"));
    }
    if password.is_empty() {
        page.errors.push(("password", "clinic.login.password_missing"));
    }
    if !page.errors.is_empty() {
        return crate::pages::html_in(StatusCode::UNPROCESSABLE_ENTITY, &page, None);
    }
    let code = Some(form.get("code")).filter(|code| !code.trim().is_empty());
    match sessions::sign_in(&state, &request_id, client, email, password.to_owned(), code).await {
        Ok(signed_in) => {
            // An administrator sees no patient data: the default landing is their own page.
            let admin = Role::parse(&signed_in.user.role) == Some(Role::Admin);
            let next = if admin && page.next == "/clinic/" { "/clinic/admin" } else { &page.next };
            let mut response = Redirect::to(next).into_response();
            response.headers_mut().insert(header::SET_COOKIE, signed_in.cookie);
            response
        }
        Err(error) => {
            let (status, _) = error.status_and_code();
            if let ApiError::Invalid(fields) = &error
                && fields.iter().any(|f| f.path == "code")
            {
                let key = if code.is_none() {
                    "clinic.login.code_missing"
                } else {
                    "clinic.login.code_wrong"
                };
                page.errors.push(("code", key));
                return crate::pages::html_in(status, &page, None);
            }
            let key = match error {
                ApiError::Unauthenticated => "clinic.login.wrong",
                ApiError::TooManyRequests { .. } => "clinic.login.throttled",
                ApiError::Busy => "clinic.busy",
                other => {
                    tracing::error!(error = ?other, "a login failed");
                    "clinic.failed"
                }
            };
            page.errors.push(("email", key));
            crate::pages::html_in(status, &page, None)
        }
    }
}

/// `POST /clinic/logout`: ends the session and shows the login page.
pub(crate) async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    headers: HeaderMap,
) -> Response {
    let lang = staff.lang.code();
    let mut response =
        Redirect::to(&format!("/clinic/login?ended=logout&lang={lang}")).into_response();
    match sessions::sign_out(&state, &staff.caller, &request_id, &headers, &mut response).await {
        Ok(()) => response,
        Err(error) => staff.failure(&error),
    }
}
