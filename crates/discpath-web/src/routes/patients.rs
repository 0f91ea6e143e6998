//! Patients and their episodes of care.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use discpath_model::vocabulary::SEX;
use discpath_store::patients::{self, Episode, Patient};
use discpath_store::{StoreError, Tx};
use serde::Deserialize;
use serde_json::Value;

use crate::audited::{Actor, RequestId, Subject, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Page, PageQuery, Path, Query};
use crate::state::{AppState, now};

const PATIENT_FIELDS: &[&str] = &["mrn", "name", "birth_date", "sex", "email", "phone"];
const EPISODE_FIELDS: &[&str] = &["title", "status", "opened_on", "closed_on"];
const EPISODE_STATUS: &[&str] = &["open", "closed"];

fn mrn_conflict(error: StoreError) -> ApiError {
    match error {
        StoreError::Conflict(_) => ApiError::Conflict(
            "another patient of the clinic has this medical record number".to_owned(),
        ),
        other => other.into(),
    }
}

/// Checks a patient's fields, onto `patient` (all required when `creating`).
fn patient_fields(body: &Value, patient: &mut Patient, creating: bool) -> Result<(), ApiError> {
    let mut fields = Fields::new(body, PATIENT_FIELDS);
    let mrn = fields.text("mrn", creating, 64);
    let name = fields.text("name", creating, 200);
    let birth_date = fields.date("birth_date", creating);
    let sex = fields.one_of("sex", creating, SEX);
    let email = fields.email("email", false);
    let phone = fields.text("phone", false, 40);
    if let Some(date) = &birth_date
        && date.as_str() > now().get(..10).unwrap_or_default()
    {
        fields.reject("birth_date", "is in the future");
    }
    let (has_email, has_phone) = (fields.has("email"), fields.has("phone"));
    fields.finish()?;
    patient.mrn = mrn.unwrap_or(std::mem::take(&mut patient.mrn));
    patient.name = name.unwrap_or(std::mem::take(&mut patient.name));
    patient.birth_date = birth_date.unwrap_or(std::mem::take(&mut patient.birth_date));
    patient.sex = sex.unwrap_or(std::mem::take(&mut patient.sex));
    if has_email {
        patient.email = email;
    }
    if has_phone {
        patient.phone = phone;
    }
    Ok(())
}

/// `POST /api/v1/patients`.
pub(crate) async fn create_patient(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Patient>), ApiError> {
    audited(&state, Actor::User(&caller), "patient.create", &request_id, async |tx, subject| {
        let patient = register_patient(tx, &caller, subject, &body).await?;
        Ok((StatusCode::CREATED, Json(patient)))
    })
    .await
}

/// Registers a patient of the caller's clinic from `{mrn, name, birth_date, sex, email?,
/// phone?}` (the work of the API's `POST /api/v1/patients` and of registering a consultation
/// request).
pub(crate) async fn register_patient(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    body: &Value,
) -> Result<Patient, ApiError> {
    caller.require(Permission::WritePatients)?;
    let at = now();
    let mut patient = Patient {
        patient_id: discpath_store::new_id(),
        clinic_id: caller.clinic().to_owned(),
        mrn: String::new(),
        name: String::new(),
        birth_date: String::new(),
        sex: String::new(),
        email: None,
        phone: None,
        created_at: at.clone(),
        updated_at: at,
    };
    patient_fields(body, &mut patient, true)?;
    subject.set(&patient.patient_id, &patient.patient_id);
    patients::create_patient(tx, &patient).await.map_err(mrn_conflict)?;
    Ok(patient)
}

/// `GET /api/v1/patients/{patient_id}`.
pub(crate) async fn read_patient(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(patient_id): Path<String>,
) -> Result<Json<Patient>, ApiError> {
    audited(&state, Actor::User(&caller), "patient.read", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let patient = patients::patient(tx, caller.clinic(), &patient_id)
            .await?
            .ok_or(ApiError::NotFound("patient"))?;
        subject.set(&patient.patient_id, &patient.patient_id);
        Ok(Json(patient))
    })
    .await
}

