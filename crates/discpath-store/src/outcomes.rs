//! What the outcome report reads of a clinic: each episode's care plan with the decision and
//! assessment behind it, its follow-up windows, its questionnaire responses, the therapies it
//! actually received and its escalations. Read-only.

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

/// A follow-up window of a plan.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Window {
    /// The plan.
    pub care_plan_id: String,
    /// `baseline`, `6 weeks`, …
    pub label: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// `YYYY-MM-DD`.
    pub window_opens: String,
    /// `YYYY-MM-DD`.
    pub window_closes: String,
}

/// A questionnaire response's label, time and scores.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Answered {
    /// The episode.
    pub episode_id: String,
    /// The follow-up it answers.
    pub label: String,
    /// When it was received (RFC 3339).
    pub received_at: String,
    /// Its scores (JSON).
    pub scores: String,
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

/// Every follow-up window of the clinic's plans.
pub async fn windows(tx: &mut Tx, clinic_id: &str) -> Result<Vec<Window>, StoreError> {
    Ok(sqlx::query_as(
        "select care_plan_id, label, due_date, window_opens, window_closes from follow_up \
         where clinic_id = $1",
    )
    .bind(clinic_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Every questionnaire response of the clinic, oldest first.
pub async fn answered(tx: &mut Tx, clinic_id: &str) -> Result<Vec<Answered>, StoreError> {
    Ok(sqlx::query_as(
        "select episode_id, label, received_at, scores from questionnaire_response \
         where clinic_id = $1 order by received_at, response_id",
    )
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
