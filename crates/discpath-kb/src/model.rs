//! The loaded, validated knowledge base: what the engine evaluates.
//!
//! Every reference in it is resolved (facts to [`FactId`]s, definitions, tiers, screens and
//! categories to indices), so evaluation never looks anything up by name.

use discpath_model::{DiagnosisCode, FactId, Pathway, Scalar};
use serde::{Deserialize, Serialize};

use crate::citations::SourceSet;
use crate::patient::{Language, PatientTexts};
use crate::text::{EncodingCache, Text, TextList};

/// How certain the evidence behind a rule is (GRADE-style levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Certainty {
    /// Further research is very unlikely to change confidence in the estimate.
    High,
    /// Further research is likely to have an important impact.
    Moderate,
    /// Further research is very likely to have an important impact.
    Low,
    /// Any estimate is very uncertain.
    VeryLow,
}

impl Certainty {
    /// The code used in files and outputs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Moderate => "moderate",
            Self::Low => "low",
            Self::VeryLow => "very_low",
        }
    }
}

/// Whether a contraindication forbids a therapy or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContraindicationClass {
    /// The therapy must not be recommended.
    Absolute,
    /// A warning; the therapy may still be recommended.
    Relative,
}

impl ContraindicationClass {
    /// The code used in files and outputs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Absolute => "absolute",
            Self::Relative => "relative",
        }
    }
}

/// What every rule carries: a stable id, a statement a clinician can review, its sources and the
/// certainty of its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable dotted id, e.g. `pathway.structural.sequence`.
    pub id: String,
    /// A short plain label, which reports print beside the id (`Structural: decompression, then
    /// physical therapy`).
    pub label: String,
    /// Plain-English statement of the rule.
    pub statement: Text,
    /// The labels of its sources, as shown in outputs.
    pub sources: TextList,
    /// Certainty of the evidence behind it.
    pub certainty: Certainty,
    /// The sources it cites, as a set of indices into [`KnowledgeBase::sources`].
    pub cited: SourceSet,
    /// Its rationale entry's JSON up to its inputs, once encoded.
    pub head: EncodingCache,
    /// Its rationale entry's JSON after its inputs, once encoded.
    pub tail: EncodingCache,
}

/// A cited source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The id rules cite (`S1`, `clinic-pathway`).
    pub id: String,
    /// The short label shown in outputs.
    pub label: String,
    /// The full citation.
    pub citation: String,
    /// Where it was read, if public.
    pub url: Option<String>,
    /// Its DOI, if it has one.
    pub doi: Option<String>,
    /// A document of this repository, for a source with no public address (the clinic's own
    /// pathway).
    pub document: Option<String>,
    /// `{"id", "label", "url"|"doi"|"document"}` as the recommendation's `sources` lists it.
    pub json: Box<[u8]>,
}

impl Source {
    /// Where a reader finds it: the URL, else `https://doi.org/…`, else the repository document.
    pub fn link(&self) -> String {
        match (&self.url, &self.doi, &self.document) {
            (Some(url), _, _) => url.clone(),
            (None, Some(doi), _) => format!("https://doi.org/{doi}"),
            (None, None, Some(document)) => document.clone(),
            (None, None, None) => String::new(),
        }
    }
}

/// A typed test on one fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// The boolean fact has this value.
    Is(bool),
    /// The fact equals this value.
    Eq(Scalar),
    /// The fact equals one of these values.
    In(Vec<Scalar>),
    /// The numeric fact compares so with the number.
    Compare(Comparison, f64),
    /// The numeric fact compares so with another numeric fact (unknown when either is
    /// unanswered).
    CompareFact(Comparison, FactId),
    /// The fact is (or is not) answered; always known.
    Answered(bool),
}

/// A numeric comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less than or equal.
    Lte,
}

/// A condition, evaluated in three-valued logic: a test on an unanswered fact is *unknown*, and a
/// rule fires only when its condition is *true*.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Always true.
    Always,
    /// True when every part is true.
    All(Vec<Condition>),
    /// True when any part is true.
    Any(Vec<Condition>),
    /// The negation.
    Not(Box<Condition>),
    /// The value of a definition (by index into [`KnowledgeBase::definitions`]).
    Ref(usize),
    /// A test on one fact.
    Fact {
        /// The fact read.
        fact: FactId,
        /// The test applied to it.
        test: Test,
    },
    /// A diagnosis is recorded (`code: None` = any diagnosis).
    Diagnosis {
        /// The code, or any.
        code: Option<DiagnosisCode>,
        /// Only diagnoses confirmed by imaging count.
        confirmed_only: bool,
    },
    /// A diagnosis of a category is recorded (index into [`KnowledgeBase::categories`]).
    DiagnosisCategory {
        /// The category.
        category: usize,
        /// Only diagnoses confirmed by imaging count.
        confirmed_only: bool,
    },
    /// A red flag of this tier is present (index into [`KnowledgeBase::tiers`]).
    RedFlagTier(usize),
    /// A contraindication of this class to this therapy is present (index into
    /// [`CarePlan::therapies`]).
    Contraindicated {
        /// The therapy.
        therapy: usize,
        /// The class.
        class: ContraindicationClass,
    },
    /// A minimum screen has unanswered items (index into [`KnowledgeBase::screens`]).
    ScreenIncomplete(usize),
}

