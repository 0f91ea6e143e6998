//! The self-assessment's questions, step by step, each mapped to the field of the assessment
//! contract it answers (`red_flags.fever`, `history.decompression`, …). The words of every
//! question and answer are in the locale files (`question.<name>`, `hint.<name>`,
//! `choice.<list>.<code>`); the questionnaires' items are in the instrument files.
//!
//! What a patient cannot answer (the examination, most imaging findings) is not asked: the
//! engine lists it as missing, and the result page says a clinician completes it.

use discpath_model::vocabulary::{
    DIAGNOSIS_CODES, ODI_ITEMS, OSTEOPOROSIS, SEX, START_BACK_ITEMS, THERAPY_HISTORY,
};

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Yes or no, both required: a red-flag question.
    YesNo,
    /// Yes, no or "I'm not sure" (left unanswered, so a clinician asks).
    YesNoUnsure,
    /// A whole number in a range, typed.
    Whole { min: u16, max: u16 },
    /// A pain rating, 0 to 10.
    Scale,
    /// One code of a list (the locale words it as `choice.<list>.<code>`), optionally with
    /// "I'm not sure".
    Choice { list: &'static str, codes: &'static [&'static str], unsure: bool },
    /// The diagnoses the patient was told, any number, or "I don't know".
    Diagnoses,
    /// One ODI section (0-based), six statements, may be skipped.
    Odi(usize),
    /// One STarT Back item (0-based): agree or disagree, or the five answers of item 9.
    StartBack(usize),
}

/// One question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Question {
    /// Its form field and answer key: the contract path for a scalar (`symptoms.leg_pain`),
    /// `diagnoses`, `diagnoses_confirmed`, `odi.1`…`odi.10`, `start_back.1`…`start_back.9`.
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// Whether the step cannot go on without it.
    pub required: bool,
    /// Asked only when this other answer has this value (`patient.sex` = `female`).
    pub only_if: Option<(&'static str, &'static str)>,
}

/// One step: a page of questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    /// Its id (`red-flags`), the locale's `step.<id>.title` and `step.<id>.intro`.
    pub id: &'static str,
    /// Its questions, in page order.
    pub questions: &'static [Question],
    /// The step may be skipped whole (a questionnaire scored only when complete): its required
    /// questions are required only once one of them is answered.
    pub all_or_none: bool,
}

const fn q(name: &'static str, kind: Kind, required: bool) -> Question {
    Question { name, kind, required, only_if: None }
}

const fn yes_no(name: &'static str) -> Question {
    q(name, Kind::YesNo, true)
}

const fn unsure(name: &'static str) -> Question {
    q(name, Kind::YesNoUnsure, true)
}

const HISTORY: Kind = Kind::Choice { list: "history", codes: THERAPY_HISTORY, unsure: false };

/// The ODI's sections as questions.
const ODI: [Question; ODI_ITEMS] = {
    const NAMES: [&str; ODI_ITEMS] =
        ["odi.1", "odi.2", "odi.3", "odi.4", "odi.5", "odi.6", "odi.7", "odi.8", "odi.9", "odi.10"];
    let mut out = [q("", Kind::Odi(0), false); ODI_ITEMS];
    let mut i = 0;
    while i < ODI_ITEMS {
        out[i] = q(NAMES[i], Kind::Odi(i), false);
        i += 1;
    }
    out
};

/// The STarT Back items as questions (all nine are needed to score it).
const START_BACK: [Question; START_BACK_ITEMS] = {
    const NAMES: [&str; START_BACK_ITEMS] = [
        "start_back.1",
        "start_back.2",
        "start_back.3",
        "start_back.4",
        "start_back.5",
        "start_back.6",
        "start_back.7",
        "start_back.8",
        "start_back.9",
    ];
    let mut out = [q("", Kind::StartBack(0), true); START_BACK_ITEMS];
    let mut i = 0;
    while i < START_BACK_ITEMS {
        out[i] = q(NAMES[i], Kind::StartBack(i), true);
        i += 1;
    }
    out
};

