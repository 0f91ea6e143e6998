//! Care plans (made from a decided assessment), their sessions (status, date, booked time),
//! adverse events, and the plan as an iCalendar file; follow-up questionnaires are in
//! `follow_ups`.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use discpath_engine::FollowUpState;
use discpath_model::Pathway;
use discpath_store::care::{
    self, AdverseEvent, CarePlan, CareSession, FollowUp, QuestionnaireResponse,
};
use discpath_store::{StoreError, Tx, accounts, assessments};
use jiff::civil::Date;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, Subject, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, Path};
use crate::state::{AppState, now, today};

/// A session's statuses.
pub(crate) const SESSION_STATUS: &[&str] = &["scheduled", "attended", "missed", "cancelled"];

/// A plan as the API shows it: its sessions, its follow-ups each with its state today given
/// the episode's questionnaire responses, and its adverse events.
fn plan_json(
    plan: &CarePlan,
    sessions: &[CareSession],
    follow_ups: &[FollowUp],
    responses: &[QuestionnaireResponse],
    adverse_events: &[AdverseEvent],
) -> Result<Value, ApiError> {
    let today = today();
    let follow_ups = follow_ups
        .iter()
        .map(|follow_up| {
            let answered = responses.iter().map(|r| (r.label.as_str(), r.received_at.as_str()));
            let state = follow_up_state(follow_up, answered, today)?;
            let mut value =
                serde_json::to_value(follow_up).map_err(|e| ApiError::Internal(e.to_string()))?;
            value["state"] = json!(state.as_str());
            Ok(value)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(json!({
        "care_plan": plan,
        "sessions": sessions,
        "follow_ups": follow_ups,
        "adverse_events": adverse_events,
    }))
}

/// Where a follow-up stands on `today`: answered within its window by a questionnaire with its
/// label (on the UTC day it was received), or due, overdue, missed, upcoming. `answered` is each
/// questionnaire of the episode as `(label, received_at)`.
pub(crate) fn follow_up_state<'a>(
    follow_up: &FollowUp,
    answered: impl IntoIterator<Item = (&'a str, &'a str)>,
    today: Date,
) -> Result<FollowUpState, ApiError> {
    let (window, date) = follow_up.dates().ok_or_else(|| {
        ApiError::Internal(format!(
            "follow-up {}: a stored date is malformed",
            follow_up.follow_up_id
        ))
    })?;
    let answered: Vec<Date> = answered
        .into_iter()
        .filter(|(label, _)| *label == follow_up.label)
        .filter_map(|(_, received_at)| discpath_store::utc_day(received_at))
        .collect();
    Ok(discpath_engine::follow_up_state(window, date, &answered, today))
}

/// `POST /api/v1/assessments/{assessment_id}/care-plan` `{start_date?}`: books the care plan of
/// the decided pathway, every session dated. The assessment must have a decision, and the
/// knowledge base must be the one that assessed it (else: reassess).
pub(crate) async fn create_plan(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(assessment_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    audited(&state, Actor::User(&caller), "care_plan.create", &request_id, async |tx, subject| {
        let (plan, sessions, follow_ups) =
            book_plan(tx, &state, &caller, subject, &assessment_id, &body).await?;
        let responses = care::responses(tx, caller.clinic(), &plan.episode_id).await?;
        let events = Vec::new();
        Ok((
            StatusCode::CREATED,
            Json(plan_json(&plan, &sessions, &follow_ups, &responses, &events)?),
        ))
    })
    .await
}

/// Books the care plan of an assessment's decided pathway from `{start_date?}`, every session
/// dated (the work of the API's `POST …/care-plan` and of the recommendation page).
pub(crate) async fn book_plan(
    tx: &mut Tx,
    state: &AppState,
    caller: &Caller,
    subject: &mut Subject,
    assessment_id: &str,
    body: &Value,
) -> Result<(CarePlan, Vec<CareSession>, Vec<FollowUp>), ApiError> {
    caller.require(Permission::PlanCare)?;
    let record = assessments::assessment(tx, caller.clinic(), assessment_id)
        .await?
        .ok_or(ApiError::NotFound("assessment"))?;
    subject.set(&record.patient_id, &record.assessment_id);
    let mut fields = Fields::new(body, &["start_date"]);
    let start_date = fields.date("start_date", false);
    fields.finish()?;
    let decision =
        assessments::decision(tx, caller.clinic(), assessment_id).await?.ok_or_else(|| {
            ApiError::Conflict("a clinician must decide on the assessment first".to_owned())
        })?;
    if record.kb_hash != state.kb.hash {
        return Err(ApiError::Conflict(format!(
            "the knowledge base has changed since this assessment ({} {}); submit a new assessment",
            record.kb_name, record.kb_version
        )));
    }
    let mut document: Value =
        serde_json::from_str(&record.document).map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(start) = &start_date {
        document["plan"] = json!({ "start_date": start });
    }
    let doc = discpath_model::from_value(&document)?;
    let Some(start) = doc.start_date() else {
        return Err(ApiError::invalid("start_date", "required (the assessment gave none)"));
    };
    let pathway = Pathway::from_code(&decision.pathway)
        .ok_or_else(|| ApiError::Internal(format!("unknown pathway {}", decision.pathway)))?;
    let Some(outline) = discpath_engine::plan(&state.kb, &doc, pathway) else {
        return Err(ApiError::Conflict(format!("the pathway {pathway} has no care plan")));
    };
    let at = now();
    let plan = CarePlan {
        care_plan_id: discpath_store::new_id(),
        clinic_id: caller.clinic().to_owned(),
        patient_id: record.patient_id.clone(),
        episode_id: record.episode_id.clone(),
        assessment_id: record.assessment_id.clone(),
        pathway: decision.pathway,
        start_date: start.to_string(),
        created_by: caller.user.user_id.clone(),
        created_at: at.clone(),
    };
    let mut sessions = Vec::new();
    for (phase_index, phase) in outline.phases.iter().enumerate() {
        for (number, date) in phase.dates.iter().flatten().enumerate() {
            sessions.push(CareSession {
                care_session_id: discpath_store::new_id(),
                care_plan_id: plan.care_plan_id.clone(),
                clinic_id: plan.clinic_id.clone(),
                phase: i64::try_from(phase_index).unwrap_or_default(),
                therapy: phase.therapy.to_owned(),
                number: i64::try_from(number + 1).unwrap_or_default(),
                session_date: date.to_string(),
                status: "scheduled".to_owned(),
                updated_at: at.clone(),
                booked_time: None,
                revision: 0,
            });
        }
    }
    let follow_ups: Vec<FollowUp> = outline
        .follow_ups
        .iter()
        .filter_map(|point| {
            let (opens, closes) = point.window?;
            Some(FollowUp {
                follow_up_id: discpath_store::new_id(),
                care_plan_id: plan.care_plan_id.clone(),
                clinic_id: plan.clinic_id.clone(),
                label: point.label.to_owned(),
                due_date: point.date?.to_string(),
                window_opens: opens.to_string(),
                window_closes: closes.to_string(),
            })
        })
        .collect();
    care::create_care_plan(tx, &plan, &sessions, &follow_ups).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::Conflict("the assessment already has a care plan".to_owned())
        }
        other => other.into(),
    })?;
    subject.set(&plan.patient_id, &plan.care_plan_id);
    Ok((plan, sessions, follow_ups))
}

