//! The self-assessment, `/c/{slug}/assessment`: a few short steps, the red-flag questions first,
//! then a page to check every answer before the result.
//!
//! Every step posts its answers with those before, carried in a hidden field sealed by the
//! server ([`answers::Seal`]), so nothing is stored and nothing is in the URL. After each step
//! the answers so far are screened once with the knowledge base's own red-flag rules
//! ([`discpath_engine::screen_red_flags`]): an emergency ends the questions at once on the
//! "seek care now" page; an urgent flag goes on only to the steps that could still raise an
//! emergency, then to the "urgent appointment" page with the consultation request; a caution
//! flag is a note. After the last step the patient checks the answers ([`check`]), changes
//! any, and the engine decides; the result page explains it.

mod answers;
mod check;
mod instruments;
mod outcome;
mod questions;
mod view;

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use discpath_engine::{RedFlagFinding, RedFlagScreening};
use discpath_kb::KnowledgeBase;

pub(crate) use answers::{Answers, Seal, Unsealed};
pub(crate) use instruments::{Instruments, OdiSection};
pub(crate) use outcome::{ConsultationForm, self_assessment};

use super::i18n::{Lang, LangCodes as _, Texts};
use super::{PageContext, render_with};
use crate::state::AppState;
use answers::Problem;
use questions::{STEPS, Step};
use view::QuestionView;

/// The `step` of the check-your-answers page.
const CHECK: &str = "check";
/// The `step` of a result, urgent or seek-care page switching language: the same outcome again.
const OUTCOME: &str = "outcome";

#[derive(Template)]
#[template(path = "step.html")]
struct StepPage<'a> {
    lang: Lang,
    tr: &'static Texts,
    clinic_name: &'a str,
    slug: &'a str,
    step_id: &'static str,
    number: usize,
    of: usize,
    title: String,
    intro: String,
    sealed: String,
    questions: Vec<QuestionView>,
    has_errors: bool,
    /// Caution flags found so far: `(title, text)`.
    cautions: Vec<(String, String)>,
    /// The questionnaire's "not the validated wording" label and copyright notice.
    notices: Vec<&'a str>,
    /// A notice above the form (answers that expired).
    notice: Option<&'static str>,
    /// The patient came to change an answer from the check page, and goes back to it.
    review: bool,
    /// The questions are a questionnaire's items (the instrument's words, not ours).
    instrument: bool,
}

/// The current time in Unix seconds, as the answers' seal reads it.
pub(crate) fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The answers so far, screened once for red flags, and whether the patient is changing them
/// from the check page.
struct Progress<'a, 'kb> {
    answers: &'a Answers,
    /// `None` only when the answers make no document the contract accepts (a defect of the
    /// mapping: every answer was checked as it was taken), and then the clinician decides.
    screening: Option<RedFlagScreening<'kb>>,
    review: bool,
}

impl<'a, 'kb> Progress<'a, 'kb> {
    fn new(kb: &'kb KnowledgeBase, answers: &'a Answers, review: bool) -> Self {
        let screening = discpath_model::from_value_partial(&answers.document())
            .ok()
            .map(|doc| discpath_engine::screen_red_flags(kb, &doc));
        Self { answers, screening, review }
    }
}

/// `GET /c/{slug}/assessment`: the first step.
pub(crate) async fn start(State(state): State<AppState>, context: PageContext) -> Response {
    let answers = Answers::default();
    step_page(&state, &context, 0, &Progress::new(&state.kb, &answers, false), &[], None)
}

