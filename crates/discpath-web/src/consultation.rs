//! A consultation request from the public form, as the JSON API (`POST
//! /api/v1/clinics/{id}/consultation-requests`) and the patients' pages (`POST
//! /c/{slug}/consultation`) both take it: read the multipart form (one body at a time per upload
//! slot), check every field (contact by e-mail and/or phone, consent, an MRI report recognised
//! as a PDF, PNG or JPEG by its content, never one carrying HTML or script), and store it with
//! its audit record, inside the clinic's daily upload quota. The per-client throttle is counted
//! before the body is read; a refused or invalid submission stores nothing.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use discpath_store::accounts::Clinic;
use discpath_store::consultations::{self, ConsultationRequest, StoredFile};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::audited::{Actor, RequestId, audited};
use crate::error::ApiError;
use crate::input::Fields;
use crate::state::{AppState, now};
use crate::throttles;

/// The media types accepted, with their first bytes and file extension.
const MEDIA_TYPES: [(&str, &[u8], &str); 3] = [
    ("application/pdf", b"%PDF-", "pdf"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "png"),
    ("image/jpeg", b"\xFF\xD8\xFF", "jpg"),
];

/// The form's fields: the text fields, then the file.
pub(crate) const TEXT_FIELDS: &[&str] =
    &["name", "email", "phone", "preferred_times", "message", "consent", "website"];

/// The file field.
pub(crate) const FILE_FIELD: &str = "mri_report";

/// The honeypot: a field people never see and never fill in.
pub(crate) const HONEYPOT: &str = "website";

/// The media type of a file recognised by its first bytes.
fn media_type(content: &[u8]) -> Option<&'static str> {
    MEDIA_TYPES.iter().find(|(_, magic, _)| content.starts_with(magic)).map(|(media, _, _)| *media)
}

/// The file extension of an accepted media type.
pub(crate) fn extension(media_type: &str) -> &'static str {
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

fn multipart_error(error: &MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::invalid("", format!("the form could not be read: {}", error.body_text()))
    }
}

/// A form as it was sent.
pub(crate) struct Submission {
    /// The text fields.
    pub values: Map<String, Value>,
    /// The MRI report's bytes.
    pub upload: Option<axum::body::Bytes>,
    /// Fields sent more than once.
    repeated: Vec<String>,
}

impl Submission {
    /// A text field as sent (trimmed; empty when absent).
    pub(crate) fn value(&self, name: &str) -> &str {
        self.values.get(name).and_then(Value::as_str).map_or("", str::trim)
    }

    /// Whether the honeypot was filled in (a robot): answered as if accepted, never stored.
    pub(crate) fn is_robot(&self) -> bool {
        !self.value(HONEYPOT).is_empty()
    }
}

/// Reads the multipart form, one at a time per upload slot (a flood of large posts waits in
/// the sockets, not in memory); a file over the upload limit is refused at once.
pub(crate) async fn read(
    state: &AppState,
    mut form: Multipart,
    extra: &[&str],
) -> Result<Submission, ApiError> {
    let _reading = state.uploads.slot().await?;
    let mut values = Map::new();
    let mut upload: Option<axum::body::Bytes> = None;
    // A part sent twice is an error, not silently the first or the last.
    let mut repeated = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == FILE_FIELD {
            // A file input left empty sends an empty part with no file name: no file.
            let named = field.file_name().is_some_and(|file| !file.is_empty());
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            if bytes.len() > state.config.upload_limit {
                return Err(ApiError::PayloadTooLarge);
            }
            if bytes.is_empty() && !named && upload.is_none() {
                continue;
            }
            if upload.is_some() {
                repeated.push(name);
            } else {
                upload = Some(bytes);
            }
        } else if TEXT_FIELDS.contains(&name.as_str()) || extra.contains(&name.as_str()) {
            let text = field.text().await.map_err(|e| multipart_error(&e))?;
            if values.insert(name.clone(), Value::String(text)).is_some() {
                repeated.push(name);
            }
        } else {
            repeated.push(name);
        }
    }
    Ok(Submission { values, upload, repeated })
}

/// A checked request, ready to store.
pub(crate) struct Checked {
    request: ConsultationRequest,
    file: Option<StoredFile>,
}

impl Checked {
    /// The request.
    pub(crate) fn request(&self) -> &ConsultationRequest {
        &self.request
    }

    /// The MRI report's description, when one was sent.
    pub(crate) fn file(&self) -> Option<&StoredFile> {
        self.file.as_ref()
    }
}

