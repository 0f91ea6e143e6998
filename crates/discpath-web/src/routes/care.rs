//! Care plans (made from a decided assessment), session status, and follow-up questionnaires.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use discpath_engine::FollowUpState;
use discpath_model::Pathway;
use discpath_store::StoreError;
use discpath_store::assessments;
use discpath_store::care::{self, CarePlan, CareSession, FollowUp, QuestionnaireResponse};
use discpath_store::patients;
use jiff::civil::Date;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, JsonText, Path};
use crate::state::{AppState, now, today};

const SESSION_STATUS: &[&str] = &["scheduled", "attended", "missed", "cancelled"];

/// A plan as the API shows it: its sessions, and its follow-ups each with its state today given
/// the episode's questionnaire responses.
fn plan_json(
    plan: &CarePlan,
    sessions: &[CareSession],
    follow_ups: &[FollowUp],
    responses: &[QuestionnaireResponse],
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
    Ok(json!({ "care_plan": plan, "sessions": sessions, "follow_ups": follow_ups }))
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
        caller.require(Permission::PlanCare)?;
        let record = assessments::assessment(tx, caller.clinic(), &assessment_id).await?.ok_or(ApiError::NotFound("assessment"))?;
        subject.set(&record.patient_id, &record.assessment_id);
        let mut fields = Fields::new(&body, &["start_date"]);
        let start_date = fields.date("start_date", false);
        fields.finish()?;
        let decision = assessments::decision(tx, caller.clinic(), &assessment_id)
            .await?
            .ok_or_else(|| ApiError::Conflict("a clinician must decide on the assessment first".to_owned()))?;
        if record.kb_hash != state.kb.hash {
            return Err(ApiError::Conflict(format!(
                "the knowledge base has changed since this assessment ({} {}); submit a new assessment",
                record.kb_name, record.kb_version
            )));
        }
        let mut document: Value = serde_json::from_str(&record.document).map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Some(start) = &start_date {
            document["plan"] = json!({ "start_date": start });
        }
        let doc = discpath_model::from_value(&document)?;
        let Some(start) = doc.start_date() else {
            return Err(ApiError::invalid("start_date", "required (the assessment gave none)"));
        };
        let pathway = Pathway::from_code(&decision.pathway).ok_or_else(|| ApiError::Internal(format!("unknown pathway {}", decision.pathway)))?;
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
            StoreError::Conflict(_) => ApiError::Conflict("the assessment already has a care plan".to_owned()),
            other => other.into(),
        })?;
        subject.set(&plan.patient_id, &plan.care_plan_id);
        let responses = care::responses(tx, caller.clinic(), &plan.episode_id).await?;
        Ok((StatusCode::CREATED, Json(plan_json(&plan, &sessions, &follow_ups, &responses)?)))
    })
    .await
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
        Ok(Json(plan_json(&plan, &sessions, &follow_ups, &responses)?))
    })
    .await
}

/// `PATCH /api/v1/care-plans/{care_plan_id}/sessions/{session_id}` `{status?, session_date?}`.
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
            caller.require(Permission::PlanCare)?;
            let plan = care::care_plan(tx, caller.clinic(), &care_plan_id)
                .await?
                .ok_or(ApiError::NotFound("care plan"))?;
            subject.set(&plan.patient_id, &session_id);
            let mut fields = Fields::new(&body, &["status", "session_date"]);
            let status = fields.one_of("status", false, SESSION_STATUS);
            let date = fields.date("session_date", false);
            fields.finish()?;
            let mut session = care::sessions(tx, caller.clinic(), &care_plan_id)
                .await?
                .into_iter()
                .find(|s| s.care_session_id == session_id)
                .ok_or(ApiError::NotFound("session"))?;
            session.status = status.unwrap_or(session.status);
            session.session_date = date.unwrap_or(session.session_date);
            session.updated_at = now();
            care::update_session(tx, &session).await?;
            Ok(Json(session))
        },
    )
    .await
}

fn response_json(response: &QuestionnaireResponse) -> Result<Value, ApiError> {
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text).map_err(|e| ApiError::Internal(e.to_string()))
    };
    let mut body = serde_json::to_value(response).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["answers"] = parse(&response.answers)?;
    body["scores"] = parse(&response.scores)?;
    Ok(body)
}

/// `POST /api/v1/episodes/{episode_id}/follow-ups` `{label, questionnaires, pain}`: records the
/// questionnaires answered at a follow-up and scores them.
pub(crate) async fn record_response(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(episode_id): Path<String>,
    JsonText(text): JsonText,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    audited(&state, Actor::User(&caller), "follow_up.create", &request_id, async |tx, subject| {
        caller.require(Permission::RecordFollowUps)?;
        let episode = patients::episode(tx, caller.clinic(), &episode_id)
            .await?
            .ok_or(ApiError::NotFound("episode"))?;
        subject.set(&episode.patient_id, &episode.episode_id);
        let answers = discpath_model::parse_follow_up(&text)?;
        let mut scores = Vec::new();
        discpath_engine::scores(&state.kb, &answers.answers).write_json(&mut scores);
        let mut scores: Value =
            serde_json::from_slice(&scores).map_err(|e| ApiError::Internal(e.to_string()))?;
        let pain = |fact| match answers.answers.fact(fact) {
            Some(discpath_model::Scalar::Int(score)) => json!(score),
            _ => Value::Null,
        };
        scores["pain"] = json!({
            "back": pain(discpath_model::vocabulary::BACK_PAIN),
            "leg": pain(discpath_model::vocabulary::LEG_PAIN),
        });
        let response = QuestionnaireResponse {
            response_id: discpath_store::new_id(),
            clinic_id: caller.clinic().to_owned(),
            patient_id: episode.patient_id.clone(),
            episode_id: episode.episode_id.clone(),
            label: answers.label,
            answers: text,
            scores: scores.to_string(),
            entered_by: caller.user.user_id.clone(),
            received_at: now(),
        };
        subject.set(&response.patient_id, &response.response_id);
        care::create_response(tx, &response).await?;
        Ok((StatusCode::CREATED, Json(response_json(&response)?)))
    })
    .await
}

/// `GET /api/v1/episodes/{episode_id}/follow-ups`: the episode's questionnaire responses, oldest
/// first, with their scores.
pub(crate) async fn list_responses(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(episode_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    audited(&state, Actor::User(&caller), "follow_up.list", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let episode = patients::episode(tx, caller.clinic(), &episode_id)
            .await?
            .ok_or(ApiError::NotFound("episode"))?;
        subject.set(&episode.patient_id, &episode.episode_id);
        let responses = care::responses(tx, caller.clinic(), &episode_id).await?;
        let items = responses.iter().map(response_json).collect::<Result<Vec<_>, _>>()?;
        Ok(Json(json!({ "items": items })))
    })
    .await
}
