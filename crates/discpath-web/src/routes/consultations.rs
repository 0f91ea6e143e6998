//! Consultation requests: submitted by patients on the public form (with an optional MRI report:
//! a PDF, PNG or JPEG, recognised by its content, not its name or declared type, and never one
//! that carries HTML or script), handled by the clinic's staff. The form is throttled per client
//! address, and uploads per clinic per day.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_store::accounts;
use discpath_store::consultations::{self, ConsultationRequest, StoredFile};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{Caller, Permission};
use crate::client::ClientAddress;
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Page, PageQuery, Path, Query};
use crate::state::{AppState, now};
use crate::throttles;

const STATUS: &[&str] = &["new", "contacted", "scheduled", "closed"];

/// The media types accepted, with their first bytes and file extension.
const MEDIA_TYPES: [(&str, &[u8], &str); 3] = [
    ("application/pdf", b"%PDF-", "pdf"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "png"),
    ("image/jpeg", b"\xFF\xD8\xFF", "jpg"),
];

/// The media type of a file recognised by its first bytes.
fn media_type(content: &[u8]) -> Option<&'static str> {
    MEDIA_TYPES.iter().find(|(_, magic, _)| content.starts_with(magic)).map(|(media, _, _)| *media)
}

/// The file extension of an accepted media type.
fn extension(media_type: &str) -> &'static str {
    MEDIA_TYPES.iter().find(|(media, _, _)| *media == media_type).map_or("bin", |(_, _, ext)| ext)
}

/// Whether a file carries markup or script that a browser or PDF reader could run (a "PDF" that
/// is also an HTML page, a PDF with JavaScript or launch actions), in any letter case.
/// Compressed streams make a false match of these markers in real reports vanishingly unlikely.
fn carries_active_content(content: &[u8]) -> bool {
    const MARKERS: [&[u8]; 8] = [
        b"<html",
        b"<script",
        b"<!doctype",
        b"<body",
        b"<iframe",
        b"<svg",
        b"/javascript",
        b"/launch",
    ];
    memchr::memchr2_iter(b'<', b'/', content).any(|at| {
        let rest = &content[at..];
        MARKERS.iter().any(|marker| {
            rest.get(..marker.len()).is_some_and(|head| head.eq_ignore_ascii_case(marker))
        })
    })
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
    ClientAddress(client): ClientAddress,
    Path(clinic_id): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut form = form.map_err(|_| ApiError::UnsupportedMediaType("multipart/form-data"))?;
    let mut tx = state.store.begin().await?;
    let clinic =
        accounts::clinic(&mut tx, &clinic_id).await?.ok_or(ApiError::NotFound("clinic"))?;
    // Counted before the body is read, so that a flood is refused cheaply.
    let client_key = throttles::key("form-client", &client.to_string());
    throttles::admit(&mut tx, &client_key, &state.config.limits.form_client, 1).await?;
    tx.commit().await?;
    let mut values = serde_json::Map::new();
    // Read one form at a time per upload slot: a flood of large posts waits in the sockets, not
    // in memory.
    let _reading = state.uploads.slot().await?;
    let mut upload: Option<axum::body::Bytes> = None;
    // A part sent twice is an error, not silently the first or the last.
    let mut repeated = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "mri_report" {
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            if bytes.len() > state.config.upload_limit {
                return Err(ApiError::PayloadTooLarge);
            }
            if upload.is_some() {
                repeated.push(name);
            } else {
                upload = Some(bytes);
            }
        } else {
            let text = field.text().await.map_err(|e| multipart_error(&e))?;
            if values.insert(name.clone(), Value::String(text)).is_some() {
                repeated.push(name);
            }
        }
    }
    let form_values = Value::Object(values);
    let mut fields = Fields::new(&form_values, &["name", "email", "phone", "message"]);
    for name in &repeated {
        fields.reject(name, "sent more than once; send each field once");
    }
    let name = fields.text("name", true, 200);
    let email = fields.email("email", true);
    let phone = fields.text("phone", false, 40);
    let message = fields.paragraphs("message", false, 4000);
    let file = match upload.as_deref().map(|content| (content, media_type(content))) {
        None => None,
        Some(([], _)) => {
            fields.reject("mri_report", "the file is empty");
            None
        }
        Some((content, Some(_))) if carries_active_content(content) => {
            fields.reject("mri_report", "the file carries HTML or script; send the report itself");
            None
        }
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
            let quota = &state.config.limits.upload_clinic;
            let clinic_key = throttles::key("upload-clinic", &clinic.clinic_id);
            throttles::admit(tx, &clinic_key, quota, file.size).await?;
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