/// A red-flag tier, most urgent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    /// `emergency`, `urgent`.
    pub id: String,
    /// A title for people.
    pub title: String,
    /// What to do, and how urgently.
    pub action: String,
    /// The name of this tier's flags among a rule's inputs: `red_flags (emergency)`.
    pub input_key: String,
}

/// A red-flag rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RedFlag {
    /// The rule.
    pub meta: RuleMeta,
    /// The flag id reported in outputs.
    pub flag: String,
    /// Index into [`KnowledgeBase::tiers`].
    pub tier: usize,
    /// What the flag is, in plain words.
    pub label: Text,
    /// What to do about it: how urgently, and where.
    pub advice: Text,
    /// When the flag is present.
    pub when: Condition,
    /// `{"id", "tier", "label", "advice"}` as the recommendation lists it.
    pub json: Box<[u8]>,
}

/// A minimum screen: facts that must be answered before some decision can be made.
#[derive(Debug, Clone, PartialEq)]
pub struct Screen {
    /// The rule.
    pub meta: RuleMeta,
    /// The items.
    pub items: Vec<ScreenItem>,
    /// The name of its unanswered items among a rule's inputs: `screen.red_flags (unanswered)`.
    pub input_key: String,
}

/// One required answer of a screen.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenItem {
    /// The id reported in `missing` when unanswered.
    pub id: String,
    /// The fact that must be answered.
    pub fact: FactId,
    /// The item is not needed when this holds.
    pub unless: Option<Condition>,
}

/// A contraindication rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Contraindication {
    /// The rule.
    pub meta: RuleMeta,
    /// The id reported in outputs.
    pub name: String,
    /// Index into [`CarePlan::therapies`].
    pub therapy: usize,
    /// Absolute or relative.
    pub class: ContraindicationClass,
    /// What it is, in plain words.
    pub label: Text,
    /// What to do about it, when there is more to do than not giving the therapy.
    pub advice: Option<Text>,
    /// When it is present.
    pub when: Condition,
    /// `{"id", "therapy", "class", "label", "advice"?}` as the recommendation lists it.
    pub json: Box<[u8]>,
}

/// A diagnosis category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// `structural`, `non_structural`, `other`.
    pub id: String,
    /// A label for people.
    pub label: String,
    /// Its codes.
    pub codes: Vec<DiagnosisCode>,
}

/// A named condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The rule.
    pub meta: RuleMeta,
    /// Its condition; it may reference only earlier definitions.
    pub when: Condition,
    /// Whether it reads only facts, diagnoses and other such definitions, so that it is known
    /// before the red flags, screens and contraindications (which may use it).
    pub facts_only: bool,
}

/// One step of the pathway decision (first match wins).
#[derive(Debug, Clone, PartialEq)]
pub struct PathwayRule {
    /// The rule.
    pub meta: RuleMeta,
    /// When it decides.
    pub when: Condition,
    /// What it decides.
    pub pathway: Pathway,
    /// Ids it reports as missing.
    pub missing: Vec<String>,
    /// A screen whose unanswered items it reports as missing.
    pub missing_screen: Option<usize>,
    /// Ids it reports as missing when their condition holds.
    pub missing_if: Vec<(String, Condition)>,
    /// The care plan it gives (index into [`CarePlan::plans`]); `None`: the pathway's plan.
    pub plan: Option<usize>,
    /// What to do next, for people.
    pub advice: Option<Text>,
}

/// Escalation options for pathways that leave conservative care.
#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    /// The pathways that list escalation options.
    pub applies_to: Vec<Pathway>,
    /// The options.
    pub options: Vec<EscalationOption>,
    /// Rules that exclude options.
    pub exclusions: Vec<Exclusion>,
}

