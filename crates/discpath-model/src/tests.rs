use serde_json::json;

use crate::vocabulary::{FIELDS, Origin, ValueType};
use crate::{FactId, Scalar, parse};

fn minimal() -> serde_json::Value {
    json!({
        "patient": { "age": 47, "sex": "female" },
        "symptoms": { "duration_weeks": 30 }
    })
}

#[track_caller]
fn errors(doc: &serde_json::Value) -> Vec<String> {
    match parse(&doc.to_string()) {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn minimal_document_is_valid() {
    let doc = parse(&minimal().to_string()).unwrap();
    assert_eq!(doc.fact(FactId::lookup("patient.age").unwrap()), Some(Scalar::Int(47)));
    // An absent history reads as `none`; an absent red flag reads as not asked.
    assert_eq!(
        doc.fact(FactId::lookup("history.physical_therapy").unwrap()),
        Some(Scalar::Enum(0))
    );
    assert_eq!(doc.fact(FactId::lookup("red_flags.fever").unwrap()), None);
    assert!(!doc.answers(FactId::lookup("history.physical_therapy").unwrap()));
}

#[test]
fn out_of_range_item_names_the_path() {
    let mut doc = minimal();
    doc["questionnaires"] = json!({ "odi": [1, 1, 1, 7, 1, 1, 1, 1, 1, null] });
    assert_eq!(errors(&doc), ["questionnaires.odi[3]: 7 is outside 0..=5"]);
}

#[test]
fn every_error_is_reported_at_once() {
    let doc = json!({
        "patient": { "age": 12, "sex": "robot" },
        "symptoms": { "duration_weeks": -1, "back_pain": 11 },
        "red_flags": { "saddle_anaesthesia": true, "fever": "no" },
        "questionnaires": { "start_back": [0, 0, 0, 0, 0, 0, 0, 2, 5], "fabq_work": 43 },
        "plan": { "start_date": "2026-02-30" },
        "extra": 1
    });
    assert_eq!(
        errors(&doc),
        [
            "extra: unknown field",
            "patient.age: 12 is outside 18..=120",
            "patient.sex: \"robot\" is not one of female, male, other, unknown",
            "plan.start_date: \"2026-02-30\" is not a valid ISO date (YYYY-MM-DD)",
            "questionnaires.fabq_work: 43 is outside 0..=42",
            "questionnaires.start_back[7]: 2 is outside 0..=1",
            "questionnaires.start_back[8]: 5 is outside 0..=4",
            "red_flags.fever: expected true or false, found \"no\"",
            "red_flags.saddle_anaesthesia: unknown field (did you mean saddle_anesthesia?)",
            "symptoms.back_pain: 11 is outside 0..=10",
            "symptoms.duration_weeks: -1 is outside 0..",
        ]
    );
}

#[test]
fn missing_required_fields_are_named() {
    assert_eq!(errors(&json!({})), ["patient: required", "symptoms: required"]);
    assert_eq!(
        errors(&json!({ "patient": {}, "symptoms": {}, "diagnoses": [{}] })),
        [
            "diagnoses[0].code: required",
            "diagnoses[0].confirmed_by_imaging: required",
            "patient.age: required",
            "patient.sex: required",
            "symptoms.duration_weeks: required",
        ]
    );
}

#[test]
fn wrong_shapes_are_errors_not_panics() {
    for doc in [json!(null), json!([]), json!("x"), json!(3)] {
        assert_eq!(errors(&doc).len(), 1, "{doc}");
    }
    let mut doc = minimal();
    doc["questionnaires"] = json!({ "odi": [1, 2, 3] });
    doc["diagnoses"] = json!({ "code": "disc_bulge" });
    doc["exam"] = json!([]);
    assert_eq!(
        errors(&doc),
        [
            "diagnoses: expected an array, found an object",
            "exam: expected an object, found an array",
            "questionnaires.odi: expected 10 items, found 3",
        ]
    );
}

#[test]
fn null_is_not_an_answer() {
    let mut doc = minimal();
    doc["symptoms"]["back_pain"] = json!(null);
    assert_eq!(errors(&doc), ["symptoms.back_pain: expected an integer in 0..=10, found null"]);
}

#[test]
fn integers_accept_whole_floats_but_not_fractions() {
    let mut doc = minimal();
    doc["patient"]["age"] = json!(47.0);
    assert!(errors(&doc).is_empty());
    doc["patient"]["age"] = json!(47.5);
    assert_eq!(errors(&doc), ["patient.age: expected an integer in 18..=120, found 47.5"]);
}

#[test]
fn invalid_json_is_one_error() {
    let invalid = parse("{\"patient\": ").unwrap_err();
    assert_eq!(invalid.errors.len(), 1);
    assert!(invalid.to_string().starts_with("invalid assessment: not valid JSON"), "{invalid}");
}

#[test]
fn derived_scores_are_not_accepted_as_input() {
    let mut doc = minimal();
    doc["scores"] = json!({ "odi_percent": 10 });
    assert_eq!(errors(&doc), ["scores: unknown field"]);
}

#[test]
fn start_date_range_is_enforced() {
    let mut doc = minimal();
    doc["plan"] = json!({ "start_date": "1800-01-01" });
    assert_eq!(
        errors(&doc),
        ["plan.start_date: \"1800-01-01\" is outside 1900-01-01..=2999-12-31"]
    );
    doc["plan"] = json!({ "start_date": "2026-12-07T00:00:00" });
    assert_eq!(
        errors(&doc),
        ["plan.start_date: \"2026-12-07T00:00:00\" is not a valid ISO date (YYYY-MM-DD)"]
    );
}

/// The vocabulary mirrors `assessment.schema.json` exactly: same sections, same fields, same
/// types and ranges, same required lists, and each field's description is the contract's wording.
#[test]
fn vocabulary_matches_the_json_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../spec/assessment.schema.json")).unwrap();
    let sections = schema["properties"].as_object().unwrap();
    let mut checked = 0;
    for field in FIELDS.iter().filter(|f| f.origin == Origin::Input) {
        let section = &sections[field.section];
        let property = &section["properties"][field.name];
        assert!(property.is_object(), "{} is not in the schema", field.path);
        let required =
            section["required"].as_array().is_some_and(|r| r.iter().any(|name| name == field.name));
        assert_eq!(required, field.required, "{}: required", field.path);
        assert_eq!(property["description"], field.wording, "{}: description", field.path);
        match field.ty {
            ValueType::Bool => assert_eq!(property["type"], "boolean", "{}", field.path),
            ValueType::Integer { min, max } => {
                assert_eq!(property["type"], "integer", "{}", field.path);
                assert_eq!(property["minimum"], min, "{}", field.path);
                assert_eq!(property["maximum"], max, "{}", field.path);
            }
            ValueType::Number { min, max } => {
                assert_eq!(property["type"], "number", "{}", field.path);
                assert_eq!(property["minimum"].as_f64(), Some(min), "{}", field.path);
                assert_eq!(property["maximum"].as_f64(), max, "{}", field.path);
            }
            ValueType::Enum(codes) => {
                let listed: Vec<&str> = property["enum"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                assert_eq!(listed, codes, "{}", field.path);
            }
        }
        checked += 1;
    }
    // Every scalar property of the schema is in the vocabulary (arrays and the date are special).
    let special =
        ["questionnaires.odi", "questionnaires.start_back", "plan.start_date", "plan.closed_dates"];
    assert_eq!(
        sections["plan"]["properties"]["closed_dates"]["maxItems"],
        crate::parse::MAX_CLOSED_DATES
    );
    let mut in_schema = 0;
    for (name, section) in sections {
        if let Some(properties) = section["properties"].as_object() {
            in_schema += properties
                .keys()
                .filter(|key| !special.contains(&format!("{name}.{key}").as_str()))
                .count();
        }
    }
    assert_eq!(checked, in_schema);
    let codes: Vec<&str> = sections["diagnoses"]["items"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes, crate::vocabulary::DIAGNOSIS_CODES);
}

/// Every code a report may print has plain words: each diagnosis code a label, and each enum
/// value that is not a plain word (it has an underscore) an entry in `VALUE_LABELS` (point 34).
#[test]
fn every_code_has_plain_words() {
    use crate::vocabulary::{DIAGNOSIS_CODES, FIELDS, ValueType, diagnosis_label, value_label};
    for code in DIAGNOSIS_CODES {
        let label = diagnosis_label(code).unwrap();
        assert!(!label.contains('_') && label.len() > 3, "{code}: {label}");
    }
    for field in FIELDS {
        if let ValueType::Enum(codes) = field.ty {
            for code in codes {
                assert!(
                    !value_label(code).contains('_'),
                    "{}: {code} has no plain words",
                    field.path
                );
            }
        }
    }
}

#[test]
fn follow_up_answers_are_validated_like_a_document() {
    let ok = crate::parse_follow_up(
        r#"{"label": "6 weeks", "questionnaires": {"odi": [1,1,1,1,1,1,1,1,1,null], "fabq_work": 10}, "pain": {"back": 3}}"#,
    )
    .unwrap();
    assert_eq!(ok.label, "6 weeks");
    assert_eq!(ok.answers.fact(crate::vocabulary::BACK_PAIN), Some(Scalar::Int(3)));
    assert_eq!(ok.answers.odi().unwrap()[9], None);
    let invalid = crate::parse_follow_up(
        r#"{"questionnaires": {"odi": [9]}, "pain": {"back": 11, "arm": 2}}"#,
    )
    .unwrap_err();
    let errors: Vec<String> = invalid.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "label: required",
            "pain.arm: unknown field",
            "pain.back: 11 is outside 0..=10",
            "questionnaires.odi: expected 10 items, found 1",
            "questionnaires.odi[0]: 9 is outside 0..=5",
        ]
    );
}

