//! Consultation requests: submitted by patients on the public form (with an optional MRI report:
//! a PDF, PNG or JPEG, recognised by its content, not its name or declared type), handled by the
//! clinic's staff.

use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_store::accounts;
use discpath_store::consultations::{self, ConsultationRequest, StoredFile};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Page, PageQuery};
use crate::state::{AppState, now};

const STATUS: &[&str] = &["new", "contacted", "scheduled", "closed"];

/// The media type of a file recognised by its first bytes.
fn media_type(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if content.starts_with(b"\xFF\xD8\xFF") {
        Some("image/jpeg")
    } else {
        None
    }
}

fn multipart_error(error: &axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::invalid("", format!("the form could not be read: {}", error.body_text()))
    }
}

/// `POST /api/v1/clinics/{clinic_id}/consultation-requests` (public, multipart form): `name`,
/// `email`, `phone`, `message`, and the file `mri_report`.
pub(crate) async fn create(
    State(state): State<AppState>,
    request_id: RequestId,
    Path(clinic_id): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut form = form.map_err(|_| ApiError::UnsupportedMediaType("multipart/form-data"))?;
    let mut tx = state.store.begin().await?;
    let clinic =
        accounts::clinic(&mut tx, &clinic_id).await?.ok_or(ApiError::NotFound("clinic"))?;
    tx.commit().await?;
    let mut values = serde_json::Map::new();
    let mut upload: Option<Vec<u8>> = None;
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "mri_report" {
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            if bytes.len() > state.config.upload_limit {
                return Err(ApiError::PayloadTooLarge);
            }
            if !bytes.is_empty() {
                upload = Some(bytes.to_vec());
            }
        } else {
            let text = field.text().await.map_err(|e| multipart_error(&e))?;
            values.insert(name, Value::String(text));
        }
    }
    let form_values = Value::Object(values);
    let mut fields = Fields::new(&form_values, &["name", "email", "phone", "message"]);
    let name = fields.text("name", true, 200);
    let email = fields.email("email", true);
    let phone = fields.text("phone", false, 40);
    let message = fields.text("message", false, 4000);
    let file = match upload.as_deref().map(|content| (content, media_type(content))) {
        None => None,
        Some((content, Some(media_type))) => Some(StoredFile {
            sha256: Sha256::digest(content).iter().map(|b| format!("{b:02x}")).collect(),
            media_type: media_type.to_owned(),
            size: i64::try_from(content.len()).unwrap_or(i64::MAX),
        }),
        Some((_, None)) => {
            fields.reject("mri_report", "must be a PDF, PNG or JPEG file");
            None
        }
    };
    fields.finish()?;
    let at = now();
    let request = ConsultationRequest {
        request_id: discpath_store::new_id(),
        clinic_id: clinic.clinic_id.clone(),
        name: name.unwrap_or_default(),
        email: email.unwrap_or_default(),
        phone,
        message,
        file_sha256: file.as_ref().map(|f| f.sha256.clone()),
        status: "new".to_owned(),
        created_at: at.clone(),
        updated_at: at.clone(),
    };
    let actor = Actor::Public { clinic_id: &clinic.clinic_id };
    audited(&state, actor, "consultation.create", &request_id, async |tx, subject| {
        subject.resource = Some(request.request_id.clone());
        if let (Some(file), Some(content)) = (&file, &upload) {
            consultations::store_file(tx, file, content, &at).await?;
        }
        consultations::create_request(tx, &request).await?;
        Ok(())
    })
    .await?;
    let received =
        json!({ "request_id": request.request_id, "status": request.status, "mri_report": file });
    Ok((StatusCode::CREATED, Json(received)))
}

/// `GET /api/v1/consultation-requests`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<ConsultationRequest>>, ApiError> {
    audited(&state, Actor::User(&caller), "consultation.list", &request_id, async |tx, _| {
        caller.require(Permission::HandleConsultations)?;
        let (limit, after) = page.parse()?;
        let items = consultations::requests(tx, caller.clinic(), after.as_deref(), limit).await?;
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

/// `PATCH /api/v1/consultation-requests/{request_id}` `{status}`.
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
        async |tx, subject| {
            caller.require(Permission::HandleConsultations)?;
            subject.resource = Some(id.clone());
            let mut fields = Fields::new(&body, &["status"]);
            let status = fields.one_of("status", true, STATUS);
            fields.finish()?;
            let mut request = consultations::request(tx, caller.clinic(), &id)
                .await?
                .ok_or(ApiError::NotFound("consultation request"))?;
            request.status = status.unwrap_or(request.status);
            request.updated_at = now();
            consultations::update_request_status(tx, &request).await?;
            Ok(Json(request))
        },
    )
    .await
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
            let disposition = format!("attachment; filename=\"mri-report-{id}\"");
            Ok((
                [
                    (header::CONTENT_TYPE, file.media_type),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                content,
            )
                .into_response())
        },
    )
    .await
}