/// `GET /api/v1/care-plans/{care_plan_id}`: the plan, its sessions and follow-ups.
pub(crate) async fn read_plan(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(care_plan_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, Actor::User(&caller), "care_plan.read", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let plan = care::care_plan(tx, caller.clinic(), &care_plan_id)
            .await?
            .ok_or(ApiError::NotFound("care plan"))?;
        subject.set(&plan.patient_id, &plan.care_plan_id);
        let sessions = care::sessions(tx, caller.clinic(), &care_plan_id).await?;
        let follow_ups = care::follow_ups(tx, caller.clinic(), &care_plan_id).await?;
        let responses = care::responses(tx, caller.clinic(), &plan.episode_id).await?;
        let events = care::adverse_events(tx, caller.clinic(), &care_plan_id).await?;
        Ok(Json(plan_json(&plan, &sessions, &follow_ups, &responses, &events)?))
    })
    .await
}

/// `PATCH /api/v1/care-plans/{care_plan_id}/sessions/{session_id}` `{status?, session_date?,
/// booked_time?}`.
pub(crate) async fn update_session(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((care_plan_id, session_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<Json<CareSession>, ApiError> {
    audited(
        &state,
        Actor::User(&caller),
        "care_session.update",
        &request_id,
        async |tx, subject| {
            Ok(Json(change_session(tx, &caller, subject, &care_plan_id, &session_id, &body).await?))
        },
    )
    .await
}

/// A session of a plan of the caller's clinic, naming the patient for the audit record.
async fn session_of(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    care_plan_id: &str,
    session_id: &str,
) -> Result<CareSession, ApiError> {
    let plan = care::care_plan(tx, caller.clinic(), care_plan_id)
        .await?
        .ok_or(ApiError::NotFound("care plan"))?;
    subject.set(&plan.patient_id, session_id);
    care::sessions(tx, caller.clinic(), care_plan_id)
        .await?
        .into_iter()
        .find(|s| s.care_session_id == session_id)
        .ok_or(ApiError::NotFound("session"))
}

/// Changes a session from `{status?, session_date?, booked_time?}` — a booked time is `HH:MM`
/// in the clinic's time zone, `""` or null to clear it; each change of date, time or status
/// counts a revision (the calendar event's SEQUENCE). The work of the API's `PATCH` and of the
/// calendar page.
pub(crate) async fn change_session(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    care_plan_id: &str,
    session_id: &str,
    body: &Value,
) -> Result<CareSession, ApiError> {
    caller.require(Permission::PlanCare)?;
    let mut session = session_of(tx, caller, subject, care_plan_id, session_id).await?;
    let mut fields = Fields::new(body, &["status", "session_date", "booked_time"]);
    let status = fields.one_of("status", false, SESSION_STATUS);
    let date = fields.date("session_date", false);
    let clears_time = matches!(body.get("booked_time"), Some(Value::Null))
        || body.get("booked_time").and_then(Value::as_str).is_some_and(|t| t.trim().is_empty());
    let time = if clears_time { None } else { fields.text("booked_time", false, 5) };
    if let Some(time) = &time
        && jiff::civil::Time::strptime("%H:%M", time).is_err()
    {
        fields.reject("booked_time", "expected a time of day as HH:MM (for example 09:30)");
    }
    fields.finish()?;
    let before =
        (session.status.clone(), session.session_date.clone(), session.booked_time.clone());
    session.status = status.unwrap_or(session.status);
    session.session_date = date.unwrap_or(session.session_date);
    if clears_time || time.is_some() {
        session.booked_time = time;
    }
    if (&session.status, &session.session_date, &session.booked_time)
        != (&before.0, &before.1, &before.2)
    {
        session.revision += 1;
    }
    session.updated_at = now();
    care::update_session(tx, &session).await?;
    Ok(session)
}

/// `POST /api/v1/care-plans/{care_plan_id}/sessions/{session_id}/adverse-events` `{what,
/// severity, action_taken}`.
pub(crate) async fn create_adverse_event(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((care_plan_id, session_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<AdverseEvent>), ApiError> {
    audited(
        &state,
        Actor::User(&caller),
        "adverse_event.create",
        &request_id,
        async |tx, subject| {
            let event =
                record_adverse_event(tx, &caller, subject, &care_plan_id, &session_id, &body)
                    .await?;
            Ok((StatusCode::CREATED, Json(event)))
        },
    )
    .await
}

/// The severities of an adverse event.
pub(crate) const SEVERITY: &[&str] = &["mild", "moderate", "severe"];

/// Records an adverse event against a session from `{what, severity, action_taken}` (the work
/// of the API and of the calendar page).
pub(crate) async fn record_adverse_event(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    care_plan_id: &str,
    session_id: &str,
    body: &Value,
) -> Result<AdverseEvent, ApiError> {
    caller.require(Permission::PlanCare)?;
    let session = session_of(tx, caller, subject, care_plan_id, session_id).await?;
    let mut fields = Fields::new(body, &["what", "severity", "action_taken"]);
    let what = fields.paragraphs("what", true, 2000);
    let severity = fields.one_of("severity", true, SEVERITY);
    let action_taken = fields.paragraphs("action_taken", true, 2000);
    fields.finish()?;
    let event = AdverseEvent {
        adverse_event_id: discpath_store::new_id(),
        clinic_id: caller.clinic().to_owned(),
        care_plan_id: session.care_plan_id,
        care_session_id: session.care_session_id,
        what: what.unwrap_or_default(),
        severity: severity.unwrap_or_default(),
        action_taken: action_taken.unwrap_or_default(),
        recorded_by: caller.user.user_id.clone(),
        recorded_at: now(),
    };
    care::create_adverse_event(tx, &event).await?;
    Ok(event)
}

/// `GET /api/v1/care-plans/{care_plan_id}/calendar.ics`: the plan's sessions as an iCalendar
/// file (RFC 5545), one event per session ([`crate::calendar`]).
pub(crate) async fn calendar(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(care_plan_id): Path<String>,
) -> Result<Response, ApiError> {
    audited(&state, Actor::User(&caller), "care_plan.calendar", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let plan = care::care_plan(tx, caller.clinic(), &care_plan_id)
            .await?
            .ok_or(ApiError::NotFound("care plan"))?;
        subject.set(&plan.patient_id, &plan.care_plan_id);
        let sessions = care::sessions(tx, caller.clinic(), &care_plan_id).await?;
        let clinic =
            accounts::clinic(tx, caller.clinic()).await?.ok_or(ApiError::NotFound("clinic"))?;
        let text = crate::calendar::ics(&clinic, &plan, &sessions)?;
        let disposition = format!("attachment; filename=\"care-plan-{care_plan_id}.ics\"");
        Ok((
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            text,
        )
            .into_response())
    })
    .await
}
