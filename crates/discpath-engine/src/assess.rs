//! The evaluation, stage by stage: scores, definitions that read facts only, red flags, screens,
//! contraindications, the other definitions, the pathway, escalation, the care plan,
//! predictors, notes and evidence.

use std::collections::BTreeMap;

use discpath_kb::{Condition, KnowledgeBase, RuleMeta, SourceSet, Text};
use discpath_model::vocabulary::{
    BACK_PAIN, FABQ_WORK, LEG_PAIN, SCORE_ODI_BAND, SCORE_ODI_PERCENT,
    SCORE_START_BACK_PSYCHOSOCIAL, SCORE_START_BACK_RISK, SCORE_START_BACK_TOTAL,
};
use discpath_model::{Assessment, Pathway, Scalar};

use crate::care_plan::care_plan;
use crate::escalation::escalation;
use crate::facts::{Facts, Tri};
use crate::inputs::{InputValue, Inputs};
use crate::recommendation::{
    CarePlanOutput, ContraindicationFinding, EscalationStatus, InstrumentUsed, KbInfo,
    OptionStatus, PredictorResult, RationaleEntry, Recommendation, RedFlagFinding, Scores,
    ScreenStatus, StartBackScore,
};
use crate::scores::{self, OdiOutcome};

/// Evaluates an assessment against a knowledge base.
///
/// A pure, total function: no clock, file, network or database, no panics on any valid document,
/// and the same inputs always give the same recommendation.
pub fn assess<'kb>(kb: &'kb KnowledgeBase, doc: &Assessment) -> Recommendation<'kb> {
    let mut rationale = Rationale { entries: Vec::with_capacity(32), record: true };
    let (mut facts, odi, start_back) = prepare(kb, doc, &mut rationale);

    // The pathway: first match wins; the knowledge base guarantees the last rule always matches.
    let decided = kb.pathway.iter().find(|rule| facts.eval(&rule.when).holds());
    let pathway = decided.map_or(Pathway::ClinicalEvaluation, |rule| rule.pathway);
    if let Some(rule) = decided {
        rationale.rule(&facts, &rule.meta, &rule.when);
    }

    let mut missing: Vec<&str> = Vec::new();
    if let Some(rule) = decided {
        missing.extend(rule.missing.iter().map(String::as_str));
        if let Some(screen) = rule.missing_screen {
            missing.extend(facts.unanswered.get(screen).into_iter().flatten().copied());
        }
        for (id, when) in &rule.missing_if {
            if facts.eval(when).holds() {
                missing.push(id);
            }
        }
    }
    if matches!(odi, OdiOutcome::TooFewAnswers(_)) {
        missing.push("odi");
    }
    missing.sort_unstable();
    missing.dedup();

    let escalation_options = escalation(&facts, pathway, &mut rationale);
    let plan_template = decided.and_then(|rule| rule.plan);
    let care_plan = care_plan(&facts, pathway, plan_template, &mut rationale);
    let predictors = predictors(&facts, pathway, &mut rationale);
    for note in &kb.notes {
        if facts.eval(&note.when).holds() {
            rationale.rule(&facts, &note.meta, &note.when);
        }
    }
    let evidence = evidence(&facts, pathway, care_plan.as_ref(), &escalation_options);
    let sources = cited_sources(kb, &rationale.entries, &evidence);
    let red_flags = red_flags(&facts);
    let contraindications = contraindications(&facts);
    let screens = kb
        .screens
        .iter()
        .zip(std::mem::take(&mut facts.unanswered))
        .map(|(screen, unanswered)| ScreenStatus { id: &screen.meta.id, unanswered })
        .collect();

    Recommendation {
        kb: KbInfo { name: &kb.name, version: &kb.version, hash: &kb.hash, encoded: &kb.identity },
        pathway,
        decided_by: decided.map_or("", |rule| rule.meta.id.as_str()),
        certainty: decided.map_or(discpath_kb::Certainty::VeryLow, |rule| rule.meta.certainty),
        advice: decided.and_then(|rule| rule.advice.as_ref()),
        red_flags,
        contraindications,
        decompression_candidate: pathway == Pathway::DecompressionThenPt,
        escalation_options,
        scores: Scores { odi: odi.score(), start_back, fabq_work: fabq_work(doc) },
        predictors,
        care_plan,
        missing,
        screens,
        rationale: rationale.entries,
        evidence,
        sources,
        instruments: instruments_used(kb, &facts, &odi),
        disclaimer: &kb.disclaimer,
    }
}

/// The care plan a pathway would give this document (for a clinician's override, which may
/// choose another pathway than the recommended one): `None` when the pathway has no plan.
pub fn plan<'kb>(
    kb: &'kb KnowledgeBase,
    doc: &Assessment,
    pathway: Pathway,
) -> Option<CarePlanOutput<'kb>> {
    let mut rationale = Rationale::silent();
    let (facts, _, _) = prepare(kb, doc, &mut rationale);
    care_plan(&facts, pathway, None, &mut rationale)
}

