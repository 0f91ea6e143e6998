//! The parts of FHIR R4 resources the import reads, as serde types: every field optional,
//! unknown fields ignored, so a resource with more (or less) than we read still parses, and
//! hostile JSON is an error, never a panic.

use serde::Deserialize;
use serde_json::Value;

/// ICD-10-CM's system URI.
pub(crate) const ICD10_CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// SNOMED CT's system URI.
pub(crate) const SNOMED_CT: &str = "http://snomed.info/sct";
/// LOINC's system URI.
pub(crate) const LOINC: &str = "http://loinc.org";

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
}

impl CodeableConcept {
    /// The codes of `system`.
    pub(crate) fn codes<'a>(&'a self, system: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.coding
            .iter()
            .filter(move |c| c.system.as_deref() == Some(system))
            .filter_map(|c| c.code.as_deref())
    }

    /// Whether any coding has this code (whatever its system: status value sets).
    pub(crate) fn has(&self, code: &str) -> bool {
        self.coding.iter().any(|c| c.code.as_deref() == Some(code))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Patient {
    pub gender: Option<String>,
    pub birth_date: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Condition {
    pub clinical_status: Option<CodeableConcept>,
    pub verification_status: Option<CodeableConcept>,
    pub code: Option<CodeableConcept>,
    pub onset_date_time: Option<String>,
}

impl Condition {
    /// Whether the record says it is wrong: refuted, or entered in error.
    pub(crate) fn is_void(&self) -> bool {
        self.verification_status
            .as_ref()
            .is_some_and(|status| status.has("refuted") || status.has("entered-in-error"))
    }

    /// Whether it holds now: active, recurrence or relapse — or no status at all (a problem
    /// list item should have one; without it we do not assume it has ended).
    pub(crate) fn is_current(&self) -> bool {
        self.clinical_status.as_ref().is_none_or(|status| {
            status.has("active") || status.has("recurrence") || status.has("relapse")
        })
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Quantity {
    pub value: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Observation {
    pub status: Option<String>,
    pub code: Option<CodeableConcept>,
    pub body_site: Option<CodeableConcept>,
    pub effective_date_time: Option<String>,
    pub value_integer: Option<i64>,
    pub value_quantity: Option<Quantity>,
}

impl Observation {
    /// Its number: `valueInteger`, or `valueQuantity.value`.
    pub(crate) fn number(&self) -> Option<f64> {
        self.value_integer
            .map(|v| v as f64)
            .or_else(|| self.value_quantity.as_ref().and_then(|q| q.value))
    }
}

/// The resources of `value`: a Bundle's entries' resources (nested Bundles too, as a CDS Hooks
/// prefetch holds them), or the resource itself.
pub fn resources_of(value: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    collect(value, &mut out, 0);
    out
}

/// Bundles deeper than this are not opened (a hostile document cannot make us recurse).
const MAX_DEPTH: usize = 4;

fn collect<'v>(value: &'v Value, out: &mut Vec<&'v Value>, depth: usize) {
    if value["resourceType"] == "Bundle" && depth < MAX_DEPTH {
        for entry in value["entry"].as_array().into_iter().flatten() {
            collect(&entry["resource"], out, depth + 1);
        }
    } else if value.is_object() {
        out.push(value);
    }
}

/// `Type/id` of a resource, as the import names it.
pub(crate) fn reference(value: &Value) -> String {
    format!(
        "{}/{}",
        value["resourceType"].as_str().unwrap_or("Unknown"),
        value["id"].as_str().unwrap_or("(no id)")
    )
}