/// `PATCH /api/v1/patients/{patient_id}`.
pub(crate) async fn update_patient(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(patient_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Patient>, ApiError> {
    audited(&state, Actor::User(&caller), "patient.update", &request_id, async |tx, subject| {
        caller.require(Permission::WritePatients)?;
        let mut patient = patients::patient(tx, caller.clinic(), &patient_id)
            .await?
            .ok_or(ApiError::NotFound("patient"))?;
        subject.set(&patient.patient_id, &patient.patient_id);
        patient_fields(&body, &mut patient, false)?;
        patient.updated_at = now();
        patients::update_patient(tx, &patient).await.map_err(mrn_conflict)?;
        Ok(Json(patient))
    })
    .await
}

/// `?q=&limit=&cursor=` of the patient list.
#[derive(Debug, Deserialize)]
pub(crate) struct PatientQuery {
    pub q: Option<String>,
    #[serde(flatten)]
    pub page: PageQuery,
}

/// `GET /api/v1/patients?q=`: the clinic's patients, optionally those whose name contains `q` or
/// whose MRN or date of birth is `q`.
pub(crate) async fn list_patients(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Query(query): Query<PatientQuery>,
) -> Result<Json<Page<Patient>>, ApiError> {
    audited(&state, Actor::User(&caller), "patient.list", &request_id, async |tx, subject| {
        Ok(Json(find_patients(tx, &caller, subject, &query).await?))
    })
    .await
}

/// A page of the caller's clinic's patients, each named for the audit record (the work of the
/// API's list and of the work list, inside their audited transaction).
pub(crate) async fn find_patients(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    query: &PatientQuery,
) -> Result<Page<Patient>, ApiError> {
    caller.require(Permission::ReadPatients)?;
    let (limit, after) = query.page.parse()?;
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let items = patients::patients(tx, caller.clinic(), search, after.as_deref(), limit).await?;
    subject.list(items.iter().map(|p| (Some(p.patient_id.as_str()), p.patient_id.as_str())));
    Ok(Page::new(items, limit, |p| p.patient_id.as_str().into()))
}

/// Checks an episode's fields onto `episode`.
fn episode_fields(body: &Value, episode: &mut Episode, creating: bool) -> Result<(), ApiError> {
    let mut fields = Fields::new(body, EPISODE_FIELDS);
    let title = fields.text("title", creating, 200);
    let status = fields.one_of("status", false, EPISODE_STATUS);
    let opened_on = fields.date("opened_on", false);
    let closed_on = fields.date("closed_on", false);
    let has_closed = fields.has("closed_on");
    fields.finish()?;
    episode.title = title.unwrap_or(std::mem::take(&mut episode.title));
    episode.status = status.unwrap_or(std::mem::take(&mut episode.status));
    episode.opened_on = opened_on.unwrap_or(std::mem::take(&mut episode.opened_on));
    if has_closed {
        episode.closed_on = closed_on;
    }
    if episode.closed_on.as_deref().is_some_and(|closed| closed < episode.opened_on.as_str()) {
        return Err(ApiError::invalid("closed_on", "is before opened_on"));
    }
    Ok(())
}

/// `POST /api/v1/patients/{patient_id}/episodes`.
pub(crate) async fn create_episode(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(patient_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Episode>), ApiError> {
    audited(&state, Actor::User(&caller), "episode.create", &request_id, async |tx, subject| {
        let episode = open_episode(tx, &caller, subject, &patient_id, &body).await?;
        Ok((StatusCode::CREATED, Json(episode)))
    })
    .await
}

/// Opens an episode for a patient of the caller's clinic from `{title, opened_on?, …}` (the work
/// of the API's `POST …/episodes` and of registering a consultation request).
pub(crate) async fn open_episode(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    patient_id: &str,
    body: &Value,
) -> Result<Episode, ApiError> {
    caller.require(Permission::WritePatients)?;
    let patient = patients::patient(tx, caller.clinic(), patient_id)
        .await?
        .ok_or(ApiError::NotFound("patient"))?;
    let at = now();
    let mut episode = Episode {
        episode_id: discpath_store::new_id(),
        clinic_id: caller.clinic().to_owned(),
        patient_id: patient.patient_id,
        title: String::new(),
        status: "open".to_owned(),
        opened_on: at.get(..10).unwrap_or_default().to_owned(),
        closed_on: None,
        created_at: at.clone(),
        updated_at: at,
    };
    subject.set(&episode.patient_id, &episode.episode_id);
    episode_fields(body, &mut episode, true)?;
    patients::create_episode(tx, &episode).await?;
    Ok(episode)
}

/// `GET /api/v1/episodes/{episode_id}`.
pub(crate) async fn read_episode(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(episode_id): Path<String>,
) -> Result<Json<Episode>, ApiError> {
    audited(&state, Actor::User(&caller), "episode.read", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let episode = patients::episode(tx, caller.clinic(), &episode_id)
            .await?
            .ok_or(ApiError::NotFound("episode"))?;
        subject.set(&episode.patient_id, &episode.episode_id);
        Ok(Json(episode))
    })
    .await
}

/// `PATCH /api/v1/episodes/{episode_id}`.
pub(crate) async fn update_episode(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(episode_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Episode>, ApiError> {
    audited(&state, Actor::User(&caller), "episode.update", &request_id, async |tx, subject| {
        caller.require(Permission::WritePatients)?;
        let mut episode = patients::episode(tx, caller.clinic(), &episode_id)
            .await?
            .ok_or(ApiError::NotFound("episode"))?;
        subject.set(&episode.patient_id, &episode.episode_id);
        episode_fields(&body, &mut episode, false)?;
        episode.updated_at = now();
        patients::update_episode(tx, &episode).await?;
        Ok(Json(episode))
    })
    .await
}

/// `GET /api/v1/patients/{patient_id}/episodes`.
pub(crate) async fn list_episodes(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(patient_id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Episode>>, ApiError> {
    audited(&state, Actor::User(&caller), "episode.list", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let (limit, after) = page.parse()?;
        let patient = patients::patient(tx, caller.clinic(), &patient_id)
            .await?
            .ok_or(ApiError::NotFound("patient"))?;
        subject.set(&patient.patient_id, &patient.patient_id);
        let items =
            patients::episodes(tx, caller.clinic(), &patient.patient_id, after.as_deref(), limit)
                .await?;
        Ok(Json(Page::new(items, limit, |e| e.episode_id.as_str().into())))
    })
    .await
}
