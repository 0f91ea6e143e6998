//! FHIR R4 resources into an assessment document: what each resource gave, and what could not
//! be used and why.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::resources::{Condition, ICD10_CM, LOINC, Observation, Patient, SNOMED_CT, reference};
use crate::terminology::{self, When};

/// LOINC codes of a pain rating now (0–10): the current NRS, and the past week's.
const PAIN_NRS: [&str; 2] = ["72514-3", "75893-8"];
/// LOINC code of the ODI total score.
const ODI_SCORE: &str = "97909-6";
/// SNOMED CT "lower limb structure": a pain rating with this body site is leg pain.
const LOWER_LIMB: &str = "61685007";

/// What the import made of the resources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    /// The assessment document (partial: what the resources said; the contract's parser
    /// checks it, and the engine lists what is missing).
    pub document: Value,
    /// Each field set, and the resource it came from.
    pub sources: Vec<Source>,
    /// What was assumed because FHIR does not say it.
    pub assumptions: Vec<Source>,
    /// Each resource, or code, that gave nothing, and why.
    pub unmapped: Vec<Unmapped>,
}

/// A field of the document and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Its contract path (`conditions.pregnancy`, `diagnoses[0]`).
    pub path: String,
    /// The resource (`Condition/abc`), and what it said.
    pub from: String,
}

/// A resource, or one of its codes, that gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmapped {
    /// The resource (`Observation/xyz`).
    pub resource: String,
    /// Why.
    pub reason: String,
}

/// The document under construction.
#[derive(Default)]
struct Builder {
    sections: Map<String, Value>,
    diagnoses: Vec<String>,
    sources: Vec<Source>,
    assumptions: Vec<Source>,
    unmapped: Vec<Unmapped>,
    /// The earliest onset of a condition that gave a diagnosis.
    onset: Option<Date>,
    /// The latest pain ratings: (when, value), back then leg.
    pain: [Option<(String, i64)>; 2],
}

/// How bad an osteoporosis grade is, to keep the worse of two.
fn osteoporosis_rank(value: &Value) -> u8 {
    match value.as_str() {
        Some("osteopenia") => 1,
        Some("osteoporosis") => 2,
        Some("severe") => 3,
        _ => 0,
    }
}

impl Builder {
    fn set(&mut self, path: &str, value: Value, from: String) {
        let Some((section, field)) = path.split_once('.') else { return };
        let fields = self.sections.entry(section).or_insert_with(|| json!({}));
        let Some(fields) = fields.as_object_mut() else { return };
        if let Some(current) = fields.get(field)
            && path == "conditions.osteoporosis"
            && osteoporosis_rank(current) >= osteoporosis_rank(&value)
        {
            return;
        }
        fields.insert(field.to_owned(), value);
        self.sources.push(Source { path: path.to_owned(), from });
    }

    fn unmapped(&mut self, resource: &str, reason: impl Into<String>) {
        self.unmapped.push(Unmapped { resource: resource.to_owned(), reason: reason.into() });
    }

    fn patient(&mut self, name: &str, patient: &Patient, today: Date) {
        match patient.birth_date.as_deref().map(str::parse::<Date>) {
            Some(Ok(born)) => match born.until((jiff::Unit::Year, today)) {
                Ok(span) => {
                    let from = format!("{name}: born {born}");
                    self.set("patient.age", json!(span.get_years()), from);
                }
                Err(_) => self.unmapped(name, "birthDate is not before today"),
            },
            Some(Err(_)) => self.unmapped(name, "birthDate is not a full date (YYYY-MM-DD)"),
            None => self.unmapped(name, "no birthDate: the age is needed"),
        }
        match patient.gender.as_deref() {
            Some(sex @ ("female" | "male" | "other" | "unknown")) => {
                self.set("patient.sex", json!(sex), format!("{name}: gender {sex}"));
            }
            _ => self.unmapped(name, "no gender: the sex is needed"),
        }
    }

    fn condition(&mut self, name: &str, condition: &Condition) {
        if condition.is_void() {
            return self.unmapped(name, "refuted or entered in error");
        }
        let Some(code) = &condition.code else { return self.unmapped(name, "no code") };
        let icd10: Vec<&str> = code.codes(ICD10_CM).collect();
        let snomed: Vec<&str> = code.codes(SNOMED_CT).collect();
        let listed = icd10.iter().chain(&snomed).copied().collect::<Vec<_>>().join(", ");
        let mut used = false;
        for entry in terminology::matching(&icd10, &snomed) {
            if entry.status == When::Active && !condition.is_current() {
                continue;
            }
            used = true;
            let from = format!("{name}: {listed} ({})", entry.meaning);
            for diagnosis in &entry.diagnoses {
                if !self.diagnoses.contains(diagnosis) {
                    self.diagnoses.push(diagnosis.clone());
                    let path = format!("diagnoses[{}]", self.diagnoses.len() - 1);
                    self.sources.push(Source { path, from: from.clone() });
                }
            }
            if !entry.diagnoses.is_empty()
                && let Some(Ok(onset)) = condition
                    .onset_date_time
                    .as_deref()
                    .map(|at| at.get(..10).unwrap_or(at).parse::<Date>())
            {
                self.onset = Some(self.onset.map_or(onset, |known| known.min(onset)));
            }
            for (path, value) in &entry.sets {
                let value = serde_json::to_value(value).unwrap_or(Value::Null);
                self.set(path, value, from.clone());
            }
        }
        if !used {
            let reason = if listed.is_empty() {
                "no ICD-10-CM or SNOMED CT code".to_owned()
            } else if condition.is_current() {
                format!("{listed}: not a code the assessment uses")
            } else {
                format!("{listed}: not current (clinicalStatus)")
            };
            self.unmapped(name, reason);
        }
    }

