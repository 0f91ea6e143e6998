//! The evaluation, stage by stage: scores, red flags, screens, contraindications, definitions,
//! the pathway, escalation, the care plan, predictors, notes and evidence.

use std::collections::BTreeMap;

use discpath_kb::{Condition, KnowledgeBase, RuleMeta, Text, TherapyCourse};
use discpath_model::vocabulary::{
    BACK_PAIN, FABQ_WORK, LEG_PAIN, SCORE_ODI_BAND, SCORE_ODI_PERCENT,
    SCORE_START_BACK_PSYCHOSOCIAL, SCORE_START_BACK_RISK, SCORE_START_BACK_TOTAL,
};
use discpath_model::{Assessment, Pathway, Scalar};

use crate::facts::{Facts, Tri};
use crate::inputs::{InputValue, Inputs};
use crate::recommendation::{
    CarePlanOutput, ContraindicationFinding, FollowUp, InstrumentUsed, KbInfo, Phase,
    PredictorResult, RationaleEntry, Recommendation, RedFlagFinding, Scores, StartBackScore,
};
use crate::schedule;
use crate::scores::{self, OdiOutcome};

/// Evaluates an assessment against a knowledge base.
///
/// A pure, total function: no clock, file, network or database, no panics on any valid document,
/// and the same inputs always give the same recommendation.
pub fn assess<'kb>(kb: &'kb KnowledgeBase, doc: &Assessment) -> Recommendation<'kb> {
    let mut rationale = Rationale { entries: Vec::with_capacity(32), record: true };
    let (facts, odi, start_back) = prepare(kb, doc, &mut rationale);

    // The pathway: first match wins; the knowledge base guarantees the last rule always matches.
    let decided = kb.pathway.iter().find(|rule| facts.eval(&rule.when).holds());
    let (pathway, decided_meta) = match decided {
        Some(rule) => {
            rationale.rule(&facts, &rule.meta, &rule.when);
            (rule.pathway, Some(rule))
        }
        None => (Pathway::ClinicalEvaluation, None),
    };

    let mut missing: Vec<&str> = Vec::new();
    if let Some(rule) = decided_meta {
        missing.extend(rule.missing.iter().map(String::as_str));
        if let Some(screen) = rule.missing_screen {
            missing.extend(facts.unanswered.get(screen).into_iter().flatten().copied());
        }
    }
    if matches!(odi, OdiOutcome::TooFewAnswers(_)) {
        missing.push("odi");
    }
    missing.sort_unstable();
    missing.dedup();

    let escalation_options = escalation(&facts, pathway, &mut rationale);
    let care_plan = care_plan(&facts, pathway, &mut rationale);
    let predictors = predictors(&facts, &mut rationale);
    for note in &kb.notes {
        if facts.eval(&note.when).holds() {
            rationale.rule(&facts, &note.meta, &note.when);
        }
    }
    let recommended = |target: &str| {
        care_plan.iter().flat_map(|plan| &plan.phases).any(|phase| phase.therapy == target)
            || escalation_options.contains(&target)
    };
    for statement in &kb.evidence.statements {
        if statement.applies_to.iter().any(|target| recommended(target)) {
            rationale.entry(&statement.meta, Inputs::default(), Some(&statement.provenance));
        }
    }

    let mut red_flags: Vec<RedFlagFinding<'kb>> = facts
        .red_flags
        .iter()
        .map(|i| {
            let rule = &kb.red_flags[*i];
            let tier = kb.tiers.get(rule.tier).map_or("", |t| t.id.as_str());
            RedFlagFinding { id: &rule.flag, tier }
        })
        .collect();
    red_flags.sort_by(|a, b| a.id.cmp(b.id));
    let mut contraindications: Vec<ContraindicationFinding<'kb>> = facts
        .contraindications
        .iter()
        .map(|i| {
            let rule = &kb.contraindications[*i];
            let therapy =
                kb.care_plan.therapies.get(rule.therapy).map_or("", |t| t.therapy.as_str());
            ContraindicationFinding { id: &rule.name, therapy, class: rule.class }
        })
        .collect();
    contraindications.sort_by(|a, b| a.id.cmp(b.id).then(a.therapy.cmp(b.therapy)));

    let decompression_candidate =
        facts.definitions.get(kb.decompression_candidate).is_some_and(|value| value.holds());

    Recommendation {
        kb: KbInfo { name: &kb.name, version: &kb.version, hash: &kb.hash, encoded: &kb.identity },
        pathway,
        decided_by: decided_meta.map_or("", |rule| rule.meta.id.as_str()),
        certainty: decided_meta.map_or(discpath_kb::Certainty::VeryLow, |rule| rule.meta.certainty),
        advice: decided_meta.and_then(|rule| rule.advice.as_ref()),
        red_flags,
        contraindications,
        decompression_candidate,
        escalation_options,
        scores: Scores { odi: odi.score(), start_back, fabq_work: fabq_work(doc) },
        predictors,
        care_plan,
        missing,
        rationale: rationale.entries,
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
    let mut rationale = Rationale { entries: Vec::new(), record: false };
    let (facts, _, _) = prepare(kb, doc, &mut rationale);
    care_plan(&facts, pathway, &mut rationale)
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

/// Every stage before the pathway: scores (as derived facts), red flags, screens,
/// contraindications and definitions, recording the rules that fire.
fn prepare<'kb, 'd>(
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

    // Red flags, screens and contraindications read facts only.
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
            inputs.push(
                format!("{} (unanswered)", screen.meta.id).into(),
                InputValue::List(ids.clone()),
            );
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

    for definition in &kb.definitions {
        let value = facts.eval(&definition.when);
        facts.definitions.push(value);
    }
    (facts, odi, start_back)
}

/// The rationale, built in evaluation order.
struct Rationale<'kb> {
    entries: Vec<RationaleEntry<'kb>>,
    /// False when only the outcome is wanted (`plan`).
    record: bool,
}

