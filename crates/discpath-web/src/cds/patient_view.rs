//! `POST /cds-services/lbp-disc-pathway`: the `patient-view` hook.

use axum::Json;
use axum::extract::State;
use discpath_fhir::{import, resources_of};
use serde_json::{Value, json};

use super::cards::{self, Origin};
use super::{CdsCaller, CdsError};
use crate::audited::{Actor, RequestId, audited};
use crate::input::JsonBody;
use crate::state::{AppState, today};

/// The prefetch keys the service reads; `patient` and `conditions` it cannot do without.
const REQUIRED: [&str; 2] = ["patient", "conditions"];
const OPTIONAL: [&str; 2] = ["nrs", "odi"];

/// The request's own fields: `hook`, `hookInstance`, `context.patientId`.
fn checked(body: &Value) -> Result<(&str, &str), CdsError> {
    if body["hook"] != "patient-view" {
        return Err(CdsError::invalid("the hook must be patient-view", "hook"));
    }
    let instance = body["hookInstance"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CdsError::invalid("hookInstance is required", "hookInstance"))?;
    let patient = body["context"]["patientId"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| CdsError::invalid("context.patientId is required", "context.patientId"))?;
    Ok((instance, patient))
}

/// The field names of a document the contract's parser refused, as what is needed.
fn needed(error: &discpath_model::InvalidDocument) -> Vec<String> {
    error.errors.iter().map(|e| format!("{} ({})", e.path, e.message)).collect()
}

/// `POST /cds-services/lbp-disc-pathway`.
pub(crate) async fn patient_view(
    State(state): State<AppState>,
    caller: CdsCaller,
    request_id: RequestId,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, CdsError> {
    let (instance, patient_id) = checked(&body)?;
    let prefetch = &body["prefetch"];
    for key in REQUIRED {
        let value = &prefetch[key];
        if value.is_null() || value["resourceType"] == "OperationOutcome" {
            // Fetching from the EHR's fhirServer is not built yet: without the data, 412.
            return Err(CdsError::required(
                format!(
                    "the prefetch key {key} is needed (fetching from fhirServer is not supported)"
                ),
                &format!("prefetch.{key}"),
            ));
        }
    }
    let resources: Vec<&Value> =
        REQUIRED.iter().chain(&OPTIONAL).flat_map(|key| resources_of(&prefetch[*key])).collect();
    let imported = import(&resources, today());
    let kb = &state.kb;
    let origin = Origin {
        kb: format!("{} {}", kb.name, kb.version),
        url: state.cds.audience(),
        patient: &format!("Patient/{patient_id}"),
    };
    let actor = Actor::Client { clinic_id: &caller.clinic_id, issuer: &caller.issuer };
    let cards = audited(&state, actor, "cds.patient_view", &request_id, async |tx, subject| {
        subject.resource = Some(format!("hookInstance/{instance}"));
        caller.spend(tx).await?;
        let text = imported.document.to_string();
        Ok(match discpath_model::parse(&text) {
            Ok(document) => {
                let recommendation = discpath_engine::assess(kb, &document);
                state.metrics.evaluated(recommendation.pathway.as_str());
                cards::cards(&origin, &recommendation, &imported)
            }
            Err(missing) => {
                let flags = discpath_model::parse_partial(&text)
                    .map(|partial| discpath_engine::screen_red_flags(kb, &partial).red_flags)
                    .unwrap_or_default();
                cards::incomplete(&origin, &flags, &needed(&missing), &imported)
            }
        })
    })
    .await?;
    Ok(Json(json!({ "cards": cards })))
}