#[test]
fn a_follow_up_may_carry_the_global_impression_of_change() {
    let ok = crate::parse_follow_up(r#"{"label": "6 months", "global_change": "much_improved"}"#)
        .unwrap();
    assert_eq!(ok.global_change, Some("much_improved"));
    assert_eq!(crate::parse_follow_up(r#"{"label": "6 weeks"}"#).unwrap().global_change, None);
    let invalid =
        crate::parse_follow_up(r#"{"label": "6 weeks", "global_change": "better"}"#).unwrap_err();
    assert_eq!(invalid.errors[0].path, "global_change");
    assert!(invalid.errors[0].message.contains("very_much_improved"), "{}", invalid.errors[0]);
}

#[test]
fn closed_dates_are_validated_sorted_and_deduplicated() {
    let mut doc = minimal();
    doc["plan"] = json!({ "start_date": "2027-01-04", "closed_dates": ["2027-01-08", "2027-01-05", "2027-01-08"] });
    let parsed = crate::from_value(&doc).unwrap();
    let closed: Vec<String> = parsed.closed_dates().iter().map(ToString::to_string).collect();
    assert_eq!(closed, ["2027-01-05", "2027-01-08"]);
    doc["plan"] = json!({ "closed_dates": ["2027-13-01", 5, "3001-01-01"], "holidays": [] });
    assert_eq!(
        errors(&doc),
        [
            "plan.closed_dates[0]: \"2027-13-01\" is not a valid ISO date (YYYY-MM-DD)",
            "plan.closed_dates[1]: expected an ISO date (YYYY-MM-DD), found 5",
            "plan.closed_dates[2]: \"3001-01-01\" is outside 1900-01-01..=2999-12-31",
            "plan.holidays: unknown field",
        ]
    );
    doc["plan"] = json!({ "closed_dates": vec!["2027-01-05"; crate::parse::MAX_CLOSED_DATES + 1] });
    assert_eq!(errors(&doc), ["plan.closed_dates: at most 1000 dates, found 1001"]);
}

#[track_caller]
fn partial_errors(doc: &serde_json::Value) -> Vec<String> {
    match crate::parse_partial(&doc.to_string()) {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn a_partial_document_with_only_red_flag_answers_parses() {
    let doc = json!({ "red_flags": { "cancer_history": true, "fever": false } });
    assert_eq!(errors(&doc), ["patient: required", "symptoms: required"]);
    let parsed = crate::parse_partial(&doc.to_string()).unwrap();
    let fact = |path| parsed.fact(FactId::lookup(path).unwrap());
    assert_eq!(fact("red_flags.cancer_history"), Some(Scalar::Bool(true)));
    assert_eq!(fact("red_flags.fever"), Some(Scalar::Bool(false)));
    // Everything else is unanswered, the required fields too.
    assert_eq!(fact("patient.age"), None);
    assert_eq!(fact("symptoms.duration_weeks"), None);
    assert!(!parsed.answers_diagnoses());
    // An empty document is a valid partial one; so are sections without their required fields.
    assert_eq!(partial_errors(&json!({})), Vec::<String>::new());
    assert_eq!(
        partial_errors(&json!({ "patient": {}, "symptoms": { "leg_pain": 3 } })),
        Vec::<String>::new()
    );
}

#[test]
fn a_partial_document_is_validated_like_a_complete_one() {
    let doc = json!({
        "patient": { "age": "forty" },
        "red_flags": { "cancer_history": "yes", "saddle_anaesthesia": true },
        "symptoms": { "leg_pain": 11 },
        "questionnaires": { "odi": [1, 2] },
        "conditions": { "osteoporosis": "brittle" },
        "extra": {}
    });
    assert_eq!(
        partial_errors(&doc),
        [
            "conditions.osteoporosis: \"brittle\" is not one of none, osteopenia, osteoporosis, severe",
            "extra: unknown field",
            "patient.age: expected an integer in 18..=120, found \"forty\"",
            "questionnaires.odi: expected 10 items, found 2",
            "red_flags.cancer_history: expected true or false, found \"yes\"",
            "red_flags.saddle_anaesthesia: unknown field (did you mean saddle_anesthesia?)",
            "symptoms.leg_pain: 11 is outside 0..=10",
        ]
    );
    // The same errors as a complete document has, less the required ones.
    let complete: Vec<String> =
        errors(&doc).into_iter().filter(|e| !e.ends_with(": required")).collect();
    assert_eq!(partial_errors(&doc), complete);
    // A given answer must be whole: a diagnosis needs its code and confirmation.
    assert_eq!(
        partial_errors(&json!({ "diagnoses": [{ "code": "radiculopathy" }] })),
        ["diagnoses[0].confirmed_by_imaging: required"]
    );
    assert_eq!(partial_errors(&json!([])), ["expected a JSON object, found an array"]);
    assert_eq!(
        partial_errors(&json!({ "red_flags": [] })),
        ["red_flags: expected an object, found an array"]
    );
    let from_value = crate::from_value_partial(&json!({ "exam": { "neurological_deficit": 1 } }));
    assert_eq!(
        from_value.unwrap_err().errors[0].to_string(),
        "exam.neurological_deficit: expected one of none, stable, progressive, found 1"
    );
}

#[test]
fn a_complete_document_parses_to_the_same_assessment_either_way() {
    let mut doc = minimal();
    doc["symptoms"]["leg_pain"] = json!(6);
    doc["red_flags"] = json!({ "night_pain": true });
    doc["diagnoses"] = json!([{ "code": "disc_herniation", "confirmed_by_imaging": true }]);
    doc["questionnaires"] = json!({ "odi": [1, 2, 3, 2, 1, null, 2, 1, 0, 1], "start_back": [1, 0, 1, 1, 0, 1, 0, 0, 2] });
    doc["plan"] = json!({ "start_date": "2027-01-04", "closed_dates": ["2027-01-18"] });
    for doc in [minimal(), doc] {
        let text = doc.to_string();
        let complete = parse(&text).unwrap();
        assert_eq!(crate::parse_partial(&text).unwrap(), complete);
        assert_eq!(crate::from_value_partial(&doc).unwrap(), complete);
        assert_eq!(crate::from_value(&doc).unwrap(), complete);
    }
    // Whether the diagnoses were given is kept: an empty list is an answer.
    assert!(parse(&json!({ "diagnoses": [] }).to_string()).is_err());
    assert!(
        crate::parse_partial(&json!({ "diagnoses": [] }).to_string()).unwrap().answers_diagnoses()
    );
}
