//! Where a self-assessment ends: the "seek care now" page (an emergency red flag: that flag's
//! own advice, nothing more asked), the "urgent appointment" page (an urgent flag, with the
//! consultation request), or the result page — the engine's recommendation in plain words from
//! the knowledge base's patient texts: which profile the answers fit and why, what the course
//! would be, what a clinician must still complete, the scores, the evidence and the disclaimer.

use askama::Template;
use axum::response::Response;
use discpath_engine::{Recommendation, RedFlagFinding, RedFlagScreening};
use discpath_kb::{KnowledgeBase, PatientTexts, fill_emergency_number};
use discpath_model::Pathway;

use super::answers::Answers;
use super::now_secs;
use super::questions::{self, Kind, UNSURE};
use crate::consultation::SelfAssessment;
use crate::pages::evidence::{self, EvidenceView};
use crate::pages::i18n::{Lang, LangCodes as _, Texts, follow_up_key};
use crate::pages::{PageContext, render};
use crate::state::AppState;

/// The consultation request form as a page shows it: the sealed answers it carries, what was
/// typed, and what is wrong with it.
pub(crate) struct ConsultationForm {
    /// The self-assessment's sealed answers, when it comes from one.
    pub sealed: Option<String>,
    /// The values typed: `(field, value)`.
    pub values: Vec<(&'static str, String)>,
    /// Consent was ticked.
    pub consent: bool,
    /// Problems by field, in the page's language: `(field, message)`.
    pub errors: Vec<(&'static str, String)>,
    /// Whether the result was an urgent referral (the page says the clinic will call soon).
    pub urgent: bool,
}

impl ConsultationForm {
    /// An empty form, carrying these sealed answers.
    pub(crate) fn new(sealed: Option<String>, urgent: bool) -> Self {
        Self { sealed, values: Vec::new(), consent: false, errors: Vec::new(), urgent }
    }

    /// The typed fields: `(name, input type, has a hint)`, in page order.
    pub(crate) fn fields(&self) -> &'static [(&'static str, &'static str, bool)] {
        &[
            ("name", "text", false),
            ("email", "email", false),
            ("phone", "tel", true),
            ("preferred_times", "textarea", true),
            ("message", "textarea", false),
        ]
    }

    /// What was typed into a field.
    pub(crate) fn value(&self, field: &str) -> &str {
        self.values.iter().find(|(name, _)| *name == field).map_or("", |(_, value)| value)
    }

    /// The problem with a field.
    pub(crate) fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(name, _)| *name == field).map(|(_, message)| message.as_str())
    }

    /// Whether a field has a hint under its label.
    pub(crate) fn hinted(&self, field: &str) -> bool {
        field == "mri_report" || self.fields().iter().any(|(name, _, hint)| *name == field && *hint)
    }

    /// `aria-describedby` of a field: its hint (when it has one) and its error.
    pub(crate) fn described_by(&self, field: &str) -> String {
        let hint = self.hinted(field).then(|| format!("{field}-hint"));
        let error = self.error(field).map(|_| format!("{field}-error"));
        [hint, error].into_iter().flatten().collect::<Vec<_>>().join(" ")
    }
}

/// A flag as a care card or note shows it: `(what to do, what it may mean)`.
fn worded(
    kb: &PatientTexts,
    emergency_number: &str,
    flag: &RedFlagFinding<'_>,
) -> (String, String) {
    match kb.red_flag(&flag.rule.meta.id) {
        Some(words) => (
            fill_emergency_number(&words.title, emergency_number),
            fill_emergency_number(&words.text, emergency_number),
        ),
        None => (flag.rule.advice.to_string(), flag.rule.label.to_string()),
    }
}

/// The caution flags of a screening, as notes.
pub(crate) fn cautions(
    state: &AppState,
    context: &PageContext,
    screening: Option<&RedFlagScreening<'_>>,
) -> Vec<(String, String)> {
    let kb = state.kb.patient_texts(context.lang);
    screening
        .iter()
        .flat_map(|screening| &screening.red_flags)
        .filter(|flag| flag.tier == "caution")
        .map(|flag| worded(kb, &context.clinic.emergency_number, flag))
        .collect()
}

#[derive(Template)]
#[template(path = "seek_care.html")]
struct SeekCare<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    /// The answers, for the language switch.
    sealed: String,
    flags: Vec<(String, String)>,
}

