//! `/clinic/admin`: the administrators' pages — the clinic's users and roles (add, change the
//! role, disable or enable, set a new password), the clinic's public address, name, emergency
//! number and time zone, and the audit trail, paged and filtered by patient and by user. The
//! work is the JSON API's own; an administrator sees no patient data but the ids in the trail.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use discpath_store::accounts::{self, Clinic, User};
use discpath_store::audit::AuditRecord;
use serde_json::{Value, json};

use super::{FormFields, Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::auth::{Permission, Role};
use crate::error::ApiError;
use crate::input::{PageQuery, Path, Query};
use crate::routes::audit::{AuditFilter, find_audit};
use crate::routes::clinic::change_clinic;
use crate::routes::users::{change_user, new_user};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "clinic/admin.html")]
struct AdminPage {
    frame: Frame,
    users: Vec<User>,
    roles: [&'static str; 3],
    /// The clinic form's fields: name, current value, whether it has a hint.
    clinic_fields: Vec<(&'static str, String, bool)>,
    /// Whether administrators must sign in with a second factor.
    totp_required: bool,
    /// The form that failed (`clinic`, `new-user`, a user id) with its values, and the problems.
    failed: Option<(String, Value)>,
    errors: Vec<(String, String)>,
}

impl AdminPage {
    /// A value of the failed form, else `fallback`.
    fn value<'a>(&'a self, form: &str, name: &str, fallback: &'a str) -> &'a str {
        match &self.failed {
            Some((failed, values)) if failed == form => values[name].as_str().unwrap_or_default(),
            _ => fallback,
        }
    }

    fn error(&self, id: &str) -> Option<&str> {
        self.errors.iter().find(|(i, _)| i == id).map(|(_, m)| m.as_str())
    }
}

/// What the page reads.
async fn read(
    tx: &mut discpath_store::Tx,
    clinic_id: &str,
) -> Result<(Clinic, Vec<User>), ApiError> {
    let clinic = accounts::clinic(tx, clinic_id).await?.ok_or(ApiError::NotFound("clinic"))?;
    Ok((clinic, accounts::users(tx, clinic_id).await?))
}

fn page(
    staff: &Staff,
    (clinic, users): (Clinic, Vec<User>),
    failed: Option<(String, Value)>,
    errors: Vec<(String, String)>,
) -> AdminPage {
    let totp_required = clinic.admin_totp_required != 0;
    let clinic_fields = vec![
        ("display_name", clinic.display_name.unwrap_or_default(), false),
        ("slug", clinic.slug.unwrap_or_default(), true),
        ("emergency_number", clinic.emergency_number, false),
        ("time_zone", clinic.time_zone, true),
    ];
    AdminPage {
        frame: staff.frame(),
        users,
        roles: Role::ALL.map(Role::as_str),
        clinic_fields,
        totp_required,
        failed,
        errors,
    }
}

/// `GET /clinic/admin`.
pub(crate) async fn admin(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
) -> Response {
    let caller = &staff.caller;
    let read = audited(&state, Actor::User(caller), "user.list", &request_id, async |tx, _| {
        caller.require(Permission::ManageUsers)?;
        read(tx, caller.clinic()).await
    })
    .await;
    match read {
        Ok(found) => staff.render(&page(&staff, found, None, Vec::new())),
        Err(error) => staff.failure(&error),
    }
}

/// Runs an administration form's work, then the page again: with the form's problems, or at
/// the page's top.
async fn on_form(
    state: &AppState,
    staff: &Staff,
    request_id: &RequestId,
    action: &'static str,
    form_id: String,
    values: Value,
    work: impl AsyncFnOnce(
        &mut discpath_store::Tx,
        &mut crate::audited::Subject,
    ) -> Result<(), ApiError>,
) -> Response {
    if let Some(refused) = staff.refusal(Permission::ManageUsers) {
        return refused;
    }
    let caller = &staff.caller;
    match audited(state, Actor::User(caller), action, request_id, work).await {
        Ok(()) => Redirect::to("/clinic/admin").into_response(),
        Err(ApiError::Invalid(problems)) => {
            let errors = problems
                .iter()
                .map(|p| (format!("{form_id}-{}", p.path), format!("{}: {}", p.path, p.message)))
                .collect();
            again(state, staff, form_id, values, errors).await
        }
        Err(ApiError::Conflict(message)) => {
            let errors = vec![(format!("{form_id}-form"), message)];
            again(state, staff, form_id, values, errors).await
        }
        Err(error) => staff.failure(&error),
    }
}

async fn again(
    state: &AppState,
    staff: &Staff,
    form_id: String,
    values: Value,
    errors: Vec<(String, String)>,
) -> Response {
    match super::reread(state, async |tx| read(tx, staff.caller.clinic()).await).await {
        Ok(found) => staff.render_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(staff, found, Some((form_id, values)), errors),
        ),
        Err(error) => staff.failure(&error),
    }
}

/// `POST /clinic/admin/clinic` `slug, display_name, emergency_number, time_zone`.
pub(crate) async fn clinic(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    form: FormFields,
) -> Response {
    let mut body = form.body(&["slug", "display_name", "emergency_number", "time_zone"]);
    // A checkbox is sent only when ticked; the form always says what it should be.
    body["admin_totp_required"] = Value::Bool(form.get("admin_totp_required") == "yes");
    let caller = &staff.caller;
    let values = body.clone();
    on_form(
        &state,
        &staff,
        &request_id,
        "clinic.update",
        "clinic".to_owned(),
        values,
        async |tx, subject| change_clinic(tx, caller, subject, &body).await.map(|_| ()),
    )
    .await
}

/// `POST /clinic/admin/users` `name, email, role, password`.
pub(crate) async fn add_user(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    form: FormFields,
) -> Response {
    let body = form.body(&["name", "email", "role", "password"]);
    let caller = &staff.caller;
    let mut values = body.clone();
    values["password"] = json!("");
    on_form(
        &state,
        &staff,
        &request_id,
        "user.create",
        "new-user".to_owned(),
        values,
        async |tx, subject| new_user(tx, &state, caller, subject, &body).await.map(|_| ()),
    )
    .await
}

/// `POST /clinic/admin/users/{user_id}` `role, disabled, password`.
pub(crate) async fn change(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
    form: FormFields,
) -> Response {
    let user_id = match staff.target(Permission::ManageUsers, path, "user") {
        Ok(id) => id,
        Err(page) => return *page,
    };
    let mut body = form.body(&["role", "password"]);
    body["disabled"] = json!(form.get("disabled") == "yes");
    let caller = &staff.caller;
    let mut values = body.clone();
    values["password"] = json!("");
    on_form(
        &state,
        &staff,
        &request_id,
        "user.update",
        user_id.clone(),
        values,
        async |tx, subject| {
            change_user(tx, &state, caller, subject, &user_id, &body).await.map(|_| ())
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "clinic/audit.html")]
struct AuditPage {
    frame: Frame,
    records: Vec<AuditRecord>,
    patient_id: String,
    actor: String,
    users: Vec<User>,
    next: Option<String>,
}

impl AuditPage {
    /// The name of the user an actor id names, else the id itself (`public`, `cli`, …).
    fn who<'a>(&'a self, actor: &'a str) -> &'a str {
        self.users.iter().find(|u| u.user_id == actor).map_or(actor, |u| u.name.as_str())
    }
}

/// `?patient_id=&actor=&cursor=` of the audit page.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct AuditPageQuery {
    #[serde(flatten)]
    filter: AuditFilter,
    #[serde(flatten)]
    page: PageQuery,
}

/// `GET /clinic/admin/audit`.
pub(crate) async fn audit(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    query: Result<Query<AuditPageQuery>, ApiError>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(error) => return staff.failure(&error),
    };
    let caller = &staff.caller;
    let read = audited(&state, Actor::User(caller), "audit.read", &request_id, async |tx, _| {
        let page = find_audit(tx, caller, &query.page, &query.filter).await?;
        Ok((page, accounts::users(tx, caller.clinic()).await?))
    })
    .await;
    let (page, users) = match read {
        Ok(read) => read,
        Err(error) => return staff.failure(&error),
    };
    let patient_id = query.filter.patient_id.unwrap_or_default();
    let actor = query.filter.actor.unwrap_or_default();
    let next = page.next_cursor.map(|cursor| {
        format!(
            "cursor={cursor}&patient_id={}&actor={}",
            super::url_encode(patient_id.trim()),
            super::url_encode(actor.trim())
        )
    });
    staff.render(&AuditPage {
        frame: staff.frame(),
        records: page.items,
        patient_id,
        actor,
        users,
        next,
    })
}