/// `POST /c/{slug}/assessment`: one step's answers (`step`, its fields, the sealed `answers`;
/// `go=back` to go back, `lang` to switch language keeping every answer, `return=check` when
/// changing an answer from the check page), the check page's `change` or `go=next`, or an
/// outcome page's language switch.
pub(crate) async fn answer(
    State(state): State<AppState>,
    context: PageContext,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let form = form.map(|Form(form)| form).unwrap_or_default();
    let field =
        |name: &str| form.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let context = context.with_lang(field("lang"));
    let mut answers = match field("answers").filter(|sealed| !sealed.is_empty()) {
        None => Answers::default(),
        Some(sealed) => match state.pages.seal.open(context.slug(), sealed, now_secs()) {
            Ok(answers) => answers,
            Err(Unsealed::Expired | Unsealed::Invalid) => {
                let none = Answers::default();
                let progress = Progress::new(&state.kb, &none, false);
                let expired = Some("assessment.expired");
                let page = step_page(&state, &context, 0, &progress, &[], expired);
                return (StatusCode::BAD_REQUEST, page).into_response();
            }
        },
    };
    let switching = field("lang").is_some() && field("go").is_none();
    match field("step") {
        Some(CHECK) => {
            return match (field("change").and_then(questions::step), field("go")) {
                (Some((index, _)), _) => {
                    let progress = Progress::new(&state.kb, &answers, true);
                    step_page(&state, &context, index, &progress, &[], None)
                }
                (None, Some("back")) => {
                    let progress = Progress::new(&state.kb, &answers, false);
                    step_page(&state, &context, STEPS.len() - 1, &progress, &[], None)
                }
                (None, _) if switching => check::page(&state, &context, &answers),
                (None, _) => route(&state, &context, &answers, None, Then::Decide),
            };
        }
        Some(OUTCOME) => return route(&state, &context, &answers, None, Then::Decide),
        _ => {}
    }
    let Some((index, step)) = field("step").and_then(questions::step) else {
        return step_page(
            &state,
            &context,
            0,
            &Progress::new(&state.kb, &answers, false),
            &[],
            None,
        );
    };
    let review = field("return") == Some(CHECK);
    let problems = answers.take_step(step, &form);
    // Switching language or going back keeps what was answered well, and shows no errors.
    if switching {
        let progress = Progress::new(&state.kb, &answers, review);
        return step_page(&state, &context, index, &progress, &[], None);
    }
    if field("go") == Some("back") {
        if review {
            return check::page(&state, &context, &answers);
        }
        let progress = Progress::new(&state.kb, &answers, false);
        return step_page(&state, &context, index.saturating_sub(1), &progress, &[], None);
    }
    if !problems.is_empty() {
        let progress = Progress::new(&state.kb, &answers, review);
        return step_page(&state, &context, index, &progress, &problems, None);
    }
    let from = if review { None } else { Some(index) };
    route(&state, &context, &answers, from, Then::Check)
}

/// What comes once every step is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// The check-your-answers page.
    Check,
    /// The engine's decision.
    Decide,
}

/// Leads the answers on: from step `from` to the next step, or (`None`, changing answers or
/// deciding) to the first step with a required answer missing; once none is left, `then`.
/// An emergency found in the answers goes to the seek-care page whatever was asked.
fn route(
    state: &AppState,
    context: &PageContext,
    answers: &Answers,
    from: Option<usize>,
    then: Then,
) -> Response {
    let progress = Progress::new(&state.kb, answers, from.is_none());
    match next(&progress, from) {
        Next::Step(at) => step_page(state, context, at, &progress, &[], None),
        Next::Done if then == Then::Check => check::page(state, context, answers),
        Next::Done | Next::Urgent => outcome::decide(state, context, answers),
        Next::SeekCare(flags) => {
            let sealed = state.pages.seal.seal(context.slug(), answers, now_secs());
            outcome::seek_care(state, context, sealed, &flags)
        }
    }
}

/// Where the answers lead.
enum Next<'kb> {
    /// To this step.
    Step(usize),
    /// Every step is answered.
    Done,
    /// An emergency: seek care now, nothing more asked.
    SeekCare(Vec<RedFlagFinding<'kb>>),
    /// An urgent flag, and no step to come could raise an emergency.
    Urgent,
}

fn next<'kb>(progress: &Progress<'_, 'kb>, from: Option<usize>) -> Next<'kb> {
    let Some(screening) = &progress.screening else { return Next::Done };
    let emergencies: Vec<RedFlagFinding<'kb>> =
        screening.red_flags.iter().filter(|flag| flag.tier == "emergency").cloned().collect();
    if !emergencies.is_empty() {
        return Next::SeekCare(emergencies);
    }
    let to_come = |at: usize| match from {
        Some(index) => at > index,
        None => !progress.answers.complete(&STEPS[at]),
    };
    if screening.red_flags.iter().any(|flag| flag.tier == "urgent") {
        // Ask on only where an answer still to come could raise an emergency.
        let raises_emergency = |step: &Step| {
            screening.undecided.iter().filter(|flag| flag.tier == "emergency").any(|flag| {
                flag.waiting_for.iter().any(|path| step.questions.iter().any(|q| q.name == *path))
            })
        };
        return match (0..STEPS.len()).find(|&at| to_come(at) && raises_emergency(&STEPS[at])) {
            Some(at) => Next::Step(at),
            None => Next::Urgent,
        };
    }
    (0..STEPS.len()).find(|&at| to_come(at)).map_or(Next::Done, Next::Step)
}

/// A step's heading and introduction, and for a questionnaire its notices (the "not the
/// validated wording" label, the copyright).
fn step_words<'a>(
    state: &'a AppState,
    context: &PageContext,
    step: &Step,
) -> (String, String, Vec<&'a str>) {
    let instruments = state.pages.instruments.of(context.lang);
    let kb = &state.kb.instruments;
    let questionnaire = match step.id {
        "odi" => Some((&instruments.odi.title, &instruments.odi.intro, &kb.odi.instrument)),
        "start-back" => Some((
            &instruments.start_back.title,
            &instruments.start_back.intro,
            &kb.start_back.instrument,
        )),
        _ => None,
    };
    match questionnaire {
        Some((title, intro, instrument)) => {
            let unvalidated =
                (!instruments.validated).then_some(instruments.unvalidated_label.as_str());
            let notices = unvalidated.into_iter().chain([instrument.notice.as_str()]).collect();
            (title.clone(), intro.clone(), notices)
        }
        None => {
            let tr = context.tr;
            let title = tr.t(&format!("step.{}.title", step.id)).to_owned();
            (title, tr.t(&format!("step.{}.intro", step.id)).to_owned(), Vec::new())
        }
    }
}