/// The steps, in order: the red-flag questions first, then what the decision needs.
pub(crate) const STEPS: &[Step] = &[
    Step {
        id: "red-flags",
        all_or_none: false,
        questions: &[
            yes_no("red_flags.saddle_anesthesia"),
            yes_no("red_flags.bladder_dysfunction"),
            yes_no("red_flags.bowel_dysfunction"),
            yes_no("red_flags.sexual_dysfunction"),
            yes_no("red_flags.bilateral_leg_symptoms"),
            yes_no("red_flags.progressive_weakness"),
            yes_no("red_flags.major_trauma"),
            yes_no("red_flags.fever"),
            yes_no("red_flags.sudden_severe_pain"),
            yes_no("red_flags.cancer_history"),
            yes_no("red_flags.unexplained_weight_loss"),
            yes_no("red_flags.iv_drug_use"),
            yes_no("red_flags.immunosuppression"),
            yes_no("red_flags.prolonged_steroid_use"),
            yes_no("red_flags.night_pain"),
        ],
    },
    Step {
        id: "symptoms",
        all_or_none: false,
        questions: &[
            q("patient.age", Kind::Whole { min: 18, max: 120 }, true),
            q("patient.sex", Kind::Choice { list: "sex", codes: SEX, unsure: false }, true),
            q("symptoms.duration_weeks", Kind::Whole { min: 0, max: 5200 }, true),
            q("symptoms.back_pain", Kind::Scale, true),
            q("symptoms.leg_pain", Kind::Scale, true),
            yes_no("symptoms.pain_below_knee"),
            q("work.manual", Kind::YesNo, false),
        ],
    },
    Step {
        id: "diagnosis",
        all_or_none: false,
        questions: &[
            q("diagnoses", Kind::Diagnoses, true),
            q(
                "diagnoses_confirmed",
                Kind::Choice { list: "confirmed", codes: &["yes", "no"], unsure: false },
                false,
            ),
        ],
    },
    Step {
        id: "health",
        all_or_none: false,
        questions: &[
            Question { only_if: Some(("patient.sex", "female")), ..unsure("conditions.pregnancy") },
            q(
                "conditions.osteoporosis",
                Kind::Choice { list: "osteoporosis", codes: OSTEOPOROSIS, unsure: true },
                true,
            ),
            unsure("conditions.vertebral_fracture"),
            unsure("conditions.spinal_hardware"),
            unsure("conditions.recent_spine_surgery"),
            unsure("conditions.spinal_tumor"),
            unsure("conditions.spinal_infection"),
            unsure("conditions.aortic_aneurysm"),
            unsure("conditions.inflammatory_arthritis"),
            unsure("conditions.spinal_instability"),
            unsure("conditions.cord_or_cauda_compression"),
            unsure("conditions.severe_cardiorespiratory_disease"),
            unsure("conditions.anticoagulation"),
            unsure("conditions.recent_epidural_injection"),
            unsure("conditions.hiatal_hernia"),
            unsure("conditions.claustrophobia"),
        ],
    },
    Step {
        id: "treatments",
        all_or_none: false,
        questions: &[
            q("history.physical_therapy", HISTORY, true),
            q("history.decompression", HISTORY, true),
        ],
    },
    Step { id: "odi", questions: &ODI, all_or_none: false },
    Step { id: "start-back", questions: &START_BACK, all_or_none: true },
];

impl Step {
    /// Whether the step is a questionnaire, its items the instrument's words.
    pub(crate) fn is_questionnaire(&self) -> bool {
        self.questions.iter().any(|q| matches!(q.kind, Kind::Odi(_) | Kind::StartBack(_)))
    }
}

/// The step with this id.
pub(crate) fn step(id: &str) -> Option<(usize, &'static Step)> {
    STEPS.iter().enumerate().find(|(_, step)| step.id == id)
}

/// The codes a question accepts, in page order (an empty list for typed answers).
pub(crate) fn codes(kind: Kind) -> &'static [&'static str] {
    const YES_NO: &[&str] = &["yes", "no"];
    const YES_NO_UNSURE: &[&str] = &["yes", "no", "unsure"];
    const SCALE: &[&str] = &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
    const ODI_OPTIONS: &[&str] = &["0", "1", "2", "3", "4", "5"];
    const AGREE: &[&str] = &["1", "0"];
    const BOTHER: &[&str] = &["0", "1", "2", "3", "4"];
    match kind {
        Kind::YesNo => YES_NO,
        Kind::YesNoUnsure => YES_NO_UNSURE,
        Kind::Whole { .. } => &[],
        Kind::Scale => SCALE,
        Kind::Choice { codes, .. } => codes,
        Kind::Diagnoses => DIAGNOSIS_CODES,
        Kind::Odi(_) => ODI_OPTIONS,
        Kind::StartBack(item) if item + 1 == START_BACK_ITEMS => BOTHER,
        Kind::StartBack(_) => AGREE,
    }
}

/// The answer that stands for "I'm not sure" or "I don't know": the question stays unanswered.
pub(crate) const UNSURE: &str = "unsure";

/// Every question of every step.
pub(crate) fn all() -> impl Iterator<Item = &'static Question> {
    STEPS.iter().flat_map(|step| step.questions.iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use discpath_model::vocabulary::FIELDS;

    #[test]
    fn every_scalar_question_answers_a_field_of_the_contract() {
        for question in all() {
            let special = question.name.starts_with("diagnoses")
                || question.name.starts_with("odi.")
                || question.name.starts_with("start_back.");
            assert!(
                special || FIELDS.iter().any(|field| field.path == question.name),
                "{} is not a field",
                question.name
            );
        }
    }

    #[test]
    fn names_are_unique_and_red_flags_come_first() {
        let mut names: Vec<&str> = all().map(|q| q.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
        assert!(STEPS[0].questions.iter().all(|q| q.name.starts_with("red_flags.")));
        // Every red flag a patient can tell (not the examination's pulsating mass) is asked.
        let asked = FIELDS
            .iter()
            .filter(|f| f.section == "red_flags" && f.name != "pulsatile_abdominal_mass")
            .count();
        assert_eq!(STEPS[0].questions.len(), asked);
    }
}
