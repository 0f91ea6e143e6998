//! Screening partial documents for red flags: the same rules as `assess`, on the answers given
//! so far.

use discpath_model::{FactId, from_value, from_value_partial};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::tests::KB;
use crate::tests::golden::{vignette_dir, vignette_files};
use crate::tests::properties::document;
use crate::vignette::Vignette;
use crate::{RedFlagScreening, assess, screen_red_flags};

#[track_caller]
fn screen(doc: &Value) -> RedFlagScreening<'static> {
    let parsed = from_value_partial(doc).unwrap_or_else(|e| panic!("{e}"));
    screen_red_flags(&KB, &parsed)
}

fn found(screening: &RedFlagScreening<'static>) -> Vec<&'static str> {
    screening.red_flags.iter().map(|f| f.rule.meta.id.as_str()).collect()
}

fn undecided<'s>(screening: &'s RedFlagScreening<'_>, rule: &str) -> Option<&'s [&'static str]> {
    screening.undecided.iter().find(|u| u.rule.meta.id == rule).map(|u| &u.waiting_for[..])
}

#[test]
fn every_vignette_screens_to_the_red_flags_of_its_recommendation() {
    let files = vignette_files(&vignette_dir());
    assert_eq!(files.len(), 70);
    for file in &files {
        let vignette: Vignette =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let complete = from_value(&vignette.input).unwrap();
        let partial = from_value_partial(&vignette.input).unwrap();
        assert_eq!(
            partial, complete,
            "{}: parsed differently as a partial document",
            vignette.name
        );
        let recommendation = assess(&KB, &complete);
        let screening = screen_red_flags(&KB, &partial);
        assert_eq!(screening.red_flags, recommendation.red_flags, "{}", vignette.name);
        // The JSON lists them exactly as the recommendation does.
        let screened = serde_json::to_value(&screening).unwrap();
        let recommended = serde_json::to_value(&recommendation).unwrap();
        assert_eq!(screened["red_flags"], recommended["red_flags"], "{}", vignette.name);
        assert_eq!(screened["kb"], recommended["kb"], "{}", vignette.name);
        // A flag present is never also undecided.
        for flag in &screening.undecided {
            assert!(!screening.red_flags.iter().any(|f| f.rule == flag.rule), "{}", vignette.name);
        }
    }
}

#[test]
fn cancer_raises_the_emergency_flag_only_once_leg_pain_is_answered() {
    const EMERGENCY: &str = "red_flag.cancer_with_neurological_symptoms";
    let mut doc = json!({ "red_flags": { "cancer_history": true } });
    let screening = screen(&doc);
    // Cancer history alone is the urgent flag; the emergency one waits for the leg symptoms.
    assert_eq!(found(&screening), ["red_flag.cancer_history"]);
    assert_eq!(screening.red_flags[0].tier, "urgent");
    assert_eq!(
        undecided(&screening, EMERGENCY),
        Some(
            &[
                "diagnoses",
                "symptoms.pain_below_knee",
                "symptoms.leg_pain",
                "symptoms.back_pain",
                "red_flags.progressive_weakness",
                "exam.neurological_deficit",
                "exam.severe_motor_weakness",
            ][..]
        )
    );
    let json = serde_json::to_value(&screening).unwrap();
    let entry =
        json["undecided"].as_array().unwrap().iter().find(|u| u["rule"] == EMERGENCY).unwrap();
    assert_eq!(entry["id"], "cancer_with_neurological_symptoms");
    assert_eq!(entry["tier"], "emergency");
    assert_eq!(entry["waiting_for"][1], "symptoms.pain_below_knee");
    assert_eq!(json["red_flags"][0]["id"], "cancer_history");

    // The leg pain answer, at a later step, raises it: first, with its own advice.
    doc["symptoms"] = json!({ "back_pain": 3, "leg_pain": 7 });
    let screening = screen(&doc);
    assert_eq!(found(&screening), [EMERGENCY, "red_flag.cancer_history"]);
    let first = &screening.red_flags[0];
    assert_eq!((first.id, first.tier), ("cancer_with_neurological_symptoms", "emergency"));
    assert!(first.rule.advice.as_str().contains("MSCC"), "{}", first.rule.advice.as_str());
    assert_eq!(undecided(&screening, EMERGENCY), None);
    // So does pain below the knee.
    doc["symptoms"] = json!({ "pain_below_knee": true });
    assert_eq!(found(&screen(&doc)), [EMERGENCY, "red_flag.cancer_history"]);

    // Every input answered and none of them raising it: ruled out, neither present nor waiting.
    doc["symptoms"] = json!({ "back_pain": 6, "leg_pain": 2, "pain_below_knee": false });
    doc["red_flags"]["progressive_weakness"] = json!(false);
    doc["exam"] = json!({ "neurological_deficit": "none", "severe_motor_weakness": "none" });
    assert_eq!(undecided(&screen(&doc), EMERGENCY), Some(&["diagnoses"][..]));
    doc["diagnoses"] = json!([]);
    let screening = screen(&doc);
    assert_eq!(found(&screening), ["red_flag.cancer_history"]);
    assert_eq!(undecided(&screening, EMERGENCY), None);
    // A radiculopathy diagnosis raises it again.
    doc["diagnoses"] = json!([{ "code": "radiculopathy", "confirmed_by_imaging": false }]);
    assert_eq!(found(&screen(&doc)), [EMERGENCY, "red_flag.cancer_history"]);
}

#[test]
fn a_known_aneurysm_with_sudden_pain_is_an_emergency_when_both_are_answered() {
    const ANEURYSM: &str = "red_flag.suspected_symptomatic_aneurysm";
    let mut doc = json!({ "conditions": { "aortic_aneurysm": true } });
    let screening = screen(&doc);
    assert!(screening.red_flags.is_empty());
    assert_eq!(undecided(&screening, ANEURYSM), Some(&["red_flags.sudden_severe_pain"][..]));
    doc["red_flags"] = json!({ "sudden_severe_pain": true });
    let screening = screen(&doc);
    assert_eq!(found(&screening), [ANEURYSM, "red_flag.sudden_severe_pain"]);
    assert_eq!(screening.red_flags[0].tier, "emergency");
    assert!(screening.red_flags[0].rule.advice.as_str().contains("emergency"));
    doc["red_flags"] = json!({ "sudden_severe_pain": false });
    let screening = screen(&doc);
    assert!(screening.red_flags.is_empty());
    assert_eq!(undecided(&screening, ANEURYSM), None);
}

#[test]
fn an_empty_document_raises_nothing_and_leaves_every_flag_undecided() {
    let screening = screen(&json!({}));
    assert!(screening.red_flags.is_empty());
    assert_eq!(screening.undecided.len(), KB.red_flags.len());
    assert!(screening.undecided.iter().all(|u| !u.waiting_for.is_empty()));
    // Most urgent tier first.
    let tiers: Vec<usize> = screening.undecided.iter().map(|u| u.rule.tier).collect();
    assert!(tiers.is_sorted());
    // A caution flag is reported with its tier: the pathway goes on.
    let screening = screen(&json!({ "red_flags": { "night_pain": true } }));
    assert_eq!(found(&screening), ["red_flag.night_pain"]);
    assert_eq!(screening.red_flags[0].tier, "caution");
}

/// Each answer of a document — a scalar field, a questionnaire, the diagnoses list — as
/// (section, key); the diagnoses list is one answer (key `None`).
fn answers(doc: &Map<String, Value>) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for (section, value) in doc {
        match value {
            Value::Object(fields) => {
                out.extend(fields.keys().map(|key| (section.clone(), Some(key.clone()))));
            }
            _ => out.push((section.clone(), None)),
        }
    }
    out
}

