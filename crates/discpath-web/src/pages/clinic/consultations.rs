//! `/clinic/consultations`: the consultation queue — each request with its answers, the
//! self-assessment result it came with and its MRI report (a download, never shown inline),
//! urgent requests first; status changes (a reason to close one) and "register as patient",
//! which carries the details over, opens an episode and warns of a likely duplicate (the same
//! name and date of birth). The work is the JSON API's own.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use discpath_model::Pathway;
use discpath_model::vocabulary::{FIELDS, SEX};
use discpath_store::consultations::{self, ConsultationRequest};
use discpath_store::patients::{self, Patient};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{FormFields, Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::input::{Path, Query};
use crate::routes::consultations::{STATUS, change_status};
use crate::routes::patients::{open_episode, register_patient};
use crate::state::AppState;

/// Why a registration waits for confirmation.
const LIKELY_DUPLICATE: &str =
    "A patient with this name and date of birth is registered: check them, then confirm";

/// The most requests the queue shows at once.
const SHOWN: i64 = 200;

#[derive(Template)]
#[template(path = "clinic/consultations.html")]
struct QueuePage {
    frame: Frame,
    requests: Vec<ConsultationRequest>,
    closed: bool,
}

/// `?closed=1`: the closed requests instead of the open ones.
#[derive(Debug, Deserialize)]
pub(crate) struct QueueQuery {
    closed: Option<String>,
}

/// `GET /clinic/consultations`.
pub(crate) async fn queue(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    query: Result<Query<QueueQuery>, ApiError>,
) -> Response {
    let closed = matches!(&query, Ok(Query(QueueQuery { closed: Some(c) })) if c == "1");
    let caller = &staff.caller;
    let read = audited(
        &state,
        Actor::User(caller),
        "consultation.list",
        &request_id,
        async |tx, subject| {
            caller.require(Permission::HandleConsultations)?;
            let requests = consultations::queue(tx, caller.clinic(), closed, SHOWN).await?;
            subject.list(requests.iter().map(|r| (r.patient_id.as_deref(), r.request_id.as_str())));
            Ok(requests)
        },
    )
    .await;
    match read {
        Ok(requests) => staff.render(&QueuePage { frame: staff.frame(), requests, closed }),
        Err(error) => staff.failure(&error),
    }
}

/// The registration form's values and problems.
#[derive(Default)]
struct Registration {
    values: Map<String, Value>,
    errors: Vec<(String, String)>,
    /// Patients with the same name and date of birth, when asked to confirm.
    namesakes: Vec<Patient>,
}

impl Registration {
    fn value(&self, name: &str) -> &str {
        self.values.get(name).and_then(Value::as_str).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "clinic/consultation.html")]
struct RequestPage {
    frame: Frame,
    request: ConsultationRequest,
    /// The self-assessment's pathway title and code, and its red flags' labels.
    result: Option<(&'static str, String, Vec<String>)>,
    /// The self-assessment's answers, `(label, value)`.
    answers: Vec<(&'static str, String)>,
    statuses: &'static [&'static str],
    sexes: &'static [&'static str],
    registration: Registration,
    /// The status form's problems.
    status_errors: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

impl RequestPage {
    fn status_error(&self) -> Option<&str> {
        self.status_errors.first().map(|(_, m)| m.as_str())
    }

    fn registration_error(&self, name: &str) -> Option<&str> {
        let id = format!("register-{name}");
        self.registration.errors.iter().find(|(i, _)| *i == id).map(|(_, m)| m.as_str())
    }
}

fn request_page(
    staff: &Staff,
    request: ConsultationRequest,
    registration: Registration,
    status_errors: Vec<(String, String)>,
) -> RequestPage {
    let result =
        request.result.as_deref().and_then(|text| serde_json::from_str::<Value>(text).ok()).map(
            |r| {
                let code = r["pathway"].as_str().unwrap_or_default().to_owned();
                let flags = r["red_flags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f["label"].as_str().map(str::to_owned))
                    .collect();
                (Pathway::from_code(&code).map_or("", Pathway::title), code, flags)
            },
        );
    let document: Value = request
        .assessment
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let mut answers: Vec<(&'static str, String)> = FIELDS
        .iter()
        .filter_map(|f| {
            let value = &document[f.section][f.name];
            let text = match value {
                Value::Bool(true) => "yes".to_owned(),
                Value::Bool(false) => "no".to_owned(),
                Value::Null => return None,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((f.label, text))
        })
        .collect();
    if let Some(diagnoses) = document["diagnoses"].as_array() {
        let codes: Vec<&str> = diagnoses.iter().filter_map(|d| d["code"].as_str()).collect();
        answers.push((
            "Diagnoses they were told",
            if codes.is_empty() { "none".to_owned() } else { codes.join(", ") },
        ));
    }
    let mut registration = registration;
    if registration.values.is_empty() {
        registration.values.insert("name".to_owned(), json!(request.name));
        registration
            .values
            .insert("email".to_owned(), json!(request.email.clone().unwrap_or_default()));
        registration
            .values
            .insert("phone".to_owned(), json!(request.phone.clone().unwrap_or_default()));
        if let Some(sex) = document["patient"]["sex"].as_str() {
            registration.values.insert("sex".to_owned(), json!(sex));
        }
    }
    let errors = status_errors.iter().chain(&registration.errors).cloned().collect();
    RequestPage {
        frame: staff.frame(),
        request,
        result,
        answers,
        statuses: STATUS,
        sexes: SEX,
        registration,
        status_errors,
        errors,
    }
}

/// `GET /clinic/consultations/{request_id}`.
pub(crate) async fn request(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
) -> Response {
    let caller = &staff.caller;
    let read = audited(
        &state,
        Actor::User(caller),
        "consultation.read",
        &request_id,
        async |tx, subject| {
            caller.require(Permission::HandleConsultations)?;
            let Path(id) = path?;
            subject.resource = Some(id.clone());
            consultations::request(tx, caller.clinic(), &id)
                .await?
                .ok_or(ApiError::NotFound("consultation request"))
        },
    )
    .await;
    match read {
        Ok(request) => {
            staff.render(&request_page(&staff, request, Registration::default(), Vec::new()))
        }
        Err(error) => staff.failure(&error),
    }
}

/// Reads a request again to show it with a form's problems (the refused change was audited).
async fn again(state: &AppState, staff: &Staff, id: &str) -> Result<ConsultationRequest, ApiError> {
    super::reread(state, async |tx| {
        consultations::request(tx, staff.caller.clinic(), id).await.map_err(ApiError::from)
    })
    .await?
    .ok_or(ApiError::NotFound("consultation request"))
}

/// `POST /clinic/consultations/{request_id}/status` `status, reason`.
pub(crate) async fn status(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
    form: FormFields,
) -> Response {
    let id = match staff.target(Permission::HandleConsultations, path, "consultation request") {
        Ok(id) => id,
        Err(page) => return *page,
    };
    let body = form.body(&["status", "reason"]);
    let caller = &staff.caller;
    let changed = audited(
        &state,
        Actor::User(caller),
        "consultation.update",
        &request_id,
        async |tx, subject| change_status(tx, caller, subject, &id, &body).await,
    )
    .await;
    match changed {
        Ok(_) => Redirect::to(&format!("/clinic/consultations/{id}")).into_response(),
        Err(ApiError::Invalid(problems)) => match again(&state, &staff, &id).await {
            Ok(request) => {
                let errors = problems
                    .iter()
                    .map(|p| {
                        let message = if p.path == "reason" && p.message == "required" {
                            "Give the reason for closing the request".to_owned()
                        } else {
                            format!("{}: {}", p.path, p.message)
                        };
                        ("status-form".to_owned(), message)
                    })
                    .collect();
                staff.render_with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &request_page(&staff, request, Registration::default(), errors),
                )
            }
            Err(error) => staff.failure(&error),
        },
        Err(error) => staff.failure(&error),
    }
}

/// `POST /clinic/consultations/{request_id}/register` `mrn, name, birth_date, sex, email, phone,
/// confirm`: registers the requester as a patient with an open episode and links the request;
/// with a likely duplicate (same name and date of birth), asks to confirm first.
pub(crate) async fn register(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
    form: FormFields,
) -> Response {
    let id = match staff.target(Permission::WritePatients, path, "consultation request") {
        Ok(id) => id,
        Err(page) => return *page,
    };
    let body = form.body(&["mrn", "name", "birth_date", "sex", "email", "phone"]);
    let values = body.as_object().cloned().unwrap_or_default();
    let confirmed = form.get("confirm") == "yes";
    let caller = &staff.caller;
    let registered =
        audited(&state, Actor::User(caller), "patient.create", &request_id, async |tx, subject| {
            let mut request = consultations::request(tx, caller.clinic(), &id)
                .await?
                .ok_or(ApiError::NotFound("consultation request"))?;
            if request.patient_id.is_some() {
                return Err(ApiError::Conflict(
                    "the request is already registered as a patient".to_owned(),
                ));
            }
            if !confirmed {
                let (name, birth_date) = (form.get("name"), form.get("birth_date"));
                if !patients::namesakes(tx, caller.clinic(), name, birth_date).await?.is_empty() {
                    return Err(ApiError::Conflict(LIKELY_DUPLICATE.to_owned()));
                }
            }
            let patient = register_patient(tx, caller, subject, &body).await?;
            open_episode(
                tx,
                caller,
                subject,
                &patient.patient_id,
                &json!({ "title": "Low back pain" }),
            )
            .await?;
            subject.set(&patient.patient_id, &patient.patient_id);
            request.patient_id = Some(patient.patient_id.clone());
            request.updated_at = crate::state::now();
            consultations::update_request_status(tx, &request).await?;
            Ok(patient)
        })
        .await;
    let registration = |errors: Vec<(String, String)>, namesakes: Vec<Patient>| Registration {
        values: values.clone(),
        errors,
        namesakes,
    };
    let shown = match registered {
        Ok(patient) => {
            return Redirect::to(&format!("/clinic/patients/{}", patient.patient_id))
                .into_response();
        }
        Err(ApiError::Conflict(message)) if message == LIKELY_DUPLICATE => {
            let found = audited(
                &state,
                Actor::User(caller),
                "patient.list",
                &request_id,
                async |tx, subject| {
                    let found = patients::namesakes(
                        tx,
                        caller.clinic(),
                        form.get("name"),
                        form.get("birth_date"),
                    )
                    .await?;
                    subject.list(
                        found.iter().map(|p| (Some(p.patient_id.as_str()), p.patient_id.as_str())),
                    );
                    Ok(found)
                },
            );
            match found.await {
                Ok(namesakes) => {
                    registration(vec![("register-confirm".to_owned(), message)], namesakes)
                }
                Err(error) => return staff.failure(&error),
            }
        }
        Err(ApiError::Invalid(problems)) => registration(
            problems
                .iter()
                .map(|p| (format!("register-{}", p.path), format!("{}: {}", p.path, p.message)))
                .collect(),
            Vec::new(),
        ),
        Err(ApiError::Conflict(message)) if message.contains("record number") => {
            registration(vec![("register-mrn".to_owned(), message)], Vec::new())
        }
        Err(error) => return staff.failure(&error),
    };
    match again(&state, &staff, &id).await {
        Ok(request) => {
            let status = if shown.namesakes.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            staff.render_with(status, &request_page(&staff, request, shown, Vec::new()))
        }
        Err(error) => staff.failure(&error),
    }
}
