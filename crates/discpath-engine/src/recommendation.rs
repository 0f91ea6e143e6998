//! The recommendation: the engine's output, serialized as the contract's JSON (spec: "Output").
//!
//! Field order and list order are fixed, so the same input and knowledge base always serialize
//! to the same bytes.

use std::collections::BTreeMap;

use discpath_kb::{Certainty, ContraindicationClass};
use discpath_model::Pathway;
use jiff::civil::Date;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::inputs::Inputs;

/// A recommendation, borrowing its texts from the knowledge base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation<'kb> {
    /// Which knowledge base decided.
    pub kb: KbInfo<'kb>,
    /// The decision.
    pub pathway: Pathway,
    /// The pathway rule that decided.
    pub decided_by: &'kb str,
    /// The certainty of the evidence behind that rule.
    pub certainty: Certainty,
    /// What to do next, when the deciding rule says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<&'kb str>,
    /// Every red flag present, whatever the pathway, sorted by id.
    pub red_flags: Vec<RedFlagFinding<'kb>>,
    /// Every contraindication present, whatever the pathway, sorted by id.
    pub contraindications: Vec<ContraindicationFinding<'kb>>,
    /// Structural diagnosis, no absolute contraindication and a complete contraindication screen.
    pub decompression_candidate: bool,
    /// Escalation options (only with a pathway that escalates), sorted.
    pub escalation_options: Vec<&'kb str>,
    /// Scored instruments.
    pub scores: Scores<'kb>,
    /// Informational prediction rules, by name.
    pub predictors: BTreeMap<&'kb str, PredictorResult>,
    /// The care plan (only for `decompression_then_pt` and `physical_therapy`).
    pub care_plan: Option<CarePlanOutput<'kb>>,
    /// What the deciding step needed and did not have, plus `odi` when it cannot be scored.
    pub missing: Vec<&'kb str>,
    /// Every rule that fired, with its inputs, statement, sources and certainty, then the
    /// evidence for what is recommended.
    pub rationale: Vec<RationaleEntry<'kb>>,
    /// The instruments the document used: codes and copyright/licence notices.
    pub instruments: Vec<InstrumentUsed<'kb>>,
    /// Decision support, not a diagnosis.
    pub disclaimer: &'kb str,
}

/// The knowledge base's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KbInfo<'kb> {
    /// Name.
    pub name: &'kb str,
    /// Version.
    pub version: &'kb str,
    /// `sha256:` content hash.
    pub hash: &'kb str,
}

/// A red flag that is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedFlagFinding<'kb> {
    /// The flag.
    pub id: &'kb str,
    /// Its tier.
    pub tier: &'kb str,
}

/// A contraindication that is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContraindicationFinding<'kb> {
    /// The contraindication.
    pub id: &'kb str,
    /// The therapy it concerns.
    pub therapy: &'kb str,
    /// Absolute or relative.
    pub class: ContraindicationClass,
}

/// The scores of the instruments the document answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores<'kb> {
    /// Oswestry Disability Index, when scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odi: Option<OdiScore<'kb>>,
    /// Keele STarT Back, when answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_back: Option<StartBackScore<'kb>>,
    /// FABQ work subscale, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fabq_work: Option<i64>,
}

/// An ODI score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OdiScore<'kb> {
    /// Sum of answered items / (5 × answered) × 100.
    pub percent: f64,
    /// The band.
    pub band: &'kb str,
    /// How many of the 10 items were answered.
    pub answered: u8,
}

/// A STarT Back score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StartBackScore<'kb> {
    /// Total, 0–9.
    pub total: u8,
    /// Psychosocial subscale, 0–5.
    pub psychosocial: u8,
    /// Risk group.
    pub risk: &'kb str,
}

/// The result of a prediction rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PredictorResult {
    /// Criteria met.
    pub met: u8,
    /// Criteria whose inputs are known.
    pub known: u8,
    /// Criteria in the rule.
    pub of: u8,
}

/// A care plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarePlanOutput<'kb> {
    /// Its phases, in order.
    pub phases: Vec<Phase<'kb>>,
    /// The follow-up points.
    pub follow_ups: Vec<FollowUp<'kb>>,
}

/// One phase of a care plan. Serialized with each phase flag (`psychologically_informed`) as a
/// key of its own, and `dates` only when the document gave a start date.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase<'kb> {
    /// The therapy.
    pub therapy: &'kb str,
    /// Number of sessions.
    pub sessions: u32,
    /// Number of weeks.
    pub weeks: u32,
    /// Flags the knowledge base's modifiers set on this therapy's phases.
    pub flags: Vec<(&'kb str, bool)>,
    /// Each session's date.
    pub dates: Option<Vec<Date>>,
}

impl Serialize for Phase<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("therapy", self.therapy)?;
        map.serialize_entry("sessions", &self.sessions)?;
        map.serialize_entry("weeks", &self.weeks)?;
        for (flag, value) in &self.flags {
            map.serialize_entry(flag, value)?;
        }
        if let Some(dates) = &self.dates {
            map.serialize_entry("dates", &IsoDates(dates))?;
        }
        map.end()
    }
}

struct IsoDates<'d>(&'d [Date]);

impl Serialize for IsoDates<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|date| IsoDate(*date)))
    }
}

struct IsoDate(Date);

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// A follow-up point.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp<'kb> {
    /// `baseline`, `6 weeks`, …
    pub label: &'kb str,
    /// ISO 8601 duration after the start date (`P6W`, `P3M`).
    pub offset: String,
    /// The date, when the document gave a start date.
    pub date: Option<Date>,
}

impl Serialize for FollowUp<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("label", self.label)?;
        map.serialize_entry("offset", &self.offset)?;
        if let Some(date) = self.date {
            map.serialize_entry("date", &IsoDate(date))?;
        }
        map.end()
    }
}

/// One entry of the rationale: a rule that fired, or an evidence statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RationaleEntry<'kb> {
    /// The rule's id.
    pub rule: &'kb str,
    /// Its statement.
    pub statement: &'kb str,
    /// The inputs it read, with their values.
    pub inputs: Inputs<'kb>,
    /// Its sources.
    pub sources: &'kb [String],
    /// The certainty of its evidence.
    pub certainty: Certainty,
    /// For evidence statements: where the figure comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<&'kb str>,
}

/// An instrument the document used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentUsed<'kb> {
    /// `odi`, `start_back`, `fabq_work`, `pain_nrs`.
    pub id: &'static str,
    /// Its name.
    pub name: &'kb str,
    /// LOINC codes by role.
    pub loinc: &'kb [(String, String)],
    /// Copyright and licence notice.
    pub notice: &'kb str,
}

impl Serialize for InstrumentUsed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Codes<'c>(&'c [(String, String)]);
        impl Serialize for Codes<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_map(self.0.iter().map(|(role, code)| (role, code)))
            }
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", self.id)?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("loinc", &Codes(self.loinc))?;
        map.serialize_entry("notice", self.notice)?;
        map.end()
    }
}
