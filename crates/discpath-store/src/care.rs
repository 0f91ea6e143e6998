//! Care plans (phases of dated sessions with their status, follow-up points) and the
//! questionnaire responses given at follow-ups.

use jiff::civil::Date;
use serde::Serialize;

use crate::{StoreError, Tx};

/// A care plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CarePlan {
    /// Id.
    pub care_plan_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The patient.
    pub patient_id: String,
    /// The episode.
    pub episode_id: String,
    /// The assessment it was made from.
    pub assessment_id: String,
    /// The pathway decided.
    pub pathway: String,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

/// One session of a care plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CareSession {
    /// Id.
    pub care_session_id: String,
    /// The plan.
    pub care_plan_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The phase's position in the plan (0-based).
    pub phase: i64,
    /// The phase's therapy.
    pub therapy: String,
    /// The session's number within its phase (1-based).
    pub number: i64,
    /// `YYYY-MM-DD`.
    pub session_date: String,
    /// `scheduled`, `attended`, `missed` or `cancelled`.
    pub status: String,
    /// When it last changed.
    pub updated_at: String,
    /// The time booked, `HH:MM` in the clinic's time zone (none: the day only).
    pub booked_time: Option<String>,
    /// How many times its date, time or status changed (its calendar event's SEQUENCE).
    pub revision: i64,
}

/// An adverse event recorded against a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AdverseEvent {
    /// Id.
    pub adverse_event_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The plan.
    pub care_plan_id: String,
    /// The session.
    pub care_session_id: String,
    /// What happened.
    pub what: String,
    /// `mild`, `moderate` or `severe`.
    pub severity: String,
    /// What was done about it.
    pub action_taken: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: String,
}

/// A follow-up point of a care plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FollowUp {
    /// Id.
    pub follow_up_id: String,
    /// The plan.
    pub care_plan_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// `baseline`, `6 weeks`, …
    pub label: String,
    /// `YYYY-MM-DD`.
    pub due_date: String,
    /// The first day its questionnaire counts for it, `YYYY-MM-DD`.
    pub window_opens: String,
    /// The last day its questionnaire counts for it, `YYYY-MM-DD`.
    pub window_closes: String,
}

/// Questionnaires answered at a follow-up, with their scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct QuestionnaireResponse {
    /// Id.
    pub response_id: String,
    /// The clinic.
    #[serde(skip)]
    pub clinic_id: String,
    /// The patient.
    pub patient_id: String,
    /// The episode.
    pub episode_id: String,
    /// The follow-up point (`6 weeks`).
    pub label: String,
    /// The answers as received (JSON).
    #[serde(skip)]
    pub answers: String,
    /// The scores (JSON).
    #[serde(skip)]
    pub scores: String,
    /// Who entered it.
    pub entered_by: String,
    /// When.
    pub received_at: String,
}

impl FollowUp {
    /// Its window (first and last day) and its date; `None` when a stored date is malformed.
    pub fn dates(&self) -> Option<((Date, Date), Date)> {
        let day = |text: &str| text.parse::<Date>().ok();
        Some(((day(&self.window_opens)?, day(&self.window_closes)?), day(&self.due_date)?))
    }
}

impl QuestionnaireResponse {
    /// The UTC day it was received.
    pub fn received_on(&self) -> Option<Date> {
        crate::utc_day(&self.received_at)
    }
}

/// The columns of a stored follow-up.
pub(crate) const FOLLOW_UP_COLUMNS: &str =
    "follow_up_id, care_plan_id, clinic_id, label, due_date, window_opens, window_closes";

/// The columns of a stored questionnaire response.
pub(crate) const RESPONSE_COLUMNS: &str = "response_id, clinic_id, patient_id, episode_id, label, answers, scores, entered_by, received_at";

