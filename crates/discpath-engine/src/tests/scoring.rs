//! Scoring edge cases: boundaries, unanswered items, the item-9 cut-off.

use serde_json::{Value, json};

use crate::tests::{base_document, evaluate};

fn with_odi(items: Value) -> Value {
    let mut doc = base_document();
    doc["questionnaires"]["odi"] = items;
    evaluate(&doc)
}

fn with_start_back(items: Value) -> Value {
    let mut doc = base_document();
    doc["questionnaires"]["start_back"] = items;
    evaluate(&doc)
}

#[test]
fn odi_band_boundaries_are_exact() {
    // 10/50 is 20% (20.000000000000004 in floating point) and must band as minimal.
    let rec = with_odi(json!([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
    assert_eq!(rec["scores"]["odi"]["band"], "minimal");
    assert_eq!(rec["scores"]["odi"]["answered"], 10);
    let rec = with_odi(json!([2, 1, 1, 1, 1, 1, 1, 1, 1, 1]));
    assert_eq!(rec["scores"]["odi"]["percent"], 22.0);
    assert_eq!(rec["scores"]["odi"]["band"], "moderate");
    let rec = with_odi(json!([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]));
    assert_eq!(rec["scores"]["odi"]["band"], "moderate", "40% is moderate");
    let rec = with_odi(json!([3, 3, 3, 3, 3, 3, 3, 3, 3, 3]));
    assert_eq!(rec["scores"]["odi"]["band"], "severe", "60% is severe");
    let rec = with_odi(json!([4, 4, 4, 4, 4, 4, 4, 4, 4, 4]));
    assert_eq!(rec["scores"]["odi"]["band"], "crippling", "80% is crippling");
    let rec = with_odi(json!([5, 4, 4, 4, 4, 4, 4, 4, 4, 4]));
    assert_eq!(rec["scores"]["odi"]["band"], "bed_bound", "82% is bed-bound");
    let rec = with_odi(json!([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    assert_eq!(rec["scores"]["odi"]["percent"], 0.0);
    assert_eq!(rec["scores"]["odi"]["band"], "minimal");
    let rec = with_odi(json!([5, 5, 5, 5, 5, 5, 5, 5, 5, 5]));
    assert_eq!(rec["scores"]["odi"]["percent"], 100.0);
}

#[test]
fn odi_unanswered_items_lower_the_denominator() {
    // 16 over 9 answered sections: 16/45 = 35.6%.
    let rec = with_odi(json!([2, 2, 2, 2, 2, 2, 2, 1, 1, null]));
    assert_eq!(rec["scores"]["odi"]["answered"], 9);
    assert_eq!(rec["scores"]["odi"]["percent"], 16.0 / 45.0 * 100.0);
    // Eight answered is enough; seven is not.
    let rec = with_odi(json!([2, 2, 2, 2, 2, 2, 2, 2, null, null]));
    assert_eq!(rec["scores"]["odi"]["answered"], 8);
    assert_eq!(rec["missing"], json!([]));
    let rec = with_odi(json!([2, 2, 2, 2, 2, 2, 2, null, null, null]));
    assert!(rec["scores"].get("odi").is_none());
    assert_eq!(rec["missing"], json!(["odi"]));
    let rec = with_odi(json!([null, null, null, null, null, null, null, null, null, null]));
    assert_eq!(rec["missing"], json!(["odi"]));
}

#[test]
fn an_absent_odi_is_not_missing() {
    let rec = evaluate(&base_document());
    assert!(rec["scores"].get("odi").is_none());
    assert_eq!(rec["missing"], json!([]));
}

#[test]
fn start_back_item_nine_counts_from_very_much() {
    let rec = with_start_back(json!([1, 1, 1, 0, 0, 0, 0, 0, 2]));
    assert_eq!(rec["scores"]["start_back"], json!({"total": 3, "psychosocial": 0, "risk": "low"}));
    let rec = with_start_back(json!([1, 1, 1, 0, 0, 0, 0, 0, 3]));
    assert_eq!(
        rec["scores"]["start_back"],
        json!({"total": 4, "psychosocial": 1, "risk": "medium"})
    );
    let rec = with_start_back(json!([1, 1, 1, 0, 0, 0, 0, 0, 4]));
    assert_eq!(rec["scores"]["start_back"]["total"], 4);
}

#[test]
fn start_back_risk_groups() {
    // Total 3 is low even with a psychosocial score of 3.
    let rec = with_start_back(json!([0, 0, 0, 0, 1, 1, 1, 0, 0]));
    assert_eq!(rec["scores"]["start_back"], json!({"total": 3, "psychosocial": 3, "risk": "low"}));
    // Psychosocial 3 with total 4 is medium; psychosocial 4 is high.
    let rec = with_start_back(json!([1, 0, 0, 0, 1, 1, 1, 0, 0]));
    assert_eq!(rec["scores"]["start_back"]["risk"], "medium");
    let rec = with_start_back(json!([0, 0, 0, 0, 1, 1, 1, 1, 0]));
    assert_eq!(rec["scores"]["start_back"], json!({"total": 4, "psychosocial": 4, "risk": "high"}));
    let rec = with_start_back(json!([1, 1, 1, 1, 1, 1, 1, 1, 4]));
    assert_eq!(rec["scores"]["start_back"], json!({"total": 9, "psychosocial": 5, "risk": "high"}));
}

#[test]
fn high_start_back_risk_makes_physical_therapy_psychologically_informed_and_first() {
    let rec = with_start_back(json!([0, 0, 0, 0, 1, 1, 1, 1, 0]));
    assert_eq!(rec["decided_by"], "pathway.start_back_high.physical_therapy_first");
    let phases = rec["care_plan"]["phases"].as_array().unwrap();
    assert_eq!(phases.len(), 1, "no passive phase before the psychologically informed one");
    assert_eq!(phases[0]["therapy"], "physical_therapy");
    assert_eq!(phases[0]["psychologically_informed"], true);
    let rec = with_start_back(json!([1, 1, 1, 0, 0, 0, 0, 0, 2]));
    let phases = rec["care_plan"]["phases"].as_array().unwrap();
    assert_eq!(phases[0]["therapy"], "decompression");
    assert!(phases[0].get("psychologically_informed").is_none());
    assert_eq!(phases[1]["psychologically_informed"], false);
}

#[test]
fn instruments_used_carry_codes_and_notices() {
    let mut doc = base_document();
    doc["questionnaires"]["odi"] = json!([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    doc["questionnaires"]["start_back"] = json!([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let rec = evaluate(&doc);
    let instruments = rec["instruments"].as_array().unwrap();
    let ids: Vec<&str> = instruments.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["odi", "start_back", "fabq_work", "pain_nrs"]);
    assert_eq!(instruments[0]["loinc"], json!({"panel": "97908-8", "score": "97909-6"}));
    assert!(instruments[0]["notice"].as_str().unwrap().contains("Mapi Research Trust"));
    assert_eq!(instruments[1]["loinc"]["risk"], "91352-5");
    assert!(instruments[1]["notice"].as_str().unwrap().contains("Keele University"));
    assert_eq!(instruments[3]["loinc"], json!({"score": "72514-3"}));
}
