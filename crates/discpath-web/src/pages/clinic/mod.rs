//! The clinic's own pages, for its staff, under `/clinic/`: login and logout, the work list, a
//! patient's record, the intake form, and the recommendation with the clinician's decision.
//!
//! Server-rendered like the patients' pages (the same stylesheet, locale files and policy, no
//! script). Every read and write of patient data runs through the same audited transactions and
//! store functions as the JSON API, and every page is registered in the one route table with its
//! access. A visitor without a session is sent to the login page; a role without the page's
//! permission gets the 403 page.

mod account;
mod admin;
mod care_plan;
mod consultations;
mod intake;
mod login;
mod patient;
mod recommendation;
mod timeline;
mod worklist;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

pub(crate) use account::{account, password as account_password, totp as account_totp};
pub(crate) use admin::{
    add_user as admin_add_user, admin, audit as admin_audit, change as admin_change_user,
    clinic as admin_clinic,
};
pub(crate) use care_plan::{
    adverse_event as plan_adverse_event, book as plan_book, calendar as plan_calendar,
    link as plan_link, session as plan_session,
};
pub(crate) use consultations::{
    queue as consultation_queue, register as consultation_register,
    request as consultation_request, status as consultation_status,
};
pub(crate) use intake::{form as intake_form, submit as intake_submit};
pub(crate) use login::{form as login_form, logout, submit as login_submit};
pub(crate) use patient::patient;
pub(crate) use recommendation::{decide, recommendation};
pub(crate) use timeline::timeline;
pub(crate) use worklist::worklist;

use super::LangQuery;
use super::i18n::{self, Lang, LangCodes as _, Texts};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::state::AppState;

/// Where the login page is.
const LOGIN: &str = "/clinic/login";

/// A member of staff on a page: who is logged in, and the language of the page.
pub(crate) struct Staff {
    pub caller: Caller,
    pub lang: Lang,
    pub tr: &'static Texts,
    /// Whether the request chose the language with `?lang=`.
    switched: bool,
}

impl Staff {
    /// The page's frame: the language and who is logged in.
    pub(crate) fn frame(&self) -> Frame {
        Frame {
            lang: self.lang,
            tr: self.tr,
            user: Some((self.caller.user.name.clone(), self.caller.role.as_str())),
            consultations: self.caller.role.allows(Permission::HandleConsultations),
            admin: self.caller.role.allows(Permission::ManageUsers),
        }
    }

    /// The 403 page, when the staff member's role lacks the permission.
    pub(crate) fn refusal(&self, permission: Permission) -> Option<Response> {
        self.caller.require(permission).err().map(|error| self.failure(&error))
    }

    /// The id of the record a form posts to, once the role is allowed: else the 403 page, or the
    /// not-found page for an id that is not one.
    pub(crate) fn target(
        &self,
        permission: Permission,
        path: Result<crate::input::Path<String>, ApiError>,
        what: &'static str,
    ) -> Result<String, Box<Response>> {
        if let Some(refused) = self.refusal(permission) {
            return Err(Box::new(refused));
        }
        path.map(|crate::input::Path(id)| id)
            .map_err(|_| Box::new(self.failure(&ApiError::NotFound(what))))
    }

    /// The page for a failure: not found, forbidden, conflict, or the server's own.
    pub(crate) fn failure(&self, error: &ApiError) -> Response {
        if matches!(error, ApiError::SecondFactorRequired) {
            // The only way on is to set it up, on the account page.
            return Redirect::to("/clinic/account#two-factor").into_response();
        }
        let (status, _) = error.status_and_code();
        let key = match error {
            ApiError::Forbidden => "clinic.forbidden",
            ApiError::NotFound(_) => "clinic.not_found",
            ApiError::Conflict(_) => "clinic.conflict",
            ApiError::TooManyRequests { .. } | ApiError::Busy => "clinic.busy",
            _ => "clinic.failed",
        };
        if status.is_server_error() {
            tracing::error!(error = ?error, "a clinic page failed");
        }
        let detail = match error {
            ApiError::Conflict(detail) => Some(detail.clone()),
            _ => None,
        };
        self.render_with(status, &Failure { frame: self.frame(), key, detail })
    }

