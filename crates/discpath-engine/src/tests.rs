mod golden;
mod properties;
mod schedule;
mod scoring;
mod screening;

use discpath_kb::KnowledgeBase;
use std::sync::LazyLock;

/// The built-in knowledge base, loaded once for all tests.
pub(crate) static KB: LazyLock<KnowledgeBase> =
    LazyLock::new(|| discpath_kb::load_embedded().expect("the built-in knowledge base loads"));

/// A complete, unremarkable document (confirmed herniation, both minimum screens answered,
/// medium STarT Back risk, no history) that tests modify.
pub(crate) fn base_document() -> serde_json::Value {
    serde_json::json!({
        "patient": { "age": 46, "sex": "female" },
        "symptoms": { "duration_weeks": 14, "back_pain": 6, "leg_pain": 7, "pain_below_knee": true },
        "red_flags": {
            "saddle_anesthesia": false, "bladder_dysfunction": false, "bowel_dysfunction": false,
            "sexual_dysfunction": false, "bilateral_leg_symptoms": false,
            "progressive_weakness": false, "major_trauma": false, "cancer_history": false,
            "unexplained_weight_loss": false, "fever": false, "sudden_severe_pain": false,
            "iv_drug_use": false, "immunosuppression": false, "prolonged_steroid_use": false
        },
        "exam": { "neurological_deficit": "none" },
        "diagnoses": [ { "code": "disc_herniation", "confirmed_by_imaging": true } ],
        "conditions": {
            "pregnancy": false, "osteoporosis": "none", "spinal_hardware": false,
            "vertebral_fracture": false, "spinal_tumor": false, "spinal_infection": false,
            "aortic_aneurysm": false, "inflammatory_arthritis": false,
            "recent_spine_surgery": false, "spinal_instability": false,
            "severe_cardiorespiratory_disease": false, "cord_or_cauda_compression": false
        },
        "work": { "manual": false },
        "questionnaires": { "fabq_work": 14, "start_back": [1, 0, 1, 1, 0, 1, 0, 0, 2] },
        "plan": { "start_date": "2027-01-04" }
    })
}

/// Evaluates a JSON document and returns the recommendation as JSON.
#[track_caller]
pub(crate) fn evaluate(doc: &serde_json::Value) -> serde_json::Value {
    let doc = discpath_model::from_value(doc).unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_value(crate::assess(&KB, &doc)).unwrap()
}