/// Renders step `index` with the answers so far.
fn step_page(
    state: &AppState,
    context: &PageContext,
    index: usize,
    progress: &Progress<'_, '_>,
    problems: &[Problem],
    notice: Option<&'static str>,
) -> Response {
    let step = &STEPS[index.min(STEPS.len() - 1)];
    let instruments = state.pages.instruments.of(context.lang);
    let questions =
        view::questions(step.questions, progress.answers, problems, context.tr, instruments);
    let (title, intro, notices) = step_words(state, context, step);
    let page = StepPage {
        lang: context.lang,
        tr: context.tr,
        clinic_name: context.clinic_name(),
        slug: context.slug(),
        step_id: step.id,
        number: index + 1,
        of: STEPS.len(),
        title,
        intro,
        sealed: state.pages.seal.seal(context.slug(), progress.answers, now_secs()),
        has_errors: !problems.is_empty(),
        questions,
        cautions: outcome::cautions(state, context, progress.screening.as_ref()),
        notices,
        notice,
        review: progress.review,
        instrument: step.is_questionnaire(),
    };
    let status =
        if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_with(status, &page, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> KnowledgeBase {
        discpath_kb::load_embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    /// No red flag, a man of 40 with six weeks of back pain, every step answered.
    fn answered() -> Answers {
        let mut pairs: Vec<(String, String)> =
            STEPS[0].questions.iter().map(|q| (q.name.to_owned(), "no".to_owned())).collect();
        for (name, value) in [
            ("patient.age", "40"),
            ("patient.sex", "male"),
            ("symptoms.duration_weeks", "6"),
            ("symptoms.back_pain", "6"),
            ("symptoms.leg_pain", "2"),
            ("symptoms.pain_below_knee", "no"),
            ("diagnoses", "unknown"),
            ("conditions.osteoporosis", "none"),
            ("history.physical_therapy", "none"),
            ("history.decompression", "none"),
        ] {
            pairs.push((name.to_owned(), value.to_owned()));
        }
        for question in &STEPS[3].questions[2..] {
            pairs.push((question.name.to_owned(), "no".to_owned()));
        }
        let pairs: Vec<(&str, &str)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Answers::with(&pairs)
    }

    fn step_of(next: &Next<'_>) -> Option<&'static str> {
        match next {
            Next::Step(at) => Some(STEPS[*at].id),
            _ => None,
        }
    }

    #[test]
    fn forward_goes_to_the_next_step_and_review_to_the_first_one_incomplete() {
        let kb = kb();
        let answers = answered();
        assert!(STEPS.iter().all(|step| answers.complete(step)));
        let progress = Progress::new(&kb, &answers, false);
        assert_eq!(step_of(&next(&progress, Some(1))), Some("diagnosis"), "forward: the next step");
        assert!(matches!(next(&progress, None), Next::Done), "review: nothing left to ask");

        // Changed to a woman on the check page: the pregnancy question is now asked.
        let mut woman = answers.clone();
        let form = [("patient.sex", "female")].map(|(k, v)| (k.to_owned(), v.to_owned()));
        let mut symptoms: Vec<(String, String)> = STEPS[1]
            .questions
            .iter()
            .filter_map(|q| answers.get(q.name).map(|v| (q.name.to_owned(), v.to_owned())))
            .filter(|(k, _)| k != "patient.sex")
            .collect();
        symptoms.extend(form);
        assert!(woman.take_step(&STEPS[1], &symptoms).is_empty());
        assert!(!woman.complete(&STEPS[3]), "the health step lacks the pregnancy answer");
        let progress = Progress::new(&kb, &woman, true);
        assert_eq!(step_of(&next(&progress, None)), Some("health"));
    }

    #[test]
    fn an_emergency_goes_to_seek_care_however_the_answers_came() {
        let kb = kb();
        let mut answers = answered();
        let mut red_flags: Vec<(String, String)> =
            STEPS[0].questions.iter().map(|q| (q.name.to_owned(), "no".to_owned())).collect();
        red_flags[0].1 = "yes".to_owned(); // numbness around the bottom or genitals
        assert!(answers.take_step(&STEPS[0], &red_flags).is_empty());
        let progress = Progress::new(&kb, &answers, true);
        for from in [Some(0), None] {
            assert!(
                matches!(next(&progress, from), Next::SeekCare(ref flags) if !flags.is_empty())
            );
        }
    }
}
