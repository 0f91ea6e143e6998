//! `/clinic/account`: who is logged in, and changing one's own password (through the API's own
//! work: checked, hashed, audited; every session of the user ends, so they log in again).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{FormFields, Frame, Staff};
use crate::audited::RequestId;
use crate::error::ApiError;
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
    }
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
            let errors = problems
                .iter()
                .map(|p| (format!("account-{}", p.path), format!("{}: {}", p.path, p.message)))
                .collect();
            staff.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page(&staff, errors))
        }
        Err(error) => staff.failure(&error),
    }
}