    fn observation(&mut self, name: &str, observation: &Observation) {
        if !matches!(observation.status.as_deref(), Some("final" | "amended" | "corrected")) {
            return self.unmapped(name, "not final (status)");
        }
        let Some(code) = &observation.code else { return self.unmapped(name, "no code") };
        let loinc: Vec<&str> = code.codes(LOINC).collect();
        if loinc.contains(&ODI_SCORE) {
            return self.unmapped(
                name,
                "an ODI total (97909-6): the assessment scores the ODI from its ten answers; \
                 send the QuestionnaireResponse",
            );
        }
        let Some(loinc_code) = loinc.iter().find(|c| PAIN_NRS.contains(c)) else {
            return self.unmapped(name, "not a LOINC code the assessment uses");
        };
        let value = observation.number().filter(|v| (0.0..=10.0).contains(v));
        let Some(value) = value else {
            return self.unmapped(name, "a pain rating without a value from 0 to 10");
        };
        let leg = observation.body_site.as_ref().is_some_and(|site| site.has(LOWER_LIMB));
        let when = observation.effective_date_time.clone().unwrap_or_default();
        let slot = &mut self.pain[usize::from(leg)];
        if slot.as_ref().is_none_or(|(known, _)| when >= *known) {
            *slot = Some((when, value.round() as i64));
            let path = if leg { "symptoms.leg_pain" } else { "symptoms.back_pain" };
            self.sources.retain(|s| s.path != path);
            let from = format!("{name}: {loinc_code} = {value}");
            self.set(path, json!(value.round() as i64), from);
        }
    }

    fn finish(mut self, today: Date) -> Imported {
        if let Some(onset) = self.onset
            && let Ok(span) = onset.until((jiff::Unit::Week, today))
        {
            let weeks = span.get_weeks().max(0);
            let from = format!("the earliest onset of the diagnosed conditions: {onset}");
            self.set("symptoms.duration_weeks", json!(weeks), from);
        }
        if !self.diagnoses.is_empty() {
            let entries: Vec<Value> = self
                .diagnoses
                .iter()
                .map(|code| json!({ "code": code, "confirmed_by_imaging": false }))
                .collect();
            self.sections.insert("diagnoses".to_owned(), Value::Array(entries));
            self.assumptions.push(Source {
                path: "diagnoses[].confirmed_by_imaging".to_owned(),
                from: "a Condition does not say whether imaging confirmed it: recorded as not \
                       confirmed, so the recommendation asks for the confirmation"
                    .to_owned(),
            });
        }
        Imported {
            document: Value::Object(self.sections),
            sources: self.sources,
            assumptions: self.assumptions,
            unmapped: self.unmapped,
        }
    }
}

/// The assessment document that `resources` (FHIR R4 JSON: Patient, Condition, Observation;
/// Bundles opened by [`crate::resources_of`]) give on `today`, with where each field came from
/// and what gave nothing. A match only ever sets a diagnosis, or a flag or condition to true:
/// what no resource says stays unanswered.
pub fn import(resources: &[&Value], today: Date) -> Imported {
    let mut builder = Builder::default();
    let mut patients = 0;
    for resource in resources {
        let name = reference(resource);
        let value: &Value = resource;
        match resource["resourceType"].as_str() {
            Some("Patient") => match Patient::deserialize(value) {
                Ok(_) if patients > 0 => builder.unmapped(&name, "a second Patient: ignored"),
                Ok(patient) => {
                    patients += 1;
                    builder.patient(&name, &patient, today);
                }
                Err(error) => builder.unmapped(&name, format!("not a valid R4 Patient: {error}")),
            },
            Some("Condition") => match Condition::deserialize(value) {
                Ok(condition) => builder.condition(&name, &condition),
                Err(error) => builder.unmapped(&name, format!("not a valid R4 Condition: {error}")),
            },
            Some("Observation") => match Observation::deserialize(value) {
                Ok(observation) => builder.observation(&name, &observation),
                Err(error) => {
                    builder.unmapped(&name, format!("not a valid R4 Observation: {error}"));
                }
            },
            Some("OperationOutcome") => builder.unmapped(&name, "an OperationOutcome (an error)"),
            _ => builder.unmapped(&name, "a resource type the assessment does not read"),
        }
    }
    builder.finish(today)
}
