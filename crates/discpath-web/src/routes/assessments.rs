//! Assessments (evaluated, stored, returned), the stateless evaluation, and clinicians'
//! decisions.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use discpath_model::Pathway;
use discpath_store::assessments::{self, AssessmentRecord, Decision};
use discpath_store::patients;
use discpath_store::{StoreError, Tx};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::audited::{Actor, RequestId, Subject, audited};
use crate::auth::{Caller, Permission};
use crate::error::ApiError;
use crate::input::{Fields, JsonBody, JsonText, Page, PageQuery, Path, Query};
use crate::state::{AppState, now};

/// A stored assessment with its recommendation.
#[derive(Serialize)]
struct AssessmentBody<'a> {
    #[serde(flatten)]
    record: &'a AssessmentRecord,
    recommendation: Box<RawValue>,
}

fn with_recommendation(record: &AssessmentRecord) -> Result<Response, ApiError> {
    let recommendation = RawValue::from_string(record.recommendation.clone()).map_err(|e| {
        ApiError::Internal(format!(
            "stored recommendation {} is not JSON: {e}",
            record.assessment_id
        ))
    })?;
    Ok(Json(AssessmentBody { record, recommendation }).into_response())
}

/// `POST /api/v1/evaluate`: evaluates a document and returns the recommendation; stores nothing
/// but the audit record (any authenticated caller).
pub(crate) async fn evaluate(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    JsonText(text): JsonText,
) -> Result<Response, ApiError> {
    audited(&state, Actor::User(&caller), "evaluate", &request_id, async |_, _| {
        let doc = discpath_model::parse(&text)?;
        let recommendation = discpath_engine::assess(&state.kb, &doc);
        state.metrics.evaluated(recommendation.pathway.as_str());
        Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], recommendation.to_json())
            .into_response())
    })
    .await
}

/// `POST /api/v1/episodes/{episode_id}/assessments`: evaluates the document, stores it with the
/// recommendation, and returns both.
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(episode_id): Path<String>,
    JsonText(text): JsonText,
) -> Result<(StatusCode, Response), ApiError> {
    audited(&state, Actor::User(&caller), "assessment.create", &request_id, async |tx, subject| {
        let record = assess_episode(tx, &state, &caller, subject, &episode_id, text).await?;
        Ok((StatusCode::CREATED, with_recommendation(&record)?))
    })
    .await
}

/// Evaluates a document for an open episode of the caller's clinic and stores it with its
/// recommendation and knowledge-base stamp (the work of the API's `POST …/assessments` and of
/// the intake page, inside their audited transaction).
pub(crate) async fn assess_episode(
    tx: &mut Tx,
    state: &AppState,
    caller: &Caller,
    subject: &mut Subject,
    episode_id: &str,
    text: String,
) -> Result<AssessmentRecord, ApiError> {
    caller.require(Permission::Assess)?;
    let episode = patients::episode(tx, caller.clinic(), episode_id)
        .await?
        .ok_or(ApiError::NotFound("episode"))?;
    subject.set(&episode.patient_id, &episode.episode_id);
    if episode.status == "closed" {
        return Err(ApiError::Conflict("the episode is closed".to_owned()));
    }
    let doc = discpath_model::parse(&text)?;
    let recommendation = discpath_engine::assess(&state.kb, &doc);
    let record = AssessmentRecord {
        assessment_id: discpath_store::new_id(),
        clinic_id: caller.clinic().to_owned(),
        patient_id: episode.patient_id,
        episode_id: episode.episode_id,
        document: text,
        recommendation: String::from_utf8(recommendation.to_json())
            .map_err(|e| ApiError::Internal(e.to_string()))?,
        pathway: recommendation.pathway.as_str().to_owned(),
        kb_name: state.kb.name.clone(),
        kb_version: state.kb.version.clone(),
        kb_hash: state.kb.hash.clone(),
        created_by: caller.user.user_id.clone(),
        created_at: now(),
    };
    subject.set(&record.patient_id, &record.assessment_id);
    assessments::create_assessment(tx, &record).await?;
    state.metrics.evaluated(&record.pathway);
    Ok(record)
}

/// `GET /api/v1/assessments/{assessment_id}`.
pub(crate) async fn read(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(assessment_id): Path<String>,
) -> Result<Response, ApiError> {
    audited(&state, Actor::User(&caller), "assessment.read", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let record = assessments::assessment(tx, caller.clinic(), &assessment_id)
            .await?
            .ok_or(ApiError::NotFound("assessment"))?;
        subject.set(&record.patient_id, &record.assessment_id);
        with_recommendation(&record)
    })
    .await
}

