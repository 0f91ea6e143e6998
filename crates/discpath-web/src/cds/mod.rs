//! HL7 CDS Hooks 2.0.1: how an EHR asks discpath for advice without anyone retyping data.
//!
//! `GET /cds-services` is the discovery document; `POST /cds-services/lbp-disc-pathway` is the
//! `patient-view` service: the EHR's prefetched Patient, Conditions and Observations are mapped
//! into an assessment document by `discpath_fhir::import`, evaluated by the engine (or, when the
//! record lacks what the contract requires, screened for red flags), and answered with cards —
//! red flags, contraindications, the pathway with its rationale and suggestions. It creates no
//! patient record; every call is audited as the calling EHR (`clients.rs`: its JWT checked, its
//! clinic). Errors carry an OperationOutcome, but a refused JWT is a bare 401.

mod cards;
mod clients;
mod patient_view;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(crate) use clients::{CdsCaller, CdsClients};
pub use clients::{CdsClientSettings, CdsSettings};
pub(crate) use patient_view::patient_view;

/// The `patient-view` service's id.
pub(crate) const PATIENT_VIEW: &str = "lbp-disc-pathway";

/// `GET /cds-services`: the services and the data each wants prefetched.
pub(crate) async fn discovery() -> Json<Value> {
    Json(json!({
        "services": [{
            "hook": "patient-view",
            "id": PATIENT_VIEW,
            "title": "Disc-related low back pain: treatment pathway",
            "description": "Screens for red flags and contraindications, then suggests spinal \
                decompression, physical therapy, the sequence of both, self-management or \
                escalation, with the rules and sources behind it.",
            "prefetch": {
                "patient": "Patient/{{context.patientId}}",
                "conditions": "Condition?patient={{context.patientId}}",
                "nrs": "Observation?patient={{context.patientId}}&code=http://loinc.org|72514-3&_sort=-date&_count=1",
                "odi": "Observation?patient={{context.patientId}}&code=http://loinc.org|97909-6&_sort=-date&_count=1"
            },
            "usageRequirements": "Reads the Patient (age, sex), the Conditions (ICD-10-CM or SNOMED \
                CT) and the latest pain rating (LOINC 72514-3). What the record does not say — \
                the examination, most red flags — the card lists as needed."
        }]
    }))
}

/// A CDS Hooks error: its status and an OperationOutcome.
pub(crate) struct CdsError {
    status: StatusCode,
    code: &'static str,
    text: String,
    expression: Option<String>,
}

impl CdsError {
    pub(crate) fn invalid(text: impl Into<String>, expression: &str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid",
            text: text.into(),
            expression: Some(expression.to_owned()),
        }
    }

    pub(crate) fn required(text: impl Into<String>, expression: &str) -> Self {
        Self {
            status: StatusCode::PRECONDITION_FAILED,
            code: "required",
            text: text.into(),
            expression: Some(expression.to_owned()),
        }
    }
}

impl From<crate::error::ApiError> for CdsError {
    fn from(error: crate::error::ApiError) -> Self {
        let (status, _) = error.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = ?error, "a CDS Hooks call failed");
        }
        Self {
            status,
            code: if status.is_server_error() { "exception" } else { "processing" },
            text: if status.is_server_error() {
                "the service failed".to_owned()
            } else {
                status.canonical_reason().unwrap_or("refused").to_owned()
            },
            expression: None,
        }
    }
}

impl IntoResponse for CdsError {
    fn into_response(self) -> Response {
        let mut issue =
            json!({ "severity": "error", "code": self.code, "details": { "text": self.text } });
        if let Some(expression) = self.expression {
            issue["expression"] = json!([expression]);
        }
        let outcome = json!({ "resourceType": "OperationOutcome", "issue": [issue] });
        (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/fhir+json")],
            outcome.to_string(),
        )
            .into_response()
    }
}