/// One escalation option.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationOption {
    /// The rule.
    pub meta: RuleMeta,
    /// The option id reported in outputs.
    pub option: String,
    /// What it is, in plain words.
    pub label: Text,
    /// When it is a candidate.
    pub when: Condition,
    /// Indices into [`Escalation::exclusions`]; any that fires excludes the option, and any
    /// that cannot be decided leaves it `needs_information`.
    pub excluded_by: Vec<usize>,
}

/// A rule that excludes an escalation option.
#[derive(Debug, Clone, PartialEq)]
pub struct Exclusion {
    /// The rule.
    pub meta: RuleMeta,
    /// When it excludes.
    pub when: Condition,
}

/// Care-plan defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct CarePlan {
    /// Therapies with their default course.
    pub therapies: Vec<TherapyCourse>,
    /// The plans: which phases each has.
    pub plans: Vec<PlanTemplate>,
    /// Review visits.
    pub reviews: Vec<Review>,
    /// Rules that mark a phase.
    pub modifiers: Vec<Modifier>,
    /// The follow-up schedule.
    pub follow_ups: FollowUps,
}

/// A therapy's default course.
#[derive(Debug, Clone, PartialEq)]
pub struct TherapyCourse {
    /// The rule.
    pub meta: RuleMeta,
    /// `decompression`, `physical_therapy`.
    pub therapy: String,
    /// A name for people.
    pub name: String,
    /// Default number of sessions.
    pub sessions: u32,
    /// Default number of weeks.
    pub weeks: u32,
    /// Sessions in each week (sums to `sessions`; `weeks` entries, each at most 5).
    pub weekly: Vec<u32>,
    /// Allowed range of sessions.
    pub allowed_sessions: (u32, u32),
    /// Allowed range of weeks.
    pub allowed_weeks: (u32, u32),
    /// The names of its absolute and of its relative contraindications among a rule's inputs:
    /// `contraindications (absolute to decompression)`.
    pub contraindication_keys: [String; 2],
}

impl TherapyCourse {
    /// The name of its contraindications of a class among a rule's inputs.
    pub fn contraindication_key(&self, class: ContraindicationClass) -> &str {
        match class {
            ContraindicationClass::Absolute => &self.contraindication_keys[0],
            ContraindicationClass::Relative => &self.contraindication_keys[1],
        }
    }
}

/// The phases of one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanTemplate {
    /// The rule.
    pub meta: RuleMeta,
    /// The pathway whose plan it is unless the deciding rule names another (`None`: only
    /// rules that name it give it).
    pub pathway: Option<Pathway>,
    /// Indices into [`CarePlan::therapies`], in order; each starts the week after the previous.
    pub phases: Vec<usize>,
}

/// A review visit of a care plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    /// The rule.
    pub meta: RuleMeta,
    /// A label for people.
    pub label: String,
    /// When it falls.
    pub anchor: ReviewAnchor,
}

/// When a review falls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewAnchor {
    /// On the day of a session of every phase of a therapy.
    Session {
        /// Index into [`CarePlan::therapies`].
        therapy: usize,
        /// The session, 1-based; `None`: the phase's middle session (`(sessions + 1) / 2`).
        session: Option<u32>,
    },
    /// An offset from the start of a plan.
    Offset {
        /// Index into [`CarePlan::plans`].
        plan: usize,
        /// Days after the start.
        days: u32,
        /// Weeks after the start.
        weeks: u32,
        /// The offset as an ISO 8601 duration.
        offset: String,
    },
}

/// A rule that sets a flag on a therapy's phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Modifier {
    /// The rule.
    pub meta: RuleMeta,
    /// Index into [`CarePlan::therapies`].
    pub therapy: usize,
    /// The flag set on the phase (`psychologically_informed`).
    pub flag: String,
    /// When the flag is true.
    pub when: Condition,
}

/// The follow-up schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUps {
    /// The rule.
    pub meta: RuleMeta,
    /// The points, in order.
    pub points: Vec<FollowUpPoint>,
}

/// One follow-up: start date plus an offset in calendar units, and the window of days around
/// that date in which its questionnaire counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpPoint {
    /// `baseline`, `6 weeks`, …
    pub label: String,
    /// Days after the start.
    pub days: u32,
    /// Weeks after the start.
    pub weeks: u32,
    /// Calendar months after the start.
    pub months: u32,
    /// The offset as an ISO 8601 duration (`P0D`, `P6W`, `P3M`).
    pub offset: String,
    /// How many days before its date the questionnaire counts (the window opens).
    pub window_before_days: u32,
    /// How many days after its date the questionnaire still counts (the window closes).
    pub window_after_days: u32,
}