/// Stores a care plan with its sessions and follow-ups; a second plan for one assessment is a
/// conflict.
pub async fn create_care_plan(
    tx: &mut Tx,
    plan: &CarePlan,
    sessions: &[CareSession],
    follow_ups: &[FollowUp],
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into care_plan (care_plan_id, clinic_id, patient_id, episode_id, assessment_id, pathway, start_date, created_by, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&plan.care_plan_id)
    .bind(&plan.clinic_id)
    .bind(&plan.patient_id)
    .bind(&plan.episode_id)
    .bind(&plan.assessment_id)
    .bind(&plan.pathway)
    .bind(&plan.start_date)
    .bind(&plan.created_by)
    .bind(&plan.created_at)
    .execute(tx.conn())
    .await
    .map_err(StoreError::from_write)?;
    for session in sessions {
        sqlx::query(
            "insert into care_session (care_session_id, care_plan_id, clinic_id, phase, therapy, number, session_date, status, updated_at, booked_time, revision) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&session.care_session_id)
        .bind(&session.care_plan_id)
        .bind(&session.clinic_id)
        .bind(session.phase)
        .bind(&session.therapy)
        .bind(session.number)
        .bind(&session.session_date)
        .bind(&session.status)
        .bind(&session.updated_at)
        .bind(&session.booked_time)
        .bind(session.revision)
        .execute(tx.conn())
        .await?;
    }
    for follow_up in follow_ups {
        sqlx::query(
            "insert into follow_up (follow_up_id, care_plan_id, clinic_id, label, due_date, window_opens, window_closes) \
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&follow_up.follow_up_id)
        .bind(&follow_up.care_plan_id)
        .bind(&follow_up.clinic_id)
        .bind(&follow_up.label)
        .bind(&follow_up.due_date)
        .bind(&follow_up.window_opens)
        .bind(&follow_up.window_closes)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// The columns of a stored care plan.
const CARE_PLAN_COLUMNS: &str = "care_plan_id, clinic_id, patient_id, episode_id, assessment_id, pathway, start_date, \
     created_by, created_at";

/// A care plan of a clinic.
pub async fn care_plan(
    tx: &mut Tx,
    clinic_id: &str,
    care_plan_id: &str,
) -> Result<Option<CarePlan>, StoreError> {
    tx.clinic_row("care_plan", CARE_PLAN_COLUMNS, "care_plan_id", clinic_id, care_plan_id).await
}

/// A care plan's sessions, in order.
pub async fn sessions(
    tx: &mut Tx,
    clinic_id: &str,
    care_plan_id: &str,
) -> Result<Vec<CareSession>, StoreError> {
    Ok(sqlx::query_as(
        "select care_session_id, care_plan_id, clinic_id, phase, therapy, number, session_date, status, updated_at, \
         booked_time, revision from care_session where clinic_id = $1 and care_plan_id = $2 order by phase, number",
    )
    .bind(clinic_id)
    .bind(care_plan_id)
    .fetch_all(tx.conn())
    .await?)
}

/// A care plan's follow-up points, in order.
pub async fn follow_ups(
    tx: &mut Tx,
    clinic_id: &str,
    care_plan_id: &str,
) -> Result<Vec<FollowUp>, StoreError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {FOLLOW_UP_COLUMNS} from follow_up \
         where clinic_id = $1 and care_plan_id = $2 order by due_date, follow_up_id"
    )))
    .bind(clinic_id)
    .bind(care_plan_id)
    .fetch_all(tx.conn())
    .await?)
}

/// Saves a session's status, date, booked time and revision; false when the plan has no such
/// session.
pub async fn update_session(tx: &mut Tx, session: &CareSession) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "update care_session set status = $1, session_date = $2, updated_at = $3, booked_time = $4, \
         revision = $5 where clinic_id = $6 and care_plan_id = $7 and care_session_id = $8",
    )
    .bind(&session.status)
    .bind(&session.session_date)
    .bind(&session.updated_at)
    .bind(&session.booked_time)
    .bind(session.revision)
    .bind(&session.clinic_id)
    .bind(&session.care_plan_id)
    .bind(&session.care_session_id)
    .execute(tx.conn())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a questionnaire response.
pub async fn create_response(
    tx: &mut Tx,
    response: &QuestionnaireResponse,
) -> Result<(), StoreError> {
    sqlx::query(
        "insert into questionnaire_response (response_id, clinic_id, patient_id, episode_id, label, answers, scores, entered_by, received_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&response.response_id)
    .bind(&response.clinic_id)
    .bind(&response.patient_id)
    .bind(&response.episode_id)
    .bind(&response.label)
    .bind(&response.answers)
    .bind(&response.scores)
    .bind(&response.entered_by)
    .bind(&response.received_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An episode's questionnaire responses, oldest first.
pub async fn responses(
    tx: &mut Tx,
    clinic_id: &str,
    episode_id: &str,
) -> Result<Vec<QuestionnaireResponse>, StoreError> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {RESPONSE_COLUMNS} from questionnaire_response \
         where clinic_id = $1 and episode_id = $2 order by received_at, response_id"
    )))
    .bind(clinic_id)
    .bind(episode_id)
    .fetch_all(tx.conn())
    .await?)
}

/// The care plan made from an assessment, if any.
pub async fn plan_of_assessment(
    tx: &mut Tx,
    clinic_id: &str,
    assessment_id: &str,
) -> Result<Option<CarePlan>, StoreError> {
    tx.clinic_row("care_plan", CARE_PLAN_COLUMNS, "assessment_id", clinic_id, assessment_id).await
}

/// Records an adverse event.
pub async fn create_adverse_event(tx: &mut Tx, event: &AdverseEvent) -> Result<(), StoreError> {
    sqlx::query(
        "insert into adverse_event (adverse_event_id, clinic_id, care_plan_id, care_session_id, what, severity, action_taken, recorded_by, recorded_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&event.adverse_event_id)
    .bind(&event.clinic_id)
    .bind(&event.care_plan_id)
    .bind(&event.care_session_id)
    .bind(&event.what)
    .bind(&event.severity)
    .bind(&event.action_taken)
    .bind(&event.recorded_by)
    .bind(&event.recorded_at)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A care plan's adverse events, oldest first.
pub async fn adverse_events(
    tx: &mut Tx,
    clinic_id: &str,
    care_plan_id: &str,
) -> Result<Vec<AdverseEvent>, StoreError> {
    Ok(sqlx::query_as(
        "select adverse_event_id, clinic_id, care_plan_id, care_session_id, what, severity, action_taken, recorded_by, recorded_at \
         from adverse_event where clinic_id = $1 and care_plan_id = $2 order by recorded_at, adverse_event_id",
    )
    .bind(clinic_id)
    .bind(care_plan_id)
    .fetch_all(tx.conn())
    .await?)
}
