//! The file format: one serde structure per knowledge-base file, exactly as written.
//!
//! Every structure denies unknown fields, so a misspelt key is a load error naming its line.
//! Rule ids are `Spanned` so that later (semantic) errors can name the rule's line too.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::model::{Certainty, ContraindicationClass};

/// `kb.toml`: what the knowledge base is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub name: String,
    pub version: String,
    pub effective_date: String,
    pub title: String,
    pub description: String,
    pub disclaimer: String,
}

/// `sources.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourcesFile {
    pub source: Vec<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    pub id: Spanned<String>,
    pub label: String,
    pub citation: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub doi: Option<String>,
    /// A document of this repository (for the clinic's own pathway, which has no public address).
    #[serde(default)]
    pub document: Option<String>,
}

/// The fields every rule carries, borrowed for checking.
pub(crate) struct RawMeta<'a> {
    pub id: &'a Spanned<String>,
    pub label: &'a str,
    pub statement: &'a str,
    pub sources: &'a [String],
    pub certainty: Certainty,
}

/// Declares a rule structure: its own fields, then the fields every rule carries (`id`, `label`,
/// `statement`, `sources`, `certainty`). Written as a macro because serde cannot combine
/// `flatten` with `deny_unknown_fields`.
macro_rules! rule {
    ($(#[$doc:meta])* $name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            pub id: Spanned<String>,
            /// A short plain label, shown beside the id in reports.
            pub label: String,
            $($(#[$attr])* pub $field: $ty,)*
            pub statement: String,
            pub sources: Vec<String>,
            pub certainty: Certainty,
        }

        impl $name {
            /// The fields every rule carries.
            pub(crate) fn meta(&self) -> RawMeta<'_> {
                RawMeta {
                    id: &self.id,
                    label: &self.label,
                    statement: &self.statement,
                    sources: &self.sources,
                    certainty: self.certainty,
                }
            }
        }
    };
}

/// A condition as written: a table with exactly one kind of test (checked when compiling).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    pub all: Option<Vec<RawCondition>>,
    pub any: Option<Vec<RawCondition>>,
    pub not: Option<Box<RawCondition>>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub always: Option<bool>,
    pub fact: Option<String>,
    pub is: Option<bool>,
    pub eq: Option<toml::Value>,
    #[serde(rename = "in")]
    pub one_of: Option<Vec<toml::Value>>,
    pub gt: Option<RawBound>,
    pub gte: Option<RawBound>,
    pub lt: Option<RawBound>,
    pub lte: Option<RawBound>,
    pub answered: Option<bool>,
    pub diagnosis: Option<String>,
    pub diagnosis_category: Option<String>,
    pub confirmed: Option<bool>,
    pub red_flag_tier: Option<String>,
    pub contraindicated: Option<String>,
    pub class: Option<String>,
    pub screen_incomplete: Option<String>,
}

/// What a numeric fact is compared with: a number, or another fact (`{ fact = "…" }`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub(crate) enum RawBound {
    Number(f64),
    Fact { fact: String },
}

/// `red_flags.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RedFlagsFile {
    pub tier: Vec<RawTier>,
    pub flag: Vec<RawRedFlag>,
    pub screen: RawScreen,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTier {
    pub id: Spanned<String>,
    pub title: String,
    pub action: String,
}

rule! {
    RawRedFlag {
        flag: String,
        tier: String,
        advice: String,
        when: RawCondition,
    }
}

rule! {
    RawScreen {
        require: Vec<RawScreenItem>,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScreenItem {
    pub fact: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub unless: Option<RawCondition>,
}

/// `contraindications.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContraindicationsFile {
    pub contraindication: Vec<RawContraindication>,
    pub screen: RawScreen,
}

rule! {
    RawContraindication {
        name: String,
        therapy: String,
        class: ContraindicationClass,
        #[serde(default)]
        advice: Option<String>,
        when: RawCondition,
    }
}

/// `diagnoses.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiagnosesFile {
    pub category: Vec<RawCategory>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCategory {
    pub id: Spanned<String>,
    pub label: String,
    pub codes: Vec<String>,
}

/// `definitions.toml`: named conditions that rules reference with `ref`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DefinitionsFile {
    pub definition: Vec<RawDefinition>,
}

rule! {
    RawDefinition {
        when: RawCondition,
    }
}

/// `pathway.toml`: the ordered decision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PathwayFile {
    pub rule: Vec<RawPathwayRule>,
}

rule! {
    RawPathwayRule {
        when: RawCondition,
        pathway: String,
        #[serde(default)]
        missing: Vec<String>,
        #[serde(default)]
        missing_screen: Option<String>,
        #[serde(default)]
        missing_if: Vec<RawMissingIf>,
        #[serde(default)]
        plan: Option<String>,
        #[serde(default)]
        advice: Option<String>,
    }
}

/// An id a pathway rule reports as missing only when its condition holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMissingIf {
    pub id: String,
    pub when: RawCondition,
}

/// `escalation.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EscalationFile {
    pub applies_to: Vec<String>,
    pub option: Vec<RawOption>,
    #[serde(default)]
    pub exclusion: Vec<RawExclusion>,
}

rule! {
    RawOption {
        option: String,
        when: RawCondition,
        #[serde(default)]
        excluded_by: Vec<String>,
    }
}

rule! {
    RawExclusion {
        when: RawCondition,
    }
}

/// `care_plan.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CarePlanFile {
    pub therapy: Vec<RawTherapy>,
    pub plan: Vec<RawPlan>,
    #[serde(default)]
    pub review: Vec<RawReview>,
    #[serde(default)]
    pub modifier: Vec<RawModifier>,
    pub follow_up: RawFollowUps,
}