/// The outcome definitions of the reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcomes {
    /// The index in `definitions` of the one a report uses unless asked for another.
    pub default: usize,
    /// The definitions, in file order.
    pub definitions: Vec<OutcomeDefinition>,
    /// Published figures to show beside a clinic's own, each with its provenance.
    pub references: Vec<OutcomeReference>,
}

/// A published (or claimed) outcome figure: what share, of how many, when, measured how.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeReference {
    /// The rule (id, label, what was reported, sources, certainty).
    pub meta: RuleMeta,
    /// The therapy it is about.
    pub therapy: String,
    /// The reported share, 0–1.
    pub rate: f64,
    /// The size of the group, when reported.
    pub n: Option<u32>,
    /// When it was measured.
    pub time: String,
    /// What kind of study, and how success was defined.
    pub provenance: String,
}

impl Outcomes {
    /// The definition with this id.
    pub fn get(&self, id: &str) -> Option<&OutcomeDefinition> {
        self.definitions.iter().find(|d| d.meta.id == id)
    }

    /// The default definition.
    pub fn default_definition(&self) -> Option<&OutcomeDefinition> {
        self.definitions.get(self.default)
    }
}

/// What a definition measures (lower is better for both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeMeasure {
    /// The ODI percent, 0–100.
    Odi,
    /// The worse of back and leg pain, 0–10.
    Pain,
}

/// When an episode is a responder: its measure improved from baseline by `relative_percent`
/// of the baseline or by `absolute_points` (either, when both are set) at every follow-up of
/// `at`, and, with `no_escalation`, nothing escalated on or before the last of them.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeDefinition {
    /// The rule (id, label, statement, sources, certainty).
    pub meta: RuleMeta,
    /// Its version: a changed meaning is a new version.
    pub version: u32,
    /// What it measures.
    pub measure: OutcomeMeasure,
    /// The follow-up labels at which it must be met, in schedule order.
    pub at: Vec<String>,
    /// The least improvement as a percent of the baseline.
    pub relative_percent: Option<f64>,
    /// The least improvement in the measure's points.
    pub absolute_points: Option<f64>,
    /// An escalation on or before the last follow-up of `at` makes a non-responder.
    pub no_escalation: bool,
}

/// The scored instruments.
#[derive(Debug, Clone, PartialEq)]
pub struct Instruments {
    /// Oswestry Disability Index.
    pub odi: Odi,
    /// Keele STarT Back Screening Tool.
    pub start_back: StartBack,
    /// Fear-Avoidance Beliefs Questionnaire, work subscale.
    pub fabq_work: Instrument,
    /// Pain numeric rating scale.
    pub pain_nrs: Instrument,
}

/// What every instrument carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instrument {
    /// `odi`, `start_back`, `fabq_work`, `pain_nrs`.
    pub id: &'static str,
    /// Its name.
    pub name: Text,
    /// Copyright and licence notice.
    pub notice: Text,
    /// LOINC codes by role (`panel`, `score`, …).
    pub loinc: Vec<(String, String)>,
    /// Source labels.
    pub sources: Vec<String>,
    /// Its JSON in outputs, once encoded.
    pub encoded: EncodingCache,
}

/// ODI scoring parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Odi {
    /// Name, notice, codes.
    pub instrument: Instrument,
    /// Fewest answered items for a score.
    pub min_answered: u8,
    /// Bands by upper bound (inclusive), ascending; the values are the vocabulary's band codes.
    pub bands: Vec<(f64, u8)>,
}

/// STarT Back scoring parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct StartBack {
    /// Name, notice, codes.
    pub instrument: Instrument,
    /// LOINC codes of items 1–9.
    pub item_loinc: Vec<String>,
    /// Item 9 counts 1 from this answer up.
    pub item9_counts_from: u8,
    /// The 1-based items of the psychosocial subscale.
    pub psychosocial_items: Vec<u8>,
    /// Total at or below which risk is low.
    pub low_risk_max_total: u8,
    /// Psychosocial subscale at or above which risk is high.
    pub high_risk_min_psychosocial: u8,
}

/// An informational prediction rule: how many of its criteria are met and known.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictor {
    /// The rule.
    pub meta: RuleMeta,
    /// The key in the output's `predictors`.
    pub output: String,
    /// The pathways with which it is reported.
    pub applies_to: Vec<Pathway>,
    /// The criteria.
    pub criteria: Vec<Criterion>,
}

/// One criterion of a prediction rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    /// Id within the rule.
    pub id: String,
    /// A label for people.
    pub label: String,
    /// When it is met.
    pub when: Condition,
}

