#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly by design")]

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{import, resources_of, terminology};

fn today() -> jiff::civil::Date {
    "2026-12-04".parse().unwrap()
}

fn condition(id: &str, system: &str, code: &str, status: &str) -> Value {
    json!({
        "resourceType": "Condition", "id": id,
        "clinicalStatus": { "coding": [ { "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status } ] },
        "code": { "coding": [ { "system": system, "code": code } ] },
        "subject": { "reference": "Patient/p" }
    })
}

fn icd(id: &str, code: &str) -> Value {
    condition(id, "http://hl7.org/fhir/sid/icd-10-cm", code, "active")
}

fn pain(id: &str, value: Value, at: &str, site: Option<&str>) -> Value {
    let mut observation = json!({
        "resourceType": "Observation", "id": id, "status": "final",
        "code": { "coding": [ { "system": "http://loinc.org", "code": "72514-3" } ] },
        "effectiveDateTime": at, "valueInteger": value
    });
    if let Some(site) = site {
        observation["bodySite"] =
            json!({ "coding": [ { "system": "http://snomed.info/sct", "code": site } ] });
    }
    observation
}

/// The contract's own parser accepts the document (as a partial one).
fn parses(document: &Value) {
    discpath_model::parse_partial(&document.to_string())
        .unwrap_or_else(|e| panic!("{document}: {e:?}"));
}

#[test]
fn every_row_of_the_table_gives_what_the_contract_accepts() {
    assert!(terminology::entries().len() >= 20, "the table parses");
    for entry in terminology::entries() {
        assert!(!entry.icd10.is_empty() || !entry.snomed.is_empty(), "{}", entry.meaning);
        assert!(!entry.diagnoses.is_empty() || !entry.sets.is_empty(), "{}", entry.meaning);
        for code in &entry.diagnoses {
            parses(&json!({ "diagnoses": [ { "code": code, "confirmed_by_imaging": false } ] }));
        }
        for (path, value) in &entry.sets {
            let (section, field) = path.split_once('.').unwrap();
            parses(&json!({ section: { field: serde_json::to_value(value).unwrap() } }));
            assert!(value.as_bool() != Some(false), "{path}: the table never sets false");
        }
    }
}

/// The example `patient-view` request of the standards reference
/// (`shared/domain/examples/cds-hooks/request-patient-view.json`, copied to `testdata/`).
#[test]
fn the_cds_hooks_example_prefetch_gives_age_sex_and_diagnoses() {
    let request: Value =
        serde_json::from_str(include_str!("testdata/request-patient-view.json")).unwrap();
    let prefetch = &request["prefetch"];
    let resources: Vec<&Value> = ["patient", "conditions", "odi", "nrs"]
        .iter()
        .flat_map(|key| resources_of(&prefetch[*key]))
        .collect();
    let imported = import(&resources, today());
    assert_eq!(imported.document["patient"], json!({ "age": 47, "sex": "female" }));
    assert_eq!(
        imported.document["diagnoses"],
        json!([{ "code": "disc_herniation", "confirmed_by_imaging": false }, { "code": "radiculopathy", "confirmed_by_imaging": false }])
    );
    assert!(imported.unmapped.is_empty(), "{:?}", imported.unmapped);
    assert_eq!(imported.assumptions.len(), 1, "imaging confirmation is assumed absent");
    parses(&imported.document);
}

#[test]
fn icd10_codes_match_by_prefix_new_sub_codes_and_old_headers_alike() {
    for (code, diagnosis) in [
        ("M51.360", "degenerative_disc_disease"),
        ("M51.36", "degenerative_disc_disease"),
        ("M54.5", "mechanical_low_back_pain"),
        ("M54.50", "mechanical_low_back_pain"),
        ("M51.A4", "annular_tear"),
        ("m48.062", "spinal_stenosis"),
    ] {
        let imported = import(&[&icd("c", code)], today());
        assert_eq!(imported.document["diagnoses"][0]["code"], diagnosis, "{code}");
    }
    let snomed = condition("s", "http://snomed.info/sct", "20021007", "active");
    assert_eq!(import(&[&snomed], today()).document["diagnoses"][0]["code"], "disc_herniation");
}

#[test]
fn refuted_and_ended_conditions_count_only_where_the_past_matters() {
    let mut refuted = icd("r", "Z33.1");
    refuted["verificationStatus"] = json!({ "coding": [ { "code": "refuted" } ] });
    let ended_pregnancy = condition("e", "http://hl7.org/fhir/sid/icd-10-cm", "Z33.1", "resolved");
    let past_cancer = condition("k", "http://hl7.org/fhir/sid/icd-10-cm", "C50.911", "remission");
    let imported = import(&[&refuted, &ended_pregnancy, &past_cancer], today());
    assert_eq!(imported.document, json!({ "red_flags": { "cancer_history": true } }));
    let reasons: Vec<&str> = imported.unmapped.iter().map(|u| u.reason.as_str()).collect();
    assert_eq!(reasons, ["refuted or entered in error", "Z33.1: not current (clinicalStatus)"]);
}

#[test]
fn contraindications_are_set_true_and_the_worse_osteoporosis_grade_kept() {
    let resources =
        [icd("a", "M80.08XA"), icd("b", "M81.0"), icd("c", "Z79.01"), icd("d", "I71.40")];
    let refs: Vec<&Value> = resources.iter().collect();
    let imported = import(&refs, today());
    assert_eq!(
        imported.document["conditions"],
        json!({ "osteoporosis": "severe", "anticoagulation": true, "aortic_aneurysm": true })
    );
    parses(&imported.document);
}

#[test]
fn the_duration_counts_from_the_earliest_onset_of_a_diagnosed_condition() {
    let mut early = icd("a", "M54.16");
    early["onsetDateTime"] = json!("2026-10-09T08:00:00Z");
    let mut late = icd("b", "M51.26");
    late["onsetDateTime"] = json!("2026-11-20");
    let imported = import(&[&late, &early], today());
    assert_eq!(imported.document["symptoms"]["duration_weeks"], 8);
}

#[test]
fn pain_ratings_the_latest_wins_and_a_lower_limb_site_is_leg_pain() {
    let older = pain("o1", json!(8), "2026-11-01", None);
    let newer = pain("o2", json!(5), "2026-12-01", None);
    let leg = pain("o3", json!(7), "2026-12-01", Some("61685007"));
    let out_of_range = pain("o4", json!(11), "2026-12-02", None);
    let odi = json!({ "resourceType": "Observation", "id": "o5", "status": "final",
        "code": { "coding": [ { "system": "http://loinc.org", "code": "97909-6" } ] }, "valueQuantity": { "value": 44 } });
    let preliminary = json!({ "resourceType": "Observation", "id": "o6", "status": "preliminary" });
    let imported = import(&[&newer, &older, &leg, &out_of_range, &odi, &preliminary], today());
    assert_eq!(imported.document["symptoms"], json!({ "back_pain": 5, "leg_pain": 7 }));
    let unmapped: Vec<&str> = imported.unmapped.iter().map(|u| u.resource.as_str()).collect();
    assert_eq!(unmapped, ["Observation/o4", "Observation/o5", "Observation/o6"]);
    assert_eq!(imported.sources.iter().filter(|s| s.path == "symptoms.back_pain").count(), 1);
}

#[test]
fn malformed_resources_are_reported_not_fatal() {
    let empty_code = json!({ "resourceType": "Condition", "id": "x", "code": [] });
    let bad_date =
        json!({ "resourceType": "Patient", "id": "p", "birthDate": "1979", "gender": "robot" });
    let other = json!({ "resourceType": "Medication", "id": "m" });
    let imported = import(&[&empty_code, &bad_date, &other], today());
    let reasons: Vec<&str> = imported.unmapped.iter().map(|u| u.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "no ICD-10-CM or SNOMED CT code",
            "birthDate is not a full date (YYYY-MM-DD)",
            "no gender: the sex is needed",
            "a resource type the assessment does not read"
        ]
    );
    let wrong_type = json!({ "resourceType": "Observation", "id": "o", "status": 7 });
    let reason = &import(&[&wrong_type], today()).unmapped[0].reason;
    assert!(reason.starts_with("not a valid R4 Observation"), "{reason}");
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "Patient",
            "Condition",
            "Observation",
            "Bundle",
            "M51.16",
            "C50",
            "final",
            "active",
            "http://loinc.org",
            "72514-3",
            "1979-04-15",
            ""
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "resourceType",
                    "entry",
                    "resource",
                    "code",
                    "coding",
                    "system",
                    "clinicalStatus",
                    "birthDate",
                    "gender",
                    "valueInteger",
                    "onsetDateTime",
                    "status",
                    "id"
                ]),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    /// Whatever the EHR sends, the import answers (no panic), and it never sets a field to
    /// false or none: only presence is read, never absence.
    #[test]
    fn hostile_input_never_panics_and_never_denies(value in arbitrary_json()) {
        let resources = resources_of(&value);
        let imported = import(&resources, today());
        for (section, fields) in imported.document.as_object().into_iter().flatten() {
            if section == "diagnoses" { continue; }
            for (field, value) in fields.as_object().into_iter().flatten() {
                prop_assert!(value != &json!(false) && value != &json!("none"), "{section}.{field} = {value}");
            }
        }
    }
}