impl<'kb> Rationale<'kb> {
    fn rule(&mut self, facts: &Facts<'kb, '_>, meta: &'kb RuleMeta, when: &Condition) {
        if !self.record {
            return;
        }
        let mut inputs = Inputs::default();
        facts.collect_inputs(when, &mut inputs);
        self.entry(meta, inputs, None);
    }

    fn entry(&mut self, meta: &'kb RuleMeta, inputs: Inputs<'kb>, provenance: Option<&'kb Text>) {
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
        .filter(|item| !facts.doc.answers(item.fact))
        .map(|item| item.id.as_str())
        .collect()
}

fn escalation<'kb>(
    facts: &Facts<'kb, '_>,
    pathway: Pathway,
    rationale: &mut Rationale<'kb>,
) -> Vec<&'kb str> {
    let escalation = &facts.kb.escalation;
    if !escalation.applies_to.contains(&pathway) {
        return Vec::new();
    }
    let mut options = Vec::new();
    for option in &escalation.options {
        if !facts.eval(&option.when).holds() {
            continue;
        }
        let exclusions: Vec<_> = option
            .excluded_by
            .iter()
            .filter_map(|i| escalation.exclusions.get(*i))
            .filter(|exclusion| facts.eval(&exclusion.when).holds())
            .collect();
        if exclusions.is_empty() {
            // The inputs show what was checked: the option's condition and every exclusion.
            let mut inputs = Inputs::default();
            facts.collect_inputs(&option.when, &mut inputs);
            for exclusion in option.excluded_by.iter().filter_map(|i| escalation.exclusions.get(*i))
            {
                facts.collect_inputs(&exclusion.when, &mut inputs);
            }
            rationale.entry(&option.meta, inputs, None);
            options.push(option.option.as_str());
        }
        for exclusion in exclusions {
            rationale.rule(facts, &exclusion.meta, &exclusion.when);
        }
    }
    options.sort_unstable();
    options
}

fn care_plan<'kb>(
    facts: &Facts<'kb, '_>,
    pathway: Pathway,
    rationale: &mut Rationale<'kb>,
) -> Option<CarePlanOutput<'kb>> {
    let plan_rules = &facts.kb.care_plan;
    let template = plan_rules.plans.iter().find(|plan| plan.pathway == pathway)?;
    rationale.entry(&template.meta, Inputs::default(), None);
    let start = facts.doc.start_date();
    let mut phase_start = start.and_then(schedule::weekday_on_or_after);
    let mut phases = Vec::with_capacity(template.phases.len());
    for therapy_index in &template.phases {
        let Some(course) = plan_rules.therapies.get(*therapy_index) else { continue };
        rationale.entry(&course.meta, Inputs::default(), None);
        let flags = phase_flags(facts, *therapy_index, rationale);
        let dates = match phase_start {
            Some(first) => {
                let scheduled = schedule::phase_dates(first, &course.weekly);
                phase_start = scheduled.as_ref().map(|(_, next)| *next);
                scheduled.map(|(dates, _)| dates)
            }
            None => None,
        };
        phases.push(phase(course, flags, dates));
    }
    let follow = &plan_rules.follow_ups;
    rationale.entry(&follow.meta, Inputs::default(), None);
    let follow_ups = follow
        .points
        .iter()
        .map(|point| FollowUp {
            label: &point.label,
            offset: &point.offset,
            date: start.and_then(|start| {
                schedule::offset_date(start, point.days, point.weeks, point.months)
            }),
        })
        .collect();
    Some(CarePlanOutput { phases, follow_ups })
}

fn phase<'kb>(
    course: &'kb TherapyCourse,
    flags: Vec<(&'kb str, bool)>,
    dates: Option<Vec<jiff::civil::Date>>,
) -> Phase<'kb> {
    Phase { therapy: &course.therapy, sessions: course.sessions, weeks: course.weeks, flags, dates }
}

/// The flags the modifiers set on a therapy's phase: every modifier of the therapy contributes
/// its flag, true when its condition holds.
fn phase_flags<'kb>(
    facts: &Facts<'kb, '_>,
    therapy: usize,
    rationale: &mut Rationale<'kb>,
) -> Vec<(&'kb str, bool)> {
    facts
        .kb
        .care_plan
        .modifiers
        .iter()
        .filter(|modifier| modifier.therapy == therapy)
        .map(|modifier| {
            let holds = facts.eval(&modifier.when).holds();
            if holds {
                rationale.rule(facts, &modifier.meta, &modifier.when);
            }
            (modifier.flag.as_str(), holds)
        })
        .collect()
}

fn predictors<'kb>(
    facts: &Facts<'kb, '_>,
    rationale: &mut Rationale<'kb>,
) -> BTreeMap<&'kb str, PredictorResult> {
    let mut results = BTreeMap::new();
    for predictor in &facts.kb.predictors {
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