/// The document without the answers whose bit is set.
fn without(doc: &Value, drop: &[bool]) -> Value {
    let mut partial = doc.as_object().unwrap().clone();
    for (index, (section, key)) in answers(doc.as_object().unwrap()).into_iter().enumerate() {
        if !drop[index % drop.len()] {
            continue;
        }
        match key {
            Some(key) => {
                partial[&section].as_object_mut().unwrap().remove(&key);
            }
            None => {
                partial.remove(&section);
            }
        }
    }
    Value::Object(partial)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn removing_answers_never_raises_a_flag_the_full_document_does_not_have(
        doc in document(),
        drop in proptest::collection::vec(proptest::bool::weighted(0.4), 1..97),
    ) {
        let full = from_value(&doc).expect("generated documents are valid");
        let recommendation = assess(&KB, &full);
        // On the complete document, screening is assessing.
        prop_assert_eq!(&screen_red_flags(&KB, &full).red_flags, &recommendation.red_flags);

        let partial_doc = without(&doc, &drop);
        let partial = from_value_partial(&partial_doc).expect("a valid document less some answers is a valid partial one");
        let screening = screen_red_flags(&KB, &partial);
        let present = |rule: &discpath_kb::RedFlag| recommendation.red_flags.iter().any(|f| f.rule == rule);
        // Monotone: a flag found on the partial document is found on the full one …
        for flag in &screening.red_flags {
            prop_assert!(present(flag.rule), "{} found on {} but not on {}", flag.rule.meta.id, partial_doc, doc);
        }
        // … and a flag of the full document is already found, or still undecided: never ruled out.
        for flag in &recommendation.red_flags {
            let listed = screening.red_flags.iter().any(|f| f.rule == flag.rule)
                || screening.undecided.iter().any(|u| u.rule == flag.rule);
            prop_assert!(listed, "{} ruled out on {}", flag.rule.meta.id, partial_doc);
        }
        // An undecided rule waits for inputs the partial document does not answer.
        for flag in &screening.undecided {
            prop_assert!(!flag.waiting_for.is_empty());
            for path in &flag.waiting_for {
                let answered = match *path {
                    "diagnoses" => partial.answers_diagnoses(),
                    path => partial.answers(FactId::lookup(path).unwrap()),
                };
                prop_assert!(!answered, "{} waits for {}, which is answered", flag.rule.meta.id, path);
            }
        }
        // Listed in the same order as the recommendation lists its flags.
        let tiers: Vec<usize> = screening.undecided.iter().map(|u| u.rule.tier).collect();
        prop_assert!(tiers.is_sorted());
    }
}
