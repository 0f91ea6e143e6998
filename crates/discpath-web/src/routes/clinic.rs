//! The caller's clinic: its public pages' address, display name and emergency number, its
//! time zone, and whether its administrators must sign in with a second factor.

use axum::Json;
use axum::extract::State;
use discpath_store::Tx;
use discpath_store::accounts::{self, Clinic};
use serde_json::Value;

use crate::audited::{Actor, RequestId, Subject, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody};
use crate::state::AppState;

/// `GET /api/v1/clinic`: the caller's clinic.
pub(crate) async fn read(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Clinic>, ApiError> {
    let mut tx = state.store.begin().await?;
    let clinic =
        accounts::clinic(&mut tx, caller.clinic()).await?.ok_or(ApiError::NotFound("clinic"))?;
    tx.commit().await?;
    Ok(Json(clinic))
}

/// `PATCH /api/v1/clinic` `{slug?, display_name?, emergency_number?, time_zone?,
/// admin_totp_required?}` (admin): the public pages' settings, the clinic's IANA time zone
/// (booked session times are its local times) and whether administrators need a second factor
/// (turning it on is refused to an administrator who has none set up: they would lock
/// themselves out of this very setting). A slug is lowercase letters and digits in words joined by hyphens (`north-spine`).
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<Json<Clinic>, ApiError> {
    audited(&state, Actor::User(&caller), "clinic.update", &request_id, async |tx, subject| {
        Ok(Json(change_clinic(tx, &caller, subject, &body).await?))
    })
    .await
}

/// Changes the caller's clinic from `{slug?, display_name?, emergency_number?, time_zone?,
/// admin_totp_required?}` (the work of the API and of the administration page).
pub(crate) async fn change_clinic(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    body: &Value,
) -> Result<Clinic, ApiError> {
    caller.require(Permission::ManageClinic)?;
    subject.resource = Some(caller.clinic().to_owned());
    let mut fields = Fields::new(
        body,
        &["slug", "display_name", "emergency_number", "time_zone", "admin_totp_required"],
    );
    let admin_totp_required = fields.boolean("admin_totp_required");
    if admin_totp_required == Some(true) && !caller.user.has_totp() {
        fields.reject("admin_totp_required", "set up two-factor sign-in on your own account first");
    }
    let time_zone = fields.text("time_zone", false, 64);
    if let Some(zone) = &time_zone
        && jiff::tz::TimeZone::get(zone).is_err()
    {
        fields.reject("time_zone", "not an IANA time zone (for example America/Chicago)");
    }
    let slug = fields.text("slug", false, 60);
    let display_name = fields.text("display_name", false, 200);
    let emergency_number = fields.text("emergency_number", false, 6);
    if let Some(slug) = &slug
        && !is_slug(slug)
    {
        fields.reject(
            "slug",
            "use lowercase letters and digits, words joined by hyphens (north-spine)",
        );
    }
    if let Some(number) = &emergency_number
        && !(number.len() >= 2 && number.chars().all(|c| c.is_ascii_digit()))
    {
        fields.reject("emergency_number", "use 2 to 6 digits, for example 911 or 112");
    }
    fields.finish()?;
    let mut clinic =
        accounts::clinic(tx, caller.clinic()).await?.ok_or(ApiError::NotFound("clinic"))?;
    clinic.slug = slug.or(clinic.slug);
    clinic.display_name = display_name.or(clinic.display_name);
    clinic.emergency_number = emergency_number.unwrap_or(clinic.emergency_number);
    clinic.time_zone = time_zone.unwrap_or(clinic.time_zone);
    if let Some(required) = admin_totp_required {
        clinic.admin_totp_required = i64::from(required);
    }
    accounts::update_clinic_pages(tx, &clinic).await.map_err(|e| match e {
        discpath_store::StoreError::Conflict(_) => {
            ApiError::invalid("slug", "another clinic uses this address; choose another")
        }
        other => other.into(),
    })?;
    Ok(clinic)
}

/// Whether `text` is a slug: words of lowercase letters and digits joined by single hyphens.
fn is_slug(text: &str) -> bool {
    text.len() >= 2
        && text.split('-').all(|word| {
            !word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}
