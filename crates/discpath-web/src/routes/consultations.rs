//! Consultation requests: submitted by patients on the public form (read, checked and stored by
//! [`crate::consultation`], which the patients' pages share), handled by the clinic's staff.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_store::consultations::{self, ConsultationRequest};
use discpath_store::{Tx, accounts};
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, Subject, audited};
use crate::auth::{Caller, Permission};
use crate::client::ClientAddress;
use crate::consultation::{self as intake, extension};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Page, PageQuery, Path, Query};
use crate::state::{AppState, now};

/// A request's statuses.
pub(crate) const STATUS: &[&str] = &["new", "contacted", "scheduled", "closed"];

/// `POST /api/v1/clinics/{clinic_id}/consultation-requests` (public, multipart form): `name`,
/// `email` and/or `phone`, `preferred_times`, `message`, `consent=yes`, and the file
/// `mri_report`.
pub(crate) async fn create(
    State(state): State<AppState>,
    request_id: RequestId,
    ClientAddress(client): ClientAddress,
    Path(clinic_id): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let form = form.map_err(|_| ApiError::UnsupportedMediaType("multipart/form-data"))?;
    let clinic = {
        let mut tx = state.store.begin().await?;
        let clinic = accounts::clinic(&mut tx, &clinic_id).await?;
        tx.commit().await?;
        clinic.ok_or(ApiError::NotFound("clinic"))?
    };
    // Counted before the body is read, so that a flood is refused cheaply.
    intake::admit_client(&state, &client.to_string()).await?;
    let submission = intake::read(&state, form, &[]).await?;
    let checked = intake::check(&clinic, &submission, None, None)?;
    if !submission.is_robot() {
        intake::store(&state, &request_id, &checked, submission.upload.as_deref()).await?;
    }
    let request = checked.request();
    let received = json!({ "request_id": request.request_id, "status": request.status, "mri_report": checked.file() });
    Ok((StatusCode::CREATED, Json(received)))
}

/// `GET /api/v1/consultation-requests`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ConsultationRequest>>, ApiError> {
    audited(&state, Actor::User(&caller), "consultation.list", &request_id, async |tx, subject| {
        caller.require(Permission::HandleConsultations)?;
        let (limit, after) = page.parse()?;
        let items = consultations::requests(tx, caller.clinic(), after.as_deref(), limit).await?;
        subject.list(items.iter().map(|r| (None, r.request_id.as_str())));
        Ok(Json(Page::new(items, limit, |r| r.request_id.as_str().into())))
    })
    .await
}

/// `GET /api/v1/consultation-requests/{request_id}`.
pub(crate) async fn read(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<Json<ConsultationRequest>, ApiError> {
    audited(&state, Actor::User(&caller), "consultation.read", &request_id, async |tx, subject| {
        caller.require(Permission::HandleConsultations)?;
        subject.resource = Some(id.clone());
        Ok(Json(
            consultations::request(tx, caller.clinic(), &id)
                .await?
                .ok_or(ApiError::NotFound("consultation request"))?,
        ))
    })
    .await
}

/// `PATCH /api/v1/consultation-requests/{request_id}` `{status, reason?}` (a reason is needed to
/// close one).
pub(crate) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<ConsultationRequest>, ApiError> {
    audited(
        &state,
        Actor::User(&caller),
        "consultation.update",
        &request_id,
        async |tx, subject| Ok(Json(change_status(tx, &caller, subject, &id, &body).await?)),
    )
    .await
}

/// Changes a request's status from `{status, reason?}`: closing needs a reason, which is kept;
/// reopening clears it (the work of the API's `PATCH` and of the queue page).
pub(crate) async fn change_status(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    id: &str,
    body: &Value,
) -> Result<ConsultationRequest, ApiError> {
    caller.require(Permission::HandleConsultations)?;
    subject.resource = Some(id.to_owned());
    let mut fields = Fields::new(body, &["status", "reason"]);
    let status = fields.one_of("status", true, STATUS);
    let closing = status.as_deref() == Some("closed");
    let reason = fields.paragraphs("reason", closing, 500);
    if !closing && fields.has("reason") {
        fields.reject("reason", "only closing a request takes a reason");
    }
    fields.finish()?;
    let mut request = consultations::request(tx, caller.clinic(), id)
        .await?
        .ok_or(ApiError::NotFound("consultation request"))?;
    request.status = status.unwrap_or(request.status);
    request.closed_reason = reason;
    request.updated_at = now();
    consultations::update_request_status(tx, &request).await?;
    Ok(request)
}

/// `GET /api/v1/consultation-requests/{request_id}/mri-report`: the uploaded file.
pub(crate) async fn report(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    audited(
        &state,
        Actor::User(&caller),
        "consultation.report.read",
        &request_id,
        async |tx, subject| {
            caller.require(Permission::HandleConsultations)?;
            subject.resource = Some(id.clone());
            let request = consultations::request(tx, caller.clinic(), &id)
                .await?
                .ok_or(ApiError::NotFound("consultation request"))?;
            let sha256 = request.file_sha256.ok_or(ApiError::NotFound("MRI report"))?;
            let (file, content) =
                consultations::file(tx, &sha256).await?.ok_or(ApiError::NotFound("MRI report"))?;
            // Always a download, never rendered in the staff's browser; were it opened anyway,
            // the sandbox keeps it from running script or reaching the service.
            let disposition =
                format!("attachment; filename=\"mri-report-{id}.{}\"", extension(&file.media_type));
            Ok((
                [
                    (header::CONTENT_TYPE, file.media_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'".to_owned()),
                ],
                content,
            )
                .into_response())
        },
    )
    .await
}