/// The scores of the instruments a document answers (follow-up questionnaires use this).
pub fn scores<'kb>(kb: &'kb KnowledgeBase, doc: &Assessment) -> Scores<'kb> {
    let (odi, start_back) = score(kb, doc);
    Scores {
        odi: odi.score(),
        start_back: start_back.map(|(score, _)| score),
        fabq_work: fabq_work(doc),
    }
}

fn fabq_work(doc: &Assessment) -> Option<i64> {
    match doc.fact(FABQ_WORK) {
        Some(Scalar::Int(value)) => Some(value),
        _ => None,
    }
}

fn score(
    kb: &KnowledgeBase,
    doc: &Assessment,
) -> (OdiOutcome, Option<(StartBackScore<'static>, u8)>) {
    let odi = scores::odi(&kb.instruments.odi, doc.odi());
    let start_back =
        doc.start_back().map(|items| scores::start_back(&kb.instruments.start_back, items));
    (odi, start_back)
}

/// Every stage before the pathway: scores (as derived facts), the definitions that read facts
/// only, red flags, screens, contraindications and the other definitions, recording the rules
/// that fire.
pub(crate) fn prepare<'kb, 'd>(
    kb: &'kb KnowledgeBase,
    doc: &'d Assessment,
    rationale: &mut Rationale<'kb>,
) -> (Facts<'kb, 'd>, OdiOutcome, Option<StartBackScore<'static>>) {
    let mut facts = Facts::new(kb, doc);
    // Scores first: rules may read them as derived facts.
    let (odi, start_back) = score(kb, doc);
    if let OdiOutcome::Scored { percent, band, .. } = odi {
        facts.set(SCORE_ODI_PERCENT, Scalar::Number(percent));
        facts.set(SCORE_ODI_BAND, Scalar::Enum(band));
    }
    let start_back = start_back.map(|(score, risk)| {
        facts.set(SCORE_START_BACK_TOTAL, Scalar::Int(i64::from(score.total)));
        facts.set(SCORE_START_BACK_PSYCHOSOCIAL, Scalar::Int(i64::from(score.psychosocial)));
        facts.set(SCORE_START_BACK_RISK, Scalar::Enum(risk));
        score
    });
    facts.define(true);

    // Red flags, screens and contraindications read facts and fact-only definitions.
    facts.red_flags =
        (0..kb.red_flags.len()).filter(|i| facts.eval(&kb.red_flags[*i].when).holds()).collect();
    for index in &facts.red_flags {
        let rule = &kb.red_flags[*index];
        rationale.rule(&facts, &rule.meta, &rule.when);
    }
    facts.unanswered = kb.screens.iter().map(|screen| unanswered(&facts, screen)).collect();
    for (screen, ids) in kb.screens.iter().zip(&facts.unanswered) {
        if !ids.is_empty() {
            let mut inputs = Inputs::default();
            inputs.push(screen.input_key.as_str().into(), InputValue::List(ids.clone()));
            rationale.entry(&screen.meta, inputs, None);
        }
    }
    facts.contraindications = (0..kb.contraindications.len())
        .filter(|i| facts.eval(&kb.contraindications[*i].when).holds())
        .collect();
    for index in &facts.contraindications {
        let rule = &kb.contraindications[*index];
        rationale.rule(&facts, &rule.meta, &rule.when);
    }
    facts.define(false);
    (facts, odi, start_back)
}

/// The rationale, built in evaluation order.
pub(crate) struct Rationale<'kb> {
    entries: Vec<RationaleEntry<'kb>>,
    /// False when only the outcome is wanted (`plan`).
    record: bool,
}

impl<'kb> Rationale<'kb> {
    /// A rationale that records nothing, for evaluations that want only outcomes.
    pub(crate) fn silent() -> Self {
        Self { entries: Vec::new(), record: false }
    }

    /// Records a rule that fired, with the inputs its condition read.
    pub(crate) fn rule(&mut self, facts: &Facts<'kb, '_>, meta: &'kb RuleMeta, when: &Condition) {
        if !self.record {
            return;
        }
        let mut inputs = Inputs::default();
        facts.collect_inputs(when, &mut inputs);
        self.entry(meta, inputs, None);
    }

    /// Records a rule with the inputs given.
    pub(crate) fn entry(
        &mut self,
        meta: &'kb RuleMeta,
        inputs: Inputs<'kb>,
        provenance: Option<&'kb Text>,
    ) {
        if self.record {
            self.entries.push(RationaleEntry { meta, inputs, provenance });
        }
    }
}

/// The ids of a screen's items that the document does not answer (and that apply).
fn unanswered<'kb>(facts: &Facts<'kb, '_>, screen: &'kb discpath_kb::Screen) -> Vec<&'kb str> {
    screen
        .items
        .iter()
        .filter(|item| !item.unless.as_ref().is_some_and(|unless| facts.eval(unless).holds()))
        .filter(|item| !facts.answered(item.fact))
        .map(|item| item.id.as_str())
        .collect()
}

