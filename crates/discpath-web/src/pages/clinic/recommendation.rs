//! `/clinic/assessments/{assessment_id}`: a stored recommendation as the clinician reviews it —
//! the pathway, every rule that fired with the inputs it read, its statement, sources and
//! certainty, the red flags and contraindications, the scores, the course, what is missing, the
//! evidence, and the knowledge base's name, version and hash — with the decision: accept, or
//! override with a reason and a pathway (refused into decompression on an absolute
//! contraindication, as the API refuses it).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use discpath_model::{FieldError, Pathway};
use discpath_store::assessments::{self, AssessmentRecord, Decision};
use discpath_store::care::{self, CarePlan};
use discpath_store::patients::{self, Patient};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::{FormFields, Frame, Staff};
use crate::audited::{Actor, RequestId, audited};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::input::Path;
use crate::routes::assessments::record_decision;
use crate::state::AppState;

/// The parts of a stored recommendation (contract 2) the page shows.
#[derive(Debug, Deserialize)]
pub(crate) struct Shown {
    kb: Stamp,
    pathway: String,
    decided_by: String,
    certainty: String,
    #[serde(default)]
    red_flags: Vec<Flag>,
    #[serde(default)]
    contraindications: Vec<Contraindication>,
    #[serde(default)]
    scores: Map<String, Value>,
    care_plan: Option<Course>,
    #[serde(default)]
    missing: Vec<String>,
    #[serde(default)]
    rationale: Vec<Fired>,
    #[serde(default)]
    evidence: Vec<Fired>,
    disclaimer: String,
}

#[derive(Debug, Deserialize)]
struct Stamp {
    name: String,
    version: String,
    hash: String,
}

#[derive(Debug, Deserialize)]
struct Flag {
    label: String,
    tier: String,
    advice: String,
}

#[derive(Debug, Deserialize)]
struct Contraindication {
    label: String,
    therapy: String,
    class: String,
}

#[derive(Debug, Deserialize)]
struct Course {
    #[serde(default)]
    phases: Vec<Phase>,
    #[serde(default)]
    follow_ups: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Phase {
    therapy: String,
    sessions: u32,
    weeks: u32,
    #[serde(default)]
    dates: Vec<String>,
}

/// A rule that fired, or an evidence item.
#[derive(Debug, Deserialize)]
struct Fired {
    rule: String,
    statement: String,
    #[serde(default)]
    inputs: Map<String, Value>,
    #[serde(default)]
    sources: Vec<String>,
    certainty: Option<String>,
    provenance: Option<String>,
}

impl Fired {
    /// The inputs it read, as `name = value`.
    fn inputs_read(&self) -> Vec<String> {
        self.inputs
            .iter()
            .map(|(name, value)| match value {
                Value::String(text) => format!("{name} = {text}"),
                Value::Array(items) => format!(
                    "{name} = {}",
                    items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                other => format!("{name} = {other}"),
            })
            .collect()
    }
}

impl Phase {
    fn first(&self) -> &str {
        self.dates.first().map_or("", String::as_str)
    }

    fn last(&self) -> &str {
        self.dates.last().map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "clinic/recommendation.html")]
struct RecommendationPage {
    frame: Frame,
    patient: Patient,
    record: AssessmentRecord,
    shown: Shown,
    pathway_title: &'static str,
    decision: Option<Decision>,
    /// Whether the viewer may decide (clinicians).
    may_decide: bool,
    /// Whether the viewer may book the care plan.
    may_plan: bool,
    /// The first session the document asked for (the booking form's default).
    start_date: String,
    /// The care plan booked from this assessment.
    plan: Option<CarePlan>,
    /// The pathways an override may choose, `(code, title)` (all but the recommended one).
    alternatives: Vec<(&'static str, &'static str)>,
    /// The decision form as posted, and its problems.
    posted: DecisionForm,
    errors: Vec<(String, String)>,
}

/// The decision form as posted.
#[derive(Default)]
struct DecisionForm {
    action: String,
    pathway: String,
    reason: String,
}

impl RecommendationPage {
    fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(id, _)| id.as_str() == format!("decision-{name}"))
            .map(|(_, m)| m.as_str())
    }

    fn title_of(&self, code: &str) -> &'static str {
        Pathway::from_code(code).map_or("", Pathway::title)
    }

    fn score_rows(&self) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        if let Some(odi) = self.shown.scores.get("odi") {
            rows.push((
                "ODI".to_owned(),
                format!(
                    "{}% ({}, {} of 10 answered)",
                    odi["percent"],
                    odi["band"].as_str().unwrap_or("–"),
                    odi["answered"]
                ),
            ));
        }
        if let Some(sb) = self.shown.scores.get("start_back") {
            rows.push((
                "STarT Back".to_owned(),
                format!(
                    "total {}, psychosocial {}, {} risk",
                    sb["total"],
                    sb["psychosocial"],
                    sb["risk"].as_str().unwrap_or("–")
                ),
            ));
        }
        if let Some(fabq) = self.shown.scores.get("fabq_work") {
            rows.push(("FABQ work".to_owned(), fabq.to_string()));
        }
        rows
    }
}