rule! {
    RawTherapy {
        therapy: String,
        name: String,
        sessions: u32,
        weeks: u32,
        weekly: Vec<u32>,
        allowed_sessions: [u32; 2],
        allowed_weeks: [u32; 2],
    }
}

rule! {
    RawPlan {
        /// The pathway whose plan this is when its deciding rule names no plan of its own.
        #[serde(default)]
        pathway: Option<String>,
        phases: Vec<String>,
    }
}

rule! {
    /// A review visit: after a session of a therapy's phase (`after_session`, or `midpoint`),
    /// or an offset from the start of a plan.
    RawReview {
        #[serde(default)]
        therapy: Option<String>,
        #[serde(default)]
        after_session: Option<u32>,
        #[serde(default)]
        midpoint: bool,
        #[serde(default)]
        plan: Option<String>,
        #[serde(default)]
        days: u32,
        #[serde(default)]
        weeks: u32,
    }
}

rule! {
    RawModifier {
        therapy: String,
        flag: String,
        when: RawCondition,
    }
}

rule! {
    RawFollowUps {
        point: Vec<RawFollowUpPoint>,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFollowUpPoint {
    pub label: String,
    #[serde(default)]
    pub days: u32,
    #[serde(default)]
    pub weeks: u32,
    #[serde(default)]
    pub months: u32,
    /// Required: every point says how early and how late its questionnaire counts.
    pub window: RawWindow,
}

/// How long before and after its date a follow-up's questionnaire counts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWindow {
    #[serde(default)]
    pub before_days: u32,
    #[serde(default)]
    pub before_weeks: u32,
    #[serde(default)]
    pub after_days: u32,
    #[serde(default)]
    pub after_weeks: u32,
}

/// `instruments.toml`: scoring parameters, codes and notices.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InstrumentsFile {
    pub odi: RawOdi,
    pub start_back: RawStartBack,
    pub fabq_work: RawInstrument,
    pub pain_nrs: RawInstrument,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawInstrument {
    pub name: String,
    pub notice: String,
    #[serde(default)]
    pub loinc: BTreeMap<String, String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOdi {
    pub name: String,
    pub notice: String,
    pub loinc: BTreeMap<String, String>,
    pub sources: Vec<String>,
    pub min_answered: u8,
    pub band: Vec<RawBand>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBand {
    pub up_to: f64,
    pub band: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStartBack {
    pub name: String,
    pub notice: String,
    pub loinc: BTreeMap<String, String>,
    pub item_loinc: Vec<String>,
    pub sources: Vec<String>,
    pub item9_counts_from: u8,
    pub psychosocial_items: Vec<u8>,
    pub low_risk_max_total: u8,
    pub high_risk_min_psychosocial: u8,
}

/// `predictors.toml`: informational prediction rules.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PredictorsFile {
    pub predictor: Vec<RawPredictor>,
}

rule! {
    RawPredictor {
        output: String,
        /// The pathways with which the predictor is reported.
        applies_to: Vec<String>,
        criterion: Vec<RawCriterion>,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCriterion {
    pub id: String,
    pub label: String,
    pub when: RawCondition,
}

/// `notes.toml`: what the engine would like to know, explained in the rationale.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotesFile {
    pub note: Vec<RawNote>,
}

rule! {
    RawNote {
        when: RawCondition,
    }
}

/// `outcomes.toml`: what makes an episode a responder in the outcome reports.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutcomesFile {
    pub default: String,
    pub definition: Vec<RawOutcome>,
    #[serde(default)]
    pub reference: Vec<RawReference>,
}

rule! {
    RawReference {
        therapy: String,
        rate: f64,
        #[serde(default)]
        n: Option<u32>,
        time: String,
        provenance: String,
    }
}

rule! {
    RawOutcome {
        version: u32,
        measure: String,
        at: Vec<String>,
        #[serde(default)]
        relative_percent: Option<f64>,
        #[serde(default)]
        absolute_points: Option<f64>,
        no_escalation: bool,
    }
}

/// `evidence.toml`: the therapy comparison and the evidence statements.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceFile {
    pub factor: Vec<RawFactor>,
    pub therapy: Vec<RawComparedTherapy>,
    pub statement: Vec<RawEvidence>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFactor {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawComparedTherapy {
    pub id: Spanned<String>,
    pub name: String,
    pub values: BTreeMap<String, String>,
}

rule! {
    RawEvidence {
        applies_to: Vec<String>,
        provenance: String,
        /// When given, the statement applies only when this holds.
        #[serde(default)]
        when: Option<RawCondition>,
    }
}

/// `patient/en.toml`, `patient/es.toml`: the patient-facing wording in one language. The lists
/// may be left out, so that each missing wording is reported by its id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatientFile {
    pub disclaimer: Spanned<String>,
    #[serde(default)]
    pub therapy_intro: Vec<RawPatientText>,
    #[serde(default)]
    pub comparison: RawPatientComparison,
    #[serde(default)]
    pub red_flag: Vec<RawPatientRedFlag>,
    #[serde(default)]
    pub pathway: Vec<RawPatientText>,
    #[serde(default)]
    pub rule: Vec<RawPatientText>,
    #[serde(default)]
    pub evidence: Vec<RawPatientEvidence>,
}

/// An evidence statement in plain words, with where it comes from.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatientEvidence {
    pub id: Spanned<String>,
    pub text: String,
    pub provenance: String,
}

/// One text, by the id of what it words.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatientText {
    pub id: Spanned<String>,
    pub text: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatientComparison {
    #[serde(default)]
    pub factor: Vec<RawPatientFactor>,
    #[serde(default)]
    pub therapy: Vec<RawPatientTherapy>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatientFactor {
    pub id: Spanned<String>,
    pub label: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatientTherapy {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatientRedFlag {
    pub id: Spanned<String>,
    pub title: String,
    pub text: String,
}