    /// Renders a page with its headers.
    pub(crate) fn render(&self, page: &impl Template) -> Response {
        self.render_with(StatusCode::OK, page)
    }

    /// Renders a page with its headers and this status.
    pub(crate) fn render_with(&self, status: StatusCode, page: &impl Template) -> Response {
        super::html_in(status, page, self.switched.then_some(self.lang))
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let query = axum::extract::Query::<LangQuery>::from_request_parts(parts, state).await;
        let requested = query.ok().and_then(|query| query.0.lang);
        let lang = i18n::of_request(requested.as_deref(), &parts.headers);
        let switched = requested.as_deref().and_then(i18n::parse).is_some();
        match Caller::from_request_parts(parts, state).await {
            Ok(caller) => Ok(Self { caller, lang, tr: i18n::texts(lang), switched }),
            Err(ApiError::Unauthenticated) => {
                let next = parts.uri.path_and_query().map_or("/clinic/", |p| p.as_str());
                let next: String = url_encode(next);
                Err(Redirect::to(&format!("{LOGIN}?next={next}")).into_response())
            }
            Err(error) => {
                let frame = Frame {
                    lang,
                    tr: i18n::texts(lang),
                    user: None,
                    consultations: false,
                    admin: false,
                };
                let (status, _) = error.status_and_code();
                tracing::error!(error = ?error, "cannot tell who is calling");
                let page = Failure { frame, key: "clinic.failed", detail: None };
                Err(super::html_in(status, &page, None))
            }
        }
    }
}

/// What every clinic page's frame shows.
pub(crate) struct Frame {
    pub lang: Lang,
    pub tr: &'static Texts,
    /// The logged-in user's name and role (none on the login page).
    pub user: Option<(String, &'static str)>,
    /// Whether the menu links the consultation queue.
    pub consultations: bool,
    /// Whether the menu links the administration pages (instead of the work list).
    pub admin: bool,
}

impl Frame {
    /// The language's code (`en`).
    pub(crate) fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The other language's code, for the switch.
    pub(crate) fn other_code(&self) -> &'static str {
        self.lang.other_code()
    }
}

#[derive(Template)]
#[template(path = "clinic/failure.html")]
struct Failure {
    frame: Frame,
    key: &'static str,
    detail: Option<String>,
}

/// Reads in a transaction of its own: what a form's page shows again after the form's audited
/// work was refused (that refusal's audit record names the patient).
pub(crate) async fn reread<T>(
    state: &AppState,
    work: impl AsyncFnOnce(&mut discpath_store::Tx) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut tx = state.store.begin().await?;
    let found = work(&mut tx).await?;
    tx.commit().await?;
    Ok(found)
}

/// `text` for a query string value (RFC 3986 unreserved characters kept).
pub(crate) fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A posted form's fields; a body that is not a form reads as an empty one (every field blank,
/// so the form's own checks name what is missing).
pub(crate) struct FormFields(pub Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormFields {
    type Rejection = std::convert::Infallible;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let form = axum::extract::Form::<Vec<(String, String)>>::from_request(request, state).await;
        Ok(Self(form.map(|axum::extract::Form(form)| form).unwrap_or_default()))
    }
}

impl FormFields {
    /// The value of a field (the first, trimmed), or `""`.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(key, _)| key == name).map_or("", |(_, value)| value.trim())
    }

    /// The JSON body the API's work reads: each of `keys` that is not blank, as text.
    pub(crate) fn body(&self, keys: &[&str]) -> serde_json::Value {
        let fields = keys
            .iter()
            .filter(|key| !self.get(key).is_empty())
            .map(|key| ((*key).to_owned(), serde_json::Value::from(self.get(key))));
        serde_json::Value::Object(fields.collect())
    }
}
