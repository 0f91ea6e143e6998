//! The clinical vignettes: every one must pass.

use std::path::{Path, PathBuf};

use crate::tests::{KB, base_document, evaluate};
use crate::vignette::{self, Vignette};

fn vignette_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kb/vignettes")
}

fn vignette_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_vignette_passes() {
    let files = vignette_files(&vignette_dir());
    assert_eq!(files.len(), 20, "the 20 clinical vignettes are in kb/vignettes");
    let mut failures = Vec::new();
    for file in &files {
        let vignette: Vignette =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let differences = vignette::check(&KB, &vignette);
        if !differences.is_empty() {
            let lines: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
            failures.push(format!("{}:\n{}", vignette.name, lines.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vignettes fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// The repository's copy of the vignettes is the shared one, unchanged (when the shared folder
/// is beside the checkout, as on the team's machines).
#[test]
fn vignettes_are_the_shared_ones() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vignettes");
    if !shared.is_dir() {
        return;
    }
    let ours = vignette_files(&vignette_dir());
    let theirs = vignette_files(&shared);
    assert_eq!(ours.len(), theirs.len());
    for (ours, theirs) in ours.iter().zip(&theirs) {
        assert_eq!(ours.file_name(), theirs.file_name());
        assert_eq!(
            std::fs::read(ours).unwrap(),
            std::fs::read(theirs).unwrap(),
            "{}",
            ours.display()
        );
    }
}

/// The vignette check catches a difference (it is not vacuous).
#[test]
fn a_wrong_expectation_is_reported_with_its_path() {
    let vignette = Vignette {
        name: "smoke".to_owned(),
        description: "inline".to_owned(),
        input: base_document(),
        expect: serde_json::json!({
            "pathway": "physical_therapy",
            "scores": { "fabq_work": 15 },
            "missing": ["odi"]
        }),
    };
    let differences: Vec<String> =
        vignette::check(&KB, &vignette).iter().map(ToString::to_string).collect();
    assert_eq!(
        differences,
        [
            "missing: expected [\"odi\"], got []",
            "pathway: expected \"physical_therapy\", got \"decompression_then_pt\"",
            "scores.fabq_work: expected 15, got 14",
        ]
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let doc = discpath_model::from_value(&base_document()).unwrap();
    let first = serde_json::to_string(&crate::assess(&KB, &doc)).unwrap();
    for _ in 0..3 {
        assert_eq!(serde_json::to_string(&crate::assess(&KB, &doc)).unwrap(), first);
    }
}

#[test]
fn rationale_explains_the_deciding_rule_with_its_inputs() {
    let rec = evaluate(&base_document());
    assert_eq!(rec["decided_by"], "pathway.structural.sequence");
    let entry = rec["rationale"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rule"] == "pathway.structural.sequence")
        .unwrap();
    assert_eq!(entry["inputs"]["diagnoses"], serde_json::json!(["disc_herniation"]));
    assert_eq!(entry["sources"], serde_json::json!(["clinic pathway"]));
    assert_eq!(entry["certainty"], "low");
    assert!(!entry["statement"].as_str().unwrap().is_empty());
    // The evidence for both recommended therapies is in the rationale, with provenance.
    let evidence: Vec<&str> = rec["rationale"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e.get("provenance").is_some())
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert!(evidence.contains(&"evidence.decompression.clinic_cohort"), "{evidence:?}");
    assert!(evidence.contains(&"evidence.decompression.nice_ng59"), "{evidence:?}");
    assert!(evidence.contains(&"evidence.physical_therapy.guidelines"), "{evidence:?}");
    assert!(!evidence.iter().any(|e| e.starts_with("evidence.biologic")), "{evidence:?}");
    assert_eq!(rec["kb"]["hash"], serde_json::json!(KB.hash));
}

#[test]
fn unexamined_neurology_is_a_note_not_missing() {
    let mut doc = base_document();
    doc.as_object_mut().unwrap().remove("exam");
    let rec = evaluate(&doc);
    assert_eq!(rec["missing"], serde_json::json!([]));
    let rules: Vec<&str> =
        rec["rationale"].as_array().unwrap().iter().map(|e| e["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"note.neurology_not_examined"), "{rules:?}");
    assert_eq!(
        rec["predictors"]["traction_responder"],
        serde_json::json!({"met": 3, "known": 3, "of": 4})
    );
}

#[test]
fn biologic_repair_exclusions_are_explained() {
    let mut doc = base_document();
    doc["history"] = serde_json::json!({ "physical_therapy": "completed_no_relief", "decompression": "completed_no_relief" });
    doc["imaging"] = serde_json::json!({ "annular_tear": true, "disc_height_loss_percent": 40 });
    doc["symptoms"]["duration_weeks"] = serde_json::json!(52);
    let rec = evaluate(&doc);
    assert_eq!(rec["pathway"], "specialist_evaluation");
    assert_eq!(
        rec["escalation_options"],
        serde_json::json!(["medication_and_injections", "surgical_consultation"])
    );
    let rules: Vec<&str> =
        rec["rationale"].as_array().unwrap().iter().map(|e| e["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"exclusion.biologic_disc_repair.disc_height_loss"), "{rules:?}");
    // Unrecorded exclusion facts do not exclude.
    doc["imaging"] = serde_json::json!({ "annular_tear": true });
    let rec = evaluate(&doc);
    assert_eq!(
        rec["escalation_options"],
        serde_json::json!([
            "biologic_disc_repair_evaluation",
            "medication_and_injections",
            "surgical_consultation"
        ])
    );
}

#[test]
fn a_male_patient_needs_no_pregnancy_answer() {
    let mut doc = base_document();
    doc["patient"]["sex"] = serde_json::json!("male");
    doc["conditions"].as_object_mut().unwrap().remove("pregnancy");
    let rec = evaluate(&doc);
    assert_eq!(rec["pathway"], "decompression_then_pt");
    doc["patient"]["sex"] = serde_json::json!("unknown");
    let rec = evaluate(&doc);
    assert_eq!(rec["pathway"], "clinical_evaluation");
    assert_eq!(rec["missing"], serde_json::json!(["pregnancy"]));
}