/// The "seek care now" page: each emergency flag's own advice, and nothing else asked;
/// `sealed`, the answers for its language switch.
pub(crate) fn seek_care(
    state: &AppState,
    context: &PageContext,
    sealed: String,
    flags: &[RedFlagFinding<'_>],
) -> Response {
    let texts = state.kb.patient_texts(context.lang);
    let flags =
        flags.iter().map(|flag| worded(texts, &context.clinic.emergency_number, flag)).collect();
    let page = SeekCare {
        lang: context.lang,
        tr: context.tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        sealed,
        flags,
    };
    render(&page, context)
}

#[derive(Template)]
#[template(path = "urgent.html")]
struct Urgent<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    /// The answers, for the language switch.
    sealed: &'a str,
    flags: Vec<(String, String)>,
    why: &'a str,
    form: ConsultationForm,
}

/// A phase of the course: the therapy's name and what a session involves, sessions and weeks.
struct PhaseView<'a> {
    name: &'a str,
    intro: &'a str,
    sessions: u32,
    weeks: u32,
}

#[derive(Template)]
#[template(path = "result.html")]
struct ResultPage<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    /// The pathway's code (a data attribute for tests and tools).
    pathway: &'static str,
    /// What the result means, in one sentence.
    summary: &'a str,
    /// Why the answers fit it.
    why: &'a str,
    /// What the patient told that rules decompression out or calls for care with it:
    /// `(question, answer)`.
    told: Vec<(String, String)>,
    cautions: Vec<(String, String)>,
    phases: Vec<PhaseView<'a>>,
    follow_ups: Vec<&'a str>,
    /// What a clinician must still find out.
    missing: Vec<String>,
    odi: Option<(String, &'a str)>,
    start_back: Option<(u8, &'a str)>,
    evidence: Vec<EvidenceView<'a>>,
    notices: Vec<&'a str>,
    disclaimer: &'a str,
    /// The answers, for the language switch.
    sealed: String,
    form: ConsultationForm,
}

/// The engine's recommendation for the answers, with what travels into the clinic's queue.
pub(crate) fn self_assessment<'kb>(
    kb: &'kb KnowledgeBase,
    answers: &Answers,
) -> Option<(Recommendation<'kb>, SelfAssessment)> {
    let document = answers.document();
    let doc = discpath_model::from_value_partial(&document).ok()?;
    let recommendation = discpath_engine::assess(kb, &doc);
    let urgent =
        matches!(recommendation.pathway, Pathway::EmergencyReferral | Pathway::UrgentReferral);
    let result = String::from_utf8(recommendation.to_json()).ok()?;
    Some((recommendation, SelfAssessment { assessment: document.to_string(), result, urgent }))
}

/// The engine decides on the answers; the result, urgent or seek-care page says what it decided.
pub(crate) fn decide(state: &AppState, context: &PageContext, answers: &Answers) -> Response {
    let Some((recommendation, _)) = self_assessment(&state.kb, answers) else {
        let progress = super::Progress::new(&state.kb, answers, false);
        return super::step_page(state, context, 0, &progress, &[], None);
    };
    let sealed = state.pages.seal.seal(context.slug(), answers, now_secs());
    let kb = state.kb.patient_texts(context.lang);
    let number = &context.clinic.emergency_number;
    let flags_of = |tier: &str| -> Vec<(String, String)> {
        recommendation
            .red_flags
            .iter()
            .filter(|f| f.tier == tier)
            .map(|f| worded(kb, number, f))
            .collect()
    };
    let why = kb.rule(recommendation.decided_by).map_or("", |text| text.as_str());
    match recommendation.pathway {
        Pathway::EmergencyReferral => seek_care(state, context, sealed, &recommendation.red_flags),
        Pathway::UrgentReferral => {
            let page = Urgent {
                lang: context.lang,
                tr: context.tr,
                clinic_name: context.clinic_name(),
                slug: context.slug(),
                sealed: &sealed,
                flags: flags_of("urgent"),
                why,
                form: ConsultationForm::new(Some(sealed.clone()), true),
            };
            render(&page, context)
        }
        pathway => {
            let page = result_page(state, context, answers, &recommendation, pathway, why, sealed);
            render(&page, context)
        }
    }
}

