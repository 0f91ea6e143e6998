//! Assessments (the document as received and the recommendation as returned) and clinicians'
//! decisions on them.

use serde::Serialize;

use crate::{StoreError, Tx};

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AssessmentRecord {
    /// Id.
    pub assessment_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The patient.
    pub patient_id: String,
    /// The episode.
    pub episode_id: String,
    /// The assessment document, exactly as received.
    #[serde(skip)]
    pub document: String,
    /// The recommendation, exactly as returned (JSON).
    #[serde(skip)]
    pub recommendation: String,
    /// The pathway it recommended.
    pub pathway: String,
    /// Knowledge-base name.
    pub kb_name: String,
    /// Knowledge-base version.
    pub kb_version: String,
    /// Knowledge-base content hash.
    pub kb_hash: String,
    /// Who assessed.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

/// A clinician's decision on an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Decision {
    /// Id.
    pub decision_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The assessment decided on.
    pub assessment_id: String,
    /// `accept` or `override`.
    pub action: String,
    /// The pathway decided (the recommended one when accepted).
    pub pathway: String,
    /// Why it was overridden.
    pub reason: Option<String>,
    /// Who decided.
    pub decided_by: String,
    /// When.
    pub created_at: String,
}

const ASSESSMENT_COLUMNS: &str = "assessment_id, clinic_id, patient_id, episode_id, document, recommendation, \
     pathway, kb_name, kb_version, kb_hash, created_by, created_at";

/// Stores an assessment.
pub async fn create_assessment(tx: &mut Tx, record: &AssessmentRecord) -> Result<(), StoreError> {
    sqlx::query(
        "insert into assessment (assessment_id, clinic_id, patient_id, episode_id, document, recommendation, \
         pathway, kb_name, kb_version, kb_hash, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&record.assessment_id)
    .bind(&record.clinic_id)
    .bind(&record.patient_id)
    .bind(&record.episode_id)
    .bind(&record.document)
    .bind(&record.recommendation)
    .bind(&record.pathway)
    .bind(&record.kb_name)
    .bind(&record.kb_version)
    .bind(&record.kb_hash)
    .bind(&record.created_by)
    .bind(&record.created_at)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// An assessment of a clinic.
pub async fn assessment(
    tx: &mut Tx,
    clinic_id: &str,
    assessment_id: &str,
) -> Result<Option<AssessmentRecord>, StoreError> {
    tx.clinic_row("assessment", ASSESSMENT_COLUMNS, "assessment_id", clinic_id, assessment_id).await
}

/// A page of an episode's assessments in creation order after `after`.
pub async fn assessments(
    tx: &mut Tx,
    clinic_id: &str,
    episode_id: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<AssessmentRecord>, StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "select {ASSESSMENT_COLUMNS} from assessment where clinic_id = $1 and episode_id = $2 \
         and assessment_id > $3 order by assessment_id limit $4"
    ));
    Ok(sqlx::query_as(sql)
        .bind(clinic_id)
        .bind(episode_id)
        .bind(after.unwrap_or_default())
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}

/// What a knowledge-base replay reads of a stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReplayedAssessment {
    /// Id.
    pub assessment_id: String,
    /// The clinic.
    pub clinic_id: String,
    /// The patient.
    pub patient_id: String,
    /// The episode.
    pub episode_id: String,
    /// The assessment document, exactly as received.
    pub document: String,
    /// The pathway it recommended.
    pub pathway: String,
    /// The version of the knowledge base that recommended it.
    pub kb_version: String,
}

/// A page of every clinic's assessments (or one clinic's), in id order after `after`.
pub async fn replay_page(
    tx: &mut Tx,
    clinic_id: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<Vec<ReplayedAssessment>, StoreError> {
    Ok(sqlx::query_as(
        "select assessment_id, clinic_id, patient_id, episode_id, document, pathway, kb_version \
         from assessment where ($1 = '' or clinic_id = $1) and assessment_id > $2 \
         order by assessment_id limit $3",
    )
    .bind(clinic_id.unwrap_or_default())
    .bind(after)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// The columns of a stored decision.
const DECISION_COLUMNS: &str =
    "decision_id, clinic_id, assessment_id, action, pathway, reason, decided_by, created_at";

/// Records a decision; a second decision on one assessment is a conflict.
pub async fn create_decision(tx: &mut Tx, decision: &Decision) -> Result<(), StoreError> {
    sqlx::query(
        "insert into decision (decision_id, clinic_id, assessment_id, action, pathway, reason, decided_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&decision.decision_id)
    .bind(&decision.clinic_id)
    .bind(&decision.assessment_id)
    .bind(&decision.action)
    .bind(&decision.pathway)
    .bind(&decision.reason)
    .bind(&decision.decided_by)
    .bind(&decision.created_at)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    Ok(())
}

/// The decision on an assessment, if any.
pub async fn decision(
    tx: &mut Tx,
    clinic_id: &str,
    assessment_id: &str,
) -> Result<Option<Decision>, StoreError> {
    tx.clinic_row("decision", DECISION_COLUMNS, "assessment_id", clinic_id, assessment_id).await
}
