//! `/clinic/account`: who is logged in, changing one's own password (through the API's own
//! work: checked, hashed, audited; every session of the user ends, so they log in again), and
//! one's two-factor sign-in — set up (the secret shown while it is pending), confirmed with a
//! first code, removed with a current code — through `routes::two_factor`.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{FormFields, Frame, Staff};
use crate::audited::RequestId;
use crate::error::ApiError;
use crate::routes::two_factor;
use crate::routes::users::change_own_password;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "clinic/account.html")]
struct AccountPage {
    frame: Frame,
    name: String,
    email: String,
    role: &'static str,
    errors: Vec<(String, String)>,
    /// Whether two-factor sign-in is on.
    two_factor: bool,
    /// The secret being set up and its `otpauth://` address, until confirmed.
    pending: Option<(String, String)>,
    /// Whether the clinic requires it of this user and it is not set up yet.
    required: bool,
}

impl AccountPage {
    fn error(&self, name: &str) -> Option<&str> {
        let id = format!("account-{name}");
        self.errors.iter().find(|(i, _)| *i == id).map(|(_, m)| m.as_str())
    }
}

fn page(staff: &Staff, errors: Vec<(String, String)>) -> AccountPage {
    let user = &staff.caller.user;
    AccountPage {
        frame: staff.frame(),
        name: user.name.clone(),
        email: user.email.clone(),
        role: staff.caller.role.as_str(),
        errors,
        two_factor: user.has_totp(),
        pending: user
            .totp_pending
            .as_ref()
            .map(|secret| (secret.clone(), crate::totp::address(secret, &user.email))),
        required: staff.caller.second_factor_missing,
    }
}

/// A refusal's problems as the page's errors (each field's id, and its message).
fn errors_of(problems: &[discpath_model::FieldError]) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|p| (format!("account-{}", p.path), format!("{}: {}", p.path, p.message)))
        .collect()
}

/// `GET /clinic/account`.
pub(crate) async fn account(staff: Staff) -> Response {
    staff.render(&page(&staff, Vec::new()))
}

/// `POST /clinic/account/password` `current_password, new_password`.
pub(crate) async fn password(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    form: FormFields,
) -> Response {
    let body = form.body(&["current_password", "new_password"]);
    match change_own_password(&state, &staff.caller, &request_id, &body).await {
        Ok(()) => {
            let lang = staff.frame().code();
            Redirect::to(&format!("/clinic/login?ended=password&lang={lang}")).into_response()
        }
        Err(ApiError::Invalid(problems)) => {
            staff.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&staff, errors_of(&problems)))
        }
        Err(error) => staff.failure(&error),
    }
}

/// `POST /clinic/account/totp` `action` (`start`, `confirm`, `remove`), `code`.
pub(crate) async fn totp(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    form: FormFields,
) -> Response {
    let body = form.body(&["code"]);
    let (caller, done) = (&staff.caller, Redirect::to("/clinic/account#two-factor"));
    let result = match form.get("action") {
        "start" => two_factor::start(&state, caller, &request_id).await.map(|_| ()),
        "confirm" => two_factor::confirm(&state, caller, &request_id, &body).await,
        "remove" => two_factor::remove(&state, caller, &request_id, &body).await,
        _ => Err(ApiError::invalid("action", "must be one of: start, confirm, remove")),
    };
    match result {
        Ok(()) => done.into_response(),
        Err(ApiError::Invalid(problems)) => {
            staff.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&staff, errors_of(&problems)))
        }
        Err(error) => staff.failure(&error),
    }
}