/// A rationale note: something the engine would like to know, or a caution.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    /// The rule.
    pub meta: RuleMeta,
    /// When it applies.
    pub when: Condition,
}

/// The therapy comparison and the evidence statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// The comparison's factors, in order: `(id, label)`.
    pub factors: Vec<(String, String)>,
    /// The compared therapies.
    pub therapies: Vec<ComparedTherapy>,
    /// Evidence statements, highest certainty first (file order within a certainty).
    pub statements: Vec<EvidenceStatement>,
}

/// One column of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparedTherapy {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// One value per factor, in factor order.
    pub values: Vec<String>,
}

/// An evidence statement with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceStatement {
    /// The rule.
    pub meta: RuleMeta,
    /// Therapy or escalation-option ids it concerns.
    pub applies_to: Vec<String>,
    /// Where the figure comes from (`clinic-reported cohort, uncontrolled`).
    pub provenance: Text,
    /// When given, the statement applies only when this holds.
    pub when: Option<Condition>,
}

/// A loaded knowledge base. Built only by [`crate::load`], which validates it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct KnowledgeBase {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// The date from which it applies.
    pub effective_date: String,
    /// A title for people.
    pub title: String,
    /// What it is.
    pub description: String,
    /// The disclaimer every output carries.
    pub disclaimer: Text,
    /// `sha256:` of the files' canonical content.
    pub hash: String,
    /// Name, version and hash as JSON in outputs, once encoded.
    pub identity: EncodingCache,
    /// The cited sources.
    pub sources: Vec<Source>,
    /// Red-flag tiers, most urgent first.
    pub tiers: Vec<Tier>,
    /// Red-flag rules.
    pub red_flags: Vec<RedFlag>,
    /// Minimum screens.
    pub screens: Vec<Screen>,
    /// Contraindication rules.
    pub contraindications: Vec<Contraindication>,
    /// Diagnosis categories; each contract code is in exactly one.
    pub categories: Vec<Category>,
    /// Named conditions, in dependency order.
    pub definitions: Vec<Definition>,
    /// The pathway decision, in order; the last rule always matches.
    pub pathway: Vec<PathwayRule>,
    /// Escalation options.
    pub escalation: Escalation,
    /// Care-plan defaults.
    pub care_plan: CarePlan,
    /// Scored instruments.
    pub instruments: Instruments,
    /// Informational prediction rules.
    pub predictors: Vec<Predictor>,
    /// Rationale notes.
    pub notes: Vec<Note>,
    /// Comparison and evidence.
    pub evidence: Evidence,
    /// The outcome definitions of the reports.
    pub outcomes: Outcomes,
    /// The patient-facing wording, one set per language in [`Language::ALL`] order, each
    /// complete (see [`KnowledgeBase::patient_texts`]).
    pub patient: [PatientTexts; Language::ALL.len()],
}

impl KnowledgeBase {
    /// The patient-facing wording in a language.
    pub fn patient_texts(&self, language: Language) -> &PatientTexts {
        &self.patient[language.index()]
    }

    /// The rule with this id, if any (a linear search: for reports, not for the engine).
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules().find(|rule| rule.id == id)
    }

    /// Every rule, in file order: red flags, screens, contraindications, definitions, pathway,
    /// escalation, care plan, predictors, notes and evidence statements.
    ///
    /// The index of a source cited by a rule is in [`RuleMeta::cited`].
    pub fn rules(&self) -> impl Iterator<Item = &RuleMeta> {
        let plan = &self.care_plan;
        self.red_flags
            .iter()
            .map(|r| &r.meta)
            .chain(self.screens.iter().map(|r| &r.meta))
            .chain(self.contraindications.iter().map(|r| &r.meta))
            .chain(self.definitions.iter().map(|r| &r.meta))
            .chain(self.pathway.iter().map(|r| &r.meta))
            .chain(self.escalation.options.iter().map(|r| &r.meta))
            .chain(self.escalation.exclusions.iter().map(|r| &r.meta))
            .chain(plan.therapies.iter().map(|r| &r.meta))
            .chain(plan.plans.iter().map(|r| &r.meta))
            .chain(plan.reviews.iter().map(|r| &r.meta))
            .chain(plan.modifiers.iter().map(|r| &r.meta))
            .chain(std::iter::once(&plan.follow_ups.meta))
            .chain(self.predictors.iter().map(|r| &r.meta))
            .chain(self.notes.iter().map(|r| &r.meta))
            .chain(self.evidence.statements.iter().map(|r| &r.meta))
    }
}
