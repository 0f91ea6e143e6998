mod golden;
mod properties;
mod schedule;
mod scoring;

use discpath_kb::KnowledgeBase;
use std::sync::LazyLock;

/// The built-in knowledge base, loaded once for all tests.
pub(crate) static KB: LazyLock<KnowledgeBase> =
    LazyLock::new(|| discpath_kb::load_embedded().expect("the built-in knowledge base loads"));

/// A complete, unremarkable document (confirmed herniation, full screens, no history) that
/// tests modify.
pub(crate) fn base_document() -> serde_json::Value {
    serde_json::json!({
        "patient": { "age": 46, "sex": "female" },
        "symptoms": { "duration_weeks": 14, "back_pain": 6, "leg_pain": 7, "pain_below_knee": true },
        "red_flags": {
            "saddle_anesthesia": false, "bladder_dysfunction": false, "bowel_dysfunction": false,
            "progressive_weakness": false, "cancer_history": false, "unexplained_weight_loss": false,
            "fever": false, "major_trauma": false
        },
        "exam": { "neurological_deficit": "none" },
        "diagnoses": [ { "code": "disc_herniation", "confirmed_by_imaging": true } ],
        "conditions": { "pregnancy": false, "osteoporosis": "none", "spinal_hardware": false,
                        "vertebral_fracture": false },
        "work": { "manual": false },
        "questionnaires": { "fabq_work": 14 },
        "plan": { "start_date": "2027-01-04" }
    })
}

/// Evaluates a JSON document and returns the recommendation as JSON.
#[track_caller]
pub(crate) fn evaluate(doc: &serde_json::Value) -> serde_json::Value {
    let doc = discpath_model::from_value(doc).unwrap_or_else(|e| panic!("{e}"));
    serde_json::to_value(crate::assess(&KB, &doc)).unwrap()
}
