//! Follow-up questionnaires: recorded for an episode, scored, listed.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use discpath_store::care::{self, QuestionnaireResponse};
use discpath_store::patients;
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{JsonText, Path};
use crate::state::{AppState, now};

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