/// What the self-assessment gave, to travel with the request.
pub(crate) struct SelfAssessment {
    /// The answers as an assessment document (JSON).
    pub assessment: String,
    /// The recommendation (JSON).
    pub result: String,
    /// Whether it ended in an urgent or emergency referral.
    pub urgent: bool,
}

/// Checks every field: a name, an e-mail address and/or a phone number, consent to be contacted
/// (`consent=yes`), the MRI report's type by content. Every problem is reported at once, each
/// naming its field.
pub(crate) fn check(
    clinic: &Clinic,
    submission: &Submission,
    language: Option<&str>,
    self_assessment: Option<SelfAssessment>,
) -> Result<Checked, ApiError> {
    let form = Value::Object(submission.values.clone());
    let mut fields = Fields::new(&form, &[TEXT_FIELDS, &["answers", "lang"]].concat());
    for name in &submission.repeated {
        fields.reject(name, "sent more than once, or not a field of this form");
    }
    let present = |name: &str| !submission.value(name).is_empty();
    let name = fields.text("name", true, 200);
    let email = if present("email") { fields.email("email", false) } else { None };
    let phone = if present("phone") { fields.phone("phone") } else { None };
    if !present("email") && !present("phone") {
        fields.reject("email", "give an e-mail address or a phone number");
    }
    let preferred_times = if present("preferred_times") {
        fields.paragraphs("preferred_times", false, 500)
    } else {
        None
    };
    let message = if present("message") { fields.paragraphs("message", false, 4000) } else { None };
    if submission.value("consent") != "yes" {
        fields.reject("consent", "consent to be contacted is required (consent=yes)");
    }
    let file = match submission.upload.as_deref().map(|content| (content, media_type(content))) {
        None => None,
        Some(([], _)) => {
            fields.reject(FILE_FIELD, "the file is empty");
            None
        }
        Some((content, Some(_))) if carries_active_content(content) => {
            fields.reject(FILE_FIELD, "the file carries HTML or script; send the report itself");
            None
        }
        Some((content, Some(media_type))) => Some(StoredFile {
            sha256: Sha256::digest(content).iter().map(|b| format!("{b:02x}")).collect(),
            media_type: media_type.to_owned(),
            size: i64::try_from(content.len()).unwrap_or(i64::MAX),
        }),
        Some((_, None)) => {
            fields.reject(FILE_FIELD, "must be a PDF, PNG or JPEG file");
            None
        }
    };
    fields.finish()?;
    let at = now();
    let (assessment, result, urgent) = match self_assessment {
        Some(done) => (Some(done.assessment), Some(done.result), done.urgent),
        None => (None, None, false),
    };
    let request = ConsultationRequest {
        request_id: discpath_store::new_id(),
        clinic_id: clinic.clinic_id.clone(),
        name: name.unwrap_or_default(),
        email,
        phone,
        message,
        file_sha256: file.as_ref().map(|f| f.sha256.clone()),
        status: "new".to_owned(),
        created_at: at.clone(),
        updated_at: at.clone(),
        preferred_times,
        consent_at: Some(at),
        language: language.map(str::to_owned),
        urgent: i64::from(urgent),
        assessment,
        result,
        closed_reason: None,
        patient_id: None,
    };
    Ok(Checked { request, file })
}

/// Counts one post of the public form against the client's throttle (before its body is read).
pub(crate) async fn admit_client(state: &AppState, client: &str) -> Result<(), ApiError> {
    let mut tx = state.store.begin().await?;
    let client_key = throttles::key("form-client", client);
    throttles::admit(&mut tx, &client_key, &state.config.limits.form_client, 1).await?;
    tx.commit().await?;
    Ok(())
}

/// Stores a checked request and its file, with the audit record, inside the clinic's daily
/// upload quota (a refusal stores nothing).
pub(crate) async fn store(
    state: &AppState,
    request_id: &RequestId,
    checked: &Checked,
    upload: Option<&[u8]>,
) -> Result<(), ApiError> {
    let request = &checked.request;
    let actor = Actor::Public { clinic_id: &request.clinic_id };
    audited(state, actor, "consultation.create", request_id, async |tx, subject| {
        subject.resource = Some(request.request_id.clone());
        if let (Some(file), Some(content)) = (&checked.file, upload) {
            let quota = &state.config.limits.upload_clinic;
            let clinic_key = throttles::key("upload-clinic", &request.clinic_id);
            throttles::admit(tx, &clinic_key, quota, file.size).await?;
            consultations::store_file(tx, file, content, &request.created_at).await?;
        }
        consultations::create_request(tx, request).await?;
        Ok(())
    })
    .await
}
