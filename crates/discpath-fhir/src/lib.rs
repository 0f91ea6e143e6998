//! FHIR R4 for discpath: a patient's resources from an EHR — the Patient, Conditions coded in
//! ICD-10-CM or SNOMED CT, pain-rating Observations coded in LOINC — mapped into the assessment
//! document of the contract (`spec/assessment.md`), with where each field came from, what was
//! assumed, and every resource or code that gave nothing and why.
//!
//! The code table is data (`src/terminology.toml`, with its sources): ICD-10-CM is matched by
//! prefix, so FY2025 sub-codes (`M51.360`) and old headers (`M54.5`) both match. A match only
//! ever sets something — a diagnosis, a flag or condition to true — never a field to false: a
//! code absent from a problem list does not mean the patient does not have it, so what no
//! resource says stays unanswered, and the engine treats an unanswered contraindication as one
//! that may apply. Pure: the caller says what day it is.
//!
//! ```
//! use serde_json::json;
//!
//! let patient = json!({ "resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1979-04-15" });
//! let condition = json!({ "resourceType": "Condition", "id": "c",
//!     "code": { "coding": [ { "system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M51.16" } ] } });
//! let imported = discpath_fhir::import(&[&patient, &condition], "2026-12-04".parse().unwrap());
//! assert_eq!(imported.document["patient"]["age"], 47);
//! assert_eq!(imported.document["diagnoses"][0]["code"], "disc_herniation");
//! ```

mod import;
mod resources;
mod terminology;

pub use import::{Imported, Source, Unmapped, import};
pub use resources::resources_of;

#[cfg(test)]
mod tests;
