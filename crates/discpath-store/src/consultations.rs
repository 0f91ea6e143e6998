//! Consultation requests from the public form, and uploaded files stored by content.

use serde::Serialize;

use crate::{StoreError, Tx};

/// A consultation request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ConsultationRequest {
    /// Id.
    pub request_id: String,
    /// The clinic asked.
    #[serde(skip)]
    pub clinic_id: String,
    /// The requester's name.
    pub name: String,
    /// Their e-mail (this and/or the phone).
    pub email: Option<String>,
    /// Their phone.
    pub phone: Option<String>,
    /// What they wrote.
    pub message: Option<String>,
    /// The MRI report's content hash, if one was uploaded.
    pub file_sha256: Option<String>,
    /// `new`, `contacted`, `scheduled`, `closed`.
    pub status: String,
    /// When it arrived.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When they would like to be contacted, in their words.
    pub preferred_times: Option<String>,
    /// When they consented to be contacted.
    pub consent_at: Option<String>,
    /// The language they wrote in (`en`, `es`).
    pub language: Option<String>,
    /// 1 when the self-assessment it came with ended in an urgent (or emergency) referral, else
    /// 0 (an integer column, which both databases read alike); written as a JSON boolean.
    #[serde(serialize_with = "as_bool")]
    pub urgent: i64,
    /// The self-assessment's answers, as an assessment document (JSON).
    #[serde(serialize_with = "raw_json")]
    pub assessment: Option<String>,
    /// The recommendation the self-assessment gave (JSON).
    #[serde(serialize_with = "raw_json")]
    pub result: Option<String>,
    /// Why it was closed (required when closing).
    pub closed_reason: Option<String>,
    /// The patient it was registered as, once registered.
    pub patient_id: Option<String>,
}

fn as_bool<S: serde::Serializer>(flag: &i64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_bool(*flag != 0)
}

/// Writes stored JSON text as JSON (not as a string).
fn raw_json<S: serde::Serializer>(text: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::Serialize as _;
    match text {
        Some(text) => serde_json::value::RawValue::from_string(text.clone())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer),
        None => serializer.serialize_none(),
    }
}

/// A stored file's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredFile {
    /// sha256 of the bytes (the key).
    pub sha256: String,
    /// `application/pdf`, `image/png`, `image/jpeg`.
    pub media_type: String,
    /// Size in bytes.
    pub size: i64,
}

const REQUEST_COLUMNS: &str = "request_id, clinic_id, name, email, phone, message, file_sha256, status, created_at, updated_at, \
     preferred_times, consent_at, language, urgent, assessment, result, closed_reason, patient_id";

/// Stores a file under its hash (a file already stored is kept as it is).
pub async fn store_file(
    tx: &mut Tx,
    file: &StoredFile,
    content: &[u8],
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into stored_file (sha256, media_type, size, content, created_at) values ($1, $2, $3, $4, $5) \
         on conflict (sha256) do nothing",
    )
    .bind(&file.sha256)
    .bind(&file.media_type)
    .bind(file.size)
    .bind(content)
    .bind(at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A stored file with its bytes.
pub async fn file(tx: &mut Tx, sha256: &str) -> Result<Option<(StoredFile, Vec<u8>)>, StoreError> {
    let row: Option<(String, String, i64, Vec<u8>)> = sqlx::query_as(
        "select sha256, media_type, size, content from stored_file where sha256 = $1",
    )
    .bind(sha256)
    .fetch_optional(tx.conn())
    .await?;
    Ok(row.map(|(sha256, media_type, size, content)| {
        (StoredFile { sha256, media_type, size }, content)
    }))
}

/// Stores a consultation request.
pub async fn create_request(tx: &mut Tx, request: &ConsultationRequest) -> Result<(), StoreError> {
    sqlx::query(
        "insert into consultation_request (request_id, clinic_id, name, email, phone, message, file_sha256, status, created_at, updated_at, \
         preferred_times, consent_at, language, urgent, assessment, result) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&request.request_id)
    .bind(&request.clinic_id)
    .bind(&request.name)
    .bind(&request.email)
    .bind(&request.phone)
    .bind(&request.message)
    .bind(&request.file_sha256)
    .bind(&request.status)
    .bind(&request.created_at)
    .bind(&request.updated_at)
    .bind(&request.preferred_times)
    .bind(&request.consent_at)
    .bind(&request.language)
    .bind(request.urgent)
    .bind(&request.assessment)
    .bind(&request.result)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A consultation request of a clinic.
pub async fn request(
    tx: &mut Tx,
    clinic_id: &str,
    request_id: &str,
) -> Result<Option<ConsultationRequest>, StoreError> {
    tx.clinic_row("consultation_request", REQUEST_COLUMNS, "request_id", clinic_id, request_id)
        .await
}

/// A page of a clinic's consultation requests in arrival order after `after`.
pub async fn requests(
    tx: &mut Tx,
    clinic_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ConsultationRequest>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {REQUEST_COLUMNS} from consultation_request where clinic_id = $1 and request_id > $2 \
         order by request_id limit $3"
    ));
    Ok(sqlx::query_as(sql)
        .bind(clinic_id)
        .bind(after.unwrap_or_default())
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}

/// Saves a request's status, the reason it was closed, and the patient it was registered as.
pub async fn update_request_status(
    tx: &mut Tx,
    request: &ConsultationRequest,
) -> Result<(), StoreError> {
    sqlx::query(
        "update consultation_request set status = $1, updated_at = $2, closed_reason = $3, \
         patient_id = $4 where clinic_id = $5 and request_id = $6",
    )
    .bind(&request.status)
    .bind(&request.updated_at)
    .bind(&request.closed_reason)
    .bind(&request.patient_id)
    .bind(&request.clinic_id)
    .bind(&request.request_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The clinic's queue: the open requests (or, with `closed`, the closed ones), urgent first,
/// then in arrival order; at most `limit`.
pub async fn queue(
    tx: &mut Tx,
    clinic_id: &str,
    closed: bool,
    limit: i64,
) -> Result<Vec<ConsultationRequest>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {REQUEST_COLUMNS} from consultation_request where clinic_id = $1 \
         and ((status = 'closed' and $2 = 1) or (status <> 'closed' and $2 = 0)) \
         order by urgent desc, created_at, request_id limit $3"
    ));
    Ok(sqlx::query_as(sql)
        .bind(clinic_id)
        .bind(i64::from(closed))
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}

/// The latest request registered as this patient (its self-assessment can start the intake).
pub async fn request_of_patient(
    tx: &mut Tx,
    clinic_id: &str,
    patient_id: &str,
) -> Result<Option<ConsultationRequest>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {REQUEST_COLUMNS} from consultation_request where clinic_id = $1 \
         and patient_id = $2 order by created_at desc, request_id desc limit 1"
    ));
    Ok(sqlx::query_as(sql).bind(clinic_id).bind(patient_id).fetch_optional(tx.conn()).await?)
}
