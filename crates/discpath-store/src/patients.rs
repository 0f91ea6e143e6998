//! Patients and their episodes of care.

use serde::Serialize;

use crate::{StoreError, Tx};

/// A patient of a clinic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Patient {
    /// Id.
    pub patient_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// Medical record number, unique within the clinic.
    pub mrn: String,
    /// Full name.
    pub name: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `female`, `male`, `other`, `unknown`.
    pub sex: String,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
}

/// An episode of care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Episode {
    /// Id.
    pub episode_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The patient.
    pub patient_id: String,
    /// What it is about.
    pub title: String,
    /// `open` or `closed`.
    pub status: String,
    /// `YYYY-MM-DD`.
    pub opened_on: String,
    /// `YYYY-MM-DD`, once closed.
    pub closed_on: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
}

const PATIENT_COLUMNS: &str =
    "patient_id, clinic_id, mrn, name, birth_date, sex, email, phone, created_at, updated_at";
const EPISODE_COLUMNS: &str = "episode_id, clinic_id, patient_id, title, status, opened_on, closed_on, created_at, updated_at";

/// Creates a patient; an MRN already used in the clinic is a conflict.
pub async fn create_patient(tx: &mut Tx, patient: &Patient) -> Result<(), StoreError> {
    sqlx::query(
        "insert into patient (patient_id, clinic_id, mrn, name, name_search, birth_date, sex, email, phone, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&patient.patient_id)
    .bind(&patient.clinic_id)
    .bind(&patient.mrn)
    .bind(&patient.name)
    .bind(patient.name.to_lowercase())
    .bind(&patient.birth_date)
    .bind(&patient.sex)
    .bind(&patient.email)
    .bind(&patient.phone)
    .bind(&patient.created_at)
    .bind(&patient.updated_at)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Saves a patient's fields; an MRN already used in the clinic is a conflict.
pub async fn update_patient(tx: &mut Tx, patient: &Patient) -> Result<(), StoreError> {
    sqlx::query(
        "update patient set mrn = $1, name = $2, name_search = $3, birth_date = $4, sex = $5, \
         email = $6, phone = $7, updated_at = $8 where clinic_id = $9 and patient_id = $10",
    )
    .bind(&patient.mrn)
    .bind(&patient.name)
    .bind(patient.name.to_lowercase())
    .bind(&patient.birth_date)
    .bind(&patient.sex)
    .bind(&patient.email)
    .bind(&patient.phone)
    .bind(&patient.updated_at)
    .bind(&patient.clinic_id)
    .bind(&patient.patient_id)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// A patient of a clinic.
pub async fn patient(
    tx: &mut Tx,
    clinic_id: &str,
    patient_id: &str,
) -> Result<Option<Patient>, StoreError> {
    tx.clinic_row("patient", PATIENT_COLUMNS, "patient_id", clinic_id, patient_id).await
}

/// A page of a clinic's patients in id (creation) order after `after`, optionally those whose
/// name contains `search` (case-insensitive) or whose MRN or date of birth is `search`.
pub async fn patients(
    tx: &mut Tx,
    clinic_id: &str,
    search: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Patient>, StoreError> {
    let after = after.unwrap_or_default();
    let Some(search) = search else {
        // Without a search, the page walks the key in order and stops after `limit` rows (a
        // search's conditions would make the planner read every patient of the clinic first).
        let sql = sqlx::AssertSqlSafe(format!(
            "select {PATIENT_COLUMNS} from patient where clinic_id = $1 and patient_id > $2 \
             order by patient_id limit $3"
        ));
        return Ok(sqlx::query_as(sql)
            .bind(clinic_id)
            .bind(after)
            .bind(limit)
            .fetch_all(tx.conn())
            .await?);
    };
    let sql = sqlx::AssertSqlSafe(format!(
        "select {PATIENT_COLUMNS} from patient where clinic_id = $1 \
         and (name_search like $3 escape '\\' or mrn = $2 or birth_date = $2) \
         and patient_id > $4 order by patient_id limit $5"
    ));
    let pattern = format!("%{}%", like_escape(&search.to_lowercase()));
    Ok(sqlx::query_as(sql)
        .bind(clinic_id)
        .bind(search)
        .bind(pattern)
        .bind(after)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}

/// The clinic's patients with this name (ignoring case) and date of birth: likely the same
/// person, for the warning before registering another.
pub async fn namesakes(
    tx: &mut Tx,
    clinic_id: &str,
    name: &str,
    birth_date: &str,
) -> Result<Vec<Patient>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {PATIENT_COLUMNS} from patient where clinic_id = $1 and name_search = $2 \
         and birth_date = $3 order by patient_id"
    ));
    Ok(sqlx::query_as(sql)
        .bind(clinic_id)
        .bind(name.trim().to_lowercase())
        .bind(birth_date)
        .fetch_all(tx.conn())
        .await?)
}

/// `text` with the LIKE wildcards escaped.
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Creates an episode.
pub async fn create_episode(tx: &mut Tx, episode: &Episode) -> Result<(), StoreError> {
    sqlx::query(
        "insert into episode (episode_id, clinic_id, patient_id, title, status, opened_on, closed_on, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&episode.episode_id)
    .bind(&episode.clinic_id)
    .bind(&episode.patient_id)
    .bind(&episode.title)
    .bind(&episode.status)
    .bind(&episode.opened_on)
    .bind(&episode.closed_on)
    .bind(&episode.created_at)
    .bind(&episode.updated_at)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// Saves an episode's title, status and dates.
pub async fn update_episode(tx: &mut Tx, episode: &Episode) -> Result<(), StoreError> {
    sqlx::query(
        "update episode set title = $1, status = $2, opened_on = $3, closed_on = $4, updated_at = $5 \
         where clinic_id = $6 and episode_id = $7",
    )
    .bind(&episode.title)
    .bind(&episode.status)
    .bind(&episode.opened_on)
    .bind(&episode.closed_on)
    .bind(&episode.updated_at)
    .bind(&episode.clinic_id)
    .bind(&episode.episode_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An episode of a clinic.
pub async fn episode(
    tx: &mut Tx,
    clinic_id: &str,
    episode_id: &str,
) -> Result<Option<Episode>, StoreError> {
    tx.clinic_row("episode", EPISODE_COLUMNS, "episode_id", clinic_id, episode_id).await
}

/// A page of a patient's episodes in creation order after `after`.
pub async fn episodes(
    tx: &mut Tx,
    clinic_id: &str,
    patient_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Episode>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {EPISODE_COLUMNS} from episode where clinic_id = $1 and patient_id = $2 \
         and episode_id > $3 order by episode_id limit $4"
    ));
    Ok(sqlx::query_as(sql)
        .bind(clinic_id)
        .bind(patient_id)
        .bind(after.unwrap_or_default())
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}
