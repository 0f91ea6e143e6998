//! What the outcome report reads of a clinic: each episode's care plan with the decision and
//! assessment behind it, its follow-up windows, its questionnaire responses, the therapies it
//! actually received and its escalations. Read-only.

use crate::care::{FOLLOW_UP_COLUMNS, FollowUp, QuestionnaireResponse, RESPONSE_COLUMNS};
use crate::{StoreError, Tx};

/// A care plan, with the decision and assessment it was made from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlannedEpisode {
    /// The plan.
    pub care_plan_id: String,
    /// The episode.
    pub episode_id: String,
    /// The pathway decided (accepted or overridden).
    pub pathway: String,
    /// The name of the clinician who decided.
    pub decided_by: String,
    /// The assessment document, exactly as received (its diagnoses, its pain).
    pub document: String,
    /// The recommendation, exactly as returned (its scores).
    pub recommendation: String,
}

/// The clinic's plans with a decision, oldest first.
pub async fn planned_episodes(
    tx: &mut Tx,
    clinic_id: &str,
) -> Result<Vec<PlannedEpisode>, StoreError> {
    Ok(sqlx::query_as(
        "select p.care_plan_id, p.episode_id, d.pathway, u.name as decided_by, a.document, a.recommendation \
         from care_plan p join decision d on d.assessment_id = p.assessment_id \
         join assessment a on a.assessment_id = p.assessment_id \
         join app_user u on u.user_id = d.decided_by \
         where p.clinic_id = $1 order by p.created_at, p.care_plan_id",
    )
    .bind(clinic_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Every follow-up of the clinic's plans.
pub async fn follow_ups(tx: &mut Tx, clinic_id: &str) -> Result<Vec<FollowUp>, StoreError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {FOLLOW_UP_COLUMNS} from follow_up where clinic_id = $1"
    )))
    .bind(clinic_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Every questionnaire response of the clinic, oldest first.
pub async fn responses(
    tx: &mut Tx,
    clinic_id: &str,
) -> Result<Vec<QuestionnaireResponse>, StoreError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {RESPONSE_COLUMNS} from questionnaire_response where clinic_id = $1 \
         order by received_at, response_id"
    )))
    .bind(clinic_id)
    .fetch_all(tx.conn())
    .await?)
}

/// The therapies each plan actually gave: `(care_plan_id, therapy)` with at least one session
/// attended.
pub async fn therapies_received(
    tx: &mut Tx,
    clinic_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "select distinct care_plan_id, therapy from care_session \
         where clinic_id = $1 and status = 'attended' order by care_plan_id, therapy",
    )
    .bind(clinic_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Each episode's first escalation: the earliest decision into specialist evaluation on any of
/// its assessments, `(episode_id, decided_at)`.
pub async fn escalations(
    tx: &mut Tx,
    clinic_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    Ok(sqlx::query_as(
        "select a.episode_id, min(d.created_at) from decision d \
         join assessment a on a.assessment_id = d.assessment_id \
         where d.clinic_id = $1 and d.pathway = 'specialist_evaluation' group by a.episode_id",
    )
    .bind(clinic_id)
    .fetch_all(tx.conn())
    .await?)
}
