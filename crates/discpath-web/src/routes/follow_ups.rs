//! Follow-up questionnaires: recorded for an episode, scored, listed; and the links that let a
//! patient answer one without logging in.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use discpath_kb::Language;
use discpath_store::Tx;
use discpath_store::care::{self, QuestionnaireResponse};
use discpath_store::links::{self, FollowUpLink};
use discpath_store::patients::{self, Episode};
use serde_json::{Value, json};

use crate::audited::{Actor, RequestId, Subject, audited};
use crate::auth::{self, Caller, Permission};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, JsonText, Path};
use crate::state::{AppState, from_now, now};

fn response_json(response: &QuestionnaireResponse) -> Result<Value, ApiError> {
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text).map_err(|e| ApiError::Internal(e.to_string()))
    };
    let mut body = serde_json::to_value(response).map_err(|e| ApiError::Internal(e.to_string()))?;
    body["answers"] = parse(&response.answers)?;
    body["scores"] = parse(&response.scores)?;
    Ok(body)
}

/// `POST /api/v1/episodes/{episode_id}/follow-ups` `{label, questionnaires, pain,
/// global_change?}`: records the questionnaires answered at a follow-up and scores them.
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
        let response = score_response(&state, &episode, text, &caller.user.user_id)?;
        subject.set(&response.patient_id, &response.response_id);
        care::create_response(tx, &response).await?;
        Ok((StatusCode::CREATED, Json(response_json(&response)?)))
    })
    .await
}

/// A follow-up's answers (`{label, questionnaires, pain, global_change?}`, checked by the
/// contract's parser) for an episode, scored — ODI, STarT Back, pain, the global impression of
/// change — as a response to store (the work of the API and of the follow-up link page).
pub(crate) fn score_response(
    state: &AppState,
    episode: &Episode,
    text: String,
    entered_by: &str,
) -> Result<QuestionnaireResponse, ApiError> {
    let answers = discpath_model::parse_follow_up(&text)?;
    let mut scores = Vec::new();
    discpath_engine::scores(&state.kb, &answers.answers).write_json(&mut scores);
    let mut scores: Value =
        serde_json::from_slice(&scores).map_err(|e| ApiError::Internal(e.to_string()))?;
    let pain = |fact| match answers.answers.fact(fact) {
        Some(discpath_model::Scalar::Int(score)) => json!(score),
        _ => Value::Null,
    };
    scores["global_change"] = json!(answers.global_change);
    scores["pain"] = json!({
        "back": pain(discpath_model::vocabulary::BACK_PAIN),
        "leg": pain(discpath_model::vocabulary::LEG_PAIN),
    });
    Ok(QuestionnaireResponse {
        response_id: discpath_store::new_id(),
        clinic_id: episode.clinic_id.clone(),
        patient_id: episode.patient_id.clone(),
        episode_id: episode.episode_id.clone(),
        label: answers.label,
        answers: text,
        scores: scores.to_string(),
        entered_by: entered_by.to_owned(),
        received_at: now(),
    })
}

/// How long a follow-up link works.
pub(crate) const LINK_LIFETIME: std::time::Duration = std::time::Duration::from_secs(14 * 86_400);

/// `POST /api/v1/care-plans/{care_plan_id}/follow-ups/{follow_up_id}/links` `{language?}`: a
/// link for the patient to answer this follow-up point without logging in; its address is shown
/// once (only its hash is kept), and it revokes the point's earlier links.
pub(crate) async fn create_link(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path((care_plan_id, follow_up_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    audited(
        &state,
        Actor::User(&caller),
        "follow_up_link.create",
        &request_id,
        async |tx, subject| {
            let (link, token) =
                issue_link(tx, &caller, subject, &care_plan_id, &follow_up_id, &body).await?;
            Ok((StatusCode::CREATED, Json(json!({ "link": link, "path": format!("/f/{token}") }))))
        },
    )
    .await
}

/// Issues a follow-up link from `{language?}` (`en` unless asked): the work of the API and of
/// the calendar page. Returns the link and its secret.
pub(crate) async fn issue_link(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    care_plan_id: &str,
    follow_up_id: &str,
    body: &Value,
) -> Result<(FollowUpLink, String), ApiError> {
    caller.require(Permission::RecordFollowUps)?;
    let languages = Language::ALL.map(Language::as_str);
    let mut fields = Fields::new(body, &["language"]);
    let language = fields.one_of("language", false, &languages);
    fields.finish()?;
    let plan = care::care_plan(tx, caller.clinic(), care_plan_id)
        .await?
        .ok_or(ApiError::NotFound("care plan"))?;
    subject.set(&plan.patient_id, follow_up_id);
    let follow_up = care::follow_ups(tx, caller.clinic(), care_plan_id)
        .await?
        .into_iter()
        .find(|f| f.follow_up_id == follow_up_id)
        .ok_or(ApiError::NotFound("follow-up"))?;
    let token = auth::new_secret("")?;
    let link = FollowUpLink {
        link_id: discpath_store::new_id(),
        clinic_id: caller.clinic().to_owned(),
        patient_id: plan.patient_id,
        episode_id: plan.episode_id,
        follow_up_id: follow_up.follow_up_id,
        label: follow_up.label,
        language: language.unwrap_or_else(|| Language::En.as_str().to_owned()),
        created_by: caller.user.user_id.clone(),
        created_at: now(),
        expires_at: from_now(LINK_LIFETIME),
        used_at: None,
        revoked_at: None,
    };
    links::create_link(tx, &link, &auth::secret_hash(&token)).await?;
    subject.set(&link.patient_id, &link.link_id);
    Ok((link, token))
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