/// The red flags present, the most urgent tier first (tiers are listed most urgent first), then
/// in the knowledge base's order (within a tier it lists the most specific flag first).
pub(crate) fn red_flags<'kb>(facts: &Facts<'kb, '_>) -> Vec<RedFlagFinding<'kb>> {
    let kb = facts.kb;
    let mut flags: Vec<RedFlagFinding<'kb>> = facts
        .red_flags
        .iter()
        .map(|i| {
            let rule = &kb.red_flags[*i];
            let tier = kb.tiers.get(rule.tier).map_or("", |t| t.id.as_str());
            RedFlagFinding { id: &rule.flag, tier, rule }
        })
        .collect();
    // A stable sort: the knowledge base's order stays within each tier.
    flags.sort_by_key(|flag| flag.rule.tier);
    flags
}

fn contraindications<'kb>(facts: &Facts<'kb, '_>) -> Vec<ContraindicationFinding<'kb>> {
    let kb = facts.kb;
    let mut found: Vec<ContraindicationFinding<'kb>> = facts
        .contraindications
        .iter()
        .map(|i| {
            let rule = &kb.contraindications[*i];
            let therapy =
                kb.care_plan.therapies.get(rule.therapy).map_or("", |t| t.therapy.as_str());
            ContraindicationFinding { id: &rule.name, therapy, class: rule.class, rule }
        })
        .collect();
    found.sort_by(|a, b| a.id.cmp(b.id).then(a.therapy.cmp(b.therapy)));
    found
}

/// The evidence for what is recommended: statements about the pathway itself, the therapies of
/// its plan, and the escalation options still in play (offered, or needing information) —
/// highest certainty first, as the knowledge base orders them.
fn evidence<'kb>(
    facts: &Facts<'kb, '_>,
    pathway: Pathway,
    care_plan: Option<&CarePlanOutput<'kb>>,
    options: &[EscalationStatus<'kb>],
) -> Vec<RationaleEntry<'kb>> {
    let recommended = |target: &str| {
        target == pathway.as_str()
            || care_plan.iter().flat_map(|plan| &plan.phases).any(|phase| phase.therapy == target)
            || options.iter().any(|o| o.id == target && o.status != OptionStatus::Excluded)
    };
    facts
        .kb
        .evidence
        .statements
        .iter()
        .filter(|statement| statement.applies_to.iter().any(|target| recommended(target)))
        .filter(|statement| statement.when.as_ref().is_none_or(|when| facts.eval(when).holds()))
        .map(|statement| RationaleEntry {
            meta: &statement.meta,
            inputs: Inputs::default(),
            provenance: Some(&statement.provenance),
        })
        .collect()
}

/// The sources that the rationale and the evidence cite, each once, in the knowledge base's
/// order.
fn cited_sources<'kb>(
    kb: &'kb KnowledgeBase,
    rationale: &[RationaleEntry<'kb>],
    evidence: &[RationaleEntry<'kb>],
) -> Vec<&'kb discpath_kb::Source> {
    let mut cited = SourceSet::default();
    for entry in rationale.iter().chain(evidence) {
        cited.union(&entry.meta.cited);
    }
    cited.iter().filter_map(|index| kb.sources.get(index)).collect()
}

fn predictors<'kb>(
    facts: &Facts<'kb, '_>,
    pathway: Pathway,
    rationale: &mut Rationale<'kb>,
) -> BTreeMap<&'kb str, PredictorResult> {
    let mut results = BTreeMap::new();
    for predictor in facts.kb.predictors.iter().filter(|p| p.applies_to.contains(&pathway)) {
        let (mut met, mut known) = (0u8, 0u8);
        let mut inputs = Inputs::default();
        for criterion in &predictor.criteria {
            match facts.eval(&criterion.when) {
                Tri::True => {
                    met += 1;
                    known += 1;
                }
                Tri::False => known += 1,
                Tri::Unknown => {}
            }
            facts.collect_inputs(&criterion.when, &mut inputs);
        }
        let of = u8::try_from(predictor.criteria.len()).unwrap_or(u8::MAX);
        rationale.entry(&predictor.meta, inputs, None);
        results.insert(predictor.output.as_str(), PredictorResult { met, known, of });
    }
    results
}

fn instruments_used<'kb>(
    kb: &'kb KnowledgeBase,
    facts: &Facts<'kb, '_>,
    odi: &OdiOutcome,
) -> Vec<InstrumentUsed<'kb>> {
    let instruments = &kb.instruments;
    let pain = facts.get(BACK_PAIN).is_some() || facts.get(LEG_PAIN).is_some();
    [
        (&instruments.odi.instrument, !matches!(odi, OdiOutcome::Absent)),
        (&instruments.start_back.instrument, facts.doc.start_back().is_some()),
        (&instruments.fabq_work, facts.get(FABQ_WORK).is_some()),
        (&instruments.pain_nrs, pain),
    ]
    .into_iter()
    .filter(|(_, used)| *used)
    .map(|(instrument, _)| InstrumentUsed(instrument))
    .collect()
}