/// What the page reads: the patient, the record, its decision and its care plan.
type Found = (Patient, AssessmentRecord, Option<Decision>, Option<CarePlan>);

/// What the page reads: the patient, the record, its decision and its care plan.
async fn read(
    tx: &mut discpath_store::Tx,
    clinic_id: &str,
    assessment_id: &str,
) -> Result<Found, ApiError> {
    let record = assessments::assessment(tx, clinic_id, assessment_id)
        .await?
        .ok_or(ApiError::NotFound("assessment"))?;
    let patient = patients::patient(tx, clinic_id, &record.patient_id)
        .await?
        .ok_or(ApiError::NotFound("patient"))?;
    let decision = assessments::decision(tx, clinic_id, assessment_id).await?;
    let plan = care::plan_of_assessment(tx, clinic_id, assessment_id).await?;
    Ok((patient, record, decision, plan))
}

fn page(
    staff: &Staff,
    (patient, record, decision, plan): Found,
    posted: DecisionForm,
    errors: Vec<(String, String)>,
) -> Result<RecommendationPage, ApiError> {
    let shown: Shown = serde_json::from_str(&record.recommendation).map_err(|e| {
        ApiError::Internal(format!("stored recommendation {}: {e}", record.assessment_id))
    })?;
    let start_date = serde_json::from_str::<Value>(&record.document)
        .ok()
        .and_then(|d| d["plan"]["start_date"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let recommended = Pathway::from_code(&shown.pathway);
    let alternatives = Pathway::ALL
        .into_iter()
        .filter(|p| Some(*p) != recommended)
        .map(|p| (p.as_str(), p.title()))
        .collect();
    Ok(RecommendationPage {
        frame: staff.frame(),
        pathway_title: recommended.map_or("", Pathway::title),
        patient,
        record,
        shown,
        decision,
        may_decide: staff.caller.role.allows(Permission::Decide),
        may_plan: staff.caller.role.allows(Permission::PlanCare),
        start_date,
        plan,
        alternatives,
        posted,
        errors,
    })
}

/// `GET /clinic/assessments/{assessment_id}`.
pub(crate) async fn recommendation(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
) -> Response {
    let caller = &staff.caller;
    let found = audited(
        &state,
        Actor::User(caller),
        "assessment.read",
        &request_id,
        async |tx, subject| {
            caller.require(Permission::ReadPatients)?;
            let Path(assessment_id) = path?;
            let found = read(tx, caller.clinic(), &assessment_id).await?;
            subject.set(&found.1.patient_id, &found.1.assessment_id);
            Ok(found)
        },
    )
    .await;
    match found.and_then(|found| page(&staff, found, DecisionForm::default(), Vec::new())) {
        Ok(page) => staff.render(&page),
        Err(error) => staff.failure(&error),
    }
}

/// `POST /clinic/assessments/{assessment_id}/decision` `action, pathway, reason` (clinicians).
pub(crate) async fn decide(
    State(state): State<AppState>,
    staff: Staff,
    request_id: RequestId,
    path: Result<Path<String>, ApiError>,
    form: FormFields,
) -> Response {
    let assessment_id = match staff.target(Permission::Decide, path, "assessment") {
        Ok(id) => id,
        Err(page) => return *page,
    };
    let posted = DecisionForm {
        action: form.get("action").to_owned(),
        pathway: form.get("pathway").to_owned(),
        reason: form.get("reason").to_owned(),
    };
    // An acceptance sends neither the pathway nor the reason the form also holds.
    let keys: &[&str] =
        if posted.action == "override" { &["action", "pathway", "reason"] } else { &["action"] };
    let body = form.body(keys);
    let caller = &staff.caller;
    let decided = audited(
        &state,
        Actor::User(caller),
        "decision.create",
        &request_id,
        async |tx, subject| record_decision(tx, caller, subject, &assessment_id, &body).await,
    )
    .await;
    match decided {
        Ok(_) => Redirect::to(&format!("/clinic/assessments/{assessment_id}")).into_response(),
        Err(ApiError::Invalid(problems)) => {
            let errors = messages(&problems);
            let found =
                super::reread(&state, async |tx| read(tx, caller.clinic(), &assessment_id).await);
            match found.await.and_then(|found| page(&staff, found, posted, errors)) {
                Ok(page) => staff.render_with(StatusCode::UNPROCESSABLE_ENTITY, &page),
                Err(error) => staff.failure(&error),
            }
        }
        Err(error) => staff.failure(&error),
    }
}

/// Each problem of the decision form as `(element id, message)`.
fn messages(problems: &[FieldError]) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|problem| {
            let field = if problem.path.is_empty() { "action" } else { problem.path.as_str() };
            let message = match (field, problem.message.as_str()) {
                ("action", _) => {
                    "Choose whether to accept the recommendation or override it".to_owned()
                }
                ("reason", "required") => "Give the reason for the override".to_owned(),
                ("pathway", "required") => "Choose the pathway of the override".to_owned(),
                (_, message) => format!("{field}: {message}"),
            };
            (format!("decision-{field}"), message)
        })
        .collect()
}