fn result_page<'a>(
    state: &'a AppState,
    context: &'a PageContext,
    answers: &Answers,
    recommendation: &Recommendation<'a>,
    pathway: Pathway,
    why: &'a str,
    sealed: String,
) -> ResultPage<'a> {
    let tr = context.tr;
    let kb = state.kb.patient_texts(context.lang);
    let number = &context.clinic.emergency_number;
    let names = &kb.comparison.therapies;
    let phases = recommendation
        .care_plan
        .iter()
        .flat_map(|plan| &plan.phases)
        .map(|phase| PhaseView {
            name: names
                .iter()
                .find(|t| t.id == phase.therapy)
                .map_or(phase.therapy, |t| t.name.as_str()),
            intro: kb.therapy_intro(phase.therapy).map_or("", |text| text.as_str()),
            sessions: phase.sessions,
            weeks: phase.weeks,
        })
        .collect();
    let follow_ups = recommendation
        .care_plan
        .iter()
        .flat_map(|plan| &plan.follow_ups)
        .filter_map(|point| follow_up_key(point.label).map(|key| tr.t(key)))
        .collect();
    let evidence = recommendation
        .evidence
        .iter()
        .filter_map(|entry| evidence::view(kb, tr, entry.rule(), entry.certainty()))
        .collect();
    let notices = recommendation.instruments.iter().map(|used| used.0.notice.as_str()).collect();
    ResultPage {
        lang: context.lang,
        tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        pathway: pathway.as_str(),
        summary: kb.pathway(pathway),
        why,
        told: told(recommendation, answers, tr),
        cautions: recommendation
            .red_flags
            .iter()
            .filter(|f| f.tier == "caution")
            .map(|f| worded(kb, number, f))
            .collect(),
        phases,
        follow_ups,
        missing: missing(recommendation, answers, tr),
        odi: recommendation
            .scores
            .odi
            .as_ref()
            .map(|odi| (format!("{:.0}", odi.percent), tr.t(band_key(odi.band)))),
        start_back: recommendation
            .scores
            .start_back
            .as_ref()
            .map(|sb| (sb.total, tr.t(risk_key(sb.risk)))),
        evidence,
        notices,
        disclaimer: &kb.disclaimer,
        form: ConsultationForm::new(Some(sealed.clone()), false),
        sealed,
    }
}

/// What the patient answered that a contraindication read: `(question, answer)`.
fn told(
    recommendation: &Recommendation<'_>,
    answers: &Answers,
    tr: &'static Texts,
) -> Vec<(String, String)> {
    let mut told: Vec<(String, String)> = Vec::new();
    for finding in &recommendation.contraindications {
        let Some(entry) =
            recommendation.rationale.iter().find(|e| e.rule() == finding.rule.meta.id)
        else {
            continue;
        };
        for (path, _) in entry.inputs.iter() {
            let Some(question) = questions::all().find(|q| q.name == path) else { continue };
            let Some(answer) = answers.get(path) else { continue };
            let words = match question.kind {
                Kind::Choice { list, .. } => tr.t(&format!("choice.{list}.{answer}")).to_owned(),
                _ => tr.t(&format!("answer.{answer}")).to_owned(),
            };
            let pair = (tr.t(&format!("question.{path}")).to_owned(), words);
            if !told.contains(&pair) {
                told.push(pair);
            }
        }
    }
    told
}

/// What a clinician must still find out: each missing item and each unanswered screen item,
/// in the patient's words — the question they were not sure about, or what the clinic checks.
fn missing(
    recommendation: &Recommendation<'_>,
    answers: &Answers,
    tr: &'static Texts,
) -> Vec<String> {
    let ids =
        recommendation.missing.iter().copied().chain(
            recommendation.screens.iter().flat_map(|screen| screen.unanswered.iter().copied()),
        );
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let own = format!("missing.{id}");
        let words = if tr.has(&own) {
            tr.t(&own).to_owned()
        } else if questions::all().any(|q| q.name == id) && answers.get(id) == Some(UNSURE) {
            format!("{} {}", tr.t("result.not_sure"), tr.t(&format!("question.{id}")))
        } else if questions::all().any(|q| q.name == id) {
            tr.t(&format!("question.{id}")).to_owned()
        } else {
            tr.t("missing.other").to_owned()
        };
        if !out.contains(&words) {
            out.push(words);
        }
    }
    out
}

fn band_key(band: &str) -> &'static str {
    match band {
        "minimal" => "scores.odi_band.minimal",
        "moderate" => "scores.odi_band.moderate",
        "severe" => "scores.odi_band.severe",
        "crippling" => "scores.odi_band.crippling",
        _ => "scores.odi_band.bed_bound",
    }
}

fn risk_key(risk: &str) -> &'static str {
    match risk {
        "low" => "scores.start_back_risk.low",
        "medium" => "scores.start_back_risk.medium",
        _ => "scores.start_back_risk.high",
    }
}

#[cfg(test)]
mod tests {
    use crate::pages::i18n::follow_up_key;

    #[test]
    fn every_follow_up_point_of_the_knowledge_base_has_words() {
        let kb = discpath_kb::load_embedded().unwrap_or_else(|e| panic!("{e}"));
        for point in &kb.care_plan.follow_ups.points {
            assert!(follow_up_key(&point.label).is_some(), "{}", point.label);
        }
    }
}