/// `GET /api/v1/episodes/{episode_id}/assessments`: the episode's assessments (without the
/// recommendations; read one for those).
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(episode_id): Path<String>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<AssessmentRecord>>, ApiError> {
    audited(&state, Actor::User(&caller), "assessment.list", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let (limit, after) = page.parse()?;
        let episode = patients::episode(tx, caller.clinic(), &episode_id)
            .await?
            .ok_or(ApiError::NotFound("episode"))?;
        subject.set(&episode.patient_id, &episode.episode_id);
        let items = assessments::assessments(
            tx,
            caller.clinic(),
            &episode.episode_id,
            after.as_deref(),
            limit,
        )
        .await?;
        Ok(Json(Page::new(items, limit, |a| a.assessment_id.as_str().into())))
    })
    .await
}

/// `POST /api/v1/assessments/{assessment_id}/decision` `{action: accept|override, pathway?,
/// reason?}` (clinicians): accepts the recommendation, or overrides it with a pathway and a
/// reason. An override can never choose decompression while an absolute contraindication to it
/// is recorded.
pub(crate) async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(assessment_id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Decision>), ApiError> {
    audited(&state, Actor::User(&caller), "decision.create", &request_id, async |tx, subject| {
        let decision = record_decision(tx, &caller, subject, &assessment_id, &body).await?;
        Ok((StatusCode::CREATED, Json(decision)))
    })
    .await
}

/// Records a clinician's decision on an assessment of the caller's clinic from
/// `{action, pathway?, reason?}` (the work of the API's `POST …/decision` and of the
/// recommendation page, inside their audited transaction).
pub(crate) async fn record_decision(
    tx: &mut Tx,
    caller: &Caller,
    subject: &mut Subject,
    assessment_id: &str,
    body: &Value,
) -> Result<Decision, ApiError> {
    caller.require(Permission::Decide)?;
    let record = assessments::assessment(tx, caller.clinic(), assessment_id)
        .await?
        .ok_or(ApiError::NotFound("assessment"))?;
    subject.set(&record.patient_id, &record.assessment_id);
    let pathways = Pathway::ALL.map(Pathway::as_str);
    let mut fields = Fields::new(body, &["action", "pathway", "reason"]);
    let action = fields.one_of("action", true, &["accept", "override"]);
    let overriding = action.as_deref() == Some("override");
    let pathway = fields.one_of("pathway", overriding, &pathways);
    let reason = fields.paragraphs("reason", overriding, 2000);
    if !overriding && fields.has("pathway") {
        fields.reject("pathway", "only an override chooses a pathway");
    }
    if overriding && pathway.as_deref() == Some(record.pathway.as_str()) {
        fields.reject("pathway", "is the recommended pathway: accept it instead");
    }
    if overriding
        && pathway.as_deref() == Some(Pathway::DecompressionThenPt.as_str())
        && absolutely_contraindicated(&record)?
    {
        fields.reject("pathway", "an absolute contraindication to decompression is recorded");
    }
    fields.finish()?;
    let decision = Decision {
        decision_id: discpath_store::new_id(),
        clinic_id: caller.clinic().to_owned(),
        assessment_id: record.assessment_id.clone(),
        action: action.unwrap_or_default(),
        pathway: pathway.unwrap_or_else(|| record.pathway.clone()),
        reason,
        decided_by: caller.user.user_id.clone(),
        created_at: now(),
    };
    assessments::create_decision(tx, &decision).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            ApiError::Conflict("the assessment already has a decision".to_owned())
        }
        other => other.into(),
    })?;
    Ok(decision)
}

/// Whether the stored recommendation lists an absolute contraindication to decompression.
fn absolutely_contraindicated(record: &AssessmentRecord) -> Result<bool, ApiError> {
    let recommendation: Value = serde_json::from_str(&record.recommendation)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(recommendation["contraindications"].as_array().is_some_and(|items| {
        items.iter().any(|c| c["class"] == "absolute" && c["therapy"] == "decompression")
    }))
}

/// `GET /api/v1/assessments/{assessment_id}/decision`.
pub(crate) async fn read_decision(
    State(state): State<AppState>,
    caller: Caller,
    request_id: RequestId,
    Path(assessment_id): Path<String>,
) -> Result<Json<Decision>, ApiError> {
    audited(&state, Actor::User(&caller), "decision.read", &request_id, async |tx, subject| {
        caller.require(Permission::ReadPatients)?;
        let record = assessments::assessment(tx, caller.clinic(), &assessment_id)
            .await?
            .ok_or(ApiError::NotFound("assessment"))?;
        subject.set(&record.patient_id, &record.assessment_id);
        let decision = assessments::decision(tx, caller.clinic(), &assessment_id)
            .await?
            .ok_or(ApiError::NotFound("decision"))?;
        Ok(Json(decision))
    })
    .await
}
